/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS codec: scapy messages (queries, compressed responses with A, AAAA,
 * CNAME, NS, PTR, MX, TXT, SOA, SRV, NXDOMAIN, mDNS class bit), every
 * truncation, compression loops / forward pointers / long pointer chains,
 * label and whole-name length limits at the 255-byte boundary, text
 * escapes both ways, rdata length mismatches, and writer round trips with
 * name compression. Every parser input sits in a guard-page buffer.
 */
#include <tapring/dns.h>

#include "helpers.h"
#include "vectors.h"

static struct tr_dns_question q;
static struct tr_dns_rr rr;

/*
 * Parse a whole message twice: with tr_dns_validate() (names checked, no
 * text) and with the iterators (names as text, last q/rr left in the
 * globals). Both must agree on the result and on the reason. Returns the
 * result.
 */
static int validate(const uint8_t *src, size_t len, const char **why)
{
	uint8_t *g = t_guard_copy(src, len);
	const char *w1 = NULL, *w2 = NULL;
	int rc = tr_dns_validate(g, len, &q, &rr, &w1);
	struct tr_dns_msg m;
	int rc2 = tr_dns_parse_header(&m, g, len, &w2);
	if (rc2 == 0) {
		while ((rc2 = tr_dns_next_question(&m, &q, &w2)) == 1)
			;
		if (rc2 == 0)
			while ((rc2 = tr_dns_next_rr(&m, &rr, &w2)) == 1)
				;
	}
	T_CHECK_EQ(rc, rc2);
	T_CHECK((w1 == NULL && w2 == NULL) || (w1 && w2 && strcmp(w1, w2) == 0));
	if (why)
		*why = w1;
	t_guard_free(g, len);
	return rc;
}

/* ---- a tiny message builder for hand-made cases -------------------------- */
struct mb { uint8_t b[1024]; size_t n; };
static void mb_hdr(struct mb *m, uint16_t qd, uint16_t an)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = 0x12, m->b[1] = 0x34;
	m->b[4] = (uint8_t)(qd >> 8), m->b[5] = (uint8_t)qd;
	m->b[6] = (uint8_t)(an >> 8), m->b[7] = (uint8_t)an;
	m->n = 12;
}
static void mb_put(struct mb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
static void mb_u8(struct mb *m, uint8_t v) { m->b[m->n++] = v; }
static void mb_u16(struct mb *m, uint16_t v) { mb_u8(m, (uint8_t)(v >> 8)); mb_u8(m, (uint8_t)v); }
static void mb_label(struct mb *m, size_t len, char fill)
{
	mb_u8(m, (uint8_t)len);
	memset(m->b + m->n, fill, len);
	m->n += len;
}
static void mb_rrfix(struct mb *m, uint16_t type, uint16_t rdlen)
{
	mb_u16(m, type), mb_u16(m, 1), mb_u16(m, 0), mb_u16(m, 60), mb_u16(m, rdlen);
}

static void test_vectors(void)
{
	struct tr_dns_msg m;
	const char *why = NULL;
	uint8_t *g;

	/* Query. */
	g = t_guard_copy(v_dns_query_a, sizeof(v_dns_query_a));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_query_a), &why), 0);
	T_CHECK_EQ(m.hdr.id, 0x1111);
	T_CHECK_EQ(tr_dns_qr(&m.hdr), 0);
	T_CHECK_EQ(tr_dns_opcode(&m.hdr), 0);
	T_CHECK(m.hdr.flags & TR_DNS_F_RD);
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 1);
	T_CHECK_STR(q.name, "www.example.com");
	T_CHECK_EQ(q.type, TR_DNS_T_A);
	T_CHECK_EQ(q.qclass, TR_DNS_C_IN);
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 0);
	T_CHECK_EQ(m.off, sizeof(v_dns_query_a));
	t_guard_free(g, sizeof(v_dns_query_a));

	/* CNAME + A (compressed owner and target); next_rr skips the question. */
	g = t_guard_copy(v_dns_resp_cname_a, sizeof(v_dns_resp_cname_a));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_cname_a), &why), 0);
	T_CHECK_EQ(tr_dns_qr(&m.hdr), 1);
	T_CHECK(m.hdr.flags & TR_DNS_F_AA);
	T_CHECK_EQ(tr_dns_rcode(&m.hdr), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.section, TR_DNS_SEC_AN);
	T_CHECK_STR(rr.name, "www.example.com");
	T_CHECK_EQ(rr.type, TR_DNS_T_CNAME);
	T_CHECK_EQ(rr.ttl, 300);
	T_CHECK_STR(rr.u.target, "web.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "web.example.com");
	T_CHECK_EQ(rr.type, TR_DNS_T_A);
	T_CHECK_EQ(rr.u.a[0], 10);
	T_CHECK_EQ(rr.u.a[3], 80);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 0);
	t_guard_free(g, sizeof(v_dns_resp_cname_a));

	static const uint8_t fd53[16] = { 0xfd, 0x77, [15] = 0x53 };
	g = t_guard_copy(v_dns_resp_aaaa, sizeof(v_dns_resp_aaaa));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_aaaa), &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.type, TR_DNS_T_AAAA);
	T_CHECK(memcmp(rr.u.aaaa, fd53, 16) == 0);
	t_guard_free(g, sizeof(v_dns_resp_aaaa));

	g = t_guard_copy(v_dns_resp_mx, sizeof(v_dns_resp_mx));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_mx), &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.u.mx.pref, 10);
	T_CHECK_STR(rr.u.mx.exchange, "mail.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.u.mx.pref, 20);
	T_CHECK_STR(rr.u.mx.exchange, "mx2.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.section, TR_DNS_SEC_AR);
	T_CHECK_STR(rr.name, "mail.example.com");
	t_guard_free(g, sizeof(v_dns_resp_mx));

	g = t_guard_copy(v_dns_resp_txt, sizeof(v_dns_resp_txt));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_txt), &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.type, TR_DNS_T_TXT);
	T_CHECK_EQ(rr.u.txt.count, 2);
	size_t off = 0, sl;
	const uint8_t *s;
	T_CHECK_EQ(tr_dns_txt_next(&rr, &off, &s, &sl), 1);
	T_CHECK(sl == 11 && memcmp(s, "v=spf1 -all", 11) == 0);
	T_CHECK_EQ(tr_dns_txt_next(&rr, &off, &s, &sl), 1);
	T_CHECK(sl == 11 && memcmp(s, "hello world", 11) == 0);
	T_CHECK_EQ(tr_dns_txt_next(&rr, &off, &s, &sl), 0);
	t_guard_free(g, sizeof(v_dns_resp_txt));

	g = t_guard_copy(v_dns_resp_nxdomain_soa, sizeof(v_dns_resp_nxdomain_soa));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_nxdomain_soa), &why), 0);
	T_CHECK_EQ(tr_dns_rcode(&m.hdr), TR_DNS_RC_NXDOMAIN);
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 1);
	T_CHECK_STR(q.name, "nope.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.section, TR_DNS_SEC_NS);
	T_CHECK_EQ(rr.type, TR_DNS_T_SOA);
	T_CHECK_STR(rr.u.soa.mname, "ns1.example.com");
	T_CHECK_STR(rr.u.soa.rname, "hostmaster.example.com");
	T_CHECK_EQ(rr.u.soa.serial, 2024010101u);
	T_CHECK_EQ(rr.u.soa.refresh, 7200);
	T_CHECK_EQ(rr.u.soa.retry, 3600);
	T_CHECK_EQ(rr.u.soa.expire, 1209600);
	T_CHECK_EQ(rr.u.soa.minimum, 300);
	t_guard_free(g, sizeof(v_dns_resp_nxdomain_soa));

	g = t_guard_copy(v_dns_resp_srv, sizeof(v_dns_resp_srv));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_srv), &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "_sip._udp.example.com");
	T_CHECK_EQ(rr.u.srv.priority, 10);
	T_CHECK_EQ(rr.u.srv.weight, 60);
	T_CHECK_EQ(rr.u.srv.port, 5060);
	T_CHECK_STR(rr.u.srv.target, "sip.example.com");
	t_guard_free(g, sizeof(v_dns_resp_srv));

	g = t_guard_copy(v_dns_resp_ptr_ns, sizeof(v_dns_resp_ptr_ns));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_resp_ptr_ns), &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "1.0.77.10.in-addr.arpa");
	T_CHECK_EQ(rr.type, TR_DNS_T_PTR);
	T_CHECK_STR(rr.u.target, "host1.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.type, TR_DNS_T_NS);
	T_CHECK_STR(rr.name, "77.10.in-addr.arpa");
	T_CHECK_STR(rr.u.target, "ns1.example.com");
	t_guard_free(g, sizeof(v_dns_resp_ptr_ns));

	g = t_guard_copy(v_dns_mdns_resp, sizeof(v_dns_mdns_resp));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_mdns_resp), &why), 0);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "printer.local");
	T_CHECK_EQ(rr.rclass, 0x8001);   /* cache-flush bit kept raw */
	t_guard_free(g, sizeof(v_dns_mdns_resp));

	g = t_guard_copy(v_dns_query_any_multi, sizeof(v_dns_query_any_multi));
	T_CHECK_EQ(tr_dns_parse_header(&m, g, sizeof(v_dns_query_any_multi), &why), 0);
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 1);
	T_CHECK_STR(q.name, "a.example.com");
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 1);
	T_CHECK_STR(q.name, "b.example.com");
	T_CHECK_EQ(q.type, TR_DNS_T_AAAA);
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 0);
	t_guard_free(g, sizeof(v_dns_query_any_multi));
}

/* Every strict prefix of every reference message is malformed; the full
 * message is valid. */
static void test_truncation(void)
{
	static const struct { const uint8_t *b; size_t n; } all[] = {
		{ v_dns_query_a, sizeof(v_dns_query_a) }, { v_dns_query_aaaa, sizeof(v_dns_query_aaaa) },
		{ v_dns_resp_cname_a, sizeof(v_dns_resp_cname_a) }, { v_dns_resp_aaaa, sizeof(v_dns_resp_aaaa) },
		{ v_dns_resp_mx, sizeof(v_dns_resp_mx) }, { v_dns_resp_txt, sizeof(v_dns_resp_txt) },
		{ v_dns_resp_nxdomain_soa, sizeof(v_dns_resp_nxdomain_soa) }, { v_dns_resp_srv, sizeof(v_dns_resp_srv) },
		{ v_dns_resp_ptr_ns, sizeof(v_dns_resp_ptr_ns) }, { v_dns_mdns_resp, sizeof(v_dns_mdns_resp) },
		{ v_dns_query_any_multi, sizeof(v_dns_query_any_multi) },
	};
	int bad_prefix_ok = 0, prefixes = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *why = NULL;
		T_CHECK_EQ(validate(all[i].b, all[i].n, &why), 0);
		for (size_t n = 0; n < all[i].n; n++) {
			why = NULL;
			prefixes++;
			if (validate(all[i].b, n, &why) == -EINVAL && why && strncmp(why, "dns: ", 5) == 0)
				bad_prefix_ok++;
		}
	}
	T_CHECK_EQ(bad_prefix_ok, prefixes);
	const char *why = NULL;
	validate(v_dns_query_a, 11, &why);
	T_CHECK_STR(why, "dns: message shorter than 12-byte header");
	why = NULL;
	validate(v_dns_query_a, 31, &why);
	T_CHECK_STR(why, "dns: question truncated");
}

static void test_compression_attacks(void)
{
	struct mb m;
	const char *why;

	/* Pointer to itself. */
	mb_hdr(&m, 1, 0);
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1), mb_u16(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: compression pointer does not point backwards");

	/* Pointer forward (to a valid name later in the message). */
	mb_hdr(&m, 1, 0);
	mb_u16(&m, 0xc012);
	mb_u16(&m, 1), mb_u16(&m, 1);
	mb_label(&m, 3, 'a'), mb_u8(&m, 0);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: compression pointer does not point backwards");

	/* Two names pointing at each other (classic loop): the second one,
	 * reached from the first, points forward again. */
	mb_hdr(&m, 2, 0);
	mb_label(&m, 1, 'x'), mb_u16(&m, 0xc015);          /* 12: x -> 21 */
	mb_u16(&m, 1), mb_u16(&m, 1);                      /* 16..19 */
	mb_u8(&m, 0);                                      /* filler 20 */
	mb_label(&m, 1, 'y'), mb_u16(&m, 0xc00c);          /* 21: y -> 12 */
	mb_u16(&m, 1), mb_u16(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: compression pointer does not point backwards");

	/* A pointer into the middle of its own label sequence. */
	mb_hdr(&m, 1, 0);
	mb_label(&m, 1, 'a'), mb_label(&m, 1, 'b'), mb_u16(&m, 0xc00e);
	mb_u16(&m, 1), mb_u16(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: compression pointer does not point backwards");

	/* Long chain: each pointer jumps back 2 bytes; 17 jumps > 16. */
	/* Question: the root name at 12. Answer 1 (unknown type 99) carries
	 * jumps-1 pointers in its rdata, each pointing at the previous one
	 * (the first at 12); answer 2's owner points at the last: resolving it
	 * takes exactly `jumps` jumps. */
	for (int jumps = 15; jumps <= 17; jumps++) {
		size_t prev = 12;
		mb_hdr(&m, 1, 2);
		mb_u8(&m, 0), mb_u16(&m, 1), mb_u16(&m, 1);
		mb_u8(&m, 0), mb_rrfix(&m, 99, (uint16_t)(2 * (jumps - 1)));
		for (int j = 0; j < jumps - 1; j++) {
			size_t here = m.n;
			mb_u16(&m, (uint16_t)(0xc000 | prev));
			prev = here;
		}
		mb_u16(&m, (uint16_t)(0xc000 | prev));    /* owner of RR 2: jump #jumps */
		mb_rrfix(&m, 1, 4), mb_u16(&m, 0x0a4d), mb_u16(&m, 1);
		why = NULL;
		int rc = validate(m.b, m.n, &why);
		if (jumps <= TR_DNS_MAX_JUMPS) {
			T_CHECK_EQ(rc, 0);
			T_CHECK_STR(rr.name, ".");
		} else {
			T_CHECK_EQ(rc, -EINVAL);
			T_CHECK_STR(why, "dns: too many compression pointers");
		}
	}

	/* A backwards pointer into the header, whose flags byte 0x81 is a
	 * reserved label type: rejected whether or not the question is read. */
	mb_hdr(&m, 1, 0);
	m.b[2] = 0x81;
	mb_u16(&m, 0xc002);
	mb_u16(&m, 1), mb_u16(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: reserved label type");
	{
		struct tr_dns_msg dm;
		uint8_t *g = t_guard_copy(m.b, m.n);
		T_CHECK_EQ(tr_dns_parse_header(&dm, g, m.n, NULL), 0);
		why = NULL;
		T_CHECK_EQ(tr_dns_next_rr(&dm, &rr, &why), -EINVAL);
		T_CHECK_STR(why, "dns: reserved label type");
		t_guard_free(g, m.n);
	}

	/* Pointer outside the message (backwards rule also bounds it). */
	mb_hdr(&m, 1, 0);
	mb_u16(&m, 0xffff);
	mb_u16(&m, 1), mb_u16(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: compression pointer does not point backwards");
	/* Truncated pointer. */
	mb_hdr(&m, 1, 0);
	mb_u8(&m, 0xc0);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: compression pointer truncated");
	/* 0x40 / 0x80 label types are reserved (so a 64-byte label is too). */
	mb_hdr(&m, 1, 0);
	mb_label(&m, 64, 'a'), mb_u8(&m, 0), mb_u16(&m, 1), mb_u16(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: reserved label type");
	m.b[12] = 0x80;
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: reserved label type");
}

static void test_name_lengths(void)
{
	struct mb m;
	const char *why;
	char text[TR_DNS_NAME_TEXT_MAX];

	/* 3 x 63 + 61: 3*64 + 62 + 1 = 255 bytes: the longest legal name. */
	for (int last = 61; last <= 62; last++) {
		mb_hdr(&m, 1, 0);
		mb_label(&m, 63, 'a'), mb_label(&m, 63, 'b'), mb_label(&m, 63, 'c');
		mb_label(&m, (size_t)last, 'd'), mb_u8(&m, 0);
		mb_u16(&m, 1), mb_u16(&m, 1);
		why = NULL;
		int rc = validate(m.b, m.n, &why);
		if (last == 61) {
			T_CHECK_EQ(rc, 0);
			T_CHECK_EQ(strlen(q.name), 63 * 3 + 61 + 3);
		} else {
			T_CHECK_EQ(rc, -EINVAL);
			T_CHECK_STR(why, "dns: name longer than 255 bytes");
		}
	}
	/* Over 255 only through compression: a 200-byte name, then a record
	 * whose owner adds 60 more bytes in front of a pointer to it. */
	mb_hdr(&m, 1, 1);
	mb_label(&m, 63, 'a'), mb_label(&m, 63, 'b'), mb_label(&m, 63, 'c'), mb_label(&m, 5, 'e'), mb_u8(&m, 0);
	mb_u16(&m, 1), mb_u16(&m, 1);
	mb_label(&m, 60, 'z'), mb_u16(&m, 0xc00c);
	mb_rrfix(&m, 1, 4), mb_u16(&m, 1), mb_u16(&m, 2);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: name longer than 255 bytes");
	/* ...and 50 more bytes is fine: 2 + 203 + 51 - 1 ... = 254 */
	mb_hdr(&m, 1, 1);
	mb_label(&m, 63, 'a'), mb_label(&m, 63, 'b'), mb_label(&m, 63, 'c'), mb_label(&m, 5, 'e'), mb_u8(&m, 0);
	mb_u16(&m, 1), mb_u16(&m, 1);
	mb_label(&m, 45, 'z'), mb_u16(&m, 0xc00c);
	mb_rrfix(&m, 1, 4), mb_u16(&m, 1), mb_u16(&m, 2);
	T_CHECK_EQ(validate(m.b, m.n, NULL), 0);

	/* Encoder limits mirror the decoder. */
	uint8_t wire[300];
	char name[400];
	memset(name, 'a', 63), name[63] = '.';
	memset(name + 64, 'b', 63), name[127] = '.';
	memset(name + 128, 'c', 63), name[191] = '.';
	memset(name + 192, 'd', 61), name[253] = '\0';
	T_CHECK_EQ(tr_dns_name_encode(name, wire, sizeof(wire), NULL), 255);
	strcpy(name + 253, ".");   /* trailing dot: same name */
	T_CHECK_EQ(tr_dns_name_encode(name, wire, sizeof(wire), NULL), 255);
	name[253] = 'd', name[254] = '\0';
	why = NULL;
	T_CHECK_EQ(tr_dns_name_encode(name, wire, sizeof(wire), &why), -EINVAL);
	T_CHECK_STR(why, "dns: name longer than 255 bytes");
	memset(name, 'x', 64), name[64] = '\0';
	why = NULL;
	T_CHECK_EQ(tr_dns_name_encode(name, wire, sizeof(wire), &why), -EINVAL);
	T_CHECK_STR(why, "dns: label longer than 63 bytes");
	why = NULL;
	T_CHECK_EQ(tr_dns_name_encode("a..b", wire, sizeof(wire), &why), -EINVAL);
	T_CHECK_STR(why, "dns: empty label in name");
	T_CHECK_EQ(tr_dns_name_encode(".a", wire, sizeof(wire), NULL), -EINVAL);
	T_CHECK_EQ(tr_dns_name_encode("a\\", wire, sizeof(wire), NULL), -EINVAL);
	T_CHECK_EQ(tr_dns_name_encode("a\\25", wire, sizeof(wire), NULL), -EINVAL);
	T_CHECK_EQ(tr_dns_name_encode("a\\256", wire, sizeof(wire), NULL), -EINVAL);
	T_CHECK_EQ(tr_dns_name_encode("", wire, sizeof(wire), NULL), 1);
	T_CHECK_EQ(tr_dns_name_encode(".", wire, sizeof(wire), NULL), 1);
	T_CHECK_EQ(wire[0], 0);
	T_CHECK_EQ(tr_dns_name_encode("example.com", wire, 5, NULL), -ENOSPC);
	T_CHECK_EQ(tr_dns_name_encode("example.com", wire, 13, NULL), 13);
	T_CHECK_EQ(tr_dns_name_encode("example.com", wire, 12, NULL), -ENOSPC);

	/* Escapes: '.', '\', space and 0xff inside labels, like dig. */
	static const uint8_t esc[] = { 6, 'a', '.', 'b', ' ', '\\', 0xff, 3, 'c', 'o', 'm', 0 };
	size_t off = 0;
	uint8_t *g = t_guard_copy(esc, sizeof(esc));
	T_CHECK_EQ(tr_dns_name_decode(g, sizeof(esc), &off, text, sizeof(text), NULL), 18);
	T_CHECK_STR(text, "a\\.b\\032\\\\\\255.com");
	T_CHECK_EQ(off, sizeof(esc));
	/* cap too small: -ENOSPC, never an overflow. */
	for (size_t cap = 0; cap < 19; cap++) {
		char small[19];
		off = 0;
		T_CHECK_EQ(tr_dns_name_decode(g, sizeof(esc), &off, small, cap, NULL), -ENOSPC);
	}
	t_guard_free(g, sizeof(esc));
	T_CHECK_EQ(tr_dns_name_encode(text, wire, sizeof(wire), NULL), (int)sizeof(esc));
	T_CHECK(memcmp(wire, esc, sizeof(esc)) == 0);
	/* Maximal text: 255-byte name of escaped bytes fits TEXT_MAX. */
	mb_hdr(&m, 1, 0);
	for (int i = 0; i < 4; i++)
		mb_label(&m, i < 3 ? 63 : 61, 0x01);
	mb_u8(&m, 0), mb_u16(&m, 1), mb_u16(&m, 1);
	T_CHECK_EQ(validate(m.b, m.n, NULL), 0);
	T_CHECK_EQ(strlen(q.name), 250 * 4 + 3);

	/* tr_dns_name_skip: stops after the root byte or after a pointer. */
	{
		static const uint8_t sk[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					      1, 'a', 0, 1, 'b', 0xc0, 12, 0xc0, 14, 5, 'c' };
		uint8_t *gs = t_guard_copy(sk, sizeof(sk));
		off = 12;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(sk), &off, NULL), 0);
		T_CHECK_EQ(off, 15);
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(sk), &off, NULL), 0);
		T_CHECK_EQ(off, 19);
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(sk), &off, NULL), 0);
		T_CHECK_EQ(off, 21);
		why = NULL;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(sk), &off, &why), -EINVAL);
		T_CHECK_STR(why, "dns: label runs past message");
		off = 18;   /* byte 12 read as a label length: runs past the end */
		why = NULL;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(sk), &off, &why), -EINVAL);
		T_CHECK_STR(why, "dns: label runs past message");
		off = 13;   /* 'a' = 0x61: reserved label type */
		why = NULL;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(sk), &off, &why), -EINVAL);
		T_CHECK_STR(why, "dns: reserved label type");
		t_guard_free(gs, sizeof(sk));
		static const uint8_t open_end[] = { 1, 'a' };
		gs = t_guard_copy(open_end, sizeof(open_end));
		off = 0;
		why = NULL;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(open_end), &off, &why), -EINVAL);
		T_CHECK_STR(why, "dns: name runs past message");
		t_guard_free(gs, sizeof(open_end));
		static const uint8_t fw[] = { 0xc0, 5, 0xc0 };
		gs = t_guard_copy(fw, sizeof(fw));
		off = 0;
		why = NULL;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(fw), &off, &why), -EINVAL);
		T_CHECK_STR(why, "dns: compression pointer does not point backwards");
		off = 2;
		why = NULL;
		T_CHECK_EQ(tr_dns_name_skip(gs, sizeof(fw), &off, &why), -EINVAL);
		T_CHECK_STR(why, "dns: compression pointer truncated");
		t_guard_free(gs, sizeof(fw));
	}

	T_CHECK(tr_dns_name_eq("WWW.Example.COM", "www.example.com."));
	T_CHECK(tr_dns_name_eq("", "."));
	T_CHECK(tr_dns_name_eq("a.", "A"));
	T_CHECK(tr_dns_name_eq(".", ""));
	T_CHECK(!tr_dns_name_eq("www.example.com", "www.example.co"));
	T_CHECK(!tr_dns_name_eq("a\\.", "a"));
}

static void test_rdata_errors(void)
{
	struct mb m;
	const char *why;
	static const struct { uint16_t type; uint16_t rdlen; const char *why; } cases[] = {
		{ TR_DNS_T_A, 5, "dns: A rdata length != 4" },
		{ TR_DNS_T_A, 3, "dns: A rdata length != 4" },
		{ TR_DNS_T_AAAA, 4, "dns: AAAA rdata length != 16" },
		{ TR_DNS_T_MX, 2, "dns: MX rdata truncated" },
		{ TR_DNS_T_SRV, 6, "dns: SRV rdata truncated" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mb_hdr(&m, 0, 1);
		mb_u8(&m, 0), mb_rrfix(&m, cases[i].type, cases[i].rdlen);
		for (unsigned k = 0; k < cases[i].rdlen; k++)
			mb_u8(&m, 0);
		why = NULL;
		T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
		T_CHECK_STR(why, cases[i].why);
	}
	/* CNAME whose name is shorter than rdlen, or runs past it. */
	mb_hdr(&m, 0, 1);
	mb_u8(&m, 0), mb_rrfix(&m, TR_DNS_T_CNAME, 4), mb_label(&m, 1, 'a'), mb_u8(&m, 0), mb_u8(&m, 0);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: rdata length mismatch");
	mb_hdr(&m, 0, 2);
	mb_u8(&m, 0), mb_rrfix(&m, TR_DNS_T_CNAME, 2), mb_label(&m, 1, 'a'), mb_u8(&m, 0);
	mb_u8(&m, 0), mb_rrfix(&m, 99, 0);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: name runs past rdata");
	/* SOA with 19 trailing bytes. */
	mb_hdr(&m, 0, 1);
	mb_u8(&m, 0), mb_rrfix(&m, TR_DNS_T_SOA, 21), mb_u8(&m, 0), mb_u8(&m, 0);
	for (int k = 0; k < 19; k++)
		mb_u8(&m, 0);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: SOA rdata length mismatch");
	/* TXT string running past rdata. */
	mb_hdr(&m, 0, 1);
	mb_u8(&m, 0), mb_rrfix(&m, TR_DNS_T_TXT, 3), mb_u8(&m, 5), mb_u8(&m, 'a'), mb_u8(&m, 'b');
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: TXT string runs past rdata");
	/* rdlen past the message. */
	mb_hdr(&m, 0, 1);
	mb_u8(&m, 0), mb_rrfix(&m, 99, 10), mb_u8(&m, 1);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: rdata runs past message");
	/* Unknown type: raw view kept. */
	mb_hdr(&m, 0, 1);
	mb_u8(&m, 0), mb_rrfix(&m, 99, 3), mb_put(&m, "xyz", 3);
	T_CHECK_EQ(validate(m.b, m.n, NULL), 0);
	T_CHECK_EQ(rr.type, 99);
	T_CHECK_EQ(rr.rdlen, 3);
	/* Counts larger than the records present. */
	mb_hdr(&m, 0, 3);
	mb_u8(&m, 0), mb_rrfix(&m, 99, 0);
	why = NULL;
	T_CHECK_EQ(validate(m.b, m.n, &why), -EINVAL);
	T_CHECK_STR(why, "dns: name runs past message");
}

/* Writer: build a response with every decoded type, check compression and
 * parse it back field by field. */
static void test_writer(void)
{
	static uint8_t buf[2048];
	struct tr_dns_writer w;
	struct tr_dns_header h = { .id = 0xbeef, .flags = tr_dns_make_flags(1, 0, 0, TR_DNS_F_AA | TR_DNS_F_RD) };
	static struct tr_dns_rr a;   /* large: keep off the stack */
	tr_dns_writer_init(&w, buf, sizeof(buf), &h);
	strcpy(q.name, "www.example.com");
	q.type = TR_DNS_T_A;
	q.qclass = TR_DNS_C_IN;
	T_CHECK_EQ(tr_dns_write_question(&w, &q), 0);
	size_t after_q = w.len;
	T_CHECK_EQ(after_q, 12 + 17 + 4);

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "WWW.example.com");   /* case-insensitive match */
	a.type = TR_DNS_T_CNAME, a.rclass = 1, a.ttl = 300;
	strcpy(a.u.target, "web.example.com");
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), 0);
	/* owner = pointer (2) + fixed (10) + "web" + pointer (4 + 2). */
	T_CHECK_EQ(w.len - after_q, 2 + 10 + 6);
	T_CHECK_EQ(w.buf[after_q], 0xc0);
	T_CHECK_EQ(w.buf[after_q + 1], 12);

	strcpy(a.name, "web.example.com");
	a.type = TR_DNS_T_A, a.ttl = 60;
	memcpy(a.u.a, (uint8_t[]){ 10, 77, 0, 80 }, 4);
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), 0);
	a.type = TR_DNS_T_AAAA;
	memset(a.u.aaaa, 0, 16), a.u.aaaa[0] = 0xfd, a.u.aaaa[15] = 0x53;
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), 0);
	strcpy(a.name, "example.com");
	a.type = TR_DNS_T_MX;
	a.u.mx.pref = 10;
	strcpy(a.u.mx.exchange, "mail.example.com");
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), 0);
	a.type = TR_DNS_T_TXT;
	static const uint8_t txt[] = { 3, 'o', 'n', 'e', 3, 't', 'w', 'o' };
	a.rdata = txt, a.rdlen = sizeof(txt);
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), 0);
	strcpy(a.name, "_sip._udp.example.com");
	a.type = TR_DNS_T_SRV;
	a.u.srv.priority = 1, a.u.srv.weight = 2, a.u.srv.port = 5060;
	strcpy(a.u.srv.target, "sip.example.com");
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), 0);
	/* SRV target is written uncompressed (17 bytes) after 6 fixed bytes. */
	T_CHECK_EQ(w.buf[w.len - 1], 0);
	T_CHECK_EQ(w.buf[w.len - 17], 3);
	strcpy(a.name, "example.com");
	a.type = TR_DNS_T_SOA;
	strcpy(a.u.soa.mname, "ns1.example.com");
	strcpy(a.u.soa.rname, "hostmaster.example.com");
	a.u.soa.serial = 1, a.u.soa.refresh = 2, a.u.soa.retry = 3, a.u.soa.expire = 4, a.u.soa.minimum = 5;
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_NS, &a), 0);
	strcpy(a.name, "77.10.in-addr.arpa");
	a.type = TR_DNS_T_NS;
	strcpy(a.u.target, "ns1.example.com");
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_NS, &a), 0);
	strcpy(a.name, "1.0.77.10.in-addr.arpa");
	a.type = TR_DNS_T_PTR;
	strcpy(a.u.target, "host1.example.com");
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AR, &a), 0);
	/* Going back to an earlier section or adding a question now fails. */
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), -EINVAL);
	T_CHECK_EQ(tr_dns_write_question(&w, &q), -EINVAL);
	/* A bad name fails and leaves the message as it was. */
	size_t len_before = w.len;
	strcpy(a.name, "bad..name");
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AR, &a), -EINVAL);
	T_CHECK_EQ(w.len, len_before);
	int total = tr_dns_writer_finish(&w);
	T_CHECK(total > 0);

	/* Parse back. */
	const char *why = NULL;
	struct tr_dns_msg m;
	uint8_t *g = t_guard_copy(buf, (size_t)total);
	T_CHECK_EQ(tr_dns_validate(g, (size_t)total, &q, &rr, &why), 0);
	T_CHECK_EQ(tr_dns_parse_header(&m, g, (size_t)total, &why), 0);
	T_CHECK_EQ(m.hdr.id, 0xbeef);
	T_CHECK_EQ(m.hdr.qdcount, 1);
	T_CHECK_EQ(m.hdr.ancount, 6);
	T_CHECK_EQ(m.hdr.nscount, 2);
	T_CHECK_EQ(m.hdr.arcount, 1);
	T_CHECK(m.hdr.flags & TR_DNS_F_AA);
	T_CHECK_EQ(tr_dns_next_question(&m, &q, &why), 1);
	T_CHECK_STR(q.name, "www.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "www.example.com");  /* compressed to the question's spelling */
	T_CHECK_STR(rr.u.target, "web.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.u.a[3], 80);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.u.aaaa[15], 0x53);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "example.com");
	T_CHECK_STR(rr.u.mx.exchange, "mail.example.com");
	T_CHECK_EQ(rr.rdlen, 2 + 5 + 2);    /* "mail" + pointer */
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.u.txt.count, 2);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.name, "_sip._udp.example.com");
	T_CHECK_STR(rr.u.srv.target, "sip.example.com");
	T_CHECK_EQ(rr.u.srv.port, 5060);
	T_CHECK_EQ(rr.rdlen, 6 + 17);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.section, TR_DNS_SEC_NS);
	T_CHECK_STR(rr.u.soa.mname, "ns1.example.com");
	T_CHECK_STR(rr.u.soa.rname, "hostmaster.example.com");
	T_CHECK_EQ(rr.u.soa.minimum, 5);
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_STR(rr.u.target, "ns1.example.com");
	T_CHECK_EQ(rr.rdlen, 2);            /* whole name is one pointer */
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 1);
	T_CHECK_EQ(rr.section, TR_DNS_SEC_AR);
	T_CHECK_STR(rr.name, "1.0.77.10.in-addr.arpa");
	T_CHECK_STR(rr.u.target, "host1.example.com");
	T_CHECK_EQ(tr_dns_next_rr(&m, &rr, &why), 0);
	t_guard_free(g, (size_t)total);

	/* Out of space: the record is rolled back, the message stays valid. */
	tr_dns_writer_init(&w, buf, 40, &h);
	T_CHECK_EQ(tr_dns_write_question(&w, &q), 0);
	strcpy(a.name, "www.example.com");
	a.type = TR_DNS_T_A;
	T_CHECK_EQ(tr_dns_write_rr(&w, TR_DNS_SEC_AN, &a), -ENOSPC);
	T_CHECK_EQ(tr_dns_writer_finish(&w), 33);
	T_CHECK_EQ(validate(buf, 33, NULL), 0);
	tr_dns_writer_init(&w, buf, 11, &h);
	T_CHECK_EQ(tr_dns_write_question(&w, &q), -ENOSPC);
	T_CHECK_EQ(tr_dns_writer_finish(&w), -ENOSPC);
}

/* Decode every reference message and re-encode it with the writer: the
 * result must decode to the same records, and never be longer. */
static void test_reencode(void)
{
	static const struct { const uint8_t *b; size_t n; } all[] = {
		{ v_dns_query_a, sizeof(v_dns_query_a) }, { v_dns_resp_cname_a, sizeof(v_dns_resp_cname_a) },
		{ v_dns_resp_aaaa, sizeof(v_dns_resp_aaaa) }, { v_dns_resp_mx, sizeof(v_dns_resp_mx) },
		{ v_dns_resp_txt, sizeof(v_dns_resp_txt) }, { v_dns_resp_nxdomain_soa, sizeof(v_dns_resp_nxdomain_soa) },
		{ v_dns_resp_srv, sizeof(v_dns_resp_srv) }, { v_dns_resp_ptr_ns, sizeof(v_dns_resp_ptr_ns) },
		{ v_dns_mdns_resp, sizeof(v_dns_mdns_resp) }, { v_dns_query_any_multi, sizeof(v_dns_query_any_multi) },
	};
	static uint8_t out[1024];
	static struct tr_dns_rr r2;
	static struct tr_dns_question q2;
	int same = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct tr_dns_msg m, m2;
		struct tr_dns_writer w;
		int rc;
		T_ASSERT(tr_dns_parse_header(&m, all[i].b, all[i].n, NULL) == 0);
		tr_dns_writer_init(&w, out, sizeof(out), &m.hdr);
		while ((rc = tr_dns_next_question(&m, &q, NULL)) == 1)
			T_ASSERT(tr_dns_write_question(&w, &q) == 0);
		while ((rc = tr_dns_next_rr(&m, &rr, NULL)) == 1)
			T_ASSERT(tr_dns_write_rr(&w, (enum tr_dns_section)rr.section, &rr) == 0);
		T_ASSERT(rc == 0);
		int n = tr_dns_writer_finish(&w);
		T_CHECK(n > 0 && (size_t)n <= all[i].n);
		/* Compare record by record. */
		T_ASSERT(tr_dns_parse_header(&m, all[i].b, all[i].n, NULL) == 0);
		T_ASSERT(tr_dns_parse_header(&m2, out, (size_t)n, NULL) == 0);
		int ok = m.hdr.flags == m2.hdr.flags && m.hdr.id == m2.hdr.id;
		while (tr_dns_next_question(&m, &q, NULL) == 1) {
			ok &= tr_dns_next_question(&m2, &q2, NULL) == 1;
			ok &= strcmp(q.name, q2.name) == 0 && q.type == q2.type && q.qclass == q2.qclass;
		}
		while (tr_dns_next_rr(&m, &rr, NULL) == 1) {
			ok &= tr_dns_next_rr(&m2, &r2, NULL) == 1;
			ok &= strcmp(rr.name, r2.name) == 0 && rr.type == r2.type && rr.rclass == r2.rclass &&
			      rr.ttl == r2.ttl && rr.section == r2.section;
			if (rr.type == TR_DNS_T_SOA)
				ok &= strcmp(rr.u.soa.rname, r2.u.soa.rname) == 0 && rr.u.soa.serial == r2.u.soa.serial;
			else if (rr.type == TR_DNS_T_MX)
				ok &= strcmp(rr.u.mx.exchange, r2.u.mx.exchange) == 0;
			else if (!tr_dns_type_is_decoded(rr.type) || rr.type == TR_DNS_T_A || rr.type == TR_DNS_T_AAAA)
				ok &= rr.rdlen == r2.rdlen && memcmp(rr.rdata, r2.rdata, rr.rdlen) == 0;
		}
		ok &= tr_dns_next_rr(&m2, &r2, NULL) == 0;
		same += ok;
	}
	T_CHECK_EQ(same, (int)(sizeof(all) / sizeof(all[0])));
}

int main(void)
{
	test_vectors();
	test_truncation();
	test_compression_attacks();
	test_name_lengths();
	test_rdata_errors();
	test_writer();
	test_reencode();
	return t_done();
}
