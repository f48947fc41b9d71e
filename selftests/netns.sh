#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each network namespace has its own tables; changing them, reading them
# and receiving their change events need CAP_NET_ADMIN in the user namespace
# that owns the network namespace.
source "$(dirname "$0")/lib.sh"

plan 14
load_module || exit 1
A=svclb-a-$$ B=svclb-b-$$
ip netns add $A && ip netns add $B || exit 1
trap 'ip netns del $A; ip netns del $B' EXIT
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$SVCADM" "$@"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
count() { in_ns "$1" list -j | json_get "len(d['services'])"; }

in_ns $A service add tcp 10.96.0.1:80
in_ns $A service add udp 10.96.0.1:53
in_ns $B service add tcp 10.96.0.2:80
check "namespace A has its 2 services, B its 1" \
	test "$(count $A)/$(count $B)" = 2/1
in_ns $B flush
check "flush in B leaves A alone" test "$(count $A)/$(count $B)" = 2/0

out=$(ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all "$SVCADM" service add tcp 10.96.0.3:80 2>&1)
rc=$?
diag "$out"
check "a user without CAP_NET_ADMIN is refused (exit 1)" test $rc = 1
check "... with a message naming CAP_NET_ADMIN" grep -q CAP_NET_ADMIN <<<"$out"
check "... and the table is unchanged" test "$(count $A)" = 2
ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all "$SVCADM" list >/dev/null 2>&1
check "listing needs CAP_NET_ADMIN too" test $? = 1

# The events group: a CONFIG_SET event carries the hash seed.
out=$(ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all "$PY" "$SELFTESTS/lib/unpriv.py")
diag "without CAP_NET_ADMIN: $out"
check "a user without CAP_NET_ADMIN cannot read the settings and their seed (EPERM)" \
	json_check "d['config'] == 1" <<<"$out"
check "... gets EPERM for a malformed request or dump: no policy answers before permission" \
	json_check "d['malformed'] == 1 and d['malformed_dump'] == 1" <<<"$out"
check "a user without CAP_NET_ADMIN cannot join the events group (EPERM)" \
	json_check "d['join'] == 1" <<<"$out"
out=$(ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all timeout 10 "$SVCADM" monitor 2>&1)
rc=$?
diag "$out"
check "... svcadm monitor exits 1 with a message naming CAP_NET_ADMIN" \
	test $rc = 1 -a -n "$(grep CAP_NET_ADMIN <<<"$out")"

# Root of a user namespace that does not own the network namespace is not
# its administrator.
out=$(ip netns exec $A unshare --user --map-root-user \
	"$SVCADM" service add tcp 10.96.0.5:80 2>&1)
rc=$?
diag "$out"
check "root of another user namespace is refused, the table unchanged" \
	test "$rc/$(count $A)" = 1/2
out=$(ip netns exec $A unshare --user --map-root-user "$PY" "$SELFTESTS/lib/unpriv.py")
check "... and cannot join the events group" json_check "d['join'] == 1" <<<"$out"

# In a user namespace of its own, the same user administers its own netns.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	unshare --user --map-root-user --net sh -c \
	"'$SVCADM' service add tcp 10.96.0.4:80 && '$SVCADM' list && '$PY' '$SELFTESTS/lib/unpriv.py'" 2>&1)
if grep -q "user namespaces" <<<"$out" || grep -q "unshare failed" <<<"$out"; then
	ok "# SKIP unprivileged user namespaces are disabled"
	ok "# SKIP unprivileged user namespaces are disabled"
else
	diag "$out"
	check "an unprivileged user is admin of its own user and network namespace" \
		grep -q "^tcp  10.96.0.4:80" <<<"$out"
	check "... and may join that namespace's events group" \
		json_check "d['join'] == 0" <<<"$(tail -n 1 <<<"$out")"
fi
finish
