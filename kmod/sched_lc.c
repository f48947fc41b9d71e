// SPDX-License-Identifier: GPL-2.0
/*
 * Least connections: each new flow goes to the backend with the fewest
 * flows in the flow table (closing flows count until they expire); weights
 * other than 0 are ignored. The scan starts one backend further at each
 * pick, so ties are shared out in turn. O(backends) per new flow, lock-free.
 */
#include <linux/atomic.h>
#include <linux/slab.h>

#include "svclb.h"

static int lc_build(struct svclb_be_set *set)
{
	atomic_t *next = kmalloc(sizeof(*next), GFP_KERNEL_ACCOUNT);

	if (!next)
		return -ENOMEM;
	atomic_set(next, 0);
	set->sched_data = next;
	return 0;
}

static void lc_destroy(struct svclb_be_set *set)
{
	kfree(set->sched_data);
}

static struct svclb_backend *lc_scan(struct svclb_be_set *set, u32 start)
{
	struct svclb_backend *best = NULL;
	unsigned int i;
	int fewest = 0;

	for (i = 0; i < set->n; i++) {
		struct svclb_backend *be = set->be[(start + i) % set->n];
		int active = atomic_read(&be->active_flows);

		if (!best || active < fewest) {
			best = be;
			fewest = active;
		}
	}
	return best;
}

static struct svclb_backend *lc_pick(struct svclb_be_set *set,
				     const struct svclb_tuple *t)
{
	return lc_scan(set, atomic_inc_return((atomic_t *)set->sched_data));
}

static struct svclb_backend *lc_peek(struct svclb_be_set *set,
				     const struct svclb_tuple *t)
{
	return lc_scan(set, atomic_read((atomic_t *)set->sched_data) + 1);
}

const struct svclb_sched_ops svclb_sched_lc = {
	.name = "lc",
	.build = lc_build,
	.destroy = lc_destroy,
	.pick = lc_pick,
	.peek = lc_peek,
};
