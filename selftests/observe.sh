#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Observability: svcadm list -s, flows (listed whole and per service, in
# several dump parts, removed by service, by backend and all at once), stats
# --prometheus, and monitor printing change events from the multicast group;
# no message of the family carries a kernel address.
source "$(dirname "$0")/lib.sh"

plan 26
trap topo_cleanup EXIT
dmesg_mark
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }

TCP_VIP=$(ep $VIP 80) UDP_VIP=$(ep $VIP 53)
B0=$(ep "${BACKENDS[0]}" 8080) B1=$(ep "${BACKENDS[1]}" 8080)

# The monitor first, so that it sees every change below.
mon=$(mktemp) monj=$(mktemp) other=$(mktemp)
bg sh -c "exec ip netns exec $NS_N $SVCADM monitor >$mon"
bg sh -c "exec ip netns exec $NS_N $SVCADM monitor -j >$monj"
bg sh -c "exec ip netns exec $NS_C $SVCADM monitor >$other"
# Until the three listen: changes they report, left out below.
for i in $(seq 100); do
	svcadm_n config timeout-sctp 3600
	in_c "$SVCADM" config timeout-sctp 3600
	[[ -s $mon && -s $monj && -s $other ]] && break
	sleep 0.2
done

svcadm_n service add tcp "$TCP_VIP" sched rr
svcadm_n service add udp "$UDP_VIP"
svcadm_n backend add tcp "$TCP_VIP" "$B0"
svcadm_n backend add tcp "$TCP_VIP" "$B1" weight 2
svcadm_n backend add udp "$UDP_VIP" "$B0"
svcadm_n backend add udp "$UDP_VIP" "$B1"
svcadm_n backend set tcp "$TCP_VIP" "$B1" weight 1
svcadm_n service set udp "$UDP_VIP" flags silent-drop
svcadm_n config timeout-udp 300
svcadm_n service add udp "$(ep $VIP 54)"
svcadm_n service del udp "$(ep $VIP 54)"
svcadm_n service del udp "$(ep $VIP 99)" 2>/dev/null # refused: no event

client tcp $VIP 80 6 >/dev/null
client udp $VIP 53 400 >/dev/null
# Each request comes from a new socket, but the kernel may pick a port twice:
# the flows are as many as the services counted.
nudp=$(svcadm_n list -j | json_get "sum(s['stats']['flows'] for s in d['services'] if s['proto'] == 'udp')")
total=$((nudp + 6))
diag "$nudp UDP flows"

# list -s
out=$(svcadm_n list -s)
check "list -s: a header, then services and backends in columns" \
	grep -q "^SERVICE / BACKEND  *PACKETS  *BYTES  *FLOWS  *ACTIVE" <<<"$out"
tcp_line=$(grep "^tcp $TCP_VIP " <<<"$out")
read -r _ _ pk by fl ac _ <<<"$tcp_line"
jl=$(svcadm_n list -s -j)
want=$(json_get "[(s['stats']['packets_in'] + s['stats']['packets_out'], s['stats']['bytes_in'] + s['stats']['bytes_out'], s['stats']['flows'], s['stats']['active_flows']) for s in d['services'] if s['proto'] == 'tcp'][0]" <<<"$jl")
check "list -s: the TCP service's packets, bytes, flows and active flows ($pk $by $fl $ac)" \
	test "($pk, $by, $fl, $ac)" = "$want" -a "$fl" = 6 -a "$pk" -gt 0
check "list -s: one line per backend" \
	test "$(grep -c -- "^  -> " <<<"$out")" = 4
check "list -s -j: JSON with per-backend counters" \
	json_check "sum(b['stats']['flows'] for s in d['services'] for b in s['backends']) == $total and $nudp > 350" <<<"$jl"

# flows
fj=$(svcadm_n flows -j)
check "flows -j: the $total flows, each client port once" \
	json_check "len(d['flows']) == $total and len({(f['proto'], f['client']['port']) for f in d['flows']}) == $total" <<<"$fj"
check "flows -j: client, VIP, backend, state, idle and expiry of each flow" \
	json_check "all(f['client']['address'] == '$CLIENT' and f['vip']['address'] == '$VIP' and
		f['backend']['address'] in ('${BACKENDS[0]}', '${BACKENDS[1]}') and f['backend']['port'] == 8080 and
		f['state'] == ('udp' if f['proto'] == 'udp' else 'closing') and
		0 <= f['idle_ms'] < 120000 and 0 < f['expires_ms'] <= (300000 if f['proto'] == 'udp' else 120000)
		for f in d['flows'])" <<<"$fj"
out=$(svcadm_n flows tcp "$TCP_VIP")
check "flows PROTO VIP:PORT: that service's flows only, one line each" \
	test "$(grep -c "^tcp  $CLIENT:[0-9]* -> $TCP_VIP -> 10.0.2.[12]:8080  closing  idle [0-9]*s  expires [0-9]*s$" <<<"$out")/$(wc -l <<<"$out")" = 6/6
check "flows of a service that does not exist: none" test -z "$(svcadm_n flows udp "$(ep $VIP 9)")"
n_b0=$(json_get "sum(1 for f in d['flows'] if f['proto'] == 'udp' and f['backend']['address'] == '${BACKENDS[0]}')" <<<"$fj")

# Flow dump in several parts: the netlink messages of one dump.
parts=$(ip netns exec "$NS_N" "$PY" - "$SELFTESTS/lib" <<-'EOF'
	import sys
	sys.path.insert(0, sys.argv[1])
	from genl import CMD, Genl, NLM_F_DUMP
	g = Genl()
	g.send(CMD["FLOW_GET"], flags=NLM_F_DUMP)
	reads = n = 0
	import struct
	done = False
	while not done:
	    data = g.sock.recv(1 << 20)
	    reads += 1
	    while len(data) >= 16:
	        mlen, mtype = struct.unpack_from("=IH", data)
	        if mtype in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
	            done = True
	            break
	        n += 1
	        data = data[(mlen + 3) & ~3:]
	print(n, reads)
	EOF
)
read -r nmsg nreads <<<"$parts"
check "the flow dump resumes over $nreads reads, each flow once ($nmsg messages)" \
	test "$nmsg" = $total -a "$nreads" -gt 2

# flows flush
svcadm_n flows flush udp "$UDP_VIP" "$B0"
fj=$(svcadm_n flows -j)
check "flows flush PROTO VIP:PORT ADDR:PORT: that backend's $n_b0 flows only" \
	json_check "len(d['flows']) == $total - $n_b0 and not any(f['proto'] == 'udp' and f['backend']['address'] == '${BACKENDS[0]}' for f in d['flows'])" <<<"$fj"
check "active flow counters follow" \
	json_check "[s['stats']['active_flows'] for s in d['services'] if s['proto'] == 'udp'] == [$nudp - $n_b0]" <<<"$(svcadm_n list -j)"
svcadm_n flows flush tcp "$TCP_VIP"
check "flows flush PROTO VIP:PORT: that service's flows only" \
	json_check "len(d['flows']) == $nudp - $n_b0 and all(f['proto'] == 'udp' for f in d['flows'])" <<<"$(svcadm_n flows -j)"
out=$(svcadm_n flows flush udp "$(ep $VIP 9)" 2>&1)
check "flows flush of a missing service: exit 1, \"no such service\"" \
	test "$?/$out" = "1/svcadm: no such service"
out=$(svcadm_n flows flush udp "$UDP_VIP" "$(ep 10.0.2.9 1)" 2>&1)
check "flows flush of a missing backend: exit 1, \"no such backend\"" \
	test "$?/$out" = "1/svcadm: no such backend"
client tcp $VIP 80 2 >/dev/null
svcadm_n flows flush
check "flows flush: no flow left, services and backends stay" \
	test "$(svcadm_n flows | wc -c)/$(svcadm_n config -j | json_get "d['flows']")/$(svcadm_n list | grep -c -- '->')" = 0/0/4
check "traffic goes on after a flush" \
	json_check "sum(d['backends'].values()) == 2 and d['errors'] == 0" <<<"$(client tcp $VIP 80 2)"

# stats --prometheus: per-service series; per-backend ones when asked
check "stats: no per-backend series unless asked" \
	test "$(svcadm_n stats --prometheus | grep -c '^svclb_backend_')" = 0
prom=$(svcadm_n stats --prometheus --per-backend)
check "stats --prometheus: the text exposition format" "$PY" -c '
import re, sys
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = name + r"=\"[^\"\\\n]*\""
sample = re.compile(r"^(" + name + r")(\{" + label + r"(," + label + r")*\})? [0-9]+$")
typed, helped, seen = {}, set(), []
for line in sys.stdin.read().splitlines():
    if line.startswith("# HELP "):
        helped.add(line.split()[2])
    elif line.startswith("# TYPE "):
        _, _, n, t = line.split()
        assert t in ("counter", "gauge") and n not in typed, line
        assert (t == "counter") == n.endswith("_total"), line
        typed[n] = t
        seen.append(n)
    else:
        m = sample.match(line)
        assert m and m.group(1) == seen[-1], line
assert set(typed) == helped and len(typed) >= 10
' <<<"$prom"
check "stats: counters labelled by proto, vip, port and direction" \
	grep -qx "svclb_service_flows_total{proto=\"tcp\",vip=\"$VIP\",port=\"80\"} 10" <<<"$prom"
want=$(svcadm_n list -j | json_get "[b['stats']['packets_in'] for s in d['services'] if s['proto'] == 'udp' for b in s['backends'] if b['address'] == '${BACKENDS[1]}'][0]")
check "stats: backend counters with a backend label ($want packets in)" \
	grep -qx "svclb_backend_packets_total{proto=\"udp\",vip=\"$VIP\",port=\"53\",backend=\"$B1\",direction=\"in\"} $want" <<<"$prom"
check "stats: gauges: active flows and weights" \
	grep -qx "svclb_backend_weight{proto=\"tcp\",vip=\"$VIP\",port=\"80\",backend=\"$B1\"} 1" <<<"$prom"

svcadm_n flush
sleep 0.5
events=$(grep -v timeout-sctp "$mon")
expected="service added tcp $TCP_VIP sched rr
service added udp $UDP_VIP
backend added tcp $TCP_VIP $B0
backend added tcp $TCP_VIP $B1 weight 2
backend added udp $UDP_VIP $B0
backend added udp $UDP_VIP $B1
backend changed tcp $TCP_VIP $B1 weight 1
service changed udp $UDP_VIP flags 1
config changed timeout-udp 300
service added udp $(ep $VIP 54)
service removed udp $(ep $VIP 54)
flows flushed udp $UDP_VIP $B0
flows flushed tcp $TCP_VIP
flows flushed
flush"
check "monitor: every change in order, refused requests not" test "$events" = "$expected"
[[ $events == "$expected" ]] || diff <(echo "$expected") <(echo "$events") | sed 's/^/# /'
check "monitor -j: one JSON object per event" "$PY" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin.read().splitlines()]
assert len(ev) == 15, ev
assert ev[3] == {"object": "backend", "action": "added", "proto": "tcp",
                 "service": sys.argv[1], "backend": sys.argv[2], "weight": 2}, ev[3]
assert ev[8] == {"object": "config", "action": "changed", "timeout-udp": 300}, ev[8]
assert ev[14] == {"object": "flush"}, ev[14]
' "$TCP_VIP" "$B1" <<<"$(grep -v timeout-sctp "$monj")"
check "monitor: changes of other namespaces are not seen" \
	test -z "$(grep -v timeout-sctp "$other")" -a -s "$other"
rm -f "$mon" "$monj" "$other"

svcadm_n service add tcp "$TCP_VIP"
svcadm_n backend add tcp "$TCP_VIP" "$B0"
svcadm_n service add udp "$(ep $VIP6 53)"
svcadm_n backend add udp "$(ep $VIP6 53)" "$(ep "${BACKENDS6[0]}" 8080)"
client tcp $VIP 80 3 >/dev/null
out=$(in_n "$PY" "$SELFTESTS/lib/nlpointers.py" 2>&1)
rc=$?
diag "$out"
check "no kernel address in dumps, lookups, events and errors" test $rc = 0
check "kernel log clean" dmesg_clean
finish
