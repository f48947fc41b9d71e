# SPDX-License-Identifier: GPL-2.0
"""Send, from a raw socket of this namespace, the error a router sends when
it cannot forward a UDP datagram from VIP:VPORT to CLIENT:CPORT for its size:
ICMP "fragmentation needed" or ICMPv6 "packet too big" with MTU, addressed to
VIP (the datagram's source), quoting the datagram's headers.

usage: icmperr.py VIP VPORT CLIENT CPORT MTU"""

import ipaddress
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    vip, vport, client, cport, mtu = sys.argv[1:]
    vip, client = ipaddress.ip_address(vip), ipaddress.ip_address(client)
    udp = struct.pack("!HHHH", int(vport), int(cport), 8 + 1400, 0)
    if vip.version == 4:
        qip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 1400, 1, 0x4000,
                          64, socket.IPPROTO_UDP, 0, vip.packed, client.packed)
        qip = qip[:10] + struct.pack("!H", csum(qip)) + qip[12:]
        body = struct.pack("!BBHHH", 3, 4, 0, 0, int(mtu)) + qip + udp
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    else:
        qip = struct.pack("!IHBB16s16s", 6 << 28, 8 + 1400, socket.IPPROTO_UDP,
                          64, vip.packed, client.packed)
        # The kernel checksums ICMPv6 sent from a raw socket.
        body = struct.pack("!BBHI", 2, 0, 0, int(mtu)) + qip + udp
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                          socket.IPPROTO_ICMPV6)
    s.sendto(body, (str(vip), 0))


if __name__ == "__main__":
    main()
