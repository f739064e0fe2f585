// SPDX-License-Identifier: GPL-2.0
/*
 * fadvtop: which container hammers the kernel with posix_fadvise, and what it costs the
 * others.  Per container, process and file: calls by advice, time inside the call, pages the
 * calls really dropped, and time spent waiting on kernel locks inside fadvise, with whom the
 * waiters waited behind.
 *
 * The BPF side keeps cumulative rows, shared by the threads of a process, and per-thread
 * batches of the current epoch (bpf/fadvtop.bpf.c).  Each interval this closes the epoch, adds
 * the closed batches to the rows it read, and user/fadvtop_show.c shows the difference with
 * the previous read.  At exit it shows the totals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fadvtop.h"
#include "fadvtop.skel.h"
#include "fadvtop_report.h"
#include "cgroup.h"
#include "cost.h"
#include "events.h"
#include "loop.h"
#include "opts.h"
#include "out.h"
#include "probe.h"
#include "setup.h"
#include "fadvtop_show.h"
#include "table.h"

static struct config cfg = {
	.top = 10,
	.files = 5,
};

static const struct opt fadvtop_opts[] = {
	{"events", 'e', OPT_FLAG, OPT_FIELD(struct config, events), NULL,
	 "stream each call as it returns instead of the per-interval table"},
	{"min-us", 'm', OPT_UINT64, OPT_FIELD(struct config, min_us), "US",
	 "with --events: only calls that took at least US microseconds", 0, 100000000},
	{"top", 'n', OPT_INT, OPT_FIELD(struct config, top), "N",
	 "rows to show each interval (default 10)", 1, 100000},
	{"files", 'f', OPT_INT, OPT_FIELD(struct config, files), "N",
	 "top files to show each interval (default 5; 0: none)", 0, 1000},
	{"hist", 'H', OPT_FLAG, OPT_FIELD(struct config, hist), NULL,
	 "print each row's latency histogram (JSON rows always carry it)"},
	{0},
};

static const struct tool_desc tool = {
	.name = "fadvtop",
	.summary = "Which container hammers the kernel with posix_fadvise, and what it costs the "
		   "others.",
	.synopsis = "[interval [count]]",
	.common = COMMON_PID | COMMON_CGROUP | COMMON_CONTAINERS | COMMON_INTERVAL | COMMON_PROM |
		  COMMON_EVENTS,
	.opts = fadvtop_opts,
	.examples = "  fadvtop -C              per container, every second; totals at Ctrl-C\n"
		    "  fadvtop -C -j 5 1       one 5-second JSON report\n"
		    "  fadvtop -c system.slice/docker-ab12.scope   one container's processes\n"
		    "  fadvtop -e -m 1000      every call that took 1 ms or more\n",
	.default_interval_ms = 1000,
};

/* ---- reading the maps ---------------------------------------------------------------- */

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
	if (bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.totals), &slot, percpu)) {
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
	struct bpf_map *inflight = st->skel->maps.inflight;
	__u64 closed = st->skel->data->fadv_epoch;
	size_t i, sorted = st->ntaken, cap = st->ntaken;
	const struct fadv_thread *t;
	const struct fadv_batch *b;
	struct row *r;
	int err;

	__atomic_store_n(&st->skel->data->fadv_epoch, closed + 1, __ATOMIC_SEQ_CST);
	epoch_wait();
	/* the totals before the rows: see snap_unattributed */
	err = totals_take(st, closed);
	if (err)
		return err;
	err = snap_read(&st->threads, bpf_map__fd(inflight), sizeof(__u32),
			sizeof(struct fadv_thread), bpf_map__max_entries(inflight));
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
	if (!st->recycled_said && st->skel->bss->fadv_threads_made > FADV_MAX_INFLIGHT) {
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

/* The maps at one moment into s (zeroed, or one read before: its buffers are reused). */
static int fadv_snap_read(struct fadvtop_state *st, struct fadv_snap *s)
{
	struct fadvtop *skel = st->skel;
	int err;

	err = batches_take(st);
	if (err)
		return err;
	s->ns = out_monotonic_ns();
	err = snap_read(&s->rows, bpf_map__fd(skel->maps.rows), sizeof(struct fadv_key),
			sizeof(struct fadv_val), bpf_map__max_entries(skel->maps.rows));
	if (!err)
		err = snap_read(&s->waits, bpf_map__fd(skel->maps.waits),
				sizeof(struct fadv_wait_key), sizeof(struct fadv_wait_val),
				bpf_map__max_entries(skel->maps.waits));
	if (err) {
		fadv_snap_free(s);
		return err;
	}
	batches_add(st, s);
	return 0;
}

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

static int tick(void *arg)
{
	struct fadvtop_state *st = arg;
	struct fadv_snap cur = {0};
	__u64 rows;
	int err;

	if (cfg.events) {
		events_lost_check(&st->ev);
		return 0;
	}
	err = fadv_snap_read(st, &cur);
	if (err) {
		out_error("could not read the BPF maps: %s", strerror(-err));
		return 1;
	}
	/* an interval's share of the calls in no row: what rises above the high mark (snap.h) */
	rows = rows_calls(&cur, &st->prev);
	st->unattributed = snap_unattributed(&st->unattr, calls_closed(st), rows);
	st->calls = rows + st->unattributed;
	/* with --prom-file, the file is the output */
	err = st->common.prom_file ? fadvtop_prom_report(st, &cur)
				   : fadvtop_report(st, &cur, &st->prev, false);
	fadv_snap_free(&st->prev);
	st->prev = cur;
	if (err == -EIO)
		return 1;
	if (err) {
		out_error("out of memory while building the report");
		return 1;
	}
	return 0;
}

/* ---- --events ------------------------------------------------------------------------ */

static int event_print(void *arg, void *data, size_t size)
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

/* ---- set-up -------------------------------------------------------------------------- */

static int plan(struct fadvtop_state *st)
{
	struct fadvtop *s = st->skel;
	struct plan_item items[] = {
		{
			.what = "fadvise calls",
			.choices =
				{
#if defined(__aarch64__)
					{HOOK_TRACEPOINT,
					 "syscalls:sys_enter_fadvise64_64",
					 {s->progs.fadvtop_enter64, s->progs.fadvtop_exit64}},
					{HOOK_TRACEPOINT,
					 "syscalls:sys_enter_fadvise64",
					 {s->progs.fadvtop_enter, s->progs.fadvtop_exit}},
#else
					{HOOK_TRACEPOINT,
					 "syscalls:sys_enter_fadvise64",
					 {s->progs.fadvtop_enter, s->progs.fadvtop_exit}},
					{HOOK_TRACEPOINT,
					 "syscalls:sys_enter_fadvise64_64",
					 {s->progs.fadvtop_enter64, s->progs.fadvtop_exit64}},
#endif
				},
			.degraded = "nothing to show",
		},
		{
			.what = "page-cache pages dropped",
			.choices = {{HOOK_TRACEPOINT,
				     "filemap:mm_filemap_delete_from_page_cache",
				     {s->progs.fadvtop_page_delete}}},
			.degraded = "the DROP/s column and pages_dropped stay empty",
		},
		{
			.what = "lock waits inside fadvise",
			.choices = {{HOOK_TRACEPOINT,
				     "lock:contention_begin",
				     {s->progs.fadvtop_lock_begin, s->progs.fadvtop_lock_end}}},
			.degraded = "the LOCK% column and lock_wait_ns stay empty "
				    "(the kernel lacks the lock:contention_* tracepoints)",
		},
	};

	plan_choose(items, 3);
	if (items[0].chosen < 0) {
		out_error("this kernel has neither syscalls:sys_enter_fadvise64 nor "
			  "sys_enter_fadvise64_64: it needs CONFIG_FTRACE_SYSCALLS=y");
		return -1;
	}
	st->pages_known = items[1].chosen >= 0;
	st->locks_known = items[2].chosen >= 0;
	return 0;
}

int main(int argc, char **argv)
{
	struct fadvtop_state st = {.cfg = &cfg};
	struct fadv_snap cur = {0};
	int err, status = 1;
	__u64 rows;

	opts_parse(&tool, argc, argv, &st.common, &cfg);
	if (!cfg.events && cfg.min_us)
		opts_die(&tool, "--min-us only makes sense with --events");
	json_init(&st.json, stdout);
	if (setup_check())
		return 1;

	st.skel = fadvtop__open_opts(setup_open_opts());
	if (!st.skel) {
		setup_explain(-errno, "open the BPF object");
		return 1;
	}
	st.skel->rodata->filter_tgid = st.common.pid;
	st.skel->rodata->filter_cgroup_id = st.common.cgroup_id;
	st.skel->rodata->filter_cgroup_level = st.common.cgroup_level;
	st.skel->rodata->events_enabled = cfg.events;
	st.skel->rodata->events_min_ns = cfg.min_us * 1000;
	if (st.common.ring_mb && !cfg.events)
		opts_die(&tool, "--ring-mb only makes sense with --events");
	err = events_ring_size(st.skel->maps.events, cfg.events ? sizeof(struct fadv_event) : 0,
			       st.common.ring_mb);
	if (err) {
		setup_explain(err, "size the event ring buffer");
		goto cleanup;
	}
	if (plan(&st))
		goto cleanup;
	snap_rows_cap(st.skel->maps.rows);
	err = fadvtop__load(st.skel);
	if (err) {
		setup_explain(err, "load the BPF programs");
		goto cleanup;
	}
	st.obj = st.skel->obj;
	st.names_fd = bpf_map__fd(st.skel->maps.names);
	cost_start(st.skel->obj, st.common.no_bpf_stats);
	err = fadvtop__attach(st.skel);
	if (err) {
		setup_explain(err, "attach the BPF programs");
		goto cleanup;
	}
	if (cfg.events) {
		if (events_open(&st.ev, st.skel->maps.events, event_print, &st,
				&st.skel->bss->kscope_lost_events))
			goto cleanup;
		if (!st.common.json)
			printf("%-14s %7s %-12s %-10s %9s %9s %6s %s\n", "CONTAINER", "PID", "COMM",
			       "ADVICE", "TIME", "LOCKWAIT", "PAGES", "FILE");
	}
	st.started_ns = out_monotonic_ns();
	st.prev.ns = st.started_ns;
	out_debug("tracing fadvise calls; Ctrl-C for the totals");
	loop_started(&st.common, "fadvise calls");

	err = loop_run(&st.common, cfg.events ? &st.ev : NULL, tick, &st);
	if (err)
		goto cleanup;
	if (cfg.events)
		events_lost_check(&st.ev);
	/* the totals since start: everything the maps hold against an empty snapshot */
	if (fadv_snap_read(&st, &cur)) {
		out_error("could not read the BPF maps for the final summary");
		goto cleanup;
	}
	/* the summary's rows are what the table holds now: every other call is in no row */
	rows = rows_calls(&cur, NULL);
	st.unattributed = calls_closed(&st) > rows ? calls_closed(&st) - rows : 0;
	st.calls = rows + st.unattributed;
	/* a daemon's output is the file, to the end: its last version has the totals */
	if (st.common.prom_file)
		err = fadvtop_prom_report(&st, &cur);
	else
		err = fadvtop_report(&st, &cur, &st.start, true);
	fadv_snap_free(&cur);
	if (err)
		goto cleanup;
	status = 0;
cleanup:
	if (cfg.events && st.ev.rb)
		events_close(&st.ev);
	fadv_snap_free(&st.prev);
	snap_free(&st.threads);
	free(st.taken);
	cost_exit();
	fadvtop__destroy(st.skel);
	cgroup_cache_free();
	return status;
}
