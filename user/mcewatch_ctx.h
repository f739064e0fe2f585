/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The system's state around a machine check, from /proc/stat and /proc/loadavg: context
 * switches, interrupts and forks per second, tasks, load and CPU busy share.  Reading two
 * small procfs files per interval costs far less than any BPF hook on the scheduler.
 */
#ifndef KSCOPE_MCEWATCH_CTX_H
#define KSCOPE_MCEWATCH_CTX_H

#include <stdbool.h>
#include <linux/types.h>

struct ctx_snap {
	__u64 t_ns;	/* CLOCK_MONOTONIC when read */
	__u64 ctxt;	/* /proc/stat ctxt: context switches since boot */
	__u64 intr;	/* /proc/stat intr: first field, all interrupts since boot */
	__u64 forks;	/* /proc/stat processes: forks since boot */
	__u64 cpu_busy; /* jiffies not idle or iowait, all CPUs */
	__u64 cpu_total;
	__u32 running; /* /proc/stat procs_running */
	__u32 blocked; /* /proc/stat procs_blocked */
	__u32 tasks;   /* /proc/loadavg: scheduling entities (threads) that exist */
	double load1, load5, load15;
	bool have_stat, have_loadavg;
};

struct ctx_rates {
	double csw_per_s;
	double intr_per_s;
	double forks_per_s;
	double cpu_pct; /* busy share of all CPUs, 0-100 */
};

/* Parse the text of /proc/stat / /proc/loadavg into s.  Return 0, or -1 if malformed. */
int ctx_parse_stat(const char *text, struct ctx_snap *s);
int ctx_parse_loadavg(const char *text, struct ctx_snap *s);

/* Read both files now.  Returns 0, or -1 when neither could be read. */
int ctx_read(struct ctx_snap *s);

/* Rates between two snapshots (a earlier than b); 0 when the interval is empty. */
void ctx_rates(const struct ctx_snap *a, const struct ctx_snap *b, struct ctx_rates *r);

/*
 * Errors per hour over a window of secs, but only when the window is long enough to mean
 * something: one error 1.5 s after start is not 2400 an hour.  Below CTX_RATE_MIN_S there is
 * no rate (returns false: show the count alone); below an hour the rate is an
 * extrapolation, and *extrapolated says so.
 */
#define CTX_RATE_MIN_S 600.0
bool ctx_per_hour(__u64 count, double secs, double *per_hour, bool *extrapolated);

#endif /* KSCOPE_MCEWATCH_CTX_H */
