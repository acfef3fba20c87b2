#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`tapring read` never allocates per frame.

    read_noalloc.py TAPRING GOLDEN_PCAP

Runs tapring under valgrind on the golden frames once and repeated 20 times,
in text and JSON mode, and requires the same number of heap allocations:
any allocation per frame (or per DNS record, per escape...) would grow with
the frame count. Skips without valgrind (and is kept out of the ASan build).
"""
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True
import readlib  # noqa: E402
from readlib import Checker  # noqa: E402


def allocs(valgrind, argv):
    rc, out, err = readlib.run([valgrind, "--error-exitcode=99"] + argv, timeout=300)
    m = re.search(r"total heap usage: ([\d,]+) allocs", err)
    if rc != 0 or not m:
        print("valgrind run failed (%d): %s" % (rc, err[-500:]))
        sys.exit(1)
    return int(m.group(1).replace(",", "")), len(out.splitlines())


def main():
    tapring, golden = sys.argv[1], sys.argv[2]
    valgrind = readlib.need_tool("valgrind")
    frames = readlib.read_pcap_raw(golden)
    c = Checker("noalloc")
    with tempfile.TemporaryDirectory() as tmp:
        one, many = os.path.join(tmp, "one.pcap"), os.path.join(tmp, "many.pcap")
        readlib.write_pcap(one, frames)
        readlib.write_pcap(many, frames * 20)
        for mode in ([], ["--json"]):
            a1, n1 = allocs(valgrind, [tapring, "read", "-r", one] + mode)
            a2, n2 = allocs(valgrind, [tapring, "read", "-r", many] + mode)
            tag = "json" if mode else "text"
            c.eq(tag, "lines printed", (n1, n2), (len(frames), 20 * len(frames)))
            c.eq(tag, "heap allocations (%d frames vs %d)" % (n1, n2), a2, a1)
            print("%s: %d allocations for %d frames, %d for %d frames" % (tag, a1, n1, a2, n2))
    return c.done(minimum=4)


if __name__ == "__main__":
    sys.exit(main())
