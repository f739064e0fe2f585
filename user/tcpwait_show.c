// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwait: one interval shown.  The tuples whose ports run out, the processes that open and
 * close connections, the diagnosis and the lifetime histogram, as a table or JSON, and the
 * same figures as a Prometheus file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "hist.h"
#include "json.h"
#include "out.h"
#include "prom.h"
#include "promrows.h"
#include "setup.h"
#include "netns.h"
#include "table.h"
#include "tcpwait_table.h"
#include "tcpwait_report.h"
#include "tcpwait_state.h"
#include "tcpwait_show.h"

static int proc_cmp(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;
	__u64 kx = x->time_wait * 1000000ull + x->delta.timewait_entries + x->delta.opens;
	__u64 ky = y->time_wait * 1000000ull + y->delta.timewait_entries + y->delta.opens;

	return kx < ky ? 1 : kx > ky ? -1 : 0;
}

static bool proc_active(const struct proc_row *r)
{
	return r->time_wait || r->delta.opens || r->delta.active_closes ||
	       r->delta.passive_closes || r->delta.eaddrnotavail;
}

static const struct tw_ns *tcpwait_ns_find(const struct tcpwait_state *st, __u32 inum)
{
	for (size_t i = 0; i < st->nns; i++)
		if (st->ns[i].inum == inum)
			return &st->ns[i];
	return NULL;
}

/* the namespace's own settings: port ranges and tcp_tw_reuse are per namespace */
static const struct tw_sysctls *ns_sys(const struct tcpwait_state *st, __u32 inum)
{
	const struct tw_ns *ns = tcpwait_ns_find(st, inum);

	return ns && ns->sys_ok ? &ns->sys : &st->sys;
}

static void tcpwait_json_ns(struct tcpwait_state *st, __u32 inum)
{
	const struct tw_ns *ns = tcpwait_ns_find(st, inum);

	json_kv_u64(&st->j, "netns", inum);
	if (ns && ns->cgroup_id) {
		cgroup_json_fields(&st->j, ns->cgroup_id);
		return;
	}
	if (ns && ns->container[0])
		json_kv_string(&st->j, "container", ns->container);
	else
		json_kv_null(&st->j, "container");
	json_kv_null(&st->j, "cgroup");
	json_kv_u64(&st->j, "cgroup_id", 0);
}

/* what a table shows for a namespace: its container, "host", or its inode */
static const char *ns_label(const struct tcpwait_state *st, __u32 inum, char *buf, size_t len)
{
	const struct tw_ns *ns = tcpwait_ns_find(st, inum);

	if (ns && ns->container[0])
		snprintf(buf, len, "%s", ns->container);
	else if (inum == netns_self_inum())
		snprintf(buf, len, "host");
	else
		snprintf(buf, len, "netns:%u", inum);
	return buf;
}

static void tcpwait_print_namespaces(struct tcpwait_state *st)
{
	struct json *j = &st->j;

	json_key(j, "namespaces");
	json_array_begin(j);
	for (size_t i = 0; i < st->nns; i++) {
		const struct tw_ns *ns = &st->ns[i];

		json_object_begin(j);
		tcpwait_json_ns(st, ns->inum);
		if (ns->pid)
			json_kv_u64(j, "pid", ns->pid);
		else
			json_kv_null(j, "pid");
		json_kv_u64(j, "time_wait", ns->time_wait);
		json_kv_u64(j, "ports_range", ns->sys.usable);
		json_kv_i64(j, "tcp_tw_reuse", ns->sys.tw_reuse);
		json_object_end(j);
	}
	json_array_end(j);
}

static __u32 prev_group_sockets(struct tcpwait_state *st, const struct tw_group *g)
{
	for (size_t i = 0; i < st->prev_scan.ngroups; i++) {
		const struct tw_group *p = &st->prev_scan.groups[i];

		if (p->netns == g->netns && p->server == g->server && p->family == g->family &&
		    p->port == g->port && !memcmp(p->laddr, g->laddr, 16) &&
		    !memcmp(p->raddr, g->raddr, 16))
			return p->sockets;
	}
	return g->sockets;
}

static bool group_pressed(struct tcpwait_state *st, const struct tw_group *g, __u64 new_failures)
{
	return tw_group_pressed(ns_sys(st, g->netns), g, new_failures);
}

static void tcpwait_print_groups_json(struct tcpwait_state *st, double secs)
{
	struct json *j = &st->j;

	json_key(j, "tuples");
	json_array_begin(j);
	for (size_t i = 0; i < st->scan.ngroups && i < (size_t)st->cfg.top; i++) {
		const struct tw_group *g = &st->scan.groups[i];
		const struct tw_sysctls *sys = ns_sys(st, g->netns);
		char a[64];
		double eta;

		if (!g->time_wait && !group_pressed(st, g, 0))
			continue;
		json_object_begin(j);
		tcpwait_json_ns(st, g->netns);
		json_kv_string(j, "side", g->server ? "server" : "client");
		json_kv_string(j, "laddr", tw_addr_str(g->family, g->laddr, a, sizeof(a)));
		if (g->server)
			json_kv_u64(j, "lport", g->port);
		else
			json_kv_null(j, "lport");
		json_kv_string(j, "raddr", tw_addr_str(g->family, g->raddr, a, sizeof(a)));
		if (g->server)
			json_kv_null(j, "rport");
		else
			json_kv_u64(j, "rport", g->port);
		json_kv_u64(j, "time_wait", g->time_wait);
		json_kv_u64(j, "fin_wait2_orphans", g->fin_wait2);
		json_kv_u64(j, "ports_in_use", g->sockets);
		if (g->server) {
			json_kv_null(j, "ports_range");
			json_kv_null(j, "tcp_tw_reuse");
			json_kv_null(j, "headroom_pct");
			json_kv_null(j, "eta_s");
		} else {
			json_kv_u64(j, "ports_range", sys->usable);
			json_kv_i64(j, "tcp_tw_reuse", sys->tw_reuse);
			json_kv_double(j, "headroom_pct", tw_headroom_pct(g->sockets, sys->usable));
			eta = tw_eta_s(g->sockets, prev_group_sockets(st, g), sys->usable, secs);
			if (eta < 0)
				json_kv_null(j, "eta_s");
			else
				json_kv_double(j, "eta_s", eta);
		}
		json_kv_u64(j, "connect_eaddrnotavail_total", g->server ? 0 : g->failures);
		json_object_end(j);
	}
	json_array_end(j);
}

static void tcpwait_print_groups_table(struct tcpwait_state *st, double secs)
{
	size_t shown = 0, total = 0;

	/* 16: a namespace no container owns is netns:<inode>, and inodes have 10 digits */
	printf("%-16s %-22s %-28s %6s %9s %7s %7s %8s %8s\n", "NETNS", "LOCAL", "REMOTE", "SIDE",
	       "TIME_WAIT", "IN_USE", "RANGE", "HEADROOM", "FULL_IN");
	for (size_t i = 0; i < st->scan.ngroups; i++) {
		const struct tw_group *g = &st->scan.groups[i];
		const struct tw_sysctls *sys = ns_sys(st, g->netns);
		char l[80], r[80], a[64], eta_s[16] = "-", head[16] = "-", range[16] = "-";
		char nsl[96], nss[96];
		double eta;

		if (!g->time_wait && !group_pressed(st, g, 0))
			continue;
		total++;
		if (shown >= (size_t)st->cfg.top)
			continue;
		shown++;
		tw_addr_str(g->family, g->laddr, a, sizeof(a));
		if (g->server)
			snprintf(l, sizeof(l), "%s:%u", a, g->port);
		else
			snprintf(l, sizeof(l), "%s", a);
		tw_addr_str(g->family, g->raddr, a, sizeof(a));
		if (g->server)
			snprintf(r, sizeof(r), "%s", a);
		else
			snprintf(r, sizeof(r), "%s:%u", a, g->port);
		if (!g->server) {
			snprintf(range, sizeof(range), "%u", sys->usable);
			snprintf(head, sizeof(head), "%.1f%%",
				 tw_headroom_pct(g->sockets, sys->usable));
			eta = tw_eta_s(g->sockets, prev_group_sockets(st, g), sys->usable, secs);
			if (eta == 0)
				snprintf(eta_s, sizeof(eta_s), "full");
			else if (eta > 0)
				snprintf(eta_s, sizeof(eta_s), "%.0fs", eta);
		}
		out_sanitize(nss, sizeof(nss), ns_label(st, g->netns, nsl, sizeof(nsl)),
			     sizeof(nsl));
		printf("%-16.16s %-22s %-28s %6s %9u %7u %7s %8s %8s\n", nss, l, r,
		       g->server ? "server" : "client", g->time_wait, g->sockets, range, head,
		       eta_s);
	}
	table_more(stdout, shown, total);
}

static void tcpwait_print_diagnosis(struct tcpwait_state *st, __u64 new_failures)
{
	char line[768];
	bool json = st->common.json;

	if (json) {
		json_key(&st->j, "diagnosis");
		json_array_begin(&st->j);
	}
	for (size_t i = 0; i < st->scan.ngroups; i++) {
		const struct tw_group *g = &st->scan.groups[i];
		__u64 failures = g->failures;

		if (!group_pressed(st, g, failures && new_failures ? failures : 0))
			continue;
		char full[900], nsl[96];

		tw_diagnose(ns_sys(st, g->netns), g, failures, line, sizeof(line));
		/* on a container host, whose namespace it is comes first */
		if (g->netns != st->home_netns || st->nns > 1)
			snprintf(full, sizeof(full), "%s: %s",
				 ns_label(st, g->netns, nsl, sizeof(nsl)), line);
		else
			snprintf(full, sizeof(full), "%s", line);
		if (json)
			json_string(&st->j, full);
		else
			printf("!! %s\n", full);
	}
	if (json)
		json_array_end(&st->j);
}

static void proc_label(const struct proc_row *r, char *buf, size_t len)
{
	char raw[128];

	if (!r->cgroup_id) {
		snprintf(buf, len, "-");
		return;
	}
	cgroup_label(r->cgroup_id, raw, sizeof(raw));
	out_sanitize(buf, len, raw, sizeof(raw));
}

static bool unattributed_any(const struct tcpwait_state *st)
{
	return proc_active(&st->unattributed) || st->unattributed.delta.timewait_entries;
}

/* a row's interval figures, the same for a process, a container and the owner-unknown row */
static void proc_counters_json(struct json *j, const struct proc_row *r)
{
	json_kv_u64(j, "opens", r->delta.opens);
	json_kv_u64(j, "active_closes", r->delta.active_closes);
	json_kv_u64(j, "passive_closes", r->delta.passive_closes);
	json_kv_u64(j, "time_wait", r->time_wait);
	json_kv_u64(j, "time_wait_entries", r->delta.timewait_entries);
	json_kv_u64(j, "connect_eaddrnotavail", r->delta.eaddrnotavail);
}

/*
 * What the process rows do not account for this interval, so that the rows and this add up
 * to the header: sockets older than tcpwait, owners whose rows are gone, and processes whose
 * rows the kernel's table (MAX_PROCS) evicted before they were read.
 */
static void procs_unattributed_json(struct tcpwait_state *st)
{
	const struct proc_row *u = &st->unattributed;
	struct json *j = &st->j;

	json_key(j, "unattributed");
	json_object_begin(j);
	proc_counters_json(j, u);
	json_object_end(j);
}

static void tcpwait_print_procs(struct tcpwait_state *st, double secs)
{
	size_t shown, active = 0;
	struct json *j = &st->j;
	char comm[KSCOPE_COMM_LEN * 4 + 1], cont[160];

	for (size_t i = 0; i < st->nprocs; i++)
		if (proc_active(&st->procs[i]))
			st->procs[active++] = st->procs[i];
	shown = table_top(st->procs, active, sizeof(*st->procs), proc_cmp, st->cfg.top);

	if (st->common.json) {
		json_key(j, "procs");
		json_array_begin(j);
		for (size_t i = 0; i < shown; i++) {
			const struct proc_row *r = &st->procs[i];

			json_object_begin(j);
			if (st->common.containers) {
				json_kv_null(j, "pid");
				json_kv_null(j, "comm");
			} else {
				json_kv_u64(j, "pid", r->tgid);
				json_key(j, "comm");
				json_string_n(j, r->comm, sizeof(r->comm));
			}
			cgroup_json_fields(j, r->cgroup_id);
			json_kv_u64(j, "netns", r->netns);
			proc_counters_json(j, r);
			json_object_end(j);
		}
		json_array_end(j);
		procs_unattributed_json(st);
		return;
	}
	if (!shown && !unattributed_any(st))
		return;
	printf("\n%-7s %-16s %-14s %8s %10s %10s %9s %8s\n", st->common.containers ? "" : "PID",
	       st->common.containers ? "" : "COMM", "CONTAINER", "OPENS/s", "ACTCLOSE/s",
	       "PASCLOSE/s", "TIME_WAIT", "EADDRNA");
	for (size_t i = 0; i < shown; i++) {
		const struct proc_row *r = &st->procs[i];
		char pid[16] = "";

		out_sanitize(comm, sizeof(comm), r->comm, sizeof(r->comm));
		proc_label(r, cont, sizeof(cont));
		if (!st->common.containers)
			snprintf(pid, sizeof(pid), "%u", r->tgid);
		printf("%-7s %-16s %-14.14s %8.0f %10.0f %10.0f %9u %8llu\n", pid,
		       st->common.containers ? "" : comm, cont, r->delta.opens / secs,
		       r->delta.active_closes / secs, r->delta.passive_closes / secs, r->time_wait,
		       (unsigned long long)r->delta.eaddrnotavail);
	}
	if (unattributed_any(st))
		printf("%-7s %-16s %-14s %8.0f %10.0f %10.0f %9u %8llu\n", "-", "(owner unknown)",
		       "-", st->unattributed.delta.opens / secs,
		       st->unattributed.delta.active_closes / secs,
		       st->unattributed.delta.passive_closes / secs, st->unattributed.time_wait,
		       (unsigned long long)st->unattributed.delta.eaddrnotavail);
	table_more(stdout, shown, active);
}

static void tcpwait_print_lifetime(struct tcpwait_state *st)
{
	__u64 delta[HIST_SLOTS];

	for (int i = 0; i < HIST_SLOTS; i++)
		delta[i] = st->lifetime[i] - st->prev_lifetime[i];
	if (st->common.json) {
		json_key(&st->j, "lifetime_us");
		hist_json(&st->j, delta);
		return;
	}
	printf("\nESTABLISHED lifetime of connections that ended:\n");
	hist_print(stdout, delta, "usecs");
}

static void prom_procs(struct tcpwait_state *st, struct prom *p)
{
	/* value columns as read_procs() fills them */
	static const struct promrows_metric metrics[] = {
		{"kscope_tcpwait_process_opens_total", "counter",
		 "Connections established by the process (connect or accept).", 0},
		{"kscope_tcpwait_process_active_closes_total", "counter",
		 "Connections the process closed first (it holds their TIME_WAIT).", 1},
		{"kscope_tcpwait_process_time_wait_entries_total", "counter",
		 "Sockets of the process that entered TIME_WAIT.", 2},
		{"kscope_tcpwait_process_connect_eaddrnotavail_total", "counter",
		 "connect() calls of the process that failed with EADDRNOTAVAIL.", 3},
		{"kscope_tcpwait_process_time_wait", "gauge",
		 "TIME_WAIT sockets the process owns now.", 4},
	};

	promrows_write(&st->prom_rows, p, metrics, sizeof(metrics) / sizeof(metrics[0]), 4,
		       st->common.prom_top, NULL, NULL, 0);
}

static void prom_tuples(struct tcpwait_state *st, struct prom *p)
{
	char laddr[64], raddr[64], port[8];
	size_t shown = 0;

	prom_family(p, "kscope_tcpwait_tuple_time_wait", "gauge",
		    "TIME_WAIT sockets per tuple (client side: to raddr:rport; server side: on "
		    "laddr:lport).");
	for (size_t pass = 0; pass < 2; pass++) {
		const char *name = pass ? "kscope_tcpwait_tuple_ports_in_use"
					: "kscope_tcpwait_tuple_time_wait";

		if (pass)
			prom_family(p, name, "gauge",
				    "Local ports in use towards a destination (client side only).");
		shown = 0;
		for (size_t i = 0; i < st->scan.ngroups && shown < (size_t)st->common.prom_top;
		     i++) {
			const struct tw_group *g = &st->scan.groups[i];

			if (!g->time_wait && !group_pressed(st, g, 0))
				continue;
			if (pass && g->server)
				continue;
			shown++;
			tw_addr_str(g->family, g->laddr, laddr, sizeof(laddr));
			tw_addr_str(g->family, g->raddr, raddr, sizeof(raddr));
			snprintf(port, sizeof(port), "%u", g->port);
			const struct tw_ns *ns = tcpwait_ns_find(st, g->netns);
			char inum[16];

			snprintf(inum, sizeof(inum), "%u", g->netns);
			struct prom_labels l = {
				{"side", "laddr", "raddr", g->server ? "lport" : "rport", "netns",
				 "container"},
				{g->server ? "server" : "client", laddr, raddr, port, inum,
				 ns && ns->container[0] ? ns->container : ""}};

			prom_sample(p, name, &l, pass ? g->sockets : g->time_wait);
		}
	}
}

static int tcpwait_prom_write(struct tcpwait_state *st)
{
	static const struct {
		const char *name, *help;
		int counter;
		const char *label;
	} totals[] = {
		{"kscope_tcpwait_opens_total", "Connections established.", TW_OPENS_ACTIVE,
		 "active"},
		{"kscope_tcpwait_opens_total", "", TW_OPENS_PASSIVE, "passive"},
		{"kscope_tcpwait_closes_total", "Connection closes, by who closed first.",
		 TW_CLOSES_ACTIVE, "active"},
		{"kscope_tcpwait_closes_total", "", TW_CLOSES_PASSIVE, "passive"},
		{"kscope_tcpwait_time_wait_entries_total", "Sockets that entered TIME_WAIT.",
		 TW_TIMEWAIT_ENTRIES, NULL},
		{"kscope_tcpwait_resets_total", "Connections ended by a reset.", TW_RESETS, NULL},
		{"kscope_tcpwait_connect_eaddrnotavail_total",
		 "connect() calls that failed with EADDRNOTAVAIL (no free local port).",
		 TW_CONNECT_EADDRNOTAVAIL, NULL},
	};
	struct prom p;

	if (prom_begin(&p, st->common.prom_file))
		return -1;
	prom_family(&p, "kscope_tcpwait_time_wait", "gauge",
		    "Sockets in TIME_WAIT in the namespace, as ss counts them.");
	prom_sample(&p, "kscope_tcpwait_time_wait", NULL, st->scan.time_wait);
	prom_family(&p, "kscope_tcpwait_ports_range", "gauge",
		    "Ephemeral ports connect() can pick from in the namespace.");
	prom_sample(&p, "kscope_tcpwait_ports_range", NULL, st->sys.usable);
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		struct prom_labels l = {{"direction"}, {totals[i].label}};

		prom_family(&p, totals[i].name, "counter", totals[i].help);
		prom_sample(&p, totals[i].name, totals[i].label ? &l : NULL,
			    st->counters[totals[i].counter]);
	}
	prom_family(&p, "kscope_tcpwait_missed_events_total", "counter",
		    "Runs of tcpwait's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_tcpwait_missed_events_total", NULL, st->missed);
	prom_tuples(st, &p);
	prom_procs(st, &p);
	if (st->cfg.lifetime) {
		prom_family(&p, "kscope_tcpwait_established_seconds", "histogram",
			    "How long connections stayed ESTABLISHED.");
		prom_histogram(&p, "kscope_tcpwait_established_seconds", NULL, st->lifetime, 1e-6,
			       st->counters[TW_LIFETIME_SUM_US] / 1e6);
	}
	return prom_commit(&p);
}

/* The interval's header: TIME_WAIT, the rates of the table-free counters, the range. */
static void header_json(struct tcpwait_state *st)
{
	struct json *j = &st->j;
	double secs = st->secs;

	json_event_begin(j, "interval");
	json_kv_double(j, "interval_s", secs);
	json_kv_u64(j, "time_wait", st->scan.time_wait);
	json_kv_double(j, "time_wait_change_per_s", st->time_wait_change / secs);
	json_kv_u64(j, "opens",
		    tcpwait_counter_delta(st, TW_OPENS_ACTIVE) +
			    tcpwait_counter_delta(st, TW_OPENS_PASSIVE));
	json_kv_u64(j, "active_opens", tcpwait_counter_delta(st, TW_OPENS_ACTIVE));
	json_kv_u64(j, "passive_opens", tcpwait_counter_delta(st, TW_OPENS_PASSIVE));
	json_kv_u64(j, "active_closes", tcpwait_counter_delta(st, TW_CLOSES_ACTIVE));
	json_kv_u64(j, "passive_closes", tcpwait_counter_delta(st, TW_CLOSES_PASSIVE));
	json_kv_u64(j, "time_wait_entries", tcpwait_counter_delta(st, TW_TIMEWAIT_ENTRIES));
	json_kv_u64(j, "resets", tcpwait_counter_delta(st, TW_RESETS));
	json_kv_u64(j, "connect_eaddrnotavail",
		    tcpwait_counter_delta(st, TW_CONNECT_EADDRNOTAVAIL));
	json_kv_u64(j, "connect_eaddrnotavail_total", st->counters[TW_CONNECT_EADDRNOTAVAIL]);
	/* in no tuple's connect_eaddrnotavail_total: the table of destinations evicted them */
	json_kv_u64(j, "connect_eaddrnotavail_unattributed", st->dests_unattributed);
	json_kv_u64(j, "connect_eaddrnotavail_unattributed_total", st->dests_unattr.missing);
	json_kv_u64(j, "ports_range", st->sys.usable);
	json_kv_i64(j, "tcp_tw_reuse", st->sys.tw_reuse);
	tcpwait_print_namespaces(st);
	json_kv_u64(j, "missed_events", st->missed);
}

static void header_table(struct tcpwait_state *st)
{
	double secs = st->secs;
	char clock[16];

	if (st->common.timestamp)
		printf("%s ", out_clock(clock, sizeof(clock)));
	/* a rate like its neighbours; the !! lines count since start, so say so here */
	printf("TIME_WAIT %u (%+.0f/s)  opens %.0f/s  closes %.0f/s (this side first "
	       "%.0f/s)  EADDRNOTAVAIL %.0f/s (%llu since start)  range %u\n",
	       st->scan.time_wait, st->time_wait_change / secs,
	       (tcpwait_counter_delta(st, TW_OPENS_ACTIVE) +
		tcpwait_counter_delta(st, TW_OPENS_PASSIVE)) /
		       secs,
	       (tcpwait_counter_delta(st, TW_CLOSES_ACTIVE) +
		tcpwait_counter_delta(st, TW_CLOSES_PASSIVE)) /
		       secs,
	       tcpwait_counter_delta(st, TW_CLOSES_ACTIVE) / secs,
	       tcpwait_counter_delta(st, TW_CONNECT_EADDRNOTAVAIL) / secs,
	       (unsigned long long)st->counters[TW_CONNECT_EADDRNOTAVAIL], st->sys.usable);
	/* in the interval they happen, not only at exit: a count of this interval may fall
	 * short by that many */
	if (st->missed_interval)
		printf("!! %llu runs of tcpwait's programs skipped by the kernel this interval "
		       "(recursion): counts above may fall short by that many\n",
		       (unsigned long long)st->missed_interval);
	if (st->dests_unattributed)
		printf("!! %llu connect() EADDRNOTAVAIL this interval (%llu since start) in no "
		       "destination's count: more than %u failing destinations, the kernel's table "
		       "evicted their rows\n",
		       (unsigned long long)st->dests_unattributed,
		       (unsigned long long)st->dests_unattr.missing, st->dests_max);
}

int tcpwait_show(struct tcpwait_state *st)
{
	__u64 new_failures = tcpwait_counter_delta(st, TW_CONNECT_EADDRNOTAVAIL);

	/* a daemon's output is the file; stdout stays quiet */
	if (st->common.prom_file)
		return tcpwait_prom_write(st);
	if (st->common.json) {
		header_json(st);
		tcpwait_print_diagnosis(st, new_failures);
		tcpwait_print_groups_json(st, st->secs);
		tcpwait_print_procs(st, st->secs);
		if (st->cfg.lifetime)
			tcpwait_print_lifetime(st);
		json_object_end(&st->j);
		json_line_end(&st->j);
		return 0;
	}
	header_table(st);
	tcpwait_print_diagnosis(st, new_failures);
	tcpwait_print_groups_table(st, st->secs);
	tcpwait_print_procs(st, st->secs);
	if (st->cfg.lifetime)
		tcpwait_print_lifetime(st);
	printf("\n");
	fflush(stdout);
	return 0;
}

static const char *const state_names[] = {
	"UNKNOWN",   "ESTABLISHED", "SYN_SENT",	    "SYN_RECV",	      "FIN_WAIT1",
	"FIN_WAIT2", "TIME_WAIT",   "CLOSE",	    "CLOSE_WAIT",     "LAST_ACK",
	"LISTEN",    "CLOSING",	    "NEW_SYN_RECV", "BOUND_INACTIVE",
};

static const char *state_name(int s)
{
	return s >= 0 && s < (int)(sizeof(state_names) / sizeof(state_names[0])) ? state_names[s]
										 : "UNKNOWN";
}

int tcpwait_show_event(void *ctx, void *data, size_t size)
{
	struct tcpwait_state *st = ctx;
	const struct tcpwait_event *e = data;
	char l[64], r[64], comm[KSCOPE_COMM_LEN * 4 + 1];
	struct json *j = &st->j;

	if (size < sizeof(*e))
		return 0;
	tw_addr_str(e->t.family, e->t.laddr, l, sizeof(l));
	tw_addr_str(e->t.family, e->t.raddr, r, sizeof(r));
	if (st->common.json) {
		json_event_begin_at(j, "state", e->ts_ns);
		json_kv_u64(j, "pid", e->tgid);
		json_key(j, "comm");
		json_string_n(j, e->comm, sizeof(e->comm));
		cgroup_json_fields(j, e->cgroup_id);
		json_kv_u64(j, "netns", e->t.netns);
		json_kv_u64(j, "family", e->t.family == TCPWAIT_AF_INET ? 4 : 6);
		json_kv_string(j, "laddr", l);
		json_kv_u64(j, "lport", e->t.lport);
		json_kv_string(j, "raddr", r);
		json_kv_u64(j, "rport", e->t.rport);
		json_kv_string(j, "oldstate", state_name(e->oldstate));
		json_kv_string(j, "newstate", state_name(e->newstate));
		json_kv_double(j, "in_state_ms", e->in_state_ns / 1e6);
		json_object_end(j);
		json_line_end(j);
		return 0;
	}
	out_sanitize(comm, sizeof(comm), e->comm, sizeof(e->comm));
	printf("%-14.6f %-7u %-16s %-22s %-6u %-22s %-6u %-11s -> %-11s %10.3f\n",
	       (e->ts_ns - st->start_ns) / 1e9, e->tgid, e->tgid ? comm : "-", l, e->t.lport, r,
	       e->t.rport, state_name(e->oldstate), state_name(e->newstate), e->in_state_ns / 1e6);
	return 0;
}

/* as of the last interval: JSON names of the per-process counters, in their order */
static const char *const unattributed_names[TCPWAIT_PROC_COUNTERS] = {
	"opens", "active_closes", "passive_closes", "time_wait_entries", "connect_eaddrnotavail",
};

void tcpwait_show_summary(struct tcpwait_state *st, __u64 lost, __u64 missed)
{
	struct json *j = &st->j;
	char hook[128];

	if (st->common.json) {
		json_event_begin(j, "summary");
		json_summary_counts(j, (out_monotonic_ns() - st->start_ns) / 1e9, lost, missed);
		json_kv_u64(j, "active_opens", st->counters[TW_OPENS_ACTIVE]);
		json_kv_u64(j, "passive_opens", st->counters[TW_OPENS_PASSIVE]);
		json_kv_u64(j, "active_closes", st->counters[TW_CLOSES_ACTIVE]);
		json_kv_u64(j, "passive_closes", st->counters[TW_CLOSES_PASSIVE]);
		json_kv_u64(j, "time_wait_entries", st->counters[TW_TIMEWAIT_ENTRIES]);
		json_kv_u64(j, "resets", st->counters[TW_RESETS]);
		json_kv_u64(j, "connect_eaddrnotavail", st->counters[TW_CONNECT_EADDRNOTAVAIL]);
		json_kv_u64(j, "connect_eaddrnotavail_unattributed", st->dests_unattr.missing);
		json_key(j, "unattributed");
		json_object_begin(j);
		for (int k = 0; k < TCPWAIT_PROC_COUNTERS; k++)
			json_kv_u64(j, unattributed_names[k], st->unattr[k].missing);
		json_object_end(j);
		json_key(j, "hooks");
		json_object_begin(j);
		json_kv_string(j, "time_wait_entries",
			       plan_describe(&st->plan, hook, sizeof(hook)));
		json_object_end(j);
		json_object_end(j);
		json_line_end(j);
		return;
	}
	printf("Total: %llu active and %llu passive opens, %llu TIME_WAIT entries, %llu resets, "
	       "%llu connect() EADDRNOTAVAIL\n",
	       (unsigned long long)st->counters[TW_OPENS_ACTIVE],
	       (unsigned long long)st->counters[TW_OPENS_PASSIVE],
	       (unsigned long long)st->counters[TW_TIMEWAIT_ENTRIES],
	       (unsigned long long)st->counters[TW_RESETS],
	       (unsigned long long)st->counters[TW_CONNECT_EADDRNOTAVAIL]);
	if (st->unattr[0].missing || st->unattr[3].missing)
		printf("%llu opens and %llu TIME_WAIT entries not attributed to a process: sockets "
		       "older than tcpwait, owners gone, or more than %u processes between two "
		       "reads (the kernel's table evicted their rows)\n",
		       (unsigned long long)st->unattr[0].missing,
		       (unsigned long long)st->unattr[3].missing, st->procs_max);
	if (st->dests_unattr.missing)
		printf("%llu connect() EADDRNOTAVAIL in no destination's count: more than %u "
		       "failing "
		       "destinations (the kernel's table evicted their rows)\n",
		       (unsigned long long)st->dests_unattr.missing, st->dests_max);
	if (missed)
		printf("%llu events missed: the kernel skipped tcpwait's programs while another "
		       "BPF "
		       "program ran on the same CPU\n",
		       (unsigned long long)missed);
}

void tcpwait_show_events_header(struct tcpwait_state *st)
{
	if (st->common.json)
		return;
	printf("%-14s %-7s %-16s %-22s %-6s %-22s %-6s %-11s    %-11s %10s\n", "TIME(s)", "PID",
	       "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "OLDSTATE", "NEWSTATE", "MS");
}
