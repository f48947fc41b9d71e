#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shows, without svclb, the emulator's hang that selftests/lib.sh's
# pin_hook_points() avoids: while one vCPU delivers TCP traffic locally
# (ip_local_deliver), the other adds and deletes an nft table whose base
# chains are the only hooks at input and prerouting, so each round the kernel
# rewrites those hook points' jump labels. Under TCG the receiving vCPU ends
# up trapping for good on an int3 the rewrite has already removed. Run it as
#
#   selftests/vm/run.sh --timeout 1500 --append "softlockup_panic=1
#       softlockup_all_cpu_backtrace=1 panic_print=0x20" --
#       selftests/vm/jump-label-hang.sh [--pinned] [ROUNDS]
#
# A run that ends with "done" did not hang; a hang panics and prints both
# CPUs' stacks at ip_local_deliver+0x5c, one of them in exc_int3. With
# --pinned, the tests' inert chains (pin_hook_points) are added first, and
# the rounds rewrite no code.
set -u
PINNED=0
[[ ${1:-} == --pinned ]] && { PINNED=1; shift; }
ROUNDS=${1:-3000}
if ((PINNED)); then
	# shellcheck source=selftests/lib.sh
	source "$(dirname "$0")/../lib.sh"
	pin_hook_points || exit 1
fi
ip netns add jl_a && ip netns add jl_b || exit 1
trap 'kill $(jobs -p) 2>/dev/null; ip netns del jl_a; ip netns del jl_b' EXIT
ip link add va netns jl_a type veth peer name vb netns jl_b
ip -n jl_a addr add 10.9.0.1/24 dev va
ip -n jl_b addr add 10.9.0.2/24 dev vb
for ns in jl_a jl_b; do
	ip -n $ns link set lo up
	ip -n $ns link set "$([[ $ns == jl_a ]] && echo va || echo vb)" up
done
ip netns exec jl_b socat -u TCP-LISTEN:80,fork,reuseaddr /dev/null &
sleep 1
ip netns exec jl_a nice -n 19 socat -u /dev/zero TCP:10.9.0.2:80 &
ip netns exec jl_a nice -n 19 bash -c \
	'while :; do echo x | socat - TCP:10.9.0.2:80 2>/dev/null; done' &
sleep 2
for i in $(seq "$ROUNDS"); do
	ip netns exec jl_b nft -f - <<-'NFT'
	table ip t {
		chain i { type filter hook input priority 0; }
		chain p { type filter hook prerouting priority 0; }
	}
	NFT
	ip netns exec jl_b nft delete table ip t
	((i % 100)) || echo "round $i"
done
echo "done: $ROUNDS rounds"
