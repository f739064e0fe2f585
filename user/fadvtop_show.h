/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fadvtop's output (user/fadvtop_show.c): the period fadvtop_report() made as the table, JSON
 * or --prom-file, and --events' lines.
 */
#ifndef KSCOPE_FADVTOP_SHOW_H
#define KSCOPE_FADVTOP_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include "fadvtop_state.h"

/* a cgroup as shown: container id (or pod), else its path */
const char *fadvtop_label(__u64 cgroup_id, char *buf, size_t len);
/* "container": id or null, "pod", "cgroup" of a JSON object being written */
void fadvtop_json_container(struct json *j, __u64 cgroup_id);

/*
 * st->period as a table, JSON or (--prom-file) the file rewritten in place; 0, or -EIO when
 * the file could not be written.
 */
int fadvtop_show(struct fadvtop_state *st);

/* --events: the table's header (none with -j), and the events callback (arg is st) */
void fadvtop_show_events_header(const struct fadvtop_state *st);
int fadvtop_show_event(void *arg, void *data, size_t size);

#endif /* KSCOPE_FADVTOP_SHOW_H */
