/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svclb internal definitions.
 *
 * Object lifetimes: a service is owned by its namespace's table, a backend
 * by its service's list. Every backend set (the array the datapath schedules
 * from) holds a reference to each of its backends, every flow one to its
 * backend, every backend one to its service. Readers reach services through
 * the service table and backends through sets and flows, all under RCU; sets
 * and flows are freed after a grace period, so an object whose last reference
 * is dropped is unreachable and is freed at once.
 */
#ifndef _SVCLB_H
#define _SVCLB_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/netns/generic.h>

#include <uapi/linux/svclb.h>

union svclb_addr {
	__be32 ip;
	struct in6_addr in6;
	__be32 all[4];
};

/* 0.0.0.0 or ::: a node port's address, every local address. */
static inline bool svclb_addr_any(const union svclb_addr *a)
{
	return !(a->all[0] | a->all[1] | a->all[2] | a->all[3]);
}

/* The key of a service. Unused address bytes are zero. */
struct svclb_svc_key {
	union svclb_addr addr;
	__be16 port;
	u8 proto;
	u8 family;
};

/* One direction of a flow, as seen on the wire. Unused bytes are zero. */
struct svclb_tuple {
	union svclb_addr src;
	union svclb_addr dst;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 family;
	u16 pad;
};

struct svclb_stats {
	u64_stats_t flows;
	u64_stats_t pkts_in;
	u64_stats_t bytes_in;
	u64_stats_t pkts_out;
	u64_stats_t bytes_out;
	u64_stats_t refused;
	u64_stats_t dropped;
	struct u64_stats_sync syncp;
};

/* The sum of a per-CPU svclb_stats, for dumps. */
struct svclb_stats_sum {
	u64 flows;
	u64 pkts_in;
	u64 bytes_in;
	u64 pkts_out;
	u64 bytes_out;
	u64 refused;
	u64 dropped;
};

struct svclb_service;

/*
 * The key of a backend in sn->backends: the first fields of struct
 * svclb_backend from svc on, in the same order (see svclb_be_params).
 */
struct svclb_be_key {
	struct svclb_service *svc;
	union svclb_addr addr;
	__be16 port;
};

struct svclb_backend {
	struct list_head list;		/* in svc->backends, under sn->lock */
	struct svclb_service *svc;	/* holds a reference */
	union svclb_addr addr;
	__be16 port;
	u32 weight;			/* written under sn->lock */
	u8 state;			/* enum svclb_be_state, the same */
	bool leaving;			/* kept out of the next set, the same */
	bool dead;			/* removed: its flows are forgotten */
	atomic_t active_flows;
	refcount_t refcnt;
	struct rhash_head hnode;	/* in sn->backends, under sn->lock */
	struct svclb_stats __percpu *stats;
};

struct svclb_sched_ops;

/*
 * The backends that may take new flows, with the scheduler's data for them.
 * Immutable once published; replaced as a whole under RCU.
 */
struct svclb_be_set {
	struct rcu_head rcu;
	const struct svclb_sched_ops *sched;
	void *sched_data;
	u8 state;			/* the state of every backend here */
	unsigned int n;
	struct svclb_backend *be[];
};

struct svclb_service {
	struct rhash_head node;		/* in sn->services */
	struct svclb_svc_key key;
	struct list_head list;		/* in sn->service_list, dump order */
	struct svclb_net *sn;
	const struct svclb_sched_ops *sched;
	u32 flags;
	u8 affinity;			/* enum svclb_affinity */
	u32 affinity_timeout;		/* jiffies */
	struct svclb_be_set __rcu *set;
	struct list_head backends;	/* under sn->lock */
	unsigned int nr_backends;
	refcount_t refcnt;
	struct svclb_stats __percpu *stats;
	struct rcu_head rcu;
};

/*
 * Flow states, which pick the idle timeout. A flow is confirmed once its
 * client spoke after its backend answered; until then it lives seconds and
 * a full table drops it for a new flow (flow.c).
 */
enum svclb_flow_state {
	SVCLB_FLOW_UDP,			/* answered */
	SVCLB_FLOW_TCP_NEW,		/* no reply seen yet */
	SVCLB_FLOW_TCP_ESTABLISHED,	/* confirmed */
	SVCLB_FLOW_TCP_CLOSING,		/* FIN or RST seen */
	SVCLB_FLOW_SCTP,		/* confirmed */
	SVCLB_FLOW_TCP_REPLIED,		/* answered, not confirmed */
	SVCLB_FLOW_SCTP_NEW,		/* no reply seen yet */
	SVCLB_FLOW_SCTP_REPLIED,	/* answered, not confirmed */
	SVCLB_FLOW_UDP_NEW,		/* no reply seen yet */
	SVCLB_FLOW_STATE_MAX,
};

/*
 * What a TCP flow's window tracking knows of one direction (tcp.c): the
 * sequence number after the last byte sent (SYN and FIN count as one), the
 * largest window advertised, scaled (0 until the direction was seen), the
 * highest acknowledgement sent, the window scale and SVCLB_TRACK_* flags.
 */
struct svclb_tcp_dir {
	u32 end;
	u32 maxwin;
	u32 maxack;
	u8 scale;
	u8 flags;
};

/*
 * One translated flow, reachable from its original tuple (client to VIP) and
 * from its reply tuple (backend to client). The reply tuple is not stored:
 * it is the backend's address and port to the client's address and to rport,
 * the client's port toward the backend (see svclb_flow_reply()). At most 128
 * bytes (docs/design.md, "Memory").
 */
struct svclb_flow {
	struct rhash_head onode;
	struct rhash_head rnode;
	struct svclb_tuple orig;
	struct svclb_backend *be;	/* holds a reference */
	struct rcu_head rcu;
	u32 last_seen;			/* jiffies */
	u8 state;
	__be16 rport;			/* orig.sport, unless remapped */
	struct svclb_tcp_dir tcp[2];	/* the client's, the backend's */
};

static_assert(sizeof(struct svclb_flow) <= 128);

/* The tuple of @flow's replies, backend to client. */
static inline void svclb_flow_reply(const struct svclb_flow *flow,
				    struct svclb_tuple *t)
{
	*t = (struct svclb_tuple) {
		.src = flow->be->addr,
		.dst = flow->orig.src,
		.sport = flow->be->port,
		.dport = flow->rport,
		.proto = flow->orig.proto,
		.family = flow->orig.family,
	};
}

/* A walk of a hash table in steps (gc.c). */
struct svclb_walk {
	struct rhashtable_iter iter;
	bool on;			/* begun: iter is entered */
};

struct svclb_net {
	struct net *net;
	struct mutex lock;		/* serialises configuration changes */
	struct rhashtable services;
	struct rhashtable backends;	/* every service's, by svclb_be_key */
	struct list_head service_list;
	unsigned int nr_services;	/* written under lock, read locklessly */
	unsigned int nr_nodeports;	/* the same, services on 0.0.0.0 or :: */
	unsigned int max_services;
	unsigned int max_backends;	/* per service */
	/*
	 * Owned by another user namespace than the initial one: the bounds
	 * are at most the host's ceilings (limits.c), and the namespace is
	 * in their list.
	 */
	bool bounded;
	struct list_head bounded_list;
	u32 genid;			/* never 0; see svclb_changed() */

	struct rhashtable flows_orig;
	struct rhashtable flows_reply;
	atomic_t nr_flows;
	unsigned int max_flows;
	u32 timeouts[SVCLB_FLOW_STATE_MAX];	/* jiffies */
	u64 masq;			/* mask << 32 | mark, read as one */

	struct delayed_work gc_work;	/* the collector, gc.c */
	struct svclb_walk gc_flows;	/* its walks, in the worker only */
	struct svclb_walk gc_affinity;
	u32 gc_passes;			/* over the flows, done */
	u32 gc_until;			/* go on at once until that many */
	int gc_removed;			/* backends were removed */

	u64 seed;			/* the flow hash key */

	struct rhashtable affinity;
	atomic_t nr_affinity;		/* bounded by max_flows */

	struct list_head stages;	/* struct svclb_stage, under lock */
	unsigned int nr_stages;		/* written under lock */

	/*
	 * The socket that made the last changes to the tables (its netlink
	 * port id; 0: none), the generation before its first change and the
	 * one after its last, all under lock (netlink.c, SVCLB_A_GENERATION).
	 */
	u32 writer_portid;		/* read locklessly as well */
	u32 writer_since;
	u32 writer_gen;
};

/* A backend as a request to replace a service's backends lists it. */
struct svclb_be_spec {
	union svclb_addr addr;
	__be16 port;
	u8 state;
	u32 weight;
	const struct nlattr *nla;	/* where it was given */
	struct svclb_backend *be;	/* the one it is, once matched */
	bool fresh;			/* be was created for it */
	u32 old_weight;
	u8 old_state;
};

/* Backends given by requests, in the order given. */
struct svclb_be_specs {
	struct svclb_be_spec *v;
	unsigned int n, cap;
};

/* A backend set arriving in parts, for one socket (stage.c). */
struct svclb_stage {
	struct list_head list;		/* in sn->stages, under sn->lock */
	u32 portid;			/* of the socket sending it */
	struct svclb_svc_key key;	/* of the service it is for */
	struct svclb_be_specs specs;	/* the parts so far; nla is NULL */
};

extern unsigned int svclb_net_id;

static inline struct svclb_net *svclb_pernet(const struct net *net)
{
	return net_generic(net, svclb_net_id);
}

/* A configuration change: dumps in progress will report interruption. */
static inline void svclb_changed(struct svclb_net *sn)
{
	if (!++sn->genid)
		sn->genid = 1;
}

/* service.c */
int svclb_service_net_init(struct svclb_net *sn);
void svclb_service_net_exit(struct svclb_net *sn);
struct svclb_service *svclb_service_lookup(struct svclb_net *sn,
					   const struct svclb_svc_key *key);

/* What a service is created with, besides its key and backends. */
struct svclb_svc_conf {
	const struct svclb_sched_ops *sched;
	u32 flags;
	u8 affinity;
	u32 affinity_timeout;		/* jiffies */
};

struct svclb_service *svclb_service_create(struct svclb_net *sn,
					   const struct svclb_svc_key *key,
					   const struct svclb_svc_conf *conf,
					   struct svclb_be_spec *specs,
					   struct svclb_be_spec **sorted,
					   unsigned int n);
int svclb_service_set_sched(struct svclb_service *svc,
			    const struct svclb_sched_ops *sched);
struct svclb_be_spec *svclb_spec_sort(struct svclb_be_spec *specs,
				      struct svclb_be_spec **sorted,
				      unsigned int n);
int svclb_service_replace(struct svclb_service *svc,
			  const struct svclb_sched_ops *sched,
			  struct svclb_be_spec *specs,
			  struct svclb_be_spec **sorted, unsigned int n);
void svclb_service_delete(struct svclb_service *svc);
void svclb_service_flush(struct svclb_net *sn);
void svclb_service_put(struct svclb_service *svc);
struct svclb_backend *svclb_backend_find(struct svclb_service *svc,
					 const union svclb_addr *addr,
					 __be16 port);
int svclb_backend_add(struct svclb_service *svc, const union svclb_addr *addr,
		      __be16 port, u32 weight, u8 state);
int svclb_backend_update(struct svclb_backend *be, u32 weight, u8 state);
int svclb_backend_delete(struct svclb_backend *be);
void svclb_backend_put(struct svclb_backend *be);
void svclb_stats_sum(struct svclb_stats __percpu *stats,
		     struct svclb_stats_sum *sum);

/*
 * Count a packet. LOCAL_OUT runs in process context, possibly preemptible:
 * keep to one CPU while updating its counters.
 */
static inline void svclb_stats_add(struct svclb_stats __percpu *stats,
				   bool in, unsigned int len, bool new_flow)
{
	struct svclb_stats *s = get_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	if (in) {
		u64_stats_inc(&s->pkts_in);
		u64_stats_add(&s->bytes_in, len);
	} else {
		u64_stats_inc(&s->pkts_out);
		u64_stats_add(&s->bytes_out, len);
	}
	if (new_flow)
		u64_stats_inc(&s->flows);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

/* Count a packet that could not start a flow: @refused or dropped. */
static inline void svclb_stats_drop(struct svclb_stats __percpu *stats,
				    bool refused)
{
	struct svclb_stats *s = get_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(refused ? &s->refused : &s->dropped);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

/* stage.c */
int svclb_specs_reserve(struct svclb_be_specs *s, unsigned int extra);
void svclb_specs_free(struct svclb_be_specs *s);
void svclb_stage_net_init(struct svclb_net *sn);
void svclb_stage_net_exit(struct svclb_net *sn);
struct svclb_stage *svclb_stage_find(struct svclb_net *sn, u32 portid);
struct svclb_stage *svclb_stage_new(struct svclb_net *sn, u32 portid,
				    const struct svclb_svc_key *key);
void svclb_stage_free(struct svclb_net *sn, struct svclb_stage *st);
void svclb_stage_take(struct svclb_net *sn, struct svclb_stage *st,
		      struct svclb_be_specs *specs);

/* limits.c */
void svclb_limits_net_init(struct svclb_net *sn);
void svclb_limits_net_exit(struct svclb_net *sn);
int svclb_limits_set(struct svclb_net *sn, struct nlattr **tb,
		     struct netlink_ext_ack *extack);

/* flow.c */
int svclb_flow_init(void);
void svclb_flow_exit(void);
int svclb_flow_net_init(struct svclb_net *sn);
void svclb_flow_net_exit(struct svclb_net *sn);
struct svclb_flow *svclb_flow_lookup_orig(struct svclb_net *sn,
					  const struct svclb_tuple *t);
struct svclb_flow *svclb_flow_lookup_reply(struct svclb_net *sn,
					   const struct svclb_tuple *t);
struct svclb_flow *svclb_flow_create(struct svclb_net *sn,
				     const struct svclb_tuple *orig,
				     struct svclb_backend *be, u8 state);
void svclb_flow_delete(struct svclb_net *sn, struct svclb_flow *flow);
bool svclb_flow_expired(const struct svclb_net *sn,
			const struct svclb_flow *flow, u32 now);
void svclb_flow_flush(struct svclb_net *sn);
bool svclb_flow_sweep_step(struct svclb_net *sn, struct svclb_walk *w,
			   unsigned int budget);
unsigned int svclb_flow_purge(struct svclb_net *sn,
			      bool (*match)(const struct svclb_flow *flow,
					    const void *arg),
			      const void *arg);
void svclb_tuple_invert(struct svclb_tuple *dst, const struct svclb_tuple *src);

/* affinity.c */
int svclb_affinity_init(void);
void svclb_affinity_exit(void);
int svclb_affinity_net_init(struct svclb_net *sn);
void svclb_affinity_net_exit(struct svclb_net *sn);
struct svclb_backend *svclb_affinity_pick(struct svclb_net *sn,
					  struct svclb_service *svc,
					  struct svclb_be_set *set,
					  const struct svclb_tuple *t);
void svclb_affinity_flush(struct svclb_net *sn);
void svclb_affinity_sweep_step(struct svclb_net *sn, struct svclb_walk *w,
			       unsigned int budget);

/* gc.c */
#define SVCLB_GC_INTERVAL	HZ

void svclb_gc_net_init(struct svclb_net *sn);
void svclb_gc_net_exit(struct svclb_net *sn);
bool svclb_table_sweep_step(struct rhashtable *ht, struct svclb_walk *w,
			    bool (*remove)(void *obj, void *arg), void *arg,
			    unsigned int budget);
void svclb_walk_end(struct svclb_walk *w);
unsigned int svclb_table_sweep(struct rhashtable *ht,
			       bool (*remove)(void *obj, void *arg), void *arg,
			       bool all);

/* Start the collector unless it is due already: there is work for it. */
static inline void svclb_gc_start(struct svclb_net *sn)
{
	if (!delayed_work_pending(&sn->gc_work))
		queue_delayed_work(system_power_efficient_wq, &sn->gc_work,
				   SVCLB_GC_INTERVAL);
}

/* Backends were removed: collect their flows in steps from now on. */
static inline void svclb_gc_removed(struct svclb_net *sn)
{
	WRITE_ONCE(sn->gc_removed, 1);
	mod_delayed_work(system_power_efficient_wq, &sn->gc_work, 0);
}

/* nat.c */
__le32 svclb_sctp_csum(struct sk_buff *skb, unsigned int l4off);
int svclb_nat(struct sk_buff *skb, u8 family, unsigned int l4off, u8 proto,
	      bool dst, const union svclb_addr *addr, __be16 port);
void svclb_nat_port(struct sk_buff *skb, unsigned int l4off, u8 proto,
		    bool dst, __be16 port);
void svclb_nat_reroute_in(struct sk_buff *skb);

/* tcp.c */
bool svclb_tcp_track(struct svclb_flow *flow, const struct sk_buff *skb,
		     unsigned int l4off, bool reply);

/* conntrack.c */
bool svclb_ct_is_reply(struct net *net, const struct sk_buff *skb,
		       const struct svclb_tuple *t);

/* icmp.c */
bool svclb_icmp_reply(struct svclb_net *sn, struct sk_buff *skb, u8 pf,
		      unsigned int *verdict);
unsigned int svclb_icmp_request(struct svclb_net *sn, struct sk_buff *skb,
				const struct nf_hook_state *state);

/* sched.c */
struct svclb_sched_ops {
	const char *name;
	/*
	 * The choice depends only on the tuple, the backend set and the seed:
	 * any node makes it alike, so a packet of a flow this node never saw
	 * may be scheduled like a first packet.
	 */
	bool consistent;
	/* Prepare set->sched_data for a new backend set; may sleep. */
	int (*build)(struct svclb_be_set *set);
	/* Free set->sched_data; called from an RCU callback. */
	void (*destroy)(struct svclb_be_set *set);
	/* Pick a backend for a new flow; under RCU, set->n > 0. */
	struct svclb_backend *(*pick)(struct svclb_be_set *set,
				      const struct svclb_tuple *t);
	/*
	 * Optional: the backend pick would return now, changing nothing; NULL
	 * when that cannot be told. Under RCU, set->n > 0.
	 */
	struct svclb_backend *(*peek)(struct svclb_be_set *set,
				      const struct svclb_tuple *t);
};

const struct svclb_sched_ops *svclb_sched_find(const char *name);
const struct svclb_sched_ops *svclb_sched_default(void);
u64 svclb_flow_hash(const struct svclb_net *sn, const struct svclb_tuple *t);
extern const struct svclb_sched_ops svclb_sched_maglev;
extern const struct svclb_sched_ops svclb_sched_rr;
extern const struct svclb_sched_ops svclb_sched_wrr;
extern const struct svclb_sched_ops svclb_sched_random;
extern const struct svclb_sched_ops svclb_sched_lc;

/* hooks.c */
int svclb_hooks_net_init(struct net *net);
void svclb_hooks_net_exit(struct net *net);
int svclb_reroute(struct sk_buff *skb, const struct nf_hook_state *state);

/* netlink.c */
int svclb_genl_init(void);
void svclb_genl_exit(void);

#ifdef DEBUG
bool svclb_flow_selftest(void);
bool svclb_service_selftest(void);
bool svclb_nat_selftest(void);
bool svclb_tcp_selftest(void);
bool svclb_maglev_selftest(void);
bool svclb_sched_selftest(void);
#endif

#endif /* _SVCLB_H */
