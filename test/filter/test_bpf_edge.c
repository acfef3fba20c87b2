/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hand-written cBPF edge cases, run by the JIT and the interpreter and
 * compared with libpcap's bpf_filter() at every caplen 0..64 and several
 * wirelens: offsets near 2^32 (end overflow, disp32 limit), X + k wrapping
 * in 32 bits, MSH at the last byte, division/modulo by X == 0, shifts by
 * X >= 32, NEG of 0x80000000, scratch memory, len vs caplen, every jump
 * kind with K and X, ret A. Each packet ends at a guard page.
 */
#include <pcap/pcap.h>

#include <tapring/filter.h>

#include "helpers.h"

#define I(c, t, f, k) { (uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k) }
#define LD   TR_BPF_LD
#define LDX  TR_BPF_LDX
#define ALU  TR_BPF_ALU
#define JMP  TR_BPF_JMP
#define RETA I(TR_BPF_RET | TR_BPF_A, 0, 0, 0)

struct prog {
	const char *name;
	struct tr_bpf_insn in[12];
	unsigned n;
};

static const struct prog progs[] = {
	{ "ld [0xfffffffc] (end = 2^32-1)", { I(LD | TR_BPF_W | TR_BPF_ABS, 0, 0, 0xfffffffcu), RETA }, 2 },
	{ "ld [0xfffffffd] (end overflows)", { I(LD | TR_BPF_W | TR_BPF_ABS, 0, 0, 0xfffffffdu), RETA }, 2 },
	{ "ldh [0x7ffffffe]", { I(LD | TR_BPF_H | TR_BPF_ABS, 0, 0, 0x7ffffffeu), RETA }, 2 },
	{ "ldb [0x80000000]", { I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 0x80000000u), RETA }, 2 },
	{ "ld [60]", { I(LD | TR_BPF_W | TR_BPF_ABS, 0, 0, 60), RETA }, 2 },
	{ "ldh [62] then ldb [10] (check elided)",
	  { I(LD | TR_BPF_H | TR_BPF_ABS, 0, 0, 62), I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 10), RETA }, 3 },
	{ "ldx #-1; ldb [x+1] (wraps)",
	  { I(LDX | TR_BPF_IMM, 0, 0, 0xffffffffu), I(LD | TR_BPF_B | TR_BPF_IND, 0, 0, 1), RETA }, 3 },
	{ "ldx #-16; ldh [x+32] (wraps to 16)",
	  { I(LDX | TR_BPF_IMM, 0, 0, 0xfffffff0u), I(LD | TR_BPF_H | TR_BPF_IND, 0, 0, 32), RETA }, 3 },
	{ "ldx #3; ld [x+0xfffffffc] (k end overflows)",
	  { I(LDX | TR_BPF_IMM, 0, 0, 3), I(LD | TR_BPF_W | TR_BPF_IND, 0, 0, 0xfffffffcu), RETA }, 3 },
	{ "ldx #5; ld [x+50]", { I(LDX | TR_BPF_IMM, 0, 0, 5), I(LD | TR_BPF_W | TR_BPF_IND, 0, 0, 50), RETA }, 3 },
	{ "ldxb 4*([63]&0xf); txa",
	  { I(LDX | TR_BPF_MSH | TR_BPF_B, 0, 0, 63), I(TR_BPF_MISC | TR_BPF_TXA, 0, 0, 0), RETA }, 3 },
	{ "ldxb 4*([0xffffffff]&0xf)",
	  { I(LDX | TR_BPF_MSH | TR_BPF_B, 0, 0, 0xffffffffu), I(TR_BPF_RET | TR_BPF_K, 0, 0, 9) }, 2 },
	{ "ldxb 4*([0x80000001]&0xf)",
	  { I(LDX | TR_BPF_MSH | TR_BPF_B, 0, 0, 0x80000001u), I(TR_BPF_RET | TR_BPF_K, 0, 0, 9) }, 2 },
	{ "len / (ldb [0] & 1) (div by X 0)",
	  { I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 0), I(ALU | TR_BPF_AND | TR_BPF_K, 0, 0, 1),
	    I(TR_BPF_MISC | TR_BPF_TAX, 0, 0, 0), I(LD | TR_BPF_W | TR_BPF_LEN, 0, 0, 0),
	    I(ALU | TR_BPF_DIV | TR_BPF_X, 0, 0, 0), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 1), RETA }, 7 },
	{ "len % (ldb [1] & 3) (mod by X 0)",
	  { I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 1), I(ALU | TR_BPF_AND | TR_BPF_K, 0, 0, 3),
	    I(TR_BPF_MISC | TR_BPF_TAX, 0, 0, 0), I(LD | TR_BPF_W | TR_BPF_LEN, 0, 0, 0),
	    I(ALU | TR_BPF_MOD | TR_BPF_X, 0, 0, 0), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 1), RETA }, 7 },
	{ "A << [2] and >> [3] (X up to 255)",
	  { I(LDX | TR_BPF_MSH | TR_BPF_B, 0, 0, 2), I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 3), I(TR_BPF_MISC | TR_BPF_TAX, 0, 0, 0),
	    I(LD | TR_BPF_IMM, 0, 0, 0x80000001u), I(ALU | TR_BPF_LSH | TR_BPF_X, 0, 0, 0),
	    I(TR_BPF_ST, 0, 0, 0), I(LD | TR_BPF_IMM, 0, 0, 0xfedcba98u), I(ALU | TR_BPF_RSH | TR_BPF_X, 0, 0, 0),
	    I(LDX | TR_BPF_MEM, 0, 0, 0), I(ALU | TR_BPF_XOR | TR_BPF_X, 0, 0, 0), RETA }, 11 },
	{ "shift by X = 32, 33, 0xffffffff",
	  { I(LDX | TR_BPF_IMM, 0, 0, 32), I(LD | TR_BPF_IMM, 0, 0, 7), I(ALU | TR_BPF_LSH | TR_BPF_X, 0, 0, 0),
	    I(LDX | TR_BPF_IMM, 0, 0, 0xffffffffu), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 5),
	    I(ALU | TR_BPF_RSH | TR_BPF_X, 0, 0, 0), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 3), RETA }, 8 },
	{ "neg 0x80000000, mul overflow, sub below 0",
	  { I(LD | TR_BPF_IMM, 0, 0, 0x80000000u), I(ALU | TR_BPF_NEG, 0, 0, 0), I(ALU | TR_BPF_MUL | TR_BPF_K, 0, 0, 3),
	    I(ALU | TR_BPF_SUB | TR_BPF_K, 0, 0, 0x90000000u), I(ALU | TR_BPF_OR | TR_BPF_K, 0, 0, 1), RETA }, 6 },
	{ "len and ldx len vs caplen",
	  { I(LDX | TR_BPF_W | TR_BPF_LEN, 0, 0, 0), I(LD | TR_BPF_W | TR_BPF_LEN, 0, 0, 0),
	    I(ALU | TR_BPF_SUB | TR_BPF_X, 0, 0, 0), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 17), I(LDX | TR_BPF_W | TR_BPF_LEN, 0, 0, 0),
	    I(ALU | TR_BPF_MUL | TR_BPF_X, 0, 0, 0), RETA }, 7 },
	{ "all jumps, K and X",
	  { I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 5), I(LDX | TR_BPF_IMM, 0, 0, 0x40),
	    I(JMP | TR_BPF_JGT | TR_BPF_X, 0, 1, 0), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 1000),
	    I(JMP | TR_BPF_JGE | TR_BPF_K, 0, 2, 0x80), I(JMP | TR_BPF_JSET | TR_BPF_X, 1, 0, 0),
	    I(JMP | TR_BPF_JA, 0, 0, 1), I(ALU | TR_BPF_ADD | TR_BPF_K, 0, 0, 7),
	    I(JMP | TR_BPF_JEQ | TR_BPF_X, 1, 0, 0), I(JMP | TR_BPF_JSET | TR_BPF_K, 0, 1, 0x3), RETA,
	    I(TR_BPF_RET | TR_BPF_K, 0, 0, 77) }, 12 },
	{ "st/stx all slots, ldx mem",
	  { I(LD | TR_BPF_B | TR_BPF_ABS, 0, 0, 7), I(TR_BPF_ST, 0, 0, 15), I(LDX | TR_BPF_IMM, 0, 0, 9), I(TR_BPF_STX, 0, 0, 0),
	    I(LD | TR_BPF_MEM, 0, 0, 0), I(LDX | TR_BPF_MEM, 0, 0, 15), I(ALU | TR_BPF_ADD | TR_BPF_X, 0, 0, 0),
	    I(ALU | TR_BPF_DIV | TR_BPF_K, 0, 0, 3), I(ALU | TR_BPF_MOD | TR_BPF_K, 0, 0, 7), RETA }, 10 },
};

int main(void)
{
	uint8_t base[64];
	unsigned long runs = 0;
	for (unsigned i = 0; i < sizeof(base); i++)
		base[i] = (uint8_t)(i * 37 + 11);
	base[2] = 0x1f;  /* X = 4 * 15 = 60 for the shift case */
	base[3] = 0x21;

	for (size_t c = 0; c < sizeof(progs) / sizeof(progs[0]); c++) {
		char err[200];
		int rc;
		const struct prog *pr = &progs[c];
		struct tr_bpf_prog *pj = tr_bpf_from_insns(pr->in, pr->n, 0, err, sizeof(err), &rc);
		struct tr_bpf_prog *pi = tr_bpf_from_insns(pr->in, pr->n, 0, err, sizeof(err), &rc);
		if (pi)
			tr_bpf_set_jit(pi, false);   /* the interpreter */
		if (!pj || !pi) {
			fprintf(stderr, "\"%s\" rejected: %s\n", pr->name, err);
			T_CHECK(0);
			continue;
		}
		unsigned bad = 0;
		for (uint32_t cap = 0; cap <= sizeof(base); cap++) {
			uint8_t *pkt = t_guard_copy(base, cap);
			const uint32_t wires[3] = { cap, cap + 1, 0xffffffffu };
			for (int w = 0; w < 3; w++) {
				uint32_t want = bpf_filter((const struct bpf_insn *)(const void *)pr->in, pkt, wires[w], cap);
				uint32_t a = tr_bpf_run(pj, pkt, wires[w], cap);
				uint32_t b = tr_bpf_run(pi, pkt, wires[w], cap);
				runs++;
				if (a != want || b != want) {
					if (bad++ < 3)
						fprintf(stderr, "\"%s\" caplen %u wirelen %u: libpcap %u, jit %u, interp %u\n",
							pr->name, cap, wires[w], want, a, b);
				}
			}
			t_guard_free(pkt, cap);
		}
		T_CHECK_EQ(bad, 0);
		tr_bpf_free(pj);
		tr_bpf_free(pi);
	}
	/* The longest program: op indices use the full 16-bit range. */
	{
		static struct tr_bpf_insn big[TR_BPF_MAX_INSNS];
		const unsigned n = TR_BPF_MAX_INSNS;
		char err[200];
		int rc;
		for (unsigned i = 0; i < n - 3; i++)
			big[i] = (struct tr_bpf_insn)I(LD | TR_BPF_IMM, 0, 0, i);
		big[n - 3] = (struct tr_bpf_insn)I(JMP | TR_BPF_JEQ | TR_BPF_K, 0, 1, n - 4);
		big[n - 2] = (struct tr_bpf_insn)RETA;
		big[n - 1] = (struct tr_bpf_insn)I(TR_BPF_RET | TR_BPF_K, 0, 0, 1);
		struct tr_bpf_prog *pj = tr_bpf_from_insns(big, n, n, err, sizeof(err), &rc);
		struct tr_bpf_prog *pi = tr_bpf_from_insns(big, n, n, err, sizeof(err), &rc);
		if (pi)
			tr_bpf_set_jit(pi, false);   /* the interpreter */
		T_ASSERT(pj && pi);
		T_CHECK_EQ(tr_bpf_run(pj, base, 64, 64), n - 4);
		T_CHECK_EQ(tr_bpf_run(pi, base, 64, 64), n - 4);
		tr_bpf_free(pj);
		tr_bpf_free(pi);
	}
	printf("%lu runs compared\n", runs);
	return t_done();
}
