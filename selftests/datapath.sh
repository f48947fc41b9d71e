#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TCP and UDP through a VIP to three backends, IPv4 or IPv6, with and without
# conntrack tracking the node's connections: spreading, intact payloads,
# replies from the VIP, backend and service removal, weights in `svcadm
# list`; with IPv6, a dual-stack pair of services on the same backends.
#
# usage: datapath.sh [--conntrack] [--ipv6]
source "$(dirname "$0")/lib.sh"

conntrack=0 family=4
for arg; do
	case $arg in
	--conntrack) conntrack=1 ;;
	--ipv6) family=6 ;;
	*) echo "usage: $0 [--conntrack] [--ipv6]" >&2; exit 2 ;;
	esac
done
use_family $family
if ((conntrack)); then
	need_modules nf_conntrack 2>/dev/null || skip_all "nf_conntrack cannot be loaded"
fi

plan $((20 + (family == 6)))
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 9000 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)

# Round robin: every backend gets exactly its share of the flows below.
svcadm_n service add tcp "$(ep $VIP 80)" sched rr
svcadm_n service add udp "$(ep $VIP 53)" sched rr
for b in "${BACKENDS[@]}"; do
	svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
	svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
done
if ((conntrack)); then
	# A stateful forward filter: only what conntrack knows passes.
	in_n nft -f - <<-EOF2
	table inet filter {
		chain forward {
			type filter hook forward priority 0; policy drop;
			ct state established,related accept
			ct state new ip daddr 10.0.2.0/24 accept
			ct state new ip6 daddr fd00:2::/64 accept
		}
	}
	EOF2
fi

# Every backend gets flows; replies are intact and come from the VIP.
spread_ok() {
	local tally=$1 n=$2
	json_check "d['errors'] == 0 and d['corrupt'] == 0 and d['wrong_source'] == 0 and
		sorted(d['backends']) == sorted('${BACKENDS[*]}'.split()) and
		sum(d['backends'].values()) == $n" <<<"$tally"
}
tcp=$(client tcp $VIP 80 30)
diag "tcp: $tcp"
check "tcp: 30 connections spread over 3 backends, echoed intact" spread_ok "$tcp" 30
udp=$(client udp $VIP 53 30)
diag "udp: $udp"
check "udp: 30 flows spread over 3 backends, intact, from the VIP" spread_ok "$udp" 30

# Datagrams larger than the MTU: fragmented, reassembled before translation,
# fragmented again on the way out, both ways.
big=$(client udp $VIP 53 3 --size 5000)
diag "udp 5000 bytes: $big"
check "udp: 5000-byte datagrams (fragmented) arrive whole both ways" \
	json_check "d['errors'] == 0 and d['corrupt'] == 0 and sum(d['backends'].values()) == 3" <<<"$big"

# Counters in svcadm list match what the client saw.
list=$(svcadm_n list -j)
counters_ok() {
	json_check "all(b['stats']['packets_in'] > 0 and b['stats']['packets_out'] > 0
		for s in d['services'] for b in s['backends']) and
		all(b['stats']['flows'] == 10 for s in d['services'] if s['proto'] == 'tcp'
		for b in s['backends']) and
		[s['stats']['flows'] for s in d['services']] == [30, 33]" <<<"$list"
}
check "svcadm list: per-backend flows and packet counters" counters_ok

# Bulk payloads both ways, byte for byte.
svcadm_n service add tcp "$(ep $VIP 9000)"
svcadm_n backend add tcp "$(ep $VIP 9000)" "$(ep "${BACKENDS[0]}" 9001)"
head -c 3000000 /dev/urandom >"$TMP/in"
vip_transfer up "$TMP/in" "$TMP/up" 60
check "tcp: 3 MB upload through the VIP arrives byte for byte" cmp -s "$TMP/in" "$TMP/up"
vip_transfer down "$TMP/in" "$TMP/down" 60
check "tcp: 3 MB download through the VIP arrives byte for byte" cmp -s "$TMP/in" "$TMP/down"

if ((conntrack)); then
	# A fresh flow: conntrack forgets idle UDP entries after 30 s.
	client udp $VIP 53 3 >/dev/null
	ct=$(in_n conntrack -L -f ipv$family -p udp --orig-dst "${BACKENDS[0]}" 2>/dev/null)
	diag "conntrack: $(head -n1 <<<"$ct")"
	check "conntrack -L shows the client-to-backend flow" \
		grep -q "src=$CLIENT dst=${BACKENDS[0]} .*dport=8080 src=${BACKENDS[0]} dst=$CLIENT" <<<"$ct"
else
	# Loaded with svclb, which links against it (for node ports): no rule
	# here asks for it, so it tracks nothing in this namespace.
	check "conntrack tracked no flow in the router's namespace" \
		test "$(in_n cat /proc/sys/net/netfilter/nf_conntrack_count)" = 0
fi

# Weight changes show in the list.
svcadm_n backend set tcp "$(ep $VIP 80)" "$(ep "${BACKENDS[1]}" 8080)" weight 7
weight=$(svcadm_n list -j | json_get "[b['weight'] for s in d['services'] if s['port'] == 80 and s['proto'] == 'tcp' for b in s['backends'] if b['address'] == '${BACKENDS[1]}'][0]")
check "backend set ... weight 7 shows in svcadm list" test "$weight" = 7
check "svcadm list shows the weight" grep -qF "$(ep "${BACKENDS[1]}" 8080)  weight 7" <<<"$(svcadm_n list)"

# A deleted backend gets no new flow; the others still do.
svcadm_n backend del tcp "$(ep $VIP 80)" "$(ep "${BACKENDS[2]}" 8080)"
svcadm_n backend del udp "$(ep $VIP 53)" "$(ep "${BACKENDS[2]}" 8080)"
not_to() {
	json_check "d['errors'] == 0 and '${BACKENDS[2]}' not in d['backends'] and
		len(d['backends']) == 2" <<<"$1"
}
tcp=$(client tcp $VIP 80 20)
diag "tcp after delete: $tcp"
check "tcp: a deleted backend gets no new flow" not_to "$tcp"
udp=$(client udp $VIP 53 20)
diag "udp after delete: $udp"
check "udp: a deleted backend gets no new flow" not_to "$udp"
list=$(svcadm_n list -j)
check "svcadm list no longer shows the deleted backend" \
	json_check "'${BACKENDS[2]}' not in [b['address'] for s in d['services'] for b in s['backends']]" <<<"$list"

# A service without backends refuses connections at once (TCP RST, ICMP).
svcadm_n backend del tcp "$(ep $VIP 80)" "$(ep "${BACKENDS[0]}" 8080)"
svcadm_n backend del tcp "$(ep $VIP 80)" "$(ep "${BACKENDS[1]}" 8080)"
out=$(client tcp $VIP 80 1)
check "tcp: no backend: connection refused" grep -q "Connection refused" <<<"$out"
svcadm_n service set tcp "$(ep $VIP 80)" flags silent-drop
out=$(client tcp $VIP 80 1 --timeout 1)
check "tcp: no backend, silent-drop: the SYN is dropped, not refused" grep -q "timed out" <<<"$out"
refused() {
	svcadm_n list -j | json_get "[s['stats']['refused'] for s in d['services'] if s['proto'] == '$1' and s['port'] == $2][0]"
}
check "tcp: both refusals counted (refused $(refused tcp 80))" test "$(refused tcp 80)" -ge 2
svcadm_n backend del udp "$(ep $VIP 53)" "$(ep "${BACKENDS[0]}" 8080)"
svcadm_n backend del udp "$(ep $VIP 53)" "$(ep "${BACKENDS[1]}" 8080)"
out=$(client udp $VIP 53 1)
check "udp: no backend: port unreachable" grep -q "Connection refused" <<<"$out"
check "udp: the refusal counted" test "$(refused udp 53)" = 1

# A deleted service: the VIP stops answering.
svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "${BACKENDS[0]}" 8080)"
svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "${BACKENDS[0]}" 8080)"
check "tcp: VIP answers before the service is deleted" \
	json_check "d['backends'] == {'${BACKENDS[0]}': 3}" <<<"$(client tcp $VIP 80 3)"
svcadm_n service del tcp "$(ep $VIP 80)"
svcadm_n service del udp "$(ep $VIP 53)"
check "tcp: a deleted service no longer answers" \
	json_check "d['errors'] == 2 and not d['backends']" <<<"$(client tcp $VIP 80 2 --timeout 1)"
check "udp: a deleted service no longer answers" \
	json_check "d['errors'] == 2 and not d['backends']" <<<"$(client udp $VIP 53 2 --timeout 1)"
if ((family == 6)); then
	# Dual stack: an IPv4 and an IPv6 VIP for the same backends at once.
	svcadm_n service add tcp "$(ep $VIP4 80)" sched rr
	svcadm_n service add tcp "$(ep $VIP6 80)" sched rr
	for i in 0 1 2; do
		svcadm_n backend add tcp "$(ep $VIP4 80)" "$(ep "${BACKENDS4[i]}" 8080)"
		svcadm_n backend add tcp "$(ep $VIP6 80)" "$(ep "${BACKENDS6[i]}" 8080)"
	done
	t4=$(client tcp $VIP4 80 6) t6=$(client tcp $VIP6 80 6)
	diag "dual stack: $t4 $t6"
	check "dual stack: the IPv4 and the IPv6 VIP both spread over the backends" \
		test "$(json_get "d['errors'] == 0 and len(d['backends']) == 3" <<<"$t4")/$(
			json_get "d['errors'] == 0 and len(d['backends']) == 3" <<<"$t6")" = True/True
fi
rm -rf "$TMP"
finish
