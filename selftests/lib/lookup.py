# SPDX-License-Identifier: GPL-2.0
"""Where many flows to a service go, as svcadm lookup tells, in one
process: prints a JSON list of {"new", "flow", "state", "hash"}, one per
tuple. The tuples are --generate N clients, which depend only on
--tuples-seed and the family of VIP, so that two runs (on two nodes, or
before and after a change) ask about the same flows; or --stdin, a JSON
list of [address, port] pairs."""

import argparse
import json
import random
import socket
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from genl import Genl, lookup_many, svc_key  # noqa: E402

PROTOS = {"tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP,
          "sctp": socket.IPPROTO_SCTP}


def tuples(count, v6, seed):
    """count (address, port) pairs, addresses in 10.128.0.0/10 or
    fd00:1::/64, ports from 1024 up."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        x = rng.getrandbits(22 if not v6 else 64)
        port = 1024 + rng.getrandbits(16) % 64512
        if v6:
            out.append(("fd00:1::%x:%x:%x:%x" % (x >> 48, x >> 32 & 0xffff,
                                                 x >> 16 & 0xffff, x & 0xffff),
                        port))
        else:
            out.append(("10.%d.%d.%d" % (128 + (x >> 16), x >> 8 & 255,
                                         x & 255), port))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("proto", choices=PROTOS)
    p.add_argument("vip")
    p.add_argument("port", type=int)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--generate", type=int, metavar="N")
    src.add_argument("--stdin", action="store_true")
    p.add_argument("--tuples-seed", type=int, default=1)
    a = p.parse_args()
    if a.stdin:
        clients = [tuple(c) for c in json.load(sys.stdin)]
    else:
        clients = tuples(a.generate, ":" in a.vip, a.tuples_seed)
    key = svc_key(a.vip, a.port, PROTOS[a.proto])
    json.dump(lookup_many(Genl(), key, clients), sys.stdout)
    print()


if __name__ == "__main__":
    main()
