// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "table.h"

void table_sort(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(rows, n, size, cmp);
}

void *table_find(const void *key, const void *rows, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, rows, n, size, cmp) : NULL;
}

size_t table_top(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *),
		 size_t top)
{
	table_sort(rows, n, size, cmp);
	return top && n > top ? top : n;
}

void table_more(FILE *f, size_t shown, size_t total)
{
	if (total > shown)
		fprintf(f, "  ... and %zu more\n", total - shown);
}
