/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel-side blocklist (TUNSETFILTEREBPF).
 *
 * The TUN driver runs this socket filter for every frame the kernel sends
 * towards the engine, after the queue is chosen and after a cBPF program
 * attached with TUNATTACHFILTER; a result of 0 drops the frame (the
 * device's tx_dropped counts it too), any other value is the length kept,
 * so the program returns the full length to pass a frame untouched.
 *
 * A frame is dropped when its IPv4 or IPv6 source address falls in a
 * prefix of block_src4/block_src6 (every frame, fragments included), or
 * when it is an unfragmented UDP or TCP packet whose destination port is
 * in block_port. A map that block_used marks empty is not looked up, and
 * with all three empty the frame passes before it is parsed. Each drop adds one to its kind's per-CPU slot in
 * block_stats. The maps are changed from user space while the program
 * runs; each lookup sees a whole element, old or new.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "block_maps.h"

#define TR_FH_CTX struct __sk_buff *
#define TR_FH_INLINE __always_inline
#define tr_fh_load(skb, off, to, n) bpf_skb_load_bytes((skb), (off), (to), (n))
#include "flow_hash.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TR_BLK_MAX_PREFIXES);
	__type(key, struct tr_blk_src4_key);
	__type(value, __u8);
} block_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TR_BLK_MAX_PREFIXES);
	__type(key, struct tr_blk_src6_key);
	__type(value, __u8);
} block_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TR_BLK_MAX_PORTS);
	__type(key, struct tr_blk_port_key);
	__type(value, __u8);
} block_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TR_BLK_NKINDS);
	__type(key, __u32);
	__type(value, __u64);
} block_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TR_BLK_NUSED);
	__type(key, __u32);
	__type(value, __u32);
} block_used SEC(".maps");

/* 1 if rule map `slot` may hold rules (block_maps.h); array lookups are
 * inlined by the verifier, so this is a load, not a helper call. */
static __always_inline int used(__u32 slot)
{
	__u32 *u = bpf_map_lookup_elem(&block_used, &slot);

	return u && *u;
}

static __always_inline int drop(__u32 kind)
{
	__u64 *c = bpf_map_lookup_elem(&block_stats, &kind);

	if (c)
		*c += 1;   /* per-CPU slot, and socket filters run with preemption off */
	return 0;
}

SEC("socket")
int tr_block(struct __sk_buff *skb)
{
	struct tr_flow f;
	int u4 = used(TR_BLK_USED_SRC4), u6 = used(TR_BLK_USED_SRC6), up = used(TR_BLK_USED_PORT);

	if (!(u4 | u6 | up))
		return skb->len;   /* an empty blocklist: no parse, no lookup */
	if (tr_flow_parse(skb, &f) != 0 || f.family == 0)
		return skb->len;
	if (f.family == 4 && u4) {
		struct tr_blk_src4_key k4 = { .prefixlen = 32 };

		/* the parser keeps host-order words: back to wire order */
		k4.addr[0] = (__u8)(f.src[0] >> 24);
		k4.addr[1] = (__u8)(f.src[0] >> 16);
		k4.addr[2] = (__u8)(f.src[0] >> 8);
		k4.addr[3] = (__u8)f.src[0];
		if (bpf_map_lookup_elem(&block_src4, &k4))
			return drop(TR_BLK_SRC4);
	} else if (f.family == 6 && u6) {
		struct tr_blk_src6_key k6 = { .prefixlen = 128 };
		int i;

		for (i = 0; i < 4; i++) {
			k6.addr[4 * i] = (__u8)(f.src[i] >> 24);
			k6.addr[4 * i + 1] = (__u8)(f.src[i] >> 16);
			k6.addr[4 * i + 2] = (__u8)(f.src[i] >> 8);
			k6.addr[4 * i + 3] = (__u8)f.src[i];
		}
		if (bpf_map_lookup_elem(&block_src6, &k6))
			return drop(TR_BLK_SRC6);
	}
	if (up && f.has_ports && (f.proto == 17 || f.proto == 6)) {
		struct tr_blk_port_key kp = { .proto = f.proto, .pad = 0, .port = f.dport };

		if (bpf_map_lookup_elem(&block_port, &kp))
			return drop(f.proto == 17 ? TR_BLK_UDP : TR_BLK_TCP);
	}
	return skb->len;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
