#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host's ceilings of a user namespace's network namespace: an
# unprivileged user's own namespaces (unshare -Urn) start at the ceilings
# the module parameters give, cannot raise a bound above them (the refusal
# names the parameter and the ceiling), nor change the parameters; a flood
# from inside makes no more flows and affinity entries than the ceiling; a
# lowered ceiling lowers the bound of a live namespace; a namespace of the
# initial user namespace keeps its defaults and may raise them.
#
# usage: userns.sh [--fill]
#   --fill  instead, fill a user namespace's network namespace up to the
#           ceilings as they are (the defaults after loading): the most
#           services with the most backends each, and a flood of more
#           sources than max-flows at a service with affinity; then report
#           what the slab caches and the per-CPU allocator grew by
source "$(dirname "$0")/lib.sh"

P=/sys/module/svclb/parameters
VIP=10.96.0.10

# What the unprivileged user does in its own user and network namespace
# (run by the test as "userns.sh --inner DIR"): each step's output and
# status into DIR, then it waits for DIR/done with the namespace alive.
if [[ $1 == --inner ]]; then
	D=$2
	# step NAME COMMAND...: its output in DIR/NAME, its status after it
	step() { local n=$1; shift; "$@" >"$D/$n" 2>&1; echo "rc=$?" >>"$D/$n"; }
	step start "$SVCADM" config -j
	step flows101 "$SVCADM" config max-flows 101
	step services5 "$SVCADM" config timeout-udp 7 max-services 5
	step backends4 "$SVCADM" config max-backends 4
	step lower "$SVCADM" config max-flows 50
	step raise "$SVCADM" config max-flows 100
	step after "$SVCADM" config -j
	step param sh -c "echo 1000000 >$P/userns_max_flows"
	step big "$SVCADM" config max-flows 1000000
	# A flood of UDP from 300 spoofed sources to a service with
	# affinity: each source makes a flow and an affinity entry if there
	# is room. The VIP and the backend are routed out of a dummy device,
	# which drops what it sends.
	ip link add d0 type dummy && ip link set d0 up
	ip route add 10.0.0.0/8 dev d0
	"$SVCADM" service add udp $VIP:53 affinity client-ip
	"$SVCADM" backend add udp $VIP:53 10.0.2.1:9
	step flood "$SELFTESTS/lib/flood" --proto udp --sources 300 $VIP 53
	step flooded "$SVCADM" config -j
	step list "$SVCADM" list -j
	for i in 1 2 3; do "$SVCADM" service add tcp 10.96.1.$i:80; done
	step service5 "$SVCADM" service add tcp 10.96.1.5:80
	echo $$ >"$D/pid"
	while [[ ! -e $D/done ]]; do sleep 0.1; done
	exit 0
fi

# The unprivileged user's part of --fill: the state DIR/state.json, then a
# flood of DIR/sources sources; DIR/filled once done, then it waits for
# DIR/done with the namespace alive.
if [[ $1 == --inner-fill ]]; then
	D=$2
	ip link add d0 type dummy && ip link set d0 up
	ip route add 10.0.0.0/8 dev d0
	"$SVCADM" apply -f "$D/state.json" >"$D/apply" 2>&1
	"$SELFTESTS/lib/flood" --proto udp --sources "$(cat "$D/sources")" \
		$VIP 53 >"$D/flood"
	"$SVCADM" config -j >"$D/filled.json"
	"$SVCADM" list -j >"$D/list.json"
	touch "$D/filled"
	while [[ ! -e $D/done ]]; do sleep 0.1; done
	exit 0
fi

FLOOD=$SELFTESTS/lib/flood
[[ -x $FLOOD ]] || make -s -C "$SELFTESTS/lib" >/dev/null || exit 1
unpriv() { # unpriv COMMAND...: as nobody, in a user and network namespace of its own
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		unshare --user --map-root-user --net "$@"
}

unpriv true 2>/dev/null || skip_all "unprivileged user namespaces are disabled"

if [[ $1 == --fill ]]; then
	plan 2
	load_module && need_modules dummy || exit 1
	D=$(mktemp -d)
	chmod 777 "$D"
	trap 'touch "$D/done"; wait; rm -rf "$D"' EXIT
	F=$(<$P/userns_max_flows) S=$(<$P/userns_max_services)
	B=$(<$P/userns_max_backends)
	diag "ceilings: $F flows, $S services, $B backends each; $(nproc) CPUs, possible $(cat /sys/devices/system/cpu/possible)"
	echo $((F + F / 4)) >"$D/sources"
	# S - 1 tcp services and the udp service VIP:53 with affinity, each
	# with B backends.
	"$PY" -c "
import json, sys
s, b = int(sys.argv[1]), int(sys.argv[2])
be = lambda i: [{'address': f'10.{1 + i // 250}.{i % 250}.{j + 1}', 'port': 8080} for j in range(b)]
svcs = [{'proto': 'tcp', 'address': f'10.96.{1 + i // 250}.{i % 250 + 1}', 'port': 80,
         'backends': be(i)} for i in range(s - 1)]
svcs.append({'proto': 'udp', 'address': '$VIP', 'port': 53, 'affinity': 'client-ip',
             'backends': be(s)})
print(json.dumps({'services': svcs}))" "$S" "$B" >"$D/state.json"
	chmod 644 "$D/state.json"
	meminfo() { # meminfo FIELD: kB, once the caches are dropped
		sync
		echo 3 >/proc/sys/vm/drop_caches
		awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
	}
	cp /proc/slabinfo "$D/slab0"
	percpu=$(meminfo Percpu)
	free=$(meminfo MemFree)
	unpriv "$0" --inner-fill "$D" &
	for _ in $(seq 1200); do [[ -e $D/filled ]] && break; sleep 0.1; done
	cp /proc/slabinfo "$D/slab1"
	diag "apply: $(cat "$D/apply")"
	diag "flood: $(cat "$D/flood")"
	check "the ceilings' services and backends are made" \
		json_check "len(d['services']) == $S and all(len(s['backends']) == $B for s in d['services'])" <"$D/list.json"
	check "a flood of $(cat "$D/sources") sources makes $F flows and $F affinity entries" \
		json_check "d['flows'] == $F and d['affinity-entries'] == $F" <"$D/filled.json"
	diag "Percpu: +$(($(meminfo Percpu) - percpu)) kB; MemFree: -$((free - $(meminfo MemFree))) kB"
	# The slab caches that grew most (svclb's may be merged into others
	# of their size: /sys/kernel/slab/svclb_flow links to the one it is).
	"$PY" - "$D/slab0" "$D/slab1" <<-'EOF'
	import sys
	def caches(path):
	    c = {}
	    for line in open(path).readlines()[2:]:
	        f = line.split()
	        c[f[0]] = (int(f[2]), int(f[3]))
	    return c
	a, b = caches(sys.argv[1]), caches(sys.argv[2])
	grew = {k: (b[k][0] - a.get(k, (0,))[0], b[k][1]) for k in b}
	for k in sorted(grew, key=lambda k: -grew[k][0] * grew[k][1])[:8]:
	    n, size = grew[k]
	    print(f"# slab {k}: {n:+} objects of {size} bytes, {n * size // 1024:+} kB")
	EOF
	finish
fi
plan 15
load_module && need_modules dummy || exit 1
A=svclb-u-$$
D=$(mktemp -d)
chmod 777 "$D"
saved=()
for p in userns_max_flows userns_max_services userns_max_backends; do
	saved+=("$p=$(cat $P/$p 2>/dev/null)")
done
cleanup() {
	touch "$D/done"
	wait
	for s in "${saved[@]}"; do
		[[ -n ${s#*=} ]] && echo "${s#*=}" >"$P/${s%%=*}"
	done
	ip netns del $A 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
# out NAME: what the unprivileged user's step NAME printed
out() { cat "$D/$1"; }
# has NAME TEXT: whether step NAME printed TEXT; rc NAME: its status line
has() { local text; read -r -d '' text <"$D/$1"; [[ $text == *"$2"* ]]; }
rc() { local line last; while IFS= read -r line; do last=$line; done <"$D/$1"; echo "$last"; }
# num KEY FILE: the first number of KEY in JSON FILE, with bash alone: each
# program started costs in the VM
num() {
	local text
	read -r -d '' text <"$2"
	[[ $text =~ \"$1\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
cfg() { num "$1" "$D/$2"; }

echo 100 >$P/userns_max_flows && echo 4 >$P/userns_max_services &&
	echo 3 >$P/userns_max_backends
check "the host sets the ceilings: 100 flows, 4 services, 3 backends" \
	test "$(<$P/userns_max_flows)/$(<$P/userns_max_services)/$(<$P/userns_max_backends)" = 100/4/3
refused=0
(echo 0 >$P/userns_max_flows) 2>/dev/null || refused=$((refused + 1))
(echo 65522 >$P/userns_max_backends) 2>/dev/null || refused=$((refused + 1))
check "a ceiling of 0, or of max-backends above 65521, is refused" \
	test "$refused/$(<$P/userns_max_flows)/$(<$P/userns_max_backends)" = 2/100/3

unpriv "$0" --inner "$D" &
inner=$!
while [[ ! -e $D/pid ]] && kill -0 $inner 2>/dev/null; do sleep 0.1; done
for f in start flows101 services5 backends4 lower raise param big flood flooded list service5; do
	diag "$f: $(out $f 2>&1 | tr '\n' ' ')"
done

check "the user's own namespace starts at the ceilings" \
	test "$(cfg max-flows start)/$(cfg max-services start)/$(cfg max-backends start)" = 100/4/3
check "max-flows 101 is refused, naming the parameter and the ceiling" \
	has flows101 "max-flows: above the ceiling of a user namespace's network namespace (svclb parameter userns_max_flows) (1 to 100)"
check "max-services 5 is refused, naming userns_max_services and 4; the request's timeout is not applied" \
	test "$(has services5 "max-services: above the ceiling of a user namespace's network namespace (svclb parameter userns_max_services) (1 to 4)" && echo yes)/$(cfg timeout-udp after)" = yes/60
check "max-backends 4 is refused, naming userns_max_backends and 3" \
	has backends4 "max-backends: above the ceiling of a user namespace's network namespace (svclb parameter userns_max_backends) (1 to 3)"
check "below the ceiling and back up to it is allowed" \
	test "$(rc lower)/$(rc raise)/$(cfg max-flows after)" = rc=0/rc=0/100
check "the namespace's root cannot change the ceiling" \
	test "$(rc param)/$(<$P/userns_max_flows)" != rc=0/1000000
# The flood sends again a datagram that was dropped: each made a flow, in an
# unconfirmed one's place, when flows is 300 and dropped 0.
check "after max-flows 1000000 was refused, a flood of 300 sources holds 100 flows, the ceiling: each datagram made a flow in an unconfirmed one's place" \
	test "$(rc big)/$(cfg flows flooded)/$(num flows "$D/list")/$(num dropped "$D/list")" = rc=1/100/300/0
check "... and 100 affinity entries" test "$(cfg affinity-entries flooded)" = 100
check "a fifth service is refused (max-services)" \
	has service5 "the namespace has the most services allowed (max-services)"

pid=$(cat "$D/pid")
echo 50 >$P/userns_max_flows
check "a lowered ceiling lowers the bound of a live namespace" \
	test "$(nsenter -t "$pid" -n "$SVCADM" config -j | grep -o '"max-flows":[0-9]*')" = '"max-flows":50'
err=$(nsenter -t "$pid" -n "$SVCADM" config max-flows 51 2>&1)
diag "$err"
check "... above which the host's root cannot raise it either" \
	grep -q "userns_max_flows) (1 to 50)" <<<"$err"

ip netns add $A
cfg_a() { ip netns exec $A "$SVCADM" config -j >"$D/a" && num "$1" "$D/a"; }
check "a namespace of the initial user namespace keeps its defaults" \
	test "$(cfg_a max-flows)/$(cfg_a max-services)/$(cfg_a max-backends)" = 1048576/65536/65521
ip netns exec $A "$SVCADM" config max-flows 2000000 max-services 100000
check "... and may raise them above the ceilings" \
	test "$(cfg_a max-flows)/$(cfg_a max-services)" = 2000000/100000
finish
