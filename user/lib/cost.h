/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tool itself costs: its BPF programs' run time and run count (the kernel keeps them
 * while BPF stats are on; the tool turns them on for its lifetime with BPF_ENABLE_STATS) and
 * the CPU time of its own process (getrusage).  One per process: cost_start() after attach,
 * then the summary (json_summary_counts), the --prom-file (prom_commit), -v's interval line
 * (loop_run) and cost_exit() carry the figures without the loader doing more.
 */
#ifndef KSCOPE_COST_H
#define KSCOPE_COST_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

struct json;
struct prom;

struct cost_snap {
	__u64 wall_ns;	/* CLOCK_MONOTONIC */
	__u64 bpf_ns;	/* run_time_ns summed over the tool's programs */
	__u64 bpf_runs; /* run_cnt, the same way */
	__u64 cpu_ns;	/* user + system time of this process */
};

/*
 * Remember obj's programs and, unless no_stats, enable BPF run-time stats for as long as the
 * process lives.  Enabling them makes every BPF program on the host read the clock twice per
 * run (~120-160 ns on kvm-clock), which is why --no-bpf-stats exists.  Never fails: without
 * the stats (an old kernel, or refused) the BPF figures stay 0 and stats_on is false.
 */
void cost_start(struct bpf_object *obj, bool no_stats);
/* True when run-time stats are being collected (by us, or already by the sysctl). */
bool cost_stats_on(void);
/* The figures now; all zero before cost_start(). */
void cost_read(struct cost_snap *s);
/* "cost": {bpf_seconds, bpf_runs, bpf_ns_per_run, bpf_cpu_share, cpu_seconds, bpf_stats} */
void cost_json(struct json *j);
/* kscope_<tool>_bpf_seconds_total, _bpf_runs_total, _cpu_seconds_total */
void cost_prom(struct prom *p);
/* One line on stderr for the interval since the last call (with -v). */
void cost_interval_note(void);
/* One line on stderr for the whole run; call before the skeleton is destroyed. */
void cost_exit(void);

#endif /* KSCOPE_COST_H */
