/* The IPv4 header check, written once (tr__ipv4_hdr_bad in ipv4.h), gives
 * the same verdict through every path that uses it: for each rejection
 * reason a crafted Ethernet+IPv4 frame goes through
 *   1. tr__ipv4_hdr_bad itself (the reason),
 *   2. tr_ipv4_check (-EMSGSIZE for the length reasons it covers),
 *   3. tr_ipv4_parse (errno and static reason),
 *   4. tr_decode (the inlined fast path must refuse it, so the general path
 *      reports parse's reason),
 *   5. the stack's input (the drop and its counter: ip4.bad_version or
 *      ip4.bad_len; the counter moves by exactly one).
 * A header with the reserved flag set is accepted by all five (the doc in
 * ipv4.h says why), and the fast path's repr equals parse's. Inputs end at
 * a PROT_NONE page. */
#include "fake.h"

#include <tapring/decode.h>

static uint8_t payload[56];

/* An echo request to FK_IP1 with a valid header: 14 + 20 + 8 + 56 bytes. */
static uint32_t base(uint8_t *out)
{
	uint8_t l4[128];
	uint32_t n = fk_icmp4_echo_l4(l4, TR_ICMP_ECHO_REQUEST, 0x4242, 7, payload, sizeof(payload));
	return fk_ip4(out, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_ICMP, l4, n, 0x1234, 0, false);
}

/* Refresh the header checksum when the header is whole in the frame, so
 * the reason under test is the only thing wrong. */
static void fix_csum(uint8_t *f, uint32_t n)
{
	uint8_t *ip = f + 14;
	unsigned hl = (ip[0] & 15u) * 4u;
	if (n >= 14 + 20 && hl >= 20 && hl <= n - 14) {
		struct tr_ipv4_view v = { ip, n - 14 };
		tr_ipv4_fill_csum(&v);
	}
}

struct rcase {
	const char *name;
	uint32_t cut;          /* frame length, 0: whole */
	int ver_ihl;           /* byte 0, -1: keep */
	int totlen;            /* -1: keep */
	int frag;              /* flags + offset word, -1: keep */
	enum tr__ipv4_bad bad;
	int rc;                /* tr_ipv4_parse */
	const char *why;
	bool version;          /* stack counter ip4.bad_version, else ip4.bad_len */
};

static const struct rcase cases[] = {
	{ "short", 14 + 19, -1, -1, -1, TR__IPV4_SHORT, -EMSGSIZE, "ipv4: length < 20", false },
	{ "version", 0, 0x65, -1, -1, TR__IPV4_VERSION, -EINVAL, "ipv4: version != 4", true },
	{ "ihl", 0, 0x44, -1, -1, TR__IPV4_IHL, -EINVAL, "ipv4: header length < 20", false },
	{ "hdr_cut", 14 + 40, 0x4f, -1, -1, TR__IPV4_HDR_CUT, -EMSGSIZE,
	  "ipv4: header length > bytes available", false },
	{ "totlen", 0, -1, 19, -1, TR__IPV4_TOTLEN, -EINVAL, "ipv4: total length < header length", false },
	{ "totlen_cut", 0, -1, 200, -1, TR__IPV4_TOTLEN_CUT, -EMSGSIZE,
	  "ipv4: total length > bytes available", false },
	/* offset 8191 * 8 = 65528, + 84 bytes of datagram > 65535 */
	{ "frag_end", 0, -1, -1, 0x1fff, TR__IPV4_FRAG_END, -EINVAL, "ipv4: fragment end > 65535", false },
};

static uint32_t build(uint8_t *f, const struct rcase *c)
{
	uint32_t n = base(f);
	uint8_t *ip = f + 14;
	if (c->ver_ihl >= 0)
		ip[0] = (uint8_t)c->ver_ihl;
	if (c->totlen >= 0)
		tr_store_be16(ip + TR_IPV4_OFF_TOTLEN, (uint16_t)c->totlen);
	if (c->frag >= 0)
		tr_store_be16(ip + TR_IPV4_OFF_FRAG, (uint16_t)c->frag);
	if (c->cut)
		n = c->cut;
	fix_csum(f, n);
	return n;
}

static void one_reason(struct fake *f, const struct rcase *c)
{
	uint8_t fr[256];
	uint32_t n = build(fr, c);
	uint8_t *g = t_guard_copy(fr, n);
	const uint8_t *ip = g + 14;
	size_t iplen = n - 14;
	fprintf(stderr, "case %s\n", c->name);

	/* 1. the shared check */
	T_CHECK_EQ(tr__ipv4_hdr_bad(ip, iplen, TR__IPV4_CHK_VERSION | TR__IPV4_CHK_FRAG), c->bad);

	/* 2. the view check covers the length reasons, not version or
	 * fragment end (those are meaning, checked by parse) */
	struct tr_ipv4_view v = tr_ipv4_view_of(ip, iplen);
	bool len_reason = c->bad != TR__IPV4_VERSION && c->bad != TR__IPV4_FRAG_END;
	T_CHECK_EQ(tr_ipv4_check(&v), len_reason ? -EMSGSIZE : 0);

	/* 3. parse */
	struct tr_ipv4_repr r;
	const char *why = NULL;
	T_CHECK_EQ(tr_ipv4_parse(&v, &r, 0, &why), c->rc);
	T_CHECK(why != NULL);
	if (why)
		T_CHECK_STR(why, c->why);

	/* 4. the decoder: IPv4 absent, parse's reason */
	struct tr_decoded d;
	T_CHECK_EQ(tr_decode(g, n, n, &d), -EINVAL);
	T_CHECK_EQ(d.layers & (TR_DEC_IPV4 | TR_DEC_ERROR), TR_DEC_ERROR);
	T_CHECK_STR(d.error, c->why);

	/* 5. the stack: the drop and exactly one count under its name */
	const char *cnt = c->version ? "ip4.bad_version" : "ip4.bad_len";
	uint64_t before = fk_cnt(f, cnt);
	uint32_t act = fk_input_guard(f, fr, n);
	if (c->version)
		T_CHECK(FK_IS_DROP(act, IP4_BAD_VERSION));
	else
		T_CHECK(FK_IS_DROP(act, IP4_BAD_LEN));
	T_CHECK_EQ(fk_cnt(f, cnt), before + 1);
	t_guard_free(g, n);
}

/* The reserved flag: accepted everywhere, and the fast path (0x45, not a
 * fragment, whole) fills the repr exactly as parse does. */
static void reserved_flag(struct fake *f)
{
	uint8_t fr[256];
	uint32_t n = base(fr);
	tr_store_be16(fr + 14 + TR_IPV4_OFF_FRAG, TR_IPV4_FLAG_RF | TR_IPV4_FLAG_DF);
	fix_csum(fr, n);
	uint8_t *g = t_guard_copy(fr, n);
	const uint8_t *ip = g + 14;

	T_CHECK_EQ(tr__ipv4_hdr_bad(ip, n - 14, TR__IPV4_CHK_VERSION | TR__IPV4_CHK_FRAG), TR__IPV4_OK);
	struct tr_ipv4_view v = tr_ipv4_view_of(ip, n - 14);
	T_CHECK_EQ(tr_ipv4_check(&v), 0);
	struct tr_ipv4_repr r;
	const char *why = NULL;
	T_CHECK_EQ(tr_ipv4_parse(&v, &r, 0, &why), 0);
	T_CHECK(r.df && !r.mf && r.frag_off == 0 && r.csum_ok);

	struct tr_decoded d;
	T_CHECK_EQ(tr_decode(g, n, n, &d), 0);
	T_CHECK_STR(d.error, "");
	T_CHECK((d.layers & (TR_DEC_IPV4 | TR_DEC_ICMP)) == (TR_DEC_IPV4 | TR_DEC_ICMP));
	const struct tr_ipv4_repr *q = &d.ipv4.r;
	T_CHECK(memcmp(q->src, r.src, 4) == 0 && memcmp(q->dst, r.dst, 4) == 0);
	T_CHECK(q->proto == r.proto && q->ttl == r.ttl && q->tos == r.tos && q->df == r.df &&
		q->mf == r.mf && q->csum_ok == r.csum_ok && q->hdr_len == r.hdr_len &&
		q->opt_len == r.opt_len && q->id == r.id && q->frag_off == r.frag_off &&
		q->total_len == r.total_len && q->payload_len == r.payload_len);

	T_CHECK_EQ(fk_input_guard(f, fr, n), TR_ACT_TX);   /* the echo is answered */
	t_guard_free(g, n);
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 5 + 3);
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 0);
	fk_start(&f);

	/* the unmodified frame passes everywhere (so each case's only fault
	 * is the one it names) */
	uint8_t fr[256];
	uint32_t n = base(fr);
	T_CHECK_EQ(tr__ipv4_hdr_bad(fr + 14, n - 14, TR__IPV4_CHK_VERSION | TR__IPV4_CHK_FRAG), TR__IPV4_OK);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one_reason(&f, &cases[i]);
	reserved_flag(&f);

	/* trunc_ok: a capture cut inside the datagram is not a length error
	 * for parse (the decoder's snaplen case), only for the stack */
	T_CHECK_EQ(tr__ipv4_hdr_bad(fr + 14, 40, TR__IPV4_CHK_TRUNC_OK), TR__IPV4_OK);
	T_CHECK_EQ(tr__ipv4_hdr_bad(fr + 14, 40, 0), TR__IPV4_TOTLEN_CUT);

	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
