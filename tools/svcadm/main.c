// SPDX-License-Identifier: GPL-2.0
/*
 * svcadm: manage the services and backends of the svclb kernel load
 * balancer over generic netlink.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json.h>
#include <linux/svclb.h>

#include "svcadm.h"

#ifndef SVCADM_VERSION
#define SVCADM_VERSION "unknown"
#endif

bool json_output;

static int cmd_help(const struct command *cmd, int argc, char **argv);

static const struct command commands[] = {
	{
		"service", cmd_service,
		"add|set|del PROTO VIP:PORT [sched NAME] [flags FLAG[,FLAG...]]",
		"Create, change or delete a service",
		"Create a service (add), change its scheduler or flags (set), or delete\n"
		"it with its backends and flows (del). PROTO and VIP:PORT identify the\n"
		"service; del takes nothing else.\n"
		"\n"
		"  PROTO        tcp, udp or sctp\n"
		"  VIP:PORT     A.B.C.D:PORT or [IPv6]:PORT\n"
		"  sched NAME   the scheduler; rr when a service is added without one\n"
		"  flags FLAG[,FLAG...]\n"
		"               silent-drop: when no backend can take a new flow, drop\n"
		"               the packet silently instead of refusing the connection;\n"
		"               none: no flag; or a number, decimal or 0x hexadecimal.\n"
		"               With set, the flags given replace the current ones.\n",
	},
	{
		"backend", cmd_backend,
		"add|set|del PROTO VIP:PORT ADDR:PORT [weight N]",
		"Add, change or remove a backend of a service",
		"Add the backend ADDR:PORT to the service PROTO VIP:PORT (add), change\n"
		"its weight (set) or remove it (del), after which its flows are\n"
		"scheduled afresh. del takes nothing after ADDR:PORT.\n"
		"\n"
		"  PROTO        tcp, udp or sctp\n"
		"  VIP:PORT     the service, A.B.C.D:PORT or [IPv6]:PORT\n"
		"  ADDR:PORT    the backend, of the same address family as the service\n"
		"  weight N     0 to " STR(SVCLB_WEIGHT_MAX) "; 1 when a backend is added without one.\n"
		"               A backend of weight 0 keeps its flows but gets no new one.\n",
	},
	{
		"list", cmd_list,
		"[-j|--json] [-s|--stats]",
		"Show the services, backends and counters (the default)",
		"Show every service with its scheduler, flags and counters, each followed\n"
		"by its backends, indented, with their weights and counters. \"in\" counts\n"
		"the client-to-backend direction, \"out\" the replies; \"flows\" counts the\n"
		"flows ever created, \"active\" those in the flow table now.\n"
		"\n"
		"  -s, --stats  show the counters only, in columns: packets and bytes of\n"
		"               both directions, flows, active flows, refused and dropped\n"
		"  -j, --json   print JSON instead, as described in svcadm(8)\n",
	},
	{
		"flows", cmd_flows,
		"[-j|--json] [PROTO VIP:PORT] | flush [PROTO VIP:PORT [ADDR:PORT]]",
		"List the flows, or remove them",
		"List the flows in the flow table, every service's or one service's: the\n"
		"client, the VIP, the backend, the state, the seconds since the flow's last\n"
		"packet (idle) and until it expires if no packet comes.\n"
		"With flush, remove flows at once: every flow, the flows of one service or\n"
		"those of one backend. Services and backends stay; the next packet of a\n"
		"removed flow is scheduled afresh.\n"
		"\n"
		"  -j, --json   print JSON instead, as described in svcadm(8)\n",
	},
	{
		"stats", cmd_stats,
		"[--prometheus]",
		"Print the counters in the Prometheus text format",
		"Print the counters of every service and backend in the Prometheus text\n"
		"exposition format, for node_exporter's textfile collector, e.g.\n"
		"  svcadm stats > /var/lib/node_exporter/svclb.prom.$$ &&\n"
		"  mv /var/lib/node_exporter/svclb.prom.$$ /var/lib/node_exporter/svclb.prom\n"
		"\n"
		"  -p, --prometheus  the format (the only one, and the default)\n",
	},
	{
		"monitor", cmd_monitor,
		"[-j|--json]",
		"Print change events as they happen",
		"Print one line per change made to the network namespace's services,\n"
		"backends, flows and settings, as it happens, until interrupted: the\n"
		"object, what happened, and what the request that made it gave.\n"
		"\n"
		"  -j, --json   print one JSON object per line instead\n",
	},
	{
		"flush", cmd_flush,
		"",
		"Delete every service, backend and flow",
		"Delete every service, backend and flow of the network namespace.\n",
	},
	{
		"config", cmd_config,
		"[-j|--json] [KEY VALUE]...",
		"Show or change timeouts and the flow table bound",
		"Without KEY VALUE pairs, show the settings of the network namespace\n"
		"and the number of flows in its table; with them, change those settings.\n"
		"Timeouts are in seconds, 1 to " STR(SVCLB_TIMEOUT_MAX) ", and apply at once to every flow.\n"
		"\n"
		"  timeout-tcp-syn      a TCP flow whose backend has not answered yet\n"
		"  timeout-tcp          an idle established TCP flow\n"
		"  timeout-tcp-closing  a TCP flow after a FIN or RST\n"
		"  timeout-udp          an idle UDP flow\n"
		"  timeout-sctp         an idle SCTP flow\n"
		"  max-flows            the bound of the flow table: when it is full,\n"
		"                       packets that would start a flow are dropped\n"
		"  -j, --json           print JSON instead\n",
	},
	{
		"help", cmd_help,
		"[COMMAND]",
		"Show this help, or the help of COMMAND",
		"Show the list of commands, or the help of COMMAND.\n",
	},
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void vreport(const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (json_output) {
		json_object *o = json_object_new_object();
		json_object *msg = json_object_new_string(buf);

		if (o && msg && !json_object_object_add(o, "error", msg)) {
			puts(json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
			fflush(stdout);
			json_object_put(o);
			return;
		}
		json_object_put(msg);
		json_object_put(o);
	}
	fprintf(stderr, "svcadm: %s\n", buf);
}

void report_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

static void print_usage_line(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: svcadm %s%s%s\n", cmd->name,
		cmd->usage[0] ? " " : "", cmd->usage);
}

int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	if (cmd)
		print_usage_line(stderr, cmd);
	else
		fputs("Usage: svcadm [-j|--json] COMMAND [ARGS...]; see \"svcadm help\".\n",
		      stderr);
	return EXIT_USAGE;
}

int match_prefix(const char *word, const char *const *names)
{
	size_t len = strlen(word);
	int found = -1;
	bool ambiguous = false;

	if (!len)
		return -1;
	for (int i = 0; names[i]; i++) {
		if (!strcmp(word, names[i]))
			return i;
		if (!strncmp(word, names[i], len)) {
			ambiguous = found >= 0;
			found = i;
		}
	}
	return ambiguous ? -2 : found;
}

int parse_action(const struct command *cmd, int argc, char **argv)
{
	static const char *const actions[] = { "add", "set", "del", NULL };
	int action;

	if (argc < 2) {
		usage_error(cmd, "missing action: add, set or del");
		return -1;
	}
	action = match_prefix(argv[1], actions);
	if (action < 0) {
		usage_error(cmd, "unknown action \"%s\": expected add, set or del",
			    argv[1]);
		return -1;
	}
	return action;
}

int finish_output(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "svcadm: cannot write the output: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

static const struct command *find_command(const char *name, int *why)
{
	const char *names[NR_COMMANDS + 1];

	for (size_t i = 0; i < NR_COMMANDS; i++)
		names[i] = commands[i].name;
	names[NR_COMMANDS] = NULL;
	*why = match_prefix(name, names);
	return *why >= 0 ? &commands[*why] : NULL;
}

static void print_help(void)
{
	puts("Usage: svcadm [-j|--json] COMMAND [ARGS...]\n"
	     "       svcadm -h|--help | -V|--version\n"
	     "\n"
	     "Manage the services and backends of the svclb kernel load balancer.\n"
	     "\n"
	     "Commands:");
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		printf("  %s%s%s\n", commands[i].name,
		       commands[i].usage[0] ? " " : "", commands[i].usage);
		printf("      %s.\n", commands[i].help);
	}
	puts("\n"
	     "Options:\n"
	     "  -j, --json     print JSON output, and errors as {\"error\": MESSAGE}\n"
	     "  -h, --help     show this help\n"
	     "  -V, --version  show the version\n"
	     "\n"
	     "PROTO is tcp, udp or sctp; addresses are A.B.C.D:PORT or [IPv6]:PORT.\n"
	     "Without a command, svcadm lists the services. Commands and actions may\n"
	     "be abbreviated to any unambiguous prefix. See svcadm(8).");
}

static void print_command_help(const struct command *cmd)
{
	print_usage_line(stdout, cmd);
	printf("\n%s", cmd->details);
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

static int cmd_help(const struct command *cmd, int argc, char **argv)
{
	const struct command *topic;
	int why;

	if (argc > 2)
		return usage_error(cmd, "too many arguments");
	if (argc < 2) {
		print_help();
		return finish_output();
	}
	topic = find_command(argv[1], &why);
	if (!topic)
		return usage_error(cmd, "%s command \"%s\"",
				   why == -2 ? "ambiguous" : "unknown", argv[1]);
	print_command_help(topic);
	return finish_output();
}

int main(int argc, char **argv)
{
	static char *list_argv[] = { "list", NULL };
	const struct command *cmd;
	int i, why;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--")) {
			i++;
			break;
		} else if (!strcmp(opt, "-j") || !strcmp(opt, "--json")) {
			json_output = true;
		} else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			print_help();
			return finish_output();
		} else if (!strcmp(opt, "-V") || !strcmp(opt, "--version")) {
			puts("svcadm " SVCADM_VERSION);
			return finish_output();
		} else {
			return usage_error(NULL, "unknown option \"%s\"", opt);
		}
	}

	if (i == argc)
		return cmd_list(find_command("list", &why), 1, list_argv);

	cmd = find_command(argv[i], &why);
	if (!cmd)
		return usage_error(NULL, "%s command \"%s\"",
				   why == -2 ? "ambiguous" : "unknown", argv[i]);
	argc -= i;
	argv += i;
	if (argc == 2 && is_help(argv[1])) {
		print_command_help(cmd);
		return finish_output();
	}
	return cmd->fn(cmd, argc, argv);
}
