/* SPDX-License-Identifier: GPL-2.0 */
/* log2 histograms as the BPF side fills them (see bpf/kscope.h for the slot layout). */
#ifndef KSCOPE_HIST_H
#define KSCOPE_HIST_H

#include <stdio.h>
#include <linux/types.h>
#include "kscope.h"
#include "json.h"

unsigned int hist_slot(__u64 v);
__u64 hist_slot_low(unsigned int slot);
__u64 hist_slot_high(unsigned int slot);
__u64 hist_total(const __u64 *slots);
/* approximate percentile (0..100) from the slots: the upper bound of the slot it falls in */
__u64 hist_percentile(const __u64 *slots, double pct);
/* add per-CPU copies into one: dst[i] += src[cpu * HIST_SLOTS + i] */
void hist_add(__u64 *dst, const __u64 *src);

/* bcc-style table: "     usecs : count    distribution" with a bar of stars */
void hist_print(FILE *f, const __u64 *slots, const char *unit);
/* [{"low":L,"high":H,"count":N}, ...] for non-empty slots */
void hist_json(struct json *j, const __u64 *slots);

#endif /* KSCOPE_HIST_H */
