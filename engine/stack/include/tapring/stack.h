/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user-space network stack: ARP, IPv4 (+ reassembly, fragmentation),
 * ICMPv4, IPv6 + ND, ICMPv6, UDP sockets, UDP echo and a DNS responder.
 *
 * Two objects:
 *   struct tr_stack_host  the host identity (MAC, addresses, MTU, services,
 *                         bound UDP ports, hosts table). Built before start,
 *                         shared read-only by every worker afterwards (but
 *                         for a lock-free table of neighbour hints that
 *                         workers share, see docs/stack.md).
 *   struct tr_stack       one per worker: neighbour caches, reassembly
 *                         store, rate limiters, counters. Single-threaded,
 *                         no locks, no malloc after creation.
 *
 * The core is independent of threads, TAP and io_uring: frames go in with
 * tr_stack_input() (one action per frame, the engine's TR_ACT_* encoding
 * from <tapring/action.h>), timers run in tr_stack_poll(), and every frame
 * the stack creates or has stolen leaves through struct tr_stack_io (in the engine:
 * tr_worker_alloc / tr_worker_tx / tr_worker_drop; in tests: a fake).
 * tr_stack_stage_add() plugs it into an engine as a stage.
 *
 * L3 mode (tr_stack_config.l3_only, for a TUN): the wire carries raw IP.
 * The core still works on Ethernet frames; the link edge adds a pseudo
 * Ethernet header (destination our MAC, type from the IP version) to each
 * frame going in and takes it off each frame going out. tr_stack_stage_add
 * does both when the engine's device is TR_ENGINE_DEV_TUN (and requires
 * l3_only then); a direct caller of tr_stack_input does it itself. In
 * this mode neighbour resolution is skipped (every frame goes straight to
 * io->tx), no gratuitous ARP is sent, and ARP/ND are never originated;
 * ICMP, UDP, sockets, DNS and reassembly are unchanged.
 *
 * Outcome rule: every input frame gets exactly one outcome: TX (reply built
 * in place), DELIVER, NEXT, STOLEN (later released through io->tx or
 * io->drop) or DROP(reason). Reasons are the counters below.
 */
#ifndef TAPRING_STACK_H
#define TAPRING_STACK_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/action.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tr_buf;
struct tr_vnet_meta;
struct tr_stack;
struct tr_stack_host;

/* Actions: the engine's TR_ACT_* (<tapring/action.h>); a drop's reason is a
 * TR_STACK_C_* counter id. */

/*
 * Counters. D = a drop reason (a frame's outcome), E = an event counter.
 * Names are stable: tests, the engine and the CLI use them.
 * Some "drop" reasons are normal exits rather than errors (marked exit):
 * the frame was consumed by the stack and its buffer is freed.
 */
#define TR_STACK_COUNTERS(X) \
	X(ETH_RUNT,          "eth.runt",            D) \
	X(ETH_NOT_OURS,      "eth.not_ours",        D) \
	X(ARP_MALFORMED,     "arp.malformed",       D) \
	X(ARP_NOT_FOR_US,    "arp.not_for_us",      D) \
	X(ARP_CONSUMED,      "arp.consumed",        D) /* exit: reply/announce learned */ \
	X(IP4_BAD_LEN,       "ip4.bad_len",         D) \
	X(IP4_BAD_VERSION,   "ip4.bad_version",     D) \
	X(IP4_BAD_CSUM,      "ip4.bad_csum",        D) \
	X(IP4_NOT_OURS,      "ip4.not_ours",        D) \
	X(IP4_BAD_SRC,       "ip4.bad_src",         D) \
	X(IP4_FRAG_MERGED,   "ip4.frag_merged",     D) /* exit: fragment copied into the reassembled datagram */ \
	X(IP4_REASM_TIMEOUT, "ip4.reasm_timeout",   D) \
	X(IP4_REASM_OVERLAP, "ip4.reasm_overlap",   D) \
	X(IP4_REASM_MEM,     "ip4.reasm_mem",       D) \
	X(IP4_REASM_TOO_BIG, "ip4.reasm_too_big",   D) \
	X(IP4_REASM_EVICTED, "ip4.reasm_evicted",   D) \
	X(ICMP4_MALFORMED,   "icmp4.malformed",     D) \
	X(ICMP4_BAD_CSUM,    "icmp4.bad_csum",      D) \
	X(ICMP4_UNHANDLED,   "icmp4.unhandled",     D) \
	X(UDP_MALFORMED,     "udp.malformed",       D) \
	X(UDP_BAD_CSUM,      "udp.bad_csum",        D) \
	X(UDP_NO_PORT,       "udp.no_port",         D) \
	X(UDP_CONSUMED,      "udp.consumed",        D) /* exit: a socket callback consumed it */ \
	X(UDP_TO_RING,       "udp.to_ring",         D) /* exit: handed to a socket ring (extra reference) */ \
	X(UDP_RING_FULL,     "udp.ring_full",       D) \
	X(UDP_DISCARDED,     "udp.discarded",       D) /* exit: taken by the discard service */ \
	X(UDP_GSO_SPLIT,     "udp.gso_split",       D) /* exit: a super-frame answered datagram by datagram */ \
	X(IP6_BAD_LEN,       "ip6.bad_len",         D) \
	X(IP6_BAD_VERSION,   "ip6.bad_version",     D) \
	X(IP6_NOT_OURS,      "ip6.not_ours",        D) \
	X(IP6_BAD_SRC,       "ip6.bad_src",         D) \
	X(IP6_UNSUPPORTED,   "ip6.unsupported",     D) /* a fragment header after headers we cannot skip (AH) */ \
	X(IP6_FRAG_BAD_LEN,  "ip6.frag_bad_len",    D) /* RFC 8200 4.5: empty, not a multiple of 8 with M set, or past 65535 */ \
	X(IP6_FRAG_MERGED,   "ip6.frag_merged",     D) /* exit: fragment copied into the reassembled datagram */ \
	X(IP6_REASM_TIMEOUT, "ip6.reasm_timeout",   D) \
	X(IP6_REASM_OVERLAP, "ip6.reasm_overlap",   D) /* RFC 5722: the whole datagram goes */ \
	X(IP6_REASM_MEM,     "ip6.reasm_mem",       D) \
	X(IP6_REASM_TOO_BIG, "ip6.reasm_too_big",   D) \
	X(IP6_REASM_EVICTED, "ip6.reasm_evicted",   D) \
	X(ICMP6_MALFORMED,   "icmp6.malformed",     D) \
	X(ICMP6_BAD_CSUM,    "icmp6.bad_csum",      D) \
	X(ICMP6_UNHANDLED,   "icmp6.unhandled",     D) \
	X(ICMP6_PTB,         "icmp6.ptb_consumed",  D) /* exit: Packet Too Big checked (and applied to the path MTU) */ \
	X(ND_BAD_HLIM,       "nd.bad_hlim",         D) \
	X(ND_MALFORMED,      "nd.malformed",        D) \
	X(ND_NOT_FOR_US,     "nd.not_for_us",       D) \
	X(ND_CONSUMED,       "nd.consumed",         D) /* exit: NA learned / RS, RA ignored */ \
	X(NEIGH_QUEUE_FULL,  "neigh.queue_full",    D) \
	X(NEIGH_TIMEOUT,     "neigh.timeout",       D) \
	X(NEIGH_EVICTED,     "neigh.evicted",       D) \
	X(NEIGH_NO_ROUTE,    "neigh.no_route",      D) \
	X(DNS_MALFORMED,     "dns.malformed",       D) \
	X(TX_TOO_BIG,        "tx.too_big",          D) \
	X(TX_NOBUF,          "tx.nobuf",            D) /* no buffer to originate a frame */ \
	X(STACK_SHUTDOWN,    "stack.shutdown",      D) /* exit: held at destroy */ \
	X(ARP_REPLIED,       "arp.replied",         E) \
	X(ARP_REQ_SENT,      "arp.requests_sent",   E) \
	X(ARP_GRATUITOUS,    "arp.gratuitous_sent", E) \
	X(ICMP4_ECHO,        "icmp4.echo_replied",  E) \
	X(ICMP4_UNREACH,     "icmp4.unreach_sent",  E) \
	X(ICMP4_RATE_LIMITED,"icmp4.rate_limited",  E) \
	X(ICMP6_ECHO,        "icmp6.echo_replied",  E) \
	X(ICMP6_UNREACH,     "icmp6.unreach_sent",  E) \
	X(ICMP6_RATE_LIMITED,"icmp6.rate_limited",  E) \
	X(ND_NA_SENT,        "nd.na_sent",          E) \
	X(ND_NS_SENT,        "nd.ns_sent",          E) \
	X(IP4_FRAGS_SENT,    "ip4.frags_sent",      E) \
	X(IP4_REASM_OK,      "ip4.reasm_ok",        E) \
	X(IP6_FRAGS_SENT,    "ip6.frags_sent",      E) \
	X(IP6_REASM_OK,      "ip6.reasm_ok",        E) \
	X(IP6_ATOMIC_FRAG,   "ip6.atomic_frags",    E) /* RFC 6946: offset 0 and M clear, processed alone */ \
	X(IP6_PMTU_LOWERED,  "ip6.pmtu_lowered",    E) /* RFC 8201: a Packet Too Big lowered a path MTU */ \
	X(UDP_ECHO,          "udp.echo_replied",    E) \
	X(UDP_SENT,          "udp.sent",            E) \
	X(DNS_ANSWERED,      "dns.answered",        E) \
	X(DNS_NXDOMAIN,      "dns.nxdomain",        E) \
	X(DNS_FORMERR,       "dns.formerr",         E) \
	X(DNS_NOTIMP,        "dns.notimp",          E) \
	X(NEIGH_RESOLVED,    "neigh.resolved",      E) \
	X(STACK_PASSED,      "stack.passed",        E) /* frames not for the stack: action NEXT */ \
	X(UDP_BAD_ACTION,    "udp.bad_action",      D) /* a socket callback returned an action outside its contract (appended: ids are ABI) */

enum tr_stack_counter_id {
#define TR__STACK_ENUM(id, name, kind) TR_STACK_C_##id,
	TR_STACK_COUNTERS(TR__STACK_ENUM)
#undef TR__STACK_ENUM
	TR_STACK_C_COUNT
};

/* Name of counter id ("ip4.bad_csum"), NULL when out of range. */
TR_API const char *tr_stack_counter_name(unsigned id);
/* true when the counter is a drop reason (a frame outcome). */
TR_API bool tr_stack_counter_is_drop(unsigned id);
/* Counter id by name, or -ENOENT. */
TR_API int tr_stack_counter_find(const char *name);

/* ---- configuration (host identity), read-only once workers run ---------- */

#define TR_STACK_MAX_ADDRS 16

struct tr_stack_config {
	uint8_t mac[6];                 /* the interface MAC */
	unsigned n_ip4;
	uint8_t ip4[TR_STACK_MAX_ADDRS][4];      /* our/published IPv4 addresses */
	uint8_t ip4_mac[TR_STACK_MAX_ADDRS][6];  /* ARP answer per address; all-zero = mac */
	unsigned n_ip6;
	uint8_t ip6[TR_STACK_MAX_ADDRS][16];     /* configured IPv6 addresses */
	bool no_link_local;             /* do not add fe80::EUI-64(mac) */
	bool l3_only;                   /* a TUN: no Ethernet on the wire, no ARP/ND
	                                 * (see "L3 mode" below); mac is then only the
	                                 * source of the link-local address */
	uint16_t mtu;                   /* IP MTU, default 1500 */
	uint16_t udp_echo_port;         /* 0 = off */
	uint16_t dns_port;              /* 0 = off (53 is the usual value) */
	uint16_t udp_discard_port;      /* 0 = off: RFC 863 discard, counted (tr_stack_discard_stats) */
	const char *hosts_path;         /* hosts file for the DNS responder (optional); read
	                                 * by tr_stack_host_create, the pointer is not kept */
	const char *hosts_text;         /* or hosts text (used when hosts_path is NULL) */
	/* Per-worker bounds and timers (0 = default). */
	uint32_t neigh_entries;         /* neighbour cache entries per family, default 256 (power of two, >= 4) */
	uint32_t neigh_queue;           /* pending frames per unresolved entry, default 8, max 64 */
	uint32_t neigh_probes;          /* resolution attempts before giving up, default 3 */
	uint64_t neigh_retry_ns;        /* between attempts, default 1 s */
	uint64_t neigh_reachable_ns;    /* entry lifetime without refresh, default 300 s */
	uint32_t reasm_slots;           /* concurrent datagrams, default 16 */
	uint32_t reasm_frags;           /* fragment buffers held in total, default 64 */
	uint64_t reasm_timeout_ns;      /* default 30 s as in Linux (RFC 791 suggests 15 s initially) */
	uint32_t icmp_rate;             /* ICMP errors per second per worker, default 100 */
	uint32_t icmp_burst;            /* bucket depth, default 10 */
	/* 0: the stack's random choices (IPv6 fragment identifications, the
	 * first IPv4 identification) are seeded from getrandom(). Else from
	 * this seed and the worker's queue: the same input then gives the same
	 * output (tapring replay --seed). */
	uint64_t seed;
};

/* Builds the shared host object. Loads the hosts file (if any), derives the
 * link-local address. NULL + *err (-EINVAL bad config, -ENOMEM, -errno from
 * reading the hosts file). */
TR_API struct tr_stack_host *tr_stack_host_create(const struct tr_stack_config *cfg, int *err);
TR_API void tr_stack_host_destroy(struct tr_stack_host *h);
/* The configuration as normalised (defaults filled in). */
TR_API const struct tr_stack_config *tr_stack_host_config(const struct tr_stack_host *h);
/* IPv6 addresses in use (configured, then the link-local one); returns the
 * count, *addrs points at that many consecutive 16-byte addresses. */
TR_API unsigned tr_stack_host_ip6(const struct tr_stack_host *h, const uint8_t **addrs);

/* ---- UDP sockets ------------------------------------------------------- */

struct tr_udp_meta {
	uint8_t family;                 /* 4 or 6 */
	uint8_t src[16], dst[16];       /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;          /* host order */
	uint8_t *payload;               /* inside the frame buffer */
	uint32_t len;                   /* payload bytes */
	/* A GSO super-frame (offloads, docs/offload.md) holds `segs` datagrams
	 * back to back in payload: gso_size bytes each, the last one shorter
	 * or equal. A plain datagram: segs 1, gso_size 0. This is the batch
	 * API: a callback or ring socket that wants single datagrams walks
	 * the payload in gso_size steps (or the application calls
	 * tr_engine_gso_segment on a delivered frame). */
	uint16_t gso_size;
	uint16_t segs;
};

/* Socket callback, called on the worker that received the datagram.
 * Returns what happens to the frame:
 *   TR_UDP_CONSUMED         the callback is done; the buffer is freed
 *                           (counted as the exit reason "udp.consumed")
 *   TR_ACT_DELIVER          hand the frame to the engine's app ring
 *   tr_udp_reply(...)       the payload was rewritten in place: send it back
 *   TR_ACT_DROP(TR_STACK_C_*) drop under one of the stack's drop reasons
 *                           (tr_stack_counter_is_drop)
 * Anything else (TR_ACT_NEXT, TR_ACT_TX_PORT(p), an unknown kind, a drop
 * with an id that is not a stack drop reason) drops the frame as
 * "udp.bad_action": the stack does not know the engine's ports, and a
 * frame it took in leaves with a defined outcome.
 * The callback may also call tr_udp_sendto() with other buffers. It must
 * not keep b (use a ring socket, tr_udp_bind_ring, for that). */
typedef uint32_t (*tr_udp_cb)(void *arg, struct tr_stack *s, struct tr_buf *b,
			      const struct tr_udp_meta *m);
#define TR_UDP_CONSUMED TR_ACT_DROP(TR_STACK_C_UDP_CONSUMED)

/* Binds a port (host order) for family 4, 6 or 0 (both) on the host; before
 * workers start. 0, -EADDRINUSE, -ENOSPC (table full), -EINVAL. */
TR_API int tr_udp_bind(struct tr_stack_host *h, int family, uint16_t port, tr_udp_cb cb, void *arg);

struct tr_ring;
/* Binds a port whose datagrams go to the application zero copy through one
 * SPSC ring per worker: rings[q] gets the frames of worker queue q (the
 * stack is its only producer, the application its only consumer); nrings
 * <= TR_STACK_MAX_QUEUES, the array is copied, the rings must outlive the
 * engine. The frame is handed over with an extra reference (tr_buf_ref):
 * the stack's own reference ends with the exit reason "udp.to_ring", and
 * the application drops its reference with tr_engine_buf_free() (or
 * tr_slab_free_remote()) when done. b->user = payload offset from b->data
 * << 32 | payload length. A full ring (or no ring for the queue) drops the
 * frame as "udp.ring_full". Before workers start. */
#define TR_STACK_MAX_QUEUES 64
TR_API int tr_udp_bind_ring(struct tr_stack_host *h, int family, uint16_t port,
		     struct tr_ring *const *rings, unsigned nrings);

/* Turns the received datagram b (described by m) into a reply in place:
 * addresses and ports swapped, payload length new_len (the payload was
 * edited at m->payload; new_len must fit the buffer), checksums redone.
 * Returns the action to return from the callback (TX, or a DROP). */
TR_API uint32_t tr_udp_reply(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m,
		      uint32_t new_len);

/* Sends b's payload (b->data, b->len bytes) as one UDP datagram: headers
 * are prepended into the headroom (needs >= 62 bytes), zero copy. A datagram
 * above the MTU is fragmented (IPv4 only; extra fragments are copied into
 * new buffers). The neighbour is resolved first; while pending, the frames
 * wait in a bounded queue. Ownership of b passes to the stack in every case.
 * src may be NULL (first address of the family). Returns 0, -EMSGSIZE,
 * -ENOBUFS, -EHOSTUNREACH (not on-link: no routing), -EINVAL. */
TR_API int tr_udp_sendto(struct tr_stack *s, struct tr_buf *b, int family,
		  const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport);

/* ---- per-worker instance ------------------------------------------------ */

/* How the stack obtains, sends and frees frames it originates or stole. */
struct tr_stack_io {
	void *ctx;
	struct tr_buf *(*alloc)(void *ctx);                        /* NULL on exhaustion */
	int (*tx)(void *ctx, struct tr_buf *b);                    /* queue for transmit; ownership passes */
	void (*drop)(void *ctx, struct tr_buf *b, unsigned reason);  /* free, counting stack reason */
	uint32_t headroom;              /* bytes before data in a fresh buffer */
	uint32_t buf_room;              /* bytes from data (at headroom) to the buffer end */
	/* Optional (offloads): bytes from b->data to the end of b's own buffer
	 * (large buffers have more than buf_room), and b's offload metadata
	 * (NULL when none; struct tr_vnet_meta from <tapring/vnet.h>). */
	uint32_t (*room)(void *ctx, const struct tr_buf *b);
	struct tr_vnet_meta *(*offload)(void *ctx, const struct tr_buf *b);
	/* Optional large buffer class, for reassembled datagrams that do not
	 * fit the buffer of the fragment completing them (alloc_large, room
	 * and adopt all set, or alloc_large NULL: such datagrams drop as
	 * "ip4/ip6.reasm_too_big"). alloc_large: a fresh large buffer (data
	 * at headroom), NULL when the class is empty. adopt: nb takes the
	 * place of the received frame old in the accounting (old is released
	 * uncounted, nb now is that rx frame); only used through
	 * tr_stack_input_slot / tr_stack_input_burst. */
	struct tr_buf *(*alloc_large)(void *ctx);
	void (*adopt)(void *ctx, struct tr_buf *old, struct tr_buf *nb);
};

/* One per worker. The io struct is copied. */
TR_API struct tr_stack *tr_stack_create(const struct tr_stack_host *h, const struct tr_stack_io *io,
				 int *err);
/* Releases every held buffer through io->drop (reason stack.shutdown). */
TR_API void tr_stack_destroy(struct tr_stack *s);

/* The worker queue this instance serves (selects the socket ring); 0 by
 * default, set by the stage adapter. */
TR_API void tr_stack_set_queue(struct tr_stack *s, unsigned queue);

/* Announce: gratuitous ARP for each IPv4 address (originated frames). */
TR_API void tr_stack_start(struct tr_stack *s, uint64_t now_ns);

/* Processes one received frame; returns its action (TR_ACT_*). For
 * TX the reply was built in place in b. For STOLEN the stack keeps b and
 * releases it later through io. */
TR_API uint32_t tr_stack_input(struct tr_stack *s, struct tr_buf *b, uint64_t now_ns);
/* Same, but the stack may replace *slot: a reassembled datagram too large
 * for the buffer of its last fragment continues in a large buffer (io
 * alloc_large/adopt), which then is the frame the action applies to. With
 * tr_stack_input such datagrams are dropped as "ip4/ip6.reasm_too_big". */
TR_API uint32_t tr_stack_input_slot(struct tr_stack *s, struct tr_buf **slot, uint64_t now_ns);
/* Burst form: acts[i] for bufs[i] (bufs[i] may be replaced, as above). */
TR_API void tr_stack_input_burst(struct tr_stack *s, struct tr_buf **bufs, uint32_t *acts,
			  unsigned n, uint64_t now_ns);

/* Timers: neighbour retries/give-up/aging, reassembly timeouts. Cheap when
 * nothing is due; call once per loop. */
TR_API void tr_stack_poll(struct tr_stack *s, uint64_t now_ns);

/* A fresh buffer from the worker's pool (for tr_udp_sendto from a
 * callback), NULL on exhaustion. */
TR_API struct tr_buf *tr_stack_alloc(struct tr_stack *s);

/* Discard service totals over every worker (any thread, lock-free):
 * datagrams counted after segmentation, bytes = UDP payload. */
TR_API void tr_stack_discard_stats(const struct tr_stack_host *h, uint64_t *datagrams, uint64_t *bytes);

/* Counters of this instance. */
TR_API uint64_t tr_stack_counter(const struct tr_stack *s, unsigned id);
/* Received frames currently stolen (IPv4 fragments awaiting reassembly):
 * the "held" term of the engine's accounting equation. */
TR_API unsigned tr_stack_held(const struct tr_stack *s);
/* Originated frames waiting for neighbour resolution. */
TR_API unsigned tr_stack_queued(const struct tr_stack *s);
/* Neighbour cache occupancy for family 4 or 6. */
TR_API unsigned tr_stack_neigh_count(const struct tr_stack *s, int family);
/* Looks up a resolved neighbour; 0 and mac filled, or -ENOENT. */
TR_API int tr_stack_neigh_lookup(const struct tr_stack *s, int family, const uint8_t *ip, uint8_t mac[6]);
/* The host object the instance was created from. */
TR_API const struct tr_stack_host *tr_stack_get_host(const struct tr_stack *s);

/* ---- hosts file (used by the DNS responder; exposed for tests/tools) ---- */

/* Looks a name up (case-insensitive, no trailing dot). Fills up to max
 * addresses of family 4 or 6 into out (4 or 16 bytes each); returns the
 * count found, 0 when the name exists only for the other family, -ENOENT
 * when the name is unknown. */
TR_API int tr_stack_hosts_lookup(const struct tr_stack_host *h, const char *name, size_t name_len,
			  int family, uint8_t *out, unsigned max);

/* ---- engine stage adapter ---------------------------------------------- */

struct tr_engine;
/* Adds the stack as a stage of e (one tr_stack per worker, created in the
 * stage's init; gratuitous ARP at queue 0's first poll). Registers every
 * drop reason as an engine counter (same names). h must outlive the engine:
 * destroy the engine first, then the host (which frees the adapter).
 * 0 or -errno. */
TR_API int tr_stack_stage_add(struct tr_engine *e, struct tr_stack_host *h);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_STACK_H */
