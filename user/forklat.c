// SPDX-License-Identifier: GPL-2.0
/*
 * forklat: why is fork/clone slow on this host?
 *
 * Every interval: the slowest forkers with their fork latency and the size of their mm at the
 * fork (RSS, page tables, VMAs, huge pages), the time spent copying page tables (measured
 * where copy_page_range can be probed, estimated otherwise), a latency histogram per row and
 * one diagnosis line for the worst.  With --min-ms, each slow call as an event instead.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "cost.h"
#include "events.h"
#include "loop.h"
#include "opts.h"
#include "out.h"
#include "promrows.h"
#include "probe.h"
#include "setup.h"
#include "snap.h"
#include "forklat.h"
#include "forklat_report.h"
#include "forklat_state.h"
#include "forklat.skel.h"

static const struct opt options[] = {
	/* at most a day: the kernel side compares nanoseconds in a u64 */
	{"min-ms", 0, OPT_DOUBLE, OPT_FIELD(struct forklat_config, min_ms), "MS",
	 "print each call slower than MS ms as it returns", 0, 86400000},
	{"top", 'n', OPT_INT, OPT_FIELD(struct forklat_config, top), "N",
	 "rows in the table of slowest forkers (default 10)", 1, 10000},
	{"hists", 0, OPT_INT, OPT_FIELD(struct forklat_config, hists), "N",
	 "latency histograms for the first N rows (default 3)", 0, 10000},
	{"no-child", 0, OPT_FLAG, OPT_FIELD(struct forklat_config, no_child), NULL,
	 "do not time the children's first run and exec"},
	{NULL},
};

static const struct tool_desc tool = {
	.name = "forklat",
	.summary = "Why is fork/clone slow here: fork latency per process, the parent's memory\n"
		   "at the fork, and the time spent copying page tables.",
	.synopsis = "[interval [count]]",
	.common = COMMON_PID | COMMON_CGROUP | COMMON_CONTAINERS | COMMON_INTERVAL | COMMON_PROM |
		  COMMON_EVENTS,
	.opts = options,
	.examples = "  forklat                  slowest forkers every second\n"
		    "  forklat -C 5             per container, every 5 seconds\n"
		    "  forklat --min-ms 10 -j   every fork slower than 10 ms, as JSON lines\n"
		    "  forklat -p 1234 1 10     one process, ten one-second reports\n",
	.default_interval_ms = 1000,
};

/* One interval: the maps into the state, the rows and totals made of them, then the output. */
static int tick(void *ctx)
{
	struct forklat_state *st = ctx;

	forklat_read(st);
	forklat_report(st);
	return forklat_show(st);
}

/* One --min-ms call: its row (the event is the read), then its line. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct forklat_state *st = ctx;
	const struct forklat_event *e = data;
	struct forklat_row r;

	if (size < sizeof(*e))
		return 0;
	forklat_report_event(st, e, &r);
	forklat_show_event(st, e, &r);
	return 0;
}

/* The syscall tracepoints that exist here (arm64 has no fork or vfork). */
static int syscalls_plan(struct forklat *skel, char *desc, size_t len)
{
	struct bpf_program *progs[FORKLAT_CALLS][2] = {
		{skel->progs.forklat_enter_fork, skel->progs.forklat_exit_fork},
		{skel->progs.forklat_enter_vfork, skel->progs.forklat_exit_vfork},
		{skel->progs.forklat_enter_clone, skel->progs.forklat_exit_clone},
		{skel->progs.forklat_enter_clone3, skel->progs.forklat_exit_clone3},
	};
	size_t used = snprintf(desc, len, "tracepoint syscalls:sys_{enter,exit}_{");
	int found = 0;

	for (int c = 0; c < FORKLAT_CALLS; c++) {
		char enter[32], exit_[32];
		bool ok;

		snprintf(enter, sizeof(enter), "sys_enter_%s", forklat_call_name(c));
		snprintf(exit_, sizeof(exit_), "sys_exit_%s", forklat_call_name(c));
		ok = probe_tracepoint("syscalls", enter) && probe_tracepoint("syscalls", exit_);
		bpf_program__set_autoload(progs[c][0], ok);
		bpf_program__set_autoload(progs[c][1], ok);
		if (!ok) {
			out_debug("no %s syscall tracepoints here: %s() is not traced",
				  forklat_call_name(c), forklat_call_name(c));
			continue;
		}
		if (used < len)
			used += snprintf(desc + used, len - used, "%s%s", found ? "," : "",
					 forklat_call_name(c));
		found++;
	}
	if (used < len)
		snprintf(desc + used, len - used, "}");
	return found;
}

/* The child's first run needs nothing more; its exec needs sched_process_exec as tp_btf. */
static bool child_plan(struct forklat *skel, bool wanted)
{
	bool ok = wanted && probe_tracepoint("sched", "sched_process_exec");

	if (wanted && !ok)
		out_note(
			"no sched:sched_process_exec tracepoint: the children's exec is not timed");
	bpf_program__set_autoload(skel->progs.forklat_child_exec, ok);
	return wanted;
}

int main(int argc, char **argv)
{
	struct forklat_config cfg = {.min_ms = -1, .top = 10, .hists = 3};
	struct common_opts common;
	struct forklat_state st = {0};
	struct forklat *skel = NULL;
	struct plan_item items[2] = {
		{
			.what = "page-table copy time (copy_page_range)",
			.degraded = "pt_copy is estimated from the memory mapped with 4 KiB pages "
				    "(marked ~, pt_copy_estimated: true)",
		},
		{
			.what = "copy_pte_range time",
			.degraded = "no separate copy_pte_range figure (pte_copy_us: null)",
		},
	};
	char desc[160], calls_desc[160];
	int nitems = 1, err = 1;
	bool child;

	opts_parse(&tool, argc, argv, &common, &cfg);
	if (setup_check())
		return 1;
	st.common = &common;
	st.cfg = &cfg;
	st.stream = cfg.min_ms >= 0;
	st.page_size = sysconf(_SC_PAGESIZE);
	st.prev = calloc(FORKLAT_MAX_ROWS, sizeof(*st.prev));
	st.cur = calloc(FORKLAT_MAX_ROWS, sizeof(*st.cur));
	st.rows = calloc(FORKLAT_MAX_ROWS, sizeof(*st.rows));
	if (!st.prev || !st.cur || !st.rows) {
		out_error("out of memory for the tables");
		goto cleanup;
	}

	skel = forklat__open_opts(setup_open_opts());
	if (!skel) {
		setup_explain(-errno, "open the BPF programs");
		goto cleanup;
	}
	skel->rodata->filter_tgid = common.pid;
	skel->rodata->filter_cgroup_id = common.cgroup_id;
	skel->rodata->filter_cgroup_level = common.cgroup_level;
	skel->rodata->by_cgroup = common.containers;
	skel->rodata->stream = st.stream;
	skel->rodata->min_ns = st.stream ? cfg.min_ms * 1e6 : 0;
	if (common.ring_mb && !st.stream)
		opts_die(&tool, "--ring-mb only makes sense with --min-ms");
	err = events_ring_size(skel->maps.events, st.stream ? sizeof(struct forklat_event) : 0,
			       common.ring_mb);
	if (err) {
		setup_explain(err, "size the event ring buffer");
		goto cleanup;
	}

	if (!syscalls_plan(skel, calls_desc, sizeof(calls_desc))) {
		out_error("this kernel has none of the fork, vfork, clone, clone3 syscall "
			  "tracepoints: it needs CONFIG_FTRACE_SYSCALLS=y");
		goto cleanup;
	}
	child = child_plan(skel, !cfg.no_child);
	skel->rodata->child_side = child;

	items[0].choices[0] =
		(struct plan_choice){HOOK_FENTRY,
				     "copy_page_range",
				     {skel->progs.forklat_pt_fentry, skel->progs.forklat_pt_fexit}};
	items[0].choices[1] = (struct plan_choice){
		HOOK_KPROBE,
		"copy_page_range",
		{skel->progs.forklat_pt_kprobe, skel->progs.forklat_pt_kretprobe}};
	items[1].choices[0] = (struct plan_choice){
		HOOK_FENTRY,
		"copy_pte_range",
		{skel->progs.forklat_pte_fentry, skel->progs.forklat_pte_fexit}};
	items[1].choices[1] = (struct plan_choice){
		HOOK_KPROBE,
		"copy_pte_range",
		{skel->progs.forklat_pte_kprobe, skel->progs.forklat_pte_kretprobe}};
	/*
	 * copy_pte_range is inlined into copy_page_range on most kernels: then there is nothing
	 * to miss and nothing to say.  Where it is a function of its own, it goes in the plan.
	 */
	if (probe_kernel_func("copy_pte_range") || probe_kprobe("copy_pte_range")) {
		nitems = 2;
	} else {
		for (int c = 0; c < 2; c++)
			for (int p = 0; p < 2; p++)
				bpf_program__set_autoload(items[1].choices[c].progs[p], false);
		items[1].chosen = -1;
	}
	plan_choose(items, nitems);
	st.pt_measured = items[0].chosen >= 0;
	st.pte_measured = nitems == 2 && items[1].chosen >= 0;
	if (st.pt_measured)
		plan_describe(&items[0], st.pt_source, sizeof(st.pt_source));
	else
		snprintf(st.pt_source, sizeof(st.pt_source), "estimate");
	/* one stable line per measured thing, for -v and for the guest-kernel checks */
	out_debug("attach: fork-family calls: %s", calls_desc);
	out_debug("attach: %s: %s", items[0].what, plan_describe(&items[0], desc, sizeof(desc)));
	out_debug("attach: %s: %s", items[1].what,
		  nitems == 2 ? plan_describe(&items[1], desc, sizeof(desc))
			      : "none (inlined here)");
	out_debug("attach: children's first run and exec: %s",
		  child ? "the syscall exit tracepoints, tp_btf sched_process_exec" : "none");

	/* children born before this are not ours to time */
	skel->bss->forklat_since_ns = out_monotonic_ns();
	snap_rows_cap(skel->maps.stats);

	err = setup_load_attach(skel->skeleton, common.no_bpf_stats);
	if (err)
		goto cleanup;
	/* what the read needs of the BPF side, so that forklat_report.c needs no skeleton */
	st.obj = skel->obj;
	st.stats_fd = bpf_map__fd(skel->maps.stats);
	st.stats_max = bpf_map__max_entries(skel->maps.stats);
	st.kernel_gen = &skel->bss->forklat_gen;
	st.kernel_forks = &skel->bss->forklat_forks_total;
	st.kernel_errors = &skel->bss->forklat_errors_total;
	err = 1;
	if (st.stream &&
	    events_open(&st.ev, skel->maps.events, on_event, &st, &skel->bss->kscope_lost_events))
		goto cleanup;
	if (!st.stream)
		st.ev.lost = &skel->bss->kscope_lost_events;

	if (common.prom_file)
		loop_started(&common, "fork, vfork, clone and clone3");
	else
		fprintf(stderr, "Tracing fork, vfork, clone and clone3%s... Hit Ctrl-C to end.\n",
			st.stream ? " calls slower than the threshold" : "");
	forklat_show_begin(&st);

	st.start_ns = st.last_tick_ns = out_monotonic_ns();
	err = loop_run(&common, st.stream ? &st.ev : NULL, tick, &st);
	if (err)
		goto cleanup;
	if (st.stream) {
		/* the last events, drained by loop_run(), end the last interval */
		tick(&st);
	} else if (loop_stopping()) {
		/* the partial interval since the last report: its forks count too */
		tick(&st);
	}
	if (common.json && !common.prom_file)
		forklat_show_summary(&st, setup_prog_misses(skel->obj));
	else if (st.stream && !common.prom_file)
		out_note("%llu calls slower than %g ms", (unsigned long long)st.slow_events,
			 cfg.min_ms);
	err = 0;

cleanup:
	if (st.ev.rb)
		events_close(&st.ev);
	cost_exit();
	forklat__destroy(skel);
	cgroup_cache_free();
	free(st.prev);
	free(st.cur);
	free(st.rows);
	snap_free(&st.snap);
	promrows_free(&st.prom_rows);
	return err;
}
