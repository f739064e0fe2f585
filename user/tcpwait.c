// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwait: who fills TIME_WAIT, and how close this host is to running out of ports.
 *
 * Each interval: the namespace's socket table (iter/tcp) grouped by the tuple whose ephemeral
 * ports run out, the in-kernel open/close/TIME_WAIT counters per process, and connect()
 * failures with EADDRNOTAVAIL.  --events streams every state change instead.
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
#include "cost.h"
#include "events.h"
#include "loop.h"
#include "maps.h"
#include "netns.h"
#include "opts.h"
#include "out.h"
#include "probe.h"
#include "setup.h"
#include "snap.h"
#include "tcpwait.h"
#include "tcpwait.skel.h"

#include "tcpwait_show.h"
#include "tcpwait_state.h"
#include "table.h"

static const struct opt tcpwait_opts[] = {
	{"events", 'e', OPT_FLAG, OPT_FIELD(struct tcpwait_config, events), NULL,
	 "stream every state change (like tcpstates), with TIME_WAIT entries"},
	{"lifetime", 'L', OPT_FLAG, OPT_FIELD(struct tcpwait_config, lifetime), NULL,
	 "histogram of how long connections stayed ESTABLISHED"},
	{"ipv4", '4', OPT_FLAG, OPT_FIELD(struct tcpwait_config, ipv4), NULL, "IPv4 only"},
	{"ipv6", '6', OPT_FLAG, OPT_FIELD(struct tcpwait_config, ipv6), NULL, "IPv6 only"},
	{"lport", 0, OPT_STRING, OPT_FIELD(struct tcpwait_config, lports), "PORTS",
	 "local ports, e.g. 80,8000-8100"},
	{"rport", 0, OPT_STRING, OPT_FIELD(struct tcpwait_config, rports), "PORTS",
	 "remote ports, e.g. 443"},
	{"netns", 0, OPT_STRING, OPT_FIELD(struct tcpwait_config, netns), "NAME|PATH",
	 "only this network namespace (ip netns name or /proc/PID/ns/net); default: all"},
	{"host-netns", 0, OPT_FLAG, OPT_FIELD(struct tcpwait_config, host_netns), NULL,
	 "only tcpwait's own network namespace (the host's)"},
	{"top", 'n', OPT_INT, OPT_FIELD(struct tcpwait_config, top), "N",
	 "rows per table (default 10)", 1, 100000},
	{NULL},
};

static const struct tool_desc tcpwait_tool = {
	.name = "tcpwait",
	.summary = "Who fills TIME_WAIT, and how close is this host to running out of ports?",
	.synopsis = "[interval [count]]",
	.common = COMMON_PID | COMMON_CGROUP | COMMON_CONTAINERS | COMMON_INTERVAL | COMMON_PROM |
		  COMMON_EVENTS,
	.opts = tcpwait_opts,
	.default_interval_ms = 1000,
	.examples = "  tcpwait                    # every second: TIME_WAIT, port headroom, who\n"
		    "  tcpwait -C 5               # per container, every 5 s\n"
		    "  tcpwait --netns blue -j    # inside `ip netns` blue, as JSON lines\n"
		    "  tcpwait --events --rport 443   # every state change to port 443\n",
};

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

static void config_ports(const char *arg, const char *name, volatile __u8 *bitmap, bool *on)
{
	char why[128];
	__u8 tmp[8192] = {};

	if (!arg)
		return;
	if (opts_parse_ports(arg, tmp, why, sizeof(why)))
		opts_die(&tcpwait_tool, "invalid --%s '%s': %s", name, arg, why);
	memcpy((void *)bitmap, tmp, sizeof(tmp));
	*on = true;
}

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
	c->iter_fd = bpf_iter_create(bpf_link__fd(c->st->skel->links.tcpwait_iter));
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
 * namespace is nobody's container, whatever cgroup tcpwait itself runs in.
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
	if (c.id[0])
		snprintf(ns->container, sizeof(ns->container), "%.12s", c.id);
	else
		snprintf(ns->container, sizeof(ns->container), "pod:%s", c.pod_uid);
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

static int scan_sockets(struct tcpwait_state *st)
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

static void read_counters(struct tcpwait_state *st)
{
	maps_percpu_sum(bpf_map__fd(st->skel->maps.counters), TW_COUNTER_MAX, st->counters);
}

static void read_lifetime(struct tcpwait_state *st)
{
	maps_percpu_sum(bpf_map__fd(st->skel->maps.lifetime_us), HIST_SLOTS, st->lifetime);
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
static __u64 proc_counter_total(struct tcpwait_state *st, int i)
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

static void read_procs(struct tcpwait_state *st)
{
	int fd = bpf_map__fd(st->skel->maps.procs);

	/* the output sorts and folds st->procs: the next interval subtracts this copy */
	free(st->prev_procs);
	st->prev_procs = st->procs_read;
	st->nprev_procs = st->nprocs_read;
	st->procs_read = NULL;
	st->nprocs_read = 0;
	free(st->procs);
	st->procs = NULL;
	st->nprocs = 0;
	if (snap_read(&st->procs_snap, fd, sizeof(__u32),
		      snap_percpu_size(sizeof(struct tcpwait_proc)),
		      bpf_map__max_entries(st->skel->maps.procs)))
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
			bpf_map_delete_elem(fd, &r->tgid);
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

static int tcpwait_tick(void *ctx)
{
	struct tcpwait_state *st = ctx;
	__u64 now = out_monotonic_ns();
	double secs = (now - st->last_tick_ns) / 1e9;
	struct json *j = &st->j;
	long long tw_change;
	__u64 missed;
	char clock[16];
	int err;

	st->last_tick_ns = now;
	tw_scan_free(&st->prev_scan);
	st->prev_scan = st->scan;
	memset(&st->scan, 0, sizeof(st->scan));
	err = scan_sockets(st);
	if (err)
		return 1;
	table_sort(st->scan.groups, st->scan.ngroups, sizeof(*st->scan.groups),
		   tcpwait_group_cmp_pressure);
	read_counters(st);
	read_procs(st);
	if (st->cfg.lifetime)
		read_lifetime(st);
	if (st->common.prom_file) {
		/* a daemon's output is the file; stdout stays quiet */
		err = tcpwait_prom_write(st);
		if (err)
			return 1;
		goto done;
	}
	if (st->common.containers)
		procs_by_container(st);
	tw_change = (long long)st->scan.time_wait - st->prev_time_wait;

	if (st->common.json) {
		json_event_begin(j, "interval");
		json_kv_double(j, "interval_s", secs);
		json_kv_u64(j, "time_wait", st->scan.time_wait);
		json_kv_double(j, "time_wait_change_per_s", tw_change / secs);
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
		json_kv_u64(j, "connect_eaddrnotavail_total",
			    st->counters[TW_CONNECT_EADDRNOTAVAIL]);
		json_kv_u64(j, "ports_range", st->sys.usable);
		json_kv_i64(j, "tcp_tw_reuse", st->sys.tw_reuse);
		tcpwait_print_namespaces(st);
		json_kv_u64(j, "missed_events", setup_prog_misses(st->skel->obj));
		tcpwait_print_diagnosis(st, tcpwait_counter_delta(st, TW_CONNECT_EADDRNOTAVAIL));
		tcpwait_print_groups_json(st, secs);
		tcpwait_print_procs(st, secs);
		if (st->cfg.lifetime)
			tcpwait_print_lifetime(st);
		json_object_end(j);
		json_line_end(j);
	} else {
		if (st->common.timestamp)
			printf("%s ", out_clock(clock, sizeof(clock)));
		/* a rate like its neighbours; the !! lines count since start, so say so here */
		printf("TIME_WAIT %u (%+.0f/s)  opens %.0f/s  closes %.0f/s (this side first "
		       "%.0f/s)  EADDRNOTAVAIL %.0f/s (%llu since start)  range %u\n",
		       st->scan.time_wait, tw_change / secs,
		       (tcpwait_counter_delta(st, TW_OPENS_ACTIVE) +
			tcpwait_counter_delta(st, TW_OPENS_PASSIVE)) /
			       secs,
		       (tcpwait_counter_delta(st, TW_CLOSES_ACTIVE) +
			tcpwait_counter_delta(st, TW_CLOSES_PASSIVE)) /
			       secs,
		       tcpwait_counter_delta(st, TW_CLOSES_ACTIVE) / secs,
		       tcpwait_counter_delta(st, TW_CONNECT_EADDRNOTAVAIL) / secs,
		       (unsigned long long)st->counters[TW_CONNECT_EADDRNOTAVAIL], st->sys.usable);
		/* in the interval they happen, not only at exit: a count of this interval may
		 * fall short by that many */
		missed = setup_prog_misses(st->skel->obj);
		if (missed > st->prev_missed)
			printf("!! %llu runs of tcpwait's programs skipped by the kernel this "
			       "interval "
			       "(recursion): counts above may fall short by that many\n",
			       (unsigned long long)(missed - st->prev_missed));
		st->prev_missed = missed;
		tcpwait_print_diagnosis(st, tcpwait_counter_delta(st, TW_CONNECT_EADDRNOTAVAIL));
		tcpwait_print_groups_table(st, secs);
		tcpwait_print_procs(st, secs);
		if (st->cfg.lifetime)
			tcpwait_print_lifetime(st);
		printf("\n");
		fflush(stdout);
	}
done:
	memcpy(st->prev_counters, st->counters, sizeof(st->counters));
	memcpy(st->prev_lifetime, st->lifetime, sizeof(st->lifetime));
	st->prev_time_wait = st->scan.time_wait;
	return 0;
}

static int event_print(void *ctx, void *data, size_t size)
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

static int events_tick(void *ctx)
{
	struct tcpwait_state *st = ctx;

	events_lost_check(&st->ev);
	fflush(stdout);
	return 0;
}

/* as of the last interval: JSON names of the per-process counters, in their order */
static const char *const unattributed_names[TCPWAIT_PROC_COUNTERS] = {
	"opens", "active_closes", "passive_closes", "time_wait_entries", "connect_eaddrnotavail",
};

static void print_summary(struct tcpwait_state *st)
{
	__u64 lost = st->ev.rb ? events_lost_check(&st->ev) : 0;
	__u64 missed = setup_prog_misses(st->skel->obj);
	struct json *j = &st->j;
	char hook[128];

	read_counters(st);
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
		       (unsigned long long)st->unattr[3].missing,
		       bpf_map__max_entries(st->skel->maps.procs));
	if (missed)
		printf("%llu events missed: the kernel skipped tcpwait's programs while another "
		       "BPF "
		       "program ran on the same CPU\n",
		       (unsigned long long)missed);
}

/*
 * Bad input is exit 2 before anything else, privileges included: as non-root, --netns bogus,
 * -4 -6 and --lport 0 were answered with "needs root".
 */
static void tcpwait_validate(struct tcpwait_state *st)
{
	__u8 ports[8192];
	char why[256];
	__u32 inum;

	if (st->cfg.ipv4 && st->cfg.ipv6)
		opts_die(&tcpwait_tool, "-4 and -6 exclude each other; give neither for both");
	if (st->cfg.netns && st->cfg.host_netns)
		opts_die(&tcpwait_tool, "--netns and --host-netns exclude each other");
	if (st->common.ring_mb && !st->cfg.events)
		opts_die(&tcpwait_tool, "--ring-mb only makes sense with --events");
	if (st->cfg.lports && opts_parse_ports(st->cfg.lports, ports, why, sizeof(why)))
		opts_die(&tcpwait_tool, "invalid --lport '%s': %s", st->cfg.lports, why);
	if (st->cfg.rports && opts_parse_ports(st->cfg.rports, ports, why, sizeof(why)))
		opts_die(&tcpwait_tool, "invalid --rport '%s': %s", st->cfg.rports, why);
	if (st->cfg.netns) {
		st->netns_fd = netns_open(st->cfg.netns, &inum, why, sizeof(why));
		if (st->netns_fd < 0)
			opts_die(&tcpwait_tool, "invalid --netns '%s': %s", st->cfg.netns, why);
	} else {
		inum = netns_self_inum();
	}
	st->home_netns = inum;
}

static int tcpwait_configure(struct tcpwait_state *st)
{
	struct tcpwait *skel = st->skel;
	__u32 inum = st->home_netns;
	/* every namespace unless one was asked for */
	skel->rodata->filter_netns = st->cfg.netns || st->cfg.host_netns ? inum : 0;
	/*
	 * What the instance looks into, on every series: "all" namespaces or one's inode (as lsns
	 * and /proc/PID/ns/net show it), so that an instance on the host and one with --netns
	 * never write the same series, not even the tuple series of a namespace both see.
	 */
	if (st->common.prom_file) {
		char scope[32];

		if (st->cfg.netns || st->cfg.host_netns)
			snprintf(scope, sizeof(scope), "netns:%u", inum);
		else
			snprintf(scope, sizeof(scope), "all");
		prom_label_tool("scope", scope);
	}
	skel->rodata->filter_family = st->cfg.ipv4   ? TCPWAIT_AF_INET
				      : st->cfg.ipv6 ? TCPWAIT_AF_INET6
						     : 0;
	skel->rodata->filter_tgid = st->common.pid;
	skel->rodata->filter_cgroup_id = st->common.cgroup_id;
	skel->rodata->filter_cgroup_level = st->common.cgroup_level;
	skel->rodata->stream_events = st->cfg.events;
	skel->rodata->lifetime_hist = st->cfg.lifetime;
	config_ports(st->cfg.lports, "lport", skel->rodata->filter_lports,
		     (bool *)&skel->rodata->filter_lports_on);
	config_ports(st->cfg.rports, "rport", skel->rodata->filter_rports,
		     (bool *)&skel->rodata->filter_rports_on);
	if (!st->cfg.events)
		bpf_map__set_max_entries(skel->maps.events, 4096);
	else if (events_ring_size(skel->maps.events, sizeof(struct tcpwait_event),
				  st->common.ring_mb)) {
		out_error("could not size the event ring buffer to --ring-mb %ld",
			  st->common.ring_mb);
		return -1;
	}
	snap_rows_cap(skel->maps.procs);
	st->plan = (struct plan_item){
		.what = "TIME_WAIT entries",
		.choices = {{HOOK_FENTRY, "tcp_time_wait", {skel->progs.tcpwait_tw_fentry}},
			    {HOOK_KPROBE, "tcp_time_wait", {skel->progs.tcpwait_tw_kprobe}},
			    /* no program of its own: inferred from inet_sock_set_state */
			    {HOOK_TRACEPOINT, "sock:inet_sock_set_state"}},
		.degraded = "not possible: inet_sock_set_state is required",
	};
	if (plan_choose(&st->plan, 1)) {
		out_error("this kernel has no sock:inet_sock_set_state tracepoint, which tcpwait "
			  "needs (Linux 4.16 or later)");
		return -1;
	}
	skel->rodata->timewait_hooked = st->plan.chosen < 2;
	/* the iterator is attached by hand: it needs no hook, only a link to create fds from */
	bpf_program__set_autoattach(skel->progs.tcpwait_iter, false);
	return 0;
}

static void print_events_header(struct tcpwait_state *st)
{
	if (st->common.json)
		return;
	printf("%-14s %-7s %-16s %-22s %-6s %-22s %-6s %-11s    %-11s %10s\n", "TIME(s)", "PID",
	       "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "OLDSTATE", "NEWSTATE", "MS");
}

int main(int argc, char **argv)
{
	struct tcpwait_state st = {.netns_fd = -1, .cfg.top = 10};
	int err = 1;

	opts_parse(&tcpwait_tool, argc, argv, &st.common, &st.cfg);
	tcpwait_validate(&st);
	if (setup_check())
		return 1;
	st.ncpus = libbpf_num_possible_cpus();
	json_init(&st.j, stdout);

	st.skel = tcpwait__open_opts(setup_open_opts());
	if (!st.skel) {
		setup_explain(-errno, "open the BPF programs");
		return 1;
	}
	err = tcpwait_configure(&st);
	if (err)
		goto cleanup;
	err = setup_load_attach(st.skel->skeleton, st.common.no_bpf_stats);
	if (err)
		goto cleanup;
	st.obj = st.skel->obj;
	st.failed_dests_fd = bpf_map__fd(st.skel->maps.failed_dests);
	/* the socket table is read on demand: an iterator link, not an attachment */
	st.skel->links.tcpwait_iter = bpf_program__attach_iter(st.skel->progs.tcpwait_iter, NULL);
	if (!st.skel->links.tcpwait_iter) {
		err = -errno;
		setup_explain(err, "attach the BPF programs");
		goto cleanup;
	}

	st.start_ns = st.last_tick_ns = out_monotonic_ns();
	if (!st.cfg.events) {
		/* the first interval's rates need a starting point */
		err = scan_sockets(&st);
		if (err)
			goto cleanup;
		st.prev_time_wait = st.scan.time_wait;
	}
	if (st.cfg.events) {
		err = events_open(&st.ev, st.skel->maps.events, event_print, &st,
				  &st.skel->bss->kscope_lost_events);
		if (err)
			goto cleanup;
		print_events_header(&st);
		err = loop_run(&st.common, &st.ev, events_tick, &st);
	} else {
		if (!st.common.json && !st.common.prom_file)
			printf("Tracing TCP state changes%s%s... Ctrl-C to end.\n\n",
			       st.cfg.netns ? " in netns " : "", st.cfg.netns ? st.cfg.netns : "");
		fflush(stdout);
		loop_started(&st.common, st.cfg.netns ? "TCP state changes in the network namespace"
						      : "TCP state changes");
		err = loop_run(&st.common, NULL, tcpwait_tick, &st);
	}
	if (!st.common.prom_file)
		print_summary(&st);

cleanup:
	events_close(&st.ev);
	cost_exit();
	tcpwait__destroy(st.skel);
	tw_scan_free(&st.scan);
	tw_scan_free(&st.prev_scan);
	free(st.procs);
	free(st.prev_procs);
	free(st.procs_read);
	snap_free(&st.procs_snap);
	free(st.ns);
	promrows_free(&st.prom_rows);
	cgroup_cache_free();
	if (st.netns_fd >= 0)
		close(st.netns_fd);
	return err ? 1 : 0;
}
