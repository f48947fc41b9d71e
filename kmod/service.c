// SPDX-License-Identifier: GPL-2.0
/*
 * The service table: services keyed by (family, protocol, address, port),
 * each with its list of backends and the backend set its scheduler uses.
 * Changes run under sn->lock; the datapath reads under RCU.
 */
#include <linux/slab.h>

#include "svclb.h"

static const struct rhashtable_params svc_params = {
	.head_offset = offsetof(struct svclb_service, node),
	.key_offset = offsetof(struct svclb_service, key),
	.key_len = sizeof(struct svclb_svc_key),
	.automatic_shrinking = true,
};

int svclb_service_net_init(struct svclb_net *sn)
{
	INIT_LIST_HEAD(&sn->service_list);
	return rhashtable_init(&sn->services, &svc_params);
}

void svclb_service_net_exit(struct svclb_net *sn)
{
	mutex_lock(&sn->lock);
	svclb_service_flush(sn);
	mutex_unlock(&sn->lock);
	rhashtable_destroy(&sn->services);
}

/* Under RCU or sn->lock. */
struct svclb_service *svclb_service_lookup(struct svclb_net *sn,
					   const struct svclb_svc_key *key)
{
	return rhashtable_lookup_fast(&sn->services, key, svc_params);
}

void svclb_stats_sum(struct svclb_stats __percpu *stats,
		     struct svclb_stats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct svclb_stats *s = per_cpu_ptr(stats, cpu);
		struct svclb_stats_sum v;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v.flows = u64_stats_read(&s->flows);
			v.pkts_in = u64_stats_read(&s->pkts_in);
			v.bytes_in = u64_stats_read(&s->bytes_in);
			v.pkts_out = u64_stats_read(&s->pkts_out);
			v.bytes_out = u64_stats_read(&s->bytes_out);
			v.refused = u64_stats_read(&s->refused);
			v.dropped = u64_stats_read(&s->dropped);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->flows += v.flows;
		sum->pkts_in += v.pkts_in;
		sum->bytes_in += v.bytes_in;
		sum->pkts_out += v.pkts_out;
		sum->bytes_out += v.bytes_out;
		sum->refused += v.refused;
		sum->dropped += v.dropped;
	}
}

static struct svclb_stats __percpu *svclb_stats_alloc(void)
{
	struct svclb_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct svclb_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void svclb_service_put(struct svclb_service *svc)
{
	if (!refcount_dec_and_test(&svc->refcnt))
		return;
	free_percpu(svc->stats);
	kfree(svc);
}

void svclb_backend_put(struct svclb_backend *be)
{
	struct svclb_service *svc = be->svc;

	if (!refcount_dec_and_test(&be->refcnt))
		return;
	free_percpu(be->stats);
	kfree(be);
	svclb_service_put(svc);
}

static void svclb_set_free_rcu(struct rcu_head *head)
{
	struct svclb_be_set *set = container_of(head, struct svclb_be_set, rcu);
	unsigned int i;

	if (set->sched->destroy)
		set->sched->destroy(set);
	for (i = 0; i < set->n; i++)
		svclb_backend_put(set->be[i]);
	kfree(set);
}

static void svclb_backend_unlink(struct svclb_backend *be);

static bool svclb_backend_usable(const struct svclb_backend *be,
				 const struct svclb_backend *exclude)
{
	return be != exclude && !be->leaving && be->weight > 0;
}

/*
 * Build the backend set from the backend list, leaving out @exclude, and
 * publish it. On failure the previous set stays in place.
 */
static int svclb_service_rebuild(struct svclb_service *svc,
				 const struct svclb_backend *exclude)
{
	struct svclb_net *sn = svc->sn;
	struct svclb_be_set *set = NULL, *old;
	struct svclb_backend *be;
	unsigned int n = 0;
	int err;

	lockdep_assert_held(&sn->lock);

	list_for_each_entry(be, &svc->backends, list)
		n += svclb_backend_usable(be, exclude);
	if (n) {
		set = kzalloc(struct_size(set, be, n), GFP_KERNEL);
		if (!set)
			return -ENOMEM;
		set->sched = svc->sched;
		list_for_each_entry(be, &svc->backends, list) {
			if (svclb_backend_usable(be, exclude))
				set->be[set->n++] = be;
		}
		if (set->sched->build) {
			err = set->sched->build(set);
			if (err) {
				kfree(set);
				return err;
			}
		}
		for (n = 0; n < set->n; n++)
			refcount_inc(&set->be[n]->refcnt);
	}
	old = rcu_replace_pointer(svc->set, set, lockdep_is_held(&sn->lock));
	if (old)
		call_rcu(&old->rcu, svclb_set_free_rcu);
	svclb_changed(sn);
	return 0;
}

/*
 * Create a service with the backends @specs. It is complete, backend set
 * included, before it becomes visible.
 */
struct svclb_service *svclb_service_create(struct svclb_net *sn,
					   const struct svclb_svc_key *key,
					   const struct svclb_sched_ops *sched,
					   u32 flags,
					   const struct svclb_be_spec *specs,
					   unsigned int n)
{
	struct svclb_service *svc;
	int err;

	lockdep_assert_held(&sn->lock);

	if (svclb_service_lookup(sn, key))
		return ERR_PTR(-EEXIST);
	svc = kzalloc(sizeof(*svc), GFP_KERNEL);
	if (!svc)
		return ERR_PTR(-ENOMEM);
	svc->stats = svclb_stats_alloc();
	if (!svc->stats) {
		kfree(svc);
		return ERR_PTR(-ENOMEM);
	}
	svc->key = *key;
	svc->sn = sn;
	svc->sched = sched;
	svc->flags = flags;
	INIT_LIST_HEAD(&svc->backends);
	refcount_set(&svc->refcnt, 1);

	err = n ? svclb_service_replace(svc, sched, flags, specs, n) : 0;
	if (!err)
		err = rhashtable_lookup_insert_fast(&sn->services, &svc->node,
						    svc_params);
	if (err) {
		/* Never visible: no reader can hold the set or the backends. */
		struct svclb_be_set *set = rcu_dereference_protected(svc->set,
						lockdep_is_held(&sn->lock));
		struct svclb_backend *be, *tmp;

		if (set) {
			RCU_INIT_POINTER(svc->set, NULL);
			svclb_set_free_rcu(&set->rcu);
		}
		list_for_each_entry_safe(be, tmp, &svc->backends, list) {
			svclb_backend_unlink(be);
			svclb_backend_put(be);
		}
		svclb_service_put(svc);
		return ERR_PTR(err);
	}
	list_add_tail(&svc->list, &sn->service_list);
	WRITE_ONCE(sn->nr_services, sn->nr_services + 1);
	if (svclb_addr_any(&key->addr))
		WRITE_ONCE(sn->nr_nodeports, sn->nr_nodeports + 1);
	svclb_changed(sn);
	return svc;
}

int svclb_service_set_sched(struct svclb_service *svc,
			    const struct svclb_sched_ops *sched)
{
	const struct svclb_sched_ops *old = svc->sched;
	int err;

	if (sched == old)
		return 0;
	svc->sched = sched;
	err = svclb_service_rebuild(svc, NULL);
	if (err)
		svc->sched = old;
	return err;
}

/* Unlink a backend; its flows notice ->dead and are forgotten. */
static void svclb_backend_unlink(struct svclb_backend *be)
{
	WRITE_ONCE(be->dead, true);
	list_del(&be->list);
	be->svc->nr_backends--;
}

static void svclb_service_release_rcu(struct rcu_head *head)
{
	svclb_service_put(container_of(head, struct svclb_service, rcu));
}

void svclb_service_delete(struct svclb_service *svc)
{
	struct svclb_net *sn = svc->sn;
	struct svclb_backend *be, *tmp;
	struct svclb_be_set *old;

	lockdep_assert_held(&sn->lock);

	rhashtable_remove_fast(&sn->services, &svc->node, svc_params);
	list_del(&svc->list);
	WRITE_ONCE(sn->nr_services, sn->nr_services - 1);
	if (svclb_addr_any(&svc->key.addr))
		WRITE_ONCE(sn->nr_nodeports, sn->nr_nodeports - 1);
	svclb_changed(sn);

	old = rcu_replace_pointer(svc->set, NULL, lockdep_is_held(&sn->lock));
	if (old)
		call_rcu(&old->rcu, svclb_set_free_rcu);
	list_for_each_entry_safe(be, tmp, &svc->backends, list) {
		svclb_backend_unlink(be);
		svclb_backend_put(be);
	}
	/* Readers may still hold the service from a table lookup. */
	call_rcu(&svc->rcu, svclb_service_release_rcu);
}

void svclb_service_flush(struct svclb_net *sn)
{
	struct svclb_service *svc, *tmp;

	lockdep_assert_held(&sn->lock);

	list_for_each_entry_safe(svc, tmp, &sn->service_list, list)
		svclb_service_delete(svc);
}

struct svclb_backend *svclb_backend_find(struct svclb_service *svc,
					 const union svclb_addr *addr,
					 __be16 port)
{
	struct svclb_backend *be;

	lockdep_assert_held(&svc->sn->lock);

	list_for_each_entry(be, &svc->backends, list) {
		if (be->port == port && !memcmp(&be->addr, addr, sizeof(*addr)))
			return be;
	}
	return NULL;
}

/* A new backend at the end of the service's list, in no set yet. */
static struct svclb_backend *svclb_backend_link(struct svclb_service *svc,
						const union svclb_addr *addr,
						__be16 port, u32 weight)
{
	struct svclb_backend *be;

	be = kzalloc(sizeof(*be), GFP_KERNEL);
	if (!be)
		return NULL;
	be->stats = svclb_stats_alloc();
	if (!be->stats) {
		kfree(be);
		return NULL;
	}
	be->addr = *addr;
	be->port = port;
	be->weight = weight;
	be->svc = svc;
	refcount_set(&be->refcnt, 1);
	refcount_inc(&svc->refcnt);
	list_add_tail(&be->list, &svc->backends);
	svc->nr_backends++;
	return be;
}

/*
 * Make @specs the service's backends, with @sched and @flags, all or
 * nothing: the new backend set is built before anything is committed, and
 * on failure the service is left exactly as it was. Backends in both the old
 * and the new list keep their flows and counters; the others are removed.
 */
int svclb_service_replace(struct svclb_service *svc,
			  const struct svclb_sched_ops *sched, u32 flags,
			  const struct svclb_be_spec *specs, unsigned int n)
{
	const struct svclb_sched_ops *old_sched = svc->sched;
	struct svclb_backend *be, *tmp, *first_new = NULL;
	unsigned int i, nr_old = svc->nr_backends;
	u32 *old_weights;
	int err = -ENOMEM;

	lockdep_assert_held(&svc->sn->lock);

	old_weights = kvmalloc_array(nr_old + 1, sizeof(*old_weights),
				     GFP_KERNEL);
	if (!old_weights)
		return -ENOMEM;
	i = 0;
	list_for_each_entry(be, &svc->backends, list) {
		old_weights[i++] = be->weight;
		be->leaving = true;
	}
	for (i = 0; i < n; i++) {
		be = svclb_backend_find(svc, &specs[i].addr, specs[i].port);
		if (be) {
			be->leaving = false;
			be->weight = specs[i].weight;
			continue;
		}
		be = svclb_backend_link(svc, &specs[i].addr, specs[i].port,
					specs[i].weight);
		if (!be)
			goto undo;
		first_new = first_new ?: be;
	}
	svc->sched = sched;
	err = svclb_service_rebuild(svc, NULL);
	if (err)
		goto undo;

	list_for_each_entry_safe(be, tmp, &svc->backends, list) {
		if (be->leaving) {
			svclb_backend_unlink(be);
			svclb_backend_put(be);
		}
	}
	WRITE_ONCE(svc->flags, flags);
	kvfree(old_weights);
	return 0;

undo:
	svc->sched = old_sched;
	i = 0;
	list_for_each_entry_safe(be, tmp, &svc->backends, list) {
		if (i == nr_old)
			break;
		be->weight = old_weights[i++];
		be->leaving = false;
	}
	/* The new ones follow the old ones in the list. */
	if (first_new) {
		be = first_new;
		list_for_each_entry_safe_from(be, tmp, &svc->backends, list) {
			svclb_backend_unlink(be);
			svclb_backend_put(be);
		}
	}
	kvfree(old_weights);
	return err;
}

int svclb_backend_add(struct svclb_service *svc, const union svclb_addr *addr,
		      __be16 port, u32 weight)
{
	struct svclb_backend *be;
	int err;

	lockdep_assert_held(&svc->sn->lock);

	be = svclb_backend_link(svc, addr, port, weight);
	if (!be)
		return -ENOMEM;

	err = svclb_service_rebuild(svc, NULL);
	if (err) {
		svclb_backend_unlink(be);
		svclb_backend_put(be);
	}
	return err;
}

int svclb_backend_set_weight(struct svclb_backend *be, u32 weight)
{
	u32 old = be->weight;
	int err;

	if (weight == old)
		return 0;
	be->weight = weight;
	err = svclb_service_rebuild(be->svc, NULL);
	if (err)
		be->weight = old;
	return err;
}

int svclb_backend_delete(struct svclb_backend *be)
{
	int err;

	lockdep_assert_held(&be->svc->sn->lock);

	err = svclb_service_rebuild(be->svc, be);
	if (err)
		return err;
	svclb_backend_unlink(be);
	svclb_backend_put(be);
	return 0;
}
