// SPDX-License-Identifier: GPL-2.0
/* forklat's pure logic: deltas, the copy estimate, smaps_rollup, units and the diagnosis. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "forklat_report.h"

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

static void test_delta(void)
{
	struct forklat_stats prev = {0}, cur = {0}, d;

	prev.forks = 10;
	prev.sum_ns = 1000;
	prev.slots[5] = 10;
	prev.child_runs = 3;
	cur = prev;
	cur.forks = 15;
	cur.sum_ns = 1600;
	cur.slots[5] = 12;
	cur.slots[6] = 3;
	cur.child_runs = 4;
	forklat_stats_delta(&cur, &prev, &d);
	check_u64(d.forks, 5, "delta: forks since the last read");
	check_u64(d.sum_ns, 600, "delta: latency sum since the last read");
	check(d.slots[5] == 2 && d.slots[6] == 3, "delta: histogram slots since the last read");
	check_u64(d.child_runs, 1, "delta: child runs since the last read");

	/* the LRU evicted the row and it came back: the new counts are all new */
	cur.forks = 2;
	cur.sum_ns = 300;
	forklat_stats_delta(&cur, &prev, &d);
	check_u64(d.forks, 2, "delta: a re-created row counts from zero");
	check_u64(d.sum_ns, 300, "delta: a re-created row's sum is all new");

	forklat_stats_delta(&cur, NULL, &d);
	check_u64(d.forks, 2, "delta: a new row is all new");
}

static void test_row_fill(void)
{
	struct forklat_stats cur = {0}, d = {0};
	struct forklat_row r;

	cur.pid = 42;
	memcpy(cur.comm, "httpd", 6);
	cur.mem.rss_pages = 1000;
	cur.mem.anon_pages = 900;
	cur.mem.pgtables_bytes = 8192;
	cur.mem.vmas = 30;
	cur.max_ns = 9000;
	cur.max_gen = 7;
	d.forks = 4;
	d.sum_ns = 20000;
	forklat_row_fill(&r, 42, &cur, &d, 7, 4096, false, false);
	check(r.mean_ns == 5000, "row: mean is sum over forks");
	check_u64(r.max_ns, 9000, "row: max of this generation");
	check_u64(r.rss_bytes, 1000 * 4096, "row: RSS in bytes");
	check(r.pt_copy_ns < 0 && r.pte_copy_ns < 0, "row: copy times unmeasured are negative");
	check(r.child_run_ns < 0 && r.child_exec_ns < 0, "row: no children seen: negative");
	check(r.thp_bytes == -1, "row: THP unknown until read");

	forklat_row_fill(&r, 42, &cur, &d, 8, 4096, false, false);
	check_u64(r.max_ns, 5000, "row: a max from an older generation is not this interval's");

	d.pt_ns = 8000;
	forklat_row_fill(&r, 42, &cur, &d, 7, 4096, true, false);
	check(r.pt_copy_ns == 2000, "row: measured copy time per fork");
}

static void test_smaps(void)
{
	const char *text = "55b771128000-7ffcc2641000 ---p 00000000 00:00 0    [rollup]\n"
			   "Rss:             1050148 kB\n"
			   "AnonHugePages:   1048576 kB\n"
			   "ShmemPmdMapped:        0 kB\n"
			   "FilePmdMapped:      2048 kB\n"
			   "Shared_Hugetlb:        0 kB\n";

	check(forklat_smaps_thp(text) == (1048576LL + 2048) * 1024,
	      "smaps_rollup: AnonHugePages + ShmemPmdMapped + FilePmdMapped");
	check(forklat_smaps_thp("Rss: 12 kB\n") == -1, "smaps_rollup: no THP fields: unknown");
	check(forklat_smaps_thp("XAnonHugePages: 5 kB\nAnonHugePages: 7 kB\n") == 7 * 1024,
	      "smaps_rollup: a field counts only at the start of a line");
	check(forklat_read_thp(getpid()) >= 0, "smaps_rollup: our own is readable");
	check(forklat_read_thp(0x7fffffff) == -1, "smaps_rollup: a process that is gone: unknown");
}

static void test_estimate(void)
{
	double est;

	/* 1 GiB of 4 KiB pages: 262144 entries */
	est = forklat_pt_estimate_ns(GIB, 0, 1e9, 4096);
	check(est == 262144.0 * FORKLAT_NS_PER_PTE, "estimate: one entry per base page");
	/* the same in THP: 512 PMD entries */
	est = forklat_pt_estimate_ns(GIB, GIB, 1e9, 4096);
	check(est == 512.0 * FORKLAT_NS_PER_HUGE_PMD, "estimate: one PMD per 2 MiB huge page");
	est = forklat_pt_estimate_ns(GIB, 0, 1e6, 4096);
	check(est == 1e6, "estimate: never more than the call itself");
	est = forklat_pt_estimate_ns(GIB, -1, 1e9, 4096);
	check(est == -1, "estimate: THP unknown (the parent exited): no estimate, not base pages");
}

static void test_units(void)
{
	char buf[16];

	check_str(forklat_short_bytes(buf, sizeof(buf), 2 * GIB), "2.0G", "short bytes: GiB");
	check_str(forklat_short_bytes(buf, sizeof(buf), 512 * MIB), "512M", "short bytes: MiB");
	check_str(forklat_short_bytes(buf, sizeof(buf), 56 * 1024), "56K", "short bytes: KiB");
	check_str(forklat_short_bytes(buf, sizeof(buf), 12), "12B", "short bytes: bytes");
	check(strlen(forklat_short_bytes(buf, sizeof(buf), 1023 * MIB + 1000 * 1024)) <= 5,
	      "short bytes: at most 5 characters");
	check_str(forklat_short_duration(buf, sizeof(buf), 850), "850ns", "short duration: ns");
	check_str(forklat_short_duration(buf, sizeof(buf), 959e3), "959us", "short duration: us");
	check_str(forklat_short_duration(buf, sizeof(buf), 1.16e6), "1.16ms", "short duration: ms");
	check_str(forklat_short_duration(buf, sizeof(buf), 15.7e6), "15.7ms",
		  "short duration: tens of ms");
	check_str(forklat_short_duration(buf, sizeof(buf), 999.7e3), "1.00ms",
		  "short duration: rounding up changes the unit");
}

static void test_diagnose(void)
{
	struct forklat_row r = {0};
	char buf[512];

	r.pid = 1234;
	r.mean_ns = 15.7e6;
	r.rss_bytes = 2 * GIB;
	r.anon_bytes = 2 * GIB;
	r.pgtables_bytes = 4 * MIB;
	r.thp_bytes = 0;
	r.vmas = 40;
	r.pt_copy_ns = 14e6;
	forklat_diagnose(buf, sizeof(buf), &r, "httpd");
	check_str(buf,
		  "httpd (pid 1234): 15.70 ms per fork, 2.00 GiB RSS in 4 KiB pages, 4.00 MiB of "
		  "page tables copied per fork; huge pages or posix_spawn/vfork would avoid most "
		  "of it",
		  "diagnosis: the incident, in numbers");

	/* the same parent, 100% THP, gone before smaps_rollup was read: unknown stays unknown */
	r.thp_bytes = -1;
	r.pt_copy_ns = forklat_pt_estimate_ns(r.anon_bytes, r.thp_bytes, r.mean_ns, 4096);
	forklat_diagnose(buf, sizeof(buf), &r, "httpd");
	check(strstr(buf, "huge-page share was not read") && !strstr(buf, "4 KiB pages") &&
		      !strstr(buf, "would avoid most"),
	      "diagnosis: THP unknown is said, not guessed as base pages");

	r.thp_bytes = 2 * GIB;
	r.mean_ns = 1.3e6;
	r.pt_copy_ns = 0.3e6;
	forklat_diagnose(buf, sizeof(buf), &r, "httpd");
	check(strstr(buf, "already in huge pages") != NULL, "diagnosis: huge pages already");

	r.mean_ns = 300e3;
	forklat_diagnose(buf, sizeof(buf), &r, "sh");
	check(strstr(buf, "fork is cheap here") != NULL, "diagnosis: a cheap fork says so");

	r.mean_ns = 5e6;
	r.thp_bytes = 0;
	r.anon_bytes = 10 * MIB;
	r.rss_bytes = 10 * MIB;
	r.vmas = 30000;
	forklat_diagnose(buf, sizeof(buf), &r, "java");
	check(strstr(buf, "30000 VMAs") != NULL, "diagnosis: many VMAs");

	r.vmas = 50;
	forklat_diagnose(buf, sizeof(buf), &r, "x");
	check(strstr(buf, "does not explain it") != NULL, "diagnosis: memory does not explain it");
	check(!strstr(buf, "contention"), "diagnosis: no fork histogram, no contention claimed");
}

/*
 * A loaded host (load 10 on 2 cores): the 1 GiB 4 KiB parent's fastest forks take ~8 ms, but
 * run-queue waits lift the mean to ~30 ms, so the estimated copy (7.34 ms) is a quarter of
 * the mean.  The copy is still most of an unpreempted fork: the diagnosis must name the pages.
 */
static void test_diagnose_loaded(void)
{
	struct forklat_row r = {0};
	char buf[512];

	r.pid = 99;
	r.forks = 30;
	r.mean_ns = 30e6;
	r.rss_bytes = GIB;
	r.anon_bytes = GIB;
	r.pgtables_bytes = 2 * MIB;
	r.thp_bytes = 0;
	r.vmas = 20;
	/* 8.0 ms is slot 13 (4096..8191 us); the rest waited up to 43 ms */
	r.slots[13] = 10;
	r.slots[15] = 15;
	r.slots[16] = 5;
	check(forklat_fastest_ns(&r) == 8192e3, "fastest: the lowest slot's bound, in ns");
	r.pt_copy_ns = forklat_pt_estimate_ns(r.anon_bytes, r.thp_bytes, r.mean_ns, 4096);
	check(r.pt_copy_ns / r.mean_ns < 0.3, "loaded: the estimate is under 0.3 of the mean");
	forklat_diagnose(buf, sizeof(buf), &r, "forkgen");
	check(strstr(buf, "RSS in 4 KiB pages") && strstr(buf, "huge pages or posix_spawn/vfork"),
	      "loaded: the 4 KiB pages are named although the mean is 4x the copy");
	check(strstr(buf, "3.7x its fastest forks (under 8.19 ms)") &&
		      strstr(buf, "CPU contention"),
	      "loaded: the mean far above the fastest forks is called contention");

	/* every fork waited (none in a fast slot): the copy's milliseconds are still named */
	memset(r.slots, 0, sizeof(r.slots));
	r.slots[15] = 25;
	r.slots[16] = 5;
	r.pt_copy_ns = 7e6;
	check(r.pt_copy_ns / forklat_fastest_ns(&r) < 0.3,
	      "all waited: the copy under 0.3 of them");
	forklat_diagnose(buf, sizeof(buf), &r, "forkgen");
	check(strstr(buf, "RSS in 4 KiB pages") && strstr(buf, "copied per fork in 7.00 ms") &&
		      strstr(buf, "huge pages or posix_spawn/vfork would avoid that part"),
	      "all waited: the 4 KiB pages and the copy's time are named");
	r.pt_copy_ns = 0.5e6;
	forklat_diagnose(buf, sizeof(buf), &r, "forkgen");
	check(strstr(buf, "memory size does not explain it") != NULL,
	      "all waited, a copy under 1 ms: not blamed on the pages");

	/* the same forks unpreempted: no contention is claimed */
	memset(r.slots, 0, sizeof(r.slots));
	r.slots[13] = 30;
	r.mean_ns = 8e6;
	r.pt_copy_ns = forklat_pt_estimate_ns(r.anon_bytes, r.thp_bytes, r.mean_ns, 4096);
	check(forklat_fastest_ns(&r) == 8e6, "fastest: never above the mean");
	forklat_diagnose(buf, sizeof(buf), &r, "forkgen");
	check(strstr(buf, "RSS in 4 KiB pages") && !strstr(buf, "contention"),
	      "idle: 4 KiB pages named, no contention");
}

static void test_huge_pct(void)
{
	struct forklat_row r = {0};

	r.rss_bytes = GIB;
	r.thp_bytes = GIB / 2;
	check(forklat_huge_pct(&r) == 50, "huge share: THP over RSS");
	r.hugetlb_bytes = GIB;
	r.thp_bytes = 0;
	check(forklat_huge_pct(&r) == 50, "huge share: hugetlb counts, outside RSS");
	r.thp_bytes = -1;
	check(forklat_huge_pct(&r) == -1 && forklat_huge_bytes(&r) == -1,
	      "huge share: unknown THP stays unknown");
}

int main(void)
{
	test_delta();
	test_row_fill();
	test_smaps();
	test_estimate();
	test_units();
	test_diagnose();
	test_diagnose_loaded();
	test_huge_pct();
	return check_done();
}
