/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Validator: a table of malformed cBPF programs, each rejected with the
 * expected message (and by tr_bpf_from_insns), and valid ones accepted.
 * Also: every accepted program is accepted by libpcap's bpf_validate()
 * (we are never looser than libpcap), the -ddd loader and dumper round-trip,
 * and max_insns is enforced.
 */
#include <pcap/pcap.h>

#include <tapring/filter.h>

#include "helpers.h"

#define I(c, t, f, k) { (uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k) }
#define RET_K(k)      I(TR_BPF_RET | TR_BPF_K, 0, 0, k)

struct vcase {
	const char *name;
	struct tr_bpf_insn insns[8];
	unsigned n;
	const char *msg;        /* expected substring, NULL = must be accepted */
};

static const struct vcase cases[] = {
	{ "ret only", { RET_K(65535) }, 1, NULL },
	{ "ret a", { I(TR_BPF_RET | TR_BPF_A, 0, 0, 0) }, 1, NULL },
	{ "ldh + jeq + rets",
	  { I(TR_BPF_LD | TR_BPF_H | TR_BPF_ABS, 0, 0, 12), I(TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K, 0, 1, 0x800),
	    RET_K(1), RET_K(0) }, 4, NULL },
	{ "store then load",
	  { I(TR_BPF_ST, 0, 0, 15), I(TR_BPF_LDX | TR_BPF_MEM, 0, 0, 15), I(TR_BPF_MISC | TR_BPF_TXA, 0, 0, 0),
	    I(TR_BPF_RET | TR_BPF_A, 0, 0, 0) }, 4, NULL },
	{ "ja forward", { I(TR_BPF_JMP | TR_BPF_JA, 0, 0, 1), RET_K(0), RET_K(1) }, 3, NULL },
	{ "div by X allowed", { I(TR_BPF_ALU | TR_BPF_DIV | TR_BPF_X, 0, 0, 0), I(TR_BPF_RET | TR_BPF_A, 0, 0, 0) }, 2, NULL },
	{ "shift by 31", { I(TR_BPF_ALU | TR_BPF_LSH | TR_BPF_K, 0, 0, 31), I(TR_BPF_RET | TR_BPF_A, 0, 0, 0) }, 2, NULL },

	{ "empty", { RET_K(0) }, 0, "empty program" },
	{ "bad class opcode", { I(0x0e, 0, 0, 0), RET_K(0) }, 2, "insn 0: unknown opcode 0x0e" },
	{ "ldx abs (not executed by libpcap)", { I(TR_BPF_LDX | TR_BPF_W | TR_BPF_ABS, 0, 0, 0), RET_K(0) }, 2,
	  "insn 0: unknown opcode 0x21" },
	{ "ld imm with size bits", { I(TR_BPF_LD | TR_BPF_H | TR_BPF_IMM, 0, 0, 0), RET_K(0) }, 2,
	  "insn 0: unknown opcode 0x08" },
	{ "ret x", { I(TR_BPF_RET | 0x08, 0, 0, 0) }, 1, "insn 0: unknown opcode 0x0e" },
	{ "alu op 0xb0", { I(TR_BPF_ALU | 0xb0, 0, 0, 1), RET_K(0) }, 2, "insn 0: unknown opcode 0xb4" },
	{ "neg with X bit", { I(TR_BPF_ALU | TR_BPF_NEG | TR_BPF_X, 0, 0, 0), RET_K(0) }, 2,
	  "insn 0: unknown opcode 0x8c" },
	{ "misc other", { I(TR_BPF_MISC | 0x40, 0, 0, 0), RET_K(0) }, 2, "insn 0: unknown opcode 0x47" },
	{ "high code bits", { I(0x0106, 0, 0, 0) }, 1, "insn 0: unknown opcode 0x106" },
	{ "jeq jt out of range", { I(TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K, 1, 0, 0), RET_K(0) }, 2,
	  "insn 0: jump offset (jt 1, jf 0) past the end" },
	{ "jgt jf out of range", { I(TR_BPF_JMP | TR_BPF_JGT | TR_BPF_X, 0, 200, 0), RET_K(0) }, 2,
	  "insn 0: jump offset (jt 0, jf 200) past the end" },
	{ "ja past end", { I(TR_BPF_JMP | TR_BPF_JA, 0, 0, 1), RET_K(0) }, 2,
	  "insn 0: jump offset 1 out of range" },
	{ "ja backward (overflowing k)", { RET_K(0), I(TR_BPF_JMP | TR_BPF_JA, 0, 0, 0xfffffffeu), RET_K(0) }, 3,
	  "insn 1: jump offset 4294967294 out of range" },
	{ "ja huge", { I(TR_BPF_JMP | TR_BPF_JA, 0, 0, 0x7fffffff), RET_K(0) }, 2, "insn 0: jump offset" },
	{ "ld mem 16", { I(TR_BPF_LD | TR_BPF_MEM, 0, 0, 16), RET_K(0) }, 2,
	  "insn 0: scratch memory index 16 out of range" },
	{ "st huge", { I(TR_BPF_ST, 0, 0, 0xffffffffu), RET_K(0) }, 2, "insn 0: scratch memory index 4294967295" },
	{ "stx 16", { I(TR_BPF_STX, 0, 0, 16), RET_K(0) }, 2, "insn 0: scratch memory index 16" },
	{ "div by constant 0", { I(TR_BPF_ALU | TR_BPF_DIV | TR_BPF_K, 0, 0, 0), RET_K(0) }, 2,
	  "insn 0: division by constant zero" },
	{ "mod by constant 0", { I(TR_BPF_ALU | TR_BPF_MOD | TR_BPF_K, 0, 0, 0), RET_K(0) }, 2,
	  "insn 0: modulo by constant zero" },
	{ "lsh by 32", { I(TR_BPF_ALU | TR_BPF_LSH | TR_BPF_K, 0, 0, 32), RET_K(0) }, 2,
	  "insn 0: shift by constant 32" },
	{ "no final ret", { I(TR_BPF_LD | TR_BPF_IMM, 0, 0, 1) }, 1, "last instruction is not a return" },
	{ "ends in ld", { RET_K(0), I(TR_BPF_LD | TR_BPF_IMM, 0, 0, 1) }, 2, "last instruction is not a return" },
	{ "load before store", { I(TR_BPF_LD | TR_BPF_MEM, 0, 0, 3), I(TR_BPF_RET | TR_BPF_A, 0, 0, 0) }, 2,
	  "insn 0: loads scratch memory M[3] before any store" },
	{ "store on one path only",
	  { I(TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K, 0, 1, 0), I(TR_BPF_ST, 0, 0, 2),
	    I(TR_BPF_LDX | TR_BPF_MEM, 0, 0, 2), I(TR_BPF_RET | TR_BPF_A, 0, 0, 0) }, 4,
	  "insn 2: loads scratch memory M[2] before any store on some path" },
};

int main(void)
{
	char err[256];
	int rc;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct vcase *vc = &cases[c];
		err[0] = '\0';
		rc = tr_bpf_validate(vc->insns, vc->n, err, sizeof(err));
		if (vc->msg == NULL) {
			if (rc != 0)
				fprintf(stderr, "case \"%s\": unexpectedly rejected: %s\n", vc->name, err);
			T_CHECK_EQ(rc, 0);
			/* never looser than libpcap */
			T_CHECK(bpf_validate((const struct bpf_insn *)(const void *)vc->insns, (int)vc->n) == 1);
			struct tr_bpf_prog *p = tr_bpf_from_insns(vc->insns, vc->n, 0, err, sizeof(err), &rc);
			T_CHECK(p != NULL);
			tr_bpf_free(p);
		} else {
			T_CHECK_EQ(rc, -EINVAL);
			if (!strstr(err, vc->msg))
				fprintf(stderr, "case \"%s\": message \"%s\" lacks \"%s\"\n", vc->name, err, vc->msg);
			T_CHECK(strstr(err, vc->msg) != NULL);
			rc = 0;
			struct tr_bpf_prog *p = tr_bpf_from_insns(vc->insns, vc->n, 0, NULL, 0, &rc);
			T_CHECK(p == NULL);
			T_CHECK_EQ(rc, -EINVAL);
		}
	}

	/* NULL errbuf is allowed. */
	T_CHECK_EQ(tr_bpf_validate(cases[0].insns, 0, NULL, 0), -EINVAL);

	/* Too long: validator hard cap, and the max_insns of the constructors. */
	static struct tr_bpf_insn big[TR_BPF_MAX_INSNS + 1];
	for (unsigned i = 0; i <= TR_BPF_MAX_INSNS; i++)
		big[i] = (struct tr_bpf_insn)RET_K(0);
	rc = tr_bpf_validate(big, TR_BPF_MAX_INSNS + 1, err, sizeof(err));
	T_CHECK_EQ(rc, -E2BIG);
	T_CHECK(strstr(err, "program too long: 65536 instructions (max 65535)") != NULL);
	T_CHECK_EQ(tr_bpf_validate(big, TR_BPF_MAX_INSNS, err, sizeof(err)), 0);
	struct tr_bpf_prog *p = tr_bpf_from_insns(big, 101, 100, err, sizeof(err), &rc);
	T_CHECK(p == NULL);
	T_CHECK_EQ(rc, -E2BIG);
	T_CHECK(strstr(err, "program too long: 101 instructions (max 100)") != NULL);
	p = tr_bpf_from_insns(big, 100, 100, err, sizeof(err), &rc);
	T_CHECK(p != NULL);
	tr_bpf_free(p);

	/* -ddd text: load, dump, reload gives the same instructions. */
	const char *ddd = "4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n";
	p = tr_bpf_load_ddd(ddd, 0, err, sizeof(err), &rc);
	T_ASSERT(p != NULL);
	unsigned n = 0;
	const struct tr_bpf_insn *ins = tr_bpf_insns(p, &n);
	T_CHECK_EQ(n, 4);
	T_CHECK_EQ(ins[1].code, 0x15);
	T_CHECK_EQ(ins[1].jf, 1);
	T_CHECK_EQ(ins[2].k, 262144);
	char *dumped = NULL;
	size_t dlen = 0;
	FILE *mf = open_memstream(&dumped, &dlen);
	T_ASSERT(mf);
	T_CHECK_EQ(tr_bpf_dump(p, mf), 0);
	fclose(mf);
	T_CHECK_STR(dumped, ddd);
	free(dumped);
	uint8_t ip4[14] = { [12] = 0x08, [13] = 0x00 }, arp[14] = { [12] = 0x08, [13] = 0x06 };
	T_CHECK_EQ(tr_bpf_run(p, ip4, 60, 14), 262144);
	T_CHECK_EQ(tr_bpf_run(p, arp, 60, 14), 0);
	T_CHECK_EQ(tr_bpf_run(p, ip4, 60, 13), 0);   /* load past caplen */
	T_CHECK_EQ(tr_bpf_run(NULL, ip4, 60, 14), UINT32_MAX);
	tr_bpf_free(p);

	/* the one-line comma form (tcpdump -ddd | tr '\n' ,) and comments */
	p = tr_bpf_load_ddd("# accept all\n1,6 0 0 65535,", 0, err, sizeof(err), &rc);
	T_CHECK(p != NULL);
	tr_bpf_free(p);

	static const struct { const char *text; const char *msg; int rc; } bad_ddd[] = {
		{ "", "expected an instruction count", -EINVAL },
		{ "x", "expected an instruction count", -EINVAL },
		{ "0\n", "empty program", -EINVAL },
		{ "2\n6 0 0 0\n", "expected 2 instructions, got 1", -EINVAL },
		{ "1\n6 0 0 zz\n", "instruction 0: not a decimal number", -EINVAL },
		{ "1\n6 0 256 0\n", "instruction 0: field out of range", -EINVAL },
		{ "1\n6 0 0 4294967296\n", "instruction 0: field out of range", -EINVAL },
		{ "1\n6 0 0 0\n6 0 0 0\n", "trailing data", -EINVAL },
		{ "1\n7 0 0 0\n", "last instruction is not a return", -EINVAL },
		{ "99999999999\n", "program too long", -E2BIG },
		{ "99999999999999999999999\n", "expected an instruction count", -EINVAL },
	};
	for (size_t i = 0; i < sizeof(bad_ddd) / sizeof(bad_ddd[0]); i++) {
		err[0] = '\0';
		rc = 0;
		p = tr_bpf_load_ddd(bad_ddd[i].text, 0, err, sizeof(err), &rc);
		T_CHECK(p == NULL);
		T_CHECK_EQ(rc, bad_ddd[i].rc);
		if (!strstr(err, bad_ddd[i].msg))
			fprintf(stderr, "ddd \"%s\": message \"%s\" lacks \"%s\"\n", bad_ddd[i].text, err, bad_ddd[i].msg);
		T_CHECK(strstr(err, bad_ddd[i].msg) != NULL);
		tr_bpf_free(p);
	}
	return t_done();
}
