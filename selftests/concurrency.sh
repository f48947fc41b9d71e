#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Eight concurrent svcadm writers while traffic flows through a VIP:
#   writers 1-7 each own the services 10.97.W.0/24 of the node namespace and
#     add, delete and change them and their backends at random;
#   writer 8 adds services in a namespace of its own and flushes it.
# Every command must succeed (the writers' objects are disjoint), a dump of
# the node namespace must parse whenever it is taken, the steady service keeps
# answering, and the final dump holds exactly what the writers left.
#
# usage: concurrency.sh [--seconds N]   (default 20)
source "$(dirname "$0")/lib.sh"

SECONDS_RUN=20
while (($#)); do
	case $1 in
	--seconds) SECONDS_RUN=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds N]" >&2; exit 2 ;;
	esac
done

plan 7
trap 'topo_cleanup; ip netns del "$NS_F" 2>/dev/null; rm -rf "$dir"' EXIT
dir=$(mktemp -d)
dmesg_mark
load_module || exit 1
topo_setup || exit 1
NS_F=svclb-f-$$
ip netns add "$NS_F" || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
svcadm_n service add tcp $VIP:80 || exit 1
for b in "${BACKENDS[@]}"; do svcadm_n backend add tcp $VIP:80 "$b:8080" || exit 1; done

# writer_op W: one random change to the services 10.97.W.1-8:80, recorded in
# the caller's svcs and bes.
writer_op() {
	local w=$1 vip be key weight
	vip=10.97.$w.$((RANDOM % 8 + 1)):80
	be=10.0.2.$((RANDOM % 3 + 1)):$((8000 + RANDOM % 4))
	if [[ -z ${svcs[$vip]:-} ]]; then
		svcadm_n service add tcp "$vip" || return 1
		svcs[$vip]=1
		return 0
	fi
	case $((RANDOM % 6)) in
	0)
		svcadm_n service del tcp "$vip" || return 1
		unset "svcs[$vip]"
		for key in "${!bes[@]}"; do
			if [[ $key == "$vip "* ]]; then unset "bes[$key]"; fi
		done
		;;
	1 | 2 | 3)
		if [[ -z ${bes["$vip $be"]:-} ]]; then
			svcadm_n backend add tcp "$vip" "$be" || return 1
			bes["$vip $be"]=1
		else
			svcadm_n backend del tcp "$vip" "$be" || return 1
			unset "bes[$vip $be]"
		fi
		;;
	*)
		weight=$((RANDOM % 100 + 1))
		if [[ -n ${bes["$vip $be"]:-} ]]; then
			svcadm_n backend set tcp "$vip" "$be" weight $weight || return 1
		else
			svcadm_n backend add tcp "$vip" "$be" weight $weight || return 1
		fi
		bes["$vip $be"]=$weight
		;;
	esac
}

# writer W END: writer_op until END; then the state it left, one line per
# service ("svc VIP:PORT") and backend ("be VIP:PORT ADDR:PORT WEIGHT"), in
# $dir/W.state, its operation count in $dir/W.ops, failures in $dir/W.err.
writer() {
	local w=$1 end=$2 ops=0 key
	local -A svcs=() bes=()
	RANDOM=$w
	while ((SECONDS < end)); do
		writer_op "$w" 2>"$dir/$w.last" ||
			echo "writer $w: operation $ops failed: $(cat "$dir/$w.last")" >>"$dir/$w.err"
		ops=$((ops + 1))
	done
	{
		for key in "${!svcs[@]}"; do echo "svc $key"; done
		for key in "${!bes[@]}"; do echo "be $key ${bes[$key]}"; done
	} >"$dir/$w.state"
	echo "$ops" >"$dir/$w.ops"
}

# flusher END: fill a namespace of its own, flush it, check it is empty.
flusher() {
	local end=$1 ops=0 i
	while ((SECONDS < end)); do
		for i in 1 2 3; do
			ip netns exec "$NS_F" "$SVCADM" service add udp 10.98.0.$i:53 &&
				ip netns exec "$NS_F" "$SVCADM" backend add udp 10.98.0.$i:53 10.0.2.1:53 ||
				echo "flusher: add failed" >>"$dir/8.err"
		done
		ip netns exec "$NS_F" "$SVCADM" flush || echo "flusher: flush failed" >>"$dir/8.err"
		[[ $(ip netns exec "$NS_F" "$SVCADM" list -j | json_get "len(d['services'])") == 0 ]] ||
			echo "flusher: not empty after flush" >>"$dir/8.err"
		ops=$((ops + 5))
	done
	echo "$ops" >"$dir/8.ops"
}

# dumper END: dumps of the node namespace while it changes must parse.
dumper() {
	local end=$1 n=0
	while ((SECONDS < end)); do
		svcadm_n list -j | json_check "len(d['services']) >= 1" ||
			echo "dump $n failed" >>"$dir/dump.err"
		n=$((n + 1))
	done
	echo "$n" >"$dir/dumps"
}

end=$((SECONDS + SECONDS_RUN))
pids=()
for w in 1 2 3 4 5 6 7; do
	writer $w $end &
	pids+=($!)
done
flusher $end &
pids+=($!)
dumper $end &
pids+=($!)
# Steady traffic to the service no writer touches, for as long as they run.
# A generous timeout: under TCG a busy host can stall the VM for seconds.
traffic=$(client tcp $VIP 80 1000000 --duration "$SECONDS_RUN" --timeout 10)
wait "${pids[@]}"

ops=$(($(cat "$dir"/*.ops | paste -sd+)))
check "$ops writer operations in ${SECONDS_RUN}s, all succeeded" \
	test -z "$(cat "$dir"/[1-7].err 2>/dev/null)" -a "$ops" -gt 0
cat "$dir"/*.err 2>/dev/null | head -n 5 | sed 's/^/# /'
check "flushes emptied their namespace every time" test ! -e "$dir/8.err"
check "$(cat "$dir/dumps") dumps taken during the changes all parsed" test ! -e "$dir/dump.err"
check "the steady service answered throughout" \
	json_check "sum(d['backends'].values()) > 0 and d['errors'] == 0 and d['corrupt'] == 0" <<<"$traffic"
echo "# traffic: $traffic"

# The final dump against what the writers left.
sort "$dir"/[1-7].state >"$dir/expected"
svcadm_n list -j | "$PY" -c '
import json, sys
for s in json.load(sys.stdin)["services"]:
    if not s["address"].startswith("10.97."):
        continue
    vip = "%s:%d" % (s["address"], s["port"])
    print("svc", vip)
    for b in s["backends"]:
        print("be", vip, "%s:%d" % (b["address"], b["port"]), b["weight"])
' | sort >"$dir/actual"
check "the final dump matches the writers' state ($(grep -c ^svc "$dir/expected") services, $(grep -c ^be "$dir/expected") backends)" \
	diff "$dir/expected" "$dir/actual"
diff "$dir/expected" "$dir/actual" | head -n 10 | sed 's/^/# /'
check "the flushed namespace is empty" \
	test "$(ip netns exec "$NS_F" "$SVCADM" list -j | json_get "len(d['services'])")" = 0
check "no BUG, WARNING, Oops or leak report in the kernel log" dmesg_clean
finish
