/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz the cBPF validator and both executors.
 * Input: [n (1 byte)] [n * 8 bytes: code le16, jt, jf, k le32] [packet...].
 * Invalid programs must be rejected without crashing; valid ones are built
 * twice (JIT where available, and the interpreter) and run on the packet
 * (placed at the end of a heap allocation, so ASan catches over-reads). The
 * two executors must agree (abort otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/filter.h>

/*
 * The executor and validator are compiled into this target (instead of
 * taken from libtapring.a) so libFuzzer's coverage instrumentation sees
 * them; the archive's copies are then never pulled in by the linker.
 */
#include "../engine/filter/bpf.c"
#include "../engine/filter/bpf_jit.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *b = data + 1 + i * 8;
		insns[i].code = (uint16_t)(b[0] | b[1] << 8);
		insns[i].jt = b[2];
		insns[i].jf = b[3];
		insns[i].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	}
	rc = tr_bpf_validate(insns, n, err, sizeof(err));
	if (rc != 0) {
		if (err[0] == '\0')
			abort();   /* every rejection explains itself */
		return 0;
	}
	struct tr_bpf_prog *pj = tr_bpf_from_insns(insns, n, 0, err, sizeof(err), &rc);
	struct tr_bpf_prog *pi = tr_bpf_from_insns(insns, n, 0, err, sizeof(err), &rc);
	if (pi)
		tr_bpf_set_jit(pi, false);   /* the interpreter */
	if (!pj || !pi)
		abort();   /* validated programs always build */

	size_t off = 1 + (size_t)n * 8;
	size_t plen = size - off;
	uint8_t *pkt = malloc(plen ? plen : 1);
	if (!pkt)
		abort();
	memcpy(pkt, data + off, plen);
	/* full packet, then a shorter caplen with a longer wirelen */
	uint32_t a = tr_bpf_run(pj, pkt, (uint32_t)plen, (uint32_t)plen);
	uint32_t b = tr_bpf_run(pi, pkt, (uint32_t)plen, (uint32_t)plen);
	if (a != b)
		abort();
	uint32_t cap = (uint32_t)(plen / 2);
	a = tr_bpf_run(pj, pkt, (uint32_t)plen + 7, cap);
	b = tr_bpf_run(pi, pkt, (uint32_t)plen + 7, cap);
	if (a != b)
		abort();
	free(pkt);
	tr_bpf_free(pj);
	tr_bpf_free(pi);
	return 0;
}
