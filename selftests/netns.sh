#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each network namespace has its own tables; changing them needs
# CAP_NET_ADMIN in the user namespace that owns the network namespace.
source "$(dirname "$0")/lib.sh"

plan 8
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

# Root of a user namespace that does not own the network namespace is not
# its administrator.
out=$(ip netns exec $A unshare --user --map-root-user \
	"$SVCADM" service add tcp 10.96.0.5:80 2>&1)
rc=$?
diag "$out"
check "root of another user namespace is refused, the table unchanged" \
	test "$rc/$(count $A)" = 1/2

# In a user namespace of its own, the same user administers its own netns.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	unshare --user --map-root-user --net sh -c \
	"'$SVCADM' service add tcp 10.96.0.4:80 && '$SVCADM' list" 2>&1)
if grep -q "user namespaces" <<<"$out" || grep -q "unshare failed" <<<"$out"; then
	ok "# SKIP unprivileged user namespaces are disabled"
else
	diag "$out"
	check "an unprivileged user is admin of its own user and network namespace" \
		grep -q "^tcp  10.96.0.4:80" <<<"$out"
fi
finish
