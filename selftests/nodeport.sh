#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Node ports: a service on 0.0.0.0:PORT or [::]:PORT takes what is sent to
# any local address of the node on PORT, from pods and from the node itself;
# other destinations on that port, loopback ones included, are left alone; a
# service on the exact address comes first; the replies of a connection the
# node masqueraded with a node port's port are that connection's. What
# svcadm refuses.
source "$(dirname "$0")/lib.sh"

plan 20
trap topo_cleanup EXIT
declare -A masq
load_module || exit 1
topo_setup || exit 1
# Backends 2 and 3 serve the node port; backend 1 listens on the node port
# itself, to show that traffic to it directly is not translated.
start_servers 8080 30080 || { not_ok "servers start"; finish; }
bg in_n "$PY" "$SELFTESTS/lib/servers.py" --ports 30080 127.0.0.1 ::1
# A server off the cluster, which pods reach masqueraded by the node.
bg in_c "$PY" "$SELFTESTS/lib/servers.py" --ports 9000 10.0.1.2 fd00:1::2
for i in $(seq 50); do in_n ss -Hltn | grep -qF "[::1]:30080" && break; sleep 0.1; done

port_flows() { # port_flows PORT: flows created by the services on PORT
	svcadm_n list -j | json_get "sum(s['stats']['flows'] for s in d['services'] if s['port'] == $1)"
}
svc_flows() { # svc_flows PROTO ADDR: flows created by that service
	svcadm_n list -j | json_get "sum(s['stats']['flows'] for s in d['services']
		if s['proto'] == '$1' and s['address'] == '$2' and s['port'] == 30080)"
}
# Answered by backends 2 and 3 only, intact, from the address asked.
nodeport_ok() {
	json_check "d['errors'] == 0 and d['corrupt'] == 0 and d['wrong_source'] == 0 and
		sorted(d['backends']) == sorted(['${BACKENDS[1]}', '${BACKENDS[2]}'])" <<<"$1"
}

for family in 4 6; do
	use_family $family
	if ((family == 4)); then
		any=0.0.0.0 node1=10.0.1.1 node2=10.0.2.254 loop=127.0.0.1
	else
		any=:: node1=fd00:1::1 node2=fd00:2::fe loop=::1
	fi
	for proto in tcp udp; do
		# rr: every backend is reached by a few requests.
		svcadm_n service add $proto "$(ep $any 30080)" sched rr
		for b in "${BACKENDS[@]:1}"; do
			svcadm_n backend add $proto "$(ep $any 30080)" "$(ep "$b" 8080)"
		done
	done

	for node in $node1 $node2; do
		tcp=$(client tcp $node 30080 6) udp=$(client udp $node 30080 6)
		diag "IPv$family pod to $node:30080: $tcp $udp"
		check "IPv$family: a pod reaches the node port through node address $node" \
			test "$(nodeport_ok "$tcp" && nodeport_ok "$udp" && echo y)" = y
	done
	tcp1=$(in_n "$PY" "$SELFTESTS/lib/client.py" tcp $node1 30080 4)
	tcp2=$(in_n "$PY" "$SELFTESTS/lib/client.py" tcp $node2 30080 4)
	udp=$(in_n "$PY" "$SELFTESTS/lib/client.py" udp $node2 30080 4)
	diag "IPv$family from the node: $tcp1 $tcp2 $udp"
	check "IPv$family: a process on the node reaches the node port through both addresses" \
		test "$(nodeport_ok "$tcp1" && nodeport_ok "$tcp2" && nodeport_ok "$udp" && echo y)" = y

	before=$(svc_flows tcp $any)
	direct=$(client tcp "${BACKENDS[0]}" 30080 3)
	local=$(in_n "$PY" "$SELFTESTS/lib/client.py" tcp $loop 30080 3)
	diag "IPv$family to ${BACKENDS[0]}:30080: $direct; to $loop:30080 on the node: $local"
	check "IPv$family: a non-local destination on the node port is not translated" \
		json_check "d['backends'] == {'${BACKENDS[0]}': 3}" <<<"$direct"
	check "IPv$family: nor is a loopback one" json_check "d['backends'] == {'$loop': 3}" <<<"$local"
	check "IPv$family: ... and the node port counted no flow for them" \
		test "$(svc_flows tcp $any)" = "$before"

	# A service on one node address comes before the node port.
	svcadm_n service add tcp "$(ep $node1 30080)"
	svcadm_n backend add tcp "$(ep $node1 30080)" "$(ep "${BACKENDS[0]}" 8080)"
	exact=$(client tcp $node1 30080 3) other=$(client tcp $node2 30080 4)
	diag "IPv$family with a service on $node1:30080: $exact $other"
	check "IPv$family: a service on the exact address comes before the node port" \
		test "$(json_check "d['backends'] == {'${BACKENDS[0]}': 3}" <<<"$exact" &&
			nodeport_ok "$other" && echo y)" = y
	svcadm_n service del tcp "$(ep $node1 30080)"

	# A pod's connection to a server off the cluster, masqueraded by the
	# node, keeps its port, 30081, which is a node port's: the server's
	# replies come to $node1:30081 and belong to the connection.
	in_n nft add table inet svclb_test
	in_n nft add chain inet svclb_test post '{ type nat hook postrouting priority srcnat; }'
	in_n nft add rule inet svclb_test post oifname n0 ip saddr 10.0.2.0/24 masquerade
	in_n nft add rule inet svclb_test post oifname n0 ip6 saddr fd00:2::/64 masquerade
	for proto in tcp udp; do
		svcadm_n service add $proto "$(ep $any 30081)"
		svcadm_n backend add $proto "$(ep $any 30081)" "$(ep "${BACKENDS[1]}" 8080)"
	done
	before=$(port_flows 30081)
	for proto in tcp udp; do
		masq[$proto]=$(in_b "$PY" "$SELFTESTS/lib/client.py" $proto $CLIENT 9000 1 \
			--source "${BACKENDS[0]}" --source-port 30081)
	done
	flows=$(port_flows 30081)
	diag "IPv$family pod ${BACKENDS[0]}:30081 to $CLIENT:9000, masqueraded: ${masq[tcp]} ${masq[udp]}; node port 30081 flows $before, then $flows"
	answered() { json_check "d['backends'] == {'$CLIENT': 1}" <<<"$1"; }
	check "IPv$family: replies to a masqueraded connection from a node port's port reach it, TCP and UDP" \
		test "$(answered "${masq[tcp]}" && answered "${masq[udp]}" && echo y)/$flows" = "y/$before"
	for proto in tcp udp; do svcadm_n service del $proto "$(ep $any 30081)"; done
	in_n nft delete table inet svclb_test
done

out=$(svcadm_n list)
listed() { grep -q '^tcp  0.0.0.0:30080  ' <<<"$out" && grep -q '^udp  \[::\]:30080  ' <<<"$out"; }
check "svcadm list shows node ports as 0.0.0.0:PORT and [::]:PORT" listed
out=$(svcadm_n backend add tcp 0.0.0.0:30080 0.0.0.0:8080 2>&1)
check "a backend 0.0.0.0 is refused with the kernel's message" \
	grep -q "backend address must be unicast, not 0.0.0.0 or ::" <<<"$out"
out=$(svcadm_n service add udp 239.1.1.1:5353 2>&1)
check "a multicast service address is refused with the kernel's message" \
	grep -q "service address must be unicast and not loopback, or 0.0.0.0 or :: for a node port" <<<"$out"
out=$(svcadm_n service add udp "[ff02::fb]:5353" 2>&1)
check "an IPv6 multicast service address too" grep -q "must be unicast" <<<"$out"
finish
