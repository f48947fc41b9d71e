# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the selftests: TAP output, the module, a test topology.
# shellcheck shell=bash

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$SELFTESTS")
SVCADM=$TOP/tools/svcadm/svcadm
MODULE=${SVCLB_MODULE:-$TOP/kmod/svclb.ko}
PY=/usr/bin/python3

tap_n=0
tap_fail=0

plan() { echo "TAP version 13"; echo "1..$1"; }
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n $*"; }
diag() { echo "# $*"; }
# check DESCRIPTION COMMAND...: one test point from a command's status.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() { exit $((tap_fail ? 1 : 0)); }
skip_all() { echo "TAP version 13"; echo "1..0 # SKIP $*"; exit 4; }

# need_modules MODULE...: load them. A kernel without /lib/modules/$(uname
# -r), the debug kernel of make check-debug, has them all built in: nothing
# to load there.
need_modules() {
	[[ -d /lib/modules/$(uname -r) ]] || return 0
	modprobe -a "$@"
}

# What the module needs.
load_deps() {
	# shellcheck disable=SC2046 # a list of module names
	need_modules $(modinfo -F depends "$MODULE" | tr , ' ')
}

# Netfilter keeps a jump label per hook point (nf_hooks_needed), on while
# any namespace has a hook there, and rewrites the kernel's code when the
# first hook comes or the last one goes: at svclb's insmod and rmmod when
# nothing else hooks the node. Under QEMU's TCG, a vCPU running that code
# while another rewrites it can stay stuck on it for good
# (docs/reliability.md, "Module unload under traffic"; selftests/vm/
# jump-label-hang.sh shows it without svclb). Inert chains at each hook
# point in the initial namespace keep the jump labels on for the rest of the
# VM's run, as a node's other rules do; tests that add and delete nft base
# chains then flip none either.
pin_hook_points() {
	[[ -e /run/svclb-hook-points ]] && return 0
	nft -f - <<-'EOF' && touch /run/svclb-hook-points
	table inet svclb_pin {
		chain prerouting { type filter hook prerouting priority 0; }
		chain input { type filter hook input priority 0; }
		chain forward { type filter hook forward priority 0; }
		chain output { type filter hook output priority 0; }
		chain postrouting { type filter hook postrouting priority 0; }
	}
	EOF
}

# Load the module (and what it depends on) unless it is loaded already.
load_module() {
	[[ -d /sys/module/svclb ]] && return 0
	pin_hook_points
	load_deps && insmod "$MODULE"
}

unload_module() {
	[[ -d /sys/module/svclb ]] || return 0
	rmmod svclb
}

# The test topology, in namespaces named after this shell's pid:
#
#   $NS_C (client, a pod)        $NS_N (node, runs svclb)       $NS_B (backends)
#   c0 10.0.1.2/24 ---- n0 10.0.1.1/24    n1 10.0.2.254/24 ---- b0 10.0.2.1-3/24
#      fd00:1::2/64        fd00:1::1/64      fd00:2::fe/64         fd00:2::1-3/64
#
# The VIPs 10.96.0.10 and fd00:96::10 are no address of anyone: the client
# routes them to the node. use_family 6 switches VIP, BACKENDS and CLIENT to
# IPv6; ep ADDR PORT writes an endpoint as svcadm does.
VIP4=10.96.0.10 VIP6=fd00:96::10
BACKENDS4=(10.0.2.1 10.0.2.2 10.0.2.3)
BACKENDS6=(fd00:2::1 fd00:2::2 fd00:2::3)
use_family() {
	if [[ $1 == 6 ]]; then
		VIP=$VIP6 CLIENT=fd00:1::2 BACKENDS=("${BACKENDS6[@]}")
	else
		VIP=$VIP4 CLIENT=10.0.1.2 BACKENDS=("${BACKENDS4[@]}")
	fi
}
use_family 4
# family_option [--ipv6]: a test's only option, the family it runs in
# (family=4 or 6, use_family'd); any other word is a usage error.
family_option() {
	case $#:${1:-} in
	0:) family=4 ;;
	1:--ipv6) family=6 ;;
	*) echo "usage: $0 [--ipv6]" >&2; exit 2 ;;
	esac
	use_family $family
}
host() { if [[ $1 == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
ep() { echo "$(host "$1"):$2"; }

topo_setup() {
	NS_C=svclb-c-$$ NS_N=svclb-n-$$ NS_B=svclb-b-$$
	ip netns add "$NS_C" && ip netns add "$NS_N" && ip netns add "$NS_B" || return 1
	ip link add c0 netns "$NS_C" type veth peer n0 netns "$NS_N" || return 1
	ip link add b0 netns "$NS_B" type veth peer n1 netns "$NS_N" || return 1
	ip -n "$NS_C" addr add 10.0.1.2/24 dev c0
	ip -n "$NS_C" addr add fd00:1::2/64 dev c0 nodad
	ip -n "$NS_N" addr add 10.0.1.1/24 dev n0
	ip -n "$NS_N" addr add fd00:1::1/64 dev n0 nodad
	ip -n "$NS_N" addr add 10.0.2.254/24 dev n1
	ip -n "$NS_N" addr add fd00:2::fe/64 dev n1 nodad
	local b
	for b in "${BACKENDS4[@]}"; do ip -n "$NS_B" addr add "$b/24" dev b0; done
	for b in "${BACKENDS6[@]}"; do ip -n "$NS_B" addr add "$b/64" dev b0 nodad; done
	local ns
	for ns in "$NS_C" "$NS_N" "$NS_B"; do ip -n "$ns" link set lo up; done
	ip -n "$NS_C" link set c0 up
	ip -n "$NS_N" link set n0 up
	ip -n "$NS_N" link set n1 up
	ip -n "$NS_B" link set b0 up
	ip -n "$NS_C" route add default via 10.0.1.1
	ip -n "$NS_C" route add default via fd00:1::1
	ip -n "$NS_B" route add default via 10.0.2.254
	ip -n "$NS_B" route add default via fd00:2::fe
	ip netns exec "$NS_N" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_N" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# bg COMMAND...: run in the background, to be killed by topo_cleanup.
BG_PIDS=()
bg() {
	"$@" &
	BG_PIDS+=($!)
}

topo_cleanup() {
	local ns pid kids
	# Every step, whatever fails before it: callers may run with set -e.
	local -
	set +e
	# A function run in the background is a subshell waiting for its
	# command: end the subshell first, then its children. Ended the other way
	# round, the subshell reports its child's death ("Terminated").
	for pid in "${BG_PIDS[@]}"; do
		kids=$(pgrep -P "$pid")
		kill "$pid" 2>/dev/null
		# shellcheck disable=SC2086 # a list of pids
		[[ -n $kids ]] && kill $kids 2>/dev/null
	done
	wait 2>/dev/null
	for ns in "${NS_C:-}" "${NS_N:-}" "${NS_B:-}"; do
		[[ -n $ns ]] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

in_c() { ip netns exec "$NS_C" "$@"; }
in_n() { ip netns exec "$NS_N" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
svcadm_n() { ip netns exec "$NS_N" "$SVCADM" "$@"; }

# start_servers PORT...: echo servers on every backend address, TCP and UDP.
start_servers() {
	local IFS=,
	bg in_b "$PY" "$SELFTESTS/lib/servers.py" --ports "$*" "${BACKENDS4[@]}" "${BACKENDS6[@]}"
	unset IFS
	local i
	for i in $(seq 100); do
		in_b ss -Hltn | grep -qF "[${BACKENDS6[2]}]:${1}" && return 0
		sleep 0.1
	done
	return 1
}

# wait_listen PORT: until a TCP socket of the backend namespace listens on PORT.
wait_listen() {
	local i
	for i in $(seq 100); do
		in_b ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# vip_transfer up|down IN OUT SECONDS: the file IN crosses the TCP service
# VIP:9000, whose backend is ${BACKENDS[0]}:9001, from the client to a socat
# listening there (up) or from that socat to the client (down), into OUT.
vip_transfer() {
	local listen="TCP${family:-}-LISTEN:9001,bind=$(host "${BACKENDS[0]}"),reuseaddr"
	local connect="TCP${family:-}:$(ep "$VIP" 9000)"
	if [[ $1 == up ]]; then
		bg in_b timeout "$4" socat -u "$listen" "CREATE:$3"
		wait_listen 9001
		in_c timeout "$4" socat -u "OPEN:$2" "$connect"
	else
		bg in_b timeout "$4" socat -u "OPEN:$2" "$listen"
		wait_listen 9001
		in_c timeout "$4" socat -u "$connect" "CREATE:$3"
	fi
	wait "${BG_PIDS[-1]}"
}

# client PROTO ADDR PORT COUNT [ARGS]: JSON tally of which backend answered.
client() { in_c "$PY" "$SELFTESTS/lib/client.py" "$@"; }

# JSON from stdin as d: json_get prints an expression, json_check tests one.
json_get() { "$PY" -c "import json,re,sys; d=json.load(sys.stdin); print($1)"; }
json_check() { "$PY" -c "import json,re,sys; d=json.load(sys.stdin); sys.exit(not ($1))"; }

# The kernel log since the mark, and whether it holds a report.
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_since() { dmesg | tail -n +"$((${DMESG_MARK:-0} + 1))"; }
dmesg_clean() {
	! dmesg_since | grep -E 'BUG|WARNING|Oops|general protection|leak|KASAN|UBSAN|lockdep|circular locking|RCU stall|Call Trace'
}
