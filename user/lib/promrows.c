// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "hist.h"
#include "out.h"
#include "promrows.h"
#include "table.h"

/* the bound on distinct retired (comm, container) pairs; past it, one row takes the rest */
#define PROMROWS_MAX_RETIRED 1024

static int sort_by_value;

void promrows_begin(struct promrows *r)
{
	r->nlive = 0;
}

static void row_merge(struct promrow *dst, const double *v, const __u64 *slots, double hist_sum)
{
	for (int i = 0; i < PROMROWS_VALUES; i++)
		dst->v[i] += v[i];
	if (slots)
		hist_add(dst->slots, slots);
	dst->hist_sum += hist_sum;
}

static struct promrow *row_find(struct promrow *rows, size_t n, const struct promrow *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].comm, key->comm) && !strcmp(rows[i].container, key->container))
			return &rows[i];
	return NULL;
}

static struct promrow *row_append(struct promrow **rows, size_t *n, size_t *cap,
				  const struct promrow *key)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct promrow *nrows = realloc(*rows, ncap * sizeof(**rows));

		if (!nrows)
			return NULL;
		*rows = nrows;
		*cap = ncap;
	}
	(*rows)[*n] = *key;
	return &(*rows)[(*n)++];
}

void promrows_add(struct promrows *r, bool retire, const char *comm, __u64 cgroup_id,
		  const double *v, const __u64 *slots, double hist_sum)
{
	struct promrow key = {0}, *dst;

	/* raw: prom_escape() renders it for the label, as tables do */
	snprintf(key.comm, sizeof(key.comm), "%.*s", KSCOPE_COMM_LEN, comm);
	if (!cgroup_id || !cgroup_container_name(cgroup_id, key.container, sizeof(key.container)))
		key.container[0] = '\0';
	if (!retire) {
		dst = row_find(r->live, r->nlive, &key);
		if (!dst)
			dst = row_append(&r->live, &r->nlive, &r->cap_live, &key);
	} else {
		dst = row_find(r->retired, r->nretired, &key);
		if (!dst && r->nretired < PROMROWS_MAX_RETIRED)
			dst = row_append(&r->retired, &r->nretired, &r->cap_retired, &key);
		if (!dst && r->nretired)
			dst = &r->retired[r->nretired - 1];
	}
	if (dst)
		row_merge(dst, v, slots, hist_sum);
}

static int row_cmp(const void *a, const void *b)
{
	double x = ((const struct promrow *)a)->v[sort_by_value];
	double y = ((const struct promrow *)b)->v[sort_by_value];

	return x < y ? 1 : x > y ? -1 : 0;
}

/* the row the rest is summed into; a process really named "other" is counted in it too */
static bool row_is_other(const struct promrow *row)
{
	return !strcmp(row->comm, "other") && !row->container[0];
}

/* live and retired rows of the same key as one row each, sorted, cut to top plus "other" */
static size_t rows_collect(struct promrows *r, int sort_by, size_t top)
{
	size_t n = 0, cap = 0, shown;

	free(r->out);
	r->out = NULL;
	for (size_t i = 0; i < r->nlive + r->nretired; i++) {
		const struct promrow *src = i < r->nlive ? &r->live[i] : &r->retired[i - r->nlive];
		struct promrow *dst = row_find(r->out, n, src);

		if (dst)
			row_merge(dst, src->v, src->slots, src->hist_sum);
		else
			row_append(&r->out, &n, &cap, src);
	}
	sort_by_value = sort_by;
	if (n)
		table_sort(r->out, n, sizeof(*r->out), row_cmp);
	/*
	 * Keep the top rows that are not "other" in front; everything else goes into one
	 * "other" row, so that no two series carry the same labels.
	 */
	shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (row_is_other(&r->out[i]) || (top && shown >= top))
			continue;
		if (i != shown) {
			struct promrow tmp = r->out[shown];

			r->out[shown] = r->out[i];
			r->out[i] = tmp;
		}
		shown++;
	}
	if (shown == n)
		return n;
	for (size_t i = shown + 1; i < n; i++)
		row_merge(&r->out[shown], r->out[i].v, r->out[i].slots, r->out[i].hist_sum);
	snprintf(r->out[shown].comm, sizeof(r->out[shown].comm), "other");
	r->out[shown].container[0] = '\0';
	return shown + 1;
}

void promrows_write(struct promrows *r, struct prom *p, const struct promrows_metric *metrics,
		    size_t nmetrics, int sort_by, size_t top, const char *hist_name,
		    const char *hist_help, double scale)
{
	size_t n = rows_collect(r, sort_by, top);

	for (size_t m = 0; m < nmetrics; m++) {
		prom_family(p, metrics[m].name, metrics[m].type, metrics[m].help);
		for (size_t i = 0; i < n; i++) {
			struct prom_labels l = {{"comm", "container"},
						{r->out[i].comm, r->out[i].container[0]
									 ? r->out[i].container
									 : NULL}};

			prom_sample(p, metrics[m].name, &l, r->out[i].v[metrics[m].value]);
		}
	}
	if (!hist_name)
		return;
	prom_family(p, hist_name, "histogram", hist_help);
	for (size_t i = 0; i < n; i++) {
		struct prom_labels l = {
			{"comm", "container"},
			{r->out[i].comm, r->out[i].container[0] ? r->out[i].container : NULL}};

		prom_histogram(p, hist_name, &l, r->out[i].slots, scale, r->out[i].hist_sum);
	}
}

void promrows_free(struct promrows *r)
{
	free(r->live);
	free(r->retired);
	free(r->out);
	memset(r, 0, sizeof(*r));
}
