#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real cluster shapes through svcadm: services of 10,000 IPv4 and 10,000
# IPv6 backends through apply, list, save and service set (sets larger than
# one netlink attribute go in parts that the kernel applies at once), and
# 300 services of 44 backends in one apply, in batches the socket can send.
#
# usage: shapes.sh [--backends N]   (default 10000)
source "$(dirname "$0")/lib.sh"
nbe=10000
while (($#)); do
	case $1 in
	--backends) nbe=$2; shift 2 ;;
	*) echo "usage: $0 [--backends N]" >&2; exit 2 ;;
	esac
done

plan 11
trap 'topo_cleanup; rm -rf "$dir"' EXIT
dir=$(mktemp -d)
dmesg_mark
load_module || exit 1
topo_setup || exit 1

# gen FILE NSVC NBE [SHIFT]: NSVC TCP services of NBE backends each; with
# NSVC 2, one on VIP4:80 and one on VIP6:80, their backends' host numbers
# starting at SHIFT.
gen() {
	"$PY" - "$2" "$3" "${4:-0}" "$VIP4" "$VIP6" >"$1" <<-'EOF'
import ipaddress, json, sys
nsvc, nbe, shift, vip4, vip6 = map(str, sys.argv[1:])
nsvc, nbe, shift = int(nsvc), int(nbe), int(shift)
def v4(i): return str(ipaddress.ip_address("10.64.0.1") + i)
def v6(i): return str(ipaddress.ip_address("fd00:64::1") + i)
if nsvc == 2:
    svcs = [{"proto": "tcp", "address": vip, "port": 80,
             "backends": [{"address": f(shift + j), "port": 8080}
                          for j in range(nbe)]}
            for vip, f in ((vip4, v4), (vip6, v6))]
else:
    svcs = [{"proto": "tcp", "address": f"10.97.{i // 250}.{i % 250 + 1}",
             "port": 80, "backends": [{"address": v4(i * nbe + j),
                                       "port": 8080} for j in range(nbe)]}
            for i in range(nsvc)]
json.dump({"services": svcs}, sys.stdout)
EOF
}
# backends VIP: the backends list shows for service tcp VIP:80, sorted.
backends() {
	svcadm_n list -j | json_get "'\n'.join(sorted(f\"{b['address']}:{b['port']}\" for s in d['services'] if s['address'] == '$1' and s['port'] == 80 for b in s['backends']))"
}
# wanted FILE VIP: the backends FILE gives service tcp VIP:80, sorted.
wanted() {
	json_get "'\n'.join(sorted(f\"{b['address']}:{b['port']}\" for s in d['services'] if s['address'] == '$2' for b in s['backends']))" <"$1"
}
# endpoints: the ADDR:PORT lines on stdin as svcadm reads them.
endpoints() { sed -E 's/^(.*:.*):([0-9]+)$/[\1]:\2/'; }

gen "$dir/big.json" 2 "$nbe"
out=$(svcadm_n -j apply -f "$dir/big.json")
diag "$out"
check "apply: a service of $nbe IPv4 and one of $nbe IPv6 backends created" \
	json_check "d['created'] == 2 and d['failed'] == [] and d['messages'] > 2" <<<"$out"
check "list shows every backend of both, as applied" \
	test "$(backends $VIP4)$(backends $VIP6)" = "$(wanted "$dir/big.json" $VIP4)$(wanted "$dir/big.json" $VIP6)"
svcadm_n save >"$dir/saved.json"
check "save writes every backend" \
	test "$(wanted "$dir/saved.json" $VIP4)$(wanted "$dir/saved.json" $VIP6)" = "$(wanted "$dir/big.json" $VIP4)$(wanted "$dir/big.json" $VIP6)"
out=$(svcadm_n -j apply -f "$dir/saved.json")
check "applying what save wrote sends nothing" \
	json_check "d['unchanged'] == 2 and d['messages'] == 0" <<<"$out"

# service set with the list in a file: half the backends kept, half new.
gen "$dir/shifted.json" 2 "$nbe" $((nbe / 2))
wanted "$dir/shifted.json" $VIP4 >"$dir/list4"
wanted "$dir/shifted.json" $VIP6 | endpoints | tr '\n' ' ' >"$dir/list6"
check "service set ... backends @FILE replaces $nbe IPv4 backends" \
	svcadm_n service set tcp "$VIP4:80" backends "@$dir/list4"
check "... and $nbe IPv6 ones, from standard input" \
	svcadm_n service set tcp "[$VIP6]:80" backends @- <"$dir/list6"
check "list shows exactly the new sets" \
	test "$(backends $VIP4)$(backends $VIP6)" = "$(wanted "$dir/shifted.json" $VIP4)$(wanted "$dir/shifted.json" $VIP6)"
new=$(svcadm_n -j lookup tcp "$VIP4:80" 10.0.1.2:40000 | json_get "f\"{d['new']['address']}:{d['new']['port']}\"")
check "a new flow is scheduled from the new set ($new)" \
	grep -qxF "$new" "$dir/list4"

# 300 services of 44 backends: more than one 64 KiB send.
svcadm_n flush
gen "$dir/many.json" 300 44
out=$(svcadm_n -j apply -f "$dir/many.json")
diag "$out"
check "apply: 300 services of 44 backends created, none refused" \
	json_check "d['created'] == 300 and d['failed'] == []" <<<"$out"
check "list shows the 13,200 backends" \
	test "$(svcadm_n list -j | json_get "sum(len(s['backends']) for s in d['services'])")" = 13200

check "kernel log clean" dmesg_clean
finish
