/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interval pipeline every tool runs on its aggregation maps: read a hash map into a
 * snapshot sorted by key, subtract the previous snapshot row by row with one rule, and fold
 * rows into one per container.
 *
 * The rule: a row's counters only grow while the row lives.  When one went backwards, the
 * map (an LRU) evicted the row and a later event made it again, so this interval's figure is
 * the new row's whole count; what the old row gathered after the last read is gone and shows
 * up as the difference between the tool's row-free totals and the sum of its rows
 * (snap_unattributed).
 */
#ifndef KSCOPE_SNAP_H
#define KSCOPE_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_map;

struct snap {
	char *items; /* n items of key, padding, value (value_size bytes), sorted by key (memcmp) */
	size_t n;
	size_t key_size, value_size, item_size;
	size_t value_offset; /* key_size rounded up to 8: values are aligned */
	bool batched;	     /* read with BPF_MAP_LOOKUP_BATCH (false: one lookup per key) */
};

/*
 * Read every row of the hash map fd (at most max rows) into s, replacing what s held.
 * value_size is what one lookup returns: for per-CPU maps, the rounded value times the
 * number of possible CPUs (snap_percpu_size).  Batch lookups are used where the kernel has
 * them (5.6+), a key-by-key walk where it refuses.  Returns 0 or -errno.
 */
int snap_read(struct snap *s, int fd, size_t key_size, size_t value_size, size_t max);
/*
 * KSCOPE_TABLE_ROWS=N shrinks a per-process (or per-cgroup) LRU map to N rows before load,
 * so a test can overflow it with hundreds of processes instead of tens of thousands and
 * check what the tool says about the rows it lost.  Call before the skeleton's load.
 */
void snap_rows_cap(struct bpf_map *map);
/* The same with the variable name: for a second table, shrunk on its own in its own tests. */
void snap_rows_cap_env(struct bpf_map *map, const char *name);
/* The size one lookup of a per-CPU map with values of value_size bytes returns. */
size_t snap_percpu_size(size_t value_size);
static inline void *snap_key(const struct snap *s, size_t i)
{
	return s->items + i * s->item_size;
}
static inline void *snap_value(const struct snap *s, size_t i)
{
	return s->items + i * s->item_size + s->value_offset;
}
/* The value of key in s, or NULL. */
void *snap_find(const struct snap *s, const void *key);
void snap_free(struct snap *s);

/*
 * out[i] = cur[i] - prev[i] for n counters, or out = cur when prev is NULL (a new row) or
 * when any counter went backwards (the row restarted).  Returns true for a restart.
 */
bool snap_delta(__u64 *out, const __u64 *cur, const __u64 *prev, size_t n);
/* The rule's test, for values whose counters lie in more than one run: any cur[i] < prev[i]. */
bool snap_went_back(const __u64 *cur, const __u64 *prev, size_t n);

/*
 * Fold rows (n of size bytes) that share the __u64 at cgroup_offset into the first of them,
 * calling add(dst, src) for each folded row; the rows come out sorted by that id.  Returns
 * the number of rows left.
 */
size_t snap_fold(void *rows, size_t n, size_t size, size_t cgroup_offset,
		 void (*add)(void *dst, const void *src));

/*
 * What a table-free total says happened less what the rows account for, since start: the
 * counts of rows the kernel evicted before they were read, and of events with no known owner.
 * One per counter.  Read the total before the rows: an event between the two reads then
 * shows in the rows first and dips the difference, and an interval's share is only what
 * rises above the highest difference seen, so such a dip and its recovery report nothing.
 * missing is exact once events settle.
 */
struct snap_unattributed {
	__u64 attributed; /* sum of all row deltas since start */
	__u64 missing;	  /* total - attributed at the last call */
	__u64 high;	  /* the highest missing so far: what the shares add up to */
};
/* This interval's rise in the unattributed count, given the total and this interval's rows. */
__u64 snap_unattributed(struct snap_unattributed *u, __u64 total, __u64 rows_delta);

#endif /* KSCOPE_SNAP_H */
