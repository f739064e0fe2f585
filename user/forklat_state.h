/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forklat's whole state, in one place for the loader (user/forklat.c), the interval's read and
 * report (user/forklat_report.c) and its output (user/forklat_show.c).  The variable is st.
 */
#ifndef KSCOPE_FORKLAT_STATE_H
#define KSCOPE_FORKLAT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "events.h"
#include "forklat.h"
#include "forklat_report.h"
#include "opts.h"
#include "promrows.h"
#include "snap.h"

struct bpf_object;

struct forklat_config {
	double min_ms; /* < 0: interval mode */
	long top;
	long hists;
	bool no_child;
};

/* One entry of the stats map as read: cumulative since its row was made. */
struct forklat_entry {
	__u64 key;
	struct forklat_stats s;
};

struct forklat_thp_cache {
	pid_t pid;
	__u64 at_ns;
	long long thp;
};

struct forklat_state {
	/* the BPF side as the loader handed it over: the object, the stats map, .bss counters */
	struct bpf_object *obj;
	int stats_fd;
	__u32 stats_max; /* the stats map's rows: what "evicted" in the table is out of */
	__u64 *kernel_gen, *kernel_forks, *kernel_errors;
	const struct common_opts *common;
	const struct forklat_config *cfg;
	bool stream;
	bool pt_measured;
	bool pte_measured;
	char pt_source[64];
	long page_size;
	struct forklat_entry *prev, *cur;
	size_t nprev;
	struct forklat_row *rows;
	__u64 start_ns, last_tick_ns;
	__u64 total_forks, total_errors;
	struct snap snap; /* the stats map as last read */
	/* forks and errors in no row (evicted before read): this interval's, and since start */
	struct snap_unattributed unattr_forks, unattr_errors;
	__u64 unattributed_forks, unattributed_errors;
	struct events ev;
	__u64 slow_events;
	__u64 misses_reported;
	struct forklat_thp_cache thp[64];
	unsigned int thp_next;
	struct promrows prom_rows;
	/* the interval as the read found it, for the report */
	__u64 gen;			   /* the generation that just ended: see forklat_row_fill */
	__u64 read_forks, read_errors;	   /* the BPF side's totals, read before the rows */
	size_t ncur;			   /* entries in cur, sorted by key */
	/* the interval as the report made it, for the show */
	double secs;
	__u64 forks, errors; /* every call, in rows or not */
	size_t nrows, shown; /* rows that forked; the top of them, THP and estimate filled in */
	__u64 misses;	     /* the programs' runs the kernel skipped, since start */
};

/* the values of a --prom-file row */
enum {
	FORKLAT_PROM_FORKS,
	FORKLAT_PROM_ERRORS,
	FORKLAT_PROM_SECONDS,
	FORKLAT_PROM_PT_SECONDS,
	FORKLAT_PROM_RSS,
	FORKLAT_PROM_PGTABLES,
};

/* "fork", "vfork", "clone", "clone3"; "?" for a call the kernel side does not name */
const char *forklat_call_name(unsigned int call);

/*
 * One interval in three steps, each from what the one before left in st.  Read: the stats map
 * and the BPF side's counters (and ends the interval's generation); nothing printed.
 */
void forklat_read(struct forklat_state *st);
/*
 * Report: deltas against the previous read, the rows that forked, the calls in no row, the
 * --prom-file rows, the top rows with THP and the estimate.  Rows of processes that exited and
 * were reported are dropped from the stats map, so that it keeps room for the live ones.
 */
void forklat_report(struct forklat_state *st);
/* A --min-ms call as a row: the event's figures, THP and the estimate. */
void forklat_report_event(struct forklat_state *st, const struct forklat_event *e,
			  struct forklat_row *r);
/* Show: notes of lost and missed events, then the table, JSON or prom file. */
int forklat_show(struct forklat_state *st);
/* Before the first interval: the --min-ms table's column header. */
void forklat_show_begin(const struct forklat_state *st);
/* One --min-ms call slower than the threshold, e as sent and r as the report completed it. */
void forklat_show_event(const struct forklat_state *st, const struct forklat_event *e,
			const struct forklat_row *r);
/* --json's last object: the run's totals, whichever mode it ran in. */
void forklat_show_summary(struct forklat_state *st, __u64 misses);

#endif /* KSCOPE_FORKLAT_STATE_H */
