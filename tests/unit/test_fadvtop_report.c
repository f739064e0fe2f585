// SPDX-License-Identifier: GPL-2.0
/* fadvtop's pure report logic: interval differences, advice names, the diagnosis sentences. */
#include <string.h>
#include "check.h"
#include "fadvtop_report.h"

static void test_delta(void)
{
	struct fadv_val prev = {0}, cur = {0}, d;

	prev.calls[FADV_DONTNEED] = 100;
	prev.total_ns = 5000;
	prev.pages_dropped = 7;
	cur = prev;
	cur.calls[FADV_DONTNEED] = 130;
	cur.calls[3] = 2;
	cur.total_ns = 6000;
	cur.pages_dropped = 9;
	memcpy(cur.comm, "glogger", 8);
	fadv_val_delta(&d, &cur, &prev);
	check_u64(d.calls[FADV_DONTNEED], 30, "delta: DONTNEED calls of the period");
	check_u64(d.calls[3], 2, "delta: a new advice counts from zero");
	check_u64(d.total_ns, 1000, "delta: time");
	check_u64(d.pages_dropped, 2, "delta: pages");
	check_str(d.comm, "glogger", "delta: comm carried over");
	check_u64(fadv_val_calls(&d), 32, "calls over all advice");

	/* the row was evicted and created again: what it holds now is the whole period */
	cur.calls[FADV_DONTNEED] = 5;
	cur.total_ns = 9000;
	fadv_val_delta(&d, &cur, &prev);
	check_u64(d.calls[FADV_DONTNEED], 5, "delta after eviction: calls restart");
	check_u64(d.total_ns, 9000, "delta after eviction: time restarts with them");

	fadv_val_delta(&d, &cur, NULL);
	check_u64(d.pages_dropped, 9, "delta without a previous read: everything");

	/*
	 * Evicted and made again with more calls than the old row had, but less time: the
	 * calls alone do not show the restart, the time does, and every counter is the new
	 * row's (snap.h's rule; a field-by-field difference gave 30 calls here)
	 */
	cur = prev;
	cur.calls[FADV_DONTNEED] = 130;
	cur.total_ns = 900;
	cur.hist[3] = 130;
	fadv_val_delta(&d, &cur, &prev);
	check_u64(d.calls[FADV_DONTNEED], 130, "time went back: the calls are the new row's");
	check_u64(d.total_ns, 900, "time went back: so is the time");
	check_u64(d.hist[3], 130, "time went back: so is the histogram");
}

static void test_batch(void)
{
	struct fadv_val v = {0};
	struct fadv_batch b = {0};

	v.calls[FADV_DONTNEED] = 10;
	v.hist[11] = 10;
	v.total_ns = 20000;
	memcpy(v.comm, "glogger", 8);
	b.calls[FADV_DONTNEED] = 3;
	b.calls[FADV_NR_ADVICE] = 1;
	b.hist[11] = 3;
	b.hist[HIST_SLOTS - 1] = 1;
	b.total_ns = 7000;
	b.dontneed_empty = 2;
	b.lock_waits = 1;
	fadv_val_add_batch(&v, &b);
	check_u64(v.calls[FADV_DONTNEED], 13, "batch: its calls join the row's");
	check_u64(v.calls[FADV_NR_ADVICE], 1, "batch: an unknown advice too");
	check_u64(v.hist[11], 13, "batch: histogram slots add");
	check_u64(v.hist[HIST_SLOTS - 1], 1, "batch: up to the last slot");
	check_u64(v.total_ns, 27000, "batch: time adds");
	check_u64(v.dontneed_empty, 2, "batch: empty DONTNEEDs add");
	check_u64(v.lock_waits, 1, "batch: lock waits add");
	check_str(v.comm, "glogger", "batch: the row keeps its comm");
}

static void test_names(void)
{
	check_str(fadv_advice_name(4), "dontneed", "advice 4 is DONTNEED");
	check_str(fadv_advice_name(0), "normal", "advice 0 is NORMAL");
	check_str(fadv_advice_name(5), "noreuse", "advice 5 is NOREUSE");
	check_str(fadv_advice_name(6), "other", "advice 6 is not POSIX");
	check_str(fadv_advice_name(-1), "other", "negative advice");
}

static void test_count(void)
{
	char buf[16];

	check_str(fadv_count(buf, sizeof(buf), 950), "950", "count below 1000");
	check_str(fadv_count(buf, sizeof(buf), 12345), "12k", "count in thousands");
	check_str(fadv_count(buf, sizeof(buf), 1500), "1.5k", "count with one decimal");
	check_str(fadv_count(buf, sizeof(buf), 4500000), "4.5M", "count in millions");
}

static void test_diagnose(void)
{
	char lines[3][FADV_LINE_LEN];
	struct fadv_cg_sum s[4] = {
		{.cgroup_id = 1,
		 .label = "a1b2c3d4e5f6",
		 .pod_uid = "1234abcd-0000",
		 .calls = 1000,
		 .dontneed = 1000,
		 .total_ns = 1000000,
		 .lock_wait_ns = 410000,
		 .behind_cgroup = 2,
		 .behind_label = "b2b2b2b2b2b2",
		 .behind_exact = true,
		 .pages_known = true},
		{.cgroup_id = 2,
		 .label = "b2b2b2b2b2b2",
		 .pod_uid = "",
		 .calls = 12000,
		 .dontneed = 12000,
		 .dontneed_empty = 11880,
		 .total_ns = 5000000,
		 .lock_wait_ns = 0,
		 .pages_known = true},
		{.cgroup_id = 3,
		 .label = "c3c3c3c3c3c3",
		 .pod_uid = "",
		 .calls = 10,
		 .dontneed = 10,
		 .total_ns = 1000,
		 .pages_known = true},
		{.cgroup_id = 4,
		 .label = "/user.slice",
		 .pod_uid = "",
		 .calls = 5,
		 .total_ns = 100,
		 .pages_known = true},
	};
	int n;

	n = fadv_diagnose(s, 4, 1.0, lines, 3);
	check(n == 2, "two sentences: the waiter and the heaviest caller");
	check_str(lines[0],
		  "container a1b2c3d4e5f6 (pod 1234abcd) spends 41% of its fadvise time waiting on "
		  "kernel locks, mostly behind container b2b2b2b2b2b2 (lock owner); 2 other "
		  "containers call DONTNEED 12k times/s",
		  "the waiter, whom it waits behind and who else calls DONTNEED");
	check_str(lines[1],
		  "container b2b2b2b2b2b2 calls DONTNEED 12k times/s, 5.0 ms/s inside fadvise; 99% "
		  "of those calls dropped no page",
		  "the heaviest caller and its wasted calls");

	/* waiting under 1% of the time inside fadvise is noise, not a diagnosis */
	s[0].lock_wait_ns = 9000;
	n = fadv_diagnose(s, 4, 2.0, lines, 3);
	check(n == 1, "no waiter sentence under 1%%");
	check(strstr(lines[0], "6.0k times/s") != NULL, "rates divide by the period");

	s[1].pages_known = false;
	fadv_diagnose(s, 4, 1.0, lines, 3);
	check(strstr(lines[0], "dropped no page") == NULL,
	      "no claim about dropped pages when they are not traced");

	check(fadv_diagnose(s, 0, 1.0, lines, 3) == 0, "nothing to say about nothing");

	/* the doc's example: "(unknown) 335 ns 1 estimated" in a 1 s period */
	check(!fadv_wait_resolved(false, 335, 1.0),
	      "an estimated row of 335 ns/s: below resolution");
	check(fadv_wait_resolved(false, 4000, 1.0), "an estimated row of 4 us/s: shown");
	check(!fadv_wait_resolved(false, 4000, 5.0), "the same 4 us over 5 s: 0.8 us/s, below");
	check(fadv_wait_resolved(true, 335, 1.0), "the lock's recorded owner: exact, always shown");
}

int main(void)
{
	test_delta();
	test_batch();
	test_names();
	test_count();
	test_diagnose();
	return check_done();
}
