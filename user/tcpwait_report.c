// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwait: one interval read and reported.  tcpwait_read() takes the socket tables of the
 * namespaces (iter/tcp, entered one by one), the counters, the process map and the failure
 * map into the state; tcpwait_report() makes the interval's figures of them: deltas with the
 * one restart rule (snap_delta), TIME_WAIT sockets per process, the owner-unknown row, the
 * per-container fold.  Nothing here prints; user/tcpwait_show.c does, from what this made.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "maps.h"
#include "netns.h"
#include "out.h"
#include "promrows.h"
#include "setup.h"
#include "snap.h"
#include "table.h"
#include "tcpwait.h"
#include "tcpwait_report.h"
#include "tcpwait_state.h"
#include "tcpwait_table.h"
/* Runs inside the inspected namespace: /proc/sys/net answers for the reader's namespace. */
static int sysctls_read(void *ctx)
{
	return tw_sysctls_read(ctx);
}

struct ns_scan {
	struct tcpwait_state *st;
	struct tw_ns *ns;
	int iter_fd;
};

/* Also inside the namespace: an iterator walks the namespace its creator is in. */
static int ns_enter_work(void *ctx)
{
	struct ns_scan *c = ctx;

	char text[4096];
	ssize_t n;
	int fd;

	c->ns->sys_ok = !sysctls_read(&c->ns->sys);
	/*
	 * An iterator walks the whole of the kernel's TCP hash tables, which all namespaces
	 * share, to find this one's sockets (~2.5 ms here): a namespace whose sockstat says it
	 * holds no TCP socket at all is not walked.
	 */
	fd = open("/proc/thread-self/net/sockstat", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		text[n] = '\0';
		if (!tw_sockstat_has_tcp(text)) {
			c->iter_fd = -1;
			return 0;
		}
	}
	c->iter_fd = bpf_iter_create(c->st->iter_link_fd);
	return c->iter_fd < 0 ? -errno : 0;
}

/* Read the iterator's records; appends to *buf.  0 or -errno. */
static int iter_read(int fd, char **buf, size_t *cap, size_t *used)
{
	ssize_t n;

	for (;;) {
		if (*cap - *used < 65536) {
			char *nbuf = realloc(*buf, *cap + (1 << 20));

			if (!nbuf)
				return -ENOMEM;
			*buf = nbuf;
			*cap += 1 << 20;
		}
		n = read(fd, *buf + *used, *cap - *used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		*used += n;
	}
}

/*
 * The container a namespace belongs to, from the cgroup of a process in it.  The host's own
 * namespace is nobody's container, whatever cgroup tcpwait itself runs in.  A Kubernetes
 * pod's containers share one namespace: it is the pod's (its own cgroup), whichever of them
 * (the sandbox's pause, an application) holds the lowest pid, so the name does not change
 * when pids wrap or a container restarts.
 */
static void ns_name(struct tw_ns *ns)
{
	char path[4096], full[4200];
	struct container c;

	ns->container[0] = '\0';
	ns->cgroup_id = 0;
	if (!ns->pid || ns->inum == netns_self_inum() ||
	    !cgroup_path_of_pid(ns->pid, path, sizeof(path)) || !cgroup_parse_container(path, &c))
		return;
	if (c.pod_uid[0]) {
		snprintf(ns->container, sizeof(ns->container), "pod:%s", c.pod_uid);
		path[c.pod_path_len] = '\0';
	} else {
		snprintf(ns->container, sizeof(ns->container), "%.12s", c.id);
	}
	if (cgroup_root()) {
		snprintf(full, sizeof(full), "%s%s", cgroup_root(), path);
		ns->cgroup_id = cgroup_id_of_path(full);
	}
}

/* The namespaces to look into this interval: --netns's, ours with --host-netns, else all. */
static int ns_collect(struct tcpwait_state *st, struct netns_found **found)
{
	if (st->netns_fd >= 0 || st->cfg.host_netns) {
		*found = calloc(1, sizeof(**found));
		if (!*found)
			return -ENOMEM;
		(*found)[0].inum = st->home_netns;
		return 1;
	}
	return netns_list(found);
}

/* One namespace: its settings and its sockets, grouped, appended to st->scan. */
static int scan_one(struct tcpwait_state *st, const struct netns_found *f, struct tw_ns *ns)
{
	struct ns_scan c = {.st = st, .ns = ns, .iter_fd = -1};
	struct tw_scan one = {};
	size_t cap = 0, used = 0;
	char *buf = NULL;
	int fd = -1, err;

	ns->inum = f->inum;
	ns->pid = f->pid;
	ns_name(ns);
	if (st->netns_fd >= 0) {
		err = netns_run_in(st->netns_fd, ns_enter_work, &c);
	} else if (f->inum == netns_self_inum()) {
		err = ns_enter_work(&c);
	} else {
		fd = open(f->path, O_RDONLY | O_CLOEXEC);
		/* its last process left since the list was made: nothing to count */
		if (fd < 0 && errno != EACCES && errno != EPERM)
			return 0;
		/*
		 * Nor when the path no longer (or not yet) names that namespace: ip netns add
		 * creates an empty /run/netns file before its bind mount, del unmounts before the
		 * unlink, a pid is reused; setns on such a file failed EINVAL and ended the tool
		 * (an add/del loop did so within 6 cycles at interval 0.1 s)
		 */
		if (fd >= 0 && !netns_fd_is(fd, f->inum)) {
			close(fd);
			return 0;
		}
		err = fd < 0 ? -errno : netns_run_in(fd, ns_enter_work, &c);
		if (fd >= 0)
			close(fd);
		/* entering another namespace needs CAP_SYS_ADMIN (and the process's ns file,
		 * ptrace access): without them tcpwait still reads its own */
		if (err == -EPERM || err == -EACCES) {
			if (!st->told_netns_perm)
				out_note(
					"cannot enter other network namespaces (%s): only this one "
					"is "
					"read; root (CAP_SYS_ADMIN, CAP_SYS_PTRACE) reads them all",
					strerror(-err));
			st->told_netns_perm = true;
			ns->inum = 0;
			return 0;
		}
	}
	if (err)
		return err;
	if (c.iter_fd < 0)
		return 0;
	err = iter_read(c.iter_fd, &buf, &cap, &used);
	close(c.iter_fd);
	if (err) {
		free(buf);
		return err;
	}
	one.socks = (struct tcpwait_sock *)buf;
	one.n = used / sizeof(struct tcpwait_sock);
	one.range_low = ns->sys.low;
	one.range_high = ns->sys.high;
	err = tw_scan_group(&one);
	if (!err)
		err = tw_scan_append(&st->scan, &one);
	ns->time_wait = one.time_wait;
	tw_scan_free(&one);
	return err;
}

int tcpwait_scan_sockets(struct tcpwait_state *st)
{
	struct netns_found *found = NULL;
	int n, err = 0;

	n = ns_collect(st, &found);
	if (n < 0) {
		setup_explain(n, "list the network namespaces (/proc/*/ns/net)");
		return n;
	}
	free(st->ns);
	st->ns = calloc(n ? n : 1, sizeof(*st->ns));
	st->nns = 0;
	if (!st->ns) {
		free(found);
		return -ENOMEM;
	}
	for (int i = 0; i < n && !err; i++) {
		err = scan_one(st, &found[i], &st->ns[st->nns]);
		if (!err && st->ns[st->nns].inum)
			st->nns++;
	}
	free(found);
	if (err) {
		setup_explain(err, "read the TCP socket table (iter/tcp)");
		return err;
	}
	for (size_t i = 0; i < st->nns; i++) {
		if (st->ns[i].inum != st->home_netns)
			continue;
		if (!st->ns[i].sys_ok && !st->told_sysctls) {
			st->told_sysctls = true;
			out_note("cannot read the namespace's ip_local_port_range; headroom not "
				 "shown");
		}
		st->sys = st->ns[i].sys;
	}
	return 0;
}

void tcpwait_read_counters(struct tcpwait_state *st)
{
	maps_percpu_sum(st->counters_fd, TW_COUNTER_MAX, st->counters);
}

static int proc_tgid_cmp(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static struct proc_row *proc_find(struct proc_row *rows, size_t n, __u32 tgid)
{
	struct proc_row key = {.tgid = tgid};

	return n ? table_find(&key, rows, n, sizeof(key), proc_tgid_cmp) : NULL;
}

static void proc_sum(struct proc_row *r, const struct tcpwait_proc *vals, int ncpus)
{
	for (int c = 0; c < ncpus; c++) {
		r->now.opens += vals[c].opens;
		r->now.active_closes += vals[c].active_closes;
		r->now.passive_closes += vals[c].passive_closes;
		r->now.timewait_entries += vals[c].timewait_entries;
		r->now.eaddrnotavail += vals[c].eaddrnotavail;
		if (vals[c].comm[0]) {
			memcpy(r->comm, vals[c].comm, sizeof(r->comm));
			r->cgroup_id = vals[c].cgroup_id;
			r->netns = vals[c].netns;
		}
	}
}

static bool proc_idle(const struct proc_row *r)
{
	return !r->time_wait && !r->delta.opens && !r->delta.active_closes &&
	       !r->delta.passive_closes && !r->delta.timewait_entries && !r->delta.eaddrnotavail;
}

/* The table-free counter that each per-process counter should add up to. */
static __u64 proc_counter_total(const struct tcpwait_state *st, int i)
{
	switch (i) {
	case 0:
		return st->counters[TW_OPENS_ACTIVE] + st->counters[TW_OPENS_PASSIVE];
	case 1:
		return st->counters[TW_CLOSES_ACTIVE];
	case 2:
		return st->counters[TW_CLOSES_PASSIVE];
	case 3:
		return st->counters[TW_TIMEWAIT_ENTRIES];
	default:
		return st->counters[TW_CONNECT_EADDRNOTAVAIL];
	}
}

/*
 * What the process rows do not account for: processes whose rows the LRU map evicted
 * before they were read, sockets whose owner tcpwait never saw (older than tcpwait) or whose
 * owner's row is gone.  One row, so that the column sums equal the header's figures.
 */
static void procs_unattributed(struct tcpwait_state *st)
{
	struct proc_row *u = &st->unattributed;
	__u64 sum[TCPWAIT_PROC_COUNTERS] = {}, *delta = &u->delta.opens;
	__u32 tw_sockets = 0;

	for (size_t i = 0; i < st->nprocs; i++) {
		const __u64 *d = &st->procs[i].delta.opens;

		for (int k = 0; k < TCPWAIT_PROC_COUNTERS; k++)
			sum[k] += d[k];
		tw_sockets += st->procs[i].time_wait;
	}
	for (int k = 0; k < TCPWAIT_PROC_COUNTERS; k++)
		delta[k] = snap_unattributed(&st->unattr[k], proc_counter_total(st, k), sum[k]);
	u->time_wait = st->scan.time_wait > tw_sockets ? st->scan.time_wait - tw_sockets : 0;
}

/* The procs map into st->procs_snap; st->procs_err when it could not be read. */
static void read_procs(struct tcpwait_state *st)
{
	st->procs_err = snap_read(&st->procs_snap, st->procs_fd, sizeof(__u32),
				  snap_percpu_size(sizeof(struct tcpwait_proc)), st->procs_max);
}

/*
 * The failed_dests map whole, after the counters: it is small (1024 rows), and both the
 * tuples' counts and what its rows lost come from one reading.
 */
static void read_dests(struct tcpwait_state *st)
{
	st->dests_err = snap_read(&st->dests_snap, st->failed_dests_fd, sizeof(struct tcpwait_dest),
				  sizeof(__u64), st->dests_max);
}

/* connect() failures with EADDRNOTAVAIL towards each tuple's destination, since start. */
static void read_group_failures(struct tcpwait_state *st)
{
	for (size_t i = 0; i < st->scan.ngroups; i++) {
		struct tw_group *g = &st->scan.groups[i];
		struct tcpwait_dest d = {};
		const __u64 *n;

		memcpy(d.raddr, g->raddr, 16);
		d.rport = g->port;
		d.family = g->family;
		d.netns = g->netns;
		g->failures = 0;
		if (st->dests_err) {
			bpf_map_lookup_elem(st->failed_dests_fd, &d, &g->failures);
			continue;
		}
		n = snap_find(&st->dests_snap, &d);
		if (n)
			g->failures = *n;
	}
}

/*
 * Failures towards a destination that no failed_dests row holds: rows the LRU map evicted
 * (past its size in failing destinations), with their counts.  The rows count since start,
 * so what they account for is their sum now, which falls when a row goes: the delta handed
 * to snap_unattributed is that sum less what it took last time, modulo 2^64.
 */
static void report_dests(struct tcpwait_state *st)
{
	__u64 sum = 0;

	st->dests_unattributed = 0;
	if (st->dests_err)
		return;
	for (size_t i = 0; i < st->dests_snap.n; i++)
		sum += *(const __u64 *)snap_value(&st->dests_snap, i);
	st->dests_unattributed =
		snap_unattributed(&st->dests_unattr, st->counters[TW_CONNECT_EADDRNOTAVAIL_DEST],
				  sum - st->dests_unattr.attributed);
}

/* This interval's process rows from the snapshot: deltas, TIME_WAIT owners, the rest. */
static void report_procs(struct tcpwait_state *st)
{
	/* the output sorts and folds st->procs: the next interval subtracts this copy */
	free(st->prev_procs);
	st->prev_procs = st->procs_read;
	st->nprev_procs = st->nprocs_read;
	st->procs_read = NULL;
	st->nprocs_read = 0;
	free(st->procs);
	st->procs = NULL;
	st->nprocs = 0;
	if (st->procs_err)
		return;
	st->procs = calloc(st->procs_snap.n ? st->procs_snap.n : 1, sizeof(*st->procs));
	if (!st->procs)
		return;
	for (size_t i = 0; i < st->procs_snap.n; i++) {
		struct proc_row *r = &st->procs[st->nprocs++];
		struct proc_row *old;

		memcpy(&r->tgid, snap_key(&st->procs_snap, i), sizeof(r->tgid));
		proc_sum(r, snap_value(&st->procs_snap, i), st->ncpus);
		old = proc_find(st->prev_procs, st->nprev_procs, r->tgid);
		snap_delta(&r->delta.opens, &r->now.opens, old ? &old->now.opens : NULL,
			   TCPWAIT_PROC_COUNTERS);
	}
	table_sort(st->procs, st->nprocs, sizeof(*st->procs), proc_tgid_cmp);
	for (size_t s = 0; s < st->scan.n; s++) {
		const struct tcpwait_sock *sk = &st->scan.socks[s];
		struct proc_row *r;

		if (!sk->is_timewait || sk->state != TCPWAIT_STATE_TIME_WAIT || !sk->owner_tgid)
			continue;
		r = proc_find(st->procs, st->nprocs, sk->owner_tgid);
		if (r)
			r->time_wait++;
	}
	procs_unattributed(st);
	st->procs_read = malloc(st->nprocs * sizeof(*st->procs) + 1);
	if (st->procs_read) {
		if (st->nprocs)
			memcpy(st->procs_read, st->procs, st->nprocs * sizeof(*st->procs));
		st->nprocs_read = st->nprocs;
	}
	promrows_begin(&st->prom_rows);
	for (size_t i = 0; i < st->nprocs; i++) {
		const struct proc_row *r = &st->procs[i];
		/*
		 * A process that exited, did nothing this interval and owns no TIME_WAIT socket
		 * leaves the BPF map, so a daemon's map does not fill with the dead; for
		 * --prom-file its totals are kept as retired.
		 */
		bool gone = proc_idle(r) && kill(r->tgid, 0) && errno == ESRCH;
		double v[PROMROWS_VALUES] = {r->now.opens, r->now.active_closes,
					     r->now.timewait_entries, r->now.eaddrnotavail,
					     r->time_wait};

		if (gone)
			bpf_map_delete_elem(st->procs_fd, &r->tgid);
		if (st->common.prom_file)
			promrows_add(&st->prom_rows, gone, r->comm, r->cgroup_id, v, NULL, 0);
	}
}

static void proc_add(void *dst, const void *src)
{
	struct proc_row *d = dst;
	const struct proc_row *r = src;

	d->delta.opens += r->delta.opens;
	d->delta.active_closes += r->delta.active_closes;
	d->delta.passive_closes += r->delta.passive_closes;
	d->delta.timewait_entries += r->delta.timewait_entries;
	d->delta.eaddrnotavail += r->delta.eaddrnotavail;
	d->time_wait += r->time_wait;
}

/* With -C: fold process rows into one row per container (cgroup). */
static void procs_by_container(struct tcpwait_state *st)
{
	st->nprocs = snap_fold(st->procs, st->nprocs, sizeof(*st->procs),
			       offsetof(struct proc_row, cgroup_id), proc_add);
	for (size_t i = 0; i < st->nprocs; i++)
		st->procs[i].tgid = 0;
}

int tcpwait_read(struct tcpwait_state *st)
{
	__u64 now = out_monotonic_ns();

	st->secs = (now - st->last_tick_ns) / 1e9;
	st->last_tick_ns = now;
	/* what the last interval read is what this one subtracts */
	st->prev_time_wait = st->scan.time_wait;
	memcpy(st->prev_counters, st->counters, sizeof(st->counters));
	memcpy(st->prev_lifetime, st->lifetime, sizeof(st->lifetime));
	tw_scan_free(&st->prev_scan);
	st->prev_scan = st->scan;
	memset(&st->scan, 0, sizeof(st->scan));
	if (tcpwait_scan_sockets(st))
		return -1;
	tcpwait_read_counters(st);
	/* after the counters, as snap_unattributed needs */
	read_dests(st);
	read_group_failures(st);
	read_procs(st);
	if (st->cfg.lifetime)
		maps_percpu_sum(st->lifetime_fd, HIST_SLOTS, st->lifetime);
	st->missed = setup_prog_misses(st->obj);
	return 0;
}

void tcpwait_report(struct tcpwait_state *st)
{
	table_sort(st->scan.groups, st->scan.ngroups, sizeof(*st->scan.groups),
		   tcpwait_group_cmp_pressure);
	report_procs(st);
	report_dests(st);
	/* the file keeps processes; the screen folds them with -C */
	if (st->common.containers && !st->common.prom_file)
		procs_by_container(st);
	st->time_wait_change = (long long)st->scan.time_wait - st->prev_time_wait;
	st->missed_interval = st->missed > st->prev_missed ? st->missed - st->prev_missed : 0;
	st->prev_missed = st->missed;
}

__u64 tcpwait_counter_delta(const struct tcpwait_state *st, int i)
{
	return st->counters[i] - st->prev_counters[i];
}

int tcpwait_group_cmp_pressure(const void *a, const void *b)
{
	const struct tw_group *x = a, *y = b;

	if (x->server != y->server)
		return x->server - y->server;
	return x->sockets < y->sockets ? 1 : x->sockets > y->sockets ? -1 : 0;
}
