/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS message codec (RFC 1035), zero malloc.
 *
 * Reading is an iterator over the message held by the caller:
 *
 *     struct tr_dns_msg m;
 *     struct tr_dns_question q;   // caller-provided, holds the name text
 *     struct tr_dns_rr rr;
 *     if (tr_dns_parse_header(&m, buf, len, &why) < 0) ...
 *     while ((rc = tr_dns_next_question(&m, &q, &why)) == 1) ...
 *     while ((rc = tr_dns_next_rr(&m, &rr, &why)) == 1) ... rr.section ...
 *     if (rc < 0) ... malformed, why says where
 *
 * Names are decompressed into text without the trailing dot ("www.example
 * .com"; the root is "."). Inside a label '.' and '\' are written as "\."
 * and "\\", bytes outside 0x21..0x7e as "\DDD" (decimal), like dig.
 * Decompression is bounded: a pointer must point strictly before the start
 * of the label sequence that contains it (so loops are impossible), at most
 * TR_DNS_MAX_JUMPS pointers per name, labels <= 63 bytes, and the
 * uncompressed wire name <= 255 bytes.
 *
 * Writing (tr_dns_writer) emits a message into a caller buffer with name
 * compression: every name and name suffix written is remembered (up to
 * TR_DNS_COMP_MAX offsets) and later names point at the longest match.
 *
 * Return shapes: parse/encode functions return 0 (or a length) or a
 * negative errno; iterators return 1 (item produced), 0 (no more) or a
 * negative errno. -EINVAL = malformed, -ENOSPC = caller buffer too small,
 * -EAGAIN = incomplete (DNS over TCP stream only). `why` (may be NULL)
 * receives a static string naming the layer ("dns: label length 64 > 63").
 */
#ifndef TAPRING_DNS_H
#define TAPRING_DNS_H

#include <tapring/api.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/wire/common.h>
#include <tapring/wire/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest name text incl. NUL: a 255-byte wire name of single-byte labels
 * each escaped as \DDD is 4 * 253 + dots; 1016 covers every legal name. */
#define TR_DNS_NAME_TEXT_MAX 1016
#define TR_DNS_MAX_JUMPS     16
#define TR_DNS_COMP_MAX      64

/* ---- header -------------------------------------------------------------- */

struct tr_dns_header {
	uint16_t id;
	uint16_t flags;          /* TR_DNS_F_*, opcode, rcode */
	uint16_t qdcount;
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;
};

static inline unsigned tr_dns_qr(const struct tr_dns_header *h)     { return (h->flags & TR_DNS_F_QR) != 0; }
static inline unsigned tr_dns_opcode(const struct tr_dns_header *h) { return (h->flags & TR_DNS_OPCODE_MASK) >> TR_DNS_OPCODE_SHIFT; }
static inline unsigned tr_dns_rcode(const struct tr_dns_header *h)  { return h->flags & TR_DNS_RCODE_MASK; }
static inline uint16_t tr_dns_make_flags(unsigned qr, unsigned opcode, unsigned rcode, uint16_t bits)
{
	return (uint16_t)((qr ? TR_DNS_F_QR : 0u) | ((opcode << TR_DNS_OPCODE_SHIFT) & TR_DNS_OPCODE_MASK) |
			  (rcode & TR_DNS_RCODE_MASK) | (bits & ~(TR_DNS_F_QR | TR_DNS_OPCODE_MASK | TR_DNS_RCODE_MASK)));
}

enum tr_dns_section {
	TR_DNS_SEC_QD = 0,       /* question */
	TR_DNS_SEC_AN = 1,       /* answer */
	TR_DNS_SEC_NS = 2,       /* authority */
	TR_DNS_SEC_AR = 3,       /* additional */
	TR_DNS_SEC_END = 4
};

/* ---- names --------------------------------------------------------------- */

/*
 * Decode the (possibly compressed) name at *off in msg[0..len) into text
 * (cap bytes incl. NUL; TR_DNS_NAME_TEXT_MAX always suffices). *off advances
 * past the name as it sits in the record (past the first pointer, if any).
 * Returns the text length, or -EINVAL (malformed) / -ENOSPC (cap too small).
 */
TR_API int tr_dns_name_decode(const uint8_t *msg, size_t len, size_t *off, char *text,
		       size_t cap, const char **why);

/* Skip the name at *off without decoding (still validates label lengths and
 * that any pointer lies inside the message). Returns 0 or -EINVAL. */
TR_API int tr_dns_name_skip(const uint8_t *msg, size_t len, size_t *off, const char **why);

/*
 * Text (escapes as above, optional trailing dot, "" or "." = root) to an
 * uncompressed wire name in out (cap bytes). Returns the wire length
 * (1..255) or -EINVAL (empty label, label > 63, name > 255, bad escape) /
 * -ENOSPC.
 */
TR_API int tr_dns_name_encode(const char *text, uint8_t *out, size_t cap, const char **why);

/* Case-insensitive (ASCII) comparison of two name texts, ignoring one
 * trailing dot. Returns 1 when equal. Escapes are compared literally. */
TR_API int tr_dns_name_eq(const char *a, const char *b);

/* ---- records ------------------------------------------------------------- */

struct tr_dns_question {
	char name[TR_DNS_NAME_TEXT_MAX];
	uint16_t type;
	uint16_t qclass;
};

struct tr_dns_rr {
	char name[TR_DNS_NAME_TEXT_MAX];
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint8_t section;         /* enum tr_dns_section (parse) */
	uint16_t rdlen;
	/* Raw rdata, pointing into the message (parse). For types decoded
	 * below this is informational; for any other type (and TXT) it is the
	 * data, and the writer copies it verbatim. */
	const uint8_t *rdata;
	union {
		uint8_t a[4];                        /* A */
		uint8_t aaaa[16];                    /* AAAA */
		char target[TR_DNS_NAME_TEXT_MAX];   /* CNAME, NS, PTR */
		struct {
			uint16_t pref;
			char exchange[TR_DNS_NAME_TEXT_MAX];
		} mx;
		struct {
			uint16_t priority, weight, port;
			char target[TR_DNS_NAME_TEXT_MAX];
		} srv;
		struct {
			char mname[TR_DNS_NAME_TEXT_MAX];
			char rname[TR_DNS_NAME_TEXT_MAX];
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
		struct {
			uint16_t count;  /* character-strings in rdata (parse) */
		} txt;
	} u;
};

/* True when the writer encodes this type from the union (else from rdata). */
static inline int tr_dns_type_is_decoded(uint16_t type)
{
	switch (type) {
	case TR_DNS_T_A: case TR_DNS_T_AAAA: case TR_DNS_T_CNAME: case TR_DNS_T_NS:
	case TR_DNS_T_PTR: case TR_DNS_T_MX: case TR_DNS_T_SRV: case TR_DNS_T_SOA:
		return 1;
	default:
		return 0;
	}
}

/*
 * TXT rdata iterator: at *off (start at 0) returns 1 with the next
 * character-string (ptr, len), 0 at the end, -EINVAL if a length runs past
 * rdlen. Parse has already validated TXT rdata, so on a parsed rr this only
 * returns 1 or 0.
 */
TR_API int tr_dns_txt_next(const struct tr_dns_rr *rr, size_t *off, const uint8_t **s,
		    size_t *slen);

/* ---- message iterator ---------------------------------------------------- */

struct tr_dns_msg {
	const uint8_t *buf;
	size_t len;
	size_t off;              /* next unread byte */
	struct tr_dns_header hdr;
	uint8_t section;         /* section of the next item */
	uint16_t left;           /* items left in that section */
};

/* Start iterating over msg[0..len) (not copied; must outlive m). Returns 0
 * or -EINVAL ("dns: message 7 < 12 bytes"). */
TR_API int tr_dns_parse_header(struct tr_dns_msg *m, const uint8_t *buf, size_t len,
			const char **why);

/* Next question: 1 (q filled), 0 (no questions left), -EINVAL. */
TR_API int tr_dns_next_question(struct tr_dns_msg *m, struct tr_dns_question *q,
			 const char **why);

/*
 * Next resource record of the answer, authority or additional section
 * (unread questions are skipped first): 1 (rr filled, rr->section set), 0
 * (all counted records read), -EINVAL. Types A/AAAA/CNAME/NS/PTR/MX/SRV/SOA
 * are decoded into rr->u and their rdata length must match exactly; TXT must
 * tile its rdata with character-strings; other types keep only rdata.
 */
TR_API int tr_dns_next_rr(struct tr_dns_msg *m, struct tr_dns_rr *rr, const char **why);

/* Walk the whole message (header, all questions and records) with exactly
 * the iterators' checks, but without writing name text (about twice as
 * fast): q/rr are scratch (non-name fields get overwritten). Returns 0 or
 * -EINVAL with the same `why` the iterators would give. */
TR_API int tr_dns_validate(const uint8_t *buf, size_t len, struct tr_dns_question *q,
		    struct tr_dns_rr *rr, const char **why);

/* ---- writer -------------------------------------------------------------- */

struct tr_dns_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;              /* bytes written so far */
	uint16_t count[4];       /* per section */
	uint8_t section;         /* last section written (sections go in order) */
	uint8_t ncomp;
	int err;                 /* sticky: first error */
	uint16_t comp[TR_DNS_COMP_MAX];  /* offsets of names/suffixes written */
};

/* Start a message in buf (cap bytes) with header h (its counts are ignored
 * and filled by tr_dns_writer_finish). cap < 12 makes the writer fail with
 * -ENOSPC. */
TR_API void tr_dns_writer_init(struct tr_dns_writer *w, uint8_t *buf, size_t cap,
			const struct tr_dns_header *h);

/* Append a question. Returns 0, -EINVAL (bad name, or a question after a
 * record), -ENOSPC. Errors are sticky. */
TR_API int tr_dns_write_question(struct tr_dns_writer *w, const struct tr_dns_question *q);

/* Append a record to section (AN, NS or AR; not before the current one).
 * Names in CNAME/NS/PTR/MX/SOA rdata are compressed; SRV targets are not
 * (RFC 2782). Returns 0, -EINVAL, -ENOSPC. */
TR_API int tr_dns_write_rr(struct tr_dns_writer *w, enum tr_dns_section section,
		    const struct tr_dns_rr *rr);

/* Store the counts; returns the message length or the first error. */
TR_API int tr_dns_writer_finish(struct tr_dns_writer *w);

/* ---- DNS over TCP (RFC 1035 §4.2.2: 2-byte length prefix) --------------- */

/*
 * Look at a stream buffer: if it starts with a complete length-prefixed
 * message, set *msg and *msg_len and return the bytes it occupies (2 + length);
 * -EAGAIN when more bytes are needed (incomplete, not an error); -EINVAL
 * when the prefix announces a message shorter than a DNS header (malformed;
 * the stream cannot be resynchronised).
 */
TR_API int tr_dns_tcp_frame(const uint8_t *buf, size_t len, const uint8_t **msg,
		     size_t *msg_len, const char **why);

/* Accumulating stream over a caller buffer (>= 65537 bytes to hold any
 * message). */
struct tr_dns_stream {
	uint8_t *buf;
	size_t cap;
	size_t have;             /* bytes buffered */
	size_t consumed;         /* bytes of buf already returned as messages */
};

TR_API void tr_dns_stream_init(struct tr_dns_stream *s, uint8_t *buf, size_t cap);
/* Append n bytes (copied). Returns n, or -ENOSPC if they don't fit even
 * after compaction. */
TR_API int tr_dns_stream_feed(struct tr_dns_stream *s, const uint8_t *data, size_t n);
/* Next complete message: 1 (msg valid until the next feed), -EAGAIN
 * (incomplete), -EINVAL (malformed prefix). */
TR_API int tr_dns_stream_next(struct tr_dns_stream *s, const uint8_t **msg, size_t *msg_len,
		       const char **why);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_DNS_H */
