// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted random: each new flow goes to a backend drawn with a probability
 * proportional to its weight. The set keeps the running sums of the weights;
 * a pick is a random number and a binary search, lock-free.
 */
#include <linux/random.h>
#include <linux/slab.h>

#include "svclb.h"

struct rnd {
	u32 total;
	u32 upto[];		/* the weights of backends 0..i, summed */
};

static int rnd_build(struct svclb_be_set *set)
{
	struct rnd *r;
	unsigned int i;
	u64 sum = 0;

	r = kvmalloc(struct_size(r, upto, set->n), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	for (i = 0; i < set->n; i++) {
		sum += set->be[i]->weight;
		if (sum > U32_MAX) {
			kvfree(r);
			return -E2BIG;
		}
		r->upto[i] = sum;
	}
	r->total = sum;
	set->sched_data = r;
	return 0;
}

static void rnd_destroy(struct svclb_be_set *set)
{
	kvfree(set->sched_data);
}

static struct svclb_backend *rnd_pick(struct svclb_be_set *set,
				      const struct svclb_tuple *t)
{
	const struct rnd *r = set->sched_data;
	u32 x = get_random_u32_below(r->total);
	unsigned int lo = 0, hi = set->n - 1;

	/* The first backend whose running sum is above x. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (r->upto[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return set->be[lo];
}

const struct svclb_sched_ops svclb_sched_random = {
	.name = "random",
	.build = rnd_build,
	.destroy = rnd_destroy,
	.pick = rnd_pick,
};
