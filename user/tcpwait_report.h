/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwait_report.c: one interval read (the namespaces' socket tables, the maps) into the
 * state, and its figures made from what was read.  Nothing here prints.
 */
#ifndef KSCOPE_TCPWAIT_REPORT_H
#define KSCOPE_TCPWAIT_REPORT_H

#include "tcpwait_state.h"

/*
 * The interval's reads: the socket tables of the namespaces, the counters, the procs map,
 * connect() failures per tuple, the histogram with -L.  The last interval's become prev_*.
 * 0, or -1 when the socket table could not be read (said on stderr).
 */
int tcpwait_read(struct tcpwait_state *st);
/* The namespaces' socket tables alone, into st->scan: the first interval's starting point. */
int tcpwait_scan_sockets(struct tcpwait_state *st);
/* The table-free counters alone, into st->counters: for the summary. */
void tcpwait_read_counters(struct tcpwait_state *st);
/*
 * What the output shows, from what tcpwait_read() took: tuples in pressure order, process
 * rows with this interval's deltas (folded per container with -C, unless --prom-file), the
 * owner-unknown row, the change of TIME_WAIT and of the programs' misses.
 */
void tcpwait_report(struct tcpwait_state *st);
/* counter i since the previous interval */
__u64 tcpwait_counter_delta(const struct tcpwait_state *st, int i);
/* qsort order of the tuples: client-side ones (whose ports run out) first, then by sockets */
int tcpwait_group_cmp_pressure(const void *a, const void *b);

#endif /* KSCOPE_TCPWAIT_REPORT_H */
