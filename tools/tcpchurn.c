// SPDX-License-Identifier: GPL-2.0
/*
 * tcpchurn: open and close TCP connections to a local server as fast as asked, and count
 * what happened, so tests and benchmarks have a truth to compare tracers against.
 *
 * The server runs in a forked child (its own pid, so a tracer's -p filter can tell the two
 * sides apart); the client runs in the parent, in one or more threads.  Which side closes
 * first decides who holds TIME_WAIT:
 *   client-close  the client closes right after connect(); the server reads EOF, then closes.
 *                 TIME_WAIT sits on the client: (client addr:ephemeral, server addr:port).
 *   server-close  the server closes right after accept(); the client reads EOF, then closes.
 *                 TIME_WAIT sits on the server: (server addr:port, client addr:ephemeral).
 *   fail-race     N rounds in which two threads, pinned to two CPUs and released together by
 *                 a spin barrier, both call connect() and both fail with EADDRNOTAVAIL, each
 *                 round towards an address no earlier round used (127.1.0.1, 127.1.0.2, ...,
 *                 port P; the server listens on 0.0.0.0): a tracer's first count of each new
 *                 destination races with itself on every round.  connect()'s automatic port
 *                 choice skips ports that bind() took, so holding every port of
 *                 ip_local_port_range that way makes every connect() fail at once, with no
 *                 TIME_WAIT needed.  Then the ports are let go and one client-close connection
 *                 goes to each address, leaving one TIME_WAIT socket towards each.  IPv4 only;
 *                 for a network namespace with a small range (at most 1024 ports).
 *
 * At the end it prints one line of key=value counts on stdout:
 *   mode=client-close family=4 port=P client_pid=C server_pid=S attempts=N connects=N
 *   accepted=N client_closes=N server_closes=N eaddrnotavail=N errors=N elapsed_ns=N cpu_ns=N
 * and in fail-race mode also rounds=N (destinations, each failed towards twice, then connected
 * to once) ports_held=N cpus=A,B.
 * client_closes/server_closes count connections that side closed first (active closes; each
 * leaves one TIME_WAIT socket on that side).  elapsed_ns runs from the first connect() until
 * the server has closed every accepted connection; cpu_ns is the user + system time both sides
 * spent meanwhile (on loopback the network stack's softirqs run in them, and so do BPF programs
 * on its tracepoints), a figure the other load on a shared machine disturbs far less.
 *
 * Truth for tests (set these inside the test's own network namespace, never on the host):
 * - net.ipv4.tcp_tw_reuse=0: its default, 2, reuses TIME_WAIT ports on loopback, so ports
 *   never run out and EADDRNOTAVAIL never comes.
 * - net.ipv4.tcp_rfc1337=1: on loopback with two CPUs the server's delayed ACK and its FIN can
 *   arrive out of order; the TIME_WAIT socket answers the stale ACK, the peer (already gone)
 *   answers with an RST, and with rfc1337=0 that RST kills the TIME_WAIT socket.  About 5% of
 *   TIME_WAIT sockets vanish that way under load, and `ss` then counts fewer than connects.
 * - server-close with a small port range: a new SYN from a recycled client port legitimately
 *   takes over the server's TIME_WAIT socket for that 4-tuple; keep the range larger than N.
 *
 * Exit status: 0 the churn ran as asked (EADDRNOTAVAIL failures allowed by -k/--max-fail are
 * counted, not fatal); 1 another error (refused, timed out, ...); 2 bad usage; 3 stopped by
 * EADDRNOTAVAIL (the first one without -k, the M-th with --max-fail M).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define MAX_THREADS 256
#define IO_TIMEOUT_S 5
/* fail-race: round i goes to 127.1.0.1 + i; the rounds stay below 127.2.0.0 */
#define RACE_DEST_BASE 0x7f010001u
#define RACE_MAX_ROUNDS 65534
#define RACE_MAX_PORTS 1024

enum mode { CLIENT_CLOSE, SERVER_CLOSE, FAIL_RACE };
static const char *const mode_names[] = {"client-close", "server-close", "fail-race"};

static struct config {
	enum mode mode;
	int family;
	const char *addr;
	const char *bind_addr;
	unsigned int port;
	uint64_t count;
	unsigned int concurrency;
	double rate;
	bool keep_going;
	uint64_t max_fail;
	bool print_pids;
	bool wait_start;
	bool hold;
	double hold_s;
	bool quiet;
	bool fork_each;
	uint64_t again;
} cfg = {
	.mode = CLIENT_CLOSE,
	.count = 1000,
	.concurrency = 1,
};

static struct sockaddr_storage server_sa, bind_sa;
static socklen_t server_len, bind_len;

/* Shared by the client threads. */
static uint64_t next_index;
static uint64_t n_attempts, n_connects, n_client_closes, n_eaddrnotavail, n_errors;
static volatile sig_atomic_t stopping;
static int stop_reason; /* 0, 1 error, 3 EADDRNOTAVAIL */
static uint64_t t_start;
static pid_t client_pid;

/* What the server child reports back over the control socket. */
struct server_counts {
	uint64_t accepted;
	uint64_t closes;
	uint64_t errors;
	uint64_t t_done;
	uint64_t cpu_ns;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcpchurn [options]\n"
		"Open and close TCP connections to a forked local server, then print counts.\n"
		"  -m, --mode MODE        who closes first: client-close (default), server-close;\n"
		"                         or fail-race: N rounds of two threads on two CPUs\n"
		"                         failing connect() with EADDRNOTAVAIL at once, each\n"
		"                         round to a new address 127.1.x.y (binds every port\n"
		"                         of ip_local_port_range: for a network namespace)\n"
		"  -n, --count N          connections to attempt (default 1000)\n"
		"  -a, --addr ADDR        server address (default 127.0.0.1, or ::1 with -6)\n"
		"  -P, --port PORT        server port (default: one the kernel picks)\n"
		"  -6, --ipv6             IPv6 (implied by an IPv6 --addr)\n"
		"  -b, --bind ADDR        bind the client sockets to ADDR (port: at connect)\n"
		"  -c, --concurrency N    client threads (default 1, max %d)\n"
		"  -r, --rate R           at most R connections per second in total\n"
		"  -k, --keep-going       count EADDRNOTAVAIL from connect() and go on\n"
		"  -M, --max-fail M       stop after M EADDRNOTAVAIL failures (implies -k)\n"
		"      --pids             print client_pid= server_pid= port= before starting\n"
		"      --wait-start       after --pids, wait for SIGUSR1 before the first connect\n"
		"      --hold[=SECONDS]   after the counts, wait (for SIGINT/SIGTERM/SIGUSR1 or\n"
		"                         SECONDS) before exiting, server still alive\n"
		"  -F, --fork-each        each connection from a process of its own that exits\n"
		"                         after it (a churn of short-lived processes)\n"
		"      --again N          after the counts (and --hold's wait), N more "
		"connections\n"
		"                         from this same process, then a second counts line\n"
		"  -q, --quiet            no error messages per failed connection\n"
		"  -h, --help             this text\n"
		"Exit: 0 ran as asked, 1 error, 2 usage, 3 stopped by EADDRNOTAVAIL.\n",
		MAX_THREADS);
}

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "tcpchurn: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'tcpchurn --help'.\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* user + system time of the whole process; loopback softirqs run in it and count as system */
static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static uint64_t parse_u64(const char *arg, const char *what, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		die_usage(what, arg);
	return v;
}

static double parse_double(const char *arg, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0))
		die_usage(what, arg);
	return v;
}

/* Fill sa from a numeric address of the given family (0: guess from the text). */
static int parse_addr(const char *text, int *family, unsigned int port, struct sockaddr_storage *sa,
		      socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (*family != AF_INET6 && inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*family = AF_INET;
		*len = sizeof(*sin);
		return 0;
	}
	if (*family != AF_INET && inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*family = AF_INET6;
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static void set_port(struct sockaddr_storage *sa, unsigned int port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

static void parse_args(int argc, char **argv)
{
	enum { OPT_PIDS = 256, OPT_WAIT_START, OPT_HOLD, OPT_AGAIN };
	static const struct option longopts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"count", required_argument, NULL, 'n'},
		{"addr", required_argument, NULL, 'a'},
		{"port", required_argument, NULL, 'P'},
		{"ipv6", no_argument, NULL, '6'},
		{"bind", required_argument, NULL, 'b'},
		{"concurrency", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"keep-going", no_argument, NULL, 'k'},
		{"max-fail", required_argument, NULL, 'M'},
		{"pids", no_argument, NULL, OPT_PIDS},
		{"wait-start", no_argument, NULL, OPT_WAIT_START},
		{"hold", optional_argument, NULL, OPT_HOLD},
		{"quiet", no_argument, NULL, 'q'},
		{"fork-each", no_argument, NULL, 'F'},
		{"again", required_argument, NULL, OPT_AGAIN},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c, family = 0;

	while ((c = getopt_long(argc, argv, "m:n:a:P:6b:c:r:kM:qFh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "client-close"))
				cfg.mode = CLIENT_CLOSE;
			else if (!strcmp(optarg, "server-close"))
				cfg.mode = SERVER_CLOSE;
			else if (!strcmp(optarg, "fail-race"))
				cfg.mode = FAIL_RACE;
			else
				die_usage("unknown mode '%s' (client-close, server-close or "
					  "fail-race)",
					  optarg);
			break;
		case 'n':
			cfg.count = parse_u64(optarg, "bad count '%s'", 1, UINT64_MAX / 2);
			break;
		case 'a':
			cfg.addr = optarg;
			break;
		case 'P':
			cfg.port = parse_u64(optarg, "bad port '%s' (1-65535)", 1, 65535);
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'b':
			cfg.bind_addr = optarg;
			break;
		case 'c':
			cfg.concurrency = parse_u64(optarg, "bad concurrency '%s'", 1, MAX_THREADS);
			break;
		case 'r':
			cfg.rate = parse_double(optarg, "bad rate '%s' (connections per second)");
			break;
		case 'k':
			cfg.keep_going = true;
			break;
		case 'M':
			cfg.max_fail = parse_u64(optarg, "bad failure limit '%s'", 1, UINT64_MAX);
			cfg.keep_going = true;
			break;
		case OPT_PIDS:
			cfg.print_pids = true;
			break;
		case OPT_WAIT_START:
			cfg.wait_start = true;
			break;
		case OPT_HOLD:
			cfg.hold = true;
			if (optarg)
				cfg.hold_s = parse_double(optarg, "bad hold time '%s' (seconds)");
			break;
		case 'q':
			cfg.quiet = true;
			break;
		case 'F':
			cfg.fork_each = true;
			break;
		case OPT_AGAIN:
			cfg.again = parse_u64(optarg, "bad count '%s'", 1, UINT64_MAX / 2);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'tcpchurn --help'.\n");
			exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (cfg.mode == FAIL_RACE) {
		/* its own two threads and addresses; the server takes them all */
		if (family == AF_INET6 || cfg.addr || cfg.bind_addr || cfg.concurrency != 1 ||
		    cfg.fork_each || cfg.rate > 0 || cfg.again)
			die_usage("%s: fail-race takes only -n, -P, -q and --pids", "bad options");
		if (cfg.count > RACE_MAX_ROUNDS)
			die_usage("%s: fail-race has at most 65534 rounds", "bad count");
		cfg.addr = "0.0.0.0";
	}

	if (!cfg.addr)
		cfg.addr = family == AF_INET6 ? "::1" : "127.0.0.1";
	if (parse_addr(cfg.addr, &family, cfg.port, &server_sa, &server_len))
		die_usage("bad server address '%s' (numeric IPv4 or IPv6)", cfg.addr);
	cfg.family = family;
	if (cfg.bind_addr && parse_addr(cfg.bind_addr, &family, 0, &bind_sa, &bind_len))
		die_usage("bad bind address '%s' (numeric, same family as the server)",
			  cfg.bind_addr);
}

static void set_timeouts(int fd)
{
	struct timeval tv = {.tv_sec = IO_TIMEOUT_S};

	/* connect() honours SO_SNDTIMEO: a lost SYN must not hang a test for two minutes */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Read until EOF: the peer has closed first. */
static int wait_eof(int fd)
{
	char buf[64];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return n == 0 ? 0 : -1;
}

/*
 * The server child: accept, close in the mode's order, and when the parent says how many
 * connections the client made, report the counts once all of them are accepted and closed.
 * Then stay until the parent closes the control socket (so --hold keeps its pid alive).
 */
static void server_run(int lfd, int ctl)
{
	struct server_counts sc = {};
	uint64_t expect = UINT64_MAX, cpu_start = cpu_ns();
	bool reported = false;

	/* never outlive the client: killed with it, or gone at once if it already died */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != client_pid)
		_exit(1);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_IGN);

	for (;;) {
		struct pollfd pfd[2] = {{.fd = lfd, .events = POLLIN},
					{.fd = ctl, .events = POLLIN}};
		int fd;

		if (!reported && sc.accepted >= expect) {
			sc.t_done = now_ns();
			sc.cpu_ns = cpu_ns() - cpu_start;
			if (write(ctl, &sc, sizeof(sc)) != sizeof(sc))
				_exit(1);
			reported = true;
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[1].revents) {
			ssize_t n = read(ctl, &expect, sizeof(expect));

			if (n <= 0)
				_exit(0);
			if (n != sizeof(expect))
				_exit(1);
			continue;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			sc.errors++;
			continue;
		}
		sc.accepted++;
		if (cfg.mode != SERVER_CLOSE) {
			set_timeouts(fd);
			if (wait_eof(fd))
				sc.errors++;
		}
		close(fd);
		if (cfg.mode == SERVER_CLOSE)
			sc.closes++;
	}
}

static int server_listen(void)
{
	struct sockaddr_storage sa = server_sa;
	socklen_t len = server_len;
	int fd, one = 1;

	fd = socket(cfg.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* server-close leaves TIME_WAIT on the listening port: the next run must still bind */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (cfg.family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) || listen(fd, SOMAXCONN) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		close(fd);
		return -1;
	}
	cfg.port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port
						 : ((struct sockaddr_in6 *)&sa)->sin6_port);
	set_port(&server_sa, cfg.port);
	return fd;
}

static void stop(int reason)
{
	if (!stop_reason)
		__atomic_store_n(&stop_reason, reason, __ATOMIC_RELAXED);
	stopping = 1;
}

/* One connection; returns false when the run must stop. */
static bool client_one(void)
{
	int fd, one = 1, err;

	__atomic_fetch_add(&n_attempts, 1, __ATOMIC_RELAXED);
	fd = socket(cfg.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	set_timeouts(fd);
	if (cfg.bind_addr) {
		/*
		 * Like real load generators: bind the address only and let connect() pick the
		 * port per destination, so exhaustion shows as EADDRNOTAVAIL from connect().
		 */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&bind_sa, bind_len)) {
			err = errno;
			goto fail;
		}
	}
	if (connect(fd, (struct sockaddr *)&server_sa, server_len)) {
		err = errno;
		goto fail;
	}
	__atomic_fetch_add(&n_connects, 1, __ATOMIC_RELAXED);
	if (cfg.mode == SERVER_CLOSE && wait_eof(fd)) {
		err = errno ? errno : EPROTO;
		close(fd);
		goto fail_counted;
	}
	close(fd);
	if (cfg.mode != SERVER_CLOSE)
		__atomic_fetch_add(&n_client_closes, 1, __ATOMIC_RELAXED);
	return true;

fail:
	if (fd >= 0)
		close(fd);
	if (err == EADDRNOTAVAIL) {
		uint64_t n = __atomic_add_fetch(&n_eaddrnotavail, 1, __ATOMIC_RELAXED);

		if (!cfg.keep_going || (cfg.max_fail && n >= cfg.max_fail)) {
			stop(3);
			return false;
		}
		return true;
	}
fail_counted:
	__atomic_fetch_add(&n_errors, 1, __ATOMIC_RELAXED);
	if (!cfg.quiet)
		fprintf(stderr, "tcpchurn: connection failed: %s\n", strerror(err));
	stop(1);
	return false;
}

/*
 * --fork-each: the connection comes from a child that exits after it; its outcome comes back
 * in the exit status, and the counts are kept here as if the connection were ours.
 */
enum { CHILD_CONNECTED = 1, CHILD_CLOSED = 2, CHILD_EADDRNOTAVAIL = 4, CHILD_STOP = 8 };

static bool client_forked(void)
{
	int status;
	pid_t pid;

	__atomic_fetch_add(&n_attempts, 1, __ATOMIC_RELAXED);
	pid = fork();
	if (pid < 0) {
		__atomic_fetch_add(&n_errors, 1, __ATOMIC_RELAXED);
		perror("tcpchurn: fork");
		stop(1);
		return false;
	}
	if (pid == 0) {
		bool go_on;

		n_connects = n_client_closes = n_eaddrnotavail = n_errors = 0;
		go_on = client_one();
		_exit((n_connects ? CHILD_CONNECTED : 0) | (n_client_closes ? CHILD_CLOSED : 0) |
		      (n_eaddrnotavail ? CHILD_EADDRNOTAVAIL : 0) | (go_on ? 0 : CHILD_STOP));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	if (!WIFEXITED(status)) {
		__atomic_fetch_add(&n_errors, 1, __ATOMIC_RELAXED);
		stop(1);
		return false;
	}
	status = WEXITSTATUS(status);
	if (status & CHILD_CONNECTED)
		__atomic_fetch_add(&n_connects, 1, __ATOMIC_RELAXED);
	if (status & CHILD_CLOSED)
		__atomic_fetch_add(&n_client_closes, 1, __ATOMIC_RELAXED);
	if (status & CHILD_EADDRNOTAVAIL) {
		uint64_t n = __atomic_add_fetch(&n_eaddrnotavail, 1, __ATOMIC_RELAXED);

		if (!cfg.keep_going || (cfg.max_fail && n >= cfg.max_fail)) {
			stop(3);
			return false;
		}
	} else if (!(status & CHILD_CONNECTED) || (status & CHILD_STOP)) {
		__atomic_fetch_add(&n_errors, 1, __ATOMIC_RELAXED);
		stop(1);
		return false;
	}
	return true;
}

static void *client_thread(void *arg)
{
	(void)arg;
	while (!stopping) {
		uint64_t i = __atomic_fetch_add(&next_index, 1, __ATOMIC_RELAXED);

		if (i >= cfg.count)
			break;
		if (cfg.rate > 0) {
			uint64_t due = t_start + (uint64_t)(i * 1e9 / cfg.rate), now = now_ns();

			if (due > now) {
				struct timespec ts = {.tv_sec = (due - now) / 1000000000ull,
						      .tv_nsec = (due - now) % 1000000000ull};
				nanosleep(&ts, NULL);
			}
		}
		if (!(cfg.fork_each ? client_forked() : client_one()))
			break;
	}
	return NULL;
}

/*
 * fail-race.  The two threads meet at a spin barrier before every round (sleeping there would
 * let one wake microseconds after the other), then both call connect() to the round's address.
 */
static struct {
	unsigned int arrived;
	uint64_t passed; /* rounds both threads have reached */
} race_barrier;
static int race_cpus[2];
static int *race_held;
static unsigned int race_nheld, race_nheld_max;

static void race_meet(uint64_t round)
{
	if (__atomic_add_fetch(&race_barrier.arrived, 1, __ATOMIC_ACQ_REL) == 2) {
		/* the last to arrive resets the count, then lets the other go */
		__atomic_store_n(&race_barrier.arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&race_barrier.passed, round + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&race_barrier.passed, __ATOMIC_ACQUIRE) != round + 1 && !stopping)
		;
}

/*
 * How much later than the other thread this one calls connect() in a round.  The rounds sweep
 * the gap from -4 to +4 us in steps of 50 ns (161 gaps, visited in a scattered order), because
 * one CPU may reach the tracer's program a fixed time before the other whatever the barrier
 * does: on this project's 2-CPU VM, in some runs the second thread arrived 1-3 us late every
 * round, and without the sweep a 400-round run then raced 2-7 times (40-220 in other runs);
 * with it, 19-49 times in every run measured, under busy CPUs too.
 */
#define RACE_STEP_NS 50
#define RACE_STEPS 80 /* each way */

static uint64_t race_delay_ns(uint64_t round, intptr_t self)
{
	long gap = ((long)(round * 37 % (2 * RACE_STEPS + 1)) - RACE_STEPS) * RACE_STEP_NS;

	if (self)
		return gap < 0 ? -gap : 0;
	return gap > 0 ? gap : 0;
}

static void race_dest(uint64_t round, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(cfg.port);
	sin->sin_addr.s_addr = htonl(RACE_DEST_BASE + round);
}

static void *race_thread(void *arg)
{
	int cpu = race_cpus[(intptr_t)arg], fd, err;
	struct sockaddr_in sin;
	char a[INET_ADDRSTRLEN];
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		fprintf(stderr, "tcpchurn: cannot pin a thread to CPU %d\n", cpu);
		stop(1);
		return NULL;
	}
	/* a connect() that failed for lack of a port leaves the socket unconnected: reused */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("tcpchurn: socket");
		stop(1);
		return NULL;
	}
	for (uint64_t i = 0; i < cfg.count && !stopping; i++) {
		uint64_t until;

		race_dest(i, &sin);
		race_meet(i);
		until = now_ns() + race_delay_ns(i, (intptr_t)arg);
		while (now_ns() < until)
			;
		if (stopping)
			break;
		__atomic_fetch_add(&n_attempts, 1, __ATOMIC_RELAXED);
		err = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
		if (err == EADDRNOTAVAIL) {
			__atomic_fetch_add(&n_eaddrnotavail, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&n_errors, 1, __ATOMIC_RELAXED);
		inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
		if (!err)
			fprintf(stderr,
				"tcpchurn: connect() to %s found a free local port: is a port "
				"of ip_local_port_range not held?\n",
				a);
		else
			fprintf(stderr, "tcpchurn: connect() to %s: %s\n", a, strerror(err));
		stop(1);
	}
	close(fd);
	return NULL;
}

/* The first two CPUs this process may run on. */
static int race_pick_cpus(void)
{
	unsigned int n = 0;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			race_cpus[n++] = cpu;
	if (n < 2) {
		fprintf(stderr, "tcpchurn: fail-race needs two CPUs; this process may use one\n");
		return -1;
	}
	return 0;
}

/*
 * Hold every port of this network namespace's ip_local_port_range with bind(), but the
 * server's own (held by its listener already): connect() then finds no port to choose.
 */
static int race_hold_ports(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	unsigned int low, high;
	FILE *f;
	int fd;

	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (!f || fscanf(f, "%u %u", &low, &high) != 2 || low > high || high > 65535) {
		fprintf(stderr, "tcpchurn: cannot read net.ipv4.ip_local_port_range\n");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (high - low + 1 > RACE_MAX_PORTS) {
		fprintf(stderr,
			"tcpchurn: fail-race binds every port of net.ipv4.ip_local_port_range, %u "
			"here: set at most %d in a network namespace first\n",
			high - low + 1, RACE_MAX_PORTS);
		return -1;
	}
	race_held = calloc(high - low + 1, sizeof(*race_held));
	if (!race_held)
		return -1;
	for (unsigned int port = low; port <= high; port++) {
		if (port == cfg.port)
			continue;
		sin.sin_port = htons(port);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
			fprintf(stderr, "tcpchurn: cannot hold local port %u: %s\n", port,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		race_held[race_nheld++] = fd;
	}
	race_nheld_max = race_nheld;
	return 0;
}

/* Hold the ports and start the two threads; returns how many started. */
static unsigned int race_start(pthread_t *threads)
{
	unsigned int started = 0;

	if (race_pick_cpus() || race_hold_ports()) {
		stop(1);
		return 0;
	}
	for (intptr_t i = 0; i < 2; i++) {
		if (pthread_create(&threads[i], NULL, race_thread, (void *)i)) {
			fprintf(stderr, "tcpchurn: cannot start client thread %ld\n", (long)i);
			stop(1);
			break;
		}
		started++;
	}
	return started;
}

/* Let the ports go, then connect once to each round's address: one TIME_WAIT towards each. */
static void race_finish(void)
{
	while (race_nheld)
		close(race_held[--race_nheld]);
	free(race_held);
	race_held = NULL;
	for (uint64_t i = 0; i < cfg.count && !stopping; i++) {
		race_dest(i, (struct sockaddr_in *)&server_sa);
		if (!client_one())
			break;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * Wait for USR1, INT or TERM (all blocked by the caller), at most timeout_s when > 0.
 * INT and TERM mean stop.
 */
static void wait_signal(double timeout_s)
{
	struct timespec ts = {.tv_sec = (time_t)timeout_s};
	sigset_t set;
	int sig;

	ts.tv_nsec = (long)((timeout_s - ts.tv_sec) * 1e9);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	do {
		sig = timeout_s > 0 ? sigtimedwait(&set, NULL, &ts) : sigwaitinfo(&set, NULL);
	} while (sig < 0 && errno == EINTR);
	if (sig == SIGINT || sig == SIGTERM)
		stopping = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct server_counts sc = {};
	pthread_t threads[MAX_THREADS];
	sigset_t usr1, intterm;
	unsigned int started = 0, i;
	int lfd, ctl[2], status, ret;
	uint64_t connects, elapsed, cpu_start, cpu_client;
	pid_t server;

	gen_bound_lifetime("tcpchurn");
	parse_args(argc, argv);

	/*
	 * USR1 is never delivered, only waited for.  INT and TERM set `stopping` through the
	 * handler while the churn runs (main thread only) and are waited for otherwise.
	 */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	sigemptyset(&intterm);
	sigaddset(&intterm, SIGINT);
	sigaddset(&intterm, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = server_listen();
	if (lfd < 0) {
		fprintf(stderr, "tcpchurn: cannot listen on %s port %u: %s\n", cfg.addr, cfg.port,
			strerror(errno));
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl)) {
		perror("tcpchurn: socketpair");
		return 1;
	}
	fflush(NULL);
	client_pid = getpid();
	server = fork();
	if (server < 0) {
		perror("tcpchurn: fork");
		return 1;
	}
	if (server == 0) {
		close(ctl[0]);
		server_run(lfd, ctl[1]);
		_exit(0);
	}
	close(ctl[1]);
	close(lfd);

	if (cfg.print_pids) {
		printf("client_pid=%d server_pid=%d port=%u\n", getpid(), server, cfg.port);
		fflush(stdout);
	}
	sigprocmask(SIG_BLOCK, &intterm, NULL);
	if (cfg.wait_start)
		wait_signal(0);

	/* the client threads inherit INT/TERM blocked: only the main thread takes them */
	cpu_start = cpu_ns();
	t_start = now_ns();
	if (cfg.mode == FAIL_RACE)
		started = race_start(threads);
	for (i = 0; cfg.mode != FAIL_RACE && i < cfg.concurrency && !stopping; i++) {
		if (pthread_create(&threads[i], NULL, client_thread, NULL)) {
			fprintf(stderr, "tcpchurn: cannot start client thread %u\n", i);
			stop(1);
			break;
		}
		started++;
	}
	sigprocmask(SIG_UNBLOCK, &intterm, NULL);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (cfg.mode == FAIL_RACE && !stopping)
		race_finish();

	/* tell the server how many to expect, and wait until it has closed them all */
	connects = __atomic_load_n(&n_connects, __ATOMIC_RELAXED);
	if (write(ctl[0], &connects, sizeof(connects)) != sizeof(connects) ||
	    read(ctl[0], &sc, sizeof(sc)) != sizeof(sc)) {
		fprintf(stderr, "tcpchurn: the server process went away\n");
		stop(1);
	}
	elapsed = (sc.t_done ? sc.t_done : now_ns()) - t_start;
	cpu_client = cpu_ns() - cpu_start;

	printf("mode=%s family=%d port=%u client_pid=%d server_pid=%d attempts=%llu "
	       "connects=%llu accepted=%llu client_closes=%llu server_closes=%llu "
	       "eaddrnotavail=%llu errors=%llu elapsed_ns=%llu cpu_ns=%llu",
	       mode_names[cfg.mode], cfg.family == AF_INET ? 4 : 6, cfg.port, getpid(), server,
	       (unsigned long long)n_attempts, (unsigned long long)connects,
	       (unsigned long long)sc.accepted, (unsigned long long)n_client_closes,
	       (unsigned long long)sc.closes, (unsigned long long)n_eaddrnotavail,
	       (unsigned long long)(n_errors + sc.errors), (unsigned long long)elapsed,
	       (unsigned long long)(cpu_client + sc.cpu_ns));
	if (cfg.mode == FAIL_RACE)
		printf(" rounds=%llu ports_held=%u cpus=%d,%d", (unsigned long long)cfg.count,
		       race_nheld_max, race_cpus[0], race_cpus[1]);
	printf("\n");
	fflush(stdout);

	if (cfg.hold && !stopping) {
		sigprocmask(SIG_BLOCK, &intterm, NULL);
		wait_signal(cfg.hold_s);
	}
	if (cfg.again && !stopping) {
		/* the server is still accepting: this process opens more, in its main thread */
		uint64_t before = n_connects;

		cfg.count = cfg.again;
		cfg.rate = 0;
		next_index = 0;
		client_thread(NULL);
		printf("again_connects=%llu\n", (unsigned long long)(n_connects - before));
		fflush(stdout);
	}

	close(ctl[0]);
	waitpid(server, &status, 0);
	ret = stop_reason;
	if (!ret && (sc.errors || !WIFEXITED(status) || WEXITSTATUS(status)))
		ret = 1;
	return ret;
}
