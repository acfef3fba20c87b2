/* Robustness and accounting: every truncation of a set of valid sample
 * frames (ARP, ping v4/v6, NS, NA, UDP echo v4/v6, DNS, fragments) and
 * 20000 random mutations, each placed at a guard page with no spare room;
 * every frame must get exactly one outcome with a named drop reason, and
 * rx == tx + passed + dropped + held must hold. Then a mixed burst through
 * tr_stack_input_burst with the same equation. */
#include "fake.h"

#define NSAMPLES 10
static uint8_t sample[NSAMPLES][1600];
static uint32_t slen[NSAMPLES];

static void build_samples(void)
{
	uint8_t l4[1600], snm[16];
	const uint8_t pl[32] = "abcdefghijklmnopqrstuvwxyz01234";
	unsigned k = 0;
	slen[k] = fk_arp(sample[k], TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST); k++;
	uint32_t n = fk_icmp4_echo_l4(l4, TR_ICMP_ECHO_REQUEST, 1, 2, pl, sizeof(pl));
	slen[k] = fk_ip4(sample[k], FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_ICMP, l4, n, 9, 0, false); k++;
	struct tr_icmpv6_repr r = { .type = TR_ICMP6_ECHO_REQUEST, .data = pl, .data_len = sizeof(pl) };
	slen[k] = fk_icmp6(sample[k], FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 64, &r); k++;
	struct tr_icmpv6_repr nsr = { .type = TR_ICMP6_NEIGH_SOLICIT };
	memcpy(nsr.u.nd.target, FK_IP6, 16);
	nsr.opts.present = TR_ND_HAS_SLLA;
	memcpy(nsr.opts.slla, FK_PEER_MAC, 6);
	fk_snm(snm, FK_IP6);
	uint8_t smac[6];
	fk_mcast_mac(smac, snm);
	slen[k] = fk_icmp6(sample[k], smac, FK_PEER_MAC, FK_PEER_IP6, snm, 255, &nsr); k++;
	struct tr_icmpv6_repr nar = { .type = TR_ICMP6_NEIGH_ADVERT };
	memcpy(nar.u.nd.target, FK_PEER_IP6, 16);
	nar.opts.present = TR_ND_HAS_TLLA;
	memcpy(nar.opts.tlla, FK_PEER_MAC, 6);
	slen[k] = fk_icmp6(sample[k], FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 255, &nar); k++;
	slen[k] = fk_udp4(sample[k], FK_PEER_IP, FK_IP1, 1234, 7, pl, sizeof(pl)); k++;
	slen[k] = fk_udp6(sample[k], FK_PEER_IP6, FK_IP6, 1234, 7, pl, sizeof(pl)); k++;
	{
		uint8_t msg[128];
		struct tr_dns_header h = { .id = 7, .flags = TR_DNS_F_RD };
		struct tr_dns_writer w;
		tr_dns_writer_init(&w, msg, sizeof(msg), &h);
		struct tr_dns_question q = { .type = TR_DNS_T_A, .qclass = TR_DNS_C_IN };
		strcpy(q.name, "host.test");
		tr_dns_write_question(&w, &q);
		int len = tr_dns_writer_finish(&w);
		T_ASSERT(len > 0);
		slen[k] = fk_udp4(sample[k], FK_PEER_IP, FK_IP1, 1234, 53, msg, (uint32_t)len); k++;
	}
	n = fk_udp_l4(l4, 4, FK_PEER_IP, FK_IP1, 1234, 7, pl, sizeof(pl));
	slen[k] = fk_ip4(sample[k], FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_UDP, l4, 16, 77, 0, true); k++;
	slen[k] = fk_ip4(sample[k], FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_UDP, l4 + 16, n - 16, 77, 16, false); k++;
	T_ASSERT(k == NSAMPLES);
}

static void process_burst(struct fake *f, struct tr_buf **bufs, unsigned n)
{
	uint32_t acts[64];
	f->rx += n;
	tr_stack_input_burst(f->s, bufs, acts, n, f->now);
	for (unsigned i = 0; i < n; i++) {
		switch (TR_ACT_KIND(acts[i])) {
		case TR_ACT_TX: f->tx_inplace++; fk_buf_free(f, bufs[i]); break;
		case TR_ACT_NEXT:
		case TR_ACT_DELIVER: f->passed++; fk_buf_free(f, bufs[i]); break;
		case TR_ACT_STOLEN: break;
		default:
			T_CHECK(tr_stack_counter_is_drop(TR_ACT_REASON(acts[i])));
			f->rx_dropped++;
			fk_buf_free(f, bufs[i]);
		}
	}
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	fk_default_config(&cfg);
	cfg.udp_echo_port = 7;
	cfg.dns_port = 53;
	cfg.hosts_text = "10.77.5.5 host.test\n";
	fk_init(&f, &cfg, 0);
	fk_start(&f);
	build_samples();

	/* the samples themselves are accepted */
	for (unsigned k = 0; k < NSAMPLES; k++) {
		uint32_t act = fk_input(&f, sample[k], slen[k]);
		T_CHECK(TR_ACT_KIND(act) != TR_ACT_KIND_DROP || FK_IS_DROP(act, ND_CONSUMED) ||
			FK_IS_DROP(act, UDP_CONSUMED));
	}
	T_CHECK_EQ(tr_stack_held(f.s), 0);   /* the fragment pair completed */

	/* every truncation */
	unsigned runs = 0;
	for (unsigned k = 0; k < NSAMPLES; k++)
		for (uint32_t l = 0; l < slen[k]; l++, runs++)
			fk_input_guard(&f, sample[k], l);
	T_CHECK(runs > 500);
	T_CHECK(fk_cnt(&f, "eth.runt") == 14 * NSAMPLES);
	T_CHECK(fk_accounting_ok(&f));

	/* random mutations */
	uint32_t seed = 424242;
	uint8_t buf[1600];
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned k = (seed >> 16) % NSAMPLES;
		uint32_t len = slen[k];
		memcpy(buf, sample[k], len);
		int flips = 1 + (int)((seed >> 8) & 3);
		for (int j = 0; j < flips; j++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t pos = 12 + (seed >> 8) % (len - 12);
			buf[pos] = (uint8_t)(seed >> 24);
		}
		if ((seed & 7) == 0)
			len = 14 + (seed >> 4) % (len - 14);
		fk_input_guard(&f, buf, len);
		if ((i & 1023) == 0)
			fk_poll(&f, 100000000ull);
	}
	T_CHECK(fk_accounting_ok(&f));

	/* a mixed burst of 64 */
	struct tr_buf *bufs[64];
	for (unsigned i = 0; i < 64; i++) {
		unsigned k = i % NSAMPLES;
		bufs[i] = fk_buf_new(&f, FK_RX);
		memcpy(bufs[i]->data, sample[k], slen[k]);
		bufs[i]->len = slen[k];
		if (i % 5 == 4)
			bufs[i]->data[slen[k] - 1] ^= 0xff;   /* some corrupted */
	}
	process_burst(&f, bufs, 64);
	T_CHECK(fk_accounting_ok(&f));
	fk_clear_tx(&f);
	fk_fini(&f);
	return t_done();
}
