#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`tapring replay`: up's pipeline over a capture file, no root, no namespace.

    replay_cli.py TAPRING DATADIR

Replays DATADIR/replay.pcap (gen_replay.py: 12 rounds of ARP, ND, ICMP v4/v6
echo, UDP echo, DNS A/AAAA, a closed port, IPv4 and IPv6 fragment trains,
then a lone fragment and an echo 40 s later) and checks every frame written,
parsed with scapy (fields and checksums recomputed):
  ARP replies, neighbour advertisements, echo replies v4/v6, UDP echo, DNS
  answers from --dns-hosts, port unreachables, the fragment trains
  reassembled and answered (the replies reassembled again and compared),
  each reply stamped with its request's time; the reassembly timeout fired
  by the virtual clock (and not without the gap, nor with a 20 s gap);
  --filter drops with filter.rejected; a raw IP (LINKTYPE_RAW) file runs
  the TUN pipeline; two runs give byte-identical pcap and pcapng, another
  --seed another file; --stats FILE equals --json; the accounting
  equation; each bad argument gives one line and a non-zero status.
Skips (77) without scapy.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

try:
    from scapy.all import (ARP, DNS, ICMP, ICMPv6EchoReply, ICMPv6ND_NA, IP, IPv6,
                           IPv6ExtHdrFragment, UDP, Ether, Raw, defragment, rdpcap)
    from scapy.layers.inet6 import defragment6
except ImportError:
    print("SKIP: python3-scapy is not installed")
    sys.exit(77)

OUR_MAC, PEER_MAC = "02:74:72:00:00:01", "02:77:00:00:00:02"
OUR4, PEER4, OUR6, PEER6 = "10.77.0.1", "10.77.0.2", "fd77::1", "fd77::2"
T0 = 1764892800
ROUNDS = 12
FAILS = []
CHECKS = [0]


def check(cond, msg):
    CHECKS[0] += 1
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)


def eq(got, want, msg):
    check(got == want, "%s: got %r, want %r" % (msg, got, want))


def run(argv, timeout=120):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def read_pcap(path):
    """[(ts_ns, bytes)] and the link type of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    nano = magic == 0xa1b23c4d
    check(magic in (0xa1b2c3d4, 0xa1b23c4d), "%s: little-endian pcap magic" % path)
    lt, = struct.unpack("<I", data[20:24])
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, cap, _ = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec * 10**9 + (frac if nano else frac * 1000), data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return out, lt


def write_pcap(path, linktype, frames):
    """frames: [(ts_ns, bytes)] (written with microseconds)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for ts, b in frames:
            f.write(struct.pack("<IIII", ts // 10**9, (ts % 10**9) // 1000, len(b), len(b)))
            f.write(b)


def csum_ok(pkt, layer):
    """The layer's checksum equals the one scapy computes from scratch."""
    got = pkt[layer].chksum if layer not in (ICMPv6EchoReply, ICMPv6ND_NA) else pkt[layer].cksum
    clone = pkt.__class__(bytes(pkt))
    if layer in (ICMPv6EchoReply, ICMPv6ND_NA):
        del clone[layer].cksum
    else:
        del clone[layer].chksum
    clone = clone.__class__(bytes(clone))
    want = clone[layer].cksum if layer in (ICMPv6EchoReply, ICMPv6ND_NA) else clone[layer].chksum
    return got == want


class Replay:
    def __init__(self, tapring, tmp, hosts):
        self.tapring, self.tmp, self.hosts = tapring, tmp, hosts
        self.n = 0

    def __call__(self, inp, extra=(), out_ext=".pcap"):
        self.n += 1
        out = os.path.join(self.tmp, "out%d%s" % (self.n, out_ext))
        argv = [self.tapring, "replay", "-r", inp, "-w", out, "--addr", OUR4 + "/24",
                "--addr", OUR6 + "/64", "--mac", OUR_MAC, "--udp-echo", "7",
                "--dns-hosts", self.hosts, "--json"] + list(extra)
        rc, so, se = run(argv)
        eq(rc, 0, "replay %s %s: exit status (stderr %s)" % (os.path.basename(inp), extra, se[-300:]))
        try:
            st = json.loads(so)
        except ValueError:
            check(False, "replay %s: --json output is not JSON: %r" % (inp, so[:200]))
            st = {}
        return out, st


def conservation(st, tag):
    eq(st.get("rx"), st.get("delivered", 0) + st.get("tx_forwarded", 0) + st.get("dropped", 0) +
       st.get("held", 0), tag + ": rx == delivered + tx_forwarded + dropped + held")
    eq(st.get("held"), 0, tag + ": held after stop")
    eq(sum(st.get("drops", {}).get(k, 0) for k in st.get("drops", {})) >= st.get("dropped", 0), True,
       tag + ": drop reasons cover dropped")


def replay_file(rp, data, name, linktype, tag):
    """Replay data/NAME with the default options; check OUT's link type.
    Returns (input path, input frames, output path, output frames, stats)."""
    inp = os.path.join(data, name)
    out, st = rp(inp)
    ins, _ = read_pcap(inp)
    frames, lt = read_pcap(out)
    eq(lt, linktype, "%s: OUT link type %d" % (tag, linktype))
    return inp, ins, out, frames, st


def check_main(rp, data):
    inp, ins, out, frames, st = replay_file(rp, data, "replay.pcap", 1, "main")
    eq(len(frames), st.get("tx"), "main: frames in OUT == engine tx")
    eq(st.get("replay", {}).get("written"), len(frames), "main: replay.written")
    eq(st.get("replay", {}).get("frames"), len(ins), "main: replay.frames")
    eq(st.get("replay", {}).get("fed"), len(ins), "main: every frame fed")
    eq(st.get("rx"), len(ins), "main: engine rx")
    conservation(st, "main")
    for k in ("kernel_dropped", "steering", "kernel_blocked"):
        check(k not in st, "main: no kernel side in replay, no %r in the stats" % k)
    drops = st.get("drops", {})
    eq(drops.get("ip4.reasm_timeout"), 1, "main: the lone fragment timed out (virtual clock)")
    eq(drops.get("udp.no_port"), ROUNDS, "main: closed port datagrams")
    eq(drops.get("ip4.frag_merged"), 2 * ROUNDS, "main: IPv4 fragments merged")
    eq(drops.get("ip6.frag_merged"), 2 * ROUNDS, "main: IPv6 fragments merged")
    in_ts = [t for t, _ in ins]

    pk = [(t, Ether(b)) for t, b in frames]
    check(all(pk[i][0] <= pk[i + 1][0] for i in range(len(pk) - 1)), "main: OUT timestamps in order")
    check(all(t in in_ts or t == in_ts[0] for t, _ in pk), "main: every output stamped with an input's time")
    arp_rep = [p for t, p in pk if ARP in p and p[ARP].op == 2]
    eq(len(arp_rep), ROUNDS, "main: ARP replies")
    check(all(p[ARP].hwsrc == OUR_MAC and p[ARP].psrc == OUR4 and p[ARP].pdst == PEER4 and
              p[ARP].hwdst == PEER_MAC and p.dst == PEER_MAC for p in arp_rep), "main: ARP reply fields")
    garp = [p for t, p in pk if ARP in p and p[ARP].op == 1]
    eq(len(garp), 1, "main: one gratuitous ARP at start")
    check(garp and garp[0][ARP].psrc == OUR4 == garp[0][ARP].pdst, "main: gratuitous ARP fields")
    na = [p for t, p in pk if ICMPv6ND_NA in p]
    eq(len(na), ROUNDS, "main: neighbour advertisements")
    check(all(p[ICMPv6ND_NA].tgt == OUR6 and p[IPv6].dst == PEER6 and csum_ok(p, ICMPv6ND_NA)
              for p in na), "main: NA fields and checksums")
    echo4 = [(t, p) for t, p in pk if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 1]
    eq(len(echo4), ROUNDS, "main: ICMP echo replies")
    check(all(p[IP].src == OUR4 and p[IP].dst == PEER4 and bytes(p[Raw].load) == b"v4ping" * 6 and
              csum_ok(p, ICMP) and csum_ok(p, IP) for t, p in echo4), "main: echo reply fields/checksums")
    check(sorted(p[ICMP].seq for t, p in echo4) == list(range(ROUNDS)), "main: echo reply seqs")
    # the reply carries its request's time (virtual time when transmitted)
    req_ts = {}
    for t, b in ins:
        e = Ether(b)
        if ICMP in e and e[ICMP].type == 8 and e[ICMP].id == 1:
            req_ts[e[ICMP].seq] = t
    check(all(t == req_ts.get(p[ICMP].seq) for t, p in echo4), "main: echo reply stamped with the request's time")
    echo6 = [p for t, p in pk if ICMPv6EchoReply in p and p[ICMPv6EchoReply].id == 2]
    eq(len(echo6), ROUNDS, "main: ICMPv6 echo replies")
    check(all(p[IPv6].src == OUR6 and bytes(p[ICMPv6EchoReply].data) == b"v6ping" * 6 and
              csum_ok(p, ICMPv6EchoReply) for p in echo6), "main: ICMPv6 echo reply fields/checksums")
    uecho = [p for t, p in pk if UDP in p and p[UDP].sport == 7]
    eq(len(uecho), ROUNDS, "main: UDP echo replies")
    check(all(bytes(p[UDP].payload) == b"echo %d" % (p[UDP].dport - 40000) and csum_ok(p, UDP)
              for p in uecho), "main: UDP echo payloads/checksums")
    dns = [p for t, p in pk if UDP in p and p[UDP].sport == 53 and DNS in p]
    a = [p for p in dns if IP in p]
    aaaa = [p for p in dns if IPv6 in p]
    eq(len(a), ROUNDS, "main: DNS A answers")
    eq(len(aaaa), ROUNDS, "main: DNS AAAA answers")
    check(all(p[DNS].qr == 1 and p[DNS].ancount == 1 and p[DNS].an.rdata == "10.77.5.5" for p in a),
          "main: A host.test = 10.77.5.5 (--dns-hosts)")
    check(all(p[DNS].ancount == 1 and p[DNS].an.rdata == "fd77::5" for p in aaaa),
          "main: AAAA host.test = fd77::5")
    unr = [p for t, p in pk if ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 3]
    eq(len(unr), ROUNDS, "main: port unreachables")
    # IPv4 fragment trains: answered as fragments; reassembled they are the reply
    v4f = [p[IP] for t, p in pk if IP in p and (p[IP].flags.MF or p[IP].frag) ]
    eq(len(v4f), 3 * ROUNDS, "main: IPv4 reply fragments")
    whole = [p for p in defragment(v4f) if ICMP in p and p[ICMP].id == 3]
    eq(len(whole), ROUNDS, "main: IPv4 reply trains reassemble")
    check(all(p[ICMP].type == 0 and bytes(p[Raw].load) == bytes(range(256)) * 12 and csum_ok(p, ICMP)
              for p in whole), "main: reassembled IPv4 replies carry the request's 3072 bytes")
    v6f = [p[IPv6] for t, p in pk if IPv6ExtHdrFragment in p]
    eq(len(v6f), 3 * ROUNDS, "main: IPv6 reply fragments")
    ids = {}
    for p in v6f:
        ids.setdefault(p[IPv6ExtHdrFragment].id, []).append(p)
    eq(len(ids), ROUNDS, "main: one IPv6 fragment id per reply")
    ok6 = 0
    for fl in ids.values():
        w = IPv6(bytes(defragment6(fl)))   # scapy leaves the payload raw
        if (ICMPv6EchoReply in w and bytes(w[ICMPv6EchoReply].data) == bytes(range(256)) * 12 and
                csum_ok(w, ICMPv6EchoReply)):
            ok6 += 1
    eq(ok6, ROUNDS, "main: reassembled IPv6 replies carry the request's 3072 bytes")
    last = [(t, p) for t, p in pk if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 6]
    eq(len(last), 1, "main: the echo after the gap is answered")
    check(last and last[0][0] == in_ts[-1], "main: ... stamped 40 s later")
    return inp, ins, out, st


def check_timeout(rp, tmp, ins):
    # without the final frame: no time passes, the fragment is released at stop
    p = os.path.join(tmp, "nogap.pcap")
    write_pcap(p, 1, ins[:-1])
    _, st = rp(p)
    eq(st.get("drops", {}).get("ip4.reasm_timeout", 0), 0, "nogap: no reassembly timeout")
    eq(st.get("drops", {}).get("stack.shutdown", 0), 1, "nogap: the held fragment released at stop")
    conservation(st, "nogap")
    # a 20 s gap is below the 30 s timeout
    p = os.path.join(tmp, "gap20.pcap")
    write_pcap(p, 1, ins[:-1] + [(ins[-2][0] + 20 * 10**9, ins[-1][1])])
    _, st = rp(p)
    eq(st.get("drops", {}).get("ip4.reasm_timeout", 0), 0, "gap20: no reassembly timeout")
    conservation(st, "gap20")
    # a year-long gap: ticked for 10 minutes, then one jump (bounded time)
    p = os.path.join(tmp, "gapyear.pcap")
    write_pcap(p, 1, ins[:-1] + [(ins[-2][0] + 365 * 86400 * 10**9, ins[-1][1])])
    t = time.monotonic()
    out, st = rp(p)
    check(time.monotonic() - t < 60, "gapyear: replayed in bounded time")
    eq(st.get("drops", {}).get("ip4.reasm_timeout", 0), 1, "gapyear: the reassembly timeout fired")
    frames, _ = read_pcap(out)
    eq(frames[-1][0], ins[-2][0] + 365 * 86400 * 10**9, "gapyear: the last reply a year later")
    conservation(st, "gapyear")


def check_filter(rp, inp):
    out, st = rp(inp, ["--filter", "not udp port 7"])
    frames, _ = read_pcap(out)
    eq(st.get("drops", {}).get("filter.rejected"), ROUNDS, "filter: filter.rejected")
    eq(sum(1 for _, b in frames if UDP in Ether(b) and Ether(b)[UDP].sport == 7), 0, "filter: no UDP echo")
    conservation(st, "filter")


def check_raw(rp, data):
    _, ins, _, frames, st = replay_file(rp, data, "replay_raw.pcap", 101, "raw")
    eq(st.get("rx"), len(ins), "raw: engine rx")
    conservation(st, "raw")
    ips = [IP(b) if b[0] >> 4 == 4 else IPv6(b) for _, b in frames]
    eq(sum(1 for p in ips if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 1 and csum_ok(p, ICMP)), 1,
       "raw: echo reply v4")
    eq(sum(1 for p in ips if ICMPv6EchoReply in p and csum_ok(p, ICMPv6EchoReply)), 1, "raw: echo reply v6")
    eq(sum(1 for p in ips if UDP in p and p[UDP].sport == 7 and csum_ok(p, UDP)), 1, "raw: UDP echo")
    eq(sum(1 for p in ips if DNS in p and p[DNS].ancount == 1), 2, "raw: DNS answers")
    eq(sum(1 for p in ips if ARP in p or ICMPv6ND_NA in p), 0, "raw: no ARP/ND on a TUN")
    eq(len(defragment([p for p in ips if IP in p and (p.flags.MF or p.frag)])) >= 1, True,
       "raw: the v4 fragment reply")


def check_determinism(rp, inp, first_out, tmp):
    out2, _ = rp(inp)
    with open(first_out, "rb") as a, open(out2, "rb") as b:
        check(a.read() == b.read(), "determinism: two runs give byte-identical pcap")
    n1, _ = rp(inp, out_ext=".pcapng")
    n2, _ = rp(inp, out_ext=".pcapng")
    with open(n1, "rb") as a, open(n2, "rb") as b:
        da, db = a.read(), b.read()
        check(da == db and len(da) > 1000, "determinism: two runs give byte-identical pcapng")
    check(da[:4] == b"\x0a\x0d\x0d\x0a", "pcapng: OUT.pcapng is pcapng")
    p3, _ = rp(inp, ["--pcapng"])
    with open(p3, "rb") as f:
        check(f.read(4) == b"\x0a\x0d\x0d\x0a", "--pcapng: pcapng whatever the name")
    s2, _ = rp(inp, ["--seed", "2"])
    with open(first_out, "rb") as a, open(s2, "rb") as b:
        check(a.read() != b.read(), "--seed 2 changes the fragment ids")
    stats = os.path.join(tmp, "stats.json")
    _, st = rp(inp, ["--stats", stats])
    with open(stats) as f:
        eq(json.load(f), st, "--stats FILE == --json")


def check_errors(tapring, data, tmp):
    inp = os.path.join(data, "replay.pcap")
    out = os.path.join(tmp, "e.pcap")
    base = ["-w", out, "--addr", OUR4]
    notpcap = os.path.join(tmp, "notpcap")
    with open(notpcap, "w") as f:
        f.write("not a capture\n")
    sll = os.path.join(tmp, "sll.pcap")
    write_pcap(sll, 113, [(T0 * 10**9, b"\x00" * 20)])
    cases = [
        ([], 2, "-r IN"),
        (["-r", inp, "--addr", OUR4], 2, "-w OUT"),
        (["-r", inp, "-w", out], 2, "--addr"),
        (["-r", os.path.join(tmp, "missing.pcap")] + base, 1, "cannot read"),
        (["-r", notpcap] + base, 1, "cannot read"),
        (["-r", sll] + base, 1, "LINUX_SLL (113)"),
        (["-r", inp, "--tun"] + base, 2, "--tun"),
        (["-r", inp, "--netns", "x"] + base, 2, "--netns: not available with replay"),
        (["-r", inp, "--tap", "x"] + base, 2, "--tap: not available with replay"),
        (["-r", inp, "--queues", "2"] + base, 2, "--queues: not available with replay"),
        (["-r", inp, "--user", "nobody"] + base, 2, "--user: not available with replay"),
        (["-r", inp, "--seed", "x"] + base, 2, "--seed"),
        (["-r", inp, "--seed", "-1"] + base, 2, "--seed"),
        (["-r", inp, "--filter", "ip and (("] + base, 2, "--filter"),
        (["-r", inp, "--udp-echo", "0"] + base, 2, "--udp-echo"),
        (["-r", inp, "--addr", "10.77.0.300"] + base, 2, "--addr"),
        (["-r", inp, "--dns-hosts", os.path.join(tmp, "nohosts")] + base, 2, "--dns-hosts"),
        (["-r", inp, "--bogus"] + base, 2, "unknown option"),
        (["-r", inp, "extra"] + base, 2, "unexpected argument"),
        (["-r", inp, "-w", os.path.join(tmp, "no", "dir.pcap"), "--addr", OUR4], 1, "cannot write"),
        (["-r", inp, "-w"], 2, "needs a value"),
        (["-r", inp, "-w", "-", "--addr", OUR4, "--json"], 2, "--json with -w -"),
    ]
    for args, want_rc, want_msg in cases:
        rc, so, se = run([tapring, "replay"] + args)
        lines = se.strip().splitlines()
        check(rc == want_rc and len(lines) == 1 and want_msg in se and lines[0].startswith("tapring replay: "),
              "bad args %s: want status %d and one line with %r, got %d: %r" % (args, want_rc, want_msg, rc, se))
    # -w -: the capture alone on standard output, the stats on standard error
    p = subprocess.run([tapring, "replay", "-r", inp, "-w", "-", "--addr", OUR4 + "/24", "--mac", OUR_MAC],
                       capture_output=True, timeout=120)
    check(p.returncode == 0 and p.stdout[:4] == b"\xd4\xc3\xb2\xa1" and b"{" not in p.stdout[:24],
          "-w -: a pcap on standard output (rc %d, %r)" % (p.returncode, p.stdout[:8]))
    try:
        st = json.loads(p.stderr.decode())
    except ValueError:
        st = {}
    check(st.get("replay", {}).get("written", -1) >= 0 and st.get("tx") == st["replay"]["written"],
          "-w -: the stats JSON on standard error: %r" % p.stderr[:200])
    rc, so, se = run([tapring, "replay", "-r", inp, "-w", "-", "--addr", OUR4, "--json"])
    check(so == "", "--json with -w -: nothing on standard output (%r)" % so[:40])
    rc, so, se = run([tapring, "replay", "--help"])
    check(rc == 0 and "usage: tapring replay" in so, "--help")
    rc, so, se = run([tapring, "up", "--seed", "1", "--tap", "x", "--addr", OUR4])
    check(rc == 2 and "unknown option '--seed'" in se, "up refuses replay's --seed: %r" % se)


def main():
    tapring, data = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        hosts = os.path.join(tmp, "hosts")
        with open(hosts, "w") as f:
            f.write("10.77.5.5 host.test\nfd77::5 host.test\n")
        rp = Replay(tapring, tmp, hosts)
        inp, ins, out, st = check_main(rp, data)
        check_timeout(rp, tmp, ins)
        check_filter(rp, inp)
        check_raw(rp, data)
        check_determinism(rp, inp, out, tmp)
        check_errors(tapring, data, tmp)
    if FAILS:
        print("%d of %d checks failed" % (len(FAILS), CHECKS[0]))
        return 1
    if CHECKS[0] < 50:
        print("too few checks (%d)" % CHECKS[0])
        return 1
    print("%d checks passed" % CHECKS[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
