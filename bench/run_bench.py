#!/usr/bin/python3
# ./run bench's driver: runs every benchmark once, one at a time, and writes
# bench/results/NAME.json for each (gitignored), then the report
# (bench/report.py: tables in docs/PERFORMANCE.md, plots under docs/perf/).
#
#   run_bench.py [--quick] [--build DIR] [--out DIR] [--only A,B] [--list]
#
# Every result file is an object with "bench", "date", "command", "machine"
# (CPU model, cores, kernel, syscall_ns measured at the bench's start) and
# "results". Harnesses with a JSON mode write it themselves (TR_BENCH_JSON,
# bench/bench_json.h); Google Benchmark binaries write theirs
# (--benchmark_out) and are wrapped here; the others' text output is kept
# as "text" lines beside a machine stamp taken just before they ran. A
# bench that skips (exit 77: no root, a missing tool) or fails is recorded
# with its status and the end of its output, never silently dropped.
#
# --quick: fewer rounds and shorter runs (under 3 minutes in total on the
# 2-vCPU EPYC host); the default full run is sized for about 20 minutes.
# Every bench runs under a timeout.
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def benches(b, quick):
    """(name, argv, env, kind, timeout) in run order. kind: json | gbench | text."""
    q = quick
    tapring = b + "/tool/tapring"
    L = []

    def add(name, argv, env=None, kind="text", timeout=None):
        L.append((name, argv, env or {}, kind, timeout or (120 if q else 900)))

    add("codecs", [b + "/bench/codecs/bench_codecs",
                   "--benchmark_min_time=%s" % ("0.02" if q else "0.5")], kind="gbench")
    add("ring", [b + "/bench/core/bench_ring"] + (["1t"] if q else []))
    add("slab", [b + "/bench/core/bench_slab"])
    add("filter", [b + "/bench/filter/bench_bpf", "2" if q else "15"], kind="json")
    add("match", [b + "/bench/match/bench_match"], {"TR_BENCH_ITERS": "10" if q else "200"})
    add("stack_micro", [b + "/bench/stack/bench_stack"], kind="json")
    add("mirror", [b + "/bench/capture/bench_mirror"] + (["20000", "1"] if q else ["200000", "4"]),
        kind="json")
    add("kbpf", [b + "/bench/bpf/bench_kbpf"] + (["100000", "2"] if q else ["2000000", "10"]))
    add("kbpf_prog", ["/bin/bash", ROOT + "/bench/bpf/bench_block_prog.sh", b]
        + (["200000", "3"] if q else ["2000000", "5"]))
    # TAP I/O: engine vs plain read()/write() vs the bare io_uring loops
    add("tap_io", [b + "/bench/io/bench_tap_io", "1" if q else "5"],
        dict({"TR_BENCH_RAW": "1"}, **({"TR_BENCH_LEN": "64"} if q else {})), kind="json")
    # the engine's CPU per 64 B frame over the bare io_uring loop, alternated
    add("tap_io_overhead", [b + "/bench/io/bench_tap_io", "3" if q else "9"], {"TR_BENCH_OVERHEAD": "1"})
    # frame-size sweep (TX and RX, both engine paths and the plain loops)
    add("tap_io_sizes", [b + "/bench/io/bench_tap_io", "1" if q else "3"],
        {"TR_BENCH_LENS": "64,1514" if q else "64,128,256,512,1024,1514"}, kind="json")
    # batch-size sweeps, 64 B: TX = frames a stage originates per loop, RX =
    # the engine's batch (TR_BENCH_BATCH); one file per value, merged below
    for burst in ([4, 64] if q else [1, 4, 16, 32, 64, 128, 256]):
        add("tap_io_txbatch_%d" % burst, [b + "/bench/io/bench_tap_io", "1" if q else "3"],
            {"TR_BENCH_ONLY": "tx", "TR_BENCH_LEN": "64", "TR_BENCH_SRC_BURST": str(burst)},
            kind="json")
    for batch in ([8, 64] if q else [1, 4, 16, 32, 64, 128, 256]):
        add("tap_io_rxbatch_%d" % batch, [b + "/bench/io/bench_tap_io", "1" if q else "3"],
            {"TR_BENCH_ONLY": "rx", "TR_BENCH_LEN": "64", "TR_BENCH_BATCH": str(batch)},
            kind="json")
    add("offload", [b + "/bench/io/bench_offload"],
        {"TR_BENCH_SECS": "0.5" if q else "2", "TR_BENCH_ROUNDS": "1" if q else "5"},
        kind="json")
    add("echo", [b + "/bench/stack/bench_echo"] + (["30000", "3"] if q else ["300000", "10"]),
        kind="json")
    # the peers side by side (testpmd, the kernel, tapring) and resident memory
    add("peers", ["/usr/bin/python3", ROOT + "/bench/peers/bench_peers.py", "--build", b,
                  "--out", "@OUT@/peers.json", "--rss-out", "@OUT@/rss.json"]
        + (["--quick"] if q else []), kind="json", timeout=240 if q else 1200)
    add("fwd", [ROOT + "/bench/io/bench_fwd.sh", tapring, b + "/bench/io/fwd_gen",
                "20000" if q else "300000"], {"TR_BENCH_ROUNDS": "1" if q else "2"})
    add("send", [ROOT + "/bench/capture/bench_send.sh", tapring] +
        (["100000", "1"] if q else ["2000000", "5"]))
    # Hook for the instruction counts (owner: replay): a script
    # bench/insns.py or bench/insns.sh, when present, gets the build
    # directory and writes bench/results/insns.json itself.
    for hook in ("insns.py", "insns.sh"):
        p = os.path.join(ROOT, "bench", hook)
        if os.path.exists(p):
            # callgrind attributes instructions to functions only in the
            # debug build (./run bench builds build/ too); release inlines them
            dbg = os.path.join(ROOT, "build")
            ib = dbg if os.path.exists(os.path.join(dbg, "build.ninja")) else b
            argv = (["/usr/bin/python3", p] if hook.endswith(".py") else ["bash", p]) + [ib]
            add("insns", argv, {"TR_BENCH_JSON_OUT": "@OUT@/insns.json"}, kind="json",
                timeout=300 if q else 900)
            break
    return L


def machine(b):
    try:
        r = subprocess.run([b + "/bench/bench_machine"], capture_output=True, text=True,
                           timeout=30)
        return json.loads(r.stdout)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        return {"error": str(e)}


def load_json(path):
    # C's printf writes nan/inf, which JSON has no spelling for
    txt = open(path).read()
    txt = re.sub(r"(?<=[:\[,\s])-?(nan|inf)(?=[,\}\]\s])", "null", txt)
    return json.loads(txt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--no-report", action="store_true")
    a = ap.parse_args()
    b = os.path.abspath(a.build)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    only = set(x for x in a.only.split(",") if x)
    todo = [t for t in benches(b, a.quick)
            if not only or t[0] in only or t[0].split("_")[0] in only
            or any(t[0].startswith(o) for o in only)]
    if a.list:
        for name, argv, env, kind, tmo in todo:
            print("%-20s %-6s %4ds  %s %s" % (name, kind, tmo, " ".join(
                "%s=%s" % kv for kv in env.items()), " ".join(argv)))
        return 0
    m0 = machine(b)
    date0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(os.path.join(out, "machine.json"), "w") as f:
        json.dump({"bench": "machine", "date": date0, "quick": a.quick, "machine": m0}, f, indent=1)
    print("bench: machine %s; %d benches%s" % (json.dumps(m0), len(todo),
                                                " (quick)" if a.quick else ""), flush=True)
    summary = []
    t_all = time.monotonic()
    for name, argv, env, kind, tmo in todo:
        path = os.path.join(out, name + ".json")
        argv = [x.replace("@OUT@", out) for x in argv]
        env = {k: v.replace("@OUT@", out) for k, v in env.items()}
        if not os.path.exists(argv[0]):
            rec = {"bench": name, "status": "missing", "reason": "%s not built" % argv[0]}
            json.dump(rec, open(path, "w"), indent=1)
            summary.append((name, "missing", 0))
            print("bench: %-18s missing (%s)" % (name, argv[0]), flush=True)
            continue
        for p in (path,):
            if os.path.exists(p):
                os.unlink(p)
        full_env = dict(os.environ, **env)
        tmp_gb = path + ".gb"
        if kind == "json" and name != "peers":
            full_env["TR_BENCH_JSON"] = path
        if kind == "gbench":
            argv = argv + ["--benchmark_format=console", "--benchmark_out_format=json",
                           "--benchmark_out=" + tmp_gb]
        m = machine(b) if kind != "json" else None
        date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        t0 = time.monotonic()
        print("bench: %-18s ..." % name, end="", flush=True)
        # On timeout: SIGTERM first, so the harness removes its namespaces
        # and stops what it started (testpmd, tapring up); SIGKILL after 15 s.
        p = subprocess.Popen(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
        try:
            so, se = p.communicate(timeout=tmo)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.terminate()
            try:
                so, se = p.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                so, se = p.communicate()
            rc, se = -1, (se or "") + "\ntimeout after %d s" % tmo
        dt = time.monotonic() - t0
        with open(os.path.join(out, name + ".log"), "w") as f:
            f.write("$ %s %s\n%s\n--- stderr\n%s" % (
                " ".join("%s=%s" % kv for kv in env.items()), " ".join(argv), so, se))
        status = "ok" if rc == 0 else "skipped" if rc == 77 else "failed"
        cmd = " ".join(["%s=%s" % kv for kv in env.items()] + [
            os.path.relpath(x, ROOT) if x.startswith(ROOT) else x for x in argv
            if not x.startswith("--benchmark_out") and x != "--benchmark_format=console"])
        rec = None
        if kind == "json" and os.path.exists(path):
            try:
                rec = load_json(path)
            except ValueError as e:
                status, rec = "failed", None
                se += "\nbad JSON: %s" % e
        elif kind == "gbench" and os.path.exists(tmp_gb):
            gb = load_json(tmp_gb)
            os.unlink(tmp_gb)
            rec = {"bench": name, "date": date, "command": cmd, "machine": m,
                   "context": gb.get("context"), "results": gb.get("benchmarks", [])}
        if rec is None:
            rec = {"bench": name, "date": date, "command": cmd, "machine": m or machine(b),
                   "results": []}
        if kind != "json" or not rec.get("results"):
            rec["text"] = so.splitlines()
        rec.setdefault("command", cmd)
        rec["command_line"] = cmd
        rec["status"] = status
        rec["exit"] = rc
        rec["seconds"] = round(dt, 1)
        rec["quick"] = a.quick
        if status != "ok":
            tail = (so.strip().splitlines() + se.strip().splitlines())[-5:]
            rec["reason"] = " | ".join(tail)
        with open(path, "w") as f:
            json.dump(rec, f, indent=1)
        summary.append((name, status, dt))
        print(" %s (%.1f s)%s" % (status, dt, "" if status == "ok" else ": " + rec.get(
            "reason", "")[:200]), flush=True)
    print("bench: %d benches in %.0f s: %s" % (len(summary), time.monotonic() - t_all, ", ".join(
        "%s %s" % (n, s) for n, s, _ in summary if s != "ok") or "all ok"), flush=True)
    if not a.no_report:
        r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "report.py"),
                            "--results", out])
        if r.returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
