// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP and ICMPv6 errors about translated flows, in both directions. An
 * error quotes the packet it is about, and the stack that receives it matches
 * it to a socket by that quote, so the quote must show the packet as that
 * stack sent it:
 *  - errors about a request (from the backend, or a router on the way to it)
 *    quote client to backend and go to the client: the quote shows the VIP
 *    again, and so does the outer source when the backend sent the error;
 *  - errors about a reply (from a router on the way to the client, "packet
 *    too big" above all) quote VIP to client and go to the VIP: they go to
 *    the backend instead, quoting backend to client.
 * Every field written comes from the flow's tuples.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "svclb.h"

/* Where the quoted packet's headers are. */
struct svclb_quote {
	unsigned int icmpoff;	/* the ICMP header */
	unsigned int ipoff;	/* the quoted IP header */
	unsigned int l4off;	/* the quoted L4 header */
	struct svclb_tuple t;	/* as quoted: client to backend */
};

static bool svclb_quote_ports(const struct sk_buff *skb, struct svclb_quote *q,
			      u8 proto)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_SCTP)
		return false;
	ports = skb_header_pointer(skb, q->l4off, sizeof(_ports), _ports);
	if (!ports)
		return false;
	q->t.sport = ports[0];
	q->t.dport = ports[1];
	q->t.proto = proto;
	return true;
}

static bool svclb_quote4(const struct sk_buff *skb, struct svclb_quote *q)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct icmphdr _ih;
	const struct icmphdr *ih;
	struct iphdr _qiph;
	const struct iphdr *qiph;

	if (iph->protocol != IPPROTO_ICMP || ip_is_fragment(iph))
		return false;
	q->icmpoff = skb_network_offset(skb) + ip_hdrlen(skb);
	ih = skb_header_pointer(skb, q->icmpoff, sizeof(_ih), &_ih);
	if (!ih || !icmp_is_err(ih->type))
		return false;
	q->ipoff = q->icmpoff + sizeof(_ih);
	qiph = skb_header_pointer(skb, q->ipoff, sizeof(_qiph), &_qiph);
	if (!qiph || qiph->version != 4 || qiph->ihl < 5 ||
	    (qiph->frag_off & htons(IP_OFFSET)))
		return false;
	q->l4off = q->ipoff + qiph->ihl * 4;
	memset(&q->t, 0, sizeof(q->t));
	q->t.src.ip = qiph->saddr;
	q->t.dst.ip = qiph->daddr;
	q->t.family = AF_INET;
	return svclb_quote_ports(skb, q, qiph->protocol);
}

static bool svclb_quote6(const struct sk_buff *skb, struct svclb_quote *q)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct icmp6hdr _ih;
	const struct icmp6hdr *ih;
	struct ipv6hdr _qip6h;
	const struct ipv6hdr *qip6h;
	__be16 frag_off;
	u8 proto = ip6h->nexthdr;
	int off;

	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
			       &proto, &frag_off);
	if (off < 0 || proto != IPPROTO_ICMPV6 || (frag_off & htons(IP6_OFFSET)))
		return false;
	q->icmpoff = off;
	ih = skb_header_pointer(skb, q->icmpoff, sizeof(_ih), &_ih);
	if (!ih || !icmpv6_is_err(ih->icmp6_type))
		return false;
	q->ipoff = q->icmpoff + sizeof(_ih);
	qip6h = skb_header_pointer(skb, q->ipoff, sizeof(_qip6h), &_qip6h);
	if (!qip6h || qip6h->version != 6)
		return false;
	proto = qip6h->nexthdr;
	off = ipv6_skip_exthdr(skb, q->ipoff + sizeof(*qip6h), &proto,
			       &frag_off);
	if (off < 0 || (frag_off & htons(IP6_OFFSET)))
		return false;
	q->l4off = off;
	memset(&q->t, 0, sizeof(q->t));
	q->t.src.in6 = qip6h->saddr;
	q->t.dst.in6 = qip6h->daddr;
	q->t.family = AF_INET6;
	return svclb_quote_ports(skb, q, proto);
}

static bool svclb_quote(const struct sk_buff *skb, u8 pf, struct svclb_quote *q)
{
	return pf == NFPROTO_IPV4 ? svclb_quote4(skb, q) : svclb_quote6(skb, q);
}

/*
 * Make the quote show @to: its addresses and ports. Set the outer
 * destination (@dst) or source to @outer unless it is NULL. Then checksum
 * the ICMP message afresh. The quoted L4 checksum is left alone: the quote is
 * usually truncated and no stack checks it. The headers up to the quoted
 * ports must be writable.
 */
static void svclb_icmp_rewrite(struct sk_buff *skb, const struct svclb_quote *q,
			       const struct svclb_tuple *to, bool dst,
			       const union svclb_addr *outer)
{
	__be16 *qports = (__be16 *)(skb->data + q->l4off);
	unsigned int len = skb->len - q->icmpoff;

	qports[0] = to->sport;
	qports[1] = to->dport;
	if (to->family == AF_INET) {
		struct iphdr *qiph = (struct iphdr *)(skb->data + q->ipoff);
		struct icmphdr *ih = (struct icmphdr *)(skb->data + q->icmpoff);
		struct iphdr *iph = ip_hdr(skb);
		__be32 *outerp = dst ? &iph->daddr : &iph->saddr;

		csum_replace4(&qiph->check, qiph->saddr, to->src.ip);
		qiph->saddr = to->src.ip;
		csum_replace4(&qiph->check, qiph->daddr, to->dst.ip);
		qiph->daddr = to->dst.ip;
		if (outer) {
			csum_replace4(&iph->check, *outerp, outer->ip);
			*outerp = outer->ip;
		}
		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, q->icmpoff, len, 0));
	} else {
		struct ipv6hdr *qip6h = (struct ipv6hdr *)(skb->data + q->ipoff);
		struct icmp6hdr *ih = (struct icmp6hdr *)(skb->data + q->icmpoff);
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		qip6h->saddr = to->src.in6;
		qip6h->daddr = to->dst.in6;
		if (outer) {
			if (dst)
				ip6h->daddr = outer->in6;
			else
				ip6h->saddr = outer->in6;
		}
		ih->icmp6_cksum = 0;
		ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
						  IPPROTO_ICMPV6,
						  skb_checksum(skb, q->icmpoff,
							       len, 0));
	}
	skb->ip_summed = CHECKSUM_NONE;
}

/* Whether the outer source (@dst: destination) of @skb is @addr. */
static bool svclb_outer_is(const struct sk_buff *skb, u8 family, bool dst,
			   const union svclb_addr *addr)
{
	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		return (dst ? iph->daddr : iph->saddr) == addr->ip;
	}
	return ipv6_addr_equal(dst ? &ipv6_hdr(skb)->daddr :
				     &ipv6_hdr(skb)->saddr, &addr->in6);
}

/* Make the headers up to the quoted ports writable; count a failure. */
static bool svclb_icmp_writable(struct sk_buff *skb,
				const struct svclb_quote *q,
				const struct svclb_flow *flow)
{
	if (!skb_ensure_writable(skb, q->l4off + 2 * sizeof(__be16)))
		return true;
	svclb_stats_drop(flow->be->svc->stats, false);
	return false;
}

/*
 * In a reply hook: if @skb is an ICMP or ICMPv6 error about a translated
 * flow's request, translate it for the client: the quote shows the VIP and
 * the service port again, and the VIP is the outer source when the backend
 * itself sent the error. Returns false when it is none, NF_DROP in @verdict
 * when it cannot be written (counted as dropped).
 */
bool svclb_icmp_reply(struct svclb_net *sn, struct sk_buff *skb, u8 pf,
		      unsigned int *verdict)
{
	struct svclb_quote q;
	struct svclb_tuple reply;
	struct svclb_flow *flow;
	bool from_be;

	if (!svclb_quote(skb, pf, &q))
		return false;
	/* The quote went client to backend: the flow's reply tuple reversed. */
	svclb_tuple_invert(&reply, &q.t);
	flow = svclb_flow_lookup_reply(sn, &reply);
	if (!flow || READ_ONCE(flow->be->dead))
		return false;
	*verdict = NF_DROP;
	if (!svclb_icmp_writable(skb, &q, flow))
		return true;
	from_be = svclb_outer_is(skb, q.t.family, false, &flow->be->addr);
	svclb_icmp_rewrite(skb, &q, &flow->orig, false,
			   from_be ? &flow->orig.dst : NULL);
	*verdict = NF_ACCEPT;
	return true;
}

/*
 * In a request hook: an ICMP or ICMPv6 error about a translated flow's reply,
 * sent to the address the client saw the reply come from (the VIP, or the
 * local address of a node port), by a router towards the client that could
 * not forward the reply, or for another failure. Translate it for the
 * backend, whose stack learns the path MTU from it: the backend becomes the
 * outer destination and the quote shows the packet as the backend sent it.
 * @skb is an ICMP or ICMPv6 packet that svclb_parse() left alone. Returns the
 * verdict: NF_DROP when it cannot be written or routed (counted as dropped).
 */
unsigned int svclb_icmp_request(struct svclb_net *sn, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct svclb_tuple orig, reply;
	struct svclb_quote q;
	struct svclb_flow *flow;

	if (!atomic_read(&sn->nr_flows) || !svclb_quote(skb, state->pf, &q))
		return NF_ACCEPT;
	/* The quote went VIP to client: the flow's original tuple reversed. */
	svclb_tuple_invert(&orig, &q.t);
	flow = svclb_flow_lookup_orig(sn, &orig);
	if (!flow || READ_ONCE(flow->be->dead) ||
	    !svclb_outer_is(skb, q.t.family, true, &flow->orig.dst))
		return NF_ACCEPT;
	if (!svclb_icmp_writable(skb, &q, flow))
		return NF_DROP;
	svclb_flow_reply(flow, &reply);
	svclb_icmp_rewrite(skb, &q, &reply, true, &reply.src);
	if (state->hook == NF_INET_LOCAL_OUT && svclb_reroute(skb, state)) {
		svclb_stats_drop(flow->be->svc->stats, false);
		return NF_DROP;
	}
	return NF_ACCEPT;
}
