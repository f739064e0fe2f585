// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "snap.h"

size_t snap_percpu_size(size_t value_size)
{
	int ncpus = libbpf_num_possible_cpus();

	return ((value_size + 7) & ~(size_t)7) * (ncpus > 0 ? ncpus : 1);
}

void snap_rows_cap(struct bpf_map *map)
{
	snap_rows_cap_env(map, "KSCOPE_TABLE_ROWS");
}

void snap_rows_cap_env(struct bpf_map *map, const char *name)
{
	const char *env = getenv(name);
	unsigned long rows;
	char *end;

	if (!env || !*env)
		return;
	rows = strtoul(env, &end, 10);
	if (*end || rows < 16 || rows >= bpf_map__max_entries(map))
		return;
	bpf_map__set_max_entries(map, rows);
}

static int snap_key_cmp(const void *a, const void *b, void *key_size)
{
	return memcmp(a, b, *(size_t *)key_size);
}

/* One BPF_MAP_LOOKUP_BATCH pass; -EINVAL, -ENOTSUPP... when the kernel has none. */
static int snap_read_batch(struct snap *s, int fd, size_t max)
{
	char *keys = malloc(max * s->key_size), *vals = malloc(max * s->value_size);
	/* the batch token: a bucket index for hash maps, sized like a key to be safe */
	char in[64], out[64];
	void *pin = NULL;
	size_t done = 0;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (done < max) {
		__u32 count = max - done;

		err = bpf_map_lookup_batch(fd, pin, out, keys + done * s->key_size,
					   vals + done * s->value_size, &count, NULL);
		if (err && err != -ENOENT && !(err == -ENOSPC && done))
			goto cleanup;
		done += count;
		if (err == -ENOENT || !count)
			break;
		memcpy(in, out, sizeof(in));
		pin = in;
		err = 0;
	}
	err = 0;
	for (size_t i = 0; i < done; i++) {
		memcpy(snap_key(s, i), keys + i * s->key_size, s->key_size);
		memcpy(snap_value(s, i), vals + i * s->value_size, s->value_size);
	}
	s->n = done;
	s->batched = true;
cleanup:
	free(keys);
	free(vals);
	return err;
}

/* Key by key, as every kernel allows; a row evicted between the two calls is skipped. */
static int snap_read_walk(struct snap *s, int fd, size_t max)
{
	char key[256], next[256];
	void *prev = NULL;

	if (s->key_size > sizeof(key))
		return -E2BIG;
	s->n = 0;
	while (s->n < max && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, s->key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, snap_value(s, s->n)))
			continue;
		memcpy(snap_key(s, s->n), key, s->key_size);
		s->n++;
	}
	s->batched = false;
	return 0;
}

int snap_read(struct snap *s, int fd, size_t key_size, size_t value_size, size_t max)
{
	/*
	 * Each value starts 8-byte aligned, as the map's own values do: a u32 key followed
	 * directly by u64 counters was a misaligned read (UBSan, make check-asan).
	 */
	size_t voff = (key_size + 7) & ~(size_t)7;
	size_t isz = (voff + value_size + 7) & ~(size_t)7;
	int err;

	if (!s->items || s->key_size != key_size || s->value_size != value_size) {
		free(s->items);
		s->items = malloc(max ? max * isz : 1);
		if (!s->items)
			return -ENOMEM;
	}
	s->key_size = key_size;
	s->value_size = value_size;
	s->value_offset = voff;
	s->item_size = isz;
	s->n = 0;
	err = snap_read_batch(s, fd, max);
	if (err && err != -ENOMEM)
		err = snap_read_walk(s, fd, max);
	if (err)
		return err;
	qsort_r(s->items, s->n, isz, snap_key_cmp, &s->key_size);
	return 0;
}

void *snap_find(const struct snap *s, const void *key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(key, snap_key(s, mid), s->key_size);

		if (!c)
			return snap_value(s, mid);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void snap_free(struct snap *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}

bool snap_went_back(const __u64 *cur, const __u64 *prev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cur[i] < prev[i])
			return true;
	return false;
}

bool snap_delta(__u64 *out, const __u64 *cur, const __u64 *prev, size_t n)
{
	bool restarted = !prev || snap_went_back(cur, prev, n);

	for (size_t i = 0; i < n; i++)
		out[i] = restarted ? cur[i] : cur[i] - prev[i];
	return restarted && prev;
}

static int snap_cgroup_cmp(const void *a, const void *b, void *offset)
{
	__u64 x, y;

	memcpy(&x, (const char *)a + *(size_t *)offset, sizeof(x));
	memcpy(&y, (const char *)b + *(size_t *)offset, sizeof(y));
	return x < y ? -1 : x > y;
}

size_t snap_fold(void *rows, size_t n, size_t size, size_t cgroup_offset,
		 void (*add)(void *dst, const void *src))
{
	char *r = rows;
	size_t kept = 0;

	if (!n)
		return 0;
	qsort_r(rows, n, size, snap_cgroup_cmp, &cgroup_offset);
	for (size_t i = 1; i < n; i++) {
		if (!snap_cgroup_cmp(r + kept * size, r + i * size, &cgroup_offset)) {
			add(r + kept * size, r + i * size);
			continue;
		}
		kept++;
		if (kept != i)
			memcpy(r + kept * size, r + i * size, size);
	}
	return kept + 1;
}

__u64 snap_unattributed(struct snap_unattributed *u, __u64 total, __u64 rows_delta)
{
	__u64 missing, share;

	u->attributed += rows_delta;
	missing = total > u->attributed ? total - u->attributed : 0;
	share = missing > u->high ? missing - u->high : 0;
	if (missing > u->high)
		u->high = missing;
	u->missing = missing;
	return share;
}
