// SPDX-License-Identifier: GPL-2.0
/*
 * svcadm lookup: the backend a new flow from a client to a service would
 * get, and the backend of the flow if it exists.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

struct result {
	char sched[SVCLB_SCHED_NAME_MAX];
	bool have_hash, have_new, have_flow;
	uint64_t hash;
	struct endpoint new_be, flow_be;
	int state;		/* enum svclb_flow_states, -1 unknown */
};

static int parse_backend(struct nlattr *nest, struct endpoint *ep)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	int len;

	if (nla_parse_nested(tb, SVCLB_BE_A_MAX, nest, NULL) < 0 ||
	    !tb[SVCLB_BE_A_ADDR] || !tb[SVCLB_BE_A_PORT] ||
	    nla_len(tb[SVCLB_BE_A_PORT]) != sizeof(uint16_t))
		return -EBADMSG;
	len = nla_len(tb[SVCLB_BE_A_ADDR]);
	if (len != 4 && len != 16)
		return -EBADMSG;
	memset(ep, 0, sizeof(*ep));
	ep->family = len == 4 ? AF_INET : AF_INET6;
	memcpy(ep->addr, nla_data(tb[SVCLB_BE_A_ADDR]), len);
	ep->port = nla_get_u16(tb[SVCLB_BE_A_PORT]);
	return 0;
}

static int parse_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[SVCLB_A_MAX + 1], *stb[SVCLB_SVC_A_MAX + 1];
	struct nlattr *ltb[SVCLB_LK_A_MAX + 1];
	struct result *r = arg;

	if (genlmsg_parse(nlh, 0, tb, SVCLB_A_MAX, NULL) < 0 ||
	    !tb[SVCLB_A_SERVICE] || !tb[SVCLB_A_LOOKUP] ||
	    nla_parse_nested(stb, SVCLB_SVC_A_MAX, tb[SVCLB_A_SERVICE], NULL) < 0 ||
	    nla_parse_nested(ltb, SVCLB_LK_A_MAX, tb[SVCLB_A_LOOKUP], NULL) < 0)
		return -EBADMSG;
	if (stb[SVCLB_SVC_A_SCHED])
		snprintf(r->sched, sizeof(r->sched), "%.*s",
			 (int)strnlen(nla_data(stb[SVCLB_SVC_A_SCHED]),
				      nla_len(stb[SVCLB_SVC_A_SCHED])),
			 (const char *)nla_data(stb[SVCLB_SVC_A_SCHED]));
	if (ltb[SVCLB_LK_A_HASH]) {
		if (nla_len(ltb[SVCLB_LK_A_HASH]) != sizeof(uint64_t))
			return -EBADMSG;
		r->have_hash = true;
		r->hash = nla_get_u64(ltb[SVCLB_LK_A_HASH]);
	}
	if (ltb[SVCLB_LK_A_NEW]) {
		if (parse_backend(ltb[SVCLB_LK_A_NEW], &r->new_be))
			return -EBADMSG;
		r->have_new = true;
	}
	if (ltb[SVCLB_LK_A_FLOW]) {
		if (parse_backend(ltb[SVCLB_LK_A_FLOW], &r->flow_be))
			return -EBADMSG;
		r->have_flow = true;
	}
	r->state = -1;
	if (ltb[SVCLB_LK_A_FLOW_STATE] &&
	    nla_len(ltb[SVCLB_LK_A_FLOW_STATE]) == sizeof(uint8_t))
		r->state = nla_get_u8(ltb[SVCLB_LK_A_FLOW_STATE]);
	return 0;
}

static void print_text(const struct result *r)
{
	char ep[ENDPOINT_STRLEN];

	printf("sched %s", r->sched[0] ? r->sched : "-");
	if (r->have_hash)
		printf("  hash 0x%016" PRIx64, r->hash);
	putchar('\n');
	if (r->have_new) {
		format_endpoint(&r->new_be, ep, sizeof(ep));
		printf("new   %s\n", ep);
	} else {
		printf("new   -\n");
	}
	if (r->have_flow) {
		format_endpoint(&r->flow_be, ep, sizeof(ep));
		printf("flow  %s  %s\n", ep, flow_state_name(r->state));
	} else {
		printf("flow  -\n");
	}
}

/*
 * Add val (whose reference it takes) to o under key; NULL is added as null
 * unless required. Returns true when out of memory.
 */
static bool jadd(json_object *o, const char *key, json_object *val,
		 bool required)
{
	if (!o || (required && !val) || json_object_object_add(o, key, val)) {
		json_object_put(val);
		return true;
	}
	return false;
}

/* {"address", "port"} and "state" unless state is NULL; NULL if no memory. */
static json_object *backend_json(const struct endpoint *ep, const char *state)
{
	json_object *o = json_object_new_object();
	char buf[INET6_ADDRSTRLEN];
	bool oom;

	format_address(ep, buf, sizeof(buf));
	oom = jadd(o, "address", json_object_new_string(buf), true) ||
	      jadd(o, "port", json_object_new_int(ep->port), true) ||
	      (state && jadd(o, "state", json_object_new_string(state), true));
	if (oom) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int print_json(const struct result *r)
{
	json_object *o = json_object_new_object();
	json_object *nb = NULL, *flow = NULL;
	bool oom = false;

	if (r->have_new && !(nb = backend_json(&r->new_be, NULL)))
		oom = true;
	if (r->have_flow &&
	    !(flow = backend_json(&r->flow_be, flow_state_name(r->state))))
		oom = true;
	oom |= jadd(o, "sched", json_object_new_string(r->sched), true);
	if (r->have_hash)
		oom |= jadd(o, "hash", json_object_new_uint64(r->hash), true);
	oom |= jadd(o, "new", nb, false);
	oom |= jadd(o, "flow", flow, false);
	if (!oom)
		puts(json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (oom) {
		report_error("out of memory");
		return 1;
	}
	return 0;
}

int cmd_lookup(const struct command *cmd, int argc, char **argv)
{
	struct endpoint vip, client;
	struct nlattr *nest;
	struct result r = { 0 };
	struct svclb_nl nl;
	struct nl_msg *msg;
	int nargs, ret = 1;
	uint8_t proto;

	/* -j anywhere; the rest is PROTO VIP:PORT CLIENT:PORT. */
	nargs = take_json_flag(argc, argv);
	if (parse_service_arg(cmd, nargs + 1, argv, 1, &proto, &vip) ||
	    parse_endpoint_arg(cmd, nargs + 1, argv, 3, "client address",
			       "CLIENT:PORT", &client))
		return EXIT_USAGE;
	if (nargs > 3)
		return usage_error(cmd, "unexpected \"%s\"", argv[4]);

	if (svclb_nl_open(&nl))
		return 1;
	msg = svclb_nl_msg(&nl, SVCLB_CMD_LOOKUP, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		goto out;
	if (svclb_nl_put_service(msg, proto, &vip))
		goto full;
	nest = svclb_nl_nest(msg, SVCLB_A_LOOKUP);
	if (!nest ||
	    svclb_nl_put_endpoint(msg, SVCLB_LK_A_CLIENT_ADDR,
				  SVCLB_LK_A_CLIENT_PORT, &client) ||
	    nla_nest_end(msg, nest) < 0)
		goto full;
	if (svclb_nl_dump(&nl, msg, parse_reply, &r))
		goto out;
	if (json_output) {
		if (print_json(&r))
			goto out;
	} else {
		print_text(&r);
	}
	ret = finish_output();
	goto out;
full:
	nlmsg_free(msg);
	svclb_nl_msg_full();
out:
	svclb_nl_close(&nl);
	return ret;
}
