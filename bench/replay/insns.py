#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Where the time goes: instructions per frame for each pipeline stage.

    bench/replay/insns.py [--tapring build/tool/tapring] [--data test/data]
                          [--stamp build/bench/bench_machine] [BUILDDIR]
                          [--out bench/results/insns.json] [--rounds N]

Runs `tapring replay` of test/data/replay.pcap (its 168 frames before the
40 s gap, repeated --rounds times, 1 ms apart) under valgrind
--tool=callgrind with every stage on: --filter (a pass-all prescreen),
--match (two count rules that scan every UDP payload) and the stack. From
the profile (test/replay/cgstages.py), per fed frame:
  decode, filter, stack, match, tx_prep, and the whole engine step,
each also as a share of the engine step. Instruction counts do not move
with load or clock speed, so this runs fine on a busy machine; they do move
with the compiler and flags (the config is recorded). Writes the JSON with
a "machine" object (bench/machine.h) and prints a table.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "test", "replay"))
import cgstages  # noqa: E402


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    hdr, out, off = data[:24], [], 24
    while off + 16 <= len(data):
        sec, usec, cap, ln = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec * 10**6 + usec, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return hdr, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tapring", default=os.path.join(ROOT, "build", "tool", "tapring"))
    ap.add_argument("--data", default=os.path.join(ROOT, "test", "data"))
    ap.add_argument("--stamp", default=os.path.join(ROOT, "build", "bench", "bench_machine"))
    ap.add_argument("--out", default=os.environ.get("TR_BENCH_JSON_OUT") or
                    os.path.join(ROOT, "bench", "results", "insns.json"))
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("build", nargs="?", help="a build directory (./run bench's hook): its tapring "
                    "and bench_machine")
    a = ap.parse_args()
    if a.build:
        a.tapring = os.path.join(a.build, "tool", "tapring")
        a.stamp = os.path.join(a.build, "bench", "bench_machine")
    if not shutil.which("valgrind"):
        print("SKIP: valgrind is not installed")
        return 77
    machine = json.loads(subprocess.run([a.stamp], capture_output=True, text=True, check=True).stdout)
    print("machine: " + json.dumps(machine))
    hdr, frames = read_pcap(os.path.join(a.data, "replay.pcap"))
    frames = frames[:-2]   # the lone fragment and the echo 40 s later: timers, not frames
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.pcap")
        with open(inp, "wb") as f:
            f.write(hdr)
            t = frames[0][0]
            for _ in range(a.rounds):
                for _, b in frames:
                    f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(b), len(b)) + b)
                    t += 1000
        hosts, rules = os.path.join(tmp, "hosts"), os.path.join(tmp, "rules")
        with open(hosts, "w") as f:
            f.write("10.77.5.5 host.test\nfd77::5 host.test\n")
        with open(rules, "w") as f:
            f.write("echo:/echo [0-9]+/ count\ndns:/host/i count\n")
        cg = os.path.join(tmp, "cg.out")
        argv = [a.tapring, "replay", "-r", inp, "-w", os.path.join(tmp, "out.pcap"),
                "--addr", "10.77.0.1/24", "--addr", "fd77::1/64", "--mac", "02:74:72:00:00:01",
                "--udp-echo", "7", "--dns-hosts", hosts, "--filter", "ip or ip6 or arp",
                "--match", rules, "--json", "--quiet"]
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg] + argv,
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print("callgrind run failed (%d): %s" % (p.returncode, p.stderr[-800:]))
            return 1
        st = json.loads(p.stdout)
        stages = cgstages.stages(cg, st["replay"]["fed"])
    eng = stages["engine"] or 1
    print("%-8s %12s %8s" % ("stage", "insns/frame", "share"))
    for k in ("decode", "filter", "stack", "match", "tx_prep", "engine"):
        print("%-8s %12.1f %7.1f%%" % (k, stages[k], 100.0 * stages[k] / eng))
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.splitlines()
    res = {
        "bench": "insns",
        "harness": "insns",
        "machine": machine,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["valgrind", "--tool=callgrind"] + [os.path.basename(argv[0])] + argv[1:]),
        "tool": "valgrind --tool=callgrind (instructions, Ir)",
        "compiler": cc[0] if cc else platform.python_compiler(),
        "frames": stages["frames"],
        "insns_per_frame": {k: stages[k] for k in ("decode", "filter", "stack", "match", "tx_prep", "engine")},
        "share_of_engine": {k: round(stages[k] / eng, 4) for k in ("decode", "filter", "stack", "match",
                                                                    "tx_prep")},
        "notes": "decode is part of stack (the codecs/ share); engine is one tr_engine_step per frame, "
                 "all stages included; timers (stage poll) are excluded from every per-frame figure",
        "stack_stats": {k: st.get(k) for k in ("rx", "tx", "tx_forwarded", "tx_originated", "dropped")},
        "match": st.get("match"),
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print("wrote " + a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
