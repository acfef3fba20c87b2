/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the whole-frame decoder and the classifier.
 *
 * The input is copied into an exact-size heap buffer so ASan catches any
 * read past the frame. Each input is decoded twice: as a complete frame and
 * as a snaplen-cut capture of a longer frame. Invariants that must hold for
 * any input are checked and trap when broken.
 */
#include <stdlib.h>
#include <string.h>

#include <tapring/decode.h>

static struct tr_decoded d;

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void invariants(int rc, size_t caplen)
{
	check((rc == 0) == !(d.layers & TR_DEC_ERROR));
	check(d.error != NULL);   /* a static reason, "" when none */
	check((rc == 0) == (d.error[0] == '\0'));
	check(d.payload_off <= caplen && d.payload_len <= caplen - d.payload_off);
	if (d.layers & TR_DEC_IPV4)
		check(d.ipv4.off + (size_t)d.ipv4.r.hdr_len <= caplen);
	if (d.layers & TR_DEC_IPV6)
		check(d.ipv6.off + (size_t)d.ipv6.r.hdr_len <= caplen);
	if (d.layers & TR_DEC_TCP)
		check(d.tcp.off + (size_t)d.tcp.hdr_len <= caplen);
	if (d.layers & TR_DEC_UDP)
		check(d.udp.off + 8u <= caplen);
	if (d.layers & TR_DEC_DNS)
		check(d.dns.off + (size_t)d.dns.len <= caplen);
	if (d.layers & (TR_DEC_TCP | TR_DEC_UDP | TR_DEC_ICMP | TR_DEC_ICMP6))
		check(d.layers & (TR_DEC_IPV4 | TR_DEC_IPV6));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);

	int rc = tr_decode(buf, size, size, &d);
	invariants(rc, size);
	rc = tr_decode(buf, size, size + 1500, &d);
	invariants(rc, size);
	check(d.layers & TR_DEC_TRUNC);

	struct tr_classify c;
	uint32_t pt = tr_classify(buf, size, &c);
	check(pt == c.ptype);
	check(c.l2_len <= size);
	if (c.l4_off && !(pt & TR_PT_TRUNC))
		check((size_t)c.l4_off + c.l4_len <= size);
	free(buf);
	return 0;
}
