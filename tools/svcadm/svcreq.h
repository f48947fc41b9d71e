/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SVCADM_SVCREQ_H
#define SVCADM_SVCREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct backend;
struct endpoint;
struct nl_msg;
struct svclb_nl;

/* A SVCLB_CMD_SERVICE_NEW, _SET or _DEL request. */
struct svc_request {
	uint8_t cmd;
	uint8_t proto;
	const struct endpoint *vip;
	const char *sched;		/* NULL: not given */
	bool have_flags, have_affinity, have_timeout;
	uint32_t flags;
	uint8_t affinity;
	uint32_t timeout;		/* seconds */
	bool have_backends;		/* even with no backend: "none" */
	const struct backend *backends;	/* ep, weight and state of each */
	size_t nr_backends;
	bool have_generation;		/* SVCLB_A_GENERATION on each part */
	uint32_t generation;
};

/*
 * The messages of r, each allocated at the size it needs: one, or one per
 * part when its backends do not fit in one attribute (the uapi header's
 * "Large backend sets"), to send in order on one socket. Returns how many
 * messages *msgs (to free) holds, or -1 after reporting.
 */
int svc_request_msgs(struct svclb_nl *nl, const struct svc_request *r,
		     struct nl_msg ***msgs);

#endif
