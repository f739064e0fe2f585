/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fadvtop's state, one struct for the whole run: the options, the BPF side as the modules
 * need it, the last two reads of the maps, the running totals and the period last reported.
 * Every module of the tool takes it as `struct fadvtop_state *st`.  Each interval is
 * fadvtop_read() -> fadvtop_report() (user/fadvtop_report.c) -> fadvtop_show()
 * (user/fadvtop_show.c).
 */
#ifndef KSCOPE_FADVTOP_STATE_H
#define KSCOPE_FADVTOP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include "fadvtop.h"
#include "fadvtop_report.h"
#include "snap.h"
#include "events.h"
#include "json.h"
#include "opts.h"

struct config {
	bool events;
	__u64 min_us;
	long top;
	long files;
	bool hist;
};

/* One map entry as read, cumulative since the tool started. */
struct row {
	struct fadv_key key;
	struct fadv_val val;
};

struct wrow {
	struct fadv_wait_key key;
	struct fadv_wait_val val;
};

/* Everything read from the maps at one moment, each map sorted by key (user/lib/snap.h). */
struct fadv_snap {
	struct snap rows;  /* struct fadv_key -> struct fadv_val, the taken batches added */
	struct snap waits; /* struct fadv_wait_key -> struct fadv_wait_val */
	__u64 ns;
};

/* A displayed row: a process of a cgroup, or a whole cgroup with -C (and in --prom-file). */
struct group {
	__u64 cgroup_id;
	__u32 tgid;	   /* 0 with -C */
	struct fadv_val v; /* v.hist: the latency histogram of its files together */
	struct row *files; /* this group's rows of the period, one per file */
	size_t nfiles;
	size_t files_shown; /* -j: the first files_shown of files, by time inside fadvise */
};

#define FADV_PATH_LEN 256

/*
 * One period as fadvtop_report() made it for fadvtop_show(): everything computed, sorted,
 * cut to the top N and named; the output only formats it.
 */
struct fadvtop_period {
	bool summary;
	double secs;
	/* every call, and those in no row shown (rows + unattributed = calls) */
	__u64 calls;
	__u64 unattributed;
	__u64 misses; /* runs of the programs the kernel skipped, since start */
	/*
	 * The groups of the period, the top shown first; --prom-file: per cgroup, since start.
	 * Their files point into deltas.
	 */
	struct group *groups;
	size_t ngroups, shown;
	struct row *deltas; /* the rows with calls in the period */
	size_t ndeltas;
	size_t files_shown; /* the table: the first files_shown deltas, by time inside fadvise */
	char (*names)[FADV_PATH_LEN]; /* the shown files' names, by index in deltas */
	struct wrow *waits;	      /* lock waits worth a line, longest first */
	size_t nwaits;
	struct group *cgs; /* per cgroup, for the diagnosis */
	size_t ncgs;
	struct row *cg_deltas;
	char diag[3][FADV_LINE_LEN];
	int ndiag;
};

struct fadvtop_state {
	const struct config *cfg;
	struct common_opts common;
	struct fadvtop *skel; /* the loader's alone: no module sees the skeleton */
	/* the BPF side as the modules need it */
	struct bpf_object *obj;
	struct bpf_map *rows_map, *waits_map, *inflight_map, *totals_map;
	int names_fd;		    /* the names map: file names the kernel side saw */
	__u64 *epoch;		    /* fadv_epoch, in the object's .data */
	const __u64 *threads_made; /* fadv_threads_made, in its .bss */
	bool pages_known;
	bool locks_known;
	struct events ev;
	struct json json;
	__u64 started_ns;
	struct fadv_snap cur, prev; /* the last two reads; cur.ns is started_ns before any */
	struct fadv_snap start;	    /* empty: the summary's "previous" */
	struct snap threads; /* the inflight map's last read (kept: its buffer is reused) */
	struct row *taken;   /* per row, the batches of the closed epochs added up, sorted by key */
	size_t ntaken;
	bool recycled_said;
	/*
	 * Every call, counted apart from the rows (whose LRU map evicts), up to the last closed
	 * epoch: the totals slot of each parity as read when it closed last (bpf/fadvtop.h).
	 */
	__u64 closed_calls[2];
	struct snap_unattributed unattr; /* the intervals' calls in no row, since start */
	struct fadvtop_period period;	 /* what the last fadvtop_report() made */
};

/* everything st holds that was allocated: the reads, the taken batches, the period */
void fadvtop_state_free(struct fadvtop_state *st);

/* the rows' order, as the snapshots' (by the raw key): for the taken batches and ties */
int fadvtop_key_cmp(const void *a, const void *b);

#endif /* KSCOPE_FADVTOP_STATE_H */
