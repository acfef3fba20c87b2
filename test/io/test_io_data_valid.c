/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DATA_VALID from a real kernel (root; skip otherwise). The TAP driver
 * writes VIRTIO_NET_HDR_F_DATA_VALID into the header of a frame it hands
 * to its reader when the skb is CHECKSUM_UNNECESSARY (tun_put_user ->
 * virtio_net_hdr_from_skb with has_data_valid = true; CHECKSUM_PARTIAL
 * gives NEEDS_CSUM instead, anything else no flag). An skb becomes
 * CHECKSUM_UNNECESSARY when GRO has verified its checksum: frames written
 * into a TAP opened with IFF_NAPI go through napi_gro_receive, whose
 * tcp4/udp4_gro_receive validate the L4 checksum in software and mark the
 * skb (skb_gro_incr_csum_unnecessary) whether or not it is merged.
 *
 * Set-up, inside a namespace the test creates: TAP X (IFF_NAPI, written by
 * the test) and TAP Y (IFF_VNET_HDR, read by the engine with offloads) in
 * one bridge. A TCP and a UDP frame with correct checksums written into X
 * reach the engine from Y flagged DATA_VALID: TR_BUF_F_CSUM_VALID, not
 * CSUM_PARTIAL, the header's flags DATA_VALID, rx_csum_valid counts them;
 * tr_engine_csum_complete leaves them untouched (nothing to finish). A
 * UDP frame with a wrong checksum fails GRO's check and arrives without
 * the flag (the negative control: the kernel did not vouch for it, and
 * the engine does not pretend it did). Accounting holds at the end.
 */
#include <netinet/in.h>

#include <tapring/checksum.h>

#include "io_test.h"

#ifndef IFF_NAPI
#define IFF_NAPI 0x0010
#endif

static const uint8_t SRC_IP[4] = { 10, 77, 13, 2 }, DST_IP[4] = { 10, 77, 13, 1 };

/* Ethernet/IPv4/(TCP|UDP) with marker port `dport` and 32 bytes of payload;
 * correct checksums unless bad_l4. Returns the frame length. */
static unsigned build(uint8_t *f, int proto, uint16_t dport, bool bad_l4)
{
	const unsigned l4h = proto == IPPROTO_TCP ? 20 : 8, pay = 32, l4len = l4h + pay;
	memset(f, 0, 14 + 20 + l4len);
	memcpy(f, (const uint8_t[]){ 0x02, 0x77, 0x13, 0, 0, 0x01 }, 6);   /* unknown unicast: flooded */
	memcpy(f + 6, (const uint8_t[]){ 0x02, 0x77, 0x13, 0, 0, 0x02 }, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *l4 = ip + 20;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4len) >> 8);
	ip[3] = (uint8_t)(20 + l4len);
	ip[6] = 0x40;   /* DF */
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, SRC_IP, 4);
	memcpy(ip + 16, DST_IP, 4);
	tr_cksum_store(ip + 10, tr_cksum(ip, 20));
	l4[0] = 0x9c;   /* source port 40000 */
	l4[1] = 0x40;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP) {
		l4[7] = 1;        /* seq 1 */
		l4[12] = 5 << 4;  /* data offset 5 */
		l4[13] = 0x18;    /* PSH | ACK */
		l4[14] = 0xff;    /* window */
	} else {
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
	}
	for (unsigned i = 0; i < pay; i++)
		l4[l4h + i] = (uint8_t)(i * 7 + dport);
	uint8_t *ck = l4 + (proto == IPPROTO_TCP ? 16 : 6);
	uint32_t sum = tr_cksum_pseudo_ipv4(SRC_IP, DST_IP, (uint8_t)proto, l4len);
	tr_cksum_store(ck, tr_cksum_finish(tr_cksum_add(sum, l4, l4len)));
	if (bad_l4)
		ck[1] ^= 0x5a;
	return 14 + 20 + l4len;
}

/* The L4 port of a received IPv4 TCP/UDP frame, or 0. */
static uint16_t dport_of(const struct tr_buf *b)
{
	const uint8_t *f = b->data;
	if (b->len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0 || (f[23] != IPPROTO_TCP && f[23] != IPPROTO_UDP))
		return 0;
	const uint8_t *l4 = f + 14 + (f[14] & 15) * 4;
	return (uint16_t)(l4[2] << 8 | l4[3]);
}

int main(void)
{
	char ns[16], devx[16], devy[16];
	int err;
	t_require_net_admin();
	t_netns_add(ns);
	t_unique_name("tdx", devx);
	t_unique_name("tdy", devy);
	int fx = io_tap_open1(devx, IFF_NAPI);
	if (fx < 0)
		t_skip("cannot create TAP %s with IFF_NAPI: %s", devx, strerror(-fx));
	int fy = io_tap_open1(devy, IFF_VNET_HDR);
	T_ASSERT(fy >= 0);
	struct tr_engine_config c = { .fds = &fy, .nqueues = 1, .nbufs = 1024, .cpu_base = -1, .offloads = true,
				      .large_nbufs = 64 };
	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	T_ASSERT(io_tap_to_ns(devx, ns) == 0);
	T_ASSERT(io_tap_to_ns(devy, ns) == 0);
	T_ASSERT(t_sh("ip -n %s link add br0 type bridge && ip -n %s link set br0 up", ns, ns) == 0);
	T_ASSERT(t_sh("ip netns exec %s sysctl -qw net.ipv6.conf.br0.disable_ipv6=1", ns) == 0);
	T_ASSERT(t_sh("ip -n %s link set %s master br0 && ip -n %s link set %s master br0", ns, devx, ns, devy) == 0);
	T_CHECK_EQ(tr_engine_start(e), 0);
	io_sleep_ms(200);   /* bridge ports forwarding (no STP) */

	/* Written into X; each must come out of Y into the engine. */
	struct { int proto; uint16_t port; bool bad; bool seen; uint16_t flags; uint8_t vflags; } fr[] = {
		{ IPPROTO_TCP, 5101, false, false, 0, 0 },
		{ IPPROTO_UDP, 5102, false, false, 0, 0 },
		{ IPPROTO_UDP, 5103, true, false, 0, 0 },
	};
	const unsigned nfr = sizeof(fr) / sizeof(fr[0]);
	uint8_t buf[256];
	for (unsigned i = 0; i < nfr; i++) {
		unsigned len = build(buf, fr[i].proto, fr[i].port, fr[i].bad);
		T_CHECK_EQ(write(fx, buf, len), (ssize_t)len);
	}
	unsigned seen = 0;
	uint64_t end = io_now_ms() + 3000;
	while (seen < nfr && io_now_ms() < end) {
		struct tr_buf *b = NULL;
		if (tr_engine_rx_burst(e, 0, &b, 1) == 0) {
			io_sleep_ms(2);
			continue;
		}
		uint16_t p = dport_of(b);
		for (unsigned i = 0; i < nfr; i++) {
			if (p != fr[i].port || fr[i].seen)
				continue;
			fr[i].seen = true;
			fr[i].flags = b->flags;
			const struct tr_vnet_meta *m = tr_engine_offload(e, b);
			T_ASSERT(m != NULL);
			fr[i].vflags = m->hdr.flags;
			seen++;
			if (fr[i].flags & TR_BUF_F_CSUM_VALID) {
				/* Nothing to finish: the bytes stay as they are. */
				uint8_t copy[256];
				T_ASSERT(b->len <= sizeof(copy));
				memcpy(copy, b->data, b->len);
				T_CHECK_EQ(tr_engine_csum_complete(e, b), 0);
				T_CHECK(memcmp(copy, b->data, b->len) == 0);
				T_CHECK(b->flags & TR_BUF_F_CSUM_VALID);
			}
		}
		tr_engine_buf_free(e, b);
	}
	T_CHECK_EQ(seen, nfr);
	for (unsigned i = 0; i < 2; i++) {
		T_CHECK(fr[i].seen);
		T_CHECK((fr[i].flags & (TR_BUF_F_VNET | TR_BUF_F_CSUM_VALID)) == (TR_BUF_F_VNET | TR_BUF_F_CSUM_VALID));
		T_CHECK(!(fr[i].flags & TR_BUF_F_CSUM_PARTIAL));
		T_CHECK_EQ(fr[i].vflags, TR_VNET_F_DATA_VALID);
	}
	/* The frame GRO found broken: no flag. */
	T_CHECK(fr[2].seen);
	T_CHECK(!(fr[2].flags & (TR_BUF_F_CSUM_VALID | TR_BUF_F_CSUM_PARTIAL)));
	T_CHECK_EQ(fr[2].vflags, 0);

	tr_engine_stop(e);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.rx_csum_valid, 2);
	T_CHECK_EQ(st.tx_sw_csum, 0);
	T_CHECK(io_invariant(e, &st));
	tr_engine_destroy(e);
	close(fx);
	close(fy);
	return t_done();
}
