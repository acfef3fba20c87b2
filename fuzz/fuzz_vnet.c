/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: virtio-net header codec. Each input is a 12-byte
 * virtio_net_hdr followed by the Ethernet frame it describes (what a TAP
 * read with IFF_VNET_HDR returns). The header is parsed, re-emitted and
 * must round-trip byte for byte; a header that parses is validated
 * against the frame; a frame that validates is segmented (every segment
 * must fit in headers + gso_size, and the payloads must add up) and
 * checksum-completed on a copy. Any inconsistency aborts. Seeds:
 * fuzz/corpus/vnet/ (UDP/TCP super-frames over IPv4/IPv6, a plain
 * NEEDS_CSUM frame, malformed headers).
 */
#include <stdlib.h>
#include <string.h>

#include <tapring/vnet.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t seg[65536 + 64];
static uint8_t copy[65536 + 64];

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_vnet_repr r;
	struct tr_vnet_info in;
	uint8_t hdr[12];
	if (tr_vnet_parse(data, size, &r, NULL) != 0)
		return 0;
	check(tr_vnet_emit(&r, hdr, sizeof(hdr)) == 0);
	check(memcmp(hdr, data, 12) == 0);
	const uint8_t *f = data + 12;
	size_t len = size - 12;
	if (len > sizeof(copy) || tr_vnet_check_frame(&r, f, len, &in, NULL) != 0)
		return 0;
	check(in.segs >= 1);
	if (r.gso_type != TR_VNET_GSO_NONE && r.gso_type != TR_VNET_GSO_UDP) {
		size_t total = 0;
		for (uint32_t k = 0; k < in.segs; k++) {
			int n = tr_vnet_segment(&r, &in, f, len, k, seg, sizeof(seg));
			check(n >= (int)in.payload_off);
			check((size_t)n - in.payload_off <= r.gso_size);
			total += (size_t)n - in.payload_off;
		}
		check(total == in.payload_len);
	}
	memcpy(copy, f, len);
	struct tr_vnet_repr c = r;
	check(tr_vnet_csum_complete(&c, copy, len) == 0);
	check(!(c.flags & TR_VNET_F_NEEDS_CSUM));
	return 0;
}
