#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Clients and backends on the node itself: a process in the namespace where
# svclb runs reaches a VIP (LOCAL_OUT, re-routed after the rewrite; replies
# through LOCAL_IN), a pod reaches a backend that is the node itself, and so
# does a process on the node (its translated packets loop back through lo
# and cross PREROUTING again: they are no direct flow to the backend).
source "$(dirname "$0")/lib.sh"

plan 6
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
bg in_n "$PY" "$SELFTESTS/lib/servers.py" --ports 8081 10.0.1.1 fd00:1::1
# A local socket is routed before any hook sees its packets, so the node needs
# a route that covers the VIPs, as nodes have (usually their default route).
in_n ip route add 10.96.0.0/16 dev n1
in_n ip -6 route add fd00:96::/64 dev n1

for family in 4 6; do
	use_family $family
	node=10.0.1.1
	((family == 6)) && node=fd00:1::1
	# Round robin: six flows reach all three backends.
	svcadm_n service add tcp "$(ep $VIP 80)" sched rr
	svcadm_n service add udp "$(ep $VIP 53)" sched rr
	for b in "${BACKENDS[@]}"; do
		svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
		svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
	done
	tcp=$(in_n "$PY" "$SELFTESTS/lib/client.py" tcp $VIP 80 6)
	udp=$(in_n "$PY" "$SELFTESTS/lib/client.py" udp $VIP 53 6)
	diag "IPv$family from the node: $tcp $udp"
	check "IPv$family: a process on the node reaches every backend through the VIP" \
		test "$(json_get "d['errors'] == 0 and d['corrupt'] == 0 and len(d['backends']) == 3" <<<"$tcp")/$(
			json_get "d['errors'] == 0 and d['wrong_source'] == 0 and len(d['backends']) == 3" <<<"$udp")" = True/True

	svcadm_n service add tcp "$(ep $VIP 81)"
	svcadm_n backend add tcp "$(ep $VIP 81)" "$(ep $node 8081)"
	out=$(client tcp $VIP 81 3)
	diag "IPv$family to the node as backend: $out"
	check "IPv$family: a pod reaches a backend on the node itself" \
		json_check "d['backends'] == {'$node': 3} and d['corrupt'] == 0" <<<"$out"

	svcadm_n service add udp "$(ep $VIP 81)"
	svcadm_n backend add udp "$(ep $VIP 81)" "$(ep $node 8081)"
	tcp=$(in_n "$PY" "$SELFTESTS/lib/client.py" tcp $VIP 81 3)
	udp=$(in_n "$PY" "$SELFTESTS/lib/client.py" udp $VIP 81 3)
	diag "IPv$family from the node to the node as backend: $tcp $udp"
	check "IPv$family: a process on the node reaches a backend on the node itself, TCP and UDP" \
		test "$(json_get "d['backends'] == {'$node': 3} and d['corrupt'] == 0" <<<"$tcp")/$(
			json_get "d['backends'] == {'$node': 3} and d['wrong_source'] == 0" <<<"$udp")" = True/True
done
finish
