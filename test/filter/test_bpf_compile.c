/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tr_bpf_compile: bad expressions give libpcap's error text and -EINVAL;
 * unsupported output (protochain's backward jumps) is refused clearly;
 * max_insns is enforced with -E2BIG; snaplen is the accept value; optimize
 * changes the program but not the verdicts; the JIT and the interpreter give
 * the same verdicts; concurrent compiles from several threads work (also
 * run under TSan).
 */
#include <pthread.h>

#include <tapring/filter.h>

#include "helpers.h"
#include "filter/pkts.h"

static const struct { const char *expr; const char *msg; } bad[] = {
	{ "udp port", "syntax error" },
	{ "tcp[tcpflags] &", "syntax error" },
	{ "port 99999", "illegal port number 99999 > 65535" },
	{ "host 999.1.1.1", "" },            /* libpcap wording varies; any text */
	{ "ether[0] / 0 == 1", "division by zero" },
	{ "ip[0] << 40 == 1", "shift by more than 31 bits" },
	{ "ip broadcast", "netmask not known" },
	{ "frobnicate", "" },
	{ "", NULL },                        /* empty = accept all: valid */
};

struct thr {
	int ok;
};

static void *compile_many(void *arg)
{
	struct thr *t = arg;
	static const char *const ex[] = { "udp port 53", "tcp[tcpflags] & tcp-syn != 0",
					  "net 10.0.0.0/8 and not port 22", "vlan and ip6" };
	uint8_t frame[60] = { [12] = 0x08, [13] = 0x00, [14] = 0x45, [23] = 17, [36] = 0, [37] = 53 };
	t->ok = 1;
	for (int i = 0; i < 40; i++) {
		char err[256];
		int rc;
		struct tr_bpf_prog *p = tr_bpf_compile(ex[i % 4], 0, true, 0, 0, err, sizeof(err), &rc);
		if (!p) {
			t->ok = 0;
			continue;
		}
		if (i % 4 == 0 && tr_bpf_run(p, frame, 60, 60) != 262144)
			t->ok = 0;
		tr_bpf_free(p);
	}
	return NULL;
}

int main(void)
{
	char err[256];
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		rc = 0;
		struct tr_bpf_prog *p = tr_bpf_compile(bad[i].expr, 0, true, TR_BPF_NETMASK_UNKNOWN, 0,
						       err, sizeof(err), &rc);
		if (bad[i].msg == NULL) {
			T_CHECK(p != NULL);
			T_CHECK_EQ(rc, 0);
		} else {
			T_CHECK(p == NULL);
			T_CHECK_EQ(rc, -EINVAL);
			T_CHECK(err[0] != '\0');
			if (!strstr(err, bad[i].msg))
				fprintf(stderr, "\"%s\": error \"%s\" lacks \"%s\"\n", bad[i].expr, err, bad[i].msg);
			T_CHECK(strstr(err, bad[i].msg) != NULL);
		}
		tr_bpf_free(p);
	}

	/* protochain uses backward jumps: refused with a clear message. */
	struct tr_bpf_prog *p = tr_bpf_compile("ip6 protochain 6", 0, true, 0, 0, err, sizeof(err), &rc);
	T_CHECK(p == NULL);
	T_CHECK_EQ(rc, -EINVAL);
	T_CHECK(strstr(err, "compiled filter is not supported") && strstr(err, "out of range"));

	/* max_insns */
	p = tr_bpf_compile("port 1 or port 2 or port 3", 0, false, 0, 10, err, sizeof(err), &rc);
	T_CHECK(p == NULL);
	T_CHECK_EQ(rc, -E2BIG);
	T_CHECK(strstr(err, "more than the limit of 10") != NULL);

	/* snaplen is what accepting paths return; optimize shrinks the program */
	struct tr_bpf_prog *po = tr_bpf_compile("udp port 53", 1500, true, 0, 0, err, sizeof(err), &rc);
	struct tr_bpf_prog *pu = tr_bpf_compile("udp port 53", 1500, false, 0, 0, err, sizeof(err), &rc);
	T_ASSERT(po && pu);
	unsigned no = 0, nu = 0;
	tr_bpf_insns(po, &no);
	tr_bpf_insns(pu, &nu);
	T_CHECK(no < nu);
	uint8_t dns[60] = { [12] = 0x08, [13] = 0x00, [14] = 0x45, [23] = 17, [36] = 0, [37] = 53 };
	T_CHECK_EQ(tr_bpf_run(po, dns, 60, 60), 1500);
	T_CHECK_EQ(tr_bpf_run(pu, dns, 60, 60), 1500);
	dns[37] = 54;
	T_CHECK_EQ(tr_bpf_run(po, dns, 60, 60), 0);
	T_CHECK_EQ(tr_bpf_run(pu, dns, 60, 60), 0);

	/* JIT vs interpreter on the synthetic mix (and run_burst's count). */
	static struct fp_pkt frames[128];
	unsigned nf = fp_build_mix(frames, 128, 77);
	struct tr_bpf_prog *pi = tr_bpf_compile("tcp or (udp and ip[8] > 32) or vlan", 0, true, 0, 0,
						err, sizeof(err), &rc);
	if (pi)
		tr_bpf_set_jit(pi, false);   /* the interpreter */
	struct tr_bpf_prog *pj = tr_bpf_compile("tcp or (udp and ip[8] > 32) or vlan", 0, true, 0, 0,
						err, sizeof(err), &rc);
	T_ASSERT(pi && pj);
	T_CHECK(!tr_bpf_jited(pi));
#if defined(__x86_64__)
	T_CHECK(tr_bpf_jited(pj));
#endif
	const uint8_t *ptrs[128];
	uint32_t lens[128], vi[128], vj[128];
	unsigned pass = 0;
	for (unsigned i = 0; i < nf; i++) {
		ptrs[i] = frames[i].data;
		lens[i] = frames[i].len;
		pass += tr_bpf_run(pj, ptrs[i], lens[i], lens[i]) != 0;
	}
	T_CHECK_EQ(tr_bpf_run_burst(pi, ptrs, lens, vi, nf), pass);
	T_CHECK_EQ(tr_bpf_run_burst(pj, ptrs, lens, vj, nf), pass);
	T_CHECK(memcmp(vi, vj, nf * sizeof(vi[0])) == 0);
	T_CHECK(pass > 0 && pass < nf);
	tr_bpf_free(pi);
	tr_bpf_free(pj);
	tr_bpf_free(po);
	tr_bpf_free(pu);

	/* concurrent compiles */
	pthread_t th[4];
	struct thr ts[4];
	for (int i = 0; i < 4; i++)
		T_ASSERT(pthread_create(&th[i], NULL, compile_many, &ts[i]) == 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		T_CHECK(ts[i].ok);
	}
	return t_done();
}
