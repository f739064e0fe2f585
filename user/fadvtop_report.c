// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fadvtop_report.h"
#include "fadvtop_state.h"
#include "cgroup.h"
#include "out.h"
#include "setup.h"
#include "snap.h"
#include "table.h"

const char *const fadv_advice_names[FADV_ADVICE_SLOTS] = {
	"normal", "random", "sequential", "willneed", "dontneed", "noreuse", "other",
};

const char *fadv_advice_name(int advice)
{
	if (advice < 0 || advice >= FADV_NR_ADVICE)
		return fadv_advice_names[FADV_NR_ADVICE];
	return fadv_advice_names[advice];
}

/* the counters that open struct fadv_val: calls[] up to dontneed_empty */
#define FADV_VAL_COUNTERS (offsetof(struct fadv_val, last_fd) / sizeof(__u64))

void fadv_val_delta(struct fadv_val *out, const struct fadv_val *cur, const struct fadv_val *prev)
{
	/* an evicted and recreated row restarts every counter, not only some (snap.h's rule) */
	if (prev && (snap_went_back(cur->calls, prev->calls, FADV_VAL_COUNTERS) ||
		     snap_went_back(cur->hist, prev->hist, HIST_SLOTS)))
		prev = NULL;
	*out = *cur;
	snap_delta(out->calls, cur->calls, prev ? prev->calls : NULL, FADV_VAL_COUNTERS);
	snap_delta(out->hist, cur->hist, prev ? prev->hist : NULL, HIST_SLOTS);
}

bool fadv_wait_resolved(bool exact, __u64 wait_ns, double secs)
{
	return exact || wait_ns >= FADV_ESTIMATE_MIN_NS_PER_S * (secs > 0 ? secs : 1);
}

void fadv_val_add(struct fadv_val *dst, const struct fadv_val *src)
{
	int i;

	for (i = 0; i < FADV_ADVICE_SLOTS; i++)
		dst->calls[i] += src->calls[i];
	dst->total_ns += src->total_ns;
	dst->bytes += src->bytes;
	dst->pages_dropped += src->pages_dropped;
	dst->pages_other += src->pages_other;
	dst->lock_wait_ns += src->lock_wait_ns;
	dst->lock_waits += src->lock_waits;
	dst->errors += src->errors;
	dst->dontneed_empty += src->dontneed_empty;
	for (i = 0; i < HIST_SLOTS; i++)
		dst->hist[i] += src->hist[i];
	if (!dst->comm[0])
		memcpy(dst->comm, src->comm, sizeof(dst->comm));
	if (src->last_fd)
		dst->last_fd = src->last_fd;
}

void fadv_val_add_batch(struct fadv_val *dst, const struct fadv_batch *b)
{
	int i;

	for (i = 0; i < FADV_ADVICE_SLOTS; i++)
		dst->calls[i] += b->calls[i];
	dst->total_ns += b->total_ns;
	dst->bytes += b->bytes;
	dst->pages_dropped += b->pages_dropped;
	dst->pages_other += b->pages_other;
	dst->lock_wait_ns += b->lock_wait_ns;
	dst->lock_waits += b->lock_waits;
	dst->errors += b->errors;
	dst->dontneed_empty += b->dontneed_empty;
	for (i = 0; i < HIST_SLOTS; i++)
		dst->hist[i] += b->hist[i];
}

__u64 fadv_val_calls(const struct fadv_val *v)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < FADV_ADVICE_SLOTS; i++)
		n += v->calls[i];
	return n;
}

const char *fadv_count(char *buf, size_t len, double v)
{
	if (v < 1000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.*fk", v < 1e4 ? 1 : 0, v / 1e3);
	else
		snprintf(buf, len, "%.*fM", v < 1e7 ? 1 : 0, v / 1e6);
	return buf;
}

static int pct(__u64 part, __u64 whole)
{
	return whole ? (int)((part * 100.0) / whole + 0.5) : 0;
}

static void who(char *buf, size_t len, const struct fadv_cg_sum *s)
{
	if (s->pod_uid && s->pod_uid[0] && strncmp(s->label, "pod:", 4))
		snprintf(buf, len, "container %s (pod %.8s)", s->label, s->pod_uid);
	else
		snprintf(buf, len, "container %s", s->label);
}

int fadv_diagnose(const struct fadv_cg_sum *sums, size_t n, double secs,
		  char (*lines)[FADV_LINE_LEN], int max)
{
	const struct fadv_cg_sum *waiter = NULL, *caller = NULL;
	char name[160], rate[16], behind[160];
	__u64 others_dontneed = 0;
	int others = 0, out = 0;
	size_t i;

	if (secs <= 0)
		secs = 1;
	for (i = 0; i < n; i++) {
		/* below 1% of the time inside fadvise, waiting is not the story */
		if (sums[i].lock_wait_ns && sums[i].lock_wait_ns * 100 >= sums[i].total_ns &&
		    (!waiter || sums[i].lock_wait_ns > waiter->lock_wait_ns))
			waiter = &sums[i];
		if (sums[i].calls && (!caller || sums[i].total_ns > caller->total_ns))
			caller = &sums[i];
	}

	if (waiter && out < max) {
		for (i = 0; i < n; i++) {
			if (&sums[i] == waiter || !sums[i].dontneed)
				continue;
			others++;
			others_dontneed += sums[i].dontneed;
		}
		who(name, sizeof(name), waiter);
		behind[0] = '\0';
		if (waiter->behind_label && waiter->behind_cgroup &&
		    waiter->behind_cgroup != waiter->cgroup_id)
			snprintf(behind, sizeof(behind), ", mostly behind container %s (%s)",
				 waiter->behind_label,
				 waiter->behind_exact ? "lock owner" : "estimated");
		else if (waiter->behind_cgroup == waiter->cgroup_id && waiter->behind_cgroup)
			snprintf(behind, sizeof(behind), ", mostly behind its own calls");
		if (others)
			snprintf(lines[out++], FADV_LINE_LEN,
				 "%s spends %d%% of its fadvise time waiting on kernel locks%s; "
				 "%d other container%s DONTNEED %s times/s",
				 name, pct(waiter->lock_wait_ns, waiter->total_ns), behind, others,
				 others == 1 ? " calls" : "s call",
				 fadv_count(rate, sizeof(rate), others_dontneed / secs));
		else
			snprintf(lines[out++], FADV_LINE_LEN,
				 "%s spends %d%% of its fadvise time waiting on kernel locks%s",
				 name, pct(waiter->lock_wait_ns, waiter->total_ns), behind);
	}
	if (caller && caller->dontneed && out < max) {
		char empty[64] = "";

		who(name, sizeof(name), caller);
		if (caller->pages_known)
			snprintf(empty, sizeof(empty), "; %d%% of those calls dropped no page",
				 pct(caller->dontneed_empty, caller->dontneed));
		snprintf(lines[out++], FADV_LINE_LEN,
			 "%s calls DONTNEED %s times/s, %.1f ms/s inside fadvise%s", name,
			 fadv_count(rate, sizeof(rate), caller->dontneed / secs),
			 caller->total_ns / secs / 1e6, empty);
	}
	return out;
}

/* ---- read: the maps at one moment ----------------------------------------------------- */

int fadvtop_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct fadv_key));
}

static void fadv_snap_free(struct fadv_snap *s)
{
	snap_free(&s->rows);
	snap_free(&s->waits);
	s->ns = 0;
}

/*
 * Wait until no program can still be adding to the epoch just closed: they run inside RCU
 * read sections, and MEMBARRIER_CMD_GLOBAL is synchronize_rcu().  Where it is refused
 * (nohz_full), a pause far longer than a program's few microseconds stands in for it.
 */
static void epoch_wait(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return;
	usleep(20000);
}

static struct row *taken_find(struct fadvtop_state *st, size_t sorted, const struct fadv_key *key)
{
	struct row *r = table_find(key, st->taken, sorted, sizeof(*r), fadvtop_key_cmp);
	size_t i;

	for (i = sorted; !r && i < st->ntaken; i++)
		if (!fadvtop_key_cmp(&st->taken[i].key, key))
			r = &st->taken[i];
	return r;
}

/*
 * The calls of epochs of the closed one's parity, as they stand now that no program can add
 * to them: with the other slot's figure from its own close, every call up to the closed epoch.
 */
static int totals_take(struct fadvtop_state *st, __u64 closed)
{
	size_t one = snap_percpu_size(sizeof(struct fadv_total)) / libbpf_num_possible_cpus();
	int ncpus = libbpf_num_possible_cpus();
	__u32 slot = closed & 1;
	char *percpu = calloc(ncpus, one);
	__u64 calls = 0;
	int err = 0;

	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(st->totals_map), &slot, percpu)) {
		err = -errno;
		goto out;
	}
	for (int i = 0; i < ncpus; i++)
		calls += ((struct fadv_total *)(percpu + i * one))->calls;
	st->closed_calls[slot] = calls;
out:
	free(percpu);
	return err;
}

static __u64 calls_closed(const struct fadvtop_state *st)
{
	return st->closed_calls[0] + st->closed_calls[1];
}

/* Close the current epoch and add its threads' batches to st->taken. */
static int batches_take(struct fadvtop_state *st)
{
	__u64 closed = *st->epoch;
	size_t i, sorted = st->ntaken, cap = st->ntaken;
	const struct fadv_thread *t;
	const struct fadv_batch *b;
	struct row *r;
	int err;

	__atomic_store_n(st->epoch, closed + 1, __ATOMIC_SEQ_CST);
	epoch_wait();
	/* the totals before the rows: see snap_unattributed */
	err = totals_take(st, closed);
	if (err)
		return err;
	err = snap_read(&st->threads, bpf_map__fd(st->inflight_map), sizeof(__u32),
			sizeof(struct fadv_thread), bpf_map__max_entries(st->inflight_map));
	for (i = 0; !err && i < st->threads.n; i++) {
		t = snap_value(&st->threads, i);
		b = &t->batch[closed & 1];
		if (b->epoch != closed)
			continue;
		r = taken_find(st, sorted, &b->key);
		if (!r) {
			if (st->ntaken == cap) {
				cap = cap ? cap * 2 : 64;
				r = realloc(st->taken, cap * sizeof(*r));
				if (!r) {
					err = -ENOMEM;
					break;
				}
				st->taken = r;
			}
			r = &st->taken[st->ntaken++];
			memset(r, 0, sizeof(*r));
			r->key = b->key;
		}
		fadv_val_add_batch(&r->val, b);
	}
	table_sort(st->taken, st->ntaken, sizeof(*st->taken), fadvtop_key_cmp);
	if (!st->recycled_said && *st->threads_made > FADV_MAX_INFLIGHT) {
		out_note("more than %d threads called fadvise: their records were recycled, and a "
			 "recycled thread's calls of its last interval are counted as unattributed",
			 FADV_MAX_INFLIGHT);
		st->recycled_said = true;
	}
	return err;
}

/*
 * The rows as the BPF side keeps them plus the batches taken so far.  A batch's row always
 * exists (the epoch's first call goes to the row); when the LRU has evicted it, its batches
 * go with it.
 */
static void batches_add(struct fadvtop_state *st, struct fadv_snap *s)
{
	size_t i, kept = 0;
	struct fadv_val *v;

	for (i = 0; i < st->ntaken; i++) {
		v = snap_find(&s->rows, &st->taken[i].key);
		if (!v)
			continue;
		fadv_val_add(v, &st->taken[i].val);
		st->taken[kept++] = st->taken[i];
	}
	st->ntaken = kept;
}

int fadvtop_read(struct fadvtop_state *st)
{
	struct fadv_snap *s = &st->cur, older = st->prev;
	int err;

	/* the last read becomes the previous one; the one before lends its buffers */
	st->prev = st->cur;
	st->cur = older;
	err = batches_take(st);
	if (err)
		return err;
	s->ns = out_monotonic_ns();
	err = snap_read(&s->rows, bpf_map__fd(st->rows_map), sizeof(struct fadv_key),
			sizeof(struct fadv_val), bpf_map__max_entries(st->rows_map));
	if (!err)
		err = snap_read(&s->waits, bpf_map__fd(st->waits_map), sizeof(struct fadv_wait_key),
				sizeof(struct fadv_wait_val), bpf_map__max_entries(st->waits_map));
	if (err) {
		fadv_snap_free(s);
		return err;
	}
	batches_add(st, s);
	return 0;
}

/* ---- report: the period from the previous read (or the start) to this one ------------- */

/* The calls the rows hold from prev to cur, by the rows' own rule (fadv_val_delta). */
static __u64 rows_calls(const struct fadv_snap *cur, const struct fadv_snap *prev)
{
	__u64 n = 0;

	for (size_t i = 0; i < cur->rows.n; i++) {
		const struct fadv_val *p =
			prev ? snap_find(&prev->rows, snap_key(&cur->rows, i)) : NULL;
		struct fadv_val d;

		fadv_val_delta(&d, snap_value(&cur->rows, i), p);
		n += fadv_val_calls(&d);
	}
	return n;
}

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

static int wait_cmp(const void *a, const void *b)
{
	const struct wrow *x = a, *y = b;

	return x->val.wait_ns < y->val.wait_ns ? 1 : x->val.wait_ns > y->val.wait_ns ? -1 : 0;
}

/* rows sorted by key are grouped by (cgroup, tgid) already; with -C by cgroup alone */
static bool same_group(const struct row *r, const struct group *g, bool containers)
{
	return r->key.cgroup_id == g->cgroup_id && (containers || r->key.tgid == g->tgid);
}

/* The period between prev and cur: rows with calls, grouped per process or per cgroup. */
static struct group *groups_build(const struct fadv_snap *cur, const struct fadv_snap *prev,
				  bool containers, struct row **deltas_out, size_t *ngroups)
{
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

/* Lock waits of the period, per (waiter, holder) pair, those worth a line. */
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

/*
 * The file's path: /proc/PID/fd/N when it still names the same inode, else what the BPF side
 * read from the dentry when the row was made, else dev:inode.  Not cached here: an inode
 * number is reused once its file is deleted, and a name kept by (dev, inode) went stale.
 */
static void file_name(const struct fadvtop_state *st, const struct row *f, char *path, size_t len)
{
	struct fadv_file_key fk = {.dev = f->key.dev, .ino = f->key.ino};
	struct fadv_name n;
	struct stat sb;
	char link[64];
	ssize_t got;

	snprintf(link, sizeof(link), "/proc/%u/fd/%d", f->key.tgid, f->val.last_fd);
	got = readlink(link, path, len - 1);
	if (got > 0 && !stat(link, &sb) && sb.st_ino == f->key.ino &&
	    ((major(sb.st_dev) << 20) | minor(sb.st_dev)) == f->key.dev) {
		path[got] = '\0';
		return;
	}
	if (!bpf_map_lookup_elem(st->names_fd, &fk, &n) && n.name[0]) {
		n.name[sizeof(n.name) - 1] = '\0';
		snprintf(path, len, ".../%s", n.name);
		return;
	}
	snprintf(path, len, "dev %u:%u ino %llu", f->key.dev >> 20, f->key.dev & 0xfffff,
		 (unsigned long long)f->key.ino);
}

struct cg_wait {
	__u64 holder;
	__u64 wait_ns;
	bool exact;
};

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

static int diagnose(struct fadvtop_state *st, struct fadvtop_period *r)
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
		sums[i].label = cgroup_label(g->cgroup_id, labels[i][0], sizeof(labels[i][0]));
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
				cgroup_label(b.holder, labels[i][1], sizeof(labels[i][1]));
	}
	n = fadv_diagnose(sums, r->ncgs, r->secs, r->diag, 3);
out:
	free(sums);
	free(labels);
	free(ct);
	return n;
}

/*
 * The top rows as the output shows them, each shown file named: -j shows each shown
 * group's top files, the table the period's top files over all groups (which reorders the
 * deltas under the groups' files, so it is one or the other).
 */
static int period_top(struct fadvtop_state *st, struct fadvtop_period *r)
{
	size_t i, k;

	r->shown = table_top(r->groups, r->ngroups, sizeof(*r->groups), group_cmp,
			     r->summary ? 0 : st->cfg->top);
	r->names = calloc(r->ndeltas ? r->ndeltas : 1, sizeof(*r->names));
	if (!r->names)
		return -ENOMEM;
	if (st->common.json) {
		for (i = 0; i < r->shown; i++) {
			struct group *g = &r->groups[i];

			g->files_shown = table_top(g->files, g->nfiles, sizeof(*g->files), file_cmp,
						   st->cfg->files);
			for (k = 0; k < g->files_shown; k++)
				file_name(st, &g->files[k], r->names[g->files + k - r->deltas],
					  FADV_PATH_LEN);
		}
		return 0;
	}
	if (!st->cfg->files || !r->ndeltas)
		return 0;
	r->files_shown =
		table_top(r->deltas, r->ndeltas, sizeof(*r->deltas), file_cmp, st->cfg->files);
	for (i = 0; i < r->files_shown; i++)
		file_name(st, &r->deltas[i], r->names[i], FADV_PATH_LEN);
	return 0;
}

void fadvtop_period_free(struct fadvtop_period *r)
{
	free(r->groups);
	free(r->deltas);
	free(r->names);
	free(r->waits);
	free(r->cgs);
	free(r->cg_deltas);
	memset(r, 0, sizeof(*r));
}

void fadvtop_state_free(struct fadvtop_state *st)
{
	fadv_snap_free(&st->cur);
	fadv_snap_free(&st->prev);
	snap_free(&st->threads);
	free(st->taken);
	st->taken = NULL;
	st->ntaken = 0;
	fadvtop_period_free(&st->period);
}

int fadvtop_report(struct fadvtop_state *st, bool summary)
{
	struct fadvtop_period *r = &st->period;
	const struct fadv_snap *cur = &st->cur, *prev = summary ? &st->start : &st->prev;
	__u64 rows;

	fadvtop_period_free(r);
	r->summary = summary;
	if (summary) {
		/* the summary's rows are what the table holds now: every other call is in no row */
		rows = rows_calls(cur, NULL);
		r->unattributed = calls_closed(st) > rows ? calls_closed(st) - rows : 0;
	} else {
		/* an interval's share of the calls in no row: what rises above the high mark */
		rows = rows_calls(cur, prev);
		r->unattributed = snap_unattributed(&st->unattr, calls_closed(st), rows);
	}
	r->calls = rows + r->unattributed;
	r->misses = setup_prog_misses(st->obj);
	/* --prom-file: per cgroup, cumulative since start, whatever the interval */
	if (st->common.prom_file) {
		r->groups = groups_build(cur, &st->start, true, &r->deltas, &r->ngroups);
		return r->groups ? 0 : -ENOMEM;
	}
	r->secs = (cur->ns - (summary ? st->started_ns : prev->ns)) / 1e9;
	r->groups = groups_build(cur, prev, st->common.containers, &r->deltas, &r->ngroups);
	if (!r->groups)
		return -ENOMEM;
	for (size_t i = 0; i < r->ngroups; i++)
		r->ndeltas += r->groups[i].nfiles;
	/* the diagnosis speaks of containers, whatever the table groups by */
	r->cgs = groups_build(cur, prev, true, &r->cg_deltas, &r->ncgs);
	if (!r->cgs)
		return -ENOMEM;
	r->waits = waits_build(cur, prev, r->secs, &r->nwaits);
	if (!r->waits)
		return -ENOMEM;
	table_sort(r->waits, r->nwaits, sizeof(*r->waits), wait_cmp);
	r->ndiag = diagnose(st, r);
	return period_top(st, r);
}
