// SPDX-License-Identifier: GPL-2.0
/* The interval pipeline's pure parts: the delta rule, the container fold, unattributed counts. */
#include <stddef.h>
#include "check.h"
#include "snap.h"

struct row {
	__u64 a, b;
	__u64 cgroup_id;
};

static void row_add(void *dst, const void *src)
{
	struct row *d = dst;
	const struct row *s = src;

	d->a += s->a;
	d->b += s->b;
}

int main(void)
{
	__u64 prev[2] = {50, 7}, cur[2] = {60, 9}, out[2];
	struct row rows[] = {{1, 2, 30}, {3, 4, 10}, {5, 6, 30}, {7, 8, 20}, {9, 10, 10}};
	struct snap_unattributed u = {};
	size_t n;

	check(!snap_delta(out, cur, prev, 2) && out[0] == 10 && out[1] == 2,
	      "counters that grew: the difference");
	check(!snap_delta(out, cur, NULL, 2) && out[0] == 60 && out[1] == 9,
	      "a new row: its whole count");
	/* evicted with 50 opens, made again by 5 later ones: not 5 - 50 wrapped */
	cur[0] = 5;
	check(snap_delta(out, cur, prev, 2) && out[0] == 5 && out[1] == 9,
	      "one counter went backwards: the row restarted, all counters are the new row's");

	n = snap_fold(rows, 5, sizeof(rows[0]), offsetof(struct row, cgroup_id), row_add);
	check_u64(n, 3, "five rows in three cgroups fold to three");
	check(rows[0].cgroup_id == 10 && rows[0].a == 12 && rows[0].b == 14,
	      "cgroup 10's two rows summed");
	check(rows[1].cgroup_id == 20 && rows[1].a == 7, "cgroup 20 alone");
	check(rows[2].cgroup_id == 30 && rows[2].a == 6 && rows[2].b == 8,
	      "cgroup 30's two rows summed");
	check_u64(snap_fold(rows, 0, sizeof(rows[0]), 0, row_add), 0, "nothing to fold");

	check_u64(snap_unattributed(&u, 100, 100), 0, "rows account for everything");
	check_u64(snap_unattributed(&u, 250, 120), 30, "an evicted row's 30 are unattributed");
	/* an event counted before its owner's row had it: the share never goes negative */
	check_u64(snap_unattributed(&u, 250, 20), 0, "a late attribution takes nothing back");
	check_u64(u.missing, 10, "but the running total is exact");
	/* rows read after the total hold 5 events it lacks; the next total has them */
	u = (struct snap_unattributed){0};
	check_u64(snap_unattributed(&u, 100, 100), 0, "fresh: rows account for everything");
	check_u64(snap_unattributed(&u, 100, 5), 0, "rows ahead of the total: no share");
	check_u64(snap_unattributed(&u, 110, 5), 0, "the total catching up: no share either");
	check_u64(snap_unattributed(&u, 150, 10), 30, "then a real shortfall: its share");
	return check_done();
}
