/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Symmetric flow steering for a multiqueue TAP (TUNSETSTEERINGEBPF).
 *
 * The TUN driver runs this socket filter for every frame the kernel sends
 * towards the engine and takes the result, truncated to 16 bits, modulo the
 * number of attached queues. The parsing and the hash live in flow_hash.h,
 * shared with the user-space build (tr_steer_hash); non-IP frames get 0, so
 * ARP and neighbour discovery land on queue 0.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TR_FH_CTX struct __sk_buff *
#define TR_FH_INLINE __always_inline
#define tr_fh_load(skb, off, to, n) bpf_skb_load_bytes((skb), (off), (to), (n))
#include "flow_hash.h"

SEC("socket")
int tr_steer(struct __sk_buff *skb)
{
	struct tr_flow f;

	if (tr_flow_parse(skb, &f) != 0)
		return 0;
	return (int)tr_flow_hash(&f);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
