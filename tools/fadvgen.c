// SPDX-License-Identifier: GPL-2.0
/*
 * fadvgen: the fadvise workload fadvtop's tests and benchmark drive.
 *
 *   fadvgen [-m write] [-a ADVICE[,ADVICE...]] [-n COUNT] [-s BYTES] [-t THREADS] [-f FILE]
 *	glog-like: append BYTES to FILE, then posix_fadvise(fd, 0, written, ADVICE); COUNT times
 *	per thread, cycling through the advice list.
 *   fadvgen -m advise [-a ADVICE[,ADVICE...]] [-n COUNT] [-s BYTES] [-t THREADS] [-f FILE]
 *	write BYTES once and fsync, then posix_fadvise(fd, 0, BYTES, ADVICE) COUNT times per
 *	thread with no writes in between: the bare cost of a call, steadier than the glog loop
 *	(whose writeback makes every call's cost depend on the disk) for the benchmark.
 *   fadvgen -m cache [-s BYTES] [-f FILE]
 *	write BYTES, fsync, read them back into the page cache, then DONTNEED the whole file
 *	twice; mincore() says how many pages were cached before and after each call.
 *
 * The last line on stdout is machine-readable: "fadvgen pid=P calls=N dontneed=N ... ns=T",
 * the truth the tests compare fadvtop against.  Files are removed at the end unless -k.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define MAX_THREADS 64
#define MAX_ADVICE 16

static const char *const advice_names[] = {
	[POSIX_FADV_NORMAL] = "normal",		[POSIX_FADV_RANDOM] = "random",
	[POSIX_FADV_SEQUENTIAL] = "sequential", [POSIX_FADV_WILLNEED] = "willneed",
	[POSIX_FADV_DONTNEED] = "dontneed",	[POSIX_FADV_NOREUSE] = "noreuse",
};
#define NR_ADVICE (sizeof(advice_names) / sizeof(advice_names[0]))

static struct {
	const char *mode;
	const char *file;
	long count;
	long size;
	int threads;
	bool keep;
	int advice[MAX_ADVICE];
	int nr_advice;
} cfg = {
	.mode = "write",
	.count = 1000,
	.size = 200,
	.threads = 1,
	.advice = {POSIX_FADV_DONTNEED},
	.nr_advice = 1,
};

struct worker {
	pthread_t thread;
	char path[4096];
	long calls[NR_ADVICE];
	long errors;
	long long bytes;
};

static struct worker workers[MAX_THREADS];

static __attribute__((noreturn)) void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: fadvgen [-m write|advise|cache] [-a ADVICE[,ADVICE...]] [-n COUNT] [-s "
		"BYTES]\n"
		"               [-t THREADS] [-f FILE] [-k]\n"
		"  ADVICE: normal random sequential willneed dontneed noreuse\n");
	exit(status);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int parse_advice(char *arg)
{
	char *tok, *save = NULL;
	size_t i;

	cfg.nr_advice = 0;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_ADVICE; i++)
			if (strcasecmp(tok, advice_names[i]) == 0)
				break;
		if (i == NR_ADVICE || cfg.nr_advice == MAX_ADVICE)
			return -1;
		cfg.advice[cfg.nr_advice++] = i;
	}
	return cfg.nr_advice ? 0 : -1;
}

static long parse_long(const char *arg, long min, long max)
{
	long v;

	if (!gen_parse_long(arg, min, max, &v)) {
		fprintf(stderr, "fadvgen: bad number '%s'\n", arg);
		usage(2);
	}
	return v;
}

static void *advise_loop(void *arg)
{
	struct worker *w = arg;
	long i, done = 0;
	char buf[4096];
	int fd;

	fd = open(w->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fadvgen: cannot create %s: %s\n", w->path, strerror(errno));
		w->errors = cfg.count;
		return NULL;
	}
	memset(buf, 'a', sizeof(buf));
	while (done < cfg.size) {
		long n = cfg.size - done < (long)sizeof(buf) ? cfg.size - done : (long)sizeof(buf);
		ssize_t r = write(fd, buf, n);

		if (r <= 0)
			break;
		done += r;
	}
	fsync(fd);
	for (i = 0; i < cfg.count; i++) {
		int advice = cfg.advice[i % cfg.nr_advice];

		if (posix_fadvise(fd, 0, cfg.size, advice))
			w->errors++;
		w->calls[advice]++;
		w->bytes += cfg.size;
	}
	close(fd);
	return NULL;
}

static void *write_loop(void *arg)
{
	struct worker *w = arg;
	char *buf;
	long i;
	int fd;

	buf = malloc(cfg.size);
	if (!buf)
		return NULL;
	memset(buf, 'x', cfg.size);
	buf[cfg.size - 1] = '\n';
	fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fadvgen: cannot create %s: %s\n", w->path, strerror(errno));
		w->errors = cfg.count;
		free(buf);
		return NULL;
	}
	for (i = 0; i < cfg.count; i++) {
		int advice = cfg.advice[i % cfg.nr_advice];

		if (write(fd, buf, cfg.size) == cfg.size)
			w->bytes += cfg.size;
		/* what glog does after each write: drop everything written so far */
		if (posix_fadvise(fd, 0, w->bytes, advice))
			w->errors++;
		w->calls[advice]++;
	}
	close(fd);
	free(buf);
	return NULL;
}

/* pages of fd's first len bytes that are in the page cache right now */
static long cached_pages(int fd, long len)
{
	long page = sysconf(_SC_PAGESIZE), n = (len + page - 1) / page, i, cached = 0;
	unsigned char *vec;
	void *map;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	vec = calloc(n, 1);
	if (vec && mincore(map, len, vec) == 0)
		for (i = 0; i < n; i++)
			cached += vec[i] & 1;
	else
		cached = -1;
	free(vec);
	munmap(map, len);
	return cached;
}

static int cache_mode(struct worker *w)
{
	long before, after1, after2, done = 0;
	char buf[65536];
	ssize_t r;
	int fd;

	fd = open(w->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fadvgen: cannot create %s: %s\n", w->path, strerror(errno));
		return 1;
	}
	memset(buf, 'c', sizeof(buf));
	while (done < cfg.size) {
		long n = cfg.size - done < (long)sizeof(buf) ? cfg.size - done : (long)sizeof(buf);

		r = write(fd, buf, n);
		if (r <= 0)
			goto fail;
		done += r;
	}
	/* clean pages only: DONTNEED cannot drop pages still dirty or under writeback */
	if (fsync(fd))
		goto fail;
	if (lseek(fd, 0, SEEK_SET) < 0)
		goto fail;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	before = cached_pages(fd, cfg.size);
	if (posix_fadvise(fd, 0, cfg.size, POSIX_FADV_DONTNEED))
		w->errors++;
	w->calls[POSIX_FADV_DONTNEED]++;
	after1 = cached_pages(fd, cfg.size);
	if (posix_fadvise(fd, 0, cfg.size, POSIX_FADV_DONTNEED))
		w->errors++;
	w->calls[POSIX_FADV_DONTNEED]++;
	after2 = cached_pages(fd, cfg.size);
	w->bytes = cfg.size;
	close(fd);
	printf("fadvgen cache pid=%d cached_before=%ld dropped1=%ld dropped2=%ld\n", getpid(),
	       before, before - after1, after1 - after2);
	return 0;
fail:
	fprintf(stderr, "fadvgen: %s: %s\n", w->path, strerror(errno));
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	char default_file[64];
	long calls[NR_ADVICE] = {0}, total = 0, errors = 0;
	void *(*loop)(void *);
	long long start, ns, bytes = 0;
	size_t a;
	int c, i, status = 0;

	gen_bound_lifetime("fadvgen");
	while ((c = getopt(argc, argv, "m:a:n:s:t:f:kh")) != -1) {
		switch (c) {
		case 'm':
			cfg.mode = optarg;
			break;
		case 'a':
			if (parse_advice(optarg)) {
				fprintf(stderr, "fadvgen: bad advice list '%s'\n", optarg);
				usage(2);
			}
			break;
		case 'n':
			cfg.count = parse_long(optarg, 0, 1L << 40);
			break;
		case 's':
			cfg.size = parse_long(optarg, 1, 1L << 34);
			break;
		case 't':
			cfg.threads = parse_long(optarg, 1, MAX_THREADS);
			break;
		case 'f':
			cfg.file = optarg;
			break;
		case 'k':
			cfg.keep = true;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (strcmp(cfg.mode, "write") && strcmp(cfg.mode, "cache") && strcmp(cfg.mode, "advise"))
		usage(2);
	if (!cfg.file) {
		/* not /tmp: a tmpfs there would make DONTNEED a no-op */
		snprintf(default_file, sizeof(default_file), "/var/tmp/fadvgen.%d", getpid());
		cfg.file = default_file;
	}
	for (i = 0; i < cfg.threads; i++) {
		if (cfg.threads == 1)
			snprintf(workers[i].path, sizeof(workers[i].path), "%s", cfg.file);
		else
			snprintf(workers[i].path, sizeof(workers[i].path), "%s.%d", cfg.file, i);
	}

	loop = strcmp(cfg.mode, "advise") == 0 ? advise_loop : write_loop;
	start = now_ns();
	if (strcmp(cfg.mode, "cache") == 0) {
		cfg.threads = 1;
		status = cache_mode(&workers[0]);
	} else if (cfg.threads == 1) {
		loop(&workers[0]);
	} else {
		for (i = 0; i < cfg.threads; i++)
			if (pthread_create(&workers[i].thread, NULL, loop, &workers[i])) {
				fprintf(stderr, "fadvgen: cannot start thread %d\n", i);
				return 1;
			}
		for (i = 0; i < cfg.threads; i++)
			pthread_join(workers[i].thread, NULL);
	}
	ns = now_ns() - start;

	for (i = 0; i < cfg.threads; i++) {
		for (a = 0; a < NR_ADVICE; a++) {
			calls[a] += workers[i].calls[a];
			total += workers[i].calls[a];
		}
		errors += workers[i].errors;
		bytes += workers[i].bytes;
		if (!cfg.keep)
			unlink(workers[i].path);
	}
	printf("fadvgen pid=%d calls=%ld", getpid(), total);
	for (a = 0; a < NR_ADVICE; a++)
		printf(" %s=%ld", advice_names[a], calls[a]);
	printf(" errors=%ld bytes=%lld ns=%lld\n", errors, bytes, ns);
	return status || errors ? 1 : 0;
}
