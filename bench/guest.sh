#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark inside the VM (bench/run.sh boots it). Writes one JSON record
# per figure to OUT/raw.jsonl; bench/report.py turns them into the table.
#
# usage: guest.sh --out DIR [--smoke] [--systems "svclb ipvs nft iptables"]
#                 [--sizes "1 10000"] [--rounds R] [--duration S] [--threads T]
#                 [--bound S] [--setup-bound S] [--cp-sizes "10 10000"]
#                 [--cp-rounds R] [--mem-flows F]
#   --smoke   N = 10 only, one round of 2-second runs, 1,000 flows for memory,
#             each step bounded to 60 s: whether every system carries traffic.
#             Options after it override its settings.
#
# A lane is a client, a node and a backend namespace (the topology of
# selftests/lib.sh) with one system and one service count on the node; all
# lanes are set up first, then measured in rounds, the systems interleaved.
# Exit status: 1 when a lane failed to set up or to carry traffic.
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../selftests/lib.sh
source "$BENCH/../selftests/lib.sh"
LOADGEN=$BENCH/loadgen

out="" systems="svclb ipvs nft iptables" sizes="1 10000" rounds=3 duration=10
threads=8 bound=600 setup_bound=1200 cp_sizes="10 10000" cp_rounds=3
mem_flows=100000
while (($#)); do
	case $1 in
	--smoke)
		sizes=10 rounds=1 duration=2 threads=4 bound=60 setup_bound=60
		cp_sizes=10 cp_rounds=1 mem_flows=1000
		shift
		continue
		;;
	--out) out=$2 ;;
	--systems) systems=$2 ;;
	--sizes) sizes=$2 ;;
	--rounds) rounds=$2 ;;
	--duration) duration=$2 ;;
	--threads) threads=$2 ;;
	--bound) bound=$2 ;;
	--setup-bound) setup_bound=$2 ;;
	--cp-sizes) cp_sizes=$2 ;;
	--cp-rounds) cp_rounds=$2 ;;
	--mem-flows) mem_flows=$2 ;;
	*) echo "guest.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[[ -n $out ]] || { echo "guest.sh: --out DIR is required" >&2; exit 2; }
mkdir -p "$out"
RAW=$out/raw.jsonl
: >"$RAW"
WORK=$(mktemp -d)
for f in "$BENCH"/systems/*.sh; do
	# shellcheck source=/dev/null
	source "$f"
done

failed=()
fail() { failed+=("$*"); log "FAILED: $*"; }
log() { printf '[%6ds] %s\n' "$SECONDS" "$*" >&2; }
record() { printf '%s\n' "$1" >>"$RAW"; }
# The functions of system $1 (svclb-nl -> svclb_nl_*).
sys() { local s=${1//-/_}; shift; "${s}_$1" "${@:2}"; }
has() { declare -F "${1//-/_}_$2" >/dev/null; }

# Microseconds, without a process: every exec is slow under TCG.
usec() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
secs() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# bounded CMD...: run CMD (a command or a function) for at most $bound
# seconds (or $BOUND when set), then kill its process group. Sets STATUS (ok, timeout or failed)
# and ELAPSED (seconds). Its output goes to $WORK/out and $WORK/err.
bounded() {
	local t0 rc pid dog limit=${BOUND:-$bound}
	t0=$(usec)
	set -m # background jobs in process groups of their own
	"$@" >"$WORK/out" 2>"$WORK/err" &
	pid=$!
	(sleep "$limit" && kill -TERM -- "-$pid" && sleep 5 && kill -KILL -- "-$pid") \
		>/dev/null 2>&1 &
	dog=$!
	set +m
	wait "$pid"
	rc=$?
	ELAPSED=$(secs $(($(usec) - t0)))
	kill -- "-$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	if ((rc == 0)); then
		STATUS=ok
	elif ((rc == 143 || rc == 137)) && [[ ${ELAPSED%.*} -ge $limit ]]; then
		STATUS=timeout
	else
		STATUS=failed
		log "$* failed (exit $rc): $(head -c 300 "$WORK/err")"
	fi
}

# Kernel memory in bytes: unreclaimable slab, per-CPU and vmalloc areas.
kmem() {
	local k v _ sum=0
	while read -r k v _; do
		case $k in SUnreclaim: | Percpu: | VmallocUsed:) sum=$((sum + v)) ;; esac
	done </proc/meminfo
	echo $((sum * 1024))
}
# Bytes held by the named slab caches (all objects of their slabs).
slab_bytes() {
	local name num size _ sum=0 c
	while read -r name _ num size _; do
		for c in "$@"; do [[ $name == "$c" ]] && sum=$((sum + num * size)); done
	done </proc/slabinfo
	echo "$sum"
}

# The measured service's VIP with N services (gen.py: VIP of service N/2).
measured_vip() { local i=$(($1 / 2 + 1)); echo "10.96.$((i >> 8 & 255)).$((i & 255))"; }

SRC=10.0.1.100 NSRC=16 # the client's source addresses, one per 64512 flows
# net_setup LANE: the lane's namespaces, links, addresses and servers.
net_setup() {
	local l=$1 c=c-$1 n=n-$1 b=b-$1 i
	ip netns add "$c" && ip netns add "$n" && ip netns add "$b" || return 1
	ip -batch - <<-EOF || return 1
	link add c0 netns $c type veth peer n0 netns $n
	link add b0 netns $b type veth peer n1 netns $n
	EOF
	{
		echo "link set lo up"
		echo "link set c0 up"
		echo "addr add 10.0.1.2/24 dev c0"
		for ((i = 0; i < NSRC; i++)); do echo "addr add 10.0.1.$((100 + i))/24 dev c0"; done
		echo "route add default via 10.0.1.1"
	} | ip -n "$c" -batch - || return 1
	# bh0 routes the addresses of the backends that take no traffic: IPVS
	# refuses a real server without a route.
	ip -n "$n" -batch - <<-EOF || return 1
	link set lo up
	link set n0 up
	link set n1 up
	addr add 10.0.1.1/24 dev n0
	addr add 10.0.2.254/24 dev n1
	link add bh0 type dummy
	link set bh0 up
	route add 10.0.0.0/8 dev bh0
	link add kube-ipvs0 type dummy
	EOF
	ip -n "$b" -batch - <<-EOF || return 1
	link set lo up
	link set b0 up
	addr add 10.0.2.1/24 dev b0
	addr add 10.0.2.2/24 dev b0
	route add default via 10.0.2.254
	EOF
	# UDP conntrack entries last 120 s, not 30: the memory figure counts
	# 100,000 flows at once, at the 2,000 or so per second that TCG allows.
	ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 \
		net.netfilter.nf_conntrack_udp_timeout=120 || return 1
	# No TIME_WAIT sockets: the client and the servers keep no state that
	# grows with the flows, so memory deltas are the node's.
	ip netns exec "$c" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
	ip netns exec "$b" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
	bg ip netns exec "$b" "$LOADGEN" server 10.0.2.1 10.0.2.2
	ip netns exec "$b" iperf3 -s -D -B 10.0.2.1 -p 5201 || return 1
	for i in $(seq 50); do
		ip netns exec "$b" ss -Hltn | grep -q 10.0.2.2:8080 && return 0
		sleep 0.1
	done
	return 1
}
# shellcheck disable=SC2317 # called by the EXIT trap
net_cleanup() {
	local l
	((${#BG_PIDS[@]})) && kill "${BG_PIDS[@]}" 2>/dev/null
	pkill -x iperf3 2>/dev/null # only ours run in the VM
	for l in "${LANES[@]}"; do
		ip netns del "c-$l"; ip netns del "n-$l"; ip netns del "b-$l"
	done 2>/dev/null
	rm -rf "$WORK"
}

# ---- setup ----

log "kernel $(uname -r), $(nproc) vCPU, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo), cmdline: $(cat /proc/cmdline)"
modprobe nf_conntrack || exit 1
# As large as svclb's flow table bound, so no peer drops for a full table.
echo 262144 >/sys/module/nf_conntrack/parameters/hashsize
sysctl -qw net.netfilter.nf_conntrack_max=1048576
for s in $systems; do
	sys "$s" prepare || { fail "$s: prepare"; exit 1; }
done
record "{\"kind\": \"env\", \"kernel\": \"$(uname -r)\", \"vcpus\": $(nproc), \"cmdline\": \"$(cat /proc/cmdline)\", \"iptables\": \"$IPTABLES\", \"systems\": \"$systems\", \"sizes\": \"$sizes\", \"rounds\": $rounds, \"duration\": $duration, \"threads\": $threads, \"bound\": $bound, \"setup_bound\": $setup_bound, \"cp_sizes\": \"$cp_sizes\", \"cp_rounds\": $cp_rounds, \"mem_flows\": $mem_flows}"

LANES=(direct)
declare -A LANE_SYS LANE_N NEXT
LANE_SYS[direct]=direct LANE_N[direct]=0
for n in $sizes; do
	for s in $systems; do
		LANES+=("$s-$n")
		LANE_SYS[$s-$n]=$s LANE_N[$s-$n]=$n
	done
done
trap net_cleanup EXIT

OK_LANES=()
for l in "${LANES[@]}"; do
	s=${LANE_SYS[$l]} n=${LANE_N[$l]}
	NEXT[$l]=0
	net_setup "$l" || { fail "$l: network setup"; continue; }
	((n)) || { OK_LANES+=("$l"); continue; }
	mkdir -p "$WORK/$l"
	sys "$s" files "$n" 2 "$WORK/$l" --lane
	# svcadm would take an invocation per line: the lanes load over netlink.
	loader=$s
	[[ $s == svclb ]] && loader=svclb-nl
	before=$(kmem)
	if has "$loader" vips; then
		BOUND=$setup_bound bounded sys "$loader" vips "n-$l" "$WORK/$l"
		[[ $STATUS == ok ]] || { fail "$l: VIPs: $STATUS"; continue; }
	fi
	BOUND=$setup_bound bounded sys "$loader" load "n-$l" "$WORK/$l"
	after=$(kmem)
	log "$l: loaded $n services with $loader in ${ELAPSED}s: $STATUS"
	record "{\"kind\": \"setup\", \"lane\": \"$l\", \"system\": \"$s\", \"loader\": \"$loader\", \"n\": $n, \"seconds\": $ELAPSED, \"status\": \"$STATUS\", \"kmem_delta\": $((after - before))}"
	[[ $STATUS == ok ]] || { fail "$l: load: $STATUS after ${ELAPSED}s"; continue; }
	OK_LANES+=("$l")
done

lane_ok() { [[ " ${OK_LANES[*]} " == *" $1 "* ]]; }
target() {
	local l=$1 port=$2
	if [[ ${LANE_SYS[$l]} == direct ]]; then
		echo "10.0.2.1:$((port == 80 ? 8080 : port))"
	else
		echo "$(measured_vip "${LANE_N[$l]}"):$port"
	fi
}

# flows LANE TEST SECS [COUNT]: run the load generator; RES is its JSON.
# Each run goes on with the flow numbers (source tuples) where the last ended.
flows() {
	local l=$1 test=$2 d=$3 count=${4:-}
	bounded ip netns exec "c-$l" "$LOADGEN" "$test" -d "$d" -c "$threads" \
		-s "$SRC/$NSRC" -b "${NEXT[$l]}" ${count:+-n "$count"} "$(target "$l" 80)"
	RES=$(<"$WORK/out")
	[[ $STATUS == ok && $RES =~ \"next\":\ ([0-9]+) ]] || { RES="{}"; return 1; }
	NEXT[$l]=${BASH_REMATCH[1]}
}
# carried JSON: flows completed and at most 1% of them failed.
carried() {
	[[ $1 =~ \"flows\":\ ([0-9]+).*\"errors\":\ ([0-9]+).*\"timeouts\":\ ([0-9]+) ]] &&
		((BASH_REMATCH[1] > 0 && (BASH_REMATCH[2] + BASH_REMATCH[3]) * 100 <= BASH_REMATCH[1]))
}

# ---- memory per flow ----

if ((mem_flows)); then
	mem_n=${sizes%% *}
	for s in direct $systems; do
		l=$s-$mem_n
		[[ $s == direct ]] && l=direct
		lane_ok "$l" || continue
		caches=$(sys "$s" caches)
		# shellcheck disable=SC2086 # a list of cache names
		b0=$(kmem) c0=$(slab_bytes $caches)
		flows "$l" udp_rr $((bound - 10)) "$mem_flows"
		# shellcheck disable=SC2086
		b1=$(kmem) c1=$(slab_bytes $caches)
		nf=$(sys "$s" flows "n-$l")
		log "$l: $mem_flows flows: $nf tracked, kernel memory +$((b1 - b0)) B, caches ($caches) +$((c1 - c0)) B"
		record "{\"kind\": \"mem\", \"lane\": \"$l\", \"system\": \"$s\", \"tracked\": $nf, \"kmem_delta\": $((b1 - b0)), \"cache_delta\": $((c1 - c0)), \"caches\": \"$caches\", \"result\": $RES}"
	done
fi

# ---- datapath rounds ----

for ((r = 1; r <= rounds; r++)); do
	for test in tcp_crr udp_rr bulk; do
		for l in "${OK_LANES[@]}"; do
			s=${LANE_SYS[$l]} n=${LANE_N[$l]}
			if [[ $test == bulk ]]; then
				t=$(target "$l" 5201)
				bounded ip netns exec "c-$l" iperf3 -c "${t%:*}" -p "${t#*:}" -t "$duration" -f k
				bps=0
				[[ $(<"$WORK/out") =~ ([0-9.]+)\ Kbits/sec\ +receiver ]] && bps=${BASH_REMATCH[1]}
				res="{\"kbits\": $bps}"
				[[ $bps != 0 ]] || fail "$l: bulk carried nothing ($STATUS)"
			else
				flows "$l" "$test" "$duration"
				res=$RES
				carried "$res" || fail "$l: $test: $res"
			fi
			log "round $r $test $l: $res"
			record "{\"kind\": \"dp\", \"round\": $r, \"test\": \"$test\", \"lane\": \"$l\", \"system\": \"$s\", \"n\": $n, \"result\": $res}"
		done
	done
done

# ---- control plane ----

# cp_step SYSTEM N BACKENDS ROUND: load N services of BACKENDS backends into a
# fresh node namespace, then (except with 10 backends) change one.
cp_step() {
	local s=$1 n=$2 nb=$3 r=$4 ns=cp-$1 d=$WORK/cp-$1 rec extra=""
	rm -rf "$d" && mkdir -p "$d/change"
	ip netns add "$ns"
	ip -n "$ns" -batch - <<-EOF
	link set lo up
	link add bh0 type dummy
	link set bh0 up
	route add 10.0.0.0/8 dev bh0
	link add kube-ipvs0 type dummy
	EOF
	sys "$s" files "$n" "$nb" "$d"
	sys "$s" files "$n" "$nb" "$d/change" --change
	if has "$s" vips; then
		bounded sys "$s" vips "$ns" "$d"
		extra=", \"vips_seconds\": $ELAPSED, \"vips_status\": \"$STATUS\""
	fi
	bounded sys "$s" load "$ns" "$d"
	rec="{\"kind\": \"cp\", \"round\": $r, \"system\": \"$s\", \"n\": $n, \"backends\": $nb, \"load_seconds\": $ELAPSED, \"load_status\": \"$STATUS\"$extra"
	if has "$s" messages; then
		rec+=", \"messages\": $(sys "$s" messages "$d")"
	fi
	log "cp $s ${n}x$nb: load ${ELAPSED}s $STATUS"
	if ((nb == 2)); then
		if [[ $STATUS != ok && $s == svclb ]]; then
			# Finish the load over netlink, so the change lands on N services.
			ip netns exec "$ns" "$SVCADM" flush
			bounded svclb_nl_load "$ns" "$d"
			rec+=", \"completed_by\": \"svclb-nl\""
		fi
		if [[ $STATUS == ok ]]; then
			bounded sys "$s" change "$ns" "$d/change"
			rec+=", \"change_seconds\": $ELAPSED, \"change_status\": \"$STATUS\""
			if has "$s" messages; then
				rec+=", \"change_messages\": $(sys "$s" messages "$d/change")"
			fi
			log "cp $s ${n}x$nb: change ${ELAPSED}s $STATUS"
		fi
	fi
	record "$rec}"
	ip netns del "$ns"
}

cp_systems=""
for s in $systems; do
	cp_systems+=" $s"
	[[ $s == svclb ]] && cp_systems+=" svclb-nl"
done
for ((r = 1; r <= cp_rounds; r++)); do
	for n in $cp_sizes; do
		for nb in 2 10; do
			((n < 1000 && nb == 10)) && continue # the small size is for the change
			for s in $cp_systems; do cp_step "$s" "$n" "$nb" "$r"; done
		done
	done
done

if ((${#failed[@]})); then
	printf 'guest.sh: FAILED: %s\n' "${failed[@]}" >&2
	exit 1
fi
exit 0
