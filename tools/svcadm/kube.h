/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SVCADM_KUBE_H
#define SVCADM_KUBE_H

#include <stddef.h>
#include <stdio.h>
#include <json.h>

#include "addr.h"

struct kube_opts {
	const char *node;		/* the node's name, for Local policies */
	const char *zone;		/* its zone, for topology hints; or NULL */
	const struct endpoint *node_ips;	/* node ports on these (port 0) */
	size_t nr_node_ips;		/* 0: on 0.0.0.0 and :: */
	const char *source;		/* how warnings name the input */
	FILE *warn;			/* where they go; NULL: nowhere */
};

/*
 * The state document (docs/state-format.md) that kube-proxy's rules for the
 * Services and EndpointSlices of list, a Kubernetes List, come to on the
 * node of opts. NULL when list is invalid or memory runs out, with a
 * sentence in err naming the item and the field, as in
 * "items[3] (Service default/web): spec.ports[0].port: ...".
 */
json_object *kube_state(json_object *list, const struct kube_opts *opts,
			char *err, size_t errlen);

#endif
