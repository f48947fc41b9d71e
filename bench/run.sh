#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The svclb benchmark (make bench): builds the module, svcadm and the load
# generator for the packaged kernel, boots it in QEMU with one vCPU and
# slub_nomerge, runs bench/guest.sh there, and prints the markdown table.
# Raw records, results.json and ratios.png go to bench/results/<time>/ (and
# bench/results/latest).
#
# usage: bench/run.sh [--smoke] [--smp N] [guest.sh options...]
#   --smoke   N = 10, one round, 2-second runs, few flows: checks that every
#             system carries traffic (selftests/bench_smoke.sh, make check)
# Every other option goes to bench/guest.sh: --systems, --sizes, --rounds,
# --duration, --threads, --bound, --cp-sizes, --cp-rounds, --mem-flows.
# Exit status: non-zero when a system failed to set up or to carry traffic.
set -euo pipefail
cd "$(dirname "$0")/.."

orig=("$@")
smp=1 smoke=0 args=()
while (($#)); do
	case $1 in
	--smoke) smoke=1; shift ;;
	--smp) smp=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
((smoke)) && args=(--smoke "${args[@]}")

# Built unless the caller (make bench, make check) just did.
if [[ -z ${BENCH_NO_BUILD:-} ]]; then
	kdir=/lib/modules/$(selftests/vm/kver.sh)/build
	make -s KDIR="$kdir" module svcadm >&2
	make -s -C bench loadgen >&2
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/$stamp
((smoke)) && out=bench/results/smoke-$stamp
mkdir -p "$out"
rc=0
selftests/vm/run.sh --smp "$smp" --mem 2G --timeout 21600 --append slub_nomerge \
	--dmesg "$out/dmesg.log" -- bench/guest.sh --out "$out" "${args[@]}" \
	2> >(tee "$out/guest.log" >&2) || rc=$?
ln -sfn "${out##*/}" bench/results/latest
cmd="bench/run.sh${orig[*]:+ ${orig[*]}}"
((smoke)) && cmd="bench/run.sh --smoke"
report=(python3 bench/report.py --cmd "$cmd" --accel "tcg" "$out")
((smoke)) && report+=(--no-chart)
"${report[@]}" || ((rc)) || rc=1
exit "$rc"
