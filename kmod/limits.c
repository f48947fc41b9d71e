// SPDX-License-Identifier: GPL-2.0
/*
 * The ceilings of the bounds of a network namespace that a user namespace
 * other than the initial one owns. Root of such a user namespace is the
 * administrator of its network namespace, and anyone may make one (unshare
 * -Urn), but flows and affinity entries, made in softirq, are charged to no
 * memory cgroup: only the count bound (max-flows) limits them. So the host
 * sets, as module parameters, the most max-flows, max-services and
 * max-backends may be in such a namespace: the namespace starts at them and
 * cannot set its bounds above them; a ceiling lowered later lowers the
 * bounds above it at once (removing nothing, like any lowered bound). The
 * initial user namespace's network namespaces keep the usual defaults and
 * may set any bound.
 *
 * Each ceiling is the upper end of a range that a refusal hands back as its
 * policy, so that the caller learns the ceiling with the refusal.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>

#include "svclb.h"
#include "netlink.h"

struct svclb_ceiling {
	int attr;			/* SVCLB_CFG_A_MAX_... */
	size_t off;			/* of the bound in struct svclb_net */
	u32 top;			/* the most the ceiling may be */
	struct netlink_range_validation range;	/* 1 to the ceiling */
	const char *msg;
};

static struct svclb_ceiling svclb_ceilings[] = {
	{
		.attr = SVCLB_CFG_A_MAX_FLOWS,
		.off = offsetof(struct svclb_net, max_flows),
		.top = U32_MAX,
		.range = { .min = 1, .max = 16384 },
		.msg = "above the ceiling of a user namespace's network namespace (svclb parameter userns_max_flows)",
	},
	{
		.attr = SVCLB_CFG_A_MAX_SERVICES,
		.off = offsetof(struct svclb_net, max_services),
		.top = U32_MAX,
		.range = { .min = 1, .max = 256 },
		.msg = "above the ceiling of a user namespace's network namespace (svclb parameter userns_max_services)",
	},
	{
		.attr = SVCLB_CFG_A_MAX_BACKENDS,
		.off = offsetof(struct svclb_net, max_backends),
		.top = SVCLB_BACKENDS_MAX,
		.range = { .min = 1, .max = 16 },
		.msg = "above the ceiling of a user namespace's network namespace (svclb parameter userns_max_backends)",
	},
};

/* What a refusal hands back: the range a bound may take. */
static const struct nla_policy svclb_ceiling_policy[] = {
	NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_ceilings[0].range),
	NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_ceilings[1].range),
	NLA_POLICY_FULL_RANGE(NLA_U32, &svclb_ceilings[2].range),
};
static_assert(ARRAY_SIZE(svclb_ceiling_policy) == ARRAY_SIZE(svclb_ceilings));

/*
 * Serialises the ceilings' changes with the bounded namespaces' list and
 * their changes of bounds, so that no bound stays above a lowered ceiling.
 */
static DEFINE_MUTEX(svclb_limits_lock);
static LIST_HEAD(svclb_bounded_nets);

static unsigned int *svclb_bound(struct svclb_net *sn,
				 const struct svclb_ceiling *c)
{
	return (unsigned int *)((char *)sn + c->off);
}

static int svclb_ceiling_set(const char *val, const struct kernel_param *kp)
{
	struct svclb_ceiling *c = kp->arg;
	struct svclb_net *sn;
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < 1 || v > c->top)
		return -ERANGE;
	mutex_lock(&svclb_limits_lock);
	WRITE_ONCE(c->range.max, v);
	list_for_each_entry(sn, &svclb_bounded_nets, bounded_list) {
		unsigned int *bound = svclb_bound(sn, c);

		if (READ_ONCE(*bound) > v)
			WRITE_ONCE(*bound, v);
	}
	mutex_unlock(&svclb_limits_lock);
	return 0;
}

static int svclb_ceiling_get(char *buf, const struct kernel_param *kp)
{
	const struct svclb_ceiling *c = kp->arg;

	return sysfs_emit(buf, "%llu\n", READ_ONCE(c->range.max));
}

static const struct kernel_param_ops svclb_ceiling_ops = {
	.set = svclb_ceiling_set,
	.get = svclb_ceiling_get,
};

module_param_cb(userns_max_flows, &svclb_ceiling_ops, &svclb_ceilings[0], 0644);
MODULE_PARM_DESC(userns_max_flows,
		 "The most max-flows may be in a user namespace's network namespace, its start (also bounds its affinity entries)");
module_param_cb(userns_max_services, &svclb_ceiling_ops, &svclb_ceilings[1], 0644);
MODULE_PARM_DESC(userns_max_services,
		 "The most max-services may be in a user namespace's network namespace, its start");
module_param_cb(userns_max_backends, &svclb_ceiling_ops, &svclb_ceilings[2], 0644);
MODULE_PARM_DESC(userns_max_backends,
		 "The most max-backends may be in a user namespace's network namespace, its start (1 to 65521)");

/*
 * After the bounds got their defaults: a namespace of another user
 * namespace than the initial one starts at the ceilings.
 */
void svclb_limits_net_init(struct svclb_net *sn)
{
	unsigned int i;

	sn->bounded = sn->net->user_ns != &init_user_ns;
	if (!sn->bounded)
		return;
	mutex_lock(&svclb_limits_lock);
	for (i = 0; i < ARRAY_SIZE(svclb_ceilings); i++)
		*svclb_bound(sn, &svclb_ceilings[i]) =
			svclb_ceilings[i].range.max;
	list_add(&sn->bounded_list, &svclb_bounded_nets);
	mutex_unlock(&svclb_limits_lock);
}

void svclb_limits_net_exit(struct svclb_net *sn)
{
	if (!sn->bounded)
		return;
	mutex_lock(&svclb_limits_lock);
	list_del(&sn->bounded_list);
	mutex_unlock(&svclb_limits_lock);
}

/* The bounds @tb gives within their ceilings, or the refusal of the first. */
static int svclb_limits_check(struct nlattr **tb,
			      struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(svclb_ceilings); i++) {
		const struct svclb_ceiling *c = &svclb_ceilings[i];
		const struct nlattr *a = tb[c->attr];

		if (a && nla_get_u32(a) > c->range.max) {
			NL_SET_BAD_ATTR_POLICY(extack, a,
					       &svclb_ceiling_policy[i]);
			if (extack)
				extack->_msg = c->msg;
			return -ERANGE;
		}
	}
	return 0;
}

static void svclb_limits_write(struct svclb_net *sn, struct nlattr **tb)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(svclb_ceilings); i++) {
		const struct svclb_ceiling *c = &svclb_ceilings[i];

		if (tb[c->attr])
			WRITE_ONCE(*svclb_bound(sn, c), nla_get_u32(tb[c->attr]));
	}
}

/*
 * Set the bounds a CONFIG_SET request gives in @tb, all or none: in a
 * bounded namespace, a bound above its ceiling refuses the request before
 * anything changes.
 */
int svclb_limits_set(struct svclb_net *sn, struct nlattr **tb,
		     struct netlink_ext_ack *extack)
{
	int err;

	if (!sn->bounded) {
		svclb_limits_write(sn, tb);
		return 0;
	}
	mutex_lock(&svclb_limits_lock);
	err = svclb_limits_check(tb, extack);
	if (!err)
		svclb_limits_write(sn, tb);
	mutex_unlock(&svclb_limits_lock);
	return err;
}
