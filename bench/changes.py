#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What one change costs, run in the guest of bench/changes.sh (one vCPU
under -icount, where guest time counts instructions): a backend added,
re-weighted and removed on top of N services of 2 backends, for each N of
--sizes; and a service's backend-set rebuild (a weight change) with B
backends, for each B of --backends, with equal and with skewed weights,
for maglev and rr. Each request is one netlink message and its ack from
one socket; "null" is a request that changes nothing (SERVICE_SET with the
key alone), so a figure minus null is what the change costs the kernel.
Prints one JSON object per figure, microseconds of guest time per request.
"""

import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "selftests", "lib"))
import genl  # noqa: E402
from genl import (A_BACKEND, A_SERVICE, BE_ADDR, BE_PORT, BE_WEIGHT, CMD,  # noqa: E402
                  SVC_BACKENDS, SVC_BACKENDS_FROM, SVC_BACKENDS_MORE,
                  SVC_SCHED, addr, attr, nest, string, svc_key, u16, u32)


def ip4(i):
    return socket.inet_ntoa((0x0a400001 + i).to_bytes(4, "big"))


def vip(i):
    return socket.inet_ntoa((0x0a600001 + i).to_bytes(4, "big"))


def be(i, weight=1):
    return nest(A_BACKEND, addr(BE_ADDR, ip4(i)), u16(BE_PORT, 8080),
                u32(BE_WEIGHT, weight))


def svc(key, *attrs):
    return nest(A_SERVICE, *key, *attrs)


def create(g, key, bes, sched="maglev", part=1500):
    """A service with the backend nests @bes, in parts of @part."""
    for i in range(0, max(len(bes), 1), part):
        attrs = [nest(SVC_BACKENDS, *bes[i:i + part])]
        if i:
            attrs.append(u32(SVC_BACKENDS_FROM, i))
        if i + part < len(bes):
            attrs.append(attr(SVC_BACKENDS_MORE, b""))
        else:
            attrs.append(string(SVC_SCHED, sched))
        g.request(CMD["SERVICE_NEW"], svc(key, *attrs))


def per_request(g, requests):
    """Guest microseconds per request of the (cmd, payload) list."""
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    for cmd, payload in requests:
        g.request(CMD[cmd], payload)
    return (time.clock_gettime(time.CLOCK_MONOTONIC) - t0) * 1e6 / len(requests)


def timed(g, cmd, payload):
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    g.request(CMD[cmd], payload)
    return (time.clock_gettime(time.CLOCK_MONOTONIC) - t0) * 1e6


def load(g, requests, window=100):
    """Send the (cmd, payload) requests, @window at a time before reading
    their acks."""
    for i in range(0, len(requests), window):
        chunk = requests[i:i + window]
        for cmd, payload in chunk:
            g.send(CMD[cmd], payload)
        for _ in chunk:
            list(g.recv_msgs())


def settle():
    """Let the work a flush or a load leaves (RCU callbacks freeing the
    old services, the collector) run before a measurement: idle time costs
    no instructions."""
    time.sleep(2)


def changes(g, n, reps):
    """A backend added, re-weighted and removed, @reps times, on service 0
    of @n services of 2 backends: the service goes from 2 backends to 3 and
    back, the same work whatever @n."""
    g.request(CMD["FLUSH"])
    g.request(CMD["CONFIG_SET"], nest(genl.A_CONFIG,
                                      u32(genl.CFG_MAX_SERVICES, max(n, 1))))
    load(g, [("SERVICE_NEW", svc(svc_key(vip(i), 80),
                                 nest(SVC_BACKENDS, be(2 * i), be(2 * i + 1))))
             for i in range(n)])
    settle()
    key = svc_key(vip(0), 80)
    out = {"services": n, "add": 0.0, "reweight": 0.0, "remove": 0.0}
    out["null"] = per_request(g, [("SERVICE_SET", svc(key))] * reps)
    for j in range(reps):
        b = [addr(BE_ADDR, ip4(1000000 + j)), u16(BE_PORT, 8080)]
        out["add"] += timed(g, "BACKEND_NEW", svc(key) + nest(A_BACKEND, *b))
        out["reweight"] += timed(g, "BACKEND_SET", svc(key) + nest(
            A_BACKEND, *b, u32(BE_WEIGHT, 2)))
        out["remove"] += timed(g, "BACKEND_DEL", svc(key) + nest(A_BACKEND, *b))
    for k in ("add", "reweight", "remove"):
        out[k] /= reps
    return out


def rebuilds(g, nb, sched, skewed, reps):
    g.request(CMD["FLUSH"])
    key = svc_key(vip(0), 80)
    create(g, key, [be(i, 65535 if skewed and i == 0 else 1)
                    for i in range(nb)], sched)
    settle()
    # Alternate the last backend's weight: each request rebuilds the set.
    reqs = [("BACKEND_SET", svc(key) + nest(
        A_BACKEND, addr(BE_ADDR, ip4(nb - 1)), u16(BE_PORT, 8080),
        u32(BE_WEIGHT, 2 + j % 2))) for j in range(reps)]
    return {"backends": nb, "sched": sched, "skewed": skewed,
            "null": per_request(g, [("SERVICE_SET", svc(key))] * reps),
            "rebuild": per_request(g, reqs)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="10 100000")
    p.add_argument("--backends", default="1 10 100 1000 10000")
    p.add_argument("--reps", type=int, default=50)
    a = p.parse_args()
    g = genl.Genl()
    for n in map(int, a.sizes.split()):
        print(json.dumps({"kind": "change", **changes(g, n, a.reps)}), flush=True)
    for nb in map(int, a.backends.split()):
        for sched, skewed in (("maglev", False), ("maglev", True), ("rr", False)):
            reps = max(3, min(a.reps, 20000 // nb))
            print(json.dumps({"kind": "rebuild",
                              **rebuilds(g, nb, sched, skewed, reps)}), flush=True)
    g.request(CMD["FLUSH"])


if __name__ == "__main__":
    main()
