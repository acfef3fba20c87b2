/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the steering hash's parser in user space (the same
 * engine/bpf/flow_hash.h the kernel program is built from) and the
 * blocklist rule parser.
 *
 * The input is copied into an exact-size heap buffer so ASan catches any
 * read past the frame, and hashed whole and at every cut of its first
 * 128 bytes. Invariants that trap when broken:
 *   - the queue is below the queue count;
 *   - symmetry: for an untagged IPv4 (IHL 5, not a fragment) or IPv6
 *     (no extension header) TCP/UDP/SCTP frame, swapping the addresses
 *     and the ports gives the same hash;
 *   - a rule that parses formats to text that parses to the same rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/ebpf.h>

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void swap(uint8_t *p, size_t a, size_t b, size_t n)
{
	uint8_t t[16];
	memcpy(t, p + a, n);
	memmove(p + a, p + b, n);
	memcpy(p + b, t, n);
}

static void symmetry(const uint8_t *frame, size_t len, uint32_t h)
{
	size_t l4, alen, aoff;
	uint8_t proto;

	if (len < 14)
		return;
	if (frame[12] == 0x08 && frame[13] == 0x00) {
		if (len < 34 || frame[14] != 0x45 || ((frame[20] << 8 | frame[21]) & 0x3fff))
			return;
		proto = frame[23];
		aoff = 26;
		alen = 4;
		l4 = 34;
	} else if (frame[12] == 0x86 && frame[13] == 0xdd) {
		if (len < 54 || (frame[14] >> 4) != 6)
			return;
		proto = frame[20];
		aoff = 22;
		alen = 16;
		l4 = 54;
	} else {
		return;
	}
	if ((proto != 6 && proto != 17 && proto != 132) || len < l4 + 4)
		return;
	uint8_t *c = malloc(len);
	if (!c)
		return;
	memcpy(c, frame, len);
	swap(c, aoff, aoff + alen, alen);
	swap(c, l4, l4 + 2, 2);
	check(tr_steer_hash(c, len) == h);
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	uint32_t h = tr_steer_hash(buf, size);
	for (unsigned nq = 1; nq <= 4; nq++)
		check(tr_steer_queue(buf, size, nq) < nq);
	symmetry(buf, size, h);
	for (size_t cut = 0; cut < size && cut < 128; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		if (!p)
			break;
		memcpy(p, data, cut);
		(void)tr_steer_hash(p, cut);
		free(p);
	}
	free(buf);

	if (size < 96) {
		char text[96], out[96];
		struct tr_block_rule r, r2;

		memcpy(text, data, size);
		text[size] = '\0';
		if (tr_block_rule_parse(text, &r, out, sizeof(out)) == 0) {
			check(r.kind != TR_BLOCK_SRC4 || r.prefix <= 32);
			check(r.kind != TR_BLOCK_SRC6 || r.prefix <= 128);
			check((r.kind != TR_BLOCK_UDP && r.kind != TR_BLOCK_TCP) || r.port != 0);
			check(tr_block_rule_format(&r, out, sizeof(out)) < (int)sizeof(out));
			check(tr_block_rule_parse(out, &r2, NULL, 0) == 0);
			check(memcmp(&r, &r2, sizeof(r)) == 0);
		}
	}
	return 0;
}
