// SPDX-License-Identifier: GPL-2.0
/*
 * The collector: a worker per namespace that removes expired flows and
 * affinity entries and those of removed backends. It walks each table in
 * steps of bounded work, one step a second, resuming where the last one
 * stopped, so that a table of a million flows costs a few milliseconds a
 * second, not a whole walk. Readers ignore what is stale already (flow and
 * affinity lookups check expiry and ->dead): the collector only returns
 * the memory and the counts. After a backend is removed, steps follow each
 * other at once until a whole pass has gone over the flow table.
 */
#include <linux/jiffies.h>

#include "svclb.h"

/* Each step looks at this many objects, or at 1/8 of the table if more. */
#define SVCLB_GC_STEP		4096
#define SVCLB_GC_STEPS_PER_PASS	8

static unsigned int svclb_gc_budget(int nr)
{
	return max_t(unsigned int, SVCLB_GC_STEP,
		     max(nr, 0) / SVCLB_GC_STEPS_PER_PASS + 1);
}

/*
 * Go on with the walk @w of @ht: call @remove on each object, which takes
 * it out of the table and returns true, or leaves it and returns false,
 * until @budget objects were seen. Returns true when the walk reached the
 * end of the table; the next step then begins a new pass. May sleep. A
 * walk stops or yields only on an object still in the table: resuming
 * after a removed one could skip its successor.
 */
bool svclb_table_sweep_step(struct rhashtable *ht, struct svclb_walk *w,
			    bool (*remove)(void *obj, void *arg), void *arg,
			    unsigned int budget)
{
	unsigned int seen = 0;
	void *obj;

	if (!w->on) {
		rhashtable_walk_enter(ht, &w->iter);
		w->on = true;
	}
	rhashtable_walk_start(&w->iter);
	while ((obj = rhashtable_walk_next(&w->iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN)
				continue;
			break;
		}
		seen++;
		if (remove(obj, arg))
			continue;
		if (seen >= budget) {
			rhashtable_walk_stop(&w->iter);
			return false;
		}
		if (need_resched()) {
			rhashtable_walk_stop(&w->iter);
			cond_resched();
			rhashtable_walk_start(&w->iter);
		}
	}
	rhashtable_walk_stop(&w->iter);
	svclb_walk_end(w);
	return true;
}

void svclb_walk_end(struct svclb_walk *w)
{
	if (w->on)
		rhashtable_walk_exit(&w->iter);
	w->on = false;
}

/*
 * Call @remove on every object of @ht, as a step without a bound. Returns
 * how many it removed. May sleep. When @all is set, @remove takes every
 * object, and the walk yields by starting over, which costs nothing then.
 */
unsigned int svclb_table_sweep(struct rhashtable *ht,
			       bool (*remove)(void *obj, void *arg), void *arg,
			       bool all)
{
	struct rhashtable_iter iter;
	unsigned int n = 0;
	void *obj;

	rhashtable_walk_enter(ht, &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN)
				continue;
			break;
		}
		if (remove(obj, arg)) {
			n++;
			if (!all || !need_resched())
				continue;
			rhashtable_walk_stop(&iter);
			rhashtable_walk_exit(&iter);
			cond_resched();
			rhashtable_walk_enter(ht, &iter);
			rhashtable_walk_start(&iter);
			continue;
		}
		if (need_resched()) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static void svclb_gc_work(struct work_struct *work)
{
	struct svclb_net *sn = container_of(to_delayed_work(work),
					    struct svclb_net, gc_work);
	unsigned long delay = SVCLB_GC_INTERVAL;

	/* A pass under way may have gone past the removed backends' flows. */
	if (xchg(&sn->gc_removed, false))
		sn->gc_until = sn->gc_passes + (sn->gc_flows.on ? 2 : 1);
	if (svclb_flow_sweep_step(sn, &sn->gc_flows,
				  svclb_gc_budget(atomic_read(&sn->nr_flows))))
		sn->gc_passes++;
	svclb_affinity_sweep_step(sn, &sn->gc_affinity,
				  svclb_gc_budget(atomic_read(&sn->nr_affinity)));
	if ((s32)(sn->gc_until - sn->gc_passes) > 0)
		delay = 1;
	else if (!atomic_read(&sn->nr_flows) &&
		 !atomic_read(&sn->nr_affinity) &&
		 !sn->gc_flows.on && !sn->gc_affinity.on)
		return;
	queue_delayed_work(system_power_efficient_wq, &sn->gc_work, delay);
}

void svclb_gc_net_init(struct svclb_net *sn)
{
	INIT_DELAYED_WORK(&sn->gc_work, svclb_gc_work);
}

/* Stop the collector; nothing may start it again. */
void svclb_gc_net_exit(struct svclb_net *sn)
{
	cancel_delayed_work_sync(&sn->gc_work);
	svclb_walk_end(&sn->gc_flows);
	svclb_walk_end(&sn->gc_affinity);
}
