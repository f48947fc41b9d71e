# SPDX-License-Identifier: GPL-2.0
"""COUNT long-lived UDP flows to ADDR:PORT, one connected socket each: one
request and its answer on every socket, a JSON line {"client": [address,
port] of each socket, "backends": the backend that answered each, or null},
then, once the file --then exists, the same again on the same sockets."""

import argparse
import json
import os
import socket
import sys
import time


def round_trip(socks, timeout):
    for s in socks:
        s.send(b"x")
    backends = []
    for s in socks:
        s.settimeout(timeout)
        try:
            backends.append(s.recv(4096).partition(b"\n")[0].decode())
        except OSError:
            backends.append(None)
    return backends


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p.add_argument("--then", required=True, metavar="FILE")
    p.add_argument("--timeout", type=float, default=2.0)
    a = p.parse_args()
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    socks = []
    for _ in range(a.count):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.connect((a.addr, a.port))
        socks.append(s)
    clients = [s.getsockname()[:2] for s in socks]
    for _ in range(2):
        print(json.dumps({"client": clients,
                          "backends": round_trip(socks, a.timeout)}))
        sys.stdout.flush()
        deadline = time.monotonic() + 120
        while not os.path.exists(a.then) and time.monotonic() < deadline:
            time.sleep(0.1)


if __name__ == "__main__":
    main()
