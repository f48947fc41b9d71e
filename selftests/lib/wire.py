# SPDX-License-Identifier: GPL-2.0
"""What the packet and connection helpers share: the Internet checksum, and
a TCP connection to a test backend, which greets with its address."""

import socket
import struct


def csum(data):
    """The Internet checksum (RFC 1071) of DATA."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def connect_greeted(addr, port, timeout=5):
    """A connection to ADDR:PORT and what came after the backend's greeting
    line."""
    s = socket.create_connection((addr, port), timeout=timeout)
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            s.close()
            raise OSError("closed before the greeting")
        buf += chunk
    return s, buf.partition(b"\n")[2]
