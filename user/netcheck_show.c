// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck watch: one interval shown.  Per process the epoll_wait figures, per CPU the
 * hardirqs, softirqs and NAPI polls, as a table or JSON, and cumulative as a Prometheus file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "table.h"
#include "out.h"
#include "prom.h"
#include "promrows.h"
#include "netcheck_state.h"

static const char *const softirq_names[NETCHECK_NR_SOFTIRQS] = {
	"HI",	    "TIMER",   "NET_TX", "NET_RX",  "BLOCK",
	"IRQ_POLL", "TASKLET", "SCHED",	 "HRTIMER", "RCU",
};

static int cmp_proc_calls(const void *a, const void *b)
{
	const struct proc_snap *x = a, *y = b;

	return x->v.calls < y->v.calls ? 1 : x->v.calls > y->v.calls ? -1 : 0;
}

static int cmp_irq_total(const void *a, const void *b)
{
	const struct irq_snap *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static double ratio(__u64 a, __u64 b)
{
	return b ? (double)a / b : 0;
}

static void print_json(struct netcheck_state *st, struct snapshot *d, bool summary,
		       __u64 elapsed_ms)
{
	struct json *j = &st->j;

	json_event_begin(j, summary ? "summary" : "interval");
	if (summary)
		json_summary_counts(j, elapsed_ms / 1e3, 0, st->misses);
	else
		json_kv_double(j, "interval_s", elapsed_ms / 1e3);
	/* epoll_wait calls whose process rows the kernel's table evicted before a read */
	json_key(j, "unattributed");
	json_object_begin(j);
	json_kv_u64(j, "calls", d->unattributed_calls);
	json_object_end(j);
	json_key(j, "procs");
	json_array_begin(j);
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct netcheck_proc *p = &d->procs[i].v;

		json_object_begin(j);
		json_kv_u64(j, "pid", d->procs[i].pid);
		json_key(j, "comm");
		json_string_n(j, p->comm, sizeof(p->comm));
		json_kv_u64(j, "calls", p->calls);
		json_kv_u64(j, "errors", p->errors);
		json_kv_u64(j, "events", p->events);
		json_kv_double(j, "events_per_call", ratio(p->events, p->calls - p->errors));
		json_kv_u64(j, "timeout_block", p->timeout_block);
		json_kv_u64(j, "timeout_zero", p->timeout_zero);
		json_kv_u64(j, "timeout_positive", p->calls - p->timeout_block - p->timeout_zero);
		json_kv_u64(j, "slept", p->slept);
		json_kv_double(j, "slept_ratio", ratio(p->slept, p->calls));
		json_kv_u64(j, "incall_ns", p->incall_ns);
		json_kv_u64(j, "wake_ns", p->wake_ns);
		json_key(j, "timeout_ms_hist");
		hist_json(j, p->timeout_hist);
		json_key(j, "events_hist");
		hist_json(j, p->events_hist);
		json_key(j, "wake_us_hist");
		hist_json(j, p->wake_hist);
		json_object_end(j);
	}
	json_array_end(j);
	/*
	 * The other maps' reads, the diff and a preempted writer lie between this and "ts": a
	 * window held against /proc/softirqs must end here (tests/netcheck.bats)
	 */
	json_kv_realtime(j, "cpus_ts", &d->cpus_read);
	json_key(j, "cpus");
	json_array_begin(j);
	for (int c = 0; c < st->ncpus; c++) {
		const struct netcheck_cpu *cpu = &d->cpus[c];

		json_object_begin(j);
		json_kv_u64(j, "cpu", c);
		json_kv_u64(j, "hardirqs", cpu->hardirqs);
		json_kv_u64(j, "hardirq_ns", cpu->hardirq_ns);
		json_key(j, "softirqs");
		json_object_begin(j);
		for (int v = 0; v < NETCHECK_NR_SOFTIRQS; v++)
			json_kv_u64(j, softirq_names[v], cpu->softirqs[v]);
		json_object_end(j);
		json_key(j, "softirq_ns");
		json_object_begin(j);
		for (int v = 0; v < NETCHECK_NR_SOFTIRQS; v++)
			json_kv_u64(j, softirq_names[v], cpu->softirq_ns[v]);
		json_object_end(j);
		json_kv_u64(j, "napi_polls", cpu->napi_polls);
		json_kv_u64(j, "napi_packets", cpu->napi_work);
		json_kv_u64(j, "napi_full", cpu->napi_full);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "irqs");
	json_array_begin(j);
	for (size_t i = 0; i < d->nirqs; i++) {
		const struct irq_snap *is = &d->irqs[i];

		json_object_begin(j);
		json_kv_u64(j, "irq", is->irq);
		json_kv_string(j, "name",
			       is->irq < NETCHECK_MAX_IRQS ? st->irq_names[is->irq] : "");
		json_kv_u64(j, "count", is->total);
		json_kv_u64(j, "ns", is->total_ns);
		json_key(j, "per_cpu");
		json_array_begin(j);
		for (int c = 0; c < st->ncpus; c++)
			json_u64(j, is->count[c]);
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "napi");
	json_array_begin(j);
	for (size_t i = 0; i < d->nnapis; i++) {
		const struct napi_snap *n = &d->napis[i];

		json_object_begin(j);
		json_key(j, "dev");
		json_string_n(j, n->key.dev, sizeof(n->key.dev));
		json_kv_u64(j, "cpu", n->key.cpu);
		json_kv_u64(j, "polls", n->v.polls);
		json_kv_u64(j, "packets", n->v.work);
		json_kv_u64(j, "full", n->v.full);
		json_key(j, "packets_hist");
		hist_json(j, n->v.work_hist);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_line_end(j);
}

static void print_table(struct netcheck_state *st, struct snapshot *d, bool summary)
{
	char clock[16], b1[16], b2[16], b3[16], comm[4 * KSCOPE_COMM_LEN + 1];
	size_t shown;

	if (summary)
		printf("\n=== summary since start\n");
	else if (st->common.timestamp)
		printf("\n%s\n", out_clock(clock, sizeof(clock)));
	else
		printf("\n");

	table_sort(d->procs, d->nprocs, sizeof(*d->procs), cmp_proc_calls);
	shown = d->nprocs < (size_t)st->cfg.top ? d->nprocs : (size_t)st->cfg.top;
	printf("%-7s %-16s %8s %6s %7s %7s %7s %7s %9s %9s\n", "PID", "COMM", "EPOLL", "SLEPT",
	       "T=-1", "T=0", "T>0", "EV/CALL", "IN-CALL", "WAKE-RUN");
	for (size_t i = 0; i < shown; i++) {
		const struct netcheck_proc *p = &d->procs[i].v;
		__u64 woken = hist_total(p->wake_hist);

		out_sanitize(comm, sizeof(comm), p->comm, sizeof(p->comm));
		printf("%-7u %-16s %8llu %5.1f%% %7llu %7llu %7llu %7.2f %9s %9s\n",
		       d->procs[i].pid, comm, (unsigned long long)p->calls,
		       100 * ratio(p->slept, p->calls), (unsigned long long)p->timeout_block,
		       (unsigned long long)p->timeout_zero,
		       (unsigned long long)(p->calls - p->timeout_block - p->timeout_zero),
		       ratio(p->events, p->calls - p->errors),
		       out_duration(b1, sizeof(b1), p->calls ? p->incall_ns / p->calls : 0),
		       woken ? out_duration(b2, sizeof(b2), p->wake_ns / woken) : "-");
		if (st->cfg.hist) {
			printf("\n  timeout passed (ms; -1: %llu calls, 0: %llu calls)\n",
			       (unsigned long long)p->timeout_block,
			       (unsigned long long)p->timeout_zero);
			hist_print(stdout, p->timeout_hist, "ms");
			printf("\n  events returned per call\n");
			hist_print(stdout, p->events_hist, "events");
			printf("\n  wakeup to running\n");
			hist_print(stdout, p->wake_hist, "usecs");
			printf("\n");
		}
	}
	table_more(stdout, shown, d->nprocs);
	if (d->unattributed_calls)
		printf("%llu epoll_wait calls in no row above: more than %u processes called "
		       "between two reads, and the kernel's table evicted their rows\n",
		       (unsigned long long)d->unattributed_calls, st->procs_max);

	printf("\n%-4s %8s %9s %8s %9s %8s %9s %8s %8s %6s\n", "CPU", "HARDIRQ", "HIRQ-TIME",
	       "NET_RX", "RX-TIME", "NET_TX", "TX-TIME", "NAPI", "PKT/POLL", "FULL");
	for (int c = 0; c < st->ncpus; c++) {
		const struct netcheck_cpu *cpu = &d->cpus[c];

		printf("%-4d %8llu %9s %8llu %9s %8llu %9s %8llu %8.1f %6llu\n", c,
		       (unsigned long long)cpu->hardirqs,
		       out_duration(b1, sizeof(b1), cpu->hardirq_ns),
		       (unsigned long long)cpu->softirqs[NETCHECK_NET_RX],
		       out_duration(b2, sizeof(b2), cpu->softirq_ns[NETCHECK_NET_RX]),
		       (unsigned long long)cpu->softirqs[NETCHECK_NET_TX],
		       out_duration(b3, sizeof(b3), cpu->softirq_ns[NETCHECK_NET_TX]),
		       (unsigned long long)cpu->napi_polls, ratio(cpu->napi_work, cpu->napi_polls),
		       (unsigned long long)cpu->napi_full);
	}

	table_sort(d->irqs, d->nirqs, sizeof(*d->irqs), cmp_irq_total);
	if (d->nirqs)
		printf("\n%-5s %-24s %9s %9s  %s\n", "IRQ", "NAME", "COUNT", "TIME", "BY CPU");
	for (size_t i = 0; i < d->nirqs && i < 5; i++) {
		const struct irq_snap *is = &d->irqs[i];
		char name[4 * 40 + 1];

		out_sanitize(name, sizeof(name),
			     is->irq < NETCHECK_MAX_IRQS ? st->irq_names[is->irq] : "", 40);
		printf("%-5u %-24s %9llu %9s ", is->irq, name, (unsigned long long)is->total,
		       out_duration(b1, sizeof(b1), is->total_ns));
		for (int c = 0; c < st->ncpus; c++)
			if (is->count[c])
				printf(" %d:%llu", c, (unsigned long long)is->count[c]);
		printf("\n");
	}
	if (d->nnapis)
		printf("\n%-16s %4s %9s %9s %8s %6s\n", "NAPI DEV", "CPU", "POLLS", "PACKETS",
		       "PKT/POLL", "FULL");
	for (size_t i = 0; i < d->nnapis; i++) {
		const struct napi_snap *n = &d->napis[i];
		char dev[4 * NETCHECK_DEV_LEN + 1];

		out_sanitize(dev, sizeof(dev), n->key.dev, sizeof(n->key.dev));
		printf("%-16s %4u %9llu %9llu %8.1f %6llu\n", dev, n->key.cpu,
		       (unsigned long long)n->v.polls, (unsigned long long)n->v.work,
		       ratio(n->v.work, n->v.polls), (unsigned long long)n->v.full);
	}
	if (summary)
		printf("\n%llu events missed (BPF programs skipped by the kernel)\n",
		       (unsigned long long)st->misses);
	fflush(stdout);
}

/* ---- --prom-file: cumulative since start, per CPU and per comm ----------------------------- */

static void prom_cpus(struct netcheck_state *st, struct prom *p, const struct snapshot *d)
{
	static const struct {
		const char *name, *help;
		size_t offset;
		double scale;
	} per_cpu[] = {
		{"kscope_netcheck_hardirqs_total", "Hardware interrupts handled.",
		 offsetof(struct netcheck_cpu, hardirqs), 1},
		{"kscope_netcheck_hardirq_seconds_total", "Time in hardware interrupt handlers.",
		 offsetof(struct netcheck_cpu, hardirq_ns), 1e-9},
		{"kscope_netcheck_napi_polls_total", "NAPI polls.",
		 offsetof(struct netcheck_cpu, napi_polls), 1},
		{"kscope_netcheck_napi_packets_total", "Packets handled by NAPI polls.",
		 offsetof(struct netcheck_cpu, napi_work), 1},
		{"kscope_netcheck_napi_budget_exhausted_total",
		 "NAPI polls that used their whole budget (more was waiting).",
		 offsetof(struct netcheck_cpu, napi_full), 1},
	};
	char cpu[16];

	for (size_t m = 0; m < sizeof(per_cpu) / sizeof(per_cpu[0]); m++) {
		prom_family(p, per_cpu[m].name, "counter", per_cpu[m].help);
		for (int c = 0; c < st->ncpus; c++) {
			struct prom_labels l = {{"cpu"}, {cpu}};

			snprintf(cpu, sizeof(cpu), "%d", c);
			prom_sample(p, per_cpu[m].name, &l,
				    *(__u64 *)((char *)&d->cpus[c] + per_cpu[m].offset) *
					    per_cpu[m].scale);
		}
	}
	for (int ns = 0; ns < 2; ns++) {
		const char *name = ns ? "kscope_netcheck_softirq_seconds_total"
				      : "kscope_netcheck_softirqs_total";

		prom_family(p, name, "counter",
			    ns ? "Time in softirq handlers, by vector."
			       : "Softirqs handled, by vector.");
		for (int c = 0; c < st->ncpus; c++)
			for (int v = 0; v < NETCHECK_NR_SOFTIRQS; v++) {
				struct prom_labels l = {{"cpu", "vector"}, {cpu, softirq_names[v]}};

				snprintf(cpu, sizeof(cpu), "%d", c);
				prom_sample(p, name, &l,
					    ns ? d->cpus[c].softirq_ns[v] * 1e-9
					       : d->cpus[c].softirqs[v]);
			}
	}
}

static void prom_procs(struct netcheck_state *st, struct prom *p, const struct snapshot *d)
{
	static const struct promrows_metric metrics[] = {
		{"kscope_netcheck_epoll_calls_total", "counter",
		 "epoll_wait/epoll_pwait calls that returned.", 0},
		{"kscope_netcheck_epoll_slept_total", "counter",
		 "epoll_wait calls during which the thread went to sleep.", 1},
	};
	struct promrows rows = {0};

	for (size_t i = 0; i < d->nprocs; i++) {
		const struct netcheck_proc *v = &d->procs[i].v;
		double vals[PROMROWS_VALUES] = {v->calls, v->slept};

		/* rows per comm: the epoll maps are not keyed by cgroup */
		promrows_add(&rows, false, v->comm, 0, vals, v->events_hist, v->events);
	}
	promrows_write(&rows, p, metrics, sizeof(metrics) / sizeof(metrics[0]), 0,
		       st->common.prom_top, "kscope_netcheck_epoll_events_per_call",
		       "Events returned per epoll_wait call.", 1);
	promrows_free(&rows);
}

static int prom_show(struct netcheck_state *st, const struct snapshot *d)
{
	struct prom p;

	if (prom_begin(&p, st->common.prom_file))
		return 1;
	prom_cpus(st, &p, d);
	prom_procs(st, &p, d);
	prom_family(&p, "kscope_netcheck_missed_events_total", "counter",
		    "Runs of netcheck's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_netcheck_missed_events_total", NULL, st->misses);
	return prom_commit(&p) ? 1 : 0;
}

int netcheck_show(struct netcheck_state *st, bool summary)
{
	/* a daemon's output is the file, to the end: its last version has the totals */
	if (st->common.prom_file)
		return prom_show(st, &st->d);
	if (out_json())
		print_json(st, &st->d, summary, st->elapsed_ms);
	else
		print_table(st, &st->d, summary);
	return 0;
}
