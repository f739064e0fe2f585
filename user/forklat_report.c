// SPDX-License-Identifier: GPL-2.0
/*
 * forklat's read and report: the stats map and the BPF side's counters into the state, and
 * the interval's rows, totals and prom rows made of them; the computations those use (deltas,
 * the page-table copy estimate, THP from smaps_rollup, units, the diagnosis).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "forklat_report.h"
#include "forklat_state.h"
#include "hist.h"
#include "out.h"
#include "promrows.h"
#include "setup.h"
#include "snap.h"
#include "table.h"

#define MIB (1024ull * 1024)

void forklat_stats_delta(const struct forklat_stats *cur, const struct forklat_stats *prev,
			 struct forklat_stats *out)
{
	/* the library's rule over the counters' two runs and the histogram */
	bool restarted = !prev || snap_went_back(&cur->forks, &prev->forks, FORKLAT_COUNTERS_A) ||
			 snap_went_back(&cur->pt_ns, &prev->pt_ns, FORKLAT_COUNTERS_B) ||
			 snap_went_back(cur->slots, prev->slots, HIST_SLOTS);

	*out = *cur;
	if (restarted)
		return;
	snap_delta(&out->forks, &cur->forks, &prev->forks, FORKLAT_COUNTERS_A);
	snap_delta(&out->pt_ns, &cur->pt_ns, &prev->pt_ns, FORKLAT_COUNTERS_B);
	snap_delta(out->slots, cur->slots, prev->slots, HIST_SLOTS);
}

void forklat_row_fill(struct forklat_row *row, __u64 key, const struct forklat_stats *cur,
		      const struct forklat_stats *delta, __u64 gen, long page_size,
		      bool pt_measured, bool pte_measured)
{
	memset(row, 0, sizeof(*row));
	row->key = key;
	row->pid = cur->pid;
	memcpy(row->comm, cur->comm, sizeof(row->comm));
	row->cgroup_id = cur->cgroup_id;
	row->forks = delta->forks;
	row->errors = delta->errors;
	row->mean_ns = delta->forks ? (double)delta->sum_ns / delta->forks : 0;
	row->max_ns = cur->max_gen == gen ? cur->max_ns : 0;
	/* the mean of a one-fork interval is its max; the racy max must not read below it */
	if (row->max_ns < row->mean_ns)
		row->max_ns = row->mean_ns;
	row->rss_bytes = cur->mem.rss_pages * page_size;
	row->anon_bytes = cur->mem.anon_pages * page_size;
	row->pgtables_bytes = cur->mem.pgtables_bytes;
	row->hugetlb_bytes = cur->mem.hugetlb_pages * page_size;
	row->vmas = cur->mem.vmas;
	row->thp_bytes = -1;
	row->pt_copy_ns = -1;
	if (pt_measured && delta->forks)
		row->pt_copy_ns = (double)delta->pt_ns / delta->forks;
	row->pte_copy_ns = pte_measured && delta->forks ? (double)delta->pte_ns / delta->forks : -1;
	row->child_run_ns =
		delta->child_runs ? (double)delta->child_run_ns / delta->child_runs : -1;
	row->child_exec_ns =
		delta->child_execs ? (double)delta->child_exec_ns / delta->child_execs : -1;
	memcpy(row->slots, delta->slots, sizeof(row->slots));
}

long long forklat_smaps_thp(const char *text)
{
	static const char *const fields[] = {"AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:"};
	long long total = 0;
	bool found = false;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *p = text;
		size_t n = strlen(fields[i]);

		/* a field counts only at the start of a line */
		while ((p = strstr(p, fields[i]))) {
			if (p == text || p[-1] == '\n')
				break;
			p += n;
		}
		if (!p)
			continue;
		char *end;
		long long kb = strtoll(p + n, &end, 10);

		if (end == p + n || kb < 0)
			continue;
		total += kb * 1024;
		found = true;
	}
	return found ? total : -1;
}

long long forklat_read_thp(pid_t pid)
{
	char path[64], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return forklat_smaps_thp(buf);
}

double forklat_pt_estimate_ns(__u64 anon_bytes, long long thp_bytes, double mean_ns, long page_size)
{
	/* a page table holds page_size / 8 entries: a PMD entry maps that many pages */
	__u64 pmd_size = (__u64)page_size * (page_size / 8);
	__u64 thp = thp_bytes > 0 ? (__u64)thp_bytes : 0;
	__u64 base = anon_bytes > thp ? anon_bytes - thp : 0;
	double est;

	/* unknown stays unknown: all base pages would be a guess dressed as a figure */
	if (page_size <= 0 || thp_bytes < 0)
		return -1;
	est = (double)(base / page_size) * FORKLAT_NS_PER_PTE +
	      (double)(thp / pmd_size) * FORKLAT_NS_PER_HUGE_PMD;
	return est < mean_ns ? est : mean_ns;
}

long long forklat_huge_bytes(const struct forklat_row *row)
{
	if (row->thp_bytes < 0)
		return -1;
	return row->thp_bytes + (long long)row->hugetlb_bytes;
}

double forklat_huge_pct(const struct forklat_row *row)
{
	long long huge = forklat_huge_bytes(row);
	/* hugetlb pages are not part of RSS; THP are */
	__u64 total = row->rss_bytes + row->hugetlb_bytes;

	if (huge < 0)
		return -1;
	if (!total)
		return 0;
	return huge >= (long long)total ? 100.0 : 100.0 * huge / total;
}

const char *forklat_short_bytes(char *buf, size_t len, __u64 bytes)
{
	static const char units[] = "BKMGTPE";
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	/* 1023.6M rounds to "1024M", five characters still */
	if (u && v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
	return buf;
}

const char *forklat_short_duration(char *buf, size_t len, double ns)
{
	if (ns < 999.5)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 999.5e3)
		snprintf(buf, len, "%.0fus", ns / 1e3);
	else if (ns < 9.995e6)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else if (ns < 999.5e6)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

int forklat_row_cmp(const void *a, const void *b)
{
	const struct forklat_row *x = a, *y = b;

	if (x->mean_ns != y->mean_ns)
		return x->mean_ns < y->mean_ns ? 1 : -1;
	if (x->forks != y->forks)
		return x->forks < y->forks ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

double forklat_fastest_ns(const struct forklat_row *row)
{
	for (unsigned int i = 0; i < HIST_SLOTS; i++) {
		/* slot i holds whole microseconds up to 2^i - 1: the calls took under 2^i us */
		double high;

		if (!row->slots[i])
			continue;
		high = (hist_slot_high(i) + 1) * 1e3;
		return high < row->mean_ns ? high : row->mean_ns;
	}
	return row->mean_ns;
}

void forklat_diagnose(char *buf, size_t len, const struct forklat_row *row, const char *name)
{
	char lat[16], base_s[16], pt_s[16], rss_s[16], huge_s[16];
	long long thp = row->thp_bytes;
	__u64 base = row->anon_bytes > (__u64)(thp > 0 ? thp : 0)
			     ? row->anon_bytes - (thp > 0 ? thp : 0)
			     : 0;
	/*
	 * The copy's share of the fastest forks, not of the mean: a fork preempted on a busy
	 * host holds its wait for a CPU, which the copy does not grow with.
	 */
	double fastest = forklat_fastest_ns(row);
	double pt_share = fastest > 0 && row->pt_copy_ns > 0 ? row->pt_copy_ns / fastest : 0;
	double huge_pct = forklat_huge_pct(row);
	size_t used;

	out_duration(lat, sizeof(lat), row->mean_ns);
	out_bytes(base_s, sizeof(base_s), base);
	out_bytes(pt_s, sizeof(pt_s), row->pgtables_bytes);
	out_bytes(rss_s, sizeof(rss_s), row->rss_bytes);

	if (row->mean_ns < 1e6) {
		snprintf(buf, len, "%s (pid %u): %s per fork, RSS %s: fork is cheap here", name,
			 row->pid, lat, rss_s);
	} else if (thp >= 0 && base >= 64 * MIB && pt_share >= 0.3) {
		snprintf(buf, len,
			 "%s (pid %u): %s per fork, %s RSS in 4 KiB pages, %s of page tables "
			 "copied per fork; huge pages or posix_spawn/vfork would avoid most of it",
			 name, row->pid, lat, base_s, pt_s);
	} else if (thp >= 0 && base >= 64 * MIB && row->pt_copy_ns >= 1e6) {
		/*
		 * Every fork waited (on a loaded host none is fast enough to show the copy's
		 * share), but a millisecond of copying per fork is still the part huge pages
		 * remove.
		 */
		char copy_s[16];

		out_duration(copy_s, sizeof(copy_s), row->pt_copy_ns);
		snprintf(buf, len,
			 "%s (pid %u): %s per fork, %s RSS in 4 KiB pages, %s of page tables "
			 "copied per fork in %s; huge pages or posix_spawn/vfork would avoid that "
			 "part",
			 name, row->pid, lat, base_s, pt_s, copy_s);
	} else if (row->vmas >= 10000) {
		snprintf(buf, len,
			 "%s (pid %u): %s per fork with %u VMAs, each copied on its own; fewer, "
			 "larger mappings or posix_spawn/vfork would avoid it",
			 name, row->pid, lat, row->vmas);
	} else if (thp < 0) {
		/* smaps_rollup was gone before forklat read it: say so, do not assume base pages */
		snprintf(
			buf, len,
			"%s (pid %u): %s per fork, RSS %s, %s of page tables; its huge-page share "
			"was not read (the process exited first), so what huge pages would save is "
			"not known",
			name, row->pid, lat, rss_s, pt_s);
	} else if (huge_pct >= 50) {
		out_bytes(huge_s, sizeof(huge_s), forklat_huge_bytes(row));
		snprintf(buf, len,
			 "%s (pid %u): %s per fork, %s of its memory already in huge pages; "
			 "posix_spawn/vfork would avoid the rest",
			 name, row->pid, lat, huge_s);
	} else {
		snprintf(buf, len,
			 "%s (pid %u): %s per fork with RSS %s and %u VMAs: memory size does not "
			 "explain it; look at where the kernel spends the time (perf top -g)",
			 name, row->pid, lat, rss_s, row->vmas);
	}
	/* the copy does not vary from fork to fork: twice the fastest or more is waiting */
	used = strlen(buf);
	if (row->mean_ns >= 1e6 && fastest > 0 && row->mean_ns >= 2 * fastest && used < len) {
		char fast_s[16];

		out_duration(fast_s, sizeof(fast_s), fastest);
		snprintf(
			buf + used, len - used,
			"; the mean is %.1fx its fastest forks (under %s): the slower ones waited, "
			"most likely for a CPU (CPU contention)",
			row->mean_ns / fastest, fast_s);
	}
}

/* ---- the interval: read, then report --------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	const struct forklat_entry *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

void forklat_read(struct forklat_state *st)
{
	__u64 now = out_monotonic_ns();
	struct snap *s = &st->snap;

	st->secs = (now - st->last_tick_ns) / 1e9;
	st->last_tick_ns = now;
	/* calls returning from now on write max_ns of the next interval */
	st->gen = *st->kernel_gen;
	*st->kernel_gen = st->gen + 1;
	/* the totals before the rows: see snap_unattributed */
	st->read_forks = *st->kernel_forks;
	st->read_errors = *st->kernel_errors;
	st->ncur = 0;
	if (!snap_read(s, st->stats_fd, sizeof(__u64), sizeof(struct forklat_stats),
		       st->stats_max)) {
		for (size_t i = 0; i < s->n; i++) {
			memcpy(&st->cur[i].key, snap_key(s, i), sizeof(st->cur[i].key));
			memcpy(&st->cur[i].s, snap_value(s, i), sizeof(st->cur[i].s));
		}
		/* numeric order, for bsearch with entry_cmp */
		table_sort(st->cur, s->n, sizeof(*st->cur), entry_cmp);
		st->ncur = s->n;
	}
	st->misses = setup_prog_misses(st->obj);
}

/* THP of a process, read from smaps_rollup at most once a second (it walks the page tables). */
static long long thp_of(struct forklat_state *st, pid_t pid)
{
	__u64 now = out_monotonic_ns();
	struct forklat_thp_cache *c;

	for (unsigned int i = 0; i < 64; i++) {
		c = &st->thp[i];
		if (c->pid == pid && c->at_ns && now - c->at_ns < 1000000000ull)
			return c->thp;
	}
	c = &st->thp[st->thp_next++ % 64];
	c->pid = pid;
	c->at_ns = now;
	c->thp = forklat_read_thp(pid);
	return c->thp;
}

/* What only user space knows: THP from smaps_rollup, and the estimate that needs it. */
static void row_complete(struct forklat_state *st, struct forklat_row *r)
{
	r->thp_bytes = thp_of(st, r->pid);
	if (st->pt_measured)
		return;
	r->pt_copy_ns =
		forklat_pt_estimate_ns(r->anon_bytes, r->thp_bytes, r->mean_ns, st->page_size);
	r->pt_copy_estimated = r->pt_copy_ns >= 0;
}

/* --prom-file: cumulative since start, per (comm, container) */
static void prom_add(struct forklat_state *st, const struct forklat_stats *s, bool gone)
{
	/* a process that is gone has no memory: its gauges drop out, its counters stay */
	double v[PROMROWS_VALUES] = {
		[FORKLAT_PROM_FORKS] = s->forks,
		[FORKLAT_PROM_ERRORS] = s->errors,
		[FORKLAT_PROM_SECONDS] = s->sum_ns * 1e-9,
		[FORKLAT_PROM_PT_SECONDS] = s->pt_ns * 1e-9,
		[FORKLAT_PROM_RSS] = gone ? 0 : (double)s->mem.rss_pages * st->page_size,
		[FORKLAT_PROM_PGTABLES] = gone ? 0 : s->mem.pgtables_bytes,
	};

	if (st->common->prom_file)
		promrows_add(&st->prom_rows, gone, s->comm, s->cgroup_id, v, s->slots,
			     s->sum_ns * 1e-9);
}

void forklat_report(struct forklat_state *st)
{
	__u64 forks = 0, errors = 0;
	size_t nrows = 0, kept = 0;
	struct forklat_entry *swap;

	/* the live rows are made again from this read; the retired ones stay */
	promrows_begin(&st->prom_rows);
	for (size_t i = 0; i < st->ncur; i++) {
		struct forklat_entry *e = &st->cur[i];
		struct forklat_entry *p = table_find(e, st->prev, st->nprev, sizeof(*e), entry_cmp);
		struct forklat_stats d;

		forklat_stats_delta(&e->s, p ? &p->s : NULL, &d);
		forks += d.forks;
		errors += d.errors;
		if (d.forks || d.errors) {
			forklat_row_fill(&st->rows[nrows++], e->key, &e->s, &d, st->gen,
					 st->page_size, st->pt_measured, st->pte_measured);
		} else if (!st->common->containers && p && kill(e->key, 0) && errno == ESRCH) {
			/* a process that exited and was reported: its row has no more to say */
			bpf_map_delete_elem(st->stats_fd, &e->key);
			prom_add(st, &e->s, true);
			continue;
		}
		prom_add(st, &e->s, false);
		st->cur[kept++] = *e;
	}
	/* the rows' sum is what the table kept; the BPF side's totals are every call */
	st->unattributed_forks = snap_unattributed(&st->unattr_forks, st->read_forks, forks);
	st->unattributed_errors = snap_unattributed(&st->unattr_errors, st->read_errors, errors);
	forks += st->unattributed_forks;
	errors += st->unattributed_errors;
	st->total_forks += forks;
	st->total_errors += errors;
	swap = st->prev;
	st->prev = st->cur;
	st->nprev = kept;
	st->cur = swap;
	st->forks = forks;
	st->errors = errors;
	st->nrows = nrows;
	st->shown = 0;
	/* the prom file and the event stream print no table: no top, no smaps_rollup reads */
	if (st->common->prom_file || st->stream)
		return;
	st->shown = table_top(st->rows, nrows, sizeof(*st->rows), forklat_row_cmp, st->cfg->top);
	for (size_t i = 0; i < st->shown; i++)
		row_complete(st, &st->rows[i]);
}

void forklat_report_event(struct forklat_state *st, const struct forklat_event *e,
			  struct forklat_row *r)
{
	st->slow_events++;
	memset(r, 0, sizeof(*r));
	r->key = st->common->containers ? e->cgroup_id : e->pid;
	r->pid = e->pid;
	memcpy(r->comm, e->comm, sizeof(r->comm));
	r->cgroup_id = e->cgroup_id;
	r->forks = 1;
	r->mean_ns = e->lat_ns;
	r->max_ns = e->lat_ns;
	r->rss_bytes = e->mem.rss_pages * st->page_size;
	r->anon_bytes = e->mem.anon_pages * st->page_size;
	r->pgtables_bytes = e->mem.pgtables_bytes;
	r->hugetlb_bytes = e->mem.hugetlb_pages * st->page_size;
	r->vmas = e->mem.vmas;
	r->pt_copy_ns = st->pt_measured ? (double)e->copy.pt_ns : -1;
	r->pte_copy_ns = st->pte_measured ? (double)e->copy.pte_ns : -1;
	r->child_run_ns = -1;
	r->child_exec_ns = -1;
	row_complete(st, r);
}
