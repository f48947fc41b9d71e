#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark's smoke mode (bench/guest.sh --smoke): every system (direct,
# svclb, IPVS, nftables, iptables) set up with 10 services and carrying
# TCP, UDP and bulk traffic, so the benchmark cannot rot. Loads nf_conntrack,
# IPVS and nf_tables: run it last.
source "$(dirname "$0")/lib.sh"

# nf_tables in 6.1 walks its sets' RCU lists under its commit mutex without
# telling lockdep: on a kernel with PROVE_RCU_LIST (make check-debug) the
# nftables system's maps log "suspicious RCU usage" that is not svclb's.
[[ -e /proc/lockdep ]] && skip_all "a lockdep kernel: nf_tables' own RCU-list warnings"
plan 2
out=$(mktemp -d)
check "loadgen builds" make -s -C "$TOP/bench" loadgen
"$TOP/bench/guest.sh" --smoke --out "$out" 2>"$out/log"
rc=$?
sed 's/^/# /' "$out/log"
check "bench/guest.sh --smoke: every system set up and carried traffic" test "$rc" = 0
rm -rf "$out"
finish
