#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Text mode of `tapring read` against `tcpdump -nn -S` (TZ=UTC).

    read_text_vs_tcpdump.py TAPRING PCAP...

Every line must equal tcpdump's, timestamp included, once the deliberate
differences are normalised away:
  - tapring prints VLAN tags as a "vlan N, " prefix (tcpdump needs -e),
  - it adds ", bad ip cksum" / ", bad udp cksum" / ", bad cksum", "[MF]",
    "frag id N, offset N, " and the NS flag letter "N",
  - it escapes '"' and '\\' inside TXT strings and bytes outside printable
    ASCII in names as \\ooo,
  - tcpdump appends an application summary after a TCP "length N", marks
    mDNS "(Cache flush)", and prints IPv6 extension headers and malformed
    frames its own way: those lines (and tapring's "[malformed: ...]"
    lines) are not compared.
Skips without tcpdump.
"""
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
import readlib  # noqa: E402
from readlib import Checker  # noqa: E402


def norm_ours(line):
    line = re.sub(r"^(\S+ )((?:vlan \d+, )+)", r"\1", line)
    line = line.replace(", bad ip cksum", "").replace(", bad udp cksum", "")
    line = line.replace(", bad cksum", "").replace(" [MF]", "")
    line = re.sub(r"frag id \d+, offset \d+, ", "", line)
    line = re.sub(r"Flags \[([^\]]*)N\]", r"Flags [\1]", line)
    line = line.replace('\\"', '"')
    return line


def norm_tcpdump(line):
    line = re.sub(r"(Flags \[[^\]]*\].*, length \d+): .*$", r"\1", line)
    return line.replace(" (Cache flush)", "")


def skip_line(ours, theirs):
    return ("[malformed:" in ours or "\\" in ours or
            re.search(r"HBH|DSTOPT|RT6|frag \(|bad-hlen|\[\|", theirs) is not None)


def main():
    tapring, pcaps = sys.argv[1], sys.argv[2:]
    tcpdump = readlib.need_tool("tcpdump")
    c = Checker("tcpdump")
    exact = 0
    for pcap in pcaps:
        rc, ours, err = readlib.run([tapring, "read", "-r", pcap])
        c.eq(pcap, "tapring exit status", rc, 0)
        env = dict(os.environ, TZ="UTC")
        p = subprocess.run([tcpdump, "-nn", "-S", "-r", pcap], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=60)
        theirs = p.stdout.decode("utf-8", "replace")
        c.eq(pcap, "tcpdump exit status", p.returncode, 0)
        ol, tl = ours.splitlines(), theirs.splitlines()
        c.eq(pcap, "line count", len(ol), len(tl))
        for n, (o, t) in enumerate(zip(ol, tl), 1):
            if skip_line(o, t):
                continue
            c.eq("%s:%d" % (os.path.basename(pcap), n), "text line", norm_ours(o),
                 norm_tcpdump(t))
            exact += 1
    print("%d lines compared with tcpdump" % exact)
    return c.done(minimum=25)


if __name__ == "__main__":
    sys.exit(main())
