// SPDX-License-Identifier: GPL-2.0
/*
 * The service table: services keyed by (family, protocol, address, port),
 * each with its list of backends and the backend set its scheduler uses.
 * Changes run under sn->lock; the datapath reads under RCU.
 */
#include <linux/slab.h>
#include <linux/sort.h>

#include "svclb.h"

static const struct rhashtable_params svc_params = {
	.head_offset = offsetof(struct svclb_service, node),
	.key_offset = offsetof(struct svclb_service, key),
	.key_len = sizeof(struct svclb_svc_key),
	.automatic_shrinking = true,
};

/* Backends of every service, by service and endpoint (svclb_be_key). */
static const struct rhashtable_params be_params = {
	.head_offset = offsetof(struct svclb_backend, hnode),
	.key_offset = offsetof(struct svclb_backend, svc),
	.key_len = offsetofend(struct svclb_be_key, port),
	.automatic_shrinking = true,
};

static_assert(offsetof(struct svclb_backend, addr) -
	      offsetof(struct svclb_backend, svc) ==
	      offsetof(struct svclb_be_key, addr));
static_assert(offsetof(struct svclb_backend, port) -
	      offsetof(struct svclb_backend, svc) ==
	      offsetof(struct svclb_be_key, port));

int svclb_service_net_init(struct svclb_net *sn)
{
	int err;

	INIT_LIST_HEAD(&sn->service_list);
	sn->max_services = SVCLB_SERVICES_DEFAULT;
	sn->max_backends = SVCLB_BACKENDS_MAX;
	err = rhashtable_init(&sn->services, &svc_params);
	if (err)
		return err;
	err = rhashtable_init(&sn->backends, &be_params);
	if (err)
		rhashtable_destroy(&sn->services);
	return err;
}

void svclb_service_net_exit(struct svclb_net *sn)
{
	mutex_lock(&sn->lock);
	svclb_service_flush(sn);
	mutex_unlock(&sn->lock);
	rhashtable_destroy(&sn->backends);
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

	stats = alloc_percpu_gfp(struct svclb_stats, GFP_KERNEL_ACCOUNT);
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

static bool svclb_backend_usable(const struct svclb_backend *be,
				 const struct svclb_backend *exclude, u8 state)
{
	return be != exclude && !be->leaving && be->weight > 0 &&
	       be->state == state;
}

/*
 * Build the backend set from the backend list, leaving out @exclude and the
 * backends marked leaving, and publish it. The set holds the active
 * backends, or the terminating ones when no active backend can take a new
 * flow. On failure the previous set stays in place.
 */
static int svclb_service_rebuild(struct svclb_service *svc,
				 const struct svclb_backend *exclude)
{
	struct svclb_net *sn = svc->sn;
	struct svclb_be_set *set = NULL, *old;
	u8 state = SVCLB_BE_STATE_ACTIVE;
	struct svclb_backend *be;
	unsigned int n = 0;
	int err;

	lockdep_assert_held(&sn->lock);

	list_for_each_entry(be, &svc->backends, list)
		n += svclb_backend_usable(be, exclude, state);
	if (!n) {
		state = SVCLB_BE_STATE_TERMINATING;
		list_for_each_entry(be, &svc->backends, list)
			n += svclb_backend_usable(be, exclude, state);
	}
	if (n) {
		set = kzalloc(struct_size(set, be, n), GFP_KERNEL_ACCOUNT);
		if (!set)
			return -ENOMEM;
		set->sched = svc->sched;
		set->state = state;
		list_for_each_entry(be, &svc->backends, list) {
			if (svclb_backend_usable(be, exclude, state))
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

static void svclb_backend_unlink(struct svclb_backend *be);

/*
 * Create a service with @conf and the @n backends @specs, also sorted in
 * @sorted (see svclb_spec_sort()). It is complete, backend set included,
 * before it becomes visible. -EEXIST if it exists, -ENOSPC if the namespace
 * has max_services already.
 */
struct svclb_service *svclb_service_create(struct svclb_net *sn,
					   const struct svclb_svc_key *key,
					   const struct svclb_svc_conf *conf,
					   struct svclb_be_spec *specs,
					   struct svclb_be_spec **sorted,
					   unsigned int n)
{
	struct svclb_service *svc;
	int err;

	lockdep_assert_held(&sn->lock);

	if (svclb_service_lookup(sn, key))
		return ERR_PTR(-EEXIST);
	if (sn->nr_services >= READ_ONCE(sn->max_services))
		return ERR_PTR(-ENOSPC);
	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return ERR_PTR(-ENOMEM);
	svc->stats = svclb_stats_alloc();
	if (!svc->stats) {
		kfree(svc);
		return ERR_PTR(-ENOMEM);
	}
	svc->key = *key;
	svc->sn = sn;
	svc->sched = conf->sched;
	svc->flags = conf->flags;
	svc->affinity = conf->affinity;
	svc->affinity_timeout = conf->affinity_timeout;
	INIT_LIST_HEAD(&svc->backends);
	refcount_set(&svc->refcnt, 1);

	err = n ? svclb_service_replace(svc, conf->sched, specs, sorted, n) : 0;
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

/* Put a new backend on its service's list and in the backend table. */
static int svclb_backend_link(struct svclb_backend *be)
{
	struct svclb_service *svc = be->svc;
	int err;

	err = rhashtable_lookup_insert_fast(&svc->sn->backends, &be->hnode,
					    be_params);
	if (err)
		return err;
	list_add_tail(&be->list, &svc->backends);
	svc->nr_backends++;
	return 0;
}

/* Unlink a backend; its flows notice ->dead and are forgotten. */
static void svclb_backend_unlink(struct svclb_backend *be)
{
	WRITE_ONCE(be->dead, true);
	rhashtable_remove_fast(&be->svc->sn->backends, &be->hnode, be_params);
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
	svclb_gc_removed(sn);
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
	struct svclb_be_key key = { .svc = svc, .addr = *addr, .port = port };

	lockdep_assert_held(&svc->sn->lock);

	return rhashtable_lookup_fast(&svc->sn->backends, &key, be_params);
}

/* A backend of @svc, on no list yet. */
static struct svclb_backend *svclb_backend_alloc(struct svclb_service *svc,
						 const union svclb_addr *addr,
						 __be16 port, u32 weight,
						 u8 state)
{
	struct svclb_backend *be;

	be = kzalloc(sizeof(*be), GFP_KERNEL_ACCOUNT);
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
	be->state = state;
	be->svc = svc;
	refcount_set(&be->refcnt, 1);
	refcount_inc(&svc->refcnt);
	return be;
}

int svclb_backend_add(struct svclb_service *svc, const union svclb_addr *addr,
		      __be16 port, u32 weight, u8 state)
{
	struct svclb_backend *be;
	int err;

	lockdep_assert_held(&svc->sn->lock);

	be = svclb_backend_alloc(svc, addr, port, weight, state);
	if (!be)
		return -ENOMEM;
	err = svclb_backend_link(be);
	if (err) {
		svclb_backend_put(be);
		return err;
	}

	err = svclb_service_rebuild(svc, NULL);
	if (err) {
		svclb_backend_unlink(be);
		svclb_backend_put(be);
	}
	return err;
}

/*
 * The weight and state are read locklessly by session affinity, which only
 * uses a backend that the current set may hold.
 */
static void svclb_backend_assign(struct svclb_backend *be, u32 weight,
				 u8 state)
{
	WRITE_ONCE(be->weight, weight);
	WRITE_ONCE(be->state, state);
}

int svclb_backend_update(struct svclb_backend *be, u32 weight, u8 state)
{
	u32 old_weight = be->weight;
	u8 old_state = be->state;
	int err;

	if (weight == old_weight && state == old_state)
		return 0;
	svclb_backend_assign(be, weight, state);
	err = svclb_service_rebuild(be->svc, NULL);
	if (err)
		svclb_backend_assign(be, old_weight, old_state);
	return err;
}

int svclb_backend_delete(struct svclb_backend *be)
{
	struct svclb_net *sn = be->svc->sn;
	int err;

	lockdep_assert_held(&sn->lock);

	err = svclb_service_rebuild(be->svc, be);
	if (err)
		return err;
	svclb_backend_unlink(be);
	svclb_backend_put(be);
	/* Its flows are dead already; free them and their counts now. */
	svclb_gc_removed(sn);
	return 0;
}

static int svclb_spec_cmp(const void *a, const void *b)
{
	const struct svclb_be_spec *x = *(const struct svclb_be_spec **)a;
	const struct svclb_be_spec *y = *(const struct svclb_be_spec **)b;
	int d = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (d)
		return d;
	return memcmp(&x->port, &y->port, sizeof(x->port));
}

static struct svclb_be_spec *svclb_spec_find(struct svclb_be_spec **sorted,
					     unsigned int n,
					     const struct svclb_backend *be)
{
	struct svclb_be_spec key = { .addr = be->addr, .port = be->port };
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct svclb_be_spec *k = &key;
		int d = svclb_spec_cmp(&k, &sorted[mid]);

		if (!d)
			return sorted[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Sort pointers to @n specs in @sorted. Returns a spec that repeats another,
 * the one given later, or NULL.
 */
struct svclb_be_spec *svclb_spec_sort(struct svclb_be_spec *specs,
				      struct svclb_be_spec **sorted,
				      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sorted[i] = &specs[i];
	sort(sorted, n, sizeof(*sorted), svclb_spec_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (!svclb_spec_cmp(&sorted[i - 1], &sorted[i]))
			return sorted[i]->nla > sorted[i - 1]->nla ?
			       sorted[i] : sorted[i - 1];
	}
	return NULL;
}

/*
 * Make @specs, @n distinct backends also sorted in @sorted (see
 * svclb_spec_sort()), the backends of @svc, scheduled by @sched: the new set
 * is built aside and published at once; backends kept keep their flows and
 * counters, new ones follow them in the order given. On failure nothing has
 * changed.
 */
int svclb_service_replace(struct svclb_service *svc,
			  const struct svclb_sched_ops *sched,
			  struct svclb_be_spec *specs,
			  struct svclb_be_spec **sorted, unsigned int n)
{
	const struct svclb_sched_ops *old_sched = svc->sched;
	struct svclb_net *sn = svc->sn;
	struct svclb_backend *be, *tmp;
	struct svclb_be_spec *spec;
	unsigned int i;
	bool removed = false;
	int err;

	lockdep_assert_held(&sn->lock);

	for (i = 0; i < n; i++) {
		sorted[i]->be = NULL;
		sorted[i]->fresh = false;
	}
	list_for_each_entry(be, &svc->backends, list) {
		spec = svclb_spec_find(sorted, n, be);
		if (spec)
			spec->be = be;
		else
			be->leaving = true;
	}
	for (i = 0; i < n; i++) {
		spec = &specs[i];
		if (spec->be)
			continue;
		be = svclb_backend_alloc(svc, &spec->addr, spec->port,
					 spec->weight, spec->state);
		if (!be) {
			err = -ENOMEM;
			goto undo;
		}
		/* Unreachable from the datapath until the set is published. */
		err = svclb_backend_link(be);
		if (err) {
			svclb_backend_put(be);
			goto undo;
		}
		spec->be = be;
		spec->fresh = true;
	}

	for (i = 0; i < n; i++) {
		spec = &specs[i];
		spec->old_weight = spec->be->weight;
		spec->old_state = spec->be->state;
		svclb_backend_assign(spec->be, spec->weight, spec->state);
	}
	svc->sched = sched;
	err = svclb_service_rebuild(svc, NULL);
	if (err) {
		svc->sched = old_sched;
		for (i = 0; i < n; i++)
			svclb_backend_assign(specs[i].be, specs[i].old_weight,
					     specs[i].old_state);
		goto undo;
	}

	list_for_each_entry_safe(be, tmp, &svc->backends, list) {
		if (!be->leaving)
			continue;
		svclb_backend_unlink(be);
		svclb_backend_put(be);
		removed = true;
	}
	if (removed)
		svclb_gc_removed(sn);
	return 0;

undo:
	for (i = 0; i < n; i++) {
		if (specs[i].fresh) {
			svclb_backend_unlink(specs[i].be);
			svclb_backend_put(specs[i].be);
		}
	}
	list_for_each_entry(be, &svc->backends, list)
		be->leaving = false;
	return err;
}

#ifdef DEBUG
#include "selftest/service.c"
#endif
