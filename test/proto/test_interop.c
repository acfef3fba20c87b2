/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interop: frames built only with our emit functions (TCP with options over
 * IPv4/IPv6, UDP over both, ICMP echo and port unreachable, ICMPv6 NS and
 * RA with options, a compressed DNS response from the writer) are written
 * to a pcap and dissected by tshark, an independent implementation: every
 * checksum must be reported good and the decoded fields must match.
 * Skips (77) when tshark is not installed.
 */
#include <tapring/dns.h>
#include <tapring/icmpv4.h>
#include <tapring/icmpv6.h>
#include <tapring/tcp.h>
#include <tapring/udp.h>

#include "helpers.h"

static const uint8_t a4s[4] = { 10, 77, 0, 1 }, a4d[4] = { 10, 77, 0, 2 };
static const uint8_t a6s[16] = { 0xfd, 0x77, [15] = 1 }, a6d[16] = { 0xfd, 0x77, [15] = 2 };
static const uint8_t allnodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };

static FILE *pcap;

static void pcap_open(const char *path)
{
	pcap = fopen(path, "wb");
	T_ASSERT(pcap);
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };  /* LE host: v2.4, DLT_EN10MB */
	T_ASSERT(fwrite(gh, sizeof(gh), 1, pcap) == 1);
}

static void pcap_frame(const uint8_t *f, size_t n)
{
	uint32_t rh[4] = { 1, 0, (uint32_t)n, (uint32_t)n };
	T_ASSERT(fwrite(rh, sizeof(rh), 1, pcap) == 1);
	T_ASSERT(fwrite(f, n, 1, pcap) == 1);
}

/* Ethernet + IPv4 header (20 bytes, checksum filled) around l4len bytes. */
static size_t ip4(uint8_t *f, uint8_t proto, size_t l4len)
{
	memcpy(f, mac2, 6), memcpy(f + 6, mac1, 6), f[12] = 0x08, f[13] = 0x00;
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45, ip[8] = 64, ip[9] = proto;
	tr_store_be16(ip + 2, (uint16_t)(20 + l4len));
	memcpy(ip + 12, a4s, 4), memcpy(ip + 16, a4d, 4);
	tr_cksum_store(ip + 10, tr_cksum(ip, 20));
	return 34;
}

static size_t ip6(uint8_t *f, uint8_t nh, size_t l4len, const uint8_t *src, const uint8_t *dst)
{
	memcpy(f, mac2, 6), memcpy(f + 6, mac1, 6), f[12] = 0x86, f[13] = 0xdd;
	uint8_t *ip = f + 14;
	memset(ip, 0, 40);
	ip[0] = 0x60, ip[6] = nh, ip[7] = 255;
	tr_store_be16(ip + 4, (uint16_t)l4len);
	memcpy(ip + 8, src, 16), memcpy(ip + 24, dst, 16);
	return 54;
}

static void build(const char *path)
{
	static uint8_t f[2048];
	struct tr_l4_pseudo p4 = { 4, a4s, a4d }, p6 = { 6, a6s, a6d };
	pcap_open(path);

	/* 1: IPv4 TCP SYN, all SYN options. */
	struct tr_tcp_repr t = { .src_port = 40000, .dst_port = 80, .seq = 1000, .flags = TR_TCP_SYN,
				 .window = 64240 };
	t.opts.present = TR_TCP_HAS_MSS | TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS | TR_TCP_HAS_WSCALE;
	t.opts.mss = 1460, t.opts.wscale = 7, t.opts.ts_val = 123456;
	size_t o = ip4(f, TR_IPPROTO_TCP, tr_tcp_emit_len(&t));
	T_ASSERT(tr_tcp_emit(&t, &p4, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_tcp_emit_len(&t));

	/* 2: IPv6 TCP ACK with timestamps + 3 SACK blocks and 7 payload bytes. */
	struct tr_tcp_repr s = { .src_port = 443, .dst_port = 50000, .seq = 5000, .ack = 9000,
				 .flags = TR_TCP_ACK | TR_TCP_PSH, .window = 501,
				 .payload = (const uint8_t *)"payload", .payload_len = 7 };
	s.opts.present = TR_TCP_HAS_TS | TR_TCP_HAS_SACK;
	s.opts.ts_val = 77, s.opts.ts_ecr = 66, s.opts.sack_count = 3;
	for (int i = 0; i < 3; i++)
		s.opts.sack[i] = (struct tr_tcp_sack_block){ 9100u + 200u * (unsigned)i, 9200u + 200u * (unsigned)i };
	o = ip6(f, TR_IPPROTO_TCP, tr_tcp_emit_len(&s), a6s, a6d);
	T_ASSERT(tr_tcp_emit(&s, &p6, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_tcp_emit_len(&s));

	/* 3: IPv4 UDP carrying a compressed DNS response from the writer. */
	static uint8_t dns[512];
	static struct tr_dns_rr rr;
	static struct tr_dns_question q;
	struct tr_dns_writer w;
	struct tr_dns_header h = { .id = 0xbeef, .flags = tr_dns_make_flags(1, 0, 0, TR_DNS_F_AA | TR_DNS_F_RD) };
	tr_dns_writer_init(&w, dns, sizeof(dns), &h);
	strcpy(q.name, "www.example.com"), q.type = TR_DNS_T_A, q.qclass = TR_DNS_C_IN;
	T_ASSERT(tr_dns_write_question(&w, &q) == 0);
	strcpy(rr.name, "www.example.com"), rr.type = TR_DNS_T_CNAME, rr.rclass = 1, rr.ttl = 300;
	strcpy(rr.u.target, "web.example.com");
	T_ASSERT(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &rr) == 0);
	strcpy(rr.name, "web.example.com"), rr.type = TR_DNS_T_A;
	memcpy(rr.u.a, (uint8_t[]){ 10, 77, 0, 80 }, 4);
	T_ASSERT(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &rr) == 0);
	strcpy(rr.name, "example.com"), rr.type = TR_DNS_T_MX, rr.u.mx.pref = 10;
	strcpy(rr.u.mx.exchange, "mail.example.com");
	T_ASSERT(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &rr) == 0);
	strcpy(rr.name, "_sip._udp.example.com"), rr.type = TR_DNS_T_SRV;
	rr.u.srv.priority = 1, rr.u.srv.weight = 2, rr.u.srv.port = 5060;
	strcpy(rr.u.srv.target, "sip.example.com");
	T_ASSERT(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &rr) == 0);
	strcpy(rr.name, "example.com"), rr.type = TR_DNS_T_SOA;
	strcpy(rr.u.soa.mname, "ns1.example.com"), strcpy(rr.u.soa.rname, "hostmaster.example.com");
	rr.u.soa.serial = 42;
	T_ASSERT(tr_dns_write_rr(&w, TR_DNS_SEC_NS, &rr) == 0);
	int dl = tr_dns_writer_finish(&w);
	T_ASSERT(dl > 0);
	struct tr_udp_repr u = { .src_port = 53, .dst_port = 33000, .payload = dns, .payload_len = (size_t)dl };
	o = ip4(f, TR_IPPROTO_UDP, tr_udp_emit_len(&u));
	T_ASSERT(tr_udp_emit(&u, &p4, f + o, sizeof(f) - o) == 0);
	size_t udp_frame_len = o + tr_udp_emit_len(&u);
	pcap_frame(f, udp_frame_len);

	/* 4: ICMP port unreachable quoting frame 3's IPv4 header + 8 bytes. */
	static uint8_t quote[28];
	memcpy(quote, f + 14, 28);
	struct tr_icmpv4_repr un = { .type = TR_ICMP_DEST_UNREACH, .code = TR_ICMP_UNREACH_PORT,
				     .data = quote, .data_len = 28 };
	o = ip4(f, 1, tr_icmpv4_emit_len(&un));
	T_ASSERT(tr_icmpv4_emit(&un, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_icmpv4_emit_len(&un));

	/* 5: IPv6 UDP, odd payload length. */
	struct tr_udp_repr u6 = { .src_port = 40000, .dst_port = 40001, .payload = (const uint8_t *)"abc",
				  .payload_len = 3 };
	o = ip6(f, TR_IPPROTO_UDP, tr_udp_emit_len(&u6), a6s, a6d);
	T_ASSERT(tr_udp_emit(&u6, &p6, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_udp_emit_len(&u6));

	/* 6: ICMP echo request. */
	struct tr_icmpv4_repr e = { .type = TR_ICMP_ECHO_REQUEST, .data = (const uint8_t *)"0123456789",
				    .data_len = 10 };
	e.u.echo.id = 0x4242, e.u.echo.seq = 7;
	o = ip4(f, 1, tr_icmpv4_emit_len(&e));
	T_ASSERT(tr_icmpv4_emit(&e, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_icmpv4_emit_len(&e));

	/* 7: ICMPv6 NS with source link-layer address. */
	struct tr_icmpv6_repr ns = { .type = TR_ICMP6_NEIGH_SOLICIT };
	memcpy(ns.u.nd.target, a6d, 16);
	ns.opts.present = TR_ND_HAS_SLLA;
	memcpy(ns.opts.slla, mac1, 6);
	o = ip6(f, TR_IPPROTO_ICMPV6, tr_icmpv6_emit_len(&ns), a6s, a6d);
	T_ASSERT(tr_icmpv6_emit(&ns, &p6, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_icmpv6_emit_len(&ns));

	/* 8: ICMPv6 RA with SLLA, MTU and a prefix, to all-nodes. */
	struct tr_l4_pseudo pra = { 6, a6s, allnodes };
	struct tr_icmpv6_repr ra = { .type = TR_ICMP6_ROUTER_ADVERT };
	ra.u.ra.hop_limit = 64, ra.u.ra.router_lifetime = 1800;
	ra.opts.present = TR_ND_HAS_SLLA | TR_ND_HAS_MTU | TR_ND_HAS_PREFIX;
	memcpy(ra.opts.slla, mac1, 6);
	ra.opts.mtu = 1400;
	ra.opts.prefix_count = 1;
	ra.opts.prefix[0] = (struct tr_nd_prefix){ 64, TR_ND_PREFIX_F_ONLINK | TR_ND_PREFIX_F_AUTO, 86400, 14400,
						   { 0xfd, 0x77, 0, 1 } };
	o = ip6(f, TR_IPPROTO_ICMPV6, tr_icmpv6_emit_len(&ra), a6s, allnodes);
	T_ASSERT(tr_icmpv6_emit(&ra, &pra, f + o, sizeof(f) - o) == 0);
	pcap_frame(f, o + tr_icmpv6_emit_len(&ra));

	T_ASSERT(fclose(pcap) == 0);
}

int main(void)
{
	if (t_sh("command -v tshark >/dev/null 2>&1") != 0)
		t_skip("tshark not installed");
	char pc[] = "/tmp/tr_l4_interop_XXXXXX";
	int fd = mkstemp(pc);
	T_ASSERT(fd >= 0);
	close(fd);
	build(pc);

	char cmd[1024], out[] = "/tmp/tr_l4_interop_out_XXXXXX";
	fd = mkstemp(out);
	T_ASSERT(fd >= 0);
	close(fd);
	/* One line per frame; fields separated by '|'. Status 1 = good. */
	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r %s -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE "
		 "-o tcp.relative_sequence_numbers:FALSE -T fields -E separator='|' "
		 "-e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status "
		 "-e icmpv6.checksum.status -e tcp.options.mss_val -e tcp.options.wscale.shift "
		 "-e tcp.options.timestamp.tsval -e tcp.options.sack_le -e tcp.len "
		 "-e dns.cname -e dns.mx.mail_exchange -e dns.srv.target -e dns.soa.mname "
		 "-e icmp.ident -e icmpv6.nd.ns.target_address -e icmpv6.opt.linkaddr "
		 "-e icmpv6.opt.mtu -e icmpv6.opt.prefix -e _ws.malformed "
		 "> %s 2>/dev/null",
		 pc, out);
	T_ASSERT(t_sh("%s", cmd) == 0);
	/* tcp.len 0 for the SYN; frame 4's "2" is the quoted UDP header inside
	 * the ICMP error (unverifiable, truncated), its ICMP checksum is good;
	 * icmp.ident 16962 = 0x4242; _ws.malformed (last) must stay empty. */
	static const char *const want[] = {
		"1||||1460|7|123456||0||||||||||",
		"1||||||77|9100,9300,9500|7||||||||||",
		"|1||||||||web.example.com|mail.example.com|sip.example.com|ns1.example.com||||||",
		"|2|1||||||||||||||||",
		"|1|||||||||||||||||",
		"||1|||||||||||16962|||||",
		"|||1|||||||||||fd77::2|02:00:00:00:00:01|||",
		"|||1||||||||||||02:00:00:00:00:01|1400|fd77:1::|",
	};
	FILE *fo = fopen(out, "r");
	T_ASSERT(fo);
	char line[1024];
	size_t n = 0;
	while (fgets(line, sizeof(line), fo)) {
		line[strcspn(line, "\n")] = '\0';
		if (n < sizeof(want) / sizeof(want[0])) {
			if (strcmp(line, want[n]) != 0)
				fprintf(stderr, "frame %zu: got  %s\n          want %s\n", n + 1, line, want[n]);
			T_CHECK_STR(line, want[n]);
		}
		n++;
	}
	fclose(fo);
	T_CHECK_EQ(n, sizeof(want) / sizeof(want[0]));
	unlink(pc);
	unlink(out);
	return t_done();
}
