#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reference Maglev tables and flow hashes for the module's self-tests.

An implementation of its own, in Python, of what kmod/sched_maglev.c and
svclb_flow_hash() compute: SipHash-2-4, the table sizes, the population of
the Maglev paper (Eisenbud et al., NSDI 2016, pseudocode 1) with weighted
turns, and the flow hash. It writes the expected results as C tables:

    kmod/selftest/maglev_gen.py > kmod/selftest/maglev_vectors.h

With --disruption it prints instead how many flows a backend's removal
moves beyond its own, for several backend counts and table sizes: the
figures that chose the table sizes.
"""

import socket
import struct
import sys

M64 = (1 << 64) - 1
AF = {4: 2, 6: 10}                  # AF_INET, AF_INET6 on Linux
TCP, UDP = 6, 17


def siphash24(k0, k1, data):
    """SipHash-2-4 of bytes data with the key (k0, k1), as in the paper."""
    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & M64

    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & M64
        v[1] = rotl(v[1], 13) ^ v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M64
        v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M64
        v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M64
        v[1] = rotl(v[1], 17) ^ v[2]
        v[2] = rotl(v[2], 32)

    whole = len(data) - len(data) % 8
    last = data[whole:] + bytes(7 - len(data) % 8) + bytes([len(data) & 0xff])
    for m in struct.unpack(f"<{whole // 8}Q", data[:whole]) + \
            struct.unpack("<Q", last):
        v[3] ^= m
        rnd()
        rnd()
        v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


# The test vector of the SipHash paper (appendix A).
assert siphash24(0x0706050403020100, 0x0f0e0d0c0b0a0908,
                 bytes(range(15))) == 0xa129ca6149be45e5

BE_KEY = (0x6d61676c65762d31, 0x7376636c622d6265)


def is_prime(n):
    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))


def largest_prime_below(n):
    n -= 1
    while not is_prime(n):
        n -= 1
    return n


# One backend: the largest prime below 2^8; more: below 2^13 ... 2^16, the
# smallest with 650 slots per backend, else the last.
SIZE_ONE = largest_prime_below(1 << 8)
SIZES = [largest_prime_below(1 << b) for b in (13, 14, 15, 16)]
SLOTS_PER_BACKEND = 650


def table_size(n):
    if n <= 1:
        return SIZE_ONE
    for size in SIZES:
        if size >= SLOTS_PER_BACKEND * n:
            return size
    return SIZES[-1]


def addr_bytes(text):
    """16 bytes: an IPv4 address then zeros, or an IPv6 address."""
    if ":" in text:
        return socket.inet_pton(socket.AF_INET6, text)
    return socket.inet_pton(socket.AF_INET, text) + bytes(12)


def backend_key(be):
    return addr_bytes(be[0]) + struct.pack(">H", be[1])


def build(backends, size=None):
    """The table: for each slot, the index of its backend in backends, a
    list of (address, port, weight) with weights above 0."""
    n = len(backends)
    m = size or table_size(n)
    order = sorted(range(n), key=lambda i: backend_key(backends[i]))
    pos, skip, credit = [], [], [0] * n
    for i in order:
        h = siphash24(*BE_KEY, backend_key(backends[i]))
        pos.append((h & 0xffffffff) % m)
        skip.append((h >> 32) % (m - 1) + 1)
    max_weight = max(be[2] for be in backends)
    table = [None] * m
    filled = 0
    while filled < m:
        for k, i in enumerate(order):
            if filled == m:
                break
            credit[k] += backends[i][2]
            if credit[k] < max_weight:
                continue
            credit[k] -= max_weight
            while table[pos[k]] is not None:
                pos[k] = (pos[k] + skip[k]) % m
            table[pos[k]] = i
            pos[k] = (pos[k] + skip[k]) % m
            filled += 1
    return table


def flow_hash(seed, family, src, sport, dst, dport, proto):
    """SipHash-2-4 keyed (seed, 0) of struct svclb_tuple (40 bytes)."""
    t = addr_bytes(src) + addr_bytes(dst) + struct.pack(
        ">HH", sport, dport) + struct.pack("=BBH", proto, AF[family], 0)
    return siphash24(seed, 0, t)


def fnv1a(values):
    h = 0x811c9dc5
    for v in values:
        for b in struct.pack("<H", v):
            h = ((h ^ b) * 0x01000193) & 0xffffffff
    return h


def c_str(s):
    return '"' + s + '"'


VECTORS = [
    ("3 backends, added out of order", 4, "10.96.0.10", 80, TCP,
     [("10.0.2.3", 8080, 1), ("10.0.2.1", 8080, 1), ("10.0.2.2", 8080, 1)]),
    ("the same but 10.0.2.2", 4, "10.96.0.10", 80, TCP,
     [("10.0.2.3", 8080, 1), ("10.0.2.1", 8080, 1)]),
    ("4 backends, weights 1 to 4", 4, "10.96.0.10", 53, UDP,
     [("10.0.2.%d" % i, 53, i) for i in (1, 2, 3, 4)]),
    ("IPv6, uneven weights, two ports", 6, "fd00:96::10", 443, TCP,
     [("fd00:2::1", 8443, 1), ("fd00:2::2", 8443, 65535),
      ("fd00:2::1", 8444, 100), ("fd00:2::3", 8443, 7),
      ("fd00:2::4", 8443, 1)]),
    ("one backend", 4, "10.96.0.11", 80, TCP, [("10.0.3.1", 80, 5)]),
    ("300 backends, 2-byte slots", 4, "10.96.0.12", 80, TCP,
     [("10.1.%d.%d" % (i // 200, i % 200 + 1), 8000 + i % 3, i % 5 + 1)
      for i in range(300)]),
]

CLIENTS = {4: [("10.0.1.2", 40000), ("10.0.1.2", 40001), ("192.0.2.77", 1),
               ("10.0.1.3", 65535)],
           6: [("fd00:1::2", 40000), ("fd00:1::2", 40001),
               ("2001:db8::77", 1)]}
SEEDS = [0, 1, 0xdeadbeefcafef00d]


def generate(out):
    w = out.write
    w("/* SPDX-License-Identifier: GPL-2.0 */\n")
    w("/* Generated by maglev_gen.py, the reference implementation. */\n\n")
    w("static const u32 st_mg_sizes[][2] __initconst = {\n")
    for n in (1, 2, 3, 12, 13, 25, 26, 50, 51, 100, 101, 655, 1000, 65521):
        w(f"\t{{ {n}, {table_size(n)} }},\n")
    w("};\n\n")
    for v, (name, fam, vip, vport, proto, bes) in enumerate(VECTORS):
        table = build(bes)
        w(f"/* {name} */\n")
        w(f"static const struct st_mg_be st_mg_be{v}[] __initconst = {{\n")
        for addr, port, weight in bes:
            w(f"\t{{ {c_str(addr)}, {port}, {weight} }},\n")
        w("};\n\n")
        w(f"static const u32 st_mg_count{v}[] __initconst = {{ ")
        w(", ".join(str(table.count(i)) for i in range(len(bes))))
        w(" };\n\n")
        w(f"static const struct st_mg_pick st_mg_pick{v}[] __initconst = {{\n")
        for seed in SEEDS:
            for caddr, cport in CLIENTS[fam]:
                h = flow_hash(seed, fam, caddr, cport, vip, vport, proto)
                w(f"\t{{ {c_str(caddr)}, {cport}, 0x{seed:x}ULL, "
                  f"0x{h:016x}ULL, {table[(h & 0xffffffff) % len(table)]} }},\n")
        w("};\n\n")
    w("static const struct st_mg_vector st_mg_vectors[] __initconst = {\n")
    for v, (name, fam, vip, vport, proto, bes) in enumerate(VECTORS):
        table = build(bes)
        w(f"\t{{ {c_str(name)}, AF_INET{'6' if fam == 6 else ''}, "
          f"{c_str(vip)}, {vport}, {proto},\n")
        w(f"\t  ARRAY_SIZE(st_mg_be{v}), st_mg_be{v}, st_mg_count{v},\n")
        w(f"\t  ARRAY_SIZE(st_mg_pick{v}), st_mg_pick{v},\n")
        w(f"\t  {len(table)}, 0x{fnv1a(table):08x} }},\n")
    w("};\n")


def disruption():
    """The share of flows that a backend's removal moves from the other
    backends, for n equal backends and table sizes of about 100 n to
    1300 n."""
    print("backends  slots  slots/backend  extra moved: mean  worst")
    for n in (3, 5, 10, 20, 50, 100):
        for size in (largest_prime_below(1 << b) for b in range(9, 17)):
            if size < 100 * n or size > 1400 * n:
                continue
            bes = [("10.0.2.%d" % (i + 1), 8080, 1) if i < 250 else
                   ("10.0.3.%d" % (i - 249), 8080, 1) for i in range(n)]
            full = [bes[i] for i in build(bes, size)]
            moved = []
            for r in range(min(n, 8)):
                rest = bes[:r] + bes[r + 1:]
                after = [rest[i] for i in build(rest, size)]
                moved.append(sum(1 for a, b in zip(full, after)
                                 if a != b and a != bes[r]) / size)
            print(f"{n:8d} {size:6d} {size / n:14.0f} "
                  f"{100 * sum(moved) / len(moved):17.2f}% "
                  f"{100 * max(moved):5.2f}%", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--disruption"]:
        disruption()
    else:
        generate(sys.stdout)
