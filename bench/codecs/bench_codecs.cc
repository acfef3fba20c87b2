// SPDX-License-Identifier: BSD-2-Clause
//
// Codec benchmarks (Google Benchmark) calling the C API:
//   classify      tr_classify vs DPDK rte_net_get_ptype over the same frames
//   decode        tr_decode of Eth/IPv4/UDP (IPv4 + UDP checksums verified)
//   decode_mix    Eth/IPv4/UDP, Eth/IPv4/TCP+options, Eth/IPv6+ext/ICMPv6,
//                 Eth/IPv4/UDP/DNS, round robin
//   cksum/N       tr_cksum_add vs DPDK rte_raw_cksum at 64, 576, 1500 bytes
// Every tr_ benchmark is registered next to its baseline and the pair runs
// twice (A B A B); the summary prints the better time of each and the ratio.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <tapring/checksum.h>
#include <tapring/decode.h>

#ifdef TR_BENCH_DPDK
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#endif

#include "../../test/codecs/frames.h"

namespace {

struct Frame {
	const uint8_t *p;
	size_t len;
};

// 64-byte-aligned copies so neither side pays for the .rodata layout.
struct FrameSet {
	std::vector<std::vector<uint8_t>> store;
	std::vector<Frame> frames;
	void add(const uint8_t *p, size_t n)
	{
		store.emplace_back(p, p + n);
		frames.push_back({store.back().data(), n});
	}
	void fix()
	{
		for (size_t i = 0; i < frames.size(); i++)
			frames[i].p = store[i].data();
	}
};

FrameSet udp_set, mix_set;

void init_sets()
{
	udp_set.add(frame_ipv4_udp_padded, sizeof(frame_ipv4_udp_padded));
	udp_set.fix();
	mix_set.add(frame_ipv4_udp_padded, sizeof(frame_ipv4_udp_padded));
	mix_set.add(frame_ipv4_opts_tcp_syn, sizeof(frame_ipv4_opts_tcp_syn));
	mix_set.add(frame_ipv6_hbh_dst_icmp6, sizeof(frame_ipv6_hbh_dst_icmp6));
	mix_set.add(frame_udp_dns_query, sizeof(frame_udp_dns_query));
	mix_set.fix();
}

void BM_tr_classify(benchmark::State &st)
{
	const auto &fs = mix_set.frames;
	struct tr_classify c;
	size_t i = 0;
	for (auto _ : st) {
		const Frame &f = fs[i++ & 3];
		benchmark::DoNotOptimize(tr_classify(f.p, f.len, &c));
		benchmark::DoNotOptimize(c);
	}
	st.SetItemsProcessed(st.iterations());
}

#ifdef TR_BENCH_DPDK
// An mbuf built by hand around each frame: rte_net_get_ptype only reads
// through rte_pktmbuf_read(), which needs buf_addr, data_off and lengths.
struct MbufFrames {
	std::vector<rte_mbuf> m;
	void build(const std::vector<Frame> &fs)
	{
		m.resize(fs.size());
		for (size_t i = 0; i < fs.size(); i++) {
			std::memset(&m[i], 0, sizeof(m[i]));
			m[i].buf_addr = const_cast<uint8_t *>(fs[i].p);
			m[i].buf_len = (uint16_t)fs[i].len;
			m[i].data_off = 0;
			m[i].data_len = (uint16_t)fs[i].len;
			m[i].pkt_len = (uint32_t)fs[i].len;
			m[i].nb_segs = 1;
		}
	}
};
MbufFrames mix_mbufs;

void BM_dpdk_classify(benchmark::State &st)
{
	struct rte_net_hdr_lens hl;
	size_t i = 0;
	for (auto _ : st) {
		const rte_mbuf *m = &mix_mbufs.m[i++ & 3];
		benchmark::DoNotOptimize(rte_net_get_ptype(m, &hl, RTE_PTYPE_ALL_MASK));
		benchmark::DoNotOptimize(hl);
	}
	st.SetItemsProcessed(st.iterations());
}
#endif

struct tr_decoded dec;

void BM_tr_decode_udp(benchmark::State &st)
{
	const Frame f = udp_set.frames[0];
	for (auto _ : st) {
		benchmark::DoNotOptimize(tr_decode(f.p, f.len, f.len, &dec));
		benchmark::ClobberMemory();
	}
	if (!(dec.layers & TR_DEC_UDP) || !dec.ipv4.csum_ok || !dec.udp.csum_checked)
		st.SkipWithError("decode did not verify the checksums");
	st.SetItemsProcessed(st.iterations());
}

void BM_tr_decode_mix(benchmark::State &st)
{
	const auto &fs = mix_set.frames;
	size_t i = 0;
	for (auto _ : st) {
		const Frame &f = fs[i++ & 3];
		benchmark::DoNotOptimize(tr_decode(f.p, f.len, f.len, &dec));
		benchmark::ClobberMemory();
	}
	st.SetItemsProcessed(st.iterations());
}

std::vector<uint8_t> ck_buf(1500 + 64);

void BM_tr_cksum(benchmark::State &st)
{
	size_t n = (size_t)st.range(0);
	const uint8_t *p = ck_buf.data();
	for (auto _ : st) {
		benchmark::DoNotOptimize(p);
		benchmark::DoNotOptimize(tr_cksum_raw_fold(tr_cksum_add(0, p, n)));
	}
	st.SetBytesProcessed((int64_t)(st.iterations() * n));
}

#ifdef TR_BENCH_DPDK
void BM_dpdk_cksum(benchmark::State &st)
{
	size_t n = (size_t)st.range(0);
	const uint8_t *p = ck_buf.data();
	for (auto _ : st) {
		benchmark::DoNotOptimize(p);
		benchmark::DoNotOptimize(rte_raw_cksum(p, n));
	}
	st.SetBytesProcessed((int64_t)(st.iterations() * n));
}
#endif

// Keeps the best (lowest) ns/op per benchmark name for the summary.
class RatioReporter : public benchmark::ConsoleReporter {
public:
	std::map<std::string, double> best;
	void ReportRuns(const std::vector<Run> &runs) override
	{
		ConsoleReporter::ReportRuns(runs);
		for (const Run &r : runs) {
			if (r.error_occurred || r.iterations == 0 || r.run_type != Run::RT_Iteration)
				continue;
			// CPU time: the build machine is shared (load far above its two
			// cores), so wall time mostly measures waiting for a core.
			double ns = r.GetAdjustedCPUTime();   // default unit: ns
			std::string name = r.benchmark_name();
			auto it = best.find(name);
			if (it == best.end() || ns < it->second)
				best[name] = ns;
		}
	}
};

void summary_line(const RatioReporter &rep, const char *what, const std::string &a,
		  const std::string &b, size_t bytes)
{
	auto ia = rep.best.find(a), ib = rep.best.find(b);
	if (ia == rep.best.end())
		return;
	std::printf("%-28s tapring %8.2f ns", what, ia->second);
	if (bytes)
		std::printf(" (%6.2f GB/s)", (double)bytes / ia->second);
	if (ib != rep.best.end()) {
		std::printf("   dpdk %8.2f ns", ib->second);
		if (bytes)
			std::printf(" (%6.2f GB/s)", (double)bytes / ib->second);
		std::printf("   ratio tapring/dpdk %.2fx", ia->second / ib->second);
	}
	std::printf("\n");
}

}  // namespace

int main(int argc, char **argv)
{
	init_sets();
	for (size_t i = 0; i < ck_buf.size(); i++)
		ck_buf[i] = (uint8_t)(i * 131 + 7);
#ifdef TR_BENCH_DPDK
	mix_mbufs.build(mix_set.frames);
#endif
	// A B A B: each pair twice, interleaved, to even out machine noise.
	for (int round = 0; round < 2; round++) {
		benchmark::RegisterBenchmark("classify/tapring", BM_tr_classify);
#ifdef TR_BENCH_DPDK
		benchmark::RegisterBenchmark("classify/dpdk", BM_dpdk_classify);
#endif
		benchmark::RegisterBenchmark("decode_udp/tapring", BM_tr_decode_udp);
		benchmark::RegisterBenchmark("decode_mix/tapring", BM_tr_decode_mix);
		for (int n : {64, 576, 1500}) {
			benchmark::RegisterBenchmark(("cksum/tapring/" + std::to_string(n)).c_str(), BM_tr_cksum)->Arg(n);
#ifdef TR_BENCH_DPDK
			benchmark::RegisterBenchmark(("cksum/dpdk/" + std::to_string(n)).c_str(), BM_dpdk_cksum)->Arg(n);
#endif
		}
	}
	benchmark::Initialize(&argc, argv);
	RatioReporter rep;
	benchmark::RunSpecifiedBenchmarks(&rep);
	std::printf("\n== summary: CPU ns per op, best of the interleaved runs (lower is better) ==\n");
	summary_line(rep, "classify (4-frame mix)", "classify/tapring", "classify/dpdk", 0);
	summary_line(rep, "decode Eth/IPv4/UDP", "decode_udp/tapring", "", 0);
	summary_line(rep, "decode mix", "decode_mix/tapring", "", 0);
	for (int n : {64, 576, 1500}) {
		std::string t = "cksum/tapring/" + std::to_string(n) + "/" + std::to_string(n);
		std::string d = "cksum/dpdk/" + std::to_string(n) + "/" + std::to_string(n);
		std::string what = "checksum " + std::to_string(n) + " B";
		summary_line(rep, what.c_str(), t, d, (size_t)n);
	}
	benchmark::Shutdown();
	return 0;
}
