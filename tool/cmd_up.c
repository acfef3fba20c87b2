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

int tr_cmd_up(int argc, char **argv)
{
	struct up_opts o;
	struct sigaction sa;
	struct up *u;
	char err[512], line[256];
	int rc, status;
	bool tty;
	double start, last;

	rc = up_parse(argc, argv, &o, "tapring up");
	if (rc)
		return rc == 1 ? 0 : rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	u = up_start(&o, err, sizeof(err), &status);
	if (!u) {
		fprintf(stderr, "tapring up: %s\n", err);
		return status;
	}
	tty = isatty(STDOUT_FILENO) && !o.quiet;
	if (!o.quiet)
		fprintf(stderr, "tapring up: running on %s (%u queue%s); Ctrl-C stops\n",
			argv[0] ? o.tap : "", o.queues, o.queues > 1 ? "s" : "");
	start = last = mono_now();
	while (!up_signalled) {
		struct timespec nap = { 0, 50 * 1000 * 1000 };
		double now;

		nanosleep(&nap, NULL);
		now = mono_now();
		if (up_error(u))
			break;
		if (o.duration > 0 && now - start >= o.duration)
			break;
		if (now - last >= 1.0) {
			if (tty) {
				up_status_line(u, line, sizeof(line), now - last);
				printf("\r\033[K%s", line);
				fflush(stdout);
			}
			if (o.stats_file)
				up_write_stats_file(u, o.stats_file);
			last = now;
		}
	}
	if (tty)
		putchar('\n');
	rc = up_error(u);
	up_stop(u);
	/* final stats after stop: every buffer is back, the counts are exact */
	if (o.stats_file && up_write_stats_file(u, o.stats_file) != 0)
		fprintf(stderr, "tapring up: cannot write %s\n", o.stats_file);
	if (!o.quiet)
		up_stats_json(u, stderr);
	up_destroy(u);
	if (rc) {
		fprintf(stderr, "tapring up: engine stopped: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
