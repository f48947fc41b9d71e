// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler registry and the flow hash. A scheduler prepares its data when a
 * backend set is built (process context, may sleep) and picks a backend for
 * each new flow from that immutable set (under RCU, lock-free or under a
 * lock of its own).
 */
#include <linux/siphash.h>
#include <linux/string.h>

#include "svclb.h"

static const struct svclb_sched_ops *const svclb_scheds[] = {
	&svclb_sched_maglev,
	&svclb_sched_rr,
	&svclb_sched_wrr,
	&svclb_sched_random,
	&svclb_sched_lc,
};

const struct svclb_sched_ops *svclb_sched_default(void)
{
	return &svclb_sched_maglev;
}

/* Returns NULL for an unknown name. */
const struct svclb_sched_ops *svclb_sched_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(svclb_scheds); i++) {
		if (!strcmp(svclb_scheds[i]->name, name))
			return svclb_scheds[i];
	}
	return NULL;
}

/*
 * SipHash-2-4 of the original tuple (client to VIP, 40 bytes as laid out in
 * struct svclb_tuple, unused bytes zero) keyed with (seed, 0). Nodes that
 * share the seed hash a flow alike; a secret seed keeps clients from aiming
 * their flows at one backend.
 */
u64 svclb_flow_hash(const struct svclb_net *sn, const struct svclb_tuple *t)
{
	const siphash_key_t key = { { READ_ONCE(sn->seed), 0 } };

	BUILD_BUG_ON(sizeof(*t) != 40);
	return siphash(t, sizeof(*t), &key);
}

#ifdef DEBUG
#include "selftest/sched.c"
#endif
