/* Ping: ICMPv4 and ICMPv6 echo replies built in place, compared byte for
 * byte with the reply built independently by the codecs (so addresses,
 * TTL/hop limit, type and both RFC 1624-updated checksums are exact), and
 * the IPv4/ICMP checks that drop bad frames with their counters. */
#include "fake.h"

static uint8_t payload[56];

static uint32_t echo4(uint8_t *out, uint8_t type, const uint8_t *dmac, const uint8_t *smac,
		      const uint8_t *src, const uint8_t *dst, uint8_t ttl)
{
	uint8_t l4[128];
	uint32_t n = fk_icmp4_echo_l4(l4, type, 0x4242, 7, payload, sizeof(payload));
	n = fk_ip4(out, dmac, smac, src, dst, TR_IPPROTO_ICMP, l4, n, 0x1234, 0, false);
	struct tr_ipv4_view v = { out + 14, n - 14 };
	tr_ipv4_set_ttl(&v, ttl);
	tr_ipv4_fill_csum(&v);
	return n;
}

static uint32_t echo6(uint8_t *out, uint8_t type, const uint8_t *dmac, const uint8_t *smac,
		      const uint8_t *src, const uint8_t *dst, uint8_t hlim)
{
	struct tr_icmpv6_repr r = { .type = type, .data = payload, .data_len = sizeof(payload) };
	r.u.echo.id = 0x4242;
	r.u.echo.seq = 9;
	return fk_icmp6(out, dmac, smac, src, dst, hlim, &r);
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t req[256], exp[256];
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 0);
	fk_start(&f);

	/* IPv4 to each address: the reply uses that address's MAC */
	for (int k = 0; k < 2; k++) {
		const uint8_t *ip = k ? FK_IP2 : FK_IP1, *mac = k ? FK_MAC2 : FK_MAC;
		uint32_t n = echo4(req, TR_ICMP_ECHO_REQUEST, mac, FK_PEER_MAC, FK_PEER_IP, ip, 57);
		T_CHECK_EQ(fk_input_guard(&f, req, n), TR_ACT_TX);
		uint32_t m = echo4(exp, TR_ICMP_ECHO_REPLY, FK_PEER_MAC, mac, ip, FK_PEER_IP, 64);
		T_CHECK_EQ(f.last_len, m);
		T_CHECK(memcmp(f.last, exp, m) == 0);
		T_CHECK(fk_ip4_csums_ok(f.last, f.last_len));
	}
	T_CHECK_EQ(fk_cnt(&f, "icmp4.echo_replied"), 2);

	/* Ethernet padding after the datagram is cut from the reply */
	uint32_t n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, 64);
	memset(req + n, 0, 10);
	T_CHECK_EQ(fk_input(&f, req, n + 10), TR_ACT_TX);
	T_CHECK_EQ(f.last_len, n);

	/* IPv6 */
	n = echo6(req, TR_ICMP6_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 61);
	T_CHECK_EQ(fk_input_guard(&f, req, n), TR_ACT_TX);
	uint32_t m = echo6(exp, TR_ICMP6_ECHO_REPLY, FK_PEER_MAC, FK_MAC, FK_IP6, FK_PEER_IP6, 64);
	T_CHECK_EQ(f.last_len, m);
	T_CHECK(memcmp(f.last, exp, m) == 0);
	T_CHECK(fk_ip6_l4_csum_ok(f.last, f.last_len));
	T_CHECK_EQ(fk_cnt(&f, "icmp6.echo_replied"), 1);
	/* to the link-local address derived from the MAC (EUI-64) */
	const uint8_t ll[16] = { 0xfe, 0x80, [8] = 0x00, 0x00, 0x00, 0xff, 0xfe, 0x77, 0x00, 0x01 };
	n = echo6(req, TR_ICMP6_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, ll, 64);
	T_CHECK_EQ(fk_input(&f, req, n), TR_ACT_TX);

	/* drops, each with its counter */
	n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, 64);
	req[14 + 10] ^= 0x55;  /* IP header checksum */
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), IP4_BAD_CSUM));
	n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, 64);
	req[n - 1] ^= 0x55;    /* ICMP payload -> ICMP checksum wrong */
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), ICMP4_BAD_CSUM));
	const uint8_t other[4] = { 10, 77, 0, 3 }, bcast[4] = { 255, 255, 255, 255 };
	n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP, other, 64);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), IP4_NOT_OURS));
	n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_BCAST, FK_PEER_MAC, FK_PEER_IP, bcast, 64);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), ICMP4_UNHANDLED));
	n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, 64);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n - 1), IP4_BAD_LEN));  /* total_len > frame */
	req[14] = 0x65;
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), IP4_BAD_VERSION));
	n = echo4(req, TR_ICMP_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, bcast, FK_IP1, 64);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), IP4_BAD_SRC));
	n = echo6(req, TR_ICMP6_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 64);
	req[n - 3] ^= 1;
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), ICMP6_BAD_CSUM));
	const uint8_t other6[16] = { 0xfd, 0x77, [15] = 7 };
	n = echo6(req, TR_ICMP6_ECHO_REQUEST, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, other6, 64);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, n), IP6_NOT_OURS));
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, req, 14 + 39), IP6_BAD_LEN));
	T_CHECK_EQ(fk_cnt(&f, "ip4.bad_csum"), 1);
	T_CHECK_EQ(fk_cnt(&f, "icmp4.bad_csum"), 1);
	/* echo replies are passed on (the application's own pings) */
	n = echo4(req, TR_ICMP_ECHO_REPLY, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, 64);
	T_CHECK_EQ(fk_input(&f, req, n), TR_ACT_NEXT);
	T_CHECK_EQ(f.ntx, 0);  /* nothing originated */

	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
