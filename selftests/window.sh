#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Blind resets, IPv4 and IPv6 (lib/blindrst.py): a spoofer who knows an
# established connection's 4-tuple but not its sequence numbers sends a RST,
# a FIN and a SYN from the client's address and port, and a RST from the
# backend's, all far outside the window. The flow stays established, the
# connection goes on with its backend, and the same holds once the flow was
# taken over mid-stream. A RST at the right sequence number, from a raw
# socket or from the client closing with SO_LINGER 0, and the client's FIN
# still close the flow.
source "$(dirname "$0")/lib.sh"

plan 21
trap topo_cleanup EXIT
load_module || exit 1
dmesg_mark
topo_setup || exit 1
start_servers 8080 || exit 1

for family in 4 6; do
	use_family $family
	svcadm_n service add tcp "$(ep $VIP 80)"
	svcadm_n backend add tcp "$(ep $VIP 80)" "$(ep "${BACKENDS[0]}" 8080)"
	res=$(in_c "$PY" "$SELFTESTS/lib/blindrst.py" "$VIP" 80 c0 "$NS_B" "$NS_N" "$SVCADM")
	diag "IPv$family: $res"
	# One line a step: NAME STATE ALIVE.
	rows=$(json_get "'\\n'.join('%s %s %s' % (k, v['state'], v['alive']) for k, v in d.items() if k != 'seconds')" <<<"$res")
	step() { # step NAME STATE ALIVE DESCRIPTION
		local got
		got=$(awk -v k="$1" '$1 == k { print $2, $3 }' <<<"$rows")
		check "IPv$family: $4 (flow ${got% *})" test "$got" = "$2 $3"
	}
	step open established True "a connection through the VIP is established"
	step rst_far established True "a RST from the client's tuple far outside the window leaves it established and working"
	step fin_far established True "... and so does such a FIN"
	step syn established True "... and a SYN on its tuple does not move it"
	step reply_rst established True "a RST from the backend's tuple far outside the window leaves it established"
	step takeover established True "taken over mid-stream (flows flushed), the flow is established again"
	step takeover_rst established True "... and a RST far outside the window learnt there leaves it so"
	step rst_in closing False "a RST at the right sequence number closes the flow and the connection"
	step linger closing True "the client closing with SO_LINGER 0 (a real RST) closes the flow"
	step fin closing True "the client's FIN closes the flow"
	svcadm_n service del tcp "$(ep $VIP 80)"
done
check "no kernel report (BUG, WARNING, KASAN, UBSAN, lockdep...)" dmesg_clean
finish
