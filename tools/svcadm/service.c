// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
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

/* One backend of a "backends" list. */
struct be_item {
	struct endpoint ep;
	bool have_weight, have_state;
	uint32_t weight;
	uint8_t state;
};

/* ADDR:PORT[/weight=N][/state=STATE], in an item of at most len bytes. */
static bool parse_be_item(const char *s, size_t len, struct be_item *it,
			  char *err)
{
	char buf[ENDPOINT_STRLEN + 64];
	char *opt, *next;

	memset(it, 0, sizeof(*it));
	if (len >= sizeof(buf)) {
		snprintf(err, PARSE_ERR_LEN, "invalid backend \"%.*s\": too long",
			 (int)len, s);
		return false;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	opt = strchr(buf, '/');
	if (opt)
		*opt++ = '\0';
	if (!parse_endpoint("backend address", buf, &it->ep, err))
		return false;
	for (; opt; opt = next) {
		next = strchr(opt, '/');
		if (next)
			*next++ = '\0';
		if (!strncmp(opt, "weight=", 7) && !it->have_weight) {
			if (!parse_u32(opt + 7, false, &it->weight)) {
				snprintf(err, PARSE_ERR_LEN,
					 "invalid weight \"%s\" of backend %s: expected a number from 0 to %u",
					 opt + 7, buf, SVCLB_WEIGHT_MAX);
				return false;
			}
			it->have_weight = true;
		} else if (!strncmp(opt, "state=", 6) && !it->have_state) {
			if (!parse_be_state(opt + 6, &it->state, err))
				return false;
			it->have_state = true;
		} else {
			snprintf(err, PARSE_ERR_LEN,
				 "invalid option \"%s\" of backend %s: expected weight=N or state=active|terminating, each once",
				 opt, buf);
			return false;
		}
	}
	return true;
}

/* A comma-separated list of backends, or "none" for no backend. */
static bool parse_be_list(const char *s, struct be_item **items, size_t *n,
			  char *err)
{
	size_t count = 1;

	*items = NULL;
	*n = 0;
	if (!strcmp(s, "none"))
		return true;
	for (const char *p = s; *p; p++)
		count += *p == ',';
	*items = calloc(count, sizeof(**items));
	if (!*items) {
		snprintf(err, PARSE_ERR_LEN, "out of memory");
		return false;
	}
	for (const char *p = s;; p++) {
		size_t len = strcspn(p, ",");

		if (!len) {
			snprintf(err, PARSE_ERR_LEN,
				 "invalid backend list \"%s\": empty item (\"none\" means no backend)",
				 s);
			goto fail;
		}
		if (!parse_be_item(p, len, &(*items)[(*n)++], err))
			goto fail;
		p += len;
		if (!*p)
			return true;
	}
fail:
	free(*items);
	*items = NULL;
	*n = 0;
	return false;
}

static int put_be_list(struct nl_msg *msg, const struct be_item *items,
		       size_t n)
{
	struct nlattr *list, *be;

	list = svclb_nl_nest(msg, SVCLB_SVC_A_BACKENDS);
	if (!list)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct be_item *it = &items[i];

		be = svclb_nl_nest(msg, SVCLB_A_BACKEND);
		if (!be ||
		    svclb_nl_put_endpoint(msg, SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT,
					  &it->ep) ||
		    (it->have_weight &&
		     nla_put_u32(msg, SVCLB_BE_A_WEIGHT, it->weight) < 0) ||
		    (it->have_state &&
		     nla_put_u8(msg, SVCLB_BE_A_STATE, it->state) < 0) ||
		    nla_nest_end(msg, be) < 0)
			return -1;
	}
	/* An empty list removes every backend: keep the empty nest. */
	return nla_nest_end_keep_empty(msg, list) < 0 ? -1 : 0;
}

/* What follows PROTO VIP:PORT. */
struct service_opts {
	const char *sched;
	bool have_flags, have_affinity, have_timeout, have_backends;
	uint32_t flags, timeout;
	uint8_t affinity;
	struct be_item *items;
	size_t nr_items;
};

/* Returns 0, or EXIT_USAGE after a usage error; o->items is to be freed. */
static int parse_service_opts(const struct command *cmd, int action,
			      int argc, char **argv, struct service_opts *o)
{
	char err[PARSE_ERR_LEN];

	for (int i = 4; i < argc; i += 2) {
		const char *kw = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (action == ACTION_DEL)
			return usage_error(cmd, "unexpected \"%s\": service del takes only PROTO and VIP:PORT",
					   kw);
		if (!strcmp(kw, "sched")) {
			if (o->sched)
				return usage_error(cmd, "sched is given twice");
			if (!val)
				return usage_error(cmd, "missing scheduler name after sched");
			o->sched = val;
		} else if (!strcmp(kw, "flags")) {
			if (o->have_flags)
				return usage_error(cmd, "flags is given twice");
			if (!val)
				return usage_error(cmd, "missing flag list after flags");
			if (!parse_flags(val, &o->flags, err))
				return usage_error(cmd, "%s", err);
			o->have_flags = true;
		} else if (!strcmp(kw, "affinity")) {
			if (o->have_affinity)
				return usage_error(cmd, "affinity is given twice");
			if (!val)
				return usage_error(cmd, "missing client-ip or none after affinity");
			if (!strcmp(val, "client-ip"))
				o->affinity = SVCLB_AFFINITY_CLIENT_IP;
			else if (!strcmp(val, "none"))
				o->affinity = SVCLB_AFFINITY_NONE;
			else
				return usage_error(cmd, "unknown affinity \"%s\": expected client-ip or none",
						   val);
			o->have_affinity = true;
			if (i + 2 >= argc || strcmp(argv[i + 2], "timeout"))
				continue;
			if (o->affinity != SVCLB_AFFINITY_CLIENT_IP)
				return usage_error(cmd, "timeout follows affinity client-ip only");
			if (i + 3 >= argc)
				return usage_error(cmd, "missing seconds after timeout");
			if (!parse_u32(argv[i + 3], false, &o->timeout))
				return usage_error(cmd, "invalid timeout \"%s\": expected seconds, 1 to %u",
						   argv[i + 3], SVCLB_TIMEOUT_MAX);
			o->have_timeout = true;
			i += 2;
		} else if (!strcmp(kw, "backends")) {
			if (action != ACTION_SET)
				return usage_error(cmd, "backends is given to service set only");
			if (o->have_backends)
				return usage_error(cmd, "backends is given twice");
			if (!val)
				return usage_error(cmd, "missing backend list after backends");
			if (!parse_be_list(val, &o->items, &o->nr_items, err))
				return usage_error(cmd, "%s", err);
			o->have_backends = true;
		} else {
			return usage_error(cmd, "unknown keyword \"%s\": expected sched, flags, affinity or backends",
					   kw);
		}
	}
	return 0;
}

int cmd_service(const struct command *cmd, int argc, char **argv)
{
	struct service_opts o = { 0 };
	struct svclb_nl nl;
	struct endpoint vip;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint8_t proto;
	int action, ret;

	action = parse_action(cmd, argc, argv);
	if (action < 0)
		return EXIT_USAGE;
	if (parse_service_arg(cmd, argc, argv, 2, &proto, &vip))
		return EXIT_USAGE;
	ret = parse_service_opts(cmd, action, argc, argv, &o);
	if (ret)
		goto out_free;

	ret = 1;
	if (svclb_nl_open(&nl))
		goto out_free;
	/* Room for the list: libnl's default is one page, its socket's 32 KiB. */
	if (o.have_backends) {
		size_t size = 4096 + o.nr_items * 64;

		nlmsg_set_default_size(size);
		if (nl_socket_set_buffer_size(nl.sk, 0, size) < 0) {
			report_error("cannot make room for %zu backends in the netlink socket",
				     o.nr_items);
			goto out;
		}
	}
	msg = svclb_nl_msg(&nl, service_cmds[action], NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		goto out;
	nest = svclb_nl_nest(msg, SVCLB_A_SERVICE);
	if (!nest || svclb_nl_put_key(msg, proto, &vip) ||
	    (o.sched && nla_put_string(msg, SVCLB_SVC_A_SCHED, o.sched) < 0) ||
	    (o.have_flags && nla_put_u32(msg, SVCLB_SVC_A_FLAGS, o.flags) < 0) ||
	    (o.have_affinity &&
	     nla_put_u8(msg, SVCLB_SVC_A_AFFINITY, o.affinity) < 0) ||
	    (o.have_timeout &&
	     nla_put_u32(msg, SVCLB_SVC_A_AFFINITY_TIMEOUT, o.timeout) < 0) ||
	    (o.have_backends && put_be_list(msg, o.items, o.nr_items)) ||
	    nla_nest_end(msg, nest) < 0) {
		nlmsg_free(msg);
		svclb_nl_msg_full();
		goto out;
	}
	if (!svclb_nl_do(&nl, msg))
		ret = 0;
out:
	svclb_nl_close(&nl);
out_free:
	free(o.items);
	return ret;
}
