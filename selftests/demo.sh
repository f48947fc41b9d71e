#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: a client namespace, a node running svclb, three backend servers;
# one TCP and one UDP service on a VIP that no interface holds; traffic; and
# the counters that show it was spread.
source "$(dirname "$0")/lib.sh"
set -e
trap topo_cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

say "Loading svclb"
load_module
topo_setup
start_servers 8080
echo "client $CLIENT -> node (svclb) -> backends ${BACKENDS[*]} (echo servers on :8080)"

say "Services on VIP $VIP (no interface holds it)"
svcadm() { ip netns exec "$NS_N" "$SVCADM" "$@"; }
run svcadm service add tcp $VIP:80
run svcadm service add udp $VIP:53
for b in "${BACKENDS[@]}"; do
	run svcadm backend add tcp $VIP:80 "$b:8080"
	run svcadm backend add udp $VIP:53 "$b:8080"
done

say "30 TCP connections and 30 UDP requests from the client to the VIP"
echo "TCP: $(client tcp $VIP 80 30)"
echo "UDP: $(client udp $VIP 53 30)"
echo "(each reply names the backend that served it; UDP replies came from $VIP:53)"

say "svcadm list"
run svcadm list
