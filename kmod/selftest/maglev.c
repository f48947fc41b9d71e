// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of Maglev, compiled into DEBUG builds: table sizes, tables,
 * flow hashes and picks against the reference results of maglev_gen.py
 * (maglev_vectors.h), the flows a removal moves, and build times.
 */
#include <linux/inet.h>

struct st_mg_be {
	const char *addr;
	u16 port;
	u32 weight;
};

struct st_mg_pick {
	const char *client;
	u16 port;
	u64 seed;
	u64 hash;
	u32 be;			/* index in the vector's backends */
};

struct st_mg_vector {
	const char *name;
	u8 family;
	const char *vip;
	u16 vport;
	u8 proto;
	unsigned int n;
	const struct st_mg_be *be;
	const u32 *count;	/* slots of each backend */
	unsigned int nr_picks;
	const struct st_mg_pick *picks;
	u32 size;
	u32 fnv;		/* FNV-1a of the slots, 2 bytes each, LE */
};

#include "maglev_vectors.h"

/* A backend set outside any table, for the scheduler alone. */
struct st_mg_set {
	struct svclb_net *sn;
	struct svclb_service svc;
	struct svclb_backend *be;
	struct svclb_be_set *set;
};

static bool __init st_addr(u8 family, const char *s, union svclb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET)
		return in4_pton(s, -1, (u8 *)&a->ip, -1, NULL);
	return in6_pton(s, -1, a->in6.s6_addr, -1, NULL);
}

static void __init st_mg_free(struct st_mg_set *s)
{
	if (s->set && s->set->sched_data)
		s->set->sched->destroy(s->set);
	kfree(s->set);
	kvfree(s->be);
	kfree(s->sn);
}

/*
 * Build a set of @n backends with svclb_sched_maglev: those of @v, or when
 * @v is NULL generated ones, 10.0.0.1:80 on, weight 1, leaving out number
 * @skip. Returns the build's error; @s is to be freed with st_mg_free() in
 * any case.
 */
static int __init st_mg_build(struct st_mg_set *s,
			      const struct st_mg_vector *v, unsigned int n,
			      unsigned int skip)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->sn = kzalloc(sizeof(*s->sn), GFP_KERNEL);
	s->be = kvcalloc(n, sizeof(*s->be), GFP_KERNEL);
	s->set = kzalloc(struct_size(s->set, be, n), GFP_KERNEL);
	if (!s->sn || !s->be || !s->set)
		return -ENOMEM;
	s->svc.sn = s->sn;
	s->svc.key.family = v ? v->family : AF_INET;
	if (v && !st_addr(v->family, v->vip, &s->svc.key.addr))
		return -EINVAL;
	s->svc.key.port = htons(v ? v->vport : 80);
	s->svc.key.proto = v ? v->proto : IPPROTO_TCP;
	s->set->sched = &svclb_sched_maglev;
	s->set->n = n;
	for (i = 0; i < n; i++) {
		struct svclb_backend *be = &s->be[i];

		be->svc = &s->svc;
		if (v) {
			if (!st_addr(v->family, v->be[i].addr, &be->addr))
				return -EINVAL;
			be->port = htons(v->be[i].port);
			be->weight = v->be[i].weight;
		} else {
			be->addr.ip = htonl(0x0a000001 + i + (i >= skip));
			be->port = htons(80);
			be->weight = 1;
		}
		s->set->be[i] = be;
	}
	return svclb_sched_maglev.build(s->set);
}

static u32 __init st_mg_fnv(const struct maglev *mg)
{
	u32 h = 0x811c9dc5, slot, idx;

	for (slot = 0; slot < mg->size; slot++) {
		idx = maglev_slot_get(mg, slot);
		h = (h ^ (idx & 0xff)) * 0x01000193;
		h = (h ^ (idx >> 8)) * 0x01000193;
	}
	return h;
}

static bool __init st_mg_vector(const struct st_mg_vector *v)
{
	const struct maglev *mg;
	struct st_mg_set s;
	struct svclb_tuple t;
	u32 *count = NULL;
	bool ok = false;
	unsigned int i;

	if (st_mg_build(&s, v, v->n, UINT_MAX))
		goto out;
	mg = s.set->sched_data;
	count = kcalloc(v->n, sizeof(*count), GFP_KERNEL);
	if (!count || mg->size != v->size || st_mg_fnv(mg) != v->fnv)
		goto out;
	for (i = 0; i < mg->size; i++)
		count[maglev_slot_get(mg, i)]++;
	if (memcmp(count, v->count, v->n * sizeof(*count)))
		goto out;

	for (i = 0; i < v->nr_picks; i++) {
		const struct st_mg_pick *p = &v->picks[i];

		memset(&t, 0, sizeof(t));
		if (!st_addr(v->family, p->client, &t.src))
			goto out;
		t.dst = s.svc.key.addr;
		t.sport = htons(p->port);
		t.dport = s.svc.key.port;
		t.proto = v->proto;
		t.family = v->family;
		s.sn->seed = p->seed;
		if (svclb_flow_hash(s.sn, &t) != p->hash ||
		    maglev_pick(s.set, &t) != &s.be[p->be] ||
		    maglev_pick(s.set, &t) != maglev_pick(s.set, &t)) {
			pr_err("svclb: maglev self-test: %s: pick %u\n",
			       v->name, i);
			goto out;
		}
	}
	ok = true;
out:
	if (!ok)
		pr_err("svclb: maglev self-test: \"%s\" differs from the reference\n",
		       v->name);
	kfree(count);
	st_mg_free(&s);
	return ok;
}

/*
 * Removing one of ten backends moves its own slots and at most 1 % of the
 * others' (0.82 % at worst, says the reference).
 */
static bool __init st_mg_removal(void)
{
	const unsigned int n = 10;
	struct st_mg_set all, rest;
	unsigned int r, slot, moved;
	bool ok;

	ok = !st_mg_build(&all, NULL, n, UINT_MAX);
	for (r = 0; r < n && ok; r++) {
		const struct maglev *a = all.set->sched_data, *b;

		ok = !st_mg_build(&rest, NULL, n - 1, r);
		b = ok ? rest.set->sched_data : NULL;
		moved = 0;
		for (slot = 0; ok && slot < a->size; slot++) {
			const struct svclb_backend *x, *y;

			x = all.set->be[maglev_slot_get(a, slot)];
			y = rest.set->be[maglev_slot_get(b, slot)];
			if (x != all.set->be[r] && x->addr.ip != y->addr.ip)
				moved++;
		}
		if (ok && moved * 100 > a->size) {
			pr_err("svclb: maglev self-test: removing backend %u of %u moves %u of %u other slots\n",
			       r, n, moved, a->size);
			ok = false;
		}
		st_mg_free(&rest);
	}
	st_mg_free(&all);
	return ok;
}

/* The fill by rounds and the fill by heap give the same table. */
static bool __init st_mg_fills(void)
{
	static const unsigned int sizes[] __initconst = { 2, 7, 40, 300 };
	struct st_mg_set s;
	u32 rnd = 1, *a = NULL;
	unsigned int i, j, kind;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(sizes) && ok; i++) {
		for (kind = 0; kind < 3 && ok; kind++) {
			const struct maglev *mg;
			size_t bytes;
			int err;

			maglev_fill_forced = 1;
			err = st_mg_build(&s, NULL, sizes[i], UINT_MAX);
			for (j = 0; !err && j < sizes[i]; j++) {
				rnd = rnd * 1103515245 + 12345;
				/* alike, one heavy, anything */
				s.be[j].weight = kind == 0 ? 1 + (rnd >> 16) % 4 :
						 kind == 1 ? (j ? 1 : SVCLB_WEIGHT_MAX) :
						 1 + (rnd >> 8) % SVCLB_WEIGHT_MAX;
			}
			if (!err) {
				svclb_sched_maglev.destroy(s.set);
				s.set->sched_data = NULL;
				err = svclb_sched_maglev.build(s.set);
			}
			if (!err) {
				mg = s.set->sched_data;
				bytes = maglev_bytes(mg->size, mg->wide);
				a = kvmalloc(bytes, GFP_KERNEL);
				err = a ? 0 : -ENOMEM;
			}
			if (!err) {
				memcpy(a, mg->slots, bytes);
				svclb_sched_maglev.destroy(s.set);
				s.set->sched_data = NULL;
				maglev_fill_forced = 2;
				err = svclb_sched_maglev.build(s.set);
			}
			if (err || memcmp(a, ((const struct maglev *)
					      s.set->sched_data)->slots, bytes)) {
				pr_err("svclb: maglev self-test: %u backends, weights of kind %u: the fills differ (%d)\n",
				       sizes[i], kind, err);
				ok = false;
			}
			kvfree(a);
			a = NULL;
			st_mg_free(&s);
		}
	}
	maglev_fill_forced = 0;
	return ok;
}

/* Build times, for the record; under QEMU without KVM they are slower. */
static bool __init st_mg_times(void)
{
	static const unsigned int sizes[] __initconst = {
		1, 3, 12, 13, 50, 100, 655, 1000, 10000
	};
	struct st_mg_set s;
	ktime_t start;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		start = ktime_get();
		err = st_mg_build(&s, NULL, sizes[i], UINT_MAX);
		if (!err) {
			const struct maglev *mg = s.set->sched_data;

			pr_info("svclb: maglev: %u backends: %u slots, %zu bytes, built in %lld us\n",
				sizes[i], mg->size,
				maglev_bytes(mg->size, mg->wide),
				ktime_us_delta(ktime_get(), start));
		}
		st_mg_free(&s);
		if (err)
			return false;
	}
	/* The longest fill: one heavy backend, the others' turns rare. */
	err = st_mg_build(&s, NULL, 100, UINT_MAX);
	if (!err) {
		svclb_sched_maglev.destroy(s.set);
		s.set->sched_data = NULL;
		s.be[0].weight = SVCLB_WEIGHT_MAX;
		start = ktime_get();
		err = svclb_sched_maglev.build(s.set);
		if (!err)
			pr_info("svclb: maglev: 100 backends, one of weight %u: built in %lld us\n",
				SVCLB_WEIGHT_MAX,
				ktime_us_delta(ktime_get(), start));
	}
	st_mg_free(&s);
	return !err;
}

bool __init svclb_maglev_selftest(void)
{
	struct svclb_be_set too_many = { .n = MAGLEV_BACKENDS_MAX + 1 };
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(st_mg_sizes); i++) {
		if (maglev_size(st_mg_sizes[i][0]) != st_mg_sizes[i][1]) {
			pr_err("svclb: maglev self-test: %u backends: %u slots, expected %u\n",
			       st_mg_sizes[i][0], maglev_size(st_mg_sizes[i][0]),
			       st_mg_sizes[i][1]);
			ok = false;
		}
	}
	for (i = 0; i < ARRAY_SIZE(st_mg_vectors); i++)
		ok &= st_mg_vector(&st_mg_vectors[i]);
	if (svclb_sched_maglev.build(&too_many) != -E2BIG) {
		pr_err("svclb: maglev self-test: %u backends accepted\n",
		       too_many.n);
		ok = false;
	}
	ok &= st_mg_removal();
	ok &= st_mg_fills();
	return ok && st_mg_times();
}
