# SPDX-License-Identifier: GPL-2.0
"""Search everything the svclb family sends for kernel addresses.

usage: nlpointers.py

Run in a namespace that has services, backends and flows. It reads the
service and flow dumps, the settings, a lookup of every service, the
events its own changes cause and the answers to refused requests, and
looks in every attribute for a 64-bit value of the kernel's half of the
address space (0xffff8000_00000000 and up) at any 4-byte aligned offset.
Values that are random by design (the flow hash seed and a lookup's hash)
are left out. Prints what it read; exits 1 naming any attribute that
holds such a value, 2 if the search itself cannot find a planted one."""

import select
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from genl import (A_CONFIG, A_LOOKUP, A_SERVICE, CFG_SEED, CMD,  # noqa: E402
                  CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL,
                  LK_CLIENT_ADDR, LK_CLIENT_PORT, LK_HASH, NLA_F_NESTED,
                  NETLINK_CAP_ACK, NLM_F_ACK, NLM_F_DUMP, NLMSG_DONE,
                  NLMSG_ERROR, SOL_NETLINK, SVC_ADDR, SVC_FAMILY, SVC_PORT,
                  SVC_PROTO, Genl, NetlinkError, attr, nest, parse_attrs,
                  string, u16, u32)

CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = \
    7, 1, 2
NETLINK_ADD_MEMBERSHIP = 1
CFG_TIMEOUT_SCTP = 5
KERNEL_HALF = 0xffff800000000000
RANDOM = {(A_CONFIG, CFG_SEED), (A_LOOKUP, LK_HASH)}


def scan(data, path, found, counts):
    """Walk the attributes of data; record kernel-looking leaves in found."""
    off = 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4 or off + alen > len(data):
            break
        val = data[off + 4:off + alen]
        here = path + (atype & 0x3fff,)
        if atype & NLA_F_NESTED:
            scan(val, here, found, counts)
        elif here[-2:] not in RANDOM:
            counts["leaves"] += 1
            for i in range(0, len(val) - 7, 4):
                v = struct.unpack_from("=Q", val, i)[0]
                if v >= KERNEL_HALF:
                    found.append((here, i, v))
        off += (alen + 3) & ~3


def events_group(g):
    family, g.family = g.family, GENL_ID_CTRL
    reply = g.request(CTRL_CMD_GETFAMILY, string(CTRL_ATTR_FAMILY_NAME,
                                                 "svclb"), flags=0)
    g.family = family
    for atype, val in parse_attrs(reply[0][1][4:]):
        if atype & 0x3fff != CTRL_ATTR_MCAST_GROUPS:
            continue
        for _, grp in parse_attrs(val):
            a = dict((t & 0x3fff, v) for t, v in parse_attrs(grp))
            if a[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0") == b"events":
                return struct.unpack("=I", a[CTRL_ATTR_MCAST_GRP_ID])[0]
    raise SystemExit("no events group")


def messages(data):
    """(type, payload) of each netlink message in data."""
    out = []
    while len(data) >= 16:
        mlen, mtype = struct.unpack_from("=IH", data)
        out.append((mtype, data[16:mlen]))
        data = data[(mlen + 3) & ~3:]
    return out


def raw_replies(g, cmd, payload=b"", flags=0):
    """Every message the kernel answers with, acks and errors included."""
    g.send(cmd, payload, flags | NLM_F_ACK)
    out = []
    while not out or out[-1][0] not in (NLMSG_ERROR, NLMSG_DONE):
        out += messages(g.sock.recv(1 << 20))
    return out


def main():
    # The search must see a planted address, or it proves nothing.
    planted = []
    scan(attr(A_SERVICE, struct.pack("=IQ", 0, 0xffff888012345678)), (),
         planted, {"leaves": 0})
    if not planted:
        print("the search misses a planted kernel address")
        return 2

    g = Genl()
    # Errors echo the request's header only: what follows is the kernel's.
    g.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    ev = Genl()
    ev.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, events_group(ev))

    msgs = raw_replies(g, CMD["SERVICE_GET"], flags=NLM_F_DUMP)
    msgs += raw_replies(g, CMD["FLOW_GET"], flags=NLM_F_DUMP)
    msgs += raw_replies(g, CMD["CONFIG_GET"])
    keys = []
    for mtype, msg in msgs:
        if mtype <= 3:
            continue
        for atype, val in parse_attrs(msg[4:]):
            if atype & 0x3fff == A_SERVICE:
                a = dict((t & 0x3fff, v) for t, v in parse_attrs(val))
                if SVC_ADDR in a:
                    keys.append([attr(t, a[t]) for t in
                                 (SVC_FAMILY, SVC_PROTO, SVC_ADDR, SVC_PORT)])
    for key in keys:
        client = b"\x0a\x00\x00\x01" if len(key[2]) == 8 else \
            b"\xfd" + bytes(14) + b"\x01"
        msgs += raw_replies(g, CMD["LOOKUP"], nest(A_SERVICE, *key) + nest(
            A_LOOKUP, attr(LK_CLIENT_ADDR, client),
            u16(LK_CLIENT_PORT, 40000)))
    # Changes, for their events; refused requests, for their errors.
    msgs += raw_replies(g, CMD["CONFIG_SET"],
                        nest(A_CONFIG, u32(CFG_TIMEOUT_SCTP, 3600)))
    for key in keys[:4]:
        msgs += raw_replies(g, CMD["SERVICE_SET"], nest(A_SERVICE, *key))
        msgs += raw_replies(g, CMD["SERVICE_NEW"], nest(A_SERVICE, *key))
    msgs += raw_replies(g, CMD["BACKEND_NEW"], b"")
    msgs += raw_replies(g, CMD["CONFIG_SET"],
                        nest(A_CONFIG, u32(CFG_TIMEOUT_SCTP, 0)))
    events = 0
    while select.select([ev.sock], [], [], 1)[0]:
        got = messages(ev.sock.recv(1 << 20))
        events += len(got)
        msgs += got

    found, counts = [], {"leaves": 0}
    errors = 0
    for mtype, msg in msgs:
        if mtype == NLMSG_ERROR:
            errors += 1
            # struct nlmsgerr: the error and the request's header (capped),
            # then the kernel's TLVs.
            scan(msg[20:], ("ack",), found, counts)
        elif mtype > NLMSG_DONE:
            scan(msg[4:], (msg[0],), found, counts)
    print(f"{len(msgs)} messages ({events} events, {errors} acks and errors, "
          f"{len(keys)} services looked up), {counts['leaves']} attributes")
    for path, off, v in found:
        print(f"kernel address {v:#x} in attribute {path} at offset {off}")
    return 1 if found or not keys or not events else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except NetlinkError as e:
        sys.exit(f"netlink: {e}")
