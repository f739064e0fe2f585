/* SPDX-License-Identifier: GPL-2.0 */
/* forklat: structs shared by bpf/forklat.bpf.c and user/forklat.c. */
#ifndef FORKLAT_H
#define FORKLAT_H

#include "kscope.h"

/* Bounds of the maps keyed by something unbounded (threads, processes, new children). */
#define FORKLAT_MAX_INFLIGHT 8192 /* threads inside a fork-family call at once */
#define FORKLAT_MAX_ROWS 10240	  /* processes (or cgroups) that forked, LRU */

enum forklat_call {
	FORKLAT_FORK,
	FORKLAT_VFORK,
	FORKLAT_CLONE,
	FORKLAT_CLONE3,
	FORKLAT_CALLS,
};

/* The parent's mm when it entered the call (pages are the kernel's base pages). */
struct forklat_mem {
	__u64 rss_pages;      /* MM_FILEPAGES + MM_ANONPAGES + MM_SHMEMPAGES, like VmRSS */
	__u64 anon_pages;     /* MM_ANONPAGES: what fork copies entry by entry */
	__u64 pgtables_bytes; /* mm->pgtables_bytes, like VmPTE */
	__u64 hugetlb_pages;  /* mm->hugetlb_usage (not part of RSS), 0 without hugetlbfs */
	__u32 vmas;	      /* mm->map_count */
	__u32 has_mm;	      /* 0 for a caller without an mm (none in practice) */
};

/* Time the parent spent copying page tables during one call. */
struct forklat_ptcopy {
	__u64 pt_ns;  /* inside copy_page_range (once per copied VMA) */
	__u64 pte_ns; /* inside copy_pte_range, where it is a function of its own */
};

/*
 * Per process (tgid), or per cgroup with -C.  Counters are cumulative: the loader subtracts
 * the previous read, so nothing is lost between reading and resetting.  max_ns belongs to the
 * generation max_gen (the loader bumps forklat_gen each interval).
 */
/* the counters of struct forklat_stats: forks..sum_ns, and pt_ns..child_execs */
#define FORKLAT_COUNTERS_A 3
#define FORKLAT_COUNTERS_B 6

struct forklat_stats {
	__u64 forks;  /* calls that created a task */
	__u64 errors; /* calls that returned an error */
	__u64 sum_ns; /* latency of the successful calls */
	__u64 max_ns;
	__u64 max_gen;
	__u64 pt_ns;	    /* copy_page_range time summed over the calls */
	__u64 pte_ns;	    /* copy_pte_range time summed over the calls */
	__u64 child_run_ns; /* from the child's creation to its first return to user */
	__u64 child_runs;
	__u64 child_exec_ns; /* from the child's creation to its first exec */
	__u64 child_execs;
	__u64 mem_ts;		/* when mem was taken (bpf_ktime_get_ns) */
	__u64 cgroup_id;	/* latest caller's cgroup */
	struct forklat_mem mem; /* at a recent call (refreshed every 100 ms) */
	__u32 pid;		/* latest caller (tgid): the row's pid in -C mode */
	char comm[KSCOPE_COMM_LEN];
	__u64 slots[HIST_SLOTS]; /* latency, log2 of microseconds */
};

/* One slow call (--min-ms), sent through the ring buffer at the call's return. */
struct forklat_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() at the return */
	__u64 lat_ns;
	__u64 cgroup_id;
	struct forklat_mem mem;
	struct forklat_ptcopy copy;
	__u32 pid; /* tgid of the caller */
	__u32 tid;
	__s32 ret;  /* child's pid, or -errno */
	__u32 call; /* enum forklat_call */
	char comm[KSCOPE_COMM_LEN];
};

#endif /* FORKLAT_H */
