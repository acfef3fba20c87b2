/* SPDX-License-Identifier: BSD-2-Clause */
/* Classic pcap output through libpcap's pcap_dump (libpcap TU only). */
#include <errno.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "capture_pvt.h"

struct tr__pcap_classic {
	pcap_t *dead;
	pcap_dumper_t *dumper;
};

struct tr__pcap_classic *tr__pcap_classic_open(FILE *f, uint32_t snaplen, int dlt, int *err)
{
	struct tr__pcap_classic *p = calloc(1, sizeof(*p));

	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->dead = pcap_open_dead(dlt, (int)snaplen);
	if (!p->dead) {
		free(p);
		*err = -ENOMEM;
		return NULL;
	}
	/* pcap_dump_fopen takes ownership of f: pcap_dump_close closes it. */
	p->dumper = pcap_dump_fopen(p->dead, f);
	if (!p->dumper) {
		pcap_close(p->dead);
		free(p);
		*err = -EIO;
		return NULL;
	}
	*err = 0;
	return p;
}

int tr__pcap_classic_write(struct tr__pcap_classic *p, const uint8_t *data,
			   uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)((ts_ns % 1000000000u) / 1000u);
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)p->dumper, &h, data);
	return 0;
}

int tr__pcap_classic_flush(struct tr__pcap_classic *p)
{
	return pcap_dump_flush(p->dumper) == 0 ? 0 : -EIO;
}

int tr__pcap_classic_close(struct tr__pcap_classic *p)
{
	int rc = pcap_dump_flush(p->dumper) == 0 ? 0 : -EIO;

	pcap_dump_close(p->dumper);
	pcap_close(p->dead);
	free(p);
	return rc;
}
