/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internet checksum (RFC 1071), pseudo-headers, RFC 1624 updates.
 *
 * The one's complement sum of 16-bit words can be accumulated in any wider
 * word size and folded at the end (RFC 1071 §2(C) "parallel summation"), and
 * it is byte-order independent (§2(B)). So the fast path adds 64-bit memory
 * loads with end-around carry (add + adc on x86-64), four independent lanes
 * unrolled, and an AVX2 path sums 16-bit lanes into 32-bit lanes for long
 * buffers. Both return a partially folded 32-bit sum in memory order.
 */
#include <tapring/checksum.h>
#include <tapring/wire/common.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TR_CKSUM_HAVE_AVX2 1
#include <immintrin.h>
#endif

/* One's complement 64-bit add: the carry out of bit 63 wraps into bit 0. */
static inline uint64_t tr__add64c(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s + (s < b);
}

static inline uint32_t tr__fold64(uint64_t acc)
{
	/* Two folds bring 64 bits to at most 0xffffffff + 1 carry, and the
	 * second fold absorbs it: the result fits in 32 bits. */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

static inline uint64_t tr__load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Sum of len bytes (any length; the tail byte is the first byte of a
 * zero-padded 16-bit word, in memory order). */
static inline uint64_t tr__sum_tail(const uint8_t *p, size_t len, uint64_t acc)
{
	while (len >= 8) {
		acc = tr__add64c(acc, tr__load64(p));
		p += 8;
		len -= 8;
	}
	/* Tail of 0..7 bytes: pieces stay at even offsets from the start, so
	 * adding them as plain integers keeps each 16-bit word in its lane. */
	if (len & 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		acc = tr__add64c(acc, v);
		p += 4;
	}
	if (len & 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		acc = tr__add64c(acc, v);
		p += 2;
	}
	if (len & 1) {
		uint16_t v = 0;
		memcpy(&v, p, 1);   /* memory order: [b, 0] */
		acc = tr__add64c(acc, v);
	}
	return acc;
}

static uint64_t tr__sum_scalar(const uint8_t *p, size_t len, uint64_t acc)
{
	uint64_t a1 = 0, a2 = 0, a3 = 0;

	/* Short buffers (headers) skip the four-lane setup and merge. */
	if (len < 64)
		return tr__sum_tail(p, len, acc);
	while (len >= 32) {
		acc = tr__add64c(acc, tr__load64(p));
		a1 = tr__add64c(a1, tr__load64(p + 8));
		a2 = tr__add64c(a2, tr__load64(p + 16));
		a3 = tr__add64c(a3, tr__load64(p + 24));
		p += 32;
		len -= 32;
	}
	acc = tr__add64c(acc, a1);
	a2 = tr__add64c(a2, a3);
	acc = tr__add64c(acc, a2);
	return tr__sum_tail(p, len, acc);
}

#ifdef TR_CKSUM_HAVE_AVX2
/* 64 bytes per iteration: each 32-bit lane gets its low and high 16-bit
 * word added into separate accumulators. A lane grows by at most 0xffff
 * per iteration, so 0xffff iterations (4 MiB) cannot overflow it; the block
 * loop flushes into the 64-bit sum well before that. */
__attribute__((target("avx2")))
static uint64_t tr__sum_avx2(const uint8_t *p, size_t len, uint64_t acc)
{
	const __m256i lo_mask = _mm256_set1_epi32(0xffff);

	while (len >= 64) {
		size_t blocks = len / 64;
		if (blocks > 32768)
			blocks = 32768;
		__m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
		__m256i s2 = _mm256_setzero_si256(), s3 = _mm256_setzero_si256();
		for (size_t i = 0; i < blocks; i++) {
			__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
			__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
			s0 = _mm256_add_epi32(s0, _mm256_and_si256(v0, lo_mask));
			s1 = _mm256_add_epi32(s1, _mm256_srli_epi32(v0, 16));
			s2 = _mm256_add_epi32(s2, _mm256_and_si256(v1, lo_mask));
			s3 = _mm256_add_epi32(s3, _mm256_srli_epi32(v1, 16));
			p += 64;
		}
		len -= blocks * 64;
		/* Widen the 32-bit lanes to 64 bits before combining them. */
		__m256i w = _mm256_add_epi64(
			_mm256_add_epi64(_mm256_unpacklo_epi32(s0, _mm256_setzero_si256()),
					 _mm256_unpackhi_epi32(s0, _mm256_setzero_si256())),
			_mm256_add_epi64(_mm256_unpacklo_epi32(s1, _mm256_setzero_si256()),
					 _mm256_unpackhi_epi32(s1, _mm256_setzero_si256())));
		w = _mm256_add_epi64(w, _mm256_add_epi64(
			_mm256_add_epi64(_mm256_unpacklo_epi32(s2, _mm256_setzero_si256()),
					 _mm256_unpackhi_epi32(s2, _mm256_setzero_si256())),
			_mm256_add_epi64(_mm256_unpacklo_epi32(s3, _mm256_setzero_si256()),
					 _mm256_unpackhi_epi32(s3, _mm256_setzero_si256()))));
		__m128i h = _mm_add_epi64(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
		uint64_t t = (uint64_t)_mm_cvtsi128_si64(h) + (uint64_t)_mm_extract_epi64(h, 1);
		/* t < 2^37: no 64-bit overflow; add it with end-around carry. */
		acc = tr__add64c(acc, t);
	}
	return tr__sum_scalar(p, len, acc);
}
#endif

uint32_t tr_cksum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
#ifdef TR_CKSUM_HAVE_AVX2
	/* Below ~256 bytes the scalar adc chain wins over the vector setup and
	 * the horizontal reduction. */
	/* __builtin_cpu_supports reads the CPU model that libgcc/compiler-rt
	 * fill in from a load-time constructor: one load and a test. */
	if (len >= 256 && __builtin_cpu_supports("avx2"))
		return tr__fold64(tr__sum_avx2(p, len, sum));
#endif
	return tr__fold64(tr__sum_scalar(p, len, sum));
}

uint32_t tr_cksum_pseudo_ipv4(const uint8_t src[4], const uint8_t dst[4],
			      uint8_t proto, uint32_t l4len)
{
	uint32_t s = 0;
	s += tr_load_raw16(src) + tr_load_raw16(src + 2);
	s += tr_load_raw16(dst) + tr_load_raw16(dst + 2);
	s += tr_htons(proto);
	s += tr_htons((uint16_t)(l4len >> 16));   /* 0 for any valid IPv4 length */
	s += tr_htons((uint16_t)l4len);
	return s;
}

uint32_t tr_cksum_pseudo_ipv6(const uint8_t src[16], const uint8_t dst[16],
			      uint8_t next_header, uint32_t l4len)
{
	uint32_t s = 0;
	for (int i = 0; i < 16; i += 2)
		s += tr_load_raw16(src + i) + tr_load_raw16(dst + i);
	s += tr_htons((uint16_t)(l4len >> 16));
	s += tr_htons((uint16_t)l4len);
	s += tr_htons(next_header);
	return s;   /* at most 35 words of 0xffff: fits in 32 bits */
}

uint16_t tr_cksum_update16(uint16_t old_cksum, uint16_t old_word, uint16_t new_word)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
	uint32_t s = (uint32_t)(uint16_t)~old_cksum + (uint16_t)~old_word + new_word;
	return tr_cksum_finish(s);
}

uint16_t tr_cksum_update32(uint16_t old_cksum, uint32_t old_val, uint32_t new_val)
{
	uint32_t s = (uint32_t)(uint16_t)~old_cksum;
	s += (uint16_t)~(uint16_t)old_val + (uint16_t)~(uint16_t)(old_val >> 16);
	s += (uint16_t)new_val + (uint16_t)(new_val >> 16);
	return tr_cksum_finish(s);
}

uint16_t tr_cksum_reference(const void *buf, size_t len)
{
	/* Straight RFC 1071 over big-endian words, converted to memory order
	 * at the end: independent of the fast path's tricks. */
	const uint8_t *p = buf;
	uint32_t s = 0;
	size_t i;
	for (i = 0; i + 1 < len; i += 2) {
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
		s = (s & 0xffff) + (s >> 16);
	}
	if (i < len) {
		s += (uint32_t)p[i] << 8;
		s = (s & 0xffff) + (s >> 16);
	}
	s = (s & 0xffff) + (s >> 16);
	return tr_htons((uint16_t)~s);
}
