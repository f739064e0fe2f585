/* SPDX-License-Identifier: GPL-2.0 */
/* Top-N tables: sort rows, keep the first N, say how many were left out. */
#ifndef KSCOPE_TABLE_H
#define KSCOPE_TABLE_H

#include <stddef.h>
#include <stdio.h>

/* Sorts n rows of size bytes by cmp and returns how many to show (at most top, 0 = all). */
size_t table_top(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *),
		 size_t top);
/*
 * qsort() and bsearch() that take an empty array as it comes (NULL, 0): the C library
 * declares the pointer nonnull even for zero rows, and UBSan reports the call.
 */
void table_sort(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *table_find(const void *key, const void *rows, size_t n, size_t size,
		 int (*cmp)(const void *, const void *));
/* "... and 12 more" after a cut table */
void table_more(FILE *f, size_t shown, size_t total);

#endif /* KSCOPE_TABLE_H */
