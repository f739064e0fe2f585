// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "fadvtop_report.h"
#include "snap.h"

const char *const fadv_advice_names[FADV_ADVICE_SLOTS] = {
	"normal", "random", "sequential", "willneed", "dontneed", "noreuse", "other",
};

const char *fadv_advice_name(int advice)
{
	if (advice < 0 || advice >= FADV_NR_ADVICE)
		return fadv_advice_names[FADV_NR_ADVICE];
	return fadv_advice_names[advice];
}

/* the counters that open struct fadv_val: calls[] up to dontneed_empty */
#define FADV_VAL_COUNTERS (offsetof(struct fadv_val, last_fd) / sizeof(__u64))

void fadv_val_delta(struct fadv_val *out, const struct fadv_val *cur, const struct fadv_val *prev)
{
	/* an evicted and recreated row restarts every counter, not only some (snap.h's rule) */
	if (prev && (snap_went_back(cur->calls, prev->calls, FADV_VAL_COUNTERS) ||
		     snap_went_back(cur->hist, prev->hist, HIST_SLOTS)))
		prev = NULL;
	*out = *cur;
	snap_delta(out->calls, cur->calls, prev ? prev->calls : NULL, FADV_VAL_COUNTERS);
	snap_delta(out->hist, cur->hist, prev ? prev->hist : NULL, HIST_SLOTS);
}

bool fadv_wait_resolved(bool exact, __u64 wait_ns, double secs)
{
	return exact || wait_ns >= FADV_ESTIMATE_MIN_NS_PER_S * (secs > 0 ? secs : 1);
}

void fadv_val_add(struct fadv_val *dst, const struct fadv_val *src)
{
	int i;

	for (i = 0; i < FADV_ADVICE_SLOTS; i++)
		dst->calls[i] += src->calls[i];
	dst->total_ns += src->total_ns;
	dst->bytes += src->bytes;
	dst->pages_dropped += src->pages_dropped;
	dst->pages_other += src->pages_other;
	dst->lock_wait_ns += src->lock_wait_ns;
	dst->lock_waits += src->lock_waits;
	dst->errors += src->errors;
	dst->dontneed_empty += src->dontneed_empty;
	for (i = 0; i < HIST_SLOTS; i++)
		dst->hist[i] += src->hist[i];
	if (!dst->comm[0])
		memcpy(dst->comm, src->comm, sizeof(dst->comm));
	if (src->last_fd)
		dst->last_fd = src->last_fd;
}

void fadv_val_add_batch(struct fadv_val *dst, const struct fadv_batch *b)
{
	int i;

	for (i = 0; i < FADV_ADVICE_SLOTS; i++)
		dst->calls[i] += b->calls[i];
	dst->total_ns += b->total_ns;
	dst->bytes += b->bytes;
	dst->pages_dropped += b->pages_dropped;
	dst->pages_other += b->pages_other;
	dst->lock_wait_ns += b->lock_wait_ns;
	dst->lock_waits += b->lock_waits;
	dst->errors += b->errors;
	dst->dontneed_empty += b->dontneed_empty;
	for (i = 0; i < HIST_SLOTS; i++)
		dst->hist[i] += b->hist[i];
}

__u64 fadv_val_calls(const struct fadv_val *v)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < FADV_ADVICE_SLOTS; i++)
		n += v->calls[i];
	return n;
}

const char *fadv_count(char *buf, size_t len, double v)
{
	if (v < 1000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.*fk", v < 1e4 ? 1 : 0, v / 1e3);
	else
		snprintf(buf, len, "%.*fM", v < 1e7 ? 1 : 0, v / 1e6);
	return buf;
}

static int pct(__u64 part, __u64 whole)
{
	return whole ? (int)((part * 100.0) / whole + 0.5) : 0;
}

static void who(char *buf, size_t len, const struct fadv_cg_sum *s)
{
	if (s->pod_uid && s->pod_uid[0] && strncmp(s->label, "pod:", 4))
		snprintf(buf, len, "container %s (pod %.8s)", s->label, s->pod_uid);
	else
		snprintf(buf, len, "container %s", s->label);
}

int fadv_diagnose(const struct fadv_cg_sum *sums, size_t n, double secs,
		  char (*lines)[FADV_LINE_LEN], int max)
{
	const struct fadv_cg_sum *waiter = NULL, *caller = NULL;
	char name[160], rate[16], behind[160];
	__u64 others_dontneed = 0;
	int others = 0, out = 0;
	size_t i;

	if (secs <= 0)
		secs = 1;
	for (i = 0; i < n; i++) {
		/* below 1% of the time inside fadvise, waiting is not the story */
		if (sums[i].lock_wait_ns && sums[i].lock_wait_ns * 100 >= sums[i].total_ns &&
		    (!waiter || sums[i].lock_wait_ns > waiter->lock_wait_ns))
			waiter = &sums[i];
		if (sums[i].calls && (!caller || sums[i].total_ns > caller->total_ns))
			caller = &sums[i];
	}

	if (waiter && out < max) {
		for (i = 0; i < n; i++) {
			if (&sums[i] == waiter || !sums[i].dontneed)
				continue;
			others++;
			others_dontneed += sums[i].dontneed;
		}
		who(name, sizeof(name), waiter);
		behind[0] = '\0';
		if (waiter->behind_label && waiter->behind_cgroup &&
		    waiter->behind_cgroup != waiter->cgroup_id)
			snprintf(behind, sizeof(behind), ", mostly behind container %s (%s)",
				 waiter->behind_label,
				 waiter->behind_exact ? "lock owner" : "estimated");
		else if (waiter->behind_cgroup == waiter->cgroup_id && waiter->behind_cgroup)
			snprintf(behind, sizeof(behind), ", mostly behind its own calls");
		if (others)
			snprintf(lines[out++], FADV_LINE_LEN,
				 "%s spends %d%% of its fadvise time waiting on kernel locks%s; "
				 "%d other container%s DONTNEED %s times/s",
				 name, pct(waiter->lock_wait_ns, waiter->total_ns), behind, others,
				 others == 1 ? " calls" : "s call",
				 fadv_count(rate, sizeof(rate), others_dontneed / secs));
		else
			snprintf(lines[out++], FADV_LINE_LEN,
				 "%s spends %d%% of its fadvise time waiting on kernel locks%s",
				 name, pct(waiter->lock_wait_ns, waiter->total_ns), behind);
	}
	if (caller && caller->dontneed && out < max) {
		char empty[64] = "";

		who(name, sizeof(name), caller);
		if (caller->pages_known)
			snprintf(empty, sizeof(empty), "; %d%% of those calls dropped no page",
				 pct(caller->dontneed_empty, caller->dontneed));
		snprintf(lines[out++], FADV_LINE_LEN,
			 "%s calls DONTNEED %s times/s, %.1f ms/s inside fadvise%s", name,
			 fadv_count(rate, sizeof(rate), caller->dontneed / secs),
			 caller->total_ns / secs / 1e6, empty);
	}
	return out;
}
