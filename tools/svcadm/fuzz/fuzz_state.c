// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the state-file reader of apply -f (apply.c): the
 * input is the file, in a buffer of its exact size. A refused file must come
 * with a NUL-terminated message; an accepted one, written as save writes
 * it, must be accepted again and written again to the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "../state.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

#define ERR_LEN 512

static char *saved(const char *text, size_t len, char *err)
{
	struct table t = { 0 };
	json_object *root, *doc;
	char *out = NULL;

	memset(err, 0x55, ERR_LEN);
	root = state_parse("fuzz", text, len, err, ERR_LEN);
	if (!root) {
		CHECK(memchr(err, '\0', ERR_LEN));
		CHECK(!strncmp(err, "fuzz:", 5));
		return NULL;
	}
	if (state_check("fuzz", root, &t, err, ERR_LEN)) {
		table_sort(&t);
		doc = state_json(&t);
		out = strdup(json_object_to_json_string_ext(doc,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			JSON_C_TO_STRING_NOSLASHESCAPE));
		CHECK(out);
		json_object_put(doc);
	} else {
		CHECK(memchr(err, '\0', ERR_LEN));
		CHECK(!strncmp(err, "fuzz: ", 6));
	}
	json_object_put(root);
	table_free(&t);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = malloc(ERR_LEN), *text = malloc(size + 1), *once, *twice;

	CHECK(err && text);
	memcpy(text, data, size);
	text[size] = '\0';
	once = saved(text, size, err);
	if (once) {
		twice = saved(once, strlen(once), err);
		if (!twice)
			fprintf(stderr, "saved state refused: %s\n%s\n", err, once);
		CHECK(twice);
		CHECK(!strcmp(once, twice));
		free(twice);
	}
	free(once);
	free(text);
	free(err);
	return 0;
}
