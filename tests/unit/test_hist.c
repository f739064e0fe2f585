// SPDX-License-Identifier: GPL-2.0
/* log2 histograms: the BPF side's slot function and the user side's agree, and printing. */
#include <stdlib.h>
#include "check.h"
#include "hist.h"

/*
 * The BPF side's helper compiles as plain C too: include the real one, so the two sides are
 * checked against each other rather than against a copy.
 */
#include "kscope.bpf.h"

int main(void)
{
	bool all = true;

	check_u64(hist_slot(0), 0, "0 in slot 0");
	check_u64(hist_slot(1), 1, "1 in slot 1");
	check_u64(hist_slot(2), 2, "2 in slot 2");
	check_u64(hist_slot(3), 2, "3 in slot 2");
	check_u64(hist_slot(4), 3, "4 in slot 3");
	check_u64(hist_slot(~0ull), 64, "u64 max in slot 64");
	for (unsigned int s = 1; s < HIST_SLOTS; s++) {
		__u64 lo = hist_slot_low(s), hi = hist_slot_high(s);

		all &= hist_slot(lo) == s && hist_slot(hi) == s;
		all &= kscope_log2_slot(lo) == s && kscope_log2_slot(hi) == s;
		all &= kscope_log2_slot(lo + 1) == hist_slot(lo + 1);
	}
	check(all, "every slot's bounds fall in it, BPF and user side alike");

	__u64 slots[HIST_SLOTS] = {0};
	slots[hist_slot(5)] += 10;   /* 4..7 */
	slots[hist_slot(100)] += 30; /* 64..127 */
	check_u64(hist_total(slots), 40, "total");
	check_u64(hist_percentile(slots, 20), 7, "p20 in the first non-empty slot");
	check_u64(hist_percentile(slots, 99), 127, "p99 in the last");

	char buf[2048];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	hist_print(f, slots, "usecs");
	fclose(f);
	check(strstr(buf, "         4 -> 7          : 10") != NULL, "printed row for 4..7");
	check(strstr(buf, "        64 -> 127        : 30       "
			  "|****************************************|") != NULL,
	      "largest row has the full bar");
	check(strstr(buf, "        8 -> 15         : 0") != NULL ||
		      strstr(buf, "         8 -> 15         : 0") != NULL,
	      "empty rows between are printed");
	return check_done();
}
