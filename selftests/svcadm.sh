#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svcadm against the module: refusals print the kernel's message and exit 1,
# usage errors exit 2, and a refused command changes nothing; version tells
# the module's features, and of a module older than svcadm (make
# module-old) svcadm says what it lacks before sending anything, of one
# with a newer netlink API version (make module-newer) that it is newer.
source "$(dirname "$0")/lib.sh"

plan 25
load_module || exit 1
NS_N=svclb-cli-$$
ip netns add "$NS_N" || exit 1
dir=$(mktemp -d)
trap 'ip netns del $NS_N; rm -rf "$dir"' EXIT

svcadm_n service add tcp $VIP:80 sched rr
svcadm_n backend add tcp $VIP:80 10.0.2.1:8080 weight 2
before=$(svcadm_n list -j)

# refused EXIT MESSAGE ARGS...: svcadm exits EXIT and prints MESSAGE on stderr.
refused() {
	local want_rc=$1 want_msg=$2 out rc=0
	shift 2
	out=$(svcadm_n "$@" 2>&1 >/dev/null) || rc=$?
	if ((rc == want_rc)) && grep -qF -- "$want_msg" <<<"$out"; then
		ok "svcadm $*: exit $want_rc, \"$want_msg\""
	else
		not_ok "svcadm $*: exit $want_rc, \"$want_msg\""
		diag "exit $rc: $out"
	fi
}

refused 1 "svcadm: service already exists" service add tcp $VIP:80
refused 1 "svcadm: service flags: reserved bit set" service add tcp $VIP:81 flags 0x80
refused 1 "svcadm: unknown scheduler" service add tcp $VIP:81 sched nope
refused 1 "svcadm: no such service" service del udp $VIP:80
refused 1 "svcadm: backend address family differs from the service's" \
	backend add tcp $VIP:80 "[fd00::1]:80"
refused 1 "svcadm: backend weight: integer out of range (0 to 65535)" \
	backend add tcp $VIP:80 10.0.2.2:8080 weight 70000
refused 1 "svcadm: backend already exists" backend add tcp $VIP:80 10.0.2.1:8080
refused 1 "svcadm: no such backend" backend del tcp $VIP:80 10.0.2.9:8080
refused 2 "port" service add tcp $VIP:0
refused 2 "Usage" backend add tcp $VIP:80
refused 1 "svcadm: backend listed twice" \
	service set tcp $VIP:80 backends 10.0.2.2:8080,10.0.2.1:8080,10.0.2.2:8080
refused 1 "svcadm: backend weight: integer out of range (0 to 65535)" \
	service set tcp $VIP:80 backends 10.0.2.1:8080,10.0.2.2:8080/weight=70000
refused 1 "svcadm: affinity timeout: integer out of range (1 to 2000000)" \
	service set tcp $VIP:80 affinity client-ip timeout 0

out=$(svcadm_n -j service del udp $VIP:80)
check "JSON mode: {\"error\": \"no such service\"}" \
	json_check "d == {'error': 'no such service'}" <<<"$out"
check "refused commands changed nothing" test "$(svcadm_n list -j)" = "$before"
check "bare svcadm lists" grep -q "^tcp  $VIP:80  sched rr" <<<"$(svcadm_n)"
check "list shows the backend and its weight" \
	grep -q -- "-> 10.0.2.1:8080  weight 2" <<<"$(svcadm_n list)"
svcadm_n service add udp $VIP:53
check "list PROTO VIP:PORT shows that service alone" \
	json_check "[(s['proto'], s['port']) for s in d['services']] == [('tcp', 80)] and len(d['services'][0]['backends']) == 1" <<<"$(svcadm_n list -j tcp $VIP:80)"
refused 1 "svcadm: no such service" list tcp $VIP:81

release=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
out=$(svcadm_n -j version)
diag "$out"
check "version: the module's release ($release), as new as svcadm, with every feature" \
	json_check "d['module'] == {'loaded': True, 'version': '$release', 'netlink_version': 1,
		'status': 'same', 'features': {'generation': True, 'backend-parts': True, 'dump-options': True}}" <<<"$out"

# A module of an older commit, which has neither backend sets in parts nor
# the generation check.
old=$TOP/build/old/kmod/svclb.ko
older="the loaded svclb module is older than this svcadm: it cannot"
if [[ -f $old ]] && unload_module && insmod "$old"; then
	svcadm_n service add tcp $VIP:80
	out=$(echo "{\"services\": [{\"proto\": \"tcp\", \"address\": \"$VIP\", \"port\": 80}]}" |
		svcadm_n apply -f - 2>&1)
	rc=$?
	diag "$out"
	check "apply on an older module: exit 1, \"$older check the generation ...\"" \
		test $rc = 1 -a "$out" = "svcadm: $older check the generation of its tables (SVCLB_A_GENERATION), with which apply notices the changes of another writer; load the module that came with svcadm $release"
	awk 'BEGIN { for (i = 0; i < 2000; i++) printf "10.%d.%d.1:80\n", 1 + int(i / 250), i % 250 }' \
		>"$dir/backends"
	out=$(svcadm_n service set tcp $VIP:80 backends @"$dir/backends" 2>&1)
	rc=$?
	diag "$out"
	check "2000 backends on an older module: exit 1, \"$older take a backend set larger than one message, in parts\", none sent" \
		test $rc = 1 -a -n "$(grep -F "svcadm: $older take a backend set larger than one message, in parts" <<<"$out")" \
		-a "$(svcadm_n list -j | json_get "len(d['services'][0]['backends'])")" = 0
	out=$(svcadm_n version)
	diag "$out"
	check "version: the older module lacks generation, backend-parts and dump-options" \
		grep -qx "module svclb (no version given), netlink API version 1: older than svcadm, it lacks generation, backend-parts, dump-options; load the module that came with svcadm $release" <<<"$out"
	unload_module
	load_module
else
	for t in "apply" "2000 backends" "version"; do
		ok "$t on an older module # SKIP no module of an older commit (make module-old)"
	done
fi

newer=$TOP/build/newer/kmod/svclb.ko
if [[ -f $newer ]] && unload_module && insmod "$newer"; then
	out=$(svcadm_n list 2>&1)
	rc=$?
	diag "$out"
	check "a module of a newer netlink API version: list exits 1, \"newer than this svcadm\"" \
		test $rc = 1 -a "$out" = "svcadm: the loaded svclb module is newer than this svcadm: its netlink API is version 2, svcadm $release knows version 1; use the svcadm that came with the module"
	out=$(svcadm_n -j version)
	diag "$out"
	check "version: the newer module is incompatible" \
		json_check "d['module']['status'] == 'incompatible' and d['module']['netlink_version'] == 2" <<<"$out"
	unload_module
	load_module
else
	for t in "list" "version"; do
		ok "$t on a newer module # SKIP no module of a newer API version (make module-newer)"
	done
fi
finish
