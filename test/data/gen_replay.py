#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The fixed captures `tapring replay` is tested and measured on.

    /usr/bin/python3 test/data/gen_replay.py [DATADIR [CORPUSDIR]]
    /usr/bin/python3 test/data/gen_replay.py --check DATADIR   (test replay_data_regen)

Writes DATADIR/replay.pcap (default test/data/): Ethernet frames from a
peer (02:77:00:00:00:02, 10.77.0.2, fd77::2) to the stack (02:74:72:00:00:01,
10.77.0.1, fd77::1), ROUNDS rounds of
  ARP request, ICMP echo v4, ND neighbour solicitation, ICMPv6 echo,
  UDP echo (port 7), DNS A and AAAA queries (host.test), a UDP datagram to
  a closed port, a 3000-byte ping in 3 IPv4 fragments (in order, then
  reversed), a 3000-byte ICMPv6 echo in 3 IPv6 fragments,
1 ms apart; then one lone IPv4 fragment and, 40 s later (past the 30 s
reassembly timeout), a last echo request.
Also DATADIR/replay_raw.pcap: the IP frames of one round as raw IP
(LINKTYPE_RAW 101) for the TUN pipeline, and one seed per file into
CORPUSDIR (default fuzz/corpus/replay/). Deterministic: fixed timestamps,
ids and payloads, so the files are byte-identical on every run.
"""
import os
import struct
import sys

try:
    from scapy.all import (ARP, DNS, DNSQR, ICMP, ICMPv6EchoRequest, ICMPv6ND_NS,
                           ICMPv6NDOptSrcLLAddr, IP, IPv6, IPv6ExtHdrFragment, Ether, Raw, UDP,
                           fragment, fragment6)
except ImportError:
    print("SKIP: python3-scapy is not installed")
    sys.exit(77)

ROUNDS = 12
PEER_MAC, OUR_MAC = "02:77:00:00:00:02", "02:74:72:00:00:01"
PEER4, OUR4 = "10.77.0.2", "10.77.0.1"
PEER6, OUR6 = "fd77::2", "fd77::1"
T0 = 1764892800          # 2025-12-05 00:00:00 UTC


def eth(p, dst=OUR_MAC):
    return Ether(src=PEER_MAC, dst=dst) / p


def round_ip(r):
    """The IP packets of round r (no link header), in order."""
    out = []
    out.append(IP(src=PEER4, dst=OUR4, id=100 + r) / ICMP(type=8, id=1, seq=r) / Raw(b"v4ping" * 6))
    out.append(IPv6(src=PEER6, dst=OUR6, hlim=64) / ICMPv6EchoRequest(id=2, seq=r, data=b"v6ping" * 6))
    out.append(IP(src=PEER4, dst=OUR4, id=200 + r) / UDP(sport=40000 + r, dport=7) / Raw(b"echo %d" % r))
    out.append(IP(src=PEER4, dst=OUR4, id=300 + r) / UDP(sport=41000 + r, dport=53) /
               DNS(id=r, rd=1, qd=DNSQR(qname="host.test", qtype="A")))
    out.append(IPv6(src=PEER6, dst=OUR6) / UDP(sport=42000 + r, dport=53) /
               DNS(id=1000 + r, rd=1, qd=DNSQR(qname="host.test", qtype="AAAA")))
    out.append(IP(src=PEER4, dst=OUR4, id=400 + r) / UDP(sport=43000, dport=4444) / Raw(b"closed"))
    big = IP(src=PEER4, dst=OUR4, id=500 + r) / ICMP(type=8, id=3, seq=r) / Raw(bytes(range(256)) * 12)
    frags = fragment(big, fragsize=1200)
    out.extend(frags if r % 2 == 0 else list(reversed(frags)))
    big6 = (IPv6(src=PEER6, dst=OUR6) / IPv6ExtHdrFragment(id=600 + r) /
            ICMPv6EchoRequest(id=4, seq=r, data=bytes(range(256)) * 12))
    out.extend(fragment6(big6, 1280))
    return out


def round_eth(r):
    out = [eth(ARP(op=1, hwsrc=PEER_MAC, psrc=PEER4, pdst=OUR4), dst="ff:ff:ff:ff:ff:ff")]
    out.append(eth(IPv6(src=PEER6, dst="ff02::1:ff00:1", hlim=255) /
                   ICMPv6ND_NS(tgt=OUR6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC),
                   dst="33:33:ff:00:00:01"))
    out.extend(eth(p) for p in round_ip(r))
    return out


def write_pcap(path, linktype, frames):
    """frames: [(seconds, microseconds, bytes)]"""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, b in frames:
            f.write(struct.pack("<IIII", sec, usec, len(b), len(b)))
            f.write(b)


def write_pcapng(path, linktype, frames):
    """The same frames as pcapng: SHB, one IDB (microseconds), EPBs."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    with open(path, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(block(1, struct.pack("<HHI", linktype, 0, 262144)))
        for sec, usec, b in frames:
            ts = sec * 1000000 + usec
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(b), len(b)) + b))


def check(data):
    """--check: regenerate into a temporary directory and compare with the
    committed files (exit 1 on any difference)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "corpus"))
        sys.argv = [sys.argv[0], tmp, os.path.join(tmp, "corpus")]
        main()
        bad = 0
        for name in ("replay.pcap", "replay_raw.pcap"):
            with open(os.path.join(tmp, name), "rb") as a, open(os.path.join(data, name), "rb") as b:
                if a.read() != b.read():
                    print("FAIL: %s differs from what gen_replay.py writes" % name)
                    bad += 1
        print("%d of 2 files regenerate byte-identical" % (2 - bad))
        return 1 if bad else 0


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz", "corpus", "replay")
    frames, t = [], 0
    for r in range(ROUNDS):
        for p in round_eth(r):
            frames.append((T0 + t // 1000000, t % 1000000, bytes(p)))
            t += 1000
    lone = fragment(IP(src=PEER4, dst=OUR4, id=999) / ICMP(type=8, id=5, seq=0) / Raw(b"L" * 2000),
                    fragsize=1200)[0]
    frames.append((T0 + t // 1000000, t % 1000000, bytes(eth(lone))))
    t += 40 * 1000000
    last = IP(src=PEER4, dst=OUR4, id=1000) / ICMP(type=8, id=6, seq=0) / Raw(b"after the gap")
    frames.append((T0 + t // 1000000, t % 1000000, bytes(eth(last))))
    write_pcap(os.path.join(data, "replay.pcap"), 1, frames)

    raw, t = [], 0
    for p in round_ip(0):
        raw.append((T0 + t // 1000000, t % 1000000, bytes(p)))
        t += 1000
    write_pcap(os.path.join(data, "replay_raw.pcap"), 101, raw)

    # fuzz seeds: whole small capture files (the target's input is a file)
    os.makedirs(corpus, exist_ok=True)
    seeds = {
        "eth_round.pcap": (1, frames[:len(round_eth(0))]),
        "raw_round.pcap": (101, raw),
        "eth_gap.pcap": (1, frames[-2:]),
    }
    for name, (lt, fr) in seeds.items():
        write_pcap(os.path.join(corpus, name), lt, fr)
    write_pcapng(os.path.join(corpus, "eth_round.pcapng"), 1, frames[:len(round_eth(0))])
    print("replay.pcap: %d frames, replay_raw.pcap: %d frames" % (len(frames), len(raw)))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    main()
