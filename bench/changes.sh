#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What one change costs on top of many services, and a backend set's rebuild
# by size (bench/changes.py), in a guest with one vCPU under -icount: guest
# time counts instructions, so the figures repeat whatever the host's load.
#
# usage: bench/changes.sh [changes.py options...], e.g. --sizes "10 100000"
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} != --guest ]]; then
	kdir=/lib/modules/$(selftests/vm/kver.sh)/build
	[[ -n ${BENCH_NO_BUILD:-} ]] || make -s KDIR="$kdir" module >&2
	exec selftests/vm/run.sh --icount --mem 4G --timeout 7200 -- "$0" --guest "$@"
fi
shift
source selftests/lib.sh
load_module
ns=svclb-changes-$$
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
ip netns exec "$ns" "$PY" bench/changes.py "$@"
