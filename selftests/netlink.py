# SPDX-License-Identifier: GPL-2.0
"""Netlink API checks, run in a namespace of their own: every malformed or
refused request fails with its own extack message and changes nothing;
dumps split large services, resume, and flag interruption."""

import socket
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/lib")
from genl import (A_BACKEND, A_FLOW, A_SERVICE, NLM_F_ACK_TLVS,
                  NLMSG_DONE, NLMSGERR_ATTR_MSG, BE_ADDR, BE_PORT, BE_STATS, BE_WEIGHT,
                  CMD, NLM_F_DUMP, NLM_F_DUMP_INTR, SVC_ADDR, SVC_FAMILY,
                  SVC_BACKENDS, SVC_FLAGS, SVC_PORT, SVC_PROTO, SVC_SCHED,
                  SVC_STATS, Genl,
                  addr, attr, dump_services, nest, parse_attrs, string, svc_key,
                  u8, u16, u32)

TCP, UDP = socket.IPPROTO_TCP, socket.IPPROTO_UDP
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def svc(*attrs, flag=True):
    return nest(A_SERVICE, *attrs, flag=flag)


def be(*attrs):
    return nest(A_BACKEND, *attrs)


def key_of(attrs):
    """The key dump_services() files a service under."""
    return tuple(parse_attrs(a)[0][1] for a in attrs)


KEY = svc_key()
FAM, PROTO, ADDR, PORT = KEY
BE = [addr(BE_ADDR, "10.0.2.1"), u16(BE_PORT, 8080)]

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
    ("ICMP service", "SERVICE_NEW", svc(FAM, u8(SVC_PROTO, 1), ADDR, PORT), 93,
     "protocol must be TCP, UDP or SCTP"),
    ("service port 0", "SERVICE_NEW", svc(FAM, PROTO, ADDR, u16(SVC_PORT, 0)),
     22, "service port must not be 0"),
    ("unknown service flag", "SERVICE_NEW",
     svc(*svc_key(port=81), u32(SVC_FLAGS, 0x80)), 22, "unknown service flag"),
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
    ("backends in a service request", "SERVICE_NEW",
     svc(*svc_key(port=81), nest(SVC_BACKENDS)), 22,
     "backends are added with SVCLB_CMD_BACKEND_NEW"),
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
    ("backend address of 3 bytes", "BACKEND_NEW",
     svc(*KEY) + be(attr(BE_ADDR, b"\x0a\0\x02"), u16(BE_PORT, 8080)), 22,
     "backend address must be 4 (IPv4) or 16 (IPv6) bytes long"),
    ("IPv6 backend for an IPv4 service", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "fd00::2"), u16(BE_PORT, 8080)), 97,
     "backend address family differs from the service's"),
    ("backend port 0", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.2"), u16(BE_PORT, 0)), 22,
     "backend port must not be 0"),
    ("backend weight 70000", "BACKEND_NEW",
     svc(*KEY) + be(addr(BE_ADDR, "10.0.2.2"), u16(BE_PORT, 8080),
                    u32(BE_WEIGHT, 70000)), 34,
     "backend weight is above 65535"),
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
    ("changing a weight beyond the maximum", "BACKEND_SET",
     svc(*KEY) + be(*BE, u32(BE_WEIGHT, 65536)), 34,
     "backend weight is above 65535"),
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
    check("refused requests changed nothing", dump_services(g) == before)

    # A bad filter ends the flow dump: NLMSG_DONE carries errno and message.
    g.send(CMD["FLOW_GET"], svc(FAM, PROTO, PORT), flags=NLM_F_DUMP)
    data = g.sock.recv(1 << 20)
    mlen, mtype, mflags = struct.unpack_from("=IHH", data)
    err = -struct.unpack_from("=i", data, 16)[0] if mtype == NLMSG_DONE else 0
    tlvs = dict(parse_attrs(data[20:mlen])) if mflags & NLM_F_ACK_TLVS else {}
    msg = tlvs.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
    check("refused: flow dump filtered by a service without address",
          err == 22 and msg == "missing service address",
          f"got type {mtype} errno {err} \"{msg}\"")
    check("flow dump of an idle namespace: empty",
          g.request(CMD["FLOW_GET"], flags=NLM_F_DUMP) == [])

    # Accepted changes take effect.
    g.request(CMD["BACKEND_SET"], svc(*KEY) + be(*BE, u32(BE_WEIGHT, 9)))
    bes = dump_services(g)[key_of(KEY)][1]
    check("backend weight change is dumped",
          len(bes) == 1 and bes[0][BE_WEIGHT] == (9).to_bytes(4, "little"))

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
    intr = any(f & NLM_F_DUMP_INTR for f, _ in g.recv_msgs())
    check("a change during a dump sets NLM_F_DUMP_INTR", first and intr)

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
