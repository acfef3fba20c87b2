#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`tapring read` on every link type it decodes, against tshark and tcpdump.

    read_link.py TAPRING LINKDIR

LINKDIR holds test/data/gen_link.py's files (scapy's CookedLinux,
CookedLinuxV2, Loopback and raw IP encoders). For each file:
  - JSON: "link"."type" is the file's link type, "eth" never appears, the
    "sll" object (pkttype, hatype, addr, proto, ifindex) and the NULL/LOOP
    "family" equal tshark's sll.* / null.family, and the IP, UDP, TCP,
    ICMP, ICMPv6 and ARP layers tshark finds are there with the same
    addresses, ports and types; a link header cut short is an error naming
    the link layer where tshark reports it malformed;
  - text: every line tcpdump -nn prints for a decoded frame is ours,
    byte for byte (SLL2's interface and direction columns included);
  - filters: each expression selects the same frames as tcpdump on the
    file (or both refuse it);
  - unknown.pcap (link type 147): read, each frame printed as raw bytes
    with "link: unsupported type", exit status 0.
tshark reads LOOP's family in network order only where tcpdump (and we)
take either order: a family tshark shows byte-swapped is compared swapped.
Skips without tshark or tcpdump.
"""
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
import readlib  # noqa: E402
from readlib import Checker  # noqa: E402

FILES = {"sll": 113, "sll2": 276, "raw": 12, "raw12": 12, "ipv4": 228, "ipv6": 229,
         "null": 0, "loop": 108}
FIELDS = ["frame.number", "frame.protocols", "_ws.malformed", "sll.pkttype", "sll.hatype",
          "sll.halen", "sll.src.eth", "sll.etype", "sll.ltype", "sll.ifindex", "null.family",
          "ip.src", "ip.dst", "ip.proto", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport",
          "tcp.srcport", "tcp.dstport", "icmp.type", "icmpv6.type", "arp.opcode"]
FILTERS = ["ip", "ip6", "udp", "tcp", "icmp", "icmp6", "port 53", "host 10.77.0.2",
           "net fd77::/16", "arp", "not ip", "greater 60", "less 50", "ip[9] == 1",
           "ip6[6] == 17", "udp dst port 7", "tcp[tcpflags] & tcp-syn != 0"]
SLL_FILTERS = ["inbound", "outbound"]
SLL2_FILTERS = ["ifindex 1", "ifindex 4242 and ip"]


def tshark_rows(tshark, path):
    argv = [tshark, "-n", "-r", path, "-T", "fields", "-E", "occurrence=f",
            "-E", "separator=/t"]
    for f in FIELDS:
        argv += ["-e", f]
    rc, out, err = readlib.run(argv)
    if rc != 0:
        print("tshark failed on %s: %s" % (path, err.strip()))
        sys.exit(1)
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines() if line]


def num(s):
    return int(s, 16) if s.startswith("0x") else int(s)


def check_json(c, name, dlt, objs, rows):
    c.eq(name, "frame count", len(objs), len(rows))
    for j, t in zip(objs, rows):
        fn = "%s:%d" % (name, j["frame"])
        link = j.get("link", {})
        c.eq(fn, "link.type", link.get("type"), dlt)
        c.eq(fn, "no eth", "eth" in j, False)
        protos = t["frame.protocols"].split(":")
        if t["_ws.malformed"] and len(protos) == 1:
            c.eq(fn, "link header error", j.get("error", "").split(":")[0],
                 {"sll": "sll2" if dlt == 276 else "sll", "null": "null"}.get(protos[0]))
            continue
        if "sll" in protos:
            s = link.get("sll", {})
            c.eq(fn, "sll.pkttype", s.get("pkttype"), num(t["sll.pkttype"]))
            c.eq(fn, "sll.hatype", s.get("hatype"), num(t["sll.hatype"]))
            if t["sll.src.eth"]:
                c.eq(fn, "sll.addr", s.get("addr"), t["sll.src.eth"])
            elif num(t["sll.halen"]) == 0:
                c.eq(fn, "sll.addr", s.get("addr"), "")
            c.eq(fn, "sll.proto", s.get("proto"), num(t["sll.etype"] or t["sll.ltype"]))
            if dlt == 276:
                c.eq(fn, "sll.ifindex", s.get("ifindex"), num(t["sll.ifindex"]))
            else:
                c.eq(fn, "no sll.ifindex", "ifindex" in s, False)
        if "null" in protos:
            fam = num(t["null.family"])
            if fam >= 0x10000:
                fam = int.from_bytes(fam.to_bytes(4, "big"), "little")
                c.eq(fn, "family", link.get("family"), fam)
                continue     # tshark stops there; tcpdump decodes it (text check)
            c.eq(fn, "family", link.get("family"), fam)
        for proto, key in (("ip", "ipv4"), ("ipv6", "ipv6"), ("udp", "udp"), ("tcp", "tcp"),
                           ("icmp", "icmp"), ("icmpv6", "icmp6"), ("arp", "arp")):
            c.eq(fn, key + " present", key in j, proto in protos)
        if "ipv4" in j:
            c.eq(fn, "ipv4.src", j["ipv4"]["src"], t["ip.src"])
            c.eq(fn, "ipv4.dst", j["ipv4"]["dst"], t["ip.dst"])
            c.eq(fn, "ipv4.proto", j["ipv4"]["proto"], num(t["ip.proto"]))
        if "ipv6" in j:
            c.eq(fn, "ipv6.src", j["ipv6"]["src"], t["ipv6.src"])
            c.eq(fn, "ipv6.dst", j["ipv6"]["dst"], t["ipv6.dst"])
        for l4 in ("udp", "tcp"):
            if l4 in j:
                c.eq(fn, l4 + ".sport", j[l4]["sport"], num(t[l4 + ".srcport"]))
                c.eq(fn, l4 + ".dport", j[l4]["dport"], num(t[l4 + ".dstport"]))
        if "icmp" in j:
            c.eq(fn, "icmp.type", j["icmp"]["type"], num(t["icmp.type"]))
        if "icmp6" in j:
            c.eq(fn, "icmp6.type", j["icmp6"]["type"], num(t["icmpv6.type"]))
        if "arp" in j:
            c.eq(fn, "arp.op", j["arp"]["op"], num(t["arp.opcode"]))


def check_text(c, tapring, tcpdump, name, path):
    rc, ours, _ = readlib.run([tapring, "read", "-r", path])
    c.eq(name, "text exit status", rc, 0)
    p = subprocess.run([tcpdump, "-nn", "-S", "-r", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=dict(os.environ, TZ="UTC"), timeout=60)
    theirs = [ln for ln in p.stdout.decode("utf-8", "replace").splitlines()
              if not ln.startswith("\t")]     # tcpdump's hex dump of undecoded data
    ol = ours.splitlines()
    c.eq(name, "text line count", len(ol), len(theirs))
    n = 0
    for i, (o, t) in enumerate(zip(ol, theirs), 1):
        if "[malformed:" in o or "[|" in t or not re.search(r" (IP6? |ARP, )", o):
            continue
        c.eq("%s:%d" % (name, i), "text line", o, t)
        n += 1
    return n


def frames_of(out, json_mode):
    """Frame numbers: ours from "frame", tcpdump's (-tt) from the time
    stamp, which gen_link.py makes 1780000000 + index (tcpdump's -#
    counts printed packets, not the file's)."""
    if json_mode:
        return [int(re.search(r'"frame":(\d+)', ln).group(1)) for ln in out.splitlines()]
    return [int(ln.split(".")[0]) - 1780000000 + 1 for ln in out.splitlines()
            if ln.strip() and ln[0] != "\t"]


def check_filters(c, tapring, tcpdump, name, path, dlt):
    exprs = FILTERS + (SLL_FILTERS if dlt in (113, 276) else []) + \
        (SLL2_FILTERS if dlt == 276 else [])
    agreed = 0
    for e in exprs:
        rc, ours, _ = readlib.run([tapring, "read", "--json", "-r", path, e])
        p = subprocess.run([tcpdump, "-nn", "-tt", "-r", path, e], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        c.eq("%s '%s'" % (name, e), "filter accepted", rc == 0, p.returncode == 0)
        if rc != 0 or p.returncode != 0:
            continue
        c.eq("%s '%s'" % (name, e), "frames selected", frames_of(ours, True),
             frames_of(p.stdout.decode(), False))
        agreed += 1
    return agreed


def check_unknown(c, tapring, path):
    rc, out, err = readlib.run([tapring, "read", "--json", "-r", path])
    c.eq("unknown", "exit status", rc, 0)
    raw = readlib.read_pcap_raw(path)
    objs = readlib.read_json(tapring, path)
    c.eq("unknown", "frame count", len(objs), len(raw))
    for j, (_, _, _, data) in zip(objs, raw):
        fn = "unknown:%d" % j["frame"]
        c.eq(fn, "link", j.get("link"), {"type": 147})
        c.eq(fn, "error", j.get("error"), "link: unsupported type")
        c.eq(fn, "raw", j.get("raw"), data.hex())
        c.eq(fn, "no layers", [k for k in j if k in ("eth", "ipv4", "ipv6", "icmp")], [])
    rc, out, err = readlib.run([tapring, "read", "-r", path])
    c.eq("unknown", "text exit status", rc, 0)
    for ln, (_, _, _, data) in zip(out.splitlines(), raw):
        c.eq("unknown", "text raw bytes", data.hex() in ln and
             "[malformed: link: unsupported type]" in ln, True)


def main():
    tapring, linkdir = sys.argv[1], sys.argv[2]
    tshark = readlib.need_tool("tshark")
    tcpdump = readlib.need_tool("tcpdump")
    c = Checker("tshark/tcpdump")
    lines = filters = 0
    for name, dlt in FILES.items():
        path = os.path.join(linkdir, name + ".pcap")
        check_json(c, name, dlt, readlib.read_json(tapring, path), tshark_rows(tshark, path))
        lines += check_text(c, tapring, tcpdump, name, path)
        filters += check_filters(c, tapring, tcpdump, name, path, dlt)
    check_unknown(c, tapring, os.path.join(linkdir, "unknown.pcap"))
    print("%d text lines equal to tcpdump's, %d filter runs compared" % (lines, filters))
    if lines < 40 or filters < 100:
        print("too few comparisons: the check is broken")
        return 1
    return c.done(minimum=300)


if __name__ == "__main__":
    sys.exit(main())
