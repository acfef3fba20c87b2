#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Instruction-count guard: the decode + stack path must not grow by more
than 10% over test/data/replay_insns.baseline.

    replay_insns.py TAPRING DATADIR CONFIG [--update]

Runs `tapring replay` of DATADIR/replay.pcap under valgrind --tool=callgrind
(instruction counts do not depend on load or CPU speed) and computes, with
cgstages.py, the instructions per fed frame of the stack stage's process()
(decode + ARP/IP/ICMP/UDP/DNS + reassembly + the replies). Fails when that
exceeds the baseline by more than 10%; says so when it fell by more than
10% (update the baseline then, so the gain is kept).

CONFIG names the build (compiler, version, buildtype, debug_pool): counts
from another compiler or optimisation level are not comparable, so the test
skips (77) when the baseline was taken with another CONFIG. It also skips
without valgrind, and for sanitized binaries (valgrind cannot run them).

Updating the baseline is done on purpose, in its own commit, saying why:
    TR_INSNS_UPDATE=1 meson test -C build replay_insns
(or this script with --update) rewrites the file for the build's CONFIG.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgstages  # noqa: E402

TOLERANCE = 0.10
ARGS = ["--addr", "10.77.0.1/24", "--addr", "fd77::1/64", "--mac", "02:74:72:00:00:01",
        "--udp-echo", "7", "--json", "--quiet"]


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def sanitized(binary):
    """True for an ASan/TSan/UBSan-instrumented binary."""
    try:
        with open(binary, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return any(s in data for s in (b"__asan_init", b"__tsan_init", b"__ubsan_handle"))


def measure(tapring, data, tmp, hosts):
    out = os.path.join(tmp, "cg.out")
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
            tapring, "replay", "-r", os.path.join(data, "replay.pcap"), "-w", os.path.join(tmp, "o.pcap"),
            "--dns-hosts", hosts] + ARGS
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print("callgrind run failed (%d): %s" % (p.returncode, p.stderr[-800:]))
        sys.exit(1)
    fed = json.loads(p.stdout)["replay"]["fed"]
    return cgstages.stages(out, fed)


def read_baseline(path):
    vals = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k, v = line.split(None, 1)
            vals[k] = v
    return vals


def write_baseline(path, config, st):
    with open(path, "w") as f:
        f.write("# Instruction-count guard of `tapring replay` (test/replay/replay_insns.py):\n"
                "# instructions per frame of the stack stage's process() (decode + stack),\n"
                "# callgrind over test/data/replay.pcap. The test fails above +10%.\n"
                "# Counts depend on the compiler and build type: `config` must match the\n"
                "# build's, else the test skips.\n"
                "# Update ON PURPOSE, in a commit of its own that says why (a new feature's\n"
                "# cost, a compiler upgrade, an optimisation to keep):\n"
                "#   TR_INSNS_UPDATE=1 meson test -C build replay_insns\n"
                "# decode_per_frame is informative (the codecs/ part of stack_per_frame).\n")
        f.write("config %s\n" % config)
        f.write("stack_per_frame %.1f\n" % st["stack"])
        f.write("decode_per_frame %.1f\n" % st["decode"])


def main():
    tapring, data, config = sys.argv[1], sys.argv[2], sys.argv[3]
    update = "--update" in sys.argv[4:] or os.environ.get("TR_INSNS_UPDATE") == "1"
    if not shutil.which("valgrind"):
        skip("valgrind is not installed")
    if sanitized(tapring):
        skip("a sanitized binary: valgrind cannot run it")
    base_path = os.path.join(data, "replay_insns.baseline")
    with tempfile.TemporaryDirectory() as tmp:
        hosts = os.path.join(tmp, "hosts")
        with open(hosts, "w") as f:
            f.write("10.77.5.5 host.test\nfd77::5 host.test\n")
        st = measure(tapring, data, tmp, hosts)
    print("measured: stack %.1f insns/frame (decode %.1f) over %d frames [%s]" %
          (st["stack"], st["decode"], st["frames"], config))
    if st["stack"] <= 0 or st["frames"] <= 0:
        print("FAIL: no stack instructions counted (profile without symbols?)")
        return 1
    if update:
        write_baseline(base_path, config, st)
        print("baseline written: %s" % base_path)
        return 0
    base = read_baseline(base_path)
    if base.get("config") != config:
        skip("baseline taken with '%s', this build is '%s': counts not comparable" %
             (base.get("config"), config))
    want = float(base["stack_per_frame"])
    ratio = st["stack"] / want
    print("baseline: stack %.1f insns/frame: ratio %.3f (limit %.2f)" % (want, ratio, 1 + TOLERANCE))
    if ratio > 1 + TOLERANCE:
        print("FAIL: the decode + stack path grew by %.1f%% (> %d%%). If that is intended, update "
              "the baseline in its own commit, with the reason (see %s)." %
              ((ratio - 1) * 100, TOLERANCE * 100, base_path))
        return 1
    if ratio < 1 - TOLERANCE:
        print("note: %.1f%% fewer instructions than the baseline: update it to keep the gain" %
              ((1 - ratio) * 100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
