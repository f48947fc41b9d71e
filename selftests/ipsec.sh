#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A request that carries a route when it reaches the PREROUTING hook is
# routed afresh for the backend. IPsec transport mode makes such requests:
# the client sends its requests to a service on the node's own address in
# ESP, and after decryption the node passes the request through PREROUTING
# again with the route of the ESP packet, which delivers to the node itself.
# TCP and UDP, IPv4 and IPv6; the replies come back in clear.
source "$(dirname "$0")/lib.sh"

command -v ip >/dev/null && ip xfrm state list >/dev/null 2>&1 ||
	skip_all "no IPsec (xfrm) support"
plan 8
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }

# esp CLIENT NODE: requests from CLIENT to NODE port 9000 go in ESP,
# transport mode; the node holds the SA to decrypt them and no policy. Null
# algorithms (RFC 2410): the path is what is tested, and a cipher's modules
# and self-tests would take 20 s to load in the test VM.
esp() {
	local ns proto
	for ns in "$NS_C" "$NS_N"; do
		ip -n "$ns" xfrm state add src "$1" dst "$2" proto esp spi 0x$((0x100 + family)) \
			mode transport enc cipher_null "" auth digest_null "" || return 1
	done
	for proto in tcp udp; do
		ip -n "$NS_C" xfrm policy add src "$1" dst "$2" proto $proto dport 9000 dir out \
			tmpl src "$1" dst "$2" proto esp mode transport || return 1
	done
}
# The packets the node decrypted with the SA of the family.
esp_packets() {
	ip -n "$NS_N" -s xfrm state get src "$1" dst "$2" proto esp spi 0x$((0x100 + family)) |
		sed -n 's/^[[:space:]]*\([0-9]*\)(bytes), \([0-9]*\)(packets).*/\2/p' | head -n1
}

for family in 4 6; do
	use_family $family
	if ((family == 4)); then node=10.0.1.1; else node=fd00:1::1; fi
	check "IPv$family: ESP transport-mode SAs set up" esp "$CLIENT" $node
	for proto in tcp udp; do
		svcadm_n service add $proto "$(ep $node 9000)"
		svcadm_n backend add $proto "$(ep $node 9000)" "$(ep "${BACKENDS[0]}" 8080)"
	done
	tcp=$(client tcp $node 9000 4 --timeout 1) udp=$(client udp $node 9000 4 --timeout 1)
	decrypted=$(esp_packets "$CLIENT" $node)
	diag "IPv$family through ESP to $node:9000: $tcp $udp; $decrypted packets decrypted"
	answered() {
		json_check "d['errors'] == 0 and d['corrupt'] == 0 and d['wrong_source'] == 0 and
			d['backends'] == {'${BACKENDS[0]}': 4}" <<<"$1"
	}
	check "IPv$family: TCP requests in ESP reach the backend" answered "$tcp"
	check "IPv$family: UDP requests in ESP reach the backend" answered "$udp"
	# 4 UDP datagrams and 4 connections of 3 segments or more.
	check "IPv$family: ... in ESP (16 packets or more decrypted)" test "${decrypted:-0}" -ge 16
done
finish
