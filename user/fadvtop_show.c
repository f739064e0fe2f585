// SPDX-License-Identifier: GPL-2.0
/*
 * fadvtop: what one period looks like.  From what fadvtop_report() made (st->period: the
 * groups, their files named, the waits, the diagnosis): the table, the JSON object or the
 * Prometheus file; and with --events, each call.  Nothing here reads a map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "fadvtop_report.h"
#include "cgroup.h"
#include "hist.h"
#include "out.h"
#include "prom.h"
#include "table.h"
#include "fadvtop_show.h"

/* ---- names ---------------------------------------------------------------------------- */

const char *fadvtop_label(__u64 cgroup_id, char *buf, size_t len)
{
	return cgroup_label(cgroup_id, buf, len);
}

/* "container" as every kscope tool shows it (12 characters, or "pod:<uid>"), and the full id */
void fadvtop_json_container(struct json *j, __u64 cgroup_id)
{
	const char *path = cgroup_path_of_id(cgroup_id);
	struct container ct;
	bool found = path && cgroup_parse_container(path, &ct);

	cgroup_json_fields(j, cgroup_id);
	if (found && ct.id[0])
		json_kv_string(j, "container_id", ct.id);
	else
		json_kv_null(j, "container_id");
	if (found && ct.pod_uid[0])
		json_kv_string(j, "pod", ct.pod_uid);
	else
		json_kv_null(j, "pod");
}

static void json_counters(struct fadvtop_state *st, struct json *j, const struct fadv_val *v)
{
	__u64 calls = fadv_val_calls(v);
	int a;

	json_kv_u64(j, "calls", calls);
	json_key(j, "by_advice");
	json_object_begin(j);
	for (a = 0; a < FADV_ADVICE_SLOTS; a++)
		json_kv_u64(j, fadv_advice_names[a], v->calls[a]);
	json_object_end(j);
	json_kv_u64(j, "total_ns", v->total_ns);
	json_kv_u64(j, "mean_ns", calls ? v->total_ns / calls : 0);
	json_kv_u64(j, "bytes", v->bytes);
	json_kv_u64(j, "errors", v->errors);
	if (st->pages_known) {
		json_kv_u64(j, "pages_dropped", v->pages_dropped);
		json_kv_u64(j, "pages_other", v->pages_other);
		json_kv_u64(j, "dontneed_empty", v->dontneed_empty);
	} else {
		json_kv_null(j, "pages_dropped");
		json_kv_null(j, "pages_other");
		json_kv_null(j, "dontneed_empty");
	}
	if (st->locks_known) {
		json_kv_u64(j, "lock_wait_ns", v->lock_wait_ns);
		json_kv_u64(j, "lock_waits", v->lock_waits);
	} else {
		json_kv_null(j, "lock_wait_ns");
		json_kv_null(j, "lock_waits");
	}
}

/* ---- one period ---------------------------------------------------------------------- */

static void show_json(struct fadvtop_state *st, const struct fadvtop_period *r)
{
	struct json *j = &st->json;
	size_t i, k;

	json_event_begin(j, r->summary ? "summary" : "interval");
	if (r->summary)
		json_summary_counts(j, r->secs, st->ev.rb ? st->ev.lost_reported : 0, r->misses);
	else
		json_kv_double(j, "interval_s", r->secs);
	/* every call, and those in no row: their rows the kernel's table evicted before a read */
	json_kv_u64(j, "calls", r->calls);
	json_key(j, "unattributed");
	json_object_begin(j);
	json_kv_u64(j, "calls", r->unattributed);
	json_object_end(j);
	json_key(j, "rows");
	json_array_begin(j);
	for (i = 0; i < r->shown; i++) {
		const struct group *g = &r->groups[i];

		json_object_begin(j);
		fadvtop_json_container(j, g->cgroup_id);
		if (st->common.containers) {
			json_kv_null(j, "pid");
			json_kv_null(j, "comm");
		} else {
			json_kv_u64(j, "pid", g->tgid);
			json_key(j, "comm");
			json_string_n(j, g->v.comm, sizeof(g->v.comm));
		}
		json_counters(st, j, &g->v);
		json_key(j, "hist_ns");
		hist_json(j, g->v.hist);
		json_key(j, "files");
		json_array_begin(j);
		for (k = 0; k < g->files_shown; k++) {
			const struct row *f = &g->files[k];

			json_object_begin(j);
			json_kv_string(j, "file", r->names[f - r->deltas]);
			json_kv_u64(j, "dev_major", f->key.dev >> 20);
			json_kv_u64(j, "dev_minor", f->key.dev & 0xfffff);
			json_kv_u64(j, "ino", f->key.ino);
			json_counters(st, j, &f->val);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_u64(j, "rows_total", r->ngroups);
	json_key(j, "waits");
	json_array_begin(j);
	for (i = 0; i < r->nwaits; i++) {
		const struct wrow *w = &r->waits[i];
		const char *wp = cgroup_path_of_id(w->key.waiter_cgroup);
		const char *hp =
			w->key.holder_cgroup ? cgroup_path_of_id(w->key.holder_cgroup) : NULL;

		json_object_begin(j);
		json_kv_u64(j, "waiter_cgroup_id", w->key.waiter_cgroup);
		if (wp)
			json_kv_string(j, "waiter_cgroup", wp);
		else
			json_kv_null(j, "waiter_cgroup");
		json_kv_u64(j, "holder_cgroup_id", w->key.holder_cgroup);
		if (hp)
			json_kv_string(j, "holder_cgroup", hp);
		else
			json_kv_null(j, "holder_cgroup");
		json_kv_bool(j, "exact", w->key.exact);
		json_kv_u64(j, "wait_ns", w->val.wait_ns);
		json_kv_u64(j, "count", w->val.count);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "diagnosis");
	json_array_begin(j);
	for (int d = 0; d < r->ndiag; d++)
		json_string(j, r->diag[d]);
	json_array_end(j);
	if (!r->summary)
		json_kv_u64(j, "missed_events", r->misses);
	json_object_end(j);
	json_line_end(j);
}

/* exact counts for the totals (div 1), rates for an interval */
static const char *count_or_rate(char *buf, size_t len, __u64 v, double div)
{
	if (div == 1)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		fadv_count(buf, len, v / div);
	return buf;
}

static void pct_str(char *buf, size_t len, __u64 part, __u64 whole, bool known)
{
	if (!known)
		snprintf(buf, len, "-");
	else if (!whole)
		snprintf(buf, len, "0%%");
	else
		snprintf(buf, len, "%.0f%%", part * 100.0 / whole);
}

static void show_table(struct fadvtop_state *st, const struct fadvtop_period *r)
{
	size_t i;
	double secs = r->secs > 0 ? r->secs : 1;
	double div = r->summary ? 1 : secs;
	struct fadv_val all = {0};
	char clock[16], a[32], b[32], d[32], e[32], lbl[64], safe[96];

	for (i = 0; i < r->ngroups; i++)
		fadv_val_add(&all, &r->groups[i].v);
	if (r->summary)
		printf("\nTotals over %.1f s:\n", secs);
	else if (st->common.timestamp)
		printf("%s\n", out_clock(clock, sizeof(clock)));
	pct_str(a, sizeof(a), all.lock_wait_ns, all.total_ns, st->locks_known);
	/* the calls are every call, those in no row included */
	printf("fadvise: %s calls/s (%s DONTNEED/s), %s/s inside, %s of it waiting on locks\n",
	       fadv_count(b, sizeof(b), r->calls / secs),
	       fadv_count(d, sizeof(d), all.calls[FADV_DONTNEED] / secs),
	       out_duration(e, sizeof(e), all.total_ns / secs), a);
	/* the totals are counts; an interval shows rates */
	printf("%-20s %7s %-13s %8s %10s %8s %5s %7s\n", "CONTAINER", "PID", "COMM",
	       r->summary ? "CALLS" : "CALLS/s", r->summary ? "DONTNEED" : "DONTNEED/s", "AVG",
	       "LOCK%", r->summary ? "DROPPED" : "DROP/s");
	for (i = 0; i < r->shown; i++) {
		const struct group *g = &r->groups[i];
		__u64 calls = fadv_val_calls(&g->v);
		char pid[16], comm[64], drop[16], lock[16];

		fadvtop_label(g->cgroup_id, lbl, sizeof(lbl));
		out_sanitize(safe, sizeof(safe), lbl, sizeof(lbl));
		if (st->common.containers) {
			snprintf(pid, sizeof(pid), "-");
			snprintf(comm, sizeof(comm), "-");
		} else {
			snprintf(pid, sizeof(pid), "%u", g->tgid);
			out_sanitize(comm, sizeof(comm), g->v.comm, sizeof(g->v.comm));
		}
		pct_str(lock, sizeof(lock), g->v.lock_wait_ns, g->v.total_ns, st->locks_known);
		if (st->pages_known)
			count_or_rate(drop, sizeof(drop), g->v.pages_dropped, div);
		else
			snprintf(drop, sizeof(drop), "-");
		printf("%-20.20s %7s %-13.13s %8s %10s %8s %5s %7s\n", safe, pid, comm,
		       count_or_rate(a, sizeof(a), calls, div),
		       count_or_rate(b, sizeof(b), g->v.calls[FADV_DONTNEED], div),
		       out_duration(d, sizeof(d), calls ? g->v.total_ns / calls : 0), lock, drop);
		if (st->cfg->hist || r->summary)
			hist_print(stdout, g->v.hist, "nsecs");
	}
	table_more(stdout, r->shown, r->ngroups);
	if (r->unattributed)
		printf("%llu fadvise calls in no row above: more than %u (cgroup, process, file) "
		       "rows "
		       "between two reads, and the kernel's table evicted some\n",
		       (unsigned long long)r->unattributed, bpf_map__max_entries(st->rows_map));

	if (r->files_shown) {
		printf("%-20s %7s %-30s %8s %8s %7s\n", "FILE OF CONTAINER", "PID", "FILE",
		       r->summary ? "CALLS" : "CALLS/s", "AVG", r->summary ? "DROPPED" : "DROP/s");
		for (i = 0; i < r->files_shown; i++) {
			const struct row *f = &r->deltas[i];
			__u64 calls = fadv_val_calls(&f->val);
			const char *name = r->names[i];
			char sname[512], drop[16];
			size_t len;

			fadvtop_label(f->key.cgroup_id, lbl, sizeof(lbl));
			out_sanitize(safe, sizeof(safe), lbl, sizeof(lbl));
			out_sanitize(sname, sizeof(sname), name, strlen(name));
			len = strlen(sname);
			if (st->pages_known)
				count_or_rate(drop, sizeof(drop), f->val.pages_dropped, div);
			else
				snprintf(drop, sizeof(drop), "-");
			/* the end of a path says more than its start */
			printf("%-20.20s %7u %-30s %8s %8s %7s\n", safe, f->key.tgid,
			       len > 30 ? sname + len - 30 : sname,
			       count_or_rate(a, sizeof(a), calls, div),
			       out_duration(d, sizeof(d), calls ? f->val.total_ns / calls : 0),
			       drop);
		}
	}
	if (r->nwaits) {
		printf("%-20s %-20s %10s %8s  %s\n", "WAITER", "WAITED BEHIND", "WAIT/s", "WAITS",
		       "HOLDER IS");
		for (i = 0; i < r->nwaits && i < (size_t)st->cfg->top; i++) {
			const struct wrow *w = &r->waits[i];
			char hl[64], hsafe[96];

			fadvtop_label(w->key.waiter_cgroup, lbl, sizeof(lbl));
			out_sanitize(safe, sizeof(safe), lbl, sizeof(lbl));
			if (w->key.holder_cgroup) {
				fadvtop_label(w->key.holder_cgroup, hl, sizeof(hl));
				out_sanitize(hsafe, sizeof(hsafe), hl, sizeof(hl));
			} else {
				snprintf(hsafe, sizeof(hsafe), "(unknown)");
			}
			printf("%-20.20s %-20.20s %10s %8llu  %s\n", safe, hsafe,
			       out_duration(d, sizeof(d), w->val.wait_ns / secs),
			       (unsigned long long)w->val.count,
			       w->key.exact ? "lock owner" : "estimated");
		}
	}
	for (int k = 0; k < r->ndiag; k++) {
		char s[FADV_LINE_LEN * 2];

		out_sanitize(s, sizeof(s), r->diag[k], strlen(r->diag[k]));
		printf("=> %s\n", s);
	}
	printf("\n");
	fflush(stdout);
}

/* ---- --prom-file ---------------------------------------------------------------------- */

/* One series' labels and the counts of every cgroup that carries them. */
struct prom_group {
	char container[64], pod[64], cgroup[512];
	struct fadv_val v;
};

static int prom_group_cmp(const void *a, const void *b)
{
	__u64 x = fadv_val_calls(&((const struct prom_group *)a)->v);
	__u64 y = fadv_val_calls(&((const struct prom_group *)b)->v);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void prom_group_labels(const struct prom_group *pg, struct prom_labels *l)
{
	*l = (struct prom_labels){
		{"container", "pod", "cgroup"},
		{pg->container[0] ? pg->container : NULL, pg->pod[0] ? pg->pod : NULL, pg->cgroup}};
}

/*
 * The labels are copied out of the cgroup cache (which a later lookup may rescan), and
 * cgroups with the same labels (a path deleted and made again, or several unknown ones) are
 * one series: a file with a label set twice is rejected by node_exporter.
 */
static struct prom_group *prom_groups(const struct group *g, size_t n, size_t *np)
{
	struct prom_group *pg = calloc(n + 1, sizeof(*pg)), key;
	size_t k = 0;

	if (!pg)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *path;
		struct container ct;
		size_t j;

		memset(&key, 0, sizeof(key));
		cgroup_container_name(g[i].cgroup_id, key.container, sizeof(key.container));
		path = cgroup_path_of_id(g[i].cgroup_id);
		snprintf(key.cgroup, sizeof(key.cgroup), "%s", path ? path : "unknown");
		if (path && cgroup_parse_container(path, &ct))
			snprintf(key.pod, sizeof(key.pod), "%s", ct.pod_uid);
		for (j = 0; j < k; j++)
			if (!strcmp(pg[j].container, key.container) &&
			    !strcmp(pg[j].pod, key.pod) && !strcmp(pg[j].cgroup, key.cgroup))
				break;
		if (j == k)
			pg[k++] = key;
		fadv_val_add(&pg[j].v, &g[i].v);
	}
	*np = k;
	return pg;
}

/* Per container (cgroup), cumulative since start; past the top N, one "other" row. */
static void prom_rows(struct fadvtop_state *st, struct prom *p, const struct group *g, size_t n)
{
	static const struct {
		const char *name, *help;
		size_t offset;
		double scale;
	} counters[] = {
		{"kscope_fadvtop_call_seconds_total", "Time spent inside fadvise calls.",
		 offsetof(struct fadv_val, total_ns), 1e-9},
		{"kscope_fadvtop_pages_dropped_total",
		 "Page-cache pages of the advised files removed during the calls.",
		 offsetof(struct fadv_val, pages_dropped), 1},
		{"kscope_fadvtop_dontneed_empty_total", "DONTNEED calls that dropped no page.",
		 offsetof(struct fadv_val, dontneed_empty), 1},
		{"kscope_fadvtop_lock_wait_seconds_total",
		 "Time fadvise callers waited on contended kernel locks.",
		 offsetof(struct fadv_val, lock_wait_ns), 1e-9},
	};
	struct prom_labels l;
	size_t np, shown;
	struct prom_group *pg = prom_groups(g, n, &np);

	if (!pg)
		return;
	if (np)
		table_sort(pg, np, sizeof(*pg), prom_group_cmp);
	shown = np;
	if (np > (size_t)st->common.prom_top) {
		shown = st->common.prom_top;
		/* with the histograms: they are part of the value */
		for (size_t i = shown + 1; i < np; i++)
			fadv_val_add(&pg[shown].v, &pg[i].v);
		pg[shown].container[0] = pg[shown].pod[0] = '\0';
		snprintf(pg[shown].cgroup, sizeof(pg[shown].cgroup), "other");
		shown++;
	}

	prom_family(p, "kscope_fadvtop_calls_total", "counter", "fadvise calls, by advice.");
	for (size_t i = 0; i < shown; i++)
		for (int a = 0; a < FADV_ADVICE_SLOTS; a++) {
			prom_group_labels(&pg[i], &l);
			l.names[3] = "advice";
			l.values[3] = fadv_advice_names[a];
			prom_sample(p, "kscope_fadvtop_calls_total", &l, pg[i].v.calls[a]);
		}
	for (size_t m = 0; m < sizeof(counters) / sizeof(counters[0]); m++) {
		prom_family(p, counters[m].name, "counter", counters[m].help);
		for (size_t i = 0; i < shown; i++) {
			prom_group_labels(&pg[i], &l);
			prom_sample(p, counters[m].name, &l,
				    *(__u64 *)((char *)&pg[i].v + counters[m].offset) *
					    counters[m].scale);
		}
	}
	prom_family(p, "kscope_fadvtop_call_duration_seconds", "histogram",
		    "How long fadvise calls took.");
	for (size_t i = 0; i < shown; i++) {
		prom_group_labels(&pg[i], &l);
		prom_histogram(p, "kscope_fadvtop_call_duration_seconds", &l, pg[i].v.hist, 1e-9,
			       pg[i].v.total_ns * 1e-9);
	}
	free(pg);
}

static int show_prom(struct fadvtop_state *st, const struct fadvtop_period *r)
{
	struct prom p;

	if (prom_begin(&p, st->common.prom_file))
		return -EIO;
	prom_rows(st, &p, r->groups, r->ngroups);
	prom_family(&p, "kscope_fadvtop_missed_events_total", "counter",
		    "Runs of fadvtop's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_fadvtop_missed_events_total", NULL, r->misses);
	return prom_commit(&p) ? -EIO : 0;
}

int fadvtop_show(struct fadvtop_state *st)
{
	/* with --prom-file, the file is the output */
	if (st->common.prom_file)
		return show_prom(st, &st->period);
	if (st->common.json)
		show_json(st, &st->period);
	else
		show_table(st, &st->period);
	return 0;
}

/* ---- --events ------------------------------------------------------------------------ */

void fadvtop_show_events_header(const struct fadvtop_state *st)
{
	if (!st->common.json)
		printf("%-14s %7s %-12s %-10s %9s %9s %6s %s\n", "CONTAINER", "PID", "COMM",
		       "ADVICE", "TIME", "LOCKWAIT", "PAGES", "FILE");
}

int fadvtop_show_event(void *arg, void *data, size_t size)
{
	struct fadvtop_state *st = arg;
	const struct fadv_event *e = data;
	char lbl[64], safe[96], comm[64], name[256], sname[512], d[32], l[32], hl[64];
	const char *file = NULL;

	if (size < sizeof(*e))
		return 0;
	if (e->name[0]) {
		snprintf(name, sizeof(name), ".../%.*s", (int)sizeof(e->name), e->name);
		file = name;
	} else {
		snprintf(name, sizeof(name), "dev %u:%u ino %llu", e->dev >> 20, e->dev & 0xfffff,
			 (unsigned long long)e->ino);
		file = name;
	}
	if (st->common.json) {
		struct json *j = &st->json;

		json_event_begin_at(j, "call", e->ts_ns);
		fadvtop_json_container(j, e->cgroup_id);
		json_kv_u64(j, "pid", e->pid);
		json_kv_u64(j, "tid", e->tid);
		json_key(j, "comm");
		json_string_n(j, e->comm, sizeof(e->comm));
		json_kv_string(j, "advice", fadv_advice_name(e->advice));
		json_kv_i64(j, "fd", e->fd);
		json_kv_i64(j, "offset", e->offset);
		json_kv_u64(j, "len", e->len);
		json_kv_i64(j, "ret", e->ret);
		json_kv_u64(j, "dur_ns", e->dur_ns);
		if (st->locks_known)
			json_kv_u64(j, "lock_wait_ns", e->lock_wait_ns);
		else
			json_kv_null(j, "lock_wait_ns");
		if (e->holder_cgroup)
			json_kv_u64(j, "holder_cgroup_id", e->holder_cgroup);
		else
			json_kv_null(j, "holder_cgroup_id");
		if (st->pages_known)
			json_kv_u64(j, "pages_dropped", e->pages_dropped);
		else
			json_kv_null(j, "pages_dropped");
		json_kv_string(j, "file", file);
		json_kv_u64(j, "ino", e->ino);
		json_object_end(j);
		json_line_end(j);
		return 0;
	}
	fadvtop_label(e->cgroup_id, lbl, sizeof(lbl));
	out_sanitize(safe, sizeof(safe), lbl, sizeof(lbl));
	out_sanitize(comm, sizeof(comm), e->comm, sizeof(e->comm));
	out_sanitize(sname, sizeof(sname), file, strlen(file));
	printf("%-14.14s %7u %-12.12s %-10s %9s %9s %6llu %s", safe, e->pid, comm,
	       fadv_advice_name(e->advice), out_duration(d, sizeof(d), e->dur_ns),
	       st->locks_known ? out_duration(l, sizeof(l), e->lock_wait_ns) : "-",
	       (unsigned long long)e->pages_dropped, sname);
	if (e->holder_cgroup) {
		fadvtop_label(e->holder_cgroup, hl, sizeof(hl));
		out_sanitize(safe, sizeof(safe), hl, sizeof(hl));
		printf(" (behind %s)", safe);
	}
	printf("\n");
	return 0;
}
