/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TUN/TAP control: create devices, their queue fds, and configure the link
 * (MTU, MAC, up/down, IPv4/IPv6 addresses, network namespace) through
 * rtnetlink. No shelling out, no ioctl on AF_INET sockets.
 *
 * Error shapes (STYLE.md rule 9): constructors return a pointer or NULL and
 * set *err to a negative errno; every other call returns 0 or -errno (list
 * calls return a count or -errno). tr_tap_strerror() turns an error into one
 * clear line for a CLI.
 *
 * Every fd this module opens is O_CLOEXEC and no error path leaks one.
 *
 * Network namespaces. The kernel side of a device can be moved into another
 * namespace with tr_tap_move_netns(); the queue fds keep working. A handle
 * remembers the namespace its device lives in, so tr_tap_set_mtu() and the
 * other link calls on a handle always talk to the right namespace. The
 * tr_tap_link_*() calls name a device by (netns, ifname) instead, for devices
 * this process did not create (the CLI's destroy and list). How a call
 * reaches another namespace: it temporarily switches the *calling thread*
 * into the target namespace with setns(2), opens its rtnetlink socket there
 * (a socket stays bound to the namespace it was created in) and switches the
 * thread back before doing anything else. Other threads are unaffected. This
 * needs CAP_SYS_ADMIN; a caller that cannot switch gets -EPERM.
 *
 * Concurrency: a handle is not thread-safe; call its control functions from
 * one thread at a time. The queue fds themselves may be used by any thread
 * (one queue per worker is the intended pattern).
 */
#ifndef TAPRING_TAP_H
#define TAPRING_TAP_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IFNAMSIZ: names are at most 15 bytes plus the terminator. */
#define TR_TAP_NAME_MAX 16
/* Kernel limit on queues of one multiqueue device (MAX_TAP_QUEUES). */
#define TR_TAP_MAX_QUEUES 256

/* Device flags (struct tr_tap_config.flags, tr_tap_flags()). */
enum {
	TR_TAP_TUN = 1u << 0,         /* L3 TUN instead of an Ethernet TAP */
	TR_TAP_PI = 1u << 1,          /* keep the 4-byte packet-info header
				       * (default: no_pi, frames are raw) */
	TR_TAP_VNET_HDR = 1u << 2,    /* virtio-net header before each frame */
	TR_TAP_EXCL = 1u << 3,        /* fail with -EBUSY if the name exists */
	TR_TAP_MULTI_QUEUE = 1u << 4, /* one fd per queue (required for
				       * queues > 1) */
	TR_TAP_ONE_QUEUE = 1u << 5,   /* accepted for tunctl compatibility;
				       * a no-op since Linux 3.8 */
	TR_TAP_PERSIST = 1u << 6,     /* device outlives its fds (TUNSETPERSIST) */
};

/* "unchanged" for owner and group */
#define TR_TAP_ID_NONE ((int64_t)-1)

struct tr_tap_config {
	/* Device name. NULL or "" lets the kernel choose ("tap%d" or
	 * "tun%d"); a name containing "%d" is a template. At most 15 bytes,
	 * else -ENAMETOOLONG. */
	const char *name;
	uint32_t flags;      /* TR_TAP_* */
	unsigned queues;     /* number of queue fds; 0 means 1. > 1 needs
			      * TR_TAP_MULTI_QUEUE, at most TR_TAP_MAX_QUEUES */
	int64_t owner;       /* uid (TUNSETOWNER) or TR_TAP_ID_NONE */
	int64_t group;       /* gid (TUNSETGROUP) or TR_TAP_ID_NONE */
};

/* A zeroed config with owner/group set to "unchanged". */
#define TR_TAP_CONFIG_INIT { .name = NULL, .flags = 0, .queues = 1, \
	.owner = TR_TAP_ID_NONE, .group = TR_TAP_ID_NONE }

struct tr_tap;

/*
 * Create (or attach to an existing persistent) TUN/TAP device and open its
 * queue fds. If TUNSETIFF fails with EBUSY (the name is still held, e.g. by
 * an exiting process's io_uring), retries for up to about one second.
 * On failure nothing is left behind: fds are closed and a device this call
 * created is gone. Errors: -EINVAL (bad flags/queue count), -ENAMETOOLONG,
 * -EPERM (needs CAP_NET_ADMIN), -EBUSY, -ENOENT (no /dev/net/tun)...
 */
TR_API struct tr_tap *tr_tap_create(const struct tr_tap_config *cfg, int *err);

/* tr_tap_destroy() modes */
enum {
	TR_TAP_DESTROY_DEFAULT = 0,  /* clear persist, close fds: the device goes */
	TR_TAP_DESTROY_KEEP = 1,     /* only close fds (a persistent device stays) */
	TR_TAP_DESTROY_DELETE = 2,   /* also delete the link via rtnetlink (in
				      * the namespace the device lives in) */
};

/* Release the handle (always freed, even on error). Returns 0, or the first
 * -errno seen while clearing persist / deleting. NULL is a no-op. */
TR_API int tr_tap_destroy(struct tr_tap *tap, int mode);

/* ---- getters (no syscalls) --------------------------------------------- */
TR_API const char *tr_tap_name(const struct tr_tap *tap);  /* kernel-assigned name */
TR_API uint32_t tr_tap_flags(const struct tr_tap *tap);    /* TR_TAP_* */
TR_API int tr_tap_ifindex(const struct tr_tap *tap);       /* in its namespace */
TR_API unsigned tr_tap_queue_count(const struct tr_tap *tap);
/* Queue q's fd, or -1 if q is out of range. Owned by the handle. */
TR_API int tr_tap_fd(const struct tr_tap *tap, unsigned q);
/* 1 if queue q is attached, 0 if detached, -EINVAL if out of range. */
TR_API int tr_tap_queue_attached(const struct tr_tap *tap, unsigned q);
/* fd of the namespace the device lives in (-1: the creator's own). */
TR_API int tr_tap_netns_fd(const struct tr_tap *tap);

/* ---- queue control (multiqueue devices; TUNSETQUEUE) -------------------- */
/* A detached queue gets no traffic steered to it; its fd stays open and the
 * device lives on even with every queue detached. Idempotent (detaching a
 * detached queue returns 0). -EOPNOTSUPP without TR_TAP_MULTI_QUEUE,
 * -EINVAL for q out of range. The property calls below need at least one
 * attached queue (-EBADFD otherwise). */
TR_API int tr_tap_queue_detach(struct tr_tap *tap, unsigned q);
TR_API int tr_tap_queue_attach(struct tr_tap *tap, unsigned q);

/* ---- device properties (ioctls on a queue fd) -------------------------- */
TR_API int tr_tap_set_persist(struct tr_tap *tap, bool persist);
/* uid/gid in 0..UINT32_MAX-1. The kernel has no way to clear an owner or
 * group once set (it rejects -1), so TR_TAP_ID_NONE gives -EINVAL. */
TR_API int tr_tap_set_owner(struct tr_tap *tap, int64_t uid);
TR_API int tr_tap_set_group(struct tr_tap *tap, int64_t gid);
TR_API int64_t tr_tap_owner(const struct tr_tap *tap);  /* last set, or TR_TAP_ID_NONE */
TR_API int64_t tr_tap_group(const struct tr_tap *tap);

/* ---- link state via rtnetlink, in the device's namespace ---------------- */

/* What RTM_GETLINK reports about one link. */
struct tr_tap_link_info {
	char name[TR_TAP_NAME_MAX];
	int ifindex;
	uint32_t ifflags;        /* IFF_UP, IFF_RUNNING, ... */
	unsigned mtu;
	uint8_t mac[6];
	uint8_t mac_len;         /* 6 for a TAP, 0 for a TUN */
	bool is_tun;             /* the link is a TUN/TAP device (kind "tun") */
	/* valid when is_tun (IFLA_TUN_* attributes): */
	uint32_t tun_flags;      /* TR_TAP_TUN/PI/VNET_HDR/MULTI_QUEUE/PERSIST */
	int64_t owner, group;    /* TR_TAP_ID_NONE if unset */
	unsigned queues;         /* attached queues (multi_queue only, else 0) */
	unsigned detached;       /* detached queues (multi_queue only, else 0) */
	/* device counters (IFLA_STATS64; zero if the kernel sent none). For a
	 * TAP, "rx" is what the engine wrote on its fds, "tx" what the kernel
	 * sent towards the engine. */
	struct {
		uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
		uint64_t rx_dropped, tx_dropped;
	} stats;
};

TR_API int tr_tap_get_link(const struct tr_tap *tap, struct tr_tap_link_info *out);
TR_API int tr_tap_set_mtu(struct tr_tap *tap, unsigned mtu);
TR_API int tr_tap_get_mtu(const struct tr_tap *tap, unsigned *mtu);
/* TAP only; a TUN has no link-layer address (-EOPNOTSUPP). */
TR_API int tr_tap_set_mac(struct tr_tap *tap, const uint8_t mac[6]);
TR_API int tr_tap_get_mac(const struct tr_tap *tap, uint8_t mac[6]);
TR_API int tr_tap_set_up(struct tr_tap *tap, bool up);
/* 1 if administratively up, 0 if down, or -errno. */
TR_API int tr_tap_is_up(const struct tr_tap *tap);

/*
 * An interface address. local is IFA_LOCAL (our address). A point-to-point
 * address also has a peer: it goes in IFA_ADDRESS, and prefix_len then
 * describes the peer's network. Without a peer IFA_ADDRESS == IFA_LOCAL.
 * IPv4 addresses use the first 4 bytes of local/peer.
 */
struct tr_tap_addr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t prefix_len;  /* <= 32 or <= 128 */
	bool has_peer;
	uint8_t local[16];
	uint8_t peer[16];
};

TR_API int tr_tap_addr_add(struct tr_tap *tap, const struct tr_tap_addr *a);
TR_API int tr_tap_addr_del(struct tr_tap *tap, const struct tr_tap_addr *a);
/* Fill up to max addresses of the device (both families, including IPv6
 * link-local ones); returns how many the device has (may exceed max) or
 * -errno. */
TR_API int tr_tap_addr_list(const struct tr_tap *tap, struct tr_tap_addr *out, size_t max);

/*
 * Move the device into another network namespace: netns is a name under
 * /run/netns ("ns1") or a path containing '/' ("/proc/123/ns/net"). The
 * queue fds keep working. The link goes down in the move (the kernel's
 * rule) and loses its addresses: configure MTU/addresses/up afterwards with
 * the calls above, which then run in the new namespace. The ifindex is
 * re-read in the new namespace.
 */
TR_API int tr_tap_move_netns(struct tr_tap *tap, const char *netns);
/* Same with an open namespace fd (dup'ed; the caller keeps its own). */
TR_API int tr_tap_move_netns_fd(struct tr_tap *tap, int nsfd);

/* ---- links by name (netns NULL: the calling thread's namespace) --------- */
TR_API int tr_tap_link_get(const char *netns, const char *ifname, struct tr_tap_link_info *out);
/* Every TUN/TAP link in the namespace: fills up to max, returns the total
 * count or -errno. */
TR_API int tr_tap_link_list(const char *netns, struct tr_tap_link_info *out, size_t max);
TR_API int tr_tap_link_addr_list(const char *netns, const char *ifname,
			  struct tr_tap_addr *out, size_t max);
/* RTM_DELLINK: removes a link (any kind: check tr_tap_link_info.is_tun
 * first if that matters), persistent or not; open fds on a removed TUN/TAP
 * then fail. */
TR_API int tr_tap_link_delete(const char *netns, const char *ifname);
/* The handle calls above, for a link named in a namespace. They work on
 * any kind of link (lo, veth...), not only TUN/TAP; each looks the name up
 * first (-ENODEV if absent). */
TR_API int tr_tap_link_set_mtu(const char *netns, const char *ifname, unsigned mtu);
TR_API int tr_tap_link_set_mac(const char *netns, const char *ifname, const uint8_t mac[6]);
TR_API int tr_tap_link_set_up(const char *netns, const char *ifname, bool up);
TR_API int tr_tap_link_addr_add(const char *netns, const char *ifname, const struct tr_tap_addr *a);
TR_API int tr_tap_link_addr_del(const char *netns, const char *ifname, const struct tr_tap_addr *a);

/* One clear line for an error (negative or positive errno), e.g. -EPERM
 * gives "needs CAP_NET_ADMIN (run as root)". Never NULL. */
TR_API const char *tr_tap_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_TAP_H */
