// SPDX-License-Identifier: GPL-2.0
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016), weighted.
 *
 * Each backend set gets a lookup table of M slots, M prime. Every backend
 * has a permutation of the slots, (offset + j * skip) mod M, from a hash of
 * its address and port; backends take turns claiming their next free
 * preferred slot until the table is full. A backend of weight w takes a turn
 * in w / max_weight of the rounds, so its share of the slots follows its
 * weight. A new flow goes to the backend of slot hash(flow) mod M.
 *
 * The table depends only on the set of backends (address, port, weight),
 * not on the order they were added in: backends take turns in the order of
 * their address and port. With the same seed, every node therefore maps a
 * flow to the same backend.
 *
 * Table size: when one of n backends goes, Maglev moves its own flows and
 * also some of the others'. Measured with the reference generator
 * (selftest/maglev_gen.py --disruption), that extra share is 2-6 % with
 * M = 100 n, about 1 % with M = 400 n, and below 1 % from M = 650 n on.
 * M is therefore the smallest of a few fixed primes that is at least 650 n:
 * fixed steps so that M, like the table, depends only on the backend set,
 * and so that most changes keep M (a change of M remaps new flows as a new
 * table would). One backend needs no precision: 251 slots. Above 100
 * backends M stays 65521, still at least 100 n up to 655 backends, and the
 * extra share measured stays below 1 % (0.8 % at 655 backends, 0.2 % at
 * 3000); above 65521 backends the table cannot hold them all and the set is
 * refused.
 * Slots hold 1 byte up to 255 backends, 2 bytes above, in an allocation of
 * their own: the sizes, just below powers of two, then fit their slab or
 * pages with nothing to spare.
 */
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "svclb.h"

#define MAGLEV_SIZE_ONE		251
#define MAGLEV_SLOTS_PER_BE	650
#define MAGLEV_BACKENDS_MAX	65521

static const u32 maglev_sizes[] = { 8191, 16381, 32749, 65521 };

/* The key of the backend hash: fixed, so every node builds the same table. */
static const siphash_key_t maglev_be_key = {
	{ 0x6d61676c65762d31ULL, 0x7376636c622d6265ULL }
};

struct maglev {
	u32 size;		/* M, prime */
	bool wide;		/* 2-byte slots */
	void *slots;		/* M indexes into set->be[], 1 or 2 bytes each */
};

struct maglev_turn {
	const struct svclb_backend *be;
	u32 idx;		/* in set->be[] */
	u32 pos;		/* next preferred slot */
	u32 skip;
	u32 credit;		/* weight earned towards the next turn */
	u32 turns;		/* taken so far (heap fill) */
	u64 round;		/* of the next turn (heap fill) */
};

static u32 maglev_size(unsigned int n)
{
	unsigned int i;

	if (n <= 1)
		return MAGLEV_SIZE_ONE;
	for (i = 0; i < ARRAY_SIZE(maglev_sizes) - 1; i++) {
		if (maglev_sizes[i] >= (u64)MAGLEV_SLOTS_PER_BE * n)
			break;
	}
	return maglev_sizes[i];
}

static size_t maglev_bytes(u32 size, bool wide)
{
	return (size_t)size * (wide ? 2 : 1);
}

static u32 maglev_slot_get(const struct maglev *mg, u32 slot)
{
	if (mg->wide)
		return ((const u16 *)mg->slots)[slot];
	return ((const u8 *)mg->slots)[slot];
}

static void maglev_slot_set(struct maglev *mg, u32 slot, u32 idx)
{
	if (mg->wide)
		((u16 *)mg->slots)[slot] = idx;
	else
		((u8 *)mg->slots)[slot] = idx;
}

static void maglev_free(struct maglev *mg)
{
	if (mg)
		kvfree(mg->slots);
	kfree(mg);
}

/* SipHash of the 16 address bytes (IPv4: 4, then zeros) and the port. */
static u64 maglev_be_hash(const struct svclb_backend *be)
{
	u8 buf[sizeof(be->addr) + sizeof(be->port)];

	memcpy(buf, &be->addr, sizeof(be->addr));
	memcpy(buf + sizeof(be->addr), &be->port, sizeof(be->port));
	return siphash(buf, sizeof(buf), &maglev_be_key);
}

/* By address, then port, as bytes in network order. */
static int maglev_turn_cmp(const void *a, const void *b)
{
	const struct svclb_backend *x = ((const struct maglev_turn *)a)->be;
	const struct svclb_backend *y = ((const struct maglev_turn *)b)->be;
	int d = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return d ? d : memcmp(&x->port, &y->port, sizeof(x->port));
}

/* Give backend @t its next preferred free slot. */
static void maglev_take(struct maglev *mg, struct maglev_turn *t,
			unsigned long *taken)
{
	u32 size = mg->size;

	/* M is prime: the permutation reaches every slot. */
	while (test_bit(t->pos, taken))
		t->pos = t->pos + t->skip >= size ? t->pos + t->skip - size :
						    t->pos + t->skip;
	__set_bit(t->pos, taken);
	maglev_slot_set(mg, t->pos, t->idx);
}

/*
 * Fill by rounds: in each round every backend earns its weight and takes a
 * turn when it has earned the largest weight. O(M * max weight / mean
 * weight): cheap when the weights are alike.
 */
static void maglev_fill_rounds(struct maglev *mg, struct maglev_turn *turns,
			       unsigned int n, u32 max_weight,
			       unsigned long *taken)
{
	u32 size = mg->size, filled = 0;
	unsigned int i;

	while (filled < size) {
		for (i = 0; i < n && filled < size; i++) {
			struct maglev_turn *t = &turns[i];

			t->credit += t->be->weight;
			if (t->credit < max_weight)
				continue;
			t->credit -= max_weight;
			maglev_take(mg, t, taken);
			filled++;
		}
		cond_resched();
	}
}

/*
 * Whether @a's next turn comes before @b's: by round, then by position in
 * the sorted turns[], which the pointers give.
 */
static bool maglev_before(const struct maglev_turn *a,
			  const struct maglev_turn *b)
{
	return a->round < b->round || (a->round == b->round && a < b);
}

static void maglev_sift_down(struct maglev_turn **heap, unsigned int n,
			     unsigned int i)
{
	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= n)
			return;
		if (c + 1 < n && maglev_before(heap[c + 1], heap[c]))
			c++;
		if (!maglev_before(heap[c], heap[i]))
			return;
		swap(heap[c], heap[i]);
		i = c;
	}
}

static u64 maglev_turn_round(const struct maglev_turn *t, u32 max_weight)
{
	return DIV_ROUND_UP_ULL((u64)t->turns * max_weight, t->be->weight);
}

/*
 * The same turns as maglev_fill_rounds(), in the same order, from a heap of
 * the backends by their next turn: a backend's k-th turn comes in round
 * ceil(k * max weight / its weight), after those of the backends before it
 * in turns[] in that round. O(M log n) whatever the weights.
 */
static void maglev_fill_heap(struct maglev *mg, struct maglev_turn *turns,
			     struct maglev_turn **heap, unsigned int n,
			     u32 max_weight, unsigned long *taken)
{
	u32 size = mg->size, filled;
	unsigned int i;

	for (i = 0; i < n; i++) {
		turns[i].turns = 1;
		turns[i].round = maglev_turn_round(&turns[i], max_weight);
		heap[i] = &turns[i];
	}
	for (i = n / 2; i-- > 0;)
		maglev_sift_down(heap, n, i);
	for (filled = 0; filled < size; filled++) {
		struct maglev_turn *t = heap[0];

		maglev_take(mg, t, taken);
		t->turns++;
		t->round = maglev_turn_round(t, max_weight);
		maglev_sift_down(heap, n, 0);
		if (!(filled & 1023))
			cond_resched();
	}
}

#ifdef DEBUG
static int maglev_fill_forced;	/* self-tests: 1 by rounds, 2 by heap */
#endif

/*
 * Rounds cost n * max / sum per slot, the heap about log2(n) (both give the
 * same table): rounds while the weights are alike enough.
 */
static bool maglev_use_rounds(unsigned int n, u32 max_weight, u64 sum_weight)
{
#ifdef DEBUG
	if (maglev_fill_forced)
		return maglev_fill_forced == 1;
#endif
	return (u64)n * max_weight <= (2 * ilog2(n) + 2) * sum_weight;
}

static int maglev_build(struct svclb_be_set *set)
{
	unsigned int i, n = set->n;
	struct maglev_turn *turns, **heap = NULL;
	u32 size, max_weight = 0;
	unsigned long *taken;
	u64 sum_weight = 0;
	struct maglev *mg;
	ktime_t start;
	int err = -ENOMEM;

	if (n > MAGLEV_BACKENDS_MAX)
		return -E2BIG;
	start = ktime_get();
	size = maglev_size(n);
	mg = kzalloc(sizeof(*mg), GFP_KERNEL_ACCOUNT);
	if (!mg)
		return -ENOMEM;
	mg->size = size;
	mg->wide = n > U8_MAX;
	mg->slots = kvmalloc(maglev_bytes(size, mg->wide), GFP_KERNEL_ACCOUNT);
	turns = kvmalloc_array(n, sizeof(*turns), GFP_KERNEL_ACCOUNT);
	heap = kvmalloc_array(n, sizeof(*heap), GFP_KERNEL_ACCOUNT);
	taken = bitmap_zalloc(size, GFP_KERNEL_ACCOUNT);
	if (!mg->slots || !turns || !heap || !taken)
		goto out;

	for (i = 0; i < n; i++) {
		turns[i] = (struct maglev_turn) {
			.be = set->be[i],
			.idx = i,
		};
	}
	sort(turns, n, sizeof(*turns), maglev_turn_cmp, NULL);
	for (i = 0; i < n; i++) {
		u64 h = maglev_be_hash(turns[i].be);

		turns[i].pos = (u32)h % size;
		turns[i].skip = (u32)(h >> 32) % (size - 1) + 1;
		max_weight = max(max_weight, turns[i].be->weight);
		sum_weight += turns[i].be->weight;
	}
	if (maglev_use_rounds(n, max_weight, sum_weight))
		maglev_fill_rounds(mg, turns, n, max_weight, taken);
	else
		maglev_fill_heap(mg, turns, heap, n, max_weight, taken);

	set->sched_data = mg;
	mg = NULL;
	err = 0;
	pr_debug("svclb: maglev table of %u slots for %u backends built in %lld us\n",
		 size, n, ktime_us_delta(ktime_get(), start));
out:
	bitmap_free(taken);
	kvfree(heap);
	kvfree(turns);
	maglev_free(mg);
	return err;
}

static void maglev_destroy(struct svclb_be_set *set)
{
	maglev_free(set->sched_data);
}

static struct svclb_backend *maglev_pick(struct svclb_be_set *set,
					 const struct svclb_tuple *t)
{
	const struct maglev *mg = set->sched_data;
	u64 h = svclb_flow_hash(set->be[0]->svc->sn, t);

	return set->be[maglev_slot_get(mg, (u32)h % mg->size)];
}

const struct svclb_sched_ops svclb_sched_maglev = {
	.name = "maglev",
	.consistent = true,
	.build = maglev_build,
	.destroy = maglev_destroy,
	.pick = maglev_pick,
	.peek = maglev_pick,
};

#ifdef DEBUG
#include "selftest/maglev.c"
#endif
