/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netcheck audit's reading below a->root and its rows, shared by the host checks
 * (netcheck_audit.c) and the interface checks (netcheck_iface.c).
 */
#ifndef NETCHECK_SYSFS_H
#define NETCHECK_SYSFS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include "netcheck_audit.h"

#define NETCHECK_MAX_CPUS 1024

/* root + path into out; -1 when it does not fit */
int netcheck_path_join(char *out, size_t len, const char *root, const char *path);
/* content of ROOT/path with trailing whitespace cut; -1 (errno set) when it cannot be read */
int netcheck_read_str(const struct netcheck_audit *a, const char *path, char *buf, size_t len);
bool netcheck_exists(const struct netcheck_audit *a, const char *path);
DIR *netcheck_open_dir(const struct netcheck_audit *a, const char *path);

/* a new row in a->rows; NULL when out of memory (the row is then left out) */
struct netcheck_row *netcheck_row_add(struct netcheck_audit *a, const char *section,
				      const char *setting, enum netcheck_status status,
				      const char *why);
/* a row read from one file: raw and source filled, value as given */
struct netcheck_row *netcheck_row_file(struct netcheck_audit *a, const char *section,
				       const char *setting, const char *why, const char *path,
				       const char *raw);
void __attribute__((format(printf, 3, 4)))
netcheck_set(char *dst, size_t len, const char *fmt, ...);
/* a row's fixed-size text field, formatted */
#define SET(field, ...) netcheck_set(field, sizeof(field), __VA_ARGS__)

#endif /* NETCHECK_SYSFS_H */
