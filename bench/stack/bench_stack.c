/* Micro-benchmark of the stack's in-place replies (ns per frame):
 *   A = tr_stack_input() on a received request (reply built in place)
 *   B = baseline in the same run: the conventional copy path, parse the
 *       request with the codecs and emit the reply into a second buffer.
 * Both start by copying the request into the rx buffer (simulated rx).
 * Rounds alternate A B A B; the median of 7 rounds is printed with A/B.
 * Run: meson test -C <build> --benchmark stack_micro --verbose
 *  or: <build>/test/stack/bench_stack */
#include <time.h>

#include "stack/fake.h"
#include "bench_json.h"

#define ITERS 200000

static struct fake F;
static struct tr_buf *RX;
static uint8_t OUT[2048];
static volatile uint32_t sink;

/* Shared steps of the loops below, inlined into each: take the request
 * into the rx buffer (simulated rx), parse its IPv4 header; write the
 * reply's Ethernet header (back to the sender) and IPv4 header. */
static inline void rx_copy(const uint8_t *req, uint32_t len)
{
	memcpy(RX->data, req, len);
	RX->len = len;
}

static inline bool rx_ip4(const uint8_t *req, uint32_t len, struct tr_ipv4_repr *ir)
{
	rx_copy(req, len);
	struct tr_ipv4_view v = { RX->data + 14, RX->len - 14 };
	return tr_ipv4_parse(&v, ir, 0, NULL) == 0;
}

static inline void reply_eth(uint16_t type)
{
	memcpy(OUT, RX->data + 6, 6);
	memcpy(OUT + 6, FK_MAC, 6);
	OUT[12] = (uint8_t)(type >> 8);
	OUT[13] = (uint8_t)type;
}

static inline void reply_ip4(const struct tr_ipv4_repr *ir, uint8_t proto)
{
	reply_eth(TR_ETHERTYPE_IPV4);
	struct tr_ipv4_repr rr = { .proto = proto, .ttl = 64, .id = ir->id, .payload_len = ir->payload_len };
	memcpy(rr.src, ir->dst, 4);
	memcpy(rr.dst, ir->src, 4);
	tr_ipv4_emit(&rr, OUT + 14, 20);
}

static double run_stack(const uint8_t *req, uint32_t len)
{
	uint64_t t0 = bench_machine_now_ns();
	for (int i = 0; i < ITERS; i++) {
		rx_copy(req, len);
		sink += tr_stack_input(F.s, RX, F.now);
	}
	return (double)(bench_machine_now_ns() - t0) / ITERS;
}

/* Copy path for an ICMPv4 echo: parse (checks + checksums), emit a reply. */
static double run_copy_ping4(const uint8_t *req, uint32_t len)
{
	uint64_t t0 = bench_machine_now_ns();
	for (int i = 0; i < ITERS; i++) {
		struct tr_ipv4_repr ir;
		if (!rx_ip4(req, len, &ir))
			continue;
		struct tr_icmpv4_view iv = { RX->data + 14 + ir.hdr_len, ir.payload_len };
		struct tr_icmpv4_repr cr;
		if (tr_icmpv4_parse(&iv, &cr, 0, NULL) != 0)
			continue;
		reply_ip4(&ir, TR_IPPROTO_ICMP);
		cr.type = TR_ICMP_ECHO_REPLY;
		tr_icmpv4_emit(&cr, OUT + 34, ir.payload_len);
		sink += OUT[34];
	}
	return (double)(bench_machine_now_ns() - t0) / ITERS;
}

/* Copy path for an ICMPv6 echo. */
static double run_copy_ping6(const uint8_t *req, uint32_t len)
{
	uint64_t t0 = bench_machine_now_ns();
	for (int i = 0; i < ITERS; i++) {
		rx_copy(req, len);
		struct tr_ipv6_view v = { RX->data + 14, RX->len - 14 };
		struct tr_ipv6_repr ir;
		if (tr_ipv6_parse(&v, &ir, 0, NULL) != 0)
			continue;
		struct tr_icmpv6_view iv = { RX->data + 54, ir.payload_len };
		struct tr_l4_pseudo ph = { 6, ir.src, ir.dst };
		struct tr_icmpv6_repr cr;
		if (tr_icmpv6_parse(&iv, &ph, &cr, 0, NULL) != 0)
			continue;
		reply_eth(TR_ETHERTYPE_IPV6);
		struct tr_ipv6_repr rr = { .hop_limit = 64, .next = 58, .upper = 58, .payload_len = ir.payload_len };
		memcpy(rr.src, ir.dst, 16);
		memcpy(rr.dst, ir.src, 16);
		tr_ipv6_emit(&rr, OUT + 14, 40);
		cr.type = TR_ICMP6_ECHO_REPLY;
		struct tr_l4_pseudo rph = { 6, OUT + 22, OUT + 38 };
		tr_icmpv6_emit(&cr, &rph, OUT + 54, ir.payload_len);
		sink += OUT[54];
	}
	return (double)(bench_machine_now_ns() - t0) / ITERS;
}

/* Copy path for UDP echo. */
static double run_copy_udp(const uint8_t *req, uint32_t len)
{
	uint64_t t0 = bench_machine_now_ns();
	for (int i = 0; i < ITERS; i++) {
		struct tr_ipv4_repr ir;
		if (!rx_ip4(req, len, &ir))
			continue;
		struct tr_udp_view uv = { RX->data + 14 + ir.hdr_len, ir.payload_len };
		struct tr_l4_pseudo ph = { 4, ir.src, ir.dst };
		struct tr_udp_repr ur;
		if (tr_udp_parse(&uv, &ph, &ur, 0, NULL) != 0)
			continue;
		reply_ip4(&ir, TR_IPPROTO_UDP);
		struct tr_udp_repr rep = { .src_port = ur.dst_port, .dst_port = ur.src_port,
					   .payload = ur.payload, .payload_len = ur.payload_len };
		struct tr_l4_pseudo rph = { 4, OUT + 26, OUT + 30 };
		tr_udp_emit(&rep, &rph, OUT + 34, sizeof(OUT) - 34);
		sink += OUT[34];
	}
	return (double)(bench_machine_now_ns() - t0) / ITERS;
}

static void report(const char *name, const uint8_t *req, uint32_t len,
		   double (*base)(const uint8_t *, uint32_t), const char *base_name)
{
	double a[7], b[7];
	for (int r = 0; r < 7; r++) {
		a[r] = run_stack(req, len);
		b[r] = base ? base(req, len) : 0;
	}
	qsort(a, 7, sizeof(double), bench_machine_cmp);
	qsort(b, 7, sizeof(double), bench_machine_cmp);
	bench_json_row("\"case\": \"%s\", \"stack_ns\": %.2f, \"baseline\": \"%s\", \"baseline_ns\": %.2f",
		       name, a[3], base ? base_name : "", base ? b[3] : 0.0);
	if (base)
		printf("%-22s stack in place %7.1f ns/frame   %-26s %7.1f ns/frame   ratio %.2f\n",
		       name, a[3], base_name, b[3], a[3] / b[3]);
	else
		printf("%-22s stack in place %7.1f ns/frame\n", name, a[3]);
}

int main(void)
{
	bench_machine_print(stdout);
	bench_json_begin("stack_micro", 0, NULL);
	struct tr_stack_config cfg;
	uint8_t fr[2048], l4[256], pl[56];
	memset(pl, 0x5a, sizeof(pl));
	fk_default_config(&cfg);
	cfg.udp_echo_port = 7;
	cfg.dns_port = 53;
	cfg.hosts_text = "10.77.5.5 host.test\n";
	fk_init(&F, &cfg, 0);
	fk_start(&F);
	RX = fk_buf_new(&F, FK_RX);

	uint32_t n = fk_icmp4_echo_l4(l4, TR_ICMP_ECHO_REQUEST, 1, 1, pl, sizeof(pl));
	n = fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_ICMP, l4, n, 1, 0, false);
	report("icmp4 echo (98 B)", fr, n, run_copy_ping4, "codec parse+emit copy");
	struct tr_icmpv6_repr r6 = { .type = TR_ICMP6_ECHO_REQUEST, .data = pl, .data_len = sizeof(pl) };
	n = fk_icmp6(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 64, &r6);
	report("icmp6 echo (118 B)", fr, n, run_copy_ping6, "codec parse+emit copy");
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 7, pl, sizeof(pl));
	report("udp4 echo (98 B)", fr, n, run_copy_udp, "codec parse+emit copy");
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST);
	report("arp request (60 B)", fr, n, NULL, NULL);
	{
		uint8_t msg[128];
		struct tr_dns_header dh = { .id = 1 };
		struct tr_dns_writer w;
		tr_dns_writer_init(&w, msg, sizeof(msg), &dh);
		struct tr_dns_question q = { .type = TR_DNS_T_A, .qclass = TR_DNS_C_IN };
		strcpy(q.name, "host.test");
		tr_dns_write_question(&w, &q);
		int ml = tr_dns_writer_finish(&w);
		n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 53, msg, (uint32_t)ml);
		report("dns A query", fr, n, NULL, NULL);
	}
	printf("(sink %u)\n", sink);
	fk_buf_free(&F, RX);
	fk_clear_tx(&F);
	tr_stack_destroy(F.s);
	tr_stack_host_destroy(F.h);
	return 0;
}
