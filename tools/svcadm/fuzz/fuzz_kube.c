// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for apply --kubernetes (kube.c): the input is the
 * Kubernetes List, in a buffer of its exact size, and its length picks the
 * node, zone and node addresses. A refused List must come with a
 * NUL-terminated message; the state derived from an accepted one must pass
 * the checks of apply -f, as it does by construction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <json.h>

#include "../kube.h"
#include "../state.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

#define ERR_LEN 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const nodes[] = { "node-a", "node-b", "node-c" };
	static const char *const zones[] = { NULL, "zone-a", "zone-b" };
	struct endpoint ips[2];
	struct kube_opts opts = { .source = "fuzz", .node_ips = ips };
	char *err = malloc(ERR_LEN), *text = malloc(size + 1);
	struct table t = { 0 };
	json_object *list, *state;

	CHECK(err && text);
	CHECK(parse_address("192.168.10.13", &ips[0]));
	CHECK(parse_address("fd00:192:168::13", &ips[1]));
	opts.node = nodes[size % 3];
	opts.zone = zones[size / 3 % 3];
	opts.nr_node_ips = size / 9 % 3;
	memcpy(text, data, size);
	text[size] = '\0';

	list = state_parse("fuzz", text, size, err, ERR_LEN);
	if (!list)
		goto out;
	memset(err, 0x55, ERR_LEN);
	state = kube_state(list, &opts, err, ERR_LEN);
	if (!state) {
		CHECK(memchr(err, '\0', ERR_LEN));
		CHECK(strlen(err) > 0);
	} else {
		bool ok = state_check("derived", state, &t, err, ERR_LEN);

		if (!ok)
			fprintf(stderr, "derived state refused: %s\n%s\n", err,
				json_object_to_json_string(state));
		CHECK(ok);
		CHECK(t.nr == json_object_array_length(
			json_object_object_get(state, "services")));
		json_object_put(state);
	}
	json_object_put(list);
out:
	table_free(&t);
	free(text);
	free(err);
	return 0;
}
