// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks.
 *
 * The same hooks serve IPv4 and IPv6.
 * Requests (PREROUTING for traffic from other hosts and namespaces,
 * LOCAL_OUT for processes on this node) are translated after defragmentation
 * and before conntrack, so that conntrack and every later rule see the real
 * client-to-backend flow. Replies (POSTROUTING for routed and locally sent
 * replies, LOCAL_IN for replies to processes on this node) are translated
 * after nf_nat, so a masqueraded reply is already de-masqueraded, and after
 * routing, so reverse-path filtering never sees the VIP as a source.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sctp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/ipv6/nf_reject.h>

#include "svclb.h"

#define SVCLB_PRI_REQUEST	(NF_IP_PRI_RAW + 50)	/* -250 */
#define SVCLB_PRI_REPLY		(NF_IP_PRI_NAT_SRC + 10)	/* 110 */

struct svclb_pkt {
	struct svclb_tuple t;
	unsigned int l4off;
	u8 tcp_flags;	/* FIN, SYN, RST, ACK of a TCP packet */
};

#define SVCLB_TCP_FIN	0x01
#define SVCLB_TCP_SYN	0x02
#define SVCLB_TCP_RST	0x04
#define SVCLB_TCP_ACK	0x10

/*
 * Read the tuple of an IPv4 or IPv6 TCP, UDP or SCTP packet. Returns false
 * for other packets, non-first fragments and truncated headers, which are
 * left alone.
 */
static bool svclb_parse(const struct sk_buff *skb, u8 pf, struct svclb_pkt *p)
{
	union {
		struct tcphdr tcp;
		struct udphdr udp;
		struct sctphdr sctp;
	} _hdr;
	const void *hdr;
	unsigned int len;
	u8 proto;

	memset(&p->t, 0, sizeof(p->t));
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (ip_is_fragment(iph))
			return false;
		proto = iph->protocol;
		p->l4off = skb_network_offset(skb) + ip_hdrlen(skb);
		p->t.src.ip = iph->saddr;
		p->t.dst.ip = iph->daddr;
		p->t.family = AF_INET;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		__be16 frag_off;
		int off;

		proto = ip6h->nexthdr;
		off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
				       sizeof(*ip6h), &proto, &frag_off);
		if (off < 0 || (frag_off & htons(IP6_OFFSET)))
			return false;
		p->l4off = off;
		p->t.src.in6 = ip6h->saddr;
		p->t.dst.in6 = ip6h->daddr;
		p->t.family = AF_INET6;
	}

	switch (proto) {
	case IPPROTO_TCP:
		len = sizeof(struct tcphdr);
		break;
	case IPPROTO_UDP:
		len = sizeof(struct udphdr);
		break;
	case IPPROTO_SCTP:
		len = sizeof(struct sctphdr);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Maybe an error about a flow: svclb_icmp_request() looks. */
		p->t.proto = proto;
		return false;
	default:
		return false;
	}
	hdr = skb_header_pointer(skb, p->l4off, len, &_hdr);
	if (!hdr)
		return false;
	p->t.sport = ((const __be16 *)hdr)[0];
	p->t.dport = ((const __be16 *)hdr)[1];
	p->t.proto = proto;
	p->tcp_flags = 0;
	if (proto == IPPROTO_TCP)
		p->tcp_flags = ((const u8 *)hdr)[13];
	return true;
}

/*
 * A flow's state after @p. A flow is confirmed, and gets its protocol's long
 * timeout, only when its client speaks after its backend answered: the third
 * packet of a TCP handshake, SCTP's COOKIE ECHO, the next packet of a flow
 * taken over mid-stream. An opening from a spoofed source, even one that the
 * backend answers, stays unconfirmed: it lives timeout-tcp-syn (or
 * timeout-sctp-init) and a full table drops it for a new flow. A FIN or RST
 * closes a confirmed TCP flow; an unconfirmed one keeps its short timeout.
 * UDP flows are confirmed by the first reply, as conntrack's are.
 */
static u8 svclb_flow_next_state(u8 state, const struct svclb_pkt *p,
				bool reply)
{
	switch (state) {
	case SVCLB_FLOW_UDP_NEW:
		return reply ? SVCLB_FLOW_UDP : state;
	case SVCLB_FLOW_SCTP_NEW:
		return reply ? SVCLB_FLOW_SCTP_REPLIED : state;
	case SVCLB_FLOW_SCTP_REPLIED:
		return reply ? state : SVCLB_FLOW_SCTP;
	case SVCLB_FLOW_TCP_NEW:
		if (!reply || (p->tcp_flags & SVCLB_TCP_RST))
			return state;
		return SVCLB_FLOW_TCP_REPLIED;
	case SVCLB_FLOW_TCP_REPLIED:
		if (reply || (p->tcp_flags & (SVCLB_TCP_SYN | SVCLB_TCP_RST)))
			return state;
		return (p->tcp_flags & SVCLB_TCP_FIN) ? SVCLB_FLOW_TCP_CLOSING :
			SVCLB_FLOW_TCP_ESTABLISHED;
	case SVCLB_FLOW_TCP_ESTABLISHED:
		if (p->tcp_flags & (SVCLB_TCP_FIN | SVCLB_TCP_RST))
			return SVCLB_FLOW_TCP_CLOSING;
		return state;
	default:
		return state;
	}
}

/*
 * A TCP packet outside the window of its direction (tcp.c) is translated but
 * changes no state: a blind spoofer's RST or FIN ends nothing.
 */
static void svclb_flow_touch(struct svclb_flow *flow,
			     const struct sk_buff *skb,
			     const struct svclb_pkt *p, bool reply)
{
	u32 now = jiffies;
	u8 state;

	if (READ_ONCE(flow->last_seen) != now)
		WRITE_ONCE(flow->last_seen, now);
	if (p->t.proto == IPPROTO_TCP &&
	    !svclb_tcp_track(flow, skb, p->l4off, reply))
		return;
	state = svclb_flow_next_state(READ_ONCE(flow->state), p, reply);
	if (state != flow->state)
		WRITE_ONCE(flow->state, state);
}

/* A SYN without ACK: the first packet of a TCP connection. */
static bool svclb_tcp_opening(const struct svclb_pkt *p)
{
	return (p->tcp_flags & (SVCLB_TCP_SYN | SVCLB_TCP_ACK)) == SVCLB_TCP_SYN;
}

static u8 svclb_flow_initial_state(const struct svclb_pkt *p)
{
	/*
	 * A TCP flow taken over mid-stream (established through another node,
	 * or before) starts unconfirmed too: a lone spoofed ACK draws a reset.
	 */
	switch (p->t.proto) {
	case IPPROTO_TCP:
		return SVCLB_FLOW_TCP_NEW;
	case IPPROTO_SCTP:
		return SVCLB_FLOW_SCTP_NEW;
	default:
		return SVCLB_FLOW_UDP_NEW;
	}
}

/*
 * Whether an existing flow keeps carrying this packet. A flow whose backend
 * is gone, that has expired, or that is closing and sees a new SYN is
 * retired so the packet is scheduled afresh.
 */
static bool svclb_flow_usable(struct svclb_net *sn, struct svclb_flow *flow,
			      const struct svclb_pkt *p)
{
	if (READ_ONCE(flow->be->dead) || svclb_flow_expired(sn, flow, jiffies))
		return false;
	if ((p->tcp_flags & (SVCLB_TCP_SYN | SVCLB_TCP_ACK)) == SVCLB_TCP_SYN &&
	    READ_ONCE(flow->state) == SVCLB_FLOW_TCP_CLOSING)
		return false;
	return true;
}

/*
 * A packet from a client straight to a backend, on the tuple of a translated
 * flow's replies: the client has moved on (a new connection from the same
 * port, or datagrams sent to the backend itself now), so that flow retires
 * and stops rewriting the direct flow's replies. A TCP flow still open
 * stays: the backend refuses a second connection on its tuple anyway. A
 * packet looped back to this node was looked at in LOCAL_OUT already: a
 * translated one comes back through lo on its flow's very tuple.
 */
static void svclb_direct(struct svclb_net *sn, const struct svclb_pkt *p,
			 const struct nf_hook_state *state)
{
	struct svclb_tuple reply;
	struct svclb_flow *flow;

	if (!atomic_read(&sn->nr_flows) ||
	    (p->t.proto == IPPROTO_TCP && !svclb_tcp_opening(p)) ||
	    (state->in && (state->in->flags & IFF_LOOPBACK)))
		return;
	svclb_tuple_invert(&reply, &p->t);
	flow = svclb_flow_lookup_reply(sn, &reply);
	if (flow && (p->t.proto != IPPROTO_TCP ||
		     READ_ONCE(flow->state) != SVCLB_FLOW_TCP_ESTABLISHED))
		svclb_flow_delete(sn, flow);
}

/* No backend can take the flow: refuse it as a closed port would. */
static unsigned int svclb_no_backend(struct svclb_service *svc,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state,
				     const struct svclb_pkt *p)
{
	svclb_stats_drop(svc->stats, true);
	if (svc->flags & SVCLB_SVC_F_SILENT_DROP)
		return NF_DROP;
	if (p->t.family == AF_INET) {
		if (p->t.proto == IPPROTO_TCP)
			nf_send_reset(state->net, state->sk, skb, state->hook);
		else
			nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
	} else {
		if (p->t.proto == IPPROTO_TCP)
			nf_send_reset6(state->net, state->sk, skb, state->hook);
		else
			nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
					 state->hook);
	}
	return NF_DROP;
}

/* Whether the destination is a local address of @net, loopback aside. */
static bool svclb_dst_local(struct net *net, const struct svclb_tuple *t)
{
	if (t->family == AF_INET)
		return !ipv4_is_loopback(t->dst.ip) &&
		       __ip_dev_find(net, t->dst.ip, false);
	return !ipv6_addr_loopback(&t->dst.in6) &&
	       ipv6_chk_addr(net, &t->dst.in6, NULL, 0);
}

/*
 * The service of a request: the one on its destination address, else the
 * node port on its port if the destination is a local address. The node
 * port is looked up before the address is checked: most packets find none,
 * and a hash lookup costs less than the address check.
 */
static struct svclb_service *svclb_find_service(struct net *net,
						struct svclb_net *sn,
						const struct svclb_tuple *t)
{
	struct svclb_service *svc;
	struct svclb_svc_key key = {
		.addr = t->dst,
		.port = t->dport,
		.proto = t->proto,
		.family = t->family,
	};

	svc = svclb_service_lookup(sn, &key);
	if (svc || !READ_ONCE(sn->nr_nodeports))
		return svc;
	memset(&key.addr, 0, sizeof(key.addr));
	svc = svclb_service_lookup(sn, &key);
	if (svc && !svclb_dst_local(net, t))
		return NULL;
	return svc;
}

/*
 * Mark a request from another host or namespace for masquerading when the
 * reply would not come back through this node otherwise: a hairpin flow,
 * whose client is its backend, or any flow of a service that asks for it.
 */
static void svclb_masq_mark(struct svclb_net *sn, struct sk_buff *skb,
			    const struct svclb_tuple *t,
			    const struct svclb_backend *be)
{
	u64 masq = READ_ONCE(sn->masq);
	u32 mask = masq >> 32;

	if (!mask)
		return;
	if (!(READ_ONCE(be->svc->flags) & SVCLB_SVC_F_MASQUERADE) &&
	    memcmp(&be->addr, &t->src, sizeof(be->addr)))
		return;
	skb->mark = (skb->mark & ~mask) | (u32)masq;
}

/* A local packet was routed to the VIP: route it to the backend. */
int svclb_reroute(struct sk_buff *skb, const struct nf_hook_state *state)
{
	if (state->pf == NFPROTO_IPV4)
		return ip_route_me_harder(state->net, state->sk, skb,
					  RTN_UNSPEC);
	return nf_ip6_route_me_harder(state->net, state->sk, skb);
}

static unsigned int svclb_request(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct svclb_net *sn = svclb_pernet(state->net);
	struct svclb_service *svc;
	struct svclb_be_set *set;
	struct svclb_backend *be;
	struct svclb_flow *flow;
	struct svclb_pkt p;
	bool new_flow = false;

	if (!READ_ONCE(sn->nr_services))
		return NF_ACCEPT;
	if (!svclb_parse(skb, state->pf, &p))
		return p.t.proto ? svclb_icmp_request(sn, skb, state) : NF_ACCEPT;

	svc = svclb_find_service(state->net, sn, &p.t);
	if (!svc) {
		svclb_direct(sn, &p, state);
		return NF_ACCEPT;
	}

	flow = svclb_flow_lookup_orig(sn, &p.t);
	if (flow && !svclb_flow_usable(sn, flow, &p)) {
		svclb_flow_delete(sn, flow);
		flow = NULL;
	}
	if (!flow) {
		/* A reply of a connection masqueraded to a node port's port. */
		if (unlikely(svclb_addr_any(&svc->key.addr)) &&
		    svclb_ct_is_reply(state->net, skb, &p.t))
			return NF_ACCEPT;
		set = rcu_dereference(svc->set);
		/*
		 * A mid-stream TCP packet of an unknown flow keeps its backend
		 * only with a consistent scheduler; another would pick a
		 * backend that does not know the connection.
		 */
		if (!set || (p.t.proto == IPPROTO_TCP && !svclb_tcp_opening(&p) &&
			     !set->sched->consistent))
			return svclb_no_backend(svc, skb, state, &p);
		if (READ_ONCE(svc->affinity))
			be = svclb_affinity_pick(sn, svc, set, &p.t);
		else
			be = set->sched->pick(set, &p.t);
		flow = svclb_flow_create(sn, &p.t, be,
					 svclb_flow_initial_state(&p));
		if (IS_ERR(flow)) {
			svclb_stats_drop(svc->stats, false);
			return NF_DROP;
		}
		new_flow = true;
	}
	be = flow->be;
	svclb_flow_touch(flow, skb, &p, false);

	if (svclb_nat(skb, p.t.family, p.l4off, p.t.proto, true, &be->addr,
		      be->port))
		return NF_DROP;
	if (unlikely(flow->rport != p.t.sport))
		svclb_nat_port(skb, p.l4off, p.t.proto, false, flow->rport);
	if (state->hook == NF_INET_PRE_ROUTING) {
		svclb_masq_mark(sn, skb, &p.t, be);
		svclb_nat_reroute_in(skb);
	}
	svclb_stats_add(be->svc->stats, true, skb->len, new_flow);
	svclb_stats_add(be->stats, true, skb->len, new_flow);

	if (state->hook == NF_INET_LOCAL_OUT && svclb_reroute(skb, state))
		return NF_DROP;
	return NF_ACCEPT;
}

static unsigned int svclb_reply(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct svclb_net *sn = svclb_pernet(state->net);
	struct svclb_flow *flow;
	unsigned int verdict;
	struct svclb_pkt p;

	if (!atomic_read(&sn->nr_flows))
		return NF_ACCEPT;
	if (!svclb_parse(skb, state->pf, &p)) {
		if (svclb_icmp_reply(sn, skb, state->pf, &verdict))
			return verdict;
		return NF_ACCEPT;
	}
	flow = svclb_flow_lookup_reply(sn, &p.t);
	if (!flow || READ_ONCE(flow->be->dead) ||
	    svclb_flow_expired(sn, flow, jiffies))
		return NF_ACCEPT;
	svclb_flow_touch(flow, skb, &p, true);

	if (svclb_nat(skb, p.t.family, p.l4off, p.t.proto, false,
		      &flow->orig.dst, flow->orig.dport))
		return NF_DROP;
	if (unlikely(flow->orig.sport != p.t.dport))
		svclb_nat_port(skb, p.l4off, p.t.proto, true, flow->orig.sport);
	svclb_stats_add(flow->be->svc->stats, false, skb->len, false);
	svclb_stats_add(flow->be->stats, false, skb->len, false);
	return NF_ACCEPT;
}

#define SVCLB_HOOK(fn, family, num, prio) {		\
	.hook = fn,					\
	.pf = family,					\
	.hooknum = num,					\
	.priority = prio,				\
}

static const struct nf_hook_ops svclb_hook_ops[] = {
	SVCLB_HOOK(svclb_request, NFPROTO_IPV4, NF_INET_PRE_ROUTING,
		   SVCLB_PRI_REQUEST),
	SVCLB_HOOK(svclb_request, NFPROTO_IPV4, NF_INET_LOCAL_OUT,
		   SVCLB_PRI_REQUEST),
	SVCLB_HOOK(svclb_reply, NFPROTO_IPV4, NF_INET_POST_ROUTING,
		   SVCLB_PRI_REPLY),
	SVCLB_HOOK(svclb_reply, NFPROTO_IPV4, NF_INET_LOCAL_IN,
		   SVCLB_PRI_REPLY),
	SVCLB_HOOK(svclb_request, NFPROTO_IPV6, NF_INET_PRE_ROUTING,
		   SVCLB_PRI_REQUEST),
	SVCLB_HOOK(svclb_request, NFPROTO_IPV6, NF_INET_LOCAL_OUT,
		   SVCLB_PRI_REQUEST),
	SVCLB_HOOK(svclb_reply, NFPROTO_IPV6, NF_INET_POST_ROUTING,
		   SVCLB_PRI_REPLY),
	SVCLB_HOOK(svclb_reply, NFPROTO_IPV6, NF_INET_LOCAL_IN,
		   SVCLB_PRI_REPLY),
};

int svclb_hooks_net_init(struct net *net)
{
	int err;

	/* Requests are matched on whole datagrams. */
	err = nf_defrag_ipv4_enable(net);
	if (err)
		return err;
	err = nf_defrag_ipv6_enable(net);
	if (err)
		goto err_defrag4;
	err = nf_register_net_hooks(net, svclb_hook_ops,
				    ARRAY_SIZE(svclb_hook_ops));
	if (err)
		goto err_defrag6;
	return 0;

err_defrag6:
	nf_defrag_ipv6_disable(net);
err_defrag4:
	nf_defrag_ipv4_disable(net);
	return err;
}

void svclb_hooks_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, svclb_hook_ops, ARRAY_SIZE(svclb_hook_ops));
	nf_defrag_ipv6_disable(net);
	nf_defrag_ipv4_disable(net);
}
