/* SPDX-License-Identifier: GPL-2.0 */
/* What the workload generators (tools/, one file each) share. */
#ifndef KSCOPE_GEN_H
#define KSCOPE_GEN_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A whole decimal number in [min, max]: no sign games, no trailing text, no overflow. */
static inline bool gen_parse_long(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * Every generator ends by itself: after KSCOPE_GEN_TIMEOUT seconds (default 3600; 0: no bound)
 * it says so on stderr and exits 124, as timeout(1) does, whatever it was waiting for (a
 * SIGUSR1 that never came, a peer that went away).  A test or script that lost track of it is
 * then not held up for ever; tests/lib.bash sets a bound of minutes.  The children a generator
 * forks never outlive it (each generator sees to that: PR_SET_PDEATHSIG, pipes closed).
 */
static char gen_bound_msg[160];

static void gen_bound_expired(int sig)
{
	(void)sig;
	/* async-signal-safe: the message was formatted when the bound was set */
	if (write(STDERR_FILENO, gen_bound_msg, strlen(gen_bound_msg)) < 0)
		_exit(124);
	_exit(124);
}

static inline void gen_bound_lifetime(const char *name)
{
	const char *env = getenv("KSCOPE_GEN_TIMEOUT");
	struct sigaction sa = {.sa_handler = gen_bound_expired};
	long secs = 3600;

	/* a malformed value must not lift the bound: it keeps the default */
	if (env && !gen_parse_long(env, 0, 30L * 86400, &secs))
		secs = 3600;
	if (!secs)
		return;
	snprintf(gen_bound_msg, sizeof(gen_bound_msg),
		 "%s: still running after %ld s (KSCOPE_GEN_TIMEOUT); giving up\n", name, secs);
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
}

#endif /* KSCOPE_GEN_H */
