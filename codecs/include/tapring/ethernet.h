/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ethernet II with 802.1Q / 802.1ad VLAN tags: view, repr, parse, emit.
 *
 * View: tr_eth_check() guarantees the 14-byte untagged header, so every
 * getter below is safe after it. Tags are walked by tr_eth_parse(), which
 * bounds their number by TR_ETH_MAX_VLAN.
 *
 * Error shape: 0 or a negative errno. -EMSGSIZE: the buffer is too short;
 * -EINVAL: malformed (e.g. too many tags); -ENOSPC: emit buffer too small.
 * When why is non-NULL, a failing parse stores a static reason naming the
 * layer there ("eth: vlan tag truncated").
 */
#ifndef TAPRING_ETHERNET_H
#define TAPRING_ETHERNET_H

#include <tapring/api.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tapring/wire/eth.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on stacked tags accepted by parse (S-tag + C-tag + margin). */
#define TR_ETH_MAX_VLAN 4

/* A view of a frame. buf is non-const so setters can write in place; a view
 * made over const memory (tr_eth_view_of) must only be read. */
struct tr_eth_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_eth_view tr_eth_view_of(const uint8_t *p, size_t len)
{
	struct tr_eth_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

/* 0 when the untagged header fits, else -EMSGSIZE. */
static inline int tr_eth_check(const struct tr_eth_view *v)
{
	return v->len >= TR_ETH_HDR_LEN ? 0 : -EMSGSIZE;
}

static inline const uint8_t *tr_eth_dst(const struct tr_eth_view *v) { return v->buf + TR_ETH_OFF_DST; }
static inline const uint8_t *tr_eth_src(const struct tr_eth_view *v) { return v->buf + TR_ETH_OFF_SRC; }
/* The outermost type field (a TPID when tagged). */
static inline uint16_t tr_eth_type(const struct tr_eth_view *v) { return tr_load_be16(v->buf + TR_ETH_OFF_TYPE); }
static inline void tr_eth_set_dst(struct tr_eth_view *v, const uint8_t mac[6]) { memcpy(v->buf + TR_ETH_OFF_DST, mac, 6); }
static inline void tr_eth_set_src(struct tr_eth_view *v, const uint8_t mac[6]) { memcpy(v->buf + TR_ETH_OFF_SRC, mac, 6); }
/* Changing the outer type invalidates an earlier tr_eth_parse(). */
static inline void tr_eth_set_type(struct tr_eth_view *v, uint16_t t) { tr_store_be16(v->buf + TR_ETH_OFF_TYPE, t); }

/* True for the TPIDs parse treats as a VLAN tag (0x8100, 0x88a8, 0x9100). */
static inline bool tr_eth_is_vlan_tpid(uint16_t t)
{
	return t == TR_ETHERTYPE_VLAN || t == TR_ETHERTYPE_QINQ || t == TR_ETHERTYPE_QINQ_OLD;
}

/* One tag, outermost first in tr_eth_repr.vlan[]. */
struct tr_vlan_tag {
	uint16_t tpid;        /* 0x8100, 0x88a8 or 0x9100 */
	uint16_t vid;         /* 12 bits */
	uint8_t pcp;          /* 3 bits */
	uint8_t dei;          /* 1 bit */
	uint16_t inner_type;  /* the type field that follows this tag */
};

struct tr_eth_repr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t ethertype;   /* payload type after all tags */
	uint8_t n_vlan;       /* tags in vlan[], outermost first */
	uint8_t hdr_len;      /* 14 + 4 * n_vlan */
	struct tr_vlan_tag vlan[TR_ETH_MAX_VLAN];
};

/* Parse the header and walk the tags. The payload starts at r->hdr_len.
 * Errors: -EMSGSIZE (header or a tag truncated), -EINVAL (more than
 * TR_ETH_MAX_VLAN tags). why may be NULL. When the 14-byte header fits but
 * a tag is bad (cut, or one too many), r still holds the addresses and the
 * complete tags before the bad one (n_vlan, hdr_len), and ethertype is the
 * bad tag's TPID; with a short header r is unspecified. */
TR_API int tr_eth_parse(const struct tr_eth_view *v, struct tr_eth_repr *r, const char **why);

/* 14 + 4 * n_vlan. */
TR_API size_t tr_eth_emit_len(const struct tr_eth_repr *r);

/* Write exactly tr_eth_emit_len(r) bytes (addresses, tags from vlan[].tpid,
 * pcp, dei, vid, then r->ethertype; inner_type is derived). Returns 0,
 * -ENOSPC if len is too small, or -EINVAL if n_vlan > TR_ETH_MAX_VLAN. */
TR_API int tr_eth_emit(const struct tr_eth_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ETHERNET_H */
