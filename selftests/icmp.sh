#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ICMP and ICMPv6 errors about translated flows, in both directions.
# About requests: a backend's port unreachable, and fragmentation needed /
# packet too big from the node when the backend link has a smaller MTU, reach
# the client's socket (path MTU discovery through a VIP; without it, the
# upload would stall). About replies: a router on the client's side that
# cannot forward a large reply reports it to the VIP, or to the node port's
# address, and the error must reach the backend, a namespace or a socket on
# the node, for the download not to stall; and so must such an error sent by
# the node itself (LOCAL_OUT).
source "$(dirname "$0")/lib.sh"

plan 12
NS_D=svclb-d-$$
cleanup() {
	topo_cleanup
	ip netns del "$NS_D" 2>/dev/null
	rm -rf "${TMP:-}"
}
trap cleanup EXIT
load_module || exit 1
topo_setup || exit 1
TMP=$(mktemp -d)
head -c 1000000 /dev/urandom >"$TMP/in"
head -c 300000 "$TMP/in" >"$TMP/dl"

# A client behind a router, for errors about replies:
#
#   $NS_D (client)                 $NS_C (router)
#   d0 10.0.3.2-4/24 ------------- r0 10.0.3.1/24
#      fd00:3::2-4/64                 fd00:3::1/64
#
# The router's route to $NS_D allows 1280 bytes though the link carries 1500,
# so the client's MSS does not shrink the replies: the router must report
# the smaller MTU to their source as it sees it, which svclb hands on to the
# backend. Each case has its own client address: the path MTU one case
# teaches a backend does not help the next.
in_d() { ip netns exec "$NS_D" "$@"; }
ip netns add "$NS_D" || exit 1
ip link add d0 netns "$NS_D" type veth peer r0 netns "$NS_C" || exit 1
for i in 2 3 4; do
	in_d ip addr add 10.0.3.$i/24 dev d0
	in_d ip addr add fd00:3::$i/64 dev d0 nodad
done
in_d ip link set lo up
in_d ip link set d0 up
in_d ip route add default via 10.0.3.1
in_d ip route add default via fd00:3::1
in_c ip addr add 10.0.3.1/24 dev r0 noprefixroute
in_c ip addr add fd00:3::1/64 dev r0 nodad noprefixroute
in_c ip link set r0 up
in_c ip route add 10.0.3.0/24 dev r0 mtu 1280
in_c ip route add fd00:3::/64 dev r0 mtu 1280
in_c sysctl -qw net.ipv4.ip_forward=1
in_c sysctl -qw net.ipv6.conf.all.forwarding=1
in_n ip route add 10.0.3.0/24 via 10.0.1.2
in_n ip route add fd00:3::/64 via fd00:1::2
# A local socket is routed before any hook sees its packets: the node routes
# the VIPs towards a neighbour that does not answer, so an error it sends to
# a VIP reaches the backend only if svclb translates and re-routes it.
in_n ip route add 10.96.0.0/16 via 10.0.1.99
in_n ip -6 route add fd00:96::/64 via fd00:1::99

# download RUN ADDR PORT TARGET SRC: $TMP/dl from a socat listening on
# ADDR:PORT in the namespace that RUN enters, to a client of $NS_D bound to
# SRC that connects to TARGET; whether it arrives whole.
download() {
	local run=$1 addr=$2 port=$3 target=$4 src=$5 i
	rm -f "$TMP/down"
	bg "$run" timeout 30 socat -u "OPEN:$TMP/dl" \
		"TCP$family-LISTEN:$port,bind=$(host "$addr"),reuseaddr"
	for i in $(seq 100); do
		"$run" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	local t0=$EPOCHREALTIME
	in_d timeout 20 socat -u "TCP$family:$target,bind=$(host "$src")" \
		"CREATE:$TMP/down"
	diag "$(stat -c %s "$TMP/down" 2>/dev/null || echo 0) bytes in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s"
	cmp -s "$TMP/dl" "$TMP/down"
}

start_servers 5301 || { not_ok "servers start"; finish; }
for family in 4 6; do
	use_family $family
	node=10.0.1.1 any=0.0.0.0 dnet=10.0.3.
	((family == 6)) && node=fd00:1::1 any=:: dnet=fd00:3::
	be=${BACKENDS[0]}

	# Nothing listens on the backend port: the backend answers ICMP.
	svcadm_n service add udp "$(ep $VIP 5300)"
	svcadm_n backend add udp "$(ep $VIP 5300)" "$(ep "$be" 9)"
	out=$(client udp $VIP 5300 1)
	diag "IPv$family: $out"
	check "IPv$family: a backend's port unreachable reaches the client's socket" \
		grep -q "Connection refused" <<<"$out"

	# The node's link to the backends is narrower than the others: the
	# backend still advertises an MSS for 1500 bytes, and the node must
	# report the smaller MTU to the client.
	in_n ip link set n1 mtu 1280
	svcadm_n service add tcp "$(ep $VIP 9000)"
	svcadm_n backend add tcp "$(ep $VIP 9000)" "$(ep "$be" 9001)"
	rm -f "$TMP/up"
	bg in_b timeout 60 socat -u "TCP$family-LISTEN:9001,bind=$(host "$be"),reuseaddr" "CREATE:$TMP/up"
	wait_listen 9001
	in_c timeout 30 socat -u "OPEN:$TMP/in" "TCP$family:$(ep $VIP 9000)"
	sleep 0.5
	check "IPv$family: 1 MB upload over a narrower backend link completes (PMTU discovery)" \
		cmp -s "$TMP/in" "$TMP/up"
	in_n ip link set n1 mtu 1500

	svcadm_n service add tcp "$(ep $VIP 9100)"
	svcadm_n backend add tcp "$(ep $VIP 9100)" "$(ep "$be" 9101)"
	check "IPv$family: 300 KB download through a narrower router completes (PMTU to the backend)" \
		download in_b "$be" 9101 "$(ep $VIP 9100)" "${dnet}2"

	svcadm_n service add tcp "$(ep $any 30100)"
	svcadm_n backend add tcp "$(ep $any 30100)" "$(ep "$be" 9102)"
	check "IPv$family: the same through a node port" \
		download in_b "$be" 9102 "$(ep $node 30100)" "${dnet}3"

	svcadm_n service add tcp "$(ep $VIP 9200)"
	svcadm_n backend add tcp "$(ep $VIP 9200)" "$(ep $node 9103)"
	check "IPv$family: the same from a backend on the node" \
		download in_n "$node" 9103 "$(ep $VIP 9200)" "${dnet}4"

	# The node itself reports that it cannot forward a datagram of a UDP
	# flow from the VIP to the client: the backend learns the path MTU.
	svcadm_n service add udp "$(ep $VIP 5301)"
	svcadm_n backend add udp "$(ep $VIP 5301)" "$(ep "$be" 5301)"
	in_c "$PY" -c "import socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', 40123)); s.settimeout(5)
s.sendto(b'x', (sys.argv[1], 5301)); s.recv(100)" $VIP
	in_n "$PY" "$SELFTESTS/lib/icmperr.py" $VIP 5301 $CLIENT 40123 1300
	sleep 0.2
	out=$(in_b ip route get $CLIENT from "$be")
	diag "IPv$family: $out"
	check "IPv$family: an error the node sends to a VIP about a reply reaches the backend" \
		grep -q "mtu 1300" <<<"$out"
done
finish
