// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

static const uint8_t backend_cmds[] = {
	[ACTION_ADD] = SVCLB_CMD_BACKEND_NEW,
	[ACTION_SET] = SVCLB_CMD_BACKEND_SET,
	[ACTION_DEL] = SVCLB_CMD_BACKEND_DEL,
};

int cmd_backend(const struct command *cmd, int argc, char **argv)
{
	char err[PARSE_ERR_LEN];
	struct endpoint vip, be;
	bool have_weight = false, have_state = false;
	struct nlattr *nest;
	struct svclb_nl nl;
	struct nl_msg *msg;
	uint32_t weight = 0;
	uint8_t proto, state = 0;
	int action, ret;

	action = parse_action(cmd, argc, argv);
	if (action < 0)
		return EXIT_USAGE;
	if (parse_service_arg(cmd, argc, argv, 2, &proto, &vip) ||
	    parse_endpoint_arg(cmd, argc, argv, 4, "backend address",
			       "ADDR:PORT", &be))
		return EXIT_USAGE;

	/*
	 * Neither the weight's upper bound nor the address families are
	 * checked here: the kernel refuses those with its own message.
	 */
	for (int i = 5; i < argc; i += 2) {
		if (action == ACTION_DEL)
			return usage_error(cmd, "unexpected \"%s\": backend del takes only PROTO, VIP:PORT and ADDR:PORT",
					   argv[i]);
		if (!strcmp(argv[i], "weight")) {
			if (have_weight)
				return usage_error(cmd, "weight is given twice");
			if (i + 1 >= argc)
				return usage_error(cmd, "missing number after weight");
			if (!parse_u32(argv[i + 1], false, &weight))
				return usage_error(cmd, "invalid weight \"%s\": expected a number from 0 to %u",
						   argv[i + 1], SVCLB_WEIGHT_MAX);
			have_weight = true;
		} else if (!strcmp(argv[i], "state")) {
			if (have_state)
				return usage_error(cmd, "state is given twice");
			if (i + 1 >= argc)
				return usage_error(cmd, "missing state after state: active or terminating");
			if (!parse_be_state(argv[i + 1], &state, err))
				return usage_error(cmd, "%s", err);
			have_state = true;
		} else {
			return usage_error(cmd, "unknown keyword \"%s\": expected weight or state",
					   argv[i]);
		}
	}

	if (svclb_nl_open(&nl))
		return 1;
	ret = 1;
	msg = svclb_nl_msg(&nl, backend_cmds[action], NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		goto out;
	if (svclb_nl_put_service(msg, proto, &vip))
		goto full;
	nest = svclb_nl_nest(msg, SVCLB_A_BACKEND);
	if (!nest ||
	    svclb_nl_put_endpoint(msg, SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT, &be) ||
	    (have_weight && nla_put_u32(msg, SVCLB_BE_A_WEIGHT, weight) < 0) ||
	    (have_state && nla_put_u8(msg, SVCLB_BE_A_STATE, state) < 0) ||
	    nla_nest_end(msg, nest) < 0)
		goto full;
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
