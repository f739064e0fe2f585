/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwait's user space, shared by user/tcpwait.c (options, reading the socket table and the
 * maps, --events, set-up) and user/tcpwait_show.c (one interval as a table, JSON or
 * --prom-file).
 */
#ifndef KSCOPE_TCPWAIT_SHOW_H
#define KSCOPE_TCPWAIT_SHOW_H

#include <stdbool.h>
#include "events.h"
#include "hist.h"
#include "json.h"
#include "opts.h"
#include "probe.h"
#include "promrows.h"
#include "snap.h"
#include "tcpwait.h"
#include "tcpwait_table.h"

#define MAX_PROCS 8192

struct tcpwait_config {
	bool events;
	bool lifetime;
	bool ipv4;
	bool ipv6;
	const char *lports;
	const char *rports;
	const char *netns;
	bool host_netns;
	long top;
};

/* One network namespace looked into this interval. */
struct tw_ns {
	__u32 inum;
	int pid;	       /* a process in it, 0 when only a name (/run/netns) holds it */
	char container[80];    /* the container (or pod:<uid>) its processes belong to, or "" */
	__u64 cgroup_id;       /* that container's cgroup, 0 when none */
	struct tw_sysctls sys; /* its own port range and tcp_tw_reuse */
	__u32 time_wait;
	bool sys_ok;
};

struct proc_row {
	__u32 tgid;
	__u32 netns;
	__u64 cgroup_id;
	char comm[KSCOPE_COMM_LEN];
	struct tcpwait_proc now;   /* cumulative, summed over CPUs */
	struct tcpwait_proc delta; /* this interval */
	__u32 time_wait;	   /* TIME_WAIT sockets attributed to it now */
};

struct tcpwait_state {
	struct tcpwait *skel;
	/* what the output needs of the BPF side, so that tcpwait_show.c needs no skeleton */
	struct bpf_object *obj;
	int failed_dests_fd;
	struct common_opts common;
	struct tcpwait_config cfg;
	int netns_fd;	  /* --netns; -1 otherwise */
	struct tw_ns *ns; /* the namespaces of this interval: one with --netns/--host-netns */
	size_t nns;
	__u32 home_netns; /* the namespace of the headline's range: ours, or --netns's */
	bool told_sysctls;
	bool told_netns_perm; /* said once: other namespaces cannot be entered */
	__u64 prev_missed;    /* the programs' recursion_misses at the last interval */
	struct events ev;
	struct json j;
	struct tw_scan scan, prev_scan;
	struct tw_sysctls sys;
	__u64 counters[TW_COUNTER_MAX], prev_counters[TW_COUNTER_MAX];
	struct snap procs_snap; /* the procs map as last read */
	struct proc_row *procs;		     /* this interval's rows, as the output orders them */
	struct proc_row *procs_read, *prev_procs; /* as read, sorted by tgid: now and before */
	size_t nprocs, nprocs_read, nprev_procs;
	/* what the rows do not account for: one per counter, and this interval's row */
	struct snap_unattributed unattr[TCPWAIT_PROC_COUNTERS];
	struct proc_row unattributed;
	struct promrows prom_rows;
	__u64 lifetime[HIST_SLOTS], prev_lifetime[HIST_SLOTS];
	__u64 last_tick_ns, start_ns;
	__u32 prev_time_wait;
	int ncpus;
	struct plan_item plan;
};

/* The namespace of a tuple or process (NULL when it was not looked into this interval). */
const struct tw_ns *tcpwait_ns_find(const struct tcpwait_state *tw, __u32 inum);
/* JSON's "netns" and "container" keys for a namespace */
void tcpwait_json_ns(struct tcpwait_state *tw, __u32 inum);

/* JSON's "namespaces": each namespace looked into, its container, TIME_WAIT and settings */
void tcpwait_print_namespaces(struct tcpwait_state *tw);

/* qsort order of the tuples: client-side ones (whose ports run out) first, then by sockets */
int tcpwait_group_cmp_pressure(const void *a, const void *b);
/* the top tuples in that order, with their ports in use, headroom and ETA; secs: the interval */
void tcpwait_print_groups_json(struct tcpwait_state *tw, double secs);
void tcpwait_print_groups_table(struct tcpwait_state *tw, double secs);
/* one line per pressed tuple: what runs out, when, and what to do */
void tcpwait_print_diagnosis(struct tcpwait_state *tw, __u64 new_failures);
/* the processes with activity this interval, top N */
void tcpwait_print_procs(struct tcpwait_state *tw, double secs);
/* counter i since the previous interval */
__u64 tcpwait_counter_delta(struct tcpwait_state *tw, int i);
/* -L: the established-connection lifetime histogram */
void tcpwait_print_lifetime(struct tcpwait_state *tw);
/* --prom-file: rewrite the file from this interval; 0 or a negative errno */
int tcpwait_prom_write(struct tcpwait_state *tw);

#endif /* KSCOPE_TCPWAIT_SHOW_H */
