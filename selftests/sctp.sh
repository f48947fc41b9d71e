#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real SCTP association through a VIP whose backend port differs from the
# service port, IPv4 and IPv6: the data arrives intact both ways, so the
# CRC32c was recomputed after the port rewrite.
source "$(dirname "$0")/lib.sh"

need_modules sctp 2>/dev/null || skip_all "no SCTP in this kernel"
plan 4
trap topo_cleanup EXIT
load_module || exit 1
topo_setup || exit 1

# sctp_echo ADDR PORT: echo one message per association, prefixed with ADDR.
sctp_echo() {
	bg in_b "$PY" -c '
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(8)
while True:
    c, _ = s.accept()
    data = c.recv(65536)
    c.sendall(addr.encode() + b"\n" + data)
    c.close()
' "$1" "$2"
}

# sctp_call ADDR PORT COUNT: JSON tally of backends; checks every echo.
sctp_call() {
	in_c "$PY" -c '
import json, os, socket, sys
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
tally = {"backends": {}, "errors": 0, "corrupt": 0}
for _ in range(n):
    payload = os.urandom(3000)
    try:
        s = socket.socket(fam, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
        s.settimeout(3)
        s.connect((addr, port))
        s.sendall(payload)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError as e:
        tally["errors"] += 1
        tally["last_error"] = str(e)
        continue
    be, _, echo = data.partition(b"\n")
    tally["backends"][be.decode()] = tally["backends"].get(be.decode(), 0) + 1
    tally["corrupt"] += echo != payload
json.dump(tally, sys.stdout)
' "$@"
}

for family in 4 6; do
	use_family $family
	for b in "${BACKENDS[@]}"; do sctp_echo "$b" 3868; done
done
sleep 1
for family in 4 6; do
	use_family $family
	# Round robin: six associations reach all three backends.
	svcadm_n service add sctp "$(ep $VIP 38412)" sched rr
	for b in "${BACKENDS[@]}"; do
		svcadm_n backend add sctp "$(ep $VIP 38412)" "$(ep "$b" 3868)"
	done
	out=$(sctp_call $VIP 38412 6)
	diag "IPv$family: $out"
	check "IPv$family: SCTP associations through the VIP reach every backend" \
		json_check "d['errors'] == 0 and len(d['backends']) == 3" <<<"$out"
	check "IPv$family: SCTP data intact both ways (CRC32c recomputed)" \
		json_check "d['corrupt'] == 0 and sum(d['backends'].values()) == 6" <<<"$out"
done
finish
