/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SVCADM_H
#define SVCADM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_USAGE 2

struct endpoint;

#define STR_(x) #x
#define STR(x) STR_(x)

struct command {
	const char *name;
	int (*fn)(const struct command *cmd, int argc, char **argv);
	const char *usage;	/* arguments after the command name */
	const char *help;	/* one line for the command list */
	const char *details;	/* printed by "svcadm help COMMAND" */
};

extern bool json_output;

/* Print "svcadm: MESSAGE" on stderr, or {"error": MESSAGE} on stdout. */
void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a usage error, then the command's usage line; returns EXIT_USAGE. */
int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Find word among the NULL-terminated names, accepting any unambiguous
 * prefix. Returns the index, -1 when nothing matches, -2 when ambiguous.
 */
int match_prefix(const char *word, const char *const *names);

enum action { ACTION_ADD, ACTION_SET, ACTION_DEL };

/* The add|set|del word in argv[1], or -1 after a usage error. */
int parse_action(const struct command *cmd, int argc, char **argv);

/*
 * Set json_output when argv[1..argc-1] holds -j or --json, anywhere; move
 * the other words down to argv[1..] and return how many there are.
 */
int take_json_flag(int argc, char **argv);

/*
 * The endpoint in argv[i], say the "service address" of form "VIP:PORT".
 * Returns 0, or EXIT_USAGE after a usage error (a missing or bad one).
 */
int parse_endpoint_arg(const struct command *cmd, int argc, char **argv,
		       int i, const char *what, const char *form,
		       struct endpoint *ep);
/* PROTO VIP:PORT in argv[i] and argv[i + 1], as parse_endpoint_arg(). */
int parse_service_arg(const struct command *cmd, int argc, char **argv,
		      int i, uint8_t *proto, struct endpoint *vip);

/* All of f, NUL-terminated, len bytes before the NUL; NULL on error. */
char *read_stream(FILE *f, size_t *len);

/* Flush stdout; returns 0, or 1 after reporting a write error. */
int finish_output(void);

/* The service flags that have a name, up to a NULL name. */
struct flag_name {
	const char *name;
	uint32_t flag;
};
extern const struct flag_name svc_flags[];

int cmd_service(const struct command *cmd, int argc, char **argv);
int cmd_backend(const struct command *cmd, int argc, char **argv);
int cmd_list(const struct command *cmd, int argc, char **argv);
int cmd_flush(const struct command *cmd, int argc, char **argv);
int cmd_config(const struct command *cmd, int argc, char **argv);
int cmd_apply(const struct command *cmd, int argc, char **argv);
int cmd_save(const struct command *cmd, int argc, char **argv);
int cmd_lookup(const struct command *cmd, int argc, char **argv);
int cmd_flows(const struct command *cmd, int argc, char **argv);
int cmd_stats(const struct command *cmd, int argc, char **argv);
int cmd_monitor(const struct command *cmd, int argc, char **argv);
int cmd_version(const struct command *cmd, int argc, char **argv);

/* The most times apply reads, plans and sends when another writer interferes. */
#define APPLY_ATTEMPTS 3

/* The name svcadm config gives SVCLB_CFG_A_* attribute attr, or NULL. */
const char *config_key_name(int attr);
/*
 * Read the u32 settings SVCLB_CFG_A_* attrs[i] into values[i], i < n, in one
 * request; 0 or -1 (reported).
 */
struct svclb_nl;
int config_get_u32(struct svclb_nl *nl, const int *attrs, uint32_t *values,
		   size_t n);

#endif
