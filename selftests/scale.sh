#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svcadm apply at scale: N services of B backends applied from empty, then
# one service changed on top of them, then one on top of 10 services. The
# change is one message whatever N: no re-send and no round trip per
# unchanged service. Prints the times and message counts.
#
# usage: scale.sh [--services N] [--backends B]   (default 10000 and 10)
source "$(dirname "$0")/lib.sh"
nsvc=10000 nbe=10
while (($#)); do
	case $1 in
	--services) nsvc=$2; shift 2 ;;
	--backends) nbe=$2; shift 2 ;;
	*) echo "usage: $0 [--services N] [--backends B]" >&2; exit 2 ;;
	esac
done

plan 8
trap 'topo_cleanup; rm -rf "$dir"' EXIT
dir=$(mktemp -d)
dmesg_mark
load_module || exit 1
topo_setup || exit 1

# gen N FILE [CHANGED]: N TCP services on 10.96.x.y:80 with nbe backends
# each; with CHANGED, the first service's last backend has weight 2.
gen() {
	"$PY" - "$1" "$nbe" "${3:-}" >"$2" <<-'EOF'
import json, sys
n, nbe, changed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
svcs = []
for i in range(n):
    bes = [{"address": f"10.{1 + j // 250}.{i // 250 % 250}.{i % 250 + 1}",
            "port": 8080 + j % 250} for j in range(nbe)]
    svcs.append({"proto": "tcp", "address": f"10.96.{i // 250}.{i % 250 + 1}",
                 "port": 80, "backends": bes})
if changed:
    svcs[0]["backends"][-1]["weight"] = 2
json.dump({"services": svcs}, sys.stdout)
EOF
}
# timed_apply FILE: apply's JSON outcome with "seconds" added.
timed_apply() {
	local t0 t1 out
	t0=$(date +%s.%N)
	out=$(svcadm_n -j apply -f "$1")
	t1=$(date +%s.%N)
	"$PY" -c "import json,sys; d=json.loads(sys.argv[1]); d['seconds']=round($t1-$t0,3); print(json.dumps(d))" "$out"
}

gen "$nsvc" "$dir/all.json"
gen "$nsvc" "$dir/changed.json" changed
gen 10 "$dir/ten.json"
gen 10 "$dir/ten-changed.json" changed

load=$(timed_apply "$dir/all.json")
diag "from empty, $nsvc x $nbe: $load"
check "$nsvc services of $nbe backends created from empty, one message each" \
	json_check "d['created'] == $nsvc and d['messages'] == $nsvc and d['failed'] == []" <<<"$load"
check "... in batches: far fewer sendmsg calls than messages" \
	json_check "d['sendmsg_calls'] * 32 <= d['messages']" <<<"$load"
check "the kernel has them all" \
	test "$(svcadm_n list -j | json_get "sum(len(s['backends']) for s in d['services'])")" = $((nsvc * nbe))

again=$(timed_apply "$dir/all.json")
diag "the same file again: $again"
check "the same file again sends nothing" \
	json_check "d['messages'] == 0 and d['unchanged'] == $nsvc" <<<"$again"

one=$(timed_apply "$dir/changed.json")
diag "one service changed on top of $nsvc: $one"
check "one service changed on top of $nsvc: one message, one sendmsg call" \
	json_check "d['replaced'] == 1 and d['messages'] == 1 and d['sendmsg_calls'] == 1" <<<"$one"
check "... and the kernel has the new weight" \
	test "$(svcadm_n list -j | json_get "[b['weight'] for s in d['services'] if s['address'] == '10.96.0.1' for b in s['backends']][-1]")" = 2

svcadm_n flush
svcadm_n apply -f "$dir/ten.json" >/dev/null
small=$(timed_apply "$dir/ten-changed.json")
diag "one service changed on top of 10: $small"
check "one service changed on top of 10: one message too" \
	json_check "d['replaced'] == 1 and d['messages'] == 1" <<<"$small"
"$PY" - "$one" "$small" <<-'EOF'
import json, sys
big, small = (json.loads(a) for a in sys.argv[1:])
print(f"# one change: {big['seconds']:.3f} s on top of the large set, "
      f"{small['seconds']:.3f} s on top of 10 services "
      f"(the difference is the dump of the current state)")
EOF

svcadm_n flush
check "kernel log clean" dmesg_clean
finish
