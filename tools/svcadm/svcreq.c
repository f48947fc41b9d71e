// SPDX-License-Identifier: GPL-2.0
/*
 * Service requests as netlink messages: a backend set larger than one
 * attribute can hold goes in parts (SVCLB_SVC_A_BACKENDS_FROM and _MORE),
 * which the kernel stages and applies at once with the last one.
 */
#include <stdlib.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <linux/svclb.h>

#include "addr.h"
#include "nl.h"
#include "state.h"
#include "svcadm.h"
#include "svcreq.h"

/*
 * The backends' bytes in one part: an attribute's length is 16 bits, and
 * the service nest around them holds the key and options too.
 */
#define PART_BYTES 60000
/* Everything in a message but its backends, with room to spare. */
#define MSG_OVERHEAD 256

static size_t backend_bytes(int family)
{
	return nla_total_size(0) + nla_total_size(family_addr_len(family)) +
	       nla_total_size(sizeof(uint16_t)) +
	       nla_total_size(sizeof(uint32_t)) +
	       nla_total_size(sizeof(uint8_t));
}

static int put_options(struct nl_msg *msg, const struct svc_request *r)
{
	if ((r->sched && nla_put_string(msg, SVCLB_SVC_A_SCHED, r->sched) < 0) ||
	    (r->have_flags && nla_put_u32(msg, SVCLB_SVC_A_FLAGS, r->flags) < 0) ||
	    (r->have_affinity &&
	     nla_put_u8(msg, SVCLB_SVC_A_AFFINITY, r->affinity) < 0) ||
	    (r->have_timeout &&
	     nla_put_u32(msg, SVCLB_SVC_A_AFFINITY_TIMEOUT, r->timeout) < 0))
		return -1;
	return 0;
}

static int put_backends(struct nl_msg *msg, const struct backend *be,
			size_t n)
{
	struct nlattr *list, *nest;

	list = svclb_nl_nest(msg, SVCLB_SVC_A_BACKENDS);
	if (!list)
		return -1;
	for (size_t i = 0; i < n; i++) {
		nest = svclb_nl_nest(msg, SVCLB_A_BACKEND);
		if (!nest ||
		    svclb_nl_put_endpoint(msg, SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT,
					  &be[i].ep) ||
		    nla_put_u32(msg, SVCLB_BE_A_WEIGHT, be[i].weight) < 0 ||
		    nla_put_u8(msg, SVCLB_BE_A_STATE, be[i].state) < 0)
			return -1;
		nla_nest_end(msg, nest);
	}
	/* Empty, it says "no backend": libnl would drop it. */
	return nla_nest_end_keep_empty(msg, list) < 0 ? -1 : 0;
}

/* The message of the part of r holding backends [from, from + n). */
static struct nl_msg *part_msg(struct svclb_nl *nl,
			       const struct svc_request *r, size_t from,
			       size_t n)
{
	bool more = r->have_backends && from + n < r->nr_backends;
	size_t size = MSG_OVERHEAD;
	struct nlattr *nest;
	struct nl_msg *msg;

	if (r->have_backends)
		size += n * backend_bytes(r->vip->family);
	msg = svclb_nl_msg_sized(nl, r->cmd, 0, size);
	if (!msg)
		return NULL;
	nest = svclb_nl_nest(msg, SVCLB_A_SERVICE);
	if (!nest || svclb_nl_put_key(msg, r->proto, r->vip) ||
	    (!more && put_options(msg, r)) ||
	    (r->have_backends && put_backends(msg, r->backends + from, n)) ||
	    (from && nla_put_u32(msg, SVCLB_SVC_A_BACKENDS_FROM, from) < 0) ||
	    (more && nla_put_flag(msg, SVCLB_SVC_A_BACKENDS_MORE) < 0) ||
	    nla_nest_end(msg, nest) < 0 ||
	    (r->have_generation &&
	     nla_put_u32(msg, SVCLB_A_GENERATION, r->generation) < 0)) {
		nlmsg_free(msg);
		svclb_nl_msg_full();
		return NULL;
	}
	return msg;
}

int svc_request_msgs(struct svclb_nl *nl, const struct svc_request *r,
		     struct nl_msg ***msgs)
{
	size_t per_part = PART_BYTES / backend_bytes(r->vip->family);
	size_t nr = 1;

	if (r->have_backends && r->nr_backends > per_part) {
		nr = (r->nr_backends + per_part - 1) / per_part;
		if (svclb_nl_require(nl, SVCLB_FEATURE_PARTS))
			return -1;
	}
	*msgs = calloc(nr, sizeof(**msgs));
	if (!*msgs) {
		report_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < nr; i++) {
		size_t from = i * per_part;
		size_t n = r->have_backends ? r->nr_backends - from : 0;

		(*msgs)[i] = part_msg(nl, r, from, n < per_part ? n : per_part);
		if (!(*msgs)[i]) {
			while (i--)
				nlmsg_free((*msgs)[i]);
			free(*msgs);
			*msgs = NULL;
			return -1;
		}
	}
	return (int)nr;
}
