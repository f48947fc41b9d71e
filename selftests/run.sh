#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The svclb selftest suite, run inside the test VM (make check). Each test
# script prints its own TAP; this prints one TAP line per script, with the
# script's output indented as comments, and a summary line.
#
# usage: run.sh [TEST...]  where a TEST is a script and its arguments in one
# word, e.g. run.sh netlink.sh 'datapath.sh --conntrack'; default: the
# list below. backend_state.sh, rolling.sh and replace.sh also take --ipv6;
# the suite runs them in IPv4 only, their logic being the same in both
# families, whose datapaths datapath.sh, tuples.sh, window.sh, icmp.sh and
# nodeport.sh cover.
# Each test is stopped after SVCLB_TEST_TIMEOUT seconds (default 900).
cd "$(dirname "$0")" || exit 1
source ./lib.sh

# loading.sh runs first, before another test loads what svclb needs (it
# unloads it, unless something uses it). Tests that load nf_conntrack run
# last but one: it cannot be unloaded again. The benchmark smoke run, which loads IPVS and nf_tables, is last.
TESTS=(
	"loading.sh"
	"module_selftest.sh"
	"netlink.sh"
	"nlfuzz.sh"
	"svcadm.sh"
	"netns.sh"
	"limits.sh"
	"userns.sh"
	"datapath.sh"
	"datapath.sh --ipv6"
	"local.sh"
	"nodeport.sh"
	"ipsec.sh"
	"icmp.sh"
	"tuples.sh"
	"malformed.sh"
	"sctp.sh"
	"offload.sh"
	"timeouts.sh"
	"window.sh"
	"flood.sh"
	"affinity.sh"
	"affinity.sh --ipv6"
	"backend_state.sh"
	"rolling.sh"
	"replace.sh"
	"unload.sh"
	"concurrency.sh"
	"apply.sh"
	"shapes.sh"
	"kubernetes.sh"
	"scale.sh"
	"hairpin.sh"
	"sched.sh"
	"maglev.sh"
	"crossnode.sh"
	"reload.sh"
	"observe.sh"
	"dkms.sh"
	"datapath.sh --conntrack"
	"datapath.sh --conntrack --ipv6"
	"bench_smoke.sh"
)
(($#)) && TESTS=("$@")

dmesg_mark
log=$(mktemp)
echo "TAP version 13"
echo "1..$((${#TESTS[@]} + 1))"
n=0 passed=0 failed=0
for t in "${TESTS[@]}"; do
	n=$((n + 1))
	echo "# selftests: svclb: $t"
	start=$SECONDS
	# Through a file: a process a test leaves behind cannot hold a pipe open.
	# shellcheck disable=SC2086 # a test and its arguments
	timeout "${SVCLB_TEST_TIMEOUT:-900}" ./$t >"$log" 2>&1
	rc=$?
	sed 's/^/# /' "$log"
	# A test that passes must have run the checks it planned.
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
	ran=$(grep -cE '^(not )?ok [0-9]+' "$log")
	if ((rc == 0)) && [[ $planned != "$ran" ]]; then
		echo "# run.sh: planned ${planned:-no} checks, ran $ran"
		rc=1
	fi
	case $rc in
	0) echo "ok $n selftests: svclb: $t # $((SECONDS - start))s"; passed=$((passed + 1)) ;;
	4) echo "ok $n selftests: svclb: $t # SKIP"; passed=$((passed + 1)) ;;
	*) echo "not ok $n selftests: svclb: $t # exit=$rc"; failed=$((failed + 1)) ;;
	esac
	unload_module 2>/dev/null
done

n=$((n + 1))
if report=$(dmesg_since | grep -E 'BUG|WARNING|Oops|general protection|leak|Call Trace|RCU stall'); then
	sed 's/^/# /' <<<"$report"
	echo "not ok $n selftests: svclb: kernel log free of BUG, WARNING, Oops and leak reports"
	failed=$((failed + 1))
else
	echo "ok $n selftests: svclb: kernel log free of BUG, WARNING, Oops and leak reports"
	passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
((failed == 0))
