/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwait_show.c: what tcpwait_report() made of one interval as a table, JSON or
 * --prom-file; --events' lines; the summary.  No map reads: the state holds it all.
 */
#ifndef KSCOPE_TCPWAIT_SHOW_H
#define KSCOPE_TCPWAIT_SHOW_H

#include <stddef.h>
#include "tcpwait_state.h"

/* One interval: the header, the diagnosis, the tuples, the processes, -L's histogram.  With
 * --prom-file the file only.  0, or -1 when the file could not be written. */
int tcpwait_show(struct tcpwait_state *st);
/* --events: the table's column heads (nothing with -j) */
void tcpwait_show_events_header(struct tcpwait_state *st);
/* --events: one state change from the ring buffer (ctx: the state) */
int tcpwait_show_event(void *ctx, void *data, size_t size);
/* At exit: the totals since start, what the rows missed, the programs' misses, the hooks. */
void tcpwait_show_summary(struct tcpwait_state *st, __u64 lost, __u64 missed);

#endif /* KSCOPE_TCPWAIT_SHOW_H */
