// SPDX-License-Identifier: GPL-2.0
/*
 * fadvtop: which container hammers the kernel with posix_fadvise, and what it costs the
 * others.  Per container, process and file: calls by advice, time inside the call, pages the
 * calls really dropped, and time spent waiting on kernel locks inside fadvise, with whom the
 * waiters waited behind.
 *
 * The BPF side keeps cumulative rows, shared by the threads of a process, and per-thread
 * batches of the current epoch (bpf/fadvtop.bpf.c).  Each interval is read -> report -> show:
 * user/fadvtop_report.c closes the epoch, adds the closed batches to the rows it read and
 * makes the period's groups from the difference with the previous read; user/fadvtop_show.c
 * prints them.  At exit the same shows the totals.  This file: options, set-up, the tick.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
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

/* ---- one interval ------------------------------------------------------------------- */

/* read -> report -> show: user/fadvtop_report.c, then user/fadvtop_show.c */
static int tick(void *arg)
{
	struct fadvtop_state *st = arg;
	int err;

	if (cfg.events) {
		events_lost_check(&st->ev);
		return 0;
	}
	err = fadvtop_read(st);
	if (err) {
		out_error("could not read the BPF maps: %s", strerror(-err));
		return 1;
	}
	err = fadvtop_report(st, false);
	if (!err)
		err = fadvtop_show(st);
	if (err == -EIO)
		return 1;
	if (err) {
		out_error("out of memory while building the report");
		return 1;
	}
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
	int err, status = 1;

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
	err = setup_load_attach(st.skel->skeleton, st.common.no_bpf_stats);
	if (err)
		goto cleanup;
	st.obj = st.skel->obj;
	st.rows_map = st.skel->maps.rows;
	st.waits_map = st.skel->maps.waits;
	st.inflight_map = st.skel->maps.inflight;
	st.totals_map = st.skel->maps.totals;
	st.names_fd = bpf_map__fd(st.skel->maps.names);
	st.epoch = &st.skel->data->fadv_epoch;
	st.threads_made = &st.skel->bss->fadv_threads_made;
	if (cfg.events) {
		if (events_open(&st.ev, st.skel->maps.events, fadvtop_show_event, &st,
				&st.skel->bss->kscope_lost_events))
			goto cleanup;
		fadvtop_show_events_header(&st);
	}
	st.started_ns = out_monotonic_ns();
	st.cur.ns = st.started_ns;
	out_debug("tracing fadvise calls; Ctrl-C for the totals");
	loop_started(&st.common, "fadvise calls");

	err = loop_run(&st.common, cfg.events ? &st.ev : NULL, tick, &st);
	if (err)
		goto cleanup;
	if (cfg.events)
		events_lost_check(&st.ev);
	/* the totals since start: everything the maps hold against an empty snapshot */
	err = fadvtop_read(&st);
	if (err) {
		out_error("could not read the BPF maps for the final summary");
		goto cleanup;
	}
	/* a daemon's output is the file, to the end: its last version has the totals */
	err = fadvtop_report(&st, true);
	if (!err)
		err = fadvtop_show(&st);
	if (err)
		goto cleanup;
	status = 0;
cleanup:
	if (cfg.events && st.ev.rb)
		events_close(&st.ev);
	fadvtop_state_free(&st);
	cost_exit();
	fadvtop__destroy(st.skel);
	cgroup_cache_free();
	return status;
}
