#!/usr/bin/python3
# The steady state of `tapring up` allocates nothing: an LD_PRELOAD shim
# (malloc_count.c) counts malloc, calloc, realloc, free and the aligned
# allocators of the whole process (every thread) inside a window this test
# opens and closes through a shared control file, while a ping flood in the
# test's namespace makes tapring receive and answer at least 100,000
# frames after a warm-up. Expected: zero calls in the window.
#
# The shim is proven live in the same process, so the test cannot pass
# vacuously: it is armed from exec, and the start-up of `tapring up` (option
# parsing, engine and stack creation) must be counted as allocations;
# afterwards, while disarmed, the shim's "idle" counter must keep moving or
# at least be non-zero (calls reached it). The frame count of the window is
# read from the TAP's kernel-side counters in the namespace.
#
# Skips (77) without root, /dev/net/tun or ping, and in sanitizer builds
# (the shim is not built there: ASan/TSan intercept the allocator and must
# come first in the library list; meson passes "-" then).
# Traffic: 10.77.14.0/24 inside a namespace made here. Bounded: every step
# has a timeout; the flood stops at its count or after 90 s.
#   malloc_live.py TAPRING SHIM.so|-
import mmap
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

WINDOW_FRAMES = 100000
W = ["armed", "malloc", "calloc", "realloc", "free", "aligned", "idle"]


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def main():
    if len(sys.argv) != 3:
        print("usage: malloc_live.py TAPRING SHIM.so|-", file=sys.stderr)
        return 1
    tapring, shim = sys.argv[1], sys.argv[2]
    if shim == "-" or not os.path.exists(shim):
        skip("sanitizer build: the counting shim cannot be preloaded in front of the "
             "ASan/TSan runtime (run it in the plain build)")
    if os.geteuid() != 0:
        skip("needs root (CAP_NET_ADMIN)")
    if not os.path.exists("/dev/net/tun"):
        skip("/dev/net/tun missing")
    if not shutil.which("ping"):
        skip("ping not installed")

    pid = os.getpid()
    ns = "trmal%d" % pid
    tap = "trm%d" % (pid % 100000)
    d = tempfile.mkdtemp()
    ctl_path = os.path.join(d, "ctl")
    with open(ctl_path, "wb") as f:
        f.write(b"\0" * 4096)
    fd = os.open(ctl_path, os.O_RDWR)
    ctl = mmap.mmap(fd, 4096)
    os.close(fd)

    def word(i):
        return struct.unpack_from("<Q", ctl, 8 * i)[0]

    def setword(i, v):
        struct.pack_into("<Q", ctl, 8 * i, v)

    def counts():
        return {W[i]: word(i) for i in range(1, len(W))}

    up = None
    fails = 0

    def check(desc, ok):
        nonlocal fails
        print(("ok   " if ok else "FAIL ") + desc)
        if not ok:
            fails += 1

    def sh(*args, timeout=30):
        return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)

    def link_counters():
        # the kernel side of the TAP: tx = frames into tapring, rx = frames from it
        base = "/sys/class/net/%s/statistics/" % tap
        r = sh("ip", "netns", "exec", ns, "cat", base + "tx_packets", base + "rx_packets")
        v = r.stdout.split()
        return (int(v[0]), int(v[1])) if len(v) == 2 else (0, 0)

    def flood(count, limit):
        # ping -f: one request per reply (or per 10 ms); -l 64 keeps 64 in flight
        return sh("ip", "netns", "exec", ns, "timeout", str(limit), "ping", "-n", "-q",
                  "-f", "-l", "64", "-c", str(count), "-W", "1", "10.77.14.1",
                  timeout=limit + 10)

    try:
        if sh("ip", "netns", "add", ns).returncode != 0:
            skip("cannot create a namespace")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        setword(0, 1)   # armed from exec: the start-up must be counted
        env = dict(os.environ, LD_PRELOAD=shim, TR_MALLOC_CTL=ctl_path)
        up = subprocess.Popen([tapring, "up", "--tap", tap, "--netns", ns, "--quiet",
                               "--addr", "10.77.14.1/24", "--host-addr", "10.77.14.2/24",
                               "--duration", "150"],
                              env=env, stdout=subprocess.DEVNULL, stderr=open(d + "/up.err", "w"))
        t0 = time.monotonic()
        up_ok = False
        while time.monotonic() - t0 < 15:
            if up.poll() is not None:
                break
            r = sh("ip", "netns", "exec", ns, "ping", "-n", "-c", "1", "-W", "1", "10.77.14.1")
            if r.returncode == 0:
                up_ok = True
                break
            time.sleep(0.2)
        start = counts()
        setword(0, 0)
        check("tapring up answers ping under the shim", up_ok)
        if not up_ok:
            print(open(d + "/up.err").read(), file=sys.stderr)
            return 1
        check("positive control: start-up allocations counted (malloc %d, calloc %d, free %d)"
              % (start["malloc"], start["calloc"], start["free"]),
              start["malloc"] + start["calloc"] + start["aligned"] > 0)

        # warm-up, disarmed: ARP/neighbour state, pools and rings touched
        flood(20000, 40)
        time.sleep(0.3)
        for i in range(1, len(W)):
            setword(i, 0)
        rx0, tx0 = link_counters()
        setword(0, 1)
        time.sleep(0.2)   # a whole main-loop nap (50 ms) inside the window
        fr = flood(WINDOW_FRAMES, 90)
        time.sleep(0.2)
        setword(0, 0)
        rx1, tx1 = link_counters()
        win = counts()
        into, outof = rx1 - rx0, tx1 - tx0
        print("window: tapring received %d frames and sent %d; %s" % (
            into, outof, ", ".join("%s %d" % (k, win[k]) for k in W[1:6])))
        if fr.returncode != 0:
            print(fr.stdout + fr.stderr, file=sys.stderr)
        check("window covered >= %d received frames (%d)" % (WINDOW_FRAMES, into),
              into >= WINDOW_FRAMES)
        check("echo traffic answered in the window (%d replies)" % outof,
              outof >= WINDOW_FRAMES * 9 // 10)
        check("zero malloc/calloc/realloc/free/aligned calls in the steady state",
              sum(win[k] for k in W[1:6]) == 0)
        # the shim is still in the path after the window: a disarmed call
        # (here: tapring's shutdown, which frees) is counted as idle
        idle0 = word(6)
        up.send_signal(signal.SIGTERM)
        rc = up.wait(timeout=20)
        up = None
        check("tapring up exits 0 on SIGTERM (%d)" % rc, rc == 0)
        check("shim still interposed after the window (idle calls %d -> %d)"
              % (idle0, word(6)), word(6) > idle0)
    finally:
        if up is not None:
            up.kill()
            up.wait()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "link", "del", tap], capture_output=True)
        ctl.close()
        shutil.rmtree(d, ignore_errors=True)
    print("%s" % ("all checks passed" if fails == 0 else "%d checks failed" % fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
