/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the link layers (<tapring/link.h>) and the whole-frame
 * decoder started from each link type (tr_decode_link).
 *
 * The first input byte picks the link type from the table below (the seeds
 * in corpus/link/ were written by test/data/gen_link.py with the same
 * table); the rest is the frame, copied into an exact-size heap buffer so
 * ASan catches any read past it. Each frame is decoded whole and as a
 * snaplen cut, and a parsed SLL/SLL2/NULL/LOOP header must survive
 * emit -> parse unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include <tapring/decode.h>
#include <tapring/link.h>

static const uint32_t dlts[] = { 1, 113, 276, 0, 108, 12, 101, 228, 229, 147 };
static struct tr_decoded d;

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void invariants(int rc, uint32_t dlt, size_t caplen)
{
	check((rc == 0) == !(d.layers & TR_DEC_ERROR));
	check(d.error != NULL);   /* a static reason, "" when none */
	check((rc == 0) == (d.error[0] == '\0'));
	check(d.dlt == dlt);
	check(d.payload_off <= caplen && d.payload_len <= caplen - d.payload_off);
	if (d.layers & TR_DEC_LINK) {
		check(dlt != 1 && !(d.layers & TR_DEC_ETH));
		check(d.link.r.hdr_len <= caplen);
	}
	if (!tr_link_supported(dlt))
		check(d.layers == TR_DEC_ERROR || d.layers == (TR_DEC_ERROR | TR_DEC_TRUNC));
	if (d.layers & TR_DEC_IPV4)
		check(d.ipv4.off + (size_t)d.ipv4.r.hdr_len <= caplen);
	if (d.layers & TR_DEC_IPV6)
		check(d.ipv6.off + (size_t)d.ipv6.r.hdr_len <= caplen);
	if (d.layers & TR_DEC_UDP)
		check(d.udp.off + 8u <= caplen);
	if (d.layers & TR_DEC_TCP)
		check(d.tcp.off + (size_t)d.tcp.hdr_len <= caplen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint32_t dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	size--;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size);

	int rc = tr_decode_link(dlt, buf, size, size, &d);
	invariants(rc, dlt, size);
	rc = tr_decode_link(dlt, buf, size, size + 1500, &d);
	invariants(rc, dlt, size);

	struct tr_link_repr r, r2;
	if (dlt != 1 && tr_link_parse(dlt, buf, size, &r, NULL) == 0) {
		int n = tr_link_emit_len(dlt);
		check(n >= 0 && (size_t)n == r.hdr_len);
		uint8_t hdr[32];
		check(tr_link_emit(&r, hdr, sizeof(hdr)) == n);
		if (n > 0) {
			/* The emitted header parses back to the same repr (the
			 * address bytes past halen are zeroed by emit). A
			 * NULL/LOOP family with both halves nonzero is no AF
			 * value; the byte-order guess cannot round-trip it. */
			check(tr_link_parse(dlt, hdr, (size_t)n, &r2, NULL) == 0);
			check(r2.pkttype == r.pkttype && r2.hatype == r.hatype && r2.halen == r.halen &&
			      r2.proto == r.proto && r2.ifindex == r.ifindex &&
			      (r2.family == r.family || r.family > 0xffff));
		}
	}
	free(buf);
	return 0;
}
