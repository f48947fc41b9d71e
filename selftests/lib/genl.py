# SPDX-License-Identifier: GPL-2.0
"""A raw generic netlink client for the svclb family, for tests that must
send what svcadm never would: missing, malformed and unknown attributes."""

import errno
import os
import socket
import struct

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
SO_RCVBUFFORCE = 33

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLA_F_NESTED = 0x8000

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_POLICY = 4
# In NLMSGERR_ATTR_POLICY: what the policy of the refused attribute allows.
NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4
NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5
NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6
NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NETLINK_ADD_MEMBERSHIP = 1

# include/uapi/linux/svclb.h
CMD = dict(SERVICE_NEW=1, SERVICE_SET=2, SERVICE_DEL=3, SERVICE_GET=4,
           BACKEND_NEW=5, BACKEND_SET=6, BACKEND_DEL=7, FLUSH=8,
           CONFIG_GET=9, CONFIG_SET=10, LOOKUP=11, FLOW_GET=12, FLOW_DEL=13)
A_SERVICE, A_BACKEND, A_CONFIG, A_LOOKUP, A_FLOW, A_GENERATION, A_STATS = \
    range(1, 8)
SVC_FAMILY, SVC_PROTO, SVC_ADDR, SVC_PORT, SVC_SCHED, SVC_FLAGS, \
    SVC_STATS, SVC_BACKENDS, SVC_AFFINITY, SVC_AFFINITY_TIMEOUT, \
    SVC_BACKENDS_FROM, SVC_BACKENDS_MORE = range(1, 13)
BE_ADDR, BE_PORT, BE_WEIGHT, BE_STATS, BE_STATE = range(1, 6)
BE_STATE_ACTIVE, BE_STATE_TERMINATING = 0, 1
CFG_SEED, CFG_AFFINITY_ENTRIES, CFG_MAX_SERVICES, CFG_MAX_BACKENDS, \
    CFG_GENERATION = 10, 12, 13, 14, 15
LK_CLIENT_ADDR, LK_CLIENT_PORT, LK_HASH, LK_NEW, LK_FLOW, LK_FLOW_STATE = \
    range(1, 7)
FLOW_STATES = ["udp", "syn-sent", "established", "closing", "sctp"]


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    pad = b"\0" * ((4 - len(payload) % 4) % 4)
    return hdr + payload + pad


def u8(atype, v):
    return attr(atype, struct.pack("=B", v))


def u16(atype, v):
    return attr(atype, struct.pack("=H", v))


def u32(atype, v):
    return attr(atype, struct.pack("=I", v))


def u64(atype, v):
    return attr(atype, struct.pack("=Q", v))


def string(atype, s):
    return attr(atype, s.encode() + b"\0")


def nest(atype, *attrs, flag=True):
    return attr(atype | (NLA_F_NESTED if flag else 0), b"".join(attrs))


def addr(atype, text):
    fam = socket.AF_INET6 if ":" in text else socket.AF_INET
    return attr(atype, socket.inet_pton(fam, text))


def svc_key(vip="10.96.0.10", port=80, proto=socket.IPPROTO_TCP, family=None):
    """The attributes of a service key, inside SVCLB_A_SERVICE."""
    if family is None:
        family = socket.AF_INET6 if ":" in vip else socket.AF_INET
    return [u16(SVC_FAMILY, family), u8(SVC_PROTO, proto),
            addr(SVC_ADDR, vip), u16(SVC_PORT, port)]


def parse_attrs(data):
    """[(type without flags, payload)] of a TLV stream."""
    out = []
    while len(data) >= 4:
        alen, atype = struct.unpack_from("=HH", data)
        if alen < 4:
            break
        out.append((atype & 0x3fff, data[4:alen]))
        data = data[(alen + 3) & ~3:]
    return out


class NetlinkError(Exception):
    def __init__(self, err, msg, policy=None):
        super().__init__(f"{os.strerror(err)}: {msg}")
        self.errno = err
        self.msg = msg
        # The genetlink core's refusals by policy: {NL_POLICY_TYPE_ATTR_*:
        # value} of the policy the attribute failed.
        self.policy = policy or {}


class Genl:
    def __init__(self, name="svclb", portid=0):
        """A socket of the family, bound to @portid (0: the kernel picks)."""
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((portid, 0))
        self.portid = self.sock.getsockname()[0]
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.seq = 0
        self.family = GENL_ID_CTRL
        # The multicast groups of the family: {name: id}.
        self.groups = {}
        reply = self.request(CTRL_CMD_GETFAMILY,
                             string(CTRL_ATTR_FAMILY_NAME, name), flags=0,
                             version=1)
        for atype, val in parse_attrs(reply[0][1][4:]):
            if atype == CTRL_ATTR_FAMILY_ID:
                self.family = struct.unpack("=H", val)[0]
            elif atype == CTRL_ATTR_MCAST_GROUPS:
                for _, grp in parse_attrs(val):
                    g = dict(parse_attrs(grp))
                    self.groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0")
                                .decode()] = struct.unpack(
                                    "=I", g[CTRL_ATTR_MCAST_GRP_ID])[0]

    def join(self, group):
        """Join the multicast group @group (its name)."""
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                             self.groups[group])

    def send(self, cmd, payload=b"", flags=NLM_F_ACK, version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), self.family,
                          NLM_F_REQUEST | flags, self.seq, 0)
        self.sock.send(hdr + body)
        return self.seq

    def recv_msgs(self):
        """Yield (nlmsg flags, genl payload) until DONE; raise on error."""
        while True:
            data = self.sock.recv(1 << 20)
            while len(data) >= 16:
                mlen, mtype, mflags, _, _ = struct.unpack_from("=IHHII", data)
                msg, data = data[16:mlen], data[(mlen + 3) & ~3:]
                if mtype == NLMSG_DONE:
                    return
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", msg)[0]
                    if not err:
                        return
                    raise NetlinkError(err, *self._extack(msg, mflags))
                yield mflags, msg
                if not mflags & NLM_F_MULTI:
                    return

    @staticmethod
    def _extack(msg, flags):
        """The message and the policy of an NLMSG_ERROR's extended ack."""
        if not flags & NLM_F_ACK_TLVS:
            return "", {}
        # struct nlmsgerr: error, then the request's header (and payload
        # unless capped), then the TLVs.
        olen = struct.unpack_from("=I", msg, 4)[0]
        off = 4 + (16 if flags & NLM_F_CAPPED else olen)
        text, policy = "", {}
        for atype, val in parse_attrs(msg[(off + 3) & ~3:]):
            if atype == NLMSGERR_ATTR_MSG:
                text = val.rstrip(b"\0").decode()
            elif atype == NLMSGERR_ATTR_POLICY:
                policy = {t: int.from_bytes(v, "little")
                          for t, v in parse_attrs(val)}
        return text, policy

    def request(self, cmd, payload=b"", flags=NLM_F_ACK, version=1):
        self.send(cmd, payload, flags, version)
        return list(self.recv_msgs())

    def try_request(self, cmd, payload=b""):
        """(errno, extack message) of a request; (0, "") on success."""
        return self.try_request_policy(cmd, payload)[:2]

    def try_request_policy(self, cmd, payload=b""):
        """(errno, extack message, policy) of a request: as try_request(),
        and the policy of the attribute the genetlink core refused."""
        try:
            self.request(cmd, payload)
            return 0, "", {}
        except NetlinkError as e:
            return e.errno, e.msg, e.policy

    def dump(self, cmd=CMD["SERVICE_GET"], payload=b""):
        return self.request(cmd, payload, flags=NLM_F_DUMP)

    def config(self):
        """{SVCLB_CFG_A_*: bytes} of SVCLB_CMD_CONFIG_GET."""
        [(_, msg)] = self.request(CMD["CONFIG_GET"], flags=0)
        return dict(parse_attrs(dict(parse_attrs(msg[4:]))[A_CONFIG]))

    def generation(self):
        return struct.unpack("=I", self.config()[CFG_GENERATION])[0]


def dump_services(g, payload=b""):
    """The services as {key: (attrs, [backend attrs])}, messages merged;
    @payload is the request's (a key filter, A_STATS)."""
    out = {}
    for _, msg in g.dump(payload=payload):
        for atype, val in parse_attrs(msg[4:]):
            if atype != A_SERVICE:
                continue
            a = dict(parse_attrs(val))
            key = (a[SVC_FAMILY], a[SVC_PROTO], a[SVC_ADDR], a[SVC_PORT])
            svc = out.setdefault(key, (a, []))
            for _, be in parse_attrs(a.get(SVC_BACKENDS, b"")):
                svc[1].append(dict(parse_attrs(be)))
    return out


def endpoint(attrs):
    """"ADDR:PORT" (IPv6 in brackets) of a nest with BE_ADDR and BE_PORT."""
    a = dict(parse_attrs(attrs))
    fam = socket.AF_INET6 if len(a[BE_ADDR]) == 16 else socket.AF_INET
    host = socket.inet_ntop(fam, a[BE_ADDR])
    port = struct.unpack("=H", a[BE_PORT])[0]
    return f"[{host}]:{port}" if fam == socket.AF_INET6 else f"{host}:{port}"


def lookup_request(key, client, cport):
    """The payload of SVCLB_CMD_LOOKUP: key as from svc_key()."""
    return nest(A_SERVICE, *key) + nest(A_LOOKUP, addr(LK_CLIENT_ADDR, client),
                                        u16(LK_CLIENT_PORT, cport))


def parse_lookup(msg):
    """{"new": ep or None, "flow": ep or None, "state": name, "hash": int}
    of a SVCLB_CMD_LOOKUP reply."""
    out = {"new": None, "flow": None, "state": None, "hash": None}
    for atype, val in parse_attrs(msg[4:]):
        if atype != A_LOOKUP:
            continue
        for t, v in parse_attrs(val):
            if t == LK_NEW:
                out["new"] = endpoint(v)
            elif t == LK_FLOW:
                out["flow"] = endpoint(v)
            elif t == LK_FLOW_STATE:
                out["state"] = FLOW_STATES[v[0]]
            elif t == LK_HASH:
                out["hash"] = struct.unpack("=Q", v)[0]
    return out


def lookup_many(g, key, clients, batch=256):
    """Look up many (client, port) tuples of one service, sending the
    requests in batches without waiting for each reply."""
    # Room for a batch of replies (an skb of some KB each).
    g.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 22)
    out = []
    for i in range(0, len(clients), batch):
        part = clients[i:i + batch]
        for client, cport in part:
            g.send(CMD["LOOKUP"], lookup_request(key, client, cport), flags=0)
        for _ in part:
            [(_, msg)] = list(g.recv_msgs())
            out.append(parse_lookup(msg))
    return out


__all__ = ["Genl", "NetlinkError", "errno"]
