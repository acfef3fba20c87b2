/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * example_embed: the smallest complete tapring embedding.
 *
 *   example_embed            self-contained demo: the "wire" is a
 *                            SOCK_SEQPACKET socketpair (one datagram = one
 *                            frame), so it runs anywhere without root
 *   example_embed tap NAME   the same engine on a real TAP device NAME
 *                            (root; runs 5 s, then prints its counters)
 *
 * It shows every piece an application touches: the engine config, a named
 * drop reason, a stage (reflects EtherType 0x88b5 frames back out, drops
 * runts, lets the rest through to the application), the application side
 * (rx_burst / buf_free, rx_wait when idle), stop, stats and the per-reason
 * iteration.
 *
 * Build against an installed tapring:
 *   cc -std=c17 example_embed.c $(pkg-config --cflags --libs tapring)
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, nanosleep under -std=c17 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tapring/tapring.h>

struct echo_stage {
	int runt_id;    /* drop reason registered with tr_engine_counter() */
};

/* Runs on the worker thread, once per received burst. */
static void echo_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts,
			 unsigned n)
{
	struct echo_stage *st = arg;
	(void)w;
	for (unsigned i = 0; i < n; i++) {
		struct tr_buf *b = bufs[i];
		if (b->len < 60) {
			acts[i] = TR_ACT_DROP(st->runt_id);
		} else if (b->data[12] == 0x88 && b->data[13] == 0xb5) {
			uint8_t mac[6];                 /* swap MACs in place, send back */
			memcpy(mac, b->data, 6);
			memcpy(b->data, b->data + 6, 6);
			memcpy(b->data + 6, mac, 6);
			acts[i] = TR_ACT_TX;
		} else {
			acts[i] = TR_ACT_NEXT;          /* after the last stage: to the app */
		}
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };
	nanosleep(&ts, NULL);
}

static void frame(uint8_t *p, unsigned len, uint16_t ethertype, uint8_t seq)
{
	memset(p, 0, len);
	memcpy(p, "\x02\x77\x00\x00\x00\x01", 6);      /* dst */
	memcpy(p + 6, "\x02\x77\x00\x00\x00\x02", 6);  /* src */
	p[12] = (uint8_t)(ethertype >> 8);
	p[13] = (uint8_t)ethertype;
	if (len > 14)
		p[14] = seq;
}

int main(int argc, char **argv)
{
	int sp[2] = { -1, -1 }, fd, err;
	struct tr_tap *tap = NULL;
	bool demo = argc < 3 || strcmp(argv[1], "tap") != 0;

	if (demo) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) != 0)
			return perror("socketpair"), 1;
		fd = sp[0];
	} else {
		struct tr_tap_config tc = TR_TAP_CONFIG_INIT;
		tc.name = argv[2];
		tap = tr_tap_create(&tc, &err);
		if (!tap)
			return fprintf(stderr, "tap: %s\n", tr_tap_strerror(err)), 1;
		tr_tap_set_up(tap, true);
		fd = tr_tap_fd(tap, 0);
	}

	/* 1. engine: one queue, defaults for everything else */
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .cpu_base = -1 };
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e)
		return fprintf(stderr, "engine: %s\n", strerror(-err)), 1;

	/* 2. a named drop reason and a stage, before start */
	static struct echo_stage es;
	es.runt_id = tr_engine_counter(e, "runt");
	struct tr_stage stage = { .name = "echo", .arg = &es, .process = echo_process };
	if (es.runt_id < 0 || tr_engine_add_stage(e, &stage) != 0 || (err = tr_engine_start(e)) != 0)
		return fprintf(stderr, "start: %s\n", strerror(-err)), 1;

	/* 3. traffic: in the demo we play the kernel side of the wire */
	unsigned want = 0;
	if (demo) {
		uint8_t f[128];
		for (uint8_t i = 0; i < 10; i++) {
			unsigned len = i < 2 ? 40 : 64;                   /* 2 runts */
			frame(f, len, i < 7 ? 0x88b5 : 0x0800, i);        /* 5 reflected, 3 delivered */
			if (write(sp[1], f, len) != (ssize_t)len)
				return perror("write"), 1;
		}
		want = 3;
	}

	/* 4. the application side: take delivered frames, then free them */
	unsigned got = 0;
	double end = now_s() + 5.0;
	while (now_s() < end && (!demo || got < want)) {
		struct tr_buf *b[32];
		unsigned n = tr_engine_rx_burst(e, 0, b, 32);
		for (unsigned i = 0; i < n; i++) {
			printf("app: frame of %u bytes, ethertype %02x%02x\n", b[i]->len,
			       b[i]->data[12], b[i]->data[13]);
			tr_engine_buf_free(e, b[i]);
		}
		got += n;
		/* Nothing waiting: sleep until the worker delivers (at most
		 * 100 ms, so the loop still sees its deadline). */
		if (!n && tr_engine_rx_wait(e, 0, 100) < 0)
			break;   /* -EPIPE: the worker has exited */
	}
	unsigned reflected = 0;
	if (demo) {
		uint8_t r[2048];
		double rend = now_s() + 5.0;
		while (reflected < 5 && now_s() < rend) {
			if (recv(sp[1], r, sizeof(r), MSG_DONTWAIT) > 0 && r[0] == 0x02 && r[5] == 0x02)
				reflected++;   /* MACs swapped: dst is now ...:02 */
			else
				sleep_ms(1);
		}
	}

	/* 5. stop (joins the worker, every buffer back), stats, reasons */
	tr_engine_stop(e);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	printf("rx %llu delivered %llu tx_forwarded %llu dropped %llu held %llu\n",
	       (unsigned long long)st.rx, (unsigned long long)st.delivered,
	       (unsigned long long)st.tx_forwarded, (unsigned long long)st.dropped,
	       (unsigned long long)st.held);
	for (unsigned id = 0; id < tr_engine_nreasons(e); id++) {
		struct tr_engine_reason_stat rs;
		if (tr_engine_reason(e, UINT32_MAX, id, &rs) == 0 && rs.count)
			printf("  drop %-14s %llu\n", rs.name, (unsigned long long)rs.count);
	}
	bool ok = st.rx == st.delivered + st.tx_forwarded + st.dropped + st.held;
	if (demo)
		ok = ok && st.rx == 10 && got == 3 && st.tx_forwarded == 5 && reflected == 5 &&
		     st.dropped == 2;
	tr_engine_destroy(e);
	if (tap)
		tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT);
	if (sp[0] >= 0) {
		close(sp[0]);
		close(sp[1]);
	}
	printf("%s\n", ok ? "ok" : "MISMATCH");
	return ok ? 0 : 1;
}
