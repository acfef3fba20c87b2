/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user-space build of the steering hash: flow_hash.h, the very source
 * the kernel program runs, over a frame in memory. Every read goes through
 * fh_load's bounds check (written so it cannot overflow), which plays the
 * part bpf_skb_load_bytes() plays in the kernel.
 */
#include <stdint.h>
#include <string.h>

#include <linux/types.h>

#include <tapring/ebpf.h>

struct fh_buf {
	const uint8_t *p;
	size_t len;
};

static inline int fh_load(const struct fh_buf *b, __u32 off, void *to, __u32 n)
{
	if (off > b->len || n > b->len - off)
		return -1;
	memcpy(to, b->p + off, n);
	return 0;
}

#define TR_FH_CTX const struct fh_buf *
#define TR_FH_INLINE inline
#define tr_fh_load fh_load
#include "flow_hash.h"

uint32_t tr_steer_hash(const void *frame, size_t len)
{
	struct fh_buf b = { frame, frame ? len : 0 };
	struct tr_flow f;

	if (tr_flow_parse(&b, &f) != 0)
		return 0;
	return tr_flow_hash(&f);
}

unsigned tr_steer_queue(const void *frame, size_t len, unsigned nqueues)
{
	if (nqueues == 0)
		return 0;
	/* the TUN driver keeps the program's result as a u16 */
	return (unsigned)(uint16_t)tr_steer_hash(frame, len) % nqueues;
}
