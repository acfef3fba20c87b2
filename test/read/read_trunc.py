#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Truncation sweep for `tapring read`.

    read_trunc.py TAPRING GOLDEN_PCAP

For every golden frame of length N and every cut 0..N, two records go into
one temporary pcap:
  snap  caplen = cut, wire length = N   (a capture cut by its snaplen)
  wire  caplen = cut, wire length = cut (the frame itself is short)
tapring reads the file once in JSON and once in text mode; both must exit 0
with one line per record. A record must carry "error" exactly when the cut
falls inside a header: the header boundaries come from an independent walk
of the full frame below (Ethernet + tags, ARP, IPv4 with options, IPv6 with
extension headers, ICMP/ICMPv6, UDP, TCP with options, and the whole DNS
message, whose records are part of its header). For "wire" records the IP
datagram itself is also cut, so any cut inside the IP total/payload length
is an error too. Frames already malformed at full length must be errors at
every cut.
"""
import os
import struct
import sys
import tempfile

sys.dont_write_bytecode = True
import readlib  # noqa: E402
from readlib import Checker

ICMP_ERRORS = (3, 4, 5, 11, 12)
LAYERS = ("eth", "vlan", "arp", "ipv4", "ipv6", "icmp", "icmp6", "udp", "tcp", "dns")


def header_ends(b):
    """(last header end, IP datagram end or None, set of clean cuts below the
    header end) for a well-formed frame."""
    off = 14
    et = struct.unpack_from("!H", b, 12)[0]
    while et in (0x8100, 0x88a8, 0x9100):
        et = struct.unpack_from("!H", b, off + 2)[0]
        off += 4
    end = off
    if et == 0x0806:
        return off + 28, None, set()
    proto, ip_end, later_frag = None, None, False
    if et == 0x0800:
        ihl = (b[off] & 15) * 4
        tot = struct.unpack_from("!H", b, off + 2)[0]
        frag = struct.unpack_from("!H", b, off + 6)[0] & 0x1fff
        proto, ip_end, later_frag = b[off + 9], off + tot, frag != 0
        off += ihl
    elif et == 0x86dd:
        plen = struct.unpack_from("!H", b, off + 4)[0]
        nxt, ip_end = b[off + 6], off + 40 + plen
        off += 40
        while nxt in (0, 43, 60, 44):
            if nxt == 44:
                later_frag = (struct.unpack_from("!H", b, off + 2)[0] >> 3) != 0
                nxt, off = b[off], off + 8
            else:
                nxt, off = b[off], off + (b[off + 1] + 1) * 8
        proto = nxt
    else:
        return end, None, set()
    end = off
    if later_frag:
        return end, ip_end, set()
    if proto == 1:
        end = off + (8 + 20 if b[off] in ICMP_ERRORS else 8)
    elif proto == 58:
        # Neighbor discovery (RS, RA, NS, NA, redirect): the fixed part and
        # then each option is a header of its own; a cut between two
        # options cuts no header.
        t = b[off]
        if 133 <= t <= 137:
            pos = off + {133: 8, 134: 16, 135: 24, 136: 24, 137: 40}[t]
            clean = {pos}
            while pos + 2 <= ip_end and b[pos + 1]:
                pos += b[pos + 1] * 8
                clean.add(pos)
            return ip_end, ip_end, clean
        end = off + 8
    elif proto == 6:
        end = off + (b[off + 12] >> 4) * 4
    elif proto == 17:
        sport, dport, ulen = struct.unpack_from("!HHH", b, off)
        end = off + 8
        if {sport, dport} & {53, 5353}:
            end = off + ulen          # the DNS message is one header
    return end, ip_end, set()


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tapring, golden = sys.argv[1], sys.argv[2]
    frames = readlib.read_pcap_raw(golden)
    full = readlib.read_json(tapring, golden)
    if len(full) != len(frames):
        print("golden: %d frames but %d JSON lines" % (len(frames), len(full)))
        return 1

    records, expect = [], []
    for idx, (sec, usec, wire, data) in enumerate(frames):
        bad_full = "error" in full[idx]
        hend, ip_end, clean = header_ends(data) if not bad_full else (0, None, set())
        for cut in range(len(data) + 1):
            part = data[:cut]
            records.append((sec, usec, wire, part))
            cut_hdr = cut < hend and cut not in clean
            expect.append((idx + 1, cut, "snap", bad_full or cut_hdr))
            records.append((sec, usec, cut, part))
            short_ip = ip_end is not None and cut < ip_end
            expect.append((idx + 1, cut, "wire", bad_full or cut_hdr or short_ip))

    c = Checker("truncation")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trunc.pcap")
        readlib.write_pcap(path, records)
        objs = readlib.read_json(tapring, path)
        rc, out, err = readlib.run([tapring, "read", "-r", path])
        c.eq("-", "text mode exit status", rc, 0)
        c.eq("-", "text mode line count", len(out.splitlines()), len(records))
        if err.strip():
            c.fail("-", "text mode wrote to stderr: %r" % err[:300])
    c.eq("-", "json line count", len(objs), len(records))
    for o, (fn, cut, kind, want_err) in zip(objs, expect):
        tag = "%d cut %d (%s)" % (fn, cut, kind)
        c.eq(tag, "caplen", o.get("caplen"), cut)
        c.eq(tag, "eth present", "eth" in o, cut >= 14)
        has = "error" in o
        if has != want_err:
            c.fail(tag, "error key %s, expected %s%s" % (
                "present" if has else "absent", "present" if want_err else "absent",
                (": " + o["error"]) if has else ""))
        else:
            c.compared += 1
        if has and (not isinstance(o["error"], str) or
                    o["error"].split(":")[0] not in LAYERS):
            c.fail(tag, "error %r does not name its layer" % o["error"])
    print("%d records (%d frames, every cut, snaplen-cut and short-wire)" %
          (len(records), len(frames)))
    return c.done(minimum=1000)


if __name__ == "__main__":
    sys.exit(main())
