// SPDX-License-Identifier: GPL-2.0
#include <linux/svclb.h>

#include "nl.h"
#include "svcadm.h"

int cmd_flush(const struct command *cmd, int argc, char **argv)
{
	struct svclb_nl nl;
	struct nl_msg *msg;
	int ret = 1;

	if (argc > 1)
		return usage_error(cmd, "unexpected \"%s\": flush takes no arguments",
				   argv[1]);
	if (svclb_nl_open(&nl))
		return 1;
	msg = svclb_nl_msg(&nl, SVCLB_CMD_FLUSH, NLM_F_REQUEST | NLM_F_ACK);
	if (msg && !svclb_nl_do(&nl, msg))
		ret = 0;
	svclb_nl_close(&nl);
	return ret;
}
