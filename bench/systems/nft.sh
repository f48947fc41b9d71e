# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# nftables as kube-proxy's nftables mode lays it out: a verdict map on
# daddr . l4proto . dport jumping to one chain per service, which picks an
# endpoint chain with numgen random mod N vmap; each endpoint chain DNATs.
# One nft -f transaction loads it all.

nft_prepare() { modprobe nf_tables && modprobe nft_nat; }
nft_files() { "$BENCH/gen.py" nft "$1" "$2" "${@:4}" >"$3/nft"; }
nft_load() { ip netns exec "$1" nft -f "$2/nft"; }
nft_change() { nft_load "$@"; }
nft_flows() { ip netns exec "$1" cat /proc/sys/net/netfilter/nf_conntrack_count; }
nft_caches() { echo nf_conntrack; }
