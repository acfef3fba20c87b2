/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode_loop FRAME N: run tr_decode (FRAME 0..3) or tr_classify over the
 * four-frame mix (FRAME 4) N times, for instruction counts under
 * `valgrind --tool=callgrind` (repeatable where wall-clock time is not).
 * Frames: 0 Eth/IPv4/UDP, 1 Eth/IPv4+opts/TCP SYN, 2 Eth/IPv6+ext/ICMPv6,
 * 3 Eth/IPv4/UDP/DNS query. Prints the time per call too (CPU clock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tapring/decode.h>

#include "../../test/codecs/frames.h"

static struct tr_decoded d;

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: decode_loop FRAME(0-4) N\n");
		return 2;
	}
	int which = atoi(argv[1]);
	long n = atol(argv[2]);
	const uint8_t *f[] = { frame_ipv4_udp_padded, frame_ipv4_opts_tcp_syn,
			       frame_ipv6_hbh_dst_icmp6, frame_udp_dns_query };
	size_t l[] = { sizeof(frame_ipv4_udp_padded), sizeof(frame_ipv4_opts_tcp_syn),
		       sizeof(frame_ipv6_hbh_dst_icmp6), sizeof(frame_udp_dns_query) };
	if (which < 0 || which > 4 || n <= 0)
		return 2;
	struct timespec a, b;
	unsigned acc = 0;
	struct tr_classify c;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (long i = 0; i < n; i++) {
		if (which == 4)
			acc += tr_classify(f[i & 3], l[i & 3], &c);
		else
			acc += (unsigned)tr_decode(f[which], l[which], l[which], &d);
		__asm__ volatile("" ::: "memory");
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("frame %d: %.2f ns per call (CPU), check %u\n", which, ns / (double)n, acc);
	return 0;
}
