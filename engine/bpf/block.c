/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel-side blocklist: loads block.bpf.c (embedded as a skeleton),
 * attaches it with TUNSETFILTEREBPF, pins its maps for `tapring block`, and
 * reads and changes the rules in those maps (block_maps.h has the layout).
 *
 * A rule change is one bpf_map_update_elem/delete_elem: the kernel swaps
 * the element under RCU, so the next frame the driver filters sees the new
 * rule set and frames in flight are never lost to the change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_tun.h>
#include <linux/magic.h>

#include <tapring/addr.h>
#include <tapring/ebpf.h>

#include "block_maps.h"
#include "ebpf_pvt.h"
#include "block.skel.h"

_Static_assert(TR_BLOCK_SRC4 == TR_BLK_SRC4 && TR_BLOCK_SRC6 == TR_BLK_SRC6 &&
	       TR_BLOCK_UDP == TR_BLK_UDP && TR_BLOCK_TCP == TR_BLK_TCP &&
	       TR_BLOCK_NKINDS == TR_BLK_NKINDS, "block kinds match the map slots");

#define BPFFS "/sys/fs/bpf"
#define PIN_ROOT BPFFS "/tapring"

enum { M_SRC4, M_SRC6, M_PORT, M_STATS, M_USED, M_N };
static const char *const map_names[M_N] = { "block_src4", "block_src6", "block_port", "block_stats",
					     "block_used" };
_Static_assert(M_SRC4 == TR_BLK_USED_SRC4 && M_SRC6 == TR_BLK_USED_SRC6 && M_PORT == TR_BLK_USED_PORT,
	       "a rule map's index is its block_used slot");

struct tr_block {
	struct tr_block_bpf *skel;   /* attached: the loaded object; opened: NULL */
	int fd[M_N];                 /* map fds (owned only when opened) */
	char pin_dir[PATH_MAX];      /* non-empty while pinned by us */
	int pin_dirfd;               /* pin_dir, opened while pinning: unlinkat works
	                              * after a drop of root, without search
	                              * permission on /sys/fs/bpf */
};

/* ---- rules --------------------------------------------------------------- */

const char *tr_block_kind_name(enum tr_block_kind kind)
{
	switch (kind) {
	case TR_BLOCK_SRC4: return "src4";
	case TR_BLOCK_SRC6: return "src6";
	case TR_BLOCK_UDP: return "udp";
	case TR_BLOCK_TCP: return "tcp";
	default: return "?";
	}
}

static int parse_dec(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int tr_block_rule_parse(const char *text, struct tr_block_rule *r, char *msg, size_t msglen)
{
	char buf[64];
	const char *slash;
	unsigned long v;
	size_t alen;

	memset(r, 0, sizeof(*r));
	if (!text || !*text) {
		tr__ebpf_msg(msg, msglen, "empty rule (expected a CIDR, udp/PORT or tcp/PORT)");
		return -EINVAL;
	}
	if (!strncmp(text, "udp/", 4) || !strncmp(text, "tcp/", 4)) {
		if (parse_dec(text + 4, 65535, &v) || v == 0) {
			tr__ebpf_msg(msg, msglen, "bad rule '%s': the port must be 1..65535", text);
			return -EINVAL;
		}
		r->kind = text[0] == 'u' ? TR_BLOCK_UDP : TR_BLOCK_TCP;
		r->port = (uint16_t)v;
		return 0;
	}
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf)) {
		tr__ebpf_msg(msg, msglen, "bad rule '%s' (expected a CIDR such as 10.77.0.128/25 or "
			     "fd77::/64, or udp/PORT or tcp/PORT)", text);
		return -EINVAL;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (tr_addr_ipv4_parse(buf, r->addr) == 0) {
		r->kind = TR_BLOCK_SRC4;
		r->prefix = 32;
	} else if (tr_addr_ipv6_parse(buf, r->addr) == 0) {
		r->kind = TR_BLOCK_SRC6;
		r->prefix = 128;
	} else {
		tr__ebpf_msg(msg, msglen, "bad rule '%s': '%s' is not an IPv4 or IPv6 address "
			     "(expected a CIDR, udp/PORT or tcp/PORT)", text, buf);
		return -EINVAL;
	}
	if (slash) {
		unsigned long max = r->kind == TR_BLOCK_SRC4 ? 32 : 128;

		if (parse_dec(slash + 1, max, &v)) {
			tr__ebpf_msg(msg, msglen, "bad rule '%s': the prefix length must be 0..%lu",
				     text, max);
			return -EINVAL;
		}
		r->prefix = (uint8_t)v;
	}
	/* clear host bits, as the LPM trie ignores them anyway */
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;

		if (bit >= r->prefix)
			r->addr[i] = 0;
		else if (r->prefix - bit < 8)
			r->addr[i] &= (uint8_t)(0xff00u >> (r->prefix - bit));
	}
	return 0;
}

int tr_block_rule_format(const struct tr_block_rule *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (r->kind) {
	case TR_BLOCK_UDP:
	case TR_BLOCK_TCP:
		return snprintf(buf, len, "%s/%u", r->kind == TR_BLOCK_UDP ? "udp" : "tcp", r->port);
	case TR_BLOCK_SRC4:
	case TR_BLOCK_SRC6:
		if (!inet_ntop(r->kind == TR_BLOCK_SRC4 ? AF_INET : AF_INET6, r->addr, a, sizeof(a)))
			return snprintf(buf, len, "?");
		return snprintf(buf, len, "%s/%u", a, r->prefix);
	default:
		return snprintf(buf, len, "?");
	}
}

/* ---- pins ---------------------------------------------------------------- */

/* The bpf filesystem at /sys/fs/bpf, mounted if nothing is there. */
static int ensure_bpffs(char *msg, size_t msglen)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700") == 0)
		return 0;
	int e = errno;
	if (e == EPERM || e == EACCES)
		tr__ebpf_msg(msg, msglen, "the bpf filesystem is not mounted at " BPFFS
			     " and mounting it needs CAP_SYS_ADMIN: run as root, or mount it "
			     "(mount -t bpf bpf " BPFFS ")");
	else
		tr__ebpf_msg(msg, msglen, "cannot mount the bpf filesystem at " BPFFS ": %s", strerror(e));
	return -e;
}

static int check_ifname(const char *ifname, char *msg, size_t msglen)
{
	if (!ifname || !*ifname || strlen(ifname) >= 16 || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, "..")) {
		tr__ebpf_msg(msg, msglen, "bad interface name '%s'", ifname ? ifname : "");
		return -EINVAL;
	}
	return 0;
}

static void unpin_all(struct tr_block *b)
{
	if (!b->pin_dir[0])
		return;
	for (int m = 0; m < M_N; m++)
		(void)unlinkat(b->pin_dirfd, map_names[m], 0);
	(void)rmdir(b->pin_dir);   /* fails after a drop of root: stays, empty */
	close(b->pin_dirfd);
	b->pin_dirfd = -1;
	b->pin_dir[0] = '\0';
}

static int pin_all(struct tr_block *b, const char *ifname, char *msg, size_t msglen)
{
	char path[PATH_MAX + 32];
	int e;

	if ((e = check_ifname(ifname, msg, msglen)) != 0 || (e = ensure_bpffs(msg, msglen)) != 0)
		return e;
	if (mkdir(PIN_ROOT, 0755) != 0 && errno != EEXIST) {
		e = -errno;
		tr__ebpf_msg(msg, msglen, "blocklist: cannot create " PIN_ROOT ": %s", strerror(-e));
		return e;
	}
	snprintf(b->pin_dir, sizeof(b->pin_dir), PIN_ROOT "/%s", ifname);
	if (mkdir(b->pin_dir, 0700) != 0 && errno != EEXIST) {
		e = -errno;
		tr__ebpf_msg(msg, msglen, "blocklist: cannot create %s: %s", b->pin_dir, strerror(-e));
		b->pin_dir[0] = '\0';
		return e;
	}
	b->pin_dirfd = open(b->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->pin_dirfd < 0) {
		e = -errno;
		tr__ebpf_msg(msg, msglen, "blocklist: cannot open %s: %s", b->pin_dir, strerror(-e));
		b->pin_dir[0] = '\0';
		return e;
	}
	for (int m = 0; m < M_N; m++) {
		snprintf(path, sizeof(path), "%s/%s", b->pin_dir, map_names[m]);
		/* The TAP was created exclusively, so pins of this name belong to
		 * an engine that is gone (killed before it could unpin). */
		(void)unlink(path);
		if (bpf_obj_pin(b->fd[m], path) != 0) {
			e = -errno;
			tr__ebpf_msg(msg, msglen, "blocklist: cannot pin %s: %s", path, strerror(-e));
			unpin_all(b);
			return e;
		}
	}
	return 0;
}

int tr_block_pins_chown(struct tr_block *b, uid_t uid, gid_t gid)
{
	if (!b)
		return -EINVAL;
	if (!b->pin_dir[0])
		return 0;
	for (int m = 0; m < M_N; m++)
		if (fchownat(b->pin_dirfd, map_names[m], uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
			return -errno;
	if (fchown(b->pin_dirfd, uid, gid) != 0)
		return -errno;
	return 0;
}

/* ---- attach / open / close ---------------------------------------------- */

struct tr_block *tr_block_attach(int tap_fd, const char *ifname, char *msg, size_t msglen, int *err)
{
	struct tr_block *b;
	char why[300];
	int e;

	b = tr__ebpf_attach_alloc(tap_fd, sizeof(*b), "blocklist", msg, msglen, err);
	if (!b)
		return NULL;
	b->skel = tr_block_bpf__open();
	if (!b->skel) {
		e = -errno;
		tr__ebpf_msg(msg, msglen, "blocklist: cannot open the embedded eBPF object: %s",
			     strerror(-e));
		goto fail;
	}
	e = tr__ebpf_skel_load(b->skel->skeleton, b->skel->progs.tr_block, "blocklist", msg, msglen);
	if (e)
		goto fail;
	b->fd[M_SRC4] = bpf_map__fd(b->skel->maps.block_src4);
	b->fd[M_SRC6] = bpf_map__fd(b->skel->maps.block_src6);
	b->fd[M_PORT] = bpf_map__fd(b->skel->maps.block_port);
	b->fd[M_STATS] = bpf_map__fd(b->skel->maps.block_stats);
	b->fd[M_USED] = bpf_map__fd(b->skel->maps.block_used);
	if (ifname && (e = pin_all(b, ifname, msg, msglen)) != 0)
		goto fail;
	e = tr__ebpf_tun_set(tap_fd, TUNSETFILTEREBPF, "TUNSETFILTEREBPF",
			     bpf_program__fd(b->skel->progs.tr_block), why, sizeof(why));
	if (e) {
		tr__ebpf_msg(msg, msglen, "blocklist: %s", why);
		unpin_all(b);
		goto fail;
	}
	*err = 0;
	return b;
fail:
	tr_block_bpf__destroy(b->skel);
	free(b);
	*err = e;
	return NULL;
}

struct tr_block *tr_block_open(const char *ifname, char *msg, size_t msglen, int *err)
{
	char path[PATH_MAX];
	struct tr_block *b;
	int e;

	if ((e = check_ifname(ifname, msg, msglen)) != 0) {
		*err = e;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		*err = -ENOMEM;
		tr__ebpf_msg(msg, msglen, "out of memory");
		return NULL;
	}
	for (int m = 0; m < M_N; m++)
		b->fd[m] = -1;
	for (int m = 0; m < M_N; m++) {
		struct bpf_map_info info;
		__u32 ilen = sizeof(info);
		static const __u32 key_size[M_N] = {
			sizeof(struct tr_blk_src4_key), sizeof(struct tr_blk_src6_key),
			sizeof(struct tr_blk_port_key), sizeof(__u32), sizeof(__u32),
		};

		snprintf(path, sizeof(path), PIN_ROOT "/%s/%s", ifname, map_names[m]);
		b->fd[m] = bpf_obj_get(path);
		if (b->fd[m] < 0) {
			e = -errno;
			if (e == -ENOENT)
				tr__ebpf_msg(msg, msglen, "no running tapring engine has a blocklist on tap "
					     "'%s' (nothing pinned at " PIN_ROOT "/%s)", ifname, ifname);
			else if (e == -EPERM || e == -EACCES)
				tr__ebpf_msg(msg, msglen, "opening %s needs CAP_BPF (or root)", path);
			else
				tr__ebpf_msg(msg, msglen, "cannot open %s: %s", path, strerror(-e));
			goto fail;
		}
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(b->fd[m], &info, &ilen) != 0 || info.key_size != key_size[m]) {
			e = -EPROTO;
			tr__ebpf_msg(msg, msglen, "%s is not a tapring blocklist map", path);
			goto fail;
		}
	}
	*err = 0;
	return b;
fail:
	for (int m = 0; m < M_N; m++)
		if (b->fd[m] >= 0)
			close(b->fd[m]);
	free(b);
	*err = e;
	return NULL;
}

void tr_block_close(struct tr_block *b, int tap_fd)
{
	if (!b)
		return;
	if (b->skel) {
		if (tap_fd >= 0)
			(void)tr__ebpf_tun_set(tap_fd, TUNSETFILTEREBPF, "TUNSETFILTEREBPF", -1, NULL, 0);
		unpin_all(b);
		tr_block_bpf__destroy(b->skel);   /* closes the map fds */
	} else {
		for (int m = 0; m < M_N; m++)
			if (b->fd[m] >= 0)
				close(b->fd[m]);
	}
	free(b);
}

/* ---- rules in the maps --------------------------------------------------- */

union rule_key {
	struct tr_blk_src4_key k4;
	struct tr_blk_src6_key k6;
	struct tr_blk_port_key kp;
};

/* The map and key for a rule; -EINVAL for a rule no parser would make. */
static int rule_key(const struct tr_block_rule *r, union rule_key *k)
{
	memset(k, 0, sizeof(*k));
	switch (r->kind) {
	case TR_BLOCK_SRC4:
		if (r->prefix > 32)
			return -EINVAL;
		k->k4.prefixlen = r->prefix;
		memcpy(k->k4.addr, r->addr, 4);
		return M_SRC4;
	case TR_BLOCK_SRC6:
		if (r->prefix > 128)
			return -EINVAL;
		k->k6.prefixlen = r->prefix;
		memcpy(k->k6.addr, r->addr, 16);
		return M_SRC6;
	case TR_BLOCK_UDP:
	case TR_BLOCK_TCP:
		if (r->port == 0)
			return -EINVAL;
		k->kp.proto = r->kind == TR_BLOCK_UDP ? 17 : 6;
		k->kp.port = r->port;
		return M_PORT;
	default:
		return -EINVAL;
	}
}

/* block_used slot m := v (block_maps.h: the protocol). */
static int set_used(struct tr_block *b, int m, __u32 v)
{
	__u32 slot = (__u32)m;

	return bpf_map_update_elem(b->fd[M_USED], &slot, &v, BPF_ANY) != 0 ? -errno : 0;
}

/* 1 if rule map m holds no rule, 0 if it holds one, -errno. */
static int map_empty(struct tr_block *b, int m)
{
	union rule_key k;

	if (bpf_map_get_next_key(b->fd[m], NULL, &k) == 0)
		return 0;
	return errno == ENOENT ? 1 : -errno;
}

int tr_block_add(struct tr_block *b, const struct tr_block_rule *r)
{
	union rule_key k;
	__u8 one = 1;
	int m = rule_key(r, &k);

	if (!b || m < 0)
		return -EINVAL;
	if (bpf_map_update_elem(b->fd[m], &k, &one, BPF_ANY) != 0)
		return errno == E2BIG || errno == ENOMEM ? -ENOSPC : -errno;
	return set_used(b, m, 1);   /* after the insert: see block_maps.h */
}

int tr_block_del(struct tr_block *b, const struct tr_block_rule *r)
{
	union rule_key k;
	int m = rule_key(r, &k), e;

	if (!b || m < 0)
		return -EINVAL;
	if (bpf_map_delete_elem(b->fd[m], &k) != 0)
		return -errno;
	if ((e = map_empty(b, m)) != 1)
		return e;
	/* Clear, then look again: an add that inserted before this second
	 * look is seen here; one that inserts after it sets the slot itself. */
	if ((e = set_used(b, m, 0)) != 0)
		return e;
	if ((e = map_empty(b, m)) == 0)
		e = set_used(b, m, 1);
	return e < 0 ? e : 0;
}

int tr_block_list(struct tr_block *b, struct tr_block_rule *out, unsigned max)
{
	static const size_t ksz[3] = { sizeof(struct tr_blk_src4_key), sizeof(struct tr_blk_src6_key),
				       sizeof(struct tr_blk_port_key) };
	unsigned n = 0;

	if (!b)
		return -EINVAL;
	for (int m = M_SRC4; m <= M_PORT; m++) {
		union rule_key cur, next;
		bool first = true;
		unsigned guard = 0;

		for (;;) {
			if (bpf_map_get_next_key(b->fd[m], first ? NULL : &cur, &next) != 0) {
				if (errno == ENOENT)
					break;
				return -errno;
			}
			first = false;
			memcpy(&cur, &next, ksz[m]);
			if (++guard > 2 * TR_BLK_MAX_PREFIXES)
				return -EIO;    /* a map that never ends: not ours */
			if (n < max) {
				struct tr_block_rule *r = &out[n];

				memset(r, 0, sizeof(*r));
				if (m == M_SRC4) {
					r->kind = TR_BLOCK_SRC4;
					r->prefix = (uint8_t)cur.k4.prefixlen;
					memcpy(r->addr, cur.k4.addr, 4);
				} else if (m == M_SRC6) {
					r->kind = TR_BLOCK_SRC6;
					r->prefix = (uint8_t)cur.k6.prefixlen;
					memcpy(r->addr, cur.k6.addr, 16);
				} else {
					r->kind = cur.kp.proto == 17 ? TR_BLOCK_UDP : TR_BLOCK_TCP;
					r->port = cur.kp.port;
				}
			}
			n++;
		}
	}
	return (int)n;
}

int tr_block_stats(struct tr_block *b, uint64_t counts[TR_BLOCK_NKINDS])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v;

	if (!b)
		return -EINVAL;
	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EIO;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (__u32 k = 0; k < TR_BLOCK_NKINDS; k++) {
		counts[k] = 0;
		if (bpf_map_lookup_elem(b->fd[M_STATS], &k, v) != 0) {
			int e = -errno;
			free(v);
			return e;
		}
		for (int c = 0; c < ncpu; c++)
			counts[k] += v[c];
	}
	free(v);
	return 0;
}
