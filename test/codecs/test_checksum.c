/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Checksum: the fast path (64-bit adc and AVX2) against the byte-at-a-time
 * reference for random lengths and alignments, chaining, carry-heavy input,
 * RFC 1071 §3 example, RFC 1624 incremental updates, pseudo-headers.
 */
#include <tapring/checksum.h>
#include <tapring/wire/common.h>

#include "helpers.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

int main(void)
{
	/* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (BE), so the
	 * checksum is ~ddf2 = 220d. */
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	T_CHECK_EQ(tr_ntohs(tr_cksum(ex, sizeof(ex))), 0x220d);
	T_CHECK_EQ(tr_ntohs(tr_cksum_reference(ex, sizeof(ex))), 0x220d);
	T_CHECK_EQ(tr_cksum_raw_fold(tr_cksum_add(0, ex, sizeof(ex))), tr_htons(0xddf2));

	/* Random lengths (covering the scalar and AVX2 paths) and alignments. */
	enum { MAX = 9100 };
	static uint8_t buf[MAX + 64];
	int mismatches = 0;
	for (int iter = 0; iter < 4000; iter++) {
		size_t len = iter < 600 ? (size_t)iter : rnd() % MAX;
		size_t al = rnd() % 64;
		for (size_t i = 0; i < len; i++)
			buf[al + i] = (uint8_t)rnd();
		if (tr_cksum(buf + al, len) != tr_cksum_reference(buf + al, len))
			mismatches++;
	}
	T_CHECK_EQ(mismatches, 0);

	/* Carry-heavy input: all 0xff and all 0xfe, with odd lengths too. */
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len < 2100; len += 7)
		T_CHECK_EQ(tr_cksum(buf + 1, len), tr_cksum_reference(buf + 1, len));
	memset(buf, 0xfe, sizeof(buf));
	T_CHECK_EQ(tr_cksum(buf, MAX), tr_cksum_reference(buf, MAX));

	/* A buffer longer than the AVX2 block flush (2 MiB per block). */
	size_t big = (size_t)5 << 20;
	uint8_t *bb = malloc(big + 1);
	T_ASSERT(bb);
	for (size_t i = 0; i <= big; i++)
		bb[i] = (uint8_t)(0xff - (i & 1));
	T_CHECK_EQ(tr_cksum(bb, big + 1), tr_cksum_reference(bb, big + 1));
	free(bb);

	/* Chaining: even-length chunks then an odd tail. */
	for (size_t i = 0; i < 3000; i++)
		buf[i] = (uint8_t)rnd();
	uint32_t s = tr_cksum_add(0, buf, 100);
	s = tr_cksum_add(s, buf + 100, 1000);
	s = tr_cksum_add(s, buf + 1100, 1333);
	T_CHECK_EQ(tr_cksum_finish(s), tr_cksum_reference(buf, 2433));
	/* A long chain of sums never overflows the accumulator. */
	memset(buf, 0xff, 3000);
	s = 0;
	for (int i = 0; i < 100000; i++)
		s = tr_cksum_add(s, buf, 2);
	T_CHECK_EQ(tr_cksum_finish(s), 0);

	/* Verification property: a region including its correct checksum
	 * sums to zero. */
	for (size_t i = 0; i < 40; i++)
		buf[i] = (uint8_t)rnd();
	memset(buf + 10, 0, 2);
	tr_cksum_store(buf + 10, tr_cksum(buf, 40));
	T_CHECK_EQ(tr_cksum(buf, 40), 0);

	/* RFC 1624: incremental update equals recomputation. */
	int bad16 = 0, bad32 = 0;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 20 + 2 * (rnd() % 30);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		if (iter % 97 == 0)
			memset(buf, 0, len);    /* the 0x0000 / 0xffff corner */
		memset(buf + 10, 0, 2);
		uint16_t ck = tr_cksum(buf, len);
		tr_cksum_store(buf + 10, ck);
		size_t w = 2 * (rnd() % (len / 2));
		if (w == 10)
			w = 12;
		uint16_t oldw = tr_load_raw16(buf + w), neww = (uint16_t)rnd();
		memcpy(buf + w, &neww, 2);
		uint16_t inc = tr_cksum_update16(ck, oldw, neww);
		memset(buf + 10, 0, 2);
		uint16_t full = tr_cksum(buf, len);
		/* Both are valid encodings only if they verify; RFC 1624 eqn. 3
		 * yields the same value as recomputation except that a sum of
		 * +0 vs -0 cannot occur for nonzero data. */
		tr_cksum_store(buf + 10, inc);
		if (tr_cksum(buf, len) != 0 || (inc != full && !(inc == 0xffff && full == 0) &&
						!(inc == 0 && full == 0xffff)))
			bad16++;

		/* 32-bit field at an even offset away from the checksum. */
		size_t a = 12 + 2 * (rnd() % ((len - 16) / 2));
		memset(buf + 10, 0, 2);
		ck = tr_cksum(buf, len);
		tr_cksum_store(buf + 10, ck);
		uint32_t o32, n32 = rnd();
		memcpy(&o32, buf + a, 4);
		memcpy(buf + a, &n32, 4);
		uint16_t inc32 = tr_cksum_update32(ck, o32, n32);
		tr_cksum_store(buf + 10, inc32);
		if (tr_cksum(buf, len) != 0)
			bad32++;
	}
	T_CHECK_EQ(bad16, 0);
	T_CHECK_EQ(bad32, 0);

	/* Pseudo-headers: equal to summing the explicit RFC 768 / RFC 8200
	 * pseudo-header bytes. */
	uint8_t s4[4] = { 10, 77, 0, 1 }, d4[4] = { 10, 77, 0, 2 };
	uint8_t ph4[12];
	memcpy(ph4, s4, 4);
	memcpy(ph4 + 4, d4, 4);
	ph4[8] = 0;
	ph4[9] = 17;
	tr_store_be16(ph4 + 10, 1234);
	T_CHECK_EQ(tr_cksum_finish(tr_cksum_pseudo_ipv4(s4, d4, 17, 1234)), tr_cksum(ph4, 12));
	uint8_t s6[16], d6[16], ph6[40];
	for (int i = 0; i < 16; i++) {
		s6[i] = (uint8_t)rnd();
		d6[i] = (uint8_t)rnd();
	}
	memcpy(ph6, s6, 16);
	memcpy(ph6 + 16, d6, 16);
	tr_store_be32(ph6 + 32, 70000);
	ph6[36] = ph6[37] = ph6[38] = 0;
	ph6[39] = 58;
	T_CHECK_EQ(tr_cksum_finish(tr_cksum_pseudo_ipv6(s6, d6, 58, 70000)), tr_cksum(ph6, 40));
	return t_done();
}
