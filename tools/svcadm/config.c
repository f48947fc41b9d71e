// SPDX-License-Identifier: GPL-2.0
/*
 * svcadm config: show or change the namespace's timeouts, bounds,
 * masquerade mark and flow hash seed.
 */
#include <errno.h>
#include <inttypes.h>
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
	bool hex;	/* printed in hexadecimal, read in either base */
	bool u64;	/* else u32 */
	bool readonly;
} keys[] = {
	{ .name = "timeout-tcp-syn", .attr = SVCLB_CFG_A_TIMEOUT_TCP_SYN },
	{ .name = "timeout-tcp", .attr = SVCLB_CFG_A_TIMEOUT_TCP },
	{ .name = "timeout-tcp-closing", .attr = SVCLB_CFG_A_TIMEOUT_TCP_CLOSING },
	{ .name = "timeout-udp", .attr = SVCLB_CFG_A_TIMEOUT_UDP },
	{ .name = "timeout-sctp", .attr = SVCLB_CFG_A_TIMEOUT_SCTP },
	{ .name = "timeout-sctp-init", .attr = SVCLB_CFG_A_TIMEOUT_SCTP_INIT },
	{ .name = "max-flows", .attr = SVCLB_CFG_A_MAX_FLOWS },
	{ .name = "max-services", .attr = SVCLB_CFG_A_MAX_SERVICES },
	{ .name = "max-backends", .attr = SVCLB_CFG_A_MAX_BACKENDS },
	{ .name = "masq-mark", .attr = SVCLB_CFG_A_MASQ_MARK, .hex = true },
	{ .name = "masq-mask", .attr = SVCLB_CFG_A_MASQ_MASK, .hex = true },
	{ .name = "seed", .attr = SVCLB_CFG_A_SEED, .u64 = true },
	{ .name = "flows", .attr = SVCLB_CFG_A_FLOWS, .readonly = true },
	{ .name = "affinity-entries", .attr = SVCLB_CFG_A_AFFINITY_ENTRIES,
	  .readonly = true },
	{ .name = "generation", .attr = SVCLB_CFG_A_GENERATION,
	  .readonly = true },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

/* The index of a setting that can be changed, or NR_KEYS. */
static size_t find_key(const char *name)
{
	size_t k;

	for (k = 0; k < NR_KEYS; k++)
		if (!keys[k].readonly && !strcmp(name, keys[k].name))
			break;
	return k;
}

const char *config_key_name(int attr)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (keys[i].attr == attr)
			return keys[i].name;
	return NULL;
}

struct config {
	bool have[NR_KEYS];
	uint64_t value[NR_KEYS];
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

		if (a && keys[i].u64 && nla_len(a) == sizeof(uint64_t)) {
			c->have[i] = true;
			c->value[i] = nla_get_u64(a);
		} else if (a && !keys[i].u64 && nla_len(a) == sizeof(uint32_t)) {
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
						       json_object_new_uint64(c.value[i]));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		for (size_t i = 0; i < NR_KEYS; i++)
			if (c.have[i])
				printf(keys[i].hex ? "%s %#" PRIx64 "\n" :
				       "%s %" PRIu64 "\n", keys[i].name, c.value[i]);
	}
	return finish_output();
}

int config_get_u32(struct svclb_nl *nl, const int *attrs, uint32_t *values,
		   size_t n)
{
	struct config c = { 0 };
	struct nl_msg *msg;

	msg = svclb_nl_msg(nl, SVCLB_CMD_CONFIG_GET, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg || svclb_nl_dump(nl, msg, parse_config, &c))
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < NR_KEYS && keys[k].attr != attrs[i]; k++)
			;
		if (k == NR_KEYS || !c.have[k] || keys[k].u64) {
			report_error("the kernel did not report its %s",
				     k < NR_KEYS ? keys[k].name : "setting");
			return -1;
		}
		values[i] = c.value[k];
	}
	return 0;
}

/* A value in decimal, or in 0x hexadecimal for a 64-bit or a hex key. */
static bool parse_value(size_t k, const char *s, uint64_t *v)
{
	uint32_t v32;

	if (keys[k].u64)
		return parse_u64(s, true, v);
	if (!parse_u32(s, keys[k].hex, &v32))
		return false;
	*v = v32;
	return true;
}

int cmd_config(const struct command *cmd, int argc, char **argv)
{
	struct svclb_nl nl;
	struct nl_msg *msg;
	struct nlattr *nest;
	int nargs, ret = 1;
	uint64_t v;

	/* -j anywhere; everything else comes in KEY VALUE pairs. */
	nargs = take_json_flag(argc, argv);
	if (nargs % 2)
		return usage_error(cmd, "\"%s\" needs a value", argv[nargs]);
	for (int i = 1; i < nargs; i += 2) {
		size_t k = find_key(argv[i]);

		if (k == NR_KEYS)
			return usage_error(cmd, "unknown setting \"%s\"", argv[i]);
		if (!parse_value(k, argv[i + 1], &v))
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
		size_t k = find_key(argv[i]);

		parse_value(k, argv[i + 1], &v);
		if ((keys[k].u64 ? nla_put_u64(msg, keys[k].attr, v)
				 : nla_put_u32(msg, keys[k].attr, v)) < 0)
			goto full;
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
