#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A flood of new flows from many spoofed sources against a small flow table:
# the table and the flow slab stay within the bound, the packets that find no
# room are dropped and counted, an established flow goes on, and the table
# drains once the flood is over. IPv4, then IPv6.
source "$(dirname "$0")/lib.sh"

MAX=200 SOURCES=20000 RATE=5000
FLOOD=$SELFTESTS/lib/flood
[[ -x $FLOOD ]] || make -s -C "$SELFTESTS/lib" >/dev/null || exit 1

plan 12
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)

# The spoofed sources are routed back to the client; the backends' answers
# to them go nowhere, so their flows never see a reply and expire quickly.
in_n ip route add 10.128.0.0/9 via 10.0.1.2
in_n ip -6 route add fd00:ff::/64 via fd00:1::2
in_b ip route add blackhole 10.128.0.0/9
in_b ip -6 route add blackhole fd00:ff::/64
svcadm_n config max-flows $MAX timeout-tcp-syn 2

flows() { svcadm_n config -j | json_get "d['flows']"; }
# Objects in use in the flow slab; SLUB may share it with other caches of
# the same size, so only its growth counts.
slab_objects() { read -r n _ </sys/kernel/slab/svclb_flow/objects && echo "$n"; }
svc_stat() { # svc_stat KEY: a counter of the service on port 80
	svcadm_n list -j | json_get "[s['stats']['$1'] for s in d['services'] if s['port'] == 80][0]"
}

for family in 4 6; do
	use_family $family
	svcadm_n flush
	svcadm_n service add tcp "$(ep $VIP 80)"
	for b in "${BACKENDS[@]}"; do
		svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
	done

	# An established connection that exchanges data every 0.1 s.
	rm -f "$TMP/stop"
	in_c "$PY" -c "
import json, os, socket, time
s = socket.create_connection(('$VIP', 80), timeout=5)
s.recv(100)                     # the backend's address line
ok = failed = 0
while not os.path.exists('$TMP/stop'):
    try:
        s.sendall(b'ping')
        data = b''
        while len(data) < 4:
            data += s.recv(4 - len(data))
        ok += data == b'ping'
    except OSError:
        failed += 1
    time.sleep(0.1)
print(json.dumps({'ok': ok, 'failed': failed}))" >"$TMP/established" 2>&1 &
	est=$!
	BG_PIDS+=($est)
	for i in $(seq 50); do [[ $(flows) == 1 ]] && break; sleep 0.2; done

	slab0=$(slab_objects)
	in_c "$FLOOD" --sources $SOURCES --rate $RATE $VIP 80 >"$TMP/flood" &
	flood=$!
	BG_PIDS+=($flood)
	max_flows=0 max_slab=$slab0
	while kill -0 $flood 2>/dev/null; do
		f=$(flows) o=$(slab_objects)
		((f > max_flows)) && max_flows=$f
		((o > max_slab)) && max_slab=$o
		sleep 0.2
	done
	wait $flood
	sent=$(json_get "d['sent']" <"$TMP/flood")
	dropped=$(svc_stat dropped) created=$(svc_stat flows)
	diag "IPv$family flood: $(cat "$TMP/flood"); flows at most $max_flows of $MAX;" \
		"flow slab objects $slab0, at most $max_slab; $created flows created, $dropped dropped"
	check "IPv$family: the flood sent $SOURCES SYNs from as many sources" \
		test "$sent" -ge $((SOURCES * 9 / 10))
	check "IPv$family: the table never held more than $MAX flows" test "$max_flows" -le $MAX
	check "IPv$family: the flow slab grew by at most the bound and some per-CPU caching" \
		test $((max_slab - slab0)) -le $((MAX + 1024))
	check "IPv$family: the SYNs that found no room were dropped and counted" \
		test "$dropped" -ge $((sent / 2)) -a $((dropped + created)) -le $((sent + 1))

	for i in $(seq 75); do [[ $(flows) == 1 ]] && break; sleep 0.2; done
	check "IPv$family: the table drains after the flood ($(flows) flow left: the established one)" \
		test "$(flows)/$(svc_stat active_flows)" = 1/1
	touch "$TMP/stop"
	wait $est
	diag "IPv$family established connection: $(cat "$TMP/established"); slab objects now $(slab_objects)"
	check "IPv$family: the established connection went on throughout" \
		json_check "d['failed'] == 0 and d['ok'] > 10" <"$TMP/established"
done
rm -rf "$TMP"
finish
