/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forklat's pure logic: interval deltas of the cumulative BPF counters, the page-table copy
 * estimate, huge pages from smaps_rollup, compact units for the table and the diagnosis line.
 * No skeleton here, so tests/unit/test_forklat_report.c can drive it with made-up numbers.
 */
#ifndef FORKLAT_REPORT_H
#define FORKLAT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "forklat.h"

/*
 * Cost of copying one page-table entry at fork, measured with tools/forkgen on the project's
 * machines (2 GiB of touched 4 KiB pages fork in ~15 ms: ~28 ns per entry; one 2 MiB huge
 * page costs a PMD entry plus the page table the kernel deposits for it, ~0.5 us).  Only for
 * the estimate on kernels where copy_page_range cannot be timed.
 */
#define FORKLAT_NS_PER_PTE 28
#define FORKLAT_NS_PER_HUGE_PMD 500

/* One row of an interval: a process (or a cgroup with -C) that forked. */
struct forklat_row {
	__u64 key; /* tgid, or cgroup id with -C */
	__u32 pid;
	char comm[KSCOPE_COMM_LEN];
	__u64 cgroup_id;
	__u64 forks;
	__u64 errors;
	double mean_ns;
	__u64 max_ns;
	__u64 rss_bytes;
	__u64 anon_bytes;
	__u64 pgtables_bytes;
	__u64 hugetlb_bytes;
	__u32 vmas;
	long long thp_bytes; /* from smaps_rollup; -1 when unknown (process gone) */
	double pt_copy_ns;   /* per fork; < 0 when neither measured nor estimated */
	bool pt_copy_estimated;
	double pte_copy_ns;   /* copy_pte_range per fork; < 0 when not measured */
	double child_run_ns;  /* < 0 when no child ran in the interval */
	double child_exec_ns; /* < 0 when no child exec'd */
	__u64 slots[HIST_SLOTS];
};

/*
 * out = cur - prev for the cumulative counters.  A row the LRU evicted and re-created counts
 * from zero again: when cur is behind prev, cur is the delta.  prev may be NULL.
 */
void forklat_stats_delta(const struct forklat_stats *cur, const struct forklat_stats *prev,
			 struct forklat_stats *out);

/*
 * Fill a row from one interval's delta (forks > 0).  gen is the generation that just ended:
 * max_ns counts only when the BPF side wrote it during that generation.
 */
void forklat_row_fill(struct forklat_row *row, __u64 key, const struct forklat_stats *cur,
		      const struct forklat_stats *delta, __u64 gen, long page_size,
		      bool pt_measured, bool pte_measured);

/* THP mapped by the process: AnonHugePages + ShmemPmdMapped + FilePmdMapped, or -1. */
long long forklat_smaps_thp(const char *smaps_rollup_text);
/* Read /proc/PID/smaps_rollup; -1 when the process is gone or the file unreadable. */
long long forklat_read_thp(pid_t pid);

/*
 * Estimated page-table copy time per fork: anonymous memory mapped with base pages costs one
 * entry each, THP one PMD each; capped at the measured mean, since it is part of it.
 * thp_bytes < 0 (unknown: the process exited before smaps_rollup was read) gives no
 * estimate (-1): assuming base pages would state a guess as a figure.
 */
double forklat_pt_estimate_ns(__u64 anon_bytes, long long thp_bytes, double mean_ns,
			      long page_size);

/* Huge-page share of RSS + hugetlb in percent; -1 when THP is unknown. */
double forklat_huge_pct(const struct forklat_row *row);
/* Bytes of huge pages (THP + hugetlb); -1 when THP is unknown. */
long long forklat_huge_bytes(const struct forklat_row *row);

/* "2.0G", "512M", "900K", "12B": at most 5 characters, as top and ps print sizes */
const char *forklat_short_bytes(char *buf, size_t len, __u64 bytes);

/* "850ns", "959us", "1.16ms", "15.7ms", "1.20s": at most 6 characters, for the table */
const char *forklat_short_duration(char *buf, size_t len, double ns);

/* Comparison for the top table: slowest mean first, then most forks, then key. */
int forklat_row_cmp(const void *a, const void *b);

/*
 * How long the row's fastest forks took at most: the upper bound of its lowest populated
 * histogram slot, or the mean when that is lower (or no slot is populated).  Those forks were
 * not preempted: on a busy host the mean also holds the wait for a CPU.
 */
double forklat_fastest_ns(const struct forklat_row *row);

/*
 * The diagnosis for the worst row: what its fork costs and what would avoid it, with
 * numbers.  The page-table copy's share is taken of the fastest forks, and a mean twice
 * theirs or more is called CPU contention.  name is the already-sanitized comm (or
 * "container X: comm" with -C).
 */
void forklat_diagnose(char *buf, size_t len, const struct forklat_row *row, const char *name);

#endif /* FORKLAT_REPORT_H */
