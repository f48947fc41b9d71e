// SPDX-License-Identifier: GPL-2.0
/*
 * Smooth weighted round robin: each pick adds every backend's weight to its
 * credit, takes the backend with the most credit and takes the total weight
 * off it. Over a cycle of total-weight picks each backend is picked as often
 * as its weight, and the picks of a heavy backend are spread over the cycle
 * instead of coming in a row. O(backends) per new flow, under a lock of the
 * set's own.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "svclb.h"

struct wrr {
	spinlock_t lock;
	s64 total;
	struct {
		u32 weight;		/* the weight when the set was built */
		s64 credit;
	} be[];
};

static int wrr_build(struct svclb_be_set *set)
{
	struct wrr *w = kzalloc(struct_size(w, be, set->n), GFP_KERNEL_ACCOUNT);
	unsigned int i;

	if (!w)
		return -ENOMEM;
	spin_lock_init(&w->lock);
	for (i = 0; i < set->n; i++) {
		w->be[i].weight = set->be[i]->weight;
		w->total += w->be[i].weight;
	}
	set->sched_data = w;
	return 0;
}

static void wrr_destroy(struct svclb_be_set *set)
{
	kfree(set->sched_data);
}

/* The backend with the most credit after this round; first on a tie. */
static unsigned int wrr_best(const struct wrr *w, unsigned int n)
{
	unsigned int i, best = 0;

	for (i = 1; i < n; i++) {
		if (w->be[i].credit + w->be[i].weight >
		    w->be[best].credit + w->be[best].weight)
			best = i;
	}
	return best;
}

static struct svclb_backend *wrr_pick(struct svclb_be_set *set,
				      const struct svclb_tuple *t)
{
	struct wrr *w = set->sched_data;
	unsigned int i, best;

	spin_lock_bh(&w->lock);
	best = wrr_best(w, set->n);
	for (i = 0; i < set->n; i++)
		w->be[i].credit += w->be[i].weight;
	w->be[best].credit -= w->total;
	spin_unlock_bh(&w->lock);
	return set->be[best];
}

static struct svclb_backend *wrr_peek(struct svclb_be_set *set,
				      const struct svclb_tuple *t)
{
	struct wrr *w = set->sched_data;
	unsigned int best;

	spin_lock_bh(&w->lock);
	best = wrr_best(w, set->n);
	spin_unlock_bh(&w->lock);
	return set->be[best];
}

const struct svclb_sched_ops svclb_sched_wrr = {
	.name = "wrr",
	.build = wrr_build,
	.destroy = wrr_destroy,
	.pick = wrr_pick,
	.peek = wrr_peek,
};
