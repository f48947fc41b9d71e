// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "state.h"
#include "svcadm.h"
#include "svcreq.h"

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

/*
 * The backend list of the file name (after "@"; "-" is standard input), its
 * items separated by commas, spaces or newlines, into a comma-separated
 * string to free; NULL after writing why into err.
 */
static char *read_be_file(const char *name, char *err)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	char *text, *out;
	size_t len, n = 0;

	if (!f) {
		snprintf(err, PARSE_ERR_LEN, "cannot open %s: %s", name,
			 strerror(errno));
		return NULL;
	}
	text = read_stream(f, &len);
	if (f != stdin)
		fclose(f);
	if (!text) {
		snprintf(err, PARSE_ERR_LEN, "cannot read %s", name);
		return NULL;
	}
	out = text;
	for (char *p = text; *p;) {
		size_t sep = strspn(p, ", \t\r\n"), word;

		p += sep;
		word = strcspn(p, ", \t\r\n");
		if (!word)
			break;
		if (n)
			out[n++] = ',';
		memmove(out + n, p, word);
		n += word;
		p += word;
	}
	out[n] = '\0';
	if (!n) {
		free(text);
		snprintf(err, PARSE_ERR_LEN,
			 "%s holds no backend (\"none\" means no backend)", name);
		return NULL;
	}
	return text;
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
			if (val[0] == '@') {
				char *list = read_be_file(val + 1, err);
				bool ok = list && parse_be_list(list, &o->items,
								&o->nr_items, err);

				free(list);
				if (!ok)
					return usage_error(cmd, "%s", err);
			} else if (!parse_be_list(val, &o->items, &o->nr_items,
						  err)) {
				return usage_error(cmd, "%s", err);
			}
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
	struct svclb_nl_req *reqs = NULL;
	struct backend *backends = NULL;
	struct nl_msg **msgs = NULL;
	struct svc_request req;
	struct svclb_nl nl;
	struct endpoint vip;
	size_t nr_calls;
	uint8_t proto;
	int action, ret, nr;

	action = parse_action(cmd, argc, argv);
	if (action < 0)
		return EXIT_USAGE;
	if (parse_service_arg(cmd, argc, argv, 2, &proto, &vip))
		return EXIT_USAGE;
	ret = parse_service_opts(cmd, action, argc, argv, &o);
	if (ret)
		goto out_free;

	ret = 1;
	if (o.have_backends) {
		backends = calloc(o.nr_items ? o.nr_items : 1, sizeof(*backends));
		if (!backends) {
			report_error("out of memory");
			goto out_free;
		}
		/* The kernel's defaults for what a backend leaves out. */
		for (size_t i = 0; i < o.nr_items; i++)
			backends[i] = (struct backend){
				.ep = o.items[i].ep,
				.weight = o.items[i].have_weight ?
					  o.items[i].weight : 1,
				.state = o.items[i].have_state ?
					 o.items[i].state : SVCLB_BE_STATE_ACTIVE,
			};
	}
	if (svclb_nl_open(&nl))
		goto out_free;
	req = (struct svc_request){
		.cmd = service_cmds[action], .proto = proto, .vip = &vip,
		.sched = o.sched,
		.have_flags = o.have_flags, .flags = o.flags,
		.have_affinity = o.have_affinity, .affinity = o.affinity,
		.have_timeout = o.have_timeout, .timeout = o.timeout,
		.have_backends = o.have_backends, .backends = backends,
		.nr_backends = o.nr_items,
	};
	nr = svc_request_msgs(&nl, &req, &msgs);
	if (nr < 0)
		goto out;
	reqs = calloc(nr, sizeof(*reqs));
	if (!reqs) {
		for (int i = 0; i < nr; i++)
			nlmsg_free(msgs[i]);
		report_error("out of memory");
		goto out;
	}
	for (int i = 0; i < nr; i++)
		reqs[i].msg = msgs[i];
	if (svclb_nl_batch(&nl, reqs, nr, &nr_calls))
		goto out;
	/* A part refused makes the next ones refused too: the first says why. */
	ret = 0;
	for (int i = 0; i < nr && !ret; i++) {
		if (reqs[i].error) {
			report_error("%s", svclb_nl_why(reqs[i].error,
							 reqs[i].ext_msg));
			ret = 1;
		}
	}
out:
	svclb_nl_close(&nl);
out_free:
	free(reqs);
	free(msgs);
	free(backends);
	free(o.items);
	return ret;
}
