// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's services and backends as read by a dump, kept in the order the
 * kernel sent them and indexed by key: for list, save and apply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "state.h"
#include "svcadm.h"

/* A dump that keeps being interrupted by changes is given up after this. */
#define DUMP_ATTEMPTS 5

static const struct nla_policy svc_policy[SVCLB_SVC_A_MAX + 1] = {
	[SVCLB_SVC_A_FAMILY] = { .type = NLA_U16 },
	[SVCLB_SVC_A_PROTO] = { .type = NLA_U8 },
	[SVCLB_SVC_A_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_SVC_A_PORT] = { .type = NLA_U16 },
	[SVCLB_SVC_A_SCHED] = { .type = NLA_STRING,
				.maxlen = SVCLB_SCHED_NAME_MAX },
	[SVCLB_SVC_A_FLAGS] = { .type = NLA_U32 },
	[SVCLB_SVC_A_AFFINITY] = { .type = NLA_U8 },
	[SVCLB_SVC_A_AFFINITY_TIMEOUT] = { .type = NLA_U32 },
};

static const struct nla_policy be_policy[SVCLB_BE_A_MAX + 1] = {
	[SVCLB_BE_A_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_BE_A_PORT] = { .type = NLA_U16 },
	[SVCLB_BE_A_WEIGHT] = { .type = NLA_U32 },
	[SVCLB_BE_A_STATE] = { .type = NLA_U8 },
};

static const struct nla_policy stats_policy[SVCLB_STATS_A_MAX + 1] = {
	[SVCLB_STATS_A_FLOWS] = { .type = NLA_U64 },
	[SVCLB_STATS_A_PKTS_IN] = { .type = NLA_U64 },
	[SVCLB_STATS_A_BYTES_IN] = { .type = NLA_U64 },
	[SVCLB_STATS_A_PKTS_OUT] = { .type = NLA_U64 },
	[SVCLB_STATS_A_BYTES_OUT] = { .type = NLA_U64 },
	[SVCLB_STATS_A_ACTIVE_FLOWS] = { .type = NLA_U32 },
	[SVCLB_STATS_A_REFUSED] = { .type = NLA_U64 },
	[SVCLB_STATS_A_DROPPED] = { .type = NLA_U64 },
};

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->svcs[i].backends);
	free(t->svcs);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static bool same_key(const struct service *s, uint8_t proto,
		     const struct endpoint *ep)
{
	return s->proto == proto && s->ep.family == ep->family &&
	       s->ep.port == ep->port &&
	       !memcmp(s->ep.addr, ep->addr, sizeof(ep->addr));
}

static size_t key_hash(uint8_t proto, const struct endpoint *ep)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	uint8_t key[5 + sizeof(ep->addr)];

	key[0] = proto;
	memcpy(key + 1, &ep->family, 2);
	memcpy(key + 3, &ep->port, 2);
	memcpy(key + 5, ep->addr, sizeof(ep->addr));
	for (size_t i = 0; i < sizeof(key); i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

static size_t *find_slot(struct table *t, uint8_t proto,
			 const struct endpoint *ep)
{
	size_t mask = t->nr_slots - 1;
	size_t i = key_hash(proto, ep) & mask;

	while (t->slots[i] && !same_key(&t->svcs[t->slots[i] - 1], proto, ep))
		i = (i + 1) & mask;
	return &t->slots[i];
}

static int grow_slots(struct table *t)
{
	size_t n = t->nr_slots ? t->nr_slots * 2 : 64;
	size_t *old = t->slots, old_n = t->nr_slots;

	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->nr_slots = n;
	for (size_t i = 0; i < old_n; i++) {
		if (old[i]) {
			struct service *s = &t->svcs[old[i] - 1];

			*find_slot(t, s->proto, &s->ep) = old[i];
		}
	}
	free(old);
	return 0;
}

struct service *table_get(struct table *t, uint8_t proto,
			  const struct endpoint *ep, bool create, bool *is_new)
{
	size_t *slot;

	*is_new = false;
	if ((t->nr + 1) * 2 > t->nr_slots && grow_slots(t))
		return NULL;
	slot = find_slot(t, proto, ep);
	if (*slot)
		return &t->svcs[*slot - 1];
	if (!create)
		return NULL;

	if (t->nr == t->max) {
		size_t n = t->max ? t->max * 2 : 16;
		struct service *svcs = reallocarray(t->svcs, n, sizeof(*svcs));

		if (!svcs)
			return NULL;
		t->svcs = svcs;
		t->max = n;
	}
	memset(&t->svcs[t->nr], 0, sizeof(t->svcs[t->nr]));
	t->svcs[t->nr].proto = proto;
	t->svcs[t->nr].ep = *ep;
	*slot = ++t->nr;
	*is_new = true;
	return &t->svcs[t->nr - 1];
}

struct backend *service_add_backend(struct service *s)
{
	struct backend *be;

	if (s->nr_backends == s->max_backends) {
		size_t n = s->max_backends ? s->max_backends * 2 : 8;

		be = reallocarray(s->backends, n, sizeof(*be));
		if (!be)
			return NULL;
		s->backends = be;
		s->max_backends = n;
	}
	be = &s->backends[s->nr_backends++];
	memset(be, 0, sizeof(*be));
	return be;
}

static int parse_stats(struct nlattr *nest, struct stats *st)
{
	struct nlattr *tb[SVCLB_STATS_A_MAX + 1];

	if (nla_parse_nested(tb, SVCLB_STATS_A_MAX, nest, stats_policy) < 0)
		return -EBADMSG;
	if (tb[SVCLB_STATS_A_FLOWS])
		st->flows = nla_get_u64(tb[SVCLB_STATS_A_FLOWS]);
	if (tb[SVCLB_STATS_A_PKTS_IN])
		st->pkts_in = nla_get_u64(tb[SVCLB_STATS_A_PKTS_IN]);
	if (tb[SVCLB_STATS_A_BYTES_IN])
		st->bytes_in = nla_get_u64(tb[SVCLB_STATS_A_BYTES_IN]);
	if (tb[SVCLB_STATS_A_PKTS_OUT])
		st->pkts_out = nla_get_u64(tb[SVCLB_STATS_A_PKTS_OUT]);
	if (tb[SVCLB_STATS_A_BYTES_OUT])
		st->bytes_out = nla_get_u64(tb[SVCLB_STATS_A_BYTES_OUT]);
	if (tb[SVCLB_STATS_A_ACTIVE_FLOWS])
		st->active_flows = nla_get_u32(tb[SVCLB_STATS_A_ACTIVE_FLOWS]);
	if (tb[SVCLB_STATS_A_REFUSED] && tb[SVCLB_STATS_A_DROPPED]) {
		st->have_drops = true;
		st->refused = nla_get_u64(tb[SVCLB_STATS_A_REFUSED]);
		st->dropped = nla_get_u64(tb[SVCLB_STATS_A_DROPPED]);
	}
	return 0;
}

static int parse_backend(struct nlattr *nest, struct service *s)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct backend *be;
	int len;

	if (nla_parse_nested(tb, SVCLB_BE_A_MAX, nest, be_policy) < 0 ||
	    !tb[SVCLB_BE_A_ADDR] || !tb[SVCLB_BE_A_PORT])
		return -EBADMSG;
	len = nla_len(tb[SVCLB_BE_A_ADDR]);
	if (len != 4 && len != 16)
		return -EBADMSG;

	be = service_add_backend(s);
	if (!be)
		return -ENOMEM;
	be->ep.family = len == 4 ? AF_INET : AF_INET6;
	memcpy(be->ep.addr, nla_data(tb[SVCLB_BE_A_ADDR]), len);
	be->ep.port = nla_get_u16(tb[SVCLB_BE_A_PORT]);
	if (tb[SVCLB_BE_A_WEIGHT])
		be->weight = nla_get_u32(tb[SVCLB_BE_A_WEIGHT]);
	if (tb[SVCLB_BE_A_STATE])
		be->state = nla_get_u8(tb[SVCLB_BE_A_STATE]);
	if (tb[SVCLB_BE_A_STATS])
		return parse_stats(tb[SVCLB_BE_A_STATS], &be->stats);
	return 0;
}

static int parse_service(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[SVCLB_A_MAX + 1], *attr[SVCLB_SVC_A_MAX + 1];
	struct table *t = arg;
	struct endpoint ep = { 0 };
	struct service *s;
	struct nlattr *a;
	uint8_t proto;
	bool is_new;
	int rem, err;

	if (genlmsg_parse(nlh, 0, tb, SVCLB_A_MAX, NULL) < 0 ||
	    !tb[SVCLB_A_SERVICE] ||
	    nla_parse_nested(attr, SVCLB_SVC_A_MAX, tb[SVCLB_A_SERVICE],
			     svc_policy) < 0 ||
	    !attr[SVCLB_SVC_A_FAMILY] || !attr[SVCLB_SVC_A_PROTO] ||
	    !attr[SVCLB_SVC_A_ADDR] || !attr[SVCLB_SVC_A_PORT])
		return -EBADMSG;

	ep.family = nla_get_u16(attr[SVCLB_SVC_A_FAMILY]);
	if ((ep.family != AF_INET && ep.family != AF_INET6) ||
	    (size_t)nla_len(attr[SVCLB_SVC_A_ADDR]) != family_addr_len(ep.family))
		return -EBADMSG;
	memcpy(ep.addr, nla_data(attr[SVCLB_SVC_A_ADDR]),
	       family_addr_len(ep.family));
	ep.port = nla_get_u16(attr[SVCLB_SVC_A_PORT]);
	proto = nla_get_u8(attr[SVCLB_SVC_A_PROTO]);

	s = table_get(t, proto, &ep, true, &is_new);
	if (!s)
		return -ENOMEM;
	/* The later messages of a service only add backends. */
	if (is_new) {
		if (attr[SVCLB_SVC_A_SCHED])
			snprintf(s->sched, sizeof(s->sched), "%s",
				 nla_get_string(attr[SVCLB_SVC_A_SCHED]));
		if (attr[SVCLB_SVC_A_FLAGS])
			s->flags = nla_get_u32(attr[SVCLB_SVC_A_FLAGS]);
		if (attr[SVCLB_SVC_A_AFFINITY])
			s->affinity = nla_get_u8(attr[SVCLB_SVC_A_AFFINITY]);
		if (attr[SVCLB_SVC_A_AFFINITY_TIMEOUT])
			s->affinity_timeout =
				nla_get_u32(attr[SVCLB_SVC_A_AFFINITY_TIMEOUT]);
		if (attr[SVCLB_SVC_A_STATS]) {
			err = parse_stats(attr[SVCLB_SVC_A_STATS], &s->stats);
			if (err)
				return err;
		}
	}
	if (attr[SVCLB_SVC_A_BACKENDS]) {
		nla_for_each_nested(a, attr[SVCLB_SVC_A_BACKENDS], rem) {
			if (nla_type(a) != SVCLB_A_BACKEND)
				continue;
			err = parse_backend(a, s);
			if (err)
				return err;
		}
	}
	return 0;
}


static int endpoint_cmp(const struct endpoint *a, const struct endpoint *b)
{
	int c;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	c = memcmp(a->addr, b->addr, family_addr_len(a->family));
	if (c)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

static int backend_cmp(const void *a, const void *b)
{
	return endpoint_cmp(&((const struct backend *)a)->ep,
			    &((const struct backend *)b)->ep);
}

static int service_cmp(const void *a, const void *b)
{
	const struct service *x = a, *y = b;

	if (x->proto != y->proto)
		return (x->proto > y->proto) - (x->proto < y->proto);
	return endpoint_cmp(&x->ep, &y->ep);
}

void table_sort(struct table *t)
{
	if (t->nr)
		qsort(t->svcs, t->nr, sizeof(*t->svcs), service_cmp);
	for (size_t i = 0; i < t->nr; i++) {
		struct service *s = &t->svcs[i];

		if (s->nr_backends)
			qsort(s->backends, s->nr_backends, sizeof(*s->backends),
			      backend_cmp);
	}
	/* The slots follow the services to their new places. */
	if (!t->nr)
		return;
	memset(t->slots, 0, t->nr_slots * sizeof(*t->slots));
	for (size_t i = 0; i < t->nr; i++)
		*find_slot(t, t->svcs[i].proto, &t->svcs[i].ep) = i + 1;
}

int state_read(struct svclb_nl *nl, struct table *t,
	       const struct state_query *q)
{
	/* An older module sends counters always, and knows no key filter. */
	bool options = svclb_nl_has(nl, SVCLB_FEATURE_DUMP_OPTIONS) == 1;
	struct nl_msg *msg;

	if (q->vip && !options &&
	    svclb_nl_require(nl, SVCLB_FEATURE_DUMP_OPTIONS))
		return -1;
	for (int attempt = 1;; attempt++) {
		msg = svclb_nl_msg(nl, SVCLB_CMD_SERVICE_GET, NLM_F_DUMP);
		if (!msg ||
		    (q->stats && options &&
		     nla_put_flag(msg, SVCLB_A_STATS) < 0) ||
		    (q->vip && svclb_nl_put_service(msg, q->proto, q->vip))) {
			nlmsg_free(msg);
			return svclb_nl_msg_full();
		}
		if (svclb_nl_dump(nl, msg, parse_service, t))
			return -1;
		if (!nl->interrupted)
			return 0;
		/*
		 * Each service was read whole; only the table as a whole may
		 * mix two moments.
		 */
		if (attempt == DUMP_ATTEMPTS && q->accept_interrupted) {
			fprintf(stderr, "svcadm: warning: the service table kept changing while it was read (%d attempts); this is the last reading\n",
				DUMP_ATTEMPTS);
			return 0;
		}
		table_free(t);
		if (attempt == DUMP_ATTEMPTS) {
			report_error("the service table kept changing while it was read; gave up after %d attempts",
				     DUMP_ATTEMPTS);
			return -1;
		}
	}
}

int state_dump(struct svclb_nl *nl, struct table *t)
{
	const struct state_query q = { 0 };

	return state_read(nl, t, &q);
}

void service_name(const struct service *s, char *buf, size_t len)
{
	char ep[ENDPOINT_STRLEN];
	const char *proto = proto_name(s->proto);

	format_endpoint(&s->ep, ep, sizeof(ep));
	if (proto)
		snprintf(buf, len, "%s %s", proto, ep);
	else
		snprintf(buf, len, "%u %s", s->proto, ep);
}
