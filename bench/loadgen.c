// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: the new-flow load of the svclb benchmark, and its server.
 *
 *   loadgen server [-p PORT] ADDR...
 *       On each ADDR:PORT (default 8080), TCP and UDP: a TCP connection gets
 *       back the request it sent (REQ_SIZE bytes), then the server closes
 *       it; a UDP datagram is sent back as it came. One thread, epoll.
 *
 *   loadgen tcp_crr|udp_rr -d SECS -c THREADS -s SRC/COUNT -b BASE [-n FLOWS] DST:PORT
 *       THREADS threads for SECS seconds (or until FLOWS flows were
 *       started), each in a loop: tcp_crr connects,
 *       sends a request, reads the echo to the server's close and closes;
 *       udp_rr sends a request from a new socket and reads the echo.
 *       Every flow has a source address and port of its own: flow k (from
 *       BASE on) leaves from SRC + (k / 64512) % COUNT, port 1024 + k % 64512,
 *       so that no flow meets a translation or conntrack entry left by an
 *       earlier one. Prints one JSON object: flows completed, errors, the
 *       rate and the next unused BASE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_SIZE	64
#define NPORTS		64512	/* source ports 1024-65535 */
#define MAX_THREADS	256
#define IO_TIMEOUT_MS	1000

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen server [-p PORT] ADDR...\n"
		"       loadgen tcp_crr|udp_rr -d SECS -c THREADS -s SRC/COUNT -b BASE [-n FLOWS] DST:PORT\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool parse_addr(const char *s, struct sockaddr_in *sin, bool with_port)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t len = with_port && colon ? (size_t)(colon - s) : strlen(s);

	if ((with_port && !colon) || len >= sizeof(host))
		return false;
	memcpy(host, s, len);
	host[len] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (with_port)
		sin->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1;
}

/* ---- server ---- */

struct conn {
	int fd;
	bool listener;
	bool udp;
	size_t got;
	char buf[REQ_SIZE];
};

static void watch(int ep, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev))
		die("epoll_ctl");
}

static void serve_tcp(int ep, struct conn *c)
{
	ssize_t n = read(c->fd, c->buf + c->got, sizeof(c->buf) - c->got);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0) {
		c->got += n;
		if (c->got < sizeof(c->buf))
			return;
		/* Small enough for the socket buffer: one write. */
		if (write(c->fd, c->buf, c->got) < 0)
			perror("loadgen: write");
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static _Noreturn void server(int argc, char **argv)
{
	int port = 8080, ep, i, one = 1;

	if (argc >= 2 && !strcmp(argv[0], "-p")) {
		port = atoi(argv[1]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		usage();
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	for (i = 0; i < argc; i++) {
		struct sockaddr_in sin;
		int udp;

		if (!parse_addr(argv[i], &sin, false))
			usage();
		sin.sin_port = htons(port);
		for (udp = 0; udp < 2; udp++) {
			struct conn *c = calloc(1, sizeof(*c));

			c->listener = true;
			c->udp = udp;
			c->fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) |
				       SOCK_NONBLOCK, 0);
			if (c->fd < 0)
				die("socket");
			setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)))
				die("bind");
			if (!udp && listen(c->fd, 4096))
				die("listen");
			watch(ep, c);
		}
	}
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->listener && c->udp) {
				struct sockaddr_in from;
				socklen_t flen = sizeof(from);
				char buf[2048];
				ssize_t len;

				while ((len = recvfrom(c->fd, buf, sizeof(buf), 0,
						       (struct sockaddr *)&from, &flen)) >= 0) {
					sendto(c->fd, buf, len, 0,
					       (struct sockaddr *)&from, flen);
					flen = sizeof(from);
				}
			} else if (c->listener) {
				int fd;

				while ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct conn *nc = calloc(1, sizeof(*nc));

					if (!nc)
						die("calloc");
					nc->fd = fd;
					watch(ep, nc);
				}
			} else {
				serve_tcp(ep, c);
			}
		}
	}
}

/* ---- client ---- */

static struct {
	bool udp;
	double deadline;
	struct sockaddr_in dst, src;
	unsigned int nsrc;
	unsigned long limit;	/* flow numbers from here on are not started */
	atomic_ulong next;
	atomic_ulong ok, errors, timeouts, bind_busy;
	atomic_int first_errno;
} cl;

static void note_error(int err)
{
	int zero = 0;

	if (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT || err == EINPROGRESS)
		atomic_fetch_add(&cl.timeouts, 1);
	else
		atomic_fetch_add(&cl.errors, 1);
	atomic_compare_exchange_strong(&cl.first_errno, &zero, err);
}

/* One flow; true when it completed. */
static bool one_flow(unsigned long k)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, IO_TIMEOUT_MS % 1000 * 1000 };
	struct sockaddr_in src = cl.src;
	char req[REQ_SIZE], resp[REQ_SIZE];
	size_t got = 0;
	int fd, one = 1;
	bool ok = false;

	src.sin_addr.s_addr = htonl(ntohl(cl.src.sin_addr.s_addr) + (k / NPORTS) % cl.nsrc);
	src.sin_port = htons(1024 + k % NPORTS);
	snprintf(req, sizeof(req), "%063lu", k);

	fd = socket(AF_INET, cl.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		/* The tuple is still held by an earlier socket: skip it. */
		atomic_fetch_add(&cl.bind_busy, 1);
		close(fd);
		return false;
	}
	if (connect(fd, (struct sockaddr *)&cl.dst, sizeof(cl.dst)) ||
	    send(fd, req, sizeof(req), 0) != sizeof(req)) {
		note_error(errno);
		goto out;
	}
	while (got < sizeof(resp)) {
		ssize_t n = recv(fd, resp + got, sizeof(resp) - got, 0);

		if (n <= 0) {
			note_error(n ? errno : ECONNRESET);
			goto out;
		}
		got += n;
		if (cl.udp)
			break;
	}
	if (got != sizeof(req) || memcmp(req, resp, sizeof(req))) {
		note_error(EBADMSG);
		goto out;
	}
	if (!cl.udp) {
		/* Read the server's FIN, so the flow is complete. */
		if (recv(fd, resp, 1, 0) != 0) {
			note_error(errno ? errno : EBADMSG);
			goto out;
		}
	}
	ok = true;
	atomic_fetch_add(&cl.ok, 1);
out:
	close(fd);
	return ok;
}

static void *worker(void *arg)
{
	(void)arg;
	while (now() < cl.deadline) {
		unsigned long k = atomic_fetch_add(&cl.next, 1);

		if (cl.limit && k >= cl.limit)
			break;
		one_flow(k);
	}
	return NULL;
}

static int client(const char *test, int argc, char **argv)
{
	double secs = 5, start, elapsed;
	pthread_t th[MAX_THREADS];
	int threads = 1, opt, i;
	unsigned long base = 0, count = 0;
	char *slash;

	cl.udp = !strcmp(test, "udp_rr");
	cl.nsrc = 1;
	while ((opt = getopt(argc, argv, "d:c:s:b:n:")) != -1) {
		switch (opt) {
		case 'd': secs = atof(optarg); break;
		case 'c': threads = atoi(optarg); break;
		case 'b': base = strtoul(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's':
			slash = strchr(optarg, '/');
			if (slash) {
				*slash = '\0';
				cl.nsrc = atoi(slash + 1);
			}
			if (!parse_addr(optarg, &cl.src, false) || !cl.nsrc)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc - 1 || !parse_addr(argv[optind], &cl.dst, true) ||
	    threads < 1 || threads > MAX_THREADS || !cl.src.sin_family)
		usage();

	atomic_store(&cl.next, base);
	cl.limit = count ? base + count : 0;
	start = now();
	cl.deadline = start + secs;
	for (i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, worker, NULL))
			die("pthread_create");
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	elapsed = now() - start;

	printf("{\"test\": \"%s\", \"threads\": %d, \"seconds\": %.3f, "
	       "\"flows\": %lu, \"rate\": %.1f, \"errors\": %lu, "
	       "\"timeouts\": %lu, \"bind_busy\": %lu, \"first_error\": \"%s\", "
	       "\"next\": %lu}\n",
	       test, threads, elapsed, atomic_load(&cl.ok),
	       atomic_load(&cl.ok) / elapsed, atomic_load(&cl.errors),
	       atomic_load(&cl.timeouts), atomic_load(&cl.bind_busy),
	       atomic_load(&cl.first_errno) ? strerror(atomic_load(&cl.first_errno)) : "",
	       atomic_load(&cl.next));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		server(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tcp_crr") || !strcmp(argv[1], "udp_rr"))
		return client(argv[1], argc - 1, argv + 1);
	usage();
	return 2;
}
