#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Instructions per frame for each pipeline stage, from a callgrind profile
of `tapring replay` (shared by test/replay/replay_insns.py, the guard, and
bench/insns.py, the report).

    cgstages.py CALLGRIND_OUT FRAMES      prints the stages as JSON

Stages, each an inclusive count (the function and all it calls) divided by
the frames fed to the engine:
  filter   the cBPF prescreen stage's process()   (engine/filter/bpf_stage.c)
  match    the Hyperscan rules stage's process()  (engine/match/match.c)
  stack    the stack stage's process(): decode + ARP/IP/ICMP/UDP/DNS,
           reassembly, the replies built in place (engine/stack/stage.c)
  decode   the part of those instructions executed in codecs/ (parsers,
           checksums, emitters; self cost by source file, inlined code
           included): a subset of stack
  tx_prep  io_uring SQE preparation, the engine's inline helpers of
           engine/uring_pvt.h (writes and rx re-posting) and liburing's
           SQE calls, self cost wherever inlined
  engine   tr_engine_step(), all of it (reap, stages, tx, refill, the
           enter's user side) but the stages' poll() hooks, per frame
Timers (the stack's and match's poll(), run on every step and doing work
on every 10 ms tick of the virtual clock) are not per-frame work: they are
reported apart, as timers_total (instructions in all).
"""
import json
import re
import sys

# (file suffix, function name) of each stage's entry point
STAGE_FNS = {
    "filter": ("engine/filter/bpf_stage.c", "bpf_stage_process"),
    "match": ("engine/match/match.c", "stage_process"),
    "stack": ("engine/stack/stage.c", "stage_process"),
    "engine": ("engine/engine.c", "tr_engine_step"),
    "timers_total": ("engine/stack/stage.c", "stage_poll"),
    "match_timers": ("engine/match/match.c", "stage_poll"),
}


def parse(path):
    """(inclusive, self_by_file): inclusive[(file, fn)] and self cost per
    source file (inlined code counted in its own file)."""
    names = {"fl": {}, "fn": {}}
    incl, self_file = {}, {}
    cur_fl = cur_fn = cur_file = None
    in_call = False
    cre = re.compile(r"^(\w+)=\((\d+)\)(?: (.*))?$")

    def name(kind, val):
        m = re.match(r"^\((\d+)\)(?: (.*))?$", val)
        if not m:
            return val
        table = names["fl" if kind in ("fl", "fi", "fe", "cfi", "cfl") else "fn"]
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "?")

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                key = (cur_fl, cur_fn)
                if in_call:
                    incl[key] = incl.get(key, 0) + cost
                    in_call = False
                else:
                    incl[key] = incl.get(key, 0) + cost
                    self_file[cur_file] = self_file.get(cur_file, 0) + cost
                continue
            if "=" not in line:
                continue
            k, v = line.split("=", 1)
            if k == "fl":
                cur_fl = cur_file = name(k, v)
            elif k in ("fi", "fe"):
                cur_file = name(k, v)
            elif k == "fn":
                cur_fn = name(k, v)
                cur_file = cur_fl
            elif k in ("cfi", "cfl"):
                name(k, v)
            elif k == "cfn":
                name(k, v)
            elif k == "calls":
                in_call = True
    return incl, self_file


def stages(path, frames):
    incl, self_file = parse(path)

    def fn_total(suffix, fn):
        return sum(v for (fl, f), v in incl.items() if f == fn and fl and fl.endswith(suffix))

    tot = {st: fn_total(suffix, fn) for st, (suffix, fn) in STAGE_FNS.items()}
    timers = tot.pop("timers_total") + tot.pop("match_timers")
    # the engine step without the stages' poll() hooks (timers)
    tot["engine"] -= timers
    out = {st: round(v / frames, 1) for st, v in tot.items()}
    out["timers_total"] = timers
    decode = sum(v for fl, v in self_file.items() if fl and "/codecs/" in fl)
    txp = sum(v for fl, v in self_file.items() if fl and (fl.endswith("engine/uring_pvt.h") or
                                                          "liburing" in fl))
    out["decode"] = round(decode / frames, 1)
    out["tx_prep"] = round(txp / frames, 1)
    out["frames"] = frames
    return out


if __name__ == "__main__":
    print(json.dumps(stages(sys.argv[1], int(sys.argv[2])), indent=1))
