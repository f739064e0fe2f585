// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include "cost.h"
#include "loop.h"
#include "out.h"
#include "setup.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

void loop_signals(void)
{
	/*
	 * SA_RESTART, so a signal that comes while a write to a full pipe blocks does not fail
	 * the output with EINTR; the loop's waits (epoll_wait, nanosleep) are never restarted
	 * (signal(7)), so the loop still ends at once
	 */
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal or "kill -HUP" ends the run like SIGTERM, with the summary */
	sigaction(SIGHUP, &sa, NULL);
}

void loop_started(const struct common_opts *common, const char *what)
{
	if (!common->prom_file)
		return;
	fprintf(stderr, "Tracing %s: metrics to %s every %g s\n", what, common->prom_file,
		common->interval_ms / 1000.0);
	out_quiet();
}

bool loop_stopping(void)
{
	return stopping;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int loop_run(const struct common_opts *common, struct events *ev, loop_tick_fn tick, void *ctx)
{
	__u64 interval_ns = (__u64)common->interval_ms * 1000000ull;
	__u64 next = out_monotonic_ns() + interval_ns;
	long done = 0;
	int err;

	loop_signals();
	while (!stopping) {
		__u64 now = out_monotonic_ns();
		int wait_ms;

		if (now >= next) {
			err = tick(ctx);
			if (err)
				return err;
			if (out_flush())
				return 1;
			if (out_verbose())
				cost_interval_note();
			if (common->count && ++done >= common->count)
				break;
			next += interval_ns;
			/* a tick that overran skips the intervals it missed instead of bursting */
			if (next < now)
				next = now + interval_ns;
			continue;
		}
		wait_ms = (next - now) / 1000000 + 1;
		if (!ev) {
			sleep_ms(wait_ms);
			continue;
		}
		err = events_poll(ev, wait_ms < 100 ? wait_ms : 100);
		if (err < 0) {
			setup_explain(err, "read the event ring buffer");
			return 1;
		}
		/* events are printed as they come: a full disk is found within a poll */
		if (ferror(stdout) && out_flush())
			return 1;
	}
	/*
	 * What the ring holds when the loop ends is printed too: the programs wake the reader
	 * only when the ring is a quarter full, so up to a poll's worth of events waits there,
	 * and a signal that arrives while the loop prints rather than waits ends it at once.
	 */
	if (ev) {
		err = events_poll(ev, 0);
		if (err < 0) {
			setup_explain(err, "read the event ring buffer");
			return 1;
		}
	}
	return 0;
}
