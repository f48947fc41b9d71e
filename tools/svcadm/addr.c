// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <linux/svclb.h>

#include "addr.h"

static const struct {
	const char *name;
	uint8_t proto;
} protocols[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "sctp", IPPROTO_SCTP },
};

bool parse_proto(const char *s, uint8_t *proto, char *err)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
		if (!strcasecmp(s, protocols[i].name)) {
			*proto = protocols[i].proto;
			return true;
		}
	}
	snprintf(err, PARSE_ERR_LEN,
		 "invalid protocol \"%s\": expected tcp, udp or sctp", s);
	return false;
}

const char *proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].proto == proto)
			return protocols[i].name;
	return NULL;
}

/*
 * strtoull() alone would accept blanks, a sign and a second "0x"; none of
 * them belongs in a port, a weight, a flag value or a seed.
 */
bool parse_u64(const char *s, bool allow_hex, uint64_t *out)
{
	unsigned long long v;
	int base = 10;

	if (allow_hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (base == 16 ? !isxdigit((unsigned char)*p)
			       : !isdigit((unsigned char)*p))
			return false;
	errno = 0;
	v = strtoull(s, NULL, base);
	if (errno)
		return false;
	*out = v;
	return true;
}

bool parse_u32(const char *s, bool allow_hex, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, allow_hex, &v) || v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

bool parse_endpoint(const char *what, const char *s, struct endpoint *ep,
		    char *err)
{
	char host[INET6_ADDRSTRLEN];
	const char *h, *hend, *port;
	const char *why;
	uint32_t v;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		h = s + 1;
		hend = strchr(h, ']');
		if (!hend) {
			why = "missing \"]\" after the IPv6 address";
			goto bad;
		}
		if (!hend[1]) {
			why = "missing port, expected [IPv6]:PORT";
			goto bad;
		}
		if (hend[1] != ':') {
			why = "expected \":PORT\" after \"]\"";
			goto bad;
		}
		ep->family = AF_INET6;
		port = hend + 2;
	} else {
		h = s;
		hend = strchr(h, ':');
		if (hend && strchr(hend + 1, ':')) {
			why = "an IPv6 address must be in brackets, as in [2001:db8::1]:80";
			goto bad;
		}
		if (!hend) {
			why = "missing port, expected A.B.C.D:PORT or [IPv6]:PORT";
			goto bad;
		}
		ep->family = AF_INET;
		port = hend + 1;
	}

	why = ep->family == AF_INET ? "not a valid IPv4 address"
				    : "not a valid IPv6 address";
	if ((size_t)(hend - h) >= sizeof(host))
		goto bad;
	memcpy(host, h, hend - h);
	host[hend - h] = '\0';
	if (inet_pton(ep->family, host, ep->addr) != 1)
		goto bad;

	if (!*port) {
		why = "missing port";
		goto bad;
	}
	if (!parse_u32(port, false, &v) || v == 0 || v > 65535) {
		why = "the port must be a number from 1 to 65535";
		goto bad;
	}
	ep->port = v;
	return true;

bad:
	snprintf(err, PARSE_ERR_LEN, "invalid %s \"%s\": %s", what, s, why);
	return false;
}

static const char *const be_states[] = {
	[SVCLB_BE_STATE_ACTIVE] = "active",
	[SVCLB_BE_STATE_TERMINATING] = "terminating",
};

#define NR_BE_STATES (sizeof(be_states) / sizeof(be_states[0]))

bool parse_be_state(const char *s, uint8_t *state, char *err)
{
	for (size_t i = 0; i < NR_BE_STATES; i++) {
		if (!strcmp(s, be_states[i])) {
			*state = i;
			return true;
		}
	}
	snprintf(err, PARSE_ERR_LEN,
		 "invalid state \"%s\": expected active or terminating", s);
	return false;
}

const char *be_state_name(uint8_t state)
{
	return state < NR_BE_STATES ? be_states[state] : NULL;
}

static const char *const flow_states[] = {
	[SVCLB_FLOW_STATE_UDP] = "udp",
	[SVCLB_FLOW_STATE_TCP_SYN] = "syn-sent",
	[SVCLB_FLOW_STATE_TCP_ESTABLISHED] = "established",
	[SVCLB_FLOW_STATE_TCP_CLOSING] = "closing",
	[SVCLB_FLOW_STATE_SCTP] = "sctp",
	[SVCLB_FLOW_STATE_TCP_REPLIED] = "replied",
	[SVCLB_FLOW_STATE_SCTP_INIT] = "sctp-init",
};

const char *flow_state_name(int state)
{
	if (state < 0 || (size_t)state >= sizeof(flow_states) / sizeof(flow_states[0]))
		return "unknown";
	return flow_states[state];
}

bool parse_address(const char *s, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	return inet_pton(ep->family, s, ep->addr) == 1;
}

void format_address(const struct endpoint *ep, char *buf, size_t len)
{
	if (!inet_ntop(ep->family, ep->addr, buf, len))
		snprintf(buf, len, "?");
}

void format_endpoint(const struct endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	format_address(ep, a, sizeof(a));
	if (ep->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, len, "%s:%u", a, ep->port);
}
