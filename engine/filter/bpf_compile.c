/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap expression -> cBPF, through libpcap's pcap_compile().
 *
 * This is the only translation unit of the filter module that includes
 * <pcap/pcap.h> (its struct bpf_insn clashes with <linux/filter.h>).
 *
 * Thread safety: every call opens its own pcap_open_dead() handle, and
 * pcap_compile() is thread-safe per handle since libpcap 1.8.0 (libpcap
 * CHANGES, 1.8.0: "pcap_compile() in 1.8.0 and later is newly
 * thread-safe"), so no lock is needed here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "bpf_pvt.h"

_Static_assert(sizeof(struct bpf_insn) == sizeof(struct tr_bpf_insn),
	       "libpcap bpf_insn layout");
_Static_assert(offsetof(struct bpf_insn, code) == offsetof(struct tr_bpf_insn, code) &&
	       offsetof(struct bpf_insn, jt) == offsetof(struct tr_bpf_insn, jt) &&
	       offsetof(struct bpf_insn, jf) == offsetof(struct tr_bpf_insn, jf) &&
	       offsetof(struct bpf_insn, k) == offsetof(struct tr_bpf_insn, k),
	       "libpcap bpf_insn field offsets");

struct tr_bpf_prog *tr_bpf_compile(const char *expr, int snaplen, bool optimize,
				   uint32_t netmask, unsigned max_insns,
				   char *errbuf, size_t errlen, int *err)
{
	return tr_bpf_compile_dlt(expr, DLT_EN10MB, snaplen, optimize, netmask, max_insns,
				  errbuf, errlen, err);
}

struct tr_bpf_prog *tr_bpf_compile_dlt(const char *expr, int dlt, int snaplen, bool optimize,
				       uint32_t netmask, unsigned max_insns,
				       char *errbuf, size_t errlen, int *err)
{
	struct bpf_program bp;
	struct tr_bpf_prog *p;
	pcap_t *pc;
	int dummy, rc;

	if (!err)
		err = &dummy;
	if (!expr) {
		tr__bpf_err(errbuf, errlen, "no filter expression");
		*err = -EINVAL;
		return NULL;
	}
	if (snaplen <= 0)
		snaplen = 262144;
	if (max_insns == 0)
		max_insns = TR_BPF_MAX_INSNS_DEFAULT;

	pc = pcap_open_dead(dlt, snaplen);
	if (!pc) {
		tr__bpf_err(errbuf, errlen, "pcap_open_dead failed");
		*err = -ENOMEM;
		return NULL;
	}
	if (pcap_compile(pc, &bp, expr, optimize ? 1 : 0, netmask) != 0) {
		tr__bpf_err(errbuf, errlen, "%s", pcap_geterr(pc));
		pcap_close(pc);
		*err = -EINVAL;
		return NULL;
	}
	pcap_close(pc);

	if (bp.bf_len > max_insns) {
		tr__bpf_err(errbuf, errlen,
			    "filter compiles to %u instructions, more than the limit of %u",
			    bp.bf_len, max_insns);
		pcap_freecode(&bp);
		*err = -E2BIG;
		return NULL;
	}
	/* Same layout (asserted above). */
	const struct tr_bpf_insn *insns = (const struct tr_bpf_insn *)(const void *)bp.bf_insns;
	char verr[160];
	rc = tr_bpf_validate(insns, bp.bf_len, verr, sizeof(verr));
	if (rc < 0) {
		/* e.g. "ip protochain" compiles to backward jumps. */
		tr__bpf_err(errbuf, errlen, "compiled filter is not supported: %s", verr);
		pcap_freecode(&bp);
		*err = rc;
		return NULL;
	}
	p = tr__bpf_build(insns, bp.bf_len, err);
	pcap_freecode(&bp);
	return p;
}
