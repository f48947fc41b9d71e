// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <json.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

/* A dump that keeps being interrupted by changes is given up after this. */
#define DUMP_ATTEMPTS 5

struct stats {
	uint64_t flows;
	uint64_t pkts_in, bytes_in;
	uint64_t pkts_out, bytes_out;
	uint32_t active_flows;
	bool have_drops;	/* services only */
	uint64_t refused, dropped;
};

struct backend {
	struct endpoint ep;
	uint32_t weight;
	struct stats stats;
};

struct service {
	uint8_t proto;
	struct endpoint ep;
	char sched[SVCLB_SCHED_NAME_MAX];
	uint32_t flags;
	struct stats stats;
	struct backend *backends;
	size_t nr_backends, max_backends;
};

/*
 * Services in the order the kernel sent them, and a hash of their keys
 * (slot = index + 1, 0 = free) to merge the messages of one service.
 */
struct table {
	struct service *svcs;
	size_t nr, max;
	size_t *slots;
	size_t nr_slots;
};

static const struct nla_policy svc_policy[SVCLB_SVC_A_MAX + 1] = {
	[SVCLB_SVC_A_FAMILY] = { .type = NLA_U16 },
	[SVCLB_SVC_A_PROTO] = { .type = NLA_U8 },
	[SVCLB_SVC_A_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_SVC_A_PORT] = { .type = NLA_U16 },
	[SVCLB_SVC_A_SCHED] = { .type = NLA_STRING,
				.maxlen = SVCLB_SCHED_NAME_MAX },
	[SVCLB_SVC_A_FLAGS] = { .type = NLA_U32 },
};

static const struct nla_policy be_policy[SVCLB_BE_A_MAX + 1] = {
	[SVCLB_BE_A_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_BE_A_PORT] = { .type = NLA_U16 },
	[SVCLB_BE_A_WEIGHT] = { .type = NLA_U32 },
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

static void table_free(struct table *t)
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

/* The service with this key, added at the end if new; NULL if no memory. */
static struct service *get_service(struct table *t, uint8_t proto,
				   const struct endpoint *ep, bool *is_new)
{
	size_t *slot;

	*is_new = false;
	if ((t->nr + 1) * 2 > t->nr_slots && grow_slots(t))
		return NULL;
	slot = find_slot(t, proto, ep);
	if (*slot)
		return &t->svcs[*slot - 1];

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

	if (s->nr_backends == s->max_backends) {
		size_t n = s->max_backends ? s->max_backends * 2 : 8;

		be = reallocarray(s->backends, n, sizeof(*be));
		if (!be)
			return -ENOMEM;
		s->backends = be;
		s->max_backends = n;
	}
	be = &s->backends[s->nr_backends++];
	memset(be, 0, sizeof(*be));
	be->ep.family = len == 4 ? AF_INET : AF_INET6;
	memcpy(be->ep.addr, nla_data(tb[SVCLB_BE_A_ADDR]), len);
	be->ep.port = nla_get_u16(tb[SVCLB_BE_A_PORT]);
	if (tb[SVCLB_BE_A_WEIGHT])
		be->weight = nla_get_u32(tb[SVCLB_BE_A_WEIGHT]);
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

	s = get_service(t, proto, &ep, &is_new);
	if (!s)
		return -ENOMEM;
	/* The later messages of a service only add backends. */
	if (is_new) {
		if (attr[SVCLB_SVC_A_SCHED])
			snprintf(s->sched, sizeof(s->sched), "%s",
				 nla_get_string(attr[SVCLB_SVC_A_SCHED]));
		if (attr[SVCLB_SVC_A_FLAGS])
			s->flags = nla_get_u32(attr[SVCLB_SVC_A_FLAGS]);
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

static void format_proto(uint8_t proto, char *buf, size_t len)
{
	const char *name = proto_name(proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", proto);
}

static void print_stats(const struct stats *st)
{
	printf("  flows %" PRIu64 "  active %" PRIu32
	       "  in %" PRIu64 " pkts %" PRIu64 " bytes"
	       "  out %" PRIu64 " pkts %" PRIu64 " bytes",
	       st->flows, st->active_flows, st->pkts_in, st->bytes_in,
	       st->pkts_out, st->bytes_out);
	if (st->have_drops)
		printf("  refused %" PRIu64 "  dropped %" PRIu64,
		       st->refused, st->dropped);
	putchar('\n');
}

static void print_text(const struct table *t)
{
	char proto[8], ep[ENDPOINT_STRLEN];

	for (size_t i = 0; i < t->nr; i++) {
		const struct service *s = &t->svcs[i];

		format_proto(s->proto, proto, sizeof(proto));
		format_endpoint(&s->ep, ep, sizeof(ep));
		printf("%s  %s  sched %s", proto, ep, s->sched[0] ? s->sched : "-");
		if (s->flags) {
			uint32_t unknown = s->flags & ~(uint32_t)SVCLB_SVC_F_ALL;
			const char *sep = "";

			printf("  flags ");
			if (s->flags & SVCLB_SVC_F_SILENT_DROP) {
				printf("silent-drop");
				sep = ",";
			}
			if (unknown)
				printf("%s0x%" PRIx32, sep, unknown);
		}
		print_stats(&s->stats);

		for (size_t j = 0; j < s->nr_backends; j++) {
			const struct backend *be = &s->backends[j];

			format_endpoint(&be->ep, ep, sizeof(ep));
			printf("  -> %s  weight %" PRIu32, ep, be->weight);
			print_stats(&be->stats);
		}
	}
}

/*
 * JSON building: json-c returns NULL when out of memory, and adding NULL
 * would silently produce null; oom remembers it.
 */
static bool oom;

static json_object *jnew(json_object *o)
{
	if (!o)
		oom = true;
	return o;
}

static void jadd(json_object *obj, const char *key, json_object *val)
{
	if (!obj || !val || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		oom = true;
	}
}

static void jappend(json_object *arr, json_object *val)
{
	if (!arr || !val || json_object_array_add(arr, val)) {
		json_object_put(val);
		oom = true;
	}
}

static json_object *stats_json(const struct stats *st)
{
	json_object *o = jnew(json_object_new_object());

	jadd(o, "flows", json_object_new_uint64(st->flows));
	jadd(o, "active_flows", json_object_new_uint64(st->active_flows));
	jadd(o, "packets_in", json_object_new_uint64(st->pkts_in));
	jadd(o, "bytes_in", json_object_new_uint64(st->bytes_in));
	jadd(o, "packets_out", json_object_new_uint64(st->pkts_out));
	jadd(o, "bytes_out", json_object_new_uint64(st->bytes_out));
	if (st->have_drops) {
		jadd(o, "refused", json_object_new_uint64(st->refused));
		jadd(o, "dropped", json_object_new_uint64(st->dropped));
	}
	return o;
}

static json_object *service_json(const struct service *s)
{
	json_object *o = jnew(json_object_new_object());
	json_object *flags = jnew(json_object_new_array());
	json_object *backends = jnew(json_object_new_array());
	uint32_t unknown = s->flags & ~(uint32_t)SVCLB_SVC_F_ALL;
	char buf[INET6_ADDRSTRLEN];

	format_proto(s->proto, buf, sizeof(buf));
	jadd(o, "proto", json_object_new_string(buf));
	jadd(o, "family", json_object_new_string(s->ep.family == AF_INET6 ?
						 "inet6" : "inet"));
	format_address(&s->ep, buf, sizeof(buf));
	jadd(o, "address", json_object_new_string(buf));
	jadd(o, "port", json_object_new_int(s->ep.port));
	jadd(o, "sched", json_object_new_string(s->sched));
	if (s->flags & SVCLB_SVC_F_SILENT_DROP)
		jappend(flags, json_object_new_string("silent-drop"));
	if (unknown) {
		snprintf(buf, sizeof(buf), "0x%" PRIx32, unknown);
		jappend(flags, json_object_new_string(buf));
	}
	jadd(o, "flags", flags);
	jadd(o, "stats", stats_json(&s->stats));

	for (size_t j = 0; j < s->nr_backends; j++) {
		const struct backend *be = &s->backends[j];
		json_object *b = jnew(json_object_new_object());

		format_address(&be->ep, buf, sizeof(buf));
		jadd(b, "address", json_object_new_string(buf));
		jadd(b, "port", json_object_new_int(be->ep.port));
		jadd(b, "weight", json_object_new_uint64(be->weight));
		jadd(b, "stats", stats_json(&be->stats));
		jappend(backends, b);
	}
	jadd(o, "backends", backends);
	return o;
}

static int print_json(const struct table *t)
{
	json_object *root = jnew(json_object_new_object());
	json_object *svcs = jnew(json_object_new_array());

	for (size_t i = 0; i < t->nr; i++)
		jappend(svcs, service_json(&t->svcs[i]));
	jadd(root, "services", svcs);
	if (!oom)
		puts(json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	if (oom) {
		report_error("out of memory");
		return 1;
	}
	return 0;
}

/* Dump the service table into t, again while a change interrupts the dump. */
static int load_table(struct svclb_nl *nl, struct table *t)
{
	struct nl_msg *msg;

	for (int attempt = 1;; attempt++) {
		msg = svclb_nl_msg(nl, SVCLB_CMD_SERVICE_GET, NLM_F_DUMP);
		if (!msg || svclb_nl_dump(nl, msg, parse_service, t))
			return -1;
		if (!nl->interrupted)
			return 0;
		table_free(t);
		if (attempt == DUMP_ATTEMPTS) {
			report_error("the service table kept changing while it was read; gave up after %d attempts",
				     DUMP_ATTEMPTS);
			return -1;
		}
	}
}

/* The counters only, in columns: packets and bytes of both directions. */
static void print_stats_view(const struct table *t)
{
	char proto[8], ep[ENDPOINT_STRLEN], label[ENDPOINT_STRLEN + 16];
	int width = (int)strlen("SERVICE / BACKEND");

	for (size_t i = 0; i < t->nr; i++) {
		const struct service *s = &t->svcs[i];

		format_proto(s->proto, proto, sizeof(proto));
		format_endpoint(&s->ep, ep, sizeof(ep));
		if ((int)(strlen(proto) + 1 + strlen(ep)) > width)
			width = strlen(proto) + 1 + strlen(ep);
		for (size_t j = 0; j < s->nr_backends; j++) {
			format_endpoint(&s->backends[j].ep, ep, sizeof(ep));
			if ((int)(5 + strlen(ep)) > width)
				width = 5 + strlen(ep);
		}
	}
	if (!t->nr)
		return;
	printf("%-*s  %12s  %15s  %10s  %8s  %8s  %8s\n", width,
	       "SERVICE / BACKEND", "PACKETS", "BYTES", "FLOWS", "ACTIVE",
	       "REFUSED", "DROPPED");
	for (size_t i = 0; i < t->nr; i++) {
		const struct service *s = &t->svcs[i];
		const struct stats *st = &s->stats;

		format_proto(s->proto, proto, sizeof(proto));
		format_endpoint(&s->ep, ep, sizeof(ep));
		snprintf(label, sizeof(label), "%s %s", proto, ep);
		printf("%-*s  %12" PRIu64 "  %15" PRIu64 "  %10" PRIu64 "  %8" PRIu32
		       "  %8" PRIu64 "  %8" PRIu64 "\n", width, label,
		       st->pkts_in + st->pkts_out, st->bytes_in + st->bytes_out,
		       st->flows, st->active_flows, st->refused, st->dropped);
		for (size_t j = 0; j < s->nr_backends; j++) {
			st = &s->backends[j].stats;
			format_endpoint(&s->backends[j].ep, ep, sizeof(ep));
			snprintf(label, sizeof(label), "  -> %s", ep);
			printf("%-*s  %12" PRIu64 "  %15" PRIu64 "  %10" PRIu64
			       "  %8" PRIu32 "  %8s  %8s\n", width, label,
			       st->pkts_in + st->pkts_out,
			       st->bytes_in + st->bytes_out, st->flows,
			       st->active_flows, "-", "-");
		}
	}
}

int cmd_list(const struct command *cmd, int argc, char **argv)
{
	struct table t = { 0 };
	struct svclb_nl nl;
	bool stats_view = false;
	int ret = 1;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json_output = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--stats"))
			stats_view = true;
		else if (strcmp(argv[i], "-j") && strcmp(argv[i], "--json"))
			return usage_error(cmd, "unexpected \"%s\"", argv[i]);
	}

	if (svclb_nl_open(&nl))
		return 1;
	if (load_table(&nl, &t))
		goto out;

	if (json_output) {
		if (print_json(&t))
			goto out;
	} else if (stats_view) {
		print_stats_view(&t);
	} else {
		print_text(&t);
	}
	ret = finish_output();
out:
	table_free(&t);
	svclb_nl_close(&nl);
	return ret;
}

/*
 * The Prometheus text exposition format (version 0.0.4): each metric's
 * HELP and TYPE lines, then its samples. Counters end in _total.
 */
enum prom_value {
	PROM_PACKETS, PROM_BYTES, PROM_FLOWS, PROM_ACTIVE, PROM_REFUSED,
	PROM_DROPPED, PROM_WEIGHT,
};

static uint64_t prom_get(const struct stats *st, enum prom_value v, bool out)
{
	switch (v) {
	case PROM_PACKETS:
		return out ? st->pkts_out : st->pkts_in;
	case PROM_BYTES:
		return out ? st->bytes_out : st->bytes_in;
	case PROM_FLOWS:
		return st->flows;
	case PROM_ACTIVE:
		return st->active_flows;
	case PROM_REFUSED:
		return st->refused;
	case PROM_DROPPED:
		return st->dropped;
	case PROM_WEIGHT:
		break;
	}
	return 0;
}

static void prom_metric(const struct table *t, bool backends, const char *name,
			const char *type, const char *help, enum prom_value v,
			bool directions)
{
	const char *what = backends ? "backend" : "service";
	char addr[INET6_ADDRSTRLEN], ep[ENDPOINT_STRLEN], proto[8];

	printf("# HELP svclb_%s_%s %s\n# TYPE svclb_%s_%s %s\n", what, name,
	       help, what, name, type);
	for (size_t i = 0; i < t->nr; i++) {
		const struct service *s = &t->svcs[i];

		format_proto(s->proto, proto, sizeof(proto));
		format_address(&s->ep, addr, sizeof(addr));
		for (size_t j = 0; j < (backends ? s->nr_backends : 1); j++) {
			const struct stats *st = backends ?
				&s->backends[j].stats : &s->stats;

			for (int dir = 0; dir < (directions ? 2 : 1); dir++) {
				printf("svclb_%s_%s{proto=\"%s\",vip=\"%s\",port=\"%u\"",
				       what, name, proto, addr, s->ep.port);
				if (backends) {
					format_endpoint(&s->backends[j].ep, ep,
							sizeof(ep));
					printf(",backend=\"%s\"", ep);
				}
				if (directions)
					printf(",direction=\"%s\"",
					       dir ? "out" : "in");
				printf("} %" PRIu64 "\n", v == PROM_WEIGHT ?
				       s->backends[j].weight :
				       prom_get(st, v, dir));
			}
		}
	}
}

static void print_prometheus(const struct table *t)
{
	printf("# HELP svclb_services Services configured.\n"
	       "# TYPE svclb_services gauge\n"
	       "svclb_services %zu\n", t->nr);
	for (int b = 0; b < 2; b++) {
		prom_metric(t, b, "packets_total", "counter",
			    "Packets forwarded, by direction: in from clients, out the replies.",
			    PROM_PACKETS, true);
		prom_metric(t, b, "bytes_total", "counter",
			    "Bytes forwarded, by direction: in from clients, out the replies.",
			    PROM_BYTES, true);
		prom_metric(t, b, "flows_total", "counter",
			    "Flows created.", PROM_FLOWS, false);
		prom_metric(t, b, "active_flows", "gauge",
			    "Flows in the flow table now.", PROM_ACTIVE, false);
	}
	prom_metric(t, false, "refused_total", "counter",
		    "Packets that could not start a flow for want of a backend.",
		    PROM_REFUSED, false);
	prom_metric(t, false, "dropped_total", "counter",
		    "Packets that could not start a flow for want of room in the flow table.",
		    PROM_DROPPED, false);
	prom_metric(t, true, "weight", "gauge", "The backend's weight.",
		    PROM_WEIGHT, false);
}

int cmd_stats(const struct command *cmd, int argc, char **argv)
{
	struct table t = { 0 };
	struct svclb_nl nl;
	int ret = 1;

	if (json_output)
		return usage_error(cmd, "stats has no JSON output: see list -j");
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--prometheus") && strcmp(argv[i], "-p"))
			return usage_error(cmd, "unexpected \"%s\"", argv[i]);
	if (svclb_nl_open(&nl))
		return 1;
	if (!load_table(&nl, &t)) {
		print_prometheus(&t);
		ret = finish_output();
	}
	table_free(&t);
	svclb_nl_close(&nl);
	return ret;
}
