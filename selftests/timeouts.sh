#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svcadm config: timeouts and the flow bound, read, set and refused; idle
# flows expire; FIN and RST shorten a flow's life; a SYN reusing the tuple of
# a closing flow is scheduled afresh at once; a full table drops new flows
# while existing ones go on.
source "$(dirname "$0")/lib.sh"

plan 13
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
cfg() { svcadm_n config -j | json_get "d['$1']"; }
active() { svcadm_n list -j | json_get "sum(s['stats']['active_flows'] for s in d['services'] if s['proto'] == '$1')"; }
until_active() { # until_active PROTO N: wait up to 10 s for N active flows
	local i
	for i in $(seq 50); do
		[[ $(active "$1") == "$2" ]] && return 0
		sleep 0.2
	done
	return 1
}
created() { svcadm_n list -j | json_get "sum(s['stats']['flows'] for s in d['services'] if s['proto'] == '$1')"; }

check "defaults: tcp 86400 s, closing 120 s, udp 60 s, sctp 3600 s, unconfirmed 30 s, 1048576 flows, no mark, seed 0" \
	json_check "d.pop('generation') >= 1 and d == {'timeout-tcp-syn': 30, 'timeout-tcp': 86400,
		'timeout-tcp-closing': 120,
		'timeout-udp': 60, 'timeout-sctp': 3600, 'timeout-sctp-init': 30,
		'max-flows': 1048576, 'flows': 0,
		'max-services': 65536, 'max-backends': 65521,
		'masq-mark': 0, 'masq-mask': 0, 'seed': 0, 'affinity-entries': 0}" \
	<<<"$(svcadm_n config -j)"
svcadm_n config timeout-udp 4 timeout-tcp-closing 4 timeout-sctp 99
check "config sets several values at once" \
	test "$(cfg timeout-udp)/$(cfg timeout-tcp-closing)/$(cfg timeout-sctp)" = 4/4/99
check "plain output: one KEY VALUE per line" grep -qx "timeout-sctp 99" <<<"$(svcadm_n config)"
out=$(svcadm_n config timeout-tcp 0 2>&1)
check "timeout 0 refused with the kernel's message" grep -q "timeout-tcp: integer out of range (1 to 2000000)" <<<"$out"
out=$(svcadm_n config timeout-udp 5 max-flows 0 2>&1)
check "max-flows 0 refused, and nothing of the request applied" \
	test "$(grep -c 'max-flows: integer out of range' <<<"$out")/$(cfg timeout-udp)" = 1/4

svcadm_n service add udp "$(ep $VIP 53)"
svcadm_n service add tcp "$(ep $VIP 80)"
for b in "${BACKENDS[@]}"; do
	svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
	svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
done

client udp $VIP 53 3 >/dev/null
n1=$(active udp)
start=$SECONDS
until_active udp 0
check "UDP flows expire when idle ($n1 active, $(active udp) after $((SECONDS - start)) s)" \
	test "$n1/$(active udp)" = 3/0

# One connection left open and idle (to the end of the test, however slow
# the VM), then three closed ones, which stay 4 s.
in_c "$PY" -c "
import socket, time
s = socket.create_connection(('$VIP', 80))
time.sleep(600)" &
BG_PIDS+=($!)
until_active tcp 1
client tcp $VIP 80 3 >/dev/null
n1=$(active tcp)
until_active tcp 1
check "FIN shortens a flow's life: $n1 TCP flows, then only the open one within 10 s" \
	test "$n1/$(active tcp)" = 4/1

# The same client port again right after an RST: scheduled afresh, at once.
before=$(created tcp)
out=$(in_c "$PY" -c "
import json, socket, struct, time
times = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.bind(('$CLIENT', 40123))
    t = time.monotonic()
    s.connect(('$VIP', 80))
    times.append(time.monotonic() - t)
    s.recv(100)
    s.close()  # RST: the flow is closing
print(json.dumps(times))")
diag "connect times through the VIP from port 40123: $out s"
check "a SYN reusing a closing flow's tuple connects at once (< 0.5 s, no retransmit)" \
	json_check "len(d) == 2 and max(d) < 0.5" <<<"$out"
check "... and was scheduled afresh (2 flows created)" test $(($(created tcp) - before)) = 2

# A full table: new flows are dropped, existing flows go on.
svcadm_n config timeout-udp 60
result=$(mktemp)
in_c "$PY" -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.connect(('$VIP', 53))
answered = 0
for _ in range(16):
    try:
        s.send(b'x'); s.recv(100); answered += 1
    except OSError:
        pass
    time.sleep(0.5)
print(answered)" >"$result" 2>&1 &
udp_pid=$!
BG_PIDS+=($udp_pid)
until_active udp 1
# Only the open TCP connection and this UDP flow: the closed ones are gone.
until_active tcp 1
flows=$(cfg flows)
svcadm_n config max-flows "$flows"
out=$(client udp $VIP 53 3 --timeout 0.5)
check "a full table ($flows flows) drops new flows" json_check "d['errors'] == 3" <<<"$out"
check "... and counts them (dropped 3)" json_check \
	"[s['stats']['dropped'] for s in d['services'] if s['proto'] == 'udp'] == [3]" \
	<<<"$(svcadm_n list -j)"
check "flows in config never exceed max-flows" test "$(cfg flows)" -le "$flows"
wait $udp_pid
check "... while the established UDP flow goes on ($(cat "$result") of 16 answered)" \
	test "$(cat "$result")" = 16
finish
