/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/offload.c: virtio-net header offloads (docs/offload.md).
 *
 * Setup (control thread, tr_engine_create): every queue fd must carry
 * IFF_VNET_HDR; TUNSETVNETHDRSZ 12 on each; TUNSETOFFLOAD on the device
 * with the asked features, falling back one feature group at a time:
 * first each single group left out (TSO_ECN, USO4|USO6, TSO4|TSO6), then
 * the first of them for good, and so on down to CSUM alone and 0. USO and
 * TSO need CSUM; kernels before 6.2 refuse USO (EINVAL), which this path
 * turns into CSUM|TSO4|TSO6|TSO_ECN.
 *
 * The per-frame work lives in worker.c (rx_vnet / tx_vnet); the helpers for
 * stages and applications (metadata, GSO set-up, software segmentation,
 * checksum completion) are here.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

#include "worker_pvt.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif
_Static_assert(TR_OFFLOAD_CSUM == TUN_F_CSUM && TR_OFFLOAD_TSO4 == TUN_F_TSO4 &&
	       TR_OFFLOAD_TSO6 == TUN_F_TSO6 && TR_OFFLOAD_TSO_ECN == TUN_F_TSO_ECN &&
	       TR_OFFLOAD_USO4 == TUN_F_USO4 && TR_OFFLOAD_USO6 == TUN_F_USO6,
	       "TR_OFFLOAD_* are the TUN_F_* values");

/* The feature groups, in the order they are given up. */
static const unsigned groups[] = {
	TR_OFFLOAD_TSO_ECN,
	TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6,
	TR_OFFLOAD_TSO4 | TR_OFFLOAD_TSO6 | TR_OFFLOAD_TSO_ECN,
	TR_OFFLOAD_ALL,
};

/* A consistent set: USO/TSO need CSUM, ECN needs TSO, USO4/USO6 only in
 * pairs (the kernel takes them only together). */
static unsigned normalize(unsigned f)
{
	if (!(f & TR_OFFLOAD_CSUM))
		return 0;
	if ((f & (TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6)) != (TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6))
		f &= ~(TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6);
	if (!(f & (TR_OFFLOAD_TSO4 | TR_OFFLOAD_TSO6)))
		f &= ~TR_OFFLOAD_TSO_ECN;
	return f;
}

static int try_set(int fd, unsigned f, unsigned refuse)
{
	if (f & refuse)
		return -EINVAL;   /* test switch: as if the kernel lacked it */
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)f) == 0 ? 0 : -errno;
}

int tr_tap_vnet_setup(int fd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) != 0)
		return -ENOTTY;            /* not a TUN/TAP queue */
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return -EINVAL;            /* opened without IFF_VNET_HDR */
	int sz = TR_VNET_HDR_LEN;
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) != 0)
		return -errno;
	return 0;
}

int tr_tap_set_offloads(int fd, unsigned want, unsigned refuse, unsigned *on)
{
	unsigned cur = normalize(want);
	for (;;) {
		int r = try_set(fd, cur, refuse);
		if (r == 0)
			break;
		if (r != -EINVAL)
			return r;
		if (cur == 0)
			return r;
		/* Leave out one group at a time, keeping the others. */
		unsigned next = 0;
		bool ok = false;
		for (size_t g = 0; g + 1 < sizeof(groups) / sizeof(groups[0]); g++) {
			unsigned t = normalize(cur & ~groups[g]);
			if (t == cur)
				continue;
			if (try_set(fd, t, refuse) == 0) {
				cur = t;
				ok = true;
				break;
			}
			if (!next)
				next = t;   /* the first reduction: where to go on from */
		}
		if (ok)
			break;
		cur = next ? next : normalize(cur & ~TR_OFFLOAD_ALL);
	}
	*on = cur;
	return 0;
}

/* Every port's queue fds get the 12-byte header, and every port its own
 * TUNSETOFFLOAD (a two-port engine's ports may differ: one device refused a
 * feature the other has; the worker then segments or checksums in software
 * what the other port hands over, see tx_vnet in worker.c). */
int tr__engine_offload_setup(struct tr_engine *e)
{
	const unsigned want = e->cfg.offload_flags ? e->cfg.offload_flags : TR_OFFLOAD_ALL;
	for (unsigned p = 0; p < e->nports; p++) {
		const int *fds = p == 0 ? e->fds : e->fds2;
		for (unsigned q = 0; q < e->cfg.nqueues; q++) {
			int r = tr_tap_vnet_setup(fds[q]);
			if (r < 0)
				return r;
		}
		int r = tr_tap_set_offloads(fds[0], want, p == 0 ? e->cfg.offload_refuse : e->cfg.offload_refuse2,
					    &e->offloads_port[p]);
		if (r < 0)
			return r;
	}
	e->offloads_on = e->offloads_port[0];
	return 0;
}

unsigned tr_engine_offloads(const struct tr_engine *e)
{
	return e->cfg.offloads ? e->offloads_on : 0;
}

unsigned tr_engine_port_offloads(const struct tr_engine *e, unsigned port)
{
	return e->cfg.offloads && port < e->nports ? e->offloads_port[port] : 0;
}

bool tr_engine_has_vnet(const struct tr_engine *e)
{
	return e->cfg.offloads;
}

struct tr_vnet_meta *tr_engine_offload(struct tr_engine *e, const struct tr_buf *b)
{
	if (!e->vmeta || b->id >= e->cfg.nbufs + e->cfg.large_nbufs)
		return NULL;
	return &e->vmeta[b->id];
}

int tr_engine_set_gso(struct tr_engine *e, struct tr_buf *b, uint16_t gso_size)
{
	struct tr_vnet_meta *m = tr_engine_offload(e, b);
	if (!m)
		return -ENOTSUP;
	struct tr_vnet_repr r;
	struct tr_vnet_info in;
	int rc = tr_vnet_prepare_gso(&r, b->data, b->len, gso_size, NULL);
	if (rc == 0)
		rc = tr_vnet_check_frame(&r, b->data, b->len, &in, NULL);
	if (rc < 0)
		return rc;
	m->hdr = r;
	m->segs = (uint16_t)in.segs;
	b->flags = (uint16_t)((b->flags & ~(TR_BUF_F_CSUM_VALID | TR_BUF_F_GSO)) | TR_BUF_F_VNET |
			      TR_BUF_F_CSUM_PARTIAL | (in.segs > 1 ? TR_BUF_F_GSO : 0));
	return 0;
}

int tr_engine_gso_segment(struct tr_engine *e, unsigned q, const struct tr_buf *b,
			  struct tr_buf **out, unsigned n)
{
	const struct tr_vnet_meta *m = tr_engine_offload(e, b);
	if (!m || !(b->flags & TR_BUF_F_GSO))
		return -EINVAL;
	struct tr_vnet_info in;
	if (tr_vnet_check_frame(&m->hdr, b->data, b->len, &in, NULL) != 0)
		return -EINVAL;
	if (in.segs > n)
		return -ENOSPC;
	unsigned got = tr_engine_buf_alloc_burst(e, q, out, in.segs);
	if (got < in.segs) {
		tr_engine_buf_free_burst(e, out, got);
		return -ENOBUFS;
	}
	for (unsigned k = 0; k < in.segs; k++) {
		uint32_t room = tr_slab_buf_room(e->slab, out[k]);
		int len = tr_vnet_segment(&m->hdr, &in, b->data, b->len, k, out[k]->data, room);
		if (len < 0) {
			tr_engine_buf_free_burst(e, out, in.segs);
			return len == -ENOSPC ? -EINVAL : len;   /* a segment beyond a small buffer */
		}
		out[k]->len = (uint32_t)len;
		out[k]->flags = 0;
	}
	return (int)in.segs;
}

int tr_engine_csum_complete(struct tr_engine *e, struct tr_buf *b)
{
	struct tr_vnet_meta *m = tr_engine_offload(e, b);
	if (!m || !(b->flags & TR_BUF_F_CSUM_PARTIAL))
		return 0;
	int rc = tr_vnet_csum_complete(&m->hdr, b->data, b->len);
	if (rc == 0)
		b->flags = (uint16_t)((b->flags & ~TR_BUF_F_CSUM_PARTIAL) | TR_BUF_F_CSUM_VALID);
	return rc;
}
