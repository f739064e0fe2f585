/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netcheck watch's state, one interval's way through it: user/netcheck.c sets it up and ticks,
 * user/netcheck_report.c reads the maps into snapshots and makes the interval (the maps now
 * less the maps at its start), user/netcheck_show.c prints that as a table, JSON or
 * --prom-file.  The audit has its own state (netcheck_audit.h).
 */
#ifndef KSCOPE_NETCHECK_STATE_H
#define KSCOPE_NETCHECK_STATE_H

#include <stdbool.h>
#include <time.h>
#include "json.h"
#include "opts.h"
#include "netcheck.h"
#include "snap.h"

struct watch_cfg {
	bool hist;
	long top;
};

struct proc_snap {
	__u32 pid;
	struct netcheck_proc v;
};

struct irq_snap {
	__u32 irq;
	__u64 *count; /* per CPU, then ns per CPU in the same allocation */
	__u64 *ns;
	__u64 total, total_ns;
};

struct napi_snap {
	struct netcheck_napi_key key;
	struct netcheck_napi v;
};

struct snapshot {
	struct proc_snap *procs;
	size_t nprocs;
	struct netcheck_cpu *cpus; /* ncpus */
	/* CLOCK_REALTIME when cpus was read: the window of its counts ends there, not at "ts" */
	struct timespec cpus_read;
	struct irq_snap *irqs;
	size_t nirqs;
	struct napi_snap *napis;
	size_t nnapis;
	__u64 unattributed_calls; /* in a difference: epoll_wait calls in no process row */
};

struct netcheck_state {
	struct common_opts common;
	struct watch_cfg cfg;
	struct bpf_object *obj; /* the programs, for their recursion misses */
	int cpus_fd, procs_fd, irqs_fd, napis_fd;
	__u32 procs_max; /* rows of the process map (KSCOPE_TABLE_ROWS may shrink it) */
	int ncpus;
	/* read */
	struct snapshot start, prev, cur;
	struct snap procs_snap; /* the process map as last read */
	__u64 start_ns, last_ns, read_ns; /* CLOCK_MONOTONIC: start, last tick, this read */
	__u64 misses; /* recursion misses, read for the summary and --prom-file */
	char irq_names[NETCHECK_MAX_IRQS][40];
	/* report: cur less the interval's (or, for the summary and --prom-file, the run's) start */
	struct snapshot d;
	__u64 elapsed_ms;
	struct snap_unattributed unattr; /* epoll_wait calls in no process row */
	/* show */
	struct json j;
};

/*
 * The maps at start, the first base of intervals and of the summary; then each tick, the
 * maps now into st->cur (with the IRQ names for a table or JSON, and the recursion misses when
 * summary or --prom-file shows them).  Nothing printed; 0 or -errno.
 */
int netcheck_read_start(struct netcheck_state *st);
int netcheck_read(struct netcheck_state *st, bool summary);
/*
 * st->d = st->cur less the interval's start (the previous read), or less the run's start for
 * the summary and --prom-file's counters since start; then st->cur is the next interval's
 * start.  Nothing printed; 0 or -ENOMEM.
 */
int netcheck_report(struct netcheck_state *st, bool summary);
/* st->d as a table or JSON (an interval or the summary), or as the --prom-file; 0 or 1 */
int netcheck_show(struct netcheck_state *st, bool summary);
void netcheck_state_free(struct netcheck_state *st);

#endif /* KSCOPE_NETCHECK_STATE_H */
