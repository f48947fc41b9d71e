# SPDX-License-Identifier: GPL-2.0
"""Netlink API checks, run in a namespace of their own: every malformed or
refused request fails with its own extack message and changes nothing;
values the policies do not allow are refused by the genetlink core, which
names the policy's range;
dumps split large services, resume, and flag interruption; backend sets
larger than one attribute arrive in parts and apply at once; a request made
for a generation of the tables that another socket changed is refused."""

import socket
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/lib")
from genl import (A_BACKEND, A_CONFIG, A_FLOW, A_GENERATION, A_LOOKUP,
                  A_SERVICE, A_STATS, BE_ADDR, BE_PORT, BE_STATE, BE_STATS,
                  BE_WEIGHT, CFG_AFFINITY_ENTRIES, CFG_GENERATION,
                  CFG_MAX_BACKENDS, CFG_SEED, CMD, LK_CLIENT_ADDR,
                  LK_CLIENT_PORT, LK_HASH,
                  NL_POLICY_TYPE_ATTR_MAX_LENGTH, NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
                  NL_POLICY_TYPE_ATTR_MIN_LENGTH, NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
                  NLM_F_ACK_TLVS, NLM_F_DUMP, NLM_F_DUMP_INTR, NLMSG_DONE,
                  NLMSGERR_ATTR_MSG, SVC_ADDR, SVC_AFFINITY,
                  SVC_AFFINITY_TIMEOUT, SVC_FAMILY, SVC_BACKENDS,
                  SVC_BACKENDS_FROM, SVC_BACKENDS_MORE, SVC_FLAGS,
                  SVC_PORT, SVC_PROTO, SVC_SCHED, SVC_STATS, Genl,
                  NetlinkError,
                  addr, attr, dump_services, lookup_request, nest, parse_attrs,
                  parse_lookup, string, svc_key, u8, u16, u32, u64)

TCP, UDP = socket.IPPROTO_TCP, socket.IPPROTO_UDP
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def svc(*attrs, flag=True):
    return nest(A_SERVICE, *attrs, flag=flag)


def be(*attrs):
    return nest(A_BACKEND, *attrs)


def lk(*attrs):
    return nest(A_LOOKUP, *attrs)


def key_of(attrs):
    """The key dump_services() files a service under."""
    return tuple(parse_attrs(a)[0][1] for a in attrs)


KEY = svc_key()
FAM, PROTO, ADDR, PORT = KEY
BE = [addr(BE_ADDR, "10.0.2.1"), u16(BE_PORT, 8080)]
BE2 = [addr(BE_ADDR, "10.0.2.2"), u16(BE_PORT, 8080)]
BE_X = [addr(BE_ADDR, "10.0.2.9"), u16(BE_PORT, 8080)]

# (name, command, payload, errno, message)
REFUSED = [
    ("service without attributes", "SERVICE_NEW", b"", 22,
     "missing service attribute"),
    ("service without family", "SERVICE_NEW", svc(PROTO, ADDR, PORT), 22,
     "missing service address family"),
    ("service without protocol", "SERVICE_NEW", svc(FAM, ADDR, PORT), 22,
     "missing service protocol"),
    ("service without address", "SERVICE_NEW", svc(FAM, PROTO, PORT), 22,
     "missing service address"),
    ("service without port", "SERVICE_NEW", svc(FAM, PROTO, ADDR), 22,
     "missing service port"),
    ("service address of 5 bytes", "SERVICE_NEW",
     svc(FAM, PROTO, attr(SVC_ADDR, b"\x0a\x60\0\x0a\0"), PORT), 22,
     "service address length does not match its family"),
    ("IPv4 service with a 16-byte address", "SERVICE_NEW",
     svc(FAM, PROTO, addr(SVC_ADDR, "fd00::1"), PORT), 22,
     "service address length does not match its family"),
    ("service port of 4 bytes", "SERVICE_NEW",
     svc(FAM, PROTO, ADDR, u32(SVC_PORT, 80)), 22, "invalid attribute length"),
    ("unknown address family", "SERVICE_NEW",
     svc(u16(SVC_FAMILY, 99), PROTO, ADDR, PORT), 97,
     "address family must be AF_INET or AF_INET6"),
    ("IPv6 service with a 4-byte address", "SERVICE_NEW",
     svc(u16(SVC_FAMILY, socket.AF_INET6), PROTO, ADDR, PORT), 22,
     "service address length does not match its family"),
    ("IPv4 backend for an IPv6 service", "BACKEND_NEW",
     svc(*svc_key("fd00::10")) + be(*BE), 97,
     "backend address family differs from the service's"),
    ("loopback IPv4 service", "SERVICE_NEW", svc(*svc_key("127.0.0.53")), 22,
     "service address must be unicast and not loopback"),
    ("loopback IPv6 service", "SERVICE_NEW", svc(*svc_key("::1")), 22,
     "service address must be unicast and not loopback"),
    ("multicast service", "SERVICE_NEW", svc(*svc_key("224.0.0.10")), 22,
     "service address must be unicast and not loopback"),
    ("ICMP service", "SERVICE_NEW", svc(FAM, u8(SVC_PROTO, 1), ADDR, PORT), 93,
     "protocol must be TCP, UDP or SCTP"),
    ("unknown service flag", "SERVICE_NEW",
     svc(*svc_key(port=81), u32(SVC_FLAGS, 0x80)), 22, "reserved bit set"),
    ("service address of 5 to 15 bytes", "SERVICE_NEW",
     svc(FAM, PROTO, attr(SVC_ADDR, bytes(8)), PORT), 22,
     "service address length does not match its family"),
    ("backend address of 5 to 15 bytes", "BACKEND_NEW",
     svc(*KEY) + be(attr(BE_ADDR, bytes(15)), u16(BE_PORT, 8080)), 22,
     "backend address must be 4 (IPv4) or 16 (IPv6) bytes long"),
    ("unknown scheduler", "SERVICE_NEW",
     svc(*svc_key(port=81), string(SVC_SCHED, "nope")), 2,
     "unknown scheduler"),
    ("existing service", "SERVICE_NEW", svc(*KEY), 17,
     "service already exists"),
    ("deleting an unknown service", "SERVICE_DEL", svc(*svc_key(port=81)), 2,
     "no such service"),
    ("changing an unknown service", "SERVICE_SET", svc(*svc_key(port=81)), 2,
     "no such service"),
    ("service nest without NLA_F_NESTED", "SERVICE_NEW",
     svc(*svc_key(port=81), flag=False), 22, "NLA_F_NESTED is missing"),
    ("unknown attribute in a service", "SERVICE_NEW",
     svc(*svc_key(port=81), u32(30, 1)), 22, "Unknown attribute type"),
    ("statistics in a request", "SERVICE_NEW",
     svc(*svc_key(port=81), nest(SVC_STATS)), 22, "statistics are read-only"),
    ("backends in a service deletion", "SERVICE_DEL",
     svc(*KEY, nest(SVC_BACKENDS)), 22,
     "a backend list belongs only in SVCLB_CMD_SERVICE_NEW or _SET"),
    ("a backend twice in a service's list", "SERVICE_NEW",
     svc(*svc_key(port=81), nest(SVC_BACKENDS, nest(A_BACKEND, *BE),
                                 nest(A_BACKEND, *BE))), 22,
     "backend listed twice"),
    ("backend list in BACKEND_NEW", "BACKEND_NEW",
     svc(*KEY, nest(SVC_BACKENDS)) + be(*BE2), 22,
     "a backend list belongs only in SVCLB_CMD_SERVICE_NEW or _SET"),
    ("a part of a backend set in BACKEND_NEW", "BACKEND_NEW",
     svc(*KEY, u32(SVC_BACKENDS_FROM, 3)) + be(*BE2), 22,
     "a backend list belongs only in SVCLB_CMD_SERVICE_NEW or _SET"),
    ("a flag with a payload", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS), u8(SVC_BACKENDS_MORE, 1)), 34,
     "Attribute failed policy validation"),
    ("backend list holding a service nest", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE), nest(A_SERVICE, *BE2))), 22,
     "a backend list holds only SVCLB_A_BACKEND nests"),
    ("backend listed twice", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE), be(*BE2), be(*BE2))), 22,
     "backend listed twice"),
    ("backend list with an entry without address", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2), be(u16(BE_PORT, 80)))), 22,
     "missing backend address"),
    ("backend list with an IPv6 backend", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(addr(BE_ADDR, "fd00::2"),
                                     u16(BE_PORT, 80)))), 97,
     "backend address family differs from the service's"),
    ("backend list with statistics", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2, nest(BE_STATS)))), 22,
     "statistics are read-only"),
    ("backend list with an unknown attribute", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2, u32(30, 1)))), 22,
     "Unknown attribute type"),
    ("backend list without NLA_F_NESTED", "SERVICE_SET",
     svc(*KEY, attr(SVC_BACKENDS, be(*BE2))), 22, "NLA_F_NESTED is missing"),
    ("unknown top-level attribute", "SERVICE_NEW",
     svc(*svc_key(port=81)) + u32(9, 1), 22, "Unknown attribute type"),
    ("backend without attributes", "BACKEND_NEW", svc(*KEY), 22,
     "missing backend attribute"),
    ("backend for an unknown service", "BACKEND_NEW",
     svc(*svc_key(port=81)) + be(*BE), 2, "no such service"),
    ("backend without address", "BACKEND_NEW",
     svc(*KEY) + be(u16(BE_PORT, 8080)), 22, "missing backend address"),
    ("backend without port", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.2")), 22, "missing backend port"),
    ("IPv6 backend for an IPv4 service", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "fd00::2"), u16(BE_PORT, 8080)), 97,
     "backend address family differs from the service's"),
    ("backend statistics in a request", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.2"), u16(BE_PORT, 8080),
                    nest(BE_STATS)), 22, "statistics are read-only"),
    ("existing backend", "BACKEND_NEW", svc(*KEY) + be(*BE), 17,
     "backend already exists"),
    ("changing an unknown backend", "BACKEND_SET",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.9"), u16(BE_PORT, 8080)), 2,
     "no such backend"),
    ("deleting an unknown backend", "BACKEND_DEL",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.9"), u16(BE_PORT, 8080)), 2,
     "no such backend"),
    ("seed of 4 bytes", "CONFIG_SET", nest(A_CONFIG, u32(CFG_SEED, 1)), 22,
     "invalid attribute length"),
    ("lookup without the client", "LOOKUP", svc(*KEY), 22,
     "missing lookup attribute"),
    ("lookup of an unknown service", "LOOKUP",
     lookup_request(svc_key(port=81), "10.0.1.2", 40000), 2,
     "no such service"),
    ("lookup without client address", "LOOKUP",
     svc(*KEY) + lk(u16(LK_CLIENT_PORT, 40000)), 22,
     "missing client address"),
    ("lookup without client port", "LOOKUP",
     svc(*KEY) + lk(addr(LK_CLIENT_ADDR, "10.0.1.2")), 22,
     "missing client port"),
    ("lookup from an IPv6 client to an IPv4 service", "LOOKUP",
     lookup_request(KEY, "fd00:1::2", 40000), 97,
     "client address family differs from the service's"),
    ("lookup carrying a hash", "LOOKUP",
     svc(*KEY) + lk(addr(LK_CLIENT_ADDR, "10.0.1.2"),
                    u16(LK_CLIENT_PORT, 40000), u64(LK_HASH, 1)), 22,
     "Unsupported attribute"),
    ("removing a backend's flows without its service", "FLOW_DEL", be(*BE),
     22, "a backend needs the key of its service"),
    ("removing the flows of an unknown service", "FLOW_DEL",
     svc(*svc_key(port=81)), 2, "no such service"),
    ("removing the flows of an unknown backend", "FLOW_DEL",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.9"), u16(BE_PORT, 8080)), 2,
     "no such backend"),
    ("removing flows by a service without port", "FLOW_DEL",
     svc(FAM, PROTO, ADDR), 22, "missing service port"),
    ("flows in a request", "FLOW_DEL", attr(A_FLOW, b""), 22,
     "flows are read-only"),
]


# Values the policies do not allow: (name, command, payload, errno, message,
# what the policy of the refused attribute says: (minimum, maximum) value,
# or {NL_POLICY_TYPE_ATTR_*: value}).
TOO_SHORT, TOO_LONG = NL_POLICY_TYPE_ATTR_MIN_LENGTH, NL_POLICY_TYPE_ATTR_MAX_LENGTH
OUT_OF_RANGE = "integer out of range"
SIZE_OUT_OF_RANGE = "binary attribute size out of range"
ADDR_LENGTHS = {TOO_SHORT: 4, TOO_LONG: 16}
POLICY_REFUSED = [
    ("service port 0", "SERVICE_NEW", svc(FAM, PROTO, ADDR, u16(SVC_PORT, 0)),
     34, OUT_OF_RANGE, (1, 65535)),
    ("service address of 17 bytes", "SERVICE_NEW",
     svc(FAM, PROTO, attr(SVC_ADDR, bytes(17)), PORT), 34, SIZE_OUT_OF_RANGE,
     ADDR_LENGTHS),
    ("scheduler name of 16 bytes", "SERVICE_NEW",
     svc(*svc_key(port=81), string(SVC_SCHED, "x" * 16)), 22,
     "Attribute failed policy validation", {TOO_LONG: 15}),
    ("unknown session affinity", "SERVICE_NEW",
     svc(*svc_key(port=81), u8(SVC_AFFINITY, 2)), 34, OUT_OF_RANGE, (0, 1)),
    ("affinity timeout 0", "SERVICE_SET",
     svc(*KEY, u8(SVC_AFFINITY, 1), u32(SVC_AFFINITY_TIMEOUT, 0)), 34,
     OUT_OF_RANGE, (1, 2000000)),
    ("affinity timeout 2000001", "SERVICE_NEW",
     svc(*svc_key(port=81), u32(SVC_AFFINITY_TIMEOUT, 2000001)), 34,
     OUT_OF_RANGE, (1, 2000000)),
    ("a part of a backend set beyond 65521", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2)), u32(SVC_BACKENDS_FROM, 65522)),
     34, OUT_OF_RANGE, (0, 65521)),
    ("backend list with a port 0", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2),
                    be(addr(BE_ADDR, "10.0.2.3"), u16(BE_PORT, 0)))), 34,
     OUT_OF_RANGE, (1, 65535)),
    ("backend list with a weight of 70000", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2, u32(BE_WEIGHT, 70000)))), 34,
     OUT_OF_RANGE, (0, 65535)),
    ("backend list with an unknown state", "SERVICE_SET",
     svc(*KEY, nest(SVC_BACKENDS, be(*BE2, u8(BE_STATE, 2)))), 34,
     OUT_OF_RANGE, (0, 1)),
    ("unknown backend state", "BACKEND_NEW",
     svc(*KEY) + be(*BE2, u8(BE_STATE, 7)), 34, OUT_OF_RANGE, (0, 1)),
    ("backend address of 3 bytes", "BACKEND_NEW",
     svc(*KEY) + be(attr(BE_ADDR, b"\x0a\0\x02"), u16(BE_PORT, 8080)), 34,
     SIZE_OUT_OF_RANGE, ADDR_LENGTHS),
    ("backend port 0", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.2"), u16(BE_PORT, 0)), 34,
     OUT_OF_RANGE, (1, 65535)),
    ("backend weight 70000", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.2"), u16(BE_PORT, 8080),
                    u32(BE_WEIGHT, 70000)), 34, OUT_OF_RANGE, (0, 65535)),
    ("changing a weight beyond the maximum", "BACKEND_SET",
     svc(*KEY) + be(*BE, u32(BE_WEIGHT, 65536)), 34, OUT_OF_RANGE,
     (0, 65535)),
    ("timeout 0", "CONFIG_SET", nest(A_CONFIG, u32(1, 0)), 34, OUT_OF_RANGE,
     (1, 2000000)),
    ("timeout 2000001", "CONFIG_SET", nest(A_CONFIG, u32(4, 2000001)), 34,
     OUT_OF_RANGE, (1, 2000000)),
    ("max-flows 0", "CONFIG_SET", nest(A_CONFIG, u32(6, 0)), 34,
     OUT_OF_RANGE, (1, 0xffffffff)),
    ("max-services 0", "CONFIG_SET", nest(A_CONFIG, u32(13, 0)), 34,
     OUT_OF_RANGE, (1, 0xffffffff)),
    ("max-backends 65522", "CONFIG_SET",
     nest(A_CONFIG, u32(CFG_MAX_BACKENDS, 65522)), 34, OUT_OF_RANGE,
     (1, 65521)),
    ("lookup from client port 0", "LOOKUP",
     lookup_request(KEY, "10.0.1.2", 0), 34, OUT_OF_RANGE, (1, 65535)),
    ("lookup from a client address of 2 bytes", "LOOKUP",
     svc(*KEY) + lk(attr(LK_CLIENT_ADDR, b"\x0a\0"),
                    u16(LK_CLIENT_PORT, 40000)), 34, SIZE_OUT_OF_RANGE,
     ADDR_LENGTHS),
]


def bes4(lo, hi):
    return [be(addr(BE_ADDR, f"10.2.{i // 250}.{i % 250 + 1}"),
               u16(BE_PORT, 8080)) for i in range(lo, hi)]


def part(key, bes, frm=0, more=False, *extra):
    """A request's service nest holding a part of a staged backend set."""
    attrs = [*key, nest(SVC_BACKENDS, *bes), *extra]
    if frm:
        attrs.append(u32(SVC_BACKENDS_FROM, frm))
    if more:
        attrs.append(attr(SVC_BACKENDS_MORE, b""))
    return svc(*attrs)


def staged_parts(g):
    """Sets of thousands of backends, in parts (each attribute holds at
    most 64 KiB): nothing changes before the last part, which applies the
    whole set; a part missing or refused, or sent on another socket, loses
    the set and changes nothing."""
    def count(key):
        svcs = dump_services(g)
        return len(svcs[key_of(key)][1]) if key_of(key) in svcs else None

    def refused(sock, cmd, payload, want_err, want_msg, name):
        err, msg = sock.try_request(CMD[cmd], payload)
        check(f"staged parts: {name}: \"{want_msg}\"",
              err == want_err and msg and want_msg in msg,
              f"got errno {err} \"{msg}\"")

    big = svc_key(port=8100)
    s1, s2 = Genl(), Genl()
    s1.request(CMD["SERVICE_NEW"], svc(*big, nest(SVC_BACKENDS, *bes4(0, 1))))
    s1.request(CMD["SERVICE_SET"], part(big, bes4(0, 1500), more=True))
    s1.request(CMD["SERVICE_SET"], part(big, bes4(1500, 3000), 1500, True))
    check("staged parts of a set change nothing before the last one",
          count(big) == 1, f"{count(big)} backends")
    s1.request(CMD["SERVICE_SET"], part(big, bes4(3000, 4000), 3000,
                                        False, string(SVC_SCHED, "rr")))
    svcs = dump_services(g)
    got = {(b[BE_ADDR], b[BE_PORT]) for b in svcs[key_of(big)][1]}
    check("the last part replaces the set with 4000 backends at once",
          len(got) == 4000 and svcs[key_of(big)][0][SVC_SCHED] == b"rr\0",
          f"{len(got)} backends")

    new = svc_key(port=8101, vip="fd00::10")
    bes6 = [be(addr(BE_ADDR, f"fd00:2::{i + 1:x}"), u16(BE_PORT, 80))
            for i in range(2500)]
    s1.request(CMD["SERVICE_NEW"], part(new, bes6[:1200], more=True))
    check("a service created in parts does not exist before the last one",
          count(new) is None)
    s1.request(CMD["SERVICE_NEW"], part(new, bes6[1200:], 1200))
    check("... and has its 2500 IPv6 backends after it", count(new) == 2500,
          f"{count(new)} backends")

    s1.request(CMD["SERVICE_SET"], part(big, bes4(0, 10), more=True))
    refused(s1, "SERVICE_SET", part(big, bes4(10, 20), 15, True), 22,
            "the earlier parts of this backend set are missing",
            "a part at the wrong position")
    refused(s1, "SERVICE_SET", part(big, bes4(20, 30), 20), 22,
            "the earlier parts of this backend set are missing",
            "the set is lost after a refused part")
    s1.request(CMD["SERVICE_SET"], part(big, bes4(0, 10), more=True))
    refused(s2, "SERVICE_SET", part(big, bes4(10, 20), 10), 22,
            "the earlier parts of this backend set are missing",
            "the last part on another socket")
    refused(s1, "SERVICE_SET", part(new, bes6[:5], 10), 22,
            "the earlier parts of this backend set are missing",
            "the last part for another service")
    s1.request(CMD["SERVICE_SET"], part(big, bes4(0, 10), more=True))
    refused(s1, "SERVICE_SET", part(big, bes4(5, 15), 10), 22,
            "backend listed twice", "a backend in two parts")
    refused(s1, "SERVICE_SET", part(big, bes4(0, 10), 0, True,
                                    string(SVC_SCHED, "rr")), 22,
            "carries only the service key and backends",
            "a scheduler in a part but the last")
    refused(s1, "SERVICE_NEW", part(new, bes6[:5], 0, True), 17,
            "service already exists", "a new service that exists")
    refused(s1, "SERVICE_SET", svc(*big, attr(SVC_BACKENDS_MORE, b"")), 22,
            "a part of a backend set needs its list",
            "a part without backends")
    refused(s1, "SERVICE_SET", svc(*big, u32(SVC_BACKENDS_FROM, 0)), 22,
            "a part of a backend set needs its list",
            "a position without backends")
    g.request(CMD["CONFIG_SET"], nest(A_CONFIG, u32(CFG_MAX_BACKENDS, 2500)))
    s1.request(CMD["SERVICE_SET"], part(big, bes4(0, 1500), more=True))
    refused(s1, "SERVICE_SET", part(big, bes4(1500, 3000), 1500), 7,
            "more backends than a service may have",
            "parts beyond max-backends together")
    g.request(CMD["CONFIG_SET"], nest(A_CONFIG, u32(CFG_MAX_BACKENDS, 65521)))
    check("refused parts changed nothing",
          count(big) == 4000 and count(new) == 2500,
          f"{count(big)} and {count(new)} backends")


def dump_options(g):
    """Counters only when asked; one service by its key; a dump goes on
    from where it stopped, found by key, when services go meanwhile."""
    svcs = dump_services(g)
    check("a dump without SVCLB_A_STATS carries no counters",
          svcs and all(SVC_STATS not in a and
                       all(BE_STATS not in b for b in bes)
                       for a, bes in svcs.values()))
    svcs = dump_services(g, attr(A_STATS, b""))
    check("... and with it every service and backend carries them",
          all(SVC_STATS in a and all(BE_STATS in b for b in bes)
              for a, bes in svcs.values()))
    big = svc_key(port=8100)
    one = dump_services(g, svc(*big))
    check("a dump of one service by its key: that service, its 4000 backends",
          list(one) == [key_of(big)] and len(one[key_of(big)][1]) == 4000,
          f"{len(one)} services")
    err, msg = dump_error(g, "SERVICE_GET", svc(*svc_key(port=8199)))
    check("a dump of a service that does not exist: ENOENT, \"no such service\"",
          err == 2 and msg == "no such service", f"errno {err} \"{msg}\"")

    # Remove the service a dump stopped at: the rest comes once each.
    other = Genl()
    g.send(CMD["SERVICE_GET"], flags=NLM_F_DUMP)
    first = []
    data = g.sock.recv(1 << 20)
    while len(data) >= 16:
        mlen = struct.unpack_from("=I", data)[0]
        first.append(data[20:mlen])
        data = data[(mlen + 3) & ~3:]
    keys = [key_of_msg(m) for m in first]
    other.request(CMD["SERVICE_DEL"], svc(*[attr(t, v) for t, v in
                                            zip((SVC_FAMILY, SVC_PROTO,
                                                 SVC_ADDR, SVC_PORT),
                                                keys[-1])]))
    rest = [key_of_msg(m[4:]) for f, m in g.recv_msgs()]
    whole = keys + rest
    # A service split over several messages sends them one after another.
    runs = [k for i, k in enumerate(whole) if not i or whole[i - 1] != k]
    check("a dump goes on after the service it stopped at was removed: "
          "no service twice, none missing",
          len(runs) == len(set(runs)) and
          set(runs) - {keys[-1]} == set(dump_services(g)),
          f"{len(keys)} then {len(rest)} messages, {len(runs)} services")


def dump_error(g, cmd, payload):
    """(errno, extack message) of a dump that ends at once in NLMSG_DONE
    with an error; (0, "") when its first message is another."""
    g.send(CMD[cmd], payload, flags=NLM_F_DUMP)
    data = g.sock.recv(1 << 20)
    mlen, mtype, mflags = struct.unpack_from("=IHH", data)
    err = -struct.unpack_from("=i", data, 16)[0] if mtype == NLMSG_DONE else 0
    tlvs = dict(parse_attrs(data[20:mlen])) if mflags & NLM_F_ACK_TLVS else {}
    return err, tlvs.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()


def key_of_msg(payload):
    """The service key of a dump message's payload (after genlmsghdr)."""
    for t, v in parse_attrs(payload):
        if t == A_SERVICE:
            a = dict(parse_attrs(v))
            return (a[SVC_FAMILY], a[SVC_PROTO], a[SVC_ADDR], a[SVC_PORT])
    return None


def generations(g):
    """SVCLB_A_GENERATION: the requests of one socket made with the
    generation it read all pass, however many changes they make; once
    another socket changed the tables, they are refused with ESTALE and
    change nothing; requests that change nothing ignore it."""
    ESTALE = 116
    STALE = "the tables changed since this generation: another writer"

    def gen(n):
        return u32(A_GENERATION, n)

    def refused(sock, cmd, payload, name):
        before = dump_services(g)
        err, msg = sock.try_request(CMD[cmd], payload)
        check(f"generation: {name}: ESTALE, \"{STALE}\", nothing changed",
              err == ESTALE and STALE in msg and dump_services(g) == before,
              f"got errno {err} \"{msg}\"")

    key = svc_key(port=8200)
    a, b = Genl(), Genl()
    g0 = a.generation()
    a.request(CMD["SERVICE_NEW"], svc(*key) + gen(g0))
    err, _ = a.try_request(CMD["BACKEND_NEW"], svc(*key) + be(*BE) + gen(g0))
    err2, _ = a.try_request(CMD["SERVICE_SET"], svc(*key, string(
        SVC_SCHED, "rr")) + gen(g0))
    g1 = a.generation()
    check("generation: read in CONFIG_GET, moved on by each change; one "
          "socket's requests made with the generation it read all pass",
          g1 >= g0 + 3 and not err and not err2, f"{g0} -> {g1}, {err} {err2}")
    b.request(CMD["BACKEND_NEW"], svc(*key) + be(*BE2))
    refused(a, "SERVICE_SET", svc(*key, string(SVC_SCHED, "wrr")) + gen(g0),
            "after another socket's change")
    refused(a, "BACKEND_DEL", svc(*key) + be(*BE) + gen(g1),
            "after another socket's change, a later generation")
    g2 = a.generation()
    err, _ = a.try_request(CMD["SERVICE_SET"], svc(*key, string(
        SVC_SCHED, "wrr")) + gen(g2))
    check("generation: the current one passes", not err, f"errno {err}")
    refused(b, "SERVICE_DEL", svc(*key) + gen(g2),
            "the other socket's generation, read before this change")
    for bad in (0, a.generation() + 1000, g0 - 1):
        refused(a, "BACKEND_NEW", svc(*key) + be(*BE_X) + gen(bad),
                f"generation {bad}, never seen")
    g3 = b.generation()
    b.request(CMD["BACKEND_DEL"], svc(*key) + be(*BE2) + gen(g3))
    for cmd, payload in (("FLUSH", b""),
                         ("CONFIG_SET", nest(A_CONFIG, u32(CFG_MAX_BACKENDS,
                                                           65521))),
                         ("FLOW_DEL", b""),
                         ("BACKEND_SET", svc(*key) + be(*BE))):
        refused(a, cmd, payload + gen(g2), f"{cmd}")
    def read(cmd, payload):
        try:  # these answer with a message, and no ack is asked for
            return len(a.request(CMD[cmd], payload, flags=0))
        except NetlinkError as e:
            return -e.errno

    reads = [read("CONFIG_GET", gen(g0)),
             read("LOOKUP", lookup_request(key, "10.0.1.2", 40000) + gen(g0))]
    a.send(CMD["SERVICE_GET"], gen(g0), flags=NLM_F_DUMP)
    dumped = list(a.recv_msgs())
    check("generation: CONFIG_GET, LOOKUP and dumps ignore it",
          reads == [1, 1] and dumped, str(reads))
    err, msg = a.try_request(CMD["CONFIG_SET"], nest(A_CONFIG, u32(
        CFG_GENERATION, 1)))
    check("refused: setting the generation: \"the generation is read-only\"",
          err == 22 and msg == "the generation is read-only",
          f"got errno {err} \"{msg}\"")

    # A part refused for its generation loses the set staged so far.
    gs = a.generation()
    a.request(CMD["SERVICE_SET"], part(key, bes4(0, 10), 0, True) + gen(gs))
    b.request(CMD["BACKEND_NEW"], svc(*key) + be(*BE2))
    refused(a, "SERVICE_SET", part(key, bes4(10, 20), 10, True) + gen(gs),
            "a part after another socket's change")
    err, msg = a.try_request(CMD["SERVICE_SET"], part(key, bes4(10, 20), 10))
    check("generation: ... and the set staged before it is lost",
          err == 22 and "the earlier parts of this backend set are missing"
          in msg, f"got errno {err} \"{msg}\"")

    # A socket's claim ends when it closes: one that gets its port id
    # afterwards does not inherit it.
    c = Genl()
    port, gc = c.portid, c.generation()
    c.request(CMD["BACKEND_DEL"], svc(*key) + be(*BE2) + gen(gc))
    c.request(CMD["BACKEND_NEW"], svc(*key) + be(*BE2) + gen(gc))
    c.sock.close()
    d = Genl(portid=port)
    refused(d, "BACKEND_DEL", svc(*key) + be(*BE2) + gen(gc),
            "a new socket with the port id of a closed one")
    a.request(CMD["SERVICE_DEL"], svc(*key))


def main():
    g = Genl()
    g.request(CMD["FLUSH"])
    g.request(CMD["SERVICE_NEW"], svc(*KEY))
    g.request(CMD["BACKEND_NEW"], svc(*KEY) + be(*BE, u32(BE_WEIGHT, 3)))
    g.request(CMD["SERVICE_NEW"], svc(*svc_key("fd00::10")))
    before = dump_services(g)

    for name, cmd, payload, want_err, want_msg in REFUSED:
        err, msg = g.try_request(CMD[cmd], payload)
        check(f"refused: {name}: \"{want_msg}\"",
              err == want_err and msg and want_msg in msg,
              f"got errno {err} \"{msg}\"")
    for name, cmd, payload, want_err, want_msg, want_pol in POLICY_REFUSED:
        if isinstance(want_pol, tuple):
            want_pol = {NL_POLICY_TYPE_ATTR_MIN_VALUE_U: want_pol[0],
                        NL_POLICY_TYPE_ATTR_MAX_VALUE_U: want_pol[1]}
        err, msg, pol = g.try_request_policy(CMD[cmd], payload)
        got = {t: pol.get(t) for t in want_pol}
        check(f"refused by the policy: {name}: \"{want_msg}\", {want_pol}",
              err == want_err and msg == want_msg and got == want_pol,
              f"got errno {err} \"{msg}\", policy {pol}")
    for what, t in (("flows", 7), ("affinity entries", CFG_AFFINITY_ENTRIES)):
        err, msg = g.try_request(CMD["CONFIG_SET"], nest(A_CONFIG, u32(t, 1)))
        check(f"refused: setting the number of {what}",
              err == 22 and msg == f"the number of {what} is read-only",
              f"got errno {err} \"{msg}\"")
    check("refused requests changed nothing", dump_services(g) == before)

    # The seed round-trips; lookup answers without changing anything.
    g.request(CMD["CONFIG_SET"], nest(A_CONFIG, u64(CFG_SEED, 0xfedcba9876543210)))
    cfg = dict(parse_attrs(dict(parse_attrs(g.request(
        CMD["CONFIG_GET"], flags=0)[0][1][4:]))[A_CONFIG]))
    check("the seed is set and read back, all 64 bits",
          cfg.get(CFG_SEED) == (0xfedcba9876543210).to_bytes(8, "little"))
    reply = parse_lookup(g.request(CMD["LOOKUP"], lookup_request(
        KEY, "10.0.1.2", 40000), flags=0)[0][1])
    check("lookup: a new flow would go to the only backend; there is no flow",
          reply["new"] == "10.0.2.1:8080" and reply["flow"] is None and
          reply["hash"] is not None, str(reply))
    g.request(CMD["CONFIG_SET"], nest(A_CONFIG, u64(CFG_SEED, 0)))
    check("... and the hash depends on the seed", reply["hash"] != parse_lookup(
        g.request(CMD["LOOKUP"], lookup_request(KEY, "10.0.1.2", 40000),
                  flags=0)[0][1])["hash"])
    # A bad filter ends the flow dump: NLMSG_DONE carries errno and message.
    err, msg = dump_error(g, "FLOW_GET", svc(FAM, PROTO, PORT))
    check("refused: flow dump filtered by a service without address",
          err == 22 and msg == "missing service address",
          f"got errno {err} \"{msg}\"")
    check("flow dump of an idle namespace: empty",
          g.request(CMD["FLOW_GET"], flags=NLM_F_DUMP) == [])

    # Accepted changes take effect.
    g.request(CMD["BACKEND_SET"], svc(*KEY) + be(*BE, u32(BE_WEIGHT, 9)))
    bes = dump_services(g)[key_of(KEY)][1]
    check("backend weight change is dumped",
          len(bes) == 1 and bes[0][BE_WEIGHT] == (9).to_bytes(4, "little"))

    # A backend list replaces the backends, kept ones first, new ones after.
    g.request(CMD["SERVICE_SET"], svc(*KEY, nest(SVC_BACKENDS,
        be(addr(BE_ADDR, "10.0.2.5"), u16(BE_PORT, 80),
           u8(BE_STATE, 1)),
        be(*BE, u32(BE_WEIGHT, 2)))))
    bes = dump_services(g)[key_of(KEY)][1]
    got = [(b[BE_ADDR], b[BE_WEIGHT][0], b[BE_STATE][0]) for b in bes]
    check("a backend list replaces the backends, with weights and states",
          got == [(bytes([10, 0, 2, 1]), 2, 0), (bytes([10, 0, 2, 5]), 1, 1)],
          str(got))
    g.request(CMD["SERVICE_SET"], svc(*KEY, nest(SVC_BACKENDS)))
    check("an empty backend list removes every backend",
          dump_services(g)[key_of(KEY)][1] == [])

    # Affinity: dumped, with its default timeout.
    aff = svc(*svc_key(port=82), u8(SVC_AFFINITY, 1))
    g.request(CMD["SERVICE_NEW"], aff)
    a = dump_services(g)[key_of(svc_key(port=82))][0]
    check("affinity client-ip dumped with the default timeout of 10800 s",
          a[SVC_AFFINITY] == b"\x01" and
          a[SVC_AFFINITY_TIMEOUT] == (10800).to_bytes(4, "little"))
    g.request(CMD["SERVICE_SET"], svc(*svc_key(port=82),
                                      u32(SVC_AFFINITY_TIMEOUT, 5)))
    a = dump_services(g)[key_of(svc_key(port=82))][0]
    check("the affinity timeout changes alone",
          a[SVC_AFFINITY] == b"\x01" and
          a[SVC_AFFINITY_TIMEOUT] == (5).to_bytes(4, "little"))

    # A service whose backends need several messages is dumped whole.
    many = svc(*svc_key(port=8000))
    g.request(CMD["SERVICE_NEW"], many)
    for i in range(1200):
        g.request(CMD["BACKEND_NEW"], many + be(
            addr(BE_ADDR, f"10.1.{i // 250}.{i % 250 + 1}"),
            u16(BE_PORT, 8080)))
    msgs = g.dump()
    split = sum(1 for _, m in msgs for t, v in parse_attrs(m[4:])
                if t == A_SERVICE and
                dict(parse_attrs(v)).get(SVC_PORT) == (8000).to_bytes(2, "little"))
    svcs = dump_services(g)
    key = key_of(svc_key(port=8000))
    got = {(b[BE_ADDR], b[BE_PORT]) for b in svcs[key][1]} \
        if key in svcs else set()
    check("1200 backends of one service dumped whole over several messages",
          len(got) == 1200 and split > 1, f"{len(got)} backends, {split} messages")

    # Many services: a dump in several parts, not interrupted when idle.
    for i in range(1500):
        g.request(CMD["SERVICE_NEW"], svc(*svc_key(port=10000 + i, proto=UDP)))
    g.send(CMD["SERVICE_GET"], flags=NLM_F_DUMP)
    flags = [f for f, _ in g.recv_msgs()]
    check("1500 more services dumped, no interruption flagged",
          len(flags) >= 1502 and not any(f & NLM_F_DUMP_INTR for f in flags),
          f"{len(flags)} messages")

    # A change between two parts of a dump is flagged.
    other = Genl()
    g.send(CMD["SERVICE_GET"], flags=NLM_F_DUMP)
    first = g.sock.recv(1 << 20)
    other.request(CMD["SERVICE_NEW"], svc(*svc_key(port=9999)))
    # Read to the end: the socket's next request must not meet the rest.
    intr = any([f & NLM_F_DUMP_INTR for f, _ in g.recv_msgs()])
    check("a change during a dump sets NLM_F_DUMP_INTR", first and intr)

    staged_parts(g)
    dump_options(g)
    generations(g)

    g.request(CMD["FLUSH"])
    check("flush empties the tables", dump_services(g) == {})

    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (name, good, detail) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} {name}")
        if not good and detail:
            print(f"# {detail}")
    return 0 if all(r[1] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
