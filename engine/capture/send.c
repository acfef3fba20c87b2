/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frame transmission on any interface through an AF_PACKET socket
 * (ewpcap's write, tcpreplay's job): frames of a capture file go out as
 * they are, a batch per sendmmsg() call, optionally around the qdisc
 * (PACKET_QDISC_BYPASS, as pktgen and tcpreplay's --netmap do).
 *
 * The socket is SOCK_RAW with protocol 0, so it receives nothing; each
 * message names the frame's protocol in its sockaddr_ll (the Ethernet type,
 * or IPv4/IPv6 from the version nibble for raw IP), which becomes
 * skb->protocol, as a TUN reader with packet information expects.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <tapring/capture.h>
#include <tapring/link.h>

struct tr_sender {
	int fd;
	int ifindex;
	uint32_t dlt;            /* what the device takes: EN10MB or RAW */
	uint32_t max_frame;      /* MTU + link header */
	uint32_t l2_len;         /* 14 or 0 */
	struct tr_send_stats st;
};

static int if_query(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	rc = ioctl(fd, req, ifr) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

struct tr_sender *tr_sender_open(const struct tr_send_config *cfg, int *err)
{
	struct ifreq ifr;
	struct tr_sender *s;
	int rc;

	if (!cfg || !cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IF_NAMESIZE) {
		*err = -EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->fd = -1;
	s->ifindex = (int)if_nametoindex(cfg->ifname);
	if (!s->ifindex) {
		*err = -ENODEV;
		goto fail;
	}
	if ((rc = if_query(cfg->ifname, SIOCGIFHWADDR, &ifr)) < 0) {
		*err = rc;
		goto fail;
	}
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		s->dlt = TR_DLT_EN10MB;
		s->l2_len = 14;
		break;
	case ARPHRD_NONE:
		s->dlt = TR_DLT_RAW;
		s->l2_len = 0;
		break;
	default:
		*err = -EPFNOSUPPORT;   /* a device type we do not know how to feed */
		goto fail;
	}
	if ((rc = if_query(cfg->ifname, SIOCGIFMTU, &ifr)) < 0) {
		*err = rc;
		goto fail;
	}
	s->max_frame = (uint32_t)ifr.ifr_mtu + s->l2_len;

	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		*err = -errno;
		goto fail;
	}
	if (cfg->qdisc_bypass) {
		int one = 1;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
			*err = -errno;
			goto fail;
		}
	}
	*err = 0;
	return s;
fail:
	tr_sender_close(s);
	return NULL;
}

uint32_t tr_sender_dlt(const struct tr_sender *s)
{
	return s->dlt;
}

uint32_t tr_sender_max_frame(const struct tr_sender *s)
{
	return s->max_frame;
}

int tr_sender_accepts(const struct tr_sender *s, uint32_t dlt)
{
	if (s->dlt == TR_DLT_EN10MB)
		return dlt == TR_DLT_EN10MB ? 0 : -EPROTOTYPE;
	return dlt == TR_DLT_RAW || dlt == TR_LINKTYPE_RAW || dlt == TR_DLT_IPV4 ||
	       dlt == TR_DLT_IPV6 ? 0 : -EPROTOTYPE;
}

/* The protocol a frame is sent as (network order), 0 when it has none we
 * can tell (then the kernel takes it as is). */
static uint16_t frame_proto(const struct tr_sender *s, const uint8_t *f, uint32_t len)
{
	if (s->dlt == TR_DLT_EN10MB) {
		if (len < 14)
			return 0;
		uint16_t t = (uint16_t)(f[12] << 8 | f[13]);
		return htons(t >= 0x0600 ? t : ETH_P_802_3);
	}
	if (len == 0)
		return 0;
	return htons((f[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP);
}

/* Frames that fit go into one sendmmsg(); a frame larger than MTU + link
 * header, or shorter than the link header, is skipped (counted). */
int tr_capture_send(struct tr_sender *s, const struct tr_send_frame *f, unsigned n)
{
	struct mmsghdr mm[TR_SEND_MAX_BATCH];
	struct iovec iov[TR_SEND_MAX_BATCH];
	struct sockaddr_ll sa[TR_SEND_MAX_BATCH];
	unsigned k = 0, done = 0;

	if (n > TR_SEND_MAX_BATCH)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (f[i].len > s->max_frame || f[i].len < s->l2_len || f[i].len == 0) {
			s->st.skipped++;
			continue;
		}
		memset(&sa[k], 0, sizeof(sa[k]));
		sa[k].sll_family = AF_PACKET;
		sa[k].sll_ifindex = s->ifindex;
		sa[k].sll_protocol = frame_proto(s, f[i].data, f[i].len);
		iov[k].iov_base = (void *)(uintptr_t)f[i].data;
		iov[k].iov_len = f[i].len;
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_name = &sa[k];
		mm[k].msg_hdr.msg_namelen = sizeof(sa[k]);
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
		k++;
	}
	unsigned tries = 0;
	while (done < k) {
		int r = sendmmsg(s->fd, mm + done, k - done, 0);
		if (r > 0) {
			done += (unsigned)r;
			s->st.sent += (unsigned)r;
			tries = 0;
			continue;
		}
		int e = r < 0 ? errno : EAGAIN;
		if (e == EINTR)
			continue;           /* the caller checks its stop flag per batch */
		if ((e == ENOBUFS || e == EAGAIN) && tries++ < 100) {
			/* device or socket buffer full: wait for room (50 us) */
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
			continue;
		}
		/* this frame cannot go: count it and go on with the rest */
		s->st.failed++;
		s->st.last_error = -e;
		done++;
		tries = 0;
	}
	return (int)done;
}

void tr_sender_stats(const struct tr_sender *s, struct tr_send_stats *st)
{
	*st = s->st;
}

void tr_sender_close(struct tr_sender *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
