#!/usr/bin/python3
# The peers side by side, in one run, alternating, with the same generators:
#
#   echo  ICMP echo flood (bench_echo's closed-loop AF_PACKET generator,
#         98-byte frames, window 512) against
#           kernel    the Linux kernel answering over a veth pair into a namespace
#           engine    tapring's engine + stack in bench_echo's own process
#           up        the `tapring up` tool (a separate process)
#           testpmd   DPDK dpdk-testpmd --forward-mode=icmpecho on net_tap
#         replies/s, loss, and CPU ns per reply of each side (generator +
#         responder; testpmd busy-polls, so its CPU is a full core whatever
#         the load, and that is what it costs).
#   tx    64 B frames out of a TAP into a namespace where the kernel drops
#         them (not its MAC): dpdk-testpmd txonly, counted by the TAP's
#         kernel-side rx counter over a fixed time; tapring's engine, the
#         plain write() loop and the bare io_uring loop from bench_tap_io
#         (TX, 64 B, TR_BENCH_RAW=1) in the same alternation.
#   rx    the same AF_PACKET generator (fwd_gen send, 64 B IPv4/UDP to
#         10.77.99.2) offering COUNT frames to a TAP whose reader is
#         testpmd rxonly or `tapring up` (frames not for its address are
#         dropped and counted); delivered = the TAP's kernel-side
#         tx_packets, lost = its tx_dropped; CPU per delivered frame of the
#         reader.
#   rss   resident memory of `tapring up` (VmRSS, VmHWM from /proc) at start
#         and under the echo flood, 1 and 2 queues (--rss-out FILE).
#
# If dpdk-testpmd is missing or cannot start here (no /dev/net/tun, EAL
# failure), the testpmd rows say why ("unavailable": reason) and the rest
# still runs. Root only (exit 77). Traffic: 10.77.8.0/24 and 10.77.99.0/24
# inside namespaces made here; unique device names (PID); everything is
# deleted on every exit path. Every run is bounded (count and seconds).
#
#   bench_peers.py --build DIR [--quick] [--rounds N] [--out FILE] [--rss-out FILE]
import argparse
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PID = os.getpid()
NS_MADE = []
PROCS = []
TMP = tempfile.mkdtemp(prefix="trpeers")
TESTPMD = shutil.which("dpdk-testpmd")
UP_MAC = "02:74:72:00:08:01"


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    for ns in NS_MADE:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(TMP, ignore_errors=True)
    # EAL's runtime directory for our --file-prefix (even with --no-shconf)
    shutil.rmtree("/var/run/dpdk/trp%d" % PID, ignore_errors=True)


def sh(*a, timeout=30, check=False):
    r = subprocess.run(list(a), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(a), r.stderr.strip()))
    return r


def netns(tag):
    ns = "trp%s%d" % (tag, PID)
    sh("ip", "netns", "add", ns, check=True)
    NS_MADE.append(ns)
    sh("ip", "-n", ns, "link", "set", "lo", "up")
    return ns


def proc_cpu(pid):
    try:
        f = open("/proc/%d/stat" % pid).read()
        v = f[f.rindex(")") + 2:].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def proc_mem(pid):
    out = {}
    try:
        for line in open("/proc/%d/status" % pid):
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def link_stat(ns, dev, key):
    r = sh("ip", "netns", "exec", ns, "cat", "/sys/class/net/%s/statistics/%s" % (dev, key))
    try:
        return int(r.stdout.strip())
    except ValueError:
        return 0


def wait_gone(dev, ns, secs=10):
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        if (sh("ip", "-n", ns, "link", "show", dev).returncode != 0 and
                sh("ip", "link", "show", dev).returncode != 0):
            return
        time.sleep(0.1)


def wait_dev(dev, ns=None, secs=20):
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        cmd = ["ip"] + (["-n", ns] if ns else []) + ["link", "show", dev]
        if sh(*cmd).returncode == 0:
            return True
        time.sleep(0.1)
    return False


class Testpmd:
    """dpdk-testpmd on net_tap, run inside namespace ns."""

    def __init__(self, mode, ns, extra=()):
        self.dev = "trtp%d" % (PID % 100000)
        self.ns = ns
        self.p = None
        self.log = os.path.join(TMP, "testpmd-%s.log" % mode)
        self.err = None
        if not TESTPMD:
            self.err = "dpdk-testpmd not installed (Debian package dpdk-dev)"
            return
        if not os.path.exists("/dev/net/tun"):
            self.err = "/dev/net/tun missing"
            return
        argv = [TESTPMD, "-l", "0-1", "--no-huge", "-m", "1024", "--no-pci", "--no-shconf",
                "--file-prefix=trp%d" % PID, "--vdev=net_tap0,iface=%s,mac=fixed" % self.dev,
                "--", "--forward-mode=" + mode, "--auto-start", "--total-num-mbufs=16384",
                "--stats-period", "10"] + list(extra)
        # Run inside the namespace (ip netns exec execs it: same PID), so
        # net_tap creates its TAP there; a TAP moved into a namespace after
        # the PMD opened it carries nothing (measured: 0 frames either way).
        # stdbuf -oL: its log is line-buffered, so "forwards packets" shows
        # when forwarding has started.
        argv = ["ip", "netns", "exec", ns] + (["stdbuf", "-oL"] if shutil.which("stdbuf") else []) + argv
        self.cmd = " ".join(argv)
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open(self.log, "w"),
                                  stderr=subprocess.STDOUT)
        PROCS.append(self.p)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 20 and self.p.poll() is None:
            if sh("ip", "-n", ns, "link", "show", self.dev).returncode == 0:
                break
            time.sleep(0.1)
        if self.p.poll() is not None or sh("ip", "-n", ns, "link", "show", self.dev).returncode != 0:
            self.err = "testpmd did not start: " + " | ".join(open(self.log).read().strip()
                                                             .splitlines()[-4:])
            self.stop()
            return
        # EAL set-up with -m 1024 and no hugepages takes seconds here: wait
        # for the port start (the PMD sets the link up) and the forwarding
        # lcore, at most 30 s
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30 and self.p.poll() is None:
            if "forwards packets on" in open(self.log).read():
                break
            time.sleep(0.1)
        if self.p.poll() is not None or "forwards packets on" not in open(self.log).read():
            self.err = "testpmd did not start forwarding in 30 s: " + " | ".join(
                open(self.log).read().strip().splitlines()[-4:])
            self.stop()
            return
        sh("ip", "-n", ns, "link", "set", self.dev, "up")
        time.sleep(0.3)

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        # the TAP goes with testpmd's fd; make sure
        sh("ip", "-n", self.ns, "link", "del", self.dev)
        wait_gone(self.dev, self.ns)


class Up:
    """`tapring up` with its TAP in namespace ns, answering 10.77.8.1."""

    def __init__(self, tapring, ns, queues=1):
        self.dev = "trtu%d" % (PID % 100000)
        self.ns = ns
        argv = [tapring, "up", "--tap", self.dev, "--netns", ns, "--quiet", "--mac", UP_MAC,
                "--addr", "10.77.8.1/24", "--queues", str(queues), "--duration", "300"]
        self.cmd = " ".join(argv)
        self.err = None
        self.p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(TMP, "up.err"), "w"))
        PROCS.append(self.p)
        if not wait_dev(self.dev, ns) or self.p.poll() is not None:
            self.err = "tapring up did not start: " + open(os.path.join(TMP, "up.err")).read()
        time.sleep(0.3)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        wait_gone(self.dev, self.ns)


def echo_run(build, env, count, secs):
    """One bench_echo run; its JSON row (or None and the reason)."""
    out = os.path.join(TMP, "echo.json")
    if os.path.exists(out):
        os.unlink(out)
    e = dict(os.environ, TR_BENCH_JSON=out, **env)
    r = subprocess.run([build + "/bench/stack/bench_echo", str(count), str(secs)], env=e,
                       capture_output=True, text=True, timeout=secs * 3 + 60)
    try:
        rows = json.load(open(out))["results"]
        if r.returncode == 0 and rows:
            return rows[-1], None
    except (OSError, ValueError, KeyError):
        pass
    return None, "bench_echo exit %d: %s" % (r.returncode, (r.stdout + r.stderr).strip()[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--out", default="bench/results/peers.json")
    ap.add_argument("--rss-out", default="bench/results/rss.json")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (CAP_NET_ADMIN)")
        return 77
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    b = os.path.abspath(a.build)
    tapring = b + "/tool/tapring"
    rounds = a.rounds or (1 if a.quick else 3)
    count = 30000 if a.quick else 300000
    secs = 3 if a.quick else 10
    tx_secs = 1.0 if a.quick else 4.0
    rx_count = 100000 if a.quick else 1000000
    m = json.loads(subprocess.run([b + "/bench/bench_machine"], capture_output=True,
                                  text=True).stdout)
    print("machine: %s" % json.dumps(m), flush=True)
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    rows, notes = [], {}

    def note(side, why):
        if side not in notes:
            notes[side] = why
            print("  %s unavailable: %s" % (side, why), flush=True)

    # ---- echo ------------------------------------------------------------
    ns = netns("e")
    for rnd in range(rounds):
        for side in ("kernel", "engine", "up", "testpmd"):
            row, why = None, None
            if side == "kernel":
                row, why = echo_run(b, {"TR_ECHO_ONLY": "kernel"}, count, secs)
            elif side == "engine":
                row, why = echo_run(b, {"TR_ECHO_ONLY": "tap1"}, count, secs)
            elif side == "up":
                u = Up(tapring, ns)
                if u.err:
                    why = u.err
                else:
                    row, why = echo_run(b, {"TR_ECHO_ONLY": "ext", "TR_ECHO_EXT_NS": ns,
                                            "TR_ECHO_EXT_IF": u.dev, "TR_ECHO_EXT_MAC": UP_MAC,
                                            "TR_ECHO_EXT_PID": str(u.p.pid),
                                            "TR_ECHO_EXT_NAME": "tapring up"}, count, secs)
                u.stop()
            else:
                t = Testpmd("icmpecho", ns)
                if t.err:
                    why = t.err
                else:
                    row, why = echo_run(b, {"TR_ECHO_ONLY": "ext", "TR_ECHO_EXT_NS": ns,
                                            "TR_ECHO_EXT_IF": t.dev,
                                            "TR_ECHO_EXT_PID": str(t.p.pid),
                                            "TR_ECHO_EXT_NAME": "testpmd icmpecho"}, count, secs)
                t.stop()
            if row:
                row.update(test="echo", side=side, round=rnd)
                rows.append(row)
                print("echo  %-8s round %d: %8.0f replies/s  loss %.3f%%  %6.0f CPU ns/reply"
                      % (side, rnd, row["replies_per_s"], row["loss_pct"],
                         row["cpu_ns_per_reply"]), flush=True)
            else:
                note("echo/" + side, why)

    # ---- tx: testpmd txonly vs bench_tap_io (engine, plain, bare) -----------
    nst = netns("t")
    for rnd in range(rounds):
        t = Testpmd("txonly", nst, ["--txpkts=64", "--tx-ip=10.77.99.1,10.77.99.2",
                                    "--eth-peer=0,02:77:00:00:63:02"])
        if t.err:
            note("tx/testpmd", t.err)
        else:
            r0, c0 = link_stat(nst, t.dev, "rx_packets"), proc_cpu(t.p.pid)
            time.sleep(tx_secs)
            r1, c1 = link_stat(nst, t.dev, "rx_packets"), proc_cpu(t.p.pid)
            n = r1 - r0
            rows.append({"test": "tx", "side": "testpmd", "round": rnd, "len": 64,
                         "pps": n / tx_secs, "cpu_ns": (c1 - c0) * 1e9 / n if n else None,
                         "frames": n})
            print("tx    testpmd  round %d: %8.0f pps  %6.0f CPU ns/frame (polling)" % (
                rnd, n / tx_secs, (c1 - c0) * 1e9 / n if n else 0), flush=True)
        t.stop()
        out = os.path.join(TMP, "tap_io.json")
        e = dict(os.environ, TR_BENCH_JSON=out, TR_BENCH_ONLY="tx", TR_BENCH_LEN="64",
                 TR_BENCH_RAW="1")
        r = subprocess.run([b + "/bench/io/bench_tap_io", "1"], env=e, capture_output=True,
                           text=True, timeout=120)
        try:
            for x in json.load(open(out))["results"]:
                if x.get("dir") == "tx" and x.get("len") == 64 and x.get("bufs", 64) == 64:
                    side = "bare io_uring" if x["path"] == "bare_uring" else "tapring " + x["path"]
                    rows.append({"test": "tx", "side": side, "round": rnd, "len": 64,
                                 "pps": x["pps"], "cpu_ns": x["cpu_ns"]})
                    if x["path"] == "wr/stage":
                        rows.append({"test": "tx", "side": "plain write()", "round": rnd,
                                     "len": 64, "pps": x["plain_pps"],
                                     "cpu_ns": x["plain_cpu_ns"]})
        except (OSError, ValueError, KeyError):
            note("tx/tapring", "bench_tap_io exit %d: %s" % (r.returncode, r.stdout[-200:]))

    # ---- rx: same generator into testpmd rxonly and tapring up -------------
    nsr = netns("r")
    for rnd in range(rounds):
        for side in ("testpmd", "tapring up"):
            if side == "testpmd":
                s = Testpmd("rxonly", nsr)
            else:
                s = Up(tapring, nsr)
            if s.err:
                note("rx/" + side, s.err)
                s.stop()
                continue
            t0, l0, c0 = (link_stat(nsr, s.dev, "tx_packets"), link_stat(nsr, s.dev, "tx_dropped"),
                          proc_cpu(s.p.pid))
            g = sh("ip", "netns", "exec", nsr, b + "/bench/io/fwd_gen", "send", s.dev,
                   str(rx_count), "64", timeout=120)
            time.sleep(0.3)   # the reader drains its queue
            t1, l1, c1 = (link_stat(nsr, s.dev, "tx_packets"), link_stat(nsr, s.dev, "tx_dropped"),
                          proc_cpu(s.p.pid))
            mm = re.search(r"in ([0-9.]+) s", g.stdout)
            gsecs = float(mm.group(1)) if mm else None
            n = t1 - t0
            rows.append({"test": "rx", "side": side, "round": rnd, "len": 64,
                         "offered": rx_count, "delivered": n, "dropped": l1 - l0,
                         "pps": n / gsecs if gsecs else None, "gen_secs": gsecs,
                         "cpu_ns": (c1 - c0) * 1e9 / n if n else None})
            print("rx    %-10s round %d: %8.0f pps delivered, %d dropped at the TAP, %6.0f CPU "
                  "ns/frame" % (side, rnd, n / gsecs if gsecs else 0, l1 - l0,
                                (c1 - c0) * 1e9 / n if n else 0), flush=True)
            s.stop()

    rec = {"bench": "peers", "date": date, "command": " ".join(sys.argv), "machine": m,
           "quick": a.quick,
           "testpmd": TESTPMD or None, "unavailable": notes, "results": rows}
    json.dump(rec, open(a.out, "w"), indent=1)

    # ---- resident memory of tapring up, 1 and 2 queues ----------------------
    mrows = []
    for q in (1, 2):
        u = Up(tapring, ns, queues=q)
        if u.err:
            note("rss/%dq" % q, u.err)
            u.stop()
            continue
        start = proc_mem(u.p.pid)
        row, why = echo_run(b, {"TR_ECHO_ONLY": "ext", "TR_ECHO_EXT_NS": ns,
                                "TR_ECHO_EXT_IF": u.dev, "TR_ECHO_EXT_MAC": UP_MAC,
                                "TR_ECHO_EXT_PID": str(u.p.pid),
                                "TR_ECHO_EXT_NAME": "tapring up %dq" % q}, count, secs)
        load = proc_mem(u.p.pid)
        u.stop()
        mrows.append({"queues": q, "start_rss_kb": start.get("VmRSS"),
                      "start_hwm_kb": start.get("VmHWM"), "load_rss_kb": load.get("VmRSS"),
                      "load_hwm_kb": load.get("VmHWM"),
                      "replies_per_s": row["replies_per_s"] if row else None,
                      "cpu_ns_per_reply": row["cpu_ns_per_reply"] if row else None,
                      "error": why})
        print("rss   %d queue%s: start VmRSS %s kB (HWM %s), under load VmRSS %s kB (HWM %s); "
              "%s replies/s" % (q, "s" if q > 1 else "", start.get("VmRSS"), start.get("VmHWM"),
                                load.get("VmRSS"), load.get("VmHWM"),
                                "%.0f" % row["replies_per_s"] if row else why), flush=True)
    json.dump({"bench": "rss", "date": date, "command": " ".join(sys.argv), "machine": m,
               "command_line": "bench/peers/bench_peers.py%s (the resident-memory part)" % (
                   " --quick" if a.quick else ""), "quick": a.quick,
               "what": "tapring up --queues N, VmRSS/VmHWM (kB) after start and after an ICMP "
                       "echo flood of %d requests (bench_echo ext)" % count,
               "results": mrows}, open(a.rss_out, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
