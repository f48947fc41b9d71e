// SPDX-License-Identifier: GPL-2.0
/* svcadm monitor: print the module's change events as they happen. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <json.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

static const struct {
	uint8_t cmd;
	const char *object, *action;
} events[] = {
	{ SVCLB_CMD_SERVICE_NEW, "service", "added" },
	{ SVCLB_CMD_SERVICE_SET, "service", "changed" },
	{ SVCLB_CMD_SERVICE_DEL, "service", "removed" },
	{ SVCLB_CMD_BACKEND_NEW, "backend", "added" },
	{ SVCLB_CMD_BACKEND_SET, "backend", "changed" },
	{ SVCLB_CMD_BACKEND_DEL, "backend", "removed" },
	{ SVCLB_CMD_FLUSH, "flush", NULL },
	{ SVCLB_CMD_CONFIG_SET, "config", "changed" },
	{ SVCLB_CMD_FLOW_DEL, "flows", "flushed" },
};

/*
 * One event as words ("service", "added", "tcp", "10.96.0.10:80", ...) for
 * the text output and as a JSON object; both are built together.
 */
struct event {
	char text[1024];
	size_t len;
	json_object *json;
	bool oom;
};

static bool write_failed;

static void add_word(struct event *ev, const char *key, const char *word)
{
	int n = snprintf(ev->text + ev->len, sizeof(ev->text) - ev->len, "%s%s",
			 ev->len ? " " : "", word);

	if (n > 0 && (size_t)n < sizeof(ev->text) - ev->len)
		ev->len += n;
	if (key && json_object_object_add(ev->json, key,
					  json_object_new_string(word)))
		ev->oom = true;
}

static void add_number(struct event *ev, const char *key, const char *label,
		       uint64_t v)
{
	char buf[32];

	if (label)
		add_word(ev, NULL, label);
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	add_word(ev, NULL, buf);
	if (json_object_object_add(ev->json, key, json_object_new_uint64(v)))
		ev->oom = true;
}

static void add_service(struct event *ev, struct nlattr *nest)
{
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	char buf[ENDPOINT_STRLEN];
	struct endpoint ep = { 0 };
	const char *name;

	if (nla_parse_nested(tb, SVCLB_SVC_A_MAX, nest, NULL) < 0)
		return;
	if (tb[SVCLB_SVC_A_PROTO]) {
		uint8_t proto = nla_get_u8(tb[SVCLB_SVC_A_PROTO]);

		name = proto_name(proto);
		snprintf(buf, sizeof(buf), "%u", proto);
		add_word(ev, "proto", name ? name : buf);
	}
	if (tb[SVCLB_SVC_A_FAMILY] && tb[SVCLB_SVC_A_ADDR] && tb[SVCLB_SVC_A_PORT]) {
		ep.family = nla_get_u16(tb[SVCLB_SVC_A_FAMILY]);
		if ((ep.family == AF_INET || ep.family == AF_INET6) &&
		    (size_t)nla_len(tb[SVCLB_SVC_A_ADDR]) == family_addr_len(ep.family)) {
			memcpy(ep.addr, nla_data(tb[SVCLB_SVC_A_ADDR]),
			       family_addr_len(ep.family));
			ep.port = nla_get_u16(tb[SVCLB_SVC_A_PORT]);
			format_endpoint(&ep, buf, sizeof(buf));
			add_word(ev, "service", buf);
		}
	}
	if (tb[SVCLB_SVC_A_SCHED] && nla_len(tb[SVCLB_SVC_A_SCHED]) > 0) {
		snprintf(buf, sizeof(buf), "%.*s", nla_len(tb[SVCLB_SVC_A_SCHED]),
			 (const char *)nla_data(tb[SVCLB_SVC_A_SCHED]));
		add_word(ev, NULL, "sched");
		add_word(ev, "sched", buf);
	}
	if (tb[SVCLB_SVC_A_FLAGS])
		add_number(ev, "flags", "flags", nla_get_u32(tb[SVCLB_SVC_A_FLAGS]));
}

static void add_backend(struct event *ev, struct nlattr *nest)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	char buf[ENDPOINT_STRLEN];
	struct endpoint ep = { 0 };
	int len;

	if (nla_parse_nested(tb, SVCLB_BE_A_MAX, nest, NULL) < 0)
		return;
	if (tb[SVCLB_BE_A_ADDR] && tb[SVCLB_BE_A_PORT]) {
		len = nla_len(tb[SVCLB_BE_A_ADDR]);
		if (len == 4 || len == 16) {
			ep.family = len == 4 ? AF_INET : AF_INET6;
			memcpy(ep.addr, nla_data(tb[SVCLB_BE_A_ADDR]), len);
			ep.port = nla_get_u16(tb[SVCLB_BE_A_PORT]);
			format_endpoint(&ep, buf, sizeof(buf));
			add_word(ev, "backend", buf);
		}
	}
	if (tb[SVCLB_BE_A_WEIGHT])
		add_number(ev, "weight", "weight",
			   nla_get_u32(tb[SVCLB_BE_A_WEIGHT]));
}

static void add_config(struct event *ev, struct nlattr *nest)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		const char *name = config_key_name(nla_type(a));

		if (name && nla_len(a) == sizeof(uint32_t))
			add_number(ev, name, name, nla_get_u32(a));
	}
}

static int print_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[SVCLB_A_MAX + 1];
	struct event ev = { .len = 0 };
	char buf[32];
	size_t i;

	(void)arg;
	if (genlmsg_parse(nlh, 0, tb, SVCLB_A_MAX, NULL) < 0)
		return NL_SKIP;
	ev.json = json_object_new_object();
	if (!ev.json) {
		report_error("out of memory");
		return NL_STOP;
	}
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (events[i].cmd == gh->cmd)
			break;
	if (i < sizeof(events) / sizeof(events[0])) {
		add_word(&ev, "object", events[i].object);
		if (events[i].action)
			add_word(&ev, "action", events[i].action);
	} else {
		snprintf(buf, sizeof(buf), "%u", gh->cmd);
		add_word(&ev, NULL, "event");
		add_word(&ev, "command", buf);
	}
	if (tb[SVCLB_A_SERVICE])
		add_service(&ev, tb[SVCLB_A_SERVICE]);
	if (tb[SVCLB_A_BACKEND])
		add_backend(&ev, tb[SVCLB_A_BACKEND]);
	if (tb[SVCLB_A_CONFIG])
		add_config(&ev, tb[SVCLB_A_CONFIG]);

	if (ev.oom) {
		json_object_put(ev.json);
		report_error("out of memory");
		return NL_STOP;
	}
	if (json_output)
		puts(json_object_to_json_string_ext(ev.json,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		puts(ev.text);
	json_object_put(ev.json);
	if (finish_output()) {
		write_failed = true;
		return NL_STOP;
	}
	return NL_OK;
}

int cmd_monitor(const struct command *cmd, int argc, char **argv)
{
	struct svclb_nl nl;
	int grp, err, ret = 1;

	if (take_json_flag(argc, argv))
		return usage_error(cmd, "unexpected \"%s\"", argv[1]);
	if (svclb_nl_open(&nl))
		return 1;
	grp = genl_ctrl_resolve_grp(nl.sk, SVCLB_GENL_NAME, SVCLB_MCGRP_EVENTS);
	if (grp < 0) {
		report_error("the svclb module has no events group: %s",
			     nl_geterror(grp));
		goto out;
	}
	nl_socket_disable_seq_check(nl.sk);
	err = nl_socket_modify_cb(nl.sk, NL_CB_VALID, NL_CB_CUSTOM, print_event,
				  NULL);
	if (!err)
		err = nl_socket_add_membership(nl.sk, grp);
	if (err == -NLE_PERM) {
		report_error("cannot join the events group: CAP_NET_ADMIN in the namespace's user namespace is required");
		goto out;
	}
	if (err < 0) {
		report_error("cannot join the events group: %s", nl_geterror(err));
		goto out;
	}
	while (!write_failed) {
		err = nl_recvmsgs_default(nl.sk);
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, or the kernel lost one. */
			report_error("events were lost");
			continue;
		}
		if (err < 0) {
			report_error("cannot read events: %s", nl_geterror(err));
			break;
		}
	}
out:
	svclb_nl_close(&nl);
	return ret;
}
