#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write the configuration of N services for one system, in that system's
own loader format, to stdout.

    gen.py FORMAT N BACKENDS [--lane] [--change]

FORMAT: svcadm (svcadm argument lines, one per object), state (the JSON state
that svcadm apply reads, docs/state-format.md), ipvsadm (ipvsadm -R),
vips (ip -batch: the VIPs on IPVS's dummy device kube-ipvs0), nft (nft -f,
kube-proxy's nftables layout), iptables (iptables-restore, kube-proxy's
iptables layout).

Service i (0 <= i < N) is TCP VIP(i):80 with BACKENDS backends on port 8080.
The measured service M = N // 2 sits in the middle (half of KUBE-SERVICES
precedes its rule) and has the real backends 10.0.2.1 and 10.0.2.2 first;
every other backend address takes no traffic. --lane adds what the datapath
runs need on VIP(M), next to it: UDP port 80 (the two real backends) and TCP port 5201
(iperf3 on 10.0.2.1 only: its control and data connections must meet the
same server). --change writes instead the one change that the control-plane
figure times, a new backend 10.0.2.3 for service M, as kube-proxy would send
it; for state, the whole desired state after that change.
"""

import json
import sys

PORT, BE_PORT, BULK_PORT = 80, 8080, 5201
REAL = ["10.0.2.1", "10.0.2.2"]
NEW_BACKEND = "10.0.2.3"


def vip(i):
    return f"10.96.{(i + 1) >> 8 & 255}.{(i + 1) & 255}"


def backends(i, n, nbe):
    if i == n // 2:
        return (REAL + [f"10.0.3.{k + 1}" for k in range(nbe)])[:nbe]
    k = i * nbe + 1
    return [f"10.{1 + ((k + j) >> 16)}.{(k + j) >> 8 & 255}.{(k + j) & 255}"
            for j in range(nbe)]


def services(n, nbe, lane):
    """(name, proto, vip, port, ["addr:port", ...]) of every service."""
    for i in range(n):
        yield (f"{i}-tcp", "tcp", vip(i), PORT,
               [f"{b}:{BE_PORT}" for b in backends(i, n, nbe)])
        if lane and i == n // 2:
            yield "m-udp", "udp", vip(i), PORT, [f"{b}:{BE_PORT}" for b in REAL]
            yield "m-bulk", "tcp", vip(i), BULK_PORT, [f"{REAL[0]}:{BULK_PORT}"]


def change(n, nbe):
    """The measured service before and after the change."""
    m = n // 2
    old = [f"{b}:{BE_PORT}" for b in backends(m, n, nbe)]
    return (f"{m}-tcp", "tcp", vip(m), PORT, old), old + [f"{NEW_BACKEND}:{BE_PORT}"]


def svcadm(svcs, new=None):
    if new:
        (_, proto, v, port, _), = svcs
        return [f"backend add {proto} {v}:{port} {new[-1]}"]
    out = []
    for _, proto, v, port, bes in svcs:
        out.append(f"service add {proto} {v}:{port}")
        out += [f"backend add {proto} {v}:{port} {b}" for b in bes]
    return out


def state(svcs, new=None):
    """svcadm apply's input; with new, the state with the change made."""
    out = []
    for name, proto, v, port, bes in svcs:
        if new and name == new[0]:
            bes = new[1]
        out.append({"proto": proto, "address": v, "port": port,
                    "backends": [{"address": b.rsplit(":", 1)[0],
                                  "port": int(b.rsplit(":", 1)[1])}
                                 for b in bes]})
    return [json.dumps({"services": out}, separators=(",", ":"))]


def ipvsadm(svcs, new=None):
    if new:
        (_, proto, v, port, _), = svcs
        return [f"-a -t {v}:{port} -r {new[-1]} -m -w 1"]
    out = []
    for _, proto, v, port, bes in svcs:
        flag = "-t" if proto == "tcp" else "-u"
        out.append(f"-A {flag} {v}:{port} -s rr")
        out += [f"-a {flag} {v}:{port} -r {b} -m -w 1" for b in bes]
    return out


def vips(svcs, new=None):
    return [] if new else [f"addr add {v}/32 dev kube-ipvs0"
                           for v in dict.fromkeys(s[2] for s in svcs)]


def nft(svcs, new=None):
    t = "ip kube-proxy"
    out, rules = [], []
    if not new:
        out += [f"add table {t}",
                f"add map {t} service-ips {{ type ipv4_addr . inet_proto . "
                f"inet_service : verdict ; }}",
                f"add chain {t} services",
                f"add chain {t} nat-prerouting {{ type nat hook prerouting "
                f"priority dstnat ; policy accept ; }}",
                f"add chain {t} nat-output {{ type nat hook output "
                f"priority -100 ; policy accept ; }}"]
    for name, proto, v, port, bes in svcs:
        svc = f"service-{name}"
        bes = new or bes
        eps = [f"endpoint-{name}-{b.replace(':', '-')}" for b in bes]
        if new:
            # Like kube-proxy: a chain for the new endpoint, the service's
            # chain rewritten whole.
            out += [f"add chain {t} {eps[-1]}", f"flush chain {t} {svc}"]
            added = [(eps[-1], bes[-1])]
        else:
            out += [f"add chain {t} {svc}"] + [f"add chain {t} {e}" for e in eps]
            added = list(zip(eps, bes))
        rules += [f"add rule {t} {e} meta l4proto {proto} dnat to {b}"
                  for e, b in added]
        vmap = " , ".join(f"{k} : goto {e}" for k, e in enumerate(eps))
        rules.append(f"add rule {t} {svc} numgen random mod {len(eps)} "
                     f"vmap {{ {vmap} }}")
        if not new:
            rules.append(f"add element {t} service-ips "
                         f"{{ {v} . {proto} . {port} : goto {svc} }}")
    out += rules
    if not new:
        out += [f"add rule {t} services ip daddr . meta l4proto . th dport "
                f"vmap @service-ips",
                f"add rule {t} nat-prerouting jump services",
                f"add rule {t} nat-output jump services"]
    return out


def iptables(svcs, new=None):
    out = ["*nat"]
    if not new:
        out += [":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
                ":KUBE-SERVICES - [0:0]"]
    chains, rules = [], []
    for name, proto, v, port, bes in svcs:
        svc = f"KUBE-SVC-{name.upper()}"
        bes = new or bes
        seps = [f"KUBE-SEP-{name.upper()}-{k}" for k in range(len(bes))]
        # With --noflush, declaring an existing chain flushes it: the
        # service's chain is rewritten whole, as kube-proxy's partial sync does.
        chains.append(f":{svc} - [0:0]")
        added = [(seps[-1], bes[-1])] if new else list(zip(seps, bes))
        for s, b in added:
            chains.append(f":{s} - [0:0]")
            rules.append(f"-A {s} -p {proto} -m {proto} -j DNAT --to-destination {b}")
        for k, s in enumerate(seps[:-1]):
            rules.append(f"-A {svc} -m statistic --mode random "
                         f"--probability {1.0 / (len(seps) - k):.11f} -j {s}")
        rules.append(f"-A {svc} -j {seps[-1]}")
        if not new:
            rules.append(f"-A KUBE-SERVICES -d {v}/32 -p {proto} -m {proto} "
                         f"--dport {port} -j {svc}")
    out += chains
    if not new:
        out += ["-A PREROUTING -j KUBE-SERVICES", "-A OUTPUT -j KUBE-SERVICES"]
    return out + rules + ["COMMIT"]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit(__doc__)
    gen = {"svcadm": svcadm, "state": state, "ipvsadm": ipvsadm, "vips": vips,
           "nft": nft, "iptables": iptables}[args[0]]
    n, nbe = int(args[1]), int(args[2])
    if "--change" in sys.argv and gen is state:
        svc, new = change(n, nbe)
        lines = state(list(services(n, nbe, False)), (svc[0], new))
    elif "--change" in sys.argv:
        svc, new = change(n, nbe)
        lines = gen([svc], new)
    else:
        lines = gen(list(services(n, nbe, "--lane" in sys.argv)))
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
