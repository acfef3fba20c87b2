#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Command line behaviour of `tapring read`.

    read_cli.py TAPRING GOLDEN_PCAP

Errors: exact exit status (1 runtime, 2 usage), exactly one line on stderr
starting "tapring read: ", nothing on stdout. Filters: for each expression
the number of printed frames equals `tcpdump -nn -r FILE EXPR | wc -l`
(skipped without tcpdump). Also -c, --help, frame numbering under a filter,
a non-Ethernet link type and a capture file cut in the middle of a record.
"""
import os
import struct
import sys
import tempfile

sys.dont_write_bytecode = True
import readlib  # noqa: E402
from readlib import Checker

FILTERS = ["arp", "ip", "ip6", "udp", "tcp", "icmp", "icmp6", "port 53",
           "vlan", "tcp[tcpflags] & tcp-syn != 0", "host 10.77.0.11 and not icmp",
           "udp port 5353 or arp", "ip[6:2] & 0x3fff != 0", "ether broadcast"]


def expect_error(c, tapring, args, status, must_contain):
    rc, out, err = readlib.run([tapring, "read"] + args)
    tag = "read " + " ".join(args)
    c.eq(tag, "exit status", rc, status)
    lines = err.splitlines()
    c.eq(tag, "stderr lines", len(lines), 1)
    if lines:
        line = lines[0]
        if not line.startswith("tapring read: "):
            c.fail(tag, "stderr does not start with 'tapring read: ': %r" % line)
        for s in must_contain:
            if s not in line:
                c.fail(tag, "stderr %r lacks %r" % (line, s))
            else:
                c.compared += 1
    c.eq(tag, "stdout", out, "")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tapring, golden = sys.argv[1], sys.argv[2]
    c = Checker("cli")
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("this is not a capture file\n" * 10)
        raw = os.path.join(tmp, "raw.pcap")
        with open(raw, "wb") as f:     # LINKTYPE_RAW (101): IPv4 without Ethernet
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        cut = os.path.join(tmp, "cut.pcap")
        with open(golden, "rb") as f:
            whole = f.read()
        with open(cut, "wb") as f:     # header + first frames + half a record
            frames = readlib.read_pcap_raw(golden)
            keep = 24 + sum(16 + len(fr[3]) for fr in frames[:3])
            f.write(whole[:keep + 16 + 5])
        missing = os.path.join(tmp, "does-not-exist.pcap")

        expect_error(c, tapring, ["-r", missing], 1, [missing])
        expect_error(c, tapring, ["-r", text], 1, [text])
        # Any link type is read now (test/read/read_link.py): an empty raw
        # IP file is fine; an Ethernet-only filter on it is refused.
        rc, out, err = readlib.run([tapring, "read", "-r", raw])
        c.eq("read -r raw.pcap", "exit status", rc, 0)
        c.eq("read -r raw.pcap", "output", out + err, "")
        expect_error(c, tapring, ["-r", raw, "ether", "host", "02:77:00:00:00:01"], 1,
                     ["bad filter expression", "supported only on ethernet"])
        expect_error(c, tapring, ["-r", golden, "tcp", "port", "banana"], 1,
                     ["bad filter expression", "tcp port banana"])
        expect_error(c, tapring, ["-r", golden, "(("], 1, ["bad filter expression"])
        expect_error(c, tapring, [], 2, ["missing -r"])
        expect_error(c, tapring, ["--json"], 2, ["missing -r"])
        expect_error(c, tapring, ["-r"], 2, ["-r"])
        expect_error(c, tapring, ["-r", golden, "-c", "0"], 2, ["count"])
        expect_error(c, tapring, ["-r", golden, "-c", "abc"], 2, ["count", "abc"])
        expect_error(c, tapring, ["-r", golden, "-c", "-5"], 2, ["count"])
        expect_error(c, tapring, ["-r", golden, "-c", "3x"], 2, ["count"])
        expect_error(c, tapring, ["-r", golden, "--bogus"], 2, ["--bogus"])
        expect_error(c, tapring, ["-x", "-r", golden], 2, ["-x"])

        # A file cut inside a record: the complete frames, then an error.
        rc, out, err = readlib.run([tapring, "read", "-r", cut])
        c.eq("cut file", "exit status", rc, 1)
        c.eq("cut file", "frames printed", len(out.splitlines()), 3)
        c.eq("cut file", "stderr lines", len(err.splitlines()), 1)
        c.eq("cut file", "stderr prefix", err.startswith("tapring read: "), True)

    rc, out, err = readlib.run([tapring, "read", "--help"])
    c.eq("--help", "exit status", rc, 0)
    c.eq("--help", "usage on stdout", out.startswith("usage: tapring read"), True)
    rc, out, err = readlib.run([tapring, "read", "-h"])
    c.eq("-h", "exit status", rc, 0)

    objs = readlib.read_json(tapring, golden, ["-c", "3"])
    c.eq("-c 3", "frames", [o["frame"] for o in objs], [1, 2, 3])
    rc, out, err = readlib.run([tapring, "read", "-c", "2", "-r", golden])
    c.eq("-c 2 (text)", "lines", len(out.splitlines()), 2)
    objs = readlib.read_json(tapring, golden, ["arp"])
    c.eq("arp", "frame numbers keep the file index", [o["frame"] for o in objs], [1, 2])
    objs = readlib.read_json(tapring, golden, ["-c", "1", "udp"])
    c.eq("-c 1 udp", "frames", len(objs), 1)

    tcpdump = readlib.need_tool("tcpdump")
    for expr in FILTERS:
        rc, out, err = readlib.run([tapring, "read", "-r", golden, expr])
        c.eq(expr, "tapring exit status", rc, 0)
        ours = len(out.splitlines())
        rc2, out2, err2 = readlib.run([tcpdump, "-nn", "-r", golden, expr])
        c.eq(expr, "tcpdump exit status", rc2, 0)
        c.eq(expr, "frames (tapring vs tcpdump)", ours, len(out2.splitlines()))
        # The same expression split into words must select the same frames.
        rc, out3, err = readlib.run([tapring, "read", "-r", golden] + expr.split())
        c.eq(expr, "split words", len(out3.splitlines()), ours)
    return c.done(minimum=50)


if __name__ == "__main__":
    sys.exit(main())
