// SPDX-License-Identifier: GPL-2.0
/*
 * flood: send TCP SYNs or UDP datagrams to DST PORT from many spoofed
 * source addresses, through a raw socket, at a given rate.
 *
 * Packet i comes from address number (i mod SOURCES) of the source prefix,
 * the numbers spread over the prefix by an odd multiplier (a bijection, so
 * SOURCES numbers give SOURCES distinct addresses), and from a source port
 * drawn from i. Prints a JSON summary on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH		64
#define PKT_MAX		(sizeof(struct ip6_hdr) + sizeof(struct tcphdr) + 16)
#define UDP_PAYLOAD	16

struct opts {
	int family;
	int proto;
	uint8_t dst[16];
	uint16_t port;
	uint8_t src[16];	/* the source prefix */
	unsigned int src_len;
	uint64_t sources;
	uint64_t count;
	uint64_t rate;		/* packets per second; 0: as fast as possible */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flood [--proto tcp|udp] [--src PREFIX/LEN] [--sources N]\n"
		"             [--count N] [--rate PPS] DST PORT\n"
		"  --proto    tcp (SYNs, the default) or udp\n"
		"  --src      the prefix of the spoofed sources (default\n"
		"             10.128.0.0/9, or fd00:ff::/64 for an IPv6 DST)\n"
		"  --sources  how many distinct source addresses (default 10000)\n"
		"  --count    how many packets (default: one per source)\n"
		"  --rate     packets per second (default 0: as fast as possible)\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

static bool parse_prefix(const char *s, int family, uint8_t *addr,
			 unsigned int *len)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint64_t l;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) ||
	    !parse_u64(slash + 1, &l) || l > (family == AF_INET ? 32 : 128))
		return false;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	*len = l;
	return inet_pton(family, buf, addr) == 1;
}

/* The 16-bit one's complement sum of @len bytes, folded, not inverted. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* Source address number @n of the prefix: the host bits are n * odd. */
static void source_addr(const struct opts *o, uint64_t n, uint8_t *addr)
{
	unsigned int alen = o->family == AF_INET ? 4 : 16;
	unsigned int host = alen * 8 - o->src_len;
	uint64_t h;

	if (host > 64)
		host = 64;
	h = n * 0x9e3779b97f4a7c15ULL;
	if (host < 64)
		h &= (1ULL << host) - 1;
	memcpy(addr, o->src, alen);
	for (unsigned int i = 0; i < 8 && i < alen; i++)
		addr[alen - 1 - i] |= h >> (8 * i);
}

/* Build packet @i into @buf; returns its length. */
static size_t build(const struct opts *o, uint64_t i, uint8_t *buf)
{
	uint64_t r = mix64(i + 1);
	uint16_t sport = 1024 + r % 64000;
	size_t l4len = o->proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
			sizeof(struct udphdr) + UDP_PAYLOAD;
	uint8_t src[16];
	size_t l3len, alen;
	uint32_t sum;
	uint8_t *l4;

	source_addr(o, i % o->sources, src);
	if (o->family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)buf;

		alen = 4;
		l3len = sizeof(*ip);
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = o->proto;
		ip->tot_len = htons(l3len + l4len);
		memcpy(&ip->saddr, src, 4);
		memcpy(&ip->daddr, o->dst, 4);
	} else {
		struct ip6_hdr *ip6 = (struct ip6_hdr *)buf;

		alen = 16;
		l3len = sizeof(*ip6);
		memset(ip6, 0, sizeof(*ip6));
		ip6->ip6_flow = htonl(6U << 28);
		ip6->ip6_plen = htons(l4len);
		ip6->ip6_nxt = o->proto;
		ip6->ip6_hlim = 64;
		memcpy(&ip6->ip6_src, src, 16);
		memcpy(&ip6->ip6_dst, o->dst, 16);
	}

	l4 = buf + l3len;
	memset(l4, 0, l4len);
	if (o->proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)l4;

		th->source = htons(sport);
		th->dest = htons(o->port);
		th->seq = htonl(r >> 32);
		th->doff = sizeof(*th) / 4;
		th->syn = 1;
		th->window = htons(64240);
	} else {
		struct udphdr *uh = (struct udphdr *)l4;

		uh->source = htons(sport);
		uh->dest = htons(o->port);
		uh->len = htons(l4len);
		memset(uh + 1, 'f', UDP_PAYLOAD);
	}
	/* The pseudo-header: addresses, protocol, length. */
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, o->dst, alen);
	sum += o->proto + l4len;
	sum = csum_add(sum, l4, l4len);
	if (o->proto == IPPROTO_TCP) {
		((struct tcphdr *)l4)->check = csum_fold(sum);
	} else {
		uint16_t c = csum_fold(sum);

		((struct udphdr *)l4)->check = c ? c : 0xffff;
	}
	return l3len + l4len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t };

	ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proto", required_argument, NULL, 'p' },
		{ "src", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t pkts[BATCH][PKT_MAX];
	struct opts o = { .proto = IPPROTO_TCP, .sources = 10000 };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage ss = { 0 };
	const char *src = NULL;
	uint64_t sent = 0, errors = 0, v;
	bool have_count = false;
	double start, elapsed;
	socklen_t sslen;
	int c, fd;

	while ((c = getopt_long(argc, argv, "p:s:n:c:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!strcmp(optarg, "tcp"))
				o.proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				o.proto = IPPROTO_UDP;
			else
				goto bad;
			break;
		case 's':
			src = optarg;
			break;
		case 'n':
			if (!parse_u64(optarg, &o.sources) || !o.sources)
				goto bad;
			break;
		case 'c':
			if (!parse_u64(optarg, &o.count))
				goto bad;
			have_count = true;
			break;
		case 'r':
			if (!parse_u64(optarg, &o.rate))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (argc - optind != 2)
		goto bad;
	if (inet_pton(AF_INET, argv[optind], o.dst) == 1)
		o.family = AF_INET;
	else if (inet_pton(AF_INET6, argv[optind], o.dst) == 1)
		o.family = AF_INET6;
	else
		goto bad;
	if (!parse_u64(argv[optind + 1], &v) || !v || v > 65535)
		goto bad;
	o.port = v;
	if (!src)
		src = o.family == AF_INET ? "10.128.0.0/9" : "fd00:ff::/64";
	if (!parse_prefix(src, o.family, o.src, &o.src_len)) {
		fprintf(stderr, "flood: invalid --src \"%s\" for DST's family\n", src);
		return 2;
	}
	{
		unsigned int host = (o.family == AF_INET ? 32 : 128) - o.src_len;

		if (host < 64 && o.sources > 1ULL << host) {
			fprintf(stderr, "flood: %s has fewer than %llu addresses\n",
				src, (unsigned long long)o.sources);
			return 2;
		}
	}
	if (!have_count)
		o.count = o.sources;

	if (o.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, o.dst, 4);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, o.dst, 16);
		sslen = sizeof(*sin6);
	}
	/* IPPROTO_RAW: the packets carry their own IP header. */
	fd = socket(o.family, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("flood: socket");
		return 1;
	}

	start = now();
	while (sent + errors < o.count) {
		uint64_t done = sent + errors;
		unsigned int n = o.count - done < BATCH ? o.count - done : BATCH;
		int r;

		if (o.rate)
			sleep_until(start + (double)done / o.rate);
		memset(msgs, 0, sizeof(msgs));
		for (unsigned int k = 0; k < n; k++) {
			iov[k].iov_base = pkts[k];
			iov[k].iov_len = build(&o, done + k, pkts[k]);
			msgs[k].msg_hdr.msg_name = &ss;
			msgs[k].msg_hdr.msg_namelen = sslen;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EPERM) {
				perror("flood: sendmmsg");
				return 1;
			}
			errors++;	/* the first packet of the batch is lost */
			continue;
		}
		sent += r;
	}
	elapsed = now() - start;
	printf("{\"sent\": %llu, \"errors\": %llu, \"seconds\": %.3f, \"rate\": %.0f}\n",
	       (unsigned long long)sent, (unsigned long long)errors, elapsed,
	       elapsed > 0 ? sent / elapsed : 0);
	return 0;

bad:
	usage(stderr);
	return 2;
}
