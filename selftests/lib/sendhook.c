// SPDX-License-Identifier: GPL-2.0
/*
 * Another writer at a chosen moment, for apply.sh: preloaded into svcadm
 * (LD_PRELOAD=.../sendhook.so), it runs the shell command SENDHOOK_CMD and
 * waits for it before each of the first SENDHOOK_TIMES sendto() calls of
 * the process. svcadm sends its batches of changes with sendto() (libnl's
 * nl_sendto()) and its other requests with sendmsg(), so the command runs
 * after apply has read the generation and dumped the tables, and before its
 * changes go out. The command runs without the library preloaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static ssize_t (*real_sendto)(int, const void *, size_t, int,
			      const struct sockaddr *, socklen_t);
static char *cmd;
static int times;

__attribute__((constructor)) static void sendhook_init(void)
{
	const char *c = getenv("SENDHOOK_CMD"), *t = getenv("SENDHOOK_TIMES");

	cmd = c ? strdup(c) : NULL;
	times = t ? atoi(t) : 0;
	unsetenv("LD_PRELOAD");
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	if (!real_sendto)
		real_sendto = (ssize_t (*)(int, const void *, size_t, int,
					   const struct sockaddr *, socklen_t))
			dlsym(RTLD_NEXT, "sendto");
	if (cmd && times > 0) {
		times--;
		if (system(cmd))
			fprintf(stderr, "sendhook: \"%s\" failed\n", cmd);
	}
	return real_sendto(fd, buf, len, flags, addr, alen);
}
