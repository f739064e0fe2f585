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

struct forklat;

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
	struct forklat *skel;
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
};

#endif /* KSCOPE_FORKLAT_STATE_H */
