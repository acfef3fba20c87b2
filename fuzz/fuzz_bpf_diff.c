/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Differential fuzzer: random *valid* cBPF program x random packet, our
 * verdict (JIT and interpreter) must equal libpcap's bpf_filter() (abort on
 * mismatch).
 * Input: [n (1 byte)] [n * 8 bytes: code le16, jt, jf, k le32] [packet...].
 * Each instruction is first "sanitized" into the valid set (unknown opcode
 * -> one from the table, jumps wrapped into range, scratch index mod 16,
 * constant divisor 0 -> 1, constant shift mod 32, last one -> ret), so most
 * inputs are valid programs; programs that are already valid (such as the
 * seeds, compiled from pcap expressions) pass through unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <tapring/filter.h>

/*
 * The executor and validator are compiled into this target (instead of
 * taken from libtapring.a) so libFuzzer's coverage instrumentation sees
 * them; the archive's copies are then never pulled in by the linker.
 */
#include "../engine/filter/bpf.c"
#include "../engine/filter/bpf_jit.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t codes[] = {
	0x06, 0x16, 0x20, 0x28, 0x30, 0x80, 0x81, 0x40, 0x48, 0x50, 0xb1, 0x00, 0x01,
	0x60, 0x61, 0x02, 0x03, 0x05, 0x25, 0x35, 0x15, 0x45, 0x2d, 0x3d, 0x1d, 0x4d,
	0x04, 0x14, 0x24, 0x34, 0x94, 0x54, 0x44, 0xa4, 0x64, 0x74,
	0x0c, 0x1c, 0x2c, 0x3c, 0x9c, 0x5c, 0x4c, 0xac, 0x6c, 0x7c, 0x84, 0x07, 0x87,
};

static int known(uint16_t c)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i] == c)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_bpf_insn insns[256];
	char err[128];
	int rc;

	if (size < 1)
		return 0;
	unsigned n = data[0];
	if (size < 1 + (size_t)n * 8)
		n = (unsigned)((size - 1) / 8);
	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *b = data + 1 + i * 8;
		struct tr_bpf_insn *f = &insns[i];
		unsigned left = n - i - 1;
		f->code = (uint16_t)(b[0] | b[1] << 8);
		f->jt = b[2];
		f->jf = b[3];
		f->k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
		if (!known(f->code))
			f->code = codes[f->code % (sizeof(codes) / sizeof(codes[0]))];
		if (i == n - 1 && (f->code & 7) != 6)
			f->code = (f->k & 1) ? 0x16 : 0x06;
		if ((f->code & 7) == 5) {
			if (left == 0) {
				f->code = 0x06;
			} else if (f->code == 0x05) {
				f->k %= left;
			} else {
				f->jt = (uint8_t)(f->jt % left);
				f->jf = (uint8_t)(f->jf % left);
			}
		}
		if (f->code == 0x60 || f->code == 0x61 || f->code == 0x02 || f->code == 0x03)
			f->k &= 15;
		if ((f->code == 0x34 || f->code == 0x94) && f->k == 0)
			f->k = 1;
		if (f->code == 0x64 || f->code == 0x74)
			f->k &= 31;
	}
	rc = tr_bpf_validate(insns, n, err, sizeof(err));
	if (rc != 0)
		return 0;   /* e.g. scratch load before store */
	if (bpf_validate((const struct bpf_insn *)(const void *)insns, (int)n) != 1)
		abort();    /* we must never accept what libpcap refuses */

	struct tr_bpf_prog *pj = tr_bpf_from_insns(insns, n, 0, err, sizeof(err), &rc);
	struct tr_bpf_prog *pi = tr_bpf_from_insns(insns, n, 0, err, sizeof(err), &rc);
	if (pi)
		tr_bpf_set_jit(pi, false);   /* the interpreter */
	if (!pj || !pi)
		abort();

	size_t off = 1 + (size_t)n * 8;
	size_t plen = size - off;
	uint8_t *pkt = malloc(plen ? plen : 1);
	if (!pkt)
		abort();
	memcpy(pkt, data + off, plen);
	const uint32_t caps[3] = { (uint32_t)plen, (uint32_t)(plen / 2), (uint32_t)(plen > 14 ? 14 : plen) };
	const uint32_t wires[3] = { (uint32_t)plen, (uint32_t)plen + 100, (uint32_t)plen };
	for (int v = 0; v < 3; v++) {
		uint32_t want = bpf_filter((const struct bpf_insn *)(const void *)insns, pkt, wires[v], caps[v]);
		uint32_t a = tr_bpf_run(pj, pkt, wires[v], caps[v]);
		uint32_t b = tr_bpf_run(pi, pkt, wires[v], caps[v]);
		if (a != want || b != want)
			abort();
	}
	free(pkt);
	tr_bpf_free(pj);
	tr_bpf_free(pi);
	return 0;
}
