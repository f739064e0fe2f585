// SPDX-License-Identifier: GPL-2.0
/*
 * fadvtop: what one period looks like.  The rows read from the maps become per-process (or,
 * with -C, per-container) groups with their files; the diagnosis, the table, the JSON
 * object and the Prometheus file are written from those.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "fadvtop_report.h"
#include "cgroup.h"
#include "hist.h"
#include "out.h"
#include "prom.h"
#include "setup.h"
#include "table.h"
#include "fadvtop_show.h"

/* A displayed row: a process of a cgroup, or a whole cgroup with -C. */
struct group {
	__u64 cgroup_id;
	__u32 tgid;	   /* 0 with -C */
	struct fadv_val v; /* v.hist: the latency histogram of its files together */
	struct row *files; /* this group's rows of the period, one per file */
	size_t nfiles;
};

struct cg_wait {
	__u64 holder;
	__u64 wait_ns;
	bool exact;
};

int fadvtop_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct fadv_key));
}

/* ---- names --------------------------------------------------------------------------- */

/*
 * The file's path: /proc/PID/fd/N when it still names the same inode, else what the BPF side
 * read from the dentry when the row was made, else dev:inode.  Not cached here: an inode
 * number is reused once its file is deleted, and a name kept by (dev, inode) went stale.
 */
static const char *file_name(struct fadvtop_state *st, __u32 dev, __u64 ino, __u32 tgid, int fd)
{
	static char path[256];
	struct fadv_file_key fk = {.dev = dev, .ino = ino};
	struct fadv_name n;
	char link[64];
	struct stat sb;
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/%u/fd/%d", tgid, fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len > 0 && !stat(link, &sb) && sb.st_ino == ino &&
	    ((major(sb.st_dev) << 20) | minor(sb.st_dev)) == dev) {
		path[len] = '\0';
		return path;
	}
	if (!bpf_map_lookup_elem(st->names_fd, &fk, &n) && n.name[0]) {
		n.name[sizeof(n.name) - 1] = '\0';
		snprintf(path, sizeof(path), ".../%s", n.name);
		return path;
	}
	snprintf(path, sizeof(path), "dev %u:%u ino %llu", dev >> 20, dev & 0xfffff,
		 (unsigned long long)ino);
	return path;
}

/* ---- one report ---------------------------------------------------------------------- */

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->v.total_ns != y->v.total_ns)
		return x->v.total_ns < y->v.total_ns ? 1 : -1;
	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static int file_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->val.total_ns != y->val.total_ns)
		return x->val.total_ns < y->val.total_ns ? 1 : -1;
	return fadvtop_key_cmp(a, b);
}

/* rows sorted by key are grouped by (cgroup, tgid) already; with -C by cgroup alone */
static bool same_group(const struct row *r, const struct group *g, bool containers)
{
	return r->key.cgroup_id == g->cgroup_id && (containers || r->key.tgid == g->tgid);
}

/* The period between prev and cur: rows with calls, grouped for display. */
static struct group *groups_build(struct fadvtop_state *st, const struct fadv_snap *cur,
				  const struct fadv_snap *prev, struct row **deltas_out,
				  size_t *ngroups)
{
	bool containers = st->common.containers;
	struct row *deltas;
	struct group *groups;
	size_t i, nd = 0, ng = 0;

	deltas = calloc(cur->rows.n ? cur->rows.n : 1, sizeof(*deltas));
	groups = calloc(cur->rows.n ? cur->rows.n : 1, sizeof(*groups));
	if (!deltas || !groups) {
		free(deltas);
		free(groups);
		return NULL;
	}
	for (i = 0; i < cur->rows.n; i++) {
		const struct fadv_key *k = snap_key(&cur->rows, i);
		struct row *d = &deltas[nd];

		d->key = *k;
		fadv_val_delta(&d->val, snap_value(&cur->rows, i), snap_find(&prev->rows, k));
		if (fadv_val_calls(&d->val))
			nd++;
	}
	/* -C: the (cgroup, tgid, file) order is not grouped by cgroup alone, but cgroup is the
	 * first key field, so the rows of one cgroup are still adjacent */
	for (i = 0; i < nd; i++) {
		struct group *g = ng ? &groups[ng - 1] : NULL;

		if (!g || !same_group(&deltas[i], g, containers)) {
			g = &groups[ng++];
			g->cgroup_id = deltas[i].key.cgroup_id;
			g->tgid = containers ? 0 : deltas[i].key.tgid;
			g->files = &deltas[i];
		}
		fadv_val_add(&g->v, &deltas[i].val);
		g->nfiles++;
	}
	*deltas_out = deltas;
	*ngroups = ng;
	return groups;
}

/* Lock waits of the period, per (waiter, holder) pair. */
static struct wrow *waits_build(const struct fadv_snap *cur, const struct fadv_snap *prev,
				double secs, size_t *n)
{
	struct wrow *w = calloc(cur->waits.n ? cur->waits.n : 1, sizeof(*w));
	size_t i, k = 0;

	if (!w)
		return NULL;
	for (i = 0; i < cur->waits.n; i++) {
		const struct fadv_wait_key *key = snap_key(&cur->waits, i);
		const struct fadv_wait_val *v = snap_value(&cur->waits, i);
		const struct fadv_wait_val *p = snap_find(&prev->waits, key);

		w[k].key = *key;
		snap_delta(&w[k].val.wait_ns, &v->wait_ns, p ? &p->wait_ns : NULL, 2);
		if (!w[k].val.count || !fadv_wait_resolved(key->exact, w[k].val.wait_ns, secs))
			continue;
		k++;
	}
	*n = k;
	return w;
}

const char *fadvtop_label(__u64 cgroup_id, char *buf, size_t len)
{
	return cgroup_label(cgroup_id, buf, len);
}

/* the longest waited-behind holder of a waiter cgroup in the period */
static struct cg_wait behind_of(const struct wrow *w, size_t n, __u64 waiter)
{
	struct cg_wait best = {0};
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i].key.waiter_cgroup == waiter && w[i].key.holder_cgroup &&
		    w[i].val.wait_ns > best.wait_ns) {
			best.holder = w[i].key.holder_cgroup;
			best.wait_ns = w[i].val.wait_ns;
			best.exact = w[i].key.exact;
		}
	return best;
}

struct report {
	struct group *groups;
	size_t ngroups;
	struct row *deltas;
	size_t ndeltas;
	struct wrow *waits;
	size_t nwaits;
	struct group *cgs; /* per cgroup, for the diagnosis */
	size_t ncgs;
	double secs;
	bool summary;
};

static int diagnose(struct fadvtop_state *st, struct report *r, char (*lines)[FADV_LINE_LEN],
		    int max)
{
	struct fadv_cg_sum *sums = calloc(r->ncgs ? r->ncgs : 1, sizeof(*sums));
	char(*labels)[2][64] = calloc(r->ncgs ? r->ncgs : 1, sizeof(*labels));
	struct container *ct = calloc(r->ncgs ? r->ncgs : 1, sizeof(*ct));
	size_t i;
	int n = 0;

	if (!sums || !labels || !ct)
		goto out;
	for (i = 0; i < r->ncgs; i++) {
		const struct group *g = &r->cgs[i];
		struct cg_wait b = behind_of(r->waits, r->nwaits, g->cgroup_id);
		const char *path = cgroup_path_of_id(g->cgroup_id);

		sums[i].cgroup_id = g->cgroup_id;
		sums[i].label = fadvtop_label(g->cgroup_id, labels[i][0], sizeof(labels[i][0]));
		if (path)
			cgroup_parse_container(path, &ct[i]);
		sums[i].pod_uid = ct[i].pod_uid;
		sums[i].calls = fadv_val_calls(&g->v);
		sums[i].dontneed = g->v.calls[FADV_DONTNEED];
		sums[i].dontneed_empty = g->v.dontneed_empty;
		sums[i].pages_known = st->pages_known;
		sums[i].total_ns = g->v.total_ns;
		sums[i].lock_wait_ns = g->v.lock_wait_ns;
		sums[i].behind_cgroup = b.holder;
		sums[i].behind_exact = b.exact;
		if (b.holder)
			sums[i].behind_label =
				fadvtop_label(b.holder, labels[i][1], sizeof(labels[i][1]));
	}
	n = fadv_diagnose(sums, r->ncgs, r->secs, lines, max);
out:
	free(sums);
	free(labels);
	free(ct);
	return n;
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

static void report_json(struct fadvtop_state *st, struct report *r, char (*diag)[FADV_LINE_LEN],
			int ndiag)
{
	struct json *j = &st->json;
	size_t i, k,
		shown = table_top(r->groups, r->ngroups, sizeof(*r->groups), group_cmp,
				  r->summary ? 0 : st->cfg->top);

	json_event_begin(j, r->summary ? "summary" : "interval");
	if (r->summary)
		json_summary_counts(j, r->secs, st->ev.rb ? st->ev.lost_reported : 0,
				    setup_prog_misses(st->obj));
	else
		json_kv_double(j, "interval_s", r->secs);
	/* every call, and those in no row: their rows the kernel's table evicted before a read */
	json_kv_u64(j, "calls", st->calls);
	json_key(j, "unattributed");
	json_object_begin(j);
	json_kv_u64(j, "calls", st->unattributed);
	json_object_end(j);
	json_key(j, "rows");
	json_array_begin(j);
	for (i = 0; i < shown; i++) {
		struct group *g = &r->groups[i];
		size_t nf;

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
		nf = table_top(g->files, g->nfiles, sizeof(*g->files), file_cmp, st->cfg->files);
		for (k = 0; k < nf; k++) {
			struct row *f = &g->files[k];

			json_object_begin(j);
			json_kv_string(
				j, "file",
				file_name(st, f->key.dev, f->key.ino, f->key.tgid, f->val.last_fd));
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
		struct wrow *w = &r->waits[i];
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
	for (int d = 0; d < ndiag; d++)
		json_string(j, diag[d]);
	json_array_end(j);
	if (!r->summary)
		json_kv_u64(j, "missed_events", setup_prog_misses(st->obj));
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

static void report_table(struct fadvtop_state *st, struct report *r, char (*diag)[FADV_LINE_LEN],
			 int ndiag)
{
	size_t i, shown = table_top(r->groups, r->ngroups, sizeof(*r->groups), group_cmp,
				    r->summary ? 0 : st->cfg->top);
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
	       fadv_count(b, sizeof(b), st->calls / secs),
	       fadv_count(d, sizeof(d), all.calls[FADV_DONTNEED] / secs),
	       out_duration(e, sizeof(e), all.total_ns / secs), a);
	/* the totals are counts; an interval shows rates */
	printf("%-20s %7s %-13s %8s %10s %8s %5s %7s\n", "CONTAINER", "PID", "COMM",
	       r->summary ? "CALLS" : "CALLS/s", r->summary ? "DONTNEED" : "DONTNEED/s", "AVG",
	       "LOCK%", r->summary ? "DROPPED" : "DROP/s");
	for (i = 0; i < shown; i++) {
		struct group *g = &r->groups[i];
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
	table_more(stdout, shown, r->ngroups);
	if (st->unattributed)
		printf("%llu fadvise calls in no row above: more than %u (cgroup, process, file) "
		       "rows "
		       "between two reads, and the kernel's table evicted some\n",
		       (unsigned long long)st->unattributed,
		       bpf_map__max_entries(bpf_object__find_map_by_name(st->obj, "rows")));

	if (st->cfg->files && r->ndeltas) {
		size_t nf = table_top(r->deltas, r->ndeltas, sizeof(*r->deltas), file_cmp,
				      st->cfg->files);

		printf("%-20s %7s %-30s %8s %8s %7s\n", "FILE OF CONTAINER", "PID", "FILE",
		       r->summary ? "CALLS" : "CALLS/s", "AVG", r->summary ? "DROPPED" : "DROP/s");
		for (i = 0; i < nf; i++) {
			struct row *f = &r->deltas[i];
			__u64 calls = fadv_val_calls(&f->val);
			const char *name =
				file_name(st, f->key.dev, f->key.ino, f->key.tgid, f->val.last_fd);
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
			struct wrow *w = &r->waits[i];
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
	for (int k = 0; k < ndiag; k++) {
		char s[FADV_LINE_LEN * 2];

		out_sanitize(s, sizeof(s), diag[k], strlen(diag[k]));
		printf("=> %s\n", s);
	}
	printf("\n");
	fflush(stdout);
}

static int wait_cmp(const void *a, const void *b)
{
	const struct wrow *x = a, *y = b;

	return x->val.wait_ns < y->val.wait_ns ? 1 : x->val.wait_ns > y->val.wait_ns ? -1 : 0;
}

/* Print the period from prev to cur (with summary: everything since the start). */
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

int fadvtop_prom_report(struct fadvtop_state *st, const struct fadv_snap *cur)
{
	bool containers = st->common.containers;
	struct row *deltas = NULL;
	struct group *g;
	struct prom p;
	size_t n;

	st->common.containers = true;
	g = groups_build(st, cur, &st->start, &deltas, &n);
	st->common.containers = containers;
	if (!g)
		return -ENOMEM;
	if (prom_begin(&p, st->common.prom_file)) {
		free(deltas);
		free(g);
		return -EIO;
	}
	prom_rows(st, &p, g, n);
	prom_family(&p, "kscope_fadvtop_missed_events_total", "counter",
		    "Runs of fadvtop's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_fadvtop_missed_events_total", NULL, setup_prog_misses(st->obj));
	free(deltas);
	free(g);
	return prom_commit(&p) ? -EIO : 0;
}

int fadvtop_report(struct fadvtop_state *st, const struct fadv_snap *cur,
		   const struct fadv_snap *prev, bool summary)
{
	struct report r = {.summary = summary};
	bool containers = st->common.containers;
	char diag[3][FADV_LINE_LEN];
	struct row *cg_deltas = NULL;
	int ndiag, err = -ENOMEM;
	size_t i;

	r.secs = (cur->ns - (summary ? st->started_ns : prev->ns)) / 1e9;
	r.groups = groups_build(st, cur, prev, &r.deltas, &r.ngroups);
	if (!r.groups)
		goto out;
	for (i = 0; i < r.ngroups; i++)
		r.ndeltas += r.groups[i].nfiles;
	/* the diagnosis speaks of containers, whatever the table groups by */
	st->common.containers = true;
	r.cgs = groups_build(st, cur, prev, &cg_deltas, &r.ncgs);
	st->common.containers = containers;
	if (!r.cgs)
		goto out;
	r.waits = waits_build(cur, prev, r.secs, &r.nwaits);
	if (!r.waits)
		goto out;
	table_sort(r.waits, r.nwaits, sizeof(*r.waits), wait_cmp);
	ndiag = diagnose(st, &r, diag, 3);
	if (st->common.json)
		report_json(st, &r, diag, ndiag);
	else
		report_table(st, &r, diag, ndiag);
	err = 0;
out:
	free(r.deltas);
	free(r.groups);
	free(cg_deltas);
	free(r.cgs);
	free(r.waits);
	return err;
}
