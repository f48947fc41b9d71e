#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# How each scheduler spreads new flows over three backends, IPv4 and IPv6:
# rr evenly whatever the weights; wrr by weight, smoothly; random by weight,
# within sampling error; lc to the backend with the fewest active flows;
# maglev by weight (from svcadm lookup over a sample of tuples).
source "$(dirname "$0")/lib.sh"

plan 16
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)

# service PROTO PORT SCHED WEIGHT...: a service on VIP:PORT with one backend
# per weight, BACKENDS[0] first.
service() {
	local proto=$1 port=$2 sched=$3 i=0 w
	shift 3
	svcadm_n service add "$proto" "$(ep $VIP "$port")" ${sched:+sched "$sched"}
	for w; do
		svcadm_n backend add "$proto" "$(ep $VIP "$port")" "$(ep "${BACKENDS[i]}" 8080)" weight "$w"
		i=$((i + 1))
	done
}
# counts TALLY: the answers of BACKENDS[0..2], space-separated.
counts() {
	json_get "' '.join(str(d['backends'].get(b, 0)) for b in '${BACKENDS[*]}'.split()) if d['errors'] == 0 else '%d errors: %s' % (d['errors'], d['last_error'])" <<<"$1"
}
active() { # active PORT BACKEND: the backend's active flows
	svcadm_n list -j | json_get "[b['stats']['active_flows'] for s in d['services'] if s['port'] == $1 for b in s['backends'] if b['address'] == '$2'][0]"
}

# lc.py VIP PORT DIR: hold six connections, print their backends; once
# DIR/close exists close those of the first one's backend; once DIR/more
# exists open two more and print their backends.
cat >"$TMP/lc.py" <<'EOF'
import json, os, socket, sys, time
vip, port, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def connect():
    s = socket.create_connection((vip, port), timeout=10)
    return s, s.recv(100).partition(b"\n")[0].decode()
def wait(f):
    while not os.path.exists(f):
        time.sleep(0.1)
held = [connect() for _ in range(6)]
print(json.dumps([b for _, b in held]), flush=True)
wait(tmp + "/close")
first = held[0][1]
for s, b in held:
    if b == first:
        s.close()
wait(tmp + "/more")
print(json.dumps([connect()[1] for _ in range(2)]), flush=True)
time.sleep(600)
EOF

for family in 4 6; do
	use_family $family
	b0=${BACKENDS[0]} b1=${BACKENDS[1]} b2=${BACKENDS[2]}

	service tcp 81 rr 1 2 3
	out=$(client tcp $VIP 81 30 --timeout 10)
	check "IPv$family rr: 30 connections over weights 1, 2, 3: 10 each ($(counts "$out"))" \
		test "$(counts "$out")" = "10 10 10"

	service tcp 82 wrr 5 1 1
	out=$(client tcp $VIP 82 7 --sequence --timeout 10)
	seq=$(json_get "' '.join(d['sequence'])" <<<"$out")
	check "IPv$family wrr: weights 5, 1, 1 in the smooth order a a b a c a a" \
		test "$seq" = "$b0 $b0 $b1 $b0 $b2 $b0 $b0"
	out=$(client tcp $VIP 82 63 --timeout 10)
	check "IPv$family wrr: 63 more connections: 45, 9, 9 ($(counts "$out"))" \
		test "$(counts "$out")" = "45 9 9"

	service udp 83 random 1 1 2
	out=$(client udp $VIP 83 200 --timeout 10)
	read -r r0 r1 r2 <<<"$(counts "$out")"
	# Expected 50, 50, 100; four standard deviations are 25 and 28.
	check "IPv$family random: 200 flows over weights 1, 1, 2: $r0, $r1, $r2" \
		"$PY" -c "import sys; sys.exit(not (25 <= $r0 <= 75 and 25 <= $r1 <= 75 and 72 <= $r2 <= 128))"

	# lc: six connections held open spread 2, 2, 2; once the two of one
	# backend are closed, the next two go to it.
	service tcp 84 lc 1 1 1
	rm -f "$TMP/close" "$TMP/more"
	bg in_c "$PY" "$TMP/lc.py" $VIP 84 "$TMP" >"$TMP/lc"
	for i in $(seq 100); do [[ -s $TMP/lc ]] && break; sleep 0.2; done
	first=$(head -n1 "$TMP/lc")
	check "IPv$family lc: 6 connections held open: 2 per backend ($first)" \
		json_check "sorted(d.count(b) for b in set(d)) == [2, 2, 2]" <<<"$first"
	x=$(json_get "d[0]" <<<"$first")
	# Closed flows leave the table, and lc's count, within two seconds.
	svcadm_n config timeout-tcp-closing 1
	touch "$TMP/close"
	for i in $(seq 50); do [[ $(active 84 "$x") == 0 ]] && break; sleep 0.2; done
	touch "$TMP/more"
	for i in $(seq 100); do [[ $(wc -l <"$TMP/lc") -ge 2 ]] && break; sleep 0.2; done
	more=$(sed -n 2p "$TMP/lc")
	svcadm_n config timeout-tcp-closing 120
	check "IPv$family lc: after $x's 2 connections closed, the next 2 go to it ($more)" \
		json_check "d == ['$x', '$x']" <<<"$more"

	# maglev, weighted: shares of a sample of 6000 tuples (svcadm lookup).
	# The flows of the services above go first: a new flow whose backend
	# and client port are those of a live flow of another service on this
	# VIP would have the same reply tuple, and is dropped.
	svcadm_n flows flush
	service udp 85 "" 1 2 3
	shares=$(in_n "$PY" "$SELFTESTS/lib/lookup.py" udp $VIP 85 --generate 6000 |
		json_get "' '.join('%.1f' % (100 * [x['new'] for x in d].count(e) / len(d))
			for e in ['$(ep "$b0" 8080)', '$(ep "$b1" 8080)', '$(ep "$b2" 8080)'])")
	read -r m0 m1 m2 <<<"$shares"
	# 16.7, 33.3 and 50 %, give or take 2.5 (more than 3.5 standard errors).
	check "IPv$family maglev: new flows over weights 1, 2, 3: $m0 %, $m1 %, $m2 %" \
		"$PY" -c "import sys; sys.exit(not (abs($m0 - 100 / 6) <= 2.5 and abs($m1 - 200 / 6) <= 2.5 and abs($m2 - 50) <= 2.5))"
	out=$(client udp $VIP 85 60 --timeout 10)
	check "IPv$family maglev: 60 flows reach the 3 backends ($(counts "$out"))" \
		json_check "d['errors'] == 0 and len(d['backends']) == 3" <<<"$out"
	svcadm_n flush
done
rm -rf "$TMP"
finish
