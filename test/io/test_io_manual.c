/* A manual engine (tr_engine_config.manual) over a SOCK_SEQPACKET
 * socketpair, no root, no worker thread: tr_engine_step runs the queue on
 * this thread with the caller's clock. Checked: no thread exists after
 * start; stages see exactly the clock given (poll's now_ns,
 * tr_worker_now_ns, never going back); a frame written is handled and
 * answered within the steps of one settle (step until 0), in order, frame
 * by frame; delivered frames reach the app ring; stop runs fini on this
 * thread; misuse returns -EINVAL (step on a threaded engine, before start,
 * after stop, bad queue; manual + sqpoll); the accounting equation holds. */
#include <dirent.h>
#include <sys/socket.h>

#include <tapring/engine.h>

#include "helpers.h"

struct clk {
	uint64_t last_poll, last_proc, polls;
	bool went_back;
	bool fini_ran;
};

/* Frames starting with 'E' are echoed (byte 1 becomes 'R'), 'D' delivered,
 * anything else dropped under "test.drop". */
static int drop_id;

static void st_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	struct clk *c = arg;
	c->last_proc = tr_worker_now_ns(w);
	for (unsigned i = 0; i < n; i++) {
		if (bufs[i]->len >= 2 && bufs[i]->data[0] == 'E') {
			bufs[i]->data[1] = 'R';
			acts[i] = TR_ACT_TX;
		} else if (bufs[i]->len >= 1 && bufs[i]->data[0] == 'D') {
			acts[i] = TR_ACT_DELIVER;
		} else {
			acts[i] = TR_ACT_DROP(drop_id);
		}
	}
}

static void st_poll(void *arg, struct tr_worker *w, uint64_t now_ns)
{
	struct clk *c = arg;
	if (now_ns < c->last_poll || tr_worker_now_ns(w) != now_ns)
		c->went_back = true;
	c->last_poll = now_ns;
	c->polls++;
}

static void st_fini(void *arg, struct tr_worker *w)
{
	(void)w;
	((struct clk *)arg)->fini_ran = true;
}

static unsigned nthreads(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Step until idle; returns the steps taken (or -1 on error / no end). */
static int settle(struct tr_engine *e, uint64_t now)
{
	for (int i = 1; i <= 1000; i++) {
		int r = tr_engine_step(e, 0, now);
		if (r < 0)
			return -1;
		if (r == 0)
			return i;
	}
	return -1;
}

int main(void)
{
	int sp[2], err;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);

	/* manual + sqpoll is refused */
	struct tr_engine_config bad = { .fds = &sp[0], .nqueues = 1, .nbufs = 256, .cpu_base = -1,
					.manual = true, .sqpoll = true };
	T_CHECK(tr_engine_create(&bad, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);

	struct tr_engine_config ec = { .fds = &sp[0], .nqueues = 1, .nbufs = 256, .cpu_base = -1,
				       .manual = true };
	struct tr_engine *e = tr_engine_create(&ec, &err);
	if (!e)
		t_skip("engine unavailable here: %s", strerror(-err));
	struct clk c = { 0 };
	drop_id = tr_engine_counter(e, "test.drop");
	T_ASSERT(drop_id >= 0);
	struct tr_stage st = { .name = "t", .arg = &c, .process = st_process, .poll = st_poll, .fini = st_fini };
	T_CHECK_EQ(tr_engine_add_stage(e, &st), 0);
	T_CHECK_EQ(tr_engine_step(e, 0, 1), -EINVAL);   /* not started */
	unsigned before = nthreads();
	T_ASSERT(tr_engine_start(e) == 0);
	T_CHECK_EQ(nthreads(), before);                 /* no worker thread */
	T_CHECK(tr_engine_running(e, 0));
	T_CHECK_EQ(tr_engine_step(e, 1, 5), -EINVAL);   /* no queue 1 */

	uint64_t now = 1000000000ull;
	T_CHECK(settle(e, now) > 0);
	T_CHECK_EQ(c.last_poll, now);
	/* an earlier time is taken as the last one */
	T_CHECK(settle(e, now - 500) > 0);
	T_CHECK_EQ(c.last_poll, now);
	T_CHECK(!c.went_back);

	/* frame by frame: each is handled within one settle, replies in order */
	char fr[64], rep[64];
	unsigned echoed = 0, delivered = 0;
	for (unsigned i = 0; i < 50; i++) {
		now += 1000000;
		int n = snprintf(fr, sizeof(fr), "%c.%u", i % 5 == 4 ? 'X' : i % 5 == 3 ? 'D' : 'E', i);
		T_ASSERT(write(sp[1], fr, (size_t)n) == n);
		T_CHECK(settle(e, now) > 0);
		T_CHECK_EQ(c.last_proc, now);   /* the frame was processed at this step's time */
		struct tr_engine_port_stats ps;
		T_CHECK_EQ(tr_engine_port_stats(e, 0, &ps), 0);
		T_CHECK_EQ(ps.rx, i + 1);
		ssize_t r = recv(sp[1], rep, sizeof(rep), MSG_DONTWAIT);
		if (fr[0] == 'E') {
			T_CHECK_EQ(r, n);
			T_CHECK(r == n && rep[1] == 'R' && memcmp(rep + 2, fr + 2, (size_t)n - 2) == 0);
			echoed++;
		} else {
			T_CHECK(r < 0 && errno == EAGAIN);   /* nothing written */
		}
		struct tr_buf *b[4];
		unsigned k = tr_engine_rx_burst(e, 0, b, 4);
		for (unsigned j = 0; j < k; j++) {
			T_CHECK(b[j]->data[0] == 'D');
			T_CHECK_EQ(b[j]->ts, now);   /* rx time is the caller's clock */
			tr_engine_buf_free(e, b[j]);
		}
		T_CHECK_EQ(k, fr[0] == 'D' ? 1u : 0u);
		delivered += k;
	}
	T_CHECK(c.polls >= 50);
	T_CHECK(!c.went_back);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	T_CHECK(c.fini_ran);
	T_CHECK_EQ(tr_engine_step(e, 0, now), -EINVAL);   /* stopped */
	struct tr_engine_stats s;
	tr_engine_stats(e, &s);
	T_CHECK_EQ(s.rx, 50);
	T_CHECK_EQ(s.tx_forwarded, echoed);
	T_CHECK_EQ(s.delivered, delivered);
	T_CHECK_EQ(s.dropped, 10);
	T_CHECK_EQ(s.rx, s.delivered + s.tx_forwarded + s.dropped + s.held);
	tr_engine_destroy(e);

	/* step on a threaded engine */
	struct tr_engine_config tc = { .fds = &sp[0], .nqueues = 1, .nbufs = 256, .cpu_base = -1 };
	e = tr_engine_create(&tc, &err);
	T_ASSERT(e);
	T_ASSERT(tr_engine_start(e) == 0);
	T_CHECK_EQ(tr_engine_step(e, 0, 1), -EINVAL);
	tr_engine_destroy(e);
	close(sp[0]);
	close(sp[1]);
	return t_done();
}
