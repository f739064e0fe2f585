/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwait_show.c: one interval as a table, JSON or --prom-file, from the state
 * (user/tcpwait_state.h) that user/tcpwait.c fills.
 */
#ifndef KSCOPE_TCPWAIT_SHOW_H
#define KSCOPE_TCPWAIT_SHOW_H

#include "tcpwait_state.h"

/* The namespace of a tuple or process (NULL when it was not looked into this interval). */
const struct tw_ns *tcpwait_ns_find(const struct tcpwait_state *st, __u32 inum);
/* JSON's "netns" and "container" keys for a namespace */
void tcpwait_json_ns(struct tcpwait_state *st, __u32 inum);

/* JSON's "namespaces": each namespace looked into, its container, TIME_WAIT and settings */
void tcpwait_print_namespaces(struct tcpwait_state *st);

/* qsort order of the tuples: client-side ones (whose ports run out) first, then by sockets */
int tcpwait_group_cmp_pressure(const void *a, const void *b);
/* the top tuples in that order, with their ports in use, headroom and ETA; secs: the interval */
void tcpwait_print_groups_json(struct tcpwait_state *st, double secs);
void tcpwait_print_groups_table(struct tcpwait_state *st, double secs);
/* one line per pressed tuple: what runs out, when, and what to do */
void tcpwait_print_diagnosis(struct tcpwait_state *st, __u64 new_failures);
/* the processes with activity this interval, top N */
void tcpwait_print_procs(struct tcpwait_state *st, double secs);
/* counter i since the previous interval */
__u64 tcpwait_counter_delta(struct tcpwait_state *st, int i);
/* -L: the established-connection lifetime histogram */
void tcpwait_print_lifetime(struct tcpwait_state *st);
/* --prom-file: rewrite the file from this interval; 0 or a negative errno */
int tcpwait_prom_write(struct tcpwait_state *st);

#endif /* KSCOPE_TCPWAIT_SHOW_H */
