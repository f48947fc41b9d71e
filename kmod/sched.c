// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler registry. A scheduler prepares its data when a backend set is
 * built (process context, may sleep) and picks a backend for each new flow
 * from that immutable set (under RCU, lock-free).
 */
#include <linux/string.h>

#include "svclb.h"

static const struct svclb_sched_ops *const svclb_scheds[] = {
	&svclb_sched_rr,
};

const struct svclb_sched_ops *svclb_sched_default(void)
{
	return &svclb_sched_rr;
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
