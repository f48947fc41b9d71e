#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bulk TCP through a VIP over veth with TSO, GSO and checksum offload on:
# the data arrives intact and there is no retransmission storm. Prints the
# throughput as a ratio of the same transfer straight to the backend, in the
# same VM run (a figure, not a pass/fail threshold).
source "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || skip_all "iperf3 missing"
plan 5
dir=$(mktemp -d)
trap 'topo_cleanup; rm -rf "$dir"' EXIT
load_module || exit 1
topo_setup || exit 1
offloads_on() {
	local ns dev
	for ns_dev in "$NS_C c0" "$NS_N n0" "$NS_N n1" "$NS_B b0"; do
		read -r ns dev <<<"$ns_dev"
		ip netns exec "$ns" ethtool -K "$dev" tso on gso on tx on >/dev/null 2>&1
		ip netns exec "$ns" ethtool -k "$dev" | grep -qx "tcp-segmentation-offload: on" || return 1
	done
}
check "TSO, GSO and checksum offload on every veth" offloads_on
bg in_b iperf3 -s -B "${BACKENDS[0]}" -p 5201 >/dev/null
wait_listen 5201

svcadm_n service add tcp "$(ep $VIP 5201)"
svcadm_n backend add tcp "$(ep $VIP 5201)" "$(ep "${BACKENDS[0]}" 5201)"
iperf() { in_c iperf3 -J -t 4 -c "$1" -p 5201 2>/dev/null; }
direct=$(iperf "${BACKENDS[0]}")
sleep 0.5
vip=$(iperf $VIP)
rate() { json_get "round(d['end']['sum_received']['bits_per_second'] / 1e6)" <<<"$1"; }
retr() { json_get "d['end']['sum_sent']['retransmits']" <<<"$1"; }
diag "direct: $(rate "$direct") Mbit/s, $(retr "$direct") retransmits"
diag "VIP:    $(rate "$vip") Mbit/s, $(retr "$vip") retransmits"
diag "throughput through the VIP / direct: $("$PY" -c "print(round($(rate "$vip") / max($(rate "$direct"), 1), 2))")"
check "bulk TCP through the VIP moves data" test "$(rate "$vip")" -gt 0
# Retransmissions per segment (of 1448 bytes): through the VIP, at most
# 1 % more than straight to the backend, which shows what a loaded host
# costs on its own.
check "no retransmission storm (at most 1 % of segments more than direct)" \
	json_check "(lambda per_seg: per_seg(d[0]) <= per_seg(d[1]) + 0.01)(lambda t:
		t['end']['sum_sent']['retransmits'] / max(t['end']['sum_received']['bytes'] // 1448, 1))" \
	<<<"[$vip, $direct]"
check "the flow was translated (service counters moved)" \
	json_check "d['services'][0]['stats']['bytes_in'] > 1000000" <<<"$(svcadm_n list -j)"

# The data arrives intact: 8 MB through the VIP, compared byte for byte.
svcadm_n service add tcp "$(ep $VIP 9000)"
svcadm_n backend add tcp "$(ep $VIP 9000)" "$(ep "${BACKENDS[0]}" 9001)"
head -c 8000000 /dev/urandom >"$dir/in"
vip_transfer up "$dir/in" "$dir/out" 120
check "8 MB through the VIP arrive byte for byte" cmp -s "$dir/in" "$dir/out"
finish
