# SPDX-License-Identifier: GPL-2.0
"""Malformed packets for malformed.sh, sent as raw Ethernet frames.

usage: malformed.py BACKEND_NETNS CONFIG  (run in the client's namespace)

CONFIG is a JSON object with, for each family ("4", "6"): client, vip,
backend (addresses), tcp_sport and udp_sport (the live flows' source ports);
and c_iface, c_mac, c_dst (the client's interface, its MAC, the node's MAC),
b_iface, b_mac, b_dst (the same for the backend, whose interface is opened
in BACKEND_NETNS, a path such as /var/run/netns/NAME).

From the client to the VIP: truncated IP, TCP, UDP and SCTP headers,
lengths that disagree, bad checksums, IP options and IPv6 extension headers,
tiny, overlapping and stray fragments, ICMP errors, SCTP packets of several
chunks; to port 80 (a service with a backend), also into the live flows; to
port 81 (a service with a backend) only packets whose headers are
incomplete, which must start no flow; to port 82 (a service without
backends) packets whose headers are complete, each of which svclb must count
as refused, and incomplete ones, which it must not.

From the backend to the client: ICMP or ICMPv6 errors with truncated or
bogus quotes, about unknown flows and about the live flows (TCP with a
sequence number out of the window, UDP with a quote too short for the client
to act on: neither may end the live flow).

Prints a JSON object per family: how many frames were sent, how many went to
port 82 with complete headers ("refusable"), how many with a bad TCP or UDP
checksum went to port 80 with complete headers ("bad_l4_csum")."""

import ctypes
import json
import os
import random
import socket
import struct
import sys

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                ICMPv6DestUnreach, ICMPv6PacketTooBig,
                                ICMPv6ParamProblem, ICMPv6TimeExceeded,
                                RouterAlert, PadN)
from scapy.layers.sctp import (SCTP, SCTPChunkAbort, SCTPChunkData,
                               SCTPChunkInit, SCTPChunkSACK)
from scapy.packet import Raw

from wire import csum

rnd = random.Random(7)
TCP_P, UDP_P, SCTP_P = 6, 17, 132


def fix4(b, tot_len=None):
    """Set an IPv4 header's total length and checksum."""
    b = bytearray(b)
    ihl = (b[0] & 0xf) * 4
    struct.pack_into("!H", b, 2, len(b) if tot_len is None else tot_len)
    struct.pack_into("!H", b, 10, 0)
    struct.pack_into("!H", b, 10, csum(bytes(b[:ihl])))
    return bytes(b)


def fix6(b, plen=None):
    b = bytearray(b)
    struct.pack_into("!H", b, 4, len(b) - 40 if plen is None else plen)
    return bytes(b)


class Sender:
    def __init__(self, family, iface, mac, dstmac):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind((iface, 0))
        self.eth = bytes.fromhex(dstmac.replace(":", "")) + \
            bytes.fromhex(mac.replace(":", "")) + \
            struct.pack("!H", 0x0800 if family == 4 else 0x86dd)
        self.sent = 0

    def send(self, pkt, times=1):
        for _ in range(times):
            self.s.send(self.eth + bytes(pkt))
            self.sent += 1


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    with open(path) as f:
        if libc.setns(f.fileno(), 0x40000000):  # CLONE_NEWNET
            raise OSError(ctypes.get_errno(), f"setns {path}")


def l4(proto, sport, dport, bad=False, flags="A", seq=None):
    """A complete L4 header with a payload, checksum right or wrong."""
    seq = rnd.getrandbits(32) if seq is None else seq
    kw = {"chksum": 0x1234} if bad else {}
    if proto == TCP_P:
        return TCP(sport=sport, dport=dport, flags=flags, seq=seq,
                   **kw) / Raw(b"x" * 16)
    if proto == UDP_P:
        return UDP(sport=sport, dport=dport, **kw) / Raw(b"x" * 16)
    return SCTP(sport=sport, dport=dport, tag=rnd.getrandbits(32),
                **kw) / SCTPChunkData(data=b"x" * 16)


def ip(fam, src, dst, **kw):
    return IP(src=src, dst=dst, **kw) if fam == 4 else \
        IPv6(src=src, dst=dst, **kw)


def fix(fam, b, n=None):
    return fix4(b, n) if fam == 4 else fix6(b, n)


def client(fam, out, cl, vip, tsport, usport):
    """Every case, to port 80 and into the live flows; truncations to 81;
    complete headers to 82."""
    refusable = bad_l4 = 0
    hl = 20 if fam == 4 else 40
    ports = [(TCP_P, 40000, 80), (TCP_P, tsport, 80), (UDP_P, usport, 80),
             (UDP_P, 40010, 80), (SCTP_P, 40020, 80)]

    # A valid SCTP INIT first: the SCTP "flow" the later packets hit.
    out.send(ip(fam, cl, vip) / SCTP(sport=40020, dport=80, tag=0) /
             SCTPChunkInit(init_tag=1, a_rwnd=65535, n_out_streams=1,
                           n_in_streams=1, init_tsn=1), 1)
    for proto, sport, dport in ports:
        whole = bytes(ip(fam, cl, vip) / l4(proto, sport, dport))
        hdr = {TCP_P: 20, UDP_P: 8, SCTP_P: 12}[proto]
        # Whole datagrams with the live UDP flow's ports would be echoed
        # into it: only damaged ones go there.
        live_udp = proto == UDP_P and sport == usport
        # Truncated L4 headers, lengths consistent; to 80, 81 and 82.
        live = sport in (tsport, usport)
        for dp in (dport,) if live else (dport, 81, 82):
            w = bytes(ip(fam, cl, vip) / l4(proto, sport, dp))
            for k in sorted({0, 1, 3, 4, 5, 7, 11, hdr - 1} & set(range(hdr))):
                out.send(fix(fam, w[:hl + k]), 1)
        # IP lengths that disagree with the frame.
        out.send(fix(fam, whole, len(whole) + 100))
        out.send(fix(fam, whole, len(whole) - 3))
        out.send(fix(fam, whole, hl - 1 if fam == 4 else 0))
        if not live_udp:
            out.send(fix(fam, whole) + b"trailing")
        # Bad L4 checksums, TCP flags with them (never a right one: a
        # valid RST would end the live flow).
        for flags in ("A", "R", "S", "F", "SA", ""):
            if proto != TCP_P and flags != "A":
                continue
            out.send(ip(fam, cl, vip) / l4(proto, sport, dport, True, flags))
            if proto != SCTP_P:
                bad_l4 += 1
        # TCP data offsets and UDP lengths that are wrong.
        if proto == TCP_P:
            for doff in (0, 1, 4, 15):
                out.send(ip(fam, cl, vip) / TCP(sport=sport, dport=dport,
                                                dataofs=doff, flags="A",
                                                seq=rnd.getrandbits(32)))
        if proto == UDP_P:
            # 0 is a jumbogram's length over IPv6, as good as the right one.
            for ulen in (7, 1000) if live_udp else (0, 7, 9, 1000):
                out.send(ip(fam, cl, vip) / UDP(sport=sport, dport=dport,
                                                len=ulen) / Raw(b"x" * 16))
        # Bad IPv4 header checksum, version, header length.
        if fam == 4:
            b = bytearray(whole)
            b[10] ^= 0xff
            out.send(bytes(b))
            for first in (0x35, 0x44, 0x4f, 0x65):
                b = bytearray(whole)
                b[0] = first
                out.send(fix4(bytes(b)) if first & 0xf >= 5 and
                         first >> 4 == 4 else bytes(b))
    # Truncated IP headers.
    for n in (1, 10, hl - 1):
        out.send(bytes(ip(fam, cl, vip) / l4(TCP_P, 40000, 80))[:n])

    # IP options and IPv6 extension headers, with a complete TCP or UDP
    # header: to 80 and 82.
    if fam == 4:
        opts = [b"\x01\x01\x01\x00", b"\x07\x07\x04\0\0\0\0\0",
                b"\x44\x0c\x05\x00" + b"\0" * 8, b"\x83\x07\x04" + b"\0" * 5,
                b"\x94\x04\0\0", b"\x01\x00\x01\x01", b"\x07\xff\x04\0",
                b"\x07\x00\x04\0", b"\x44\x01\x00\x00"]
        extras = opts
    else:
        extras = [
            IPv6(src=cl, dst=vip) / IPv6ExtHdrHopByHop(options=[RouterAlert()]),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrRouting(type=0, segleft=0),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=[cl]),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[cl]),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrRouting(type=4, segleft=0),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrFragment(offset=0, m=0, id=9),
            IPv6(src=cl, dst=vip) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop(),
            IPv6(src=cl, dst=vip) / (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()) /
            (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()) / IPv6ExtHdrDestOpt(),
        ]
    for e in extras:
        for proto, sport in ((TCP_P, 40001), (UDP_P, 40011)):
            if fam == 4:  # the options' bytes as they are, however bogus
                b = bytes(IP(src=cl, dst=vip) / l4(proto, sport, 80))
                b = bytes([0x45 + len(e) // 4]) + b[1:20] + e + b[20:]
                b = fix4(b)
            else:
                b = bytes(e.copy() / l4(proto, sport, 80))
            out.send(b)
            # The same headers cut in the middle of the options.
            out.send(fix(fam, b[:hl + 3]))
    if fam == 4:
        # Options that are well formed: the packet passes ip_rcv_options()
        # (it runs after the hook anyway) and is refused.
        for o in (b"\x01\x01\x01\x00", b"\x94\x04\0\0"):
            out.send(IP(src=cl, dst=vip, options=[IPOption(o)]) /
                     l4(TCP_P, 40002, 82, True), 1)
            refusable += 1
    # A truncated IPv6 extension header and an unknown next header.
    if fam == 6:
        b = bytes(IPv6(src=cl, dst=vip, nh=60) / Raw(b"\x06\x05" + b"\0" * 4))
        out.send(b)
        out.send(IPv6(src=cl, dst=vip, nh=59) / Raw(b"x" * 20))
        out.send(IPv6(src=cl, dst=vip, nh=253) / Raw(b"x" * 20))

    # Complete headers to the service without backends: counted as refused.
    for proto in (TCP_P, UDP_P, SCTP_P):
        for bad in (False, True):
            out.send(ip(fam, cl, vip) / l4(proto, 41000, 82, bad, "S"), 1)
            refusable += 1

    # Fragments: tiny, overlapping, stray, beyond 64 KiB; of datagrams to 80.
    for proto, sport in ((TCP_P, 40003), (UDP_P, 40012), (SCTP_P, 40021)):
        d = bytes(l4(proto, sport, 80, flags="S"))
        if fam == 4:
            def frag(off, mf, data, fid=rnd.getrandbits(16)):
                return fix4(bytes(IP(src=cl, dst=vip, proto=proto, id=fid,
                                     frag=off, flags="MF" if mf else 0) /
                                  Raw(data)))
        else:
            def frag(off, mf, data, fid=rnd.getrandbits(32)):
                return bytes(IPv6(src=cl, dst=vip) /
                             IPv6ExtHdrFragment(nh=proto, offset=off, m=mf,
                                                id=fid) / Raw(data))
        fid = rnd.getrandbits(16)
        # Tiny: 8 bytes, then the rest; the L4 header is split.
        out.send(frag(0, 1, d[:8], fid), 1)
        out.send(frag(1, 0, d[8:], fid), 1)
        # Overlapping: the second rewrites the ports.
        fid += 1
        out.send(frag(0, 1, d[:16], fid), 1)
        out.send(frag(1, 0, b"\x99" * 8 + d[16:], fid), 1)
        out.send(frag(1, 1, b"\x77" * 8, fid), 1)
        # Stray: a middle and a last fragment without a first.
        out.send(frag(2, 1, d[16:24], fid + 1), 1)
        out.send(frag(3, 0, d[24:], fid + 2), 1)
        # A fragment ending beyond 64 KiB.
        out.send(frag(8190, 0, b"x" * 64, fid + 3), 1)
        # A first fragment with no follower (expires in the queue).
        out.send(frag(0, 1, d[:16], fid + 4), 1)

    # ICMP errors from the client towards the VIP (the request direction).
    inner = bytes(ip(fam, vip, cl) / l4(TCP_P, 80, tsport))
    if fam == 4:
        out.send(IP(src=cl, dst=vip) / ICMP(type=3, code=3) / Raw(inner[:28]))
        out.send(IP(src=cl, dst=vip) / ICMP(type=11) / Raw(inner[:10]))
    else:
        out.send(IPv6(src=cl, dst=vip) / ICMPv6DestUnreach(code=4) /
                 Raw(inner[:48]))
        out.send(IPv6(src=cl, dst=vip) / ICMPv6PacketTooBig(mtu=100) /
                 Raw(inner[:20]))

    # SCTP packets of several chunks, into the SCTP flow and to 82.
    for dport in (80, 82):
        base = ip(fam, cl, vip) / SCTP(sport=40020, dport=dport,
                                       tag=rnd.getrandbits(32))
        chunks = [
            SCTPChunkInit(init_tag=5, a_rwnd=1000, n_out_streams=1,
                          n_in_streams=1, init_tsn=1) /
            SCTPChunkData(data=b"x" * 8),
            SCTPChunkData(data=b"a" * 5) / SCTPChunkData(data=b"b" * 7) /
            SCTPChunkSACK() / SCTPChunkAbort(),
            SCTPChunkData(data=b"x") / Raw(b"\x00\x00\x00\x00"),
            SCTPChunkData(data=b"x") / Raw(b"\x00\x03\xff\xf0" + b"y" * 8),
            Raw(b"\x0a\x00\x00\x04" * 100),
        ]
        for c in chunks:
            out.send(base.copy() / c)
            if dport == 82:
                refusable += 1
    return {"refusable": refusable, "bad_l4_csum": bad_l4}


def backend(fam, out, be, cl, tsport, usport):
    """ICMP errors about unknown flows, and bogus ones about the live
    flows, from the backend to the client."""
    hl = 20 if fam == 4 else 40
    quotes = []
    for proto, sport, bport in ((TCP_P, tsport, 8080), (UDP_P, usport, 8080),
                                (TCP_P, 1234, 8080), (UDP_P, 1234, 9999),
                                (SCTP_P, 40020, 8080)):
        q = bytes(ip(fam, cl, be) / l4(proto, sport, bport))
        live = sport in (tsport, usport)
        cuts = [4] if live and proto == UDP_P else [4, 8, 28]
        if not (live and proto == UDP_P):
            quotes.append(q)  # whole: TCP ignores it (seq out of window)
        quotes += [q[:hl + k] for k in cuts]
        quotes += [q[:k] for k in (0, 1, 10, hl - 1)]  # truncated IP header
        # Bogus quoted IP headers.
        if live and proto == UDP_P:
            continue
        if fam == 4:
            for first in (0x45 | 0, 0x44, 0x4f, 0x65, 0x46):
                b = bytearray(q[:hl + 8])
                b[0] = first
                quotes.append(bytes(b))
            b = bytearray(q[:hl + 8])
            struct.pack_into("!H", b, 6, 0x2001)  # a non-first fragment
            quotes.append(bytes(b))
            b = bytearray(q[:hl + 8])
            b[9] = 1  # ICMP inside
            quotes.append(bytes(b))
        else:
            b = bytearray(q[:hl + 8])
            b[0] = 0x45
            quotes.append(bytes(b))
            quotes.append(bytes(IPv6(src=cl, dst=be) /
                                IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() /
                                l4(proto, 1234, 8080))[:hl + 24])
            quotes.append(bytes(IPv6(src=cl, dst=be) /
                                IPv6ExtHdrFragment(nh=proto, offset=1, m=0) /
                                l4(proto, 1234, 8080))[:hl + 16])
            quotes.append(bytes(IPv6(src=cl, dst=be, nh=60) /
                                Raw(bytes([proto, 9]) + b"\0" * 6)))
    for q in quotes:
        if fam == 4:
            for t, c in ((3, 1), (3, 4), (11, 0), (12, 0)):
                out.send(IP(src=be, dst=cl) / ICMP(type=t, code=c) / Raw(q), 1)
            # A truncated ICMP header.
            out.send(fix4(bytes(IP(src=be, dst=cl) / ICMP(type=3, code=1) /
                                Raw(q))[:hl + 4]), 1)
        else:
            for m in (ICMPv6DestUnreach(code=1), ICMPv6PacketTooBig(mtu=1280),
                      ICMPv6PacketTooBig(mtu=100), ICMPv6TimeExceeded(),
                      ICMPv6ParamProblem(ptr=6)):
                out.send(IPv6(src=be, dst=cl) / m / Raw(q), 1)
            out.send(fix6(bytes(IPv6(src=be, dst=cl) /
                                ICMPv6DestUnreach(code=1) / Raw(q))[:hl + 4]), 1)
    # A fragmented ICMP error (reassembled on the node, then translated).
    q = bytes(ip(fam, cl, be) / l4(TCP_P, tsport, 8080))
    if fam == 4:
        whole = bytes(ICMP(type=3, code=1) / Raw(q))
        for off, chunk in ((0, whole[:8]), (1, whole[8:])):
            out.send(fix4(bytes(IP(src=be, dst=cl, proto=1, id=77, frag=off,
                                   flags="MF" if not off else 0) /
                                Raw(chunk))), 1)
    else:
        # The checksum covers the pseudo-header: compute it on the whole.
        whole = bytes(IPv6(src=be, dst=cl) / ICMPv6DestUnreach(code=1) /
                      Raw(q))[40:]
        for off, chunk, m in ((0, whole[:8], 1), (1, whole[8:], 0)):
            out.send(IPv6(src=be, dst=cl) /
                     IPv6ExtHdrFragment(nh=58, offset=off, m=m, id=77) /
                     Raw(chunk), 1)
    return {}


def main():
    bns, cfg = sys.argv[1], json.loads(sys.argv[2])
    home = "/proc/self/ns/net"
    outs = {}
    with open(home) as h:
        here = f"/proc/{os.getpid()}/fd/{h.fileno()}"
        for fam in (4, 6):
            outs[fam] = [Sender(fam, cfg["c_iface"], cfg["c_mac"],
                                cfg["c_dst"])]
        setns(bns)
        for fam in (4, 6):
            outs[fam].append(Sender(fam, cfg["b_iface"], cfg["b_mac"],
                                    cfg["b_dst"]))
        setns(here)
    res = {}
    for fam in (4, 6):
        f = cfg[str(fam)]
        c, b = outs[fam]
        res[fam] = client(fam, c, f["client"], f["vip"], f["tcp_sport"],
                          f["udp_sport"])
        backend(fam, b, f["backend"], f["client"], f["tcp_sport"],
                f["udp_sport"])
        res[fam].update(sent=c.sent + b.sent)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
