// SPDX-License-Identifier: GPL-2.0
/*
 * Round robin: each new flow goes to the next backend of the set; weights
 * other than 0 are ignored.
 */
#include <linux/atomic.h>
#include <linux/slab.h>

#include "svclb.h"

static int rr_build(struct svclb_be_set *set)
{
	atomic_t *next = kmalloc(sizeof(*next), GFP_KERNEL_ACCOUNT);

	if (!next)
		return -ENOMEM;
	atomic_set(next, 0);
	set->sched_data = next;
	return 0;
}

static void rr_destroy(struct svclb_be_set *set)
{
	kfree(set->sched_data);
}

static struct svclb_backend *rr_pick(struct svclb_be_set *set,
				     const struct svclb_tuple *t)
{
	atomic_t *next = set->sched_data;

	return set->be[(u32)atomic_inc_return(next) % set->n];
}

static struct svclb_backend *rr_peek(struct svclb_be_set *set,
				     const struct svclb_tuple *t)
{
	atomic_t *next = set->sched_data;

	return set->be[((u32)atomic_read(next) + 1) % set->n];
}

const struct svclb_sched_ops svclb_sched_rr = {
	.name = "rr",
	.build = rr_build,
	.destroy = rr_destroy,
	.pick = rr_pick,
	.peek = rr_peek,
};
