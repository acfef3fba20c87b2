/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cBPF prescreen stage inside a running engine, without root: the queue
 * fd is one end of a SOCK_SEQPACKET socketpair (one datagram = one frame).
 * The synthetic frame mix is written in; frames the filter ("udp or vlan")
 * rejects must be dropped under the named reason "t_bpf_reject", accepted
 * ones delivered to the application intact. Checked exactly against
 * tr_bpf_run on the same frames, plus the accounting invariant.
 */
#include <sys/socket.h>
#include <time.h>

#include <tapring/engine.h>
#include <tapring/filter.h>
#include <tapring/slab.h>

#include "helpers.h"
#include "filter/pkts.h"

#define NF 256

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int main(void)
{
	static struct fp_pkt frames[NF];
	char err[256];
	int sp[2], rc = 0;
	unsigned nf = fp_build_mix(frames, NF, 99);
	unsigned want_pass = 0, want_drop = 0, sent = 0;

	struct tr_bpf_prog *p = tr_bpf_compile("udp or vlan", 0, true, 0, 0, err, sizeof(err), &rc);
	T_ASSERT(p);

	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config cfg = {
		.fds = &sp[0], .nqueues = 1, .nbufs = 1024, .batch = 32, .cpu_base = -1,
		.app_ring_size = 1024, .idle_us = 500, .rx_mode = TR_ENGINE_RX_READ,
	};
	struct tr_engine *e = tr_engine_create(&cfg, &rc);
	if (!e)
		t_skip("tr_engine_create failed (%d): io_uring unavailable?", rc);

	/* bad arguments */
	T_CHECK(tr_bpf_stage(NULL, p, NULL, &rc) == NULL);
	T_CHECK_EQ(rc, -EINVAL);
	T_CHECK(tr_bpf_stage(e, NULL, NULL, &rc) == NULL);
	T_CHECK_EQ(rc, -EINVAL);

	struct tr_stage *st = tr_bpf_stage(e, p, "t_bpf_reject", &rc);
	T_ASSERT(st != NULL);
	T_CHECK_EQ(rc, 0);
	int reason = tr_engine_counter(e, "t_bpf_reject");
	T_CHECK(reason >= TR_ENGINE_DROP_BUILTIN_COUNT);
	T_CHECK_EQ(tr_engine_add_stage(e, st), 0);
	T_CHECK_EQ(tr_engine_start(e), 0);

	for (unsigned i = 0; i < nf; i++) {
		if (frames[i].len == 0)
			continue;   /* an empty datagram is an engine rx_error, not ours */
		if (write(sp[1], frames[i].data, frames[i].len) != (ssize_t)frames[i].len)
			continue;
		sent++;
		if (tr_bpf_run(p, frames[i].data, frames[i].len, frames[i].len))
			want_pass++;
		else
			want_drop++;
	}
	T_CHECK(want_pass > 10 && want_drop > 10);

	/* collect delivered frames (bounded in time) */
	unsigned got = 0, intact = 0;
	uint64_t end = now_ms() + 5000;
	struct tr_engine_stats s;
	while (now_ms() < end) {
		struct tr_buf *b[32];
		unsigned n = tr_engine_rx_burst(e, 0, b, 32);
		for (unsigned i = 0; i < n; i++) {
			/* every delivered frame must itself pass the filter */
			intact += tr_bpf_run(p, b[i]->data, b[i]->len, b[i]->len) != 0;
			tr_engine_buf_free(e, b[i]);
		}
		got += n;
		tr_engine_stats(e, &s);
		if (got == want_pass && s.rx == sent)
			break;
		if (n == 0) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	}
	T_CHECK_EQ(tr_engine_stop(e), 0);

	struct tr_engine_reason_stat rs;
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, (unsigned)reason, &rs), 0);
	tr_engine_stats(e, &s);
	printf("sent %u: delivered %u (want %u), bpf drops %llu (want %u)\n", sent, got, want_pass,
	       (unsigned long long)rs.count, want_drop);
	T_CHECK_EQ(s.rx, sent);
	T_CHECK_EQ(got, want_pass);
	T_CHECK_EQ(intact, got);
	T_CHECK_EQ(rs.count, want_drop);
	T_CHECK_EQ(s.rx, s.delivered + s.tx_forwarded + s.dropped + s.held);

	tr_engine_destroy(e);
	tr_bpf_stage_free(st);
	tr_bpf_free(p);
	close(sp[0]);
	close(sp[1]);
	return t_done();
}
