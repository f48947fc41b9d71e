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
#include "state.h"
#include "svcadm.h"

static void format_proto(uint8_t proto, char *buf, size_t len)
{
	const char *name = proto_name(proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", proto);
}

/* The name of an affinity or a backend state, or its number. */
static const char *affinity_name(uint8_t affinity, char *buf, size_t len)
{
	if (affinity == SVCLB_AFFINITY_NONE)
		return "none";
	if (affinity == SVCLB_AFFINITY_CLIENT_IP)
		return "client-ip";
	snprintf(buf, len, "%u", affinity);
	return buf;
}

static const char *state_name(uint8_t state, char *buf, size_t len)
{
	const char *name = be_state_name(state);

	if (name)
		return name;
	snprintf(buf, len, "%u", state);
	return buf;
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
	char proto[8], ep[ENDPOINT_STRLEN], num[8];

	for (size_t i = 0; i < t->nr; i++) {
		const struct service *s = &t->svcs[i];

		format_proto(s->proto, proto, sizeof(proto));
		format_endpoint(&s->ep, ep, sizeof(ep));
		printf("%s  %s  sched %s", proto, ep, s->sched[0] ? s->sched : "-");
		if (s->flags) {
			uint32_t unknown = s->flags & ~(uint32_t)SVCLB_SVC_F_ALL;
			const char *sep = "";

			printf("  flags ");
			for (const struct flag_name *f = svc_flags; f->name; f++) {
				if (s->flags & f->flag) {
					printf("%s%s", sep, f->name);
					sep = ",";
				}
			}
			if (unknown)
				printf("%s0x%" PRIx32, sep, unknown);
		}
		if (s->affinity != SVCLB_AFFINITY_NONE)
			printf("  affinity %s timeout %" PRIu32,
			       affinity_name(s->affinity, num, sizeof(num)),
			       s->affinity_timeout);
		print_stats(&s->stats);

		for (size_t j = 0; j < s->nr_backends; j++) {
			const struct backend *be = &s->backends[j];

			format_endpoint(&be->ep, ep, sizeof(ep));
			printf("  -> %s  weight %" PRIu32 "  state %s", ep,
			       be->weight, state_name(be->state, num, sizeof(num)));
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
	for (const struct flag_name *f = svc_flags; f->name; f++)
		if (s->flags & f->flag)
			jappend(flags, json_object_new_string(f->name));
	if (unknown) {
		snprintf(buf, sizeof(buf), "0x%" PRIx32, unknown);
		jappend(flags, json_object_new_string(buf));
	}
	jadd(o, "flags", flags);
	jadd(o, "affinity", json_object_new_string(
		affinity_name(s->affinity, buf, sizeof(buf))));
	jadd(o, "affinity_timeout", json_object_new_uint64(s->affinity_timeout));
	jadd(o, "stats", stats_json(&s->stats));

	for (size_t j = 0; j < s->nr_backends; j++) {
		const struct backend *be = &s->backends[j];
		json_object *b = jnew(json_object_new_object());

		format_address(&be->ep, buf, sizeof(buf));
		jadd(b, "address", json_object_new_string(buf));
		jadd(b, "port", json_object_new_int(be->ep.port));
		jadd(b, "weight", json_object_new_uint64(be->weight));
		jadd(b, "state", json_object_new_string(
			state_name(be->state, buf, sizeof(buf))));
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
	struct state_query q = { .stats = true, .accept_interrupted = true };
	struct table t = { 0 };
	struct endpoint vip;
	struct svclb_nl nl;
	bool stats_view = false;
	int nargs, ret = 1, i;

	nargs = take_json_flag(argc, argv);
	for (i = 1; i <= nargs; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--stats"))
			stats_view = true;
		else
			break;
	}
	/* PROTO VIP:PORT: that service alone, found by its key. */
	if (i <= nargs) {
		if (i + 1 != nargs)
			return usage_error(cmd, "unexpected \"%s\"", argv[i]);
		if (parse_service_arg(cmd, nargs + 1, argv, i, &q.proto, &vip))
			return EXIT_USAGE;
		q.vip = &vip;
	}

	if (svclb_nl_open(&nl))
		return 1;
	if (state_read(&nl, &t, &q))
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

/*
 * Series per service always; per backend only when asked: a node with
 * 10,000 services of 100 backends would otherwise expose 7 million series.
 */
static void print_prometheus(const struct table *t, bool per_backend)
{
	printf("# HELP svclb_services Services configured.\n"
	       "# TYPE svclb_services gauge\n"
	       "svclb_services %zu\n", t->nr);
	for (int b = 0; b < 1 + per_backend; b++) {
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
	if (per_backend)
		prom_metric(t, true, "weight", "gauge", "The backend's weight.",
			    PROM_WEIGHT, false);
}

int cmd_stats(const struct command *cmd, int argc, char **argv)
{
	struct table t = { 0 };
	bool per_backend = false;
	struct svclb_nl nl;
	int ret = 1;

	if (json_output)
		return usage_error(cmd, "stats has no JSON output: see list -j");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--per-backend") || !strcmp(argv[i], "-b"))
			per_backend = true;
		else if (strcmp(argv[i], "--prometheus") && strcmp(argv[i], "-p"))
			return usage_error(cmd, "unexpected \"%s\"", argv[i]);
	}
	if (svclb_nl_open(&nl))
		return 1;
	if (!state_read(&nl, &t, &(const struct state_query){
			.stats = true, .accept_interrupted = true })) {
		print_prometheus(&t, per_backend);
		ret = finish_output();
	}
	table_free(&t);
	svclb_nl_close(&nl);
	return ret;
}
