#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cross-check `tapring read --json` against tshark and scapy, field by field.

    read_vs_tshark.py TAPRING PCAP [PCAPNG]

For every frame of PCAP, every JSON field that tapring prints is compared
with the value tshark dissects (-T fields) and with scapy's view of the same
bytes. Which layers must be present follows tshark's frame.protocols (up to
the first ICMP/ICMPv6, whose quoted packet tapring does not decode). A frame
tapring marks with "error" must be one tshark flags as malformed or with an
error-level expert item, and vice versa for malformed. When PCAPNG is given,
tapring's output for it must equal the output for PCAP. Any mismatch fails
the test and names the frame and field. Skips (77) without tshark or scapy.
"""
import sys

sys.dont_write_bytecode = True
import readlib  # noqa: E402
from readlib import Checker

FIELDS = """
frame.number frame.len frame.cap_len frame.protocols _ws.malformed _ws.expert.severity
eth.src eth.dst eth.type
vlan.id vlan.priority vlan.dei vlan.etype
ieee8021ad.id ieee8021ad.priority ieee8021ad.dei ieee8021ah.etype
arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
ip.src ip.dst ip.ttl ip.proto ip.id ip.len ip.flags.df ip.flags.mf ip.frag_offset
ip.checksum.status
ipv6.src ipv6.dst ipv6.hlim ipv6.plen ipv6.nxt
ipv6.hopopts.nxt ipv6.dstopts.nxt ipv6.routing.nxt ipv6.fraghdr.nxt
icmp.type icmp.code icmp.checksum.status icmp.ident icmp.seq
icmpv6.type icmpv6.code icmpv6.checksum.status icmpv6.echo.identifier
icmpv6.echo.sequence_number icmpv6.nd.ns.target_address
icmpv6.nd.na.target_address icmpv6.nd.rd.target_address
udp.srcport udp.dstport udp.length udp.checksum.status
tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.flags tcp.window_size_value
tcp.checksum.status tcp.options.mss_val tcp.options.wscale.shift
tcp.options.sack_perm tcp.options.timestamp.tsval tcp.options.timestamp.tsecr
tcp.options.sack_le tcp.options.sack_re
dns.id dns.flags.response dns.flags.opcode dns.flags.rcode
dns.count.queries dns.count.answers dns.count.auth_rr dns.count.add_rr
dns.qry.name dns.qry.type dns.qry.class
dns.resp.name dns.resp.type dns.resp.class dns.resp.ttl
dns.a dns.aaaa dns.cname dns.ns dns.ptr.domain_name dns.mx.preference
dns.mx.mail_exchange dns.txt dns.soa.mname dns.soa.rname
dns.soa.serial_number dns.soa.refresh_interval dns.soa.retry_interval
dns.soa.expire_limit dns.soa.minimum_ttl dns.srv.priority dns.srv.weight
dns.srv.port dns.srv.target dns.srv.service dns.srv.proto dns.srv.name
""".split()

PREFS = ["ip.defragment:FALSE", "ipv6.defragment:FALSE", "ip.check_checksum:TRUE",
         "udp.check_checksum:TRUE", "tcp.check_checksum:TRUE",
         "tcp.relative_sequence_numbers:FALSE", "tcp.analyze_sequence_numbers:FALSE",
         "tcp.desegment_tcp_streams:FALSE"]
AGG = "\x1f"
EXT_NUM = {"ipv6.hopopts": 0, "ipv6.dstopts": 60, "ipv6.routing": 43, "ipv6.fraghdr": 44}
EXPERT_ERROR = 8388608     # PI_ERROR


def tshark_rows(tshark, pcap):
    argv = [tshark, "-n", "-r", pcap, "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=" + AGG, "-E", "separator=/t"]
    for p in PREFS:
        argv += ["-o", p]
    for f in FIELDS:
        argv += ["-e", f]
    rc, out, err = readlib.run(argv)
    if rc != 0:
        print("tshark failed (%d): %s" % (rc, err.strip()))
        sys.exit(1)
    rows = []
    for line in out.split("\n"):
        if not line:
            continue
        cols = line.split("\t")
        if len(cols) != len(FIELDS):
            print("tshark: unexpected column count %d: %r" % (len(cols), line[:200]))
            sys.exit(1)
        rows.append({k: (v.split(AGG) if v != "" else []) for k, v in zip(FIELDS, cols)})
    return rows


def num(s):
    s = s.strip()
    if s in ("True", "true"):
        return 1
    if s in ("False", "false"):
        return 0
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def csum_status(vals):
    """tshark checksum status -> tapring csum_ok: 0 bad, 1 good, 2
    unverified (null), 3 not present (an IPv4 UDP zero checksum: true),
    4 illegal (an IPv6 UDP zero checksum: false)."""
    if not vals:
        return "absent"
    return {0: False, 1: True, 2: None, 3: True, 4: False}.get(num(vals[0]), "?")


def dig_bytes(text):
    """Raw bytes of a name in tapring's (dig-style) presentation text:
    \\DDD is a decimal byte, \\X is X."""
    out, i = bytearray(), 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 3 < len(text) and text[i + 1:i + 4].isdigit():
            out.append(int(text[i + 1:i + 4]))
            i += 4
        elif ch == "\\" and i + 1 < len(text):
            out += text[i + 1].encode("latin-1")
            i += 2
        else:
            out += ch.encode("latin-1")
            i += 1
    return bytes(out)


def tshark_name(text):
    """tshark's rendering of a DNS name: non-printable bytes as \\ooo, the
    rest as UTF-8 text; the root is <Root>."""
    if text == ".":
        return "<Root>"
    b = dig_bytes(text)
    out = bytearray()
    for c in b:
        if c < 0x20 or c == 0x7f:
            out += ("\\%03o" % c).encode()
        else:
            out.append(c)
    return out.decode("utf-8", "replace")


def split_txt(data):
    """Our TXT text '"a" "b\\"c"' -> ['a', 'b"c']."""
    out, i = [], 0
    while i < len(data):
        if data[i] != '"':
            i += 1
            continue
        i += 1
        s = ""
        while i < len(data) and data[i] != '"':
            if data[i] == "\\" and i + 1 < len(data):
                i += 1
            s += data[i]
            i += 1
        out.append(s)
        i += 1
    return out


def expected_layers(protocols):
    """Layer keys tapring must print, from tshark's frame.protocols."""
    want = set()
    for p in protocols.split(":"):
        if p == "arp":
            want.add("arp")
        elif p in ("vlan", "ieee8021ad"):
            want.add("vlan")
        elif p == "ip":
            want.add("ipv4")
        elif p == "ipv6":
            want.add("ipv6")
        elif p == "udp":
            want.add("udp")
        elif p == "tcp":
            want.add("tcp")
        elif p in ("dns", "mdns"):
            want.add("dns")
        elif p == "icmp":
            want.add("icmp")
            break
        elif p == "icmpv6":
            want.add("icmp6")
            break
    return want


class Take:
    """Consume values of per-type tshark DNS fields in record order."""

    def __init__(self, row):
        self.row = row
        self.pos = {}

    def __call__(self, field, n=1):
        i = self.pos.get(field, 0)
        vals = self.row.get(field, [])[i:i + n]
        self.pos[field] = i + n
        # A missing value reads as "<missing FIELD>" so the comparison fails
        # with a useful message instead of an exception.
        return vals + ["<missing %s>" % field] * (n - len(vals))


def check_dns(c, fn, j, t):
    dns = j["dns"]
    c.eq(fn, "dns.id", dns["id"], num(t["dns.id"][0]))
    c.eq(fn, "dns.qr", dns["qr"], bool(num(t["dns.flags.response"][0])))
    c.eq(fn, "dns.opcode", dns["opcode"], num(t["dns.flags.opcode"][0]))
    if t["dns.flags.rcode"]:
        c.eq(fn, "dns.rcode", dns["rcode"], num(t["dns.flags.rcode"][0]))
    for key, cnt in (("qd", "dns.count.queries"), ("an", "dns.count.answers"),
                     ("ns", "dns.count.auth_rr"), ("ar", "dns.count.add_rr")):
        c.eq(fn, "dns.%s count" % key, len(dns[key]), num(t[cnt][0]))
    for i, q in enumerate(dns["qd"]):
        c.eq(fn, "dns.qd[%d].name" % i, tshark_name(q["name"]), t["dns.qry.name"][i])
        c.eq(fn, "dns.qd[%d].type" % i, q["type"], num(t["dns.qry.type"][i]))
        c.eq(fn, "dns.qd[%d].class" % i, q["class"] & 0x7fff, num(t["dns.qry.class"][i]) & 0x7fff)
    take = Take(t)
    rrs = dns["an"] + dns["ns"] + dns["ar"]
    for i, rr in enumerate(rrs):
        tag = "dns.rr[%d]" % i
        if rr["type"] == 33:
            # tshark 4.0 splits an SRV owner name into service, proto, name.
            want_name = ".".join(take(f)[0] for f in ("dns.srv.service", "dns.srv.proto",
                                                       "dns.srv.name"))
        else:
            want_name = take("dns.resp.name")[0]
        c.eq(fn, tag + ".name", tshark_name(rr["name"]), want_name)
        c.eq(fn, tag + ".type", rr["type"], num(take("dns.resp.type")[0]))
        # mDNS: tshark shows the class without the cache-flush bit.
        c.eq(fn, tag + ".class", rr["class"] & 0x7fff, num(take("dns.resp.class")[0]) & 0x7fff)
        c.eq(fn, tag + ".ttl", rr["ttl"], num(take("dns.resp.ttl")[0]))
        ty, data = rr["type"], rr["data"]
        if ty == 1:
            want = take("dns.a")[0]
        elif ty == 28:
            want = take("dns.aaaa")[0]
        elif ty == 5:
            want = take("dns.cname")[0]
        elif ty == 2:
            want = take("dns.ns")[0]
        elif ty == 12:
            want = take("dns.ptr.domain_name")[0]
        elif ty == 15:
            want = "%s %s" % (take("dns.mx.preference")[0], take("dns.mx.mail_exchange")[0])
        elif ty == 33:
            want = " ".join(take(f)[0] for f in ("dns.srv.priority", "dns.srv.weight",
                                                 "dns.srv.port", "dns.srv.target"))
        elif ty == 6:
            want = " ".join(take(f)[0] for f in (
                "dns.soa.mname", "dns.soa.rname", "dns.soa.serial_number",
                "dns.soa.refresh_interval", "dns.soa.retry_interval",
                "dns.soa.expire_limit", "dns.soa.minimum_ttl"))
        elif ty == 16:
            parts = split_txt(data)
            c.eq(fn, tag + ".data (TXT strings)", parts, take("dns.txt", len(parts)))
            continue
        else:
            continue        # raw hex: checked against scapy below
        c.eq(fn, tag + ".data", data, want)


def check_tshark(c, objs, rows):
    if len(objs) != len(rows):
        c.fail("-", "frame count: tapring %d, tshark %d" % (len(objs), len(rows)))
    for j, t in zip(objs, rows):
        fn = j.get("frame")
        c.eq(fn, "frame", fn, num(t["frame.number"][0]))
        c.eq(fn, "len", j.get("len"), num(t["frame.len"][0]))
        c.eq(fn, "caplen", j.get("caplen"), num(t["frame.cap_len"][0]))
        want = expected_layers(t["frame.protocols"][0])
        have = set(k for k in j if k in ("arp", "vlan", "ipv4", "ipv6", "icmp", "icmp6",
                                        "udp", "tcp", "dns"))
        tshark_err = bool(t["_ws.malformed"]) or any(
            num(s) == EXPERT_ERROR for s in t["_ws.expert.severity"]) or any(
            n.startswith("<Name contains") for n in t["dns.qry.name"] + t["dns.resp.name"])
        if "error" in j:
            # Layers up to the malformed one are still printed; tshark
            # must agree the frame is broken.
            if not tshark_err:
                c.fail(fn, "tapring error %r but tshark reports none" % j["error"])
            else:
                c.compared += 1
            if not have <= want:
                c.fail(fn, "layers %s not in tshark's %s" % (sorted(have - want), sorted(want)))
        else:
            c.eq(fn, "layers", sorted(have), sorted(want))
            if t["_ws.malformed"]:
                c.fail(fn, "tshark marks the frame malformed, tapring has no error")
        if "eth" in j:
            e = j["eth"]
            c.eq(fn, "eth.src", e["src"], t["eth.src"][0])
            c.eq(fn, "eth.dst", e["dst"], t["eth.dst"][0])
            c.eq(fn, "eth.type", e["type"], num(t["eth.type"][0]))
        else:
            c.fail(fn, "no eth object")
        if "vlan" in j and "vlan" in want:
            def field(name, i):
                # A tag cut after its TCI has no type in tshark's view.
                return num(t[name][i]) if i < len(t[name]) else None

            tags = []
            for pfx, etype in (("ieee8021ad", "ieee8021ah.etype"), ("vlan", "vlan.etype")):
                for i in range(len(t[pfx + ".id"])):
                    tags.append({"vid": field(pfx + ".id", i), "pcp": field(pfx + ".priority", i),
                                 "dei": field(pfx + ".dei", i), "type": field(etype, i)})
            if "error" in j:
                # A bad tag (cut, or one too many) ends tapring's list;
                # tshark may still show part of it. The complete ones agree.
                tags = tags[:len(j["vlan"])]
            c.eq(fn, "vlan", j["vlan"], tags)
        if "arp" in j and "arp" in want:
            a = j["arp"]
            c.eq(fn, "arp.op", a["op"], num(t["arp.opcode"][0]))
            c.eq(fn, "arp.sha", a["sha"], t["arp.src.hw_mac"][0])
            c.eq(fn, "arp.spa", a["spa"], t["arp.src.proto_ipv4"][0])
            c.eq(fn, "arp.tha", a["tha"], t["arp.dst.hw_mac"][0])
            c.eq(fn, "arp.tpa", a["tpa"], t["arp.dst.proto_ipv4"][0])
        if "ipv4" in j and "ipv4" in want:
            ip = j["ipv4"]
            c.eq(fn, "ipv4.src", ip["src"], t["ip.src"][0])
            c.eq(fn, "ipv4.dst", ip["dst"], t["ip.dst"][0])
            c.eq(fn, "ipv4.ttl", ip["ttl"], num(t["ip.ttl"][0]))
            c.eq(fn, "ipv4.proto", ip["proto"], num(t["ip.proto"][0]))
            c.eq(fn, "ipv4.id", ip["id"], num(t["ip.id"][0]))
            c.eq(fn, "ipv4.len", ip["len"], num(t["ip.len"][0]))
            c.eq(fn, "ipv4.df", ip["df"], bool(num(t["ip.flags.df"][0])))
            c.eq(fn, "ipv4.mf", ip["mf"], bool(num(t["ip.flags.mf"][0])))
            # tshark 4.0 shows the offset in 8-byte units.
            c.eq(fn, "ipv4.frag_off", ip["frag_off"], num(t["ip.frag_offset"][0]) * 8)
            c.eq(fn, "ipv4.csum_ok", ip["csum_ok"], csum_status(t["ip.checksum.status"]))
        if "ipv6" in j and "ipv6" in want:
            ip = j["ipv6"]
            c.eq(fn, "ipv6.src", ip["src"], t["ipv6.src"][0])
            c.eq(fn, "ipv6.dst", ip["dst"], t["ipv6.dst"][0])
            c.eq(fn, "ipv6.hlim", ip["hlim"], num(t["ipv6.hlim"][0]))
            c.eq(fn, "ipv6.plen", ip["plen"], num(t["ipv6.plen"][0]))
            chain = [p for p in t["frame.protocols"][0].split(":") if p in EXT_NUM]
            c.eq(fn, "ipv6.ext", ip["ext"], [EXT_NUM[p] for p in chain])
            nxt = num(t[chain[-1] + ".nxt"][0]) if chain else num(t["ipv6.nxt"][0])
            c.eq(fn, "ipv6.next", ip["next"], nxt)
        if "icmp" in j and "icmp" in want:
            ic = j["icmp"]
            c.eq(fn, "icmp.type", ic["type"], num(t["icmp.type"][0]))
            c.eq(fn, "icmp.code", ic["code"], num(t["icmp.code"][0]))
            c.eq(fn, "icmp.csum_ok", ic["csum_ok"], csum_status(t["icmp.checksum.status"]))
            if t["icmp.ident"]:
                c.eq(fn, "icmp.id", ic.get("id"), num(t["icmp.ident"][0]))
                c.eq(fn, "icmp.seq", ic.get("seq"), num(t["icmp.seq"][0]))
            elif "id" in ic:
                c.fail(fn, "icmp.id printed for a non-echo message")
        if "icmp6" in j and "icmp6" in want:
            ic = j["icmp6"]
            c.eq(fn, "icmp6.type", ic["type"], num(t["icmpv6.type"][0]))
            c.eq(fn, "icmp6.code", ic["code"], num(t["icmpv6.code"][0]))
            c.eq(fn, "icmp6.csum_ok", ic["csum_ok"], csum_status(t["icmpv6.checksum.status"]))
            if t["icmpv6.echo.identifier"]:
                c.eq(fn, "icmp6.id", ic.get("id"), num(t["icmpv6.echo.identifier"][0]))
                c.eq(fn, "icmp6.seq", ic.get("seq"), num(t["icmpv6.echo.sequence_number"][0]))
            tgt = (t["icmpv6.nd.ns.target_address"] + t["icmpv6.nd.na.target_address"] +
                   t["icmpv6.nd.rd.target_address"])
            c.eq(fn, "icmp6.target", ic.get("target"), tgt[0] if tgt else None)
        if "udp" in j and "udp" in want:
            u = j["udp"]
            c.eq(fn, "udp.sport", u["sport"], num(t["udp.srcport"][0]))
            c.eq(fn, "udp.dport", u["dport"], num(t["udp.dstport"][0]))
            c.eq(fn, "udp.len", u["len"], num(t["udp.length"][0]))
            want_ck = csum_status(t["udp.checksum.status"])
            if want_ck is True and u["csum_ok"] is None and j["ipv4"]["mf"]:
                want_ck = None   # a first fragment: tapring cannot verify it
            c.eq(fn, "udp.csum_ok", u["csum_ok"], want_ck)
        if "tcp" in j and "tcp" in want:
            tc = j["tcp"]
            c.eq(fn, "tcp.sport", tc["sport"], num(t["tcp.srcport"][0]))
            c.eq(fn, "tcp.dport", tc["dport"], num(t["tcp.dstport"][0]))
            c.eq(fn, "tcp.seq", tc["seq"], num(t["tcp.seq_raw"][0]))
            if t["tcp.ack_raw"]:
                c.eq(fn, "tcp.ack", tc["ack"], num(t["tcp.ack_raw"][0]))
            c.eq(fn, "tcp.flags", tc["flags"], num(t["tcp.flags"][0]) & 0x1ff)
            c.eq(fn, "tcp.win", tc["win"], num(t["tcp.window_size_value"][0]))
            c.eq(fn, "tcp.csum_ok", tc["csum_ok"], csum_status(t["tcp.checksum.status"]))
            c.eq(fn, "tcp.mss", tc.get("mss"),
                 num(t["tcp.options.mss_val"][0]) if t["tcp.options.mss_val"] else None)
            c.eq(fn, "tcp.wscale", tc.get("wscale"),
                 num(t["tcp.options.wscale.shift"][0]) if t["tcp.options.wscale.shift"] else None)
            c.eq(fn, "tcp.sack_ok", tc.get("sack_ok", False), bool(t["tcp.options.sack_perm"]))
            c.eq(fn, "tcp.ts", tc.get("ts"),
                 [num(t["tcp.options.timestamp.tsval"][0]),
                  num(t["tcp.options.timestamp.tsecr"][0])]
                 if t["tcp.options.timestamp.tsval"] else None)
            sack = [[num(a), num(b)] for a, b in zip(t["tcp.options.sack_le"],
                                                      t["tcp.options.sack_re"])]
            c.eq(fn, "tcp.sack", tc.get("sack"), sack or None)
        if "dns" in j and "dns" in want and "error" not in j:
            check_dns(c, fn, j, t)


def check_scapy(c, objs, pcap):
    try:
        from scapy.all import (ARP, DNS, Dot1AD, Dot1Q, Ether, ICMP, IP, IPv6,
                               TCP, UDP, rdpcap)
        from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest,
                                        ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_Redirect)
    except ImportError:
        readlib.skip("scapy is not installed")
    pkts = rdpcap(pcap)
    if len(pkts) != len(objs):
        c.fail("-", "frame count: tapring %d, scapy %d" % (len(objs), len(pkts)))
    for j, p in zip(objs, pkts):
        fn = j["frame"]
        e = p[Ether]
        c.eq(fn, "eth.src", j["eth"]["src"], e.src)
        c.eq(fn, "eth.dst", j["eth"]["dst"], e.dst)
        c.eq(fn, "eth.type", j["eth"]["type"], e.type)
        tags = []
        layer = e.payload
        while isinstance(layer, (Dot1Q, Dot1AD)):
            tags.append({"vid": layer.vlan, "pcp": layer.prio, "dei": layer.id,
                         "type": layer.type})
            layer = layer.payload
        c.eq(fn, "vlan", j.get("vlan"), tags or None)
        if "error" in j:
            continue      # scapy decodes malformed headers leniently
        if ARP in p:
            a = p[ARP]
            c.eq(fn, "arp", j.get("arp"), {"op": a.op, "sha": a.hwsrc, "spa": a.psrc,
                                          "tha": a.hwdst, "tpa": a.pdst})
        if IP in p:
            ip = p[IP]
            ck = IP(bytes(ip))
            del ck.chksum
            c.eq(fn, "ipv4", j.get("ipv4"), {
                "src": ip.src, "dst": ip.dst, "ttl": ip.ttl, "proto": ip.proto, "id": ip.id,
                "len": ip.len, "df": bool(ip.flags.DF), "mf": bool(ip.flags.MF),
                "frag_off": ip.frag * 8, "csum_ok": IP(bytes(ck)).chksum == ip.chksum})
        if IPv6 in p:
            ip = p[IPv6]
            ext_num = {"IPv6ExtHdrHopByHop": 0, "IPv6ExtHdrDestOpt": 60,
                       "IPv6ExtHdrRouting": 43, "IPv6ExtHdrFragment": 44}
            ext, layer, nxt = [], ip.payload, ip.nh
            while type(layer).__name__ in ext_num:
                ext.append(ext_num[type(layer).__name__])
                nxt = layer.nh
                layer = layer.payload
            j6 = j.get("ipv6") or {}
            c.eq(fn, "ipv6", {k: j6.get(k) for k in ("src", "dst", "hlim", "plen", "next",
                                                     "ext")},
                 {"src": ip.src, "dst": ip.dst, "hlim": ip.hlim, "plen": ip.plen,
                  "next": nxt, "ext": ext})
        outer_icmp = ICMP in p and not (IP in p and p[IP].frag)
        if "udp" in j:
            u = p[UDP]
            c.eq(fn, "udp.ports/len", [j["udp"]["sport"], j["udp"]["dport"], j["udp"]["len"]],
                 [u.sport, u.dport, u.len])
        if "tcp" in j:
            tc = p[TCP]
            opts = dict((k, v) for k, v in tc.options if k != "NOP" and k != "EOL")
            c.eq(fn, "tcp", {k: j["tcp"].get(k) for k in ("sport", "dport", "seq", "ack", "flags",
                                                          "win", "mss", "wscale", "sack_ok",
                                                          "ts", "sack")},
                 {"sport": tc.sport, "dport": tc.dport, "seq": tc.seq, "ack": tc.ack,
                  "flags": int(tc.flags), "win": tc.window, "mss": opts.get("MSS"),
                  "wscale": opts.get("WScale"),
                  "sack_ok": True if "SAckOK" in opts else None,
                  "ts": list(opts["Timestamp"]) if "Timestamp" in opts else None,
                  "sack": [list(opts["SAck"][i:i + 2]) for i in range(0, len(opts["SAck"]), 2)]
                  if "SAck" in opts else None})
        if outer_icmp and "icmp" in j:
            ic = p[ICMP]
            c.eq(fn, "icmp.type/code", [j["icmp"]["type"], j["icmp"]["code"]], [ic.type, ic.code])
            if ic.type in (0, 8):
                c.eq(fn, "icmp.id/seq", [j["icmp"]["id"], j["icmp"]["seq"]], [ic.id, ic.seq])
        for cls in (ICMPv6EchoRequest, ICMPv6EchoReply):
            if cls in p:
                c.eq(fn, "icmp6.id/seq", [j["icmp6"].get("id"), j["icmp6"].get("seq")],
                     [p[cls].id, p[cls].seq])
        for cls in (ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_Redirect):
            if cls in p:
                c.eq(fn, "icmp6.target", j["icmp6"].get("target"), p[cls].tgt)
        if "dns" in j and DNS in p:
            d = p[DNS]
            c.eq(fn, "dns.id/qr/opcode/rcode",
                 [j["dns"][k] for k in ("id", "qr", "opcode", "rcode")],
                 [d.id, bool(d.qr), d.opcode, d.rcode])
            c.eq(fn, "dns.counts", [len(j["dns"][k]) for k in ("qd", "an", "ns", "ar")],
                 [d.qdcount, d.ancount, d.nscount, d.arcount])
            # Names: scapy keeps the raw bytes with a trailing dot.
            if d.qdcount and d.qd is not None:
                qn = d.qd.qname if not isinstance(d.qd, list) else d.qd[0].qname
                c.eq(fn, "dns.qd[0].name", dig_bytes(j["dns"]["qd"][0]["name"]) + b".", qn)
            for rr in j["dns"]["an"]:
                if rr["type"] == 65280:     # unknown type: raw hex
                    c.eq(fn, "dns.rr(65280).data", rr["data"], "deadbeef")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    tapring, pcap = sys.argv[1], sys.argv[2]
    tshark = readlib.need_tool("tshark")
    objs = readlib.read_json(tapring, pcap)
    status = 0

    c = Checker("tshark")
    check_tshark(c, objs, tshark_rows(tshark, pcap))
    status |= c.done(minimum=15 * len(objs))

    s = Checker("scapy")
    check_scapy(s, objs, pcap)
    status |= s.done(minimum=3 * len(objs))

    if len(sys.argv) > 3:
        ng = readlib.read_json(tapring, sys.argv[3])
        n = Checker("pcapng")
        n.eq("-", "frame count", len(ng), len(objs))
        for a, b in zip(ng, objs):
            n.eq(b["frame"], "pcapng object", a, b)
        status |= n.done(minimum=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
