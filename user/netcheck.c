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
#include "netcheck_state.h"
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

/*
 * One interval, or for the summary the whole run: the maps now, less the last read (less the
 * start for the summary and for --prom-file's counters since start), shown.
 */
static int watch_interval(struct netcheck_state *st, bool summary)
{
	int err;

	err = netcheck_read(st, summary);
	if (err) {
		out_error("could not read the BPF maps: %s", strerror(-err));
		return 1;
	}
	if (netcheck_report(st, summary)) {
		out_error("out of memory while building the report");
		return 1;
	}
	return netcheck_show(st, summary);
}

static int tick(void *ctx)
{
	return watch_interval(ctx, false);
}

static int watch_main(int argc, char **argv)
{
	struct netcheck_state *st = calloc(1, sizeof(*st));
	struct netcheck *skel = NULL;
	int err = 1;

	if (!st) {
		fprintf(stderr, "netcheck: out of memory\n");
		return 1;
	}
	st->cfg.top = 10;
	opts_parse(&watch_tool, argc, argv, &st->common, &st->cfg);
	json_init(&st->j, stdout);
	if (setup_check())
		goto cleanup;
	st->ncpus = libbpf_num_possible_cpus();
	if (st->ncpus <= 0) {
		out_error("could not count the possible CPUs (/sys/devices/system/cpu/possible)");
		goto cleanup;
	}
	skel = netcheck__open_opts(setup_open_opts());
	if (!skel) {
		setup_explain(-errno, "open the BPF object");
		goto cleanup;
	}
	skel->rodata->filter_tgid = st->common.pid;
	skel->rodata->filter_cgroup_id = st->common.cgroup_id;
	skel->rodata->filter_cgroup_level = st->common.cgroup_level;
	/* epoll_pwait2 arrived in 5.11: without it, those calls go uncounted, nothing else */
	if (!probe_tracepoint("syscalls", "sys_enter_epoll_pwait2")) {
		bpf_program__set_autoload(skel->progs.netcheck_epoll_pwait2, false);
		bpf_program__set_autoload(skel->progs.netcheck_epoll_pwait2_exit, false);
		out_note("no epoll_pwait2 tracepoint on this kernel: those calls are not counted");
	}
	if (!probe_tracepoint("napi", "napi_poll")) {
		bpf_program__set_autoload(skel->progs.netcheck_napi_poll, false);
		out_note("no napi:napi_poll tracepoint: the NAPI columns stay empty");
	}
	snap_rows_cap(skel->maps.netcheck_procs);
	err = setup_load_attach(skel->skeleton, st->common.no_bpf_stats);
	if (err)
		goto cleanup;
	st->obj = skel->obj;
	st->cpus_fd = bpf_map__fd(skel->maps.netcheck_cpus);
	st->procs_fd = bpf_map__fd(skel->maps.netcheck_procs);
	st->irqs_fd = bpf_map__fd(skel->maps.netcheck_irqs);
	st->napis_fd = bpf_map__fd(skel->maps.netcheck_napis);
	st->procs_max = bpf_map__max_entries(skel->maps.netcheck_procs);
	err = netcheck_read_start(st);
	if (err) {
		out_error("could not read the BPF maps: %s", strerror(-err));
		err = 1;
		goto cleanup;
	}
	if (st->common.prom_file)
		loop_started(&st->common, st->common.pid
						  ? "epoll_wait of the process, IRQs, softirqs "
						    "and NAPI polls"
						  : "epoll_wait, IRQs, softirqs and NAPI polls");
	else
		fprintf(stderr,
			"Tracing epoll_wait%s, IRQs, softirqs and NAPI polls every %g s... "
			"Hit Ctrl-C to end.\n",
			st->common.pid ? " of the process" : "", st->common.interval_ms / 1000.0);

	err = loop_run(&st->common, NULL, tick, st);
	if (!err)
		err = watch_interval(st, true);
cleanup:
	netcheck_state_free(st);
	cost_exit();
	netcheck__destroy(skel);
	free(st);
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
