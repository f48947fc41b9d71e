// SPDX-License-Identifier: GPL-2.0
/*
 * svcadm apply and save: the declarative state of docs/state-format.md.
 *
 * apply reads the desired state, checks all of it before anything is sent,
 * dumps the kernel's state and sends only the difference: one message per
 * service to create (with its backends), replace (its whole definition and
 * backend set) or delete. The kernel applies each message entirely or not at
 * all, so a service the kernel refuses keeps its old state while the others
 * take their new one; apply names each refused service.
 *
 * Another writer may change the tables between the dump and the changes:
 * every message carries the generation read before the dump, and the
 * kernel refuses those that come after another socket's change (ESTALE).
 * apply then reads, dumps, plans and sends again, a few times at most.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <json.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "kube.h"
#include "nl.h"
#include "state.h"
#include "svcadm.h"
#include "svcreq.h"

/* ---- reading the desired state ---- */

struct reader {
	const char *file;	/* for messages: the path, or "-" */
	char err[512];
};

/* How messages name a file: "-" is standard input. */
static const char *display_name(const char *file)
{
	return strcmp(file, "-") ? file : "<stdin>";
}

static bool fail(struct reader *r, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct reader *r, const char *path, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "%s: %s: %s",
		 display_name(r->file), path, msg);
	return false;
}

/* Where a field is, "services[2].backends[0].port": path, then fmt. */
#define PATH_LEN 256

static void subpath(char *buf, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void subpath(char *buf, const char *path, const char *fmt, ...)
{
	size_t n = strnlen(path, PATH_LEN - 1);
	va_list ap;

	memcpy(buf, path, n);
	va_start(ap, fmt);
	vsnprintf(buf + n, PATH_LEN - n, fmt, ap);
	va_end(ap);
}

/* Every key of obj must be among the NULL-terminated names. */
static bool known_keys(struct reader *r, const char *path, json_object *obj,
		       const char *const *names)
{
	json_object_object_foreach(obj, key, val) {
		const char *const *n;

		(void)val;
		for (n = names; *n && strcmp(*n, key); n++)
			;
		if (!*n)
			return fail(r, path, "unknown field \"%s\"", key);
	}
	return true;
}

static json_object *field(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static bool get_uint(struct reader *r, const char *path, json_object *v,
		     uint64_t min, uint64_t max, uint64_t *out)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return fail(r, path, "expected an integer from %" PRIu64 " to %" PRIu64,
			    min, max);
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return fail(r, path, "%" PRId64 " is out of range: expected %" PRIu64 " to %" PRIu64,
			    n, min, max);
	*out = n;
	return true;
}

static const char *get_string(struct reader *r, const char *path,
			      json_object *v)
{
	if (!json_object_is_type(v, json_type_string)) {
		fail(r, path, "expected a string");
		return NULL;
	}
	return json_object_get_string(v);
}

static const char *const affinity_names[] = {
	[SVCLB_AFFINITY_NONE] = "none",
	[SVCLB_AFFINITY_CLIENT_IP] = "client-ip",
	NULL
};

static const char *const be_state_names[] = {
	[SVCLB_BE_STATE_ACTIVE] = "active",
	[SVCLB_BE_STATE_TERMINATING] = "terminating",
	NULL
};

/* v, one of the two NULL-terminated names: its index in *out. */
static bool get_enum(struct reader *r, const char *path, json_object *v,
		     const char *const *names, uint8_t *out)
{
	const char *str = get_string(r, path, v);

	if (!str)
		return false;
	for (uint8_t i = 0; names[i]; i++) {
		if (!strcmp(names[i], str)) {
			*out = i;
			return true;
		}
	}
	return fail(r, path, "unknown value \"%s\": expected \"%s\" or \"%s\"",
		    str, names[0], names[1]);
}

/* "address" and "port" of obj, as an endpoint. */
static bool get_endpoint(struct reader *r, const char *path, json_object *obj,
			 struct endpoint *ep)
{
	char sub[PATH_LEN], text[ENDPOINT_STRLEN + 8], err[PARSE_ERR_LEN];
	json_object *addr = field(obj, "address"), *port = field(obj, "port");
	const char *a;
	uint64_t p = 0;

	subpath(sub, path, ".address");
	if (!addr)
		return fail(r, path, "missing field \"address\"");
	a = get_string(r, sub, addr);
	if (!a)
		return false;
	subpath(sub, path, ".port");
	if (!port)
		return fail(r, path, "missing field \"port\"");
	if (!get_uint(r, sub, port, 1, 65535, &p))
		return false;
	snprintf(text, sizeof(text), strchr(a, ':') ? "[%s]:%" PRIu64 : "%s:%" PRIu64,
		 a, p);
	if (strlen(a) > INET6_ADDRSTRLEN || !parse_endpoint("address", text, ep, err)) {
		subpath(sub, path, ".address");
		return fail(r, sub, "invalid address \"%s\"", a);
	}
	return true;
}

static bool read_flags(struct reader *r, const char *path, json_object *v,
		       uint32_t *flags)
{
	char sub[PATH_LEN];
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return fail(r, path, "expected an array of flag names");
	n = json_object_array_length(v);
	*flags = 0;
	for (size_t i = 0; i < n; i++) {
		const struct flag_name *f;
		const char *name;

		subpath(sub, path, "[%zu]", i);
		name = get_string(r, sub, json_object_array_get_idx(v, i));
		if (!name)
			return false;
		for (f = svc_flags; f->name && strcmp(f->name, name); f++)
			;
		if (!f->name)
			return fail(r, sub, "unknown flag \"%s\"", name);
		*flags |= f->flag;
	}
	return true;
}

static bool read_backend(struct reader *r, const char *path, json_object *obj,
			 struct service *s)
{
	static const char *const keys[] = {
		"address", "port", "weight", "state", NULL
	};
	char sub[PATH_LEN];
	struct endpoint ep;
	struct backend *be;
	json_object *v;
	uint64_t weight = 1;
	uint8_t state = SVCLB_BE_STATE_ACTIVE;

	if (!json_object_is_type(obj, json_type_object))
		return fail(r, path, "expected an object");
	if (!known_keys(r, path, obj, keys) || !get_endpoint(r, path, obj, &ep))
		return false;
	if (ep.family != s->ep.family)
		return fail(r, path, "an %s backend of an %s service",
			    ep.family == AF_INET6 ? "IPv6" : "IPv4",
			    s->ep.family == AF_INET6 ? "IPv6" : "IPv4");
	v = field(obj, "weight");
	subpath(sub, path, ".weight");
	if (v && !get_uint(r, sub, v, 0, SVCLB_WEIGHT_MAX, &weight))
		return false;
	v = field(obj, "state");
	subpath(sub, path, ".state");
	if (v && !get_enum(r, sub, v, be_state_names, &state))
		return false;
	for (size_t i = 0; i < s->nr_backends; i++) {
		if (!memcmp(&s->backends[i].ep, &ep, sizeof(ep)))
			return fail(r, path, "the same backend as %.*s[%zu]",
				    (int)(strrchr(path, '[') - path), path, i);
	}
	be = service_add_backend(s);
	if (!be)
		return fail(r, path, "out of memory");
	be->ep = ep;
	be->weight = weight;
	be->state = state;
	return true;
}

static bool read_service(struct reader *r, const char *path, json_object *obj,
			 struct table *t)
{
	static const char *const keys[] = {
		"proto", "family", "address", "port", "sched", "flags",
		"affinity", "affinity_timeout", "backends", NULL
	};
	char sub[PATH_LEN], err[PARSE_ERR_LEN];
	const char *str;
	struct endpoint ep;
	struct service *s;
	json_object *v;
	uint64_t timeout = 0;
	uint8_t proto;
	bool is_new;

	if (!json_object_is_type(obj, json_type_object))
		return fail(r, path, "expected an object");
	if (!known_keys(r, path, obj, keys))
		return false;
	v = field(obj, "proto");
	if (!v)
		return fail(r, path, "missing field \"proto\"");
	subpath(sub, path, ".proto");
	str = get_string(r, sub, v);
	if (!str)
		return false;
	if (!parse_proto(str, &proto, err))
		return fail(r, sub, "%s", err);
	if (!get_endpoint(r, path, obj, &ep))
		return false;
	v = field(obj, "family");
	if (v) {
		subpath(sub, path, ".family");
		str = get_string(r, sub, v);
		if (!str)
			return false;
		if (strcmp(str, ep.family == AF_INET6 ? "inet6" : "inet"))
			return fail(r, sub, "\"%s\" does not match the address: expected %s",
				    str, ep.family == AF_INET6 ? "inet6" : "inet");
	}

	s = table_get(t, proto, &ep, true, &is_new);
	if (!s)
		return fail(r, path, "out of memory");
	if (!is_new) {
		char name[SERVICE_NAME_LEN];

		service_name(s, name, sizeof(name));
		return fail(r, path, "a second definition of the service %s", name);
	}

	v = field(obj, "sched");
	if (v) {
		subpath(sub, path, ".sched");
		str = get_string(r, sub, v);
		if (!str)
			return false;
		if (!*str || strlen(str) >= sizeof(s->sched))
			return fail(r, sub, "a scheduler name is 1 to %d characters",
				    SVCLB_SCHED_NAME_MAX - 1);
		snprintf(s->sched, sizeof(s->sched), "%s", str);
	}
	v = field(obj, "flags");
	subpath(sub, path, ".flags");
	if (v && !read_flags(r, sub, v, &s->flags))
		return false;
	v = field(obj, "affinity");
	subpath(sub, path, ".affinity");
	if (v && !get_enum(r, sub, v, affinity_names, &s->affinity))
		return false;
	s->affinity_timeout = SVCLB_AFFINITY_TIMEOUT_DEFAULT;
	v = field(obj, "affinity_timeout");
	subpath(sub, path, ".affinity_timeout");
	if (v) {
		if (!get_uint(r, sub, v, 1, SVCLB_TIMEOUT_MAX, &timeout))
			return false;
		s->affinity_timeout = timeout;
	}

	v = field(obj, "backends");
	if (v) {
		subpath(sub, path, ".backends");
		if (!json_object_is_type(v, json_type_array))
			return fail(r, sub, "expected an array");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			subpath(sub, path, ".backends[%zu]", i);
			if (!read_backend(r, sub, json_object_array_get_idx(v, i), s))
				return false;
		}
	}
	return true;
}

/* Line and column (from 1) of offset in text. */
static void position(const char *text, size_t offset, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && text[i]; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

/*
 * The JSON document of text (len bytes and a NUL), strictly parsed; NULL
 * with r->err set, "FILE:LINE:COLUMN: invalid JSON: ...", when it is not one.
 */
static json_object *parse_json(struct reader *r, const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error e;
	json_object *root;
	size_t end;
	int line, col;

	if (!tok) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* Only blanks may follow the value. */
	while (root && end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (root && end == len)
		return root;
	position(text, end, &line, &col);
	snprintf(r->err, sizeof(r->err), "%s:%d:%d: invalid JSON: %s",
		 display_name(r->file), line, col,
		 root ? "text after the end of the document" :
		 e == json_tokener_continue ? "unexpected end of input" :
		 json_tokener_error_desc(e));
	json_object_put(root);
	return NULL;
}

/* The JSON document of the file r->file ("-": stdin); NULL with r->err set. */
static json_object *read_json(struct reader *r)
{
	json_object *root;
	FILE *f = stdin;
	size_t len = 0;
	char *text;

	if (strcmp(r->file, "-")) {
		f = fopen(r->file, "r");
		if (!f) {
			snprintf(r->err, sizeof(r->err), "cannot open %s: %s",
				 r->file, strerror(errno));
			return NULL;
		}
	}
	text = read_stream(f, &len);
	if (f != stdin)
		fclose(f);
	if (!text) {
		snprintf(r->err, sizeof(r->err), "cannot read %s", r->file);
		return NULL;
	}
	root = parse_json(r, text, len);
	free(text);
	return root;
}

/*
 * Check the state document root whole into t (empty); false with r->err
 * set. A file given with -f and the state derived from Kubernetes objects
 * both pass here.
 */
static bool check_state(struct reader *r, json_object *root, struct table *t)
{
	static const char *const keys[] = { "services", NULL };
	json_object *svcs;

	if (!json_object_is_type(root, json_type_object))
		return fail(r, "(top level)", "expected an object with \"services\"");
	if (!known_keys(r, "(top level)", root, keys))
		return false;
	svcs = field(root, "services");
	if (!svcs)
		return fail(r, "(top level)", "missing field \"services\"");
	if (!json_object_is_type(svcs, json_type_array))
		return fail(r, "services", "expected an array");
	for (size_t i = 0; i < json_object_array_length(svcs); i++) {
		char path[32];

		snprintf(path, sizeof(path), "services[%zu]", i);
		if (!read_service(r, path, json_object_array_get_idx(svcs, i), t))
			return false;
	}
	return true;
}

/* Parse and check the whole state file into t; false with r->err set. */
static bool read_state(struct reader *r, struct table *t)
{
	json_object *root = read_json(r);
	bool ok = root && check_state(r, root, t);

	json_object_put(root);
	return ok;
}

json_object *state_parse(const char *file, const char *text, size_t len,
			 char *err, size_t errlen)
{
	struct reader r = { .file = file };
	json_object *root = parse_json(&r, text, len);

	if (!root)
		snprintf(err, errlen, "%s", r.err);
	return root;
}

bool state_check(const char *file, json_object *root, struct table *t,
		 char *err, size_t errlen)
{
	struct reader r = { .file = file };

	if (check_state(&r, root, t))
		return true;
	snprintf(err, errlen, "%s", r.err);
	return false;
}

/*
 * The state that kube-proxy would program on the node of opts, derived from
 * the Kubernetes List in the file r->file, checked into t as a state file
 * would be; false with r->err set.
 */
static bool read_kube_state(struct reader *r, const struct kube_opts *opts,
			    struct table *t)
{
	json_object *list = read_json(r), *state;
	char err[sizeof(r->err) - 64];
	bool ok;

	if (!list)
		return false;
	state = kube_state(list, opts, err, sizeof(err));
	if (state) {
		ok = check_state(r, state, t);
	} else {
		snprintf(r->err, sizeof(r->err), "%s: %s", display_name(r->file), err);
		ok = false;
	}
	json_object_put(state);
	json_object_put(list);
	return ok;
}

/* ---- the difference ---- */

enum change { UNCHANGED, CREATE, REPLACE, DELETE };

static const char *sched_of(const struct service *s)
{
	return s->sched[0] ? s->sched : SVCLB_SCHED_DEFAULT;
}

static uint32_t affinity_timeout_of(const struct service *s)
{
	return s->affinity_timeout ?: SVCLB_AFFINITY_TIMEOUT_DEFAULT;
}

/* Both sorted (table_sort): the same definition and the same backends. */
static bool same_service(const struct service *a, const struct service *b)
{
	if (strcmp(sched_of(a), sched_of(b)) || a->flags != b->flags ||
	    a->affinity != b->affinity ||
	    (a->affinity != SVCLB_AFFINITY_NONE &&
	     affinity_timeout_of(a) != affinity_timeout_of(b)) ||
	    a->nr_backends != b->nr_backends)
		return false;
	for (size_t i = 0; i < a->nr_backends; i++) {
		const struct backend *x = &a->backends[i], *y = &b->backends[i];

		if (memcmp(&x->ep, &y->ep, sizeof(x->ep)) ||
		    x->weight != y->weight || x->state != y->state)
			return false;
	}
	return true;
}

struct op {
	enum change change;
	const struct service *svc;	/* desired; current for DELETE */
};

/*
 * The changes from cur to want: deletions first, then want's order. The
 * services already as wanted count as unchanged unless done, which holds
 * those that earlier attempts changed, has them.
 */
static struct op *plan(const struct table *want, struct table *cur,
		       struct table *done, size_t *nr_ops, size_t *nr_unchanged)
{
	struct op *ops = calloc(want->nr + cur->nr + 1, sizeof(*ops));
	size_t n = 0;
	bool is_new;

	*nr_unchanged = 0;
	if (!ops)
		return NULL;
	for (size_t i = 0; i < cur->nr; i++) {
		const struct service *c = &cur->svcs[i];

		if (!table_get((struct table *)want, c->proto, &c->ep, false, &is_new))
			ops[n++] = (struct op){ DELETE, c };
	}
	for (size_t i = 0; i < want->nr; i++) {
		const struct service *w = &want->svcs[i];
		const struct service *c = table_get(cur, w->proto, &w->ep, false,
						    &is_new);

		if (!c)
			ops[n++] = (struct op){ CREATE, w };
		else if (!same_service(w, c))
			ops[n++] = (struct op){ REPLACE, w };
		else if (!table_get(done, w->proto, &w->ep, false, &is_new))
			++*nr_unchanged;
	}
	*nr_ops = n;
	return ops;
}

/* ---- messages ---- */

/*
 * The messages of op appended to *reqs (n of *cap), each tagged with the
 * op's index in *owner; -1 after reporting.
 */
static int op_msgs(struct svclb_nl *nl, const struct op *op, size_t index,
		   uint32_t generation, struct svclb_nl_req **reqs,
		   size_t **owner, size_t *n, size_t *cap)
{
	static const uint8_t cmds[] = {
		[CREATE] = SVCLB_CMD_SERVICE_NEW,
		[REPLACE] = SVCLB_CMD_SERVICE_SET,
		[DELETE] = SVCLB_CMD_SERVICE_DEL,
	};
	const struct service *s = op->svc;
	struct svc_request r = {
		.cmd = cmds[op->change], .proto = s->proto, .vip = &s->ep,
		.have_generation = true, .generation = generation,
	};
	struct nl_msg **msgs;
	int nr;

	if (op->change != DELETE) {
		r.sched = sched_of(s);
		r.have_flags = r.have_affinity = r.have_timeout = true;
		r.flags = s->flags;
		r.affinity = s->affinity;
		r.timeout = affinity_timeout_of(s);
		r.have_backends = true;
		r.backends = s->backends;
		r.nr_backends = s->nr_backends;
	}
	nr = svc_request_msgs(nl, &r, &msgs);
	if (nr < 0)
		return -1;
	if (*n + nr > *cap) {
		size_t c = (*n + nr) * 2;
		struct svclb_nl_req *rq = realloc(*reqs, c * sizeof(**reqs));
		size_t *ow = rq ? realloc(*owner, c * sizeof(**owner)) : NULL;

		if (rq)
			*reqs = rq;
		if (!ow) {
			for (int i = 0; i < nr; i++)
				nlmsg_free(msgs[i]);
			free(msgs);
			report_error("out of memory");
			return -1;
		}
		*owner = ow;
		*cap = c;
	}
	for (int i = 0; i < nr; i++) {
		(*reqs)[*n] = (struct svclb_nl_req){ .msg = msgs[i] };
		(*owner)[(*n)++] = index;
	}
	free(msgs);
	return 0;
}

/* ---- output ---- */

static const char *const change_names[] = {
	[UNCHANGED] = "unchanged", [CREATE] = "create",
	[REPLACE] = "replace", [DELETE] = "delete",
};

static json_object *backend_state_json(const struct backend *be)
{
	char buf[INET6_ADDRSTRLEN];
	json_object *o = json_object_new_object();

	format_address(&be->ep, buf, sizeof(buf));
	json_object_object_add(o, "address", json_object_new_string(buf));
	json_object_object_add(o, "port", json_object_new_int(be->ep.port));
	json_object_object_add(o, "weight", json_object_new_int64(be->weight));
	if (be->state == SVCLB_BE_STATE_TERMINATING)
		json_object_object_add(o, "state", json_object_new_string(
			be_state_names[be->state]));
	return o;
}

/* A service as the state format writes it, every field explicit. */
static json_object *service_state_json(const struct service *s)
{
	json_object *o = json_object_new_object();
	json_object *flags = json_object_new_array();
	json_object *backends = json_object_new_array();
	char buf[INET6_ADDRSTRLEN];
	const char *proto = proto_name(s->proto);

	json_object_object_add(o, "proto", json_object_new_string(proto ? proto : "?"));
	json_object_object_add(o, "family", json_object_new_string(
		s->ep.family == AF_INET6 ? "inet6" : "inet"));
	format_address(&s->ep, buf, sizeof(buf));
	json_object_object_add(o, "address", json_object_new_string(buf));
	json_object_object_add(o, "port", json_object_new_int(s->ep.port));
	json_object_object_add(o, "sched", json_object_new_string(sched_of(s)));
	for (const struct flag_name *f = svc_flags; f->name; f++)
		if (s->flags & f->flag)
			json_object_array_add(flags, json_object_new_string(f->name));
	json_object_object_add(o, "flags", flags);
	if (s->affinity == SVCLB_AFFINITY_CLIENT_IP) {
		json_object_object_add(o, "affinity", json_object_new_string(
			affinity_names[s->affinity]));
		json_object_object_add(o, "affinity_timeout",
				       json_object_new_int64(s->affinity_timeout));
	}
	for (size_t i = 0; i < s->nr_backends; i++)
		json_object_array_add(backends, backend_state_json(&s->backends[i]));
	json_object_object_add(o, "backends", backends);
	return o;
}

json_object *state_json(const struct table *t)
{
	json_object *root = json_object_new_object();
	json_object *svcs = json_object_new_array();

	for (size_t i = 0; i < t->nr; i++)
		json_object_array_add(svcs, service_state_json(&t->svcs[i]));
	json_object_object_add(root, "services", svcs);
	return root;
}

static int print_json(json_object *root, int flags)
{
	const char *text = json_object_to_json_string_ext(root,
			flags | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!text) {
		json_object_put(root);
		report_error("out of memory");
		return 1;
	}
	puts(text);
	json_object_put(root);
	return 0;
}

/* ---- commands ---- */

int cmd_save(const struct command *cmd, int argc, char **argv)
{
	struct table t = { 0 };
	struct svclb_nl nl;
	int ret = 1;

	if (argc > 1)
		return usage_error(cmd, "unexpected \"%s\"", argv[1]);
	if (svclb_nl_open(&nl))
		return 1;
	if (state_dump(&nl, &t))
		goto out;
	table_sort(&t);
	if (print_json(state_json(&t), JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED))
		goto out;
	ret = finish_output();
out:
	table_free(&t);
	svclb_nl_close(&nl);
	return ret;
}

static void print_plan(const struct op *ops, size_t n)
{
	static const char marks[] = { [CREATE] = '+', [REPLACE] = '~', [DELETE] = '-' };
	char name[SERVICE_NAME_LEN];

	for (size_t i = 0; i < n; i++) {
		service_name(ops[i].svc, name, sizeof(name));
		printf("%c %s", marks[ops[i].change], name);
		if (ops[i].change != DELETE)
			printf("  sched %s  %zu backend%s", sched_of(ops[i].svc),
			       ops[i].svc->nr_backends,
			       ops[i].svc->nr_backends == 1 ? "" : "s");
		putchar('\n');
	}
}

struct apply_args {
	const char *file;		/* -f */
	const char *kube;		/* --kubernetes */
	struct kube_opts kube_opts;
	struct endpoint *node_ips;	/* argc of them, to be freed */
	bool dry_run, print, allow_empty;
};

/* 0, or EXIT_USAGE after reporting. */
static int apply_args(const struct command *cmd, int argc, char **argv,
		      struct apply_args *a)
{
	struct kube_opts *o = &a->kube_opts;
	const char *kube_only = NULL;

	a->node_ips = calloc(argc, sizeof(*a->node_ips));
	if (!a->node_ips) {
		report_error("out of memory");
		return 1;
	}
	o->node_ips = a->node_ips;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "-n") || !strcmp(opt, "--dry-run")) {
			a->dry_run = true;
			continue;
		} else if (!strcmp(opt, "-j") || !strcmp(opt, "--json")) {
			json_output = true;
			continue;
		} else if (!strcmp(opt, "--allow-empty")) {
			a->allow_empty = true;
			continue;
		} else if (!strcmp(opt, "--print")) {
			a->print = true;
			kube_only = kube_only ? kube_only : opt;
			continue;
		}
		if (strcmp(opt, "-f") && strcmp(opt, "--file") &&
		    strcmp(opt, "--kubernetes") && strcmp(opt, "--node") &&
		    strcmp(opt, "--zone") && strcmp(opt, "--node-ip"))
			return usage_error(cmd, "unexpected \"%s\"", opt);
		if (i + 1 == argc) {
			if (!strcmp(opt, "-f") || !strcmp(opt, "--file") ||
			    !strcmp(opt, "--kubernetes"))
				return usage_error(cmd, "%s needs a FILE, or - for standard input",
						   opt);
			return usage_error(cmd, "%s needs a %s", opt,
					   !strcmp(opt, "--node") ? "node name" :
					   !strcmp(opt, "--zone") ? "zone name" :
					   "node address");
		}
		if (!strcmp(opt, "-f") || !strcmp(opt, "--file")) {
			a->file = argv[++i];
		} else if (!strcmp(opt, "--kubernetes")) {
			a->kube = argv[++i];
		} else if (!strcmp(opt, "--node")) {
			o->node = argv[++i];
			if (!*o->node)
				return usage_error(cmd, "--node needs a node name");
			kube_only = kube_only ? kube_only : opt;
		} else if (!strcmp(opt, "--zone")) {
			o->zone = argv[++i];
			if (!*o->zone)
				return usage_error(cmd, "--zone needs a zone name");
			kube_only = kube_only ? kube_only : opt;
		} else {
			if (!parse_address(argv[++i], &a->node_ips[o->nr_node_ips]))
				return usage_error(cmd, "invalid --node-ip \"%s\": expected an IPv4 or IPv6 address",
						   argv[i]);
			o->nr_node_ips++;
			kube_only = kube_only ? kube_only : opt;
		}
	}
	if (a->file && a->kube)
		return usage_error(cmd, "-f and --kubernetes exclude each other");
	if (!a->file && !a->kube)
		return usage_error(cmd, "missing -f FILE or --kubernetes FILE (- for standard input)");
	if (a->file && kube_only)
		return usage_error(cmd, "%s goes with --kubernetes, not -f", kube_only);
	if (a->kube && !o->node)
		return usage_error(cmd, "--kubernetes needs --node NAME, the node to derive the state of");
	if (a->print && a->dry_run)
		return usage_error(cmd, "--print and --dry-run exclude each other");
	o->source = display_name(a->kube ? a->kube : a->file);
	o->warn = stderr;
	return 0;
}

/*
 * Whether the kernel's bounds admit the state @want: checked before sending
 * anything, so that a state past them changes nothing. The same request
 * reads the tables' generation into *gen unless gen is NULL.
 */
static bool check_limits(struct svclb_nl *nl, const struct table *want,
			 uint32_t *gen)
{
	static const int attrs[] = { SVCLB_CFG_A_MAX_SERVICES,
				     SVCLB_CFG_A_MAX_BACKENDS,
				     SVCLB_CFG_A_GENERATION };
	uint32_t max[3], max_services, max_backends;
	char name[SERVICE_NAME_LEN];

	if (config_get_u32(nl, attrs, max, gen ? 3 : 2))
		return false;
	if (gen)
		*gen = max[2];
	max_services = max[0];
	max_backends = max[1];
	if (want->nr > max_services) {
		report_error("the state has %zu services, more than max-services (%u); nothing was changed",
			     want->nr, max_services);
		return false;
	}
	for (size_t i = 0; i < want->nr; i++) {
		if (want->svcs[i].nr_backends <= max_backends)
			continue;
		service_name(&want->svcs[i], name, sizeof(name));
		report_error("%s: %zu backends, more than max-backends (%u); nothing was changed",
			     name, want->svcs[i].nr_backends, max_backends);
		return false;
	}
	return true;
}

/* Refuse a state without services that would delete the kernel's. */
static bool check_empty(const struct apply_args *a, const struct table *want,
			const struct table *cur)
{
	char what[128];

	if (want->nr || !cur->nr || a->allow_empty)
		return true;
	if (a->kube)
		snprintf(what, sizeof(what), "the state derived for node %s",
			 a->kube_opts.node);
	else
		snprintf(what, sizeof(what), "%s", display_name(a->file));
	if (cur->nr == 1)
		report_error("%s holds no service: applying it would delete the kernel's only service; nothing was changed (--allow-empty applies it)",
			     what);
	else
		report_error("%s holds no service: applying it would delete all %zu services of the kernel; nothing was changed (--allow-empty applies it)",
			     what, cur->nr);
	return false;
}

int cmd_apply(const struct command *cmd, int argc, char **argv)
{
	struct apply_args args = { 0 };
	struct reader r = { .file = NULL };
	struct table want = { 0 }, cur = { 0 }, done = { 0 };
	struct svclb_nl_req *reqs = NULL;
	const struct svclb_nl_req **outcome = NULL;
	size_t nr_reqs = 0, cap_reqs = 0, *owner = NULL;
	size_t nr_ops = 0, nr_unchanged = 0, nr_calls = 0, nr_failed = 0;
	size_t nr_stale = 0, sent = 0, calls = 0;
	size_t counts[4] = { 0 };
	bool broken = false, gave_up = false, nl_open = false, ok;
	struct op *ops = NULL;
	struct svclb_nl nl;
	json_object *root = NULL, *failed = NULL;
	char gave_up_msg[256] = "";
	uint32_t gen = 0;
	bool dry_run;
	int ret, attempt;

	ret = apply_args(cmd, argc, argv, &args);
	if (ret) {
		free(args.node_ips);
		return ret;
	}
	ret = 1;
	dry_run = args.dry_run;
	if (args.kube) {
		r.file = args.kube;
		ok = read_kube_state(&r, &args.kube_opts, &want);
	} else {
		r.file = args.file;
		ok = read_state(&r, &want);
	}
	if (!ok) {
		report_error("%s%s", r.err, args.print ? "" : "; nothing was changed");
		goto out;
	}
	table_sort(&want);
	if (args.print) {
		if (!print_json(state_json(&want),
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED))
			ret = finish_output();
		goto out;
	}
	if (svclb_nl_open(&nl))
		goto out;
	nl_open = true;
	if (!dry_run && svclb_nl_require(&nl, SVCLB_FEATURE_GENERATION))
		goto out;

	for (attempt = 1;; attempt++) {
		free(outcome);
		free(owner);
		free(reqs);
		free(ops);
		outcome = NULL;
		owner = NULL;
		reqs = NULL;
		ops = NULL;
		nr_reqs = cap_reqs = 0;
		table_free(&cur);
		/* The generation before the dump: any later change shows. */
		if (!check_limits(&nl, &want, dry_run ? NULL : &gen) ||
		    state_dump(&nl, &cur))
			goto out;
		table_sort(&cur);
		ops = plan(&want, &cur, &done, &nr_ops, &nr_unchanged);
		if (!ops) {
			report_error("out of memory");
			goto out;
		}
		if (!check_empty(&args, &want, &cur))
			goto out;
		if (dry_run) {
			for (size_t i = 0; i < nr_ops; i++)
				counts[ops[i].change]++;
			break;
		}
		if (!nr_ops)
			break;
		for (size_t i = 0; i < nr_ops; i++) {
			if (op_msgs(&nl, &ops[i], i, gen, &reqs, &owner,
				    &nr_reqs, &cap_reqs)) {
				for (size_t j = 0; j < nr_reqs; j++)
					nlmsg_free(reqs[j].msg);
				goto out;
			}
		}
		broken = svclb_nl_batch(&nl, reqs, nr_reqs, &nr_calls) != 0;
		sent += nr_reqs;
		calls += nr_calls;
		/* An op's outcome: its first refused or unanswered part. */
		outcome = calloc(nr_ops, sizeof(*outcome));
		if (!outcome) {
			report_error("out of memory");
			goto out;
		}
		for (size_t i = nr_reqs; i--;) {
			if (!reqs[i].answered || reqs[i].error)
				outcome[owner[i]] = &reqs[i];
		}
		/* Count each service changed once, whatever the attempts. */
		nr_stale = 0;
		for (size_t i = 0; i < nr_ops; i++) {
			const struct service *sv = ops[i].svc;
			bool is_new;

			if (outcome[i]) {
				nr_stale += outcome[i]->answered &&
					    outcome[i]->error == -ESTALE;
				continue;
			}
			if (!table_get(&done, sv->proto, &sv->ep, true, &is_new)) {
				report_error("out of memory");
				goto out;
			}
			if (is_new)
				counts[ops[i].change]++;
		}
		if (broken || !nr_stale)
			break;
		if (attempt == APPLY_ATTEMPTS) {
			gave_up = true;
			break;
		}
	}

	if (json_output)
		failed = json_object_new_array();
	for (size_t i = 0; outcome && i < nr_ops; i++) {
		char name[SERVICE_NAME_LEN];
		const struct svclb_nl_req *rq = outcome[i];
		const char *why;

		if (!rq)
			continue;
		nr_failed++;
		service_name(ops[i].svc, name, sizeof(name));
		if (!rq->answered)
			why = "no answer from the kernel: the change may or may not have been made";
		else
			why = svclb_nl_why(rq->error, rq->ext_msg);
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "service", json_object_new_string(name));
			json_object_object_add(o, "change",
					       json_object_new_string(change_names[ops[i].change]));
			json_object_object_add(o, "error", json_object_new_string(why));
			json_object_array_add(failed, o);
		} else if (!rq->answered) {
			fprintf(stderr, "svcadm: %s: %s not confirmed: %s\n", name,
				change_names[ops[i].change], why);
		} else {
			fprintf(stderr, "svcadm: %s: %s refused, %s: %s\n", name,
				change_names[ops[i].change],
				ops[i].change == CREATE ? "not created" : "left as it was",
				why);
		}
	}
	if (gave_up)
		snprintf(gave_up_msg, sizeof(gave_up_msg),
			 "another writer kept changing the tables: gave up after %d attempts; %zu of %zu changes were not made, their services were left as they were",
			 attempt, nr_failed, nr_ops);

	if (json_output) {
		root = json_object_new_object();
		json_object_object_add(root, "dry_run", json_object_new_boolean(dry_run));
		json_object_object_add(root, "created", json_object_new_int64(counts[CREATE]));
		json_object_object_add(root, "replaced", json_object_new_int64(counts[REPLACE]));
		json_object_object_add(root, "deleted", json_object_new_int64(counts[DELETE]));
		json_object_object_add(root, "unchanged", json_object_new_int64(nr_unchanged));
		json_object_object_add(root, "messages", json_object_new_int64(sent));
		json_object_object_add(root, "sendmsg_calls", json_object_new_int64(calls));
		json_object_object_add(root, "attempts", json_object_new_int(attempt));
		json_object_object_add(root, "failed", failed);
		failed = NULL;
		if (gave_up)
			json_object_object_add(root, "error",
					       json_object_new_string(gave_up_msg));
		if (dry_run) {
			json_object *planned = json_object_new_array();

			for (size_t i = 0; i < nr_ops; i++) {
				json_object *o = service_state_json(ops[i].svc);

				json_object_object_add(o, "change",
						       json_object_new_string(change_names[ops[i].change]));
				json_object_array_add(planned, o);
			}
			json_object_object_add(root, "plan", planned);
		}
		if (print_json(root, JSON_C_TO_STRING_PLAIN))
			goto out;
	} else {
		if (dry_run)
			print_plan(ops, nr_ops);
		printf("%s%zu created, %zu replaced, %zu deleted, %zu unchanged; %zu netlink message%s in %zu sendmsg call%s",
		       dry_run ? "dry run, would be: " : "",
		       counts[CREATE], counts[REPLACE], counts[DELETE], nr_unchanged,
		       sent, sent == 1 ? "" : "s", calls, calls == 1 ? "" : "s");
		if (!dry_run)
			printf("; %d attempt%s", attempt, attempt == 1 ? "" : "s");
		putchar('\n');
		if (gave_up)
			fprintf(stderr, "svcadm: %s\n", gave_up_msg);
		else if (nr_failed)
			fprintf(stderr, "svcadm: %zu of %zu changes %s; the other services have their new state\n",
				nr_failed, nr_ops,
				broken ? "refused or not confirmed" : "refused");
	}
	ret = finish_output() || nr_failed ? 1 : 0;
out:
	json_object_put(failed);
	free(outcome);
	free(owner);
	free(reqs);
	free(ops);
	table_free(&want);
	table_free(&cur);
	table_free(&done);
	free(args.node_ips);
	if (nl_open)
		svclb_nl_close(&nl);
	return ret;
}
