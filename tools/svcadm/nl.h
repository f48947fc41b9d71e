/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SVCADM_NL_H
#define SVCADM_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/msg.h>
#include <linux/svclb.h>

struct endpoint;

struct svclb_nl {
	struct nl_sock *sk;
	int family;		/* generic netlink id of "svclb" */
	bool interrupted;	/* the last dump carried NLM_F_DUMP_INTR */
	size_t max_send;	/* the most bytes one sendmsg() may carry */
	uint32_t version;	/* the family's version */
	uint32_t maxattr;	/* its highest SVCLB_A_* attribute */
	/*
	 * The highest attribute of the nest each SVCLB_A_* attribute holds,
	 * from the family's policy (svclb_nl_policy()); 0 for none.
	 */
	int policy;		/* 1: read, -1: unreadable, 0: not asked yet */
	uint32_t nest_max[SVCLB_A_MAX + 1];
};

/*
 * Each function returns 0 on success; on failure it reports the error
 * (the kernel's extended ack message when there is one) and returns -1.
 */
/*
 * Open a socket to the family and learn its version and highest attribute.
 * A module whose family version is above SVCLB_GENL_VERSION, which only an
 * incompatible change raises, is refused.
 */
int svclb_nl_open(struct svclb_nl *nl);
/* The same without the version check; 1, not reported: no module loaded. */
int svclb_nl_open_any(struct svclb_nl *nl);
void svclb_nl_close(struct svclb_nl *nl);

/*
 * What a module may lack, being older than svcadm: attributes are only ever
 * appended to the API, so the highest attribute of a nest tells.
 */
enum svclb_feature {
	SVCLB_FEATURE_GENERATION,	/* SVCLB_A_GENERATION */
	SVCLB_FEATURE_PARTS,		/* SVCLB_SVC_A_BACKENDS_MORE */
	SVCLB_FEATURE_DUMP_OPTIONS,	/* SVCLB_A_STATS */
	SVCLB_NR_FEATURES
};

struct svclb_feature_info {
	const char *name;	/* for svcadm version */
	const char *what;	/* what it gives */
	const char *cannot;	/* "it cannot ...", without it */
	int nest;		/* the SVCLB_A_* nest of attr; 0: top level */
	int attr;		/* the attribute that came with it */
};
extern const struct svclb_feature_info svclb_features[SVCLB_NR_FEATURES];

/* Read the family's policy into nl->nest_max once; 0, or -1 when unreadable. */
int svclb_nl_policy(struct svclb_nl *nl);
/* 1: the module has feature f, 0: it lacks it, -1: its policy is unreadable. */
int svclb_nl_has(struct svclb_nl *nl, enum svclb_feature f);
/*
 * 0 when the module has feature f (or cannot tell); -1 after reporting that
 * the module is older than svcadm and cannot do what f does.
 */
int svclb_nl_require(struct svclb_nl *nl, enum svclb_feature f);

/* A request for cmd with the given nlmsg flags, or NULL (reported). */
struct nl_msg *svclb_nl_msg(struct svclb_nl *nl, uint8_t cmd, int flags);
/* The same with room for size bytes of attributes (0: libnl's default). */
struct nl_msg *svclb_nl_msg_sized(struct svclb_nl *nl, uint8_t cmd, int flags,
				  size_t size);

/*
 * Message building: these do not report; when one fails, the caller
 * frees the message and calls svclb_nl_msg_full().
 */
/* Put an address and a port as the attributes addr_attr and port_attr. */
int svclb_nl_put_endpoint(struct nl_msg *msg, int addr_attr, int port_attr,
			  const struct endpoint *ep);
/* Put the SVCLB_SVC_A_* key attributes into an open service nest. */
int svclb_nl_put_key(struct nl_msg *msg, uint8_t proto,
		     const struct endpoint *ep);
/* A whole SVCLB_A_SERVICE nest holding the key alone. */
int svclb_nl_put_service(struct nl_msg *msg, uint8_t proto,
			 const struct endpoint *ep);
/* Start a nest of type attr with NLA_F_NESTED, which the kernel requires. */
struct nlattr *svclb_nl_nest(struct nl_msg *msg, int attr);

/* Report that a request did not fit in its message; returns -1. */
int svclb_nl_msg_full(void);

/*
 * Why the kernel refused a request with the negative errno error: its
 * extended ack message ext_msg, else what the errno means.
 */
const char *svclb_nl_why(int error, const char *ext_msg);

/* Send msg (always freed) and wait for the kernel's ack. */
int svclb_nl_do(struct svclb_nl *nl, struct nl_msg *msg);

/*
 * Send the dump request msg (always freed) and call parse for every reply
 * until NLMSG_DONE. parse returns 0 or a negative errno, which stops the
 * dump. nl->interrupted tells whether the dump must be done again.
 */
typedef int (*svclb_nl_parse_fn)(struct nlmsghdr *nlh, void *arg);
int svclb_nl_dump(struct svclb_nl *nl, struct nl_msg *msg,
		  svclb_nl_parse_fn parse, void *arg);

/* One request of a batch and, once sent, its outcome. */
struct svclb_nl_req {
	struct nl_msg *msg;	/* freed by svclb_nl_batch() */
	bool answered;		/* the kernel's answer came */
	int error;		/* with it, 0 or the negative errno sent */
	char ext_msg[256];	/* with error, the kernel's explanation */
};

/*
 * Send the n requests, many to a sendmsg() call, and record each one's
 * answer; nr_sent counts the netlink messages and nr_calls the sendmsg()
 * calls. The kernel handles them in order, each on its own: one refused
 * does not stop the next. Returns 0 when every request was answered,
 * whatever the answers; -1 after reporting a socket error, when those not
 * answered may or may not have been applied.
 */
int svclb_nl_batch(struct svclb_nl *nl, struct svclb_nl_req *reqs, size_t n,
		   size_t *nr_calls);

#endif
