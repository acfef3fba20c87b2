/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Umbrella header: everything an embedding program needs.
 *   #include <tapring/tapring.h>
 * Compile and link with `pkg-config --cflags --libs tapring`.
 * Each module header can also be included on its own.
 */
#ifndef TAPRING_TAPRING_H
#define TAPRING_TAPRING_H

/* codecs: pure protocol views/reprs, no I/O */
#include <tapring/codecs.h>     /* checksum, addr, ethernet, arp, ipv4/6, icmpv4/6, udp, tcp, decode */
#include <tapring/dns.h>

/* engine */
#include <tapring/ring.h>       /* lock-free SPSC/MPMC rings */
#include <tapring/slab.h>       /* zero-copy buffer pool, struct tr_buf */
#include <tapring/engine.h>     /* workers, stages, application hand-off, stats */
#include <tapring/tap.h>        /* TUN/TAP devices, queues, link config, netns */
#include <tapring/capture.h>    /* AF_PACKET capture, pcap/pcapng writers */
#include <tapring/filter.h>     /* cBPF prescreen */
#include <tapring/stack.h>      /* ARP/ICMP/UDP stack stages */
#include <tapring/ebpf.h>       /* eBPF queue steering and kernel blocklist on a TAP */
#include <tapring/match.h>      /* Hyperscan payload rules (a stage) */

#endif /* TAPRING_TAPRING_H */
