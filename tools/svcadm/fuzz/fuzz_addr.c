// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for svcadm's argument parsers (addr.c): endpoints,
 * protocols and numbers. The first byte picks the parser, the rest is the
 * text, in a buffer of its exact size so that AddressSanitizer sees any read
 * past its NUL. What parses is formatted and parsed again: it must come back
 * the same, and the error text of what does not must be a NUL-terminated
 * sentence within PARSE_ERR_LEN.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../addr.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static void endpoint(const char *s)
{
	char *err = malloc(PARSE_ERR_LEN);
	char buf[ENDPOINT_STRLEN], addr[INET6_ADDRSTRLEN];
	struct endpoint ep, again;

	CHECK(err);
	memset(err, 0x55, PARSE_ERR_LEN);
	if (!parse_endpoint("service address", s, &ep, err)) {
		CHECK(memchr(err, '\0', PARSE_ERR_LEN));
		CHECK(!strncmp(err, "invalid service address", 23));
		free(err);
		return;
	}
	CHECK(ep.family == AF_INET || ep.family == AF_INET6);
	CHECK(ep.port >= 1);
	if (ep.family == AF_INET)
		for (int i = 4; i < 16; i++)
			CHECK(!ep.addr[i]);
	format_endpoint(&ep, buf, sizeof(buf));
	CHECK(strlen(buf) < sizeof(buf) - 1);
	CHECK(parse_endpoint("service address", buf, &again, err));
	CHECK(!memcmp(&ep, &again, sizeof(ep)));
	format_address(&ep, addr, sizeof(addr));
	CHECK(strstr(buf, addr));
	free(err);
}

static void proto(const char *s)
{
	char *err = malloc(PARSE_ERR_LEN);
	uint8_t p;

	CHECK(err);
	if (parse_proto(s, &p, err)) {
		const char *name = proto_name(p);

		CHECK(name && !strcasecmp(name, s));
	} else {
		CHECK(memchr(err, '\0', PARSE_ERR_LEN));
	}
	free(err);
}

static void number(const char *s, bool hex)
{
	char buf[16];
	uint32_t v, again;

	if (!parse_u32(s, hex, &v))
		return;
	snprintf(buf, sizeof(buf), "%" PRIu32, v);
	CHECK(parse_u32(buf, false, &again) && again == v);
	snprintf(buf, sizeof(buf), "0x%" PRIx32, v);
	CHECK(parse_u32(buf, true, &again) && again == v);
	CHECK(!parse_u32(buf, false, &again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		endpoint(s);
		break;
	case 1:
		proto(s);
		break;
	default:
		number(s, data[0] % 4 == 3);
		break;
	}
	free(s);
	return 0;
}
