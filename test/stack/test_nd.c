/* Neighbor Discovery: NS for our addresses (to the solicited-node group or
 * unicast) answered with a solicited NA built in place, DAD probes from ::
 * defended with an NA to all-nodes, hop limit != 255 and foreign targets
 * dropped with counters, resolution of an outgoing datagram with NS and the
 * NA that completes it, and the IPv6 neighbour table bound under an NS
 * flood. */
#include "fake.h"

static uint32_t ns(uint8_t *fr, const uint8_t *src, const uint8_t *dst, const uint8_t *target,
		   const uint8_t *slla, uint8_t hlim)
{
	struct tr_icmpv6_repr r = { .type = TR_ICMP6_NEIGH_SOLICIT };
	memcpy(r.u.nd.target, target, 16);
	if (slla) {
		r.opts.present = TR_ND_HAS_SLLA;
		memcpy(r.opts.slla, slla, 6);
	}
	uint8_t dmac[6];
	if (dst[0] == 0xff)
		fk_mcast_mac(dmac, dst);
	else
		memcpy(dmac, FK_MAC, 6);
	return fk_icmp6(fr, dmac, slla ? slla : FK_PEER_MAC, src, dst, hlim, &r);
}

/* Parse the NA in d; returns its flags or -1. */
static int check_na(const uint8_t *d, uint32_t len, const uint8_t *dmac, const uint8_t *dst,
		    const uint8_t *target)
{
	T_CHECK(memcmp(d, dmac, 6) == 0);
	T_CHECK(memcmp(d + 6, FK_MAC, 6) == 0);
	T_CHECK_EQ(d[14 + 7], 255);
	T_CHECK(memcmp(d + 14 + 8, target, 16) == 0);    /* src = target */
	T_CHECK(memcmp(d + 14 + 24, dst, 16) == 0);
	T_CHECK(fk_ip6_l4_csum_ok(d, len));
	uint8_t *copy = t_guard_copy(d + 54, len - 54);
	struct tr_icmpv6_view v = { copy, len - 54 };
	struct tr_l4_pseudo ph = { 6, d + 22, d + 38 };
	struct tr_icmpv6_repr r;
	int rc = tr_icmpv6_parse(&v, &ph, &r, 0, NULL);
	T_CHECK_EQ(rc, 0);
	int flags = -1;
	if (rc == 0 && r.type == TR_ICMP6_NEIGH_ADVERT) {
		T_CHECK(memcmp(r.u.nd.target, target, 16) == 0);
		T_CHECK(r.opts.present & TR_ND_HAS_TLLA);
		T_CHECK(memcmp(r.opts.tlla, FK_MAC, 6) == 0);
		flags = r.u.nd.flags;
	}
	t_guard_free(copy, len - 54);
	return flags;
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[2048], snm[16], mac[6];
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 0);
	fk_start(&f);

	/* NS to our solicited-node group with SLLA -> solicited NA, learned */
	fk_snm(snm, FK_IP6);
	uint32_t n = ns(fr, FK_PEER_IP6, snm, FK_IP6, FK_PEER_MAC, 255);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(check_na(f.last, f.last_len, FK_PEER_MAC, FK_PEER_IP6, FK_IP6),
		   TR_ICMP6_NA_F_SOLICITED | TR_ICMP6_NA_F_OVERRIDE);
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 6, FK_PEER_IP6, mac), 0);
	T_CHECK(memcmp(mac, FK_PEER_MAC, 6) == 0);
	/* unicast NS without SLLA (the NA grows by 8 bytes: room needed) */
	const uint8_t p2[16] = { 0xfd, 0x77, [15] = 0x42 };
	n = ns(fr, p2, FK_IP6, FK_IP6, NULL, 255);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), TX_TOO_BIG));
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(check_na(f.last, f.last_len, FK_PEER_MAC, p2, FK_IP6),
		   TR_ICMP6_NA_F_SOLICITED | TR_ICMP6_NA_F_OVERRIDE);
	/* link-local target, derived from the MAC */
	const uint8_t ll[16] = { 0xfe, 0x80, [11] = 0xff, 0xfe, 0x77, 0x00, 0x01 };
	const uint8_t peer_ll[16] = { 0xfe, 0x80, [15] = 0x99 };
	fk_snm(snm, ll);
	n = ns(fr, peer_ll, snm, ll, FK_PEER_MAC, 255);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK(check_na(f.last, f.last_len, FK_PEER_MAC, peer_ll, ll) >= 0);
	/* DAD probe from :: -> NA to all-nodes, not solicited */
	const uint8_t unspec[16] = { 0 }, all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	fk_snm(snm, FK_IP6);
	n = ns(fr, unspec, snm, FK_IP6, NULL, 255);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(check_na(f.last, f.last_len, all_nodes_mac, all_nodes, FK_IP6), TR_ICMP6_NA_F_OVERRIDE);
	T_CHECK_EQ(fk_cnt(&f, "nd.na_sent"), 4);

	/* drops */
	n = ns(fr, FK_PEER_IP6, snm, FK_IP6, FK_PEER_MAC, 254);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), ND_BAD_HLIM));
	const uint8_t other[16] = { 0xfd, 0x77, [15] = 0x55 };
	n = ns(fr, FK_PEER_IP6, FK_IP6, other, FK_PEER_MAC, 255);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), ND_NOT_FOR_US));
	fk_snm(snm, other);
	n = ns(fr, FK_PEER_IP6, snm, other, FK_PEER_MAC, 255);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), IP6_NOT_OURS));
	n = ns(fr, FK_PEER_IP6, FK_IP6, FK_IP6, FK_PEER_MAC, 255);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n - 8), IP6_BAD_LEN));   /* plen > frame */
	n = ns(fr, FK_PEER_IP6, FK_IP6, FK_IP6, FK_PEER_MAC, 255);
	fr[n - 7] = 0;  /* SLLA option length 0 */
	fr[54 + 2] = fr[54 + 3] = 0;
	{
		uint16_t ck = tr_cksum_finish(tr_cksum_add(tr_cksum_pseudo_ipv6(fr + 22, fr + 38, 58, n - 54),
							   fr + 54, n - 54));
		memcpy(fr + 56, &ck, 2);
	}
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), ND_MALFORMED));
	T_CHECK_EQ(f.ntx, 0);

	/* resolution: sendto an unknown neighbour -> NS, queue, NA -> sent */
	const uint8_t nb_ip[16] = { 0xfd, 0x77, [14] = 0x12, 0x34 };
	const uint8_t nb_mac[6] = { 0x02, 0, 0, 0x77, 0x12, 0x34 };
	for (int i = 0; i < 2; i++) {
		struct tr_buf *b = tr_stack_alloc(f.s);
		T_ASSERT(b);
		memcpy(b->data, "ping6", 5);
		b->len = 5;
		T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, nb_ip, 1000, 2000), 0);
	}
	T_CHECK_EQ(tr_stack_queued(f.s), 2);
	T_ASSERT(f.ntx == 1);   /* one NS */
	{
		const uint8_t *d = f.tx[0].d;
		uint8_t snm2[16], mm[6];
		fk_snm(snm2, nb_ip);
		fk_mcast_mac(mm, snm2);
		T_CHECK(memcmp(d, mm, 6) == 0);
		T_CHECK(memcmp(d + 38, snm2, 16) == 0);
		T_CHECK(memcmp(d + 22, FK_IP6, 16) == 0);
		T_CHECK_EQ(d[54], TR_ICMP6_NEIGH_SOLICIT);
		T_CHECK(memcmp(d + 54 + 8, nb_ip, 16) == 0);
		T_CHECK(fk_ip6_l4_csum_ok(d, f.tx[0].len));
	}
	fk_clear_tx(&f);
	struct tr_icmpv6_repr na = { .type = TR_ICMP6_NEIGH_ADVERT };
	na.u.nd.flags = TR_ICMP6_NA_F_SOLICITED;
	memcpy(na.u.nd.target, nb_ip, 16);
	na.opts.present = TR_ND_HAS_TLLA;
	memcpy(na.opts.tlla, nb_mac, 6);
	n = fk_icmp6(fr, FK_MAC, nb_mac, nb_ip, FK_IP6, 255, &na);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), ND_CONSUMED));
	T_CHECK_EQ(tr_stack_queued(f.s), 0);
	T_CHECK_EQ(f.ntx, 2);
	for (unsigned i = 0; i < f.ntx && i < 2; i++) {
		T_CHECK(memcmp(f.tx[i].d, nb_mac, 6) == 0);
		T_CHECK(fk_ip6_l4_csum_ok(f.tx[i].d, f.tx[i].len));
		T_CHECK_EQ(f.tx[i].len, 54 + 8 + 5);
	}
	fk_clear_tx(&f);
	/* an unsolicited NA for an unknown address creates nothing */
	const uint8_t stranger[16] = { 0xfd, 0x77, [15] = 0x77 };
	memcpy(na.u.nd.target, stranger, 16);
	n = fk_icmp6(fr, FK_MAC, nb_mac, stranger, FK_IP6, 255, &na);
	fk_input(&f, fr, n);
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 6, stranger, mac), -ENOENT);

	/* flood: 10k NS from random sources with SLLA: the table stays bounded */
	uint32_t seed = 12345;
	fk_snm(snm, FK_IP6);
	for (int i = 0; i < 10000; i++) {
		uint8_t src[16] = { 0xfd, 0x77 }, sm[6] = { 0x02 };
		for (int k = 4; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			src[k] = (uint8_t)(seed >> 16);
		}
		memcpy(sm + 1, src + 11, 5);
		n = ns(fr, src, snm, FK_IP6, sm, 255);
		fk_input(&f, fr, n);
		T_ASSERT(tr_stack_neigh_count(f.s, 6) <= 256);
	}
	T_CHECK(tr_stack_neigh_count(f.s, 6) <= 256);
	T_CHECK(tr_stack_neigh_count(f.s, 6) > 128);
	T_CHECK_EQ(fk_cnt(&f, "nd.na_sent"), 4 + 10000);
	fk_clear_tx(&f);

	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
