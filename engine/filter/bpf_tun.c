/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * In-kernel prescreen on a TUN. TUNATTACHFILTER only works on TAP devices
 * (drivers/net/tun.c: "Can be set only for TAPs"); a TUN takes an eBPF
 * socket filter instead (TUNSETFILTEREBPF), which runs on each packet the
 * kernel queues to the device, on the raw IP packet. This file translates a
 * validated cBPF program into eBPF the way the kernel's own converter does
 * for SO_ATTACH_FILTER, loads it (BPF_PROG_LOAD, SOCKET_FILTER) and attaches
 * it.
 *
 * Register map: A = R0 (the legacy BPF_LD_ABS/IND loads deliver into R0
 * and return 0 from the program when out of bounds, as cBPF does), X = R7,
 * the context (skb) = R6, scratch M[0..15] on the stack at R10 - 64 + 4 i
 * (zeroed first: the verifier refuses reads of unwritten stack). cBPF's
 * two-way conditional jumps become a 32-bit conditional jump and, when the
 * false branch is not the next instruction, an unconditional one. A
 * division or modulo by X = 0 returns 0, as in cBPF.
 *
 * Includes <linux/bpf.h> (its struct bpf_insn): never libpcap headers.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_tun.h>

#include "bpf_pvt.h"

#define R0 0
#define R1 1
#define R6 6
#define R7 7
#define R8 8
#define R10 10
#define PROLOGUE (3 + 16)

static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
	return i;
}

static int16_t mem_off(uint32_t k)
{
	return (int16_t)(-64 + 4 * (int)k);
}

/* eBPF instructions one cBPF instruction becomes (see emit_one). */
static unsigned ebpf_len(const struct tr_bpf_insn *c)
{
	uint16_t cls = BPF_CLASS(c->code);
	switch (cls) {
	case BPF_LDX:
		return BPF_MODE(c->code) == BPF_MSH ? 6 : 1;
	case BPF_ALU:
		if ((BPF_OP(c->code) == BPF_DIV || BPF_OP(c->code) == BPF_MOD) &&
		    BPF_SRC(c->code) == BPF_X)
			return 4;
		return 1;
	case BPF_JMP:
		if (BPF_OP(c->code) == BPF_JA)
			return 1;
		return c->jf ? 2 : 1;
	case BPF_RET:
		return BPF_RVAL(c->code) == BPF_K ? 2 : 1;
	default:
		return 1;
	}
}

/* Translate; out has room for the total. start[i] is the eBPF index of
 * cBPF instruction i (start[n] the end). -EOPNOTSUPP for an ancillary
 * load (negative offsets: pcap_compile emits none for raw IP). */
static int translate(const struct tr_bpf_insn *c, unsigned n, const unsigned *start,
		     struct bpf_insn *out)
{
	unsigned o = 0;
	out[o++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0);
	out[o++] = ins(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, 0);
	out[o++] = ins(BPF_ALU | BPF_MOV | BPF_K, R7, 0, 0, 0);
	for (unsigned k = 0; k < 16; k++)
		out[o++] = ins(BPF_ST | BPF_MEM | BPF_W, R10, 0, mem_off(k), 0);
	for (unsigned i = 0; i < n; i++) {
		uint16_t code = c[i].code, cls = BPF_CLASS(code);
		uint32_t k = c[i].k;
		if (o != start[i])
			return -EINVAL;   /* internal: the sizes disagree */
		switch (cls) {
		case BPF_LD:
			switch (BPF_MODE(code)) {
			case BPF_ABS:
			case BPF_IND:
				if ((int32_t)k < 0)
					return -EOPNOTSUPP;
				out[o++] = ins((uint8_t)code, 0, BPF_MODE(code) == BPF_IND ? R7 : 0, 0,
					       (int32_t)k);
				break;
			case BPF_IMM:
				out[o++] = ins(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, (int32_t)k);
				break;
			case BPF_MEM:
				out[o++] = ins(BPF_LDX | BPF_MEM | BPF_W, R0, R10, mem_off(k), 0);
				break;
			case BPF_LEN:
				out[o++] = ins(BPF_LDX | BPF_MEM | BPF_W, R0, R6,
					       (int16_t)offsetof(struct __sk_buff, len), 0);
				break;
			default:
				return -EOPNOTSUPP;
			}
			break;
		case BPF_LDX:
			switch (BPF_MODE(code)) {
			case BPF_IMM:
				out[o++] = ins(BPF_ALU | BPF_MOV | BPF_K, R7, 0, 0, (int32_t)k);
				break;
			case BPF_MEM:
				out[o++] = ins(BPF_LDX | BPF_MEM | BPF_W, R7, R10, mem_off(k), 0);
				break;
			case BPF_LEN:
				out[o++] = ins(BPF_LDX | BPF_MEM | BPF_W, R7, R6,
					       (int16_t)offsetof(struct __sk_buff, len), 0);
				break;
			case BPF_MSH:
				/* X = 4 * (P[k] & 0xf); the load clobbers R0 (A). */
				if ((int32_t)k < 0)
					return -EOPNOTSUPP;
				out[o++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, R8, R0, 0, 0);
				out[o++] = ins(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, (int32_t)k);
				out[o++] = ins(BPF_ALU | BPF_AND | BPF_K, R0, 0, 0, 0xf);
				out[o++] = ins(BPF_ALU | BPF_LSH | BPF_K, R0, 0, 0, 2);
				out[o++] = ins(BPF_ALU | BPF_MOV | BPF_X, R7, R0, 0, 0);
				out[o++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, R0, R8, 0, 0);
				break;
			default:
				return -EOPNOTSUPP;
			}
			break;
		case BPF_ST:
			out[o++] = ins(BPF_STX | BPF_MEM | BPF_W, R10, R0, mem_off(k), 0);
			break;
		case BPF_STX:
			out[o++] = ins(BPF_STX | BPF_MEM | BPF_W, R10, R7, mem_off(k), 0);
			break;
		case BPF_ALU:
			if (BPF_OP(code) == BPF_NEG) {
				out[o++] = ins(BPF_ALU | BPF_NEG, R0, 0, 0, 0);
			} else if (BPF_SRC(code) == BPF_X) {
				if (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) {
					out[o++] = ins(BPF_JMP | BPF_JNE | BPF_K, R7, 0, 2, 0);
					out[o++] = ins(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, 0);
					out[o++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
				}
				out[o++] = ins((uint8_t)code, R0, R7, 0, 0);
			} else {
				out[o++] = ins((uint8_t)code, R0, 0, 0, (int32_t)k);
			}
			break;
		case BPF_JMP: {
			unsigned here_end;
			if (BPF_OP(code) == BPF_JA) {
				here_end = o + 1;
				out[o++] = ins(BPF_JMP | BPF_JA, 0, 0,
					       (int16_t)((int)start[i + 1 + k] - (int)here_end), 0);
				break;
			}
			unsigned t = start[i + 1 + c[i].jt], f = start[i + 1 + c[i].jf];
			here_end = o + 1;
			out[o++] = ins((uint8_t)(BPF_JMP32 | BPF_OP(code) | BPF_SRC(code)), R0,
				       BPF_SRC(code) == BPF_X ? R7 : 0,
				       (int16_t)((int)t - (int)here_end), (int32_t)k);
			if (c[i].jf) {
				here_end = o + 1;
				out[o++] = ins(BPF_JMP | BPF_JA, 0, 0, (int16_t)((int)f - (int)here_end), 0);
			}
			break;
		}
		case BPF_RET:
			if (BPF_RVAL(code) == BPF_K)
				out[o++] = ins(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, (int32_t)k);
			else if (BPF_RVAL(code) == BPF_X)
				return -EOPNOTSUPP;
			out[o++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			break;
		case BPF_MISC:
			if (BPF_MISCOP(code) == BPF_TAX)
				out[o++] = ins(BPF_ALU | BPF_MOV | BPF_X, R7, R0, 0, 0);
			else
				out[o++] = ins(BPF_ALU | BPF_MOV | BPF_X, R0, R7, 0, 0);
			break;
		default:
			return -EOPNOTSUPP;
		}
	}
	return o == start[n] ? 0 : -EINVAL;
}

int tr__bpf_attach_tun(int tun_fd, const struct tr_bpf_prog *p)
{
	unsigned n = p->n;
	unsigned *start = malloc((n + 1) * sizeof(*start));
	if (!start)
		return -ENOMEM;
	start[0] = PROLOGUE;
	for (unsigned i = 0; i < n; i++)
		start[i + 1] = start[i] + ebpf_len(&p->insns[i]);
	/* eBPF jump offsets are 16-bit. */
	if (start[n] > 32767) {
		free(start);
		return -E2BIG;
	}
	struct bpf_insn *e = calloc(start[n], sizeof(*e));
	if (!e) {
		free(start);
		return -ENOMEM;
	}
	int rc = translate(p->insns, n, start, e);
	if (rc == 0) {
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		attr.insns = (uint64_t)(uintptr_t)e;
		attr.insn_cnt = start[n];
		attr.license = (uint64_t)(uintptr_t)"BSD";
		int pfd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (pfd < 0) {
			rc = -errno;
		} else {
			/* The device keeps its own reference to the program. */
			if (ioctl(tun_fd, TUNSETFILTEREBPF, &pfd) < 0)
				rc = -errno;
			close(pfd);
		}
	}
	free(e);
	free(start);
	return rc;
}

int tr__bpf_detach_tun(int tun_fd)
{
	int none = -1;
	return ioctl(tun_fd, TUNSETFILTEREBPF, &none) < 0 ? -errno : 0;
}

/* 1 for a TUN fd, 0 for a TAP, -errno when it is neither. */
int tr__bpf_fd_is_tun(int fd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	return (ifr.ifr_flags & IFF_TUN) ? 1 : 0;
}
