/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netcheck watch's user space, shared by user/netcheck.c (options, reading and diffing the
 * maps, set-up) and user/netcheck_show.c (one interval as a table, JSON or --prom-file).
 */
#ifndef KSCOPE_NETCHECK_WATCH_H
#define KSCOPE_NETCHECK_WATCH_H

#include <stdbool.h>
#include <time.h>
#include "json.h"
#include "opts.h"
#include "netcheck.h"
#include "snap.h"

struct watch_cfg {
	bool hist;
	long top;
};

struct proc_snap {
	__u32 pid;
	struct netcheck_proc v;
};

struct irq_snap {
	__u32 irq;
	__u64 *count; /* per CPU */
	__u64 *ns;
	__u64 total, total_ns;
};

struct napi_snap {
	struct netcheck_napi_key key;
	struct netcheck_napi v;
};

struct snapshot {
	struct proc_snap *procs;
	size_t nprocs;
	struct netcheck_cpu *cpus; /* ncpus */
	/* CLOCK_REALTIME when cpus was read: the window of its counts ends there, not at "ts" */
	struct timespec cpus_read;
	struct irq_snap *irqs;
	size_t nirqs;
	struct napi_snap *napis;
	size_t nnapis;
	__u64 unattributed_calls; /* in a difference: epoll_wait calls in no process row */
};

struct watch {
	struct common_opts common;
	struct watch_cfg cfg;
	struct netcheck *skel;
	struct bpf_object *obj; /* netcheck_show.c's way to the BPF side: no skeleton there */
	int ncpus;
	struct snapshot prev, cur, start;
	struct snap procs_snap; /* the process map as last read */
	struct snap_unattributed unattr; /* epoll_wait calls in no process row */
	struct json j;
	char irq_names[NETCHECK_MAX_IRQS][40];
};

/*
 * One interval (d = the maps now less the maps at its start) as a table or JSON, the summary
 * at the end, or --prom-file's counters since start; 0 or 1.
 */
int netcheck_report(struct watch *w, struct snapshot *d, bool summary, __u64 elapsed_ms);
int netcheck_prom_report(struct watch *w, struct snapshot *d);

#endif /* KSCOPE_NETCHECK_WATCH_H */
