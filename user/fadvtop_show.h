/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fadvtop's user space, shared by user/fadvtop.c (options, reading the maps, --events, set-up)
 * and user/fadvtop_show.c (a period's rows and groups: the diagnosis, the table, JSON and
 * --prom-file).
 */
#ifndef KSCOPE_FADVTOP_SHOW_H
#define KSCOPE_FADVTOP_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include "fadvtop.h"
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

struct ctx {
	struct fadvtop *skel;
	/* what the output needs of the BPF side, so that fadvtop_show.c needs no skeleton */
	struct bpf_object *obj;
	int names_fd; /* the names map: file names the kernel side saw */
	const struct config *cfg;
	struct common_opts common;
	struct fadv_snap prev;
	struct fadv_snap start; /* empty: the summary's "previous" */
	struct events ev;
	bool pages_known;
	bool locks_known;
	struct json json;
	__u64 started_ns;
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
	/* the period being reported: every call, and those in no row shown (rows + this = calls) */
	__u64 calls;
	__u64 unattributed;
};

/* the rows' order, as the snapshots' (by the raw key): for the taken batches and ties */
int fadvtop_key_cmp(const void *a, const void *b);

/* a cgroup as shown: container id (or pod), else its path */
const char *fadvtop_label(__u64 cgroup_id, char *buf, size_t len);
/* "container": id or null, "pod", "cgroup" of a JSON object being written */
void fadvtop_json_container(struct json *j, __u64 cgroup_id);

/* the period from prev to cur (summary: since the start) as a table or JSON; 0 or -ENOMEM */
int fadvtop_report(struct ctx *c, const struct fadv_snap *cur, const struct fadv_snap *prev,
		   bool summary);
/* --prom-file: the totals at cur, rewritten in place; 0, -ENOMEM or -EIO */
int fadvtop_prom_report(struct ctx *c, const struct fadv_snap *cur);

#endif /* KSCOPE_FADVTOP_SHOW_H */
