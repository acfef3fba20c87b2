/* SPDX-License-Identifier: BSD-2-Clause */
/* Private glue between the capture file writers. The classic-pcap writer
 * lives in its own translation unit because pcap/pcap.h and linux/bpf.h both
 * define struct bpf_insn. */
#ifndef TAPRING_CAPTURE_PVT_H
#define TAPRING_CAPTURE_PVT_H

#include <stdint.h>
#include <stdio.h>

struct tr__pcap_classic;

/* dlt: the DLT_ value (libpcap writes the matching LINKTYPE_ value). */
struct tr__pcap_classic *tr__pcap_classic_open(FILE *f, uint32_t snaplen, int dlt, int *err);
int tr__pcap_classic_write(struct tr__pcap_classic *p, const uint8_t *data,
			   uint32_t caplen, uint32_t len, uint64_t ts_ns);
int tr__pcap_classic_flush(struct tr__pcap_classic *p);
/* Closes the dumper and the FILE it was given. */
int tr__pcap_classic_close(struct tr__pcap_classic *p);

#endif
