/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP: parse of a real request (with Ethernet padding), round trip, every
 * validation error and truncation point. */
#include <tapring/arp.h>

#include "frames.h"
#include "helpers.h"

int main(void)
{
	const char *err = "";
	const uint8_t *arp = frame_arp_request + 14;
	size_t alen = sizeof(frame_arp_request) - 14;   /* 28 + 18 padding */
	uint8_t *g = t_guard_copy(arp, alen);
	struct tr_arp_view v = { g, alen };
	struct tr_arp_repr r;
	T_CHECK_EQ(tr_arp_check(&v), 0);
	T_CHECK_EQ(tr_arp_htype(&v), 1);
	T_CHECK_EQ(tr_arp_ptype(&v), 0x0800);
	T_CHECK_EQ(tr_arp_op(&v), TR_ARP_OP_REQUEST);
	T_CHECK_EQ(tr_arp_parse(&v, &r, &err), 0);
	T_CHECK_EQ(r.op, 1);
	static const uint8_t spa[4] = { 10, 77, 0, 1 }, tpa[4] = { 10, 77, 0, 2 };
	static const uint8_t sha[6] = { 0x02, 0, 0, 0x77, 0, 1 };
	T_CHECK(memcmp(r.spa, spa, 4) == 0 && memcmp(r.tpa, tpa, 4) == 0);
	T_CHECK(memcmp(r.sha, sha, 6) == 0);

	/* Round trip: emit reproduces the 28 bytes exactly. */
	uint8_t out[28];
	T_CHECK_EQ(tr_arp_emit_len(&r), 28);
	T_CHECK_EQ(tr_arp_emit(&r, out, sizeof(out)), 0);
	T_CHECK(memcmp(out, arp, 28) == 0);
	T_CHECK_EQ(tr_arp_emit(&r, out, 27), -ENOSPC);

	/* Truncation points. */
	for (size_t k = 0; k < 28; k++) {
		uint8_t *c = t_guard_copy(arp, k);
		struct tr_arp_view cv = { c, k };
		T_CHECK_EQ(tr_arp_parse(&cv, &r, &err), -EMSGSIZE);
		t_guard_free(c, k);
	}
	T_CHECK_STR(err, "arp: length < 28");

	/* Validation errors. */
	struct { size_t off; uint8_t val; const char *msg; } cases[] = {
		{ 1, 6, "arp: hardware/protocol type unsupported" },
		{ 2, 0x86, "arp: hardware/protocol type unsupported" },
		{ 4, 8, "arp: address lengths != 6/4" },
		{ 5, 16, "arp: address lengths != 6/4" },
		{ 7, 3, "arp: opcode unsupported" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *c = t_guard_copy(arp, 28);
		c[cases[i].off] = cases[i].val;
		struct tr_arp_view cv = { c, 28 };
		err = "";
		T_CHECK_EQ(tr_arp_parse(&cv, &r, &err), -EINVAL);
		T_CHECK_STR(err, cases[i].msg);
		t_guard_free(c, 28);
	}
	tr_arp_set_op(&v, TR_ARP_OP_REPLY);
	T_CHECK_EQ(tr_arp_parse(&v, &r, NULL), 0);
	T_CHECK_EQ(r.op, TR_ARP_OP_REPLY);
	t_guard_free(g, alen);
	return t_done();
}
