/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwait's state: its options, the namespaces and process rows of the interval, and what the
 * output needs of the BPF side.  One `struct tcpwait_state *st` is handed to every module.
 */
#ifndef KSCOPE_TCPWAIT_STATE_H
#define KSCOPE_TCPWAIT_STATE_H

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
	/* what the modules need of the BPF side, so that they need no skeleton */
	struct bpf_object *obj;
	int failed_dests_fd, counters_fd, lifetime_fd, procs_fd;
	__u32 procs_max, dests_max;
	int iter_link_fd; /* the iter/tcp link an iterator is created from, in each namespace */
	struct common_opts common;
	struct tcpwait_config cfg;
	int netns_fd;	  /* --netns; -1 otherwise */
	struct tw_ns *ns; /* the namespaces of this interval: one with --netns/--host-netns */
	size_t nns;
	__u32 home_netns; /* the namespace of the headline's range: ours, or --netns's */
	bool told_sysctls;
	bool told_netns_perm;	    /* said once: other namespaces cannot be entered */
	__u64 missed;		    /* the programs' recursion_misses, as this interval read them */
	__u64 prev_missed;	    /* ... and as the last interval did */
	__u64 missed_interval;	    /* the difference */
	double secs;		    /* this interval's length */
	long long time_wait_change; /* TIME_WAIT sockets now less at the last interval */
	struct events ev;
	struct json j;
	struct tw_scan scan, prev_scan;
	struct tw_sysctls sys;
	__u64 counters[TW_COUNTER_MAX], prev_counters[TW_COUNTER_MAX];
	struct snap procs_snap; /* the procs map as last read */
	int procs_err;		/* 0, or why it could not be read this interval */
	struct proc_row *procs; /* this interval's rows, as the output orders them */
	struct proc_row *procs_read, *prev_procs; /* as read, sorted by tgid: now and before */
	size_t nprocs, nprocs_read, nprev_procs;
	/* what the rows do not account for: one per counter, and this interval's row */
	struct snap_unattributed unattr[TCPWAIT_PROC_COUNTERS];
	struct proc_row unattributed;
	/*
	 * The failed_dests map as last read (dests_err: 0 or why not), and the failures with a
	 * destination that no row holds now (evicted): since start, and this interval's rise
	 */
	struct snap dests_snap;
	int dests_err;
	struct snap_unattributed dests_unattr;
	__u64 dests_unattributed;
	struct promrows prom_rows;
	__u64 lifetime[HIST_SLOTS], prev_lifetime[HIST_SLOTS];
	__u64 last_tick_ns, start_ns;
	__u32 prev_time_wait;
	int ncpus;
	struct plan_item plan;
};

#endif /* KSCOPE_TCPWAIT_STATE_H */
