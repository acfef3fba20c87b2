/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/cmd_tap.c: `tapring tap create|destroy|list`. Uses only the public
 * <tapring/tap.h> API. Every argument is validated before anything is
 * created, and a create that fails part-way deletes what it made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <tapring/addr.h>
#include <tapring/engine.h>   /* tr_tap_vnet_setup, tr_tap_set_offloads */
#include <tapring/tap.h>

#include "cmds.h"

#define TAP_MAX_ADDRS 16

static int tap_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int tap_err(const char *fmt, ...)
{
	va_list ap;
	fputs("tapring tap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void tap_usage(FILE *f)
{
	fprintf(f,
		"usage: tapring tap create NAME [--tun] [--queues N] [--vnet-hdr [--offloads]] [--excl]\n"
		"                          [--owner UID] [--group GID] [--mtu N] [--mac MAC]\n"
		"                          [--addr CIDR]... [--peer ADDR]... [--netns NS] [--up]\n"
		"       tapring tap destroy NAME [--netns NS]\n"
		"       tapring tap list [--netns NS]\n"
		"\n"
		"create makes a persistent TAP (or TUN) device; NAME may be a template such as\n"
		"tr%%d, and the name the kernel chose is printed. --queues N > 1 makes a\n"
		"multiqueue device. --addr takes ADDR/PREFIX (IPv4 or IPv6, repeatable);\n"
		"--peer ADDR makes the addresses of its family point-to-point. With --netns\n"
		"the device is moved into that namespace (a name under /run/netns or a path)\n"
		"and configured there. --offloads (with --vnet-hdr) sets the 12-byte virtio-net\n"
		"header and TUNSETOFFLOAD (checksum, TSO, USO; what the kernel refuses is left\n"
		"out, one feature at a time) and reports the result on stderr.\n"
		"Needs CAP_NET_ADMIN.\n");
}

/* ---- small parsers -------------------------------------------------------- */

/* Decimal unsigned in [lo, hi]; the whole string must be a number. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	/* digits only (strtoul would skip white space, then take a sign) */
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* An IPv4 or IPv6 address in the codecs' text forms (<tapring/addr.h>):
 * returns AF_INET (address in out[0..3], the rest zero) or AF_INET6, or -1. */
static int parse_ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (tr_addr_ipv4_parse(s, out) == 0)
		return AF_INET;
	if (tr_addr_ipv6_parse(s, out) == 0)
		return AF_INET6;
	return -1;
}

/* "02:00:00:aa:bb:cc" (':' or '-' separators, two hex digits each);
 * must be a unicast, non-zero address. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	static const uint8_t zero[6];
	if (tr_addr_mac_parse(s, mac) != 0)
		return -1;
	if (mac[0] & 1)
		return -1;                       /* multicast/broadcast */
	return memcmp(mac, zero, 6) ? 0 : -1;
}

/* "ADDR[/PREFIX]" for IPv4 or IPv6; no prefix means a host address. */
static int parse_cidr(const char *s, struct tr_tap_addr *a)
{
	char buf[TR_IPV6_STRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(a, 0, sizeof(*a));
	a->family = parse_ip(buf, a->local);
	if (a->family < 0)
		return -1;
	unsigned long max = a->family == AF_INET ? 32 : 128;
	if (!slash)
		plen = max;
	else if (parse_uint(slash + 1, 0, max, &plen) != 0)
		return -1;
	a->prefix_len = (uint8_t)plen;
	return 0;
}

/* Same character rules as the kernel's dev_valid_name(). */
static int valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ')
			return 0;
	return 1;
}

/* A numeric id, else a user (group = 0) or group name from the system
 * databases. */
static int parse_id(const char *s, int group, int64_t *out)
{
	unsigned long v;
	if (parse_uint(s, 0, UINT32_MAX - 1, &v) == 0) {
		*out = (int64_t)v;
		return 0;
	}
	if (group) {
		struct group *gr = getgrnam(s);
		if (!gr)
			return -1;
		*out = gr->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);
		if (!pw)
			return -1;
		*out = pw->pw_uid;
	}
	return 0;
}

/* A namespace name has no '/' (then /run/netns/NAME) or is a path. */
static int netns_exists(const char *ns)
{
	char path[PATH_MAX];
	if (!*ns || !strcmp(ns, ".") || !strcmp(ns, ".."))
		return 0;
	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

/* ---- create ------------------------------------------------------------------ */

struct create_args {
	const char *name;
	const char *netns;
	struct tr_tap_config cfg;
	long mtu;                 /* -1: keep */
	int have_mac, up, offloads;
	uint8_t mac[6];
	struct tr_tap_addr addrs[TAP_MAX_ADDRS];
	unsigned naddrs;
	int have_peer4, have_peer6;
	uint8_t peer4[16], peer6[16];
};

/* Needs a value: "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, int *bad)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];
	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		tap_err("option %s needs a value", opt);
		*bad = 1;
		return NULL;
	}
	return argv[++*i];
}

static int parse_create(int argc, char **argv, struct create_args *c)
{
	struct tr_tap_config init = TR_TAP_CONFIG_INIT;
	memset(c, 0, sizeof(*c));
	c->cfg = init;
	c->mtu = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int bad = 0;
		unsigned long n;

		if (a[0] != '-' || !strcmp(a, "-")) {
			if (c->name)
				return tap_err("unexpected argument '%s' (one NAME only)", a);
			c->name = a;
		} else if (!strcmp(a, "--tun")) {
			c->cfg.flags |= TR_TAP_TUN;
		} else if (!strcmp(a, "--vnet-hdr")) {
			c->cfg.flags |= TR_TAP_VNET_HDR;
		} else if (!strcmp(a, "--offloads")) {
			c->offloads = 1;
		} else if (!strcmp(a, "--excl")) {
			c->cfg.flags |= TR_TAP_EXCL;
		} else if (!strcmp(a, "--up")) {
			c->up = 1;
		} else if ((v = opt_value(argc, argv, &i, "--queues", &bad))) {
			if (parse_uint(v, 1, TR_TAP_MAX_QUEUES, &n))
				return tap_err("--queues must be 1..%d, got '%s'", TR_TAP_MAX_QUEUES, v);
			c->cfg.queues = (unsigned)n;
			if (n > 1)
				c->cfg.flags |= TR_TAP_MULTI_QUEUE;
		} else if ((v = opt_value(argc, argv, &i, "--owner", &bad))) {
			if (parse_id(v, 0, &c->cfg.owner))
				return tap_err("--owner: unknown user '%s'", v);
		} else if ((v = opt_value(argc, argv, &i, "--group", &bad))) {
			if (parse_id(v, 1, &c->cfg.group))
				return tap_err("--group: unknown group '%s'", v);
		} else if ((v = opt_value(argc, argv, &i, "--mtu", &bad))) {
			if (parse_uint(v, 68, 65535, &n))
				return tap_err("--mtu must be 68..65535, got '%s'", v);
			c->mtu = (long)n;
		} else if ((v = opt_value(argc, argv, &i, "--mac", &bad))) {
			if (parse_mac(v, c->mac))
				return tap_err("--mac: '%s' is not a unicast MAC like 02:00:00:00:00:01", v);
			c->have_mac = 1;
		} else if ((v = opt_value(argc, argv, &i, "--addr", &bad))) {
			if (c->naddrs >= TAP_MAX_ADDRS)
				return tap_err("at most %d --addr options", TAP_MAX_ADDRS);
			if (parse_cidr(v, &c->addrs[c->naddrs]))
				return tap_err("--addr: '%s' is not ADDR/PREFIX (IPv4 or IPv6)", v);
			c->naddrs++;
		} else if ((v = opt_value(argc, argv, &i, "--peer", &bad))) {
			uint8_t tmp[16];
			int fam = parse_ip(v, tmp);
			if (fam == AF_INET) {
				if (c->have_peer4)
					return tap_err("--peer: only one IPv4 peer");
				memcpy(c->peer4, tmp, 16);
				c->have_peer4 = 1;
			} else if (fam == AF_INET6) {
				if (c->have_peer6)
					return tap_err("--peer: only one IPv6 peer");
				memcpy(c->peer6, tmp, 16);
				c->have_peer6 = 1;
			} else {
				return tap_err("--peer: '%s' is not an IPv4 or IPv6 address", v);
			}
		} else if ((v = opt_value(argc, argv, &i, "--netns", &bad))) {
			c->netns = v;
		} else {
			if (bad)
				return 1;
			return tap_err("unknown option '%s' (try tapring tap --help)", a);
		}
		if (bad)
			return 1;
	}

	if (!c->name)
		return tap_err("create needs a device NAME");
	if (strlen(c->name) >= IFNAMSIZ)
		return tap_err("name '%s' is too long (interface names are at most %d bytes)",
			       c->name, IFNAMSIZ - 1);
	if (!valid_ifname(c->name))
		return tap_err("'%s' is not a valid interface name", c->name);
	if (c->offloads && !(c->cfg.flags & TR_TAP_VNET_HDR))
		return tap_err("--offloads needs --vnet-hdr");
	if (c->have_mac && (c->cfg.flags & TR_TAP_TUN))
		return tap_err("--mac: a TUN device has no MAC address");
	if (c->netns && !netns_exists(c->netns))
		return tap_err("network namespace '%s' does not exist", c->netns);
	for (unsigned k = 0; k < c->naddrs; k++) {
		struct tr_tap_addr *ad = &c->addrs[k];
		if (ad->family == AF_INET && c->have_peer4) {
			ad->has_peer = true;
			memcpy(ad->peer, c->peer4, 4);
		} else if (ad->family == AF_INET6 && c->have_peer6) {
			ad->has_peer = true;
			memcpy(ad->peer, c->peer6, 16);
		}
	}
	int has4 = 0, has6 = 0;
	for (unsigned k = 0; k < c->naddrs; k++) {
		has4 |= c->addrs[k].family == AF_INET;
		has6 |= c->addrs[k].family == AF_INET6;
	}
	if ((c->have_peer4 && !has4) || (c->have_peer6 && !has6))
		return tap_err("--peer needs an --addr of the same family");
	/* IPv6 needs an MTU of at least 1280 (RFC 8200) */
	if (has6 && c->mtu >= 0 && c->mtu < 1280)
		return tap_err("--mtu %ld is below 1280, too small for an IPv6 --addr", c->mtu);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct create_args c;
	struct tr_tap_link_info li;
	int err, rc;
	const char *step;

	if (parse_create(argc, argv, &c))
		return 1;

	/* Never adopt or roll back somebody else's device: an existing name
	 * is an error here (TUNSETIFF would attach to it). */
	if (!strchr(c.name, '%')) {
		rc = tr_tap_link_get(NULL, c.name, &li);
		if (rc == 0)
			return tap_err("device '%s' already exists", c.name);
		if (rc != -ENODEV)
			return tap_err("%s: %s", c.name, tr_tap_strerror(rc));
		if (c.netns && (rc = tr_tap_link_get(c.netns, c.name, &li)) != -ENODEV)
			return rc == 0 ? tap_err("device '%s' already exists in namespace '%s'", c.name, c.netns)
				       : tap_err("namespace '%s': %s", c.netns, tr_tap_strerror(rc));
	}

	c.cfg.name = c.name;
	c.cfg.flags |= TR_TAP_PERSIST | TR_TAP_EXCL;
	struct tr_tap *tap = tr_tap_create(&c.cfg, &err);
	if (!tap)
		return tap_err("create %s: %s", c.name, tr_tap_strerror(err));

	rc = 0;
	step = "";
	unsigned on = 0;
	if (c.offloads && ((rc = tr_tap_vnet_setup(tr_tap_fd(tap, 0))) != 0 ||
			   (rc = tr_tap_set_offloads(tr_tap_fd(tap, 0), TR_OFFLOAD_ALL, 0, &on)) != 0))
		step = "set offloads";
	if (!rc && c.netns && (rc = tr_tap_move_netns(tap, c.netns)) != 0)
		step = "move to namespace";
	if (!rc && c.mtu >= 0 && (rc = tr_tap_set_mtu(tap, (unsigned)c.mtu)) != 0)
		step = "set mtu";
	if (!rc && c.have_mac && (rc = tr_tap_set_mac(tap, c.mac)) != 0)
		step = "set mac";
	for (unsigned k = 0; !rc && k < c.naddrs; k++)
		if ((rc = tr_tap_addr_add(tap, &c.addrs[k])) != 0)
			step = "add address";
	if (!rc && c.up && (rc = tr_tap_set_up(tap, true)) != 0)
		step = "set up";
	if (rc) {
		char nm[TR_TAP_NAME_MAX];
		snprintf(nm, sizeof(nm), "%s", tr_tap_name(tap));
		/* roll back: remove the device wherever it now lives */
		tr_tap_destroy(tap, TR_TAP_DESTROY_DELETE);
		return tap_err("%s: %s: %s (device removed)", nm, step, tr_tap_strerror(rc));
	}
	printf("%s\n", tr_tap_name(tap));
	if (c.offloads) {
		static const char *const nm[] = { "csum", "tso4", "tso6", "tso_ecn", "", "uso4", "uso6" };
		fprintf(stderr, "tapring tap: offloads on %s:", tr_tap_name(tap));
		for (unsigned i = 0; i < 7; i++)
			if (on & (1u << i))
				fprintf(stderr, " %s", nm[i]);
		fputs(on ? "\n" : " none (vnet header only)\n", stderr);
	}
	tr_tap_destroy(tap, TR_TAP_DESTROY_KEEP);
	return 0;
}

/* ---- destroy / list ------------------------------------------------------------ */

static int parse_netns_only(int argc, char **argv, const char **name, const char **netns,
			    int want_name)
{
	*name = NULL;
	*netns = NULL;
	for (int i = 1; i < argc; i++) {
		int bad = 0;
		const char *v;
		if (argv[i][0] != '-') {
			if (!want_name || *name)
				return tap_err("unexpected argument '%s'", argv[i]);
			*name = argv[i];
		} else if ((v = opt_value(argc, argv, &i, "--netns", &bad))) {
			*netns = v;
		} else {
			return bad ? 1 : tap_err("unknown option '%s' (try tapring tap --help)", argv[i]);
		}
	}
	if (want_name && !*name)
		return tap_err("%s needs a device NAME", argv[0]);
	if (*name && strlen(*name) >= IFNAMSIZ)
		return tap_err("name '%s' is too long (interface names are at most %d bytes)",
			       *name, IFNAMSIZ - 1);
	if (*name && !valid_ifname(*name))
		return tap_err("'%s' is not a valid interface name", *name);
	if (*netns && !netns_exists(*netns))
		return tap_err("network namespace '%s' does not exist", *netns);
	return 0;
}

static int cmd_destroy(int argc, char **argv)
{
	const char *name, *netns;
	struct tr_tap_link_info li;
	if (parse_netns_only(argc, argv, &name, &netns, 1))
		return 1;
	int rc = tr_tap_link_get(netns, name, &li);
	if (rc == -ENODEV)
		return tap_err("no device '%s'", name);
	if (rc)
		return tap_err("%s: %s", name, tr_tap_strerror(rc));
	if (!li.is_tun)
		return tap_err("'%s' is not a TUN/TAP device; not removing it", name);
	rc = tr_tap_link_delete(netns, name);
	if (rc)
		return tap_err("destroy %s: %s", name, tr_tap_strerror(rc));
	return 0;
}

static void print_id(const char *label, int64_t id)
{
	if (id == TR_TAP_ID_NONE)
		printf(" %s=-", label);
	else
		printf(" %s=%lld", label, (long long)id);
}

static int cmd_list(int argc, char **argv)
{
	const char *name, *netns;
	static struct tr_tap_link_info links[1024];
	if (parse_netns_only(argc, argv, &name, &netns, 0))
		return 1;
	int n = tr_tap_link_list(netns, links, 1024);
	if (n < 0)
		return tap_err("list: %s", tr_tap_strerror(n));
	if (n > 1024)
		n = 1024;
	for (int i = 0; i < n; i++) {
		const struct tr_tap_link_info *l = &links[i];
		uint32_t f = l->tun_flags;
		printf("%s %s flags=%s%s%s%s", l->name, (f & TR_TAP_TUN) ? "tun" : "tap",
		       (f & TR_TAP_PI) ? "pi" : "no_pi",
		       (f & TR_TAP_VNET_HDR) ? ",vnet_hdr" : "",
		       (f & TR_TAP_MULTI_QUEUE) ? ",multi_queue" : "",
		       (f & TR_TAP_PERSIST) ? ",persist" : "");
		if (f & TR_TAP_MULTI_QUEUE)
			printf(" attached_queues=%u", l->queues);
		print_id("owner", l->owner);
		print_id("group", l->group);
		printf(" mtu=%u %s", l->mtu, (l->ifflags & IFF_UP) ? "up" : "down");
		if (l->mac_len == 6)
			printf(" mac=%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
			       l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
		struct tr_tap_addr addrs[32];
		int na = tr_tap_link_addr_list(netns, l->name, addrs, 32);
		for (int k = 0; k < na && k < 32; k++) {
			char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
			inet_ntop(addrs[k].family, addrs[k].local, a, sizeof(a));
			if (addrs[k].has_peer) {
				inet_ntop(addrs[k].family, addrs[k].peer, p, sizeof(p));
				printf(" addr=%s peer=%s/%u", a, p, addrs[k].prefix_len);
			} else {
				printf(" addr=%s/%u", a, addrs[k].prefix_len);
			}
		}
		printf("\n");
	}
	return 0;
}

int tool_cmd_tap(int argc, char **argv)
{
	if (argc < 2) {
		tap_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		tap_usage(stdout);
		return 0;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			tap_usage(stdout);
			return 0;
		}
	if (!strcmp(sub, "create"))
		return cmd_create(argc - 1, argv + 1);
	if (!strcmp(sub, "destroy"))
		return cmd_destroy(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return cmd_list(argc - 1, argv + 1);
	return tap_err("unknown subcommand '%s' (create, destroy, list)", sub);
}
