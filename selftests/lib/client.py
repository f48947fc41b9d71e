# SPDX-License-Identifier: GPL-2.0
"""Test client: COUNT requests to ADDR:PORT over TCP or UDP, each from a new
source port (of the address given with --source, if any) or from the one
--source-port gives, each checked to come back byte for byte (and, for UDP,
from ADDR:PORT itself). Prints a JSON tally of the backends that answered,
and with --sequence the list of them in order."""

import argparse
import json
import os
import socket
import sys
import time


def tcp_once(addr, port, payload, timeout, source):
    with socket.create_connection((addr, port), timeout=timeout,
                                  source_address=source) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    backend, _, echo = data.partition(b"\n")
    return backend.decode(), echo == payload, None


def udp_once(addr, port, payload, timeout, source):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        if source:
            s.bind(source)
        # Connected: ICMP errors reach the socket, and only datagrams from
        # ADDR:PORT are accepted.
        s.connect((addr, port))
        s.send(payload)
        data, src = s.recvfrom(65536)
    backend, _, echo = data.partition(b"\n")
    return backend.decode(), echo == payload, src


def main():
    p = argparse.ArgumentParser()
    p.add_argument("proto", choices=["tcp", "udp"])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--duration", type=float,
                   help="stop after this many seconds, even short of COUNT")
    p.add_argument("--source", help="the address to send from")
    p.add_argument("--source-port", type=int, default=0,
                   help="the port to send from")
    p.add_argument("--sequence", action="store_true")
    a = p.parse_args()
    deadline = time.monotonic() + a.duration if a.duration else None
    source = None
    if a.source or a.source_port:
        source = (a.source or "", a.source_port)
    once = tcp_once if a.proto == "tcp" else udp_once
    tally = {"backends": {}, "errors": 0, "corrupt": 0, "wrong_source": 0}
    if a.sequence:
        tally["sequence"] = []
    for _ in range(a.count):
        if deadline is not None and time.monotonic() >= deadline:
            break
        payload = os.urandom(a.size)
        try:
            backend, intact, src = once(a.addr, a.port, payload, a.timeout,
                                        source)
        except OSError as e:
            tally["errors"] += 1
            tally["last_error"] = str(e)
            continue
        tally["backends"][backend] = tally["backends"].get(backend, 0) + 1
        if a.sequence:
            tally["sequence"].append(backend)
        tally["corrupt"] += not intact
        if src is not None and src[:2] != (a.addr, a.port):
            tally["wrong_source"] += 1
            tally["last_source"] = "%s %d" % src[:2]
    json.dump(tally, sys.stdout)
    print()


if __name__ == "__main__":
    main()
