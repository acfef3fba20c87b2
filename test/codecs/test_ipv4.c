/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4: parse of real headers (with options, fragments, padding), round
 * trip through emit, every bounds/meaning error path with its message,
 * checksum verify/compute, setters, every truncation point.
 */
#include <tapring/checksum.h>
#include <tapring/ipv4.h>

#include "frames.h"
#include "helpers.h"

static int parse_copy(const uint8_t *p, size_t len, struct tr_ipv4_repr *r, unsigned flags,
		      const char **err)
{
	uint8_t *g = t_guard_copy(p, len);
	struct tr_ipv4_view v = { g, len };
	*err = "";
	int rc = tr_ipv4_parse(&v, r, flags, err);
	t_guard_free(g, len);
	return rc;
}

/* Copy the IPv4 header of a sample, apply a byte patch, fix the checksum. */
static void patched(uint8_t *dst, const uint8_t *ip, size_t len, size_t off, uint8_t val, bool fix)
{
	memmove(dst, ip, len);
	dst[off] = val;
	if (fix) {
		unsigned hl = (dst[0] & 15u) * 4u;
		if (hl >= 20 && hl <= len) {
			memset(dst + 10, 0, 2);
			tr_cksum_store(dst + 10, tr_cksum(dst, hl));
		}
	}
}

int main(void)
{
	const char *err = "";
	struct tr_ipv4_repr r;

	/* A header with options (RR + NOP + EOL padding) carrying TCP. */
	const uint8_t *ip = frame_ipv4_opts_tcp_syn + 14;
	size_t iplen = sizeof(frame_ipv4_opts_tcp_syn) - 14;
	T_CHECK_EQ(parse_copy(ip, iplen, &r, 0, &err), 0);
	T_CHECK_EQ(r.hdr_len, 28);
	T_CHECK_EQ(r.opt_len, 8);
	T_CHECK_EQ(r.opts[0], 7);          /* record route */
	T_CHECK_EQ(r.proto, TR_IPPROTO_TCP);
	T_CHECK_EQ(r.total_len, iplen);
	T_CHECK_EQ(r.payload_len, iplen - 28);
	T_CHECK(r.csum_ok);
	static const uint8_t a1[4] = { 10, 77, 0, 1 }, a2[4] = { 10, 77, 0, 2 };
	T_CHECK(memcmp(r.src, a1, 4) == 0 && memcmp(r.dst, a2, 4) == 0);

	/* Round trip: emit the repr and compare the header bytes. */
	uint8_t out[60];
	r.payload_len = (uint16_t)(iplen - 28);
	T_CHECK_EQ(tr_ipv4_emit_len(&r), 28);
	T_CHECK_EQ(tr_ipv4_emit(&r, out, sizeof(out)), 0);
	T_CHECK(memcmp(out, ip, 28) == 0);
	T_CHECK_EQ(tr_ipv4_emit(&r, out, 27), -ENOSPC);

	/* View getters after check. */
	{
		uint8_t *g = t_guard_copy(ip, iplen);
		struct tr_ipv4_view v = { g, iplen };
		T_CHECK_EQ(tr_ipv4_check(&v), 0);
		T_CHECK_EQ(tr_ipv4_version(&v), 4);
		T_CHECK_EQ(tr_ipv4_hdr_len(&v), 28);
		T_CHECK_EQ(tr_ipv4_payload_len(&v), iplen - 28);
		T_CHECK(tr_ipv4_payload(&v) == g + 28);
		T_CHECK(tr_ipv4_csum_ok(&v));
		/* Setters leave the checksum stale until fill_csum. */
		tr_ipv4_set_ttl(&v, 1);
		T_CHECK(!tr_ipv4_csum_ok(&v));
		T_CHECK_EQ(tr_ipv4_parse(&v, &r, 0, &err), -EBADMSG);
		T_CHECK(!r.csum_ok);
		T_CHECK_EQ(r.ttl, 1);                      /* repr filled anyway */
		T_CHECK(strncmp(err, "ipv4: bad header checksum", 25) == 0);
		T_CHECK_EQ(tr_ipv4_parse(&v, &r, TR_IPV4_PARSE_NO_CSUM, &err), 0);
		tr_ipv4_fill_csum(&v);
		T_CHECK(tr_ipv4_csum_ok(&v));
		T_CHECK_EQ(tr_ipv4_ttl(&v), 1);
		t_guard_free(g, iplen);
	}

	/* Ethernet padding past total_len is not payload. */
	const uint8_t *pip = frame_ipv4_udp_padded + 14;
	size_t plen = sizeof(frame_ipv4_udp_padded) - 14;
	T_CHECK_EQ(parse_copy(pip, plen, &r, 0, &err), 0);
	T_CHECK_EQ(r.total_len, 30);
	T_CHECK_EQ(r.payload_len, 10);
	T_CHECK(plen > 30);

	/* A later fragment: offset in bytes. */
	const uint8_t *fip = frame_ipv4_frag_later + 14;
	size_t flen = sizeof(frame_ipv4_frag_later) - 14;
	T_CHECK_EQ(parse_copy(fip, flen, &r, 0, &err), 0);
	T_CHECK_EQ(r.frag_off, 185 * 8);
	T_CHECK(!r.mf && !r.df);
	T_CHECK(tr_ipv4_is_frag(&r) && tr_ipv4_is_later_frag(&r));

	/* Every truncation point of the options header. */
	for (size_t k = 0; k < iplen; k++) {
		int rc = parse_copy(ip, k, &r, 0, &err);
		T_CHECK_EQ(rc, -EMSGSIZE);
		T_CHECK(strncmp(err, "ipv4: ", 6) == 0);
		/* With TRUNC_OK the header alone suffices. */
		rc = parse_copy(ip, k, &r, TR_IPV4_PARSE_TRUNC_OK, &err);
		T_CHECK_EQ(rc, k >= 28 ? 0 : -EMSGSIZE);
	}
	T_CHECK_EQ(parse_copy(ip, 10, &r, 0, &err), -EMSGSIZE);
	T_CHECK_STR(err, "ipv4: length < 20");

	/* Error paths with their messages. */
	uint8_t h[128];
	patched(h, ip, iplen, 0, 0x68, true);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK_STR(err, "ipv4: version != 4");
	patched(h, ip, iplen, 0, 0x43, false);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK_STR(err, "ipv4: header length < 20");
	patched(h, ip, 24, 0, 0x47, false);   /* IHL 28 > 24 bytes given */
	T_CHECK_EQ(parse_copy(h, 24, &r, 0, &err), -EMSGSIZE);
	T_CHECK_STR(err, "ipv4: header length > bytes available");
	patched(h, ip, iplen, 3, 26, true);    /* total 26 < header 28 */
	h[2] = 0;
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK_STR(err, "ipv4: total length < header length");
	patched(h, ip, iplen, 3, (uint8_t)(iplen + 1), true);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EMSGSIZE);
	T_CHECK(strstr(err, "ipv4: total length") && strstr(err, "bytes available"));
	/* fragment end beyond 65535 (ping of death) */
	patched(h, ip, iplen, 6, 0x1f, false);
	patched(h, h, iplen, 7, 0xff, true);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK(strncmp(err, "ipv4: fragment end", 18) == 0);
	/* option with length 0, length past the header, truncated type */
	patched(h, ip, iplen, 21, 0, true);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK_STR(err, "ipv4: option length invalid");
	patched(h, ip, iplen, 21, 13, true);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK_STR(err, "ipv4: option length invalid");
	/* RR (7 bytes), then a non-NOP type byte at the last position */
	patched(h, ip, iplen, 27, 0x44, true);
	T_CHECK_EQ(parse_copy(h, iplen, &r, 0, &err), -EINVAL);
	T_CHECK_STR(err, "ipv4: option truncated");

	/* Emit validation. */
	struct tr_ipv4_repr e = { .ttl = 64, .proto = 17, .payload_len = 8 };
	memcpy(e.src, a1, 4);
	memcpy(e.dst, a2, 4);
	e.opt_len = 3;                         /* padded to 4 with EOL */
	e.opts[0] = 1; e.opts[1] = 1; e.opts[2] = 1;
	e.frag_off = 1480;
	e.mf = true;
	T_CHECK_EQ(tr_ipv4_emit_len(&e), 24);
	T_CHECK_EQ(tr_ipv4_emit(&e, out, sizeof(out)), 0);
	T_CHECK_EQ(out[23], 0);
	T_CHECK_EQ(parse_copy(out, 24, &r, TR_IPV4_PARSE_TRUNC_OK, &err), 0);
	T_CHECK_EQ(r.frag_off, 1480);
	T_CHECK(r.mf);
	T_CHECK_EQ(r.total_len, 32);
	T_CHECK(r.csum_ok);
	e.frag_off = 1481;
	T_CHECK_EQ(tr_ipv4_emit(&e, out, sizeof(out)), -EINVAL);
	e.frag_off = 0;
	e.opt_len = 41;
	T_CHECK_EQ(tr_ipv4_emit(&e, out, sizeof(out)), -EINVAL);
	e.opt_len = 0;
	e.payload_len = 65535;
	T_CHECK_EQ(tr_ipv4_emit(&e, out, sizeof(out)), -EINVAL);
	return t_done();
}
