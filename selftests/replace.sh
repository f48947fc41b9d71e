#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replacing a service's whole backend set in one request, IPv4 or IPv6:
# svcadm service set ... backends; a backend kept keeps its flows and
# counters; a refused list changes nothing; and while 1,000 replaces run
# (between disjoint sets too), a stream of UDP requests, each a new flow,
# never meets a missing or half-built set: every request is answered and
# nothing is refused or dropped; and when no backend carrying the stream is
# removed, every reply comes back from the VIP.
#
# usage: replace.sh [--ipv6]
source "$(dirname "$0")/lib.sh"

family_option "$@"
REPLACES=1000

plan 12
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)
SVC=$(ep $VIP 53)
B=()
for b in "${BACKENDS[@]}"; do B+=("$(ep "$b" 8080)"); done
backends() { # the backends of the service as ADDR/weight/state, in order
	svcadm_n -j list | json_get "' '.join('%s/%d/%s' % (b['address'], b['weight'], b['state'])
		for b in d['services'][0]['backends'])"
}
stats() { # stats KEY ADDR: a counter of a backend
	svcadm_n -j list | json_get "[b['stats']['$1'] for b in d['services'][0]['backends']
		if b['address'] == '$2'][0]"
}

svcadm_n service add udp "$SVC" sched rr
svcadm_n service set udp "$SVC" backends "${B[0]},${B[1]}/weight=3,${B[2]}/state=terminating"
check "service set ... backends: the list, weights and states given" \
	test "$(backends)" = "${BACKENDS[0]}/1/active ${BACKENDS[1]}/3/active ${BACKENDS[2]}/1/terminating"

# A long-lived socket on one backend; a replace that keeps that backend.
bg in_c "$PY" "$SELFTESTS/lib/load.py" udp-socket $VIP 53 --interval 0.05 \
	--stop "$TMP/stop-long" --mark "$TMP/mark" --log >"$TMP/long"
for i in $(seq 50); do
	kept=$(svcadm_n -j list | json_get "' '.join(b['address'] for b in d['services'][0]['backends']
		if b['stats']['active_flows'])")
	[[ -n $kept ]] && break
	sleep 0.2
done
other=${BACKENDS[0]}
[[ $kept == "$other" ]] && other=${BACKENDS[1]}
flows=$(stats flows "$kept")
svcadm_n service set udp "$SVC" backends "$(ep "$kept" 8080)/weight=5,${B[2]}"
touch "$TMP/mark"
pkts=$(stats packets_in "$kept")
sleep 1
touch "$TMP/stop-long"
wait "${BG_PIDS[-1]}"
diag "kept $kept: flows $flows, then $(stats flows "$kept"); packets in $pkts, then $(stats packets_in "$kept")"
check "a backend kept across a replace keeps its counters and its weight changes" \
	test "$(stats flows "$kept")/$(backends | tr ' ' '\n' | grep "^$kept/")" = "1/$kept/5/active"
check "... and its flow: the socket goes on with it, without a new flow" json_check \
	"d['failures'] == 0 and all(b == '$kept' for m, b in d['log']) and
	 sum(1 for m, b in d['log'] if m) >= 5 and $(stats packets_in "$kept") > $pkts" <"$TMP/long"
check "the backends not listed are gone" test "$(backends | wc -w)" = 2

# Refused lists change nothing.
before=$(backends)
out=$(svcadm_n service set udp "$SVC" backends "${B[0]},${B[1]},${B[0]}" 2>&1)
check "a list naming a backend twice is refused: \"backend listed twice\"" \
	grep -q "svcadm: backend listed twice" <<<"$out"
if ((family == 6)); then bad=10.0.2.1:8080; else bad="[fd00:2::1]:8080"; fi
out=$(svcadm_n service set udp "$SVC" backends "${B[0]},$bad" 2>&1)
check "a list with a backend of another family is refused" \
	grep -q "svcadm: backend address family differs from the service's" <<<"$out"
check "refused lists changed nothing ($before)" test "$(backends)" = "$before"

# Replaces under a stream of requests, each from a new socket (a new flow,
# scheduled from the set of the moment): $REPLACES between sets that remove
# backends, disjoint sets too, then $REPLACES that only change the weights
# and states of the three backends carrying the stream (the set scheduled
# from still flips between disjoint ones) and add and remove a fourth of
# weight 0. Replies to requests in flight to a backend removed meanwhile
# come untranslated, from the backend: the client takes those too.
svcadm_n service set udp "$SVC" backends "${B[0]}"
replaces() { # replaces remove|flip
	bg in_c "$PY" "$SELFTESTS/lib/load.py" udp $VIP 53 --timeout 2 \
		--stop "$TMP/stop-$1" --first "$TMP/first-$1" >"$TMP/stream-$1"
	for i in $(seq 100); do
		[[ -s $TMP/first-$1 ]] && break
		sleep 0.1
	done
	in_n "$PY" - "$SELFTESTS/lib" "$1" $VIP $REPLACES "${BACKENDS[@]}" \
		>"$TMP/replaces-$1" <<-'EOF'
import json, socket, sys, time
sys.path.insert(0, sys.argv[1])
from genl import (A_BACKEND, A_SERVICE, BE_ADDR, BE_PORT, BE_STATE,
                  BE_STATE_TERMINATING, BE_WEIGHT, CMD, SVC_BACKENDS, Genl,
                  addr, nest, svc_key, u8, u16, u32)
kind, vip, count, b = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
spare = "10.0.2.9" if "." in vip else "fd00:2::9"

def be(a, weight=None, state=None):
    attrs = [addr(BE_ADDR, a), u16(BE_PORT, 8080)]
    if weight is not None:
        attrs.append(u32(BE_WEIGHT, weight))
    if state is not None:
        attrs.append(u8(BE_STATE, state))
    return nest(A_BACKEND, *attrs)

T = BE_STATE_TERMINATING
if kind == "remove":
    sets = [[be(b[0])],
            [be(b[1]), be(b[2])],
            [be(b[2], weight=3), be(b[0], state=T)],
            [be(b[0], weight=2), be(b[1]), be(b[2], state=T)]]
else:
    sets = [[be(b[0]), be(b[1], state=T), be(b[2], state=T)],
            [be(b[0], state=T), be(b[1], weight=2), be(b[2]),
             be(spare, weight=0)],
            [be(b[2], weight=5), be(b[1], state=T), be(b[0], state=T)],
            [be(b[1]), be(b[0], weight=3), be(b[2], state=T),
             be(spare, weight=0, state=T)]]
key = svc_key(vip, 53, proto=socket.IPPROTO_UDP)
g = Genl()
start = time.monotonic()
for i in range(count):
    g.request(CMD["SERVICE_SET"],
              nest(A_SERVICE, *key, nest(SVC_BACKENDS, *sets[i % len(sets)])))
print(json.dumps(dict(replaces=count, seconds=round(time.monotonic() - start, 2))))
EOF
	sleep 1
	touch "$TMP/stop-$1"
	wait "${BG_PIDS[-1]}"
	diag "$1: $(cat "$TMP/replaces-$1"), stream $(cat "$TMP/stream-$1")"
}
replaces remove
replaces flip
list=$(svcadm_n -j list)
diag "service: $(json_get "d['services'][0]['stats']" <<<"$list")"
check "$REPLACES replaces removing backends done while the stream ran" \
	json_check "d['replaces'] == $REPLACES" <"$TMP/replaces-remove"
check "... every request answered, from the VIP or from a backend removed in flight" \
	json_check "d['requests'] >= 20 and d['failures'] == 0 and d['corrupt'] == 0 and
		d['from_vip'] + d['from_backend'] == d['requests']" <"$TMP/stream-remove"
check "$REPLACES replaces keeping the backends done while the stream ran" \
	json_check "d['replaces'] == $REPLACES" <"$TMP/replaces-flip"
check "... every request answered from the VIP" \
	json_check "d['requests'] >= 20 and d['failures'] == 0 and d['corrupt'] == 0 and
		d['from_vip'] == d['requests']" <"$TMP/stream-flip"
check "nothing refused or dropped for want of a backend or of room" json_check \
	"d['services'][0]['stats']['refused'] == 0 and d['services'][0]['stats']['dropped'] == 0" <<<"$list"
rm -rf "$TMP"
finish
