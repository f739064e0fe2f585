// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "json.h"
#include "out.h"

static const char *tool_name = "kscope";
static bool json_mode;
static bool verbose_mode;
static bool quiet_mode;

const char *out_tool_name(void)
{
	return tool_name;
}

bool out_json(void)
{
	return json_mode;
}

bool out_verbose(void)
{
	return verbose_mode;
}

void out_stdio_guard(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/*
		 * Hold the number with /dev/null, read-only: a write to a closed stdout then fails
		 * and is reported, instead of going into the next file or BPF link the tool opens.
		 */
		nfd = open("/dev/null", O_RDONLY);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

static bool output_failed;

int out_flush(void)
{
	int err;

	if (!fflush(stdout) && !ferror(stdout))
		return 0;
	err = errno;
	/* the error goes to stderr even with --json: stdout is what failed */
	if (!output_failed)
		fprintf(stderr,
			"%s: cannot write the output: %s (is the disk full, or standard "
			"output closed?)\n",
			tool_name, err ? strerror(err) : "write error");
	output_failed = true;
	return -1;
}

bool out_failed(void)
{
	return output_failed;
}

static void out_exit_check(void)
{
	if (out_flush() || output_failed)
		_exit(1);
}

void out_init(const char *name, bool json, bool verbose)
{
	static bool registered;

	/* a tool that could not write its output did not do its job, whatever main returns */
	if (!registered && !atexit(out_exit_check))
		registered = true;
	tool_name = name;
	json_mode = json;
	verbose_mode = verbose;
}

void out_error(const char *fmt, ...)
{
	char msg[1024];
	struct json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (!json_mode) {
		fprintf(stderr, "%s: %s\n", tool_name, msg);
		return;
	}
	/* As bpftool does: in JSON mode the error is a JSON object on stdout. */
	json_init(&j, stdout);
	json_event_begin(&j, "error");
	json_kv_string(&j, "error", msg);
	json_object_end(&j);
	json_line_end(&j);
}

static void note_vprint(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", tool_name, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void out_quiet(void)
{
	quiet_mode = true;
}

void out_note(const char *fmt, ...)
{
	va_list ap;

	if (quiet_mode)
		return;

	va_start(ap, fmt);
	note_vprint("note: ", fmt, ap);
	va_end(ap);
}

void out_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_mode)
		return;
	va_start(ap, fmt);
	note_vprint("", fmt, ap);
	va_end(ap);
}

size_t out_sanitize(char *out, size_t out_len, const char *in, size_t in_len)
{
	size_t o = 0;

	if (!out_len)
		return 0;
	for (size_t i = 0; i < in_len && in[i]; i++) {
		unsigned char c = in[i];
		char tmp[5];
		size_t n;

		if (c == '\\') {
			n = 2;
			memcpy(tmp, "\\\\", 2);
		} else if (c >= 0x20 && c < 0x7f) {
			n = 1;
			tmp[0] = c;
		} else {
			n = 4;
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		}
		if (o + n >= out_len)
			break;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

const char *out_bytes(char *buf, size_t len, __u64 bytes)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	return buf;
}

const char *out_duration(char *buf, size_t len, __u64 ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

const char *out_clock(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

__u64 out_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static bool batching;

void out_batch(bool on)
{
	batching = on;
	/* a failed write is said once and makes the exit status 1 (out_exit_check) */
	if (!on)
		out_flush();
}

bool out_batching(void)
{
	return batching;
}
