/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print: output sinks, JSON string escaping, and robustness of both
 * renderers on hostile input.
 *
 *   test_print GOLDEN_PCAP
 *
 * 1. tool_pout_json_str escapes quotes, backslashes, control bytes and every
 *    byte >= 0x7f; the buffer sink truncates with snprintf semantics; the
 *    FILE sink writes output longer than its scratch area intact.
 * 2. Decoder edge cases as printed: UDP over IPv6 with checksum 0 (kept,
 *    bad checksum), a cut VLAN tag (Ethernet and complete tags kept), the
 *    ND target and redirect destination from the decoder.
 * 3. Every golden frame, every truncation of it, and a deterministic set of
 *    byte mutations are printed in both formats from a buffer that ends at a
 *    PROT_NONE page (an over-read faults). Each JSON line must be
 *    structurally valid (balanced, strings closed, no raw control bytes) and
 *    each line must end in exactly one '\n'.
 */
#include <pcap/pcap.h>

#include "helpers.h"
#include "print.h"

static size_t render(char *buf, size_t cap, const void *s, size_t n)
{
	struct tool_pout o;
	tool_pout_buf(&o, buf, cap);
	tool_pout_json_str(&o, s, n);
	tool_pout_flush(&o);
	return o.total;
}

static void test_escape(void)
{
	char b[256];
	render(b, sizeof(b), "plain text", 10);
	T_CHECK_STR(b, "\"plain text\"");
	render(b, sizeof(b), "a\"b\\c", 5);
	T_CHECK_STR(b, "\"a\\\"b\\\\c\"");
	render(b, sizeof(b), "\n\r\t\b\f", 5);
	T_CHECK_STR(b, "\"\\n\\r\\t\\b\\f\"");
	render(b, sizeof(b), "\x01\x1f\x7f", 3);
	T_CHECK_STR(b, "\"\\u0001\\u001f\\u007f\"");
	render(b, sizeof(b), "caf\xc3\xa9", 5);
	T_CHECK_STR(b, "\"caf\\u00c3\\u00a9\"");
	/* An embedded NUL is data, not a terminator. */
	size_t n = render(b, sizeof(b), "a\0b", 3);
	T_CHECK_STR(b, "\"a\\u0000b\"");
	T_CHECK_EQ(n, strlen("\"a\\u0000b\""));
	/* Every byte value: the output has no raw byte < 0x20 or >= 0x7f. */
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	char big[2048];
	n = render(big, sizeof(big), all, sizeof(all));
	T_CHECK(n < sizeof(big));
	int raw = 0;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)big[i] < 0x20 || (uint8_t)big[i] >= 0x7f)
			raw++;
	T_CHECK_EQ(raw, 0);
}

static void test_buf_sink(void)
{
	char b[8];
	memset(b, 'x', sizeof(b));
	size_t n = render(b, sizeof(b), "0123456789", 10);
	T_CHECK_EQ(n, 12);                  /* the full quoted length */
	T_CHECK_STR(b, "\"012345");        /* cap - 1 bytes and a NUL */
	n = render(NULL, 0, "abc", 3);      /* count only */
	T_CHECK_EQ(n, 5);
	char one[1] = { 'x' };
	n = render(one, 1, "abc", 3);
	T_CHECK_EQ(n, 5);
	T_CHECK_EQ(one[0], '\0');
}

static void test_file_sink(void)
{
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	T_ASSERT(f);
	struct tool_pout o;
	tool_pout_file(&o, f);
	for (int i = 0; i < 5000; i++)
		tool_pout_u64(&o, (uint64_t)i % 10);
	tool_pout_putc(&o, '|');
	T_CHECK_EQ(tool_pout_flush(&o), 0);
	fclose(f);
	T_CHECK_EQ(memlen, 5001);
	T_CHECK_EQ(o.total, 5001);
	int bad = 0;
	for (int i = 0; i < 5000 && mem; i++)
		if (mem[i] != (char)('0' + i % 10))
			bad++;
	T_CHECK_EQ(bad, 0);
	T_CHECK(mem && mem[5000] == '|');
	free(mem);
}

/* Structural JSON check: strings closed, escapes well formed, braces and
 * brackets balanced, one object, exactly one trailing newline. */
static int json_line_ok(const char *s, size_t n)
{
	int depth = 0, in_str = 0, seen_obj = 0;
	if (n < 3 || s[0] != '{' || s[n - 1] != '\n')
		return 0;
	for (size_t i = 0; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f)
			return 0;
		if (in_str) {
			if (c == '\\') {
				if (i + 1 >= n - 1)
					return 0;
				char e = s[++i];
				if (e == 'u') {
					for (int k = 0; k < 4; k++)
						if (i + 1 >= n - 1 || !strchr("0123456789abcdef", s[++i]))
							return 0;
				} else if (!strchr("\"\\/bfnrt", e)) {
					return 0;
				}
			} else if (c == '"') {
				in_str = 0;
			}
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth < 0)
				return 0;
			if (depth == 0)
				seen_obj++;
		} else if (depth == 0) {
			return 0;
		}
	}
	return !in_str && depth == 0 && seen_obj == 1;
}

static char out[1 << 20];
static unsigned long frames_printed, json_bad, text_bad;

static void print_both(const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint64_t idx)
{
	uint8_t *g = t_guard_copy(data, caplen);
	struct tool_print_frame fr = { .index = idx, .ts_sec = 1700000000, .ts_usec = 1,
				     .data = g, .caplen = caplen, .wirelen = wirelen, .dlt = 1 };
	size_t n = tool_print_frame_buf(out, sizeof(out), TOOL_PRINT_JSON, &fr);
	if (n >= sizeof(out) || !json_line_ok(out, n)) {
		if (json_bad++ < 5)
			fprintf(stderr, "bad JSON for frame %llu caplen %u: %.300s\n",
				(unsigned long long)idx, caplen, out);
	}
	n = tool_print_frame_buf(out, sizeof(out), TOOL_PRINT_TEXT, &fr);
	if (n >= sizeof(out) || n == 0 || out[n - 1] != '\n' || memchr(out, '\n', n) != out + n - 1) {
		if (text_bad++ < 5)
			fprintf(stderr, "bad text line for frame %llu caplen %u: %.300s\n",
				(unsigned long long)idx, caplen, out);
	}
	t_guard_free(g, caplen);
	frames_printed++;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void test_golden(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p)
		t_skip("cannot open %s: %s", path, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t idx = 0;
	static uint8_t mut[65536];
	while (pcap_next_ex(p, &h, &d) == 1) {
		idx++;
		for (uint32_t cut = 0; cut <= h->caplen; cut++) {
			print_both(d, cut, h->len, idx);
			print_both(d, cut, cut, idx);
		}
		/* Mutations: 1..4 random bytes changed, 200 variants per frame. */
		for (int m = 0; m < 200; m++) {
			memcpy(mut, d, h->caplen);
			int k = 1 + (int)(next_rand() % 4);
			for (int i = 0; i < k && h->caplen; i++)
				mut[next_rand() % h->caplen] = (uint8_t)next_rand();
			print_both(mut, h->caplen, h->len, idx);
		}
	}
	pcap_close(p);
	T_CHECK(idx >= 30);
	T_CHECK_EQ(json_bad, 0);
	T_CHECK_EQ(text_bad, 0);
	printf("%lu frames printed in both formats\n", frames_printed);
}

/* Frames past 64 KiB (a pcap snaplen allows 256 KiB): the decoder keeps
 * 16-bit offsets, the printer must stay inside caplen regardless. */
static void test_jumbo(void)
{
	static uint8_t f[70000];
	size_t n = sizeof(f);
	memset(f, 0xc0, n);                        /* pointer bytes everywhere */
	memset(f, 0x02, 12);
	size_t off = 12;
	for (int i = 0; i < 4; i++) {              /* four VLAN tags */
		f[off] = 0x81; f[off + 1] = 0x00; f[off + 2] = 0; f[off + 3] = (uint8_t)i;
		off += 4;
	}
	f[off] = 0x08; f[off + 1] = 0x00;
	off += 2;
	uint8_t *ip = f + off;
	memset(ip, 0, 20);
	ip[0] = 0x45; ip[2] = 0xff; ip[3] = 0xff; ip[8] = 64; ip[9] = 17;
	uint8_t *udp = ip + 20;
	udp[0] = 0; udp[1] = 53; udp[2] = 0; udp[3] = 53; udp[4] = 0xff; udp[5] = 0xeb;
	udp[6] = udp[7] = 0;
	uint8_t *dns = udp + 8;
	memset(dns, 0, 12);
	dns[2] = 0x81; dns[5] = 1; dns[6] = 0xff; dns[7] = 0xff;   /* qd 1, an 65535 */
	unsigned long before = json_bad + text_bad;
	print_both(f, (uint32_t)n, (uint32_t)n, 1);
	for (uint32_t cut = 65500; cut < 65600; cut++)
		print_both(f, cut, (uint32_t)n, 2);
	T_CHECK_EQ(json_bad + text_bad, before);
}

/* One frame printed as JSON and as text (guard page after the bytes). */
static void print_pair(const uint8_t *f, size_t n, char *json, char *text, size_t cap)
{
	uint8_t *g = t_guard_copy(f, n);
	struct tool_print_frame fr = { 1, 0, 0, g, (uint32_t)n, (uint32_t)n, 1 };
	T_ASSERT(tool_print_frame_buf(json, cap, TOOL_PRINT_JSON, &fr) < cap);
	T_ASSERT(tool_print_frame_buf(text, cap, TOOL_PRINT_TEXT, &fr) < cap);
	t_guard_free(g, n);
}

/* What the printers show for the decoder's edge cases: an IPv6 UDP
 * datagram with checksum 0, a cut VLAN tag, and ND targets. */
static void test_decoder_cases(void)
{
	static char json[4096], text[4096];
	uint8_t f[128];
	memset(f, 0, sizeof(f));
	memcpy(f, "\x02\x77\x00\x00\x00\x02\x02\x77\x00\x00\x00\x01", 12);
	/* Ethernet / IPv6 fd77::1 > fd77::2 / UDP 1000 > 2000, 5 bytes, checksum 0 */
	f[12] = 0x86; f[13] = 0xdd;
	uint8_t *ip = f + 14;
	ip[0] = 0x60; ip[5] = 13; ip[6] = 17; ip[7] = 64;
	ip[8] = 0xfd; ip[9] = 0x77; ip[23] = 1;
	ip[24] = 0xfd; ip[25] = 0x77; ip[39] = 2;
	uint8_t *u = ip + 40;
	u[0] = 1000 >> 8; u[1] = 1000 & 0xff; u[2] = 2000 >> 8; u[3] = 2000 & 0xff; u[5] = 13;
	memcpy(u + 8, "hello", 5);
	print_pair(f, 14 + 40 + 13, json, text, sizeof(json));
	T_CHECK(strstr(json, "\"udp\":{\"sport\":1000,\"dport\":2000,\"len\":13,\"csum_ok\":false}") != NULL);
	T_CHECK(strstr(json, "\"error\"") == NULL);
	T_CHECK(strstr(text, "IP6 fd77::1.1000 > fd77::2.2000: UDP, length 5, bad udp cksum") != NULL);

	/* The same frame with a QinQ stack cut inside its second tag. */
	uint8_t v[20];
	memcpy(v, f, 12);
	v[12] = 0x88; v[13] = 0xa8; v[14] = 0x00; v[15] = 200;
	v[16] = 0x81; v[17] = 0x00; v[18] = 0x00; v[19] = 100;
	print_pair(v, sizeof(v), json, text, sizeof(json));
	T_CHECK(strstr(json, "\"eth\":{\"src\":\"02:77:00:00:00:01\",\"dst\":\"02:77:00:00:00:02\",\"type\":34984}") != NULL);
	T_CHECK(strstr(json, "\"vlan\":[{\"vid\":200,\"pcp\":0,\"dei\":0,\"type\":33024}]") != NULL);
	T_CHECK(strstr(json, "\"error\":\"eth: vlan tag truncated") != NULL);
	T_CHECK(strstr(text, " vlan 200, ethertype 0x8100, length 20 [malformed: eth: vlan tag truncated") != NULL);

	/* Neighbor solicitation for fe80::77:2 (checksum left wrong: the
	 * target is printed all the same). */
	ip[5] = 24; ip[6] = 58; ip[7] = 255;
	uint8_t *icmp = ip + 40;
	memset(icmp, 0, 24);
	icmp[0] = 135;
	icmp[8] = 0xfe; icmp[9] = 0x80; icmp[21] = 0x77; icmp[23] = 2;
	print_pair(f, 14 + 40 + 24, json, text, sizeof(json));
	T_CHECK(strstr(json, "\"target\":\"fe80::77:2\"") != NULL);
	T_CHECK(strstr(text, "neighbor solicitation, who has fe80::77:2, length 24, bad cksum") != NULL);
	/* Redirect: target fe80::77:2, destination fd77::5. */
	ip[5] = 40;
	icmp[0] = 137;
	memset(icmp + 24, 0, 16);
	icmp[24] = 0xfd; icmp[25] = 0x77; icmp[39] = 5;
	print_pair(f, 14 + 40 + 40, json, text, sizeof(json));
	T_CHECK(strstr(json, "\"target\":\"fe80::77:2\"") != NULL);
	T_CHECK(strstr(text, "redirect, fd77::5 to fe80::77:2, length 40") != NULL);
	/* An echo request has no target. */
	ip[5] = 8;
	icmp[0] = 128;
	print_pair(f, 14 + 40 + 8, json, text, sizeof(json));
	T_CHECK(strstr(json, "\"icmp6\":{\"type\":128") != NULL);
	T_CHECK(strstr(json, "target") == NULL);
}

int main(int argc, char **argv)
{
	test_decoder_cases();
	test_jumbo();
	test_escape();
	test_buf_sink();
	test_file_sink();
	if (argc > 1)
		test_golden(argv[1]);
	else
		T_CHECK(!"usage: test_print GOLDEN_PCAP");
	return t_done();
}
