// SPDX-License-Identifier: GPL-2.0
/*
 * epollbench: a request/response workload over TCP on loopback (or any local address), whose
 * server counts its own epoll_wait calls and the events each returned, so netcheck watch's
 * figures can be checked against it.
 *
 *   epollbench server [-a ADDR] [-P PORT] [-t TIMEOUT_MS] [-m MAXEVENTS] [-n REQUESTS] [-s SIZE]
 *                     [-w]
 *       Serves SIZE-byte requests with SIZE-byte responses from one epoll loop and exits after
 *       REQUESTS (0: until SIGINT/SIGTERM).  -w: bind, print "ready", then wait for SIGUSR1
 *       before the loop (so a tracer can attach first).  On exit prints KEY=VALUE lines:
 *       epoll_waits, events, zero_returns, requests, accepts, voluntary_switches (from
 *       /proc/self/status around the loop: each sleep in epoll_wait is one) and events_hist
 *       (log2 slots as kscope prints them: "slot:count,...", slot 0 = 0 events, slot i =
 *       [2^(i-1), 2^i - 1]).
 *   epollbench client [-a ADDR] [-P PORT] [-c CONNS] [-n REQUESTS] [-s SIZE]
 *       CONNS connections, each with one request in flight until REQUESTS were answered in
 *       all; prints requests, elapsed_ns, ns_per_request.
 *   epollbench once [-n PROCESSES]
 *       PROCESSES short-lived processes one after another, each making one epoll_wait call
 *       (timeout 0) and exiting: churn for a tracer's per-process table; prints processes and
 *       epoll_waits (the calls that returned).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define MAX_CONNS 4096
#define MAX_SIZE 65536
#define SLOTS 65

static const char *addr = "127.0.0.1";
static int port = 7878, timeout_ms = -1, maxevents = 1024, size = 64, conns = 1, work_us;
static long requests;
static bool wait_start;
static volatile sig_atomic_t stop;

static void die(const char *what)
{
	fprintf(stderr, "epollbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* busy for us microseconds: work on the CPU, not a sleep (which would show as epoll sleeps) */
static void spin_us(int us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: epollbench server [-a ADDR] [-P PORT] [-t TIMEOUT_MS] [-m MAXEVENTS] "
		"[-n REQUESTS] [-s SIZE] [-W WORK_US] [-w]\n"
		"       epollbench client [-a ADDR] [-P PORT] [-c CONNS] [-n REQUESTS] [-s "
		"SIZE]\n"
		"       epollbench once [-n PROCESSES]\n");
	exit(2);
}

static long num(const char *s, long min, long max)
{
	long v;

	if (!gen_parse_long(s, min, max, &v)) {
		fprintf(stderr, "epollbench: bad number '%s' (%ld..%ld)\n", s, min, max);
		exit(2);
	}
	return v;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned int slot(unsigned long long v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

static long voluntary_switches(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct sockaddr_in sockaddr(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "epollbench: bad IPv4 address '%s'\n", addr);
		exit(2);
	}
	return sa;
}

/* Reads until a whole request (size bytes) is in; the connection's fill level is kept. */
struct conn {
	int fd;
	int have;
};

static int server(void)
{
	struct sockaddr_in sa = sockaddr();
	struct epoll_event ev, *events;
	unsigned long long hist[SLOTS] = {0}, waits = 0, nevents = 0, zero = 0, served = 0;
	unsigned long long accepts = 0;
	static struct conn cs[MAX_CONNS];
	static char buf[MAX_SIZE];
	int lfd, ep, one = 1;
	long vcsw0, vcsw1;
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, MAX_CONNS))
		die("bind/listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	events = calloc(maxevents, sizeof(*events));
	if (ep < 0 || !events)
		die("epoll_create1");
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = ~0ull};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die("epoll_ctl");
	printf("ready pid=%d port=%d\n", getpid(), port);
	fflush(stdout);
	if (wait_start) {
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sigwait(&set, &sig);
	}

	vcsw0 = voluntary_switches();
	while (!stop && (!requests || served < (unsigned long long)requests)) {
		int n = epoll_wait(ep, events, maxevents, timeout_ms);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		waits++;
		nevents += n;
		zero += n == 0;
		hist[slot(n)]++;
		/*
		 * -W: work per wakeup, as a real server does between two epoll_wait calls; with
		 * many clients each keeping a request in flight, theirs arrive meanwhile and the
		 * next call returns them together
		 */
		if (work_us && n > 0)
			spin_us(work_us);
		for (int i = 0; i < n; i++) {
			struct conn *c;
			ssize_t r;

			if (events[i].data.u64 == ~0ull) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if (fd >= MAX_CONNS) {
						close(fd);
						continue;
					}
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					cs[fd] = (struct conn){.fd = fd};
					ev = (struct epoll_event){.events = EPOLLIN,
								  .data.u64 = fd};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					accepts++;
				}
				continue;
			}
			c = &cs[events[i].data.u64];
			r = read(c->fd, buf, size - c->have);
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				close(c->fd);
				continue;
			}
			c->have += r;
			if (c->have < size)
				continue;
			c->have = 0;
			if (write(c->fd, buf, size) != size) {
				close(c->fd);
				continue;
			}
			served++;
		}
	}
	vcsw1 = voluntary_switches();

	printf("epoll_waits=%llu\nevents=%llu\nzero_returns=%llu\nrequests=%llu\naccepts=%llu\n"
	       "voluntary_switches=%ld\nevents_hist=",
	       waits, nevents, zero, served, accepts, vcsw1 - vcsw0);
	for (int i = 0, first = 1; i < SLOTS; i++)
		if (hist[i]) {
			printf("%s%d:%llu", first ? "" : ",", i, hist[i]);
			first = 0;
		}
	printf("\n");
	return 0;
}

static int client(void)
{
	struct sockaddr_in sa = sockaddr();
	struct epoll_event ev, events[256];
	static struct conn cs[MAX_CONNS];
	static char buf[MAX_SIZE];
	long sent = 0, done = 0;
	unsigned long long t0;
	int ep, one = 1;

	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	memset(buf, 'q', sizeof(buf));
	t0 = now_ns();
	for (int i = 0; i < conns; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			die("connect");
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(fd, F_SETFL, O_NONBLOCK);
		cs[i] = (struct conn){.fd = fd};
		ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl");
	}
	/* one request in flight per connection */
	for (int i = 0; i < conns && sent < requests; i++, sent++)
		if (write(cs[i].fd, buf, size) != size)
			die("write");
	while (done < requests) {
		int n = epoll_wait(ep, events, 256, 10000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "epollbench: no response for 10 s (%ld of %ld done)\n",
				done, requests);
			return 1;
		}
		/* once all are answered the server exits: the other sockets then read EOF */
		for (int i = 0; i < n && done < requests; i++) {
			struct conn *c = &cs[events[i].data.u32];
			ssize_t r = read(c->fd, buf, size - c->have);

			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				fprintf(stderr,
					"epollbench: server closed a connection (%ld of %ld "
					"done)\n",
					done, requests);
				return 1;
			}
			c->have += r;
			if (c->have < size)
				continue;
			c->have = 0;
			done++;
			if (sent < requests) {
				if (write(c->fd, buf, size) != size)
					die("write");
				sent++;
			}
		}
	}
	t0 = now_ns() - t0;
	printf("requests=%ld\nelapsed_ns=%llu\nns_per_request=%llu\n", done, t0,
	       done ? t0 / done : 0);
	for (int i = 0; i < conns; i++)
		close(cs[i].fd);
	return 0;
}

static int once(void)
{
	long calls = 0;

	for (long i = 0; i < requests; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("epollbench: fork");
			return 1;
		}
		if (pid == 0) {
			struct epoll_event ev;
			int ep = epoll_create1(0);

			_exit(ep < 0 || epoll_wait(ep, &ev, 1, 0) < 0);
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
			calls++;
	}
	printf("processes=%ld\nepoll_waits=%ld\n", requests, calls);
	return calls == requests ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool is_server, is_once = false;
	int c;

	gen_bound_lifetime("epollbench");
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "once"))
		is_once = true;
	if (!strcmp(argv[1], "server"))
		is_server = true;
	else if (is_once)
		is_server = false;
	else if (!strcmp(argv[1], "client"))
		is_server = false;
	else
		usage();
	requests = is_server ? 0 : 10000;
	optind = 2;
	while ((c = getopt(argc, argv, "a:P:t:m:n:s:c:W:w")) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'P':
			port = num(optarg, 1, 65535);
			break;
		case 't':
			timeout_ms = num(optarg, -1, 3600000);
			break;
		case 'm':
			maxevents = num(optarg, 1, 65536);
			break;
		case 'n':
			requests = num(optarg, 0, 1L << 40);
			break;
		case 's':
			size = num(optarg, 1, MAX_SIZE);
			break;
		case 'c':
			conns = num(optarg, 1, MAX_CONNS - 16);
			break;
		case 'W':
			work_us = num(optarg, 0, 1000000);
			break;
		case 'w':
			wait_start = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (is_once)
		return once();
	return is_server ? server() : client();
}
