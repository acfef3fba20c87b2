/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Differential test: tr_bpf_run() must return exactly what libpcap's
 * bpf_filter() returns, for ~50 expressions (optimized and not) over a
 * synthetic mix of frames (VLAN, QinQ, IPv6 ext headers, fragments, ARP,
 * runts, garbage) at several caplen/wirelen combinations. Every frame sits at
 * the end of a guard page, so any over-read crashes. Any mismatch prints the
 * expression, the frame index and both verdicts.
 */
#include <pcap/pcap.h>

#include <tapring/filter.h>

#include "helpers.h"
#include "filter/pkts.h"

static const char *const exprs[] = {
	"udp port 53",
	"tcp port 80",
	"port 443",
	"not port 22",
	"net 10.0.0.0/8 and not port 22",
	"host 10.77.0.1",
	"src host 192.168.1.1 or dst host 8.8.8.8",
	"dst net 10.77.0.0/16",
	"net 172.16.0.0/12",
	"vlan",
	"vlan 100",
	"vlan and udp",
	"vlan 100 and vlan 200",
	"vlan and vlan and tcp",
	"ip6",
	"ip6 proto 17",
	"ip6 and tcp port 443",
	"ip6 host fd77::1",
	"ip6 multicast",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"icmp",
	"icmp[icmptype] == icmp-echo",
	"icmp6",
	"icmp6 and ip6[40] == 128",
	"arp",
	"arp and arp[6:2] == 1",
	"ether[0] & 1 != 0",
	"ether broadcast",
	"ether multicast",
	"ether src 02:00:00:00:00:01",
	"len > 100",
	"len <= 64",
	"greater 200",
	"less 80",
	"ip[6:2] & 0x1fff != 0",
	"ip[6:2] & 0x2000 != 0",
	"ip and ip[2:2] / 4 > 20",
	"ip[2:2] % 7 == 3",
	"ip[8] * 2 > 100",
	"(ip[2:2] - 20) >> 2 > 5",
	"ip[0] << 2 > 300",
	"ip[0] & 0xf != 5",
	"tcp and tcp[13] ^ 0x12 == 0",
	"udp and udp[4:2] - 8 < 32",
	"ip proto 47",
	"ip6 and ip6[6] == 44",
	"portrange 1000-2000",
	"tcp dst portrange 1-1024",
	"ip multicast",
	"ip and len - 14 != ip[2:2]",
	"ether[ether[0] & 0x3f : 2] > 1000",
	"udp and udp[udp[4:2] - 2 : 2] != 0",
	"ip and 1000 / (ip[8] - 64) == 0",
	"ip and ip[8] % (ip[9] - 6) == 1",
	"ip and ip[1] | ip[0] == 0x45",
	"ip and -ip[8] < 0xffffffc0",
	"tcp[0:4] = 0x01bb0050 or udp[2:2] = 53",
	"ip[ip[0] & 0xf : 1] > 0",
	"ip and ip[0] >> (ip[8] & 0x3f) == 0",
	"ip and ip[0] << (ip[8] & 0x3f) != 0",
	"(tcp or udp) and (port 1 or port 2 or port 3 or port 53 or port 80 or port 443)",
	"not (arp or ip6 or vlan)",
};

struct variant {
	const uint8_t *pkt;    /* guard buffer of caplen bytes */
	uint32_t caplen, wirelen;
	unsigned frame;
};

int main(void)
{
	static struct fp_pkt frames[192];
	static struct variant vars[192 * 8];
	unsigned nframes = fp_build_mix(frames, 192, 0x5eed1234u);
	unsigned nvars = 0;
	unsigned long mismatches = 0, runs = 0, accepted = 0;

	T_ASSERT(nframes == 192);
	for (unsigned i = 0; i < nframes; i++) {
		uint32_t len = frames[i].len;
		uint32_t caps[8] = { len, len, len ? len - 1 : 0, len / 2, 14, 34, 54, 0 };
		uint32_t wires[8] = { len, len + 100, len, len, len, len, len, 60 };
		for (unsigned v = 0; v < 8; v++) {
			uint32_t cap = caps[v] > len ? len : caps[v];
			uint32_t wire = wires[v] < cap ? cap : wires[v];
			vars[nvars].pkt = t_guard_copy(frames[i].data, cap);
			vars[nvars].caplen = cap;
			vars[nvars].wirelen = wire;
			vars[nvars].frame = i;
			nvars++;
		}
	}

	for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		for (int opt = 0; opt <= 1; opt++) {
			pcap_t *pc = pcap_open_dead(DLT_EN10MB, 262144);
			struct bpf_program bp;
			char err[256] = "";
			int rc;
			T_ASSERT(pc);
			if (pcap_compile(pc, &bp, exprs[e], opt, 0) != 0) {
				fprintf(stderr, "libpcap cannot compile \"%s\": %s\n", exprs[e], pcap_geterr(pc));
				T_CHECK(0);
				pcap_close(pc);
				continue;
			}
			/* the interpreter and (where available) the JIT */
			struct tr_bpf_prog *pi = tr_bpf_compile(exprs[e], 262144, opt, 0, 0, err, sizeof(err), &rc);
			if (pi)
				tr_bpf_set_jit(pi, false);   /* the interpreter */
			struct tr_bpf_prog *p = tr_bpf_compile(exprs[e], 262144, opt, 0, 0, err, sizeof(err), &rc);
			T_CHECK(pi != NULL && !tr_bpf_jited(pi));
			if (!p || !pi) {
				fprintf(stderr, "tr_bpf_compile(\"%s\", opt=%d) failed: %s\n", exprs[e], opt, err);
				T_CHECK(0);
				tr_bpf_free(p);
				tr_bpf_free(pi);
				pcap_freecode(&bp);
				pcap_close(pc);
				continue;
			}
			/* Same instructions as libpcap produced. */
			unsigned n = 0;
			const struct tr_bpf_insn *ins = tr_bpf_insns(p, &n);
			T_CHECK_EQ(n, bp.bf_len);
			T_CHECK(n == bp.bf_len && memcmp(ins, bp.bf_insns, n * sizeof(*ins)) == 0);

			unsigned long bad_here = 0;
			for (unsigned v = 0; v < nvars; v++) {
				const struct variant *vr = &vars[v];
				uint32_t want = bpf_filter(bp.bf_insns, vr->pkt, vr->wirelen, vr->caplen);
				uint32_t got = tr_bpf_run(p, vr->pkt, vr->wirelen, vr->caplen);
				uint32_t got_i = tr_bpf_run(pi, vr->pkt, vr->wirelen, vr->caplen);
				runs++;
				accepted += want != 0;
				if (want != got || want != got_i) {
					if (bad_here++ < 5)
						fprintf(stderr, "MISMATCH \"%s\" opt=%d frame %u (caplen %u wirelen %u): libpcap %u, ours %u (jit=%d), interpreter %u\n",
							exprs[e], opt, vr->frame, vr->caplen, vr->wirelen, want, got,
							tr_bpf_jited(p), got_i);
				}
			}
			mismatches += bad_here;
			T_CHECK_EQ(bad_here, 0);
			tr_bpf_free(p);
			tr_bpf_free(pi);
			pcap_freecode(&bp);
			pcap_close(pc);
		}
	}
	printf("%lu runs, %lu accepted, %lu mismatches\n", runs, accepted, mismatches);
	/* The mix must exercise both outcomes, or the comparison is vacuous. */
	T_CHECK(accepted > runs / 20);
	T_CHECK(accepted < runs - runs / 20);
	return t_done();
}
