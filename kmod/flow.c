// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table. Each flow sits in two hash tables: by its original tuple
 * (client to VIP, looked up by requests) and by its reply tuple (backend to
 * client, looked up by replies). There is no timer per flow: the datapath
 * stamps last_seen, a lookup ignores an expired flow, and the collector
 * (gc.c) removes expired flows and flows of removed backends.
 *
 * The reply tuple's client port is the client's own unless another live
 * flow holds that tuple; the flow then takes another port toward the backend.
 * A flow stores only that port (rport): the reply table hashes and compares
 * a flow by the reply tuple made from it and its backend, and is looked up
 * and inserted with a tuple as the key.
 *
 * A flow is inserted by reply tuple first and by original tuple last, and
 * removed by original tuple first: whoever removes the original node owns the
 * flow and frees it, so a flow is freed exactly once.
 */
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "svclb.h"

static struct kmem_cache *svclb_flow_cache;

static const struct rhashtable_params orig_params = {
	.head_offset = offsetof(struct svclb_flow, onode),
	.key_offset = offsetof(struct svclb_flow, orig),
	.key_len = sizeof(struct svclb_tuple),
	.automatic_shrinking = true,
};

static u32 svclb_reply_hashfn(const void *data, u32 len, u32 seed)
{
	return jhash2(data, sizeof(struct svclb_tuple) / sizeof(u32), seed);
}

static u32 svclb_reply_obj_hashfn(const void *data, u32 len, u32 seed)
{
	struct svclb_tuple t;

	svclb_flow_reply(data, &t);
	return svclb_reply_hashfn(&t, len, seed);
}

/* 0 when the flow's reply tuple is the key. */
static int svclb_reply_obj_cmpfn(struct rhashtable_compare_arg *arg,
				 const void *obj)
{
	const struct svclb_tuple *t = arg->key;
	const struct svclb_flow *flow = obj;
	const struct svclb_backend *be = flow->be;

	return t->sport != be->port || t->dport != flow->rport ||
	       t->proto != flow->orig.proto || t->family != flow->orig.family ||
	       memcmp(&t->src, &be->addr, sizeof(t->src)) ||
	       memcmp(&t->dst, &flow->orig.src, sizeof(t->dst));
}

/*
 * Keys are tuples; a flow is inserted with its reply tuple as the key
 * (rhashtable_lookup_get_insert_key()): key_offset is not used.
 */
static const struct rhashtable_params reply_params = {
	.head_offset = offsetof(struct svclb_flow, rnode),
	.key_len = sizeof(struct svclb_tuple),
	.hashfn = svclb_reply_hashfn,
	.obj_hashfn = svclb_reply_obj_hashfn,
	.obj_cmpfn = svclb_reply_obj_cmpfn,
	.automatic_shrinking = true,
};

void svclb_tuple_invert(struct svclb_tuple *dst, const struct svclb_tuple *src)
{
	*dst = (struct svclb_tuple) {
		.src = src->dst,
		.dst = src->src,
		.sport = src->dport,
		.dport = src->sport,
		.proto = src->proto,
		.family = src->family,
	};
}

bool svclb_flow_expired(const struct svclb_net *sn,
			const struct svclb_flow *flow, u32 now)
{
	u32 timeout = READ_ONCE(sn->timeouts[READ_ONCE(flow->state)]);

	return (s32)(now - READ_ONCE(flow->last_seen)) > (s32)timeout;
}

/* Under RCU. */
struct svclb_flow *svclb_flow_lookup_orig(struct svclb_net *sn,
					  const struct svclb_tuple *t)
{
	return rhashtable_lookup(&sn->flows_orig, t, orig_params);
}

/* Under RCU. */
struct svclb_flow *svclb_flow_lookup_reply(struct svclb_net *sn,
					   const struct svclb_tuple *t)
{
	return rhashtable_lookup(&sn->flows_reply, t, reply_params);
}

static void svclb_flow_free(struct svclb_flow *flow)
{
	svclb_backend_put(flow->be);
	kmem_cache_free(svclb_flow_cache, flow);
}

static void svclb_flow_free_rcu(struct rcu_head *head)
{
	svclb_flow_free(container_of(head, struct svclb_flow, rcu));
}

static void svclb_flow_unaccount(struct svclb_net *sn, struct svclb_flow *flow)
{
	atomic_dec(&flow->be->active_flows);
	atomic_dec(&sn->nr_flows);
}

void svclb_flow_delete(struct svclb_net *sn, struct svclb_flow *flow)
{
	if (rhashtable_remove_fast(&sn->flows_orig, &flow->onode, orig_params))
		return;
	rhashtable_remove_fast(&sn->flows_reply, &flow->rnode, reply_params);
	svclb_flow_unaccount(sn, flow);
	call_rcu(&flow->rcu, svclb_flow_free_rcu);
}

static bool svclb_flow_stale(const struct svclb_net *sn,
			     const struct svclb_flow *flow, u32 now)
{
	return READ_ONCE(flow->be->dead) || svclb_flow_expired(sn, flow, now);
}

/*
 * Insert by reply tuple. A stale flow holding the same reply tuple is
 * retired; a live one means the tuple is taken.
 */
static int svclb_flow_insert_reply(struct svclb_net *sn,
				   struct svclb_flow *flow)
{
	struct svclb_flow *old;
	struct svclb_tuple t;

	svclb_flow_reply(flow, &t);
	old = rhashtable_lookup_get_insert_key(&sn->flows_reply, &t,
					       &flow->rnode, reply_params);
	if (!old)
		return 0;
	if (IS_ERR(old))
		return PTR_ERR(old);
	if (!svclb_flow_stale(sn, old, flow->last_seen))
		return -EEXIST;
	svclb_flow_delete(sn, old);
	return rhashtable_lookup_insert_key(&sn->flows_reply, &t, &flow->rnode,
					    reply_params);
}

/*
 * Whether a full table may drop @flow for a new one: a flow not confirmed
 * yet, a closing one idle for a second (a half-closed connection may still
 * carry data), or one that is stale anyway.
 */
static bool svclb_flow_droppable(const struct svclb_net *sn,
				 const struct svclb_flow *flow, u32 now)
{
	switch (READ_ONCE(flow->state)) {
	case SVCLB_FLOW_TCP_ESTABLISHED:
	case SVCLB_FLOW_SCTP:
	case SVCLB_FLOW_UDP:
		return svclb_flow_stale(sn, flow, now);
	case SVCLB_FLOW_TCP_CLOSING:
		return (s32)(now - READ_ONCE(flow->last_seen)) > HZ ||
		       svclb_flow_stale(sn, flow, now);
	default:
		return true;
	}
}

/*
 * Make room in a full table, as conntrack's early drop does: of the next few
 * flows from a random bucket (8, or those of 64 buckets in a sparse table),
 * the droppable one idle longest goes. Confirmed flows are never dropped for
 * new ones, so a flood of spoofed openings, which never confirm, cannot keep
 * new clients out: each new flow takes the place of an unconfirmed one, and
 * rarely of one younger than the flood's, such as a new client's before its
 * handshake is done. Under RCU; true when a flow went.
 */
#define SVCLB_EARLY_DROP_FLOWS		8
#define SVCLB_EARLY_DROP_BUCKETS	64

static bool svclb_flow_early_drop(struct svclb_net *sn)
{
	struct rhashtable *ht = &sn->flows_orig;
	u32 now = jiffies, first = get_random_u32(), seen = 0, i;
	struct svclb_flow *flow, *victim = NULL;
	struct bucket_table *tbl;
	struct rhash_head *pos;

	/*
	 * While the table is being resized, its flows are spread over the
	 * old table and the new one: look at both.
	 */
	for (tbl = rht_dereference_rcu(ht->tbl, ht);
	     tbl && seen < SVCLB_EARLY_DROP_FLOWS;
	     tbl = rht_dereference_rcu(tbl->future_tbl, ht)) {
		for (i = 0; i < min(tbl->size, SVCLB_EARLY_DROP_BUCKETS) &&
			    seen < SVCLB_EARLY_DROP_FLOWS; i++) {
			u32 hash = (first + i) & (tbl->size - 1);

			rht_for_each_entry_rcu(flow, pos, tbl, hash, onode) {
				seen++;
				if (!svclb_flow_droppable(sn, flow, now))
					continue;
				if (!victim ||
				    (s32)(READ_ONCE(flow->last_seen) -
					  READ_ONCE(victim->last_seen)) < 0)
					victim = flow;
			}
		}
	}
	if (!victim)
		return false;
	svclb_flow_delete(sn, victim);
	return true;
}

/* Count a new flow in, making room if the table is full. */
static bool svclb_flow_account(struct svclb_net *sn)
{
	if (atomic_inc_return(&sn->nr_flows) <= READ_ONCE(sn->max_flows))
		return true;
	atomic_dec(&sn->nr_flows);
	if (!svclb_flow_early_drop(sn))
		return false;
	if (atomic_inc_return(&sn->nr_flows) <= READ_ONCE(sn->max_flows))
		return true;
	atomic_dec(&sn->nr_flows);
	return false;
}

/*
 * The reply tuple is held by a live flow: the same client address and port
 * reach the same backend through another service. Give the new flow another
 * client port toward the backend, as nf_nat does for a clashing tuple: from a
 * random start within the port's class (privileged or not), a bounded number
 * of tries.
 */
#define SVCLB_REMAP_TRIES 64

static int svclb_flow_insert_remapped(struct svclb_net *sn,
				      struct svclb_flow *flow)
{
	bool low = ntohs(flow->orig.sport) < 1024;
	u32 first = low ? 600 : 1024, range = (low ? 1024 : 65536) - first;
	u32 start = get_random_u16() % range, i;
	int err = -EEXIST;

	for (i = 0; i < SVCLB_REMAP_TRIES && err == -EEXIST; i++) {
		flow->rport = htons(first + (start + i) % range);
		err = svclb_flow_insert_reply(sn, flow);
	}
	return err;
}

/*
 * Create a flow for @orig to @be, under RCU. Returns the flow, which may be
 * one another CPU created for the same tuple at the same time, or an error:
 * -ENOSPC when the table is full of confirmed flows, -EEXIST when no client port toward the
 * backend is free.
 */
struct svclb_flow *svclb_flow_create(struct svclb_net *sn,
				     const struct svclb_tuple *orig,
				     struct svclb_backend *be, u8 state)
{
	struct svclb_flow *flow, *old;
	int err;

	if (!svclb_flow_account(sn))
		return ERR_PTR(-ENOSPC);
	flow = kmem_cache_alloc(svclb_flow_cache, GFP_ATOMIC);
	if (!flow) {
		atomic_dec(&sn->nr_flows);
		return ERR_PTR(-ENOMEM);
	}
	flow->orig = *orig;
	flow->rport = orig->sport;
	memset(flow->tcp, 0, sizeof(flow->tcp));
	/*
	 * The set or affinity entry this backend came from holds a reference
	 * for us.
	 */
	refcount_inc(&be->refcnt);
	flow->be = be;
	flow->last_seen = jiffies;
	flow->state = state;
	atomic_inc(&be->active_flows);

	err = svclb_flow_insert_reply(sn, flow);
	if (err == -EEXIST) {
		/* Another CPU may have won the race for this tuple. */
		old = svclb_flow_lookup_orig(sn, orig);
		if (old) {
			svclb_flow_unaccount(sn, flow);
			svclb_flow_free(flow);
			return old;
		}
		err = svclb_flow_insert_remapped(sn, flow);
	}
	if (err) {
		svclb_flow_unaccount(sn, flow);
		svclb_flow_free(flow);
		return ERR_PTR(err);
	}
	old = rhashtable_lookup_get_insert_fast(&sn->flows_orig, &flow->onode,
						orig_params);
	if (old) {
		/* Visible by reply tuple already: free after a grace period. */
		rhashtable_remove_fast(&sn->flows_reply, &flow->rnode,
				       reply_params);
		svclb_flow_unaccount(sn, flow);
		call_rcu(&flow->rcu, svclb_flow_free_rcu);
		return old;
	}
	svclb_gc_start(sn);
	return flow;
}

struct svclb_purge {
	struct svclb_net *sn;
	bool (*match)(const struct svclb_flow *flow, const void *arg);
	const void *arg;
};

static bool svclb_flow_purge_one(void *obj, void *arg)
{
	const struct svclb_purge *p = arg;

	if (!p->match(obj, p->arg))
		return false;
	svclb_flow_delete(p->sn, obj);
	return true;
}

/* Remove the flows @match picks and return how many. May sleep. */
unsigned int svclb_flow_purge(struct svclb_net *sn,
			      bool (*match)(const struct svclb_flow *flow,
					    const void *arg),
			      const void *arg)
{
	struct svclb_purge p = { .sn = sn, .match = match, .arg = arg };

	return svclb_table_sweep(&sn->flows_orig, svclb_flow_purge_one, &p,
				 false);
}

static bool svclb_flow_match_all(const struct svclb_flow *flow,
				 const void *arg)
{
	return true;
}

struct svclb_stale {
	const struct svclb_net *sn;
	u32 now;
};

static bool svclb_flow_match_stale(const struct svclb_flow *flow,
				   const void *arg)
{
	const struct svclb_stale *st = arg;

	return svclb_flow_stale(st->sn, flow, st->now);
}

/* The collector's step over the flows (gc.c); true at the end of a pass. */
bool svclb_flow_sweep_step(struct svclb_net *sn, struct svclb_walk *w,
			   unsigned int budget)
{
	struct svclb_stale st = { .sn = sn, .now = jiffies };
	struct svclb_purge p = {
		.sn = sn, .match = svclb_flow_match_stale, .arg = &st,
	};

	return svclb_table_sweep_step(&sn->flows_orig, w, svclb_flow_purge_one,
				      &p, budget);
}

void svclb_flow_flush(struct svclb_net *sn)
{
	struct svclb_purge p = { .sn = sn, .match = svclb_flow_match_all };

	svclb_table_sweep(&sn->flows_orig, svclb_flow_purge_one, &p, true);
}

int svclb_flow_net_init(struct svclb_net *sn)
{
	int err;

	err = rhashtable_init(&sn->flows_orig, &orig_params);
	if (err)
		return err;
	err = rhashtable_init(&sn->flows_reply, &reply_params);
	if (err) {
		rhashtable_destroy(&sn->flows_orig);
		return err;
	}
	atomic_set(&sn->nr_flows, 0);
	sn->max_flows = 1U << 20;
	sn->timeouts[SVCLB_FLOW_UDP] = 60 * HZ;
	sn->timeouts[SVCLB_FLOW_UDP_NEW] = 60 * HZ;
	sn->timeouts[SVCLB_FLOW_TCP_NEW] = 30 * HZ;
	sn->timeouts[SVCLB_FLOW_TCP_REPLIED] = 30 * HZ;
	sn->timeouts[SVCLB_FLOW_TCP_ESTABLISHED] = 86400 * HZ;
	sn->timeouts[SVCLB_FLOW_TCP_CLOSING] = 120 * HZ;
	sn->timeouts[SVCLB_FLOW_SCTP] = 3600 * HZ;
	sn->timeouts[SVCLB_FLOW_SCTP_NEW] = 30 * HZ;
	sn->timeouts[SVCLB_FLOW_SCTP_REPLIED] = 30 * HZ;
	return 0;
}

static void svclb_flow_destroy(void *ptr, void *arg)
{
	struct svclb_flow *flow = ptr;

	svclb_flow_unaccount(arg, flow);
	call_rcu(&flow->rcu, svclb_flow_free_rcu);
}

/*
 * After svclb_gc_net_exit(), with the hooks gone and a grace period past: no
 * packet is reading a flow. Flows still go by call_rcu(), like every flow,
 * so that the module's rcu_barrier() finds them all.
 */
void svclb_flow_net_exit(struct svclb_net *sn)
{
	rhashtable_destroy(&sn->flows_reply);
	rhashtable_free_and_destroy(&sn->flows_orig, svclb_flow_destroy, sn);
	WARN_ON_ONCE(atomic_read(&sn->nr_flows));
}

int svclb_flow_init(void)
{
	svclb_flow_cache = KMEM_CACHE(svclb_flow, 0);
	return svclb_flow_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): every flow has been freed. */
void svclb_flow_exit(void)
{
	kmem_cache_destroy(svclb_flow_cache);
}

#ifdef DEBUG
#include "selftest/flow.c"
#endif
