# SPDX-License-Identifier: GPL-2.0
"""One client port used twice, the tuple clashes a flow table must survive.

sameport.py then PROTO CLIENT PORT VIP VPORT DPORT: from CLIENT:PORT, one
exchange with VIP:VPORT, closed, then one with the backend that answered, at
its own address and port DPORT.
sameport.py both PROTO CLIENT PORT VIP VPORT1 VPORT2: from CLIENT:PORT, two
exchanges open at once, with VIP:VPORT1 and VIP:VPORT2.

Prints the JSON list of the backends that answered each exchange, or of the
errors ("error: ..."). A TCP exchange reads the backend's name; UDP sends a
datagram on a connected socket, so only an answer from the address it was
sent to counts."""

import json
import socket
import sys

TIMEOUT = 5


def open_socket(proto, client, port):
    family = socket.AF_INET6 if ":" in client else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(TIMEOUT)
    s.bind((client, port))
    return s


def start(proto, client, port, addr, aport):
    """An exchange up to its answer; returns (socket, backend or error)."""
    s = open_socket(proto, client, port)
    try:
        s.connect((addr, aport))
        if proto == "udp":
            s.send(b"ping")
        return s, s.recv(100).partition(b"\n")[0].decode()
    except OSError as e:
        return s, "error: %s" % e


def finish(proto, s):
    if proto == "tcp":
        try:
            s.shutdown(socket.SHUT_WR)
            while s.recv(100):
                pass
        except OSError:
            pass
    s.close()


def main():
    mode, proto, client, port, addr, p1, p2 = sys.argv[1:8]
    port, p1, p2 = int(port), int(p1), int(p2)
    if mode == "then":
        s, first = start(proto, client, port, addr, p1)
        finish(proto, s)
        out = [first]
        if not first.startswith("error"):
            s, second = start(proto, client, port, first, p2)
            finish(proto, s)
            out.append(second)
    else:
        a, first = start(proto, client, port, addr, p1)
        b, second = start(proto, client, port, addr, p2)
        out = [first, second]
        finish(proto, a)
        finish(proto, b)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
