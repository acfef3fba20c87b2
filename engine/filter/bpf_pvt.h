/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private cBPF program representation (never installed).
 *
 * A program keeps its validated instructions and a pre-decoded copy for the
 * direct-threaded executor: ops[i] corresponds to insns[i], so jump targets
 * need no remapping. ops[i].h is the address of the executor's handler label
 * for that op. A "fused" op at i also performs insns[i + 1] (load + compare
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

struct tr_bpf_op {
	const void *h;                  /* handler label (computed goto) */
	uint32_t k;                     /* operand (offset, constant, index) */
	uint32_t k2;                    /* second operand: load end (ABS) or fused compare constant */
	const struct tr_bpf_op *jt;     /* taken / ja target */
	const struct tr_bpf_op *jf;     /* not-taken target */
};

struct tr_bpf_prog {
	unsigned n;
	struct tr_bpf_insn *insns;      /* n validated instructions */
	struct tr_bpf_op *ops;          /* n decoded ops */
};

/* Internal: build a program from already-validated instructions. */
struct tr_bpf_prog *tr__bpf_build(const struct tr_bpf_insn *insns, unsigned n, int *err);

/* Internal: snprintf into an optional error buffer. */
void tr__bpf_err(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* TAPRING_FILTER_BPF_PVT_H */
