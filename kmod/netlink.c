// SPDX-License-Identifier: GPL-2.0
/*
 * The "svclb" generic netlink family; the API is documented in
 * include/uapi/linux/svclb.h. Every refusal says why in the extended ack.
 * This file holds the family, its policies and what the commands share:
 * permission, locking, the generation check, events, the service key and
 * what is kept per socket. The commands are in
 * nl_service.c (services, backends and their dump), nl_config.c and
 * nl_flow.c (lookups and flows).
 */
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "svclb.h"
#include "netlink.h"

/*
 * The policies give every attribute its type and the values it may take, so
 * that the genetlink core refuses a bad one with its own message, naming the
 * attribute (its offset) and the policy it failed, before any handler runs.
 * The handlers check only what a policy cannot say: which families and
 * protocols, that an address's length matches its family, the relations
 * between attributes, and the tables' contents.
 *
 * nla_policy's min and max are s16 on 6.1: larger bounds need a
 * struct netlink_range_validation.
 */
static struct netlink_range_validation svclb_weight_range = {
	.max = SVCLB_WEIGHT_MAX,
};

static struct netlink_range_validation svclb_timeout_range = {
	.min = 1,
	.max = SVCLB_TIMEOUT_MAX,
};

static struct netlink_range_validation svclb_backends_range = {
	.max = SVCLB_BACKENDS_MAX,
};

static struct netlink_range_validation svclb_max_backends_range = {
	.min = 1,
	.max = SVCLB_BACKENDS_MAX,
};

/* An IPv4 or IPv6 address: 4 to 16 bytes here, 4 or 16 in the handlers. */
#define SVCLB_POLICY_ADDR \
	NLA_POLICY_RANGE(NLA_BINARY, sizeof(struct in_addr), \
			 sizeof(struct in6_addr))
#define SVCLB_POLICY_PORT	NLA_POLICY_MIN(NLA_U16, 1)
#define SVCLB_POLICY_TIMEOUT	NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_timeout_range)
#define SVCLB_POLICY_READ_ONLY(msg) \
	{ .type = NLA_REJECT, .reject_message = msg }

const struct nla_policy svclb_be_policy[SVCLB_BE_A_MAX + 1] = {
	[SVCLB_BE_A_ADDR] = SVCLB_POLICY_ADDR,
	[SVCLB_BE_A_PORT] = SVCLB_POLICY_PORT,
	[SVCLB_BE_A_WEIGHT] = NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_weight_range),
	/*
	 * Output only; refused by svclb_parse_be() with a message. A reject
	 * policy would refuse the nest for its NLA_F_NESTED first.
	 */
	[SVCLB_BE_A_STATS] = { .type = NLA_NESTED },
	[SVCLB_BE_A_STATE] = NLA_POLICY_MAX(NLA_U8, SVCLB_BE_STATE_MAX),
};

const struct nla_policy svclb_svc_policy[SVCLB_SVC_A_MAX + 1] = {
	/* AF_INET or AF_INET6, and TCP, UDP or SCTP: svclb_parse_svc_key(). */
	[SVCLB_SVC_A_FAMILY] = { .type = NLA_U16 },
	[SVCLB_SVC_A_PROTO] = { .type = NLA_U8 },
	[SVCLB_SVC_A_ADDR] = SVCLB_POLICY_ADDR,
	[SVCLB_SVC_A_PORT] = SVCLB_POLICY_PORT,
	[SVCLB_SVC_A_SCHED] = { .type = NLA_NUL_STRING,
				.len = SVCLB_SCHED_NAME_MAX - 1 },
	[SVCLB_SVC_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SVCLB_SVC_F_ALL),
	/* Output only; refused by svclb_parse_svc_key() with a message. */
	[SVCLB_SVC_A_STATS] = { .type = NLA_NESTED },
	/* SVCLB_CMD_SERVICE_NEW and _SET only; see svclb_parse_svc_key(). */
	[SVCLB_SVC_A_BACKENDS] = NLA_POLICY_NESTED_ARRAY(svclb_be_policy),
	[SVCLB_SVC_A_AFFINITY] = NLA_POLICY_MAX(NLA_U8, SVCLB_AFFINITY_MAX),
	[SVCLB_SVC_A_AFFINITY_TIMEOUT] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_SVC_A_BACKENDS_FROM] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_backends_range),
	[SVCLB_SVC_A_BACKENDS_MORE] = { .type = NLA_FLAG },
};

const struct nla_policy svclb_cfg_policy[SVCLB_CFG_A_MAX + 1] = {
	[SVCLB_CFG_A_TIMEOUT_TCP_SYN] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_CFG_A_TIMEOUT_TCP] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_CFG_A_TIMEOUT_TCP_CLOSING] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_CFG_A_TIMEOUT_UDP] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_CFG_A_TIMEOUT_SCTP] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_CFG_A_TIMEOUT_SCTP_INIT] = SVCLB_POLICY_TIMEOUT,
	[SVCLB_CFG_A_MAX_FLOWS] = NLA_POLICY_MIN(NLA_U32, 1),
	[SVCLB_CFG_A_FLOWS] =
		SVCLB_POLICY_READ_ONLY("the number of flows is read-only"),
	/* The mark must lie within the mask: svclb_nl_config_set(). */
	[SVCLB_CFG_A_MASQ_MARK] = { .type = NLA_U32 },
	[SVCLB_CFG_A_MASQ_MASK] = { .type = NLA_U32 },
	[SVCLB_CFG_A_SEED] = { .type = NLA_U64 },
	[SVCLB_CFG_A_AFFINITY_ENTRIES] =
		SVCLB_POLICY_READ_ONLY("the number of affinity entries is read-only"),
	[SVCLB_CFG_A_MAX_SERVICES] = NLA_POLICY_MIN(NLA_U32, 1),
	[SVCLB_CFG_A_MAX_BACKENDS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_max_backends_range),
	[SVCLB_CFG_A_GENERATION] =
		SVCLB_POLICY_READ_ONLY("the generation is read-only"),
};

const struct nla_policy svclb_lk_policy[SVCLB_LK_A_MAX + 1] = {
	[SVCLB_LK_A_CLIENT_ADDR] = SVCLB_POLICY_ADDR,
	[SVCLB_LK_A_CLIENT_PORT] = SVCLB_POLICY_PORT,
};

static const struct nla_policy svclb_policy[SVCLB_A_MAX + 1] = {
	[SVCLB_A_SERVICE] = NLA_POLICY_NESTED(svclb_svc_policy),
	[SVCLB_A_BACKEND] = NLA_POLICY_NESTED(svclb_be_policy),
	[SVCLB_A_CONFIG] = NLA_POLICY_NESTED(svclb_cfg_policy),
	[SVCLB_A_LOOKUP] = NLA_POLICY_NESTED(svclb_lk_policy),
	[SVCLB_A_FLOW] = { .type = NLA_REJECT,
			   .reject_message = "flows are read-only" },
	[SVCLB_A_GENERATION] = { .type = NLA_U32 },
	[SVCLB_A_STATS] = { .type = NLA_FLAG },
};

/* genl_ops.internal_flags: the command may change something. */
#define SVCLB_OP_CHANGE		BIT(0)

/*
 * Tell the events group about a change that succeeded (@err is 0): the
 * request's command and attributes. Returns @err.
 */
int svclb_notify(struct genl_info *info, int err)
{
	struct net *net = genl_info_net(info);
	struct sk_buff *msg;
	void *hdr;
	int i;

	if (err || !genl_has_listeners(&svclb_genl_family, net, 0))
		return err;
	msg = genlmsg_new(nlmsg_len(info->nlhdr), GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &svclb_genl_family, 0,
			  info->genlhdr->cmd);
	if (!hdr)
		goto free;
	for (i = 1; i <= SVCLB_A_MAX; i++) {
		const struct nlattr *a = info->attrs[i];

		if (i == SVCLB_A_GENERATION)
			continue;
		if (a && nla_put(msg, a->nla_type & ~NLA_F_NET_BYTEORDER,
				 nla_len(a), nla_data(a)))
			goto free;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&svclb_genl_family, net, msg, 0, 0,
				GFP_KERNEL);
	return 0;

free:
	nlmsg_free(msg);
lost:
	/* Listeners learn that they missed an event. */
	genl_set_err(&svclb_genl_family, net, 0, 0, -ENOBUFS);
	return 0;
}

/*
 * Whether a request of the socket @portid may change tables it saw at
 * generation @gen: they are still of it, or every change made since was
 * that socket's own (its run of changes began at or before @gen).
 */
static bool svclb_generation_ok(const struct svclb_net *sn, u32 portid,
				u32 gen)
{
	if (gen == sn->genid)
		return true;
	return gen && portid == sn->writer_portid &&
	       sn->writer_gen == sn->genid &&
	       gen - sn->writer_since <= sn->genid - sn->writer_since;
}

/*
 * Every request runs under the namespace's lock, taken here and released
 * by svclb_post_doit(), which learns from the generation kept in
 * user_ptr[0] whether the request changed the tables.
 */
static int svclb_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr *gen = info->attrs[SVCLB_A_GENERATION];
	struct svclb_net *sn = svclb_pernet(net);

	mutex_lock(&sn->lock);
	if (gen && (ops->internal_flags & SVCLB_OP_CHANGE) &&
	    !svclb_generation_ok(sn, info->snd_portid, nla_get_u32(gen))) {
		svclb_stage_free(sn, svclb_stage_find(sn, info->snd_portid));
		mutex_unlock(&sn->lock);
		NL_SET_ERR_MSG_ATTR(info->extack, gen,
				    "the tables changed since this generation: another writer changed them");
		return -ESTALE;
	}
	info->user_ptr[0] = (void *)(unsigned long)sn->genid;
	return 0;
}

/* The message for an error the handlers did not explain themselves. */
int svclb_explain(struct genl_info *info, int err)
{
	if (err == -ENOMEM)
		NL_SET_ERR_MSG(info->extack, "out of memory");
	else if (err == -E2BIG)
		NL_SET_ERR_MSG(info->extack,
			       "too many backends for the service's scheduler");
	return err;
}

static void svclb_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	u32 before = (unsigned long)info->user_ptr[0];

	if (sn->genid != before) {
		/* The socket's run of changes goes on, or a new one begins. */
		if (info->snd_portid != sn->writer_portid ||
		    before != sn->writer_gen)
			sn->writer_since = before;
		WRITE_ONCE(sn->writer_portid, info->snd_portid);
		sn->writer_gen = sn->genid;
	}
	mutex_unlock(&sn->lock);
}

/*
 * Read an address attribute of @family into @addr; a zero @family accepts
 * either length and returns the family it implies.
 */
int svclb_get_addr(const struct nlattr *nla, u16 *family,
		   union svclb_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	switch (nla_len(nla)) {
	case sizeof(struct in_addr):
		if (*family && *family != AF_INET)
			return -EINVAL;
		*family = AF_INET;
		break;
	case sizeof(struct in6_addr):
		if (*family && *family != AF_INET6)
			return -EINVAL;
		*family = AF_INET6;
		break;
	default:
		return -EINVAL;
	}
	nla_memcpy(addr, nla, sizeof(*addr));
	return 0;
}

int svclb_parse_svc_key(struct genl_info *info, struct nlattr **tb,
			struct svclb_svc_key *key)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[SVCLB_A_SERVICE];
	u16 family;
	int err;

	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing service attribute");
		return -EINVAL;
	}
	/* Already validated against the family's policy. */
	err = nla_parse_nested(tb, SVCLB_SVC_A_MAX, nest, svclb_svc_policy,
			       extack);
	if (err)
		return err;

	if (tb[SVCLB_SVC_A_STATS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_SVC_A_STATS],
				    "statistics are read-only");
		return -EINVAL;
	}
	if (info->genlhdr->cmd != SVCLB_CMD_SERVICE_NEW &&
	    info->genlhdr->cmd != SVCLB_CMD_SERVICE_SET) {
		const struct nlattr *list = tb[SVCLB_SVC_A_BACKENDS] ?:
			tb[SVCLB_SVC_A_BACKENDS_FROM] ?:
			tb[SVCLB_SVC_A_BACKENDS_MORE];

		if (list) {
			NL_SET_ERR_MSG_ATTR(extack, list,
					    "a backend list belongs only in SVCLB_CMD_SERVICE_NEW or _SET");
			return -EINVAL;
		}
	}
	if (!tb[SVCLB_SVC_A_FAMILY]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing service address family");
		return -EINVAL;
	}
	family = nla_get_u16(tb[SVCLB_SVC_A_FAMILY]);
	if (family != AF_INET && family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_SVC_A_FAMILY],
				    "address family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (!tb[SVCLB_SVC_A_PROTO]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing service protocol");
		return -EINVAL;
	}
	if (!tb[SVCLB_SVC_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing service address");
		return -EINVAL;
	}
	if (!tb[SVCLB_SVC_A_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing service port");
		return -EINVAL;
	}

	memset(key, 0, sizeof(*key));
	key->family = family;
	key->proto = nla_get_u8(tb[SVCLB_SVC_A_PROTO]);
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP &&
	    key->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_SVC_A_PROTO],
				    "protocol must be TCP, UDP or SCTP");
		return -EPROTONOSUPPORT;
	}
	if (svclb_get_addr(tb[SVCLB_SVC_A_ADDR], &family, &key->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_SVC_A_ADDR],
				    "service address length does not match its family");
		return -EINVAL;
	}
	key->port = htons(nla_get_u16(tb[SVCLB_SVC_A_PORT]));
	return 0;
}

bool svclb_addr_multicast(u8 family, const union svclb_addr *a)
{
	if (family == AF_INET)
		return ipv4_is_multicast(a->ip) || ipv4_is_lbcast(a->ip);
	return ipv6_addr_is_multicast(&a->in6);
}

/*
 * 127.0.0.0/8 or ::1: no packet to it leaves the node, and one translated
 * to a backend elsewhere would carry a martian source.
 */
bool svclb_addr_loopback(u8 family, const union svclb_addr *a)
{
	if (family == AF_INET)
		return ipv4_is_loopback(a->ip);
	return ipv6_addr_loopback(&a->in6);
}

struct svclb_service *svclb_get_service(struct genl_info *info,
					struct nlattr **tb)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct svclb_service *svc;
	struct svclb_svc_key key;
	int err;

	err = svclb_parse_svc_key(info, tb, &key);
	if (err)
		return ERR_PTR(err);
	svc = svclb_service_lookup(sn, &key);
	if (!svc) {
		NL_SET_ERR_MSG(info->extack, "no such service");
		return ERR_PTR(-ENOENT);
	}
	return svc;
}

/*
 * Parse and check the backend nest @nest of a service of @family into @tb
 * and @spec, whose weight and state are the defaults when not given.
 */
int svclb_parse_be(struct netlink_ext_ack *extack,
		   const struct nlattr *nest, u16 family,
		   struct nlattr **tb, struct svclb_be_spec *spec)
{
	u16 be_family = 0;
	int err;

	err = nla_parse_nested(tb, SVCLB_BE_A_MAX, nest, svclb_be_policy,
			       extack);
	if (err)
		return err;
	if (tb[SVCLB_BE_A_STATS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_STATS],
				    "statistics are read-only");
		return -EINVAL;
	}
	if (!tb[SVCLB_BE_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing backend address");
		return -EINVAL;
	}
	if (!tb[SVCLB_BE_A_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing backend port");
		return -EINVAL;
	}
	if (svclb_get_addr(tb[SVCLB_BE_A_ADDR], &be_family, &spec->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_ADDR],
				    "backend address must be 4 (IPv4) or 16 (IPv6) bytes long");
		return -EINVAL;
	}
	if (be_family != family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_ADDR],
				    "backend address family differs from the service's");
		return -EAFNOSUPPORT;
	}
	if (svclb_addr_any(&spec->addr) ||
	    svclb_addr_multicast(family, &spec->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_ADDR],
				    "backend address must be unicast, not 0.0.0.0 or ::");
		return -EINVAL;
	}
	spec->port = htons(nla_get_u16(tb[SVCLB_BE_A_PORT]));
	spec->weight = 1;
	if (tb[SVCLB_BE_A_WEIGHT])
		spec->weight = nla_get_u32(tb[SVCLB_BE_A_WEIGHT]);
	spec->state = SVCLB_BE_STATE_ACTIVE;
	if (tb[SVCLB_BE_A_STATE])
		spec->state = nla_get_u8(tb[SVCLB_BE_A_STATE]);
	spec->nla = nest;
	return 0;
}

/*
 * Find the service and parse the backend of a backend request. Returns the
 * backend or NULL in @bep.
 */
int svclb_parse_backend(struct genl_info *info, struct nlattr **tb,
			struct svclb_service **svcp,
			struct svclb_be_spec *spec,
			struct svclb_backend **bep)
{
	struct nlattr *stb[SVCLB_SVC_A_MAX + 1];
	struct nlattr *nest = info->attrs[SVCLB_A_BACKEND];
	struct svclb_service *svc;
	int err;

	svc = svclb_get_service(info, stb);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing backend attribute");
		return -EINVAL;
	}
	err = svclb_parse_be(info->extack, nest, svc->key.family, tb, spec);
	if (err)
		return err;
	*svcp = svc;
	*bep = svclb_backend_find(svc, &spec->addr, spec->port);
	return 0;
}

int svclb_put_addr(struct sk_buff *skb, int type, u8 family,
		   const union svclb_addr *addr)
{
	return nla_put(skb, type, family == AF_INET ? sizeof(struct in_addr) :
		       sizeof(struct in6_addr), addr);
}

/* The attributes that name @svc: its key and its scheduler. */
int svclb_put_svc_key(struct sk_buff *skb,
		      const struct svclb_service *svc)
{
	const struct svclb_svc_key *key = &svc->key;

	if (nla_put_u16(skb, SVCLB_SVC_A_FAMILY, key->family) ||
	    nla_put_u8(skb, SVCLB_SVC_A_PROTO, key->proto) ||
	    svclb_put_addr(skb, SVCLB_SVC_A_ADDR, key->family, &key->addr) ||
	    nla_put_u16(skb, SVCLB_SVC_A_PORT, ntohs(key->port)) ||
	    nla_put_string(skb, SVCLB_SVC_A_SCHED, svc->sched->name))
		return -EMSGSIZE;
	return 0;
}

/*
 * The service key of a dump request's SVCLB_A_SERVICE, read by the first
 * part of the dump: unlike start, it has an extended ack for its refusals,
 * which NLMSG_DONE carries. 1 when there is one, 0 when there is none.
 */
int svclb_dump_svc_key(struct netlink_callback *cb, struct svclb_svc_key *key)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	struct genl_info info = {
		.genlhdr = nlmsg_data(cb->nlh),
		.attrs = di->attrs,
		.extack = cb->extack,
	};

	if (!di->attrs || !di->attrs[SVCLB_A_SERVICE])
		return 0;
	return svclb_parse_svc_key(&info, tb, key) ?: 1;
}

/*
 * Every command needs CAP_NET_ADMIN in the user namespace that owns the
 * network namespace (GENL_UNS_ADMIN_PERM), dumps included: the core checks
 * it before it parses anything, so a caller without it learns nothing from
 * the policies' answers. Its refusal is a bare EPERM, without a message.
 */
static const struct genl_ops svclb_genl_ops[] = {
	{
		.cmd = SVCLB_CMD_SERVICE_NEW,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_service_new,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_SERVICE_SET,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_service_set,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_SERVICE_DEL,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_service_del,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_SERVICE_GET,
		.flags = GENL_UNS_ADMIN_PERM,
		.start = svclb_nl_service_dump_start,
		.dumpit = svclb_nl_service_dump,
		.done = svclb_nl_service_dump_done,
	},
	{
		.cmd = SVCLB_CMD_BACKEND_NEW,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_backend_new,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_BACKEND_SET,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_backend_set,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_BACKEND_DEL,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_backend_del,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_FLUSH,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_flush,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_CONFIG_GET,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_config_get,
	},
	{
		.cmd = SVCLB_CMD_CONFIG_SET,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_config_set,
		.internal_flags = SVCLB_OP_CHANGE,
	},
	{
		.cmd = SVCLB_CMD_LOOKUP,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_lookup,
	},
	{
		.cmd = SVCLB_CMD_FLOW_GET,
		.flags = GENL_UNS_ADMIN_PERM,
		.start = svclb_nl_flow_dump_start,
		.dumpit = svclb_nl_flow_dump,
		.done = svclb_nl_flow_dump_done,
	},
	{
		.cmd = SVCLB_CMD_FLOW_DEL,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = svclb_nl_flow_del,
		.internal_flags = SVCLB_OP_CHANGE,
	},
};

/*
 * Events carry the requests' attributes, the hash seed of CONFIG_SET
 * included: only an administrator of the namespace may join, as only one
 * may read the tables. When a socket joins (NETLINK_ADD_MEMBERSHIP or
 * bind()), the core checks that the joining process has CAP_NET_ADMIN in
 * the user namespace that owns the socket's network namespace.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "svclb needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.7, and the stable updates of older kernels) to keep its events from unprivileged users"
#endif
static const struct genl_multicast_group svclb_mcgrps[] = {
	{ .name = SVCLB_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family svclb_genl_family __ro_after_init = {
	.name = SVCLB_GENL_NAME,
	.version = SVCLB_GENL_VERSION,
	.maxattr = SVCLB_A_MAX,
	.policy = svclb_policy,
	.netnsok = true,
	.parallel_ops = true,
	.pre_doit = svclb_pre_doit,
	.post_doit = svclb_post_doit,
	.ops = svclb_genl_ops,
	.n_ops = ARRAY_SIZE(svclb_genl_ops),
	.mcgrps = svclb_mcgrps,
	.n_mcgrps = ARRAY_SIZE(svclb_mcgrps),
	.module = THIS_MODULE,
};

/*
 * A netlink socket closed: drop the backend set it was staging, and its
 * claim on the generation, which a socket that gets its port id later must
 * not inherit.
 */
static int svclb_genl_release(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct netlink_notify *n = ptr;
	struct svclb_net *sn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	sn = svclb_pernet(n->net);
	if (!READ_ONCE(sn->nr_stages) &&
	    READ_ONCE(sn->writer_portid) != n->portid)
		return NOTIFY_DONE;
	mutex_lock(&sn->lock);
	svclb_stage_free(sn, svclb_stage_find(sn, n->portid));
	if (sn->writer_portid == n->portid)
		WRITE_ONCE(sn->writer_portid, 0);
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block svclb_genl_notifier = {
	.notifier_call = svclb_genl_release,
};

int __init svclb_genl_init(void)
{
	int err;

	err = netlink_register_notifier(&svclb_genl_notifier);
	if (err)
		return err;
	err = genl_register_family(&svclb_genl_family);
	if (err)
		netlink_unregister_notifier(&svclb_genl_notifier);
	return err;
}

void svclb_genl_exit(void)
{
	genl_unregister_family(&svclb_genl_family);
	netlink_unregister_notifier(&svclb_genl_notifier);
}
