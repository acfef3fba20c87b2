#!/usr/bin/python3
# Generates vectors.h: reference L4 / DNS byte strings built by scapy (run
# offline with Debian's /usr/bin/python3; the output is committed so the
# tests need no python). Also writes fuzz/corpus/dns/*.bin seeds.
#   /usr/bin/python3 test/proto/gen_vectors.py
import os, sys
from scapy.all import (IP, IPv6, UDP, TCP, ICMP, Raw, raw,
                       ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_RS,
                       ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6NDOptSrcLLAddr,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptPrefixInfo, ICMPv6NDOptMTU,
                       ICMPv6DestUnreach, DNS, DNSQR, DNSRR, DNSRRSOA, DNSRRMX, DNSRRSRV)

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
out = []

def l4(pkt):
    """Bytes after the IP header (scapy computed lengths and checksums)."""
    b = raw(pkt)
    if pkt.haslayer(IPv6):
        return b[40:]
    return b[(b[0] & 0x0f) * 4:]

def emit(name, data):
    out.append("static const uint8_t %s[%d] = {" % (name, len(data)))
    for i in range(0, len(data), 12):
        out.append("\t" + " ".join("0x%02x," % c for c in data[i:i + 12]))
    out.append("};")

V4S, V4D = "10.77.0.1", "10.77.0.2"
V6S, V6D = "fd77::1", "fd77::2"

emit("v_udp4", l4(IP(src=V4S, dst=V4D) / UDP(sport=1234, dport=53) / Raw(b"hello")))
emit("v_udp6", l4(IPv6(src=V6S, dst=V6D) / UDP(sport=5353, dport=5353) / Raw(b"abc")))
emit("v_tcp4_syn", l4(IP(src=V4S, dst=V4D) / TCP(sport=40000, dport=80, seq=1000, flags="S", window=64240,
     options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456, 0)), ("NOP", None), ("WScale", 7)])))
emit("v_tcp6_sack", l4(IPv6(src=V6S, dst=V6D) / TCP(sport=443, dport=50000, seq=0xdeadbeef, ack=0x01020304,
     flags="PA", window=501, options=[("NOP", None), ("NOP", None), ("SAck", (100, 200, 300, 400))]) / Raw(b"data!")))
emit("v_tcp4_ecn", l4(IP(src=V4S, dst=V4D) / TCP(sport=1, dport=2, seq=5, ack=6, flags="SAECN", window=1024)))
emit("v_icmp4_echo", l4(IP(src=V4S, dst=V4D) / ICMP(type=8, id=0x1234, seq=1) / Raw(b"abcdefgh")))
inner = raw(IP(src=V4D, dst=V4S, ttl=1) / UDP(sport=33434, dport=33435) / Raw(b"xxxxxxxx"))[:28]
emit("v_icmp4_unreach", l4(IP(src=V4S, dst=V4D) / ICMP(type=3, code=3) / Raw(inner)))
emit("v_icmp4_timex", l4(IP(src=V4S, dst=V4D) / ICMP(type=11, code=0) / Raw(inner)))
emit("v_icmp6_echo", l4(IPv6(src=V6S, dst=V6D) / ICMPv6EchoRequest(id=7, seq=9, data=b"ping6")))
emit("v_icmp6_ns", l4(IPv6(src=V6S, dst="ff02::1:ff00:2") / ICMPv6ND_NS(tgt=V6D) /
     ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")))
emit("v_icmp6_na", l4(IPv6(src=V6D, dst=V6S) / ICMPv6ND_NA(tgt=V6D, R=0, S=1, O=1) /
     ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:02")))
emit("v_icmp6_rs", l4(IPv6(src=V6S, dst="ff02::2") / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")))
emit("v_icmp6_ra", l4(IPv6(src="fe80::1", dst="ff02::1") / ICMPv6ND_RA(chlim=64, M=1, O=0, routerlifetime=1800,
     reachabletime=30000, retranstimer=1000) / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:fe") /
     ICMPv6NDOptMTU(mtu=1500) / ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400,
     preferredlifetime=14400, prefix="fd77:1::")))
emit("v_icmp6_redirect", l4(IPv6(src="fe80::1", dst=V6S) / ICMPv6ND_Redirect(tgt="fe80::2", dst="fd77:9::9") /
     ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:03")))
emit("v_icmp6_unreach", l4(IPv6(src=V6S, dst=V6D) / ICMPv6DestUnreach(code=4) /
     raw(IPv6(src=V6D, dst=V6S) / UDP(sport=1, dport=2))))

# DNS messages (also the fuzz seeds).
dns = {}
dns["query_a"] = DNS(id=0x1111, rd=1, qd=DNSQR(qname="www.example.com", qtype="A"))
dns["query_aaaa"] = DNS(id=0x2222, rd=1, qd=DNSQR(qname="ipv6.example.org", qtype="AAAA"))
dns["resp_cname_a"] = DNS(id=0x3333, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname="www.example.com"),
    an=DNSRR(rrname="www.example.com", type="CNAME", ttl=300, rdata="web.example.com") /
       DNSRR(rrname="web.example.com", type="A", ttl=60, rdata="10.77.0.80"))
dns["resp_aaaa"] = DNS(id=0x4444, qr=1, rd=1, ra=1, qd=DNSQR(qname="ipv6.example.org", qtype="AAAA"),
    an=DNSRR(rrname="ipv6.example.org", type="AAAA", ttl=3600, rdata="fd77::53"))
# (scapy 2.5.0's DNSRRMX defaults to type 6: the type is given explicitly.)
dns["resp_mx"] = DNS(id=0x5555, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.com", qtype="MX"),
    an=DNSRRMX(rrname="example.com", type="MX", ttl=600, preference=10, exchange="mail.example.com") /
       DNSRRMX(rrname="example.com", type="MX", ttl=600, preference=20, exchange="mx2.example.com"),
    ar=DNSRR(rrname="mail.example.com", type="A", ttl=600, rdata="10.77.0.25"))
dns["resp_txt"] = DNS(id=0x6666, qr=1, qd=DNSQR(qname="example.com", qtype="TXT"),
    an=DNSRR(rrname="example.com", type="TXT", ttl=60, rdata=[b"v=spf1 -all", b"hello world"]))
dns["resp_nxdomain_soa"] = DNS(id=0x7777, qr=1, rcode=3, rd=1, ra=1, qd=DNSQR(qname="nope.example.com"),
    ns=DNSRRSOA(rrname="example.com", ttl=900, mname="ns1.example.com", rname="hostmaster.example.com",
                serial=2024010101, refresh=7200, retry=3600, expire=1209600, minimum=300))
dns["resp_srv"] = DNS(id=0x8888, qr=1, aa=1, qd=DNSQR(qname="_sip._udp.example.com", qtype="SRV"),
    an=DNSRRSRV(rrname="_sip._udp.example.com", ttl=120, priority=10, weight=60, port=5060,
                target="sip.example.com"))
dns["resp_ptr_ns"] = DNS(id=0x9999, qr=1, qd=DNSQR(qname="1.0.77.10.in-addr.arpa", qtype="PTR"),
    an=DNSRR(rrname="1.0.77.10.in-addr.arpa", type="PTR", ttl=86400, rdata="host1.example.com"),
    ns=DNSRR(rrname="77.10.in-addr.arpa", type="NS", ttl=86400, rdata="ns1.example.com"))
dns["mdns_resp"] = DNS(id=0, qr=1, aa=1, an=DNSRR(rrname="printer.local", type="A", rclass=0x8001, ttl=120,
    rdata="10.77.0.9"))
dns["query_any_multi"] = DNS(id=0xabcd, rd=1, qd=DNSQR(qname="a.example.com", qtype="A") /
    DNSQR(qname="b.example.com", qtype="AAAA"))

os.makedirs(os.path.join(root, "fuzz", "corpus", "dns"), exist_ok=True)
# Responses go out compressed (scapy's DNS.compress(), like real servers),
# except resp_srv, kept uncompressed on purpose.
for k, m in dns.items():
    if k.startswith("resp_") and k != "resp_srv" or k == "query_any_multi":
        m = m.compress()
    b = raw(m)
    emit("v_dns_" + k, b)
    with open(os.path.join(root, "fuzz", "corpus", "dns", k + ".bin"), "wb") as f:
        f.write(b)

with open(os.path.join(here, "vectors.h"), "w") as f:
    f.write("/* Generated by test/proto/gen_vectors.py (scapy); do not edit. */\n")
    f.write("#ifndef TR_TEST_PROTO_VECTORS_H\n#define TR_TEST_PROTO_VECTORS_H\n#include <stdint.h>\n")
    f.write("/* Addresses: 10.77.0.1 -> 10.77.0.2, fd77::1 -> fd77::2 unless noted. */\n")
    f.write("\n".join(out) + "\n#endif\n")
print("ok", len(out))
