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

#include "addr.h"
#include "svcadm.h"

#ifndef SVCADM_VERSION
#define SVCADM_VERSION "unknown"
#endif

bool json_output;

static int cmd_help(const struct command *cmd, int argc, char **argv);

static const struct command commands[] = {
	{
		"service", cmd_service,
		"add|set|del PROTO VIP:PORT [sched NAME] [flags FLAG[,FLAG...]]\n"
		"       [affinity client-ip [timeout SECONDS]|affinity none]\n"
		"       [backends ADDR:PORT[/weight=N][/state=STATE][,...]|backends @FILE|\n"
		"        backends none]",
		"Create, change or delete a service",
		"Create a service (add), change its settings or replace its backends\n"
		"(set), or delete it with its backends and flows (del). PROTO and\n"
		"VIP:PORT identify the service; del takes nothing else.\n"
		"\n"
		"  PROTO        tcp, udp or sctp\n"
		"  VIP:PORT     A.B.C.D:PORT or [IPv6]:PORT; 0.0.0.0:PORT or [::]:PORT is a\n"
		"               node port: every local address of the namespace on PORT\n"
		"  sched NAME   the scheduler; maglev when a service is added without one:\n"
		"                 maglev  consistent hashing of the flow, weighted: nodes\n"
		"                         with the same backends and seed choose alike\n"
		"                 rr      round robin\n"
		"                 wrr     smooth weighted round robin\n"
		"                 random  weighted random\n"
		"                 lc      fewest active flows\n"
		"  flags FLAG[,FLAG...]\n"
		"               silent-drop: when no backend can take a new flow, drop\n"
		"               the packet silently instead of refusing the connection;\n"
		"               masquerade: mark every request from another host with\n"
		"               the masquerade mark (config masq-mark) for nft to\n"
		"               masquerade, as a node port in front of other nodes needs;\n"
		"               none: no flag; or a number, decimal or 0x hexadecimal.\n"
		"               With set, the flags given replace the current ones.\n"
		"  affinity client-ip [timeout SECONDS]\n"
		"               session affinity: a new flow from a client address that\n"
		"               started a flow less than SECONDS ago (1 to " STR(SVCLB_TIMEOUT_MAX) ",\n"
		"               " STR(SVCLB_AFFINITY_TIMEOUT_DEFAULT) " when a service is added without one) goes to\n"
		"               the same backend; live flows do not extend the timeout\n"
		"  affinity none\n"
		"               no session affinity (the default)\n"
		"  backends ADDR:PORT[/weight=N][/state=STATE][,...]\n"
		"               set only: replace the whole backend set at once; backends\n"
		"               kept keep their flows and counters, those not listed are\n"
		"               removed. weight and state are 1 and active when not given.\n"
		"               Any number of backends, up to max-backends: a large set\n"
		"               goes in parts that the kernel applies as one change.\n"
		"  backends @FILE\n"
		"               the same, read from FILE (@-: standard input), separated\n"
		"               by commas, spaces or newlines\n"
		"               backends none removes every backend.\n",
	},
	{
		"backend", cmd_backend,
		"add|set|del PROTO VIP:PORT ADDR:PORT [weight N] [state STATE]",
		"Add, change or remove a backend of a service",
		"Add the backend ADDR:PORT to the service PROTO VIP:PORT (add), change\n"
		"its weight or state (set) or remove it (del), after which its flows,\n"
		"UDP included, are scheduled afresh from their next packet on. del\n"
		"takes nothing after ADDR:PORT.\n"
		"\n"
		"  PROTO        tcp, udp or sctp\n"
		"  VIP:PORT     the service, A.B.C.D:PORT or [IPv6]:PORT\n"
		"  ADDR:PORT    the backend, of the same address family as the service\n"
		"  weight N     0 to " STR(SVCLB_WEIGHT_MAX) "; 1 when a backend is added without one.\n"
		"               A backend of weight 0 keeps its flows but gets no new one.\n"
		"  state STATE  active (the default) or terminating: a terminating\n"
		"               backend keeps its flows and gets new ones only when no\n"
		"               active backend can take them.\n",
	},
	{
		"list", cmd_list,
		"[-j|--json] [-s|--stats] [PROTO VIP:PORT]",
		"Show the services, backends and counters (the default)",
		"Show every service with its scheduler, flags, affinity and counters,\n"
		"each followed by its backends, indented, with their weights, states\n"
		"and counters. \"in\" counts the client-to-backend direction, \"out\"\n"
		"the replies; \"flows\" counts the flows ever created, \"active\" those\n"
		"in the flow table now: a terminating backend is drained when its\n"
		"active count reaches 0.\n"
		"\n"
		"  -s, --stats  show the counters only, in columns: packets and bytes of\n"
		"               both directions, flows, active flows, refused and dropped\n"
		"  PROTO VIP:PORT\n"
		"               that service alone, found by its key\n"
		"  -j, --json   print JSON instead, as described in svcadm(8)\n",
	},
	{
		"apply", cmd_apply,
		"-f FILE|- | --kubernetes FILE|- --node NAME [--zone ZONE]"
		" [--node-ip ADDR]... [--allow-empty] [-n|--dry-run|--print] [-j|--json]",
		"Make the kernel's services those of a state file or of Kubernetes",
		"Read the desired services and backends from FILE (- for standard\n"
		"input; the format is in svcadm(8)), compare them with the kernel's and\n"
		"send only the difference: one message per service created, replaced or\n"
		"deleted, many to a system call. Services that are the same are not\n"
		"touched, and their flows and counters stay. An invalid file changes\n"
		"nothing. The kernel applies each service's message entirely or not at\n"
		"all: a service it refuses keeps its old state, and apply names it.\n"
		"\n"
		"When another writer changes the services between apply's reading and\n"
		"its changes, the kernel refuses the changes that follow, and apply\n"
		"reads, compares and sends again, " STR(APPLY_ATTEMPTS) " attempts at most, then gives up\n"
		"and names the services it left as they were. A state without any\n"
		"service that would delete the kernel's is refused without\n"
		"--allow-empty.\n"
		"\n"
		"With --kubernetes, FILE is what \"kubectl get services,endpointslices\n"
		"-A -o json\" prints, and the desired state is what kube-proxy would\n"
		"program on node NAME, applied the same way.\n"
		"\n"
		"  -f, --file FILE      the state file, - for standard input\n"
		"  --kubernetes FILE    Kubernetes Services and EndpointSlices, - for\n"
		"                       standard input\n"
		"  --node NAME          the node: Local traffic policies keep its endpoints\n"
		"  --zone ZONE          its zone, for topology hints; hints are ignored\n"
		"                       without it\n"
		"  --node-ip ADDR       an address of the node, for node ports (repeated\n"
		"                       for more); without it, node ports are on 0.0.0.0\n"
		"                       and ::, every local address\n"
		"  --print              print the derived state, in save's format, and\n"
		"                       leave the kernel alone\n"
		"  --allow-empty        apply a state without any service even when that\n"
		"                       deletes every service of the kernel\n"
		"  -n, --dry-run        print the changes, send nothing\n"
		"  -j, --json           print the outcome as JSON\n",
	},
	{
		"save", cmd_save,
		"",
		"Print the kernel's services in the state file format",
		"Print every service and backend in the format apply reads, sorted and\n"
		"with every field explicit: svcadm save | svcadm apply -f - changes\n"
		"nothing.\n",
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
		"[--prometheus] [--per-backend]",
		"Print the counters in the Prometheus text format",
		"Print the counters of every service in the Prometheus text exposition\n"
		"format, for node_exporter's textfile collector, e.g.\n"
		"  svcadm stats > /var/lib/node_exporter/svclb.prom.$$ &&\n"
		"  mv /var/lib/node_exporter/svclb.prom.$$ /var/lib/node_exporter/svclb.prom\n"
		"\n"
		"  -p, --prometheus   the format (the only one, and the default)\n"
		"  -b, --per-backend  every backend's series too (one set per backend)\n",
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
		"Show or change timeouts, the bounds, the mark and the seed",
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
		"                       packets that would start a flow are dropped;\n"
		"                       also the bound of the session affinity entries\n"
		"  max-services         the most services the namespace may have\n"
		"                       (" STR(SVCLB_SERVICES_DEFAULT) " by default); a service past it is refused\n"
		"  max-backends         the most backends a service may have, 1 to\n"
		"                       " STR(SVCLB_BACKENDS_MAX) " (the default); a backend past it is refused\n"
		"  masq-mark            the packet mark set on requests to masquerade\n"
		"                       (hairpin flows, services with flags masquerade);\n"
		"                       0 turns marking off; sets masq-mask too unless given\n"
		"  masq-mask            the bits of the packet mark that masq-mark sets\n"
		"  seed                 the key of the flow hash, 0 to 2^64-1, decimal or\n"
		"                       0x hexadecimal (0 by default): nodes that share\n"
		"                       backends and seed send a flow to the same backend\n"
		"  -j, --json           print JSON instead\n",
	},
	{
		"lookup", cmd_lookup,
		"[-j|--json] PROTO VIP:PORT CLIENT:PORT",
		"Show the backend a flow from a client gets",
		"Show the backend that a new flow from CLIENT:PORT to the service PROTO\n"
		"VIP:PORT would get now (\"new\"), and the backend and state of that\n"
		"flow if it exists (\"flow\"); \"-\" for none. A new flow gets no backend\n"
		"when none can take it; the random scheduler cannot tell in advance.\n"
		"Also shows the service's scheduler and the flow's hash.\n"
		"\n"
		"  PROTO        tcp, udp or sctp\n"
		"  VIP:PORT     the service, A.B.C.D:PORT or [IPv6]:PORT\n"
		"  CLIENT:PORT  the client's address and port, of the service's family\n"
		"  -j, --json   print JSON instead, as described in svcadm(8)\n",
	},
	{
		"version", cmd_version,
		"[-j|--json]",
		"Show the versions of svcadm and the module, and the module's features",
		"Show the version of svcadm and of the loaded svclb module, whether the\n"
		"module is older or newer than svcadm, and which of the features that\n"
		"svcadm uses it has: an older module lacks some, and svcadm says so\n"
		"before sending a request that needs one.\n"
		"\n"
		"  -j, --json   print JSON instead, as described in svcadm(8)\n",
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

int take_json_flag(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json_output = true;
		else
			argv[++n] = argv[i];
	}
	return n;
}

int parse_endpoint_arg(const struct command *cmd, int argc, char **argv,
		       int i, const char *what, const char *form,
		       struct endpoint *ep)
{
	char err[PARSE_ERR_LEN];

	if (i >= argc)
		return usage_error(cmd, "missing the %s %s", what, form);
	if (!parse_endpoint(what, argv[i], ep, err))
		return usage_error(cmd, "%s", err);
	return 0;
}

int parse_service_arg(const struct command *cmd, int argc, char **argv,
		      int i, uint8_t *proto, struct endpoint *vip)
{
	char err[PARSE_ERR_LEN];

	if (i >= argc)
		return usage_error(cmd, "missing PROTO: tcp, udp or sctp");
	if (!parse_proto(argv[i], proto, err))
		return usage_error(cmd, "%s", err);
	return parse_endpoint_arg(cmd, argc, argv, i + 1, "service address",
				  "VIP:PORT", vip);
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

char *read_stream(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *p;

	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		cap *= 2;
		p = realloc(buf, cap);
		if (!p)
			free(buf);
		buf = p;
	}
	if (!buf || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
