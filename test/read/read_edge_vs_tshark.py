#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Decoder edge cases that tshark decodes further than the codecs accept.

    read_edge_vs_tshark.py TAPRING

Builds a small pcap with scapy and checks `tapring read` on it, both with
the field-by-field tshark comparison of read_vs_tshark.py and with direct
expectations:
  - UDP over IPv6 with checksum 0 (illegal, RFC 8200 §8.1): the UDP layer
    (and DNS above it) is decoded, csum_ok false, no error;
  - a VLAN tag cut by the frame end, single and inside a QinQ stack, and a
    frame with more tags than the decoder walks: Ethernet and the complete
    tags are printed, the error names eth;
  - ICMPv6 NS / NA / redirect: the target (and redirect destination) come
    from the decoder.
Skips (77) without tshark or scapy.
"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True
import readlib  # noqa: E402
import read_vs_tshark  # noqa: E402
from readlib import Checker


def frames():
    try:
        from scapy.all import DNS, DNSQR, Dot1AD, Dot1Q, Ether, IP, IPv6, UDP, Raw
        from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_Redirect
    except ImportError:
        readlib.skip("scapy is not installed")
    eth = Ether(src="02:77:00:00:00:01", dst="02:77:00:00:00:02")
    v6 = IPv6(src="fd77::1", dst="fd77::2")
    out = []
    # 1 UDP over IPv6, checksum 0
    out.append(bytes(eth / v6 / UDP(sport=1000, dport=2000, chksum=0) / Raw(b"hello")))
    # 2 DNS over IPv6 UDP, checksum 0
    out.append(bytes(eth / v6 / UDP(sport=40000, dport=53, chksum=0)
                     / DNS(id=0x77, rd=1, qd=DNSQR(qname="a.example."))))
    qinq = bytes(eth / Dot1AD(vlan=200, prio=3) / Dot1Q(vlan=100)
                 / IP(src="10.77.0.1", dst="10.77.0.2") / UDP(sport=1, dport=2) / Raw(b"x"))
    # 3 QinQ cut inside the inner tag (one complete tag)
    out.append(qinq[:20])
    # 4 single tag cut after its TCI
    out.append(bytes(eth / Dot1Q(vlan=77) / IP(src="10.77.0.1", dst="10.77.0.2"))[:16])
    # 5 five stacked tags (the decoder walks four)
    five = eth
    for i in range(5):
        five = five / Dot1Q(vlan=10 + i)
    out.append(bytes(five / IP(src="10.77.0.1", dst="10.77.0.2") / UDP() / Raw(b"y")))
    # 6-8 neighbour discovery with targets
    ll = IPv6(src="fe80::77:1", dst="ff02::1:ff00:2", hlim=255)
    out.append(bytes(eth / ll / ICMPv6ND_NS(tgt="fe80::77:2")))
    out.append(bytes(eth / IPv6(src="fe80::77:2", dst="fe80::77:1", hlim=255)
                     / ICMPv6ND_NA(tgt="fe80::77:2", R=0, S=1, O=1)))
    out.append(bytes(eth / IPv6(src="fe80::77:3", dst="fd77::1", hlim=255)
                     / ICMPv6ND_Redirect(tgt="fe80::77:4", dst="fd77::1:5")))
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tapring = sys.argv[1]
    tshark = readlib.need_tool("tshark")
    data = frames()
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "edge.pcap")
        readlib.write_pcap(path, [(1700000000, i, len(b), b) for i, b in enumerate(data)])
        objs = readlib.read_json(tapring, path)
        rows = read_vs_tshark.tshark_rows(tshark, path)
        rc, text, err = readlib.run([tapring, "read", "-r", path])

    c = Checker("tshark")
    read_vs_tshark.check_tshark(c, objs, rows)
    status |= c.done(minimum=8 * len(data))

    e = Checker("expected")
    e.eq("-", "frames", len(objs), len(data))
    e.eq("-", "text mode exit status", rc, 0)
    lines = text.splitlines()
    e.eq("-", "text lines", len(lines), len(data))
    if len(objs) != len(data) or len(lines) != len(data):
        return e.done() | 1
    for fn in (1, 2):
        o = objs[fn - 1]
        e.eq(fn, "error", o.get("error"), None)
        e.eq(fn, "udp.csum_ok", o.get("udp", {}).get("csum_ok"), False)
        e.eq(fn, "text bad cksum", "bad udp cksum" in lines[fn - 1], True)
    e.eq(2, "dns.id", objs[1].get("dns", {}).get("id"), 0x77)
    for fn, ntags, err in ((3, 1, "eth: vlan tag truncated"),
                           (4, 0, "eth: vlan tag truncated"),
                           (5, 4, "eth: more than 4 vlan tags")):
        o = objs[fn - 1]
        e.eq(fn, "eth.src", o.get("eth", {}).get("src"), "02:77:00:00:00:01")
        e.eq(fn, "vlan count", len(o.get("vlan", [])), ntags)
        e.eq(fn, "error", (o.get("error") or "")[:len(err)], err)
        e.eq(fn, "text starts with the tags", lines[fn - 1].split(" ", 1)[1][:5],
             "vlan " if ntags else "ether")
    e.eq(3, "vlan[0]", objs[2].get("vlan", [{}])[0].get("vid"), 200)
    e.eq(6, "icmp6.target", objs[5].get("icmp6", {}).get("target"), "fe80::77:2")
    e.eq(7, "icmp6.target", objs[6].get("icmp6", {}).get("target"), "fe80::77:2")
    e.eq(8, "icmp6.target", objs[7].get("icmp6", {}).get("target"), "fe80::77:4")
    e.eq(6, "text", lines[5].endswith("neighbor solicitation, who has fe80::77:2, length 24"), True)
    e.eq(8, "text", "redirect, fd77::1:5 to fe80::77:4" in lines[7], True)
    status |= e.done(minimum=20)
    return status


if __name__ == "__main__":
    sys.exit(main())
