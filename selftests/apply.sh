#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svcadm apply and save: the difference only, nothing twice, invalid files
# change nothing, a refused service keeps its old state while the others
# take their new one, flows of untouched services live on, save round-trips;
# another writer's change between apply's reading and its changes is noticed
# (apply reads and sends again, or gives up and says so), and a state
# without services does not delete every service unless asked to.
source "$(dirname "$0")/lib.sh"

plan 21
trap 'topo_cleanup; rm -rf "$dir"' EXIT
dir=$(mktemp -d)
dmesg_mark
load_module || exit 1
topo_setup || exit 1
start_servers 8080 8081 || { not_ok "servers start"; finish; }

b1=${BACKENDS4[0]} b2=${BACKENDS4[1]} b3=${BACKENDS4[2]}
# state NAME: write $dir/NAME.json from the JSON on stdin.
state() { cat >"$dir/$1.json"; }
apply() { svcadm_n -j apply "$@"; }
saved() { svcadm_n save; }

state one <<EOF
{"services": [
 {"proto": "tcp", "address": "$VIP4", "port": 80,
  "backends": [{"address": "$b1", "port": 8080}, {"address": "$b2", "port": 8080}]},
 {"proto": "udp", "address": "$VIP4", "port": 53, "sched": "rr",
  "backends": [{"address": "$b1", "port": 8080, "weight": 2}]},
 {"proto": "tcp", "address": "$VIP6", "port": 80, "flags": ["silent-drop"],
  "backends": [{"address": "${BACKENDS6[0]}", "port": 8080}]}
]}
EOF
out=$(apply -f "$dir/one.json")
check "from empty: 3 services created in 3 messages" \
	json_check "d['created'] == 3 and d['messages'] == 3 and d['failed'] == []" <<<"$out"
echo "# $out"
# Maglev (the default) sends all of 6 connections to one backend 3% of the
# time, all of 20 with a chance of 2 in a million.
tcp=$(client tcp $VIP4 80 20)
diag "$tcp"
check "the applied services carry traffic" \
	json_check "d['errors'] == 0 and sorted(d['backends']) == ['$b1', '$b2']" <<<"$tcp"

out=$(apply -f "$dir/one.json")
check "applying the same file again sends nothing" \
	json_check "d['messages'] == 0 and d['unchanged'] == 3" <<<"$out"

# A long-lived UDP flow and a TCP connection on services the next file keeps.
before=$(saved)
bg in_c timeout 60 socat -u /dev/zero TCP:$VIP4:80 2>/dev/null
sleep 1
active() { svcadm_n list -j | json_get "[s['stats']['active_flows'] for s in d['services'] if s['address'] == '$VIP4' and s['proto'] == 'tcp'][0]"; }
a0=$(active)

state two <<EOF
{"services": [
 {"proto": "tcp", "address": "$VIP4", "port": 80,
  "backends": [{"address": "$b2", "port": 8080}, {"address": "$b1", "port": 8080}]},
 {"proto": "udp", "address": "$VIP4", "port": 53, "sched": "rr",
  "backends": [{"address": "$b1", "port": 8080, "weight": 2}, {"address": "$b3", "port": 8080}]},
 {"proto": "sctp", "address": "$VIP4", "port": 9, "backends": []}
]}
EOF
out=$(apply -n -f "$dir/two.json")
check "--dry-run plans 1 create, 1 replace, 1 delete and sends nothing" \
	json_check "(d['created'], d['replaced'], d['deleted'], d['messages']) == (1, 1, 1, 0)" <<<"$out"
check "--dry-run changed nothing" test "$(saved)" = "$before"
out=$(apply -f "$dir/two.json")
check "the difference only: 3 messages, the reordered service untouched" \
	json_check "(d['created'], d['replaced'], d['deleted'], d['unchanged'], d['messages']) == (1, 1, 1, 1, 3)" <<<"$out"
check "the untouched service kept its flows ($a0 active)" test "$(active)" -ge "${a0:-1}" -a "${a0:-0}" -ge 1
udp=$(client udp $VIP4 53 9)
check "the replaced service reaches its new backend set" \
	json_check "d['errors'] == 0 and sorted(d['backends']) == ['$b1', '$b3']" <<<"$udp"

# Invalid files: nothing changes, and the message says where.
before=$(saved)
printf '{"services": [\n  {"proto": "tcp",\n   "address": "10.96.0.99" "port": 1}]}\n' >"$dir/bad1.json"
err=$(svcadm_n apply -f "$dir/bad1.json" 2>&1)
check "bad JSON is refused with its line and column" grep -q "bad1.json:3:" <<<"$err"
echo "# $err"
state bad2 <<EOF
{"services": [{"proto": "tcp", "address": "10.96.0.99", "port": 1},
 {"proto": "tcp", "address": "$VIP4", "port": 80, "backends": [{"address": "$b1", "port": 8080, "weigth": 1}]}]}
EOF
err=$(svcadm_n apply -f "$dir/bad2.json" 2>&1)
check "an unknown field is refused with its path" grep -q 'services\[1\].backends\[0\]: unknown field "weigth"' <<<"$err"
echo "# $err"
check "invalid files changed nothing" test "$(saved)" = "$before"

# The kernel refuses one service: it keeps its old state, the others change.
state three <<EOF
{"services": [
 {"proto": "tcp", "address": "$VIP4", "port": 80, "sched": "nosuchsched",
  "backends": [{"address": "$b3", "port": 8080}]},
 {"proto": "udp", "address": "$VIP4", "port": 53, "sched": "rr",
  "backends": [{"address": "$b2", "port": 8080}]},
 {"proto": "tcp", "address": "$VIP4", "port": 81, "backends": [{"address": "$b1", "port": 8081}]}
]}
EOF
tcp_before=$(svcadm_n list -j | json_get "[s['backends'] and [b['address'] for b in s['backends']] for s in d['services'] if s['port'] == 80 and s['proto'] == 'tcp' and s['family'] == 'inet'][0]")
err=$(svcadm_n apply -f "$dir/three.json" 2>&1)
rc=$?
echo "$err" | sed 's/^/# /'
now=$(svcadm_n list -j)
check "a refused service is named, with the kernel's reason, and apply fails" \
	test $rc = 1 -a -n "$(grep 'tcp 10.96.0.10:80' <<<"$err" | grep -i sched)"
check "the refused service kept its old state, the others took the new one" \
	json_check "sorted(b['address'] for s in d['services'] if s['proto'] == 'tcp' and s['port'] == 80 and s['family'] == 'inet' for b in s['backends']) == sorted($tcp_before) and [b['address'] for s in d['services'] if s['proto'] == 'udp' for b in s['backends']] == ['$b2'] and any(s['port'] == 81 for s in d['services']) and not any(s['proto'] == 'sctp' for s in d['services'])" <<<"$now"

# save | apply changes nothing; saving again gives the same bytes.
saved >"$dir/saved1.json"
out=$(svcadm_n -j apply -f - <"$dir/saved1.json")
saved >"$dir/saved2.json"
sent=$(json_get "d['messages']" <<<"$out")
check "save | apply -f - sends nothing ($sent messages) and save round-trips byte for byte" \
	test "$sent" = 0 -a "$(cat "$dir/saved1.json")" = "$(cat "$dir/saved2.json")" -a -s "$dir/saved1.json"

# Another writer changes a service after apply has read the tables and
# before its changes go out: lib/sendhook.so, preloaded into svcadm, runs
# the writer's command before each of apply's first TIMES batches.
# hooked TIMES COMMAND ARGS...: svcadm -j ARGS so.
hooked() {
	local times=$1 cmd=$2
	shift 2
	in_n env SENDHOOK_TIMES="$times" SENDHOOK_CMD="$cmd" \
		LD_PRELOAD="$SELFTESTS/lib/sendhook.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$SVCADM" -j "$@"
}
# web BACKEND...: a state of tcp $VIP4:80 with those backends and udp
# $VIP4:53 with $b1, which the other writer changes.
web() {
	local b list=""
	for b; do list+="${list:+, }{\"address\": \"$b\", \"port\": 8080}"; done
	cat <<EOF
{"services": [
 {"proto": "tcp", "address": "$VIP4", "port": 80, "backends": [$list]},
 {"proto": "udp", "address": "$VIP4", "port": 53, "sched": "rr",
  "backends": [{"address": "$b1", "port": 8080}]}]}
EOF
}
web "$b1" "$b2" | state five
web "$b1" "$b2" "$b3" | state six
web "$b1" | state seven
apply -f "$dir/five.json" >/dev/null
writer="$SVCADM service set udp $VIP4:53 backends $b3:8080"
out=$(hooked 1 "$writer" apply -f "$dir/six.json")
diag "$out"
check "another writer before apply's changes: refused, read again, sent again in 2 attempts" \
	json_check "d['attempts'] == 2 and d['failed'] == [] and d['replaced'] == 2" <<<"$out"
out=$(apply -f "$dir/six.json")
check "... and the kernel holds the file's state, the other writer's change seen and undone" \
	json_check "d['messages'] == 0 and d['unchanged'] == 2" <<<"$out"
out=$(hooked 3 "$writer" apply -f "$dir/seven.json")
rc=$?
diag "$out"
check "a writer before every attempt: apply gives up after 3, exit 1, and says why" \
	json_check "$rc == 1 and d['attempts'] == 3 and 'another writer kept changing the tables' in d['error'] and
		{f['service'] for f in d['failed']} == {'tcp $VIP4:80', 'udp $VIP4:53'} and
		all('another writer' in f['error'] for f in d['failed'])" <<<"$out"
check "... and left the services as they were" \
	json_check "sorted(b['address'] for s in d['services'] if s['proto'] == 'tcp' for b in s['backends']) == ['$b1', '$b2', '$b3']" \
	<<<"$(svcadm_n list -j)"

# A state without services would delete them all: refused unless asked.
echo '{"services": []}' | state empty
before=$(saved)
n=$(json_get "len(d['services'])" <<<"$before")
err=$(svcadm_n apply -f "$dir/empty.json" 2>&1)
rc=$?
diag "$err"
check "an empty state is refused: exit 1, it would delete all $n services, --allow-empty; nothing changed" \
	test $rc = 1 -a "$(saved)" = "$before" -a \
	-n "$(grep -F "empty.json holds no service: applying it would delete all $n services of the kernel; nothing was changed (--allow-empty" <<<"$err")"
err=$(echo '{"kind": "List", "items": []}' | svcadm_n apply --kubernetes - --node n 2>&1)
rc=$?
check "... and so is an empty state derived from Kubernetes" \
	test $rc = 1 -a "$(saved)" = "$before" -a -n "$(grep -F "the state derived for node n holds no service" <<<"$err")"
out=$(apply --allow-empty -f "$dir/empty.json")
check "with --allow-empty it deletes every service" \
	json_check "d['deleted'] == $n and d['failed'] == [] and $(svcadm_n list -j | json_get "len(d['services'])") == 0" <<<"$out"
finish
