// SPDX-License-Identifier: GPL-2.0
/*
 * forkgen: a parent of known size that forks a known number of times and times each fork
 * itself, the truth forklat's tests and benchmark compare against.
 *
 *   forkgen [--mib N] [--pages 4k|thp] [--forks K] [--via fork|clone|clone3|vfork]
 *           [--rate N] [--wait] [--hold] [--rt] [--each] [--exec PROG [ARG...]]
 *
 * It maps and touches N MiB of private anonymous memory, advised MADV_NOHUGEPAGE (4k: every
 * page gets its own page-table entry, which fork copies one by one) or MADV_HUGEPAGE (thp: one
 * PMD entry per 2 MiB).  With --wait it prints {"ready":true,"pid":P} and waits for SIGUSR1,
 * so a test can read /proc/P at a known moment and start its tracer first.  Then it forks K
 * times, one child at a time; a child stamps when it first ran and _exits, or execs PROG.
 * At the end one JSON line: counts, the parent-side latency of the fork call (mean/min/max),
 * the child's first-run delay from the start of the call, and wall time per fork.  With
 * --hold it then waits for SIGUSR1 again, so /proc/P stays readable for a tracer.
 *
 * A child that only exits waits for the parent to have read its clock first: tearing down a
 * large copied mm takes milliseconds, and a child doing that on the parent's CPU would
 * otherwise delay the parent's return from fork and inflate the time it measures.
 *
 * --via clone and clone3 issue the raw syscall, so the timing is the syscall alone;
 * --via fork goes through glibc (atfork handlers, a few microseconds more).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define MIB (1024UL * 1024)
#define HUGE_ALIGN (2 * MIB)

enum via { VIA_FORK, VIA_CLONE, VIA_CLONE3, VIA_VFORK };
static const char *const via_names[] = {"fork", "clone", "clone3", "vfork"};

static volatile sig_atomic_t go;

static void wait_usr1(void)
{
	sigset_t usr1, old;

	/* SIGUSR1 is blocked from the start, so one sent before we get here is not lost */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	sigdelset(&old, SIGUSR1);
	while (!go)
		sigsuspend(&old);
	go = 0;
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: forkgen [--mib N] [--pages 4k|thp] [--forks K] "
		   "[--via fork|clone|clone3|vfork]\n"
		   "               [--rate N] [--wait] [--hold] [--rt] [--each]\n"
		   "               [--exec PROG [ARG...]]\n");
}

static void die_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "forkgen: %s: %s\n", msg, arg);
	usage(stderr);
	exit(2);
}

static long parse_num(const char *arg, long min, long max)
{
	long v;

	if (!gen_parse_long(arg, min, max, &v))
		die_usage("bad number", arg);
	return v;
}

/* Private anonymous memory aligned to 2 MiB, so that with THP every 2 MiB is one huge page. */
static char *touch_memory(unsigned long mib, int thp)
{
	size_t len = mib * MIB;
	char *p, *aligned;
	size_t off;

	if (!len)
		return NULL;
	p = mmap(NULL, len + HUGE_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED) {
		perror("forkgen: mmap");
		exit(1);
	}
	aligned = (char *)(((uintptr_t)p + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1));
	if (madvise(aligned, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		perror("forkgen: madvise");
		exit(1);
	}
	for (off = 0; off < len; off += 4096)
		aligned[off] = 1;
	return aligned;
}

/*
 * The child: note when it first ran (relative to the parent's call), then exit or exec.
 * It never outlives the parent: killed with it (PR_SET_PDEATHSIG, and a parent already gone
 * before that was set is seen by getppid), and it holds only the gate's read end, so a parent
 * that died before writing the byte gives it end-of-file, not a read blocked for ever (such an
 * orphan kept the test runner's descriptors open and hung the suite).  The gate is
 * close-on-exec: an exec'd program never sees it.
 */
static int gate[2] = {-1, -1};
static pid_t parent_pid;

static void child(uint64_t t0, uint64_t *stamp, char **exec_argv, int wait_gate)
{
	char c;

	*stamp = now_ns() - t0;
	if (wait_gate || exec_argv) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent_pid)
			_exit(1);
	}
	if (exec_argv) {
		execvp(exec_argv[0], exec_argv);
		_exit(127);
	}
	if (wait_gate) {
		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/*
 * --via clone without --exec runs the child on a stack of its own, and keeps our stack out of
 * the child (MADV_DONTFORK).  Then fork does not write-protect our stack, and reading the
 * clock after the call costs no copy-on-write fault: our clock times the call alone.
 */
static struct {
	uint64_t *stamp;
} carg;
static char *child_stack;
#define CHILD_STACK_SIZE (64 * 1024)

static int child_fn(void *arg)
{
	child((uintptr_t)arg, carg.stamp, NULL, 1);
	return 0;
}

static void stack_dontfork(void)
{
	char line[256];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	child_stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!f || child_stack == MAP_FAILED) {
		perror("forkgen: child stack");
		exit(1);
	}
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    madvise((void *)lo, hi - lo, MADV_DONTFORK))
			perror("forkgen: madvise(MADV_DONTFORK)");
	fclose(f);
}

static pid_t fork_once(enum via via, uint64_t *t0, uint64_t *t1, uint64_t *stamp, char **exec_argv)
{
	struct clone_args ca;
	pid_t pid;

	/* written before the clock is read: the first write to a page after a fork faults */
	carg.stamp = stamp;
	*t0 = now_ns();
	switch (via) {
	case VIA_FORK:
		pid = fork();
		break;
	case VIA_CLONE:
		if (child_stack) {
			pid = clone(child_fn, child_stack + CHILD_STACK_SIZE, SIGCHLD,
				    (void *)(uintptr_t)*t0);
			break;
		}
		pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
		break;
	case VIA_CLONE3:
		memset(&ca, 0, sizeof(ca));
		ca.exit_signal = SIGCHLD;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		break;
	default:
		/* vfork: the child borrows our stack until it exits or execs; only child() runs */
		pid = vfork();
		break;
	}
	if (pid == 0)
		child(*t0, stamp, exec_argv, via != VIA_VFORK);
	*t1 = now_ns();
	/* the vfork child has exited already; the others wait for this byte before they exit */
	if (pid > 0 && via != VIA_VFORK && !exec_argv && write(gate[1], "x", 1) != 1)
		perror("forkgen: write");
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mib", required_argument, NULL, 'm'},	 {"pages", required_argument, NULL, 'P'},
		{"forks", required_argument, NULL, 'k'}, {"via", required_argument, NULL, 'v'},
		{"rate", required_argument, NULL, 'r'},	 {"wait", no_argument, NULL, 'w'},
		{"hold", no_argument, NULL, 'H'},	 {"rt", no_argument, NULL, 'R'},
		{"each", no_argument, NULL, 'E'},	 {"exec", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0},
	};
	unsigned long mib = 0;
	long forks = 100, rate = 0, i, errors = 0, done = 0;
	int thp = 0, wait_go = 0, hold = 0, rt = 0, each = 0, c;
	enum via via = VIA_FORK;
	char **exec_argv = NULL;
	uint64_t *stamps, sum = 0, min = UINT64_MAX, max = 0, child_sum = 0, start, wall;
	sigset_t usr1;

	gen_bound_lifetime("forkgen");
	/* SIGUSR1 stays blocked but for the waits, so it is never lost nor fatal */
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	while (!exec_argv &&
	       (c = getopt_long(argc, argv, "+m:P:k:v:r:wHREeh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mib = parse_num(optarg, 0, 1L << 20);
			break;
		case 'P':
			if (strcmp(optarg, "4k") && strcmp(optarg, "thp"))
				die_usage("--pages takes 4k or thp", optarg);
			thp = !strcmp(optarg, "thp");
			break;
		case 'k':
			forks = parse_num(optarg, 1, 100000000);
			break;
		case 'v':
			for (i = 0; i < 4 && strcmp(optarg, via_names[i]); i++)
				;
			if (i == 4)
				die_usage("--via takes fork, clone, clone3 or vfork", optarg);
			via = i;
			break;
		case 'r':
			rate = parse_num(optarg, 0, 10000000);
			break;
		case 'w':
			wait_go = 1;
			break;
		case 'H':
			hold = 1;
			break;
		case 'R':
			rt = 1;
			break;
		case 'E':
			each = 1;
			break;
		case 'e':
			if (optind >= argc)
				die_usage("--exec needs a program", "");
			exec_argv = &argv[optind];
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!exec_argv && optind < argc)
		die_usage("unexpected argument", argv[optind]);

	touch_memory(mib, thp);
	/* one slot per fork for the child's first-run stamp; shared, so fork does not copy it */
	stamps = mmap(NULL, forks * sizeof(*stamps), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stamps == MAP_FAILED) {
		perror("forkgen: mmap");
		return 1;
	}

	parent_pid = getpid();
	if (pipe2(gate, O_CLOEXEC)) {
		perror("forkgen: pipe");
		return 1;
	}
	if (wait_go) {
		printf("{\"ready\":true,\"pid\":%d}\n", getpid());
		fflush(stdout);
		wait_usr1();
	}

	/*
	 * --rt: on a busy machine the parent often waits for a CPU when fork returns, after the
	 * kernel's part is done; SCHED_FIFO makes our clock measure the call and not that wait.
	 * The children go back to SCHED_OTHER (SCHED_RESET_ON_FORK).
	 */
	if (rt) {
		struct sched_param sp = {.sched_priority = 1};

		/* a cgroup without an RT budget refuses: then time as an ordinary process */
		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
			perror("forkgen: --rt: sched_setscheduler(SCHED_FIFO)");
	}
	if (via == VIA_CLONE && !exec_argv)
		stack_dontfork();
	start = now_ns();
	for (i = 0; i < forks; i++) {
		uint64_t t0, t1, d;
		pid_t pid;
		int status;

		if (rate) {
			uint64_t due = start + (uint64_t)i * 1000000000ULL / rate;
			uint64_t t = now_ns();

			if (due > t) {
				struct timespec ts = {.tv_sec = (due - t) / 1000000000ULL,
						      .tv_nsec = (due - t) % 1000000000ULL};

				nanosleep(&ts, NULL);
			}
		}
		pid = fork_once(via, &t0, &t1, &stamps[i], exec_argv);
		if (pid < 0) {
			errors++;
			continue;
		}
		d = t1 - t0;
		if (each)
			fprintf(stderr, "%llu\n", (unsigned long long)d);
		sum += d;
		min = d < min ? d : min;
		max = d > max ? d : max;
		done++;
		if (waitpid(pid, &status, 0) < 0)
			perror("forkgen: waitpid");
		child_sum += stamps[i];
	}
	wall = now_ns() - start;

	printf("{\"pid\":%d,\"via\":\"%s\",\"mib\":%lu,\"pages\":\"%s\",\"forks\":%ld,"
	       "\"errors\":%ld,\"mean_us\":%.3f,\"min_us\":%.3f,\"max_us\":%.3f,"
	       "\"child_run_mean_us\":%.3f,\"wall_ns\":%llu,\"wall_ns_per_fork\":%.1f}\n",
	       getpid(), via_names[via], mib, thp ? "thp" : "4k", done, errors,
	       done ? sum / 1e3 / done : 0.0, done ? min / 1e3 : 0.0, max / 1e3,
	       done ? child_sum / 1e3 / done : 0.0, (unsigned long long)wall,
	       forks ? (double)wall / forks : 0.0);
	fflush(stdout);
	if (hold)
		wait_usr1();
	return errors ? 1 : 0;
}
