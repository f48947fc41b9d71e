#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench/guest.sh's raw.jsonl into the markdown report (stdout),
results.json and the chart of ratios to direct (ratios.png, gnuplot).

    report.py [--cmd CMD] [--accel NAME] [--no-chart] RESULTS_DIR
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

TESTS = {"tcp_crr": ("TCP connect/request/response/close", "flows/s"),
         "udp_rr": ("UDP request/response, new source port each", "flows/s"),
         "bulk": ("TCP bulk throughput, established flow (iperf3)", "Mbit/s")}
NAMES = {"direct": "direct", "svclb": "svclb", "svclb-nl": "svclb",
         "ipvs": "IPVS", "nft": "nftables", "iptables": "iptables"}


def value(rec):
    r = rec["result"]
    if rec["test"] == "bulk":
        return r.get("kbits", 0) / 1000.0
    return r.get("rate", 0.0)


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs),
            "runs": len(xs)}


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def cell(s, digits=0, suffix=""):
    if not s:
        return "–"
    if s["runs"] == 1:
        return f"{fmt(s['median'], digits)}{suffix}"
    return (f"{fmt(s['median'], digits)}{suffix} "
            f"({fmt(s['min'], digits)}–{fmt(s['max'], digits)})")


def datapath(recs):
    """{(test, system, n): {"value": stats, "ratio": stats}}"""
    direct = {(r["round"], r["test"]): value(r) for r in recs
              if r["kind"] == "dp" and r["system"] == "direct"}
    vals, ratios = {}, {}
    for r in recs:
        if r["kind"] != "dp":
            continue
        key = (r["test"], r["system"], r["n"])
        v = value(r)
        vals.setdefault(key, []).append(v)
        d = direct.get((r["round"], r["test"]))
        ratios.setdefault(key, []).append(v / d if d else None)
    return {k: {"value": stats(vals[k]), "ratio": stats(ratios[k])}
            for k in vals}


def cp_figures(recs, bound):
    """{(system, n, backends): {"load": ..., "change": ..., ...}}"""
    out = {}
    for r in recs:
        if r["kind"] != "cp":
            continue
        e = out.setdefault((r["system"], r["n"], r["backends"]),
                           {"load": [], "change": [], "timeouts": 0, "failed": 0,
                            "vips": [], "messages": r.get("messages"),
                            "change_messages": r.get("change_messages")})
        if r["load_status"] == "ok":
            e["load"].append(r["load_seconds"])
        elif r["load_status"] == "timeout":
            e["timeouts"] += 1
        else:
            e["failed"] += 1
        if r.get("change_status") == "ok":
            e["change"].append(r["change_seconds"])
        if r.get("vips_status") == "ok":
            e["vips"].append(r["vips_seconds"])
    for e in out.values():
        e["load"], e["change"], e["vips"] = (stats(e["load"]), stats(e["change"]),
                                             stats(e["vips"]))
    return out


def cp_cell(e, bound):
    if e is None:
        return "–"
    if e["load"] is None:
        if e["timeouts"]:
            return f"> {bound} s (did not finish)"
        return "failed"
    s = cell(e["load"], 2, " s")
    if e["timeouts"]:
        s += f"; {e['timeouts']} run(s) > {bound} s"
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--cmd", default="bench/run.sh")
    p.add_argument("--accel", default="tcg")
    p.add_argument("--no-chart", action="store_true")
    a = p.parse_args()
    recs = [json.loads(line) for line in open(os.path.join(a.dir, "raw.jsonl"))
            if line.strip()]
    env = next((r for r in recs if r["kind"] == "env"), None)
    if env is None:
        sys.exit("report.py: no env record: the guest did not start")
    bound = env["bound"]
    systems = ["direct"] + env["systems"].split()
    sizes = [int(n) for n in env["sizes"].split()]
    big = max(sizes)
    dp = datapath(recs)
    cp = cp_figures(recs, bound)
    out = []
    w = out.append

    w(f"Command: `{a.cmd}`  ")
    w(f"Environment: kernel {env['kernel']}, QEMU {a.accel.upper()} (no KVM), "
      f"{env['vcpus']} vCPU, guest command line `{env['cmdline']}`; "
      f"{env['rounds']} round(s) of {env['duration']} s per run, "
      f"{env['threads']} client threads; iptables-{env['iptables']}.")
    w("")
    w("### Datapath")
    w("")
    w("Median (min–max) over the rounds; the ratio is to `direct` in the same "
      "round. N = services configured; the measured one sits in the middle.")
    w("")
    head = "| test | system | " + " | ".join(f"N = {n:,}" for n in sizes) + " |"
    w(head)
    w("|" + "---|" * (2 + len(sizes)))
    for test, (title, unit) in TESTS.items():
        for s in systems:
            cells = []
            for n in sizes:
                e = dp.get((test, s, 0 if s == "direct" else n))
                if not e:
                    cells.append("–")
                elif s == "direct":
                    cells.append(cell(e["value"], 0, f" {unit}"))
                else:
                    cells.append(f"{cell(e['value'], 0, f' {unit}')}; "
                                 f"**{cell(e['ratio'], 2, '×')}**")
            w(f"| {title} | {NAMES[s]} | " + " | ".join(cells) + " |")
    w("")

    w("### Control plane")
    w("")
    w("Seconds from an empty node namespace; each step bounded to "
      f"{bound} s. svclb (svcadm): `svcadm apply` of the whole desired state, "
      "as a node agent runs it: one netlink message per service created or "
      "changed, many to a `sendmsg()`; a change is the whole state again, of "
      "which apply dumps the kernel's and sends the difference. svclb "
      "(netlink, one socket): a request per service and per backend from one "
      "process (bench/nlload.py, Python). The change adds a backend to one "
      "service.")
    w("")
    cp_sys = [s for s in ["svclb", "svclb-nl", "ipvs", "nft", "iptables"]
              if any(k[0] == s for k in cp)]
    cp_sizes = sorted({k[1] for k in cp})
    small = min(cp_sizes) if cp_sizes else 0
    large = max(cp_sizes) if cp_sizes else 0
    label = {"svclb": "svclb (svcadm)", "svclb-nl": "svclb (netlink, one socket)",
             "ipvs": "IPVS (ipvsadm -R)", "nft": "nftables (nft -f)",
             "iptables": f"iptables-{env['iptables']} (iptables-restore)"}
    cols = [(large, 2, "load"), (large, 10, "load"), (small, 2, "change"),
            (large, 2, "change")]
    cols = [c for c in dict.fromkeys(cols) if any(k[1:] == c[:2] for k in cp)]
    w("| system | " + " | ".join(
        f"load {n:,} × {b}" if what == "load" else f"change on top of {n:,}"
        for n, b, what in cols) + " | netlink requests (load / change) |")
    w("|" + "---|" * (len(cols) + 2))
    for s in cp_sys:
        cells = []
        for n, b, what in cols:
            e = cp.get((s, n, b))
            cells.append(cp_cell(e, bound) if what == "load"
                         else (cell(e["change"], 3, " s") if e else "–"))
        e = cp.get((s, large, 2)) or cp.get((s, small, 2))
        msgs = (f"{e['messages']:,} / {e['change_messages']}"
                if e and e.get("messages") else "–")
        w(f"| {label[s]} | " + " | ".join(cells) + f" | {msgs} |")
    lanes = [r for r in recs if r["kind"] == "setup" and r["n"] == big]
    if lanes:
        w("")
        w(f"Loading the datapath lanes (N = {big:,} plus a UDP and an iperf3 port "
          "on the measured VIP, 2 backends each), for reference: " + "; ".join(
              f"{NAMES[r['system']]} with {r['loader']}: "
              + (f"{r['seconds']:.1f} s" if r["status"] == "ok"
                 else f"{r['status']} after {r['seconds']:.0f} s")
              for r in lanes) + ".")
    v = cp.get(("ipvs", large, 2))
    if v and v["vips"]:
        w("")
        w(f"IPVS also needs its {large:,} VIPs on kube-ipvs0: "
          f"{cell(v['vips'], 2, ' s')} with one `ip -batch` (not included above).")
    w("")

    w("### Memory")
    w("")
    w(f"Per flow: {env['mem_flows']:,} UDP request/response flows, each from "
      "a new source port (entries stay 60 s in svclb, 300 s in IPVS, 120 s "
      "in conntrack as the harness sets it), then the growth of the system's "
      "flow caches (slub_nomerge: not merged) and of the kernel's "
      "unreclaimable slab + per-CPU + vmalloc memory, divided by the flows it "
      "tracks. Per service: that kernel memory's growth over loading the "
      f"N = {big:,} lane, divided by N (2 backends each). The lanes are "
      "measured one after the other, so the flows of the lane before, "
      "expiring meanwhile, lower the kernel figure (it can go negative) and "
      "the nf_conntrack cache's, which all lanes share; svclb_flow and "
      "ip_vs_conn are their systems' own.")
    w("")
    w("| system | flows tracked | flow caches | bytes/flow (caches) | "
      "bytes/flow (kernel) | bytes/service (kernel) |")
    w("|---|---|---|---|---|---|")
    setup = {r["system"]: r for r in recs
             if r["kind"] == "setup" and r["n"] == big and r["status"] == "ok"}
    mem = {r["system"]: r for r in recs if r["kind"] == "mem"}
    for s in systems:
        m = mem.get(s)
        per_svc = (fmt(setup[s]["kmem_delta"] / big) if s in setup else "–")
        if not m:
            w(f"| {NAMES[s]} | – | – | – | – | {per_svc} |")
            continue
        t = m["tracked"] or None
        w(f"| {NAMES[s]} | {m['tracked']:,} | {m['caches'] or '–'} | "
          f"{fmt(m['cache_delta'] / t) if t else '–'} | "
          f"{fmt(m['kmem_delta'] / t) if t else fmt(m['kmem_delta']) + ' (total)'} | "
          f"{per_svc} |")
    w("")

    # The goals at the largest N.
    def ratio(test, s):
        e = dp.get((test, s, big))
        return e["ratio"]["median"] if e and e["ratio"] else None

    goals = []
    for test in ("tcp_crr", "udp_rr"):
        sv = ratio(test, "svclb")
        peers = {p: ratio(test, p) for p in ("ipvs", "nft")}
        ok = (sv is not None and sv >= 0.97 and
              all(v is None or sv > v for v in peers.values()))
        goals.append((f"{TESTS[test][0]}: svclb ≥ 0.97× direct and above IPVS "
                      f"and nftables", ok,
                      f"svclb {fmt(sv, 2)}×, IPVS {fmt(peers['ipvs'], 2)}×, "
                      f"nftables {fmt(peers['nft'], 2)}×"))
    sv = ratio("bulk", "svclb")
    goals.append(("established throughput ≥ 0.97× direct",
                  sv is not None and sv >= 0.97, f"svclb {fmt(sv, 2)}×"))
    sl = cp.get(("svclb", large, 2))
    nl = cp.get(("svclb-nl", large, 2))
    iv = cp.get(("ipvs", large, 2))
    ivt = iv["load"]["median"] if iv and iv["load"] else None
    for key, e in (("svcadm", sl), ("netlink, one socket", nl)):
        t = e["load"]["median"] if e and e["load"] else None
        ok = t is not None and ivt is not None and t * 10 <= ivt
        note = (f"{fmt(t, 2)} s vs ipvsadm -R {fmt(ivt, 2)} s"
                if t is not None else f"> {bound} s vs ipvsadm -R {fmt(ivt, 2)} s")
        goals.append((f"loading {large:,} services ({key}) ≥ 10× faster than "
                      "ipvsadm -R", ok, note))
    if sl and cp.get(("svclb", small, 2)):
        a_, b_ = cp[("svclb", small, 2)]["change"], sl["change"]
        if a_ and b_:
            ok = b_["median"] <= a_["median"] * 1.1
            goals.append((f"one change on top of {large:,} as fast as on top "
                          f"of {small:,} (svcadm, within 10%)", ok,
                          f"{fmt(b_['median'], 3)} s vs {fmt(a_['median'], 3)} s"))
    w(f"### Goals at N = {big:,}")
    w("")
    w("| goal | met | figures |")
    w("|---|---|---|")
    for g, ok, note in goals:
        w(f"| {g} | {'yes' if ok else 'no'} | {note} |")
    w("")
    if not a.no_chart:
        w(f"![ratios to direct]({os.path.join(a.dir, 'ratios.png')})")

    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(a.dir, "report.md"), "w") as f:
        f.write(text)
    summary = {"env": env, "command": a.cmd,
               "datapath": [{"test": k[0], "system": k[1], "n": k[2], **v}
                            for k, v in sorted(dp.items())],
               "control_plane": [{"system": k[0], "n": k[1], "backends": k[2], **v}
                                 for k, v in sorted(cp.items())],
               "memory": list(mem.values()), "setup": list(setup.values()),
               "goals": [{"goal": g, "met": ok, "figures": n} for g, ok, n in goals],
               "raw": recs}
    with open(os.path.join(a.dir, "results.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if not a.no_chart:
        chart(a.dir, dp, systems[1:], sizes)


def chart(d, dp, systems, sizes):
    """A clustered histogram: one group per test and N, one bar per system."""
    rows = []
    for test in TESTS:
        for n in sizes:
            line = [f'"{test} N={n}"']
            for s in systems:
                e = dp.get((test, s, n))
                r = e["ratio"] if e else None
                line += [f"{r['median']:.3f}" if r else "NaN",
                         f"{r['min']:.3f}" if r else "NaN",
                         f"{r['max']:.3f}" if r else "NaN"]
            rows.append(" ".join(line))
    data = os.path.join(d, "ratios.dat")
    with open(data, "w") as f:
        f.write("\n".join(rows) + "\n")
    plots = ", ".join(
        f"'{data}' using {2 + 3 * i}:{3 + 3 * i}:{4 + 3 * i}:xtic(1) "
        f"title '{NAMES[s]}'" for i, s in enumerate(systems))
    script = f"""
set terminal pngcairo size 1100,500 noenhanced
set output '{os.path.join(d, "ratios.png")}'
set title 'Ratio to direct (median, bars: min-max over rounds); higher is better'
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set yrange [0:*]
set grid ytics
set key top right
set xtics rotate by -20
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot {plots}
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report.py: no chart: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
