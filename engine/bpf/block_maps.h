/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/bpf/block_maps.h: the blocklist's map keys and counter slots,
 * shared by block.bpf.c (kernel) and block.c (user space). Layout only.
 *
 *   block_src4   LPM trie  key tr_blk_src4_key  value __u8 (1)   source IPv4 prefixes
 *   block_src6   LPM trie  key tr_blk_src6_key  value __u8 (1)   source IPv6 prefixes
 *   block_port   hash      key tr_blk_port_key  value __u8 (1)   destination ports per protocol
 *   block_stats  per-CPU array, TR_BLK_NKINDS slots of __u64     drops by kind
 *   block_used   array, TR_BLK_NUSED slots of __u32              1: that map may
 *                hold rules, 0: it is empty and its lookup is skipped
 *
 * block_used keeps an empty blocklist (the default of `tapring up`) from
 * costing a parse and three map lookups per frame. Its protocol, in user
 * space (block.c), for any number of processes changing one blocklist:
 *   add:  insert the rule, THEN set its map's slot to 1;
 *   del:  delete the rule; if the map is now empty, set the slot to 0,
 *         THEN look again, and set it back to 1 if the map is not empty.
 * A slot can only read 0 while its map is empty or while an add is between
 * its two steps (the rule takes effect a moment later, as if added then):
 * if an add's insert comes before a del's second look, the del sets the
 * slot back to 1; if it comes after, the add's own set comes after the
 * del's clear. Each step is one syscall on one map element.
 */
#ifndef TAPRING_BLOCK_MAPS_H
#define TAPRING_BLOCK_MAPS_H

#include <linux/types.h>

#define TR_BLK_MAX_PREFIXES 4096   /* per family */
#define TR_BLK_MAX_PORTS    1024

/* Slots of block_stats; the same numbers as enum tr_block_kind. */
#define TR_BLK_SRC4   0
#define TR_BLK_SRC6   1
#define TR_BLK_UDP    2
#define TR_BLK_TCP    3
#define TR_BLK_NKINDS 4

/* Slots of block_used: one per rule map. */
#define TR_BLK_USED_SRC4 0
#define TR_BLK_USED_SRC6 1
#define TR_BLK_USED_PORT 2
#define TR_BLK_NUSED     3

/* LPM trie keys: prefix length in bits, then the address in wire order. */
struct tr_blk_src4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct tr_blk_src6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct tr_blk_port_key {
	__u8 proto;            /* 6 or 17 */
	__u8 pad;              /* always 0: part of the hashed key */
	__u16 port;            /* host order */
};

#endif /* TAPRING_BLOCK_MAPS_H */
