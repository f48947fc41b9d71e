# SPDX-License-Identifier: GPL-2.0
"""One TCP connection to ADDR:PORT from each of the client ports FIRST to
FIRST + COUNT - 1 of the address CLIENT: reads the backend's name and closes
with a reset, so that the port can be used again at once. Prints the JSON
list of the backends, null for a connection that failed."""

import json
import socket
import struct
import sys


def main():
    addr, port, client, first, count = sys.argv[1:6]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    out = []
    for p in range(int(first), int(first) + int(count)):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.settimeout(5)
        try:
            s.bind((client, p))
            s.connect((addr, int(port)))
            out.append(s.recv(100).partition(b"\n")[0].decode())
        except OSError:
            out.append(None)
        s.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
