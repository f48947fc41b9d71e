# SPDX-License-Identifier: GPL-2.0
"""A generic netlink fuzzer for the svclb family.

Sends COUNT generated and mutated requests (every command, every attribute;
wrong values, wrong types and lengths, missing and extra attributes, deep
and broken nests, huge counts, bad headers) in batches, deterministically
from SEED, and checks that:

  - every request is answered, by an ack, an error or the end of a dump;
  - the answer is the one predicted by a model of the kernel's validation
    (the genetlink core's strict policy checks, ranges included, then
    svclb's own) and of the tables, kept from the acknowledged requests;
    for svclb's own refusals the errno too; and a refusal comes from the
    side predicted, the core or svclb, as its extack message tells;
  - every refusal by svclb carries an extack message; refusals by the
    genetlink core without one are counted and listed, by reason;
  - a change request with a generation (SVCLB_A_GENERATION) passes when
    every change since that generation was the fuzzer's own (it is the only
    writer of its namespace), and is refused with ESTALE when the tables
    never had it; the model knows the generation before the fuzzer's first
    change and a lower bound of the current one, which every CONFIG_GET
    and every generation that passed raise, and accepts either answer for
    a generation between that bound and 2^31;
  - a dump of the services and the configuration read back match the model,
    every CHECK_EVERY requests and at the end.

Run it as root in a network namespace of its own: it flushes the tables.
usage: nlfuzz.py [--seed N] [--count N] [--check-every N] [--verbose]
Prints TAP; exits 1 on any failure."""

import argparse
import collections
import itertools
import random
import socket
import struct
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from genl import (NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP,  # noqa: E402
                  NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSGERR_ATTR_MSG,
                  SOL_NETLINK, NETLINK_CAP_ACK, Genl, parse_attrs)

EINVAL, ENOENT, EEXIST, ERANGE, E2BIG, ENOSPC = 22, 2, 17, 34, 7, 28
ESTALE = 116
EAFNOSUPPORT, EPROTONOSUPPORT, EOPNOTSUPP = 97, 93, 95
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NLM_F_ECHO = 0x8
AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6
TCP, UDP, SCTP = 6, 17, 132

(C_SVC_NEW, C_SVC_SET, C_SVC_DEL, C_SVC_GET, C_BE_NEW, C_BE_SET, C_BE_DEL,
 C_FLUSH, C_CFG_GET, C_CFG_SET, C_LOOKUP, C_FLOW_GET, C_FLOW_DEL) = range(1, 14)
CMD_MAX = C_FLOW_DEL
DUMPS = (C_SVC_GET, C_FLOW_GET)
# The commands that may change something: a generation is checked for them.
CHANGES = (C_SVC_NEW, C_SVC_SET, C_SVC_DEL, C_BE_NEW, C_BE_SET, C_BE_DEL,
           C_FLUSH, C_CFG_SET, C_FLOW_DEL)
A_SERVICE, A_BACKEND, A_CONFIG, A_LOOKUP, A_FLOW, A_GENERATION, A_STATS = \
    range(1, 8)
(S_FAMILY, S_PROTO, S_ADDR, S_PORT, S_SCHED, S_FLAGS, S_STATS,
 S_BACKENDS, S_AFFINITY, S_AFFINITY_TIMEOUT, S_FROM, S_MORE) = range(1, 13)
B_ADDR, B_PORT, B_WEIGHT, B_STATS, B_STATE = range(1, 6)
CFG_TIMEOUTS = list(range(1, 6))
(CFG_MAX_FLOWS, CFG_FLOWS, CFG_MASQ_MARK, CFG_MASQ_MASK, CFG_SEED, CFG_PAD,
 CFG_AFFINITY_ENTRIES, CFG_MAX_SERVICES, CFG_MAX_BACKENDS,
 CFG_GENERATION) = range(6, 16)
LK_CLIENT_ADDR, LK_CLIENT_PORT, LK_MAX = 1, 2, 7
WEIGHT_MAX, TIMEOUT_MAX, BACKENDS_MAX = 65535, 2000000, 65521
AFFINITY_TIMEOUT_DEFAULT = 10800

# The policies of kmod/netlink.c: ({type: kind}, maxtype). A kind is a type
# ("u8", "u16", "u32", "u64", "nest", "flag", "reject"), or what
# validate_nla() checks beyond the type: (int type, lowest, highest) value,
# ("mask", int type, mask), ("bin", shortest, longest), ("nulstr", longest
# without the NUL), ("nest", policy), ("array", policy).
U32_MAX = 0xffffffff
ADDR = ("bin", 4, 16)
PORT = ("u16", 1, 0xffff)
TIMEOUT = ("u32", 1, TIMEOUT_MAX)
BE_POL = ({B_ADDR: ADDR, B_PORT: PORT, B_WEIGHT: ("u32", 0, WEIGHT_MAX),
           B_STATS: "nest", B_STATE: ("u8", 0, 1)}, 5)
SVC_POL = ({S_FAMILY: "u16", S_PROTO: "u8", S_ADDR: ADDR, S_PORT: PORT,
            S_SCHED: ("nulstr", 15), S_FLAGS: ("mask", "u32", 3),
            S_STATS: "nest", S_BACKENDS: ("array", BE_POL),
            S_AFFINITY: ("u8", 0, 1), S_AFFINITY_TIMEOUT: TIMEOUT,
            S_FROM: ("u32", 0, BACKENDS_MAX), S_MORE: "flag"}, 12)
CFG_POL = ({**{t: TIMEOUT for t in CFG_TIMEOUTS},
            CFG_MAX_FLOWS: ("u32", 1, U32_MAX), CFG_FLOWS: "reject",
            CFG_MASQ_MARK: "u32", CFG_MASQ_MASK: "u32", CFG_SEED: "u64",
            CFG_AFFINITY_ENTRIES: "reject",
            CFG_MAX_SERVICES: ("u32", 1, U32_MAX),
            CFG_MAX_BACKENDS: ("u32", 1, BACKENDS_MAX),
            CFG_GENERATION: "reject"}, 15)
LK_POL = ({LK_CLIENT_ADDR: ADDR, LK_CLIENT_PORT: PORT}, LK_MAX)
TOP_POL = ({A_SERVICE: ("nest", SVC_POL), A_BACKEND: ("nest", BE_POL),
            A_CONFIG: ("nest", CFG_POL), A_LOOKUP: ("nest", LK_POL),
            A_FLOW: "reject", A_GENERATION: "u32", A_STATS: "flag"}, 7)
FIXED = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}
UNPACK = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}

# The extack messages of the genetlink core's refusals on 6.1: its header
# checks and policy validation (lib/nlattr.c), and the policies' own reject
# messages. svclb's refusals use none of them, but for the NLA_F_NESTED a
# backend of a list lacks, which its own parse of the entry finds.
CORE_MESSAGES = {
    "genlmsghdr.reserved field is not 0",
    "ambiguous or reserved bits set in nlmsg_flags",
    "Unknown attribute type", "Unsupported attribute",
    "NLA_F_NESTED is missing", "NLA_F_NESTED not expected",
    "invalid attribute length", "Attribute failed policy validation",
    "integer out of range", "binary attribute size out of range",
    "reserved bit set", "Array element too short",
    "bytes leftover after parsing attributes",
    "allowed policy recursion depth exceeded",
    "flows are read-only", "the number of flows is read-only",
    "the number of affinity entries is read-only",
    "the generation is read-only",
}
SVCLB_CORE_MESSAGES = {"a backend without NLA_F_NESTED":
                       "NLA_F_NESTED is missing"}

# The names of the objects requests are about: few, so that they collide.
VIPS = {AF_INET: [bytes([10, 96, 0, 10]), bytes([10, 96, 0, 11])],
        AF_INET6: [socket.inet_pton(AF_INET6, "fd00:96::10"),
                   socket.inet_pton(AF_INET6, "fd00:96::11")]}
BACKENDS = {AF_INET: [bytes([10, 0, 2, i]) for i in (1, 2, 3)],
            AF_INET6: [socket.inet_pton(AF_INET6, f"fd00:2::{i}")
                       for i in (1, 2, 3)]}
PORTS = [80, 65535]
BE_PORTS = [8080, 1]
SCHED_DEFAULT = b"maglev"
SCHED_CANDIDATES = ["rr", "wrr", "lc", "wlc", "mh", "maglev", "random",
                    "sh", "dh", "ring"]
BOGUS_SCHEDS = [b"", b"nope", b"RR", b"rr ", b"rrr", b"r", b"x" * 15,
                b"x" * 16, b"x" * 200, b"\xff\xfe"]


class Invalid(Exception):
    """The request is refused: by the genetlink core (core=True) or svclb."""

    def __init__(self, err, core, reason):
        super().__init__(reason)
        self.err, self.core, self.reason = err, core, reason


# Building: a node is [type, payload bytes] or [type, [children]] (a nest);
# flags ride in the type.
def leaf(t, data):
    return [t, data]


def nested(t, children):
    return [t | NLA_F_NESTED, children]


def ser(nodes):
    """The attributes' bytes; a node of type None is raw bytes."""
    out = []
    for t, v in nodes:
        if t is None:
            out.append(v)
            continue
        p = ser(v) if isinstance(v, list) else v
        n = 4 + len(p)
        if n > 0xffff:
            p, n = p[:0xffff - 4], 0xffff
        out.append(struct.pack("=HH", n, t & 0xffff) + p +
                   b"\0" * (-n % 4))
    return b"".join(out)


def u8(t, v):
    return leaf(t, struct.pack("=B", v & 0xff))


def u16(t, v):
    return leaf(t, struct.pack("=H", v & 0xffff))


def u32(t, v):
    return leaf(t, struct.pack("=I", v & 0xffffffff))


def u64(t, v):
    return leaf(t, struct.pack("=Q", v & (1 << 64) - 1))


# The kernel's view of a request.
def parse_strict(data, pol, where):
    """nla_parse() with NL_VALIDATE_STRICT: {type: payload}, last wins."""
    types, maxtype = pol
    tb = {}
    rem = len(data)
    off = 0
    unpack = struct.unpack_from
    while rem >= 4:
        alen, atype = unpack("=HH", data, off)
        if alen < 4 or alen > rem:
            break
        t = atype & 0x3fff
        if t == 0 or t > maxtype:
            raise Invalid(EINVAL, True, f"unknown attribute type in {where}")
        kind = types.get(t)
        if kind is None:
            raise Invalid(EINVAL, True, f"unsupported attribute in {where}")
        plen = alen - 4
        base = kind[0] if kind.__class__ is tuple else kind
        if base == "array" or base == "nest":
            if not atype & NLA_F_NESTED:
                raise Invalid(EINVAL, True, f"NLA_F_NESTED missing in {where}")
            if plen:
                if plen < 4:
                    raise Invalid(ERANGE, True,
                                  f"{base} of 1-3 bytes in {where}")
                if base == "array":
                    array_strict(data[off + 4:off + alen], kind[1],
                                 f"{where}/{t}")
                elif kind.__class__ is tuple:
                    parse_strict(data[off + 4:off + alen], kind[1],
                                 f"{where}/{t}")
        else:
            # validate_nla(): the length of a fixed-size type, then
            # NLA_F_NESTED, then the type's own checks, then the range.
            n = FIXED.get(kind[1] if base == "mask" else base)
            if n is not None and plen != n:
                raise Invalid(EINVAL, True,
                              f"bad length of a {base} in {where}")
            if atype & NLA_F_NESTED:
                raise Invalid(EINVAL, True,
                              f"NLA_F_NESTED unexpected in {where}")
            if base == "reject":
                raise Invalid(EINVAL, True, f"rejected attribute in {where}")
            if base == "flag" and plen:
                raise Invalid(ERANGE, True, f"flag with a payload in {where}")
            if base == "nulstr":
                longest = kind[1]
                if data.find(b"\0", off + 4,
                             off + 4 + min(plen, longest + 1)) < 0:
                    raise Invalid(EINVAL, True,
                                  f"string without NUL in {where}")
                if plen - (data[off + alen - 1] == 0) > longest:
                    raise Invalid(ERANGE, True, f"string too long in {where}")
            elif base == "bin":
                if not kind[1] <= plen <= kind[2]:
                    raise Invalid(ERANGE, True,
                                  f"binary of {plen} bytes in {where}")
            elif base == "mask":
                v = struct.unpack_from(UNPACK[kind[1]], data, off + 4)[0]
                if v & ~kind[2]:
                    raise Invalid(EINVAL, True, f"reserved bit set in {where}")
            elif kind.__class__ is tuple:
                v = struct.unpack_from(UNPACK[base], data, off + 4)[0]
                if not kind[1] <= v <= kind[2]:
                    raise Invalid(ERANGE, True,
                                  f"integer out of range in {where}")
        tb[t] = (off + 4, off + alen)
        step = (alen + 3) & ~3
        off += step
        rem -= step
    if rem > 0:
        raise Invalid(EINVAL, True, f"bytes left over in {where}")
    return {t: data[a:b] for t, (a, b) in tb.items()}


def array_strict(data, pol, where):
    """nla_validate_array(): each element is a nest of @pol; an empty one
    is skipped, and iteration stops silently at a broken header."""
    off = 0
    while off + 4 <= len(data):
        alen, _ = struct.unpack_from("=HH", data, off)
        if alen < 4 or off + alen > len(data):
            break
        if alen - 4:
            if alen - 4 < 4:
                raise Invalid(ERANGE, True, f"array element too short in "
                              f"{where}")
            parse_strict(data[off + 4:off + alen], pol, f"{where}[]")
        off += (alen + 3) & ~3


def get(tb, t, fmt):
    return struct.unpack("=" + fmt, tb[t])[0]


def multicast(addr):
    """svclb_addr_multicast(): IPv4 multicast or broadcast, IPv6 multicast."""
    if len(addr) == 4:
        return 224 <= addr[0] <= 239 or addr == b"\xff" * 4
    return addr[0] == 0xff


def loopback(addr):
    """svclb_addr_loopback(): 127.0.0.0/8 or ::1."""
    if len(addr) == 4:
        return addr[0] == 127
    return addr == bytes(15) + b"\x01"


def svc_key(attrs, cmd):
    """svclb_parse_svc_key(): the key, or Invalid."""
    if A_SERVICE not in attrs:
        raise Invalid(EINVAL, False, "missing service")
    tb = parse_strict(attrs[A_SERVICE], SVC_POL, "service")
    if S_STATS in tb:
        raise Invalid(EINVAL, False, "dump-only attribute in service")
    if cmd not in (C_SVC_NEW, C_SVC_SET) and (
            S_BACKENDS in tb or S_FROM in tb or S_MORE in tb):
        raise Invalid(EINVAL, False, "backend list outside NEW and SET")
    if S_FAMILY not in tb:
        raise Invalid(EINVAL, False, "missing family")
    fam = get(tb, S_FAMILY, "H")
    if fam not in (AF_INET, AF_INET6):
        raise Invalid(EAFNOSUPPORT, False, "bad family")
    for t in (S_PROTO, S_ADDR, S_PORT):
        if t not in tb:
            raise Invalid(EINVAL, False, f"missing service attribute {t}")
    proto = get(tb, S_PROTO, "B")
    if proto not in (TCP, UDP, SCTP):
        raise Invalid(EPROTONOSUPPORT, False, "bad protocol")
    if len(tb[S_ADDR]) != (4 if fam == AF_INET else 16):
        raise Invalid(EINVAL, False, "service address length")
    return (fam, proto, tb[S_ADDR], get(tb, S_PORT, "H")), tb


class Model:
    def __init__(self, scheds, config, since):
        self.scheds = scheds
        # key -> [sched, flags, {(addr, port): (weight, state)}, affinity,
        #         affinity timeout]
        self.svcs = {}
        self.config = dict(config)
        # The generation before the fuzzer's first change, and one the
        # tables have had since: every generation between them passes.
        self.gen_since = since
        self.gen_seen = self.config.pop(CFG_GENERATION)
        # A generation above gen_seen that the request being predicted
        # carries: the kernel may take it or refuse it (ESTALE).
        self.gen_unsure = None
        self.gens = {"passed": 0, "refused": 0}
        # The backend set the socket is staging: (key, [specs]) or None,
        # and how many parts were staged and completed.
        self.stage = None
        self.parts = {"staged": 0, "completed": 0}

    def svc_opts(self, tb, sched, flags):
        if S_SCHED in tb:
            name = tb[S_SCHED].split(b"\0", 1)[0]
            if name not in self.scheds:
                raise Invalid(ENOENT, False, "unknown scheduler")
            sched = name
        if S_FLAGS in tb:
            flags = get(tb, S_FLAGS, "I")
        return sched, flags

    @staticmethod
    def svc_affinity(tb, affinity, timeout):
        """svclb_parse_svc_affinity()."""
        if S_AFFINITY in tb:
            affinity = get(tb, S_AFFINITY, "B")
        if S_AFFINITY_TIMEOUT in tb:
            timeout = get(tb, S_AFFINITY_TIMEOUT, "I")
        return affinity, timeout

    def lookup(self, attrs, cmd):
        key, tb = svc_key(attrs, cmd)
        if key not in self.svcs:
            raise Invalid(ENOENT, False, "no such service")
        return key, tb

    def backend(self, attrs, cmd):
        key, _ = self.lookup(attrs, cmd)
        if A_BACKEND not in attrs:
            raise Invalid(EINVAL, False, "missing backend")
        be, weight, state = self.be_spec(attrs[A_BACKEND], key[0])
        return key, be, weight, state

    def be_list(self, data, fam):
        """svclb_parse_be_list() and svclb_sort_be_list():
        {(addr, port): (weight, state)}, or Invalid."""
        return self.be_dedup(self.be_specs(data, fam, 0))

    @staticmethod
    def be_dedup(specs):
        """Every backend is parsed before repeats are looked for."""
        bes = {}
        for be, weight, state in specs:
            if be in bes:
                raise Invalid(EINVAL, False, "a backend twice in the list")
            bes[be] = (1 if weight is None else weight,
                       0 if state is None else state)
        return bes

    def request_be_list(self, tb, key, absent):
        """svclb_request_be_list(): the whole list, @absent when the
        request has none, or STAGED for a part that is only kept."""
        more = S_MORE in tb
        frm = get(tb, S_FROM, "I") if S_FROM in tb else 0
        if S_BACKENDS not in tb and (more or S_FROM in tb):
            self.stage = None
            raise Invalid(EINVAL, False, "a part without its list")
        if not more and not frm:
            return self.be_list(tb[S_BACKENDS], key[0]) \
                if S_BACKENDS in tb else absent
        st, self.stage = self.stage, None
        if more and any(t in tb for t in (S_SCHED, S_FLAGS, S_AFFINITY,
                                          S_AFFINITY_TIMEOUT)):
            raise Invalid(EINVAL, False, "a part with more than backends")
        if not frm:
            st = (key, [])
        elif st is None or st[0] != key or len(st[1]) != frm:
            raise Invalid(EINVAL, False, "earlier parts missing")
        st[1].extend(self.be_specs(tb[S_BACKENDS], key[0], len(st[1])))
        if more:
            self.stage = st
            self.parts["staged"] += 1
            return STAGED
        self.parts["completed"] += 1
        return self.be_dedup(st[1])

    def be_specs(self, data, fam, staged):
        """svclb_parse_be_list(): the specs in order, or Invalid. The
        entries are counted in order after the @staged ones, each one's
        type checked before it counts."""
        items = []
        off = 0
        while off + 4 <= len(data):
            alen, atype = struct.unpack_from("=HH", data, off)
            if alen < 4 or off + alen > len(data):
                break
            if atype & 0x3fff != A_BACKEND:
                raise Invalid(EINVAL, False, "not a backend in the list")
            items.append(data[off:off + alen])
            if staged + len(items) > self.config[CFG_MAX_BACKENDS]:
                raise Invalid(E2BIG, False, "more backends than max-backends")
            off += (alen + 3) & ~3
        specs = []
        for item in items:
            if not struct.unpack_from("=H", item, 2)[0] & NLA_F_NESTED:
                raise Invalid(EINVAL, False, "a backend without NLA_F_NESTED")
            specs.append(self.be_spec(item[4:], fam))
        return specs

    def be_spec(self, data, fam):
        """svclb_parse_be(): (addr, port), weight or None, state or
        None."""
        key = (fam,)
        tb = parse_strict(data, BE_POL, "backend")
        if B_STATS in tb:
            raise Invalid(EINVAL, False, "backend statistics")
        if B_ADDR not in tb or B_PORT not in tb:
            raise Invalid(EINVAL, False, "missing backend address or port")
        alen = len(tb[B_ADDR])
        if alen not in (4, 16):
            raise Invalid(EINVAL, False, "backend address length")
        if (AF_INET if alen == 4 else AF_INET6) != key[0]:
            raise Invalid(EAFNOSUPPORT, False, "backend family")
        if not any(tb[B_ADDR]) or multicast(tb[B_ADDR]):
            raise Invalid(EINVAL, False, "backend address not unicast")
        weight = get(tb, B_WEIGHT, "I") if B_WEIGHT in tb else None
        state = get(tb, B_STATE, "B") if B_STATE in tb else None
        return (tb[B_ADDR], get(tb, B_PORT, "H")), weight, state

    def predict(self, nlflags, body):
        """The answer to a request: (0, effect) or raises Invalid. The
        effect is applied by apply() once the kernel acknowledged it."""
        if not nlflags & NLM_F_REQUEST:
            return None
        if len(body) < 4:
            raise Invalid(EINVAL, True, "short genetlink header")
        if struct.unpack_from("=H", body, 2)[0]:
            raise Invalid(EINVAL, True, "reserved header field")
        dump = nlflags & NLM_F_DUMP == NLM_F_DUMP
        if (nlflags & ~NLM_F_DUMP if dump else nlflags) & ~(
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO):
            raise Invalid(EINVAL, True, "reserved nlmsg flags")
        cmd = body[0]
        if not 1 <= cmd <= CMD_MAX:
            raise Invalid(EOPNOTSUPP, True, "unknown command")
        if dump != (cmd in DUMPS):
            raise Invalid(EOPNOTSUPP, True,
                          "dump of a command without one" if dump else
                          "request for a dump-only command")
        attrs = parse_strict(body[4:], TOP_POL, "message")
        if cmd in CHANGES and A_GENERATION in attrs:
            self.generation(get(attrs, A_GENERATION, "I"))
        if cmd == C_SVC_GET:
            if A_SERVICE in attrs:
                self.lookup(attrs, cmd)
            return (cmd,)
        if cmd in (C_FLUSH, C_CFG_GET):
            return (cmd,)
        if cmd == C_FLOW_GET:
            if A_SERVICE in attrs:
                svc_key(attrs, cmd)
            return (cmd,)
        if cmd == C_FLOW_DEL:
            if A_BACKEND in attrs:
                if A_SERVICE not in attrs:
                    raise Invalid(EINVAL, False, "a backend without service")
                key, be, _, _ = self.backend(attrs, cmd)
                if be not in self.svcs[key][2]:
                    raise Invalid(ENOENT, False, "no such backend")
            elif A_SERVICE in attrs:
                self.lookup(attrs, cmd)
            return (cmd,)
        if cmd == C_SVC_NEW:
            key, tb = svc_key(attrs, cmd)
            sched, flags = self.svc_opts(tb, SCHED_DEFAULT, 0)
            if multicast(key[2]) or loopback(key[2]):
                raise Invalid(EINVAL, False,
                              "multicast or loopback service address")
            aff = self.svc_affinity(tb, 0, AFFINITY_TIMEOUT_DEFAULT)
            if S_MORE in tb and key in self.svcs:
                raise Invalid(EEXIST, False, "service exists")
            bes = self.request_be_list(tb, key, {})
            if bes is STAGED:
                return None
            if key in self.svcs:
                raise Invalid(EEXIST, False, "service exists")
            if len(self.svcs) >= self.config[CFG_MAX_SERVICES]:
                raise Invalid(ENOSPC, False, "max-services reached")
            return (cmd, key, sched, flags, bes, aff)
        if cmd in (C_SVC_SET, C_SVC_DEL, C_LOOKUP):
            key, tb = self.lookup(attrs, cmd)
            if cmd == C_SVC_DEL:
                return (cmd, key)
            if cmd == C_LOOKUP:
                self.lookup_request(attrs, key[0])
                return (cmd,)
            svc = self.svcs[key]
            sched, flags = self.svc_opts(tb, svc[0], svc[1])
            aff = self.svc_affinity(tb, svc[3], svc[4])
            bes = self.request_be_list(tb, key, None)
            if bes is STAGED:
                return None
            return (cmd, key, sched, flags, bes, aff)
        if cmd in (C_BE_NEW, C_BE_SET, C_BE_DEL):
            key, be, weight, state = self.backend(attrs, cmd)
            exists = be in self.svcs[key][2]
            if cmd == C_BE_NEW and exists:
                raise Invalid(EEXIST, False, "backend exists")
            if cmd != C_BE_NEW and not exists:
                raise Invalid(ENOENT, False, "no such backend")
            if (cmd == C_BE_NEW and
                    len(self.svcs[key][2]) >= self.config[CFG_MAX_BACKENDS]):
                raise Invalid(E2BIG, False, "max-backends reached")
            return (cmd, key, be, weight, state)
        # C_CFG_SET
        if A_CONFIG not in attrs:
            raise Invalid(EINVAL, False, "missing config")
        tb = parse_strict(attrs[A_CONFIG], CFG_POL, "config")
        new = {t: get(tb, t, "Q" if t == CFG_SEED else "I") for t in tb}
        # A mark given alone comes with a mask of its own bits.
        if CFG_MASQ_MARK in new and CFG_MASQ_MASK not in new:
            new[CFG_MASQ_MASK] = new[CFG_MASQ_MARK]
        mark = new.get(CFG_MASQ_MARK, self.config.get(CFG_MASQ_MARK, 0))
        mask = new.get(CFG_MASQ_MASK, self.config.get(CFG_MASQ_MASK, 0))
        if mark & ~mask:
            raise Invalid(EINVAL, False, "masquerade mark outside its mask")
        return (cmd, new)

    def generation(self, gen):
        """svclb_pre_doit(): the fuzzer's socket made every change since
        gen_since, so the generations from there to the current one pass;
        a refusal drops the set the socket was staging."""
        if gen and self.gen_since <= gen <= self.gen_seen:
            self.gens["passed"] += 1
            return
        if not gen or gen < self.gen_since or gen >= 1 << 31:
            self.stage = None
            self.gens["refused"] += 1
            raise Invalid(ESTALE, False, "a generation the tables never had")
        self.gen_unsure = gen

    @staticmethod
    def lookup_request(attrs, fam):
        """svclb_parse_lookup()."""
        if A_LOOKUP not in attrs:
            raise Invalid(EINVAL, False, "missing lookup")
        tb = parse_strict(attrs[A_LOOKUP], LK_POL, "lookup")
        if LK_CLIENT_ADDR not in tb or LK_CLIENT_PORT not in tb:
            raise Invalid(EINVAL, False, "missing client address or port")
        if len(tb[LK_CLIENT_ADDR]) != (4 if fam == AF_INET else 16):
            raise Invalid(EAFNOSUPPORT, False, "client address family")

    def apply(self, eff):
        if eff is None:
            return
        cmd = eff[0]
        if cmd == C_FLUSH:
            self.svcs.clear()
        elif cmd in (C_SVC_NEW, C_SVC_SET):
            _, key, sched, flags, bes, (affinity, timeout) = eff
            svc = self.svcs.setdefault(key, [None, 0, {}, 0, 0])
            svc[:2] = [sched, flags]
            svc[3:] = [affinity, timeout]
            if bes is not None:
                svc[2] = bes
        elif cmd == C_SVC_DEL:
            del self.svcs[eff[1]]
        elif cmd in (C_BE_NEW, C_BE_SET):
            _, key, be, weight, state = eff
            bes = self.svcs[key][2]
            old_weight, old_state = bes.get(be, (1, 0))
            bes[be] = (old_weight if weight is None else weight,
                       old_state if state is None else state)
        elif cmd == C_BE_DEL:
            del self.svcs[eff[1]][2][eff[2]]
        elif cmd == C_CFG_SET:
            self.config.update(eff[1])


# What Model.request_be_list() returns for a part that is only staged.
STAGED = object()

# How often each command is generated: mostly changes, rarely a flush.
CMD_CUM = list(itertools.accumulate(
    (120, 60, 40, 20, 140, 60, 40, 1, 20, 30, 30, 20, 20)))


class Gen:
    """Requests: a valid one for a random command, then mutations."""

    def __init__(self, rnd, scheds, model):
        self.r = rnd
        self.scheds = sorted(scheds)
        self.model = model  # for the generations it knows
        # The last part generated with more to follow: (command, family,
        # key attributes, backends staged if it was accepted).
        self.part = None

    def key(self):
        r = self.r
        fam = r.choice((AF_INET, AF_INET6))
        return fam, [u16(S_FAMILY, fam), u8(S_PROTO, r.choice((TCP, UDP, SCTP))),
                     leaf(S_ADDR, r.choice(VIPS[fam])),
                     u16(S_PORT, r.choice(PORTS))]

    def valid(self):
        r = self.r
        cmd = r.choices(range(1, CMD_MAX + 1), cum_weights=CMD_CUM)[0]
        flags = NLM_F_REQUEST | NLM_F_ACK
        top = []
        if cmd in DUMPS:
            flags |= NLM_F_DUMP
        if cmd in (C_FLOW_GET, C_FLOW_DEL) and r.random() < 0.3:
            pass  # every flow
        elif cmd in (C_SVC_NEW, C_SVC_SET, C_SVC_DEL, C_BE_NEW, C_BE_SET,
                     C_BE_DEL, C_LOOKUP, C_FLOW_GET, C_FLOW_DEL):
            fam, key = self.key()
            if cmd in (C_SVC_NEW, C_SVC_SET):
                if r.random() < 0.4:
                    key.append(leaf(S_SCHED, r.choice(self.scheds) + b"\0"))
                if r.random() < 0.4:
                    key.append(u32(S_FLAGS, r.randint(0, 3)))
                if r.random() < 0.3:
                    key.append(u8(S_AFFINITY, r.randint(0, 1)))
                if r.random() < 0.3:
                    key.append(u32(S_AFFINITY_TIMEOUT, r.choice(
                        (1, 10800, TIMEOUT_MAX, r.randint(1, TIMEOUT_MAX)))))
                nbe = r.choice((0, 1, 2, 3))
                part = self.part if self.part and r.random() < 0.8 else None
                if part:  # the next part of the set last staged
                    cmd, fam, key, staged = part
                    key = list(key)
                if part or r.random() < 0.3:
                    key.append(nested(S_BACKENDS, [
                        nested(A_BACKEND, self.backend(fam, True))
                        for _ in range(nbe)]))
                    # A part of a staged set, at a likely position.
                    if part or r.random() < 0.3:
                        key.append(u32(S_FROM, staged if part else
                                       r.choice((0, 1, 2, 3, 4, 6))))
                    if r.random() < 0.3:
                        key.append(leaf(S_MORE, b""))
                        # Mostly as it should be: no option in such a part.
                        if r.random() < 0.8:
                            key = [a for a in key if a[0] & 0x3fff not in (
                                S_SCHED, S_FLAGS, S_AFFINITY,
                                S_AFFINITY_TIMEOUT)]
                        self.part = (cmd, fam, [a for a in key
                                                if a[0] & 0x3fff <= S_PORT],
                                     (staged if part else 0) + nbe)
                    elif part:
                        self.part = None
            r.shuffle(key)
            top.append(nested(A_SERVICE, key))
            if cmd in (C_BE_NEW, C_BE_SET, C_BE_DEL) or (
                    cmd == C_FLOW_DEL and r.random() < 0.5):
                top.append(nested(A_BACKEND, self.backend(
                    fam, cmd in (C_BE_NEW, C_BE_SET))))
            if cmd == C_LOOKUP:
                top.append(nested(A_LOOKUP, [
                    leaf(LK_CLIENT_ADDR, r.choice(BACKENDS[fam])),
                    u16(LK_CLIENT_PORT, r.choice((1, 40000, 65535)))]))
        elif cmd == C_CFG_SET:
            cfg = [u32(t, r.choice((1, 30, 3600, TIMEOUT_MAX,
                                    r.randint(1, TIMEOUT_MAX))))
                   for t in CFG_TIMEOUTS if r.random() < 0.3]
            if r.random() < 0.3:
                cfg.append(u32(CFG_MAX_FLOWS, r.choice(
                    (1, 1000, 1 << 20, 0xffffffff))))
            # Bounds small enough to be reached, and back to roomy ones.
            if r.random() < 0.1:
                cfg.append(u32(CFG_MAX_SERVICES, r.choice(
                    (0, 1, 3, 8, 65536, 0xffffffff))))
            if r.random() < 0.1:
                cfg.append(u32(CFG_MAX_BACKENDS, r.choice(
                    (0, 1, 2, 4, BACKENDS_MAX, BACKENDS_MAX + 1))))
            if r.random() < 0.2:
                cfg.append(u64(CFG_SEED, r.choice((0, 1, r.getrandbits(64)))))
            top.append(nested(A_CONFIG, cfg))
        # A generation on a fifth of the changes; now and then on a read,
        # which ignores it.
        if r.random() < (0.2 if cmd in CHANGES else 0.05):
            top.insert(r.randint(0, len(top)),
                       u32(A_GENERATION, self.generation()))
        return cmd, flags, top

    def generation(self):
        """Mostly one the tables had since the fuzzer's first change, which
        passes; else one they never had, or may not have had yet."""
        r, lo, hi = self.r, self.model.gen_since, self.model.gen_seen
        return r.choice((lo, hi, hi, hi, r.randint(lo, hi), r.randint(lo, hi),
                         0, max(lo - 1, 0), hi + r.randint(1, 100),
                         0xffffffff, r.randint(1 << 31, 0xffffffff)))

    def backend(self, fam, options):
        """A backend nest's attributes, with a weight and state or not."""
        r = self.r
        be = [leaf(B_ADDR, r.choice(BACKENDS[fam])),
              u16(B_PORT, r.choice(BE_PORTS))]
        if options and r.random() < 0.5:
            be.append(u32(B_WEIGHT, r.choice(
                (0, 1, 2, 100, WEIGHT_MAX, r.randint(0, WEIGHT_MAX)))))
        if options and r.random() < 0.3:
            be.append(u8(B_STATE, r.randint(0, 1)))
        r.shuffle(be)
        return be

    # Mutations of the tree.
    def nodes(self, tree, nests=False):
        """Every (list, index) of the tree, nests only if asked."""
        out = []
        for i, n in enumerate(tree):
            if n[0] is None:
                continue
            if isinstance(n[1], list):
                out.append((tree, i))
                out += self.nodes(n[1], nests)
            elif not nests:
                out.append((tree, i))
        return out

    def lists(self, tree):
        out = [tree]
        for n in tree:
            if isinstance(n[1], list):
                out += self.lists(n[1])
        return out

    def rand_value(self, t):
        r = self.r
        return r.choice((
            lambda: struct.pack("=H", r.choice((0, 1, 2, 10, 99, 0xffff))),
            lambda: struct.pack("=B", r.choice((0, 1, 6, 17, 58, 132, 255))),
            lambda: struct.pack("=I", r.choice(
                (0, 1, 2, 0x80, WEIGHT_MAX + 1, TIMEOUT_MAX + 1,
                 0xffffffff, r.getrandbits(32)))),
            lambda: struct.pack("=Q", r.getrandbits(64)),
            lambda: r.randbytes(r.choice((0, 1, 2, 3, 4, 5, 8, 15, 16, 17,
                                          32, 255))),
            lambda: r.choice(BOGUS_SCHEDS) + r.choice((b"\0", b"")),
            lambda: r.choice(self.scheds) + r.choice((b"", b"\0", b"\0xyz")),
        ))()

    def rand_node(self, depth=0):
        r = self.r
        t = r.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 30, 0x3fff,
                      r.randint(0, 0x3fff)))
        if depth < 3 and r.random() < 0.25:
            return nested(t, [self.rand_node(depth + 1)
                              for _ in range(r.randint(0, 3))])
        return leaf(t, self.rand_value(t))

    def deep(self, inner, depth):
        """@inner (bytes) in @depth nests, most with NLA_F_NESTED."""
        r = self.r
        inner += b"\0" * (-len(inner) % 4)
        types = r.choices((S_STATS, S_BACKENDS, B_STATS, A_SERVICE, 1, 9),
                          k=depth)
        bare = r.randrange(2 * depth)  # one level without NLA_F_NESTED
        hdrs = [struct.pack("=HH", 4 * (depth - k) + len(inner),
                            types[k] | (0 if k == bare else NLA_F_NESTED))
                for k in range(depth)]
        return [None, b"".join(hdrs) + inner]

    def mutate(self, cmd, flags, top):
        """One mutation of the tree, in place; returns cmd and flags."""
        r = self.r
        kind = r.randrange(8)
        spots = self.nodes(top)
        if kind == 0 and spots:  # wrong value, right framing
            lst, i = r.choice(spots)
            if not isinstance(lst[i][1], list):
                lst[i] = leaf(lst[i][0], self.rand_value(lst[i][0]))
        elif kind == 1 and spots:  # wrong type, flags or length
            lst, i = r.choice(spots)
            t, v = lst[i]
            how = r.randrange(4)
            if how == 0:
                lst[i] = [r.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                    0x3fff)) |
                          (t & NLA_F_NESTED), v]
            elif how == 1:
                if isinstance(v, list) and r.random() < 0.5:
                    v = ser(v)
                lst[i] = [t ^ NLA_F_NESTED, v]
            elif how == 2:
                lst[i] = [t | NLA_F_NET_BYTEORDER, v]
            elif not isinstance(v, list):
                lst[i] = [t, v[:r.randrange(len(v) + 1)] if r.random() < 0.5
                          else v + r.randbytes(r.randint(1, 9))]
        elif kind == 2 and spots:  # missing attribute
            lst, i = r.choice(spots)
            del lst[i]
        elif kind == 3:  # extra attribute, anywhere
            lst = r.choice(self.lists(top))
            extra = r.choice((
                lambda: self.rand_node(),
                lambda: nested(r.choice((S_STATS, S_BACKENDS, B_STATS)), []),
                lambda: u32(r.choice((CFG_FLOWS, CFG_AFFINITY_ENTRIES,
                                      CFG_GENERATION)), 5),
                lambda: list(r.choice(lst)) if lst else self.rand_node(),
                lambda: nested(r.choice((A_SERVICE, A_BACKEND, A_CONFIG,
                                         A_LOOKUP)), self.valid()[2]),
            ))()
            lst.insert(r.randint(0, len(lst)), extra)
        elif kind == 4:  # deep nest
            lst = r.choice(self.lists(top))
            inner = ser([self.rand_node()]) if r.random() < 0.5 else b""
            lst.insert(r.randint(0, len(lst)),
                       self.deep(inner, r.choice((2, 2, 16, 16, 64, 500, 4000))))
        elif kind == 5 and spots:  # huge count of one attribute
            lst, i = r.choice(spots)
            one = ser([lst[i]])
            n = r.choice((2, 10, 10, 100, 100, 1000, 3000))
            n = max(1, min(n, 60000 // max(len(one), 4)))
            lst.insert(i + 1, [None, one * n])
        elif kind == 6:  # another command
            cmd = r.choice((0, r.randint(1, CMD_MAX), CMD_MAX + 1, 200, 255))
        elif kind == 7:  # other header flags
            flags ^= r.choice((NLM_F_DUMP, 0x100, 0x200, NLM_F_REQUEST,
                               NLM_F_ECHO, 0x800))
            flags |= NLM_F_ACK
        return cmd, flags

    def mangle(self, body):
        """Byte-level damage: a broken length, truncation, trailing bytes
        or flipped bits."""
        r = self.r
        how = r.randrange(4)
        if how == 0:
            off = r.choice(self.offsets(body))
            n = r.choice((0, 1, 3, 4, 5, 0xfff, 0xffff,
                          r.randint(0, max(0, len(body) - off) + 8)))
            return body[:off] + struct.pack("=H", n) + body[off + 2:]
        if how == 1:
            return body[:r.randrange(len(body))]
        if how == 2:
            return body + r.randbytes(r.randint(1, 7))
        b = bytearray(body)
        for _ in range(r.randint(1, 4)):
            b[r.randrange(len(b))] ^= 1 << r.randrange(8)
        return bytes(b)

    @staticmethod
    def offsets(data):
        """Where attribute headers start, nests included."""
        out, todo = [], [(0, len(data))]
        while todo:
            off, end = todo.pop()
            while off + 4 <= end:
                alen, atype = struct.unpack_from("=HH", data, off)
                if alen < 4 or off + alen > end:
                    break
                out.append(off)
                if atype & NLA_F_NESTED:
                    todo.append((off + 4, off + alen))
                off += (alen + 3) & ~3
        return out or [0]

    def request(self):
        """(nlmsg flags, genetlink header and attributes, unmutated)."""
        r = self.r
        cmd, flags, top = self.valid()
        version, reserved = 1, 0
        pristine = r.random() < 0.3
        if not pristine:
            for _ in range(r.choice((1, 1, 1, 2, 3))):
                cmd, flags = self.mutate(cmd, flags, top)
        body = ser(top)
        if not pristine:
            if body and r.random() < 0.25:
                body = self.mangle(body)
            if r.random() < 0.03:
                body = r.randbytes(r.randint(0, 300))
            if r.random() < 0.05:
                version, reserved = r.randrange(256), r.randrange(65536)
        full = struct.pack("=BBH", cmd & 0xff, version, reserved) + body
        if not pristine and r.random() < 0.02:
            full = full[:r.randrange(4)]
        return flags, full, pristine


class Fuzzer:
    def __init__(self, seed):
        self.g = Genl()
        s = self.g.sock
        s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        for opt in (33, 32):  # SO_RCVBUFFORCE, SO_SNDBUFFORCE
            s.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
        s.settimeout(300)
        self.buf = bytearray(1 << 16)
        self.seed = seed
        # failures by kind: answer, prediction, extack, dump
        self.failures = {k: [] for k in ("answer", "prediction", "extack",
                                         "dump")}
        self.stats = {"ack": 0, "error": 0, "core": 0, "svclb": 0,
                      "pristine": 0, "mutated": 0}
        self.no_extack = {}
        self.extack_seen = {}

    def fail(self, kind, msg):
        self.failures[kind].append(msg)

    def nfail(self):
        return sum(len(v) for v in self.failures.values())

    def raw(self, flags, full, seq):
        return struct.pack("=IHHII", 16 + len(full), self.g.family, flags,
                           seq, 0) + full

    def exchange(self, msgs):
        """Send [(seq, bytes)] at once; {seq: (errno, extack, replies)}."""
        self.g.sock.send(b"".join(m + b"\0" * (-len(m) % 4) for _, m in msgs))
        want = {seq for seq, _ in msgs}
        out = {}
        replies = {}
        while want:
            try:
                n = self.g.sock.recv_into(self.buf)
            except socket.timeout:
                for seq in sorted(want):
                    self.fail("answer", f"seq {seq}: no answer")
                break
            data = memoryview(self.buf)[:n]
            off = 0
            while off + 16 <= n:
                mlen, mtype, mflags, seq, _ = struct.unpack_from("=IHHII",
                                                                 data, off)
                if mlen < 16:
                    break
                msg = bytes(data[off + 16:off + mlen])
                off += (mlen + 3) & ~3
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err = -struct.unpack_from("=i", msg)[0] if msg else 0
                    out[seq] = (err, self.extack(msg, mflags, mtype),
                                replies.pop(seq, []))
                    want.discard(seq)
                else:
                    replies.setdefault(seq, []).append(msg)
        return out

    @staticmethod
    def extack(msg, flags, mtype):
        if not flags & NLM_F_ACK_TLVS:
            return ""
        if mtype == NLMSG_DONE:
            off = 4
        else:
            olen = struct.unpack_from("=I", msg, 4)[0]
            off = 4 + (16 if flags & NLM_F_CAPPED else olen)
        for atype, val in parse_attrs(msg[(off + 3) & ~3:]):
            if atype == NLMSGERR_ATTR_MSG:
                return val.rstrip(b"\0").decode(errors="replace")
        return ""

    def seq(self):
        self.g.seq += 1
        return self.g.seq

    def simple(self, cmd, flags, top):
        seq = self.seq()
        full = struct.pack("=BBH", cmd, 1, 0) + ser(top)
        return self.exchange([(seq, self.raw(flags, full, seq))]).get(
            seq, (-1, "", []))

    def setup(self):
        req = NLM_F_REQUEST | NLM_F_ACK
        since = self.config()[CFG_GENERATION]
        self.simple(C_FLUSH, req, [])
        key = [u16(S_FAMILY, AF_INET), u8(S_PROTO, TCP),
               leaf(S_ADDR, bytes([10, 96, 1, 1])), u16(S_PORT, 1)]
        scheds = set()
        for name in SCHED_CANDIDATES:
            err, _, _ = self.simple(C_SVC_NEW, req, [nested(A_SERVICE, key + [
                leaf(S_SCHED, name.encode() + b"\0")])])
            if not err:
                scheds.add(name.encode())
                self.simple(C_SVC_DEL, req, [nested(A_SERVICE, key)])
        return scheds, self.config(), since

    def config(self):
        _, _, replies = self.simple(C_CFG_GET, NLM_F_REQUEST | NLM_F_ACK, [])
        cfg = {}
        for msg in replies:
            for t, v in parse_attrs(msg[4:]):
                if t == A_CONFIG:
                    cfg = {ct: struct.unpack("=Q" if len(cv) == 8 else "=I",
                                             cv)[0]
                           for ct, cv in parse_attrs(v)}
        return cfg

    def services(self):
        _, _, replies = self.simple(C_SVC_GET, NLM_F_REQUEST | NLM_F_ACK |
                                    NLM_F_DUMP, [])
        out = {}
        for msg in replies:
            for t, v in parse_attrs(msg[4:]):
                if t != A_SERVICE:
                    continue
                a = dict(parse_attrs(v))
                key = (struct.unpack("=H", a[S_FAMILY])[0], a[S_PROTO][0],
                       a[S_ADDR], struct.unpack("=H", a[S_PORT])[0])
                svc = out.setdefault(key, [
                    a[S_SCHED].rstrip(b"\0"),
                    struct.unpack("=I", a[S_FLAGS])[0], {}, a[S_AFFINITY][0],
                    struct.unpack("=I", a[S_AFFINITY_TIMEOUT])[0]])
                for _, be in parse_attrs(a.get(S_BACKENDS, b"")):
                    b = dict(parse_attrs(be))
                    svc[2][(b[B_ADDR], struct.unpack("=H", b[B_PORT])[0])] = (
                        struct.unpack("=I", b[B_WEIGHT])[0], b[B_STATE][0])
        return out

    def consistent(self, model, where):
        got = self.services()
        if got != model.svcs:
            self.fail("dump", f"{where}: the dump differs from the model: "
                      f"{len(got)} services dumped, {len(model.svcs)} "
                      f"expected; first difference: {diff(got, model.svcs)}")
            model.svcs = got  # report each divergence once
        cfg = self.config()
        model.gen_seen = max(model.gen_seen, cfg.pop(CFG_GENERATION))
        exp = {**cfg, **model.config}
        if cfg != exp:
            self.fail("dump", f"{where}: configuration {cfg} differs from "
                      f"the model {exp}")
            model.config = cfg

    def run(self, count, check_every):
        scheds, cfg, since = self.setup()
        model = Model(scheds, cfg, since)
        gen = Gen(random.Random(self.seed), scheds, model)
        sent = checks = last_check = 0
        while sent < count and self.nfail() < 50:
            batch, size = [], 0
            while sent < count and len(batch) < 32 and size < 100000:
                flags, full, pristine = gen.request()
                seq = self.seq()
                m = self.raw(flags, full, seq)
                batch.append((seq, m, flags, full))
                self.stats["pristine" if pristine else "mutated"] += 1
                size += len(m)
                sent += 1
                if flags & NLM_F_DUMP == NLM_F_DUMP:
                    break  # one dump at a time per socket
            ans = self.exchange([(b[0], b[1]) for b in batch])
            for seq, m, flags, full in batch:
                if seq in ans:
                    self.check(model, ans[seq], flags, full, seq)
            if check_every and sent - last_check >= check_every:
                last_check = sent
                checks += 1
                self.consistent(model, f"after {sent} requests")
        checks += 1
        self.consistent(model, f"at the end ({sent} requests)")
        return sent, checks, model

    def check(self, model, ans, flags, full, seq):
        err, ext, replies = ans
        model.gen_unsure = None
        try:
            eff = model.predict(flags, full)
            want, core, reason = 0, False, ""
        except Invalid as e:
            eff, want, core, reason = None, e.err, e.core, e.reason
        what = f"seq {seq} flags {flags:#x} message {full[:48].hex()}" + \
            ("..." if len(full) > 48 else "")
        if model.gen_unsure is not None:
            # Either answer is right: the tables had not reached that
            # generation, or they had and the request went on.
            if err == ESTALE:
                model.stage = None
                model.gens["refused"] += 1
                want, core, reason = ESTALE, False, "generation not reached"
            else:
                model.gen_seen = max(model.gen_seen, model.gen_unsure)
                model.gens["passed"] += 1
        for msg in replies if not err else ():
            for t, v in parse_attrs(msg[4:]):
                cfg = dict(parse_attrs(v)) if t == A_CONFIG else {}
                if len(cfg.get(CFG_GENERATION, b"")) == 4:
                    model.gen_seen = max(model.gen_seen, struct.unpack(
                        "=I", cfg[CFG_GENERATION])[0])
        if err == 0:
            self.stats["ack"] += 1
            if want:
                self.fail("prediction", f"{what}: acknowledged, expected "
                          f"errno {want} ({reason})")
            model.apply(eff)
            return
        self.stats["error"] += 1
        self.stats["core" if core else "svclb"] += 1
        if not want:
            self.fail("prediction", f"{what}: errno {err} \"{ext}\", "
                      "expected an ack")
        elif not core and err != want:
            self.fail("prediction", f"{what}: errno {err} \"{ext}\", "
                      f"expected {want} ({reason})")
        elif core and ext and ext not in CORE_MESSAGES:
            self.fail("prediction", f"{what}: refused by svclb, errno {err} "
                      f"\"{ext}\", expected the core ({reason})")
        elif (not core and ext in CORE_MESSAGES and
              SVCLB_CORE_MESSAGES.get(reason) != ext):
            self.fail("prediction", f"{what}: refused by the core, errno "
                      f"{err} \"{ext}\", expected svclb ({reason})")
        if ext:
            self.extack_seen[ext] = self.extack_seen.get(ext, 0) + 1
        elif core:
            k = f"{reason} (errno {err})"
            self.no_extack[k] = self.no_extack.get(k, 0) + 1
        else:
            self.fail("extack", f"{what}: errno {err} without extack "
                      f"({reason})")


def diff(got, want):
    for k in sorted(set(got) | set(want), key=repr):
        if got.get(k) != want.get(k):
            return f"{k}: dumped {got.get(k)}, expected {want.get(k)}"
    return "none"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--check-every", type=int, default=5000)
    ap.add_argument("--verbose", action="store_true",
                    help="list the extack messages seen")
    a = ap.parse_args()
    sys.setrecursionlimit(50000)
    f = Fuzzer(a.seed)
    start = time.monotonic()
    sent, checks, model = f.run(a.count, a.check_every)
    secs = time.monotonic() - start
    s = f.stats
    print("TAP version 13")
    print("1..4")
    print(f"# seed {a.seed}: {sent} requests ({s['pristine']} unmutated) in "
          f"{secs:.1f} s ({sent / max(secs, 1e-9):.0f}/s): {s['ack']} acks, "
          f"{s['error']} errors ({s['core']} from the genetlink core, "
          f"{s['svclb']} from svclb); {checks} dump checks; "
          f"{len(model.svcs)} services, "
          f"{sum(len(v[2]) for v in model.svcs.values())} backends at the end; "
          f"parts of backend sets: {model.parts['staged']} staged, "
          f"{model.parts['completed']} last parts parsed; generations: "
          f"{model.gens['passed']} passed, {model.gens['refused']} refused")
    for k, v in sorted(f.no_extack.items()):
        print(f"# core refusal without an extack message: {k}: {v}")
    if a.verbose:
        for k, v in sorted(f.extack_seen.items(), key=lambda kv: -kv[1]):
            print(f"# extack {v:8d} \"{k}\"")
    for kind, msgs in f.failures.items():
        for m in msgs[:10]:
            print(f"# {kind}: {m}")
        if len(msgs) > 10:
            # Every distinct answer, without the message that drew it.
            what = collections.Counter(m.split("...: ", 1)[-1] for m in msgs)
            print(f"# {kind}: {len(msgs)} in all")
            for k, v in what.most_common():
                print(f"# {kind}: {v} times: {k}")
    tests = [
        ("every request answered", "answer",
         sent == a.count and s["ack"] + s["error"] == sent),
        ("every answer as predicted", "prediction", True),
        ("every refusal by svclb carries an extack message", "extack", True),
        (f"dump and configuration match the acknowledged requests",
         "dump", True),
    ]
    good_all = True
    for i, (name, kind, good) in enumerate(tests, 1):
        good = good and not f.failures[kind]
        good_all &= good
        print(f"{'ok' if good else 'not ok'} {i} nlfuzz: {name}")
    return 0 if good_all else 1


if __name__ == "__main__":
    sys.exit(main())
