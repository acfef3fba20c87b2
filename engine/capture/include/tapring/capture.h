/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture: live AF_PACKET TPACKET_V3 capture from any interface, and capture
 * file writers (pcap through libpcap, pcapng through our own writer).
 *
 * These are the pieces `tapring dump` and the engine's zero-copy mirror use;
 * an embedding program can use them the same way.
 */
#ifndef TAPRING_CAPTURE_H
#define TAPRING_CAPTURE_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- live capture (AF_PACKET, TPACKET_V3 ring) -------------------------- */

struct tr_capture;

struct tr_capture_config {
	const char *ifname;     /* interface to capture on (required); "any": all of
	                         * them, as Linux cooked v2 frames */
	uint32_t snaplen;       /* bytes kept per frame; 0 = 262144 */
	bool promisc;           /* promiscuous mode (tcpdump default: on) */
	uint32_t buffer_kib;    /* ring size in KiB; 0 = 2048 */
	int timeout_ms;         /* block retire timeout; 0 = 100 */
	bool immediate;         /* deliver each frame at once (small blocks, 1 ms timeout) */
};

/* One captured frame. data points into the kernel ring: valid only during
 * the callback. */
struct tr_capture_pkt {
	const uint8_t *data;
	uint32_t caplen;        /* bytes at data */
	uint32_t len;           /* length on the wire */
	uint64_t ts_ns;         /* CLOCK_REALTIME, nanoseconds */
	uint32_t ifindex;
	uint8_t pkttype;        /* PACKET_HOST, PACKET_OUTGOING, ... */
};

/* Kernel counters (tcpdump's "received by filter", "dropped by kernel",
 * "dropped by interface"), cumulative since open. */
struct tr_capture_stats {
	uint64_t captured;      /* frames handed to callbacks */
	uint64_t received;      /* frames that passed the kernel filter */
	uint64_t dropped;       /* frames the kernel dropped (ring full) */
	uint64_t if_dropped;    /* interface rx_dropped delta since open */
};

/* Opens a capture. Needs CAP_NET_RAW (err = -EPERM otherwise); err = -ENODEV
 * for an unknown interface. The filter, if any, must be set before the first
 * dispatch; frames are not delivered before tr_capture_activate(). */
TR_API struct tr_capture *tr_capture_open(const struct tr_capture_config *cfg, int *err);

/* Attaches a classic BPF program (raw insns: code, jt, jf, k, 8 bytes each,
 * the layout of struct sock_filter / struct tr_bpf_insn) in the kernel. Call
 * before tr_capture_activate() so no unfiltered frame is ever queued. The
 * program is for the capture's link type (tr_capture_dlt); for LINUX_SLL2
 * it is rewritten for the kernel, which sees no SLL2 header, and a program
 * that reads header fields the kernel cannot supply, or the frame length,
 * is -EOPNOTSUPP: run it in user space then. */
TR_API int tr_capture_set_filter(struct tr_capture *c, const void *insns, unsigned n);

/* Binds the socket to the interface: frames start arriving. */
TR_API int tr_capture_activate(struct tr_capture *c);

typedef void (*tr_capture_cb)(void *arg, const struct tr_capture_pkt *pkt);

/* Waits up to timeout_ms (-1: forever) for frames and calls cb for each, at
 * most max (0: no limit) frames. Returns the number delivered (0 on timeout),
 * -EINTR if a signal interrupted the wait, or another -errno (-ENETDOWN when
 * the interface went away). */
TR_API int tr_capture_dispatch(struct tr_capture *c, int timeout_ms, unsigned max,
			tr_capture_cb cb, void *arg);

/* Makes a blocked tr_capture_dispatch() return soon (async-signal-safe). */
TR_API void tr_capture_breakloop(struct tr_capture *c);

TR_API int tr_capture_stats(struct tr_capture *c, struct tr_capture_stats *st);

/* The link type of the frames handed over (a DLT_ value): TR_PCAP_DLT_EN10MB
 * for Ethernet and loopback devices, TR_PCAP_DLT_RAW for a TUN
 * (ARPHRD_NONE) or an IP tunnel, TR_PCAP_DLT_LINUX_SLL2 for "any" and every
 * other device type (read in cooked mode, a 20-byte SLL2 header with the
 * interface index in front of each frame, as tcpdump 4.99 writes). */
TR_API uint32_t tr_capture_dlt(const struct tr_capture *c);

/* The link type an interface of ARPHRD type arphrd is captured as. */
TR_API uint32_t tr_capture_dlt_for_arphrd(int arphrd);
TR_API int tr_capture_fd(const struct tr_capture *c);
TR_API void tr_capture_close(struct tr_capture *c);

/* ---- sending frames (AF_PACKET, sendmmsg) ------------------------------- */

struct tr_sender;

struct tr_send_config {
	const char *ifname;     /* interface to send on (required) */
	bool qdisc_bypass;      /* PACKET_QDISC_BYPASS: straight to the driver */
};

#define TR_SEND_MAX_BATCH 256

struct tr_send_frame {
	const uint8_t *data;    /* the frame, link header included */
	uint32_t len;
};

struct tr_send_stats {
	uint64_t sent;          /* frames the kernel took */
	uint64_t skipped;       /* larger than MTU + link header (or shorter than it) */
	uint64_t failed;        /* refused by the kernel */
	int last_error;         /* -errno of the last failure, 0 if none */
};

/* Opens a sender on an Ethernet-like device (ARPHRD_ETHER, LOOPBACK: takes
 * EN10MB frames) or a TUN (ARPHRD_NONE: takes raw IP). Needs CAP_NET_RAW
 * (err -EPERM); -ENODEV unknown interface; -EPFNOSUPPORT another device
 * type; -EPERM/-ENOPROTOOPT from qdisc_bypass. */
TR_API struct tr_sender *tr_sender_open(const struct tr_send_config *cfg, int *err);

/* The link type the device takes (TR_PCAP_DLT_EN10MB or TR_PCAP_DLT_RAW). */
TR_API uint32_t tr_sender_dlt(const struct tr_sender *s);
/* MTU + link header: longer frames are skipped. */
TR_API uint32_t tr_sender_max_frame(const struct tr_sender *s);
/* 0 when frames of link type dlt suit the device (Ethernet to an
 * Ethernet-like device; RAW, LINKTYPE_RAW, IPV4, IPV6 to a TUN), else
 * -EPROTOTYPE. */
TR_API int tr_sender_accepts(const struct tr_sender *s, uint32_t dlt);

/*
 * Sends up to TR_SEND_MAX_BATCH frames with one sendmmsg() (more calls only
 * when the kernel takes part of the batch). Frames too long or too short
 * for the device are skipped; a full device queue is waited for (50 us
 * steps, bounded); a frame the kernel refuses otherwise counts as failed.
 * Returns the frames handed to the kernel (sent + failed of this call;
 * skipped ones excluded), or -EINVAL for n too large; every frame ends in
 * exactly one of the counters, which accumulate in tr_sender_stats.
 */
TR_API int tr_capture_send(struct tr_sender *s, const struct tr_send_frame *f, unsigned n);

TR_API void tr_sender_stats(const struct tr_sender *s, struct tr_send_stats *st);
TR_API void tr_sender_close(struct tr_sender *s);

/* ---- capture files ----------------------------------------------------- */

enum tr_pcap_format {
	TR_PCAP_FORMAT_PCAP = 0,    /* classic pcap, written through libpcap */
	TR_PCAP_FORMAT_PCAPNG = 1,  /* pcapng, our writer (direction flags, comments) */
};

/* TR_PCAP_FORMAT_PCAPNG when path ends in ".pcapng", else PCAP. */
TR_API enum tr_pcap_format tr_pcap_format_for(const char *path);

#define TR_PCAP_DIR_UNKNOWN 0
#define TR_PCAP_DIR_IN      1
#define TR_PCAP_DIR_OUT     2

struct tr_pcap_writer;

/* Link types (pcap DLT_ values, as <tapring/link.h> TR_DLT_*) the writers
 * and the capture report. */
#define TR_PCAP_DLT_EN10MB     1
#define TR_PCAP_DLT_RAW        12    /* written as LINKTYPE_RAW (101) */
#define TR_PCAP_DLT_LINUX_SLL2 276

/* Opens path for writing (truncates). ifname may be NULL. "-" writes to
 * standard output. Ethernet frames (TR_PCAP_DLT_EN10MB). */
TR_API struct tr_pcap_writer *tr_pcap_writer_open(const char *path, enum tr_pcap_format fmt,
					   uint32_t snaplen, const char *ifname, int *err);

/* The same for frames of link type dlt (a DLT_ value: 1 Ethernet, 12 raw
 * IP, 276 Linux cooked v2, ...): the pcap header, or pcapng interface 0,
 * carries it (raw IP as LINKTYPE_RAW 101, as libpcap writes it). */
TR_API struct tr_pcap_writer *tr_pcap_writer_open_link(const char *path, enum tr_pcap_format fmt,
						uint32_t snaplen, const char *ifname, uint32_t dlt,
						int *err);

/* pcapng: describes one more interface (its own name and link type) and
 * returns its id for tr_pcap_writer_write_on (1, 2, ...), or -errno.
 * Classic pcap has one link type per file: 0 when dlt is the file's,
 * -EINVAL otherwise. */
TR_API int tr_pcap_writer_add_interface(struct tr_pcap_writer *w, const char *ifname, uint32_t dlt);

/* The link type given at open. */
TR_API uint32_t tr_pcap_writer_dlt(const struct tr_pcap_writer *w);

/* Writes one frame. caplen bytes at data are stored (cut to snaplen); len is
 * the wire length. dir is TR_PCAP_DIR_*; comment (may be NULL) becomes a
 * pcapng packet comment (ignored for pcap). Returns 0 or -errno. */
TR_API int tr_pcap_writer_write(struct tr_pcap_writer *w, const uint8_t *data, uint32_t caplen,
			 uint32_t len, uint64_t ts_ns, int dir, const char *comment);

/* The same on interface ifid (0, or an id from tr_pcap_writer_add_interface);
 * -EINVAL for an interface not described. */
TR_API int tr_pcap_writer_write_on(struct tr_pcap_writer *w, unsigned ifid, const uint8_t *data,
			    uint32_t caplen, uint32_t len, uint64_t ts_ns, int dir,
			    const char *comment);

TR_API int tr_pcap_writer_flush(struct tr_pcap_writer *w);
/* Flushes and closes; the file is complete and readable afterwards. */
TR_API int tr_pcap_writer_close(struct tr_pcap_writer *w);
TR_API uint64_t tr_pcap_writer_count(const struct tr_pcap_writer *w);

/* ---- engine mirror: zero-copy capture of the engine's own frames ------- */

struct tr_engine;       /* <tapring/engine.h> */
struct tr_bpf_prog;     /* <tapring/filter.h> */
struct tr_mirror;

struct tr_mirror_config {
	const char *path;                 /* capture file ("-": standard output) */
	enum tr_pcap_format format;       /* pcap (libpcap pcap_dump) or pcapng (ours) */
	uint32_t snaplen;                 /* bytes kept per frame; 0 = 262144 */
	const struct tr_bpf_prog *filter; /* optional; frames it rejects count as filtered.
	                                   * Must outlive the mirror. */
	unsigned ring_size;               /* records per queue ring, power of two (0: 4096, at most
	                                   * nbufs / (4 * nqueues): each record pins a buffer) */
	const char *ifname;               /* optional interface name for the file header */
};

struct tr_mirror_stats {
	uint64_t written;       /* frames written to the file */
	uint64_t dropped;       /* dump_dropped: the writer fell behind (ring full) */
	uint64_t filtered;      /* rejected by the filter */
	uint64_t write_errors;  /* frames the file writer failed on (not in written) */
};

/*
 * Mirror the engine's rx and tx frames into a capture file without copying:
 * registers the engine's mirror hook (tr_engine_set_mirror), so call it
 * before tr_engine_start. Each worker runs the filter (on rx before the
 * engine takes a reference, so a reject costs only the filter), then pushes a small
 * record {buffer reference, direction, final action, timestamp} on its own
 * SPSC ring; one writer thread ("tr-mirror") drains the rings, writes each
 * frame (cut to snaplen) and releases the reference. A full ring drops the
 * record at once (counted in dropped); the worker never waits. pcapng
 * records carry the direction (in for rx, out for tx) and, for rx frames
 * the engine dropped, the comment "drop: <reason name>".
 * Replaces any mirror set before. Returns NULL and sets *err (-EINVAL,
 * -EBUSY if the engine was started, -ENOMEM, or the file open error).
 */
TR_API struct tr_mirror *tr_mirror_create(struct tr_engine *e, const struct tr_mirror_config *cfg, int *err);

/* Counters, from any thread: a snapshot while running (the final values
 * come from tr_mirror_destroy's st). 0 or -EINVAL. */
TR_API int tr_mirror_stats(const struct tr_mirror *m, struct tr_mirror_stats *st);

/*
 * Call after tr_engine_stop (the workers no longer produce records): drains
 * every ring, closes the file (complete and readable), joins the writer and
 * releases every buffer reference. *st (optional) gets the final counters.
 * Returns 0 or the first write/close error (-errno). The engine keeps its
 * mirror hook pointing at freed memory: do not restart it.
 */
TR_API int tr_mirror_destroy(struct tr_mirror *m, struct tr_mirror_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_CAPTURE_H */
