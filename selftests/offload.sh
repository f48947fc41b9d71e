#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bulk TCP through a VIP over veth with TSO, GSO and checksum offload on:
# the data is correct and there is no retransmission storm. Prints the
# throughput as a ratio of the same transfer straight to the backend, in the
# same VM run (a figure, not a pass/fail threshold).
source "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || skip_all "iperf3 missing"
plan 5
trap topo_cleanup EXIT
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
segs() { json_get "d['end']['sum_received']['bytes'] // 1448" <<<"$1"; }
diag "direct: $(rate "$direct") Mbit/s, $(retr "$direct") retransmits"
diag "VIP:    $(rate "$vip") Mbit/s, $(retr "$vip") retransmits"
diag "throughput through the VIP / direct: $("$PY" -c "print(round($(rate "$vip") / max($(rate "$direct"), 1), 2))")"
check "bulk TCP through the VIP moves data" test "$(rate "$vip")" -gt 0
check "the receiver got what the sender sent" \
	json_check "d['end']['sum_received']['bytes'] > 0 and
		d['end']['sum_received']['bytes'] >= 0.99 * d['end']['sum_sent']['bytes']" <<<"$vip"
check "no retransmission storm (< 1 % of segments)" \
	test "$(retr "$vip")" -le $(( $(segs "$vip") / 100 ))
check "the flow was translated (service counters moved)" \
	json_check "d['services'][0]['stats']['bytes_in'] > 1000000" <<<"$(svcadm_n list -j)"
finish
