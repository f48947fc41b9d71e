// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the schedulers other than Maglev, compiled into DEBUG
 * builds: the registry, and each scheduler's picks from a set of its own.
 */

#define ST_SCHED_MAX	4

struct st_sched_set {
	struct svclb_service svc;
	struct svclb_backend be[ST_SCHED_MAX];
	struct svclb_be_set *set;
};

/* A set of backends 10.0.0.1, .2, ... with @weights, built by @ops. */
static int __init st_sched_build(struct st_sched_set *s,
				 const struct svclb_sched_ops *ops,
				 const u32 *weights, unsigned int n)
{
	unsigned int i;
	int err;

	memset(s, 0, sizeof(*s));
	s->set = kzalloc(struct_size(s->set, be, n), GFP_KERNEL);
	if (!s->set)
		return -ENOMEM;
	s->set->sched = ops;
	s->set->n = n;
	for (i = 0; i < n; i++) {
		s->be[i].svc = &s->svc;
		s->be[i].addr.ip = htonl(0x0a000001 + i);
		s->be[i].port = htons(80);
		s->be[i].weight = weights[i];
		s->set->be[i] = &s->be[i];
	}
	err = ops->build(s->set);
	if (err) {
		kfree(s->set);
		s->set = NULL;
	}
	return err;
}

static void __init st_sched_free(struct st_sched_set *s)
{
	if (!s->set)
		return;
	s->set->sched->destroy(s->set);
	kfree(s->set);
}

/* Which backend, 0 to n - 1, the next pick returns; peek agrees first. */
static int __init st_pick(struct st_sched_set *s)
{
	struct svclb_backend *peeked = NULL, *be;

	if (s->set->sched->peek)
		peeked = s->set->sched->peek(s->set, NULL);
	be = s->set->sched->pick(s->set, NULL);
	if (peeked && peeked != be)
		return -1;
	return be - s->be;
}

#define ST_SCHED_CHECK(cond) do {					\
	if (!(cond)) {							\
		pr_err("svclb: sched self-test failed: %s\n", #cond);	\
		ok = false;						\
		goto out;						\
	}								\
} while (0)

static bool __init st_wrr(void)
{
	/* The smooth sequence of weights 5, 1, 1 spreads out the heavy one. */
	static const int seq[] __initconst = { 0, 0, 1, 0, 2, 0, 0 };
	static const u32 w[] __initconst = { 5, 1, 1 };
	static const u32 w2[] __initconst = { 1, 2, 3, 4 };
	unsigned int i, hits[ST_SCHED_MAX] = {};
	struct st_sched_set s;
	bool ok = true;

	ST_SCHED_CHECK(!st_sched_build(&s, &svclb_sched_wrr, w, 3));
	for (i = 0; i < 70; i++)
		ST_SCHED_CHECK(st_pick(&s) == seq[i % ARRAY_SIZE(seq)]);
	st_sched_free(&s);

	ST_SCHED_CHECK(!st_sched_build(&s, &svclb_sched_wrr, w2, 4));
	for (i = 0; i < 100; i++) {
		int b = st_pick(&s);

		ST_SCHED_CHECK(b >= 0);
		hits[b]++;
	}
	ST_SCHED_CHECK(hits[0] == 10 && hits[1] == 20 && hits[2] == 30 &&
		       hits[3] == 40);
out:
	st_sched_free(&s);
	return ok;
}

static bool __init st_random(void)
{
	static const u32 w[] __initconst = { 1, 3, 65535 };
	unsigned int i, hits[ST_SCHED_MAX] = {};
	struct st_sched_set s;
	bool ok = true;

	ST_SCHED_CHECK(!st_sched_build(&s, &svclb_sched_random, w, 2));
	ST_SCHED_CHECK(!svclb_sched_random.peek);
	for (i = 0; i < 4000; i++)
		hits[st_pick(&s)]++;
	/* 3000 expected, a standard deviation of 27. */
	ST_SCHED_CHECK(hits[1] > 2800 && hits[1] < 3200);
	st_sched_free(&s);

	ST_SCHED_CHECK(!st_sched_build(&s, &svclb_sched_random, w, 3));
	memset(hits, 0, sizeof(hits));
	for (i = 0; i < 1000; i++)
		hits[st_pick(&s)]++;
	ST_SCHED_CHECK(hits[2] > 990);
out:
	st_sched_free(&s);
	return ok;
}

static bool __init st_lc(void)
{
	static const u32 w[] __initconst = { 1, 100, 1 };
	unsigned int i, hits[ST_SCHED_MAX] = {};
	struct st_sched_set s;
	bool ok = true;

	ST_SCHED_CHECK(!st_sched_build(&s, &svclb_sched_lc, w, 3));
	atomic_set(&s.be[0].active_flows, 5);
	atomic_set(&s.be[1].active_flows, 7);
	atomic_set(&s.be[2].active_flows, 2);
	for (i = 0; i < 5; i++)
		ST_SCHED_CHECK(st_pick(&s) == 2);
	/* Ties are shared out in turn. */
	atomic_set(&s.be[0].active_flows, 0);
	atomic_set(&s.be[1].active_flows, 0);
	atomic_set(&s.be[2].active_flows, 0);
	for (i = 0; i < 30; i++)
		hits[st_pick(&s)]++;
	ST_SCHED_CHECK(hits[0] == 10 && hits[1] == 10 && hits[2] == 10);
out:
	st_sched_free(&s);
	return ok;
}

static bool __init st_rr(void)
{
	static const u32 w[] __initconst = { 1, 9, 1 };
	struct st_sched_set s;
	bool ok = true;
	unsigned int i;

	ST_SCHED_CHECK(!st_sched_build(&s, &svclb_sched_rr, w, 3));
	for (i = 0; i < 9; i++)
		ST_SCHED_CHECK(st_pick(&s) == (i + 1) % 3);
out:
	st_sched_free(&s);
	return ok;
}

bool __init svclb_sched_selftest(void)
{
	static const char *const names[] __initconst = {
		"maglev", "rr", "wrr", "random", "lc"
	};
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const struct svclb_sched_ops *ops = svclb_sched_find(names[i]);

		ST_SCHED_CHECK(ops && !strcmp(ops->name, names[i]));
		ST_SCHED_CHECK(ops->consistent == (ops == &svclb_sched_maglev));
	}
	ST_SCHED_CHECK(!svclb_sched_find("wlc"));
	ST_SCHED_CHECK(svclb_sched_default() == &svclb_sched_maglev);
	ok = st_wrr() && st_random() && st_lc() && st_rr();
out:
	return ok;
}
