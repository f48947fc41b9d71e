// SPDX-License-Identifier: GPL-2.0
/*
 * The "svclb" generic netlink family; the API is documented in
 * include/uapi/linux/svclb.h. Every refusal says why in the extended ack.
 */
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "svclb.h"

static const struct nla_policy svclb_be_policy[SVCLB_BE_A_MAX + 1] = {
	[SVCLB_BE_A_ADDR] = { .type = NLA_BINARY },
	[SVCLB_BE_A_PORT] = { .type = NLA_U16 },
	[SVCLB_BE_A_WEIGHT] = { .type = NLA_U32 },
	/* Output only; refused by svclb_parse_be() with a message. */
	[SVCLB_BE_A_STATS] = { .type = NLA_NESTED },
	[SVCLB_BE_A_STATE] = { .type = NLA_U8 },
};

static const struct nla_policy svclb_svc_policy[SVCLB_SVC_A_MAX + 1] = {
	[SVCLB_SVC_A_FAMILY] = { .type = NLA_U16 },
	[SVCLB_SVC_A_PROTO] = { .type = NLA_U8 },
	[SVCLB_SVC_A_ADDR] = { .type = NLA_BINARY },
	[SVCLB_SVC_A_PORT] = { .type = NLA_U16 },
	[SVCLB_SVC_A_SCHED] = { .type = NLA_NUL_STRING },
	[SVCLB_SVC_A_FLAGS] = { .type = NLA_U32 },
	/* Output only; refused by svclb_parse_svc_key() with a message. */
	[SVCLB_SVC_A_STATS] = { .type = NLA_NESTED },
	/* SVCLB_CMD_SERVICE_SET only; see svclb_parse_svc_key(). */
	[SVCLB_SVC_A_BACKENDS] = NLA_POLICY_NESTED_ARRAY(svclb_be_policy),
	[SVCLB_SVC_A_AFFINITY] = { .type = NLA_U8 },
	[SVCLB_SVC_A_AFFINITY_TIMEOUT] = { .type = NLA_U32 },
	[SVCLB_SVC_A_BACKENDS_FROM] = { .type = NLA_U32 },
	[SVCLB_SVC_A_BACKENDS_MORE] = { .type = NLA_FLAG },
};

static const struct nla_policy svclb_cfg_policy[SVCLB_CFG_A_MAX + 1] = {
	[SVCLB_CFG_A_TIMEOUT_TCP_SYN] = { .type = NLA_U32 },
	[SVCLB_CFG_A_TIMEOUT_TCP] = { .type = NLA_U32 },
	[SVCLB_CFG_A_TIMEOUT_TCP_CLOSING] = { .type = NLA_U32 },
	[SVCLB_CFG_A_TIMEOUT_UDP] = { .type = NLA_U32 },
	[SVCLB_CFG_A_TIMEOUT_SCTP] = { .type = NLA_U32 },
	[SVCLB_CFG_A_MAX_FLOWS] = { .type = NLA_U32 },
	[SVCLB_CFG_A_FLOWS] = { .type = NLA_U32 },
	[SVCLB_CFG_A_MASQ_MARK] = { .type = NLA_U32 },
	[SVCLB_CFG_A_MASQ_MASK] = { .type = NLA_U32 },
	[SVCLB_CFG_A_SEED] = { .type = NLA_U64 },
	[SVCLB_CFG_A_AFFINITY_ENTRIES] = { .type = NLA_U32 },
	[SVCLB_CFG_A_MAX_SERVICES] = { .type = NLA_U32 },
	[SVCLB_CFG_A_MAX_BACKENDS] = { .type = NLA_U32 },
};

static const struct nla_policy svclb_lk_policy[SVCLB_LK_A_MAX + 1] = {
	[SVCLB_LK_A_CLIENT_ADDR] = { .type = NLA_BINARY },
	[SVCLB_LK_A_CLIENT_PORT] = { .type = NLA_U16 },
};

static const struct nla_policy svclb_policy[SVCLB_A_MAX + 1] = {
	[SVCLB_A_SERVICE] = NLA_POLICY_NESTED(svclb_svc_policy),
	[SVCLB_A_BACKEND] = NLA_POLICY_NESTED(svclb_be_policy),
	[SVCLB_A_CONFIG] = NLA_POLICY_NESTED(svclb_cfg_policy),
	[SVCLB_A_LOOKUP] = NLA_POLICY_NESTED(svclb_lk_policy),
	[SVCLB_A_FLOW] = { .type = NLA_REJECT,
			   .reject_message = "flows are read-only" },
};

/* Which flow state each timeout attribute sets. */
static const u8 svclb_cfg_timeouts[][2] = {
	{ SVCLB_CFG_A_TIMEOUT_TCP_SYN, SVCLB_FLOW_TCP_NEW },
	{ SVCLB_CFG_A_TIMEOUT_TCP, SVCLB_FLOW_TCP_ESTABLISHED },
	{ SVCLB_CFG_A_TIMEOUT_TCP_CLOSING, SVCLB_FLOW_TCP_CLOSING },
	{ SVCLB_CFG_A_TIMEOUT_UDP, SVCLB_FLOW_UDP },
	{ SVCLB_CFG_A_TIMEOUT_SCTP, SVCLB_FLOW_SCTP },
};

static struct genl_family svclb_genl_family;

/*
 * Tell the events group about a change that succeeded (@err is 0): the
 * request's command and attributes. Returns @err.
 */
static int svclb_notify(struct genl_info *info, int err)
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

/* The same test as GENL_UNS_ADMIN_PERM, with a message. */
static int svclb_check_perm(struct sk_buff *skb, struct net *net,
			    struct netlink_ext_ack *extack)
{
	if (netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack,
			   "CAP_NET_ADMIN in the namespace's user namespace is required");
	return -EPERM;
}

static int svclb_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	int err;

	err = svclb_check_perm(skb, net, info->extack);
	if (err)
		return err;
	mutex_lock(&svclb_pernet(net)->lock);
	return 0;
}

/* The message for an error the handlers did not explain themselves. */
static int svclb_explain(struct genl_info *info, int err)
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
	mutex_unlock(&svclb_pernet(genl_info_net(info))->lock);
}

/*
 * Read an address attribute of @family into @addr; a zero @family accepts
 * either length and returns the family it implies.
 */
static int svclb_get_addr(const struct nlattr *nla, u16 *family,
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

static int svclb_parse_svc_key(struct genl_info *info, struct nlattr **tb,
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
	if (!key->port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_SVC_A_PORT],
				    "service port must not be 0");
		return -EINVAL;
	}
	return 0;
}

static bool svclb_addr_multicast(u8 family, const union svclb_addr *a)
{
	if (family == AF_INET)
		return ipv4_is_multicast(a->ip) || ipv4_is_lbcast(a->ip);
	return ipv6_addr_is_multicast(&a->in6);
}

static struct svclb_service *svclb_get_service(struct genl_info *info,
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

/* The optional scheduler and flags of a service request. */
static int svclb_parse_svc_opts(struct genl_info *info, struct nlattr **tb,
				const struct svclb_sched_ops **sched,
				u32 *flags)
{
	if (tb[SVCLB_SVC_A_SCHED]) {
		*sched = svclb_sched_find(nla_data(tb[SVCLB_SVC_A_SCHED]));
		if (!*sched) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SVCLB_SVC_A_SCHED],
					    "unknown scheduler");
			return -ENOENT;
		}
	}
	if (tb[SVCLB_SVC_A_FLAGS]) {
		*flags = nla_get_u32(tb[SVCLB_SVC_A_FLAGS]);
		if (*flags & ~SVCLB_SVC_F_ALL) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SVCLB_SVC_A_FLAGS],
					    "unknown service flag");
			return -EINVAL;
		}
	}
	return 0;
}

/* The optional session affinity of a service request; @timeout in jiffies. */
static int svclb_parse_svc_affinity(struct genl_info *info, struct nlattr **tb,
				    u8 *affinity, u32 *timeout)
{
	struct nlattr *a = tb[SVCLB_SVC_A_AFFINITY_TIMEOUT];

	if (tb[SVCLB_SVC_A_AFFINITY]) {
		*affinity = nla_get_u8(tb[SVCLB_SVC_A_AFFINITY]);
		if (*affinity > SVCLB_AFFINITY_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[SVCLB_SVC_A_AFFINITY],
					    "unknown session affinity");
			return -EINVAL;
		}
	}
	if (a) {
		if (!nla_get_u32(a) || nla_get_u32(a) > SVCLB_TIMEOUT_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "affinity timeout must be 1 to 2000000 seconds");
			return -ERANGE;
		}
		*timeout = nla_get_u32(a) * HZ;
	}
	return 0;
}

static void svclb_set_affinity(struct svclb_service *svc, u8 affinity,
			       u32 timeout)
{
	if (affinity == svc->affinity && timeout == svc->affinity_timeout)
		return;
	WRITE_ONCE(svc->affinity_timeout, timeout);
	WRITE_ONCE(svc->affinity, affinity);
	svclb_changed(svc->sn);
}

static int svclb_parse_be(struct netlink_ext_ack *extack,
			  const struct nlattr *nest, u16 family,
			  struct nlattr **tb, struct svclb_be_spec *spec);

/*
 * Append the backends of the list @list of a service of @family to @specs,
 * up to max-backends in all.
 */
static int svclb_parse_be_list(struct genl_info *info,
			       const struct nlattr *list, u16 family,
			       struct svclb_be_specs *specs)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	unsigned int n = specs->n;
	const struct nlattr *a;
	int rem, err;

	nla_for_each_nested(a, list, rem) {
		if (nla_type(a) != SVCLB_A_BACKEND) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "a backend list holds only SVCLB_A_BACKEND nests");
			return -EINVAL;
		}
		if (++n > READ_ONCE(sn->max_backends)) {
			NL_SET_ERR_MSG_ATTR(extack, list,
					    "more backends than a service may have (max-backends)");
			return -E2BIG;
		}
	}
	err = svclb_specs_reserve(specs, n - specs->n);
	if (err)
		return svclb_explain(info, err);
	nla_for_each_nested(a, list, rem) {
		err = svclb_parse_be(extack, a, family, tb,
				     &specs->v[specs->n]);
		if (err)
			return err;
		specs->n++;
	}
	return 0;
}

static const int svclb_part_excludes[] = {
	SVCLB_SVC_A_SCHED, SVCLB_SVC_A_FLAGS, SVCLB_SVC_A_AFFINITY,
	SVCLB_SVC_A_AFFINITY_TIMEOUT,
};

/*
 * The backends of the list of a SERVICE_NEW or _SET request into @specs,
 * after those the socket staged when the request completes a staged set
 * (SVCLB_SVC_A_BACKENDS_FROM). Returns 1 when the request is a part to
 * stage (SVCLB_SVC_A_BACKENDS_MORE), which is then done.
 */
static int svclb_request_be_list(struct genl_info *info, struct nlattr **tb,
				 const struct svclb_svc_key *key,
				 struct svclb_be_specs *specs)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	const struct nlattr *from_attr = tb[SVCLB_SVC_A_BACKENDS_FROM];
	const struct nlattr *list = tb[SVCLB_SVC_A_BACKENDS];
	bool more = nla_get_flag(tb[SVCLB_SVC_A_BACKENDS_MORE]);
	u32 from = from_attr ? nla_get_u32(from_attr) : 0;
	struct netlink_ext_ack *extack = info->extack;
	struct svclb_stage *st;
	unsigned int i, n;
	int err;

	if (!list && (more || from_attr)) {
		svclb_stage_free(sn, svclb_stage_find(sn, info->snd_portid));
		NL_SET_ERR_MSG(extack,
			       "a part of a backend set needs its list (SVCLB_SVC_A_BACKENDS)");
		return -EINVAL;
	}
	if (!more && !from)
		return list ? svclb_parse_be_list(info, list, key->family,
						  specs) : 0;
	st = svclb_stage_find(sn, info->snd_portid);
	for (i = 0; more && i < ARRAY_SIZE(svclb_part_excludes); i++) {
		if (tb[svclb_part_excludes[i]]) {
			svclb_stage_free(sn, st);
			NL_SET_ERR_MSG_ATTR(extack, tb[svclb_part_excludes[i]],
					    "a part of a backend set but the last carries only the service key and backends");
			return -EINVAL;
		}
	}
	if (!from) {
		st = svclb_stage_new(sn, info->snd_portid, key);
		if (!st)
			return svclb_explain(info, -ENOMEM);
	} else if (!st || memcmp(&st->key, key, sizeof(*key)) ||
		   st->specs.n != from) {
		svclb_stage_free(sn, st);
		NL_SET_ERR_MSG_ATTR(extack, from_attr,
				    "the earlier parts of this backend set are missing: one was refused, or sent on another socket");
		return -EINVAL;
	}
	n = st->specs.n;
	err = svclb_parse_be_list(info, list, key->family, &st->specs);
	if (err) {
		svclb_stage_free(sn, st);
		return err;
	}
	if (!more) {
		svclb_stage_take(sn, st, specs);
		return 0;
	}
	/* What they point to goes with this request. */
	for (i = n; i < st->specs.n; i++)
		st->specs.v[i].nla = NULL;
	return 1;
}

/* @specs sorted into *@sortedp, to free with kvfree(); no backend twice. */
static int svclb_sort_be_list(struct genl_info *info,
			      struct svclb_be_specs *specs,
			      struct svclb_be_spec ***sortedp)
{
	struct svclb_be_spec **sorted, *dup;

	*sortedp = NULL;
	if (!specs->n)
		return 0;
	sorted = kvcalloc(specs->n, sizeof(*sorted), GFP_KERNEL);
	if (!sorted)
		return svclb_explain(info, -ENOMEM);
	dup = svclb_spec_sort(specs->v, sorted, specs->n);
	if (dup) {
		kvfree(sorted);
		if (dup->nla)
			NL_SET_ERR_MSG_ATTR(info->extack, dup->nla,
					    "backend listed twice");
		else
			NL_SET_ERR_MSG(info->extack,
				       "backend listed twice in the staged parts");
		return -EINVAL;
	}
	*sortedp = sorted;
	return 0;
}

static int svclb_service_new(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct svclb_svc_conf conf = {
		.sched = svclb_sched_default(),
		.affinity = SVCLB_AFFINITY_NONE,
		.affinity_timeout = SVCLB_AFFINITY_TIMEOUT_DEFAULT * HZ,
	};
	struct svclb_be_specs specs = {};
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	struct svclb_be_spec **sorted = NULL;
	struct svclb_service *svc;
	struct svclb_svc_key key;
	int err;

	err = svclb_parse_svc_key(info, tb, &key);
	if (err)
		return err;
	err = svclb_parse_svc_opts(info, tb, &conf.sched, &conf.flags);
	if (err)
		return err;
	if (svclb_addr_multicast(key.family, &key.addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SVCLB_SVC_A_ADDR],
				    "service address must be unicast, or 0.0.0.0 or :: for a node port");
		return -EINVAL;
	}
	err = svclb_parse_svc_affinity(info, tb, &conf.affinity,
				       &conf.affinity_timeout);
	if (err)
		return err;
	if (nla_get_flag(tb[SVCLB_SVC_A_BACKENDS_MORE]) &&
	    svclb_service_lookup(sn, &key)) {
		NL_SET_ERR_MSG(info->extack, "service already exists");
		return -EEXIST;
	}
	err = svclb_request_be_list(info, tb, &key, &specs);
	if (err)
		goto out;
	err = svclb_sort_be_list(info, &specs, &sorted);
	if (err)
		goto out;
	svc = svclb_service_create(sn, &key, &conf, specs.v, sorted, specs.n);
	err = PTR_ERR_OR_ZERO(svc);
	if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "service already exists");
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack,
			       "the namespace has the most services allowed (max-services)");
	err = svclb_notify(info, svclb_explain(info, err));
out:
	kvfree(sorted);
	svclb_specs_free(&specs);
	return err < 0 ? err : 0;
}

/*
 * Replace the backends of @svc with those of the request, and its scheduler
 * with @sched: all or nothing. Returns 1 for a part that is only staged.
 */
static int svclb_set_backends(struct genl_info *info, struct nlattr **tb,
			      struct svclb_service *svc,
			      const struct svclb_sched_ops *sched)
{
	struct svclb_be_specs specs = {};
	struct svclb_be_spec **sorted = NULL;
	int err;

	err = svclb_request_be_list(info, tb, &svc->key, &specs);
	if (err)
		goto out;
	err = svclb_sort_be_list(info, &specs, &sorted);
	if (err)
		goto out;
	err = svclb_explain(info, svclb_service_replace(svc, sched, specs.v,
							sorted, specs.n));
out:
	kvfree(sorted);
	svclb_specs_free(&specs);
	return err;
}

static int svclb_service_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	const struct svclb_sched_ops *sched;
	struct svclb_service *svc;
	u32 flags, timeout;
	u8 affinity;
	int err;

	svc = svclb_get_service(info, tb);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	sched = svc->sched;
	flags = svc->flags;
	affinity = svc->affinity;
	timeout = svc->affinity_timeout;
	err = svclb_parse_svc_opts(info, tb, &sched, &flags);
	if (err)
		return err;
	err = svclb_parse_svc_affinity(info, tb, &affinity, &timeout);
	if (err)
		return err;
	/* The only change that can fail comes first. */
	if (tb[SVCLB_SVC_A_BACKENDS] || tb[SVCLB_SVC_A_BACKENDS_FROM] ||
	    tb[SVCLB_SVC_A_BACKENDS_MORE])
		err = svclb_set_backends(info, tb, svc, sched);
	else
		err = svclb_explain(info, svclb_service_set_sched(svc, sched));
	if (err)
		return err < 0 ? err : 0;
	if (flags != svc->flags) {
		WRITE_ONCE(svc->flags, flags);
		svclb_changed(svc->sn);
	}
	svclb_set_affinity(svc, affinity, timeout);
	return svclb_notify(info, 0);
}

static int svclb_service_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	struct svclb_service *svc;

	svc = svclb_get_service(info, tb);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	svclb_service_delete(svc);
	return svclb_notify(info, 0);
}

/*
 * Parse and check the backend nest @nest of a service of @family into @tb
 * and @spec, whose weight and state are the defaults when not given.
 */
static int svclb_parse_be(struct netlink_ext_ack *extack,
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
	if (!spec->port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_PORT],
				    "backend port must not be 0");
		return -EINVAL;
	}
	if (tb[SVCLB_BE_A_WEIGHT] &&
	    nla_get_u32(tb[SVCLB_BE_A_WEIGHT]) > SVCLB_WEIGHT_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_WEIGHT],
				    "backend weight is above 65535");
		return -ERANGE;
	}
	if (tb[SVCLB_BE_A_STATE] &&
	    nla_get_u8(tb[SVCLB_BE_A_STATE]) > SVCLB_BE_STATE_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_BE_A_STATE],
				    "unknown backend state");
		return -EINVAL;
	}
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
static int svclb_parse_backend(struct genl_info *info, struct nlattr **tb,
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

static int svclb_backend_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct svclb_be_spec spec;
	struct svclb_service *svc;
	struct svclb_backend *be;
	int err;

	err = svclb_parse_backend(info, tb, &svc, &spec, &be);
	if (err)
		return err;
	if (be) {
		NL_SET_ERR_MSG(info->extack, "backend already exists");
		return -EEXIST;
	}
	if (svc->nr_backends >= READ_ONCE(svc->sn->max_backends)) {
		NL_SET_ERR_MSG(info->extack,
			       "the service has the most backends allowed (max-backends)");
		return -E2BIG;
	}
	err = svclb_backend_add(svc, &spec.addr, spec.port, spec.weight,
				spec.state);
	return svclb_notify(info, svclb_explain(info, err));
}

static int svclb_backend_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct svclb_be_spec spec;
	struct svclb_service *svc;
	struct svclb_backend *be;
	u32 weight;
	u8 state;
	int err;

	err = svclb_parse_backend(info, tb, &svc, &spec, &be);
	if (err)
		return err;
	if (!be) {
		NL_SET_ERR_MSG(info->extack, "no such backend");
		return -ENOENT;
	}
	weight = tb[SVCLB_BE_A_WEIGHT] ? spec.weight : be->weight;
	state = tb[SVCLB_BE_A_STATE] ? spec.state : be->state;
	err = svclb_backend_update(be, weight, state);
	return svclb_notify(info, svclb_explain(info, err));
}

static int svclb_backend_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct svclb_be_spec spec;
	struct svclb_service *svc;
	struct svclb_backend *be;
	int err;

	err = svclb_parse_backend(info, tb, &svc, &spec, &be);
	if (err)
		return err;
	if (!be) {
		NL_SET_ERR_MSG(info->extack, "no such backend");
		return -ENOENT;
	}
	return svclb_notify(info, svclb_explain(info, svclb_backend_delete(be)));
}

static int svclb_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));

	svclb_service_flush(sn);
	svclb_flow_flush(sn);
	svclb_affinity_sweep(sn, true);
	return svclb_notify(info, 0);
}

static int svclb_config_get(struct sk_buff *skb, struct genl_info *info)
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
			READ_ONCE(sn->max_backends)))
		goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int svclb_config_set(struct sk_buff *skb, struct genl_info *info)
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
	/* Check everything before changing anything. */
	if (tb[SVCLB_CFG_A_FLOWS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_CFG_A_FLOWS],
				    "the number of flows is read-only");
		return -EINVAL;
	}
	if (tb[SVCLB_CFG_A_AFFINITY_ENTRIES]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_CFG_A_AFFINITY_ENTRIES],
				    "the number of affinity entries is read-only");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(svclb_cfg_timeouts); i++) {
		struct nlattr *a = tb[svclb_cfg_timeouts[i][0]];

		if (a && (!nla_get_u32(a) ||
			  nla_get_u32(a) > SVCLB_TIMEOUT_MAX)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "timeout must be 1 to 2000000 seconds");
			return -ERANGE;
		}
	}
	if (tb[SVCLB_CFG_A_MAX_FLOWS] && !nla_get_u32(tb[SVCLB_CFG_A_MAX_FLOWS])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_CFG_A_MAX_FLOWS],
				    "the flow table bound must be at least 1");
		return -ERANGE;
	}
	if (tb[SVCLB_CFG_A_MAX_SERVICES] &&
	    !nla_get_u32(tb[SVCLB_CFG_A_MAX_SERVICES])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_CFG_A_MAX_SERVICES],
				    "max-services must be at least 1");
		return -ERANGE;
	}
	if (tb[SVCLB_CFG_A_MAX_BACKENDS] &&
	    (!nla_get_u32(tb[SVCLB_CFG_A_MAX_BACKENDS]) ||
	     nla_get_u32(tb[SVCLB_CFG_A_MAX_BACKENDS]) > SVCLB_BACKENDS_MAX)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_CFG_A_MAX_BACKENDS],
				    "max-backends must be 1 to 65521");
		return -ERANGE;
	}
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

	for (i = 0; i < ARRAY_SIZE(svclb_cfg_timeouts); i++) {
		struct nlattr *a = tb[svclb_cfg_timeouts[i][0]];

		if (a)
			WRITE_ONCE(sn->timeouts[svclb_cfg_timeouts[i][1]],
				   nla_get_u32(a) * HZ);
	}
	if (tb[SVCLB_CFG_A_MAX_FLOWS])
		WRITE_ONCE(sn->max_flows, nla_get_u32(tb[SVCLB_CFG_A_MAX_FLOWS]));
	WRITE_ONCE(sn->masq, (u64)mask << 32 | mark);
	if (tb[SVCLB_CFG_A_SEED])
		WRITE_ONCE(sn->seed, nla_get_u64(tb[SVCLB_CFG_A_SEED]));
	if (tb[SVCLB_CFG_A_MAX_SERVICES])
		WRITE_ONCE(sn->max_services,
			   nla_get_u32(tb[SVCLB_CFG_A_MAX_SERVICES]));
	if (tb[SVCLB_CFG_A_MAX_BACKENDS])
		WRITE_ONCE(sn->max_backends,
			   nla_get_u32(tb[SVCLB_CFG_A_MAX_BACKENDS]));
	return svclb_notify(info, 0);
}

static int svclb_put_addr(struct sk_buff *skb, int type, u8 family,
			  const union svclb_addr *addr)
{
	return nla_put(skb, type, family == AF_INET ? sizeof(struct in_addr) :
		       sizeof(struct in6_addr), addr);
}

static int svclb_put_stats(struct sk_buff *skb, int type,
			   struct svclb_stats __percpu *stats,
			   const atomic_t *active, bool drops)
{
	struct svclb_stats_sum sum;
	struct nlattr *nest;

	svclb_stats_sum(stats, &sum);
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_FLOWS, sum.flows,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_PKTS_IN, sum.pkts_in,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_BYTES_IN, sum.bytes_in,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_PKTS_OUT, sum.pkts_out,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_BYTES_OUT, sum.bytes_out,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u32(skb, SVCLB_STATS_A_ACTIVE_FLOWS,
			max(atomic_read(active), 0)))
		return -EMSGSIZE;
	if (drops &&
	    (nla_put_u64_64bit(skb, SVCLB_STATS_A_REFUSED, sum.refused,
			       SVCLB_STATS_A_PAD) ||
	     nla_put_u64_64bit(skb, SVCLB_STATS_A_DROPPED, sum.dropped,
			       SVCLB_STATS_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int svclb_put_backend(struct sk_buff *skb,
			     const struct svclb_backend *be)
{
	struct nlattr *nest = nla_nest_start(skb, SVCLB_A_BACKEND);

	if (!nest ||
	    svclb_put_addr(skb, SVCLB_BE_A_ADDR, be->svc->key.family,
			   &be->addr) ||
	    nla_put_u16(skb, SVCLB_BE_A_PORT, ntohs(be->port)) ||
	    nla_put_u32(skb, SVCLB_BE_A_WEIGHT, be->weight) ||
	    nla_put_u8(skb, SVCLB_BE_A_STATE, be->state) ||
	    svclb_put_stats(skb, SVCLB_BE_A_STATS, be->stats,
			    &be->active_flows, false))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The attributes that name @svc: its key and its scheduler. */
static int svclb_put_svc_key(struct sk_buff *skb,
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
 * Put one message for @svc with its backends from number *@be_idx on.
 * Returns 0 when the service is complete, 1 when backends remain (*@be_idx
 * is where to continue), -EMSGSIZE when nothing fitted.
 */
static int svclb_put_service(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct svclb_service *svc,
			     unsigned long *be_idx)
{
	struct nlattr *snest, *bnest, *last;
	const struct svclb_backend *be;
	unsigned long i = 0, done = 0;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &svclb_genl_family, NLM_F_MULTI,
			  SVCLB_CMD_SERVICE_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	snest = nla_nest_start(skb, SVCLB_A_SERVICE);
	if (!snest || svclb_put_svc_key(skb, svc) ||
	    nla_put_u32(skb, SVCLB_SVC_A_FLAGS, svc->flags) ||
	    nla_put_u8(skb, SVCLB_SVC_A_AFFINITY, svc->affinity) ||
	    nla_put_u32(skb, SVCLB_SVC_A_AFFINITY_TIMEOUT,
			svc->affinity_timeout / HZ) ||
	    svclb_put_stats(skb, SVCLB_SVC_A_STATS, svc->stats,
			    &svc->active_flows, true))
		goto cancel;
	bnest = nla_nest_start(skb, SVCLB_SVC_A_BACKENDS);
	if (!bnest)
		goto cancel;
	list_for_each_entry(be, &svc->backends, list) {
		if (i++ < *be_idx)
			continue;
		last = (struct nlattr *)skb_tail_pointer(skb);
		if (svclb_put_backend(skb, be)) {
			nlmsg_trim(skb, last);
			if (!done)
				goto cancel;
			nla_nest_end(skb, bnest);
			nla_nest_end(skb, snest);
			genlmsg_end(skb, hdr);
			*be_idx += done;
			return 1;
		}
		done++;
	}
	nla_nest_end(skb, bnest);
	nla_nest_end(skb, snest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

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
	if (!t->sport) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCLB_LK_A_CLIENT_PORT],
				    "client port must not be 0");
		return -EINVAL;
	}
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

static int svclb_lookup(struct sk_buff *skb, struct genl_info *info)
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

static int svclb_dump_start(struct netlink_callback *cb)
{
	return svclb_check_perm(cb->skb, sock_net(cb->skb->sk), cb->extack);
}

/* cb->args: [0] services done, [1] backends done of the next service. */
static int svclb_service_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct svclb_net *sn = svclb_pernet(sock_net(skb->sk));
	struct svclb_service *svc;
	unsigned long i = 0;
	int ret = 0;

	mutex_lock(&sn->lock);
	cb->seq = sn->genid;
	list_for_each_entry(svc, &sn->service_list, list) {
		if (i++ < cb->args[0])
			continue;
		ret = svclb_put_service(skb, cb, svc, &cb->args[1]);
		if (ret)
			break;
		cb->args[0]++;
		cb->args[1] = 0;
	}
	mutex_unlock(&sn->lock);
	/* A message too big for an empty buffer cannot be sent at all. */
	if (ret < 0 && !skb->len)
		return ret;
	return skb->len;
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

static int svclb_flow_del(struct sk_buff *skb, struct genl_info *info)
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
struct svclb_flow_dump {
	struct rhashtable_iter iter;
	struct svclb_svc_key key;
	bool filter;
	u32 restarts;
};

static int svclb_flow_dump_start(struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct svclb_flow_dump *d;
	int err;

	err = svclb_check_perm(cb->skb, net, cb->extack);
	if (err)
		return err;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	rhashtable_walk_enter(&svclb_pernet(net)->flows_orig, &d->iter);
	cb->args[0] = (long)d;
	return 0;
}

/*
 * The optional service filter of a flow dump, read by the first part of the
 * dump: unlike start, it has an extended ack for its refusals, which
 * NLMSG_DONE carries.
 */
static int svclb_flow_dump_filter(struct netlink_callback *cb,
				  struct svclb_flow_dump *d)
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
	d->filter = true;
	return svclb_parse_svc_key(&info, tb, &d->key);
}

static int svclb_flow_dump_done(struct netlink_callback *cb)
{
	struct svclb_flow_dump *d = (struct svclb_flow_dump *)cb->args[0];

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
			   &flow->reply.src) ||
	    nla_put_u16(skb, SVCLB_FLOW_A_BACKEND_PORT,
			ntohs(flow->reply.sport)) ||
	    nla_put_u8(skb, SVCLB_FLOW_A_STATE, svclb_flow_state_uapi(state)) ||
	    nla_put_u32(skb, SVCLB_FLOW_A_IDLE, jiffies_to_msecs(idle)) ||
	    nla_put_u32(skb, SVCLB_FLOW_A_EXPIRES,
			jiffies_to_msecs(timeout > idle ? timeout - idle : 0))) {
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
static int svclb_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct svclb_flow_dump *d = (struct svclb_flow_dump *)cb->args[0];
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

static const struct genl_ops svclb_genl_ops[] = {
	{
		.cmd = SVCLB_CMD_SERVICE_NEW,
		.doit = svclb_service_new,
	},
	{
		.cmd = SVCLB_CMD_SERVICE_SET,
		.doit = svclb_service_set,
	},
	{
		.cmd = SVCLB_CMD_SERVICE_DEL,
		.doit = svclb_service_del,
	},
	{
		.cmd = SVCLB_CMD_SERVICE_GET,
		.start = svclb_dump_start,
		.dumpit = svclb_service_dump,
	},
	{
		.cmd = SVCLB_CMD_BACKEND_NEW,
		.doit = svclb_backend_new,
	},
	{
		.cmd = SVCLB_CMD_BACKEND_SET,
		.doit = svclb_backend_set,
	},
	{
		.cmd = SVCLB_CMD_BACKEND_DEL,
		.doit = svclb_backend_del,
	},
	{
		.cmd = SVCLB_CMD_FLUSH,
		.doit = svclb_flush,
	},
	{
		.cmd = SVCLB_CMD_CONFIG_GET,
		.doit = svclb_config_get,
	},
	{
		.cmd = SVCLB_CMD_CONFIG_SET,
		.doit = svclb_config_set,
	},
	{
		.cmd = SVCLB_CMD_LOOKUP,
		.doit = svclb_lookup,
	},
	{
		.cmd = SVCLB_CMD_FLOW_GET,
		.start = svclb_flow_dump_start,
		.dumpit = svclb_flow_dump,
		.done = svclb_flow_dump_done,
	},
	{
		.cmd = SVCLB_CMD_FLOW_DEL,
		.doit = svclb_flow_del,
	},
};

static const struct genl_multicast_group svclb_mcgrps[] = {
	{ .name = SVCLB_MCGRP_EVENTS },
};

static struct genl_family svclb_genl_family __ro_after_init = {
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

int __init svclb_genl_init(void)
{
	return genl_register_family(&svclb_genl_family);
}

void svclb_genl_exit(void)
{
	genl_unregister_family(&svclb_genl_family);
}
