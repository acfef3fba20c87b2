/*
 * Capture file writers: pcap (through libpcap) and our pcapng writer. Both
 * files are read back with libpcap and every frame's bytes, lengths and
 * timestamps are compared; the pcapng direction flags and comments are
 * checked by a second test with tshark (test_pcapng_tshark.sh).
 */
#include <pcap/pcap.h>
#include <stdlib.h>

#include <tapring/capture.h>

#include "helpers.h"

#define NFRAMES 50

static void make_frame(uint8_t *f, uint32_t len, unsigned i)
{
	for (uint32_t j = 0; j < len; j++)
		f[j] = (uint8_t)(i * 7 + j);
}

static void check_file(const char *path, uint32_t snaplen, int nano)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path,
		PCAP_TSTAMP_PRECISION_NANO, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint8_t want[1600];
	unsigned n = 0;

	T_ASSERT(p != NULL);
	T_CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint32_t len = 60 + n * 29;
		uint32_t cap = len < snaplen ? len : snaplen;
		uint64_t ts = 1700000000ull * 1000000000ull + n * 1000123ull;

		make_frame(want, len, n);
		T_CHECK_EQ(h->len, len);
		T_CHECK_EQ(h->caplen, cap);
		T_CHECK(memcmp(d, want, cap) == 0);
		T_CHECK_EQ(h->ts.tv_sec, (long)(ts / 1000000000ull));
		/* pcap stores microseconds; pcapng (tsresol 9) nanoseconds */
		if (nano)
			T_CHECK_EQ(h->ts.tv_usec, (long)(ts % 1000000000ull));
		else
			T_CHECK_EQ(h->ts.tv_usec, (long)(ts % 1000000000ull) / 1000 * 1000);
		n++;
	}
	T_CHECK_EQ(n, NFRAMES);
	pcap_close(p);
}

static void write_file(const char *path, enum tr_pcap_format fmt, uint32_t snaplen)
{
	int err;
	uint8_t f[1600];
	struct tr_pcap_writer *w = tr_pcap_writer_open(path, fmt, snaplen, "tap0", &err);

	T_ASSERT(w != NULL);
	for (unsigned i = 0; i < NFRAMES; i++) {
		uint32_t len = 60 + i * 29;
		uint64_t ts = 1700000000ull * 1000000000ull + i * 1000123ull;

		make_frame(f, len, i);
		T_CHECK_EQ(tr_pcap_writer_write(w, f, len, len, ts,
			i % 3 == 0 ? TR_PCAP_DIR_IN : TR_PCAP_DIR_OUT,
			i % 5 == 0 ? "dropped: ip4.bad_csum" : NULL), 0);
	}
	T_CHECK_EQ(tr_pcap_writer_count(w), NFRAMES);
	T_CHECK_EQ(tr_pcap_writer_close(w), 0);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/trpcapXXXXXX";
	char a[64], b[64], c[64];
	int err;

	T_ASSERT(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/x.pcap", dir);
	snprintf(b, sizeof(b), "%s/x.pcapng", dir);
	snprintf(c, sizeof(c), "%s/cut.pcapng", dir);
	T_CHECK_EQ(tr_pcap_format_for(a), TR_PCAP_FORMAT_PCAP);
	T_CHECK_EQ(tr_pcap_format_for(b), TR_PCAP_FORMAT_PCAPNG);

	write_file(a, TR_PCAP_FORMAT_PCAP, 65535);
	check_file(a, 65535, 0);
	write_file(b, TR_PCAP_FORMAT_PCAPNG, 65535);
	check_file(b, 65535, 1);
	/* snaplen cuts the stored bytes but keeps the wire length */
	write_file(c, TR_PCAP_FORMAT_PCAPNG, 100);
	check_file(c, 100, 1);

	/* an unwritable path is an error, not a crash */
	T_CHECK(tr_pcap_writer_open("/nonexistent/dir/x.pcap", TR_PCAP_FORMAT_PCAP, 0, NULL, &err) == NULL);
	T_CHECK_EQ(err, -ENOENT);

	/* leave the pcapng for the tshark check when asked to */
	if (argc > 1) {
		write_file(argv[1], TR_PCAP_FORMAT_PCAPNG, 65535);
	}
	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
	return t_done();
}
