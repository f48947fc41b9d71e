#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Netlink API checks (netlink.py) in a namespace of their own.
source "$(dirname "$0")/lib.sh"
load_module || exit 1
ns=svclb-nl-$$
ip netns add $ns || exit 1
trap 'ip netns del $ns' EXIT
ip netns exec $ns "$PY" "$SELFTESTS/netlink.py"
