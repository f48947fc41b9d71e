#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Malformed packets (lib/malformed.py), IPv4 and IPv6, to the VIP, into live
# flows and, as ICMP errors, from the backend: truncated IP, TCP, UDP and
# SCTP headers, lengths that disagree, bad checksums, IP options and IPv6
# extension headers, tiny, overlapping and stray fragments, bogus ICMP
# quotes, SCTP packets of several chunks. Meanwhile a TCP and a UDP flow
# through the VIP exchange messages every 20 ms and must stay intact.
# svclb leaves packets with incomplete headers alone (the stack drops and
# counts them: the node's counters are shown), counts every packet it
# refuses, and keeps a bad L4 checksum bad when it translates (the backend
# counts it). At the end the kernel log must hold no report.
source "$(dirname "$0")/lib.sh"

plan 12
trap topo_cleanup EXIT
load_module || exit 1
need_modules sctp 2>/dev/null
dmesg_mark
topo_setup || exit 1
start_servers 8080 || exit 1
TMP=$(mktemp -d)
nmac=$(in_n cat /sys/class/net/n0/address)
n1mac=$(in_n cat /sys/class/net/n1/address)
COUNTERS='IpInHdrErrors|IpInTruncatedPkts|IpExtInTruncatedPkts|IpExtInCsumErrors|IpReasmFails|IpInDiscards|IpInUnknownProtos|Ip6InHdrErrors|Ip6InTruncatedPkts|Ip6ReasmFails|Ip6InDiscards|Ip6InUnknownProtos|TcpInErrs|TcpInCsumErrors|UdpInErrors|UdpInCsumErrors|Udp6InErrors|Udp6InCsumErrors|TcpExtTCPACKSkippedSeq|IcmpInErrors|Icmp6InErrors|TcpExtOutOfWindowIcmps'
# counters NS: the kernel's drop counters of a namespace, "NAME VALUE" lines.
counters() { ip netns exec "$1" nstat -az 2>/dev/null | awk -v re="^($COUNTERS)\$" '$1 ~ re { print $1, $2 }'; }
# delta BEFORE AFTER: the counters that grew, and by how much.
delta() { join <(sort <<<"$1") <(sort <<<"$2") | awk '$3 > $2 { printf "%s+%d ", $1, $3 - $2 }'; }
svc_stat() { # svc_stat PROTO PORT FIELD
	svcadm_n list -j | json_get "sum(s['stats']['$3'] for s in d['services'] if s['proto'] == '$1' and s['port'] == $2 and s['address'] == '$VIP')"
}

# Both families at once: one scapy start-up, which is slow under TCG.
rm -f "$TMP"/stop
pids=()
for family in 4 6; do
	use_family $family
	for proto in tcp udp sctp; do
		for port in 80 81; do
			svcadm_n service add $proto "$(ep $VIP $port)"
			svcadm_n backend add $proto "$(ep $VIP $port)" "$(ep "${BACKENDS[0]}" 8080)"
		done
		svcadm_n service add $proto "$(ep $VIP 82)"
	done
	for f in tcp udp; do
		in_c "$PY" "$SELFTESTS/lib/live.py" $f $VIP 80 "$TMP/port.$f$family" "$TMP/stop" >"$TMP/live.$f$family" &
		pids+=($!)
	done
done
for i in $(seq 200); do
	[[ -s $TMP/port.tcp4 && -s $TMP/port.udp4 && -s $TMP/port.tcp6 && -s $TMP/port.udp6 ]] && break
	sleep 0.1
done
cfg=$(cat <<-EOT
	{"c_iface": "c0", "c_mac": "$(in_c cat /sys/class/net/c0/address)", "c_dst": "$nmac",
	 "b_iface": "b0", "b_mac": "$(in_b cat /sys/class/net/b0/address)", "b_dst": "$n1mac",
	 "4": {"client": "10.0.1.2", "vip": "$VIP4", "backend": "${BACKENDS4[0]}",
	       "tcp_sport": $(cat "$TMP/port.tcp4"), "udp_sport": $(cat "$TMP/port.udp4")},
	 "6": {"client": "fd00:1::2", "vip": "$VIP6", "backend": "${BACKENDS6[0]}",
	       "tcp_sport": $(cat "$TMP/port.tcp6"), "udp_sport": $(cat "$TMP/port.udp6")}}
EOT
)
node0=$(counters "$NS_N") be0=$(counters "$NS_B")
start=$SECONDS
res=$(in_c "$PY" "$SELFTESTS/lib/malformed.py" "/var/run/netns/$NS_B" "$cfg")
diag "sent: $res in $((SECONDS - start)) s"
sleep 1
touch "$TMP/stop"
wait "${pids[@]}"
diag "node counters: $(delta "$node0" "$(counters "$NS_N")")"
diag "backend counters: $(delta "$be0" "$(counters "$NS_B")")"
csum=$(delta "$be0" "$(counters "$NS_B")" | grep -oE '(Tcp|Udp|Udp6)InCsumErrors\+[0-9]+' | cut -d+ -f2 | paste -sd+ | bc)

for family in 4 6; do
	use_family $family
	for f in tcp udp; do
		diag "IPv$family: live $f flow: $(cat "$TMP/live.$f$family")"
		check "IPv$family: the live $f flow through the VIP stayed intact" \
			json_check "d['ok'] >= 20 and d['bad'] == 0 and not d['error']" <"$TMP/live.$f$family"
	done
	flows81=0 pkts81=0 refused=0
	for proto in tcp udp sctp; do
		flows81=$((flows81 + $(svc_stat $proto 81 active_flows) + $(svc_stat $proto 81 flows) + $(svc_stat $proto 81 dropped)))
		pkts81=$((pkts81 + $(svc_stat $proto 81 packets_in)))
		refused=$((refused + $(svc_stat $proto 82 refused)))
	done
	diag "IPv$family: port 81: $flows81 flows or drops, $pkts81 packets translated"
	check "IPv$family: incomplete headers start no flow, are not translated nor dropped by svclb" \
		test "$flows81" -eq 0 -a "$pkts81" -eq 0
	want=$(json_get "d['$family']['refusable']" <<<"$res")
	diag "IPv$family: refused by the service without backends: $refused, expected $want"
	check "IPv$family: every packet refused for want of a backend is counted, no other" \
		test "$refused" -eq "${want:--1}"
	out=$(client tcp $VIP 80 3; client udp $VIP 80 3)
	check "IPv$family: new flows through the VIP after the barrage" \
		test "$(grep -c "\"${BACKENDS[0]}\": 3" <<<"$out")" -eq 2
done
want=$(json_get "d['4']['bad_l4_csum'] + d['6']['bad_l4_csum']" <<<"$res")
check "bad TCP and UDP checksums stay bad through the translation ($csum >= $want at the backend)" \
	test "${csum:-0}" -ge "${want:-1}"
check "no kernel report (BUG, WARNING, KASAN, UBSAN, lockdep...)" dmesg_clean
rm -rf "$TMP"
finish
