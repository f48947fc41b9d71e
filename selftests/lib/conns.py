# SPDX-License-Identifier: GPL-2.0
"""Long-lived TCP connections to echo servers, driven through files in DIR.

Opens one connection to each ADDR PORT pair and prints a JSON line with,
for each, the backend that answered and the client's address and port.
Then, each time the file DIR/round-K appears (K = 1, 2, ...), sends 100
bytes on every connection still open and prints a JSON line with the
result of each: "ok" for an intact echo, else the error. Exits when
DIR/stop appears."""

import json
import os
import socket
import sys
import time


def round_trip(s, timeout):
    payload = os.urandom(100)
    s.settimeout(timeout)
    try:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(len(payload) - len(got))
            if not chunk:
                return "closed"
            got += chunk
        return "ok" if got == payload else "corrupt"
    except OSError as e:
        return type(e).__name__


def main():
    d, targets = sys.argv[1], sys.argv[2:]
    conns = []
    for host, port in zip(targets[::2], targets[1::2]):
        s = socket.create_connection((host, int(port)), timeout=10)
        line = b""
        while not line.endswith(b"\n"):
            line += s.recv(1)
        conns.append((s, line.decode().strip()))
    print(json.dumps({"backends": [b for _, b in conns],
                      "clients": [list(s.getsockname()[:2])
                                  for s, _ in conns]}), flush=True)
    k = 1
    dead = set()
    while not os.path.exists(os.path.join(d, "stop")):
        if not os.path.exists(os.path.join(d, f"round-{k}")):
            time.sleep(0.1)
            continue
        start = time.monotonic()
        results = []
        for i, (s, _) in enumerate(conns):
            results.append("gone" if i in dead else round_trip(s, 5))
            if results[-1] != "ok":
                dead.add(i)
        print(json.dumps({"round": k, "results": results,
                          "seconds": round(time.monotonic() - start, 2)}),
              flush=True)
        k += 1


if __name__ == "__main__":
    main()
