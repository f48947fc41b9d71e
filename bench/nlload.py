#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Apply svcadm argument lines from stdin ("service add tcp VIP:PORT",
"backend add tcp VIP:PORT ADDR:PORT") over one generic netlink socket: one
request and one ack per line, as svcadm sends, without a process per line.
What svclb's control plane costs in the kernel, apart from the CLI; prints
the number of requests sent."""

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "selftests", "lib"))
import genl  # noqa: E402

PROTO = {"tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP,
         "sctp": socket.IPPROTO_SCTP}
CMDS = {("service", "add"): "SERVICE_NEW", ("backend", "add"): "BACKEND_NEW",
        ("backend", "del"): "BACKEND_DEL", ("service", "del"): "SERVICE_DEL"}


def hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def main():
    g = genl.Genl()
    n = 0
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        vip, port = hostport(w[3])
        payload = genl.nest(genl.A_SERVICE,
                            *genl.svc_key(vip, port, PROTO[w[2]]))
        if w[0] == "backend":
            addr, bport = hostport(w[4])
            payload += genl.nest(genl.A_BACKEND, genl.addr(genl.BE_ADDR, addr),
                                 genl.u16(genl.BE_PORT, bport))
        g.request(genl.CMD[CMDS[w[0], w[1]]], payload)
        n += 1
    print(n)


if __name__ == "__main__":
    main()
