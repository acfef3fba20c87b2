#!/usr/bin/python3
# Regenerates the measured tables of docs/PERFORMANCE.md from
# bench/results/*.json (written by ./run bench, bench/run_bench.py) and
# draws the PNG plots under docs/perf/ (Debian's python3-matplotlib).
#
#   report.py [--results DIR] [--doc FILE] [--plots DIR] [--no-plots]
#
# Each generated block sits between the markers
#   <!-- bench:NAME begin -->  ...  <!-- bench:NAME end -->
# and is replaced whole on every run (a block whose results are missing says
# so instead of keeping stale numbers). Every block and every plot carries
# the date, the command and the machine stamp of the run it comes from.
import argparse
import glob
import json
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(path):
    txt = open(path).read()
    txt = re.sub(r"(?<=[:\[,\s])-?(nan|inf)(?=[,\}\]\s])", "null", txt)
    return json.loads(txt)


def stamp(m):
    if not m or "cpu" not in m:
        return "machine unknown"
    return "%s, %s cores, kernel %s, syscall %.0f ns" % (m["cpu"], m["cores"], m["kernel"],
                                                          m["syscall_ns"])


def origin(r):
    q = " (quick run: smoke figures, not for comparison)" if r.get("quick") else ""
    return "_%s, `%s`, %s%s._" % (r.get("date", "?"), r.get("command_line") or r.get("command", "?"),
                                   stamp(r.get("machine")), q)


def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.mean(xs) if xs else None


def f0(x, unit=""):
    return "–" if x is None else "%.0f%s" % (x, unit)


def fm(x):
    return "–" if x is None else "%.2f" % (x / 1e6)


def ratio(a, b):
    return "–" if a is None or not b else "%.2f×" % (a / b)


def missing(name, R):
    r = R.get(name)
    if r is None:
        return "_No results (`bench/results/%s.json` missing): run `./run bench`._" % name
    if r.get("status") not in (None, "ok") or not r.get("results"):
        return "_%s: %s (%s)._" % (name, r.get("status", "no rows"), r.get("reason", "")[:300])
    return None


def result(R, name):
    """(r, None) for a bench with rows, or (None, the note saying why not)."""
    miss = missing(name, R)
    return (None, miss) if miss else (R[name], None)


def head(*cols):
    """A Markdown table's header and separator rows."""
    return ["| %s |" % " | ".join(cols), "|" + "---|" * len(cols)]


# ---- blocks ---------------------------------------------------------------

def block_machine(R):
    m = R.get("machine")
    if not m:
        return "_No run yet: `./run bench` writes bench/results/._"
    lines = ["Run of %s%s: **%s**." % (m["date"], " (`--quick`)" if m.get("quick") else "",
                                        stamp(m["machine"])), "",
             *head("bench", "status", "seconds", "command")]
    for name in sorted(R):
        r = R[name]
        if name == "machine":
            continue
        lines.append("| %s | %s | %s | `%s` |" % (
            name, r.get("status", "ok") + (": " + r["reason"][:120] if r.get("reason") else ""),
            r.get("seconds", "–"), r.get("command_line") or r.get("command", "")))
    return "\n".join(lines)


def block_tap_io(R):
    r, miss = result(R, "tap_io")
    if miss:
        return miss
    rows = r["results"]
    bare = {(x["dir"], x["len"]): x for x in rows if x["path"] == "bare_uring" and x.get("bufs", 64) == 64}
    out = [origin(r), "",
           *head("dir", "bytes", "path", "plain loop Mpps", "tapring Mpps", "ratio", "CPU ns/frame plain",
                "tapring", "bare io_uring", "tapring over bare")]
    for x in rows:
        if x["path"] == "bare_uring":
            continue
        b = bare.get((x["dir"], x["len"]))
        over = "–" if not b or not b["cpu_ns"] else "%+.0f%%" % (100 * (x["cpu_ns"] / b["cpu_ns"] - 1))
        out.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            x["dir"].upper(), x["len"], x["path"], fm(x["plain_pps"]), fm(x["pps"]),
            ratio(x["pps"], x["plain_pps"]), f0(x["plain_cpu_ns"]), f0(x["cpu_ns"]),
            f0(b["cpu_ns"]) if b else "–", over))
    out += ["", "`stage`: frames made or consumed on the worker (run to completion); `app`: through "
            "the rings to an application thread; `ms`/`rd`: multishot / plain reads. The bare "
            "io_uring loop (no engine) is the floor; \"tapring over bare\" is the engine's own "
            "CPU cost per frame above it."]
    return "\n".join(out)


def block_peers(R):
    r, miss = result(R, "peers")
    if miss:
        return miss
    rows = r["results"]
    out = [origin(r), ""]
    un = r.get("unavailable") or {}
    for test, unit in (("echo", "replies/s"), ("tx", "frames/s"), ("rx", "frames/s")):
        sides = []
        for x in rows:
            if x["test"] == test and x["side"] not in sides:
                sides.append(x["side"])
        if not sides and not any(k.startswith(test + "/") for k in un):
            continue
        key = "replies_per_s" if test == "echo" else "pps"
        cpu = "cpu_ns_per_reply" if test == "echo" else "cpu_ns"
        base = {"echo": "kernel", "tx": "plain write()", "rx": "testpmd"}[test]
        bval = mean([x[key] for x in rows if x["test"] == test and x["side"] == base])
        bcpu = mean([x[cpu] for x in rows if x["test"] == test and x["side"] == base])
        title = {"echo": "ICMP echo flood, 1 queue, same generator",
                 "tx": "TX 64 B into the TAP (kernel drops)",
                 "rx": "RX 64 B from the same AF_PACKET generator"}[test]
        out += ["**%s** (mean of %d rounds, alternated; ratios against %s)" % (
            title, max([x["round"] for x in rows if x["test"] == test] + [0]) + 1, base), "",
            *head("side", unit, "ratio", "CPU ns per frame", "CPU ratio",
                  "loss" if test == "echo" else "dropped at the TAP" if test == "rx" else "note")]
        for s in sides:
            xs = [x for x in rows if x["test"] == test and x["side"] == s]
            v, c = mean([x[key] for x in xs]), mean([x[cpu] for x in xs])
            if test == "echo":
                extra = "%.3f%%" % mean([x["loss_pct"] for x in xs])
            elif test == "rx":
                extra = "%d of %d" % (sum(x["dropped"] for x in xs), sum(x["offered"] for x in xs))
            else:
                extra = "busy-polls a core" if s == "testpmd" else ""
            label = {"engine": "tapring engine (in-process)", "up": "`tapring up`",
                     "testpmd": "dpdk-testpmd (net_tap)", "kernel": "Linux kernel (veth)"}.get(s, s)
            out.append("| %s | %s | %s | %s | %s | %s |" % (
                label, f0(v), ratio(v, bval), f0(c), ratio(c, bcpu), extra))
        for k, why in un.items():
            if k.startswith(test + "/"):
                out.append("| %s | unavailable: %s | | | | |" % (k.split("/", 1)[1], why[:200]))
        out.append("")
    return "\n".join(out).rstrip()


def block_offload(R):
    r, miss = result(R, "offload")
    if miss:
        return miss
    rounds = max([x.get("rounds", 1) for x in r["results"] if x["dir"] in ("in", "out")] or [1])
    out = [origin(r), "", "Medians of %d alternated rounds; the ratios are medians of each round's ratio "
           "(target: >= 5x own plain, >= 0.8x bare offloads)." % rounds, "",
           *head("direction", "path", "mode", "Gbit/s", "CPU s per GB", "x own plain", "x bare offloads",
                 "x bare_uring offloads")]
    for x in r["results"]:
        if x["dir"] in ("in", "out"):
            own = "%.2fx" % x["x_own_plain"] if "x_own_plain" in x else ""
            bare = "%.2fx" % x["x_bare"] if "x_bare" in x else ""
            bu = "%.2fx" % x["x_bare_uring"] if "x_bare_uring" in x else ""
            out.append("| %s | %s | %s | %.2f | %.3f | %s | %s | %s |" % (
                x["dir"], x["path"], x["mode"], x["gbps"], x["cpu_s_per_gb"], own, bare, bu))
    for x in r["results"]:
        if x["dir"] == "ceiling":
            out += ["", "The bare loop's own offload figure over the engine's no-offload figure, %s "
                    "(median of the rounds' ratios): the most \"x own plain\" a reader as fast as the "
                    "bare loop could show in this run." % ("**%.2fx** for %s" % (
                        x["x_bare_over_engine_plain"], x["path"]))]
    return "\n".join(out)


def block_scaling(R):
    out = []
    off = R.get("offload")
    sc = [x for x in (off or {}).get("results", []) if x.get("dir") == "scale"]
    if len(sc) == 2:
        p1, p2 = sc[0]["pps"], sc[1]["pps"]
        x = "%.2f×" % sc[1]["x"] if "x" in sc[1] else ratio(p2, p1)
        rounds = " (medians of %d alternated rounds; the ratio is the median of the rounds' ratios)" % (
            sc[1]["rounds"]) if "rounds" in sc[1] else ""
        per_cpu = " (the mean of CPU 0, %s, and CPU 1, %s)" % (fm(sc[0]["pps_cpu0"]), fm(sc[0]["pps_cpu1"])) \
            if "pps_cpu0" in sc[0] else ""
        out.append("- TX-only, 64 B, one worker per queue: 1 queue %s Mpps%s, %s CPU ns/frame; "
                   "2 queues %s Mpps (%s ns): **%s**%s. %s" % (
                       fm(p1), per_cpu, f0(sc[0]["cpu_ns"]), fm(p2), f0(sc[1]["cpu_ns"]), x, rounds,
                       origin(off)))
    rss = R.get("rss")
    rr = {x["queues"]: x for x in (rss or {}).get("results", [])}
    if 1 in rr and 2 in rr and rr[1].get("replies_per_s") and rr[2].get("replies_per_s"):
        out.append("- ICMP echo flood through `tapring up`, one generator: 1 queue %s replies/s, "
                   "2 queues %s: **%s**. %s" % (f0(rr[1]["replies_per_s"]), f0(rr[2]["replies_per_s"]),
                                                ratio(rr[2]["replies_per_s"], rr[1]["replies_per_s"]),
                                                origin(rss)))
    return "\n".join(out) if out else "_No scaling results yet (`./run bench`: offload, peers)._"


def block_rss(R):
    r, miss = result(R, "rss")
    if miss:
        return miss
    out = [origin(r), "", *head("queues", "VmRSS at start", "VmHWM at start", "VmRSS under load",
                                 "VmHWM under load", "replies/s")]
    for x in r["results"]:
        out.append("| %d | %s | %s | %s | %s | %s |" % (
            x["queues"], f0(x["start_rss_kb"], " kB"), f0(x["start_hwm_kb"], " kB"),
            f0(x["load_rss_kb"], " kB"), f0(x["load_hwm_kb"], " kB"), f0(x["replies_per_s"])))
    return "\n".join(out)


def block_echo(R):
    r, miss = result(R, "echo")
    if miss:
        return miss
    cases = []
    for x in r["results"]:
        if x["case"] not in cases:
            cases.append(x["case"])
    k = mean([x["replies_per_s"] for x in r["results"] if x["case"].startswith("kernel")])
    out = [origin(r), "", *head("case", "replies/s", "ratio to the kernel", "CPU ns/reply", "loss")]
    for c in cases:
        xs = [x for x in r["results"] if x["case"] == c]
        v = mean([x["replies_per_s"] for x in xs])
        out.append("| %s | %s | %s | %s | %.3f%% |" % (c, f0(v), ratio(v, k),
                                                       f0(mean([x["cpu_ns_per_reply"] for x in xs])),
                                                       mean([x["loss_pct"] for x in xs])))
    return "\n".join(out)


def block_codecs(R):
    r, miss = result(R, "codecs")
    if miss:
        return miss
    best = {}
    for x in r["results"]:
        if x.get("run_type", "iteration") != "iteration":
            continue
        unit = {"ns": 1, "us": 1e3, "ms": 1e6}.get(x.get("time_unit", "ns"), 1)
        v = x["cpu_time"] * unit
        best[x["name"]] = min(v, best.get(x["name"], v))
    out = [origin(r), "", "CPU ns per operation, best of the interleaved runs (A B A B).", "",
           *head("benchmark", "tapring ns", "DPDK ns", "tapring time ratio")]
    for name, v in best.items():
        if "/dpdk" in name:
            continue
        d = best.get(name.replace("/tapring", "/dpdk"))
        out.append("| %s | %.2f | %s | %s |" % (name.replace("/tapring", ""), v,
                                                 "%.2f" % d if d else "–", ratio(v, d) if d else "–"))
    return "\n".join(out)


def block_insns(R):
    r = R.get("insns")
    if r is None:
        return "_No instruction counts (bench/results/insns.json: `tapring replay` under callgrind)._"
    rows = r.get("insns_per_frame") or r.get("results") or r.get("stages") or []
    if isinstance(rows, dict):
        rows = [{"stage": k, "insns_per_frame": v} for k, v in rows.items()]
    out = [origin(r), "", *head("stage", "instructions per frame")]
    for x in rows:
        name = x.get("stage") or x.get("name")
        v = x.get("insns_per_frame", x.get("value"))
        out.append("| %s | %s |" % (name, v))
    if r.get("frames"):
        out += ["", "%s frames of `test/data/replay.pcap`'s mix; %s" % (r["frames"], r.get("notes", ""))]
    return "\n".join(out)


def block_micro(R):
    out = []
    f = R.get("filter")
    if f and f.get("results"):
        out += ["**cBPF filters** (medians of alternated rounds) " + origin(f), "",
                *head("filter", "insns", "libpcap `bpf_filter` ns", "tapring ns", "tapring faster by")]
        for x in f["results"]:
            out.append("| `%s` | %d | %.2f | %.2f | %s |" % (x["filter"], x["insns"], x["libpcap_ns"],
                                                           x["tapring_ns"], ratio(x["libpcap_ns"], x["tapring_ns"])))
        out.append("")
    st = R.get("stack_micro")
    if st and st.get("results"):
        out += ["**Stack answers in place** (no root, fake worker) " + origin(st), "",
                *head("case", "stack ns/frame", "baseline", "baseline ns", "time ratio")]
        for x in st["results"]:
            out.append("| %s | %.1f | %s | %s | %s |" % (
                x["case"], x["stack_ns"], x["baseline"] or "–",
                "%.1f" % x["baseline_ns"] if x["baseline"] else "–",
                ratio(x["stack_ns"], x["baseline_ns"]) if x["baseline"] else "–"))
        out.append("")
    mi = R.get("mirror")
    if mi and mi.get("results"):
        modes = {}
        for x in mi["results"]:
            modes.setdefault(x["mode"], []).append(x["frames_per_s"])
        off = mean(modes.get("off", []))
        out += ["**Engine RX with the zero-copy mirror** " + origin(mi), "",
                *head("mirror", "frames/s", "ratio to off")]
        for k, v in modes.items():
            out.append("| %s | %s | %s |" % (k, f0(mean(v)), ratio(mean(v), off)))
    return "\n".join(out) if out else "_No results for filter, stack_micro, mirror._"


def block_text(R):
    """The benches that print text only: their closing lines, as printed."""
    out = []
    for name in ("tap_io_overhead", "ring", "slab", "match", "kbpf", "kbpf_prog", "fwd", "send"):
        r = R.get(name)
        if r is None:
            continue
        if r.get("status") not in (None, "ok"):
            out += ["**%s**: %s (%s)" % (name, r.get("status"), r.get("reason", "")[:200]), ""]
            continue
        lines = [l for l in r.get("text", []) if l.strip()][-14:]
        out += ["**%s** %s" % (name, origin(r)), "", "```"] + lines + ["```", ""]
    return "\n".join(out) if out else "_No results._"


BLOCKS = {"text": block_text, "micro": block_micro, "machine": block_machine, "tap_io": block_tap_io, "peers": block_peers,
          "echo": block_echo, "offload": block_offload, "scaling": block_scaling,
          "rss": block_rss, "codecs": block_codecs, "insns": block_insns}


# ---- plots ----------------------------------------------------------------

def plots(R, d):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: python3-matplotlib missing: no plots", file=sys.stderr)
        return []
    os.makedirs(d, exist_ok=True)
    made = []

    def save(fig, r, name):
        """Footer with r's date and machine, then docs/perf/NAME."""
        fig.text(0.01, 0.01, "%s  %s%s" % (r.get("date", ""), stamp(r.get("machine")),
                                           "  (quick run)" if r.get("quick") else ""),
                 fontsize=7, color="0.3")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        p = os.path.join(d, name)
        fig.savefig(p, dpi=90)
        plt.close(fig)
        made.append(p)

    # Mpps vs batch size, TX and RX (64 B)
    tx = sorted((int(k.rsplit("_", 1)[1]), v) for k, v in R.items()
                if k.startswith("tap_io_txbatch_") and v.get("results"))
    rx = sorted((int(k.rsplit("_", 1)[1]), v) for k, v in R.items()
                if k.startswith("tap_io_rxbatch_") and v.get("results"))
    if tx or rx:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, series, title, xl in ((axes[0], tx, "TX 64 B", "frames originated per loop (stage burst)"),
                                      (axes[1], rx, "RX 64 B", "engine batch (TR_BENCH_BATCH)")):
            paths = sorted({x["path"] for _, r in series for x in r["results"]})
            if series is tx:   # the burst knob drives the stage path only
                paths = [p for p in paths if p.endswith("stage")]
            for p in paths:
                pts = [(b, x["pps"] / 1e6) for b, r in series for x in r["results"] if x["path"] == p]
                ax.plot([a for a, _ in pts], [y for _, y in pts], "o-", label="tapring " + p)
            pl = [(b, mean([x["plain_pps"] for x in r["results"]]) / 1e6) for b, r in series]
            if pl:
                ax.plot([a for a, _ in pl], [y for _, y in pl], "k--", label="plain loop")
            ax.set_xscale("log", base=2)
            ax.set_xlabel(xl)
            ax.set_ylabel("Mpps")
            ax.set_title(title)
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        save(fig, (tx or rx)[0][1], "batch.png")

    # Mpps and Gbit/s vs frame size, with and without offloads
    s = R.get("tap_io_sizes")
    if s and s.get("results"):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for dirn, mk in (("tx", "o-"), ("rx", "s-")):
            for p in sorted({x["path"] for x in s["results"] if x["dir"] == dirn and x["path"].endswith("stage")}):
                pts = sorted((x["len"], x["pps"]) for x in s["results"] if x["dir"] == dirn and x["path"] == p)
                axes[0].plot([a for a, _ in pts], [y / 1e6 for _, y in pts], mk, label="%s %s" % (dirn.upper(), p))
                axes[1].plot([a for a, _ in pts], [a * y * 8 / 1e9 for a, y in pts], mk,
                             label="%s %s" % (dirn.upper(), p))
            pl = sorted({x["len"]: x["plain_pps"] for x in s["results"] if x["dir"] == dirn}.items())
            axes[0].plot([a for a, _ in pl], [y / 1e6 for _, y in pl], "--", color="0.4" if dirn == "tx" else "0.7",
                         label="%s plain loop" % dirn.upper())
            axes[1].plot([a for a, _ in pl], [a * y * 8 / 1e9 for a, y in pl], "--",
                         color="0.4" if dirn == "tx" else "0.7", label="%s plain loop" % dirn.upper())
        off = R.get("offload")
        if off and off.get("results"):
            for x in off["results"]:
                if x.get("mode") == "offloads" and x.get("path") == "engine":
                    axes[1].plot([65536], [x["gbps"]], "r*", markersize=12,
                                 label="engine + offloads (%s, 64 KiB super-frames)" % x["dir"])
        axes[0].set_ylabel("Mpps")
        axes[1].set_ylabel("Gbit/s")
        for ax in axes:
            ax.set_xscale("log", base=2)
            ax.set_xlabel("frame bytes")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        axes[0].set_title("frames/s vs frame size")
        axes[1].set_title("Gbit/s vs frame size (with offloads: bench_offload)")
        save(fig, s, "framesize.png")

    # echo replies/s: tapring, testpmd, the kernel
    pr = R.get("peers")
    if pr and pr.get("results"):
        ex = [x for x in pr["results"] if x["test"] == "echo"]
        sides = []
        for x in ex:
            if x["side"] not in sides:
                sides.append(x["side"])
        if sides:
            fig, ax = plt.subplots(figsize=(7, 4))
            vals = [mean([x["replies_per_s"] for x in ex if x["side"] == s]) / 1e3 for s in sides]
            labels = {"kernel": "Linux kernel\n(veth)", "engine": "tapring engine\n(in-process)",
                      "up": "tapring up", "testpmd": "DPDK testpmd\nicmpecho (net_tap)"}
            bars = ax.bar([labels.get(s, s) for s in sides], vals,
                          color=["0.6" if s == "kernel" else "C1" if s == "testpmd" else "C0" for s in sides])
            for bb, v, s in zip(bars, vals, sides):
                c = mean([x["cpu_ns_per_reply"] for x in ex if x["side"] == s])
                ax.text(bb.get_x() + bb.get_width() / 2, v, "%.0fk/s\n%.0f CPU ns" % (v, c or 0),
                        ha="center", va="bottom", fontsize=8)
            for k in (pr.get("unavailable") or {}):
                if k.startswith("echo/"):
                    ax.text(0.99, 0.95, "%s: unavailable" % k[5:], transform=ax.transAxes, ha="right", fontsize=8)
            ax.set_ylabel("thousand replies/s")
            ax.set_title("ICMP echo flood, 1 queue, same generator")
            ax.set_ylim(0, max(vals) * 1.25 if vals else 1)
            save(fig, pr, "echo.png")
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "PERFORMANCE.md"))
    ap.add_argument("--plots", default=os.path.join(ROOT, "docs", "perf"))
    ap.add_argument("--no-plots", action="store_true")
    a = ap.parse_args()
    R = {}
    for p in sorted(glob.glob(os.path.join(a.results, "*.json"))):
        try:
            R[os.path.basename(p)[:-5]] = load(p)
        except ValueError as e:
            print("report: %s: %s" % (p, e), file=sys.stderr)
    doc = open(a.doc).read()
    n = 0
    for name, fn in BLOCKS.items():
        pat = re.compile(r"(<!-- bench:%s begin -->\n).*?(<!-- bench:%s end -->)" % (name, name), re.S)
        if pat.search(doc):
            body = fn(R).rstrip("\n") + "\n"
            doc = pat.sub(lambda mo: mo.group(1) + body + mo.group(2), doc)
            n += 1
    open(a.doc, "w").write(doc)
    made = [] if a.no_plots else plots(R, a.plots)
    print("report: %d blocks of %s regenerated from %d result files%s" % (
        n, os.path.relpath(a.doc, ROOT), len(R),
        "; plots: " + ", ".join(os.path.relpath(p, ROOT) for p in made) if made else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
