// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

static const uint8_t service_cmds[] = {
	[ACTION_ADD] = SVCLB_CMD_SERVICE_NEW,
	[ACTION_SET] = SVCLB_CMD_SERVICE_SET,
	[ACTION_DEL] = SVCLB_CMD_SERVICE_DEL,
};

const struct flag_name svc_flags[] = {
	{ "silent-drop", SVCLB_SVC_F_SILENT_DROP },
	{ "masquerade", SVCLB_SVC_F_MASQUERADE },
	{ NULL, 0 },
};

static bool flag_by_name(const char *name, uint32_t *flag)
{
	for (const struct flag_name *f = svc_flags; f->name; f++) {
		if (!strcmp(name, f->name)) {
			*flag = f->flag;
			return true;
		}
	}
	return false;
}

/* A comma-separated list of names and numbers, ORed together. */
static bool parse_flags(const char *s, uint32_t *out, char *err)
{
	const char *p = s;
	uint32_t flags = 0;

	for (;;) {
		size_t n = strcspn(p, ",");
		char word[32];
		uint32_t v;

		if (!n) {
			snprintf(err, PARSE_ERR_LEN,
				 "invalid flags \"%s\": empty flag name", s);
			return false;
		}
		if (n >= sizeof(word))
			goto unknown;
		memcpy(word, p, n);
		word[n] = '\0';
		if (!strcmp(word, "none"))
			v = 0;
		else if (!flag_by_name(word, &v) && !parse_u32(word, true, &v))
			goto unknown;
		flags |= v;
		if (!p[n])
			break;
		p += n + 1;
	}
	*out = flags;
	return true;

unknown:
	snprintf(err, PARSE_ERR_LEN,
		 "unknown flag \"%.*s\": expected silent-drop, masquerade, none or a number",
		 (int)strcspn(p, ","), p);
	return false;
}

int cmd_service(const struct command *cmd, int argc, char **argv)
{
	char err[PARSE_ERR_LEN];
	const char *sched = NULL;
	bool have_flags = false;
	struct svclb_nl nl;
	struct endpoint vip;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint32_t flags = 0;
	uint8_t proto;
	int action, ret;

	action = parse_action(cmd, argc, argv);
	if (action < 0)
		return EXIT_USAGE;
	if (argc < 3)
		return usage_error(cmd, "missing PROTO: tcp, udp or sctp");
	if (!parse_proto(argv[2], &proto, err))
		return usage_error(cmd, "%s", err);
	if (argc < 4)
		return usage_error(cmd, "missing the service address VIP:PORT");
	if (!parse_endpoint("service address", argv[3], &vip, err))
		return usage_error(cmd, "%s", err);

	for (int i = 4; i < argc; i += 2) {
		if (action == ACTION_DEL)
			return usage_error(cmd, "unexpected \"%s\": service del takes only PROTO and VIP:PORT",
					   argv[i]);
		if (!strcmp(argv[i], "sched")) {
			if (sched)
				return usage_error(cmd, "sched is given twice");
			if (i + 1 >= argc)
				return usage_error(cmd, "missing scheduler name after sched");
			sched = argv[i + 1];
		} else if (!strcmp(argv[i], "flags")) {
			if (have_flags)
				return usage_error(cmd, "flags is given twice");
			if (i + 1 >= argc)
				return usage_error(cmd, "missing flag list after flags");
			if (!parse_flags(argv[i + 1], &flags, err))
				return usage_error(cmd, "%s", err);
			have_flags = true;
		} else {
			return usage_error(cmd, "unknown keyword \"%s\": expected sched or flags",
					   argv[i]);
		}
	}

	if (svclb_nl_open(&nl))
		return 1;
	ret = 1;
	msg = svclb_nl_msg(&nl, service_cmds[action], NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		goto out;
	nest = svclb_nl_nest(msg, SVCLB_A_SERVICE);
	if (!nest || svclb_nl_put_key(msg, proto, &vip) ||
	    (sched && nla_put_string(msg, SVCLB_SVC_A_SCHED, sched) < 0) ||
	    (have_flags && nla_put_u32(msg, SVCLB_SVC_A_FLAGS, flags) < 0) ||
	    nla_nest_end(msg, nest) < 0) {
		nlmsg_free(msg);
		svclb_nl_msg_full();
		goto out;
	}
	if (!svclb_nl_do(&nl, msg))
		ret = 0;
out:
	svclb_nl_close(&nl);
	return ret;
}
