/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-process rows for --prom-file, with the cardinality bounded: rows are keyed by (comm,
 * container) rather than pid, the top N are written and the rest summed as comm="other".
 * Rows of processes that exited are kept as "retired" totals, so counters never go back
 * when a tool drops a dead process from its BPF map.
 */
#ifndef KSCOPE_PROMROWS_H
#define KSCOPE_PROMROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "kscope.h"
#include "prom.h"

#define PROMROWS_VALUES 8

struct promrow {
	char comm[KSCOPE_COMM_LEN * 4 + 1]; /* sanitized for a label */
	char container[80];		    /* "" outside containers: the label is left out */
	double v[PROMROWS_VALUES];
	__u64 slots[HIST_SLOTS]; /* optional histogram, summed like the values */
	double hist_sum;
};

struct promrows {
	struct promrow *live, *retired, *out;
	size_t nlive, nretired, cap_live, cap_retired;
};

/* One value column: written as NAME{comm,container} per row. */
struct promrows_metric {
	const char *name;
	const char *type; /* "counter" or "gauge" */
	const char *help;
	int value; /* index into promrow.v */
};

/* Start a tick: forget the live rows (retired ones stay). */
void promrows_begin(struct promrows *r);
/*
 * Add one process's values (and histogram, may be NULL) to the live rows, or with retire to
 * the retired totals.  comm is the raw kernel comm (sanitized here).
 */
void promrows_add(struct promrows *r, bool retire, const char *comm, __u64 cgroup_id,
		  const double *v, const __u64 *slots, double hist_sum);
/*
 * Write the metrics and, when hist_name is set, the histogram (scale turns slot bounds into
 * the metric's unit) for the top rows by value sort_by, plus "other".
 */
void promrows_write(struct promrows *r, struct prom *p, const struct promrows_metric *metrics,
		    size_t nmetrics, int sort_by, size_t top, const char *hist_name,
		    const char *hist_help, double scale);
void promrows_free(struct promrows *r);

#endif /* KSCOPE_PROMROWS_H */
