/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fadvtop's read and report (user/fadvtop_report.c): each interval, fadvtop_read() takes the
 * maps into st->cur and fadvtop_report() makes st->period of it (deltas, groups, top N, the
 * diagnosis), printing nothing.  The pure parts below (advice names, per-interval differences
 * of the cumulative BPF counters, the diagnosis sentences) need no BPF, so the unit tests can
 * drive them.
 */
#ifndef FADVTOP_REPORT_H
#define FADVTOP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fadvtop.h"

#define FADV_DONTNEED 4
#define FADV_LINE_LEN 512

/* "normal" .. "noreuse", "other" for slot FADV_NR_ADVICE */
extern const char *const fadv_advice_names[FADV_ADVICE_SLOTS];
const char *fadv_advice_name(int advice);

/*
 * out = cur - prev, field by field.  A counter that went backwards was evicted from the LRU
 * map and created again: the new value is all there is since.
 */
void fadv_val_delta(struct fadv_val *out, const struct fadv_val *cur, const struct fadv_val *prev);
/* dst += src (counters only; comm and last_fd are taken from src when dst has none) */
void fadv_val_add(struct fadv_val *dst, const struct fadv_val *src);
/* dst += a thread's batch of one epoch (its counters and histogram) */
void fadv_val_add_batch(struct fadv_val *dst, const struct fadv_batch *b);
__u64 fadv_val_calls(const struct fadv_val *v);

/* What the diagnosis knows of one container (or cgroup) over the reported period. */
struct fadv_cg_sum {
	__u64 cgroup_id;
	const char *label;   /* "a1b2c3d4e5f6", a pod or a path; untrusted text */
	const char *pod_uid; /* "" when not in a pod */
	__u64 calls;
	__u64 dontneed;
	__u64 dontneed_empty;
	bool pages_known; /* false when page-cache removals are not traced here */
	__u64 total_ns;
	__u64 lock_wait_ns;
	__u64 behind_cgroup; /* holder it waited behind longest, 0 unknown */
	const char *behind_label;
	bool behind_exact;
};

/* "950", "12.3k", "4.5M" */
const char *fadv_count(char *buf, size_t len, double v);

/*
 * Up to max sentences (each up to len bytes) that say who hammers fadvise and what it costs
 * the others, from the period's per-container sums.  secs is the period's length.  Returns
 * how many were written.
 */
int fadv_diagnose(const struct fadv_cg_sum *sums, size_t n, double secs,
		  char (*lines)[FADV_LINE_LEN], int max);

/*
 * Whether a (waiter, holder) row of the period is worth a line.  Each wait is timed by two
 * clock reads of ~120-160 ns here (kvm-clock), and an estimated row's holder is a guess from
 * the last contended taker: below 1 us of waiting per second of the period such a row says
 * nothing the timing itself could not have made.  Rows with the lock's recorded owner are
 * exact and always kept.
 */
#define FADV_ESTIMATE_MIN_NS_PER_S 1000
bool fadv_wait_resolved(bool exact, __u64 wait_ns, double secs);

struct fadvtop_state;
struct fadvtop_period;

/*
 * Close the epoch, add the closed batches to the rows and read the maps into st->cur, the
 * last read becoming st->prev.  0 or -errno.
 */
int fadvtop_read(struct fadvtop_state *st);
/*
 * st->period from st->prev to st->cur (summary: from the start; --prom-file: per cgroup
 * since the start).  0 or -ENOMEM.
 */
int fadvtop_report(struct fadvtop_state *st, bool summary);
void fadvtop_period_free(struct fadvtop_period *r);

#endif /* FADVTOP_REPORT_H */
