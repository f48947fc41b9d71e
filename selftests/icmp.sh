#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ICMP and ICMPv6 errors about translated flows reach the client's socket:
# a backend's port unreachable, and fragmentation needed / packet too big
# from the node when the backend link has a smaller MTU (path MTU discovery
# through a VIP; without it, the upload would stall).
source "$(dirname "$0")/lib.sh"

plan 4
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
TMP=$(mktemp -d)
head -c 1000000 /dev/urandom >"$TMP/in"
# The node's link to the backends is narrower than the others: the backend
# still advertises an MSS for 1500 bytes, and the node must report the
# smaller MTU to the client.
in_n ip link set n1 mtu 1280

for family in 4 6; do
	use_family $family
	# Nothing listens on the backend port: the backend answers ICMP.
	svcadm_n service add udp "$(ep $VIP 5300)"
	svcadm_n backend add udp "$(ep $VIP 5300)" "$(ep "${BACKENDS[0]}" 9)"
	out=$(client udp $VIP 5300 1)
	diag "IPv$family: $out"
	check "IPv$family: a backend's port unreachable reaches the client's socket" \
		grep -q "Connection refused" <<<"$out"

	svcadm_n service add tcp "$(ep $VIP 9000)"
	svcadm_n backend add tcp "$(ep $VIP 9000)" "$(ep "${BACKENDS[0]}" 9001)"
	rm -f "$TMP/up"
	bg in_b timeout 60 socat -u "TCP$family-LISTEN:9001,bind=$(host "${BACKENDS[0]}"),reuseaddr" "CREATE:$TMP/up"
	wait_listen 9001
	in_c timeout 30 socat -u "OPEN:$TMP/in" "TCP$family:$(ep $VIP 9000)"
	sleep 0.5
	check "IPv$family: 1 MB upload over a narrower backend link completes (PMTU discovery)" \
		cmp -s "$TMP/in" "$TMP/up"
done
rm -rf "$TMP"
finish
