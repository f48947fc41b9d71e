#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Backend states and removal, IPv4 or IPv6. A terminating backend keeps its
# flows (a long-lived connection goes on) and gets no new flow while an
# active backend exists; when only terminating backends remain, they all
# get new flows. A removed backend's flows are purged at once: a long-lived
# UDP socket that keeps sending reaches a live backend from its very next
# datagram (no stale UDP), and a long-lived TCP connection is reset at its
# next packet instead of hanging.
#
# usage: backend_state.sh [--ipv6]
source "$(dirname "$0")/lib.sh"

family_option "$@"

plan 13
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)

svcadm_n service add tcp "$(ep $VIP 80)" sched rr
svcadm_n service add udp "$(ep $VIP 53)" sched rr
for b in "${BACKENDS[@]}"; do
	svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
	svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
done
set_state() { svcadm_n backend set "$1" "$(ep $VIP "$2")" "$(ep "$3" 8080)" state "$4"; }
# load MODE PORT NAME [ARGS]: a load.py in the background, output in $TMP/NAME.
load() {
	bg in_c "$PY" "$SELFTESTS/lib/load.py" "$1" $VIP "$2" --stop "$TMP/stop-$3" \
		--first "$TMP/first-$3" "${@:4}" >"$TMP/$3"
}
# first NAME: the backend that first answered the load NAME.
first() {
	local i
	for i in $(seq 100); do
		[[ -s $TMP/first-$1 ]] && { cat "$TMP/first-$1"; return 0; }
		sleep 0.1
	done
	return 1
}
stop_load() { touch "$TMP/stop-$1"; wait "${BG_PIDS[-1]}"; }

# A long-lived connection, busy all along, on the backend to be terminated.
load tcp-conn 80 long --interval 0.1
long=$(first long)
diag "long-lived connection on $long"
set_state tcp 80 "$long" terminating
check "svcadm list shows the state" \
	grep -qF -- "-> $(ep "$long" 8080)  weight 1  state terminating  flows 1  active 1" <<<"$(svcadm_n list)"
others=()
for b in "${BACKENDS[@]}"; do [[ $b != "$long" ]] && others+=("$b"); done
out=$(client tcp $VIP 80 12)
diag "terminating $long: $out"
check "a terminating backend gets no new connection while active ones exist" \
	json_check "d['errors'] == 0 and d['backends'] == {'${others[0]}': 6, '${others[1]}': 6}" <<<"$out"
set_state tcp 80 "${others[0]}" terminating
set_state tcp 80 "${others[1]}" terminating
out=$(client tcp $VIP 80 9)
diag "all terminating: $out"
check "when only terminating backends remain, they all get new connections" \
	json_check "d['errors'] == 0 and sorted(d['backends'].values()) == [3, 3, 3]" <<<"$out"
set_state tcp 80 "${others[1]}" active
out=$(client tcp $VIP 80 4)
diag "${others[1]} active again: $out"
check "a backend made active again takes every new connection" \
	json_check "d['errors'] == 0 and d['backends'] == {'${others[1]}': 4}" <<<"$out"
check "svcadm -j list shows the states" json_check \
	"{b['address']: b['state'] for s in d['services'] if s['proto'] == 'tcp' for b in s['backends']} ==
	 {'$long': 'terminating', '${others[0]}': 'terminating', '${others[1]}': 'active'}" \
	<<<"$(svcadm_n -j list)"
stop_load long
diag "long-lived connection: $(cat "$TMP/long")"
check "the terminating backend kept its connection busy all along" \
	json_check "d['failures'] == 0 and d['corrupt'] == 0 and d['requests'] >= 10 and
		d['backends'] == {'$long': d['requests']}" <"$TMP/long"

# A backend added terminating gets nothing while an active one exists.
svcadm_n backend del tcp "$(ep $VIP 80)" "$(ep "${others[0]}" 8080)"
svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "${others[0]}" 8080)" state terminating
out=$(client tcp $VIP 80 3)
check "a backend added terminating gets no new connection" \
	json_check "d['errors'] == 0 and d['backends'] == {'${others[1]}': 3}" <<<"$out"

# No stale UDP: one connected socket sending every 50 ms; its backend is
# removed, then the mark file is made: every datagram sent after it must be
# answered by a live backend.
load udp-socket 53 udp --interval 0.05 --timeout 3 --mark "$TMP/mark" --log \
	--last "$TMP/last-udp"
gone=$(first udp)
sleep 1
svcadm_n backend del udp "$(ep $VIP 53)" "$(ep "$gone" 8080)"
touch "$TMP/mark"
# Until a live backend answers: a datagram in flight at the removal is lost,
# and the socket waits out its 3 s timeout before it sends the next.
for i in $(seq 100); do
	[[ -s $TMP/last-udp && $(cat "$TMP/last-udp") != "$gone" ]] && break
	sleep 0.1
done
sleep 1
flows=$(svcadm_n -j list | json_get "[s['stats']['active_flows'] for s in d['services'] if s['proto'] == 'udp'][0]")
stop_load udp
# Before the mark: the removed backend, then perhaps the datagram in flight
# at the removal, lost, then the new backend (the removal came first).
res=$(json_get "json.dumps(dict(failures=d['failures'], requests=d['requests'],
	before=[str(b) for m, b in d['log'] if not m],
	after=sorted(set(str(b) for m, b in d['log'] if m)),
	after_n=sum(1 for m, b in d['log'] if m)))" <"$TMP/udp")
diag "udp socket, backend $gone removed: $(json_get "dict(d, before=' '.join('%s*%d' % (k, len(list(g)))
	for k, g in __import__('itertools').groupby(d['before'])))" <<<"$res")"
check "udp: until the removal, the socket's datagrams reach its backend" json_check \
	"re.fullmatch('(gone )+(None )?(live )*', ''.join(
		'gone ' if b == '$gone' else 'None ' if b == 'None' else 'live ' if [b] == d['after'] else '? '
		for b in d['before']))" <<<"$res"
check "udp: every datagram after the removal is answered by one live backend" \
	json_check "d['after_n'] >= 10 and len(d['after']) == 1 and d['after'][0] not in ('$gone', 'None')" <<<"$res"
check "udp: at most the datagram in flight at the removal is lost" \
	json_check "d['failures'] <= 1" <<<"$res"
check "udp: the removed backend is gone from svcadm list" json_check \
	"'$gone' not in [b['address'] for s in d['services'] if s['proto'] == 'udp' for b in s['backends']]" \
	<<<"$(svcadm_n -j list)"
check "udp: the removed backend's flow was freed ($flows active flow left, the new one)" \
	test "$flows" = 1

# TCP: a connection whose backend is removed is reset at its next packet.
load tcp-conn 80 gone --interval 0.1 --timeout 3 --mark "$TMP/mark-tcp" --log --stop-on-error
tcp_gone=$(first gone)
svcadm_n backend del tcp "$(ep $VIP 80)" "$(ep "$tcp_gone" 8080)"
touch "$TMP/mark-tcp"
for i in $(seq 50); do
	kill -0 "${BG_PIDS[-1]}" 2>/dev/null || break
	sleep 0.1
done
stop_load gone
diag "tcp connection, backend $tcp_gone removed: $(json_get "{k: v for k, v in d.items() if k != 'log'}" <"$TMP/gone")"
check "tcp: the connection is reset at its first packet after the removal" \
	json_check "d['failures'] == 1 and 'reset' in d['last_error'] and
		d['log'][-1][1] is None and all(b == '$tcp_gone' for m, b in d['log'][:-1])" <"$TMP/gone"
rm -rf "$TMP"
finish
