/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS responder (UDP) answering A and AAAA from the hosts table.
 *
 * The answer is written in place over the query (same buffer, same
 * question bytes re-encoded at the same offset, answers appended with a
 * compression pointer to the question name), then sent back with
 * tr_udp_reply(). Responses never exceed 512 bytes (RFC 1035 4.2.1; EDNS is
 * not negotiated) and carry at most TR_DNS_MAX_ANSWERS addresses.
 *
 *   QR=1 in the "query"            drop, "dns.malformed" (never answer answers)
 *   shorter than a header          drop, "dns.malformed"
 *   opcode != QUERY                NOTIMP, header only ("dns.notimp")
 *   qdcount != 1 / bad question    FORMERR, header only ("dns.formerr")
 *   class not IN/ANY               REFUSED, question echoed
 *   name unknown                   NXDOMAIN, question echoed ("dns.nxdomain")
 *   name known, A/AAAA             NOERROR + answers ("dns.answered")
 *   name known, other type         NOERROR, no answers (NODATA)
 *   answer does not fit            header only with TC set
 */
#include <tapring/dns.h>

#include "stack_pvt.h"

#define TR_DNS_MAX_ANSWERS 8
#define TR_DNS_UDP_MAX 512u
#define TR_DNS_TTL 60

static uint32_t dns_header_only(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m,
				const struct tr_dns_header *q, unsigned rcode, uint16_t bits)
{
	uint8_t *p = m->payload;
	uint16_t flags = tr_dns_make_flags(1, tr_dns_opcode(q), rcode, (q->flags & TR_DNS_F_RD) | bits);
	tr_store_be16(p + TR_DNS_OFF_FLAGS, flags);
	memset(p + TR_DNS_OFF_QDCOUNT, 0, 8);
	return tr_udp_reply(s, b, m, TR_DNS_HDR_LEN);
}

uint32_t tr__dns_input(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	struct tr_dns_msg msg;
	if (m->len < TR_DNS_HDR_LEN || tr_dns_parse_header(&msg, m->payload, m->len, NULL) != 0)
		return TR_DROP(s, DNS_MALFORMED);
	const struct tr_dns_header *qh = &msg.hdr;
	if (tr_dns_qr(qh))
		return TR_DROP(s, DNS_MALFORMED);

	uint32_t act;
	if (tr_dns_opcode(qh) != TR_DNS_OP_QUERY) {
		TR_CNT(s, DNS_NOTIMP);
		act = dns_header_only(s, b, m, qh, TR_DNS_RC_NOTIMP, 0);
		goto out;
	}
	struct tr_dns_question q;
	if (qh->qdcount != 1 || tr_dns_next_question(&msg, &q, NULL) != 1) {
		TR_CNT(s, DNS_FORMERR);
		act = dns_header_only(s, b, m, qh, TR_DNS_RC_FORMERR, 0);
		goto out;
	}

	unsigned rcode = TR_DNS_RC_NOERROR;
	uint8_t addrs[TR_DNS_MAX_ANSWERS * 16];
	int n = 0;
	int fam = q.type == TR_DNS_T_A ? 4 : q.type == TR_DNS_T_AAAA ? 6 : 0;
	if (q.qclass != TR_DNS_C_IN && q.qclass != TR_DNS_C_ANY) {
		rcode = TR_DNS_RC_REFUSED;
	} else {
		n = tr__hosts_lookup(&s->h->hosts, q.name, strlen(q.name), fam ? fam : 4,
				     addrs, TR_DNS_MAX_ANSWERS);
		if (n < 0) {
			rcode = TR_DNS_RC_NXDOMAIN;
			n = 0;
		} else if (!fam) {
			n = 0;  /* NODATA */
		}
	}

	/* Rewrite in place: header, the same question, then the answers. */
	size_t room = tr__room(s, b) - (size_t)(m->payload - b->data);
	size_t cap = room < TR_DNS_UDP_MAX ? room : TR_DNS_UDP_MAX;
	struct tr_dns_header rh = {
		.id = qh->id,
		.flags = tr_dns_make_flags(1, TR_DNS_OP_QUERY, rcode,
					   TR_DNS_F_AA | (qh->flags & TR_DNS_F_RD)),
	};
	struct tr_dns_writer w;
	tr_dns_writer_init(&w, m->payload, cap, &rh);
	int wrc = tr_dns_write_question(&w, &q);
	for (int i = 0; i < n && wrc == 0; i++) {
		struct tr_dns_rr rr;
		memcpy(rr.name, q.name, strlen(q.name) + 1);
		rr.type = q.type;
		rr.rclass = TR_DNS_C_IN;
		rr.ttl = TR_DNS_TTL;
		rr.rdata = NULL;
		rr.rdlen = 0;
		if (fam == 4)
			memcpy(rr.u.a, addrs + i * 4, 4);
		else
			memcpy(rr.u.aaaa, addrs + i * 16, 16);
		wrc = tr_dns_write_rr(&w, TR_DNS_SEC_AN, &rr);
	}
	/* write_rr failures are not sticky in the writer: check each. */
	int len = wrc ? wrc : tr_dns_writer_finish(&w);
	if (len < 0) {
		/* The answer does not fit the buffer (or 512 bytes): a header
		 * with TC set tells the client it was truncated (RFC 1035
		 * 4.1.1). */
		act = dns_header_only(s, b, m, qh, rcode, TR_DNS_F_TC | TR_DNS_F_AA);
		goto out;
	}
	if (rcode == TR_DNS_RC_NXDOMAIN)
		TR_CNT(s, DNS_NXDOMAIN);
	else if (rcode == TR_DNS_RC_NOERROR)
		TR_CNT(s, DNS_ANSWERED);
	act = tr_udp_reply(s, b, m, (uint32_t)len);
out:
	if (TR_ACT_KIND(act) == TR_ACT_KIND_DROP)
		s->cnt[TR_ACT_REASON(act)]++;
	return act;
}
