/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/uring_compat_pvt.h: everything tapring needs from io_uring that
 * Debian 12's liburing 2.3 does not provide, in one place. Each item is
 * guarded so a newer liburing's own definition wins.
 *
 *  - IORING_OP_READ_MULTISHOT (kernel 6.7+ for TAP; liburing 2.5 added the
 *    opcode name and io_uring_prep_read_multishot()).
 *  - io_uring_setup_buf_ring() (liburing 2.4): we mmap the ring and call
 *    io_uring_register_buf_ring() ourselves (tr__buf_ring_setup).
 *  - CQE flags / cancel flags that 2.3's uapi copy may lack.
 */
#ifndef TAPRING_URING_COMPAT_PVT_H
#define TAPRING_URING_COMPAT_PVT_H

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <liburing.h>

/* Opcode 49 in the kernel's enum io_uring_op (include/uapi/linux/io_uring.h
 * since 6.7). liburing 2.3's enum stops before it, so use the number. */
#define TR_IORING_OP_READ_MULTISHOT 49

#ifndef IORING_CQE_F_BUFFER
#define IORING_CQE_F_BUFFER (1U << 0)
#endif
#ifndef IORING_CQE_F_MORE
#define IORING_CQE_F_MORE (1U << 1)
#endif
#ifndef IORING_CQE_BUFFER_SHIFT
#define IORING_CQE_BUFFER_SHIFT 16
#endif
#ifndef IORING_ASYNC_CANCEL_ALL
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#endif
#ifndef IORING_ASYNC_CANCEL_ANY
#define IORING_ASYNC_CANCEL_ANY (1U << 2)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

/*
 * internal: prepare a multishot read (what liburing 2.5's
 * io_uring_prep_read_multishot does): no address, length 0 (the buffer
 * size comes from the provided-buffer ring), buffer group bgid selected
 * per completion. fd is a registered-file index when fixed is true.
 */
static inline void tr__prep_read_multishot(struct io_uring_sqe *sqe, int fd, bool fixed,
					   uint16_t bgid)
{
	io_uring_prep_rw(TR_IORING_OP_READ_MULTISHOT, sqe, fd, NULL, 0, 0);
	sqe->buf_group = bgid;
	sqe->flags |= IOSQE_BUFFER_SELECT | (fixed ? IOSQE_FIXED_FILE : 0);
}

/*
 * internal: what liburing 2.4's io_uring_setup_buf_ring does. Maps an
 * entries-slot provided-buffer ring (entries a power of two <= 32768),
 * registers it as group bgid and initialises its tail. Returns the ring or
 * NULL with *err (-ENOMEM, or the register error: -EINVAL when the kernel
 * lacks IORING_REGISTER_PBUF_RING). *size gets the mapping size for
 * tr__buf_ring_free.
 */
static inline struct io_uring_buf_ring *tr__buf_ring_setup(struct io_uring *ring, unsigned entries,
							   uint16_t bgid, size_t *size, int *err)
{
	struct io_uring_buf_reg reg;
	size_t len = (size_t)entries * sizeof(struct io_uring_buf);
	size_t pg = 4096;
	len = (len + pg - 1) & ~(pg - 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)p;
	reg.ring_entries = entries;
	reg.bgid = bgid;
	int r = io_uring_register_buf_ring(ring, &reg, 0);
	if (r < 0) {
		munmap(p, len);
		*err = r;
		return NULL;
	}
	io_uring_buf_ring_init((struct io_uring_buf_ring *)p);
	*size = len;
	*err = 0;
	return (struct io_uring_buf_ring *)p;
}

static inline void tr__buf_ring_free(struct io_uring *ring, struct io_uring_buf_ring *br,
				     size_t size, uint16_t bgid)
{
	if (!br)
		return;
	io_uring_unregister_buf_ring(ring, bgid);
	munmap(br, size);
}

#endif /* TAPRING_URING_COMPAT_PVT_H */
