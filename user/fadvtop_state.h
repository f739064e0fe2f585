/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fadvtop's state, one struct for the whole run: the options, what the output needs of the
 * BPF side, the previous read of the maps and the running totals.  Every module of the tool
 * takes it as `struct fadvtop_state *st`.
 */
#ifndef KSCOPE_FADVTOP_STATE_H
#define KSCOPE_FADVTOP_STATE_H

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

struct fadvtop_state {
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

#endif /* KSCOPE_FADVTOP_STATE_H */
