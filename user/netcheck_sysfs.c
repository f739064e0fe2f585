// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck audit's reading: files below a->root, so that one code path reads the live host
 * ("/") and the fixture trees in tests/fixtures/netcheck, and the rows the checks fill.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "netcheck_sysfs.h"

int netcheck_path_join(char *out, size_t len, const char *root, const char *path)
{
	size_t rl = strlen(root);

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		rl = 0;
	if ((size_t)snprintf(out, len, "%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/",
			     path) >= len)
		return -1;
	return 0;
}

/* Content of ROOT/path with trailing whitespace cut; -1 (errno set) when it cannot be read. */
int netcheck_read_str(const struct netcheck_audit *a, const char *path, char *buf, size_t len)
{
	char full[512];
	size_t n;
	FILE *f;

	if (netcheck_path_join(full, sizeof(full), a->root, path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(full, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

bool netcheck_exists(const struct netcheck_audit *a, const char *path)
{
	char full[512];

	return !netcheck_path_join(full, sizeof(full), a->root, path) && access(full, F_OK) == 0;
}

DIR *netcheck_open_dir(const struct netcheck_audit *a, const char *path)
{
	char full[512];

	if (netcheck_path_join(full, sizeof(full), a->root, path))
		return NULL;
	return opendir(full);
}

struct netcheck_row *netcheck_row_add(struct netcheck_audit *a, const char *section,
				      const char *setting, enum netcheck_status status,
				      const char *why)
{
	struct netcheck_row *r;

	if (a->nrows == a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		struct netcheck_row *rows = realloc(a->rows, cap * sizeof(*rows));

		if (!rows)
			return NULL;
		a->rows = rows;
		a->cap = cap;
	}
	r = &a->rows[a->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->section, sizeof(r->section), "%s", section);
	snprintf(r->setting, sizeof(r->setting), "%s", setting);
	r->status = status;
	r->why = why;
	return r;
}

void netcheck_set(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

/* A row read from one file: raw and source filled, value as given. */
struct netcheck_row *netcheck_row_file(struct netcheck_audit *a, const char *section,
				       const char *setting, const char *why, const char *path,
				       const char *raw)
{
	struct netcheck_row *r = netcheck_row_add(a, section, setting, NETCHECK_INFO, why);

	if (!r)
		return NULL;
	SET(r->source, "%s", path);
	SET(r->raw, "%s", raw);
	SET(r->value, "%s", raw);
	return r;
}

static int parse_uint(const char **p, long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*v = strtol(*p, &end, 10);
	if (errno || *v < 0 || *v >= NETCHECK_MAX_CPUS)
		return -1;
	*p = end;
	return 0;
}

int netcheck_cpulist_count(const char *list)
{
	const char *p = list;
	int n = 0;

	if (!*p)
		return 0;
	for (;;) {
		long lo, hi;

		if (parse_uint(&p, &lo))
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, &hi) || hi < lo)
				return -1;
		}
		n += hi - lo + 1;
		if (!*p)
			return n;
		if (*p != ',')
			return -1;
		p++;
	}
}

int netcheck_cpumask_count(const char *mask)
{
	int n = 0, digits = 0;

	for (const char *p = mask; *p; p++) {
		if (*p == ',')
			continue;
		if (!isxdigit((unsigned char)*p))
			return -1;
		n += __builtin_popcount(isdigit((unsigned char)*p) ? *p - '0'
								   : tolower(*p) - 'a' + 10);
		digits++;
	}
	return digits ? n : -1;
}
