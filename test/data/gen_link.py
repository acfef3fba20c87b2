#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Golden capture files for every link type `tapring read` decodes, built
with scapy's own link-layer encoders (CookedLinux, CookedLinuxV2,
Loopback, raw IP), and the libFuzzer seeds of fuzz_link.

    /usr/bin/python3 test/data/gen_link.py [DATADIR [CORPUSDIR]]

Writes DATADIR/link/<name>.pcap (default: test/data/link/) for
  sll (113), sll2 (276), raw (LINKTYPE_RAW 101), raw12 (DLT_RAW 12),
  ipv4 (228), ipv6 (229), null (0, both byte orders), loop (108, both
  byte orders) and unknown (147, a link type nobody decodes),
and one seed per frame into CORPUSDIR (default: fuzz/corpus/link/): the
first byte selects the link type in fuzz_link's table, the rest is the
frame. Deterministic: fixed timestamps, ids and addresses (10.77.0.0/16,
fd77::/16).
"""
import os
import struct
import sys

from scapy.all import (ARP, DNS, DNSQR, ICMP, ICMPv6EchoRequest, IP, IPv6, Raw, TCP, UDP,
                       CookedLinux, CookedLinuxV2, Loopback)

# fuzz_link.c's table, in this order.
FUZZ_DLTS = [1, 113, 276, 0, 108, 12, 101, 228, 229, 147]

A4, B4 = "10.77.0.1", "10.77.0.2"
A6, B6 = "fd77::1", "fd77::2"
MAC = b"\x02\x77\x00\x00\x00\x01\x00\x00"


def l3_set():
    """Network-layer payloads shared by every link type: (ethertype, bytes)."""
    return [
        (0x0800, IP(src=A4, dst=B4, id=1) / UDP(sport=40000, dport=53) /
         DNS(id=7, rd=1, qd=DNSQR(qname="tun.example"))),
        (0x0800, IP(src=B4, dst=A4, id=2) / ICMP(type=8, id=9, seq=1) / Raw(b"ping" * 8)),
        (0x0800, IP(src=A4, dst=B4, id=3, flags="DF") /
         TCP(sport=40001, dport=80, seq=1000, flags="S", window=64240,
             options=[("MSS", 1460)])),
        (0x86dd, IPv6(src=A6, dst=B6, hlim=64) / ICMPv6EchoRequest(id=5, seq=2, data=b"six")),
        (0x86dd, IPv6(src=B6, dst=A6) / UDP(sport=4000, dport=40002) / Raw(b"x" * 20)),
        (0x0800, IP(src=A4, dst=B4, id=4) / UDP(sport=1000, dport=7) / Raw(b"echo")),
    ]


def frames_for(name):
    """(link-type, [frame bytes]) of one file."""
    out = []
    if name in ("sll", "sll2"):
        for i, (et, p) in enumerate(l3_set()):
            pt = [0, 4, 1, 2, 3, 0][i]
            if name == "sll":
                hdr = CookedLinux(pkttype=pt, lladdrtype=1, lladdrlen=6, src=MAC, proto=et)
            else:
                hdr = CookedLinuxV2(proto=et, ifindex=[1, 4242][i % 2], lladdrtype=1,
                                    pkttype=pt, lladdrlen=6, src=MAC)
            out.append(bytes(hdr / p))
        arp = ARP(op=1, hwsrc="02:77:00:00:00:01", psrc=A4, pdst=B4)
        if name == "sll":
            out.append(bytes(CookedLinux(pkttype=1, lladdrtype=1, lladdrlen=6, src=MAC,
                                         proto=0x0806) / arp))
            # 802.2 LLC (protocol 4): no Ethernet type, the link layer ends there
            out.append(bytes(CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=MAC,
                                         proto=4) / Raw(b"\x42\x42\x03" + b"\x00" * 20)))
            # a loopback device (hatype 772, no address)
            out.append(bytes(CookedLinux(pkttype=0, lladdrtype=772, lladdrlen=0, src=b"\0" * 8,
                                         proto=0x0800) / l3_set()[5][1]))
            out.append(b"\x00\x00\x00\x01\x00\x06\x02\x77")   # cut inside the header
            return 113, out
        out.append(bytes(CookedLinuxV2(proto=0x0806, ifindex=1, lladdrtype=1, pkttype=1,
                                       lladdrlen=6, src=MAC) / arp))
        out.append(b"\x08\x00\x00\x00\x00\x00\x00\x01\x00\x01")  # cut inside the header
        return 276, out
    if name in ("raw", "raw12"):
        out = [bytes(p) for _, p in l3_set()]
        out.append(b"\x50" + b"\x00" * 19)          # version 5: not IP
        return (101 if name == "raw" else 12), out
    if name == "ipv4":
        return 228, [bytes(p) for et, p in l3_set() if et == 0x0800]
    if name == "ipv6":
        return 229, [bytes(p) for et, p in l3_set() if et == 0x86dd]
    if name in ("null", "loop"):
        for i, (et, p) in enumerate(l3_set()):
            fam = 2 if et == 0x0800 else [24, 28, 30][i % 3]
            if (i % 2 == 0) == (name == "null"):
                out.append(bytes(Loopback(type=fam) / p))          # scapy: little-endian
            else:
                out.append(struct.pack(">I", fam) + bytes(p))     # the other order
        out.append(bytes(Loopback(type=7) / Raw(b"\xfe\xfe\x03" + b"\x00" * 8)))  # AF 7
        out.append(b"\x02\x00")                                   # cut header
        return (0 if name == "null" else 108), out
    if name == "unknown":
        return 147, [b"\x01\x02\x03\x04private", bytes(l3_set()[1][1])]
    raise ValueError(name)


NAMES = ["sll", "sll2", "raw", "raw12", "ipv4", "ipv6", "null", "loop", "unknown"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = sys.argv[1] if len(sys.argv) > 1 else here
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "fuzz",
                                                                 "corpus", "link")
    os.makedirs(os.path.join(data, "link"), exist_ok=True)
    os.makedirs(corpus, exist_ok=True)
    for name in NAMES:
        dlt, frames = frames_for(name)
        with open(os.path.join(data, "link", name + ".pcap"), "wb") as w:
            w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, dlt))
            for i, f in enumerate(frames):
                w.write(struct.pack("<IIII", 1780000000 + i, 125 * (i + 1), len(f), len(f)))
                w.write(f)
        for i, f in enumerate(frames):
            with open(os.path.join(corpus, "%s_%02d.bin" % (name, i)), "wb") as c:
                c.write(bytes([FUZZ_DLTS.index(dlt)]) + f)


if __name__ == "__main__":
    main()
