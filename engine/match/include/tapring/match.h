/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Payload rules: Hyperscan regular expressions over the UDP payload and the
 * TCP payload of each segment (IPv4 and IPv6, both directions), as an
 * engine stage. docs/match.md describes the file format and the reload.
 *
 * Rules file, one rule per line, '#' starts a comment line:
 *     ID:/REGEX/FLAGS [ACTION]
 *   ID      1-63 of [A-Za-z0-9_.-], unique in the file
 *   FLAGS   any of i (caseless), s (dot matches all), m (multiline)
 *   ACTION  count (default), drop, dump
 * A frame that matches several rules counts once for each; if any of them
 * drops, the frame is dropped as "match"; a dump rule sends the frame to
 * the match capture file (tr_match_config.dump_path).
 *
 * Block mode, one database. Each worker scans with its own scratch, cloned
 * (hs_clone_scratch) when a database is built, never on the hot path.
 * tr_match_reload compiles a new file; workers switch to it between bursts
 * and the old database is freed once every worker has passed a quiescent
 * point (epoch scheme, lock-free on the worker side).
 */
#ifndef TAPRING_MATCH_H
#define TAPRING_MATCH_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tr_engine;
struct tr_buf;
struct tr_match;
struct tr_match_ruleset;

#define TR_MATCH_ID_MAX    64      /* bytes of an ID, NUL included */
#define TR_MATCH_MAX_RULES 4096    /* per file */
#define TR_MATCH_MAX_IDS   16384   /* distinct IDs over the life of a tr_match (reloads) */

enum tr_match_action {
	TR_MATCH_COUNT = 0,
	TR_MATCH_DROP = 1,
	TR_MATCH_DUMP = 2,
};

#define TR_MATCH_F_CASELESS  1u   /* i */
#define TR_MATCH_F_DOTALL    2u   /* s */
#define TR_MATCH_F_MULTILINE 4u   /* m */

struct tr_match_rule {
	char id[TR_MATCH_ID_MAX];
	const char *regex;        /* NUL-terminated, owned by the ruleset */
	unsigned flags;           /* TR_MATCH_F_* */
	enum tr_match_action action;
	unsigned line;            /* 1-based line in the file */
};

/* 0 if Hyperscan runs on this CPU; else -ENOTSUP with a message in err. */
TR_API int tr_match_platform_check(char *err, size_t errlen);

/* Parse rules text (not NUL-terminated; len bytes). Syntax only, no
 * compile. NULL on error with *errp (-EINVAL, -ENOMEM, -E2BIG past
 * TR_MATCH_MAX_RULES) and one message in err naming the line. */
TR_API struct tr_match_ruleset *tr_match_ruleset_parse(const char *text, size_t len, char *err, size_t errlen,
						int *errp);
/* Compile a parsed ruleset into a block-mode database. 0, or -EINVAL with
 * "line N: rule ID: <Hyperscan's message>" in err. */
TR_API int tr_match_ruleset_compile(struct tr_match_ruleset *rs, char *err, size_t errlen);
/* Read, parse and compile a file ("cannot read PATH: ..." on I/O errors). */
TR_API struct tr_match_ruleset *tr_match_ruleset_load(const char *path, char *err, size_t errlen, int *errp);
TR_API unsigned tr_match_ruleset_count(const struct tr_match_ruleset *rs);
TR_API const struct tr_match_rule *tr_match_ruleset_rule(const struct tr_match_ruleset *rs, unsigned i);
TR_API void tr_match_ruleset_free(struct tr_match_ruleset *rs);

struct tr_match_config {
	unsigned nqueues;          /* only without an engine (tr_match_process users) */
	const char *dump_path;     /* capture file for dump rules (pcap, or pcapng by name); NULL: none */
	const char *ifname;        /* for the capture file header */
};

/*
 * Create the match state with a compiled ruleset (ownership passes, also on
 * failure). With an engine (before tr_engine_start) this registers the drop
 * reason "match" and appends the stage; with e == NULL the caller drives it
 * through tr_match_process. NULL with *err on failure.
 */
TR_API struct tr_match *tr_match_create(struct tr_engine *e, struct tr_match_ruleset *rs,
				 const struct tr_match_config *cfg, int *err);

/* Run the stage on a burst of queue q outside an engine: acts[i] becomes
 * TR_ACT_DROP(the "match" reason, or 0 without an engine) for frames a drop
 * rule matched, else stays. One thread per q at a time. */
TR_API void tr_match_process(struct tr_match *m, unsigned q, struct tr_buf **bufs, uint32_t *acts, unsigned n);

/*
 * Load and compile path, then switch every worker to it. Blocks the caller
 * until the old rules are freed: call it from a thread of its own (see
 * tr_match_reload_async), never from a worker. On a bad file the old rules
 * stay, the failure is counted and err gets the line and the reason.
 * 0 or -errno. Counters of IDs that stay keep counting.
 */
TR_API int tr_match_reload(struct tr_match *m, const char *path, char *err, size_t errlen);
/* Start tr_match_reload on a new thread; -EBUSY while one runs. Its result
 * shows in tr_match_stats and tr_match_last_error. */
TR_API int tr_match_reload_async(struct tr_match *m, const char *path);
/* Wait for a running async reload. */
TR_API void tr_match_reload_join(struct tr_match *m);
/* Last reload error message ("" if the last reload worked). */
TR_API void tr_match_last_error(struct tr_match *m, char *buf, size_t len);

struct tr_match_stats {
	uint64_t scanned;          /* frames with a TCP/UDP payload scanned */
	uint64_t matched;          /* frames at least one rule matched */
	uint64_t dropped;          /* frames dropped by a drop rule */
	uint64_t dumped;           /* frames written to the dump file */
	uint64_t dump_dropped;     /* dump records lost (writer behind) */
	uint64_t scan_errors;      /* hs_scan failures (frame passed) */
	uint64_t reloads;          /* successful reloads */
	uint64_t reload_failures;  /* reloads that kept the old rules */
	uint64_t generation;       /* rules in use: 1 at create, +1 per reload */
};
TR_API void tr_match_stats(struct tr_match *m, struct tr_match_stats *st);

/* Calls fn for each rule of the current rules, in file order, with its
 * count summed over the workers (a snapshot while running). */
TR_API void tr_match_foreach(struct tr_match *m, void (*fn)(void *arg, const char *id, uint64_t count), void *arg);

/* Free everything (after tr_engine_stop; joins a running reload and the
 * dump writer, closes the dump file). */
TR_API void tr_match_destroy(struct tr_match *m);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_MATCH_H */
