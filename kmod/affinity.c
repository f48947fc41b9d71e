// SPDX-License-Identifier: GPL-2.0
/*
 * Session affinity by client address. For a service with affinity, an
 * entry per client address remembers the backend of the client's last new
 * flow and when that flow was scheduled; a new flow from the client within
 * the service's affinity timeout goes to the same backend, as long as that
 * backend may take new flows. Only the scheduling of a new flow moves the
 * stamp: packets of existing flows, however long they live, never do, so
 * the timeout is exact.
 *
 * Entries are keyed by service and client address in a per-namespace
 * rhashtable, read under RCU, bounded by the flow table's bound (when full,
 * new flows are scheduled without an entry), and removed by the flow worker
 * once expired or once their backend is removed. Like flows, an entry is
 * removed by whoever takes it out of the table, and freed after a grace
 * period.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "svclb.h"

struct svclb_affinity_key {
	const struct svclb_service *svc;
	union svclb_addr client;
};

struct svclb_affinity_entry {
	struct rhash_head node;
	struct svclb_affinity_key key;
	struct svclb_backend *be;	/* holds a reference */
	u32 stamp;			/* jiffies of the last new flow */
	struct rcu_head rcu;
};

static struct kmem_cache *svclb_affinity_cache;

static const struct rhashtable_params affinity_params = {
	.head_offset = offsetof(struct svclb_affinity_entry, node),
	.key_offset = offsetof(struct svclb_affinity_entry, key),
	.key_len = sizeof(struct svclb_affinity_key),
	.automatic_shrinking = true,
};

static bool svclb_affinity_expired(const struct svclb_affinity_entry *a,
				   u32 now)
{
	const struct svclb_service *svc = a->key.svc;

	return READ_ONCE(svc->affinity) == SVCLB_AFFINITY_NONE ||
	       (s32)(now - READ_ONCE(a->stamp)) >=
	       (s32)READ_ONCE(svc->affinity_timeout);
}

/* Whether @be is one of the backends that @set may give new flows to. */
static bool svclb_affinity_usable(const struct svclb_backend *be,
				  const struct svclb_be_set *set)
{
	return !READ_ONCE(be->dead) && READ_ONCE(be->weight) &&
	       READ_ONCE(be->state) == set->state;
}

static void svclb_affinity_free_rcu(struct rcu_head *head)
{
	struct svclb_affinity_entry *a;

	a = container_of(head, struct svclb_affinity_entry, rcu);

	svclb_backend_put(a->be);
	kmem_cache_free(svclb_affinity_cache, a);
}

static void svclb_affinity_delete(struct svclb_net *sn,
				  struct svclb_affinity_entry *a)
{
	if (rhashtable_remove_fast(&sn->affinity, &a->node, affinity_params))
		return;
	atomic_dec(&sn->nr_affinity);
	call_rcu(&a->rcu, svclb_affinity_free_rcu);
}

/*
 * Choose the backend of a new flow of @svc, which has affinity, from @set:
 * the client's backend if it has a live entry, else the scheduler's pick,
 * which is recorded. Under RCU.
 */
struct svclb_backend *svclb_affinity_pick(struct svclb_net *sn,
					  struct svclb_service *svc,
					  struct svclb_be_set *set,
					  const struct svclb_tuple *t)
{
	struct svclb_affinity_key key;
	struct svclb_affinity_entry *a, *old;
	struct svclb_backend *be;
	u32 now = jiffies;

	memset(&key, 0, sizeof(key));
	key.svc = svc;
	key.client = t->src;
	a = rhashtable_lookup(&sn->affinity, &key, affinity_params);
	if (a) {
		if (!svclb_affinity_expired(a, now) &&
		    svclb_affinity_usable(a->be, set)) {
			if (READ_ONCE(a->stamp) != now)
				WRITE_ONCE(a->stamp, now);
			return a->be;
		}
		svclb_affinity_delete(sn, a);
	}

	be = set->sched->pick(set, t);
	if (atomic_inc_return(&sn->nr_affinity) > READ_ONCE(sn->max_flows))
		goto unrecorded;
	a = kmem_cache_alloc(svclb_affinity_cache, GFP_ATOMIC);
	if (!a)
		goto unrecorded;
	a->key = key;
	/* The set holds a reference until after this RCU section. */
	refcount_inc(&be->refcnt);
	a->be = be;
	a->stamp = now;
	old = rhashtable_lookup_get_insert_fast(&sn->affinity, &a->node,
						affinity_params);
	if (old) {
		refcount_dec(&be->refcnt);
		kmem_cache_free(svclb_affinity_cache, a);
		atomic_dec(&sn->nr_affinity);
		/* Another CPU scheduled a flow of this client just now. */
		if (!IS_ERR(old) && svclb_affinity_usable(old->be, set))
			return old->be;
		return be;
	}
	svclb_gc_start(sn);
	return be;

unrecorded:
	atomic_dec(&sn->nr_affinity);
	return be;
}

struct svclb_affinity_sweep {
	struct svclb_net *sn;
	u32 now;
	bool all;
};

static bool svclb_affinity_sweep_one(void *obj, void *arg)
{
	const struct svclb_affinity_sweep *w = arg;
	struct svclb_affinity_entry *a = obj;

	if (!w->all && !READ_ONCE(a->be->dead) &&
	    !svclb_affinity_expired(a, w->now))
		return false;
	svclb_affinity_delete(w->sn, a);
	return true;
}

/* Remove every entry. */
void svclb_affinity_flush(struct svclb_net *sn)
{
	struct svclb_affinity_sweep w = { .sn = sn, .all = true };

	svclb_table_sweep(&sn->affinity, svclb_affinity_sweep_one, &w, true);
}

/*
 * The collector's step over the affinity entries (gc.c): expired entries and
 * those of removed backends go.
 */
void svclb_affinity_sweep_step(struct svclb_net *sn, struct svclb_walk *w,
			       unsigned int budget)
{
	struct svclb_affinity_sweep a = { .sn = sn, .now = jiffies };

	if (atomic_read(&sn->nr_affinity) || w->on)
		svclb_table_sweep_step(&sn->affinity, w,
				       svclb_affinity_sweep_one, &a, budget);
}

int svclb_affinity_net_init(struct svclb_net *sn)
{
	atomic_set(&sn->nr_affinity, 0);
	return rhashtable_init(&sn->affinity, &affinity_params);
}

static void svclb_affinity_destroy(void *ptr, void *arg)
{
	struct svclb_affinity_entry *a = ptr;

	atomic_dec(&((struct svclb_net *)arg)->nr_affinity);
	call_rcu(&a->rcu, svclb_affinity_free_rcu);
}

/*
 * The worker is stopped, the hooks are gone and a grace period past: nothing
 * adds or reads an entry any more.
 */
void svclb_affinity_net_exit(struct svclb_net *sn)
{
	rhashtable_free_and_destroy(&sn->affinity, svclb_affinity_destroy, sn);
	WARN_ON_ONCE(atomic_read(&sn->nr_affinity));
}

int svclb_affinity_init(void)
{
	svclb_affinity_cache = KMEM_CACHE(svclb_affinity_entry, 0);
	return svclb_affinity_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): every entry has been freed. */
void svclb_affinity_exit(void)
{
	kmem_cache_destroy(svclb_affinity_cache);
}
