#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two nodes, A and B (two namespaces), balance the same VIPs over the same
# backends with the same seed, IPv4 and IPv6: they choose the same backend
# for every flow (svcadm lookup and real connections); a connection set up
# through A keeps working when its routes move to B, which never saw it
# (Maglev takes the mid-stream packet to the same backend); through a
# round-robin service the moved connection is reset instead.
#
#   client 10.0.1.2 --+-- A 10.0.1.1 | 10.0.2.254 --+-- backends 10.0.2.1-3
#      fd00:1::2      |   fd00:1::1  | fd00:2::fe   |   fd00:2::1-3
#                     +-- B 10.0.1.3 | 10.0.2.253 --+
#                         fd00:1::3  | fd00:2::fd
source "$(dirname "$0")/lib.sh"

SEED=0xc0ffee0ddba11
plan 12
NS_C=svclb-c-$$ NS_N=svclb-a-$$ NS_M=svclb-m-$$ NS_B=svclb-b-$$ NS_L=svclb-l-$$
cleanup() {
	topo_cleanup
	ip netns del "$NS_M" 2>/dev/null
	ip netns del "$NS_L" 2>/dev/null
}
trap cleanup EXIT
in_m() { ip netns exec "$NS_M" "$@"; }
svcadm_m() { ip netns exec "$NS_M" "$SVCADM" "$@"; }

# Two LAN segments: a bridge each in NS_L.
topo() {
	local ns
	for ns in "$NS_C" "$NS_N" "$NS_M" "$NS_B" "$NS_L"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	ip -n "$NS_L" link add front type bridge && ip -n "$NS_L" link add back type bridge || return 1
	# port NS DEV BRIDGE: a veth from NS into the bridge, lDEV on its side
	port() {
		ip link add "$2" netns "$1" type veth peer "l$2" netns "$NS_L" &&
			ip -n "$NS_L" link set "l$2" master "$3" up && ip -n "$1" link set "$2" up
	}
	port "$NS_C" c0 front && port "$NS_N" a0 front && port "$NS_M" m0 front &&
		port "$NS_N" a1 back && port "$NS_M" m1 back && port "$NS_B" b0 back || return 1
	ip -n "$NS_L" link set front up && ip -n "$NS_L" link set back up
	ip -n "$NS_C" addr add 10.0.1.2/24 dev c0 && ip -n "$NS_C" addr add fd00:1::2/64 dev c0 nodad
	ip -n "$NS_N" addr add 10.0.1.1/24 dev a0 && ip -n "$NS_N" addr add fd00:1::1/64 dev a0 nodad
	ip -n "$NS_M" addr add 10.0.1.3/24 dev m0 && ip -n "$NS_M" addr add fd00:1::3/64 dev m0 nodad
	ip -n "$NS_N" addr add 10.0.2.254/24 dev a1 && ip -n "$NS_N" addr add fd00:2::fe/64 dev a1 nodad
	ip -n "$NS_M" addr add 10.0.2.253/24 dev m1 && ip -n "$NS_M" addr add fd00:2::fd/64 dev m1 nodad
	local b
	for b in "${BACKENDS4[@]}"; do ip -n "$NS_B" addr add "$b/24" dev b0; done
	for b in "${BACKENDS6[@]}"; do ip -n "$NS_B" addr add "$b/64" dev b0 nodad; done
	for ns in "$NS_N" "$NS_M"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
}
# via NODE: the client's routes to the VIPs and the backends' routes back.
via() {
	local v4=10.0.1.1 v6=fd00:1::1 b4=10.0.2.254 b6=fd00:2::fe
	[[ $1 == B ]] && v4=10.0.1.3 v6=fd00:1::3 b4=10.0.2.253 b6=fd00:2::fd
	ip -n "$NS_C" route replace $VIP4/32 via $v4 &&
		ip -n "$NS_C" -6 route replace $VIP6/128 via $v6 &&
		ip -n "$NS_B" route replace default via $b4 &&
		ip -n "$NS_B" -6 route replace default via $b6
}
# configure SVCADM_FN forward|reverse: the seed, Maglev services for both
# families and a round-robin one, backends added in the given order.
configure() {
	local run=$1 order=(0 1 2) i
	[[ $2 == reverse ]] && order=(2 1 0)
	$run config seed $SEED
	$run service add tcp "$VIP4:80"
	$run service add tcp "[$VIP6]:80"
	$run service add tcp "$VIP4:81" sched rr
	for i in "${order[@]}"; do
		$run backend add tcp "$VIP4:80" "${BACKENDS4[i]}:8080"
		$run backend add tcp "[$VIP6]:80" "[${BACKENDS6[i]}]:8080"
		$run backend add tcp "$VIP4:81" "${BACKENDS4[i]}:8080"
	done
}
lookup_on() { # lookup_on NS VIP: where 1000 generated flows would go
	ip netns exec "$1" "$PY" "$SELFTESTS/lib/lookup.py" tcp "$2" 80 --generate 1000 |
		json_get "' '.join(x['new'] for x in d)"
}
flow_on() { # flow_on SVCADM_FN VIP:PORT CLIENT:PORT: "BACKEND STATE" or "-"
	local run=$1
	shift
	$run lookup -j tcp "$@" | json_get "d['flow']['address'] + ' ' + d['flow']['state'] if d['flow'] else '-'"
}
round() { # round K: the long-lived connections' K-th round
	touch "$TMP/round-$1"
	for i in $(seq 150); do [[ $(wc -l <"$TMP/conns") -gt $1 ]] && break; sleep 0.2; done
	sed -n "$(($1 + 1))p" "$TMP/conns"
}

load_module || exit 1
topo || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)
configure svcadm_n forward
configure svcadm_m reverse
via A

for family in 4 6; do
	use_family $family
	a=$(lookup_on "$NS_N" $VIP) b=$(lookup_on "$NS_M" $VIP)
	diag "IPv$family: 1000 flows on A: $(tr ' ' '\n' <<<"$a" | sort | uniq -c | xargs)"
	check "IPv$family: A and B choose the same backend for each of 1000 flows" \
		test -n "$a" -a "$a" = "$b"
done
svcadm_m config seed 1
b=$(lookup_on "$NS_M" $VIP4)
same=$("$PY" -c "import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(sum(x == y for x, y in zip(a, b)))" "$(lookup_on "$NS_N" $VIP4)" "$b")
check "with another seed, B chooses otherwise (same choice for $same of 1000 flows)" \
	test "$same" -lt 500
svcadm_m config seed $SEED

# Long-lived connections through A, and short ones from fixed ports.
bg in_c "$PY" "$SELFTESTS/lib/conns.py" "$TMP" $VIP4 80 $VIP6 80 $VIP4 81 >"$TMP/conns"
for i in $(seq 100); do [[ -s $TMP/conns ]] && break; sleep 0.2; done
read -r be4 be6 be_rr c4 p4 c6 p6 <<<"$(json_get "' '.join(d['backends'] + [str(x) for c in d['clients'][:2] for x in c])" <"$TMP/conns")"
diag "through A: IPv4 $c4:$p4 -> $be4, IPv6 [$c6]:$p6 -> $be6, round robin -> $be_rr"
out=$(round 1)
check "through A: the three connections echo" json_check "d['results'] == ['ok', 'ok', 'ok']" <<<"$out"
short4_a=$(in_c "$PY" "$SELFTESTS/lib/fromports.py" $VIP4 80 10.0.1.2 50000 12)
short6_a=$(in_c "$PY" "$SELFTESTS/lib/fromports.py" $VIP6 80 fd00:1::2 50000 12)
sleep 0.5

# A goes away; the routes move to B.
via B
ip -n "$NS_N" link set a0 down
ip -n "$NS_N" link set a1 down
check "B has never seen the connections" \
	test "$(flow_on svcadm_m $VIP4:80 "$c4:$p4")" = "-"
out=$(round 2)
diag "through B: $out"
check "IPv4: the connection set up through A goes on through B" \
	json_check "d['results'][0] == 'ok'" <<<"$out"
check "IPv6: the connection set up through A goes on through B" \
	json_check "d['results'][1] == 'ok'" <<<"$out"
check "IPv4: B took it to the same backend, as an established flow" \
	test "$(flow_on svcadm_m $VIP4:80 "$c4:$p4")" = "$be4 established"
check "IPv6: B took it to the same backend, as an established flow" \
	test "$(flow_on svcadm_m "[$VIP6]:80" "[$c6]:$p6")" = "$be6 established"
check "round robin: B resets the moved connection at once" \
	json_check "d['results'][2] == 'ConnectionResetError' and d['seconds'] < 3" <<<"$out"

short4_b=$(in_c "$PY" "$SELFTESTS/lib/fromports.py" $VIP4 80 10.0.1.2 50000 12)
short6_b=$(in_c "$PY" "$SELFTESTS/lib/fromports.py" $VIP6 80 fd00:1::2 50000 12)
diag "IPv4 from ports 50000-50011 through A: $short4_a, through B: $short4_b"
check "IPv4: connections from the same 12 ports reach the same backends through B as through A" \
	json_check "None not in d and len(set(d)) > 1 and d == json.loads('$short4_b')" <<<"$short4_a"
check "IPv6: connections from the same 12 ports reach the same backends through B as through A" \
	json_check "None not in d and len(set(d)) > 1 and d == json.loads('$short6_b')" <<<"$short6_a"
touch "$TMP/stop"
rm -rf "$TMP"
finish
