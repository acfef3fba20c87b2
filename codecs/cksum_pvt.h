/* SPDX-License-Identifier: BSD-2-Clause */
/* Checksum helper shared by the codecs with a checksum field (private,
 * never installed). */
#ifndef TAPRING_CODECS_CKSUM_PVT_H
#define TAPRING_CODECS_CKSUM_PVT_H

#include <tapring/checksum.h>

/* Internal: the Internet checksum of buf[0..len) added to sum (a
 * pseudo-header's, or 0), with the 16-bit checksum field at cksum_off
 * taken as zero, folded and complemented: what the field must hold.
 * len >= cksum_off + 2 (the callers' views are checked). */
static inline uint16_t tr__cksum_skip(uint32_t sum, const uint8_t *buf, size_t len, size_t cksum_off)
{
	sum = tr_cksum_add(sum, buf, cksum_off);
	sum = tr_cksum_add(sum, buf + cksum_off + 2, len - cksum_off - 2);
	return tr_cksum_finish(sum);
}

#endif /* TAPRING_CODECS_CKSUM_PVT_H */
