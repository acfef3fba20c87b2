# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers for the `tapring read` tests (run with /usr/bin/python3)."""
import json
import os
import shutil
import struct
import subprocess
import sys

SKIP = 77


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


def need_tool(name):
    path = shutil.which(name)
    if not path:
        skip("%s is not installed" % name)
    return path


def run(argv, timeout=120):
    """Run argv; returns (exit status, stdout text, stderr text)."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "surrogateescape"),
            p.stderr.decode("utf-8", "surrogateescape"))


def read_json(tapring, pcap, extra=()):
    """`tapring read --json -r pcap`: one parsed object per line. Fails the
    test when the exit status is not 0 or a line is not one JSON object."""
    rc, out, err = run([tapring, "read", "--json", "-r", pcap] + list(extra))
    if rc != 0:
        print("tapring read --json -r %s exited %d: %s" % (pcap, rc, err.strip()))
        sys.exit(1)
    objs = []
    for n, line in enumerate(out.splitlines(), 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            print("line %d is not valid JSON (%s): %r" % (n, e, line[:300]))
            sys.exit(1)
        if not isinstance(o, dict):
            print("line %d is not a JSON object: %r" % (n, line[:300]))
            sys.exit(1)
        objs.append(o)
    return objs


def write_pcap(path, records, snaplen=65535):
    """records: iterable of (ts_sec, ts_usec, wirelen, bytes). Writes a
    classic little-endian pcap (DLT_EN10MB) whose caplen is len(bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1))
        for sec, usec, wirelen, data in records:
            f.write(struct.pack("<IIII", sec, usec, len(data), wirelen))
            f.write(data)


def read_pcap_raw(path):
    """Frames of a classic pcap as (ts_sec, ts_usec, wirelen, bytes)."""
    with open(path, "rb") as f:
        buf = f.read()
    magic = struct.unpack_from("<I", buf, 0)[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        raise ValueError("%s: not a classic pcap" % path)
    off, out = 24, []
    while off + 16 <= len(buf):
        sec, usec, cap, wire = struct.unpack_from(e + "IIII", buf, off)
        off += 16
        out.append((sec, usec, wire, buf[off:off + cap]))
        off += cap
    return out


class Checker:
    """Collects mismatches and counts comparisons (a test that compared
    nothing fails)."""

    def __init__(self, name):
        self.name = name
        self.errors = []
        self.compared = 0

    def eq(self, frame, field, got, want):
        self.compared += 1
        if got != want:
            self.errors.append("frame %s: %s: tapring=%r %s=%r" %
                               (frame, field, got, self.name, want))

    def fail(self, frame, msg):
        self.compared += 1
        self.errors.append("frame %s: %s" % (frame, msg))

    def done(self, minimum=1):
        for e in self.errors[:200]:
            print("MISMATCH " + e)
        if len(self.errors) > 200:
            print("... and %d more" % (len(self.errors) - 200))
        print("%s: %d fields compared, %d mismatches" %
              (self.name, self.compared, len(self.errors)))
        if self.compared < minimum:
            print("%s: too few comparisons (%d < %d): the check is broken" %
                  (self.name, self.compared, minimum))
            return 1
        return 1 if self.errors else 0


def here(*p):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), *p)
