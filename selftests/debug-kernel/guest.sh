#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside the debug-kernel VM (make check-debug): the suite, then what only a
# debug kernel can tell, as TAP with a summary line:
#   1  selftests/run.sh (all tests, or the TESTs given), its output indented
#   2  no KASAN report          3  no UBSAN report
#   4  no lockdep, RCU, atomic-sleep, debug-objects or list-debug report
#   5  no other WARNING, BUG (slab errors too), Oops or RCU stall
#   6  no kmemleak report from svclb
# 2-5 read the kernel log and print each report; those logged during boot,
# before the suite could load svclb, are the kernel's own: shown, not failed.
#
# kmemleak reports are split: a leak whose backtrace names svclb, or holds an
# address no symbol resolves (code of an unloaded module: every module but
# svclb is built into this kernel), fails; any other is the kernel's own
# (objects kmemleak cannot follow) and is only shown as a diagnostic.
#
# usage: guest.sh [TEST...]  (TEST as for selftests/run.sh)
cd "$(dirname "$0")/.." || exit 1
source ./lib.sh

KMEMLEAK=/sys/kernel/debug/kmemleak
KASAN='KASAN'
UBSAN='UBSAN'
LOCKDEP='possible circular locking|possible recursive locking|inconsistent lock state|lock order detected|lock inversion|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning|leaked lock|non-static key|Invalid wait context|BUG: MAX_|DEBUG_LOCKS_WARN_ON|kernel/locking/|sleeping function called from invalid context|scheduling while atomic|ODEBUG: .*(object type|disabled)|debug_print_object|list_(add|del) corruption|lib/list_debug.c'
OTHER='WARNING:|BUG[: ]|Oops|general protection|RCU stall|detected stalls'

n=0 passed=0 failed=0
result() { # result 1|0 DESCRIPTION
	n=$((n + 1))
	if (($1)); then
		echo "ok $n $2"
		passed=$((passed + 1))
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# The suite's start is marked in the kernel log: what comes before is the
# boot's, logged before svclb could be loaded.
MARK="svclb-guest: the suite starts"

# reports boot|suite ERE [EXCLUDE]: the kernel log lines of the boot or of
# the suite (all lines, should the mark have left the log buffer) matching
# ERE but not EXCLUDE (a report an earlier point counted), each with the 40
# after it, the rest of its report, as TAP comments.
reports() {
	local after=1
	dmesg | grep -qF "$MARK" && after=0
	dmesg | awk -v part="$1" -v ere="$2" -v ex="${3:-}" -v mark="$MARK" \
		-v after="$after" '
		index($0, mark) { after = 1; next }
		(part == "suite") != after { next }
		$0 ~ ere && (ex == "" || $0 !~ ex) { left = 41 }
		left > 0 { print "# " $0; left-- }' | head -n 400
}

# no_report DESCRIPTION ERE [EXCLUDE]: a test point failed by any report
# from the suite's time. Reports from the boot are the kernel's own: they
# are shown, and do not fail.
no_report() {
	local out boot
	boot=$(reports boot "$2" "${3:-}")
	if [[ -n $boot ]]; then
		echo "# during boot, before svclb was loaded (not failed):"
		head -n 30 <<<"$boot"
	fi
	out=$(reports suite "$2" "${3:-}")
	[[ -z $out ]] || echo "$out"
	result "$([[ -z $out ]] && echo 1 || echo 0)" "$1"
}

echo "TAP version 13"
echo "1..6"

# Boot leaves objects kmemleak cannot follow: mark them seen, so that only
# what is left unreferenced after the suite is reported.
echo scan 2>/dev/null >"$KMEMLEAK" && echo clear >"$KMEMLEAK"

echo "$MARK" >/dev/kmsg
start=$SECONDS
echo "# selftests: svclb: selftests/run.sh $*"
./run.sh "$@" 2>&1 | sed 's/^/# /'
result "$((PIPESTATUS[0] == 0))" "selftests/run.sh # $((SECONDS - start))s"

no_report "no KASAN report" "$KASAN"
no_report "no UBSAN report" "$UBSAN"
no_report "no lockdep, RCU, atomic-sleep, debug-objects or list-debug report" "$LOCKDEP"
no_report "no other WARNING, BUG, Oops or RCU stall" "$OTHER" "$KASAN|$UBSAN|$LOCKDEP"

# Two scans a few seconds apart: an object is reported only once it has been
# unreferenced for a while, which rules out those in flight (RCU callbacks).
unload_module 2>/dev/null # no svclb memory is legitimately held any more
if echo scan 2>/dev/null >"$KMEMLEAK"; then
	sleep 5
	echo scan >"$KMEMLEAK"
	# One record a line ("\n" between its lines), then split in svclb's (named
	# or an unresolved address, "[<...>] 0xffffffffc0123456") and the others.
	records=$(awk '/^unreferenced object/ { if (r != "") print r; r = $0; next }
		{ r = r "\\n" $0 } END { if (r != "") print r }' "$KMEMLEAK")
	svclb='svclb|\] 0x[0-9a-f]+(\\n|$)'
	ours=$(grep -E "$svclb" <<<"$records")
	others=$(grep -vE "$svclb" <<<"$records")
	if [[ -n $others ]]; then
		echo "# kmemleak: $(grep -c . <<<"$others") unreferenced objects not from svclb (no failure), the first 3:"
		head -n 3 <<<"$others" | sed 's/\\n/\n/g' | sed 's/^/#   /'
	fi
	[[ -z $ours ]] || printf "%s\n" "${ours//\\n/$'\n'}" | sed "s/^/# /"
	result "$([[ -z $ours ]] && echo 1 || echo 0)" "no kmemleak report from svclb"
else
	# Off, or turned itself off (e.g. its memory pool ran out): say why.
	dmesg | grep -i kmemleak | tail -n 5 | sed 's/^/# /'
	result 0 "no kmemleak report from svclb # kmemleak is not running"
fi

echo "$passed passed, $failed failed"
((failed == 0))
