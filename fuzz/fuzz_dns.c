/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: DNS message parser, record decoder, writer and DNS over
 * TCP framing. Each input is parsed (header, questions, all records), every
 * decoded record is re-encoded with the compressing writer, and the result
 * is parsed again and compared record by record with the original. Any
 * mismatch aborts. Seeds: fuzz/corpus/dns/ (scapy-built queries/responses).
 */
#include <stdlib.h>
#include <string.h>

#include <tapring/dns.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tr_dns_question q1, q2;
static struct tr_dns_rr r1, r2;
static uint8_t out[65535];

static void check(int cond)
{
	if (!cond)
		abort();
}

static void compare_rr(const struct tr_dns_rr *a, const struct tr_dns_rr *b)
{
	check(tr_dns_name_eq(a->name, b->name));
	check(a->type == b->type && a->rclass == b->rclass && a->ttl == b->ttl && a->section == b->section);
	switch (a->type) {
	case TR_DNS_T_A:
	case TR_DNS_T_AAAA:
		check(a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0);
		break;
	case TR_DNS_T_CNAME:
	case TR_DNS_T_NS:
	case TR_DNS_T_PTR:
		check(tr_dns_name_eq(a->u.target, b->u.target));
		break;
	case TR_DNS_T_MX:
		check(a->u.mx.pref == b->u.mx.pref && tr_dns_name_eq(a->u.mx.exchange, b->u.mx.exchange));
		break;
	case TR_DNS_T_SRV:
		check(a->u.srv.port == b->u.srv.port && a->u.srv.weight == b->u.srv.weight &&
		      a->u.srv.priority == b->u.srv.priority);
		/* SRV is written uncompressed with the exact spelling. */
		check(strcmp(a->u.srv.target, b->u.srv.target) == 0);
		break;
	case TR_DNS_T_SOA:
		check(tr_dns_name_eq(a->u.soa.mname, b->u.soa.mname) &&
		      tr_dns_name_eq(a->u.soa.rname, b->u.soa.rname) &&
		      a->u.soa.serial == b->u.soa.serial && a->u.soa.minimum == b->u.soa.minimum);
		break;
	default:
		check(a->rdlen == b->rdlen && (a->rdlen == 0 || memcmp(a->rdata, b->rdata, a->rdlen) == 0));
		if (a->type == TR_DNS_T_TXT)
			check(a->u.txt.count == b->u.txt.count);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size heap copy so ASan catches any over-read. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);

	struct tr_dns_msg m, m2;
	struct tr_dns_writer w;
	const char *why = NULL;
	unsigned nq = 0, nr = 0;
	int rc;

	/* DNS over TCP framing on the raw input. */
	const uint8_t *msg;
	size_t ml;
	rc = tr_dns_tcp_frame(buf, size, &msg, &ml, &why);
	check(rc == -EAGAIN || rc == -EINVAL || (rc > 0 && (size_t)rc == ml + 2 && ml <= size - 2));

	if (tr_dns_parse_header(&m, buf, size, &why) < 0) {
		check(size < 12);
		goto out;
	}
	tr_dns_writer_init(&w, out, sizeof(out), &m.hdr);
	int wfail = 0;
	while ((rc = tr_dns_next_question(&m, &q1, &why)) == 1) {
		check(strlen(q1.name) < TR_DNS_NAME_TEXT_MAX);
		if (!wfail && tr_dns_write_question(&w, &q1) == 0)
			nq++;
		else
			wfail = 1;
	}
	if (rc == 0) {
		while ((rc = tr_dns_next_rr(&m, &r1, &why)) == 1) {
			if (r1.type == TR_DNS_T_TXT) {
				size_t off = 0, sl;
				const uint8_t *s;
				unsigned cnt = 0;
				while (tr_dns_txt_next(&r1, &off, &s, &sl) == 1)
					cnt++;
				check(cnt == r1.u.txt.count && off == r1.rdlen);
			}
			if (!wfail && tr_dns_write_rr(&w, (enum tr_dns_section)r1.section, &r1) == 0)
				nr++;
			else
				wfail = 1;
		}
	}
	check(rc <= 0);
	check(rc == 0 || why != NULL);
	/* The text-free validator agrees with the iterators. */
	{
		const char *why2 = NULL;
		int v = tr_dns_validate(buf, size, &q2, &r2, &why2);
		check(v == rc && (rc == 0 || (why2 && strcmp(why, why2) == 0)));
	}
	int n = tr_dns_writer_finish(&w);
	check(n >= 12);

	/* The re-encoded prefix must parse and match the original. */
	check(tr_dns_parse_header(&m2, out, (size_t)n, NULL) == 0);
	check(m2.hdr.qdcount == nq);
	check(tr_dns_parse_header(&m, buf, size, NULL) == 0);
	for (unsigned i = 0; i < nq; i++) {
		check(tr_dns_next_question(&m, &q1, NULL) == 1);
		check(tr_dns_next_question(&m2, &q2, NULL) == 1);
		check(tr_dns_name_eq(q1.name, q2.name) && q1.type == q2.type && q1.qclass == q2.qclass);
	}
	if (nq == m.hdr.qdcount) {
		for (unsigned i = 0; i < nr; i++) {
			check(tr_dns_next_rr(&m, &r1, NULL) == 1);
			check(tr_dns_next_rr(&m2, &r2, NULL) == 1);
			compare_rr(&r1, &r2);
		}
	}
	check(tr_dns_validate(out, (size_t)n, &q2, &r2, NULL) == 0);

	/* Name decoding from every offset of a short message never misbehaves. */
	if (size <= 512) {
		for (size_t off = 12; off < size; off++) {
			size_t o = off;
			char small[40];
			int l = tr_dns_name_decode(buf, size, &o, small, sizeof(small), NULL);
			check(l < (int)sizeof(small));
			if (l >= 0)
				check(o > off && o <= size && strlen(small) == (size_t)l);
		}
	}
out:
	free(buf);
	return 0;
}
