// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck watch: one interval read and made.  The maps hold counts since load; each read
 * takes them all into a snapshot (the library's snap_read), and an interval is the snapshot
 * less the one before it, row by row with the library's delta rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "out.h"
#include "setup.h"
#include "snap.h"
#include "table.h"
#include "netcheck_state.h"

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_snap *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_irq(const void *a, const void *b)
{
	const struct irq_snap *x = a, *y = b;

	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

static int cmp_napi(const void *a, const void *b)
{
	return memcmp(&((const struct napi_snap *)a)->key, &((const struct napi_snap *)b)->key,
		      sizeof(struct netcheck_napi_key));
}

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nirqs; i++)
		free(s->irqs[i].count);
	free(s->procs);
	free(s->cpus);
	free(s->irqs);
	free(s->napis);
	memset(s, 0, sizeof(*s));
}

/* The per-CPU copies of a process row summed: a sum, not a delta (snap_delta makes those). */
static void proc_add(struct netcheck_proc *dst, const struct netcheck_proc *p)
{
	if (p->comm[0] && !dst->comm[0])
		memcpy(dst->comm, p->comm, sizeof(dst->comm));
	dst->calls += p->calls;
	dst->errors += p->errors;
	dst->events += p->events;
	dst->timeout_block += p->timeout_block;
	dst->timeout_zero += p->timeout_zero;
	dst->slept += p->slept;
	dst->incall_ns += p->incall_ns;
	dst->wake_ns += p->wake_ns;
	for (int i = 0; i < HIST_SLOTS; i++) {
		dst->timeout_hist[i] += p->timeout_hist[i];
		dst->events_hist[i] += p->events_hist[i];
		dst->wake_hist[i] += p->wake_hist[i];
	}
}

static void proc_sum(struct netcheck_proc *dst, const struct netcheck_proc *percpu, int ncpus)
{
	memset(dst, 0, sizeof(*dst));
	for (int c = 0; c < ncpus; c++)
		proc_add(dst, &percpu[c]);
}

/* IRQ numbers to the names /proc/interrupts gives their handlers. */
static void irq_names_load(struct netcheck_state *st)
{
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end, *last = NULL, *tok;
		long irq;

		while (*p == ' ')
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':' || irq < 0 || irq >= NETCHECK_MAX_IRQS)
			continue;
		for (tok = strtok(end + 1, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			last = tok;
		if (last)
			snprintf(st->irq_names[irq], sizeof(st->irq_names[irq]), "%s", last);
	}
	fclose(f);
}

/* Cumulative values of every map; the intervals are differences of two snapshots. */
static int snapshot_read(struct netcheck_state *st, struct snapshot *s)
{
	struct snap m = {0}; /* the IRQ and NAPI maps, one after the other */
	__u32 zero = 0;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->cpus = calloc(st->ncpus, sizeof(*s->cpus));
	if (!s->cpus) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = bpf_map_lookup_elem(st->cpus_fd, &zero, s->cpus);
	if (err)
		goto cleanup;
	clock_gettime(CLOCK_REALTIME, &s->cpus_read);

	err = snap_read(&st->procs_snap, st->procs_fd, sizeof(__u32),
			snap_percpu_size(sizeof(struct netcheck_proc)), st->procs_max);
	if (err)
		goto cleanup;
	s->procs = calloc(st->procs_snap.n + 1, sizeof(*s->procs));
	if (!s->procs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < st->procs_snap.n; i++) {
		memcpy(&s->procs[i].pid, snap_key(&st->procs_snap, i), sizeof(__u32));
		proc_sum(&s->procs[i].v, snap_value(&st->procs_snap, i), st->ncpus);
	}
	s->nprocs = st->procs_snap.n;
	table_sort(s->procs, s->nprocs, sizeof(*s->procs), cmp_pid);

	err = snap_read(&m, st->irqs_fd, sizeof(__u32),
			snap_percpu_size(sizeof(struct netcheck_irq)), NETCHECK_MAX_IRQS);
	if (err)
		goto cleanup;
	s->irqs = calloc(m.n + 1, sizeof(*s->irqs));
	if (!s->irqs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < m.n; i++) {
		const struct netcheck_irq *percpu = snap_value(&m, i);
		struct irq_snap *is = &s->irqs[s->nirqs];

		memcpy(&is->irq, snap_key(&m, i), sizeof(is->irq));
		is->count = calloc(2 * st->ncpus, sizeof(__u64));
		if (!is->count) {
			err = -ENOMEM;
			goto cleanup;
		}
		is->ns = is->count + st->ncpus;
		s->nirqs++;
		for (int c = 0; c < st->ncpus; c++) {
			is->count[c] = percpu[c].count;
			is->ns[c] = percpu[c].ns;
			is->total += percpu[c].count;
			is->total_ns += percpu[c].ns;
		}
	}
	table_sort(s->irqs, s->nirqs, sizeof(*s->irqs), cmp_irq);

	err = snap_read(&m, st->napis_fd, sizeof(struct netcheck_napi_key),
			sizeof(struct netcheck_napi), NETCHECK_MAX_NAPI);
	if (err)
		goto cleanup;
	s->napis = calloc(m.n + 1, sizeof(*s->napis));
	if (!s->napis) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < m.n; i++) {
		memcpy(&s->napis[i].key, snap_key(&m, i), sizeof(s->napis[i].key));
		memcpy(&s->napis[i].v, snap_value(&m, i), sizeof(s->napis[i].v));
	}
	s->nnapis = m.n;
	table_sort(s->napis, s->nnapis, sizeof(*s->napis), cmp_napi);
cleanup:
	snap_free(&m);
	return err;
}

int netcheck_read_start(struct netcheck_state *st)
{
	int err = snapshot_read(st, &st->start);

	if (!err)
		err = snapshot_read(st, &st->prev);
	st->start_ns = st->last_ns = out_monotonic_ns();
	return err;
}

int netcheck_read(struct netcheck_state *st, bool summary)
{
	int err;

	st->read_ns = out_monotonic_ns();
	err = snapshot_read(st, &st->cur);
	if (err)
		return err;
	/* the file has no IRQ names; the table and JSON name the IRQs they show */
	if (!st->common.prom_file)
		irq_names_load(st);
	if (summary || st->common.prom_file)
		st->misses = setup_prog_misses(st->obj);
	return 0;
}

/* epoll_wait calls counted apart from the process table, summed over the CPUs */
static __u64 snapshot_calls(const struct snapshot *s, int ncpus)
{
	__u64 n = 0;

	for (int c = 0; s->cpus && c < ncpus; c++)
		n += s->cpus[c].epoll_calls;
	return n;
}

static __u64 rows_calls(const struct snapshot *s)
{
	__u64 n = 0;

	for (size_t i = 0; i < s->nprocs; i++)
		n += s->procs[i].v.calls;
	return n;
}

#define NAPI_COUNTERS (sizeof(struct netcheck_napi) / sizeof(__u64))

/*
 * d = cur - base, every counter by snap_delta.  Rows only in cur started within the interval.
 * Only the process map is an LRU, so only its rows restart (evicted and made again); the CPU
 * array and the IRQ and NAPI hashes never lose a row, so their counters only grow.
 */
static void snapshot_diff(struct netcheck_state *st, struct snapshot *d, const struct snapshot *cur,
			  const struct snapshot *base)
{
	__u64 calls, rows;

	memset(d, 0, sizeof(*d));
	d->cpus = calloc(st->ncpus, sizeof(*d->cpus));
	d->procs = calloc(cur->nprocs + 1, sizeof(*d->procs));
	d->irqs = calloc(cur->nirqs + 1, sizeof(*d->irqs));
	d->napis = calloc(cur->nnapis + 1, sizeof(*d->napis));
	if (!d->cpus || !d->procs || !d->irqs || !d->napis)
		return;
	d->cpus_read = cur->cpus_read;
	for (int c = 0; c < st->ncpus; c++)
		snap_delta((__u64 *)&d->cpus[c], (const __u64 *)&cur->cpus[c],
			   base->cpus ? (const __u64 *)&base->cpus[c] : NULL,
			   sizeof(d->cpus[c]) / sizeof(__u64));
	for (size_t i = 0; i < cur->nprocs; i++) {
		const struct proc_snap *b =
			table_find(&cur->procs[i], base->procs, base->nprocs, sizeof(*b), cmp_pid);

		d->procs[d->nprocs] = cur->procs[i];
		snap_delta(&d->procs[d->nprocs].v.calls, &cur->procs[i].v.calls,
			   b ? &b->v.calls : NULL, NETCHECK_PROC_COUNTERS);
		if (d->procs[d->nprocs].v.calls || d->procs[d->nprocs].v.wake_hist[0] ||
		    d->procs[d->nprocs].v.wake_ns)
			d->nprocs++;
	}
	/* the calls no row holds: rows the LRU evicted before this read, whatever they had */
	calls = snapshot_calls(d, st->ncpus);
	rows = rows_calls(d);
	d->unattributed_calls = calls > rows ? calls - rows : 0;
	for (size_t i = 0; i < cur->nirqs; i++) {
		const struct irq_snap *b =
			table_find(&cur->irqs[i], base->irqs, base->nirqs, sizeof(*b), cmp_irq);
		struct irq_snap *is = &d->irqs[d->nirqs];

		*is = cur->irqs[i];
		is->count = calloc(2 * st->ncpus, sizeof(__u64));
		if (!is->count)
			continue;
		is->ns = is->count + st->ncpus;
		/* the counts, then the times: one run of 2 * ncpus counters */
		snap_delta(is->count, cur->irqs[i].count, b ? b->count : NULL, 2 * st->ncpus);
		is->total = is->total_ns = 0;
		for (int c = 0; c < st->ncpus; c++) {
			is->total += is->count[c];
			is->total_ns += is->ns[c];
		}
		if (is->total)
			d->nirqs++;
		else
			free(is->count);
	}
	for (size_t i = 0; i < cur->nnapis; i++) {
		const struct napi_snap *b =
			table_find(&cur->napis[i], base->napis, base->nnapis, sizeof(*b), cmp_napi);
		struct napi_snap *n = &d->napis[d->nnapis];

		*n = cur->napis[i];
		snap_delta(&n->v.polls, &cur->napis[i].v.polls, b ? &b->v.polls : NULL,
			   NAPI_COUNTERS);
		if (n->v.polls)
			d->nnapis++;
	}
}

int netcheck_report(struct netcheck_state *st, bool summary)
{
	/* the summary and --prom-file's counters are since start; a table's or JSON's interval
	 * since the last read */
	const struct snapshot *base = summary || st->common.prom_file ? &st->start : &st->prev;
	int err = 0;

	snapshot_free(&st->d);
	snapshot_diff(st, &st->d, &st->cur, base);
	if (!st->d.cpus || !st->d.procs || !st->d.irqs || !st->d.napis) {
		snapshot_free(&st->d);
		err = -ENOMEM;
	} else if (base == &st->prev) {
		/* an interval's share: what rises above the high mark since start (snap.h) */
		st->d.unattributed_calls = snap_unattributed(
			&st->unattr,
			snapshot_calls(&st->cur, st->ncpus) - snapshot_calls(&st->start, st->ncpus),
			rows_calls(&st->d));
	}
	st->elapsed_ms = (st->read_ns - (summary ? st->start_ns : st->last_ns)) / 1000000;
	st->last_ns = st->read_ns;
	/* this read is where the next interval starts */
	snapshot_free(&st->prev);
	st->prev = st->cur;
	memset(&st->cur, 0, sizeof(st->cur));
	return err;
}

void netcheck_state_free(struct netcheck_state *st)
{
	snapshot_free(&st->start);
	snapshot_free(&st->prev);
	snapshot_free(&st->cur);
	snapshot_free(&st->d);
	snap_free(&st->procs_snap);
}
