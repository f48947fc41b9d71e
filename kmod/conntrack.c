// SPDX-License-Identifier: GPL-2.0
/*
 * Node ports and masquerading. nf_nat gives a masqueraded connection the
 * node's address and, when it is free, the client's own port: a pod's
 * connection from port 30080 leaves the node from NODE:30080. Its replies
 * come back to NODE:30080, which is a node port's; svclb's hook (-250) sees
 * them before conntrack (-200) and nf_nat (-100) restore the pod's address,
 * and would take them for new requests to the node port.
 *
 * So a packet that would open a new flow of a node port is first looked up
 * in conntrack's table: when it is the reply of a connection there, it is
 * left to that connection. kube-proxy's rules have the same effect: they are
 * in the nat table, which sees only a connection's first packet. The lookup
 * is made only for new flows of node ports; conntrack's table holds nothing
 * in a namespace where nothing uses conntrack.
 */
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "svclb.h"

/* Whether @t, the tuple of @skb, is a reply of a connection conntrack knows. */
bool svclb_ct_is_reply(struct net *net, const struct sk_buff *skb,
		       const struct svclb_tuple *t)
{
	struct nf_conntrack_tuple_hash *h;
	const struct nf_conntrack_zone *zone;
	struct nf_conntrack_zone tmp;
	struct nf_conntrack_tuple ct;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *tmpl;
	bool reply;

	/* Before conntrack, a packet carries at most the raw table's template. */
	tmpl = nf_ct_get(skb, &ctinfo);
	if (tmpl && !nf_ct_is_template(tmpl))
		tmpl = NULL;
	zone = nf_ct_zone_tmpl(tmpl, skb, &tmp);

	memset(&ct, 0, sizeof(ct));
	ct.src.l3num = t->family;
	memcpy(&ct.src.u3, &t->src, sizeof(ct.src.u3));
	ct.src.u.all = t->sport;
	memcpy(&ct.dst.u3, &t->dst, sizeof(ct.dst.u3));
	ct.dst.u.all = t->dport;
	ct.dst.protonum = t->proto;
	ct.dst.dir = IP_CT_DIR_ORIGINAL;

	h = nf_conntrack_find_get(net, zone, &ct);
	if (!h)
		return false;
	reply = NF_CT_DIRECTION(h) == IP_CT_DIR_REPLY;
	nf_ct_put(nf_ct_tuplehash_to_ctrack(h));
	return reply;
}
