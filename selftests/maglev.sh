#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Maglev, the default scheduler, when one of N backends is removed, IPv4 and
# IPv6: flows on the other backends stay where they are (the flow table),
# those of the removed backend move to live ones, and of a large sample of
# new flows (svcadm lookup, in batches) at most 1/N + 1 % change backend.
source "$(dirname "$0")/lib.sh"

N=8 SAMPLE=5000 FLOWS=120
BACKENDS4=() BACKENDS6=()
for i in $(seq $N); do BACKENDS4+=("10.0.2.$i") BACKENDS6+=("fd00:2::$i"); done

plan 14
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }
TMP=$(mktemp -d)

lookup() { in_n "$PY" "$SELFTESTS/lib/lookup.py" "$@"; }
# moved BEFORE AFTER GONE: in percent of the tuples, those whose new flow
# changed backend, those that were on GONE, and those that changed but were
# not on GONE.
moved() {
	"$PY" - "$1" "$2" "$3" <<-'EOF'
	import json, sys
	a, b = (json.load(open(f)) for f in sys.argv[1:3])
	gone = sys.argv[3]
	moved = sum(x["new"] != y["new"] for x, y in zip(a, b))
	own = sum(x["new"] == gone for x in a)
	other = sum(x["new"] != y["new"] and x["new"] != gone for x, y in zip(a, b))
	print(" ".join(f"{100 * v / len(a):.2f}" for v in (moved, own, other)))
	EOF
}

for family in 4 6; do
	use_family $family
	svc=$(ep $VIP 53)
	svcadm_n service add udp "$svc"
	for b in "${BACKENDS[@]}"; do svcadm_n backend add udp "$svc" "$(ep "$b" 8080)"; done
	check "IPv$family: a service added without a scheduler uses maglev" \
		grep -qF "udp  $svc  sched maglev" <<<"$(svcadm_n list)"

	# Long-lived UDP flows, one request each before and after the removal.
	rm -f "$TMP/go"
	bg in_c "$PY" "$SELFTESTS/lib/udpflows.py" $VIP 53 $FLOWS --then "$TMP/go" \
		--timeout 10 >"$TMP/flows"
	for i in $(seq 300); do [[ $(wc -l <"$TMP/flows") -ge 1 ]] && break; sleep 0.2; done
	head -n1 "$TMP/flows" >"$TMP/before"
	json_get "json.dumps(d['client'])" <"$TMP/before" >"$TMP/clients"
	lookup udp $VIP 53 --stdin <"$TMP/clients" >"$TMP/lk-before"
	lookup udp $VIP 53 --generate $SAMPLE >"$TMP/sample-before"
	check "IPv$family: $FLOWS flows answered, spread over several backends; lookup shows each flow's backend, and new flows would go there too" \
		"$PY" - "$TMP/before" "$TMP/lk-before" <<-EOF
		import json, sys
		flows = json.load(open(sys.argv[1]))
		lk = json.load(open(sys.argv[2]))
		host = lambda ep: ep.rpartition(":")[0].strip("[]")
		ok = (None not in flows["backends"] and
		      len(set(flows["backends"])) >= $N // 2 and
		      [host(x["flow"] or "") for x in lk] == flows["backends"] and
		      all(x["new"] == x["flow"] for x in lk))
		if not ok:
		    print("# answered by", flows["backends"], "\n# lookup", lk)
		sys.exit(not ok)
		EOF

	# Remove the backend holding the first flow.
	gone=$(json_get "d['backends'][0]" <"$TMP/before")
	svcadm_n backend del udp "$svc" "$(ep "$gone" 8080)"
	touch "$TMP/go"
	for i in $(seq 300); do [[ $(wc -l <"$TMP/flows") -ge 2 ]] && break; sleep 0.2; done
	tail -n1 "$TMP/flows" >"$TMP/after"
	lookup udp $VIP 53 --stdin <"$TMP/clients" >"$TMP/lk-after"
	stay=$("$PY" - "$TMP/before" "$TMP/after" "$gone" <<-'EOF'
	import json, sys
	a, b = (json.load(open(f))["backends"] for f in sys.argv[1:3])
	gone = sys.argv[3]
	kept = sum(x == y for x, y in zip(a, b) if x != gone)
	others = sum(x != gone for x in a)
	moved = [y for x, y in zip(a, b) if x == gone]
	print(kept, others, len(moved), int(all(y and y != gone for y in moved)))
	EOF
	)
	read -r kept others gone_flows gone_ok <<<"$stay"
	diag "IPv$family: removed $gone, which had $gone_flows of $FLOWS flows"
	check "IPv$family: flows on the other backends stay there ($kept of $others)" \
		test "$kept" = "$others" -a "$others" -gt 0
	check "IPv$family: the removed backend's $gone_flows flows reach live backends at once" \
		test "$gone_ok" = 1
	check "IPv$family: lookup agrees: every flow not on $gone keeps its backend" \
		"$PY" - "$TMP/lk-before" "$TMP/lk-after" "$(ep "$gone" 8080)" <<-'EOF'
		import json, sys
		a, b = (json.load(open(f)) for f in sys.argv[1:3])
		sys.exit(not all(x["flow"] == y["flow"] for x, y in zip(a, b)
		                 if x["flow"] != sys.argv[3]))
		EOF

	start=$SECONDS
	lookup udp $VIP 53 --generate $SAMPLE >"$TMP/sample-after"
	read -r total own other <<<"$(moved "$TMP/sample-before" "$TMP/sample-after" "$(ep "$gone" 8080)")"
	diag "IPv$family: $SAMPLE new flows looked up in $((SECONDS - start)) s: $total % moved"
	# The removed backend's own share of a sample is 1/N give or take the
	# sampling error; what Maglev moves beyond it is bounded.
	check "IPv$family: $own % of the sample was on the removed backend (1/$N, within 4 standard errors)" \
		"$PY" -c "import sys; p = 1 / $N; sys.exit(not abs($own / 100 - p) <= 4 * (p * (1 - p) / $SAMPLE) ** 0.5)"
	check "IPv$family: removing 1 of $N backends moves $total % of new flows: its own and $other % more (at most 1 %)" \
		"$PY" -c "import sys; sys.exit(not $other <= 1)"
	wait "${BG_PIDS[-1]}"
done
rm -rf "$TMP"
finish
