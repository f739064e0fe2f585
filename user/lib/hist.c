// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "hist.h"

unsigned int hist_slot(__u64 v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

__u64 hist_slot_low(unsigned int slot)
{
	return slot ? 1ull << (slot - 1) : 0;
}

__u64 hist_slot_high(unsigned int slot)
{
	if (slot == 0)
		return 0;
	if (slot >= 64)
		return ~0ull;
	return (1ull << slot) - 1;
}

__u64 hist_total(const __u64 *slots)
{
	__u64 total = 0;

	for (int i = 0; i < HIST_SLOTS; i++)
		total += slots[i];
	return total;
}

__u64 hist_percentile(const __u64 *slots, double pct)
{
	__u64 total = hist_total(slots), seen = 0;
	double want = total * pct / 100.0;

	if (!total)
		return 0;
	for (int i = 0; i < HIST_SLOTS; i++) {
		seen += slots[i];
		if (seen >= want && slots[i])
			return hist_slot_high(i);
	}
	return hist_slot_high(HIST_SLOTS - 1);
}

void hist_add(__u64 *dst, const __u64 *src)
{
	for (int i = 0; i < HIST_SLOTS; i++)
		dst[i] += src[i];
}

static void hist_stars(FILE *f, __u64 val, __u64 max, int width)
{
	int n = max ? (int)((double)val * width / max) : 0;
	bool more = n > width;

	if (more)
		n = width;
	for (int i = 0; i < n; i++)
		fputc('*', f);
	for (int i = n; i < width; i++)
		fputc(' ', f);
	if (more)
		fputc('+', f);
}

void hist_print(FILE *f, const __u64 *slots, const char *unit)
{
	int first = -1, last = -1;
	__u64 max = 0;

	for (int i = 0; i < HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (first < 0) {
		fprintf(f, "     (no events)\n");
		return;
	}
	fprintf(f, "%24s : count    distribution\n", unit);
	for (int i = first; i <= last; i++) {
		fprintf(f, "%10llu -> %-10llu : %-8llu |", (unsigned long long)hist_slot_low(i),
			(unsigned long long)hist_slot_high(i), (unsigned long long)slots[i]);
		hist_stars(f, slots[i], max, 40);
		fprintf(f, "|\n");
	}
}

void hist_json(struct json *j, const __u64 *slots)
{
	json_array_begin(j);
	for (int i = 0; i < HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		json_object_begin(j);
		json_kv_u64(j, "low", hist_slot_low(i));
		json_kv_u64(j, "high", hist_slot_high(i));
		json_kv_u64(j, "count", slots[i]);
		json_object_end(j);
	}
	json_array_end(j);
}
