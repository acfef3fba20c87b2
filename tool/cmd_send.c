/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `tapring send`: write the frames of a capture file to an interface
 * (ewpcap's write, tcpreplay's job).
 *
 *   tapring send -i IFACE -r FILE [-c COUNT] [--loop N] [--pps RATE | --topspeed]
 *                [--qdisc-bypass] [FILTER EXPRESSION...]
 *
 * Frames go out through <tapring/capture.h>'s sender: an AF_PACKET socket,
 * a batch per sendmmsg(). The file's link type must suit the device
 * (Ethernet to Ethernet-like devices, raw IP to a TUN). Timing: by default
 * the file's own gaps (as tcpreplay); --pps RATE paces to RATE frames per
 * second, in batches of RATE/1000 frames (at least 1, at most 64) sent at
 * their due time, so the count sent never runs more than one batch ahead of
 * or behind RATE * elapsed (plus the scheduler's lateness); --topspeed
 * sends as fast as the socket takes frames (full batches). A filter
 * expression selects frames (compiled on the file's handle, as tcpdump
 * would). SIGINT/SIGTERM stop after the current batch. At exit the counts
 * go to stderr: sent, skipped (larger than MTU + link header), failed
 * (refused by the kernel), filtered out, and cut by the snaplen (a frame
 * the file does not hold whole is not sent).
 *
 * Exit status: 0 every frame handled (even if some were skipped), 1 a
 * runtime error or a failed frame, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include <tapring/capture.h>
#include <tapring/filter.h>

#include "cmds.h"
#include "up.h"

#define SEND_MAX_FILTER 4096
#define SEND_ARENA (4u << 20)     /* frame bytes held for one batch */

static volatile sig_atomic_t send_stop;

static void on_signal(int sig)
{
	(void)sig;
	send_stop = 1;
}

static void usage(FILE *f)
{
	fputs("usage: tapring send -i IFACE -r FILE [-c COUNT] [--loop N]\n"
	      "                    [--pps RATE | --topspeed] [--qdisc-bypass] [FILTER EXPRESSION...]\n"
	      "Write the frames of a capture file to an interface (AF_PACKET, batched).\n"
	      "  -i IFACE        interface to send on (Ethernet-like, or a TUN for raw IP files)\n"
	      "  -r FILE         capture file (pcap or pcapng)\n"
	      "  -c COUNT        stop after COUNT frames sent\n"
	      "  --loop N        send the file N times (default 1)\n"
	      "  --pps RATE      pace to RATE frames per second\n"
	      "  --topspeed      as fast as the socket takes frames\n"
	      "                  (default: the gaps recorded in the file)\n"
	      "  --qdisc-bypass  PACKET_QDISC_BYPASS: hand frames straight to the driver\n"
	      "FILTER is a pcap filter expression selecting the frames to send.\n", f);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000u), (long)(t % 1000000000u) };
	while (!send_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static const char *dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);
	return n ? n : "unknown";
}

struct batch {
	struct tr_send_frame f[TR_SEND_MAX_BATCH];
	unsigned n;
	size_t used;
	uint8_t *arena;
};

int tool_cmd_send(int argc, char **argv)
{
	enum { OPT_LOOP = 256, OPT_PPS, OPT_TOP, OPT_BYPASS, OPT_HELP };
	static const struct option lo[] = {
		{ "loop", required_argument, NULL, OPT_LOOP },
		{ "pps", required_argument, NULL, OPT_PPS },
		{ "topspeed", no_argument, NULL, OPT_TOP },
		{ "qdisc-bypass", no_argument, NULL, OPT_BYPASS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct tr_send_config sc = { 0 };
	const char *file = NULL;
	unsigned long v, count = 0, loops = 1, pps = 0;
	bool top = false;
	int c, e, rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:r:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'i': sc.ifname = optarg; break;
		case 'r': file = optarg; break;
		case 'c':
			if (tool_parse_uint(optarg, UINT32_MAX, &v) || v == 0) {
				fprintf(stderr, "tapring send: -c: expected a positive count, got '%s'\n", optarg);
				return 2;
			}
			count = v;
			break;
		case OPT_LOOP:
			if (tool_parse_uint(optarg, 1000000, &v) || v == 0) {
				fprintf(stderr, "tapring send: --loop: expected 1..1000000, got '%s'\n", optarg);
				return 2;
			}
			loops = v;
			break;
		case OPT_PPS:
			if (tool_parse_uint(optarg, 100000000, &v) || v == 0) {
				fprintf(stderr, "tapring send: --pps: expected 1..100000000, got '%s'\n", optarg);
				return 2;
			}
			pps = v;
			break;
		case OPT_TOP: top = true; break;
		case OPT_BYPASS: sc.qdisc_bypass = true; break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		case ':':
			fprintf(stderr, "tapring send: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "tapring send: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!sc.ifname || !file) {
		fprintf(stderr, "tapring send: -i IFACE and -r FILE are required (see --help)\n");
		return 2;
	}
	if (pps && top) {
		fprintf(stderr, "tapring send: --pps and --topspeed exclude each other\n");
		return 2;
	}
	char filter[SEND_MAX_FILTER];
	filter[0] = '\0';
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(filter);
		if (snprintf(filter + l, sizeof(filter) - l, "%s%s", l ? " " : "", argv[i]) >=
		    (int)(sizeof(filter) - l)) {
			fprintf(stderr, "tapring send: filter expression too long\n");
			return 2;
		}
	}

	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(file, eb);
	if (!p) {
		fprintf(stderr, "tapring send: %s\n", eb);
		return 1;
	}
	int dlt = pcap_datalink(p);
	struct tr_sender *s = tr_sender_open(&sc, &e);
	if (!s) {
		if (e == -EPERM || e == -EACCES)
			fprintf(stderr, "tapring send: sending needs CAP_NET_RAW (run as root)\n");
		else if (e == -ENODEV)
			fprintf(stderr, "tapring send: %s: no such interface\n", sc.ifname);
		else if (e == -EPFNOSUPPORT)
			fprintf(stderr, "tapring send: %s: not an Ethernet-like device or a TUN\n", sc.ifname);
		else
			fprintf(stderr, "tapring send: %s: %s\n", sc.ifname, strerror(-e));
		pcap_close(p);
		return 1;
	}
	if (tr_sender_accepts(s, (uint32_t)dlt) != 0) {
		fprintf(stderr, "tapring send: %s holds %s frames but %s takes %s frames\n", file,
			dlt_name(dlt), sc.ifname,
			tr_sender_dlt(s) == TR_PCAP_DLT_RAW ? "raw IP (RAW)" : "Ethernet (EN10MB)");
		tr_sender_close(s);
		pcap_close(p);
		return 1;
	}
	struct tr_bpf_prog *prog = NULL;
	if (filter[0]) {
		struct bpf_program bp;
		if (pcap_compile(p, &bp, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			fprintf(stderr, "tapring send: bad filter expression '%s': %s\n", filter,
				pcap_geterr(p));
			rc = 1;
		} else {
			char ebuf[256];
			prog = tr_bpf_from_insns((const struct tr_bpf_insn *)(const void *)bp.bf_insns,
						 bp.bf_len, 0, ebuf, sizeof(ebuf), &e);
			pcap_freecode(&bp);
			if (!prog) {
				fprintf(stderr, "tapring send: bad filter expression '%s': %s\n", filter, ebuf);
				rc = 1;
			}
		}
		if (rc) {
			tr_sender_close(s);
			pcap_close(p);
			return rc;
		}
	}

	struct batch *b = calloc(1, sizeof(*b));
	if (b)
		b->arena = malloc(SEND_ARENA);
	if (!b || !b->arena) {
		fprintf(stderr, "tapring send: out of memory\n");
		if (b)
			free(b);
		tr_bpf_free(prog);
		tr_sender_close(s);
		pcap_close(p);
		return 1;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* --pps: batches of pps/1000 frames (1..64), each due at
	 * start + first_index / pps; topspeed: full batches at once; file
	 * timing: each frame due at start + (ts - first ts). */
	unsigned bmax = top ? TR_SEND_MAX_BATCH : pps ? (unsigned)(pps / 1000) : 1;
	if (bmax < 1)
		bmax = 1;
	if (pps && bmax > 64)
		bmax = 64;
	uint64_t t0 = now_ns(), queued = 0, filtered = 0, cut = 0;
	uint64_t ts_first = 0, ts_base = t0;   /* file timing, per loop */
	bool have_first = false;
	uint32_t maxf = tr_sender_max_frame(s);
	for (unsigned long l = 0; l < loops && !send_stop && rc == 0; l++) {
		if (l) {
			pcap_close(p);
			p = pcap_open_offline(file, eb);
			if (!p) {
				fprintf(stderr, "tapring send: %s\n", eb);
				rc = 1;
				break;
			}
		}
		have_first = false;
		struct pcap_pkthdr *h;
		const u_char *data;
		int r;
		for (;;) {
			bool flush = false, end = false;
			r = send_stop ? 0 : pcap_next_ex(p, &h, &data);
			if (r != 1) {
				end = true;
			} else if (prog && tr_bpf_run(prog, data, h->len, h->caplen) == 0) {
				filtered++;
				continue;
			} else {
				uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u +
					      (uint64_t)h->ts.tv_usec * 1000u;
				if (!pps && !top) {
					/* file timing: wait for this frame's moment */
					if (!have_first) {
						ts_first = ts;
						ts_base = now_ns();
						have_first = true;
					}
					if (b->n)
						flush = true;   /* bmax is 1 here */
					if (ts > ts_first)
						sleep_until(ts_base + (ts - ts_first));
				}
				if (h->caplen < h->len) {
					/* a frame cut by the snaplen cannot be sent whole */
					cut++;
					continue;
				}
				if (b->used + h->caplen > SEND_ARENA && b->n)
					flush = true;
				if (flush) {
					tr_capture_send(s, b->f, b->n);
					b->n = 0;
					b->used = 0;
				}
				/* caplen <= 262144 (libpcap's bound) < SEND_ARENA */
				memcpy(b->arena + b->used, data, h->caplen);
				b->f[b->n].data = b->arena + b->used;
				b->f[b->n].len = h->caplen;
				b->used += h->caplen;
				b->n++;
				queued++;
			}
			if (b->n && (b->n >= bmax || end || (count && queued >= count))) {
				if (pps) {
					uint64_t first = queued - b->n;
					sleep_until(t0 + first * 1000000000u / pps);
				}
				tr_capture_send(s, b->f, b->n);
				b->n = 0;
				b->used = 0;
			}
			if (end || (count && queued >= count) || send_stop)
				break;
		}
		if (r == PCAP_ERROR) {
			fprintf(stderr, "tapring send: %s: %s\n", file, pcap_geterr(p));
			rc = 1;
		}
		if (count && queued >= count)
			break;
	}
	struct tr_send_stats st;
	tr_sender_stats(s, &st);
	double secs = (double)(now_ns() - t0) / 1e9;
	fprintf(stderr, "%llu frames sent, %llu skipped (larger than %u bytes: MTU + link header), "
		"%llu failed, %llu filtered out, %llu cut by the snaplen (%.3f s, %.0f frames/s)\n",
		(unsigned long long)st.sent, (unsigned long long)st.skipped, maxf,
		(unsigned long long)st.failed, (unsigned long long)filtered,
		(unsigned long long)cut, secs,
		secs > 0 ? (double)st.sent / secs : 0.0);
	if (st.failed) {
		fprintf(stderr, "tapring send: %s: last error: %s\n", sc.ifname, strerror(-st.last_error));
		rc = 1;
	}
	free(b->arena);
	free(b);
	tr_bpf_free(prog);
	tr_sender_close(s);
	if (p)
		pcap_close(p);
	return rc;
}
