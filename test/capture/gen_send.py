#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Capture files for send_live.sh, written with scapy:

    gen_send.py DIR

DIR/mixed.pcap: 1000 Ethernet frames from 02:77:00:00:00:aa (ARP, IPv4
UDP/TCP/ICMP, IPv6 UDP/ICMPv6, 802.1Q-tagged IPv4, 60..1514 bytes), then 5
frames of 1600 bytes (larger than a 1500-byte MTU + 14).
DIR/raw.pcap: 200 raw IP packets (IPv4 UDP to 10.77.4.2, IPv6 UDP to
fd77:4::2), LINKTYPE_RAW.
"""
import os
import random
import sys

from scapy.all import (ARP, ICMP, ICMPv6EchoRequest, IP, IPv6, TCP, UDP, Dot1Q, Ether, Raw,
                       wrpcap)

SRC = "02:77:00:00:00:aa"


def mixed():
    rnd = random.Random(77)
    out = []
    for i in range(1000):
        k = i % 7
        e = Ether(src=SRC, dst="02:77:00:00:00:bb")
        pad = rnd.randrange(0, 1400)
        if k == 0:
            f = e / ARP(op=1, hwsrc=SRC, psrc="10.77.3.9", pdst="10.77.3.10")
        elif k == 1:
            f = e / IP(src="10.77.3.9", dst="10.77.3.10", id=i) / UDP(sport=4000 + i, dport=9) / Raw(b"u" * pad)
        elif k == 2:
            f = e / IP(src="10.77.3.9", dst="10.77.3.10", id=i) / TCP(sport=5000, dport=80, seq=i) / Raw(b"t" * pad)
        elif k == 3:
            f = e / IP(src="10.77.3.9", dst="10.77.3.10", id=i) / ICMP(id=1, seq=i) / Raw(b"i" * (pad // 2))
        elif k == 4:
            f = e / IPv6(src="fd77:3::9", dst="fd77:3::10") / UDP(sport=4000, dport=9) / Raw(b"6" * pad)
        elif k == 5:
            f = e / IPv6(src="fd77:3::9", dst="fd77:3::10") / ICMPv6EchoRequest(id=2, seq=i)
        else:
            f = e / Dot1Q(vlan=100 + i % 50) / IP(src="10.77.3.9", dst="10.77.3.10", id=i) / UDP() / Raw(b"v" * (pad // 2))
        b = bytes(f)
        if len(b) < 60:
            b += b"\0" * (60 - len(b))
        out.append(Ether(b[:1514]))
    for i in range(5):
        out.append(Ether(src=SRC, dst="02:77:00:00:00:bb") / IP(src="10.77.3.9", dst="10.77.3.10") / Raw(b"B" * 1566))
    for i, p in enumerate(out):
        p.time = 1780000000 + i / 1000.0
    return out


def raw():
    out = []
    for i in range(200):
        if i % 2:
            p = IPv6(src="fd77:4::1", dst="fd77:4::2") / UDP(sport=4000, dport=9) / Raw(bytes([i]) * (i + 1))
        else:
            p = IP(src="10.77.4.1", dst="10.77.4.2", id=i) / UDP(sport=4000, dport=9) / Raw(bytes([i]) * (i + 1))
        p.time = 1780000000 + i / 1000.0
        out.append(p)
    return out


def main():
    d = sys.argv[1]
    wrpcap(os.path.join(d, "mixed.pcap"), mixed())
    wrpcap(os.path.join(d, "raw.pcap"), raw(), linktype=101)


if __name__ == "__main__":
    main()
