/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live capture through an AF_PACKET TPACKET_V3 ring (what libpcap uses on
 * Linux): the kernel fills fixed-size blocks of frames in a shared mmap'd
 * ring and hands over a whole block at a time, so capture costs one poll()
 * per block rather than one syscall per frame.
 *
 * Ownership of a block is its block_status word: the kernel sets
 * TP_STATUS_USER when it retires a block to us; we give it back by storing
 * TP_STATUS_KERNEL after we are done reading it.
 *
 * Link type, from the interface's ARPHRD type as libpcap chooses it:
 * Ethernet and loopback devices give Ethernet frames (SOCK_RAW, EN10MB); a
 * TUN (ARPHRD_NONE) and IP tunnels give raw IP (SOCK_RAW, RAW); anything
 * else, and "any" (an unbound socket that sees every interface), is read
 * in cooked mode (SOCK_DGRAM, network layer only) and handed over as Linux
 * cooked v2 (LINUX_SLL2): PACKET_RESERVE leaves 20 bytes in front of each
 * frame in the ring, where the SLL2 header is written in place from the
 * frame's sockaddr_ll (interface index, ARPHRD type, packet type, address)
 * as libpcap does, so nothing is copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <tapring/capture.h>
#include <tapring/link.h>

#include "stage_pvt.h"

struct tr_capture {
	int fd;
	int evfd;                   /* breakloop wake-up */
	unsigned ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t snaplen;
	uint32_t dlt;               /* TR_DLT_EN10MB, TR_DLT_RAW or TR_DLT_LINUX_SLL2 */
	bool cooked;                /* SOCK_DGRAM: an SLL2 header is written in front */
	uint8_t *ring;
	size_t ring_len;
	uint32_t block_size;
	uint32_t block_nr;
	/* read position: current block, frames left in it, next frame */
	uint32_t cur_block;
	uint32_t left;
	uint8_t *next;
	bool in_block;
	bool active;
	atomic_bool broken;         /* set by tr_capture_breakloop */
	struct tr_capture_stats st;
	uint64_t if_drop_base;
};

static uint64_t read_sys_counter(const char *ifname, const char *name)
{
	char path[128], buf[32];
	uint64_t v = 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtoull(buf, NULL, 10);
	}
	return v;
}

/* The interface's ARPHRD_* type (SIOCGIFHWADDR works on any socket), or
 * -errno. */
static int arphrd_of(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ? -errno : ifr.ifr_hwaddr.sa_family;
	close(fd);
	return rc;
}

uint32_t tr_capture_dlt_for_arphrd(int arphrd)
{
	switch (arphrd) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return TR_DLT_EN10MB;
	case ARPHRD_NONE:
#ifdef ARPHRD_RAWIP
	case ARPHRD_RAWIP:
#endif
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
		return TR_DLT_RAW;
	default:
		return TR_DLT_LINUX_SLL2;
	}
}

uint32_t tr_capture_dlt(const struct tr_capture *c)
{
	return c->dlt;
}

struct tr_capture *tr_capture_open(const struct tr_capture_config *cfg, int *err)
{
	struct tr_capture *c;
	struct tpacket_req3 req;
	int v = TPACKET_V3;
	uint32_t buf_bytes, pg = (uint32_t)sysconf(_SC_PAGESIZE);

	if (!cfg || !cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IF_NAMESIZE) {
		*err = -EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->fd = -1;
	c->evfd = -1;
	snprintf(c->ifname, sizeof(c->ifname), "%s", cfg->ifname);
	if (strcmp(cfg->ifname, "any") == 0) {
		c->ifindex = 0;      /* bound to no interface: every one */
		c->dlt = TR_DLT_LINUX_SLL2;
	} else {
		c->ifindex = if_nametoindex(cfg->ifname);
		if (!c->ifindex) {
			*err = -ENODEV;
			goto fail;
		}
		int hrd = arphrd_of(cfg->ifname);
		if (hrd < 0) {
			*err = hrd;
			goto fail;
		}
		c->dlt = tr_capture_dlt_for_arphrd(hrd);
	}
	c->cooked = c->dlt == TR_DLT_LINUX_SLL2;
	c->snaplen = cfg->snaplen ? cfg->snaplen : 262144;

	/* Protocol 0: the socket receives nothing until tr_capture_activate()
	 * binds it, so the filter is in place before the first frame. */
	c->fd = socket(AF_PACKET, (c->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		*err = -errno;
		goto fail;
	}
	c->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->evfd < 0) {
		*err = -errno;
		goto fail;
	}
	if (setsockopt(c->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) {
		*err = -errno;
		goto fail;
	}
	if (c->cooked) {
		/* Room for the SLL2 header in front of every frame (before
		 * PACKET_RX_RING: the ring layout depends on it). */
		unsigned reserve = TR_SLL2_HDR_LEN;
		if (setsockopt(c->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)) < 0) {
			*err = -errno;
			goto fail;
		}
	}

	buf_bytes = (cfg->buffer_kib ? cfg->buffer_kib : 2048) * 1024u;
	if (buf_bytes < 4 * pg)
		buf_bytes = 4 * pg;
	/* Immediate mode wants frames handed over at once: small blocks and a
	 * 1 ms retire timeout. Otherwise 256 KiB blocks amortise the poll(). */
	c->block_size = cfg->immediate ? 4 * pg : 256 * 1024;
	if (c->block_size > buf_bytes)
		c->block_size = tr__pow2_floor(buf_bytes);
	if (c->block_size < pg)
		c->block_size = pg;
	c->block_nr = buf_bytes / c->block_size;
	if (c->block_nr < 2)
		c->block_nr = 2;

	memset(&req, 0, sizeof(req));
	req.tp_block_size = c->block_size;
	req.tp_block_nr = c->block_nr;
	req.tp_frame_size = TPACKET_ALIGNMENT << 7; /* 2048; V3 packs frames anyway */
	req.tp_frame_nr = (c->block_size / req.tp_frame_size) * c->block_nr;
	req.tp_retire_blk_tov = cfg->immediate ? 1 : (unsigned)(cfg->timeout_ms > 0 ? cfg->timeout_ms : 100);
	req.tp_feature_req_word = 0;
	if (setsockopt(c->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		*err = -errno;
		goto fail;
	}
	c->ring_len = (size_t)c->block_size * c->block_nr;
	c->ring = mmap(NULL, c->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		       c->fd, 0);
	if (c->ring == MAP_FAILED) {
		c->ring = mmap(NULL, c->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
		if (c->ring == MAP_FAILED) {
			c->ring = NULL;
			*err = -errno;
			goto fail;
		}
	}
	if (cfg->promisc && c->ifindex) {   /* "any": no single device to set */
		struct packet_mreq mr;

		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = (int)c->ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(c->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			*err = -errno;
			goto fail;
		}
	}
	atomic_init(&c->broken, false);
	*err = 0;
	return c;
fail:
	tr_capture_close(c);
	return NULL;
}

/*
 * In cooked mode the kernel runs the filter on the frame without the SLL2
 * header we add later, so a program written for LINUX_SLL2 is rewritten the
 * way libpcap does it: absolute and indirect loads past the header move
 * back by its 20 bytes; loads of the header's protocol, interface index,
 * ARPHRD type and packet type become the matching ancillary loads. A
 * program that reads anything else of the header, or the frame length
 * (one 20 bytes longer than the kernel's), cannot run in the kernel:
 * -EOPNOTSUPP, and the caller filters in user space.
 */
static int cooked_fix(struct sock_filter *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t cls = BPF_CLASS(f[i].code), mode = BPF_MODE(f[i].code);
		uint16_t size = BPF_SIZE(f[i].code);
		if ((cls == BPF_LD || cls == BPF_LDX) && mode == BPF_LEN)
			return -EOPNOTSUPP;
		bool abs = cls == BPF_LD && mode == BPF_ABS;
		bool ind = cls == BPF_LD && mode == BPF_IND;
		bool msh = cls == BPF_LDX && mode == BPF_MSH;
		if (!abs && !ind && !msh)
			continue;
		if (f[i].k >= TR_SLL2_HDR_LEN) {
			f[i].k -= TR_SLL2_HDR_LEN;
			continue;
		}
		if (!abs)
			return -EOPNOTSUPP;
		uint32_t ad;
		if (f[i].k == TR_SLL2_OFF_PROTO && size == BPF_H)
			ad = SKF_AD_PROTOCOL;
		else if (f[i].k == TR_SLL2_OFF_IFINDEX && size == BPF_W)
			ad = SKF_AD_IFINDEX;
		else if (f[i].k == TR_SLL2_OFF_HATYPE && size == BPF_H)
			ad = SKF_AD_HATYPE;
		else if (f[i].k == TR_SLL2_OFF_PKTTYPE && size == BPF_B)
			ad = SKF_AD_PKTTYPE;
		else
			return -EOPNOTSUPP;
		/* Ancillary loads are word-sized and give host-order values,
		 * the same numbers the header holds. */
		f[i].code = BPF_LD | BPF_W | BPF_ABS;
		f[i].k = (uint32_t)SKF_AD_OFF + ad;
	}
	return 0;
}

int tr_capture_set_filter(struct tr_capture *c, const void *insns, unsigned n)
{
	struct sock_fprog prog;
	struct sock_filter *fixed = NULL;
	int rc = 0;

	if (!insns || n == 0 || n > 0xffff)
		return -EINVAL;
	prog.len = (unsigned short)n;
	prog.filter = (struct sock_filter *)insns;
	if (c->cooked) {
		fixed = malloc((size_t)n * sizeof(*fixed));
		if (!fixed)
			return -ENOMEM;
		memcpy(fixed, insns, (size_t)n * sizeof(*fixed));
		rc = cooked_fix(fixed, n);
		prog.filter = fixed;
	}
	if (rc == 0 && setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		rc = -errno;
	free(fixed);
	return rc;
}

int tr_capture_activate(struct tr_capture *c)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)c->ifindex;
	if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	c->if_drop_base = read_sys_counter(c->ifname, "rx_dropped");
	c->active = true;
	return 0;
}

static struct tpacket_block_desc *block_at(struct tr_capture *c, uint32_t i)
{
	return (struct tpacket_block_desc *)(c->ring + (size_t)i * c->block_size);
}

/* The kernel writes a block's frames, then (after a write barrier) sets
 * TP_STATUS_USER in block_status. This acquire load pairs with that barrier,
 * so the frames are visible once we see the status. */
static bool block_ready(struct tpacket_block_desc *b)
{
	_Atomic uint32_t *st = (_Atomic uint32_t *)&b->hdr.bh1.block_status;

	return atomic_load_explicit(st, memory_order_acquire) & TP_STATUS_USER;
}

/* Hand a block back. The release store orders our reads of the frames
 * before the kernel may reuse the block (it reads block_status before
 * writing into it). */
static void block_release(struct tpacket_block_desc *b)
{
	_Atomic uint32_t *st = (_Atomic uint32_t *)&b->hdr.bh1.block_status;

	atomic_store_explicit(st, TP_STATUS_KERNEL, memory_order_release);
}

int tr_capture_dispatch(struct tr_capture *c, int timeout_ms, unsigned max,
			tr_capture_cb cb, void *arg)
{
	unsigned done = 0;

	if (!c->active)
		return -EINVAL;
	for (;;) {
		if (!c->in_block) {
			struct tpacket_block_desc *b = block_at(c, c->cur_block);

			if (!block_ready(b)) {
				struct pollfd pfd[2] = {
					{ .fd = c->fd, .events = POLLIN | POLLERR },
					{ .fd = c->evfd, .events = POLLIN },
				};
				int r;

				if (done)
					return (int)done;
				/* relaxed: a flag with no data attached; the eventfd
				 * wakes the poll, the flag only says why. */
				if (atomic_exchange_explicit(&c->broken, false, memory_order_relaxed))
					return -EINTR;
				r = poll(pfd, 2, timeout_ms);
				if (r < 0)
					return -errno;
				if (pfd[1].revents & POLLIN) {
					uint64_t x;
					if (read(c->evfd, &x, sizeof(x)) < 0) {
						/* nothing to do: the counter was reset anyway */
					}
					/* Relaxed: as the exchange above. */
					atomic_store_explicit(&c->broken, false, memory_order_relaxed);
					return -EINTR;
				}
				if (pfd[0].revents & POLLERR) {
					int soerr = 0;
					socklen_t sl = sizeof(soerr);
					getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
					return soerr ? -soerr : -ENETDOWN;
				}
				if (r == 0 || !block_ready(b))
					return 0;
			}
			c->in_block = true;
			c->left = b->hdr.bh1.num_pkts;
			c->next = (uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
		}
		while (c->left) {
			struct tpacket3_hdr *h = (struct tpacket3_hdr *)c->next;
			const struct sockaddr_ll *sll = (const struct sockaddr_ll *)
				((uint8_t *)h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
			struct tr_capture_pkt p;

			p.data = (const uint8_t *)h + h->tp_mac;
			p.caplen = h->tp_snaplen;
			p.len = h->tp_len;
			if (c->cooked) {
				/* PACKET_RESERVE put 20 free bytes between the
				 * sockaddr_ll and tp_mac: the header goes there. */
				uint8_t *hdr = (uint8_t *)h + h->tp_mac - TR_SLL2_HDR_LEN;
				struct tr_link_repr r = {
					.dlt = TR_DLT_LINUX_SLL2,
					.proto = ntohs(sll->sll_protocol),
					.ifindex = (uint32_t)sll->sll_ifindex,
					.hatype = sll->sll_hatype,
					.pkttype = sll->sll_pkttype,
					.halen = sll->sll_halen,
				};
				memcpy(r.addr, sll->sll_addr, sizeof(r.addr));
				if (hdr >= (const uint8_t *)(sll + 1)) {
					tr_link_emit(&r, hdr, TR_SLL2_HDR_LEN);
					p.data = hdr;
					p.caplen += TR_SLL2_HDR_LEN;
					p.len += TR_SLL2_HDR_LEN;
				}
			}
			if (p.caplen > c->snaplen)
				p.caplen = c->snaplen;
			p.ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
			p.ifindex = (uint32_t)sll->sll_ifindex;
			p.pkttype = sll->sll_pkttype;
			c->left--;
			c->next = (uint8_t *)h + h->tp_next_offset;
			c->st.captured++;
			cb(arg, &p);
			done++;
			if (max && done >= max) {
				if (!c->left)
					goto release;
				return (int)done;
			}
		}
release:
		block_release(block_at(c, c->cur_block));
		c->in_block = false;
		c->cur_block = (c->cur_block + 1) % c->block_nr;
		if (max && done >= max)
			return (int)done;
	}
}

void tr_capture_breakloop(struct tr_capture *c)
{
	uint64_t one = 1;

	/* relaxed: see the exchange in tr_capture_dispatch(). */
	atomic_store_explicit(&c->broken, true, memory_order_relaxed);
	if (write(c->evfd, &one, sizeof(one)) < 0) {
		/* the eventfd counter saturating still leaves it readable */
	}
}

int tr_capture_stats(struct tr_capture *c, struct tr_capture_stats *st)
{
	struct tpacket_stats_v3 ks;
	socklen_t len = sizeof(ks);

	/* PACKET_STATISTICS resets the kernel counters on read: accumulate.
	 * For TPACKET_V3 the kernel already adds drops into tp_packets, as
	 * libpcap's "received by filter" expects. */
	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) < 0)
		return -errno;
	c->st.received += ks.tp_packets;
	c->st.dropped += ks.tp_drops;
	if (c->active) {
		uint64_t now = read_sys_counter(c->ifname, "rx_dropped");
		c->st.if_dropped = now >= c->if_drop_base ? now - c->if_drop_base : 0;
	}
	*st = c->st;
	return 0;
}

int tr_capture_fd(const struct tr_capture *c)
{
	return c->fd;
}

void tr_capture_close(struct tr_capture *c)
{
	if (!c)
		return;
	if (c->ring)
		munmap(c->ring, c->ring_len);
	if (c->fd >= 0)
		close(c->fd);
	if (c->evfd >= 0)
		close(c->evfd);
	free(c);
}
