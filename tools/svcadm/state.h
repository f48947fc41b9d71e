/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SVCADM_STATE_H
#define SVCADM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/svclb.h>

#include "addr.h"

struct svclb_nl;

struct stats {
	uint64_t flows;
	uint64_t pkts_in, bytes_in;
	uint64_t pkts_out, bytes_out;
	uint32_t active_flows;
	bool have_drops;	/* services only */
	uint64_t refused, dropped;
};

struct backend {
	struct endpoint ep;
	uint32_t weight;
	uint8_t state;		/* enum svclb_be_state */
	struct stats stats;
};

struct service {
	uint8_t proto;
	struct endpoint ep;
	char sched[SVCLB_SCHED_NAME_MAX];
	uint32_t flags;
	uint8_t affinity;	/* enum svclb_affinity */
	uint32_t affinity_timeout;	/* seconds */
	struct stats stats;
	struct backend *backends;
	size_t nr_backends, max_backends;
};

/*
 * Services in the order they were added, and a hash of their keys
 * (slot = index + 1, 0 = free) to find one by key.
 */
struct table {
	struct service *svcs;
	size_t nr, max;
	size_t *slots;
	size_t nr_slots;
};

void table_free(struct table *t);

/*
 * The service with this key, added (zeroed but for its key) at the end when
 * there is none and create is set; NULL when absent or out of memory.
 */
struct service *table_get(struct table *t, uint8_t proto,
			  const struct endpoint *ep, bool create, bool *is_new);

/* A new backend at the end of s->backends, zeroed; NULL if out of memory. */
struct backend *service_add_backend(struct service *s);

/* Sort services by protocol, family, address, port, backends likewise. */
void table_sort(struct table *t);

/*
 * Fill t (empty) with the kernel's services and backends, without counters;
 * a dump that a change interrupts is taken again. Returns 0, or -1 after
 * reporting.
 */
int state_dump(struct svclb_nl *nl, struct table *t);

/* What state_read() reads. */
struct state_query {
	bool stats;			/* the counters too */
	uint8_t proto;			/* with vip: that service only */
	const struct endpoint *vip;
	/* After the last attempt, keep an interrupted reading (warned). */
	bool accept_interrupted;
};

/* state_dump() with the choices of q. */
int state_read(struct svclb_nl *nl, struct table *t,
	       const struct state_query *q);

/*
 * The state format (docs/state-format.md), in apply.c. file names the input
 * in messages ("-": standard input); err gets a sentence on failure.
 */
struct json_object;

/* The JSON document of text (len bytes and a NUL), or NULL: FILE:LINE:COL. */
struct json_object *state_parse(const char *file, const char *text, size_t len,
				char *err, size_t errlen);

/* Check the state document root whole into t (empty); false on error. */
bool state_check(const char *file, struct json_object *root, struct table *t,
		 char *err, size_t errlen);

/* The state document of t, sorted (table_sort), as save writes it. */
struct json_object *state_json(const struct table *t);

/* "tcp 10.96.0.10:80": how messages name a service. */
#define SERVICE_NAME_LEN (8 + ENDPOINT_STRLEN)
void service_name(const struct service *s, char *buf, size_t len);

#endif
