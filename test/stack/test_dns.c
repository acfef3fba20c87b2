/* DNS responder over the hosts table: A and AAAA answers (several
 * addresses, aliases, case-insensitive), NXDOMAIN, NODATA, FORMERR for
 * malformed questions, NOTIMP for other opcodes, responses never answered;
 * replies parsed back with the DNS codec. Also the hosts(5) parser. */
#include "fake.h"

static const char hosts[] =
	"# test hosts\n"
	"10.77.1.1   www.example.test www   # comment\n"
	"10.77.1.2   www.example.test\n"
	"fd77::1:1   www.example.test v6only.test\n"
	"\t10.77.1.3\tMixed.Case.Test.\n"
	"not-an-address  bogus.test\n"
	"10.77.1.4\n"
	"#10.77.1.5 commented.test\n";

static uint32_t query(uint8_t *fr, uint16_t id, uint16_t flags, const char *name, uint16_t type,
		      uint16_t qdcount_override)
{
	uint8_t msg[512];
	struct tr_dns_header h = { .id = id, .flags = flags };
	struct tr_dns_writer w;
	tr_dns_writer_init(&w, msg, sizeof(msg), &h);
	struct tr_dns_question q = { .type = type, .qclass = TR_DNS_C_IN };
	strcpy(q.name, name);
	T_ASSERT(tr_dns_write_question(&w, &q) == 0);
	int len = tr_dns_writer_finish(&w);
	T_ASSERT(len > 0);
	if (qdcount_override != 0xffff)
		tr_store_be16(msg + 4, qdcount_override);
	return fk_udp4(fr, FK_PEER_IP, FK_IP1, 33333, 53, msg, (uint32_t)len);
}

/* Parse the reply in f->last; returns the rcode, fills addresses. */
static int parse_reply(struct fake *f, uint16_t id, int *nans, uint8_t addrs[][16])
{
	T_CHECK(fk_ip4_csums_ok(f->last, f->last_len));
	const uint8_t *udp = f->last + 34;
	uint32_t len = tr_load_be16(udp + 4) - 8;
	uint8_t *copy = t_guard_copy(udp + 8, len);
	struct tr_dns_msg m;
	struct tr_dns_question q;
	static struct tr_dns_rr rr;
	T_ASSERT(tr_dns_parse_header(&m, copy, len, NULL) == 0);
	T_CHECK_EQ(m.hdr.id, id);
	T_CHECK(tr_dns_qr(&m.hdr));
	T_CHECK(len <= 512);
	*nans = 0;
	int rc;
	while ((rc = tr_dns_next_question(&m, &q, NULL)) == 1)
		;
	T_CHECK_EQ(rc, 0);
	while ((rc = tr_dns_next_rr(&m, &rr, NULL)) == 1) {
		T_CHECK_EQ(rr.section, TR_DNS_SEC_AN);
		if (rr.type == TR_DNS_T_A)
			memcpy(addrs[*nans], rr.u.a, 4);
		else
			memcpy(addrs[*nans], rr.u.aaaa, 16);
		(*nans)++;
	}
	T_CHECK_EQ(rc, 0);
	int rcode = (int)tr_dns_rcode(&m.hdr);
	t_guard_free(copy, len);
	return rcode;
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[2048];
	uint8_t addrs[16][16];
	int nans;
	fk_default_config(&cfg);
	cfg.dns_port = 53;
	cfg.hosts_text = hosts;
	fk_init(&f, &cfg, 0);
	fk_start(&f);

	/* hosts parser */
	uint8_t out[8 * 16];
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "www.example.test", 16, 4, out, 8), 2);
	T_CHECK(memcmp(out, (uint8_t[]){ 10, 77, 1, 1 }, 4) == 0);
	T_CHECK(memcmp(out + 4, (uint8_t[]){ 10, 77, 1, 2 }, 4) == 0);
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "WWW", 3, 4, out, 8), 1);
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "www.example.test", 16, 6, out, 8), 1);
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "v6only.test", 11, 4, out, 8), 0);
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "mixed.case.test", 15, 4, out, 8), 1);
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "bogus.test", 10, 4, out, 8), -ENOENT);
	T_CHECK_EQ(tr_stack_hosts_lookup(f.h, "commented.test", 14, 4, out, 8), -ENOENT);

	/* A with two addresses */
	uint32_t n = query(fr, 0x1111, TR_DNS_F_RD, "www.example.test", TR_DNS_T_A, 0xffff);
	/* with no room to grow the answer in place: header only, TC set */
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x1111, &nans, addrs), TR_DNS_RC_NOERROR);
	T_CHECK_EQ(nans, 0);
	T_CHECK(tr_load_be16(f.last + 42 + 2) & TR_DNS_F_TC);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x1111, &nans, addrs), TR_DNS_RC_NOERROR);
	T_CHECK_EQ(nans, 2);
	T_CHECK(memcmp(addrs[0], (uint8_t[]){ 10, 77, 1, 1 }, 4) == 0);
	T_CHECK(memcmp(addrs[1], (uint8_t[]){ 10, 77, 1, 2 }, 4) == 0);
	T_CHECK(memcmp(f.last + 26, FK_IP1, 4) == 0);
	T_CHECK_EQ(tr_load_be16(f.last + 34), 53);
	T_CHECK_EQ(tr_load_be16(f.last + 36), 33333);
	/* AAAA, case-insensitive, trailing dot tolerated in the file */
	n = query(fr, 0x2222, 0, "WWW.Example.TEST", TR_DNS_T_AAAA, 0xffff);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x2222, &nans, addrs), TR_DNS_RC_NOERROR);
	T_CHECK_EQ(nans, 1);
	T_CHECK(memcmp(addrs[0], (uint8_t[]){ 0xfd, 0x77, [13] = 1, [15] = 1 }, 16) == 0);
	/* NXDOMAIN */
	n = query(fr, 0x3333, 0, "nope.test", TR_DNS_T_A, 0xffff);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x3333, &nans, addrs), TR_DNS_RC_NXDOMAIN);
	T_CHECK_EQ(nans, 0);
	/* NODATA: known name, no A */
	n = query(fr, 0x4444, 0, "v6only.test", TR_DNS_T_A, 0xffff);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x4444, &nans, addrs), TR_DNS_RC_NOERROR);
	T_CHECK_EQ(nans, 0);
	/* FORMERR: two questions announced, one present */
	n = query(fr, 0x5555, 0, "www", TR_DNS_T_A, 2);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x5555, &nans, addrs), TR_DNS_RC_FORMERR);
	/* FORMERR: label length running past the message */
	n = query(fr, 0x5556, 0, "www", TR_DNS_T_A, 0xffff);
	fr[42 + 12] = 60;
	/* fix the UDP checksum after the edit */
	memset(fr + 40, 0, 2);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x5556, &nans, addrs), TR_DNS_RC_FORMERR);
	T_CHECK_EQ(fk_cnt(&f, "dns.formerr"), 2);
	/* NOTIMP: opcode STATUS */
	n = query(fr, 0x6666, tr_dns_make_flags(0, TR_DNS_OP_STATUS, 0, 0), "www", TR_DNS_T_A, 0xffff);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK_EQ(parse_reply(&f, 0x6666, &nans, addrs), TR_DNS_RC_NOTIMP);
	T_CHECK_EQ(fk_cnt(&f, "dns.notimp"), 1);
	/* a response (QR=1) and a runt message are dropped, never answered */
	n = query(fr, 0x7777, TR_DNS_F_QR, "www", TR_DNS_T_A, 0xffff);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), DNS_MALFORMED));
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 33333, 53, (const uint8_t *)"short", 5);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), DNS_MALFORMED));
	T_CHECK_EQ(fk_cnt(&f, "dns.answered"), 3);
	T_CHECK_EQ(fk_cnt(&f, "dns.nxdomain"), 1);

	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);

	/* hosts_path: the same file read from disk; a missing file fails */
	char path[] = "/tmp/tr_stack_hostsXXXXXX";
	int fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	T_ASSERT(write(fd, hosts, sizeof(hosts) - 1) == (ssize_t)(sizeof(hosts) - 1));
	close(fd);
	fk_default_config(&cfg);
	cfg.hosts_path = path;
	int err = 0;
	struct tr_stack_host *h = tr_stack_host_create(&cfg, &err);
	T_CHECK(h != NULL);
	if (h) {
		T_CHECK_EQ(tr_stack_hosts_lookup(h, "www.example.test", 16, 4, out, 8), 2);
		T_CHECK_EQ(tr_stack_hosts_lookup(h, "v6only.test", 11, 6, out, 8), 1);
		tr_stack_host_destroy(h);
	}
	unlink(path);
	cfg.hosts_path = path;
	T_CHECK(tr_stack_host_create(&cfg, &err) == NULL);
	T_CHECK_EQ(err, -ENOENT);
	/* bad configurations */
	fk_default_config(&cfg);
	cfg.mac[0] = 1;   /* multicast MAC */
	T_CHECK(tr_stack_host_create(&cfg, &err) == NULL && err == -EINVAL);
	fk_default_config(&cfg);
	cfg.neigh_entries = 100;   /* not a power of two */
	T_CHECK(tr_stack_host_create(&cfg, &err) == NULL && err == -EINVAL);
	return t_done();
}
