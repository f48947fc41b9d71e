#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmmod while TCP and UDP traffic flows through VIPs, insmod again, and the
# traffic flows again; the kernel reports nothing. The last rmmod is traced:
# each namespace's hooks go, then an RCU grace period passes (a packet in a
# hook is in an RCU read-side section), then its tables are freed.
source "$(dirname "$0")/lib.sh"

# usage: unload.sh [--cycles N]   (default 5)
CYCLES=5
while (($#)); do
	case $1 in
	--cycles) CYCLES=$2; shift 2 ;;
	*) echo "usage: $0 [--cycles N]" >&2; exit 2 ;;
	esac
done
plan $((CYCLES * 2 + 3))
dir=$(mktemp -d)
trap 'topo_cleanup; rm -rf "$dir"' EXIT
dmesg_mark
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }

configure() {
	local b
	svcadm_n service add tcp $VIP:80 && svcadm_n service add udp $VIP:53 || return 1
	for b in "${BACKENDS[@]}"; do
		svcadm_n backend add tcp $VIP:80 "$b:8080" &&
			svcadm_n backend add udp $VIP:53 "$b:8080" || return 1
	done
}
configure
# Traffic for the whole test (killed at its end), errors ignored: a
# long-lived bulk TCP stream and a stream of short TCP and UDP flows. It
# runs at the lowest priority: it takes all the CPU the test's own steps
# leave, and does not slow them down.
bg in_c nice -n 19 socat -u /dev/zero TCP:$VIP:80 2>/dev/null
bg in_c nice -n 19 "$PY" "$SELFTESTS/lib/client.py" tcp $VIP 80 100000000 --timeout 0.3 >/dev/null
bg in_c nice -n 19 "$PY" "$SELFTESTS/lib/client.py" udp $VIP 53 100000000 --timeout 0.3 >/dev/null
sleep 2

pkts_in() { svcadm_n list -j | json_get "sum(s['stats']['packets_in'] for s in d['services'])"; }
for i in $(seq "$CYCLES"); do
	# Packets are going through right before the unload.
	p0=$(pkts_in)
	sleep 1
	pkts=$(pkts_in)
	rmmod svclb
	check "cycle $i: rmmod under traffic ($((pkts - p0)) packets in its last second)" \
		test $? = 0 -a "${pkts:-0}" -gt "${p0:-0}"
	sleep 0.5
	load_module && configure
	sleep 1
	client tcp $VIP 80 3 >"$dir/tcp" &
	client udp $VIP 53 3 >"$dir/udp"
	wait $!
	check "cycle $i: after insmod, TCP and UDP flow again" \
		json_check "all(c['errors'] == 0 and c['corrupt'] == 0 for c in d)" \
		<<<"[$(<"$dir/tcp"), $(<"$dir/udp")]"
done
active=$(svcadm_n list -j | json_get "sum(s['stats']['active_flows'] for s in d['services'])")

# Kprobe events, named after what they mark, record in the trace buffer
# when rmmod's task unregisters a namespace's hooks, waits for a grace
# period, and enters a namespace's exit, which frees its tables.
T=/sys/kernel/tracing
PROBES=(
	"p:svclb_unload/hooks_removed svclb:svclb_hooks_net_exit"
	"p:svclb_unload/grace_period synchronize_rcu"
	"p:svclb_unload/net_exit svclb:svclb_net_exit"
)
traced=1
for p in "${PROBES[@]}"; do
	echo "$p" 2>/dev/null >>$T/kprobe_events || traced=0
done
((traced)) && echo >$T/trace && echo 1 >$T/events/svclb_unload/enable
rmmod svclb
check "final rmmod with $active flows in the table" test $? = 0 -a "${active:-0}" -gt 0
if ((traced)); then
	echo 0 >$T/events/svclb_unload/enable
	order=$(sed -n 's/^ *rmmod-[0-9]* .* \(hooks_removed\|grace_period\|net_exit\): .*/\1/p' $T/trace)
	diag "in rmmod: $(uniq -c <<<"$order" | xargs)"
	# Every hooks_removed, then a grace_period, then every net_exit.
	check "each namespace's hooks removed, then a grace period, then its tables freed" \
		awk '{ e[NR] = $0 } /hooks_removed/ { h = NR; nh++ } /net_exit/ { if (!x) x = NR; nx++ }
			END { for (i = h + 1; i < x; i++) g += e[i] == "grace_period"
			      exit !(nh > 1 && nh == nx && h < x && g) }' <<<"$order"
else
	ok "# SKIP no kprobe events in this kernel"
fi
for p in "${PROBES[@]}"; do
	p=${p%% *}
	echo "-:${p#p:}" 2>/dev/null >>$T/kprobe_events
done
check "no BUG, WARNING, Oops or leak report in the kernel log" dmesg_clean
finish
