// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP and ICMPv6 errors about translated flows. A backend (or a router on
 * the way to it) that reports an error quotes the packet it received, which
 * went from the client to the backend; the client's stack matches the error
 * to a socket by that quote, so the quote must show the VIP again. The outer
 * source becomes the VIP too when the backend itself sent the error.
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

/*
 * Show the VIP in the quote and, when the backend sent the error, as the
 * source; then checksum the ICMP message afresh. The quoted L4 checksum is
 * left alone: the quote is usually truncated and no stack checks it.
 */
static void svclb_icmp_translate(struct sk_buff *skb,
				 const struct svclb_quote *q,
				 const struct svclb_flow *flow)
{
	const union svclb_addr *vip = &flow->orig.dst;
	const union svclb_addr *be = &flow->reply.src;
	__be16 *qports = (__be16 *)(skb->data + q->l4off);
	unsigned int len = skb->len - q->icmpoff;

	qports[0] = flow->orig.sport;	/* the client's own, if remapped */
	qports[1] = flow->orig.dport;
	if (q->t.family == AF_INET) {
		struct iphdr *qiph = (struct iphdr *)(skb->data + q->ipoff);
		struct iphdr *iph = ip_hdr(skb);
		struct icmphdr *ih = (struct icmphdr *)(skb->data + q->icmpoff);

		csum_replace4(&qiph->check, qiph->daddr, vip->ip);
		qiph->daddr = vip->ip;
		if (iph->saddr == be->ip) {
			csum_replace4(&iph->check, iph->saddr, vip->ip);
			iph->saddr = vip->ip;
		}
		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, q->icmpoff, len, 0));
	} else {
		struct ipv6hdr *qip6h = (struct ipv6hdr *)(skb->data + q->ipoff);
		struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct icmp6hdr *ih = (struct icmp6hdr *)(skb->data + q->icmpoff);

		qip6h->daddr = vip->in6;
		if (ipv6_addr_equal(&ip6h->saddr, &be->in6))
			ip6h->saddr = vip->in6;
		ih->icmp6_cksum = 0;
		ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
						  IPPROTO_ICMPV6,
						  skb_checksum(skb, q->icmpoff,
							       len, 0));
	}
	skb->ip_summed = CHECKSUM_NONE;
}

/*
 * If @skb is an ICMP or ICMPv6 error about a translated flow, translate it.
 * Returns false when it is none, NF_DROP in @verdict when it cannot be
 * written.
 */
bool svclb_icmp_reply(struct svclb_net *sn, struct sk_buff *skb, u8 pf,
		      unsigned int *verdict)
{
	struct svclb_quote q;
	struct svclb_tuple reply;
	struct svclb_flow *flow;

	if (!(pf == NFPROTO_IPV4 ? svclb_quote4(skb, &q) : svclb_quote6(skb, &q)))
		return false;
	/* The quote went client to backend: the flow's reply tuple reversed. */
	svclb_tuple_invert(&reply, &q.t);
	flow = svclb_flow_lookup_reply(sn, &reply);
	if (!flow || READ_ONCE(flow->be->dead))
		return false;
	*verdict = NF_ACCEPT;
	if (skb_ensure_writable(skb, skb->len)) {
		*verdict = NF_DROP;
		return true;
	}
	svclb_icmp_translate(skb, &q, flow);
	return true;
}
