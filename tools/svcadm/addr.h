/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SVCADM_ADDR_H
#define SVCADM_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct endpoint {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t port;		/* host byte order */
	uint8_t addr[16];	/* network byte order; AF_INET uses 4 bytes */
};

/* Room for "[IPv6]:PORT" and its NUL. */
#define ENDPOINT_STRLEN (INET6_ADDRSTRLEN + 8)
#define PARSE_ERR_LEN 256

static inline size_t family_addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/*
 * The parsers return false and write a sentence saying what is wrong into
 * err (PARSE_ERR_LEN bytes) when the text is not valid.
 */
bool parse_proto(const char *s, uint8_t *proto, char *err);
bool parse_endpoint(const char *what, const char *s, struct endpoint *ep,
		    char *err);
bool parse_u32(const char *s, bool allow_hex, uint32_t *out);
bool parse_u64(const char *s, bool allow_hex, uint64_t *out);
/*
 * An IPv4 or IPv6 address alone (no brackets, no port) into ep, port 0;
 * false, with no message, when s is not one.
 */
bool parse_address(const char *s, struct endpoint *ep);

/* A backend state: active or terminating. */
bool parse_be_state(const char *s, uint8_t *state, char *err);

/* NULL for a protocol or a state that has no name here. */
const char *proto_name(uint8_t proto);
const char *be_state_name(uint8_t state);
/* A flow's state (enum svclb_flow_states), "unknown" if it has no name. */
const char *flow_state_name(int state);
void format_address(const struct endpoint *ep, char *buf, size_t len);
void format_endpoint(const struct endpoint *ep, char *buf, size_t len);

#endif
