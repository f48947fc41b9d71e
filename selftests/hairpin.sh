#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hairpin: a pod reaches a service whose backend is the pod itself, with the
# masquerade mark and the one nft rule the documentation gives; without the
# rule or without the mark it fails. Other flows are masqueraded only for a
# service with the masquerade flag. Needs nf_conntrack and nf_nat.
source "$(dirname "$0")/lib.sh"

need_modules nf_conntrack nf_nat nft_chain_nat nft_masq 2>/dev/null ||
	skip_all "nf_nat cannot be loaded"

plan 16
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1
start_servers 8080 || { not_ok "servers start"; finish; }

# The backend connects from its own address to a service with only itself.
hairpin() { # hairpin PROTO PORT COUNT
	in_b "$PY" "$SELFTESTS/lib/client.py" "$1" $VIP "$2" "$3" --timeout 1 \
		--source "${BACKENDS[0]}"
}
hairpin_ok() {
	json_check "d['backends'] == {'${BACKENDS[0]}': $2} and d['corrupt'] == 0 and
		d['wrong_source'] == 0" <<<"$1"
}
# The reply address of the conntrack entry of the flows from SRC to
# BACKEND:8080 since the last conntrack -F.
ct_reply_dst() { # ct_reply_dst SRC BACKEND
	in_n conntrack -L -f "ipv$family" -s "$1" -d "$2" 2>/dev/null |
		grep -o "dport=8080 src=[^ ]* dst=[^ ]*" | head -n1 | sed 's/.* dst=//'
}

for family in 4 6; do
	use_family $family
	node=10.0.2.254
	((family == 6)) && node=fd00:2::fe
	svcadm_n flush
	in_n nft delete table inet svclb 2>/dev/null
	svcadm_n config masq-mark 0x4000
	for proto in tcp udp; do
		svcadm_n service add $proto "$(ep $VIP 80)"
		svcadm_n backend add $proto "$(ep $VIP 80)" "$(ep "${BACKENDS[0]}" 8080)"
	done

	out=$(hairpin tcp 80 2)
	diag "IPv$family hairpin without the rule: $out"
	check "IPv$family: without the masquerade rule, hairpin fails" \
		json_check "d['errors'] == 2" <<<"$out"

	# The rule of the documentation (README.md, svcadm.8, docs/design.md).
	in_n nft add table inet svclb
	in_n nft add chain inet svclb masq '{ type nat hook postrouting priority srcnat; }'
	in_n nft add rule inet svclb masq meta mark and 0x4000 == 0x4000 masquerade
	in_n conntrack -F 2>/dev/null
	tcp=$(hairpin tcp 80 3) udp=$(hairpin udp 80 3)
	diag "IPv$family hairpin with the rule: $tcp $udp"
	check "IPv$family: with the rule, a pod reaches itself through the VIP (TCP)" hairpin_ok "$tcp" 3
	check "IPv$family: ... and UDP, replies from the VIP" hairpin_ok "$udp" 3
	check "IPv$family: ... masqueraded to the node's address" \
		test "$(ct_reply_dst "${BACKENDS[0]}" "${BACKENDS[0]}")" = $node

	# Another pod's flow to the same backend keeps its source address.
	in_n conntrack -F 2>/dev/null
	out=$(client tcp $VIP 80 2)
	diag "IPv$family from another pod: $out; conntrack reply to $(ct_reply_dst $CLIENT "${BACKENDS[0]}")"
	check "IPv$family: a flow that is no hairpin is not masqueraded" \
		test "$(json_get "d['errors']" <<<"$out")/$(ct_reply_dst $CLIENT "${BACKENDS[0]}")" = "0/$CLIENT"

	# Unless its service asks for it.
	svcadm_n service add tcp "$(ep $VIP 81)" flags masquerade
	svcadm_n backend add tcp "$(ep $VIP 81)" "$(ep "${BACKENDS[1]}" 8080)"
	in_n conntrack -F 2>/dev/null
	out=$(client tcp $VIP 81 2)
	diag "IPv$family to a masquerade service: $out; conntrack reply to $(ct_reply_dst $CLIENT "${BACKENDS[1]}")"
	check "IPv$family: every flow of a service with flags masquerade is masqueraded" \
		test "$(json_get "d['errors']" <<<"$out")/$(ct_reply_dst $CLIENT "${BACKENDS[1]}")" = "0/$node"

	svcadm_n config masq-mark 0
	out=$(hairpin tcp 80 2)
	diag "IPv$family hairpin with the mark off: $out"
	check "IPv$family: with the mark off, hairpin fails again" json_check "d['errors'] == 2" <<<"$out"
done

check "config shows the mark in hexadecimal and sets the mask with it" \
	test "$(svcadm_n config masq-mark 0x100 && svcadm_n config | grep masq | tr '\n' ' ')" = \
	"masq-mark 0x100 masq-mask 0x100 "
out=$(svcadm_n config masq-mark 0x3 masq-mask 0x1 2>&1)
check "a mark outside its mask is refused with the kernel's message, and nothing changes" \
	test "$(grep -c 'must lie within its mask' <<<"$out")/$(svcadm_n config -j | json_get "d['masq-mark']")" = 1/256
finish
