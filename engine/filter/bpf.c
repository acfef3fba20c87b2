/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cBPF validator, decoder and direct-threaded executor.
 *
 * Semantics follow libpcap 1.10's bpf_filter() (verified bit-exact by
 * test/filter/test_bpf_diff and fuzz/fuzz_bpf_diff.c against the installed
 * libpcap); this file does not include libpcap headers.
 *
 * Design: the validated program is decoded once into an array of 16-byte
 * ops (one per instruction, same index) whose first word locates the
 * handler label inside bpf_exec() (an offset from its first label). Each handler ends with its own indirect
 * jump to the next op's handler (direct threading), so the branch predictor
 * sees one indirect branch per handler rather than one shared switch.
 * Decoding also:
 *   - fuses "load (ABS or IND) + conditional jump on a constant" pairs into
 *     one op (the second op stays in place for paths that jump to it);
 *   - stores load *end* offsets (k + size) so the bounds check is a single
 *     compare, and turns loads whose end does not fit in 32 bits (always out
 *     of range) into "ret #0";
 *   - resolves jump targets to op indices.
 * After validation the executor needs only packet bounds checks: a failed
 * check rejects the frame (returns 0), as in libpcap.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bpf_pvt.h"

_Static_assert(sizeof(struct tr_bpf_insn) == 8, "cBPF insn is 8 bytes");
_Static_assert(offsetof(struct tr_bpf_insn, jt) == 2, "jt at 2");
_Static_assert(offsetof(struct tr_bpf_insn, k) == 4, "k at 4");
_Static_assert(offsetof(struct tr_bpf_prog, head) == 0, "tr_bpf_run relies on head first");

/* ---- validation ----------------------------------------------------------- */

/* Exactly the opcodes libpcap's bpf_filter() executes (anything else makes
 * it abort()). */
static bool bpf_code_known(uint16_t code)
{
	switch (code) {
	case TR_BPF_RET | TR_BPF_K:
	case TR_BPF_RET | TR_BPF_A:
	case TR_BPF_LD | TR_BPF_W | TR_BPF_ABS:
	case TR_BPF_LD | TR_BPF_H | TR_BPF_ABS:
	case TR_BPF_LD | TR_BPF_B | TR_BPF_ABS:
	case TR_BPF_LD | TR_BPF_W | TR_BPF_LEN:
	case TR_BPF_LDX | TR_BPF_W | TR_BPF_LEN:
	case TR_BPF_LD | TR_BPF_W | TR_BPF_IND:
	case TR_BPF_LD | TR_BPF_H | TR_BPF_IND:
	case TR_BPF_LD | TR_BPF_B | TR_BPF_IND:
	case TR_BPF_LDX | TR_BPF_MSH | TR_BPF_B:
	case TR_BPF_LD | TR_BPF_IMM:
	case TR_BPF_LDX | TR_BPF_IMM:
	case TR_BPF_LD | TR_BPF_MEM:
	case TR_BPF_LDX | TR_BPF_MEM:
	case TR_BPF_ST:
	case TR_BPF_STX:
	case TR_BPF_JMP | TR_BPF_JA:
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_K:
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_K:
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K:
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_K:
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_X:
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_X:
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_X:
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_X:
	case TR_BPF_ALU | TR_BPF_NEG:
	case TR_BPF_MISC | TR_BPF_TAX:
	case TR_BPF_MISC | TR_BPF_TXA:
		return true;
	default:
		break;
	}
	if ((code & 0x07u) == TR_BPF_ALU && code <= 0xffu) {
		switch (code & 0xf0u) {
		case TR_BPF_ADD: case TR_BPF_SUB: case TR_BPF_MUL: case TR_BPF_DIV:
		case TR_BPF_MOD: case TR_BPF_AND: case TR_BPF_OR: case TR_BPF_XOR:
		case TR_BPF_LSH: case TR_BPF_RSH:
			return (code & 0x07u) == TR_BPF_ALU; /* K (0x00) or X (0x08) */
		default:
			return false;
		}
	}
	return false;
}

static bool bpf_is_jump(uint16_t code)
{
	return (code & 0x07u) == TR_BPF_JMP;
}

int tr_bpf_validate(const struct tr_bpf_insn *insns, unsigned n, char *errbuf, size_t errlen)
{
	if (!insns || n == 0) {
		tr__bpf_err(errbuf, errlen, "empty program");
		return -EINVAL;
	}
	if (n > TR_BPF_MAX_INSNS) {
		tr__bpf_err(errbuf, errlen, "program too long: %u instructions (max %u)",
			    n, TR_BPF_MAX_INSNS);
		return -E2BIG;   /* as tr_bpf_from_insns over its max_insns */
	}
	for (unsigned i = 0; i < n; i++) {
		const struct tr_bpf_insn *f = &insns[i];
		uint16_t c = f->code;
		unsigned left = n - i - 1;  /* instructions after i */

		if (!bpf_code_known(c)) {
			tr__bpf_err(errbuf, errlen, "insn %u: unknown opcode 0x%02x", i, c);
			return -EINVAL;
		}
		switch (c) {
		case TR_BPF_LD | TR_BPF_MEM:
		case TR_BPF_LDX | TR_BPF_MEM:
		case TR_BPF_ST:
		case TR_BPF_STX:
			if (f->k >= TR_BPF_MEMWORDS) {
				tr__bpf_err(errbuf, errlen,
					    "insn %u: scratch memory index %" PRIu32 " out of range (>= %u)",
					    i, f->k, TR_BPF_MEMWORDS);
				return -EINVAL;
			}
			break;
		case TR_BPF_ALU | TR_BPF_DIV | TR_BPF_K:
			if (f->k == 0) {
				tr__bpf_err(errbuf, errlen, "insn %u: division by constant zero", i);
				return -EINVAL;
			}
			break;
		case TR_BPF_ALU | TR_BPF_MOD | TR_BPF_K:
			if (f->k == 0) {
				tr__bpf_err(errbuf, errlen, "insn %u: modulo by constant zero", i);
				return -EINVAL;
			}
			break;
		case TR_BPF_ALU | TR_BPF_LSH | TR_BPF_K:
		case TR_BPF_ALU | TR_BPF_RSH | TR_BPF_K:
			/* Undefined in C (and in libpcap's interpreter); the kernel
			 * rejects it too. */
			if (f->k >= 32) {
				tr__bpf_err(errbuf, errlen, "insn %u: shift by constant %" PRIu32 " (>= 32)",
					    i, f->k);
				return -EINVAL;
			}
			break;
		case TR_BPF_JMP | TR_BPF_JA:
			/* k is unsigned here: a "backward" ja (negative k) is
			 * simply out of range. */
			if (f->k >= left) {
				tr__bpf_err(errbuf, errlen,
					    "insn %u: jump offset %" PRIu32 " out of range (backward or past the end)",
					    i, f->k);
				return -EINVAL;
			}
			break;
		default:
			if (bpf_is_jump(c) && (f->jt >= left || f->jf >= left)) {
				tr__bpf_err(errbuf, errlen,
					    "insn %u: jump offset (jt %u, jf %u) past the end", i,
					    f->jt, f->jf);
				return -EINVAL;
			}
			break;
		}
	}
	if ((insns[n - 1].code & 0x07u) != TR_BPF_RET) {
		tr__bpf_err(errbuf, errlen, "last instruction is not a return");
		return -EINVAL;
	}

	/*
	 * Scratch memory: every load must be preceded by a store to the same slot
	 * on every path (libpcap leaves M[] uninitialised). Jumps only go
	 * forward, so one pass in order computes, for each instruction, the set
	 * of slots stored on all paths reaching it (intersection at joins).
	 * Unreached instructions keep the full set and are never flagged.
	 */
	uint16_t stack_known[256];
	uint16_t *known = n <= 256 ? stack_known : malloc(n * sizeof(*known));
	if (!known) {
		tr__bpf_err(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		known[i] = 0xffff;
	known[0] = 0;
	int rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		const struct tr_bpf_insn *f = &insns[i];
		uint16_t m = known[i];
		switch (f->code) {
		case TR_BPF_LD | TR_BPF_MEM:
		case TR_BPF_LDX | TR_BPF_MEM:
			if (!(m & (1u << f->k))) {
				tr__bpf_err(errbuf, errlen,
					    "insn %u: loads scratch memory M[%" PRIu32 "] before any store on some path",
					    i, f->k);
				rc = -EINVAL;
			}
			break;
		case TR_BPF_ST:
		case TR_BPF_STX:
			m = (uint16_t)(m | (1u << f->k));
			break;
		default:
			break;
		}
		if ((f->code & 0x07u) == TR_BPF_RET)
			continue;
		if (f->code == (TR_BPF_JMP | TR_BPF_JA)) {
			known[i + 1 + f->k] &= m;
		} else if (bpf_is_jump(f->code)) {
			known[i + 1 + f->jt] &= m;
			known[i + 1 + f->jf] &= m;
		} else {
			known[i + 1] &= m;   /* i < n - 1: the last insn is a RET */
		}
	}
	if (known != stack_known)
		free(known);
	return rc;
}

/* ---- executor ------------------------------------------------------------- */

enum bpf_kind {
	K_RET_K, K_RET_A,
	K_LDW_ABS, K_LDH_ABS, K_LDB_ABS,
	K_LD_LEN, K_LDX_LEN,
	K_LDW_IND, K_LDH_IND, K_LDB_IND,
	K_LDX_MSH,
	K_LD_IMM, K_LDX_IMM, K_LD_MEM, K_LDX_MEM, K_ST, K_STX,
	K_JA,
	K_JEQ_K, K_JGT_K, K_JGE_K, K_JSET_K,
	K_JEQ_X, K_JGT_X, K_JGE_X, K_JSET_X,
	K_ADD_K, K_SUB_K, K_MUL_K, K_DIV_K, K_MOD_K, K_AND_K, K_OR_K, K_XOR_K, K_LSH_K, K_RSH_K,
	K_ADD_X, K_SUB_X, K_MUL_X, K_DIV_X, K_MOD_X, K_AND_X, K_OR_X, K_XOR_X, K_LSH_X, K_RSH_X,
	K_NEG, K_TAX, K_TXA,
	/* fused load + conditional jump on a constant: k = load end, k2 = constant */
	K_LDW_ABS_JEQ, K_LDW_ABS_JGT, K_LDW_ABS_JGE, K_LDW_ABS_JSET,
	K_LDH_ABS_JEQ, K_LDH_ABS_JGT, K_LDH_ABS_JGE, K_LDH_ABS_JSET,
	K_LDB_ABS_JEQ, K_LDB_ABS_JGT, K_LDB_ABS_JGE, K_LDB_ABS_JSET,
	K_LDW_IND_JEQ, K_LDW_IND_JGT, K_LDW_IND_JGE, K_LDW_IND_JSET,
	K_LDH_IND_JEQ, K_LDH_IND_JGT, K_LDH_IND_JGE, K_LDH_IND_JSET,
	K_LDB_IND_JEQ, K_LDB_IND_JGT, K_LDB_IND_JGE, K_LDB_IND_JSET,
	K_COUNT
};

static inline uint32_t bpf_ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline uint32_t bpf_ld16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return __builtin_bswap16(v);
}

static const void *const *bpf_labels;   /* set once by bpf_labels_init (pthread_once) */

/*
 * The interpreter. Called with op == NULL only once, from bpf_labels_init,
 * to publish its label table. Not inlinable: label addresses belong to this
 * one function body.
 */
__attribute__((noinline, hot))
static uint32_t bpf_exec(const void *ctx, const uint8_t *pkt,
			 uint32_t wirelen, uint32_t caplen)
{
	const struct tr_bpf_op *const base = ctx;
	const struct tr_bpf_op *op = base;
	const char *const lbase = (const char *)&&l_ret_k;
	static const void *const labels[K_COUNT] = {
		[K_RET_K] = &&l_ret_k, [K_RET_A] = &&l_ret_a,
		[K_LDW_ABS] = &&l_ldw_abs, [K_LDH_ABS] = &&l_ldh_abs, [K_LDB_ABS] = &&l_ldb_abs,
		[K_LD_LEN] = &&l_ld_len, [K_LDX_LEN] = &&l_ldx_len,
		[K_LDW_IND] = &&l_ldw_ind, [K_LDH_IND] = &&l_ldh_ind, [K_LDB_IND] = &&l_ldb_ind,
		[K_LDX_MSH] = &&l_ldx_msh,
		[K_LD_IMM] = &&l_ld_imm, [K_LDX_IMM] = &&l_ldx_imm,
		[K_LD_MEM] = &&l_ld_mem, [K_LDX_MEM] = &&l_ldx_mem,
		[K_ST] = &&l_st, [K_STX] = &&l_stx,
		[K_JA] = &&l_ja,
		[K_JEQ_K] = &&l_jeq_k, [K_JGT_K] = &&l_jgt_k, [K_JGE_K] = &&l_jge_k, [K_JSET_K] = &&l_jset_k,
		[K_JEQ_X] = &&l_jeq_x, [K_JGT_X] = &&l_jgt_x, [K_JGE_X] = &&l_jge_x, [K_JSET_X] = &&l_jset_x,
		[K_ADD_K] = &&l_add_k, [K_SUB_K] = &&l_sub_k, [K_MUL_K] = &&l_mul_k,
		[K_DIV_K] = &&l_div_k, [K_MOD_K] = &&l_mod_k, [K_AND_K] = &&l_and_k,
		[K_OR_K] = &&l_or_k, [K_XOR_K] = &&l_xor_k, [K_LSH_K] = &&l_lsh_k, [K_RSH_K] = &&l_rsh_k,
		[K_ADD_X] = &&l_add_x, [K_SUB_X] = &&l_sub_x, [K_MUL_X] = &&l_mul_x,
		[K_DIV_X] = &&l_div_x, [K_MOD_X] = &&l_mod_x, [K_AND_X] = &&l_and_x,
		[K_OR_X] = &&l_or_x, [K_XOR_X] = &&l_xor_x, [K_LSH_X] = &&l_lsh_x, [K_RSH_X] = &&l_rsh_x,
		[K_NEG] = &&l_neg, [K_TAX] = &&l_tax, [K_TXA] = &&l_txa,
		[K_LDW_ABS_JEQ] = &&l_ldw_abs_jeq, [K_LDW_ABS_JGT] = &&l_ldw_abs_jgt,
		[K_LDW_ABS_JGE] = &&l_ldw_abs_jge, [K_LDW_ABS_JSET] = &&l_ldw_abs_jset,
		[K_LDH_ABS_JEQ] = &&l_ldh_abs_jeq, [K_LDH_ABS_JGT] = &&l_ldh_abs_jgt,
		[K_LDH_ABS_JGE] = &&l_ldh_abs_jge, [K_LDH_ABS_JSET] = &&l_ldh_abs_jset,
		[K_LDB_ABS_JEQ] = &&l_ldb_abs_jeq, [K_LDB_ABS_JGT] = &&l_ldb_abs_jgt,
		[K_LDB_ABS_JGE] = &&l_ldb_abs_jge, [K_LDB_ABS_JSET] = &&l_ldb_abs_jset,
		[K_LDW_IND_JEQ] = &&l_ldw_ind_jeq, [K_LDW_IND_JGT] = &&l_ldw_ind_jgt,
		[K_LDW_IND_JGE] = &&l_ldw_ind_jge, [K_LDW_IND_JSET] = &&l_ldw_ind_jset,
		[K_LDH_IND_JEQ] = &&l_ldh_ind_jeq, [K_LDH_IND_JGT] = &&l_ldh_ind_jgt,
		[K_LDH_IND_JGE] = &&l_ldh_ind_jge, [K_LDH_IND_JSET] = &&l_ldh_ind_jset,
		[K_LDB_IND_JEQ] = &&l_ldb_ind_jeq, [K_LDB_IND_JGT] = &&l_ldb_ind_jgt,
		[K_LDB_IND_JGE] = &&l_ldb_ind_jge, [K_LDB_IND_JSET] = &&l_ldb_ind_jset,
	};
	uint32_t A = 0, X = 0;
	uint32_t mem[TR_BPF_MEMWORDS];   /* validated: never loaded before stored */

	if (__builtin_expect(op == NULL, 0)) {
		bpf_labels = labels;
		return 0;
	}

#define DISPATCH()  goto *(const void *)(lbase + op->h)
#define NEXT()      do { op++; DISPATCH(); } while (0)
#define BRANCH(c)   do { op = base + ((c) ? op->jt : op->jf); DISPATCH(); } while (0)
/* Absolute load: k = offset + size (fits in 32 bits, checked at decode). */
#define LD_ABS(sz, load) do { \
		if (op->k > caplen) \
			return 0; \
		A = load(pkt + (op->k - (sz))); \
	} while (0)
/* Indirect load: X + k + size > caplen, computed without overflow. */
#define LD_IND(sz, load) do { \
		if ((uint64_t)X + op->k > caplen) \
			return 0; \
		A = load(pkt + (X + op->k - (sz))); \
	} while (0)
#define LD8(p) ((uint32_t)*(p))

	DISPATCH();

l_ret_k:	return op->k;
l_ret_a:	return A;
l_ldw_abs:	LD_ABS(4, bpf_ld32); NEXT();
l_ldh_abs:	LD_ABS(2, bpf_ld16); NEXT();
l_ldb_abs:	LD_ABS(1, LD8); NEXT();
l_ld_len:	A = wirelen; NEXT();
l_ldx_len:	X = wirelen; NEXT();
l_ldw_ind:	LD_IND(4, bpf_ld32); NEXT();
l_ldh_ind:	LD_IND(2, bpf_ld16); NEXT();
l_ldb_ind:	LD_IND(1, LD8); NEXT();
l_ldx_msh:
	if (op->k > caplen)
		return 0;
	X = (uint32_t)(pkt[op->k - 1] & 0xfu) << 2;
	NEXT();
l_ld_imm:	A = op->k; NEXT();
l_ldx_imm:	X = op->k; NEXT();
l_ld_mem:	A = mem[op->k]; NEXT();
l_ldx_mem:	X = mem[op->k]; NEXT();
l_st:		mem[op->k] = A; NEXT();
l_stx:		mem[op->k] = X; NEXT();
l_ja:		op = base + op->jt; DISPATCH();
l_jeq_k:	BRANCH(A == op->k);
l_jgt_k:	BRANCH(A > op->k);
l_jge_k:	BRANCH(A >= op->k);
l_jset_k:	BRANCH(A & op->k);
l_jeq_x:	BRANCH(A == X);
l_jgt_x:	BRANCH(A > X);
l_jge_x:	BRANCH(A >= X);
l_jset_x:	BRANCH(A & X);
l_add_k:	A += op->k; NEXT();
l_sub_k:	A -= op->k; NEXT();
l_mul_k:	A *= op->k; NEXT();
l_div_k:	A /= op->k; NEXT();      /* k != 0: validated */
l_mod_k:	A %= op->k; NEXT();
l_and_k:	A &= op->k; NEXT();
l_or_k:		A |= op->k; NEXT();
l_xor_k:	A ^= op->k; NEXT();
l_lsh_k:	A <<= op->k; NEXT();     /* k < 32: validated */
l_rsh_k:	A >>= op->k; NEXT();
l_add_x:	A += X; NEXT();
l_sub_x:	A -= X; NEXT();
l_mul_x:	A *= X; NEXT();
l_div_x:	if (X == 0) return 0; A /= X; NEXT();
l_mod_x:	if (X == 0) return 0; A %= X; NEXT();
l_and_x:	A &= X; NEXT();
l_or_x:		A |= X; NEXT();
l_xor_x:	A ^= X; NEXT();
l_lsh_x:	A = X < 32 ? A << X : 0; NEXT();
l_rsh_x:	A = X < 32 ? A >> X : 0; NEXT();
l_neg:		A = 0u - A; NEXT();
l_tax:		X = A; NEXT();
l_txa:		A = X; NEXT();

/* Fused load + conditional jump: the four comparisons of one load. */
#define LD_JMP(name, LOAD) \
	l_##name##_jeq:  LOAD; BRANCH(A == op->k2); \
	l_##name##_jgt:  LOAD; BRANCH(A > op->k2); \
	l_##name##_jge:  LOAD; BRANCH(A >= op->k2); \
	l_##name##_jset: LOAD; BRANCH(A & op->k2)
	LD_JMP(ldw_abs, LD_ABS(4, bpf_ld32));
	LD_JMP(ldh_abs, LD_ABS(2, bpf_ld16));
	LD_JMP(ldb_abs, LD_ABS(1, LD8));
	LD_JMP(ldw_ind, LD_IND(4, bpf_ld32));
	LD_JMP(ldh_ind, LD_IND(2, bpf_ld16));
	LD_JMP(ldb_ind, LD_IND(1, LD8));

#undef LD_JMP
#undef DISPATCH
#undef NEXT
#undef BRANCH
#undef LD_ABS
#undef LD_IND
#undef LD8
}

static pthread_once_t bpf_labels_once = PTHREAD_ONCE_INIT;

static void bpf_labels_init(void)
{
	(void)bpf_exec(NULL, NULL, 0, 0);
}

/* Size of the load an opcode performs (0 if none). */
static unsigned bpf_load_size(uint16_t code)
{
	switch (code & 0x18u) {
	case TR_BPF_W: return 4;
	case TR_BPF_H: return 2;
	default: return 1;
	}
}

/* Kind of a plain (unfused) instruction; validated input only. */
static enum bpf_kind bpf_kind_of(uint16_t code)
{
	switch (code) {
	case TR_BPF_RET | TR_BPF_K: return K_RET_K;
	case TR_BPF_RET | TR_BPF_A: return K_RET_A;
	case TR_BPF_LD | TR_BPF_W | TR_BPF_ABS: return K_LDW_ABS;
	case TR_BPF_LD | TR_BPF_H | TR_BPF_ABS: return K_LDH_ABS;
	case TR_BPF_LD | TR_BPF_B | TR_BPF_ABS: return K_LDB_ABS;
	case TR_BPF_LD | TR_BPF_W | TR_BPF_LEN: return K_LD_LEN;
	case TR_BPF_LDX | TR_BPF_W | TR_BPF_LEN: return K_LDX_LEN;
	case TR_BPF_LD | TR_BPF_W | TR_BPF_IND: return K_LDW_IND;
	case TR_BPF_LD | TR_BPF_H | TR_BPF_IND: return K_LDH_IND;
	case TR_BPF_LD | TR_BPF_B | TR_BPF_IND: return K_LDB_IND;
	case TR_BPF_LDX | TR_BPF_MSH | TR_BPF_B: return K_LDX_MSH;
	case TR_BPF_LD | TR_BPF_IMM: return K_LD_IMM;
	case TR_BPF_LDX | TR_BPF_IMM: return K_LDX_IMM;
	case TR_BPF_LD | TR_BPF_MEM: return K_LD_MEM;
	case TR_BPF_LDX | TR_BPF_MEM: return K_LDX_MEM;
	case TR_BPF_ST: return K_ST;
	case TR_BPF_STX: return K_STX;
	case TR_BPF_JMP | TR_BPF_JA: return K_JA;
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K: return K_JEQ_K;
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_K: return K_JGT_K;
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_K: return K_JGE_K;
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_K: return K_JSET_K;
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_X: return K_JEQ_X;
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_X: return K_JGT_X;
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_X: return K_JGE_X;
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_X: return K_JSET_X;
	case TR_BPF_ALU | TR_BPF_NEG: return K_NEG;
	case TR_BPF_MISC | TR_BPF_TAX: return K_TAX;
	case TR_BPF_MISC | TR_BPF_TXA: return K_TXA;
	default: break;
	}
	/* ALU: K kinds and X kinds are in the same order. */
	unsigned base = (code & TR_BPF_X) ? K_ADD_X : K_ADD_K;
	switch (code & 0xf0u) {
	case TR_BPF_ADD: return (enum bpf_kind)(base + 0);
	case TR_BPF_SUB: return (enum bpf_kind)(base + 1);
	case TR_BPF_MUL: return (enum bpf_kind)(base + 2);
	case TR_BPF_DIV: return (enum bpf_kind)(base + 3);
	case TR_BPF_MOD: return (enum bpf_kind)(base + 4);
	case TR_BPF_AND: return (enum bpf_kind)(base + 5);
	case TR_BPF_OR:  return (enum bpf_kind)(base + 6);
	case TR_BPF_XOR: return (enum bpf_kind)(base + 7);
	case TR_BPF_LSH: return (enum bpf_kind)(base + 8);
	default:         return (enum bpf_kind)(base + 9);   /* RSH */
	}
}

/* Fused kind for load insn a followed by conditional jump b, or K_COUNT. */
static enum bpf_kind bpf_fused_kind(uint16_t a, uint16_t b)
{
	unsigned row, col;
	switch (a) {
	case TR_BPF_LD | TR_BPF_W | TR_BPF_ABS: row = 0; break;
	case TR_BPF_LD | TR_BPF_H | TR_BPF_ABS: row = 1; break;
	case TR_BPF_LD | TR_BPF_B | TR_BPF_ABS: row = 2; break;
	case TR_BPF_LD | TR_BPF_W | TR_BPF_IND: row = 3; break;
	case TR_BPF_LD | TR_BPF_H | TR_BPF_IND: row = 4; break;
	case TR_BPF_LD | TR_BPF_B | TR_BPF_IND: row = 5; break;
	default: return K_COUNT;
	}
	switch (b) {
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K: col = 0; break;
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_K: col = 1; break;
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_K: col = 2; break;
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_K: col = 3; break;
	default: return K_COUNT;
	}
	return (enum bpf_kind)(K_LDW_ABS_JEQ + row * 4 + col);
}

static bool bpf_is_load(uint16_t code)
{
	uint16_t mode = code & 0xe0u;
	return ((code & 0x07u) == TR_BPF_LD && (mode == TR_BPF_ABS || mode == TR_BPF_IND)) ||
	       code == (TR_BPF_LDX | TR_BPF_MSH | TR_BPF_B);
}

static void bpf_decode(struct tr_bpf_op *ops, const struct tr_bpf_insn *insns, unsigned n)
{
	const void *const *lab;

	pthread_once(&bpf_labels_once, bpf_labels_init);
	lab = bpf_labels;   /* published before pthread_once returned */

	for (unsigned i = 0; i < n; i++) {
		const struct tr_bpf_insn *f = &insns[i];
		struct tr_bpf_op *o = &ops[i];
		enum bpf_kind kind = bpf_kind_of(f->code);

		o->k = f->k;
		o->k2 = 0;
		o->jt = o->jf = 0;
		if (bpf_is_load(f->code)) {
			unsigned sz = bpf_load_size(f->code);
			if (f->k > UINT32_MAX - sz) {
				/* The load end does not fit in 32 bits, so it is out of
				 * range for every caplen: the op is "ret #0". */
				kind = K_RET_K;
				o->k = 0;
			} else {
				o->k = f->k + sz;   /* store the end offset */
				if (i + 1 < n) {
					enum bpf_kind fk = bpf_fused_kind(f->code, insns[i + 1].code);
					if (fk != K_COUNT) {
						const struct tr_bpf_insn *g = &insns[i + 1];
						kind = fk;
						o->k2 = g->k;
						o->jt = (uint16_t)(i + 2 + g->jt);
						o->jf = (uint16_t)(i + 2 + g->jf);
					}
				}
			}
		} else if (f->code == (TR_BPF_JMP | TR_BPF_JA)) {
			o->jt = o->jf = (uint16_t)(i + 1 + f->k);
		} else if (bpf_is_jump(f->code)) {
			o->jt = (uint16_t)(i + 1 + f->jt);
			o->jf = (uint16_t)(i + 1 + f->jf);
		}
		o->h = (int32_t)((const char *)lab[kind] - (const char *)lab[K_RET_K]);
	}
}

struct tr_bpf_prog *tr__bpf_build(const struct tr_bpf_insn *insns, unsigned n, int *err)
{
	struct tr_bpf_prog *p = calloc(1, sizeof(*p));
	int dummy;
	if (!err)
		err = &dummy;
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->n = n;
	p->insns = malloc((size_t)n * sizeof(*p->insns));
	if (posix_memalign((void **)&p->ops, 64, (size_t)n * sizeof(*p->ops)) != 0)
		p->ops = NULL;
	if (!p->insns || !p->ops) {
		tr_bpf_free(p);
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(p->insns, insns, (size_t)n * sizeof(*insns));
	bpf_decode(p->ops, p->insns, n);
	p->head.run = bpf_exec;
	p->head.ctx = p->ops;
	/* The JIT, where it compiles, is the default executor; the
	 * interpreter stays built (tr_bpf_set_jit switches between them). */
	p->jit_fn = tr__bpf_jit(p->insns, n, &p->jit_mem, &p->jit_len);
	if (p->jit_fn) {
		p->head.run = p->jit_fn;
		p->head.ctx = NULL;
	}
	*err = 0;
	return p;
}

struct tr_bpf_prog *tr_bpf_from_insns(const struct tr_bpf_insn *insns, unsigned n,
				      unsigned max_insns, char *errbuf, size_t errlen,
				      int *err)
{
	int dummy, rc;
	if (!err)
		err = &dummy;
	if (max_insns == 0)
		max_insns = TR_BPF_MAX_INSNS_DEFAULT;
	if (n > max_insns) {
		tr__bpf_err(errbuf, errlen, "program too long: %u instructions (max %u)",
			    n, max_insns);
		*err = -E2BIG;
		return NULL;
	}
	rc = tr_bpf_validate(insns, n, errbuf, errlen);
	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	return tr__bpf_build(insns, n, err);
}

bool tr_bpf_jited(const struct tr_bpf_prog *p)
{
	return p && p->jit_fn != NULL && p->head.run == p->jit_fn;
}

int tr_bpf_set_jit(struct tr_bpf_prog *p, bool on)
{
	if (!p)
		return -EINVAL;
	if (!on) {
		p->head.run = bpf_exec;
		p->head.ctx = p->ops;
		return 0;
	}
	if (!p->jit_fn)
		return -ENOTSUP;
	p->head.run = p->jit_fn;
	p->head.ctx = NULL;
	return 0;
}

unsigned tr_bpf_run_burst(const struct tr_bpf_prog *p, const uint8_t *const *pkts,
			  const uint32_t *lens, uint32_t *verdicts, unsigned n)
{
	unsigned pass = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t v = p ? p->head.run(p->head.ctx, pkts[i], lens[i], lens[i]) : UINT32_MAX;
		verdicts[i] = v;
		pass += v != 0;
	}
	return pass;
}

const struct tr_bpf_insn *tr_bpf_insns(const struct tr_bpf_prog *p, unsigned *n)
{
	if (!p) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = p->n;
	return p->insns;
}

int tr_bpf_dump(const struct tr_bpf_prog *p, FILE *f)
{
	if (!p || !f)
		return -EINVAL;
	if (fprintf(f, "%u\n", p->n) < 0)
		return -EIO;
	for (unsigned i = 0; i < p->n; i++) {
		const struct tr_bpf_insn *x = &p->insns[i];
		if (fprintf(f, "%u %u %u %" PRIu32 "\n", x->code, x->jt, x->jf, x->k) < 0)
			return -EIO;
	}
	return 0;
}

void tr_bpf_free(struct tr_bpf_prog *p)
{
	if (!p)
		return;
	if (p->jit_mem)
		munmap(p->jit_mem, p->jit_len);
	free(p->insns);
	free(p->ops);
	free(p);
}

/* ---- -ddd text ------------------------------------------------------------ */

/* Parse one unsigned decimal number; skips spaces, tabs, commas, newlines and
 * '#' comments to end of line. Returns 1 on a number, 0 at end, -1 on junk. */
static int ddd_next(const char **sp, unsigned long long *out)
{
	const char *s = *sp;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
			continue;
		}
		break;
	}
	if (*s == '\0') {
		*sp = s;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = 0;
	while (*s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		s++;
	}
	*sp = s;
	*out = v;
	return 1;
}

struct tr_bpf_prog *tr_bpf_load_ddd(const char *text, unsigned max_insns,
				    char *errbuf, size_t errlen, int *err)
{
	int dummy;
	unsigned long long cnt, v[4];
	const char *s = text;
	struct tr_bpf_insn *insns;
	struct tr_bpf_prog *p;

	if (!err)
		err = &dummy;
	if (max_insns == 0)
		max_insns = TR_BPF_MAX_INSNS_DEFAULT;
	if (!text || ddd_next(&s, &cnt) != 1) {
		tr__bpf_err(errbuf, errlen, "ddd: expected an instruction count");
		*err = -EINVAL;
		return NULL;
	}
	if (cnt == 0) {
		tr__bpf_err(errbuf, errlen, "empty program");
		*err = -EINVAL;
		return NULL;
	}
	if (cnt > max_insns) {
		tr__bpf_err(errbuf, errlen, "program too long: %llu instructions (max %u)",
			    cnt, max_insns);
		*err = -E2BIG;
		return NULL;
	}
	insns = calloc((size_t)cnt, sizeof(*insns));
	if (!insns) {
		*err = -ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < cnt; i++) {
		for (int j = 0; j < 4; j++) {
			int r = ddd_next(&s, &v[j]);
			if (r != 1) {
				if (r == 0)
					tr__bpf_err(errbuf, errlen,
						    "ddd: expected %llu instructions, got %u", cnt, i);
				else
					tr__bpf_err(errbuf, errlen,
						    "ddd: instruction %u: not a decimal number", i);
				free(insns);
				*err = -EINVAL;
				return NULL;
			}
		}
		if (v[0] > 0xffff || v[1] > 0xff || v[2] > 0xff || v[3] > 0xffffffffull) {
			tr__bpf_err(errbuf, errlen, "ddd: instruction %u: field out of range", i);
			free(insns);
			*err = -EINVAL;
			return NULL;
		}
		insns[i].code = (uint16_t)v[0];
		insns[i].jt = (uint8_t)v[1];
		insns[i].jf = (uint8_t)v[2];
		insns[i].k = (uint32_t)v[3];
	}
	if (ddd_next(&s, &v[0]) != 0) {
		tr__bpf_err(errbuf, errlen, "ddd: trailing data after %llu instructions", cnt);
		free(insns);
		*err = -EINVAL;
		return NULL;
	}
	p = tr_bpf_from_insns(insns, (unsigned)cnt, max_insns, errbuf, errlen, err);
	free(insns);
	return p;
}
