// SPDX-License-Identifier: GPL-2.0
/* svcadm flows: list the flow table, or remove flows. */
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

#define DUMP_ATTEMPTS 5

struct flow {
	uint8_t proto;
	uint8_t state;
	struct endpoint client, vip, backend;
	uint32_t idle_ms, expires_ms;
	uint16_t mapped_port;	/* 0: the client's own */
};

struct flows {
	struct flow *v;
	size_t nr, max;
};

static const struct nla_policy flow_policy[SVCLB_FLOW_A_MAX + 1] = {
	[SVCLB_FLOW_A_FAMILY] = { .type = NLA_U16 },
	[SVCLB_FLOW_A_PROTO] = { .type = NLA_U8 },
	[SVCLB_FLOW_A_CLIENT_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_FLOW_A_CLIENT_PORT] = { .type = NLA_U16 },
	[SVCLB_FLOW_A_VIP_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_FLOW_A_VIP_PORT] = { .type = NLA_U16 },
	[SVCLB_FLOW_A_BACKEND_ADDR] = { .minlen = 4, .maxlen = 16 },
	[SVCLB_FLOW_A_BACKEND_PORT] = { .type = NLA_U16 },
	[SVCLB_FLOW_A_STATE] = { .type = NLA_U8 },
	[SVCLB_FLOW_A_IDLE] = { .type = NLA_U32 },
	[SVCLB_FLOW_A_EXPIRES] = { .type = NLA_U32 },
	[SVCLB_FLOW_A_MAPPED_PORT] = { .type = NLA_U16 },
};

static int get_endpoint(struct nlattr **tb, int a_addr, int a_port,
			uint16_t family, struct endpoint *ep)
{
	if (!tb[a_addr] || !tb[a_port] ||
	    (size_t)nla_len(tb[a_addr]) != family_addr_len(family))
		return -EBADMSG;
	memset(ep, 0, sizeof(*ep));
	ep->family = family;
	memcpy(ep->addr, nla_data(tb[a_addr]), family_addr_len(family));
	ep->port = nla_get_u16(tb[a_port]);
	return 0;
}

static int parse_flow(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[SVCLB_A_MAX + 1], *ftb[SVCLB_FLOW_A_MAX + 1];
	struct flows *fl = arg;
	struct flow *f;
	uint16_t family;

	if (genlmsg_parse(nlh, 0, tb, SVCLB_A_MAX, NULL) < 0 ||
	    !tb[SVCLB_A_FLOW] ||
	    nla_parse_nested(ftb, SVCLB_FLOW_A_MAX, tb[SVCLB_A_FLOW],
			     flow_policy) < 0 ||
	    !ftb[SVCLB_FLOW_A_FAMILY] || !ftb[SVCLB_FLOW_A_PROTO])
		return -EBADMSG;
	family = nla_get_u16(ftb[SVCLB_FLOW_A_FAMILY]);
	if (family != AF_INET && family != AF_INET6)
		return -EBADMSG;

	if (fl->nr == fl->max) {
		size_t n = fl->max ? fl->max * 2 : 64;

		f = reallocarray(fl->v, n, sizeof(*f));
		if (!f)
			return -ENOMEM;
		fl->v = f;
		fl->max = n;
	}
	f = &fl->v[fl->nr];
	memset(f, 0, sizeof(*f));
	f->proto = nla_get_u8(ftb[SVCLB_FLOW_A_PROTO]);
	if (get_endpoint(ftb, SVCLB_FLOW_A_CLIENT_ADDR, SVCLB_FLOW_A_CLIENT_PORT,
			 family, &f->client) ||
	    get_endpoint(ftb, SVCLB_FLOW_A_VIP_ADDR, SVCLB_FLOW_A_VIP_PORT,
			 family, &f->vip) ||
	    get_endpoint(ftb, SVCLB_FLOW_A_BACKEND_ADDR,
			 SVCLB_FLOW_A_BACKEND_PORT, family, &f->backend))
		return -EBADMSG;
	if (ftb[SVCLB_FLOW_A_STATE])
		f->state = nla_get_u8(ftb[SVCLB_FLOW_A_STATE]);
	if (ftb[SVCLB_FLOW_A_IDLE])
		f->idle_ms = nla_get_u32(ftb[SVCLB_FLOW_A_IDLE]);
	if (ftb[SVCLB_FLOW_A_EXPIRES])
		f->expires_ms = nla_get_u32(ftb[SVCLB_FLOW_A_EXPIRES]);
	if (ftb[SVCLB_FLOW_A_MAPPED_PORT])
		f->mapped_port = nla_get_u16(ftb[SVCLB_FLOW_A_MAPPED_PORT]);
	fl->nr++;
	return 0;
}

static const char *proto_str(uint8_t proto, char *buf, size_t len)
{
	const char *name = proto_name(proto);

	if (name)
		return name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

static void print_text(const struct flows *fl)
{
	char c[ENDPOINT_STRLEN], v[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN];
	char proto[8];

	for (size_t i = 0; i < fl->nr; i++) {
		const struct flow *f = &fl->v[i];

		format_endpoint(&f->client, c, sizeof(c));
		format_endpoint(&f->vip, v, sizeof(v));
		format_endpoint(&f->backend, b, sizeof(b));
		printf("%s  %s -> %s -> %s  %s  idle %" PRIu32 "s  expires %"
		       PRIu32 "s", proto_str(f->proto, proto, sizeof(proto)),
		       c, v, b, flow_state_name(f->state), f->idle_ms / 1000,
		       (f->expires_ms + 999) / 1000);
		if (f->mapped_port)
			printf("  client port %" PRIu16 " to the backend",
			       f->mapped_port);
		putchar('\n');
	}
}

static json_object *endpoint_json(const struct endpoint *ep, bool *oom)
{
	json_object *o = json_object_new_object();
	char buf[INET6_ADDRSTRLEN];

	format_address(ep, buf, sizeof(buf));
	if (!o || json_object_object_add(o, "address",
					 json_object_new_string(buf)) ||
	    json_object_object_add(o, "port", json_object_new_int(ep->port)))
		*oom = true;
	return o;
}

static int print_json(const struct flows *fl)
{
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	bool oom = !root || !arr;
	char proto[8];

	for (size_t i = 0; i < fl->nr && !oom; i++) {
		const struct flow *f = &fl->v[i];
		json_object *o = json_object_new_object();

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			oom = true;
			break;
		}
		json_object_object_add(o, "proto", json_object_new_string(
				proto_str(f->proto, proto, sizeof(proto))));
		json_object_object_add(o, "family", json_object_new_string(
				f->client.family == AF_INET6 ? "inet6" : "inet"));
		json_object_object_add(o, "client", endpoint_json(&f->client, &oom));
		json_object_object_add(o, "vip", endpoint_json(&f->vip, &oom));
		json_object_object_add(o, "backend", endpoint_json(&f->backend, &oom));
		json_object_object_add(o, "state",
				       json_object_new_string(flow_state_name(f->state)));
		json_object_object_add(o, "idle_ms", json_object_new_int64(f->idle_ms));
		json_object_object_add(o, "expires_ms",
				       json_object_new_int64(f->expires_ms));
		if (f->mapped_port &&
		    json_object_object_add(o, "mapped_port",
					   json_object_new_int(f->mapped_port)))
			oom = true;
		if (json_object_object_length(o) != 8 + !!f->mapped_port)
			oom = true;
	}
	if (!oom && json_object_object_add(root, "flows", arr))
		oom = true;
	else if (oom)
		json_object_put(arr);
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

/* PROTO VIP:PORT [ADDR:PORT] from argv[0] on; returns how many were read. */
static int parse_target(const struct command *cmd, int argc, char **argv,
			bool backend_ok, uint8_t *proto, struct endpoint *vip,
			struct endpoint *be, int *nr)
{
	*nr = 0;
	if (!argc)
		return 0;
	if (parse_service_arg(cmd, argc, argv, 0, proto, vip))
		return EXIT_USAGE;
	*nr = 2;
	if (argc < 3)
		return 0;
	if (!backend_ok)
		return usage_error(cmd, "unexpected \"%s\"", argv[2]);
	if (parse_endpoint_arg(cmd, argc, argv, 2, "backend address",
			       "ADDR:PORT", be))
		return EXIT_USAGE;
	*nr = 3;
	if (argc > 3)
		return usage_error(cmd, "unexpected \"%s\"", argv[3]);
	return 0;
}

static int flows_flush(const struct command *cmd, int argc, char **argv)
{
	struct endpoint vip, be;
	struct svclb_nl nl;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint8_t proto = 0;
	int nr, ret;

	ret = parse_target(cmd, argc, argv, true, &proto, &vip, &be, &nr);
	if (ret)
		return ret;
	if (svclb_nl_open(&nl))
		return 1;
	ret = 1;
	msg = svclb_nl_msg(&nl, SVCLB_CMD_FLOW_DEL, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		goto out;
	if (nr >= 2 && svclb_nl_put_service(msg, proto, &vip))
		goto full;
	if (nr == 3) {
		nest = svclb_nl_nest(msg, SVCLB_A_BACKEND);
		if (!nest ||
		    svclb_nl_put_endpoint(msg, SVCLB_BE_A_ADDR,
					  SVCLB_BE_A_PORT, &be) ||
		    nla_nest_end(msg, nest) < 0)
			goto full;
	}
	if (!svclb_nl_do(&nl, msg))
		ret = 0;
	goto out;
full:
	nlmsg_free(msg);
	svclb_nl_msg_full();
out:
	svclb_nl_close(&nl);
	return ret;
}

int cmd_flows(const struct command *cmd, int argc, char **argv)
{
	struct flows fl = { 0 };
	struct endpoint vip, be;
	struct svclb_nl nl;
	struct nl_msg *msg;
	uint8_t proto = 0;
	int nargs, nr, ret;

	nargs = take_json_flag(argc, argv);
	if (nargs && !strcmp(argv[1], "flush"))
		return flows_flush(cmd, nargs - 1, argv + 2);
	ret = parse_target(cmd, nargs, argv + 1, false, &proto, &vip, &be, &nr);
	if (ret)
		return ret;

	if (svclb_nl_open(&nl))
		return 1;
	ret = 1;
	for (int attempt = 1;; attempt++) {
		msg = svclb_nl_msg(&nl, SVCLB_CMD_FLOW_GET, NLM_F_DUMP);
		if (!msg)
			goto out;
		if (nr && svclb_nl_put_service(msg, proto, &vip)) {
			nlmsg_free(msg);
			svclb_nl_msg_full();
			goto out;
		}
		if (svclb_nl_dump(&nl, msg, parse_flow, &fl))
			goto out;
		if (!nl.interrupted)
			break;
		fl.nr = 0;
		if (attempt == DUMP_ATTEMPTS) {
			report_error("the flow table kept being resized while it was read; gave up after %d attempts",
				     DUMP_ATTEMPTS);
			goto out;
		}
	}
	if (json_output) {
		if (print_json(&fl))
			goto out;
	} else {
		print_text(&fl);
	}
	ret = finish_output();
out:
	free(fl.v);
	svclb_nl_close(&nl);
	return ret;
}
