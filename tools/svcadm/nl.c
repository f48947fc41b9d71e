// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "svcadm.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct request {
	svclb_nl_parse_fn parse;
	void *arg;
	bool quiet;		/* the kernel's error is the caller's to report */
	const struct nlmsghdr *request;	/* sent, until its answer */
	bool done;
	bool interrupted;
	int error;		/* negative errno sent by the kernel */
	int parse_error;	/* negative errno returned by parse */
	char ext_msg[512];	/* the kernel's extended ack message */
};

/*
 * What the attributes of a request are called, by the nest they are in: the
 * nesting of the family's policies (kmod/netlink.c).
 */
enum attr_scope {
	SCOPE_NONE,
	SCOPE_TOP,
	SCOPE_SERVICE,
	SCOPE_BACKEND_LIST,
	SCOPE_BACKEND,
	SCOPE_CONFIG,
	SCOPE_LOOKUP,
};

static const char *const top_names[SVCLB_A_MAX + 1] = {
	[SVCLB_A_SERVICE] = "service",
	[SVCLB_A_BACKEND] = "backend",
	[SVCLB_A_CONFIG] = "config",
	[SVCLB_A_LOOKUP] = "lookup",
	[SVCLB_A_FLOW] = "flow",
};

static const char *const service_names[SVCLB_SVC_A_MAX + 1] = {
	[SVCLB_SVC_A_FAMILY] = "service address family",
	[SVCLB_SVC_A_PROTO] = "service protocol",
	[SVCLB_SVC_A_ADDR] = "service address",
	[SVCLB_SVC_A_PORT] = "service port",
	[SVCLB_SVC_A_SCHED] = "scheduler",
	[SVCLB_SVC_A_FLAGS] = "service flags",
	[SVCLB_SVC_A_STATS] = "service statistics",
	[SVCLB_SVC_A_BACKENDS] = "backend list",
	[SVCLB_SVC_A_AFFINITY] = "session affinity",
	[SVCLB_SVC_A_AFFINITY_TIMEOUT] = "affinity timeout",
	[SVCLB_SVC_A_BACKENDS_FROM] = "backend list position",
	[SVCLB_SVC_A_BACKENDS_MORE] = "backend list continuation",
};

static const char *const backend_names[SVCLB_BE_A_MAX + 1] = {
	[SVCLB_BE_A_ADDR] = "backend address",
	[SVCLB_BE_A_PORT] = "backend port",
	[SVCLB_BE_A_WEIGHT] = "backend weight",
	[SVCLB_BE_A_STATS] = "backend statistics",
	[SVCLB_BE_A_STATE] = "backend state",
};

static const char *const lookup_names[SVCLB_LK_A_MAX + 1] = {
	[SVCLB_LK_A_CLIENT_ADDR] = "client address",
	[SVCLB_LK_A_CLIENT_PORT] = "client port",
};

#define NAME(names, type) \
	((unsigned int)(type) < sizeof(names) / sizeof(names[0]) ? names[type] : NULL)

static const char *attr_name(enum attr_scope scope, int type)
{
	switch (scope) {
	case SCOPE_TOP:
		return NAME(top_names, type);
	case SCOPE_SERVICE:
		return NAME(service_names, type);
	case SCOPE_BACKEND_LIST:
		return "backend";
	case SCOPE_BACKEND:
		return NAME(backend_names, type);
	case SCOPE_CONFIG:
		return config_key_name(type);
	case SCOPE_LOOKUP:
		return NAME(lookup_names, type);
	default:
		return NULL;
	}
}

static enum attr_scope inner_scope(enum attr_scope scope, int type)
{
	switch (scope) {
	case SCOPE_TOP:
		switch (type) {
		case SVCLB_A_SERVICE:
			return SCOPE_SERVICE;
		case SVCLB_A_BACKEND:
			return SCOPE_BACKEND;
		case SVCLB_A_CONFIG:
			return SCOPE_CONFIG;
		case SVCLB_A_LOOKUP:
			return SCOPE_LOOKUP;
		}
		return SCOPE_NONE;
	case SCOPE_SERVICE:
		return type == SVCLB_SVC_A_BACKENDS ? SCOPE_BACKEND_LIST : SCOPE_NONE;
	case SCOPE_BACKEND_LIST:
		return SCOPE_BACKEND;
	default:
		return SCOPE_NONE;
	}
}

/* The name of the attribute at offset of the request req, or NULL. */
static const char *request_attr_name(const struct nlmsghdr *req,
				     uint32_t offset)
{
	enum attr_scope scope = SCOPE_TOP;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, end = req->nlmsg_len;

	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a =
			(const struct nlattr *)((const char *)req + off);
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			return NULL;
		if (offset == off)
			return attr_name(scope, type);
		if (offset > off && offset < off + a->nla_len) {
			scope = inner_scope(scope, type);
			if (scope == SCOPE_NONE)
				return NULL;
			end = off + a->nla_len;
			off += NLA_HDRLEN;
			continue;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/*
 * What the policy pol (an NLMSGERR_ATTR_POLICY nest) allows, in words, into
 * buf: the values or the lengths it takes when they are not all those of
 * the type. False when it says nothing more than the type.
 */
static bool policy_range(const struct nlattr *pol, char *buf, size_t size)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];
	uint64_t lo, hi, type_max = 0;

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, (struct nlattr *)pol,
			     NULL) < 0)
		return false;
	if (tb[NL_POLICY_TYPE_ATTR_TYPE]) {
		switch (nla_get_u32(tb[NL_POLICY_TYPE_ATTR_TYPE])) {
		case NL_ATTR_TYPE_U8:
			type_max = UINT8_MAX;
			break;
		case NL_ATTR_TYPE_U16:
			type_max = UINT16_MAX;
			break;
		case NL_ATTR_TYPE_U32:
			type_max = UINT32_MAX;
			break;
		default:
			type_max = UINT64_MAX;
		}
	}
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) {
		lo = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
		hi = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
		if (!lo && hi == type_max)
			return false;
		snprintf(buf, size, "%" PRIu64 " to %" PRIu64, lo, hi);
		return true;
	}
	if (tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH])
		snprintf(buf, size, "%u to %u bytes",
			 nla_get_u32(tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH]),
			 nla_get_u32(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH]));
	else if (tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH])
		snprintf(buf, size, "at most %u bytes",
			 nla_get_u32(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH]));
	else if (tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH])
		snprintf(buf, size, "at least %u bytes",
			 nla_get_u32(tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH]));
	else
		return false;
	return true;
}

/*
 * Whether msg is one of the genetlink core's refusals of an attribute that
 * come without the policy: they do not say which attribute either.
 */
static bool core_message(const char *msg, int len)
{
	static const char *const core[] = {
		"reserved bit set", "Unknown attribute type",
		"Unsupported attribute",
	};

	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if ((size_t)len == strlen(core[i]) && !memcmp(msg, core[i], len))
			return true;
	return false;
}

/*
 * The kernel's explanation of a refusal, from the extended ack TLVs of an
 * NLMSG_ERROR or NLMSG_DONE message, into buf; an empty string when it sent
 * none. The genetlink core refuses what a policy does not allow with a
 * message of its own ("integer out of range"), the offset of the attribute
 * in the request and, mostly, the policy it failed: the attribute is named
 * from req, the request (when known), and what the policy allows is added.
 *
 * The TLVs follow the fixed payload, padded to 4 bytes: for NLMSG_ERROR a
 * struct nlmsgerr whose embedded request is only its header when
 * NLM_F_CAPPED is set, else the whole request; for NLMSG_DONE an int.
 */
static void get_ext_msg(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
			char *buf, size_t size)
{
	const struct nlattr *a, *policy = NULL;
	const char *msg = NULL, *name = NULL;
	char range[64] = "";
	uint32_t offset = 0;
	int msg_len = 0, rem;
	size_t len, off;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || nlh->nlmsg_len < NLMSG_HDRLEN)
		return;
	len = nlh->nlmsg_len - NLMSG_HDRLEN;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);

		if (len < sizeof(*e))
			return;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < sizeof(e->msg) ||
			    e->msg.nlmsg_len > len)
				return;
			off += e->msg.nlmsg_len - sizeof(e->msg);
			if (!req)
				req = &e->msg;
		}
	} else {
		off = sizeof(int);
	}
	off = NLMSG_ALIGN(off);
	if (off >= len)
		return;

	nla_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) + off),
			  (int)(len - off), rem) {
		switch (nla_type(a)) {
		case NLMSGERR_ATTR_MSG:
			msg = nla_data(a);
			msg_len = (int)strnlen(msg, nla_len(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (req && nla_len(a) == sizeof(uint32_t))
				offset = nla_get_u32(a);
			break;
		case NLMSGERR_ATTR_POLICY:
			policy = a;
			break;
		}
	}
	if (!msg)
		return;
	/* svclb's own messages say what they are about. */
	if (offset && (policy || core_message(msg, msg_len)))
		name = request_attr_name(req, offset);
	if (policy && policy_range(policy, range + 2, sizeof(range) - 3)) {
		range[0] = ' ';
		range[1] = '(';
		strcat(range, ")");
	}
	snprintf(buf, size, "%s%s%.*s%s", name ? name : "", name ? ": " : "",
		 msg_len, msg, range);
}

const char *svclb_nl_why(int error, const char *ext_msg)
{
	if (ext_msg[0])
		return ext_msg;
	/* The core refuses it before the family sees the request. */
	if (error == -EPERM)
		return "CAP_NET_ADMIN in the namespace's user namespace is required";
	return strerror(-error);
}

static int error_cb(struct sockaddr_nl *peer, struct nlmsgerr *e, void *arg)
{
	/* libnl hands over the payload; the message header precedes it. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct request *req = arg;

	(void)peer;
	req->error = e->error < 0 ? e->error : -e->error;
	get_ext_msg(nlh, req->request, req->ext_msg, sizeof(req->ext_msg));
	req->done = true;
	return NL_STOP;
}

/* A successful ack may still carry a message: the kernel's warning. */
static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	char warning[512];

	get_ext_msg(nlmsg_hdr(msg), req->request, warning, sizeof(warning));
	if (warning[0])
		fprintf(stderr, "svcadm: warning: %s\n", warning);
	req->done = true;
	return NL_STOP;
}

/* NLMSG_DONE carries the dump's own error, if it failed part-way. */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *req = arg;
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err < 0) {
		req->error = err;
		get_ext_msg(nlh, req->request, req->ext_msg,
			    sizeof(req->ext_msg));
	}
	req->done = true;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int err;

	if (!req->parse)
		return NL_OK;
	err = req->parse(nlmsg_hdr(msg), req->arg);
	if (err) {
		req->parse_error = err;
		return NL_STOP;
	}
	return NL_OK;
}

/* Keep reading to the end of the dump; the caller starts it again. */
static int dump_intr_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->interrupted = true;
	return NL_OK;
}

static int transact(struct svclb_nl *nl, struct nl_msg *msg,
		    struct request *req)
{
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		report_error("out of memory");
		return -1;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, dump_intr_cb, req);

	err = nl_send_auto(nl->sk, msg);
	if (err < 0) {
		nlmsg_free(msg);
		nl_cb_put(cb);
		report_error("cannot send the request to the svclb module: %s",
			     nl_geterror(err));
		return -1;
	}
	req->request = nlmsg_hdr(msg);

	/* Replies may span several reads; stop at the ack, error or DONE. */
	err = 0;
	while (!req->done && !req->parse_error) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0)
			break;
	}
	nl_cb_put(cb);
	req->request = NULL;
	nlmsg_free(msg);

	if (req->parse_error == -EBADMSG) {
		report_error("the svclb module sent a malformed reply");
		return -1;
	}
	if (req->parse_error) {
		report_error("%s", strerror(-req->parse_error));
		return -1;
	}
	if (req->error) {
		if (!req->quiet)
			report_error("%s", svclb_nl_why(req->error, req->ext_msg));
		return -1;
	}
	/* libnl's own handling of an interrupted dump, should it apply. */
	if (err == -NLE_DUMP_INTR && req->done)
		req->interrupted = true;
	else if (!req->done) {
		report_error("cannot read the reply of the svclb module: %s",
			     nl_geterror(err));
		return -1;
	}
	nl->interrupted = req->interrupted;
	return 0;
}

/*
 * Batches and the parts of large backend sets go many to a sendmsg(), which
 * the kernel refuses above the send buffer's size less 32 bytes: ask for a
 * large buffer (the kernel caps it at net.core.wmem_max unless the caller
 * may force it) and size batches by what was granted.
 */
#define SOCKET_BUFFER (1 << 20)

static int set_buffers(struct svclb_nl *nl)
{
	int fd = nl_socket_get_fd(nl->sk), size = SOCKET_BUFFER;
	socklen_t len = sizeof(size);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0) {
		report_error("cannot read the netlink socket's send buffer size: %s",
			     strerror(errno));
		return -1;
	}
	/* netlink_sendmsg(): at most sk_sndbuf - 32 bytes. */
	nl->max_send = size > 4096 ? (size_t)size - 32 : 4064;
	return 0;
}

/* The controller's answer about the family: its id, version, maxattr. */
static int parse_family(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct svclb_nl *nl = arg;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID] || !tb[CTRL_ATTR_VERSION] ||
	    !tb[CTRL_ATTR_MAXATTR])
		return -EBADMSG;
	nl->family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	nl->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	nl->maxattr = nla_get_u32(tb[CTRL_ATTR_MAXATTR]);
	return 0;
}

/* Ask the controller about the family: 0, 1 when it has none, or -1. */
static int get_family(struct svclb_nl *nl)
{
	struct request req = { .parse = parse_family, .arg = nl, .quiet = true };
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
				 0, CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, SVCLB_GENL_NAME) < 0) {
		nlmsg_free(msg);
		report_error("out of memory");
		return -1;
	}
	if (!transact(nl, msg, &req))
		return 0;
	if (req.error == -ENOENT)
		return 1;
	if (req.error)
		report_error("cannot look up the svclb generic netlink family: %s",
			     req.ext_msg[0] ? req.ext_msg : strerror(-req.error));
	return -1;
}

int svclb_nl_open(struct svclb_nl *nl)
{
	int err = svclb_nl_open_any(nl);

	if (err > 0)
		report_error("svclb kernel module is not loaded");
	if (err)
		return -1;
	if (nl->version > SVCLB_GENL_VERSION) {
		report_error("the loaded svclb module is newer than this svcadm: its netlink API is version %u, svcadm " SVCADM_VERSION " knows version %d; use the svcadm that came with the module",
			     nl->version, SVCLB_GENL_VERSION);
		svclb_nl_close(nl);
		return -1;
	}
	return 0;
}

int svclb_nl_open_any(struct svclb_nl *nl)
{
	int one = 1;
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		report_error("out of memory");
		return -1;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		report_error("cannot open a generic netlink socket: %s",
			     nl_geterror(err));
		goto fail;
	}
	/*
	 * This libnl has no call for it. Kernels without the option (before
	 * 4.12) still work, only without the explanatory messages.
	 */
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) < 0 && errno != ENOPROTOOPT) {
		report_error("cannot enable netlink extended acks: %s",
			     strerror(errno));
		goto fail;
	}
	if (set_buffers(nl))
		goto fail;
	err = get_family(nl);
	if (err) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return err;
	}
	return 0;

fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return -1;
}

const struct svclb_feature_info svclb_features[SVCLB_NR_FEATURES] = {
	[SVCLB_FEATURE_GENERATION] = {
		"generation",
		"apply notices the changes of another writer",
		"check the generation of its tables (SVCLB_A_GENERATION), with which apply notices the changes of another writer",
		0, SVCLB_A_GENERATION,
	},
	[SVCLB_FEATURE_PARTS] = {
		"backend-parts",
		"backend sets larger than one message, in parts",
		"take a backend set larger than one message, in parts (SVCLB_SVC_A_BACKENDS_MORE)",
		SVCLB_A_SERVICE, SVCLB_SVC_A_BACKENDS_MORE,
	},
	[SVCLB_FEATURE_DUMP_OPTIONS] = {
		"dump-options",
		"dumps of one service by its key, with counters only when asked",
		"read one service by its key (SVCLB_A_SERVICE in a dump request)",
		0, SVCLB_A_STATS,
	},
};

/*
 * The policies, as CTRL_CMD_GETPOLICY dumps them: CTRL_ATTR_OP_POLICY
 * gives the policy of each command by index, CTRL_ATTR_POLICY one
 * attribute of one policy per message, with the highest attribute of the
 * nest it holds. The family's requests share one policy: SERVICE_NEW's.
 */
#define POLICIES 16

struct policy_dump {
	uint32_t root;		/* SVCLB_CMD_SERVICE_NEW's policy */
	uint32_t max[POLICIES][SVCLB_A_MAX + 1];
};

static int parse_policy(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *idx, *at, *op;
	struct nlattr *ptb[NL_POLICY_TYPE_ATTR_MAX + 1];
	struct nlattr *otb[CTRL_ATTR_POLICY_DUMP_MAX + 1];
	struct policy_dump *d = arg;
	int rem, rem2;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0)
		return -EBADMSG;
	if (tb[CTRL_ATTR_OP_POLICY]) {
		nla_for_each_nested(op, tb[CTRL_ATTR_OP_POLICY], rem) {
			if (nla_type(op) != SVCLB_CMD_SERVICE_NEW)
				continue;
			if (nla_parse_nested(otb, CTRL_ATTR_POLICY_DUMP_MAX, op, NULL) < 0)
				return -EBADMSG;
			if (otb[CTRL_ATTR_POLICY_DO])
				d->root = nla_get_u32(otb[CTRL_ATTR_POLICY_DO]);
		}
	}
	if (!tb[CTRL_ATTR_POLICY])
		return 0;
	nla_for_each_nested(idx, tb[CTRL_ATTR_POLICY], rem) {
		if (nla_type(idx) >= POLICIES)
			continue;
		nla_for_each_nested(at, idx, rem2) {
			if (nla_type(at) > SVCLB_A_MAX)
				continue;
			if (nla_parse_nested(ptb, NL_POLICY_TYPE_ATTR_MAX, at, NULL) < 0)
				return -EBADMSG;
			if (ptb[NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE])
				d->max[nla_type(idx)][nla_type(at)] =
					nla_get_u32(ptb[NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE]);
		}
	}
	return 0;
}

int svclb_nl_policy(struct svclb_nl *nl)
{
	struct policy_dump *d;
	struct request req = { .quiet = true };
	struct nl_msg *msg;

	if (nl->policy)
		return nl->policy > 0 ? 0 : -1;
	/* Kernels before 5.8 have no CTRL_CMD_GETPOLICY: nothing is known. */
	nl->policy = -1;
	d = calloc(1, sizeof(*d));
	msg = nlmsg_alloc();
	if (!d || !msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
			 NLM_F_DUMP, CTRL_CMD_GETPOLICY, 1) ||
	    nla_put_u16(msg, CTRL_ATTR_FAMILY_ID, nl->family) < 0) {
		nlmsg_free(msg);
		free(d);
		return -1;
	}
	req.parse = parse_policy;
	req.arg = d;
	if (!transact(nl, msg, &req) && d->root < POLICIES) {
		memcpy(nl->nest_max, d->max[d->root], sizeof(nl->nest_max));
		nl->policy = 1;
	}
	free(d);
	return nl->policy > 0 ? 0 : -1;
}

int svclb_nl_has(struct svclb_nl *nl, enum svclb_feature f)
{
	const struct svclb_feature_info *fi = &svclb_features[f];

	if (!fi->nest)
		return nl->maxattr >= (uint32_t)fi->attr;
	if (svclb_nl_policy(nl))
		return -1;
	return nl->nest_max[fi->nest] >= (uint32_t)fi->attr;
}

int svclb_nl_require(struct svclb_nl *nl, enum svclb_feature f)
{
	if (svclb_nl_has(nl, f))
		return 0;
	report_error("the loaded svclb module is older than this svcadm: it cannot %s; load the module that came with svcadm " SVCADM_VERSION,
		     svclb_features[f].cannot);
	return -1;
}

void svclb_nl_close(struct svclb_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *svclb_nl_msg(struct svclb_nl *nl, uint8_t cmd, int flags)
{
	return svclb_nl_msg_sized(nl, cmd, flags, 0);
}

struct nl_msg *svclb_nl_msg_sized(struct svclb_nl *nl, uint8_t cmd, int flags,
				  size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN +
						     size) : nlmsg_alloc();

	if (!msg) {
		report_error("out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, SVCLB_GENL_VERSION)) {
		nlmsg_free(msg);
		report_error("out of memory");
		return NULL;
	}
	return msg;
}

int svclb_nl_put_endpoint(struct nl_msg *msg, int addr_attr, int port_attr,
			  const struct endpoint *ep)
{
	if (nla_put(msg, addr_attr, family_addr_len(ep->family), ep->addr) < 0 ||
	    nla_put_u16(msg, port_attr, ep->port) < 0)
		return -1;
	return 0;
}

int svclb_nl_put_key(struct nl_msg *msg, uint8_t proto,
		     const struct endpoint *ep)
{
	if (nla_put_u16(msg, SVCLB_SVC_A_FAMILY, ep->family) < 0 ||
	    nla_put_u8(msg, SVCLB_SVC_A_PROTO, proto) < 0 ||
	    svclb_nl_put_endpoint(msg, SVCLB_SVC_A_ADDR, SVCLB_SVC_A_PORT, ep))
		return -1;
	return 0;
}

int svclb_nl_put_service(struct nl_msg *msg, uint8_t proto,
			 const struct endpoint *ep)
{
	struct nlattr *nest = svclb_nl_nest(msg, SVCLB_A_SERVICE);

	if (!nest || svclb_nl_put_key(msg, proto, ep) ||
	    nla_nest_end(msg, nest) < 0)
		return -1;
	return 0;
}

struct nlattr *svclb_nl_nest(struct nl_msg *msg, int attr)
{
	/* libnl's nla_nest_start() leaves NLA_F_NESTED to the caller. */
	return nla_nest_start(msg, attr | NLA_F_NESTED);
}

int svclb_nl_msg_full(void)
{
	report_error("the request does not fit in a netlink message");
	return -1;
}

int svclb_nl_do(struct svclb_nl *nl, struct nl_msg *msg)
{
	struct request req = { 0 };

	return transact(nl, msg, &req);
}

int svclb_nl_dump(struct svclb_nl *nl, struct nl_msg *msg,
		  svclb_nl_parse_fn parse, void *arg)
{
	struct request req = { .parse = parse, .arg = arg };

	return transact(nl, msg, &req);
}

/*
 * A batch goes out in chunks of at most BATCH_MSGS messages and of at most
 * what the socket may send at once (nl->max_send): one sendmsg() each,
 * whose answers (an ack or an error per message) fit in the socket's
 * receive buffer before they are read.
 */
#define BATCH_MSGS 64

struct batch {
	struct svclb_nl_req *reqs;
	uint32_t first_seq;	/* of reqs[0] */
	size_t lo, hi;		/* the chunk in flight */
	size_t answered;
};

static struct svclb_nl_req *batch_req(struct batch *b, uint32_t seq)
{
	size_t i = seq - b->first_seq;

	return i >= b->lo && i < b->hi ? &b->reqs[i] : NULL;
}

static int batch_error_cb(struct sockaddr_nl *peer, struct nlmsgerr *e,
			  void *arg)
{
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct batch *b = arg;
	struct svclb_nl_req *req = batch_req(b, e->msg.nlmsg_seq);

	(void)peer;
	if (req && !req->answered) {
		req->error = e->error < 0 ? e->error : -e->error;
		get_ext_msg(nlh, nlmsg_hdr(req->msg), req->ext_msg,
			    sizeof(req->ext_msg));
		req->answered = true;
		b->answered++;
	}
	return NL_SKIP;
}

static int batch_ack_cb(struct nl_msg *msg, void *arg)
{
	struct batch *b = arg;
	struct svclb_nl_req *req = batch_req(b, nlmsg_hdr(msg)->nlmsg_seq);

	if (req && !req->answered) {
		req->answered = true;
		b->answered++;
	}
	return NL_SKIP;
}

/* Answers come in order but many at once: libnl's check expects one. */
static int batch_seq_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int svclb_nl_batch(struct svclb_nl *nl, struct svclb_nl_req *reqs, size_t n,
		   size_t *nr_calls)
{
	struct batch b = { .reqs = reqs };
	char *buf = NULL;
	struct nl_cb *cb;
	int one = 1, ret = -1;
	size_t i;

	*nr_calls = 0;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	buf = malloc(nl->max_send);
	if (!cb || !buf) {
		report_error("out of memory");
		goto out;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, batch_error_cb, &b);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, batch_ack_cb, &b);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, batch_seq_cb, NULL);
	/* Errors need not echo the request: its sequence number is enough. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	for (i = 0; i < n; i++) {
		reqs[i].answered = false;
		/* Sets the port, the sequence number, REQUEST and ACK. */
		nl_complete_msg(nl->sk, reqs[i].msg);
		if (!i)
			b.first_seq = nlmsg_hdr(reqs[i].msg)->nlmsg_seq;
	}

	while (b.hi < n) {
		size_t len = 0;
		int err;

		b.lo = b.hi;
		while (b.hi < n && b.hi - b.lo < BATCH_MSGS) {
			struct nlmsghdr *nlh = nlmsg_hdr(reqs[b.hi].msg);
			size_t sz = NLMSG_ALIGN(nlh->nlmsg_len);

			if (sz > nl->max_send) {
				report_error("a request of %zu bytes is above the %zu bytes the netlink socket may send",
					     sz, nl->max_send);
				goto out;
			}
			if (len + sz > nl->max_send)
				break;
			memcpy(buf + len, nlh, sz);
			len += sz;
			b.hi++;
		}
		err = nl_sendto(nl->sk, buf, len);
		if (err < 0) {
			report_error("cannot send to the svclb module: %s",
				     nl_geterror(err));
			goto out;
		}
		++*nr_calls;
		b.answered = 0;
		while (b.answered < b.hi - b.lo) {
			err = nl_recvmsgs(nl->sk, cb);
			if (err < 0) {
				report_error("cannot read the answers of the svclb module: %s",
					     nl_geterror(err));
				goto out;
			}
		}
	}
	ret = 0;
out:
	for (i = 0; i < n; i++) {
		nlmsg_free(reqs[i].msg);
		reqs[i].msg = NULL;
	}
	free(buf);
	nl_cb_put(cb);
	return ret;
}
