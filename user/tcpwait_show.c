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

const struct tw_ns *tcpwait_ns_find(const struct tcpwait_state *st, __u32 inum)
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

void tcpwait_json_ns(struct tcpwait_state *st, __u32 inum)
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

void tcpwait_print_namespaces(struct tcpwait_state *st)
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

/* connect() failures with EADDRNOTAVAIL towards this group's destination, since start. */
static __u64 group_failures(struct tcpwait_state *st, const struct tw_group *g)
{
	struct tcpwait_dest d = {};
	__u64 n = 0;

	memcpy(d.raddr, g->raddr, 16);
	d.rport = g->port;
	d.family = g->family;
	d.netns = g->netns;
	bpf_map_lookup_elem(st->failed_dests_fd, &d, &n);
	return n;
}

int tcpwait_group_cmp_pressure(const void *a, const void *b)
{
	const struct tw_group *x = a, *y = b;

	if (x->server != y->server)
		return x->server - y->server;
	return x->sockets < y->sockets ? 1 : x->sockets > y->sockets ? -1 : 0;
}

static bool group_pressed(struct tcpwait_state *st, const struct tw_group *g, __u64 new_failures)
{
	return tw_group_pressed(ns_sys(st, g->netns), g, new_failures);
}

void tcpwait_print_groups_json(struct tcpwait_state *st, double secs)
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
		json_kv_u64(j, "connect_eaddrnotavail_total",
			    g->server ? 0 : group_failures(st, g));
		json_object_end(j);
	}
	json_array_end(j);
}

void tcpwait_print_groups_table(struct tcpwait_state *st, double secs)
{
	size_t shown = 0, total = 0;

	printf("%-12s %-22s %-28s %6s %9s %7s %7s %8s %8s\n", "NETNS", "LOCAL", "REMOTE", "SIDE",
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
		printf("%-12.12s %-22s %-28s %6s %9u %7u %7s %8s %8s\n", nss, l, r,
		       g->server ? "server" : "client", g->time_wait, g->sockets, range, head,
		       eta_s);
	}
	table_more(stdout, shown, total);
}

void tcpwait_print_diagnosis(struct tcpwait_state *st, __u64 new_failures)
{
	char line[768];
	bool json = st->common.json;

	if (json) {
		json_key(&st->j, "diagnosis");
		json_array_begin(&st->j);
	}
	for (size_t i = 0; i < st->scan.ngroups; i++) {
		const struct tw_group *g = &st->scan.groups[i];
		__u64 failures = group_failures(st, g);

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

void tcpwait_print_procs(struct tcpwait_state *st, double secs)
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

__u64 tcpwait_counter_delta(struct tcpwait_state *st, int i)
{
	return st->counters[i] - st->prev_counters[i];
}

void tcpwait_print_lifetime(struct tcpwait_state *st)
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

int tcpwait_prom_write(struct tcpwait_state *st)
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
	prom_sample(&p, "kscope_tcpwait_missed_events_total", NULL, setup_prog_misses(st->obj));
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
