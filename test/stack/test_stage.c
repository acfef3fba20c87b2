/* The stack as an engine stage over a SOCK_SEQPACKET socketpair (no root):
 * gratuitous ARP from the first poll, ARP/ping/DNS replies built in place
 * and forwarded, a port unreachable originated, TCP passed to the
 * application, a bad checksum dropped under its engine reason, a fragment
 * held until stop releases it; the engine's accounting equation holds. */
#include <sys/socket.h>
#include <time.h>

#include <tapring/engine.h>

#include "fake.h"
#include "stage_test.h"

int main(void)
{
	int sp[2], err;
	struct tr_engine *e = stg_engine(sp);
	struct tr_stack_config cfg;
	fk_default_config(&cfg);
	cfg.dns_port = 53;
	cfg.hosts_text = "10.77.5.5 host.test\n";
	struct tr_stack_host *h = tr_stack_host_create(&cfg, &err);
	T_ASSERT(h);
	T_CHECK_EQ(tr_stack_stage_add(e, h), 0);
	T_ASSERT(tr_engine_start(e) == 0);

	uint8_t fr[2048], l4[256];
	const uint8_t pl[8] = "abcdefg";
	uint32_t n;
#define SEND(len) T_CHECK(write(sp[1], fr, (len)) == (ssize_t)(len))
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST); SEND(n);
	n = fk_icmp4_echo_l4(l4, TR_ICMP_ECHO_REQUEST, 1, 1, pl, sizeof(pl));
	n = fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_ICMP, l4, n, 1, 0, false); SEND(n);
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 4444, pl, sizeof(pl)); SEND(n);
	{
		uint8_t msg[128];
		struct tr_dns_header dh = { .id = 0x77 };
		struct tr_dns_writer w;
		tr_dns_writer_init(&w, msg, sizeof(msg), &dh);
		struct tr_dns_question q = { .type = TR_DNS_T_A, .qclass = TR_DNS_C_IN };
		strcpy(q.name, "host.test");
		tr_dns_write_question(&w, &q);
		int ml = tr_dns_writer_finish(&w);
		n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 53, msg, (uint32_t)ml); SEND(n);
	}
	n = fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_TCP, l4, 20, 2, 0, false); SEND(n);
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 4444, pl, sizeof(pl));
	fr[24] ^= 1; SEND(n);                      /* bad IP checksum */
	n = fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_UDP, l4, 16, 3, 0, true); SEND(n);

	/* replies: 2 gratuitous ARP + ARP reply + echo reply + unreachable + DNS */
	unsigned garp = 0, arp_reply = 0, echo = 0, unreach = 0, dns = 0, got = 0;
	double end = stg_now_s() + 5.0;
	while (stg_now_s() < end && got < 6) {
		ssize_t r = recv(sp[1], fr, sizeof(fr), MSG_DONTWAIT);
		if (r <= 0) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
			continue;
		}
		got++;
		uint16_t et = tr_load_be16(fr + 12);
		if (et == TR_ETHERTYPE_ARP && tr_load_be16(fr + 20) == TR_ARP_OP_REQUEST)
			garp++;
		else if (et == TR_ETHERTYPE_ARP)
			arp_reply++;
		else if (et == TR_ETHERTYPE_IPV4 && fr[23] == TR_IPPROTO_ICMP && fr[34] == TR_ICMP_ECHO_REPLY)
			echo += fk_ip4_csums_ok(fr, (uint32_t)r);
		else if (et == TR_ETHERTYPE_IPV4 && fr[23] == TR_IPPROTO_ICMP && fr[34] == TR_ICMP_DEST_UNREACH)
			unreach++;
		else if (et == TR_ETHERTYPE_IPV4 && fr[23] == TR_IPPROTO_UDP && tr_load_be16(fr + 34) == 53)
			dns += fk_ip4_csums_ok(fr, (uint32_t)r);
	}
	T_CHECK_EQ(garp, 2);
	T_CHECK_EQ(arp_reply, 1);
	T_CHECK_EQ(echo, 1);
	T_CHECK_EQ(unreach, 1);
	T_CHECK_EQ(dns, 1);
	/* the TCP frame reaches the application */
	unsigned app = 0;
	end = stg_now_s() + 5.0;
	while (stg_now_s() < end && app < 1) {
		struct tr_buf *b[8];
		unsigned k = tr_engine_rx_burst(e, 0, b, 8);
		for (unsigned i = 0; i < k; i++) {
			T_CHECK_EQ(b[i]->data[23], TR_IPPROTO_TCP);
			tr_engine_buf_free(e, b[i]);
		}
		app += k;
	}
	T_CHECK_EQ(app, 1);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.held, 1);   /* the lone fragment */
	T_CHECK_EQ(tr_engine_stop(e), 0);
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.rx, 7);
	T_CHECK_EQ(st.tx_forwarded, 3);
	T_CHECK_EQ(st.delivered, 1);
	T_CHECK_EQ(st.held, 0);
	T_CHECK_EQ(st.rx, st.delivered + st.tx_forwarded + st.dropped + st.held);
	T_CHECK(st.tx_originated >= 3);
	T_CHECK_EQ(stg_reason(e, "udp.no_port"), 1);
	T_CHECK_EQ(stg_reason(e, "ip4.bad_csum"), 1);
	T_CHECK_EQ(stg_reason(e, "stack.shutdown"), 1);
	tr_engine_destroy(e);
	tr_stack_host_destroy(h);
	close(sp[0]);
	close(sp[1]);
	return t_done();
}
