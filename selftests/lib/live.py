# SPDX-License-Identifier: GPL-2.0
"""A live flow to ADDR:PORT (TCP or UDP, the echo servers of servers.py):
one connection, or one connected UDP socket, exchanging a random message
every 20 ms until STOPFILE exists; each echo is checked byte for byte. The
flow's source port is written to PORTFILE once it is up. Prints a JSON
summary: exchanges that came back intact, those that did not, the error
that ended the flow early if any."""

import json
import os
import socket
import sys
import time

from wire import connect_greeted


def main():
    proto, addr, port, portfile, stopfile = sys.argv[1:6]
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ok = bad = 0
    err = ""
    try:
        if proto == "tcp":
            s, buf = connect_greeted(addr, int(port))
        else:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.settimeout(5)
            s.connect((addr, int(port)))
        with open(portfile, "w") as f:
            f.write(str(s.getsockname()[1]))
        while not os.path.exists(stopfile):
            msg = os.urandom(64).hex().encode()
            if proto == "tcp":
                s.sendall(msg)
                while len(buf) < len(msg):
                    chunk = s.recv(4096)
                    if not chunk:
                        raise OSError("connection closed")
                    buf += chunk
                got, buf = buf[:len(msg)], buf[len(msg):]
            else:
                s.send(msg)
                got = s.recv(4096).partition(b"\n")[2]
            if got == msg:
                ok += 1
            else:
                bad += 1
            time.sleep(0.02)
    except OSError as e:
        err = f"{type(e).__name__}: {e}"
    print(json.dumps({"ok": ok, "bad": bad, "error": err}))


if __name__ == "__main__":
    main()
