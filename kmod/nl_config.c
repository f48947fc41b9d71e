// SPDX-License-Identifier: GPL-2.0
/* The configuration commands of the netlink family: a namespace's settings. */
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "svclb.h"
#include "netlink.h"

/*
 * Which flow states each timeout attribute sets; the first is the one read
 * back.
 */
static const u8 svclb_cfg_timeouts[][3] = {
	{ SVCLB_CFG_A_TIMEOUT_TCP_SYN, SVCLB_FLOW_TCP_NEW,
	  SVCLB_FLOW_TCP_REPLIED },
	{ SVCLB_CFG_A_TIMEOUT_TCP, SVCLB_FLOW_TCP_ESTABLISHED,
	  SVCLB_FLOW_TCP_ESTABLISHED },
	{ SVCLB_CFG_A_TIMEOUT_TCP_CLOSING, SVCLB_FLOW_TCP_CLOSING,
	  SVCLB_FLOW_TCP_CLOSING },
	{ SVCLB_CFG_A_TIMEOUT_UDP, SVCLB_FLOW_UDP, SVCLB_FLOW_UDP_NEW },
	{ SVCLB_CFG_A_TIMEOUT_SCTP, SVCLB_FLOW_SCTP, SVCLB_FLOW_SCTP },
	{ SVCLB_CFG_A_TIMEOUT_SCTP_INIT, SVCLB_FLOW_SCTP_NEW,
	  SVCLB_FLOW_SCTP_REPLIED },
};

int svclb_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct sk_buff *msg;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return svclb_explain(info, -ENOMEM);
	hdr = genlmsg_put_reply(msg, info, &svclb_genl_family, 0,
				SVCLB_CMD_CONFIG_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, SVCLB_A_CONFIG);
	if (!nest)
		goto nospace;
	for (i = 0; i < ARRAY_SIZE(svclb_cfg_timeouts); i++) {
		u32 t = READ_ONCE(sn->timeouts[svclb_cfg_timeouts[i][1]]);

		if (nla_put_u32(msg, svclb_cfg_timeouts[i][0], t / HZ))
			goto nospace;
	}
	if (nla_put_u32(msg, SVCLB_CFG_A_MAX_FLOWS, READ_ONCE(sn->max_flows)) ||
	    nla_put_u32(msg, SVCLB_CFG_A_FLOWS,
			max(atomic_read(&sn->nr_flows), 0)) ||
	    nla_put_u32(msg, SVCLB_CFG_A_MASQ_MARK, (u32)sn->masq) ||
	    nla_put_u32(msg, SVCLB_CFG_A_MASQ_MASK, sn->masq >> 32) ||
	    nla_put_u64_64bit(msg, SVCLB_CFG_A_SEED, READ_ONCE(sn->seed),
			      SVCLB_CFG_A_PAD) ||
	    nla_put_u32(msg, SVCLB_CFG_A_AFFINITY_ENTRIES,
			max(atomic_read(&sn->nr_affinity), 0)) ||
	    nla_put_u32(msg, SVCLB_CFG_A_MAX_SERVICES,
			READ_ONCE(sn->max_services)) ||
	    nla_put_u32(msg, SVCLB_CFG_A_MAX_BACKENDS,
			READ_ONCE(sn->max_backends)) ||
	    nla_put_u32(msg, SVCLB_CFG_A_GENERATION, sn->genid))
		goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int svclb_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SVCLB_CFG_A_MAX + 1];
	u32 mark = sn->masq, mask = sn->masq >> 32;
	unsigned int i;
	int err;

	if (!info->attrs[SVCLB_A_CONFIG]) {
		NL_SET_ERR_MSG(extack, "missing config attribute");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, SVCLB_CFG_A_MAX, info->attrs[SVCLB_A_CONFIG],
			       svclb_cfg_policy, extack);
	if (err)
		return err;
	/*
	 * The policy checked every value; only the mark and its mask are
	 * checked together, before anything changes.
	 */
	if (tb[SVCLB_CFG_A_MASQ_MARK]) {
		mark = nla_get_u32(tb[SVCLB_CFG_A_MASQ_MARK]);
		mask = mark;
	}
	if (tb[SVCLB_CFG_A_MASQ_MASK])
		mask = nla_get_u32(tb[SVCLB_CFG_A_MASQ_MASK]);
	if (mark & ~mask) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_CFG_A_MASQ_MASK] ?:
				    tb[SVCLB_CFG_A_MASQ_MARK],
				    "the masquerade mark must lie within its mask");
		return -EINVAL;
	}

	/*
	 * The bounds, checked against the host's ceilings (limits.c), go first:
	 * when one is refused, nothing has changed.
	 */
	err = svclb_limits_set(sn, tb, extack);
	if (err)
		return err;

	for (i = 0; i < ARRAY_SIZE(svclb_cfg_timeouts); i++) {
		struct nlattr *a = tb[svclb_cfg_timeouts[i][0]];

		if (!a)
			continue;
		WRITE_ONCE(sn->timeouts[svclb_cfg_timeouts[i][1]],
			   nla_get_u32(a) * HZ);
		WRITE_ONCE(sn->timeouts[svclb_cfg_timeouts[i][2]],
			   nla_get_u32(a) * HZ);
	}
	WRITE_ONCE(sn->masq, (u64)mask << 32 | mark);
	if (tb[SVCLB_CFG_A_SEED])
		WRITE_ONCE(sn->seed, nla_get_u64(tb[SVCLB_CFG_A_SEED]));
	return svclb_notify(info, 0);
}
