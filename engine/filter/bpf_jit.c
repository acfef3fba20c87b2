/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86-64 JIT for validated cBPF programs.
 *
 * Generated function (System V ABI, leaf, no stack frame):
 *   uint32_t fn(const void *ctx, const uint8_t *pkt, uint32_t wirelen, uint32_t caplen)
 * ctx is ignored (the signature matches the interpreter entry so a program
 * holds one function pointer). Register use:
 *   eax = A, ecx = X (so variable shifts can use %cl), rdi = pkt,
 *   r8d = wirelen, r10d = caplen, edx/r9/r11 scratch (div clobbers edx),
 *   M[0..15] live in the red zone at -64(%rsp) .. -4(%rsp).
 * Every packet load is bounds-checked exactly like the interpreter (load
 * end > caplen -> return 0); each cBPF instruction becomes a short fixed
 * sequence, and every jump is a rel32 jump resolved in a second pass.
 *
 * Memory is mapped read-write, filled, then switched to read-execute
 * (W^X: never writable and executable at once).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf_pvt.h"

#if defined(__x86_64__)

struct jit {
	uint8_t *buf;
	size_t cap, len;
	uint32_t *addr;        /* code offset of each instruction */
	struct { uint32_t at; uint32_t target; } *fix;   /* rel32 slots to patch */
	unsigned nfix, capfix;
	bool oom;
};

#define TGT_RET0 UINT32_MAX   /* fixup target: the shared "return 0" stub */

static void emit(struct jit *j, const void *b, size_t n)
{
	if (j->len + n > j->cap) {
		j->oom = true;
		return;
	}
	memcpy(j->buf + j->len, b, n);
	j->len += n;
}

#define E(...) do { const uint8_t b_[] = { __VA_ARGS__ }; emit(j, b_, sizeof(b_)); } while (0)

static void emit32(struct jit *j, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	emit(j, b, 4);
}

/* A rel32 placeholder for jump target (instruction index or TGT_RET0). */
static void emit_rel(struct jit *j, uint32_t target)
{
	if (j->nfix == j->capfix) {
		unsigned nc = j->capfix ? j->capfix * 2 : 64;
		void *nf = realloc(j->fix, nc * sizeof(*j->fix));
		if (!nf) {
			j->oom = true;
			return;
		}
		j->fix = nf;
		j->capfix = nc;
	}
	j->fix[j->nfix].at = (uint32_t)j->len;
	j->fix[j->nfix].target = target;
	j->nfix++;
	emit32(j, 0);
}

static void jcc(struct jit *j, uint8_t cc, uint32_t target)   /* 0F 8x rel32 */
{
	E(0x0f, cc);
	emit_rel(j, target);
}

static void jmp(struct jit *j, uint32_t target)
{
	E(0xe9);
	emit_rel(j, target);
}

enum { CC_B = 0x82, CC_AE = 0x83, CC_E = 0x84, CC_NE = 0x85, CC_BE = 0x86, CC_A = 0x87 };

/* Conditional branch at insn i: condition cc true -> jt, else jf. */
static void branch(struct jit *j, unsigned i, uint8_t cc, const struct tr_bpf_insn *f)
{
	uint32_t t = i + 1 + f->jt, e = i + 1 + f->jf, next = i + 1;
	if (t == e) {
		if (t != next)
			jmp(j, t);
	} else if (t == next) {
		jcc(j, (uint8_t)(cc ^ 1), e);   /* inverted condition */
	} else {
		jcc(j, cc, t);
		if (e != next)
			jmp(j, e);
	}
}

/* Packet load of size sz at absolute offset k into eax (or ecx for MSH).
 * The bounds check is left out when every path here already proved
 * caplen >= proven >= k + sz. */
static void load_abs(struct jit *j, unsigned sz, uint32_t k, bool msh, uint32_t proven)
{
	uint32_t end = k + sz;   /* no overflow: the caller checked */
	if (end > proven) {
		/* cmp $end, %r10d ; jb ret0 */
		E(0x41, 0x81, 0xfa);
		emit32(j, end);
		jcc(j, CC_B, TGT_RET0);
	}
	if (k <= INT32_MAX - 8) {
		/* disp32(%rdi) */
		if (msh)
			E(0x0f, 0xb6, 0x8f);        /* movzbl k(%rdi), %ecx */
		else if (sz == 4)
			E(0x8b, 0x87);              /* mov k(%rdi), %eax */
		else if (sz == 2)
			E(0x0f, 0xb7, 0x87);        /* movzwl */
		else
			E(0x0f, 0xb6, 0x87);        /* movzbl */
		emit32(j, k);
	} else {
		/* mov $end, %r9d ; load -sz(%rdi,%r9,1) */
		E(0x41, 0xb9);
		emit32(j, end);
		if (msh)
			E(0x42, 0x0f, 0xb6, 0x4c, 0x0f, 0xff);
		else if (sz == 4)
			E(0x42, 0x8b, 0x44, 0x0f, 0xfc);
		else if (sz == 2)
			E(0x42, 0x0f, 0xb7, 0x44, 0x0f, 0xfe);
		else
			E(0x42, 0x0f, 0xb6, 0x44, 0x0f, 0xff);
	}
	if (msh) {
		E(0x83, 0xe1, 0x0f);    /* and $15, %ecx */
		E(0xc1, 0xe1, 0x02);    /* shl $2, %ecx */
	} else if (sz == 4) {
		E(0x0f, 0xc8);          /* bswap %eax */
	} else if (sz == 2) {
		E(0x66, 0xc1, 0xc0, 0x08);  /* rol $8, %ax (upper half stays 0) */
	}
}

/* Packet load of size sz at X + k into eax; end = k + sz fits in 32 bits. */
static void load_ind(struct jit *j, unsigned sz, uint32_t end)
{
	E(0x41, 0x89, 0xc9);            /* mov %ecx, %r9d   (zero-extends) */
	E(0x41, 0xbb);                  /* mov $end, %r11d */
	emit32(j, end);
	E(0x4d, 0x01, 0xd9);            /* add %r11, %r9    (64-bit: no wrap) */
	E(0x4d, 0x39, 0xd1);            /* cmp %r10, %r9 */
	jcc(j, CC_A, TGT_RET0);         /* X + k + sz > caplen -> 0 */
	if (sz == 4) {
		E(0x42, 0x8b, 0x44, 0x0f, 0xfc);        /* mov -4(%rdi,%r9), %eax */
		E(0x0f, 0xc8);
	} else if (sz == 2) {
		E(0x42, 0x0f, 0xb7, 0x44, 0x0f, 0xfe);  /* movzwl -2(%rdi,%r9), %eax */
		E(0x66, 0xc1, 0xc0, 0x08);
	} else {
		E(0x42, 0x0f, 0xb6, 0x44, 0x0f, 0xff);  /* movzbl -1(%rdi,%r9), %eax */
	}
}

static unsigned load_size(uint16_t code)
{
	switch (code & 0x18u) {
	case TR_BPF_W: return 4;
	case TR_BPF_H: return 2;
	default: return 1;
	}
}

static void jit_insn(struct jit *j, const struct tr_bpf_insn *insns, unsigned i, uint32_t proven)
{
	const struct tr_bpf_insn *f = &insns[i];
	uint32_t k = f->k;
	uint8_t mdisp = (uint8_t)(-64 + 4 * (int)(k & 15));   /* M[k] in the red zone */

	switch (f->code) {
	case TR_BPF_RET | TR_BPF_K:
		E(0xb8); emit32(j, k); E(0xc3);          /* mov $k, %eax ; ret */
		break;
	case TR_BPF_RET | TR_BPF_A:
		E(0xc3);
		break;
	case TR_BPF_LD | TR_BPF_W | TR_BPF_ABS:
	case TR_BPF_LD | TR_BPF_H | TR_BPF_ABS:
	case TR_BPF_LD | TR_BPF_B | TR_BPF_ABS:
	case TR_BPF_LDX | TR_BPF_MSH | TR_BPF_B: {
		unsigned sz = load_size(f->code);
		if (k > UINT32_MAX - sz)
			jmp(j, TGT_RET0);               /* always out of range */
		else
			load_abs(j, sz, k, f->code == (TR_BPF_LDX | TR_BPF_MSH | TR_BPF_B), proven);
		break;
	}
	case TR_BPF_LD | TR_BPF_W | TR_BPF_IND:
	case TR_BPF_LD | TR_BPF_H | TR_BPF_IND:
	case TR_BPF_LD | TR_BPF_B | TR_BPF_IND: {
		unsigned sz = load_size(f->code);
		if (k > UINT32_MAX - sz)
			jmp(j, TGT_RET0);
		else
			load_ind(j, sz, k + sz);
		break;
	}
	case TR_BPF_LD | TR_BPF_W | TR_BPF_LEN:  E(0x44, 0x89, 0xc0); break;   /* mov %r8d, %eax */
	case TR_BPF_LDX | TR_BPF_W | TR_BPF_LEN: E(0x44, 0x89, 0xc1); break;   /* mov %r8d, %ecx */
	case TR_BPF_LD | TR_BPF_IMM:  E(0xb8); emit32(j, k); break;
	case TR_BPF_LDX | TR_BPF_IMM: E(0xb9); emit32(j, k); break;
	case TR_BPF_LD | TR_BPF_MEM:  E(0x8b, 0x44, 0x24, mdisp); break;       /* mov d(%rsp), %eax */
	case TR_BPF_LDX | TR_BPF_MEM: E(0x8b, 0x4c, 0x24, mdisp); break;
	case TR_BPF_ST:               E(0x89, 0x44, 0x24, mdisp); break;       /* mov %eax, d(%rsp) */
	case TR_BPF_STX:              E(0x89, 0x4c, 0x24, mdisp); break;
	case TR_BPF_JMP | TR_BPF_JA:
		if (k != 0)
			jmp(j, i + 1 + k);
		break;
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_K:
		E(0x3d); emit32(j, k); branch(j, i, CC_E, f); break;                /* cmp $k, %eax */
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_K:
		E(0x3d); emit32(j, k); branch(j, i, CC_A, f); break;
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_K:
		E(0x3d); emit32(j, k); branch(j, i, CC_AE, f); break;
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_K:
		E(0xa9); emit32(j, k); branch(j, i, CC_NE, f); break;               /* test $k, %eax */
	case TR_BPF_JMP | TR_BPF_JEQ | TR_BPF_X:
		E(0x39, 0xc8); branch(j, i, CC_E, f); break;                        /* cmp %ecx, %eax */
	case TR_BPF_JMP | TR_BPF_JGT | TR_BPF_X:
		E(0x39, 0xc8); branch(j, i, CC_A, f); break;
	case TR_BPF_JMP | TR_BPF_JGE | TR_BPF_X:
		E(0x39, 0xc8); branch(j, i, CC_AE, f); break;
	case TR_BPF_JMP | TR_BPF_JSET | TR_BPF_X:
		E(0x85, 0xc8); branch(j, i, CC_NE, f); break;                       /* test %ecx, %eax */
	case TR_BPF_ALU | TR_BPF_ADD | TR_BPF_K: E(0x05); emit32(j, k); break;
	case TR_BPF_ALU | TR_BPF_SUB | TR_BPF_K: E(0x2d); emit32(j, k); break;
	case TR_BPF_ALU | TR_BPF_MUL | TR_BPF_K: E(0x69, 0xc0); emit32(j, k); break; /* imul $k,%eax,%eax */
	case TR_BPF_ALU | TR_BPF_AND | TR_BPF_K: E(0x25); emit32(j, k); break;
	case TR_BPF_ALU | TR_BPF_OR | TR_BPF_K:  E(0x0d); emit32(j, k); break;
	case TR_BPF_ALU | TR_BPF_XOR | TR_BPF_K: E(0x35); emit32(j, k); break;
	case TR_BPF_ALU | TR_BPF_LSH | TR_BPF_K: E(0xc1, 0xe0, (uint8_t)k); break;   /* k < 32: validated */
	case TR_BPF_ALU | TR_BPF_RSH | TR_BPF_K: E(0xc1, 0xe8, (uint8_t)k); break;
	case TR_BPF_ALU | TR_BPF_DIV | TR_BPF_K:
	case TR_BPF_ALU | TR_BPF_MOD | TR_BPF_K:
		/* k != 0 (validated). xor %edx,%edx ; mov $k,%r11d ; div %r11d */
		E(0x31, 0xd2, 0x41, 0xbb); emit32(j, k); E(0x41, 0xf7, 0xf3);
		if ((f->code & 0xf0u) == TR_BPF_MOD)
			E(0x89, 0xd0);                  /* mov %edx, %eax */
		break;
	case TR_BPF_ALU | TR_BPF_ADD | TR_BPF_X: E(0x01, 0xc8); break;
	case TR_BPF_ALU | TR_BPF_SUB | TR_BPF_X: E(0x29, 0xc8); break;
	case TR_BPF_ALU | TR_BPF_MUL | TR_BPF_X: E(0x0f, 0xaf, 0xc1); break;        /* imul %ecx, %eax */
	case TR_BPF_ALU | TR_BPF_AND | TR_BPF_X: E(0x21, 0xc8); break;
	case TR_BPF_ALU | TR_BPF_OR | TR_BPF_X:  E(0x09, 0xc8); break;
	case TR_BPF_ALU | TR_BPF_XOR | TR_BPF_X: E(0x31, 0xc8); break;
	case TR_BPF_ALU | TR_BPF_DIV | TR_BPF_X:
	case TR_BPF_ALU | TR_BPF_MOD | TR_BPF_X:
		E(0x85, 0xc9);                          /* test %ecx, %ecx */
		jcc(j, CC_E, TGT_RET0);                 /* X == 0 -> return 0 */
		E(0x31, 0xd2, 0xf7, 0xf1);              /* xor %edx,%edx ; div %ecx */
		if ((f->code & 0xf0u) == TR_BPF_MOD)
			E(0x89, 0xd0);
		break;
	case TR_BPF_ALU | TR_BPF_LSH | TR_BPF_X:
	case TR_BPF_ALU | TR_BPF_RSH | TR_BPF_X:
		/* A = X < 32 ? A shift X : 0, branch-free */
		E(0x45, 0x31, 0xdb);                    /* xor %r11d, %r11d */
		if ((f->code & 0xf0u) == TR_BPF_LSH)
			E(0xd3, 0xe0);                  /* shl %cl, %eax */
		else
			E(0xd3, 0xe8);                  /* shr %cl, %eax */
		E(0x83, 0xf9, 0x20);                    /* cmp $32, %ecx */
		E(0x41, 0x0f, 0x43, 0xc3);              /* cmovae %r11d, %eax */
		break;
	case TR_BPF_ALU | TR_BPF_NEG: E(0xf7, 0xd8); break;
	case TR_BPF_MISC | TR_BPF_TAX: E(0x89, 0xc1); break;   /* mov %eax, %ecx */
	case TR_BPF_MISC | TR_BPF_TXA: E(0x89, 0xc8); break;   /* mov %ecx, %eax */
	default:
		/* Unreachable for validated programs; refuse to JIT. */
		j->oom = true;
		break;
	}
}

/*
 * Bounds-check elimination: proven[i] is a length that caplen is known to
 * reach on every path into insn i (a load that did not return 0 proves
 * caplen >= its end; an indirect load proves caplen >= k + size since
 * X >= 0). Jumps only go forward, so one pass in order suffices; joins take
 * the minimum. Unreached instructions keep UINT32_MAX (never executed).
 */
static void jit_proven(const struct tr_bpf_insn *insns, unsigned n, uint32_t *proven)
{
	for (unsigned i = 0; i < n; i++)
		proven[i] = UINT32_MAX;
	proven[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct tr_bpf_insn *f = &insns[i];
		uint32_t cur = proven[i], out = cur;
		uint16_t mode = f->code & 0xe0u;
		bool ld = (f->code & 0x07u) == TR_BPF_LD && (mode == TR_BPF_ABS || mode == TR_BPF_IND);
		if (ld || f->code == (TR_BPF_LDX | TR_BPF_MSH | TR_BPF_B)) {
			unsigned sz = load_size(f->code);
			if (f->k <= UINT32_MAX - sz && f->k + sz > out)
				out = f->k + sz;
		}
#define TR__MEET(t) do { if (proven[t] > out) proven[t] = out; } while (0)
		if ((f->code & 0x07u) == TR_BPF_RET)
			continue;
		if (f->code == (TR_BPF_JMP | TR_BPF_JA)) {
			TR__MEET(i + 1 + f->k);
		} else if ((f->code & 0x07u) == TR_BPF_JMP) {
			TR__MEET(i + 1 + f->jt);
			TR__MEET(i + 1 + f->jf);
		} else {
			TR__MEET(i + 1);
		}
#undef TR__MEET
	}
}

tr__bpf_fn tr__bpf_jit(const struct tr_bpf_insn *insns, unsigned n, void **mem, size_t *memlen)
{
	struct jit jj = { 0 }, *j = &jj;
	uint32_t *proven = malloc((size_t)n * sizeof(*proven));
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t ret0;
	void *code = NULL;

	/* Longest sequence per instruction is < 48 bytes. */
	j->cap = (size_t)n * 48 + 64;
	j->buf = malloc(j->cap);
	j->addr = malloc((size_t)n * sizeof(*j->addr));
	if (!j->buf || !j->addr || !proven)
		goto out;
	jit_proven(insns, n, proven);

	/* prologue: endbr64 (a NOP unless indirect-branch tracking is on; the
	 * code is reached by an indirect call), then caplen -> r10d,
	 * wirelen -> r8d, pkt -> rdi, A = X = 0 */
	E(0xf3, 0x0f, 0x1e, 0xfa);  /* endbr64 */
	E(0x41, 0x89, 0xca);        /* mov %ecx, %r10d */
	E(0x41, 0x89, 0xd0);        /* mov %edx, %r8d */
	E(0x48, 0x89, 0xf7);        /* mov %rsi, %rdi */
	E(0x31, 0xc0);              /* xor %eax, %eax */
	E(0x31, 0xc9);              /* xor %ecx, %ecx */
	for (unsigned i = 0; i < n && !j->oom; i++) {
		j->addr[i] = (uint32_t)j->len;
		jit_insn(j, insns, i, proven[i]);
	}
	ret0 = (uint32_t)j->len;
	E(0x31, 0xc0, 0xc3);        /* ret0: xor %eax, %eax ; ret */
	if (j->oom)
		goto out;
	for (unsigned f = 0; f < j->nfix; f++) {
		uint32_t at = j->fix[f].at;
		uint32_t dst = j->fix[f].target == TGT_RET0 ? ret0 : j->addr[j->fix[f].target];
		int32_t rel = (int32_t)((int64_t)dst - (int64_t)(at + 4));
		memcpy(j->buf + at, &rel, 4);
	}

	*memlen = (j->len + pg - 1) / pg * pg;
	code = mmap(NULL, *memlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		code = NULL;
		goto out;
	}
	memcpy(code, j->buf, j->len);
	if (mprotect(code, *memlen, PROT_READ | PROT_EXEC) != 0) {
		munmap(code, *memlen);
		code = NULL;
		goto out;
	}
	*mem = code;
out:
	free(proven);
	free(j->buf);
	free(j->addr);
	free(j->fix);
	return (tr__bpf_fn)code;
}

#else /* !__x86_64__ */

tr__bpf_fn tr__bpf_jit(const struct tr_bpf_insn *insns, unsigned n, void **mem, size_t *memlen)
{
	(void)insns; (void)n; (void)mem; (void)memlen;
	return NULL;
}

#endif
