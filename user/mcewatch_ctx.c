// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mcewatch_ctx.h"

/* "name v..." at the start of a line: the value after the name, or -1 when absent. */
static int stat_field(const char *text, const char *name, __u64 *v)
{
	size_t n = strlen(name);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ' ') {
			char *end;

			*v = strtoull(p + n + 1, &end, 10);
			return end == p + n + 1 ? -1 : 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int ctx_parse_stat(const char *text, struct ctx_snap *s)
{
	unsigned long long f[10] = {0};
	__u64 v;
	int n;

	s->have_stat = false;
	/* cpu  user nice system idle iowait irq softirq steal guest guest_nice */
	n = sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
		   &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]);
	if (n < 4)
		return -1;
	/* guest time is already counted in user and nice */
	s->cpu_busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
	s->cpu_total = s->cpu_busy + f[3] + f[4];
	if (stat_field(text, "ctxt", &s->ctxt) || stat_field(text, "intr", &s->intr))
		return -1;
	if (stat_field(text, "processes", &s->forks))
		s->forks = 0;
	s->running = stat_field(text, "procs_running", &v) ? 0 : (__u32)v;
	s->blocked = stat_field(text, "procs_blocked", &v) ? 0 : (__u32)v;
	s->have_stat = true;
	return 0;
}

int ctx_parse_loadavg(const char *text, struct ctx_snap *s)
{
	unsigned int running, tasks;

	s->have_loadavg = false;
	/* "0.52 0.58 0.59 2/1123 4567": the 4th field is runnable/existing entities */
	if (sscanf(text, "%lf %lf %lf %u/%u", &s->load1, &s->load5, &s->load15, &running, &tasks) !=
	    5)
		return -1;
	s->tasks = tasks;
	s->have_loadavg = true;
	return 0;
}

/* /proc/stat's intr line has a field per interrupt: thousands on big hosts, so grow. */
static char *read_file(const char *path)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap), *nbuf;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len > 1)
			continue;
		nbuf = realloc(buf, cap * 2);
		if (!nbuf)
			break;
		buf = nbuf;
		cap *= 2;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

int ctx_read(struct ctx_snap *s)
{
	struct timespec ts;
	char *text;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->t_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	text = read_file("/proc/stat");
	if (text) {
		ctx_parse_stat(text, s);
		free(text);
	}
	text = read_file("/proc/loadavg");
	if (text) {
		ctx_parse_loadavg(text, s);
		free(text);
	}
	return s->have_stat || s->have_loadavg ? 0 : -1;
}

static double per_s(__u64 a, __u64 b, double secs)
{
	return b >= a && secs > 0 ? (double)(b - a) / secs : 0;
}

void ctx_rates(const struct ctx_snap *a, const struct ctx_snap *b, struct ctx_rates *r)
{
	double secs = b->t_ns > a->t_ns ? (b->t_ns - a->t_ns) / 1e9 : 0;
	__u64 total;

	memset(r, 0, sizeof(*r));
	if (!a->have_stat || !b->have_stat)
		return;
	r->csw_per_s = per_s(a->ctxt, b->ctxt, secs);
	r->intr_per_s = per_s(a->intr, b->intr, secs);
	r->forks_per_s = per_s(a->forks, b->forks, secs);
	total = b->cpu_total > a->cpu_total ? b->cpu_total - a->cpu_total : 0;
	if (total && b->cpu_busy >= a->cpu_busy)
		r->cpu_pct = 100.0 * (double)(b->cpu_busy - a->cpu_busy) / (double)total;
}

bool ctx_per_hour(__u64 count, double secs, double *per_hour, bool *extrapolated)
{
	*per_hour = 0;
	*extrapolated = false;
	if (!(secs >= CTX_RATE_MIN_S))
		return false;
	*per_hour = count * 3600.0 / secs;
	*extrapolated = secs < 3600;
	return true;
}
