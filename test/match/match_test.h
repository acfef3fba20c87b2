/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers for the match tests: frames with a given L4 payload in pool-less
 * tr_bufs, and rules files in a temporary directory. */
#ifndef TAPRING_TEST_MATCH_TEST_H
#define TAPRING_TEST_MATCH_TEST_H

#include <stdalign.h>

#include <tapring/engine.h>
#include <tapring/match.h>
#include <tapring/slab.h>

#include "helpers.h"

struct mframe {
	struct tr_buf b;
	uint8_t data[2048];
};

enum { MF_UDP4, MF_TCP4, MF_UDP6, MF_TCP6, MF_UDP6_EXT, MF_UDP4_VLAN, MF_ICMP4 };

/* Build an Ethernet frame of kind carrying payload (n bytes) into f. */
static inline void mframe_build(struct mframe *f, int kind, const char *payload, unsigned n)
{
	uint8_t *p = f->data;
	unsigned off = 12;
	memset(&f->b, 0, sizeof(f->b));
	memset(p, 0, 64);
	memcpy(p, "\x02\x77\x00\x00\x00\x01\x02\x77\x00\x00\x00\x02", 12);
	if (kind == MF_UDP4_VLAN) {
		p[12] = 0x81; p[13] = 0x00; p[14] = 0; p[15] = 7;
		off += 4;
	}
	bool v6 = kind == MF_UDP6 || kind == MF_TCP6 || kind == MF_UDP6_EXT;
	bool tcp = kind == MF_TCP4 || kind == MF_TCP6;
	unsigned l4 = tcp ? 20 : 8, ext = kind == MF_UDP6_EXT ? 8 : 0;
	p[off] = v6 ? 0x86 : 0x08; p[off + 1] = v6 ? 0xdd : 0x00;
	off += 2;
	uint8_t *ip = p + off;
	unsigned iph = v6 ? 40 : 20;
	if (kind == MF_ICMP4)
		l4 = 8;
	unsigned tot = iph + ext + l4 + n;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((tot - 40) >> 8); ip[5] = (uint8_t)(tot - 40);
		ip[6] = ext ? 60 : (tcp ? 6 : 17);
		ip[7] = 64;
		ip[8] = 0xfd; ip[9] = 0x77; ip[23] = 1;
		ip[24] = 0xfd; ip[25] = 0x77; ip[39] = 2;
		if (ext) {
			ip[40] = 17;   /* destination options, 8 bytes, then UDP */
			ip[41] = 0;
		}
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot;
		ip[8] = 64; ip[9] = kind == MF_ICMP4 ? 1 : (tcp ? 6 : 17);
		ip[12] = 10; ip[13] = 77; ip[15] = 1; ip[16] = 10; ip[17] = 77; ip[19] = 2;
	}
	uint8_t *l = ip + iph + ext;
	memset(l, 0, l4);
	l[0] = 0x30; l[1] = 0x39; l[2] = 0x00; l[3] = 0x07;
	if (tcp) {
		l[12] = 0x50;
	} else if (kind != MF_ICMP4) {
		l[4] = (uint8_t)((l4 + n) >> 8); l[5] = (uint8_t)(l4 + n);
	}
	memcpy(l + l4, payload, n);
	f->b.data = p;
	f->b.len = off + tot;
	if (f->b.len < 60) {   /* Ethernet padding: must not be scanned */
		memset(p + f->b.len, 'X', 60 - f->b.len);
		f->b.len = 60;
	}
}

static inline char *m_write_rules(const char *dir, const char *name, const char *text)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ & 3];
	snprintf(p, 512, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return p;
}

#endif
