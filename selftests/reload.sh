#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Long-lived TCP connections through Maglev VIPs, IPv4 and IPv6, survive
# rmmod svclb; insmod svclb.ko and the same services and seed applied again
# (the backends in another order): their next packets find no flow, are
# scheduled to the same backend and start established flows. A connection
# through a round-robin service is reset at once instead.
source "$(dirname "$0")/lib.sh"

SEED=0x5eed0123456789ab
plan 9
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)

# configure forward|reverse: the seed, two Maglev services and a round-robin
# one, with the backends added in the given order.
configure() {
	local order=(0 1 2) i
	[[ $1 == reverse ]] && order=(2 1 0)
	svcadm_n config seed $SEED
	svcadm_n service add tcp "$VIP4:80"
	svcadm_n service add tcp "[$VIP6]:80"
	svcadm_n service add tcp "$VIP4:81" sched rr
	for i in "${order[@]}"; do
		svcadm_n backend add tcp "$VIP4:80" "${BACKENDS4[i]}:8080"
		svcadm_n backend add tcp "[$VIP6]:80" "[${BACKENDS6[i]}]:8080"
		svcadm_n backend add tcp "$VIP4:81" "${BACKENDS4[i]}:8080"
	done
}
# flow_of PROTO VIP:PORT CLIENT:PORT: "BACKEND STATE" of the flow, or "-".
flow_of() {
	svcadm_n lookup -j "$@" | json_get "d['flow']['address'] + ' ' + d['flow']['state'] if d['flow'] else '-'"
}
new_of() {
	svcadm_n lookup -j "$@" | json_get "d['new']['address'] if d['new'] else '-'"
}
round() { # round K: wait for the connections' K-th round, print it
	touch "$TMP/round-$1"
	for i in $(seq 150); do [[ $(wc -l <"$TMP/conns") -gt $1 ]] && break; sleep 0.2; done
	sed -n "$(($1 + 1))p" "$TMP/conns"
}

configure forward
bg in_c "$PY" "$SELFTESTS/lib/conns.py" "$TMP" $VIP4 80 $VIP6 80 $VIP4 81 >"$TMP/conns"
for i in $(seq 100); do [[ -s $TMP/conns ]] && break; sleep 0.2; done
read -r be4 be6 be_rr c4 p4 c6 p6 <<<"$(json_get "' '.join(d['backends'] + [str(x) for c in d['clients'][:2] for x in c])" <"$TMP/conns")"
diag "connections: IPv4 $c4:$p4 -> $be4, IPv6 [$c6]:$p6 -> $be6, rr -> $be_rr"
out=$(round 1)
check "before: the three connections echo ($out)" \
	json_check "d['results'] == ['ok', 'ok', 'ok']" <<<"$out"
check "lookup shows the IPv4 connection's flow, established" \
	test "$(flow_of tcp $VIP4:80 "$c4:$p4")" = "$be4 established"
sleep 0.5

rmmod svclb && load_module && configure reverse
check "after the reload: no flow, and a new one would go to the same backends" \
	test "$(flow_of tcp $VIP4:80 "$c4:$p4")/$(new_of tcp $VIP4:80 "$c4:$p4")/$(new_of tcp "[$VIP6]:80" "[$c6]:$p6")" = "-/$be4/$be6"
out=$(round 2)
diag "after the reload: $out"
check "IPv4: the connection through the Maglev VIP survives the reload" \
	json_check "d['results'][0] == 'ok'" <<<"$out"
check "IPv6: the connection through the Maglev VIP survives the reload" \
	json_check "d['results'][1] == 'ok'" <<<"$out"
check "IPv4: its next packet started an established flow to the same backend" \
	test "$(flow_of tcp $VIP4:80 "$c4:$p4")" = "$be4 established"
check "IPv6: its next packet started an established flow to the same backend" \
	test "$(flow_of tcp "[$VIP6]:80" "[$c6]:$p6")" = "$be6 established"
check "round robin: the connection is reset at once, not left hanging" \
	json_check "d['results'][2] == 'ConnectionResetError' and d['seconds'] < 3" <<<"$out"
out=$(round 3)
check "the Maglev connections go on ($out)" \
	json_check "d['results'][:2] == ['ok', 'ok']" <<<"$out"
touch "$TMP/stop"
rm -rf "$TMP"
finish
