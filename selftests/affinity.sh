#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Session affinity by client address, IPv4 or IPv6: new TCP connections and
# UDP flows of a client go to one backend while other clients are scheduled
# on their own; the timeout runs from the client's last new flow and a
# long-lived busy flow does not extend it; expired entries are removed; the
# entries are bounded by max-flows; affinity none spreads again.
#
# usage: affinity.sh [--ipv6]
source "$(dirname "$0")/lib.sh"

family_option "$@"
if ((family == 6)); then
	CLIENTS=(fd00:1::2 fd00:1::3 fd00:1::4) PLEN="64 nodad"
else
	CLIENTS=(10.0.1.2 10.0.1.3 10.0.1.4) PLEN=24
fi
TIMEOUT=4

plan 12
dir=$(mktemp -d)
trap 'topo_cleanup; rm -rf "$dir"' EXIT
load_module || exit 1
topo_setup || exit 1
for c in "${CLIENTS[@]:1}"; do
	# shellcheck disable=SC2086 # the prefix length and nodad for IPv6
	ip -n "$NS_C" addr add "$c/"$PLEN dev c0
done
start_servers 8080 || { not_ok "servers start"; finish; }
cfg() { svcadm_n config -j | json_get "d['$1']"; }

# rr, so that which backend a fresh scheduling picks is known: the next one.
svcadm_n service add tcp "$(ep $VIP 80)" sched rr affinity client-ip timeout $TIMEOUT
svcadm_n service add udp "$(ep $VIP 53)" sched rr affinity client-ip timeout $TIMEOUT
for b in "${BACKENDS[@]}"; do
	svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
	svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
done
check "svcadm list shows the affinity and its timeout" \
	grep -qF "tcp  $(ep $VIP 80)  sched rr  affinity client-ip timeout $TIMEOUT  " <<<"$(svcadm_n list)"
check "svcadm -j list shows the affinity and its timeout" json_check \
	"[(s['affinity'], s['affinity_timeout']) for s in d['services']] == [('client-ip', $TIMEOUT)] * 2" \
	<<<"$(svcadm_n -j list)"

one_backend() { json_check "d['errors'] == 0 and d['corrupt'] == 0 and list(d['backends'].values()) == [$2]" <<<"$1"; }
t1=$(client tcp $VIP 80 9 --source "${CLIENTS[0]}")
u1=$(client udp $VIP 53 9 --source "${CLIENTS[0]}")
diag "client 1: tcp $t1 udp $u1"
check "tcp: 9 connections of one client reach one backend" one_backend "$t1" 9
check "udp: 9 flows of one client reach one backend" one_backend "$u1" 9
t2=$(client tcp $VIP 80 5 --source "${CLIENTS[1]}")
diag "client 2: tcp $t2"
check "tcp: another client is scheduled on its own (the next backend), and sticks" \
	json_check "list(d['backends'].values()) == [5] and
		list(d['backends']) != ['$(json_get "list(d['backends'])[0]" <<<"$t1")']" <<<"$t2"

# Client 3: a long-lived connection, busy all along; one new connection a
# second later (within the timeout, and refreshing it), then one more just
# after the timeout has run out since that one. Its entry is there all
# along: the number of entries is read meanwhile.
sample_entries() { while :; do cfg affinity-entries; sleep 1; done >"$dir/entries"; }
bg sample_entries
sampler=$!
out=$(in_c timeout 60 "$PY" - "$VIP" "${CLIENTS[2]}" $TIMEOUT <<-'EOF'
import json, socket, sys, time
vip, src, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
fam = socket.AF_INET6 if ":" in vip else socket.AF_INET

def connect():
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2)
    s.bind((src, 0))
    s.connect((vip, 80))
    line = b""
    while not line.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            raise OSError("closed before the backend's name")
        line += c
    return s, line[:-1].decode()

def new_flow():
    start = time.monotonic()
    s, backend = connect()
    s.close()
    return backend, start

long, long_backend = connect()
pings = 0
def busy_until(t):
    global pings
    while time.monotonic() < t:
        long.sendall(b"x")
        assert long.recv(1) == b"x"
        pings += 1
        time.sleep(0.1)

busy_until(time.monotonic() + 1)
within, t1 = new_flow()
busy_until(t1 + timeout + 0.3)
after, t2 = new_flow()
busy_until(time.monotonic() + 0.3)
print(json.dumps(dict(long=long_backend, within=within, after=after,
                      gap=round(t2 - t1, 2), pings=pings)))
EOF
)
kill $sampler
entries=$(sort -n "$dir/entries" | tail -n 1)
diag "client 3: $out"
check "a new connection within the timeout joins the long-lived one's backend" \
	json_check "d['within'] == d['long']" <<<"$out"
check "once the timeout has run out since the last new connection, the next is scheduled afresh, though the long-lived flow stayed busy" \
	json_check "d['after'] != d['long'] and d['gap'] >= $TIMEOUT and d['pings'] > 30" <<<"$out"

for i in $(seq 40); do
	[[ $(cfg affinity-entries) == 0 ]] && break
	sleep 0.25
done
check "expired affinity entries are removed ($entries, then $(cfg affinity-entries))" \
	test "$entries" -ge 1 -a "$(cfg affinity-entries)" = 0

svcadm_n service set tcp "$(ep $VIP 80)" affinity none
t1=$(client tcp $VIP 80 6 --source "${CLIENTS[0]}")
diag "affinity none: $t1"
check "affinity none: one client's connections spread again" \
	json_check "d['errors'] == 0 and len(d['backends']) == 3" <<<"$t1"
check "svcadm list no longer shows an affinity for it" \
	json_check "[s['affinity'] for s in d['services'] if s['proto'] == 'tcp'] == ['none']" \
	<<<"$(svcadm_n -j list)"

# The bound: at most max-flows entries; a client beyond it is served anyway.
svcadm_n flush
svcadm_n config timeout-udp 1 max-flows 2
svcadm_n service add udp "$(ep $VIP 53)" sched rr affinity client-ip timeout 60
for b in "${BACKENDS[@]}"; do
	svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
done
client udp $VIP 53 1 --source "${CLIENTS[0]}" >/dev/null
client udp $VIP 53 1 --source "${CLIENTS[1]}" >/dev/null
for i in $(seq 40); do
	[[ $(cfg flows) == 0 ]] && break
	sleep 0.25
done
entries=$(cfg affinity-entries)
u3=$(client udp $VIP 53 1 --source "${CLIENTS[2]}")
diag "third client with $entries entries and max-flows 2: $u3, $(cfg affinity-entries) entries"
check "one entry per client, kept after their flows ended" test "$entries" = 2
check "affinity entries stop at max-flows (2) and a client without one is still served" \
	json_check "d['errors'] == 0 and $(cfg affinity-entries) == 2" <<<"$u3"
finish
