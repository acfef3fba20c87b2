/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARP for Ethernet/IPv4 (RFC 826): view, repr, parse, emit.
 *
 * tr_arp_check() guarantees 28 bytes, so every getter is safe after it.
 * tr_arp_parse() also validates htype=1, ptype=0x0800, hlen=6, plen=4 and
 * op in {1, 2}. Errors: -EMSGSIZE (short), -EINVAL (meaning), -ENOSPC (emit).
 */
#ifndef TAPRING_ARP_H
#define TAPRING_ARP_H

#include <tapring/api.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tapring/wire/arp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tr_arp_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_arp_view tr_arp_view_of(const uint8_t *p, size_t len)
{
	struct tr_arp_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

static inline int tr_arp_check(const struct tr_arp_view *v)
{
	return v->len >= TR_ARP_LEN ? 0 : -EMSGSIZE;
}

static inline uint16_t tr_arp_htype(const struct tr_arp_view *v) { return tr_load_be16(v->buf + TR_ARP_OFF_HTYPE); }
static inline uint16_t tr_arp_ptype(const struct tr_arp_view *v) { return tr_load_be16(v->buf + TR_ARP_OFF_PTYPE); }
static inline uint16_t tr_arp_op(const struct tr_arp_view *v) { return tr_load_be16(v->buf + TR_ARP_OFF_OP); }
static inline const uint8_t *tr_arp_sha(const struct tr_arp_view *v) { return v->buf + TR_ARP_OFF_SHA; }
static inline const uint8_t *tr_arp_spa(const struct tr_arp_view *v) { return v->buf + TR_ARP_OFF_SPA; }
static inline const uint8_t *tr_arp_tha(const struct tr_arp_view *v) { return v->buf + TR_ARP_OFF_THA; }
static inline const uint8_t *tr_arp_tpa(const struct tr_arp_view *v) { return v->buf + TR_ARP_OFF_TPA; }
/* Changing op invalidates an earlier tr_arp_parse(). */
static inline void tr_arp_set_op(struct tr_arp_view *v, uint16_t op) { tr_store_be16(v->buf + TR_ARP_OFF_OP, op); }

struct tr_arp_repr {
	uint16_t op;          /* TR_ARP_OP_REQUEST or TR_ARP_OP_REPLY */
	uint8_t sha[6];
	uint8_t spa[4];
	uint8_t tha[6];
	uint8_t tpa[4];
};

/* Validate and copy the fields out. Bytes past 28 (Ethernet padding) are
 * ignored. why (may be NULL) receives a static reason on failure. */
TR_API int tr_arp_parse(const struct tr_arp_view *v, struct tr_arp_repr *r, const char **why);

/* Always 28. */
TR_API size_t tr_arp_emit_len(const struct tr_arp_repr *r);

/* Write exactly 28 bytes. Returns 0 or -ENOSPC. */
TR_API int tr_arp_emit(const struct tr_arp_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ARP_H */
