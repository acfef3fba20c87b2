/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private cBPF program representation (never installed).
 *
 * A program keeps its validated instructions and a pre-decoded copy for the
 * direct-threaded executor: ops[i] corresponds to insns[i], so jump targets
 * need no remapping. ops[i].h locates the executor's handler label for that
 * op (an offset from its first label). A "fused" op at i also performs insns[i + 1] (load + compare
 * + branch in one dispatch); ops[i + 1] still exists unchanged for paths that
 * jump straight to it.
 *
 * This header must not include libpcap or Linux filter headers (both define
 * struct bpf_insn).
 */
#ifndef TAPRING_FILTER_BPF_PVT_H
#define TAPRING_FILTER_BPF_PVT_H

#include <stdint.h>

#include <tapring/filter.h>

#include "stage_pvt.h"

/* 16 bytes, so long programs stay small in the cache (4 ops per line). */
struct tr_bpf_op {
	int32_t h;                      /* handler label, as an offset from the executor's first label */
	uint32_t k;                     /* operand (offset, constant, index) */
	uint32_t k2;                    /* second operand: fused compare constant */
	uint16_t jt;                    /* taken / ja target op index (n <= 65535) */
	uint16_t jf;                    /* not-taken target op index */
};
_Static_assert(sizeof(struct tr_bpf_op) == 16, "op is 16 bytes");

/* Entry point shared by the JIT output and the interpreter: ctx is the op
 * array for the interpreter and ignored by JIT code. */
typedef uint32_t (*tr__bpf_fn)(const void *ctx, const uint8_t *pkt,
			       uint32_t wirelen, uint32_t caplen);

struct tr_bpf_prog {
	struct tr__bpf_head head;       /* must stay first: run (JIT or interpreter) + ctx */
	unsigned n;
	struct tr_bpf_insn *insns;      /* n validated instructions */
	struct tr_bpf_op *ops;          /* n decoded ops (interpreter; always built) */
	void *jit_mem;                  /* JIT mapping (read+exec) or NULL */
	size_t jit_len;
	tr__bpf_fn jit_fn;              /* JIT entry point, or NULL */
};

/* Internal: build a program from already-validated instructions. */
struct tr_bpf_prog *tr__bpf_build(const struct tr_bpf_insn *insns, unsigned n, int *err);

/* Internal: JIT-compile validated insns (x86-64 only). Returns the entry
 * point and its mapping, or NULL (unsupported arch, out of memory). */
tr__bpf_fn tr__bpf_jit(const struct tr_bpf_insn *insns, unsigned n, void **mem, size_t *memlen);

/* Internal: snprintf into an optional error buffer. */
/* bpf_tun.c: a TUN takes an eBPF translation (TUNSETFILTEREBPF). */
int tr__bpf_attach_tun(int tun_fd, const struct tr_bpf_prog *p);
int tr__bpf_detach_tun(int tun_fd);
int tr__bpf_fd_is_tun(int fd);

/* Error buffers are written by the engine's one formatter. */
#define tr__bpf_err tr__errf

#endif /* TAPRING_FILTER_BPF_PVT_H */
