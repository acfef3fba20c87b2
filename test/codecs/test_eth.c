/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ethernet II + VLAN: parse/emit round trip for 0..4 tags (802.1Q, 802.1ad,
 * 0x9100), the tag-count bound, every truncation point, getters/setters.
 */
#include <tapring/ethernet.h>

#include "helpers.h"

static const uint8_t M1[6] = { 0x02, 0, 0, 0x77, 0, 1 }, M2[6] = { 0x02, 0, 0, 0x77, 0, 2 };

int main(void)
{
	static const uint16_t tpids[] = { TR_ETHERTYPE_QINQ, TR_ETHERTYPE_VLAN,
					  TR_ETHERTYPE_QINQ_OLD, TR_ETHERTYPE_VLAN };
	const char *err = "";

	for (unsigned n = 0; n <= TR_ETH_MAX_VLAN; n++) {
		struct tr_eth_repr r = { 0 }, p;
		memcpy(r.dst, M2, 6);
		memcpy(r.src, M1, 6);
		r.ethertype = TR_ETHERTYPE_IPV6;
		r.n_vlan = (uint8_t)n;
		for (unsigned i = 0; i < n; i++) {
			r.vlan[i].tpid = tpids[i];
			r.vlan[i].vid = (uint16_t)(i == 3 ? 4094 : 100 * i + 1);
			r.vlan[i].pcp = (uint8_t)(7 - i);
			r.vlan[i].dei = (uint8_t)(i & 1);
		}
		size_t L = tr_eth_emit_len(&r);
		T_CHECK_EQ(L, 14 + 4 * n);
		uint8_t *b = t_guard_buf(L);
		T_CHECK_EQ(tr_eth_emit(&r, b, L), 0);
		T_CHECK_EQ(tr_eth_emit(&r, b, L - 1), -ENOSPC);
		struct tr_eth_view v = { b, L };
		T_CHECK_EQ(tr_eth_check(&v), 0);
		T_CHECK_EQ(tr_eth_type(&v), n ? tpids[0] : TR_ETHERTYPE_IPV6);
		T_CHECK(memcmp(tr_eth_dst(&v), M2, 6) == 0);
		T_CHECK_EQ(tr_eth_parse(&v, &p, &err), 0);
		T_CHECK_EQ(p.n_vlan, n);
		T_CHECK_EQ(p.hdr_len, L);
		T_CHECK_EQ(p.ethertype, TR_ETHERTYPE_IPV6);
		T_CHECK(memcmp(p.src, M1, 6) == 0 && memcmp(p.dst, M2, 6) == 0);
		for (unsigned i = 0; i < n; i++) {
			T_CHECK_EQ(p.vlan[i].tpid, tpids[i]);
			T_CHECK_EQ(p.vlan[i].vid, r.vlan[i].vid);
			T_CHECK_EQ(p.vlan[i].pcp, r.vlan[i].pcp);
			T_CHECK_EQ(p.vlan[i].dei, r.vlan[i].dei);
			T_CHECK_EQ(p.vlan[i].inner_type, i + 1 < n ? tpids[i + 1] : TR_ETHERTYPE_IPV6);
		}
		/* Every truncation point: parse reads only inside the guard. */
		for (size_t k = 0; k < L; k++) {
			uint8_t *c = t_guard_copy(b, k);
			struct tr_eth_view cv = { c, k };
			err = "";
			T_CHECK_EQ(tr_eth_parse(&cv, &p, &err), -EMSGSIZE);
			T_CHECK(strncmp(err, "eth: ", 5) == 0);
			t_guard_free(c, k);
		}
		t_guard_free(b, L);
	}

	/* Five tags exceed the bound: -EINVAL, not a read past the tags. */
	uint8_t f[14 + 5 * 4 + 2];
	memcpy(f, M2, 6);
	memcpy(f + 6, M1, 6);
	for (int i = 0; i < 5; i++) {
		tr_store_be16(f + 12 + 4 * i, TR_ETHERTYPE_VLAN);
		tr_store_be16(f + 14 + 4 * i, (uint16_t)i);
	}
	tr_store_be16(f + 32, TR_ETHERTYPE_IPV4);
	uint8_t *g = t_guard_copy(f, sizeof(f));
	struct tr_eth_view gv = { g, sizeof(f) };
	struct tr_eth_repr p;
	T_CHECK_EQ(tr_eth_parse(&gv, &p, &err), -EINVAL);
	T_CHECK_STR(err, "eth: more than 4 vlan tags");
	/* err may be NULL. */
	T_CHECK_EQ(tr_eth_parse(&gv, &p, NULL), -EINVAL);
	struct tr_eth_repr bad = { .n_vlan = 5 };
	T_CHECK_EQ(tr_eth_emit(&bad, f, sizeof(f)), -EINVAL);

	/* Setters write network order in place. */
	tr_eth_set_type(&gv, TR_ETHERTYPE_ARP);
	T_CHECK_EQ(g[12], 0x08);
	T_CHECK_EQ(g[13], 0x06);
	tr_eth_set_src(&gv, M2);
	tr_eth_set_dst(&gv, M1);
	T_CHECK(memcmp(tr_eth_src(&gv), M2, 6) == 0 && memcmp(tr_eth_dst(&gv), M1, 6) == 0);
	T_CHECK_EQ(tr_eth_parse(&gv, &p, NULL), 0);
	T_CHECK_EQ(p.ethertype, TR_ETHERTYPE_ARP);
	T_CHECK_EQ(p.n_vlan, 0);
	t_guard_free(g, sizeof(f));
	return t_done();
}
