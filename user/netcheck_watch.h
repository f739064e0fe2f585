/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netcheck watch's user space, shared by user/netcheck.c (options, reading and diffing the
 * maps, set-up) and user/netcheck_show.c (one interval as a table, JSON or --prom-file).
 */
#ifndef KSCOPE_NETCHECK_WATCH_H
#define KSCOPE_NETCHECK_WATCH_H

#include <stdbool.h>
#include "json.h"
#include "opts.h"
#include "netcheck.h"

/* softirq vector names as /proc/softirqs prints them */
extern const char *const netcheck_softirq_names[NETCHECK_NR_SOFTIRQS];

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
	struct irq_snap *irqs;
	size_t nirqs;
	struct napi_snap *napis;
	size_t nnapis;
};

struct watch {
	struct common_opts common;
	struct watch_cfg cfg;
	struct netcheck *skel;
	int ncpus;
	struct snapshot prev, cur, start;
	struct json j;
	char irq_names[NETCHECK_MAX_IRQS][40];
};

void netcheck_snapshot_free(struct snapshot *s);
/* read every map into s; 0 or a negative errno */
int netcheck_snapshot_read(struct watch *w, struct snapshot *s);
/* d = cur - base (an interval); free with netcheck_snapshot_free */
void netcheck_snapshot_diff(struct watch *w, struct snapshot *d, const struct snapshot *cur,
			    const struct snapshot *base);
/* IRQ numbers to the names /proc/interrupts gives their handlers */
void netcheck_irq_names_load(struct watch *w);

/* the interval since base (summary: since the start) as a table or JSON; 0 or 1 */
int netcheck_report(struct watch *w, const struct snapshot *base, bool summary, __u64 elapsed_ms);
/* --prom-file: the cumulative figures since start, the file rewritten in place; 0 or 1 */
int netcheck_prom_report(struct watch *w);

#endif /* KSCOPE_NETCHECK_WATCH_H */
