/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/privs.c: `--user USER[:GROUP]`, tcpdump -Z style, but complete: after
 * the drop no uid, gid or group of root is left, every capability set is
 * empty (ambient included) and no_new_privs forbids regaining any through
 * execve of a set-uid or file-capability binary.
 *
 * Why one thread: setresuid/setresgid/setgroups are process-wide in glibc
 * (it broadcasts them to every thread), but capset(2) and
 * PR_SET_NO_NEW_PRIVS act on the calling thread only. Dropping before any
 * other thread exists makes every later thread inherit the dropped state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "privs.h"

#define PERR(...) do { snprintf(err, errlen, __VA_ARGS__); } while (0)

static int parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out >= 0xffffffffUL ? -1 : 0;
}

int tool_privs_parse(const char *spec, struct tool_privs *p, char *err, size_t errlen)
{
	char name[64];
	const char *colon = strchr(spec, ':');
	const char *gname = colon ? colon + 1 : NULL;
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;
	unsigned long id;
	int n;

	memset(p, 0, sizeof(*p));
	if (ulen == 0 || ulen >= sizeof(name) || (gname && !*gname)) {
		PERR("--user: expected USER or USER:GROUP, got '%s'", spec);
		return -EINVAL;
	}
	memcpy(name, spec, ulen);
	name[ulen] = '\0';
	snprintf(p->user, sizeof(p->user), "%s", name);
	errno = 0;
	pw = getpwnam(name);
	if (!pw && parse_id(name, &id) == 0)
		pw = getpwuid((uid_t)id);
	if (pw) {
		p->uid = pw->pw_uid;
		p->gid = pw->pw_gid;
	} else if (parse_id(name, &id) == 0 && gname) {
		p->uid = (uid_t)id;   /* numeric, no passwd entry: no groups either */
	} else {
		PERR("--user: unknown user '%s'%s", name,
		     parse_id(name, &id) == 0 ? " (a numeric uid without a passwd entry needs :GROUP)" : "");
		return -ENOENT;
	}
	if (gname) {
		struct group *gr = getgrnam(gname);

		if (gr)
			p->gid = gr->gr_gid;
		else if (parse_id(gname, &id) == 0)
			p->gid = (gid_t)id;
		else {
			PERR("--user: unknown group '%s'", gname);
			return -ENOENT;
		}
	}
	/* Supplementary groups: the user's memberships in /etc/group (as
	 * login(1) and tcpdump -Z give them), plus the chosen group. */
	p->ngroups = 1;
	p->groups[0] = p->gid;
	if (pw) {
		n = TOOL_PRIVS_MAX_GROUPS;
		if (getgrouplist(pw->pw_name, p->gid, p->groups, &n) < 0) {
			PERR("--user: %s is in more than %d groups", name, TOOL_PRIVS_MAX_GROUPS);
			return -E2BIG;
		}
		p->ngroups = n;
	}
	return 0;
}

int tool_privs_precreate(const struct tool_privs *p, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);

	if (fd < 0) {
		int e = -errno;
		PERR("cannot create %s: %s%s", path, strerror(-e),
		     e == -ELOOP ? " (a symbolic link: refused while running as root)" : "");
		return e;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		PERR("%s is not a regular file", path);
		return -EINVAL;
	}
	if (fchown(fd, p->uid, p->gid) != 0) {
		int e = -errno;
		close(fd);
		PERR("cannot give %s to %s: %s (needs CAP_CHOWN)", path, p->user, strerror(-e));
		return e;
	}
	close(fd);
	return 0;
}

/* Threads of this process, from /proc/self/task (-1 if unreadable). */
static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int capset_empty(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -errno;
}

bool tool_privs_caps_empty(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return false;
	return true;
}

int tool_privs_drop(const struct tool_privs *p, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	int n = thread_count();

	if (n != 1) {
		PERR("--user: internal error: dropping privileges with %d threads running "
		     "(capabilities are per thread)", n);
		return -EBUSY;
	}
	/* 1. groups, while we still have CAP_SETGID */
	if (setgroups((size_t)p->ngroups, p->groups) != 0) {
		int x = -errno;
		PERR("--user %s: setgroups: %s%s", p->user, strerror(-x),
		     x == -EPERM ? " (needs CAP_SETGID: run as root)" : "");
		return x;
	}
	/* 2. gid before uid: after setresuid we could no longer change it */
	if (setresgid(p->gid, p->gid, p->gid) != 0) {
		int x = -errno;
		PERR("--user %s: setresgid(%u): %s%s", p->user, (unsigned)p->gid, strerror(-x),
		     x == -EPERM ? " (needs CAP_SETGID: run as root)" : "");
		return x;
	}
	/* 3. uid: with no uid 0 left the kernel clears the permitted,
	 * effective and ambient sets of every thread */
	if (setresuid(p->uid, p->uid, p->uid) != 0) {
		int x = -errno;
		PERR("--user %s: setresuid(%u): %s%s", p->user, (unsigned)p->uid, strerror(-x),
		     x == -EPERM ? " (needs CAP_SETUID: run as root)" : "");
		return x;
	}
	/* 4. every capability set, explicitly: the inheritable set survives a
	 * uid change, and a target uid of 0 would keep everything */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
		PERR("--user %s: clearing the ambient capabilities: %s", p->user, strerror(errno));
		return -errno;
	}
	if ((n = capset_empty()) != 0) {
		PERR("--user %s: capset: %s", p->user, strerror(-n));
		return n;
	}
	/* 5. no execve can give anything back */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		PERR("--user %s: PR_SET_NO_NEW_PRIVS: %s", p->user, strerror(errno));
		return -errno;
	}
	/* Check, do not trust: the ids, the sets, and that root is gone. */
	if (getresuid(&r, &e, &s) != 0 || r != p->uid || e != p->uid || s != p->uid ||
	    getresgid(&gr, &ge, &gs) != 0 || gr != p->gid || ge != p->gid || gs != p->gid ||
	    !tool_privs_caps_empty() || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 ||
	    (p->uid != 0 && setuid(0) == 0) || (p->gid != 0 && setgid(0) == 0)) {
		PERR("--user %s: the drop did not take effect; refusing to run", p->user);
		return -EPERM;
	}
	return 0;
}
