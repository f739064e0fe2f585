/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fadvtop's output (user/fadvtop_show.c): a period's rows and groups, the diagnosis, the
 * table, JSON and --prom-file, from the state in user/fadvtop_state.h.
 */
#ifndef KSCOPE_FADVTOP_SHOW_H
#define KSCOPE_FADVTOP_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include "fadvtop_state.h"

/* the rows' order, as the snapshots' (by the raw key): for the taken batches and ties */
int fadvtop_key_cmp(const void *a, const void *b);

/* a cgroup as shown: container id (or pod), else its path */
const char *fadvtop_label(__u64 cgroup_id, char *buf, size_t len);
/* "container": id or null, "pod", "cgroup" of a JSON object being written */
void fadvtop_json_container(struct json *j, __u64 cgroup_id);

/* the period from prev to cur (summary: since the start) as a table or JSON; 0 or -ENOMEM */
int fadvtop_report(struct fadvtop_state *st, const struct fadv_snap *cur, const struct fadv_snap *prev,
		   bool summary);
/* --prom-file: the totals at cur, rewritten in place; 0, -ENOMEM or -EIO */
int fadvtop_prom_report(struct fadvtop_state *st, const struct fadv_snap *cur);

#endif /* KSCOPE_FADVTOP_SHOW_H */
