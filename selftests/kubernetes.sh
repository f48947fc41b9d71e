#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svcadm apply --kubernetes against the kernel: the state derived from a
# kubectl List for a node (cluster IPs, node ports, external and
# load-balancer IPs, session affinity, terminating endpoints, dual stack) is
# what the kernel ends up with, byte for byte as save prints it; applying it
# again sends nothing; another node's view is reached with only the
# difference; the state format's affinity and backend states round-trip.
source "$(dirname "$0")/lib.sh"

plan 10
trap 'topo_cleanup; rm -rf "$dir"' EXIT
dir=$(mktemp -d)
dmesg_mark
load_module || exit 1
topo_setup || exit 1

fix=$TOP/tools/svcadm/testdata/kubernetes/cluster.json
nodea=(--node node-a)
nodec=(--node node-c --zone zone-b --node-ip 192.0.2.30 --node-ip 2001:db8:2::30)
print() { "$SVCADM" apply --kubernetes "$fix" "$@" --print; }

print "${nodea[@]}" >"$dir/a.json"
n=$(json_get "len(d['services'])" <"$dir/a.json")
out=$(svcadm_n -j apply --kubernetes "$fix" "${nodea[@]}")
diag "node-a: $out"
check "node-a: the $n derived services created in $n messages, none refused" \
	json_check "d['created'] == $n and d['messages'] == $n and d['failed'] == []" <<<"$out"
svcadm_n save >"$dir/a.saved"
check "node-a: save prints exactly the derived state" cmp -s "$dir/a.json" "$dir/a.saved"
out=$(svcadm_n -j apply --kubernetes "$fix" "${nodea[@]}")
check "node-a: applying it again sends nothing" \
	json_check "d['messages'] == 0 and d['unchanged'] == $n" <<<"$out"

list=$(svcadm_n list -j)
check "ClientIP affinity reached the kernel, with its timeout" \
	json_check "any(s['affinity'] == 'client-ip' and s['affinity_timeout'] == 600 for s in d['services'])" <<<"$list"
check "terminating endpoints reached the kernel as terminating backends" \
	json_check "any(b['state'] == 'terminating' for s in d['services'] for b in s['backends'])" <<<"$list"
check "node ports on 0.0.0.0 and :: without --node-ip" \
	json_check "{s['address'] for s in d['services']} >= {'0.0.0.0', '::'}" <<<"$list"

print "${nodec[@]}" >"$dir/c.json"
plan_c=$(svcadm_n -j apply -n --kubernetes "$fix" "${nodec[@]}")
out=$(svcadm_n -j apply --kubernetes "$fix" "${nodec[@]}")
diag "node-a to node-c: $out"
check "node-a to node-c: only the difference is sent, as the dry run planned" \
	json_check "d['messages'] == d['created'] + d['replaced'] + d['deleted'] > 0 and
		d['unchanged'] > 0 and d['failed'] == [] and
		(d['created'], d['replaced'], d['deleted']) == $(json_get "(d['created'], d['replaced'], d['deleted'])" <<<"$plan_c")" <<<"$out"
svcadm_n save >"$dir/c.saved"
check "node-c: save prints exactly the derived state" cmp -s "$dir/c.json" "$dir/c.saved"
diff "$dir/c.json" "$dir/c.saved" | head -20 | sed 's/^/# /'

# The state format alone: affinity and a terminating backend round-trip.
cat >"$dir/s.json" <<EOF
{"services": [{"proto": "udp", "address": "$VIP4", "port": 53,
  "affinity": "client-ip", "affinity_timeout": 30,
  "backends": [{"address": "${BACKENDS4[0]}", "port": 8080, "state": "terminating"},
               {"address": "${BACKENDS4[1]}", "port": 8080}]}]}
EOF
svcadm_n apply -f "$dir/s.json" >/dev/null
out=$(svcadm_n save | svcadm_n -j apply -f -)
check "save | apply -f - with affinity and states sends nothing" \
	json_check "d['messages'] == 0 and d['unchanged'] == 1" <<<"$out"

svcadm_n flush
check "kernel log clean" dmesg_clean
finish
