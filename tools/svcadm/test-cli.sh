#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks of svcadm that need no kernel module: argument parsing, usage
# errors, help, exit codes and the "module not loaded" error. Prints TAP.
# SVCADM names the binary to test (default: svcadm beside this script).
# Commands that parse correctly are sent to the kernel, so those checks are
# skipped when the svclb module is loaded, leaving the tables untouched.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
SVCADM=${SVCADM:-$dir/svcadm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Make sanitizer reports fatal when SVCADM is a SANITIZE=1 build.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}"

n=0
failed=0
echo "TAP version 13"

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		echo "# $line"
	done
	sed 's/^/#   stdout: /' "$tmp/out"
	sed 's/^/#   stderr: /' "$tmp/err"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# run ARGS...: runs svcadm, setting rc, with output in $tmp/out and $tmp/err.
run() {
	"$SVCADM" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

sanitizer_clean() {
	! grep -q -e 'Sanitizer' -e 'runtime error' "$tmp/err"
}

# expect_usage DESCRIPTION PATTERN ARGS...: exit 2, "svcadm: " and PATTERN
# on stderr followed by a usage line, nothing on stdout.
expect_usage() {
	desc=$1
	pat=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 2 ] && sanitizer_clean && [ ! -s "$tmp/out" ] &&
	   grep -q "^svcadm: .*$pat" "$tmp/err" &&
	   grep -q '^Usage: svcadm' "$tmp/err"; then
		pass "$desc"
	else
		fail "$desc" "command: svcadm $*" "exit status $rc, expected 2"
	fi
}

# expect_json_error DESCRIPTION STATUS PATTERN ARGS...: exit STATUS and a
# valid JSON {"error": ...} object matching PATTERN on stdout.
expect_json_error() {
	desc=$1
	status=$2
	pat=$3
	shift 3
	run "$@"
	if [ "$rc" -eq "$status" ] && sanitizer_clean &&
	   python3 -m json.tool "$tmp/out" >/dev/null 2>&1 &&
	   python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (list(d) == ["error"] and isinstance(d["error"], str)))' "$tmp/out" &&
	   grep -q "$pat" "$tmp/out"; then
		pass "$desc"
	else
		fail "$desc" "command: svcadm $*" "exit status $rc, expected $status"
	fi
}

# expect_ok DESCRIPTION PATTERN ARGS...: exit 0 and PATTERN on stdout.
expect_ok() {
	desc=$1
	pat=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 0 ] && sanitizer_clean && grep -q -- "$pat" "$tmp/out"; then
		pass "$desc"
	else
		fail "$desc" "command: svcadm $*" "exit status $rc, expected 0"
	fi
}

if [ ! -x "$SVCADM" ]; then
	echo "1..0 # SKIP $SVCADM is not built"
	exit 1
fi

# Usage errors: exit 2 with a message and the command's usage line.
expect_usage "unknown command" 'unknown command "frobnicate"' frobnicate
expect_usage "unknown option" 'unknown option "--frobnicate"' --frobnicate list
expect_usage "missing action" 'missing action' service
expect_usage "unknown action" 'unknown action "frob"' service frob tcp 10.0.0.1:80
expect_usage "missing protocol" 'missing PROTO' service add
expect_usage "bad protocol" 'invalid protocol "icmp"' service add icmp 10.0.0.1:80
expect_usage "missing service address" 'missing the service address' service add tcp
expect_usage "bad IPv4 address" 'not a valid IPv4 address' service add tcp 10.0.0.300:80
expect_usage "hostname instead of address" 'not a valid IPv4 address' service add tcp localhost:80
expect_usage "missing port" 'missing port' service add tcp 10.0.0.1
expect_usage "empty port" 'missing port' service add tcp 10.0.0.1:
expect_usage "port 0" 'port must be a number from 1 to 65535' service add tcp 10.0.0.1:0
expect_usage "port 70000" 'port must be a number from 1 to 65535' service add tcp 10.0.0.1:70000
expect_usage "port 65536" 'port must be a number from 1 to 65535' service add udp 10.0.0.1:65536
expect_usage "port not a number" 'port must be a number' service add tcp 10.0.0.1:http
expect_usage "negative port" 'port must be a number' service add tcp 10.0.0.1:-80
expect_usage "port with a sign" 'port must be a number' service add tcp 10.0.0.1:+80
expect_usage "hexadecimal port" 'port must be a number' service add tcp 10.0.0.1:0x50
expect_usage "IPv6 without brackets" 'must be in brackets' service add tcp 2001:db8::1:80
expect_usage "IPv6 without closing bracket" 'missing "]"' service add tcp '[2001:db8::1:80'
expect_usage "IPv6 without port" 'missing port' service add tcp '[2001:db8::1]'
expect_usage "IPv6 port 0" 'port must be a number from 1 to 65535' service add tcp '[2001:db8::1]:0'
expect_usage "bad IPv6 address" 'not a valid IPv6 address' service add tcp '[2001:db8::g]:80'
expect_usage "IPv4 in brackets" 'not a valid IPv6 address' service add tcp '[10.0.0.1]:80'
expect_usage "unknown service keyword" 'unknown keyword "weight"' service add tcp 10.0.0.1:80 weight 1
expect_usage "sched without a name" 'missing scheduler name' service add tcp 10.0.0.1:80 sched
expect_usage "sched given twice" 'sched is given twice' service add tcp 10.0.0.1:80 sched rr sched rr
expect_usage "unknown flag" 'unknown flag "bogus"' service add tcp 10.0.0.1:80 flags silent-drop,bogus
expect_usage "empty flag" 'empty flag' service add tcp 10.0.0.1:80 flags silent-drop,
expect_usage "flag number too large" 'unknown flag "0x100000000"' service set tcp 10.0.0.1:80 flags 0x100000000
expect_usage "flag with two hex prefixes" 'unknown flag "0x0x5"' service set tcp 10.0.0.1:80 flags 0x0x5
expect_usage "flags without a value" 'missing flag list' service set tcp 10.0.0.1:80 flags
expect_usage "config: hexadecimal timeout" 'invalid timeout-udp "0x10"' config timeout-udp 0x10
expect_usage "config: bad masq-mark" 'invalid masq-mark "0xg"' config masq-mark 0xg
expect_usage "config: flows is read-only" 'unknown setting "flows"' config flows 3
expect_usage "service del with options" 'takes only PROTO and VIP:PORT' service del tcp 10.0.0.1:80 sched rr
expect_usage "missing backend address" 'missing the backend address' backend add tcp 10.0.0.1:80
expect_usage "bad backend address" 'invalid backend address' backend add tcp 10.0.0.1:80 10.0.0.2
expect_usage "bad weight text" 'invalid weight "heavy"' backend add tcp 10.0.0.1:80 10.0.0.2:80 weight heavy
expect_usage "negative weight" 'invalid weight "-1"' backend set tcp 10.0.0.1:80 10.0.0.2:80 weight -1
expect_usage "weight above 32 bits" 'invalid weight "4294967296"' backend set tcp 10.0.0.1:80 10.0.0.2:80 weight 4294967296
expect_usage "weight with trailing text" 'invalid weight "5x"' backend set tcp 10.0.0.1:80 10.0.0.2:80 weight 5x
expect_usage "weight without a value" 'missing number after weight' backend add tcp 10.0.0.1:80 10.0.0.2:80 weight
expect_usage "unknown backend keyword" 'unknown keyword "sched"' backend add tcp 10.0.0.1:80 10.0.0.2:80 sched rr
expect_usage "backend del with options" 'takes only PROTO, VIP:PORT and ADDR:PORT' backend del tcp 10.0.0.1:80 10.0.0.2:80 weight 1
expect_usage "unknown backend state" 'invalid state "draining"' backend set tcp 10.0.0.1:80 10.0.0.2:80 state draining
expect_usage "state without a value" 'missing state after state' backend set tcp 10.0.0.1:80 10.0.0.2:80 state
expect_usage "state given twice" 'state is given twice' backend add tcp 10.0.0.1:80 10.0.0.2:80 state active state terminating
expect_usage "unknown affinity" 'unknown affinity "sticky"' service set tcp 10.0.0.1:80 affinity sticky
expect_usage "affinity without a value" 'missing client-ip or none' service set tcp 10.0.0.1:80 affinity
expect_usage "timeout after affinity none" 'timeout follows affinity client-ip only' service set tcp 10.0.0.1:80 affinity none timeout 5
expect_usage "affinity timeout without a value" 'missing seconds after timeout' service add tcp 10.0.0.1:80 affinity client-ip timeout
expect_usage "affinity timeout not a number" 'invalid timeout "1h"' service add tcp 10.0.0.1:80 affinity client-ip timeout 1h
expect_usage "timeout on its own" 'unknown keyword "timeout"' service add tcp 10.0.0.1:80 timeout 5
expect_usage "backends with service add" 'backends is given to service set only' service add tcp 10.0.0.1:80 backends 10.0.0.2:80
expect_usage "backends without a list" 'missing backend list' service set tcp 10.0.0.1:80 backends
expect_usage "empty item in a backend list" 'empty item' service set tcp 10.0.0.1:80 backends 10.0.0.2:80,,10.0.0.3:80
expect_usage "trailing comma in a backend list" 'empty item' service set tcp 10.0.0.1:80 backends 10.0.0.2:80,
expect_usage "bad address in a backend list" 'invalid backend address "10.0.0.3"' service set tcp 10.0.0.1:80 backends 10.0.0.2:80,10.0.0.3
expect_usage "bad weight in a backend list" 'invalid weight "x" of backend 10.0.0.2:80' service set tcp 10.0.0.1:80 backends 10.0.0.2:80/weight=x
expect_usage "bad state in a backend list" 'invalid state "gone"' service set tcp 10.0.0.1:80 backends '[2001:db8::1]:80/state=gone'
expect_usage "unknown option in a backend list" 'invalid option "w=2"' service set tcp 10.0.0.1:80 backends 10.0.0.2:80/w=2
expect_usage "weight twice in a backend list" 'each once' service set tcp 10.0.0.1:80 backends 10.0.0.2:80/weight=1/weight=2
expect_usage "flush with arguments" 'flush takes no arguments' flush now
expect_usage "list with arguments" 'unexpected "all"' list all
expect_usage "config key without a value" '"seed" needs a value' config seed
expect_usage "config unknown key" 'unknown setting "sed"' config sed 1
expect_usage "seed not a number" 'invalid seed "x"' config seed x
expect_usage "seed above 64 bits" 'invalid seed "18446744073709551616"' config seed 18446744073709551616
expect_usage "seed with a sign" 'invalid seed "-1"' config seed -1
expect_usage "timeout in hexadecimal" 'invalid timeout-udp "0x10"' config timeout-udp 0x10
expect_usage "lookup without protocol" 'missing PROTO' lookup
expect_usage "lookup with a bad protocol" 'invalid protocol "icmp"' lookup icmp 10.0.0.1:80 10.0.0.2:5
expect_usage "lookup without service" 'missing the service address' lookup tcp
expect_usage "lookup without client" 'missing the client address' lookup tcp 10.0.0.1:80
expect_usage "lookup client without port" 'invalid client address "10.0.0.2"' lookup tcp 10.0.0.1:80 10.0.0.2
expect_usage "lookup client port 0" 'invalid client address' lookup tcp 10.0.0.1:80 10.0.0.2:0
expect_usage "lookup with too many arguments" 'unexpected "now"' lookup tcp 10.0.0.1:80 10.0.0.2:5 now
expect_usage "monitor with an argument" 'unexpected "now"' monitor now
expect_usage "list with an unknown word" 'unexpected "-x"' list -s -x
expect_usage "help for an unknown command" 'unknown command "frob"' help frob
expect_usage "apply without a file" 'missing -f FILE or --kubernetes FILE' apply
expect_usage "apply -f without its argument" '-f needs a FILE' apply -f
expect_usage "apply with an unknown argument" 'unexpected "now"' apply -f x.json now
expect_usage "save with arguments" 'unexpected "all"' save all
kube=$dir/testdata/kubernetes
expect_usage "apply --kubernetes without --node" '--kubernetes needs --node NAME' \
	apply --kubernetes "$kube/cluster.json" --print
expect_usage "apply with -f and --kubernetes" '-f and --kubernetes exclude each other' \
	apply -f x.json --kubernetes "$kube/cluster.json" --node node-a
expect_usage "apply -f with --node" '--node goes with --kubernetes, not -f' \
	apply -f x.json --node node-a
expect_usage "apply -f with --print" '--print goes with --kubernetes, not -f' \
	apply -f x.json --print
expect_usage "apply --kubernetes without its argument" '--kubernetes needs a FILE' apply --kubernetes
expect_usage "apply --node without its argument" '--node needs a node name' \
	apply --kubernetes - --node
expect_usage "apply with an empty node name" '--node needs a node name' \
	apply --kubernetes - --node ''
expect_usage "apply with a bad node address" 'invalid --node-ip "10.0.0.300"' \
	apply --kubernetes - --node node-a --node-ip 10.0.0.300
expect_usage "apply with a node address and port" 'invalid --node-ip "10.0.0.1:80"' \
	apply --kubernetes - --node node-a --node-ip 10.0.0.1:80
expect_usage "apply with --print and --dry-run" '--print and --dry-run exclude each other' \
	apply --kubernetes - --node node-a --print --dry-run

# expect_apply_error DESCRIPTION PATTERN STATE: apply -f - of STATE is
# refused before the kernel is asked anything: exit 1, PATTERN on stderr.
expect_apply_error() {
	desc=$1
	pat=$2
	printf '%b' "$3" >"$tmp/in"
	"$SVCADM" apply -f - <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 1 ] && sanitizer_clean && [ ! -s "$tmp/out" ] &&
	   grep -q -- "$pat" "$tmp/err" && grep -q 'nothing was changed' "$tmp/err"; then
		pass "$desc"
	else
		fail "$desc" "exit status $rc, expected 1"
	fi
}
expect_apply_error "apply: bad JSON, with line and column" '<stdin>:3:4: invalid JSON' \
	'{"services": [\n  {"proto": "tcp"\n   "port": 1}]}'
expect_apply_error "apply: text after the document" 'invalid JSON' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1}] } x'
expect_apply_error "apply: truncated document" 'unexpected end of input' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1'
expect_apply_error "apply: not an object" 'expected an object' '[]'
expect_apply_error "apply: unknown top-level field" 'unknown field "svcs"' '{"svcs": []}'
expect_apply_error "apply: unknown service field" 'services\[0\]: unknown field "prot"' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "prot": 1}]}'
expect_apply_error "apply: missing proto" 'services\[0\]: missing field "proto"' \
	'{"services": [{"address": "10.0.0.1", "port": 1}]}'
expect_apply_error "apply: port as a string" 'services\[0\].port: expected an integer' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": "80"}]}'
expect_apply_error "apply: port out of range" 'services\[0\].port: 65536 is out of range' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 65536}]}'
expect_apply_error "apply: bad address" 'services\[0\].address: invalid address' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.256", "port": 1}]}'
expect_apply_error "apply: family that does not match" 'services\[0\].family' \
	'{"services": [{"proto": "tcp", "address": "::1", "port": 1, "family": "inet"}]}'
expect_apply_error "apply: duplicate service" 'services\[1\]: a second definition of the service tcp 10.0.0.1:1' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1}, {"proto": "tcp", "address": "10.0.0.1", "port": 1}]}'
expect_apply_error "apply: duplicate backend" 'services\[0\].backends\[1\]: the same backend as services\[0\].backends\[0\]' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "backends": [{"address": "10.0.0.2", "port": 2}, {"address": "10.0.0.2", "port": 2}]}]}'
expect_apply_error "apply: backend of the other family" 'an IPv6 backend of an IPv4 service' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "backends": [{"address": "::2", "port": 2}]}]}'
expect_apply_error "apply: weight out of range" 'backends\[0\].weight: 65536 is out of range' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "backends": [{"address": "10.0.0.2", "port": 2, "weight": 65536}]}]}'
expect_apply_error "apply: unknown flag" 'services\[0\].flags\[0\]: unknown flag "fast"' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "flags": ["fast"]}]}'
expect_usage "list -s with arguments" 'unexpected "all"' list -s all
expect_usage "flows with a bad protocol" 'invalid protocol "icmp"' flows icmp 10.0.0.1:80
expect_usage "flows without the VIP" 'missing the service address' flows tcp
expect_usage "flows with a bad VIP" 'not a valid IPv4 address' flows tcp 10.0.0.300:80
expect_usage "flows with a backend" 'unexpected "10.0.0.2:80"' flows tcp 10.0.0.1:80 10.0.0.2:80
expect_usage "flows flush without the VIP" 'missing the service address' flows flush udp
expect_usage "flows flush with a bad backend" 'invalid backend address' flows flush udp 10.0.0.1:53 10.0.0.2
expect_usage "flows flush with too much" 'unexpected "now"' flows flush udp 10.0.0.1:53 10.0.0.2:53 now
expect_usage "stats with an unknown format" 'unexpected "--json"' stats --json
expect_json_error "stats in JSON mode" 2 'no JSON output' -j stats
expect_usage "monitor with arguments" 'unexpected "all"' monitor all
expect_apply_error "apply: unknown affinity" 'services\[0\].affinity: unknown value "sticky"' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "affinity": "sticky"}]}'
expect_apply_error "apply: affinity timeout 0" 'services\[0\].affinity_timeout: 0 is out of range' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "affinity": "client-ip", "affinity_timeout": 0}]}'
expect_apply_error "apply: affinity timeout above the bound" 'services\[0\].affinity_timeout: 2000001 is out of range' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "affinity_timeout": 2000001}]}'
expect_apply_error "apply: unknown backend state" 'services\[0\].backends\[0\].state: unknown value "draining"' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "backends": [{"address": "10.0.0.2", "port": 2, "state": "draining"}]}]}'
expect_apply_error "apply: backend state not a string" 'services\[0\].backends\[0\].state: expected a string' \
	'{"services": [{"proto": "tcp", "address": "10.0.0.1", "port": 1, "backends": [{"address": "10.0.0.2", "port": 2, "state": 1}]}]}'

# apply --kubernetes --print: the state kube-proxy would program, derived
# from the fixture for a node, compared byte for byte with what the rules of
# docs/state-format.md ("Kubernetes input") give for it.
expect_kube_print() {
	desc=$1
	expected=$2
	shift 2
	run apply --kubernetes "$kube/cluster.json" "$@" --print
	if [ "$rc" -eq 0 ] && sanitizer_clean && cmp -s "$tmp/out" "$kube/$expected"; then
		pass "$desc"
	else
		diff -u "$kube/$expected" "$tmp/out" | sed 's/^/# /' | head -40
		fail "$desc" "command: svcadm apply --kubernetes cluster.json $* --print" \
		     "exit status $rc, expected 0 and the bytes of $expected"
	fi
}
expect_kube_print "kubernetes: node-a, node ports on 0.0.0.0 and ::" \
	cluster.node-a.state.json --node node-a
expect_kube_print "kubernetes: node-a in zone-a, one IPv4 node address" \
	cluster.node-a.zone-a.state.json --node node-a --zone zone-a --node-ip 192.168.10.11
expect_kube_print "kubernetes: node-c in zone-b, IPv4 and IPv6 node addresses" \
	cluster.node-c.zone-b.state.json --node node-c --zone zone-b \
	--node-ip 192.168.10.13 --node-ip fd00:192:168::13

run apply --kubernetes - --node node-a --print <"$kube/cluster.json"
warning="svcadm: warning: <stdin>: items\[14\] (Service shop/storefront-canary): tcp 198.51.100.7:80 is already a service of items\[13\] (Service shop/storefront); that one is kept"
if [ "$rc" -eq 0 ] && sanitizer_clean && cmp -s "$tmp/out" "$kube/cluster.node-a.state.json" &&
   [ "$(grep -c "^$warning\$" "$tmp/err")" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
	pass "kubernetes: from stdin, one warning for a service derived twice"
else
	fail "kubernetes: from stdin, one warning for a service derived twice" "exit status $rc"
fi

printf '%s' '{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"},
   "data": {"spec": "not a service"}},
  {"apiVersion": "discovery.k8s.io/v1beta1", "kind": "EndpointSlice", "addressType": "IPv4",
   "metadata": {"name": "old", "namespace": "default", "labels": {"kubernetes.io/service-name": "one"}},
   "endpoints": [{"addresses": ["10.0.0.9"], "topology": {}}], "ports": [{"port": 99}]},
  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "one", "namespace": "default",
   "labels": {"a": "b"}}, "spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80}],
   "futureField": [1, 2]}},
  {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
   "metadata": {"name": "one-x", "namespace": "default", "labels": {"kubernetes.io/service-name": "one"}},
   "endpoints": [{"addresses": ["10.0.0.7"], "conditions": {"ready": true}}],
   "ports": [{"port": 8080, "protocol": "TCP"}]}]}' >"$tmp/other.json"
run apply --kubernetes "$tmp/other.json" --node n --print
if [ "$rc" -eq 0 ] && sanitizer_clean && [ ! -s "$tmp/err" ] &&
   python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
svcs = d["services"]
sys.exit(not (len(svcs) == 1 and svcs[0]["address"] == "10.96.0.5" and
              [(b["address"], b["port"]) for b in svcs[0]["backends"]] == [("10.0.0.7", 8080)]))' "$tmp/out"; then
	pass "kubernetes: other kinds, versions and fields are ignored"
else
	fail "kubernetes: other kinds, versions and fields are ignored" "exit status $rc"
fi

# expect_kube_error DESCRIPTION PATTERN LIST [ARGS...]: apply --kubernetes
# of LIST on stdin for node n is refused before anything is derived: exit 1,
# PATTERN on stderr, nothing on stdout; without --print, "nothing was
# changed" too.
expect_kube_error() {
	desc=$1
	pat=$2
	printf '%b' "$3" >"$tmp/in"
	shift 3
	"$SVCADM" apply --kubernetes - --node n "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 1 ] && sanitizer_clean && [ ! -s "$tmp/out" ] &&
	   grep -q -- "$pat" "$tmp/err" &&
	   { [ "${1:-}" = --print ] || grep -q 'nothing was changed' "$tmp/err"; }; then
		pass "$desc"
	else
		fail "$desc" "exit status $rc, expected 1"
	fi
}
svc_web='{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": '
expect_kube_error "kubernetes: bad JSON, with line and column" '<stdin>:2:1: invalid JSON' \
	'{"items": [\n' --print
expect_kube_error "kubernetes: not a List" '<stdin>: (top level): missing field "items"' \
	'{"services": []}'
expect_kube_error "kubernetes: a bad cluster IP" \
	'<stdin>: items\[1\] (Service default/web): spec.clusterIPs\[1\]: invalid IP address "fd00::1::2"' \
	"{\"items\": [{}, $svc_web{\"clusterIP\": \"10.96.0.5\", \"clusterIPs\": [\"10.96.0.5\", \"fd00::1::2\"]}}]}" --print
expect_kube_error "kubernetes: a port that is a string" \
	'items\[0\] (Service default/web): spec.ports\[1\].port: expected an integer from 1 to 65535' \
	"{\"items\": [$svc_web{\"clusterIP\": \"10.96.0.5\", \"ports\": [{\"port\": 80}, {\"name\": \"b\", \"port\": \"81\"}]}}]}"
expect_kube_error "kubernetes: a port out of range" \
	'items\[0\] (Service default/web): spec.ports\[0\].nodePort: 70000 is out of range' \
	"{\"items\": [$svc_web{\"type\": \"NodePort\", \"clusterIP\": \"10.96.0.5\", \"ports\": [{\"port\": 80, \"nodePort\": 70000}]}}]}"
expect_kube_error "kubernetes: an unknown protocol" \
	'items\[0\] (Service default/web): spec.ports\[0\].protocol: unknown protocol "tcp"' \
	"{\"items\": [$svc_web{\"clusterIP\": \"10.96.0.5\", \"ports\": [{\"port\": 80, \"protocol\": \"tcp\"}]}}]}"
expect_kube_error "kubernetes: a service without a name" \
	'items\[0\] (Service): metadata: missing field "name"' \
	'{"items": [{"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "default"}, "spec": {}}]}'
expect_kube_error "kubernetes: an affinity timeout of 0" \
	'items\[0\] (Service default/web): spec.sessionAffinityConfig.clientIP.timeoutSeconds: 0 is out of range' \
	"{\"items\": [$svc_web{\"clusterIP\": \"10.96.0.5\", \"sessionAffinity\": \"ClientIP\", \"sessionAffinityConfig\": {\"clientIP\": {\"timeoutSeconds\": 0}}}}]}"
expect_kube_error "kubernetes: an endpoint of the wrong family" \
	'items\[0\] (EndpointSlice default/web-1): endpoints\[1\].addresses\[0\]: "fd00::7" is not an IPv4 address' \
	'{"items": [{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4", "metadata": {"name": "web-1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}}, "endpoints": [{"addresses": ["10.0.0.7"]}, {"addresses": ["fd00::7"]}]}]}'
expect_kube_error "kubernetes: a condition that is not a boolean" \
	'items\[0\] (EndpointSlice default/web-1): endpoints\[0\].conditions.ready: expected true or false' \
	'{"items": [{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4", "metadata": {"name": "web-1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}}, "endpoints": [{"addresses": ["10.0.0.7"], "conditions": {"ready": "true"}}]}]}' --print
expect_json_error "usage error in JSON mode" 2 'invalid protocol' -j service add icmp 10.0.0.1:80
expect_json_error "usage error in JSON mode after list" 2 'unexpected' list all --json

# Help and version.
lists_every_command() {
	for c in service backend list apply save flows stats monitor flush config lookup version help; do
		grep -q "^  $c" "$tmp/out" || return 1
	done
}
for opt in help --help -h; do
	run $opt
	if [ "$rc" -eq 0 ] && sanitizer_clean && lists_every_command; then
		pass "$opt lists every command"
	else
		fail "$opt lists every command" "exit status $rc, expected 0"
	fi
done
expect_ok "help service" 'silent-drop' help service
expect_ok "help with a prefix" 'weight N' help back
expect_ok "service -h" '^Usage: svcadm service add|set|del' service -h
expect_ok "backend help" '^Usage: svcadm backend add|set|del' backend help
expect_ok "list --help" '^Usage: svcadm list' list --help
expect_ok "help lookup" '^Usage: svcadm lookup .*PROTO VIP:PORT CLIENT:PORT' help lookup
expect_ok "help config names the seed" '^  seed ' help config
expect_ok "help service names every scheduler" 'lc      fewest active flows' help service
expect_ok "--version" '^svcadm [0-9]' --version
expect_ok "-V" '^svcadm [0-9]' -V
expect_ok "help apply names --allow-empty" 'allow-empty' help apply
expect_ok "help version" '^Usage: svcadm version \[-j|--json\]' help version
expect_usage "version with an argument" 'unexpected "now"' version now
expect_ok "help flows" 'flush \[PROTO VIP:PORT \[ADDR:PORT\]\]' help flows
expect_ok "stats --help" '^Usage: svcadm stats' stats --help

# The man page documents every command that "svcadm help" lists, and renders
# without a warning.
run help
missing=""
for c in $(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p' "$tmp/out"); do
	grep -q "^\.B $c\b" "$dir/svcadm.8" || missing="$missing $c"
done
if [ -z "$missing" ] && [ "$(grep -c '^  [a-z]' "$tmp/out")" -ge 9 ]; then
	pass "svcadm.8 covers every command"
else
	fail "svcadm.8 covers every command" "missing:$missing"
fi
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man --warnings -l "$dir/svcadm.8" >/dev/null 2>"$tmp/err"
	if [ ! -s "$tmp/err" ]; then
		pass "svcadm.8 renders without warnings"
	else
		: >"$tmp/out"
		fail "svcadm.8 renders without warnings"
	fi
else
	skip "svcadm.8 renders without warnings" "man is not installed"
fi

# Bash completion: COMP_LINE up to the cursor in, COMPREPLY out.
complete_line() {
	bash -c '. "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _svcadm; echo "${COMPREPLY[*]}"' \
		sh "$dir/svcadm.bash-completion" "$1" 2>"$tmp/err"
}
expect_completion() {
	got=$(complete_line "$1")
	if [ "$got" = "$2" ]; then
		pass "completion of \"$1\": $2"
	else
		: >"$tmp/out"
		fail "completion of \"$1\": $2" "got: $got"
	fi
}
expect_completion "svcadm " "service backend list apply save flows stats monitor flush config lookup version help"
expect_completion "svcadm -j mo" "monitor"
expect_completion "svcadm --" "--json --help --version"
expect_completion "svcadm service " "add set del"
expect_completion "svcadm backend d" "del"
expect_completion "svcadm service add " "tcp udp sctp"
expect_completion "svcadm service add tcp 10.0.0.1:80 " "sched flags affinity"
expect_completion "svcadm service set tcp 10.0.0.1:80 " "sched flags affinity backends"
expect_completion "svcadm service add tcp 10.0.0.1:80 sched " "maglev rr wrr random lc"
expect_completion "svcadm service add tcp 10.0.0.1:80 flags " "silent-drop masquerade none"
expect_completion "svcadm service add tcp 10.0.0.1:80 affinity " "client-ip none"
expect_completion "svcadm backend add udp [fd00::1]:53 [fd00::2]:53 " "weight state"
expect_completion "svcadm backend set udp [fd00::1]:53 [fd00::2]:53 state " "active terminating"
expect_completion "svcadm apply --k" "--kubernetes"
expect_completion "svcadm apply -f s.json --al" "--allow-empty"
expect_completion "svcadm ver" "version"
expect_completion "svcadm version " "-j --json"
expect_completion "svcadm lookup " "tcp udp sctp"
expect_completion "svcadm config se" "seed"
expect_completion "svcadm backend del udp 10.0.0.1:53 10.0.0.2:53 " ""
expect_completion "svcadm list -" "-j --json -s --stats"
expect_completion "svcadm flows " "flush tcp udp sctp"
expect_completion "svcadm flows flush s" "sctp"
expect_completion "svcadm stats " "--prometheus --per-backend"
expect_completion "svcadm config timeout-tcp 30 timeout-s" "timeout-sctp"
expect_completion "svcadm config max-flows " ""
expect_completion "svcadm help fl" "flows flush"

# Without the module: exit 1 and a clear message, as text and as JSON.
if [ -d /sys/module/svclb ]; then
	why="the svclb module is loaded"
	for t in "bare svcadm" "list" "list in JSON" "list -j" "flush in JSON" \
		 "lookup -j" "valid commands" "apply --kubernetes" \
		 "derived state read back with -f" \
		 "state file with affinity and backend states" \
		 "version without the module" "version -j without the module"; do
		skip "$t without the module" "$why"
	done
else
	notloaded='svclb kernel module is not loaded'
	run
	if [ "$rc" -eq 1 ] && sanitizer_clean && [ ! -s "$tmp/out" ] &&
	   grep -qx "svcadm: $notloaded" "$tmp/err"; then
		pass "bare svcadm without the module"
	else
		fail "bare svcadm without the module" "exit status $rc, expected 1"
	fi
	run list
	if [ "$rc" -eq 1 ] && sanitizer_clean && grep -qx "svcadm: $notloaded" "$tmp/err"; then
		pass "list without the module"
	else
		fail "list without the module" "exit status $rc, expected 1"
	fi
	expect_json_error "list in JSON without the module" 1 "$notloaded" -j
	expect_json_error "list -j without the module" 1 "$notloaded" list -j
	expect_json_error "flush in JSON without the module" 1 "$notloaded" -j flush
	expect_json_error "lookup -j without the module" 1 "$notloaded" lookup tcp 10.96.0.10:80 10.0.1.2:4000 -j

	# These parse, so they reach the point of talking to the kernel.
	bad=""
	while read -r args; do
		# shellcheck disable=SC2086
		run $args
		if [ "$rc" -ne 1 ] || ! sanitizer_clean ||
		   ! grep -qx "svcadm: $notloaded" "$tmp/err"; then
			bad="$bad; svcadm $args (exit $rc)"
		fi
	done <<-'EOF'
	service add tcp 10.96.0.10:80
	list -s
	flows
	flows udp [2001:db8::10]:53
	flows flush
	flows flush tcp 10.96.0.10:80
	flows flush tcp 10.96.0.10:80 10.0.0.1:8080
	stats --prometheus
	stats --per-backend
	monitor
	service add udp 10.96.0.10:53 sched rr flags silent-drop
	service add sctp [2001:db8::10]:5060 flags none
	service add tcp 0.0.0.0:30080 flags masquerade,silent-drop
	service add tcp [::]:30080
	config masq-mark 0x4000 masq-mask 0xc000
	config max-flows 100 masq-mark 16
	service set TCP 10.96.0.10:80 flags 0x80000000,silent-drop,2
	service set tcp 10.96.0.10:80 sched a-scheduler-name-far-too-long
	service del tcp 10.96.0.10:80
	serv a tcp 10.96.0.10:80
	backend add tcp 10.96.0.10:80 10.0.0.1:8080
	backend add tcp 10.96.0.10:80 10.0.0.1:8080 weight 0
	backend set tcp [2001:db8::10]:80 [2001:db8::1]:65535 weight 4294967295
	backend set tcp 10.96.0.10:80 [2001:db8::1]:8080 weight 1
	backend del tcp 10.96.0.10:80 10.0.0.1:8080
	b d tcp 10.96.0.10:80 10.0.0.1:8080
	backend set tcp 10.96.0.10:80 10.0.0.1:8080 state terminating weight 2
	backend add udp [2001:db8::10]:53 [2001:db8::1]:53 state active
	service add tcp 10.96.0.10:80 affinity client-ip timeout 30 sched rr
	service set tcp 10.96.0.10:80 affinity none flags none
	service set tcp 10.96.0.10:80 backends none
	service set tcp 10.96.0.10:80 backends 10.0.0.1:8080
	service set tcp [2001:db8::10]:80 backends [2001:db8::1]:80/state=terminating/weight=3,[2001:db8::2]:80 affinity client-ip
	flush
	config seed 0
	config seed 18446744073709551615
	config seed 0xDEADbeefcafef00d timeout-udp 5
	lookup tcp 10.96.0.10:80 10.0.1.2:40000
	lookup sctp [2001:db8::10]:5060 [2001:db8::1]:65535
	look udp 10.96.0.10:53 10.0.1.2:1
	EOF
	if [ -z "$bad" ]; then
		pass "valid commands without the module"
	else
		: >"$tmp/out"
		: >"$tmp/err"
		fail "valid commands without the module" "failed:$bad"
	fi

	# A valid state file is read whole before the kernel is asked.
	run apply --kubernetes "$kube/cluster.json" --node node-a --dry-run
	if [ "$rc" -eq 1 ] && sanitizer_clean && grep -qx "svcadm: $notloaded" "$tmp/err"; then
		pass "apply --kubernetes without the module"
	else
		fail "apply --kubernetes without the module" "exit status $rc, expected 1"
	fi
	run apply -f "$kube/cluster.node-c.zone-b.state.json"
	if [ "$rc" -eq 1 ] && sanitizer_clean && grep -qx "svcadm: $notloaded" "$tmp/err"; then
		pass "derived state read back with -f without the module"
	else
		fail "derived state read back with -f without the module" "exit status $rc, expected 1"
	fi

	cat >"$tmp/state.json" <<-'EOF'
	{"services": [{"proto": "tcp", "address": "10.96.0.10", "port": 80,
	  "affinity": "client-ip", "affinity_timeout": 600,
	  "backends": [{"address": "10.0.2.1", "port": 8080, "state": "terminating"},
	               {"address": "10.0.2.2", "port": 8080, "state": "active"}]},
	 {"proto": "udp", "address": "10.96.0.10", "port": 53, "affinity": "none"}]}
	EOF
	run apply -f "$tmp/state.json"
	if [ "$rc" -eq 1 ] && sanitizer_clean && grep -qx "svcadm: $notloaded" "$tmp/err"; then
		pass "state file with affinity and backend states without the module"
	else
		fail "state file with affinity and backend states without the module" \
		     "exit status $rc, expected 1"
	fi

	# version tells what it can without the module, and succeeds.
	run version
	if [ "$rc" -eq 0 ] && sanitizer_clean && [ ! -s "$tmp/err" ] &&
	   grep -q '^svcadm [0-9].*, netlink API version 1$' "$tmp/out" &&
	   grep -qx 'module svclb not loaded' "$tmp/out"; then
		pass "version without the module"
	else
		fail "version without the module" "exit status $rc, expected 0"
	fi
	run -j version
	if [ "$rc" -eq 0 ] && sanitizer_clean &&
	   python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(not (d["module"] == {"loaded": False} and d["svcadm"]["netlink_version"] == 1))' <"$tmp/out"; then
		pass "version -j without the module"
	else
		fail "version -j without the module" "exit status $rc, expected 0"
	fi
fi

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n tests failed"
	exit 1
fi
echo "# $n passed, 0 failed"
