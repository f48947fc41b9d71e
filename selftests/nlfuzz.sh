#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink fuzzer (lib/nlfuzz.py), each run in a namespace of its
# own: every request answered as predicted, svclb's refusals with an extack
# message, dumps consistent with the acknowledged requests.
#
# usage: nlfuzz.sh [--count N] [--seed N] [--jobs N]
#   --count N  requests in all (default 20000)
#   --seed N   seed of the first run (default 1)
#   --jobs N   N runs at once, seeds N..N+J-1, COUNT/N requests each
#              (default 1), one TAP line per run
source "$(dirname "$0")/lib.sh"
count=20000 seed=1 jobs=1
while (($#)); do
	case $1 in
	--count) count=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) echo "usage: $0 [--count N] [--seed N] [--jobs N]" >&2; exit 2 ;;
	esac
done
load_module || exit 1

# run J: one fuzzer, its TAP in $tmp/J.
tmp=$(mktemp -d)
nss=()
trap 'for ns in "${nss[@]}"; do ip netns del $ns; done; rm -rf $tmp' EXIT
run() {
	"$PY" "$SELFTESTS/lib/nlfuzz.py" --seed $((seed + $1)) \
		--count $((count / jobs)) >"$tmp/$1" 2>&1
}
if ((jobs == 1)); then
	ns=svclb-nlfuzz-$$
	ip netns add "$ns" && nss+=("$ns") || exit 1
	ip netns exec "$ns" "$PY" "$SELFTESTS/lib/nlfuzz.py" --seed $seed --count $count
	exit
fi
pids=()
for ((j = 0; j < jobs; j++)); do
	ns=svclb-nlfuzz-$$-$j
	ip netns add "$ns" && nss+=("$ns") || exit 1
	ip netns exec "$ns" bash -c "$(declare -f run); PY=$PY SELFTESTS=$SELFTESTS seed=$seed count=$count jobs=$jobs tmp=$tmp; run $j" &
	pids+=($!)
done
plan "$jobs"
for ((j = 0; j < jobs; j++)); do
	wait "${pids[$j]}"
	rc=$?
	sed 's/^/# /' "$tmp/$j"
	check "nlfuzz: seed $((seed + j)), $((count / jobs)) requests" test $rc -eq 0
done
finish
