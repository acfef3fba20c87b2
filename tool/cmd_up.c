/* SPDX-License-Identifier: BSD-2-Clause */
/* `tapring up`: run the stack on a TAP until SIGINT/SIGTERM or --duration. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "up.h"

static volatile sig_atomic_t up_signalled;

static void on_signal(int sig)
{
	up_signalled = sig;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t up_hup;

static void on_hup(int sig)
{
	(void)sig;
	up_hup = 1;
}

int up_run(const struct up_opts *o, const char *prog)
{
	struct sigaction sa;
	struct up *u;
	char err[512], line[256];
	int rc, status;
	bool tty;
	double start, last;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);

	u = up_start(o, err, sizeof(err), &status);
	if (!u) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return status;
	}
	tty = isatty(STDOUT_FILENO) && !o->quiet;
	if (!o->quiet)
		fprintf(stderr, "%s: running on %s%s%s (%u queue%s); Ctrl-C stops\n", prog,
			o->nports == 2 ? o->port[0].name : o->tap, o->nports == 2 ? " <-> " : "",
			o->nports == 2 ? o->port[1].name : "", o->queues, o->queues > 1 ? "s" : "");
	start = last = mono_now();
	while (!up_signalled) {
		struct timespec nap = { 0, 50 * 1000 * 1000 };
		double now;

		nanosleep(&nap, NULL);
		now = mono_now();
		if (up_hup) {
			up_hup = 0;
			int r = up_reload(u);

			if (r == -EBUSY)
				fprintf(stderr, "%s: SIGHUP: a reload is already running\n", prog);
			else if (r < 0 && r != -ENOENT)
				fprintf(stderr, "%s: SIGHUP: cannot reload: %s\n", prog, strerror(-r));
		}
		if (up_error(u))
			break;
		if (o->duration > 0 && now - start >= o->duration)
			break;
		if (now - last >= 1.0) {
			if (tty) {
				up_status_line(u, line, sizeof(line), now - last);
				printf("\r\033[K%s", line);
				fflush(stdout);
			}
			if (o->stats_file)
				up_write_stats_file(u, o->stats_file);
			last = now;
		}
	}
	if (tty)
		putchar('\n');
	rc = up_error(u);
	up_stop(u);
	/* final stats after stop: every buffer is back, the counts are exact */
	if (o->stats_file && up_write_stats_file(u, o->stats_file) != 0)
		fprintf(stderr, "%s: cannot write %s\n", prog, o->stats_file);
	if (!o->quiet)
		up_stats_json(u, stderr);
	up_destroy(u);
	if (rc) {
		fprintf(stderr, "%s: engine stopped: %s\n", prog, strerror(-rc));
		return 1;
	}
	return 0;
}

int tool_cmd_up(int argc, char **argv)
{
	struct up_opts o;
	int rc = up_parse(argc, argv, &o, "tapring up");

	if (rc)
		return rc == 1 ? 0 : rc;
	return up_run(&o, "tapring up");
}
