/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The error messages of the eBPF module: a real verifier rejection (a
 * socket filter that reads an uninitialised register, loaded raw) quoted
 * by the same formatter the module uses for its own programs, the
 * capability message for -EPERM, and the ioctl messages through the test
 * switch. The verifier part skips without CAP_BPF/root.
 */
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <tapring/ebpf.h>

#include "helpers.h"
#include "ebpf_pvt.h"

int main(void)
{
	char msg[512];
	struct tr__ebpf_load l = { 0 };

	/* -EPERM names the capabilities */
	tr__ebpf_load_error(&l, "flow steering", -EPERM, msg, sizeof(msg));
	printf("%s\n", msg);
	T_CHECK(strstr(msg, "flow steering") && strstr(msg, "CAP_BPF") && strstr(msg, "CAP_NET_ADMIN"));

	/* the last three lines of a log, joined */
	char fake[] = "0: (b7) r0 = 0\n1: (bf) r0 = r2\nR2 !read_ok\nprocessed 2 insns\n\n";
	l.log = fake;
	tr__ebpf_load_error(&l, "blocklist", -EACCES, msg, sizeof(msg));
	printf("%s\n", msg);
	T_CHECK(strstr(msg, "blocklist: the kernel's verifier rejected") != NULL);
	T_CHECK(strstr(msg, "1: (bf) r0 = r2 | R2 !read_ok | processed 2 insns") != NULL);
	T_CHECK(strstr(msg, "0: (b7)") == NULL);

	/* the ioctl messages, with the feature forced off */
	tr_ebpf_test_no_tun_ioctls(true);
	T_CHECK_EQ(tr__ebpf_tun_set(0, TUNSETSTEERINGEBPF, "TUNSETSTEERINGEBPF", -1, msg, sizeof(msg)), -EINVAL);
	T_CHECK(strstr(msg, "does not support TUNSETSTEERINGEBPF") != NULL);
	tr_ebpf_test_no_tun_ioctls(false);
	T_CHECK_EQ(tr__ebpf_tun_set(-1, TUNSETFILTEREBPF, "TUNSETFILTEREBPF", -1, msg, sizeof(msg)), -EBADF);

	/* a real rejection */
	static char log[65536];
	struct bpf_insn bad[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 2 },   /* r0 = r2: never written */
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bad", "GPL", bad, 2, &o);
	if (fd >= 0) {
		close(fd);
		T_CHECK(!"the verifier accepted a read of an uninitialised register");
	} else if (errno == EPERM) {
		printf("SKIP part: loading BPF needs CAP_BPF\n");
	} else {
		int e = -errno;
		l.log = log;
		tr__ebpf_load_error(&l, "flow steering", e, msg, sizeof(msg));
		printf("%s\n", msg);
		T_CHECK(strstr(msg, "flow steering: the kernel's verifier rejected") != NULL);
		T_CHECK(strstr(msg, "R2") != NULL);   /* the verifier names the register */
	}
	return t_done();
}
