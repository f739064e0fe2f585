// SPDX-License-Identifier: GPL-2.0
/* The option table stores with the field's size: an entry whose type does not fit is refused. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "opts.h"

struct good_cfg {
	long n;
	bool flag;
};

struct bad_cfg {
	int n; /* OPT_INT stores a long: 8 bytes into 4 */
};

static const struct opt good_opts[] = {
	{"num", 'n', OPT_INT, OPT_FIELD(struct good_cfg, n), "N", "a number", 1, 100},
	{"flag", 'f', OPT_FLAG, OPT_FIELD(struct good_cfg, flag), NULL, "a flag"},
	{NULL},
};

static const struct opt bad_opts[] = {
	{"num", 'n', OPT_INT, OPT_FIELD(struct bad_cfg, n), "N", "a number", 1, 100},
	{NULL},
};

static const struct tool_desc good_tool = {.name = "good", .summary = "", .opts = good_opts};
static const struct tool_desc bad_tool = {.name = "bad", .summary = "", .opts = bad_opts};

int main(void)
{
	char *argv[] = {"good", "-n", "42", "-f", NULL};
	struct common_opts common;
	struct good_cfg good = {0};
	struct bad_cfg bad = {0};
	int status;
	pid_t pid;

	opts_parse(&good_tool, 4, argv, &common, &good);
	check(good.n == 42 && good.flag, "a table whose types fit its fields stores the values");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *bargv[] = {"bad", "-n", "42", NULL};

		/* the message is the test's, not the TAP stream's */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		opts_parse(&bad_tool, 3, bargv, &common, &bad);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	      "an OPT_INT entry on an int field is refused before it writes 8 bytes into 4");
	return check_done();
}
