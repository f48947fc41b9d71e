#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bounds of a network namespace's tables: max-services and max-backends
# are read, set and refused out of range; a service or backend past them is
# refused with the kernel's message and changes nothing, one at a time or
# by svcadm apply; lowering a bound removes nothing; each namespace has its
# own bounds; the tables are charged to the memory cgroup that made them.
source "$(dirname "$0")/lib.sh"

plan 17
load_module || exit 1
A=svclb-la-$$ B=svclb-lb-$$
ip netns add $A && ip netns add $B || exit 1
trap 'ip netns del $A; ip netns del $B; rm -f "$STATE"' EXIT
STATE=$(mktemp)
in_a() { ip netns exec $A "$SVCADM" "$@"; }
# try_a ARGS...: svcadm in A, its output in $out and status in $rc, shown
try_a() { out=$(in_a "$@" 2>&1); rc=$?; diag "$out"; }
cfg() { ip netns exec "$1" "$SVCADM" config -j | json_get "d['$2']"; }
services() { in_a list -j | json_get "len(d['services'])"; }
backends() { # backends VIP: the backends of the tcp service VIP:80
	in_a list -j | json_get "sum(len(s['backends']) for s in d['services'] if s['address'] == '$1')"
}
# state N M: N tcp services 10.96.1.1:80 and on, each with M backends
state() {
	"$PY" -c "
import json, sys
n, m = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({'services': [
    {'proto': 'tcp', 'address': f'10.96.{1 + i // 250}.{i % 250 + 1}', 'port': 80,
     'backends': [{'address': f'10.0.2.{j + 1}', 'port': 8080} for j in range(m)]}
    for i in range(n)]}))" "$@" >"$STATE"
}

check "defaults: 65536 services, 65521 backends per service" \
	test "$(cfg $A max-services)/$(cfg $A max-backends)" = 65536/65521

out=$(in_a config max-services 0 2>&1)
check "max-services 0 refused: $out" grep -q "max-services: integer out of range (1 to 4294967295)" <<<"$out"
out=$(in_a config max-flows 5 max-backends 65522 2>&1)
check "max-backends 65522 refused, and nothing of the request applied: $out" \
	test "$(grep -c 'max-backends: integer out of range (1 to 65521)' <<<"$out")/$(cfg $A max-flows)" = 1/1048576
out=$(in_a config max-backends 0 2>&1)
check "max-backends 0 refused" grep -q "max-backends: integer out of range (1 to 65521)" <<<"$out"

in_a config max-services 3 max-backends 2
check "config sets both bounds" \
	test "$(cfg $A max-services)/$(cfg $A max-backends)" = 3/2
check "another namespace keeps its own bounds" \
	test "$(cfg $B max-services)/$(cfg $B max-backends)" = 65536/65521

for i in 1 2 3; do in_a service add tcp 10.96.0.$i:80; done
try_a service add udp 10.96.0.4:53
check "a service past max-services: exit 1, ENOSPC's message, none created" \
	test "$rc/$(grep -c 'the namespace has the most services allowed (max-services)' <<<"$out")/$(services)" = 1/1/3
check "a service at the bound can still be changed" \
	in_a service set tcp 10.96.0.1:80 sched rr
in_a service del tcp 10.96.0.3:80
check "after a deletion there is room again" in_a service add udp 10.96.0.4:53
ip netns exec $B "$SVCADM" service add tcp 10.96.0.9:80
check "the bound counts the namespace's services only" \
	ip netns exec $B "$SVCADM" service add tcp 10.96.0.10:80

in_a backend add tcp 10.96.0.1:80 10.0.2.1:8080
in_a backend add tcp 10.96.0.1:80 10.0.2.2:8080
try_a backend add tcp 10.96.0.1:80 10.0.2.3:8080
check "a backend past max-backends: exit 1, the kernel's message, none added" \
	test "$rc/$(grep -c 'the service has the most backends allowed (max-backends)' <<<"$out")/$(backends 10.96.0.1)" = 1/1/2
try_a service set tcp 10.96.0.2:80 backends 10.0.2.1:8080,10.0.2.2:8080,10.0.2.3:8080
check "a backend list past max-backends is refused whole" \
	test "$rc/$(grep -c 'more backends than a service may have (max-backends)' <<<"$out")/$(backends 10.96.0.2)" = 1/1/0

in_a config max-services 1 max-backends 1
check "lowering the bounds removes nothing" \
	test "$(services)/$(backends 10.96.0.1)" = 3/2

before=$(in_a save)
state 2 1
try_a apply -f "$STATE"
check "apply of more services than max-services: refused before any change" \
	test "$rc/$(grep -c 'the state has 2 services, more than max-services (1); nothing was changed' <<<"$out")/$(in_a save)" = "1/1/$before"
in_a config max-services 10
state 2 2
try_a apply -f "$STATE"
check "apply of a service with more backends than max-backends: refused before any change" \
	test "$rc/$(grep -c 'tcp 10.96.1.1:80: 2 backends, more than max-backends (1); nothing was changed' <<<"$out")/$(in_a save)" = "1/1/$before"
in_a config max-backends 2
check "within the bounds apply makes the state" \
	test "$(in_a apply -f "$STATE" >/dev/null && services)/$(backends 10.96.1.2)" = 2/2

# The memory of 1,000 services stays charged to the cgroup of the svcadm
# that created them after it exits, and leaves it when they are deleted.
CG=/sys/fs/cgroup
if [[ ! -e $CG/cgroup.controllers ]]; then
	CG=$(mktemp -d) && mount -t cgroup2 none "$CG"
fi
if ! grep -qw memory "$CG/cgroup.controllers" 2>/dev/null; then
	ok "# SKIP no memory cgroup controller"
else
	echo +memory >"$CG/cgroup.subtree_control"
	mkdir "$CG/svclb-limits-$$"
	in_a config max-services 2000 max-backends 10
	in_a flush
	state 1000 2
	before=$(cat "$CG/svclb-limits-$$/memory.current")
	sh -c 'echo $$ >"$1/cgroup.procs" && exec ip netns exec "$2" "$3" apply -f "$4"' \
		sh "$CG/svclb-limits-$$" $A "$SVCADM" "$STATE" >/dev/null
	loaded=$(cat "$CG/svclb-limits-$$/memory.current")
	in_a flush
	sleep 1 # RCU frees the last of them
	after=$(cat "$CG/svclb-limits-$$/memory.current")
	diag "memory.current of svcadm's cgroup: $before, $loaded with 1000 services, $after after flush"
	check "the services' memory is charged to the cgroup that created them" \
		test $((loaded - before)) -ge $((1000 * 4096)) -a $((loaded - after)) -ge $((1000 * 4096))
	rmdir "$CG/svclb-limits-$$"
fi
finish
