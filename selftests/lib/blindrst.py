# SPDX-License-Identifier: GPL-2.0
"""Blind resets for window.sh: a spoofer who knows a connection's addresses
and ports, but not its sequence numbers, sends RST, FIN and SYN on its
4-tuple from raw sockets.

usage: blindrst.py ADDR PORT IFACE BACKEND_NETNS NODE_NETNS SVCADM
(run in the client's namespace; IFACE is its interface, the namespaces are
names as `ip netns` knows them)

A connection to ADDR:PORT (the echo servers of servers.py) exchanges a
message; a packet socket on IFACE learns the client's next sequence number
(snd_nxt) and the backend's (rcv_nxt) from what the client sends. Then, each
followed by the flow's state (`svcadm flows -j` in NODE_NETNS) and another
exchange:
  rst_far    a RST from the client's address and port, seq snd_nxt + 2^31
  fin_far    a FIN from there, the same sequence number
  syn        a SYN from there (it would move a closing flow elsewhere)
  reply_rst  a RST from the backend's address and port (sent in
             BACKEND_NETNS), seq rcv_nxt + 2^31
  takeover   the node forgets its flows (svcadm flows flush): the next
             packets take the connection over mid-stream
  takeover_rst  a RST as rst_far on the flow taken over
  rst_in     a RST from the client's address and port at snd_nxt itself:
             in the window, it ends the flow (and the backend's connection)
Then two connections of the client's own: one closed with SO_LINGER 0
(linger: a real RST), one with shutdown (fin: a real FIN).

Prints a JSON object: for each step the flow's state ("none" without one)
and whether the connection still echoed ("alive"); under "seconds", when
each step ended."""

import ctypes
import json
import os
import socket
import struct
import subprocess
import sys
import time

from wire import connect_greeted, csum

ETH_P_ALL = 3
PACKET_OUTGOING = 4
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def tcp_segment(fam, src, dst, sport, dport, seq, ack, flags):
    """A TCP header, no payload, with its checksum."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, 5 << 4, flags, 502, 0, 0)
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    a, b = socket.inet_pton(af, src), socket.inet_pton(af, dst)
    if fam == 4:
        pseudo = a + b + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr))
    else:
        pseudo = a + b + struct.pack("!I3xB", len(hdr), socket.IPPROTO_TCP)
    return hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]


class Raw:
    """A raw TCP socket sending from one address of the namespace it was
    opened in."""

    def __init__(self, fam, src):
        self.fam, self.src = fam, src
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        self.s = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_TCP)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.s.bind((src, 0))

    def send(self, dst, sport, dport, seq, ack, flags):
        self.s.sendto(tcp_segment(self.fam, self.src, dst, sport, dport, seq,
                                  ack, flags), (dst, 0))


libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    with open(path) as f:
        if libc.setns(f.fileno(), 0x40000000):  # CLONE_NEWNET
            raise OSError(ctypes.get_errno(), f"setns {path}")


def after(a, b):
    return a != b and ((a - b) & 0xffffffff) < 0x80000000


class Sniffer:
    """What the client sent on a port: its next sequence number and the
    last it acknowledged."""

    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                               socket.htons(ETH_P_ALL))
        self.s.bind((iface, ETH_P_ALL))
        self.s.setblocking(False)
        self.seen = {}
        self.spoofed = set()    # (port, seq) of what raw sockets sent

    def drain(self):
        while True:
            try:
                data, addr = self.s.recvfrom(65536)
            except BlockingIOError:
                return
            if addr[2] != PACKET_OUTGOING or not data:
                continue
            if data[0] >> 4 == 4:
                hl, proto = (data[0] & 0xf) * 4, data[9]
                plen = struct.unpack("!H", data[2:4])[0] - hl
            elif data[0] >> 4 == 6:
                hl, proto = 40, data[6]
                plen = struct.unpack("!H", data[4:6])[0]
            else:
                continue
            if proto != socket.IPPROTO_TCP or len(data) < hl + 20:
                continue
            sport, _, seq, ack, off, flags = struct.unpack(
                "!HHIIBB", data[hl:hl + 14])
            if (sport, seq) in self.spoofed:
                continue
            end = (seq + plen - (off >> 4) * 4 + bool(flags & SYN) +
                   bool(flags & FIN)) & 0xffffffff
            nxt, acked = self.seen.get(sport, (end, None))
            if flags & ACK and (acked is None or after(ack, acked)):
                acked = ack
            self.seen[sport] = (end if after(end, nxt) else nxt, acked)

    def next_seqs(self, port):
        time.sleep(0.1)
        self.drain()
        return self.seen[port]


def connect(addr, port):
    return connect_greeted(addr, port)[0]


def echoes(s):
    """Whether a message comes back whole."""
    try:
        msg = os.urandom(32).hex().encode()
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(4096)
            if not chunk:
                return False
            got += chunk
        return got == msg
    except OSError:
        return False


def main():
    addr, port, iface, bns, nns, svcadm = sys.argv[1:7]
    port = int(port)
    fam = 6 if ":" in addr else 4

    def flows():
        out = subprocess.run(["ip", "netns", "exec", nns, svcadm, "flows",
                              "-j"], check=True, capture_output=True,
                             text=True).stdout
        return json.loads(out)["flows"]

    def state(cport):
        time.sleep(0.3)
        for f in flows():
            if f["proto"] == "tcp" and f["client"]["port"] == cport:
                return f["state"]
        return "none"

    sniff = Sniffer(iface)
    res, times, t0 = {}, {}, time.monotonic()

    def stamp(name):
        times[name] = round(time.monotonic() - t0, 2)
    s = connect(addr, port)
    client, cport = s.getsockname()[:2]
    res["open"] = {"state": state(cport), "alive": echoes(s)}
    stamp("open")
    backend = next(f["backend"] for f in flows()
                   if f["client"]["port"] == cport)
    raw_c = Raw(fam, client)
    home = open("/proc/self/ns/net")
    setns(f"/var/run/netns/{bns}")
    raw_b = Raw(fam, backend["address"])
    setns(f"/proc/self/fd/{home.fileno()}")

    def spoof(name, flags, far=True, reply=False):
        snd, rcv = sniff.next_seqs(cport)
        off = 0x80000000 if far else 0
        sniff.spoofed.add((cport, (snd + off) & 0xffffffff))
        if reply:
            raw_b.send(client, backend["port"], cport, rcv + off, snd,
                       flags)
        else:
            raw_c.send(addr, cport, port, snd + off, rcv, flags)
        res[name] = {"state": state(cport), "alive": echoes(s)}
        stamp(name)

    spoof("rst_far", RST | ACK)
    spoof("fin_far", FIN | ACK)
    spoof("syn", SYN)
    spoof("reply_rst", RST | ACK, reply=True)
    subprocess.run(["ip", "netns", "exec", nns, svcadm, "flows", "flush"],
                   check=True)
    alive = echoes(s) and echoes(s)
    res["takeover"] = {"state": state(cport), "alive": alive}
    stamp("takeover")
    spoof("takeover_rst", RST | ACK)
    # In the window: the backend's connection ends too, so the next
    # exchange fails.
    spoof("rst_in", RST | ACK, far=False)
    s.close()

    for name in ("linger", "fin"):
        c = connect(addr, port)
        p = c.getsockname()[1]
        alive = echoes(c)
        if name == "linger":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            c.close()
        else:
            c.shutdown(socket.SHUT_WR)
        res[name] = {"state": state(p), "alive": alive}
        c.close()
        stamp(name)
    res["seconds"] = times
    print(json.dumps(res))


if __name__ == "__main__":
    main()
