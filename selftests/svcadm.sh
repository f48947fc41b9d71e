#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svcadm against the module: refusals print the kernel's message and exit 1,
# usage errors exit 2, and a refused command changes nothing.
source "$(dirname "$0")/lib.sh"

plan 17
load_module || exit 1
NS_N=svclb-cli-$$
ip netns add "$NS_N" || exit 1
trap 'ip netns del $NS_N' EXIT

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
finish
