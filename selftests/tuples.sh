#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tuple clashes, IPv4 and IPv6, TCP and UDP. One client port reaching one
# backend through two services at once: both flows work, the second from
# another port toward the backend (flows shows it). One client port used for
# a VIP flow and then straight to the backend it had: the direct flow works,
# its replies are not rewritten to the VIP.
source "$(dirname "$0")/lib.sh"

plan 12
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }

# sameport MODE PROTO PORT VPORT1 PORT2: sameport.py from the client.
sameport() {
	in_c "$PY" "$SELFTESTS/lib/sameport.py" "$1" "$2" "$CLIENT" "$3" "$VIP" "$4" "$5"
}

for family in 4 6; do
	use_family $family
	b0=${BACKENDS[0]}
	svcadm_n flows flush
	for proto in tcp udp; do
		for port in 81 82; do
			svcadm_n service add $proto "$(ep $VIP $port)"
			svcadm_n backend add $proto "$(ep $VIP $port)" "$(ep "$b0" 8080)"
		done
	done

	for proto in tcp udp; do
		out=$(sameport both $proto 40001 81 82)
		check "IPv$family $proto: one client port to one backend through two services at once: both answer ($out)" \
			test "$out" = "[\"$b0\", \"$b0\"]"
	done
	flows=$(svcadm_n flows -j)
	mapped=$(json_get "sorted(f['proto'] + ':' + str(f.get('mapped_port', f['client']['port'])) for f in d['flows'] if f['client']['port'] == 40001)" <<<"$flows")
	diag "IPv$family: the flows from client port 40001, port toward the backend: $mapped"
	check "IPv$family: of each pair, one flow has the client's port and one another, which flows shows" \
		json_check "sorted((f['proto'], 'mapped_port' in f) for f in d['flows'] if f['client']['port'] == 40001) == [('tcp', False), ('tcp', True), ('udp', False), ('udp', True)]" <<<"$flows"

	for proto in tcp udp; do
		out=$(sameport then $proto 40002 81 8080)
		check "IPv$family $proto: a client port used through the VIP, then straight to its backend: both answer ($out)" \
			test "$out" = "[\"$b0\", \"$b0\"]"
	done
	check "IPv$family: the direct flow retired the VIP flows of that port" \
		json_check "[f for f in d['flows'] if f['client']['port'] == 40002] == []" <<<"$(svcadm_n flows -j)"
done
finish
