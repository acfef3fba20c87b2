/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture files in link types other than Ethernet: a raw IP pcap carries
 * LINKTYPE_RAW (101) and libpcap reads it back as DLT_RAW with the same
 * bytes; a pcapng file describes one interface per link type (raw IP on
 * interface 0, Linux cooked v2 on interface 1) and each frame names its
 * interface; classic pcap refuses a second link type; a frame on an
 * interface not described is -EINVAL. With DIR, the pcapng file is left
 * there as DIR/multi.pcapng for pcap_link_tshark.sh.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <tapring/capture.h>
#include <tapring/link.h>

#include "helpers.h"

static const uint8_t ip4[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0,
				 10, 77, 0, 1, 10, 77, 0, 2, 8, 0, 0xf7, 0xff, 0, 0, 0, 0 };

int main(int argc, char **argv)
{
	char dir[] = "/tmp/tr_pcap_link_XXXXXX", path[256], eb[PCAP_ERRBUF_SIZE];
	const char *out = argc > 1 ? argv[1] : NULL;
	int e;
	T_ASSERT(mkdtemp(dir) != NULL);

	/* raw IP, classic pcap */
	snprintf(path, sizeof(path), "%s/raw.pcap", dir);
	struct tr_pcap_writer *w = tr_pcap_writer_open_link(path, TR_PCAP_FORMAT_PCAP, 65535, "tun0",
							    TR_PCAP_DLT_RAW, &e);
	T_ASSERT(w != NULL);
	T_CHECK_EQ(tr_pcap_writer_dlt(w), TR_PCAP_DLT_RAW);
	T_CHECK_EQ(tr_pcap_writer_add_interface(w, "tun0", TR_PCAP_DLT_RAW), 0);
	T_CHECK_EQ(tr_pcap_writer_add_interface(w, "any", TR_PCAP_DLT_LINUX_SLL2), -EINVAL);
	T_CHECK_EQ(tr_pcap_writer_write(w, ip4, sizeof(ip4), sizeof(ip4), 1000000000ull, 0, NULL), 0);
	T_CHECK_EQ(tr_pcap_writer_write_on(w, 1, ip4, sizeof(ip4), sizeof(ip4), 0, 0, NULL), -EINVAL);
	T_CHECK_EQ(tr_pcap_writer_close(w), 0);
	FILE *f = fopen(path, "rb");
	uint8_t hdr[24];
	T_ASSERT(f && fread(hdr, 1, 24, f) == 24);
	fclose(f);
	T_CHECK_EQ(hdr[20] | hdr[21] << 8, 101);
	pcap_t *p = pcap_open_offline(path, eb);
	T_ASSERT(p != NULL);
	T_CHECK_EQ(pcap_datalink(p), DLT_RAW);
	struct pcap_pkthdr *h;
	const u_char *d;
	T_CHECK_EQ(pcap_next_ex(p, &h, &d), 1);
	T_CHECK_EQ(h->caplen, sizeof(ip4));
	T_CHECK(memcmp(d, ip4, sizeof(ip4)) == 0);
	pcap_close(p);
	unlink(path);

	/* pcapng: raw IP on interface 0, SLL2 on interface 1 */
	snprintf(path, sizeof(path), "%s/multi.pcapng", out ? out : dir);
	w = tr_pcap_writer_open_link(path, TR_PCAP_FORMAT_PCAPNG, 65535, "tun0", TR_PCAP_DLT_RAW, &e);
	T_ASSERT(w != NULL);
	T_CHECK_EQ(tr_pcap_writer_add_interface(w, "any", TR_PCAP_DLT_LINUX_SLL2), 1);
	struct tr_link_repr r = { .dlt = TR_DLT_LINUX_SLL2, .proto = 0x0800, .ifindex = 7,
				  .hatype = 1, .pkttype = TR_SLL_OUTGOING, .halen = 6,
				  .addr = { 2, 0x77, 0, 0, 0, 1 } };
	uint8_t sll2[20 + sizeof(ip4)];
	T_CHECK_EQ(tr_link_emit(&r, sll2, sizeof(sll2)), 20);
	memcpy(sll2 + 20, ip4, sizeof(ip4));
	for (unsigned i = 0; i < 4; i++) {
		if (i & 1)
			T_CHECK_EQ(tr_pcap_writer_write_on(w, 1, sll2, sizeof(sll2), sizeof(sll2),
							   2000000000ull + i, TR_PCAP_DIR_OUT, NULL), 0);
		else
			T_CHECK_EQ(tr_pcap_writer_write_on(w, 0, ip4, sizeof(ip4), sizeof(ip4),
							   2000000000ull + i, TR_PCAP_DIR_IN, NULL), 0);
	}
	T_CHECK_EQ(tr_pcap_writer_write_on(w, 2, ip4, sizeof(ip4), sizeof(ip4), 0, 0, NULL), -EINVAL);
	T_CHECK_EQ(tr_pcap_writer_count(w), 4);
	T_CHECK_EQ(tr_pcap_writer_close(w), 0);
	if (!out)
		unlink(path);
	rmdir(dir);
	return t_done();
}
