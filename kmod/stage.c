// SPDX-License-Identifier: GPL-2.0
/*
 * Backend sets staged across requests. One netlink attribute holds at most
 * 64 KiB, about 1,800 IPv4 backends, so a larger set arrives in parts: each
 * part but the last (SVCLB_SVC_A_BACKENDS_MORE) is only kept here, for the
 * socket that sent it, and the last part completes the set, which the
 * request then applies whole. A socket stages one set at a time; closing it
 * drops what it staged (netlink.c). Everything here runs under sn->lock.
 */
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "svclb.h"

/* Room for @extra more specs in @s; its contents move to the new array. */
int svclb_specs_reserve(struct svclb_be_specs *s, unsigned int extra)
{
	unsigned int cap = s->cap ? s->cap : 64;
	struct svclb_be_spec *v;

	if (s->n + extra <= s->cap)
		return 0;
	while (cap < s->n + extra)
		cap *= 2;
	v = kvmalloc_array(cap, sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	if (s->n)
		memcpy(v, s->v, s->n * sizeof(*v));
	kvfree(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

void svclb_specs_free(struct svclb_be_specs *s)
{
	kvfree(s->v);
	memset(s, 0, sizeof(*s));
}

/* The set the socket @portid is staging, or NULL. */
struct svclb_stage *svclb_stage_find(struct svclb_net *sn, u32 portid)
{
	struct svclb_stage *st;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(st, &sn->stages, list)
		if (st->portid == portid)
			return st;
	return NULL;
}

/* Start staging a set of the service @key for @portid. */
struct svclb_stage *svclb_stage_new(struct svclb_net *sn, u32 portid,
				    const struct svclb_svc_key *key)
{
	struct svclb_stage *st;

	svclb_stage_free(sn, svclb_stage_find(sn, portid));
	st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return NULL;
	st->portid = portid;
	st->key = *key;
	list_add(&st->list, &sn->stages);
	WRITE_ONCE(sn->nr_stages, sn->nr_stages + 1);
	return st;
}

/* Forget @st, which may be NULL. */
void svclb_stage_free(struct svclb_net *sn, struct svclb_stage *st)
{
	if (!st)
		return;
	list_del(&st->list);
	WRITE_ONCE(sn->nr_stages, sn->nr_stages - 1);
	svclb_specs_free(&st->specs);
	kfree(st);
}

/* Hand the backends of the complete set @st to @specs and forget @st. */
void svclb_stage_take(struct svclb_net *sn, struct svclb_stage *st,
		      struct svclb_be_specs *specs)
{
	*specs = st->specs;
	memset(&st->specs, 0, sizeof(st->specs));
	svclb_stage_free(sn, st);
}

void svclb_stage_net_init(struct svclb_net *sn)
{
	INIT_LIST_HEAD(&sn->stages);
}

void svclb_stage_net_exit(struct svclb_net *sn)
{
	struct svclb_stage *st, *tmp;

	mutex_lock(&sn->lock);
	list_for_each_entry_safe(st, tmp, &sn->stages, list)
		svclb_stage_free(sn, st);
	mutex_unlock(&sn->lock);
}
