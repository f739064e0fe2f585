// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck: is this host set up so that a network benchmark measures the network, not the
 * settings?
 *
 *   netcheck audit [IFACE...]   one row per setting: value, why it matters, how to change it
 *   netcheck watch [interval [count]]
 *                               epoll_wait timeouts, batching and sleeps per process; hardirqs,
 *                               softirqs and NAPI polls per CPU, live from BPF
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cost.h"
#include "loop.h"
#include "opts.h"
#include "probe.h"
#include "out.h"
#include "setup.h"
#include "snap.h"
#include "netcheck.h"
#include "netcheck.skel.h"
#include "netcheck_audit.h"
#include "netcheck_ethtool.h"
#include "netcheck_watch.h"
#include "table.h"

/* ---------------------------------------------------------------- audit */

struct audit_cfg {
	const char *root;
};

static const struct opt audit_opts[] = {
	{"root", 'r', OPT_STRING, OPT_FIELD(struct audit_cfg, root), "DIR",
	 "read sysfs and procfs below DIR instead of / (ethtool and netlink rows need the live "
	 "host and say so)"},
	{0},
};

static const struct tool_desc audit_tool = {
	.name = "netcheck audit",
	.summary = "Check the settings that decide what a network benchmark measures: one row per "
		   "setting with its value, why it matters and the command that changes it.",
	.synopsis = "[IFACE...]",
	.opts = audit_opts,
	.examples = "  netcheck audit              every interface but lo\n"
		    "  netcheck audit eth0 --json  one JSON object per row\n",
	.free_args = true,
};

static void audit_print_json(const struct netcheck_audit *a)
{
	struct json j;

	json_init(&j, stdout);
	for (int i = 0; i < a->nrows; i++) {
		const struct netcheck_row *r = &a->rows[i];

		json_event_begin(&j, "setting");
		json_kv_string(&j, "section", r->section);
		json_kv_string(&j, "setting", r->setting);
		json_kv_string(&j, "status", netcheck_status_name(r->status));
		json_kv_string(&j, "value", r->value);
		if (r->source[0]) {
			json_kv_string(&j, "source", r->source);
			json_kv_string(&j, "raw", r->raw);
		} else {
			json_kv_null(&j, "source");
			json_kv_null(&j, "raw");
		}
		json_kv_string(&j, "why", r->why);
		if (r->fix[0])
			json_kv_string(&j, "fix", r->fix);
		else
			json_kv_null(&j, "fix");
		json_object_end(&j);
		json_line_end(&j);
	}
}

static void audit_print_table(const struct netcheck_audit *a)
{
	int warn = 0, width = 32;

	/* the kernel adds vulnerabilities: a newer one's name must not push its value askew */
	for (int i = 0; i < a->nrows; i++) {
		int len = strlen(a->rows[i].section) + 1 + strlen(a->rows[i].setting);

		if (len > width)
			width = len;
	}
	printf("%-5s %-*s %s\n", "STATE", width, "SETTING", "VALUE");
	for (int i = 0; i < a->nrows; i++) {
		const struct netcheck_row *r = &a->rows[i];
		char name[64], value[2 * sizeof(r->value)];

		snprintf(name, sizeof(name), "%s.%s", r->section, r->setting);
		/* interface names and driver names come from the system, not from us */
		out_sanitize(value, sizeof(value), r->value, sizeof(r->value));
		out_sanitize(name, sizeof(name), name, sizeof(name));
		printf("%-5s %-*s %s\n", netcheck_status_name(r->status), width, name, value);
		if (r->status == NETCHECK_WARN || out_verbose()) {
			printf("      why: %s\n", r->why);
			if (r->fix[0])
				printf("      fix: %s\n", r->fix);
		}
		warn += r->status == NETCHECK_WARN;
	}
	printf("\n%d of %d settings will shape a benchmark's figures (warn)%s.\n", warn, a->nrows,
	       out_verbose() ? "" : "; -v explains every row");
}

static bool root_has(const char *root, const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int audit_main(int argc, char **argv)
{
	struct audit_cfg cfg = {.root = "/"};
	struct common_opts common;
	struct netcheck_audit a = {0};
	bool live;

	opts_parse(&audit_tool, argc, argv, &common, &cfg);
	live = !strcmp(cfg.root, "/");
	a.root = cfg.root;
	a.ifaces = common.nargs ? common.args : NULL;
	a.nifaces = common.nargs;
	/* ethtool and netlink answer for this host only, never for a tree under --root */
	a.ethtool = live ? netcheck_ethtool_read : NULL;
	a.nft = live ? netcheck_nft_read : NULL;
	if (!live && access(cfg.root, R_OK | X_OK)) {
		out_error(
			"cannot read --root %s: %s; give a directory with sys/ and proc/ below it",
			cfg.root, strerror(errno));
		return 1;
	}
	/* a tree with neither is a wrong path, not a host whose every setting is n/a */
	if (!live && !root_has(cfg.root, "sys") && !root_has(cfg.root, "proc"))
		opts_die(&audit_tool, "invalid --root '%s': no sys/ or proc/ below it", cfg.root);
	for (int i = 0; i < a.nifaces; i++)
		if (!a.ifaces[i][0])
			opts_die(&audit_tool, "an interface name must not be empty");
	if (netcheck_audit_run(&a)) {
		for (int i = 0; i < a.nifaces; i++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/sys/class/net/%s", live ? "" : cfg.root,
				 a.ifaces[i]);
			if (strchr(a.ifaces[i], '/') || access(path, F_OK))
				opts_die(&audit_tool, "no interface '%s' here (see ip link)",
					 a.ifaces[i]);
		}
		out_error("could not read the settings: %s", strerror(errno));
		netcheck_audit_free(&a);
		return 1;
	}
	if (out_json())
		audit_print_json(&a);
	else
		audit_print_table(&a);
	netcheck_audit_free(&a);
	return 0;
}

/* ---------------------------------------------------------------- watch */

static const struct opt watch_opts[] = {
	{"hist", 'H', OPT_FLAG, OPT_FIELD(struct watch_cfg, hist), NULL,
	 "print each process's histograms: timeout, events per call, wakeup to running"},
	{"top", 't', OPT_INT, OPT_FIELD(struct watch_cfg, top), "N",
	 "processes shown per interval (default 10)", 1, 100000},
	{0},
};

static const struct tool_desc watch_tool = {
	.name = "netcheck watch",
	.summary = "Show live how epoll_wait behaves per process (timeout passed, events per call, "
		   "sleeps and wakeup-to-running delay) and where hardirqs, softirqs and NAPI "
		   "polls land per CPU. -p/-c filter the epoll part; the per-CPU part is the whole "
		   "host's.",
	.synopsis = "[interval [count]]",
	.common = COMMON_PID | COMMON_CGROUP | COMMON_INTERVAL | COMMON_PROM,
	.opts = watch_opts,
	.examples = "  netcheck watch            every second until Ctrl-C\n"
		    "  netcheck watch -p 1234 -H 5 3\n"
		    "  netcheck watch --json 1 10\n",
	.default_interval_ms = 1000,
};

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_snap *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_irq(const void *a, const void *b)
{
	const struct irq_snap *x = a, *y = b;

	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

static int cmp_napi(const void *a, const void *b)
{
	return memcmp(&((const struct napi_snap *)a)->key, &((const struct napi_snap *)b)->key,
		      sizeof(struct netcheck_napi_key));
}

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nirqs; i++)
		free(s->irqs[i].count);
	free(s->procs);
	free(s->cpus);
	free(s->irqs);
	free(s->napis);
	memset(s, 0, sizeof(*s));
}

static void proc_add(struct netcheck_proc *dst, const struct netcheck_proc *p)
{
	if (p->comm[0] && !dst->comm[0])
		memcpy(dst->comm, p->comm, sizeof(dst->comm));
	dst->calls += p->calls;
	dst->errors += p->errors;
	dst->events += p->events;
	dst->timeout_block += p->timeout_block;
	dst->timeout_zero += p->timeout_zero;
	dst->slept += p->slept;
	dst->incall_ns += p->incall_ns;
	dst->wake_ns += p->wake_ns;
	for (int i = 0; i < HIST_SLOTS; i++) {
		dst->timeout_hist[i] += p->timeout_hist[i];
		dst->events_hist[i] += p->events_hist[i];
		dst->wake_hist[i] += p->wake_hist[i];
	}
}

static void proc_sum(struct netcheck_proc *dst, const struct netcheck_proc *percpu, int ncpus)
{
	memset(dst, 0, sizeof(*dst));
	for (int c = 0; c < ncpus; c++)
		proc_add(dst, &percpu[c]);
}

/* Cumulative values of every map; the intervals are differences of two snapshots. */
static int snapshot_read(struct watch *w, struct snapshot *s)
{
	struct netcheck *skel = w->skel;
	struct snap m = {0}; /* the IRQ and NAPI maps, one after the other */
	__u32 zero = 0;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->cpus = calloc(w->ncpus, sizeof(*s->cpus));
	if (!s->cpus) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = bpf_map_lookup_elem(bpf_map__fd(skel->maps.netcheck_cpus), &zero, s->cpus);
	if (err)
		goto cleanup;
	clock_gettime(CLOCK_REALTIME, &s->cpus_read);

	err = snap_read(&w->procs_snap, bpf_map__fd(skel->maps.netcheck_procs), sizeof(__u32),
			snap_percpu_size(sizeof(struct netcheck_proc)),
			bpf_map__max_entries(skel->maps.netcheck_procs));
	if (err)
		goto cleanup;
	s->procs = calloc(w->procs_snap.n + 1, sizeof(*s->procs));
	if (!s->procs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < w->procs_snap.n; i++) {
		memcpy(&s->procs[i].pid, snap_key(&w->procs_snap, i), sizeof(__u32));
		proc_sum(&s->procs[i].v, snap_value(&w->procs_snap, i), w->ncpus);
	}
	s->nprocs = w->procs_snap.n;
	table_sort(s->procs, s->nprocs, sizeof(*s->procs), cmp_pid);

	err = snap_read(&m, bpf_map__fd(skel->maps.netcheck_irqs), sizeof(__u32),
			snap_percpu_size(sizeof(struct netcheck_irq)), NETCHECK_MAX_IRQS);
	if (err)
		goto cleanup;
	s->irqs = calloc(m.n + 1, sizeof(*s->irqs));
	if (!s->irqs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < m.n; i++) {
		const struct netcheck_irq *percpu = snap_value(&m, i);
		struct irq_snap *is = &s->irqs[s->nirqs];

		memcpy(&is->irq, snap_key(&m, i), sizeof(is->irq));
		is->count = calloc(2 * w->ncpus, sizeof(__u64));
		if (!is->count) {
			err = -ENOMEM;
			goto cleanup;
		}
		is->ns = is->count + w->ncpus;
		s->nirqs++;
		for (int c = 0; c < w->ncpus; c++) {
			is->count[c] = percpu[c].count;
			is->ns[c] = percpu[c].ns;
			is->total += percpu[c].count;
			is->total_ns += percpu[c].ns;
		}
	}
	table_sort(s->irqs, s->nirqs, sizeof(*s->irqs), cmp_irq);

	err = snap_read(&m, bpf_map__fd(skel->maps.netcheck_napis),
			sizeof(struct netcheck_napi_key), sizeof(struct netcheck_napi),
			NETCHECK_MAX_NAPI);
	if (err)
		goto cleanup;
	s->napis = calloc(m.n + 1, sizeof(*s->napis));
	if (!s->napis) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < m.n; i++) {
		memcpy(&s->napis[i].key, snap_key(&m, i), sizeof(s->napis[i].key));
		memcpy(&s->napis[i].v, snap_value(&m, i), sizeof(s->napis[i].v));
	}
	s->nnapis = m.n;
	table_sort(s->napis, s->nnapis, sizeof(*s->napis), cmp_napi);
cleanup:
	snap_free(&m);
	return err;
}

/*
 * Interval = cur - base, in place in a copy of cur.  Entries that appear only in cur started
 * within the interval; an entry the LRU evicted and re-created would go negative, so it is
 * taken whole instead.
 */
/* epoll_wait calls counted apart from the process table, summed over the CPUs */
static __u64 snapshot_calls(const struct snapshot *s, int ncpus)
{
	__u64 n = 0;

	for (int c = 0; s->cpus && c < ncpus; c++)
		n += s->cpus[c].epoll_calls;
	return n;
}

static __u64 rows_calls(const struct snapshot *s)
{
	__u64 n = 0;

	for (size_t i = 0; i < s->nprocs; i++)
		n += s->procs[i].v.calls;
	return n;
}

static void snapshot_diff(struct watch *w, struct snapshot *d, const struct snapshot *cur,
			  const struct snapshot *base)
{
	__u64 calls, rows;

	memset(d, 0, sizeof(*d));
	d->cpus = calloc(w->ncpus, sizeof(*d->cpus));
	d->procs = calloc(cur->nprocs + 1, sizeof(*d->procs));
	d->irqs = calloc(cur->nirqs + 1, sizeof(*d->irqs));
	d->napis = calloc(cur->nnapis + 1, sizeof(*d->napis));
	if (!d->cpus || !d->procs || !d->irqs || !d->napis)
		return;
	d->cpus_read = cur->cpus_read;
	for (int c = 0; c < w->ncpus; c++) {
		const __u64 *b = (const __u64 *)&base->cpus[c];
		__u64 *v = (__u64 *)&d->cpus[c];

		d->cpus[c] = cur->cpus[c];
		for (size_t i = 0; base->cpus && i < sizeof(d->cpus[c]) / sizeof(__u64); i++)
			v[i] -= b[i];
	}
	for (size_t i = 0; i < cur->nprocs; i++) {
		const struct proc_snap *b =
			table_find(&cur->procs[i], base->procs, base->nprocs, sizeof(*b), cmp_pid);

		d->procs[d->nprocs] = cur->procs[i];
		snap_delta(&d->procs[d->nprocs].v.calls, &cur->procs[i].v.calls,
			   b ? &b->v.calls : NULL, NETCHECK_PROC_COUNTERS);
		if (d->procs[d->nprocs].v.calls || d->procs[d->nprocs].v.wake_hist[0] ||
		    d->procs[d->nprocs].v.wake_ns)
			d->nprocs++;
	}
	/* the calls no row holds: rows the LRU evicted before this read, whatever they had */
	calls = snapshot_calls(d, w->ncpus);
	rows = rows_calls(d);
	d->unattributed_calls = calls > rows ? calls - rows : 0;
	for (size_t i = 0; i < cur->nirqs; i++) {
		const struct irq_snap *b =
			table_find(&cur->irqs[i], base->irqs, base->nirqs, sizeof(*b), cmp_irq);
		struct irq_snap *is = &d->irqs[d->nirqs];

		*is = cur->irqs[i];
		is->count = calloc(2 * w->ncpus, sizeof(__u64));
		if (!is->count)
			continue;
		is->ns = is->count + w->ncpus;
		is->total = is->total_ns = 0;
		for (int c = 0; c < w->ncpus; c++) {
			is->count[c] = cur->irqs[i].count[c] - (b ? b->count[c] : 0);
			is->ns[c] = cur->irqs[i].ns[c] - (b ? b->ns[c] : 0);
			is->total += is->count[c];
			is->total_ns += is->ns[c];
		}
		if (is->total)
			d->nirqs++;
		else
			free(is->count);
	}
	for (size_t i = 0; i < cur->nnapis; i++) {
		const struct napi_snap *b =
			table_find(&cur->napis[i], base->napis, base->nnapis, sizeof(*b), cmp_napi);
		struct napi_snap *n = &d->napis[d->nnapis];

		*n = cur->napis[i];
		if (b) {
			n->v.polls -= b->v.polls;
			n->v.work -= b->v.work;
			n->v.full -= b->v.full;
			for (int s = 0; s < HIST_SLOTS; s++)
				n->v.work_hist[s] -= b->v.work_hist[s];
		}
		if (n->v.polls)
			d->nnapis++;
	}
}

static __u64 last_tick_ns, start_ns;

/*
 * Reads the maps into w->cur and shows what changed since base: an interval, the summary, or
 * with --prom-file (base: the start) the file's counters.
 */
static int report(struct watch *w, const struct snapshot *base, bool summary, __u64 elapsed_ms)
{
	struct snapshot d;
	int err;

	err = snapshot_read(w, &w->cur);
	if (err) {
		out_error("could not read the BPF maps: %s", strerror(-err));
		return 1;
	}
	snapshot_diff(w, &d, &w->cur, base);
	if (!d.cpus || !d.procs || !d.irqs || !d.napis) {
		snapshot_free(&d);
		out_error("out of memory while building the report");
		return 1;
	}
	/* an interval's share: what rises above the high mark since start (snap.h) */
	if (base == &w->prev)
		d.unattributed_calls = snap_unattributed(
			&w->unattr,
			snapshot_calls(&w->cur, w->ncpus) - snapshot_calls(&w->start, w->ncpus),
			rows_calls(&d));
	/* a daemon's output is the file, to the end: its last version has the totals */
	if (w->common.prom_file)
		err = netcheck_prom_report(w, &d);
	else
		err = netcheck_report(w, &d, summary, elapsed_ms);
	snapshot_free(&d);
	return err;
}

static int tick(void *ctx)
{
	struct watch *w = ctx;
	__u64 now = out_monotonic_ns();
	int err;

	if (w->common.prom_file)
		err = report(w, &w->start, false, 0);
	else
		err = report(w, &w->prev, false, (now - last_tick_ns) / 1000000);
	last_tick_ns = now;
	snapshot_free(&w->prev);
	w->prev = w->cur;
	memset(&w->cur, 0, sizeof(w->cur));
	return err;
}

static int watch_main(int argc, char **argv)
{
	struct watch *w = calloc(1, sizeof(*w));
	int err = 1;

	if (!w) {
		fprintf(stderr, "netcheck: out of memory\n");
		return 1;
	}
	w->cfg.top = 10;
	opts_parse(&watch_tool, argc, argv, &w->common, &w->cfg);
	json_init(&w->j, stdout);
	if (setup_check())
		goto cleanup;
	w->ncpus = libbpf_num_possible_cpus();
	if (w->ncpus <= 0) {
		out_error("could not count the possible CPUs (/sys/devices/system/cpu/possible)");
		goto cleanup;
	}
	w->skel = netcheck__open_opts(setup_open_opts());
	if (!w->skel) {
		setup_explain(-errno, "open the BPF object");
		goto cleanup;
	}
	w->skel->rodata->filter_tgid = w->common.pid;
	w->skel->rodata->filter_cgroup_id = w->common.cgroup_id;
	w->skel->rodata->filter_cgroup_level = w->common.cgroup_level;
	/* epoll_pwait2 arrived in 5.11: without it, those calls go uncounted, nothing else */
	if (!probe_tracepoint("syscalls", "sys_enter_epoll_pwait2")) {
		bpf_program__set_autoload(w->skel->progs.netcheck_epoll_pwait2, false);
		bpf_program__set_autoload(w->skel->progs.netcheck_epoll_pwait2_exit, false);
		out_note("no epoll_pwait2 tracepoint on this kernel: those calls are not counted");
	}
	if (!probe_tracepoint("napi", "napi_poll")) {
		bpf_program__set_autoload(w->skel->progs.netcheck_napi_poll, false);
		out_note("no napi:napi_poll tracepoint: the NAPI columns stay empty");
	}
	snap_rows_cap(w->skel->maps.netcheck_procs);
	err = netcheck__load(w->skel);
	if (err) {
		setup_explain(err, "load the BPF programs");
		err = 1;
		goto cleanup;
	}
	w->obj = w->skel->obj;
	/* before the "Tracing" line a test or script may act on: a signal after it must not kill */
	loop_signals();
	cost_start(w->skel->obj, w->common.no_bpf_stats);
	err = netcheck__attach(w->skel);
	if (err) {
		setup_explain(err, "attach the BPF programs");
		err = 1;
		goto cleanup;
	}
	setup_report_attached(w->skel->obj);
	err = snapshot_read(w, &w->start);
	if (!err)
		err = snapshot_read(w, &w->prev);
	if (err) {
		out_error("could not read the BPF maps: %s", strerror(-err));
		err = 1;
		goto cleanup;
	}
	start_ns = last_tick_ns = out_monotonic_ns();
	if (w->common.prom_file)
		loop_started(&w->common, w->common.pid
						 ? "epoll_wait of the process, IRQs, softirqs "
						   "and NAPI polls"
						 : "epoll_wait, IRQs, softirqs and NAPI polls");
	else
		fprintf(stderr,
			"Tracing epoll_wait%s, IRQs, softirqs and NAPI polls every %g s... "
			"Hit Ctrl-C to end.\n",
			w->common.pid ? " of the process" : "", w->common.interval_ms / 1000.0);

	err = loop_run(&w->common, NULL, tick, w);
	if (!err)
		err = report(w, &w->start, true, (out_monotonic_ns() - start_ns) / 1000000);
cleanup:
	snapshot_free(&w->start);
	snapshot_free(&w->prev);
	snapshot_free(&w->cur);
	cost_exit();
	snap_free(&w->procs_snap);
	netcheck__destroy(w->skel);
	free(w);
	return err;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f, "Usage: netcheck COMMAND [OPTIONS] ...\n"
		   "Is this host set up so that a network benchmark measures the network, not "
		   "the settings?\n\n"
		   "Commands:\n"
		   "  audit [IFACE...]          the settings, one row each: value, why, fix\n"
		   "  watch [interval [count]]  epoll_wait, IRQs, softirqs and NAPI polls, live\n\n"
		   "'netcheck COMMAND --help' describes each command's options.\n");
}

static bool netcheck_has_prom_file(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--prom-file") || !strncmp(argv[i], "--prom-file=", 12))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct tool_desc *const cmds[] = {&audit_tool, &watch_tool};
	int at = opts_find_command(cmds, 2, argc, argv);
	char **with_watch;

	/*
	 * Only watch writes metrics, so --prom-file without a command is watch: the systemd
	 * unit runs every tool as "TOOL --prom-file F [interval]".
	 */
	if ((!at || (strcmp(argv[at], "audit") && strcmp(argv[at], "watch"))) &&
	    netcheck_has_prom_file(argc, argv)) {
		with_watch = calloc(argc + 2, sizeof(*argv));
		if (!with_watch) {
			fprintf(stderr, "netcheck: out of memory\n");
			return 1;
		}
		with_watch[0] = argv[0];
		with_watch[1] = "watch";
		memcpy(&with_watch[2], &argv[1], (argc - 1) * sizeof(*argv));
		at = watch_main(argc, with_watch + 1);
		free(with_watch);
		return at;
	}
	/* options before the command go after it: "netcheck --prom-file F watch" as "watch ..." */
	if (at > 1) {
		char *cmd = argv[at];

		memmove(&argv[2], &argv[1], (at - 1) * sizeof(*argv));
		argv[1] = cmd;
	}
	if (argc < 2 ||
	    (!at && argv[1][0] == '-' && strcmp(argv[1], "-h") && strcmp(argv[1], "--help") &&
	     strcmp(argv[1], "-V") && strcmp(argv[1], "--version"))) {
		fprintf(stderr, "netcheck: a command is needed: audit or watch\n"
				"Try 'netcheck --help' for more information.\n");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("netcheck (kscope) %s\n", KSCOPE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "audit"))
		return audit_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "watch"))
		return watch_main(argc - 1, argv + 1);
	out_init("netcheck", false, false);
	fprintf(stderr,
		"netcheck: unknown command '%s': expected audit or watch\n"
		"Try 'netcheck --help' for more information.\n",
		argv[1]);
	return 2;
}
