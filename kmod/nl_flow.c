// SPDX-License-Identifier: GPL-2.0
/*
 * The flow commands of the netlink family: where a flow goes (lookup), the
 * flow table's dump, and removing flows.
 */
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "svclb.h"
#include "netlink.h"

/* A backend's address, port and weight in a nest of type @type. */
static int svclb_put_backend_ref(struct sk_buff *skb, int type,
				 const struct svclb_backend *be)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest ||
	    svclb_put_addr(skb, SVCLB_BE_A_ADDR, be->svc->key.family,
			   &be->addr) ||
	    nla_put_u16(skb, SVCLB_BE_A_PORT, ntohs(be->port)) ||
	    nla_put_u32(skb, SVCLB_BE_A_WEIGHT, READ_ONCE(be->weight)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static const u8 svclb_flow_states[SVCLB_FLOW_STATE_MAX] = {
	[SVCLB_FLOW_UDP] = SVCLB_FLOW_STATE_UDP,
	[SVCLB_FLOW_TCP_NEW] = SVCLB_FLOW_STATE_TCP_SYN,
	[SVCLB_FLOW_TCP_ESTABLISHED] = SVCLB_FLOW_STATE_TCP_ESTABLISHED,
	[SVCLB_FLOW_TCP_CLOSING] = SVCLB_FLOW_STATE_TCP_CLOSING,
	[SVCLB_FLOW_SCTP] = SVCLB_FLOW_STATE_SCTP,
	[SVCLB_FLOW_TCP_REPLIED] = SVCLB_FLOW_STATE_TCP_REPLIED,
	[SVCLB_FLOW_SCTP_NEW] = SVCLB_FLOW_STATE_SCTP_INIT,
	[SVCLB_FLOW_SCTP_REPLIED] = SVCLB_FLOW_STATE_SCTP_INIT,
	[SVCLB_FLOW_UDP_NEW] = SVCLB_FLOW_STATE_UDP,
};

/* The tuple of a lookup request: the client to the service. */
static int svclb_parse_lookup(struct genl_info *info,
			      const struct svclb_service *svc,
			      struct svclb_tuple *t)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[SVCLB_A_LOOKUP];
	struct nlattr *tb[SVCLB_LK_A_MAX + 1];
	u16 family = svc->key.family;
	int err;

	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing lookup attribute");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, SVCLB_LK_A_MAX, nest, svclb_lk_policy,
			       extack);
	if (err)
		return err;
	if (!tb[SVCLB_LK_A_CLIENT_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing client address");
		return -EINVAL;
	}
	if (!tb[SVCLB_LK_A_CLIENT_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing client port");
		return -EINVAL;
	}
	memset(t, 0, sizeof(*t));
	if (svclb_get_addr(tb[SVCLB_LK_A_CLIENT_ADDR], &family, &t->src)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_LK_A_CLIENT_ADDR],
				    "client address family differs from the service's");
		return -EAFNOSUPPORT;
	}
	t->sport = htons(nla_get_u16(tb[SVCLB_LK_A_CLIENT_PORT]));
	t->dst = svc->key.addr;
	t->dport = svc->key.port;
	t->proto = svc->key.proto;
	t->family = svc->key.family;
	return 0;
}

/* The backends of the flow and of a new flow; under RCU. */
static int svclb_put_lookup(struct sk_buff *msg, struct svclb_net *sn,
			    struct svclb_service *svc,
			    const struct svclb_tuple *t)
{
	struct svclb_backend *be = NULL;
	struct svclb_be_set *set;
	struct svclb_flow *flow;

	set = rcu_dereference(svc->set);
	if (set && set->sched->peek)
		be = set->sched->peek(set, t);
	if (be && svclb_put_backend_ref(msg, SVCLB_LK_A_NEW, be))
		return -EMSGSIZE;
	flow = svclb_flow_lookup_orig(sn, t);
	if (!flow || READ_ONCE(flow->be->dead) ||
	    svclb_flow_expired(sn, flow, jiffies))
		return 0;
	if (svclb_put_backend_ref(msg, SVCLB_LK_A_FLOW, flow->be) ||
	    nla_put_u8(msg, SVCLB_LK_A_FLOW_STATE,
		       svclb_flow_states[READ_ONCE(flow->state)]))
		return -EMSGSIZE;
	return 0;
}

int svclb_nl_lookup(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	struct nlattr *snest, *lnest;
	struct svclb_service *svc;
	struct svclb_tuple t;
	struct sk_buff *msg;
	void *hdr;
	int err;

	svc = svclb_get_service(info, tb);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	err = svclb_parse_lookup(info, svc, &t);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return svclb_explain(info, -ENOMEM);
	hdr = genlmsg_put_reply(msg, info, &svclb_genl_family, 0,
				SVCLB_CMD_LOOKUP);
	if (!hdr)
		goto nospace;
	snest = nla_nest_start(msg, SVCLB_A_SERVICE);
	if (!snest || svclb_put_svc_key(msg, svc))
		goto nospace;
	nla_nest_end(msg, snest);
	lnest = nla_nest_start(msg, SVCLB_A_LOOKUP);
	if (!lnest ||
	    svclb_put_addr(msg, SVCLB_LK_A_CLIENT_ADDR, t.family, &t.src) ||
	    nla_put_u16(msg, SVCLB_LK_A_CLIENT_PORT, ntohs(t.sport)) ||
	    nla_put_u64_64bit(msg, SVCLB_LK_A_HASH, svclb_flow_hash(sn, &t),
			      SVCLB_LK_A_PAD))
		goto nospace;
	rcu_read_lock();
	err = svclb_put_lookup(msg, sn, svc, &t);
	rcu_read_unlock();
	if (err)
		goto nospace;
	nla_nest_end(msg, lnest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

struct svclb_flow_filter {
	const struct svclb_service *svc;
	const struct svclb_backend *be;
};

static bool svclb_flow_filter_match(const struct svclb_flow *flow,
				    const void *arg)
{
	const struct svclb_flow_filter *f = arg;

	return (!f->svc || flow->be->svc == f->svc) &&
	       (!f->be || flow->be == f->be);
}

int svclb_nl_flow_del(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct svclb_flow_filter f = {};
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct nlattr *stb[SVCLB_SVC_A_MAX + 1];
	struct svclb_service *svc;
	struct svclb_be_spec spec;
	struct svclb_backend *be;
	int err;

	if (info->attrs[SVCLB_A_BACKEND]) {
		if (!info->attrs[SVCLB_A_SERVICE]) {
			NL_SET_ERR_MSG(info->extack,
				       "a backend needs the key of its service");
			return -EINVAL;
		}
		err = svclb_parse_backend(info, tb, &svc, &spec, &be);
		if (err)
			return err;
		if (!be) {
			NL_SET_ERR_MSG(info->extack, "no such backend");
			return -ENOENT;
		}
		f.svc = svc;
		f.be = be;
	} else if (info->attrs[SVCLB_A_SERVICE]) {
		svc = svclb_get_service(info, stb);
		if (IS_ERR(svc))
			return PTR_ERR(svc);
		f.svc = svc;
	}
	svclb_flow_purge(sn, svclb_flow_filter_match, &f);
	return svclb_notify(info, 0);
}

/* The state of a dump of the flow table, from start to done. */
struct svclb_nl_flow_dump {
	struct rhashtable_iter iter;
	struct svclb_svc_key key;
	bool filter;
	u32 restarts;
};

int svclb_nl_flow_dump_start(struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct svclb_nl_flow_dump *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	rhashtable_walk_enter(&svclb_pernet(net)->flows_orig, &d->iter);
	cb->args[0] = (long)d;
	return 0;
}

/* The optional service filter of a flow dump. */
static int svclb_flow_dump_filter(struct netlink_callback *cb,
				  struct svclb_nl_flow_dump *d)
{
	int err = svclb_dump_svc_key(cb, &d->key);

	d->filter = err > 0;
	return min(err, 0);
}

int svclb_nl_flow_dump_done(struct netlink_callback *cb)
{
	struct svclb_nl_flow_dump *d = (struct svclb_nl_flow_dump *)cb->args[0];

	if (d) {
		rhashtable_walk_exit(&d->iter);
		kfree(d);
	}
	return 0;
}

static u8 svclb_flow_state_uapi(u8 state)
{
	return svclb_flow_states[min_t(u8, state, SVCLB_FLOW_STATE_MAX - 1)];
}

/* Under RCU. */
static int svclb_put_flow(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct svclb_net *sn,
			  const struct svclb_flow *flow, u32 now)
{
	const struct svclb_tuple *o = &flow->orig;
	u8 state = READ_ONCE(flow->state);
	u32 idle = max_t(s32, now - READ_ONCE(flow->last_seen), 0);
	u32 timeout = READ_ONCE(sn->timeouts[state]);
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &svclb_genl_family, NLM_F_MULTI, SVCLB_CMD_FLOW_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, SVCLB_A_FLOW);
	if (!nest ||
	    nla_put_u16(skb, SVCLB_FLOW_A_FAMILY, o->family) ||
	    nla_put_u8(skb, SVCLB_FLOW_A_PROTO, o->proto) ||
	    svclb_put_addr(skb, SVCLB_FLOW_A_CLIENT_ADDR, o->family, &o->src) ||
	    nla_put_u16(skb, SVCLB_FLOW_A_CLIENT_PORT, ntohs(o->sport)) ||
	    svclb_put_addr(skb, SVCLB_FLOW_A_VIP_ADDR, o->family, &o->dst) ||
	    nla_put_u16(skb, SVCLB_FLOW_A_VIP_PORT, ntohs(o->dport)) ||
	    svclb_put_addr(skb, SVCLB_FLOW_A_BACKEND_ADDR, o->family,
			   &flow->be->addr) ||
	    nla_put_u16(skb, SVCLB_FLOW_A_BACKEND_PORT,
			ntohs(flow->be->port)) ||
	    nla_put_u8(skb, SVCLB_FLOW_A_STATE, svclb_flow_state_uapi(state)) ||
	    nla_put_u32(skb, SVCLB_FLOW_A_IDLE, jiffies_to_msecs(idle)) ||
	    nla_put_u32(skb, SVCLB_FLOW_A_EXPIRES,
			jiffies_to_msecs(timeout > idle ? timeout - idle : 0)) ||
	    (flow->rport != o->sport &&
	     nla_put_u16(skb, SVCLB_FLOW_A_MAPPED_PORT,
			 ntohs(flow->rport)))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * One part of the dump: from the flow the last part stopped at (which did
 * not fit), or from its successor if that flow is gone. A walk that has to
 * start over (the table was resized) flags the next message NLM_F_DUMP_INTR.
 */
int svclb_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct svclb_nl_flow_dump *d = (struct svclb_nl_flow_dump *)cb->args[0];
	struct svclb_net *sn = svclb_pernet(sock_net(skb->sk));
	struct svclb_flow *flow;
	u32 now = jiffies;
	int err = 0;

	if (!cb->args[1]) {
		err = svclb_flow_dump_filter(cb, d);
		if (err)
			return err;
	}
	if (rhashtable_walk_start_check(&d->iter) == -EAGAIN && cb->args[1])
		d->restarts++;
	cb->args[1] = 1;
	cb->seq = d->restarts + 1;
	for (flow = rhashtable_walk_peek(&d->iter); flow;
	     flow = rhashtable_walk_next(&d->iter)) {
		if (IS_ERR(flow)) {
			if (PTR_ERR(flow) != -EAGAIN) {
				err = PTR_ERR(flow);
				break;
			}
			d->restarts++;
			cb->seq = d->restarts + 1;
			continue;
		}
		if (READ_ONCE(flow->be->dead) ||
		    svclb_flow_expired(sn, flow, now))
			continue;
		if (d->filter &&
		    memcmp(&flow->be->svc->key, &d->key, sizeof(d->key)))
			continue;
		err = svclb_put_flow(skb, cb, sn, flow, now);
		if (err)
			break;
	}
	rhashtable_walk_stop(&d->iter);
	/* A message too big for an empty buffer cannot be sent at all. */
	if (err && (err != -EMSGSIZE || !skb->len))
		return err;
	return skb->len;
}
