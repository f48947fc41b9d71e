#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A rolling update without loss, IPv4 or IPv6. Under a continuous load of
# short TCP connections, of UDP requests each from a new socket, and of UDP
# requests on one long-lived socket, every backend is replaced one by one:
# a new backend is added, the old one marked terminating, left until svcadm
# list shows no active flow on it (at most 6 s for UDP, which the long-lived
# socket keeps busy), and removed. No TCP request and no UDP
# request from a new socket fails; the long-lived socket loses at most the
# datagram in flight at each removal.
#
# usage: rolling.sh [--ipv6]
source "$(dirname "$0")/lib.sh"

family_option "$@"
if ((family == 6)); then
	NEW=(fd00:2::4 fd00:2::5 fd00:2::6) PLEN="64 nodad"
else
	NEW=(10.0.2.4 10.0.2.5 10.0.2.6) PLEN=24
fi

plan 9
trap topo_cleanup EXIT
dmesg_mark
load_module || exit 1
topo_setup || exit 1
for b in "${NEW[@]}"; do
	# shellcheck disable=SC2086 # the prefix length and nodad for IPv6
	ip -n "$NS_B" addr add "$b/"$PLEN dev b0
done
start_servers 8080 || { not_ok "servers start"; finish; }
bg in_b "$PY" "$SELFTESTS/lib/servers.py" --ports 8080 "${NEW[@]}"
for i in $(seq 100); do
	in_b ss -Hltn | grep -qF "$(ep "${NEW[2]}" 8080)" && break
	sleep 0.1
done
TMP=$(mktemp -d)

# Closed TCP flows leave the table within about 2 s, idle UDP flows within
# about 4 s (longer than any request takes, even on a slow machine).
svcadm_n config timeout-tcp-closing 1 timeout-udp 3
svcadm_n service add tcp "$(ep $VIP 80)"
svcadm_n service add udp "$(ep $VIP 53)"
for b in "${BACKENDS[@]}"; do
	svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "$b" 8080)"
	svcadm_n backend add udp "$(ep $VIP 53)" "$(ep "$b" 8080)"
done

loads=(tcp udp udp-socket)
for mode in "${loads[@]}"; do
	port=53
	[[ $mode == tcp ]] && port=80
	bg in_c "$PY" "$SELFTESTS/lib/load.py" $mode $VIP $port --timeout 5 \
		--stop "$TMP/stop" --log --last "$TMP/last-$mode" >"$TMP/$mode"
done
# Until each old backend has had some of the load.
for i in $(seq 100); do
	svcadm_n -j list | json_check "all(s['stats']['flows'] >= 6 for s in d['services'])" && break
	sleep 0.2
done

# active PROTO ADDR: the active flows of a backend.
active() {
	svcadm_n -j list | json_get "[b['stats']['active_flows'] for s in d['services']
		if s['proto'] == '$1' for b in s['backends'] if b['address'] == '$2'][0]"
}
# drain PROTO ADDR SECONDS: wait until the backend has no active flow.
drain() {
	local end=$((SECONDS + $3))
	while ((SECONDS < end)); do
		[[ $(active "$1" "$2") == 0 ]] && return 0
		sleep 0.2
	done
	return 1
}

start=$SECONDS
tcp_drained=0
for i in 0 1 2; do
	old=${BACKENDS[i]} new=${NEW[i]}
	for p in "tcp 80" "udp 53"; do
		set -- $p
		svcadm_n backend add "$1" "$(ep $VIP "$2")" "$(ep "$new" 8080)"
		svcadm_n backend set "$1" "$(ep $VIP "$2")" "$(ep "$old" 8080)" state terminating
	done
	t=$SECONDS
	drain tcp "$old" 30 && tcp_drained=$((tcp_drained + 1))
	drain udp "$old" 6
	diag "$old: TCP drained in $((SECONDS - t)) s, UDP: $(active udp "$old") active flows left"
	svcadm_n backend del tcp "$(ep $VIP 80)" "$(ep "$old" 8080)"
	svcadm_n backend del udp "$(ep $VIP 53)" "$(ep "$old" 8080)"
done
diag "3 backends replaced in $((SECONDS - start)) s"
# Until the long-lived socket, which may have lost a datagram at the last
# removal, has been answered by a new backend.
for i in $(seq 100); do
	grep -qxF -f <(printf '%s\n' "${NEW[@]}") "$TMP/last-udp-socket" 2>/dev/null && break
	sleep 0.2
done
touch "$TMP/stop"
wait "${BG_PIDS[@]:2}"
for mode in "${loads[@]}"; do
	diag "$mode: $(json_get "{k: v for k, v in d.items() if k != 'log'}" <"$TMP/$mode")"
done

check "every old backend's TCP flows ended while it was terminating" test $tcp_drained = 3
check "tcp: no connection failed during the update" json_check \
	"d['requests'] >= 20 and d['failures'] == 0 and d['corrupt'] == 0" <"$TMP/tcp"
check "tcp: old and new backends answered" json_check \
	"set('${NEW[*]}'.split()) <= set(d['backends']) and set('${BACKENDS[*]}'.split()) & set(d['backends'])" <"$TMP/tcp"
check "udp, a new socket per request: no request lost, every reply from the VIP" json_check \
	"d['requests'] >= 20 and d['failures'] == 0 and d['from_vip'] == d['requests'] and
	 d['corrupt'] == 0" <"$TMP/udp"
check "udp, a long-lived socket: at most the datagram in flight at each removal lost" json_check \
	"d['requests'] >= 20 and d['failures'] <= 3 and d['corrupt'] == 0" <"$TMP/udp-socket"
check "udp, the long-lived socket ends on a new backend" json_check \
	"d['log'][-1][1] in '${NEW[*]}'.split()" <"$TMP/udp-socket"
list=$(svcadm_n -j list)
check "svcadm list shows only the new backends, active" json_check \
	"all(sorted((b['address'], b['state']) for b in s['backends']) ==
	     sorted((a, 'active') for a in '${NEW[*]}'.split()) for s in d['services'])" <<<"$list"
check "nothing refused or dropped for want of a backend or of room" json_check \
	"all(s['stats']['refused'] == 0 and s['stats']['dropped'] == 0 for s in d['services'])" <<<"$list"
check "no BUG, WARNING or leak report in the kernel log" dmesg_clean
rm -rf "$TMP"
finish
