/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tapring replay: the engine pipeline of `tapring up` over a capture file.
 *
 *   tapring replay -r IN -w OUT [up's stack options] [--seed N] [--json]
 *                  [--stats FILE] [--pcapng]
 *
 * No device and no privilege: the session is up's own (up_start: the same
 * prescreen filter, match stage, stack and "unhandled" stage), on a manual
 * engine (tr_engine_config.manual) whose one queue fd is one end of a
 * SOCK_SEQPACKET socketpair. This file holds the other end:
 *
 *   for each frame of IN, in order:
 *     1. the virtual clock advances to the frame's capture time in 10 ms
 *        steps (the stack's timer tick), so timers that fall due in a gap
 *        (ARP retries, reassembly timeouts, neighbour ageing) fire at
 *        their own time, as they would live (the first 10 minutes of a
 *        gap; then it jumps: every stack timer is shorter);
 *     2. the frame is written to the socket and the queue is stepped
 *        (tr_engine_step) until it is idle: frame N is completely handled
 *        before frame N + 1 goes in;
 *     3. every frame the engine wrote is read back, in order, and written
 *        to OUT stamped with the virtual time.
 *   At the end the engine stops (held frames are released and counted)
 *   and the final stats are printed as `up` prints them, with a "replay"
 *   object about the input.
 *
 * The link type of IN picks the pipeline: EN10MB the TAP one, RAW (12 or
 * LINKTYPE_RAW 101), IPV4 (228) and IPV6 (229) the TUN one (`up --tun`).
 * The stack's random choices come from --seed (default 1): the same input
 * and options give a byte-identical OUT.
 *
 * Exit status: 0 done, 1 runtime error (file, engine), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <tapring/capture.h>
#include <tapring/engine.h>

#include "cmds.h"
#include "up.h"

#define PROG "tapring replay"
/* The stack's timer tick: the virtual clock visits every multiple of it
 * within a gap, so a timer fires at most this late. */
#define REPLAY_TICK_NS 10000000ull
/* A gap longer than this is ticked through for its first part only, then
 * the clock jumps to the next frame: every stack timer (neighbour
 * reachability 300 s, reassembly 30 s, ARP/ND retries 1 s) falls due
 * within it, and a capture with a year between two frames must not cost
 * billions of steps. */
#define REPLAY_GAP_TICKED_NS (600ull * 1000000000ull)
/* Steps allowed for one frame or one tick before the engine counts as
 * stuck (it needs a handful). */
#define REPLAY_MAX_STEPS 100000u
/* Largest frame the engine can read: the pool's buffer (2048) less the
 * headroom (128), as `up` configures it. */
#define REPLAY_MAX_FRAME 1920u
/* The default MAC when --mac is not given (a fixed one: replays must not
 * depend on the clock). Locally administered. */
static const uint8_t replay_default_mac[6] = { 0x02, 0x74, 0x72, 0x00, 0x00, 0x01 };

static const char replay_usage[] =
	"usage: tapring replay -r IN -w OUT --addr CIDR [--addr CIDR]... [--mac MAC]\n"
	"                      [--udp-echo PORT] [--udp-discard PORT] [--dns-hosts FILE]\n"
	"                      [--dns-port PORT] [--filter EXPR] [--filter-limit N]\n"
	"                      [--match FILE] [--tun] [--seed N] [--json] [--stats FILE]\n"
	"                      [--pcapng] [--quiet]\n"
	"\n"
	"Run the engine pipeline of `tapring up` (filter, match rules, stack) over the\n"
	"frames of a capture file, without a device or privileges, on a virtual clock\n"
	"that follows the capture's timestamps. Every frame the engine transmits goes\n"
	"to OUT, stamped with the virtual time.\n"
	"  -r IN          pcap or pcapng file; link type EN10MB (Ethernet: the TAP\n"
	"                 pipeline) or RAW/IPV4/IPV6 (raw IP: the TUN pipeline)\n"
	"  -w OUT         transmitted frames: pcapng if OUT ends in .pcapng, else pcap;\n"
	"                 - for standard output (then not with --json)\n"
	"  --pcapng       write OUT as pcapng whatever its name\n"
	"  --seed N       seed of the stack's random choices (IPv6 fragment ids, the\n"
	"                 first IPv4 id); default 1. Same input + options + seed:\n"
	"                 byte-identical OUT\n"
	"  --json         the final stats (as `up` prints them) on standard output\n"
	"  --stats FILE   the same into FILE (also --stats-file)\n"
	"  --quiet        no stats on standard error\n"
	"  --mac MAC      the stack's MAC (default 02:74:72:00:00:01)\n"
	"  --tun          accepted for a raw IP file (the TUN pipeline is chosen by the\n"
	"                 file's link type)\n"
	"The stack options mean what they mean for `tapring up` (see its --help).\n";

struct replay {
	const struct up_opts *o;
	pcap_t *in;
	struct tr_pcap_writer *out;
	struct up *u;
	struct tr_engine *e;
	int sp[2];
	uint64_t now;            /* virtual clock, ns (the capture's time base) */
	bool started;            /* the clock has been set by the first frame */
	/* input accounting: frames == fed + skipped_empty + skipped_too_big */
	uint64_t frames, fed, skipped_empty, skipped_too_big, truncated, written;
	uint8_t buf[65536 + 64]; /* one frame read back (up to a large buffer's) */
};

/* The link types replay runs; *tun says which pipeline. */
static bool replay_dlt_ok(int dlt, bool *tun)
{
	switch (dlt) {
	case DLT_EN10MB:
		*tun = false;
		return true;
	case DLT_RAW:
	case 101:            /* LINKTYPE_RAW, should libpcap hand it over unmapped */
	case DLT_IPV4:
	case DLT_IPV6:
		*tun = true;
		return true;
	default:
		return false;
	}
}

/* Every frame the engine wrote so far, in order, into OUT at the current
 * virtual time. 0 or -errno. */
static int replay_drain(struct replay *r)
{
	for (;;) {
		ssize_t n = recv(r->sp[1], r->buf, sizeof(r->buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int e = tr_pcap_writer_write(r->out, r->buf, (uint32_t)n, (uint32_t)n, r->now, TR_PCAP_DIR_OUT,
					     NULL);
		if (e < 0)
			return e;
		r->written++;
	}
}

/* Step queue 0 at the current virtual time until it is idle and has read
 * `want` frames in all, then collect what it wrote. 0 or -errno. */
static int replay_settle(struct replay *r, uint64_t want)
{
	for (unsigned i = 0; i < REPLAY_MAX_STEPS; i++) {
		int s = tr_engine_step(r->e, 0, r->now);
		if (s < 0)
			return s;
		if (s == 0) {
			struct tr_engine_port_stats ps;
			if (tr_engine_port_stats(r->e, 0, &ps) == 0 && ps.rx >= want)
				return replay_drain(r);
		}
		/* Frames written while the queue works are taken at once: the
		 * socket never fills, so writes complete inline and in order. */
		int e = replay_drain(r);
		if (e < 0)
			return e;
	}
	return -ETIMEDOUT;
}

/* Move the clock to t (never back), visiting every tick boundary between. */
static int replay_advance(struct replay *r, uint64_t t)
{
	if (!r->started) {
		r->started = true;
		r->now = t;
		return replay_settle(r, r->fed);   /* the first poll: announcements */
	}
	uint64_t ticked_until = r->now + REPLAY_GAP_TICKED_NS;
	while (t > r->now) {
		uint64_t next = (r->now / REPLAY_TICK_NS + 1) * REPLAY_TICK_NS;
		if (next > ticked_until)
			next = t;   /* the rest of a long gap in one jump */
		r->now = next < t ? next : t;
		int e = replay_settle(r, r->fed);
		if (e < 0)
			return e;
	}
	return 0;
}

static int replay_frame(struct replay *r, const struct pcap_pkthdr *h, const uint8_t *data)
{
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;   /* nano precision */
	int e;

	r->frames++;
	if ((e = replay_advance(r, ts)) < 0)
		return e;
	if (h->caplen == 0) {
		r->skipped_empty++;
		return 0;
	}
	if (h->caplen > REPLAY_MAX_FRAME) {
		r->skipped_too_big++;
		return 0;
	}
	if (h->caplen < h->len)
		r->truncated++;   /* fed as captured: the stack counts what it cannot parse */
	if (send(r->sp[1], data, h->caplen, 0) != (ssize_t)h->caplen)
		return -errno;
	r->fed++;
	return replay_settle(r, r->fed);
}

/* up's stats JSON with "replay": {...} added before its closing brace. */
static void replay_stats_json(struct replay *r, FILE *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	up_stats_json(r->u, m);
	if (fclose(m) != 0 || !buf || len < 2) {
		free(buf);
		return;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '}'))
		if (buf[--len] == '}')
			break;
	fwrite(buf, 1, len, f);
	fprintf(f, ",\"replay\":{\"in\":\"");
	for (const char *p = r->o->replay_in; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if ((unsigned char)*p >= 0x20)
			fputc(*p, f);
	}
	fprintf(f, "\",\"frames\":%llu,\"fed\":%llu,\"skipped_empty\":%llu,\"skipped_too_big\":%llu,"
		"\"truncated\":%llu,\"written\":%llu,\"seed\":%llu}}\n",
		(unsigned long long)r->frames, (unsigned long long)r->fed,
		(unsigned long long)r->skipped_empty, (unsigned long long)r->skipped_too_big,
		(unsigned long long)r->truncated, (unsigned long long)r->written,
		(unsigned long long)r->o->seed);
	free(buf);
}

static int replay_write_stats(struct replay *r, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	replay_stats_json(r, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

int tool_cmd_replay(int argc, char **argv)
{
	struct up_opts o;
	char errbuf[PCAP_ERRBUF_SIZE > 512 ? PCAP_ERRBUF_SIZE : 512];
	int rc = up_parse_replay(argc, argv, &o, PROG), status = 1, e;
	bool tun = false;

	if (rc == 1) {
		fputs(replay_usage, stdout);
		return 0;
	}
	if (rc)
		return rc;
	struct replay *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	r->o = &o;
	r->sp[0] = r->sp[1] = -1;
	r->in = pcap_open_offline_with_tstamp_precision(o.replay_in, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->in) {
		fprintf(stderr, PROG ": cannot read %s: %s\n", o.replay_in, errbuf);
		goto out;
	}
	int dlt = pcap_datalink(r->in);
	if (!replay_dlt_ok(dlt, &tun)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		fprintf(stderr, PROG ": %s: link type %s (%d) is not replayed: EN10MB (Ethernet, the TAP "
			"pipeline) or RAW/IPV4/IPV6 (raw IP, the TUN pipeline)\n", o.replay_in,
			name ? name : "unknown", dlt);
		goto out;
	}
	if (o.tun && !tun) {
		fprintf(stderr, PROG ": --tun: %s is Ethernet (EN10MB); the TUN pipeline takes raw IP files\n",
			o.replay_in);
		status = 2;
		goto out;
	}
	o.tun = tun;
	if (!o.have_mac) {
		memcpy(o.mac, replay_default_mac, 6);
		o.have_mac = true;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r->sp) != 0) {
		fprintf(stderr, PROG ": socketpair: %s\n", strerror(errno));
		goto out;
	}
	/* Room for every frame one input frame can cause (a 64 KiB datagram's
	 * fragments): best effort, replay_settle reads as the engine writes. */
	for (int i = 0; i < 2; i++) {
		int sz = 4 << 20;
		(void)setsockopt(r->sp[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		(void)setsockopt(r->sp[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	o.replay_fd = r->sp[0];
	r->u = up_start(&o, errbuf, sizeof(errbuf), &status);
	if (!r->u) {
		fprintf(stderr, PROG ": %s\n", errbuf);
		goto out;
	}
	r->e = up_engine(r->u);
	status = 1;
	enum tr_pcap_format fmt = o.replay_pcapng ? TR_PCAP_FORMAT_PCAPNG : tr_pcap_format_for(o.replay_out);
	r->out = tr_pcap_writer_open_link(o.replay_out, fmt, 262144, "replay",
					  tun ? TR_PCAP_DLT_RAW : TR_PCAP_DLT_EN10MB, &e);
	if (!r->out) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", o.replay_out, strerror(-e));
		goto out;
	}

	struct pcap_pkthdr *h;
	const u_char *data;
	int pr;
	while ((pr = pcap_next_ex(r->in, &h, &data)) == 1) {
		if ((e = replay_frame(r, h, data)) < 0) {
			fprintf(stderr, PROG ": frame %llu: the engine failed: %s\n", (unsigned long long)r->frames,
				strerror(-e));
			goto out;
		}
	}
	if (pr == PCAP_ERROR) {
		/* A damaged file: what was read so far has been replayed. */
		fprintf(stderr, PROG ": %s: %s (after %llu frames)\n", o.replay_in, pcap_geterr(r->in),
			(unsigned long long)r->frames);
		goto out;
	}
	if (!r->started && (e = replay_advance(r, 0)) < 0) {   /* an empty file: the start still runs */
		fprintf(stderr, PROG ": the engine failed: %s\n", strerror(-e));
		goto out;
	}
	/* Stop at the last frame's time: frames still held (fragments waiting
	 * for the rest) are released and counted; anything written meanwhile
	 * goes to OUT too. */
	rc = up_stop(r->u);
	if ((e = replay_drain(r)) < 0 || (e = tr_pcap_writer_close(r->out)) < 0) {
		r->out = NULL;
		fprintf(stderr, PROG ": writing %s: %s\n", o.replay_out, strerror(-e));
		goto out;
	}
	r->out = NULL;
	if (rc) {
		fprintf(stderr, PROG ": engine stopped: %s\n", strerror(-rc));
		goto out;
	}
	if (o.stats_file && (e = replay_write_stats(r, o.stats_file)) < 0) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", o.stats_file, strerror(-e));
		goto out;
	}
	if (o.replay_json)
		replay_stats_json(r, stdout);
	else if (!o.quiet)
		replay_stats_json(r, stderr);
	status = 0;
out:
	if (r->out)
		tr_pcap_writer_close(r->out);
	up_destroy(r->u);
	if (r->in)
		pcap_close(r->in);
	for (int i = 0; i < 2; i++)
		if (r->sp[i] >= 0)
			close(r->sp[i]);
	free(r);
	return status;
}
