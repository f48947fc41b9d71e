// SPDX-License-Identifier: GPL-2.0
/* svcadm config: show or change the namespace's timeouts and flow bound. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

static const struct {
	const char *name;
	int attr;
} keys[] = {
	{ "timeout-tcp-syn", SVCLB_CFG_A_TIMEOUT_TCP_SYN },
	{ "timeout-tcp", SVCLB_CFG_A_TIMEOUT_TCP },
	{ "timeout-tcp-closing", SVCLB_CFG_A_TIMEOUT_TCP_CLOSING },
	{ "timeout-udp", SVCLB_CFG_A_TIMEOUT_UDP },
	{ "timeout-sctp", SVCLB_CFG_A_TIMEOUT_SCTP },
	{ "max-flows", SVCLB_CFG_A_MAX_FLOWS },
	{ "flows", SVCLB_CFG_A_FLOWS },	/* read-only */
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

const char *config_key_name(int attr)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (keys[i].attr == attr)
			return keys[i].name;
	return NULL;
}

struct config {
	bool have[NR_KEYS];
	uint32_t value[NR_KEYS];
};

static int parse_config(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[SVCLB_A_MAX + 1], *ctb[SVCLB_CFG_A_MAX + 1];
	struct config *c = arg;

	if (genlmsg_parse(nlh, 0, tb, SVCLB_A_MAX, NULL) < 0 ||
	    !tb[SVCLB_A_CONFIG] ||
	    nla_parse_nested(ctb, SVCLB_CFG_A_MAX, tb[SVCLB_A_CONFIG], NULL) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < NR_KEYS; i++) {
		struct nlattr *a = ctb[keys[i].attr];

		if (a && nla_len(a) == sizeof(uint32_t)) {
			c->have[i] = true;
			c->value[i] = nla_get_u32(a);
		}
	}
	return 0;
}

static int show(struct svclb_nl *nl)
{
	struct config c = { 0 };
	struct nl_msg *msg;

	msg = svclb_nl_msg(nl, SVCLB_CMD_CONFIG_GET, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg || svclb_nl_dump(nl, msg, parse_config, &c))
		return 1;
	if (json_output) {
		json_object *o = json_object_new_object();

		if (!o) {
			report_error("out of memory");
			return 1;
		}
		for (size_t i = 0; i < NR_KEYS; i++)
			if (c.have[i])
				json_object_object_add(o, keys[i].name,
						       json_object_new_int64(c.value[i]));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		for (size_t i = 0; i < NR_KEYS; i++)
			if (c.have[i])
				printf("%s %u\n", keys[i].name, c.value[i]);
	}
	return finish_output();
}

int cmd_config(const struct command *cmd, int argc, char **argv)
{
	struct svclb_nl nl;
	struct nl_msg *msg;
	struct nlattr *nest;
	int nargs = 0, ret = 1;
	uint32_t v;

	/* -j anywhere; everything else comes in KEY VALUE pairs. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json_output = true;
		else
			argv[++nargs] = argv[i];
	}
	if (nargs % 2)
		return usage_error(cmd, "\"%s\" needs a value", argv[nargs]);
	for (int i = 1; i < nargs; i += 2) {
		size_t k;

		for (k = 0; k < NR_KEYS - 1; k++)
			if (!strcmp(argv[i], keys[k].name))
				break;
		if (k == NR_KEYS - 1)
			return usage_error(cmd, "unknown setting \"%s\"", argv[i]);
		if (!parse_u32(argv[i + 1], false, &v))
			return usage_error(cmd, "invalid %s \"%s\": not a number",
					   argv[i], argv[i + 1]);
	}

	if (svclb_nl_open(&nl))
		return 1;
	if (!nargs) {
		ret = show(&nl);
		goto out;
	}
	msg = svclb_nl_msg(&nl, SVCLB_CMD_CONFIG_SET, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		goto out;
	nest = svclb_nl_nest(msg, SVCLB_A_CONFIG);
	if (!nest)
		goto full;
	for (int i = 1; i < nargs; i += 2) {
		for (size_t k = 0; k < NR_KEYS - 1; k++) {
			if (strcmp(argv[i], keys[k].name))
				continue;
			parse_u32(argv[i + 1], false, &v);
			if (nla_put_u32(msg, keys[k].attr, v) < 0)
				goto full;
		}
	}
	nla_nest_end(msg, nest);
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
