/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Classic BPF (cBPF): compile pcap filter expressions, validate programs,
 * run them fast, and attach them to a TAP device in the kernel.
 *
 * A struct tr_bpf_prog is immutable once built: every constructor validates
 * the instructions (tr_bpf_validate) and pre-decodes them for the executor.
 * Any number of threads may call tr_bpf_run() on one program concurrently;
 * tr_bpf_run() takes no lock, allocates nothing and makes no syscall.
 *
 * Verdicts are bit-exact with libpcap 1.10's bpf_filter(): the return value
 * is the snap length the program returns (0 = reject), including the
 * out-of-range load rule (a load past caplen returns 0), division by X == 0
 * (returns 0) and X shifts >= 32 (A becomes 0).
 *
 * The validator is stricter than libpcap's bpf_validate() in three ways, all
 * of which the Linux kernel's checker also enforces (so every accepted
 * program can be attached with TUNATTACHFILTER if it is short enough):
 * jumps only go forward (libpcap's "protochain" uses backward jumps and is
 * rejected), constant shifts must be < 32, and a scratch-memory slot may
 * not be loaded on a path where it was not stored first.
 */
#ifndef TAPRING_FILTER_H
#define TAPRING_FILTER_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One cBPF instruction; same layout as libpcap's and Linux's struct
 * bpf_insn / struct sock_filter (8 bytes). */
struct tr_bpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* Instruction classes, sizes, modes, ops (the classic encoding). */
#define TR_BPF_LD    0x00u
#define TR_BPF_LDX   0x01u
#define TR_BPF_ST    0x02u
#define TR_BPF_STX   0x03u
#define TR_BPF_ALU   0x04u
#define TR_BPF_JMP   0x05u
#define TR_BPF_RET   0x06u
#define TR_BPF_MISC  0x07u
#define TR_BPF_W     0x00u
#define TR_BPF_H     0x08u
#define TR_BPF_B     0x10u
#define TR_BPF_IMM   0x00u
#define TR_BPF_ABS   0x20u
#define TR_BPF_IND   0x40u
#define TR_BPF_MEM   0x60u
#define TR_BPF_LEN   0x80u
#define TR_BPF_MSH   0xa0u
#define TR_BPF_ADD   0x00u
#define TR_BPF_SUB   0x10u
#define TR_BPF_MUL   0x20u
#define TR_BPF_DIV   0x30u
#define TR_BPF_OR    0x40u
#define TR_BPF_AND   0x50u
#define TR_BPF_LSH   0x60u
#define TR_BPF_RSH   0x70u
#define TR_BPF_NEG   0x80u
#define TR_BPF_MOD   0x90u
#define TR_BPF_XOR   0xa0u
#define TR_BPF_JA    0x00u
#define TR_BPF_JEQ   0x10u
#define TR_BPF_JGT   0x20u
#define TR_BPF_JGE   0x30u
#define TR_BPF_JSET  0x40u
#define TR_BPF_K     0x00u
#define TR_BPF_X     0x08u
#define TR_BPF_A     0x10u
#define TR_BPF_TAX   0x00u
#define TR_BPF_TXA   0x80u

#define TR_BPF_MEMWORDS          16u
#define TR_BPF_MAX_INSNS_DEFAULT 8192u    /* max_insns == 0 means this */
#define TR_BPF_MAX_INSNS         65535u   /* hard cap of tr_bpf_validate */
#define TR_BPF_KERNEL_MAX_INSNS  4096u    /* Linux BPF_MAXINSNS (TUNATTACHFILTER) */
#define TR_BPF_NETMASK_UNKNOWN   0xffffffffu  /* = libpcap's PCAP_NETMASK_UNKNOWN */

struct tr_bpf_prog;

/*
 * Compile a pcap filter expression for Ethernet frames (DLT_EN10MB) with
 * libpcap's pcap_compile(). snaplen (<= 0: 262144) is the value accepting
 * paths return; optimize runs libpcap's optimizer (recommended); netmask is
 * used only by "ip broadcast" (host byte order;
 * TR_BPF_NETMASK_UNKNOWN makes "ip broadcast" a compile error). Programs longer
 * than max_insns (0: TR_BPF_MAX_INSNS_DEFAULT) are rejected.
 *
 * Thread-safe: each call uses its own pcap_open_dead() handle, and
 * pcap_compile() is thread-safe per handle since libpcap 1.8.
 *
 * Returns the program, or NULL with *err set (-EINVAL syntax/semantic error
 * or invalid output, -E2BIG too long, -ENOMEM) and a message in errbuf
 * (libpcap's pcap_geterr() text for expression errors). errbuf may be NULL.
 */
TR_API struct tr_bpf_prog *tr_bpf_compile(const char *expr, int snaplen, bool optimize,
				   uint32_t netmask, unsigned max_insns,
				   char *errbuf, size_t errlen, int *err);

/*
 * The same for frames of link type dlt (a DLT_ value as libpcap's
 * pcap_open_dead takes it: 1 Ethernet, 12 raw IP as a TUN carries it, 276
 * Linux cooked v2, ...). An expression the link type cannot express
 * ("ether host" on raw IP) is -EINVAL with libpcap's message.
 */
TR_API struct tr_bpf_prog *tr_bpf_compile_dlt(const char *expr, int dlt, int snaplen, bool optimize,
				       uint32_t netmask, unsigned max_insns,
				       char *errbuf, size_t errlen, int *err);

/*
 * Load raw cBPF in tcpdump -ddd format: the instruction count, then one line
 * "code jt jf k" (decimal) per instruction. Blank lines are ignored, and '#'
 * starts a comment that runs to the end of its line (a line of its own, or
 * after the numbers); commas between numbers are accepted too (so the
 * "count,code jt jf k,..." one-line form works). Validated like
 * tr_bpf_from_insns. NULL + *err (-EINVAL parse/validation, -E2BIG, -ENOMEM).
 */
TR_API struct tr_bpf_prog *tr_bpf_load_ddd(const char *text, unsigned max_insns,
				    char *errbuf, size_t errlen, int *err);

/* Build a program from n instructions (copied). Validated first. NULL +
 * *err (-EINVAL invalid, -E2BIG n > max_insns, -ENOMEM). */
TR_API struct tr_bpf_prog *tr_bpf_from_insns(const struct tr_bpf_insn *insns, unsigned n,
				      unsigned max_insns, char *errbuf, size_t errlen,
				      int *err);

/*
 * Validate n instructions: 1 <= n <= TR_BPF_MAX_INSNS; only the opcodes
 * libpcap's bpf_filter executes; every jump (jt, jf, ja k) lands forward
 * inside the program; scratch indices < 16; no division or modulo by a
 * constant 0; no constant shift >= 32; no scratch load before a store on
 * some path; the last instruction is a return (with forward-only jumps this
 * means every path ends in a return). Returns 0, -E2BIG (n over
 * TR_BPF_MAX_INSNS, as the constructors over their max_insns) or -EINVAL,
 * with a message naming the instruction in errbuf (may be NULL).
 */
TR_API int tr_bpf_validate(const struct tr_bpf_insn *insns, unsigned n, char *errbuf, size_t errlen);

/*
 * Run p over one frame: pkt holds caplen readable bytes, wirelen is the
 * original length (what "len" loads). Returns what libpcap's
 * bpf_filter(insns, pkt, wirelen, caplen) returns: 0 to reject, else the
 * snap length. p == NULL accepts everything (returns UINT32_MAX), like
 * libpcap. Never reads outside pkt[0, caplen).
 */
static inline uint32_t tr_bpf_run(const struct tr_bpf_prog *p, const uint8_t *pkt,
				  uint32_t wirelen, uint32_t caplen);

/* Run p over n frames (wirelen == caplen == lens[i]); verdicts[i] gets each
 * result. Returns how many verdicts are non-zero. */
TR_API unsigned tr_bpf_run_burst(const struct tr_bpf_prog *p, const uint8_t *const *pkts,
			  const uint32_t *lens, uint32_t *verdicts, unsigned n);

/* True if p runs as x86-64 machine code (JIT), false if it runs in the
 * direct-threaded interpreter (other architectures, JIT failure, or
 * tr_bpf_set_jit(p, false)). Same verdicts. */
TR_API bool tr_bpf_jited(const struct tr_bpf_prog *p);

/* Choose p's executor: on = the JIT (the default wherever it compiled),
 * off = the interpreter (always built; tests and fuzzers compare the
 * two). Not while another thread runs p. 0, -EINVAL (p NULL), or -ENOTSUP
 * (on, but p has no JIT code on this architecture). */
TR_API int tr_bpf_set_jit(struct tr_bpf_prog *p, bool on);

/* The validated instructions (owned by p; valid until tr_bpf_free). */
TR_API const struct tr_bpf_insn *tr_bpf_insns(const struct tr_bpf_prog *p, unsigned *n);

/* Write p in tcpdump -ddd format. 0 or -EIO. */
TR_API int tr_bpf_dump(const struct tr_bpf_prog *p, FILE *f);

TR_API void tr_bpf_free(struct tr_bpf_prog *p);

/*
 * In-kernel prescreen: attach p to a TAP fd with TUNATTACHFILTER. The kernel
 * then runs p on every frame it transmits *to* the TAP (i.e. frames the
 * engine would read) and drops the rejected ones before they are queued;
 * those show up in the device's tx_dropped counter. A non-zero verdict
 * smaller than the frame truncates it (socket-filter semantics). 0 or -errno
 * (-E2BIG over TR_BPF_KERNEL_MAX_INSNS, -EINVAL, -EBADFD/-ENOTTY on a non-TAP
 * fd, ...). Attaching again replaces the filter.
 * On a TUN fd (the kernel takes TUNATTACHFILTER from TAPs only) p, compiled
 * for raw IP, is translated to eBPF, loaded as a socket filter (needs
 * CAP_BPF or CAP_SYS_ADMIN: -EPERM otherwise) and attached with
 * TUNSETFILTEREBPF: the same verdicts on the same raw IP packets.
 */
TR_API int tr_bpf_attach_tap(int tap_fd, const struct tr_bpf_prog *p);
/* Remove the filter set by tr_bpf_attach_tap. 0 or -errno. */
TR_API int tr_bpf_detach_tap(int tap_fd);

/* The device's tx_dropped counter (includes frames a TUNATTACHFILTER filter
 * rejected), read over rtnetlink in the calling thread's network namespace.
 * >= 0, or -errno (-ENODEV if there is no such interface). */
TR_API int64_t tr_tap_kernel_dropped(const char *ifname);

/*
 * Engine prescreen stage (see <tapring/engine.h>): frames p rejects (verdict
 * 0) get TR_ACT_DROP with the named reason `reason` (NULL: "bpf_reject"),
 * registered on e now (so call before tr_engine_start); accepted frames stay
 * TR_ACT_NEXT. The verdict is only accept/reject: frames are never truncated.
 * Add the result with tr_engine_add_stage(e, st). p must outlive the engine;
 * free the stage with tr_bpf_stage_free after tr_engine_destroy. Returns
 * NULL + *err (-EINVAL, -ENOSPC/-EBUSY from tr_engine_counter, -ENOMEM).
 */
struct tr_engine;
struct tr_stage;
TR_API struct tr_stage *tr_bpf_stage(struct tr_engine *e, const struct tr_bpf_prog *p,
			      const char *reason, int *err);
TR_API void tr_bpf_stage_free(struct tr_stage *st);

/* Internal: the first member of every struct tr_bpf_prog, so tr_bpf_run can
 * be one inline indirect call (JIT code or the interpreter). */
struct tr__bpf_head {
	uint32_t (*run)(const void *ctx, const uint8_t *pkt, uint32_t wirelen, uint32_t caplen);
	const void *ctx;
};

static inline uint32_t tr_bpf_run(const struct tr_bpf_prog *p, const uint8_t *pkt,
				  uint32_t wirelen, uint32_t caplen)
{
	const struct tr__bpf_head *h = (const struct tr__bpf_head *)(const void *)p;
	if (__builtin_expect(p == NULL, 0))
		return UINT32_MAX;
	return h->run(h->ctx, pkt, wirelen, caplen);
}

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_FILTER_H */
