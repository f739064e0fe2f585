// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwait: who fills TIME_WAIT, and how close this host is to running out of ports.
 *
 * Each interval: the namespace's socket table (iter/tcp) grouped by the tuple whose ephemeral
 * ports run out, the in-kernel open/close/TIME_WAIT counters per process, and connect()
 * failures with EADDRNOTAVAIL.  --events streams every state change instead.
 */
#include <errno.h>
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
#include "netns.h"
#include "opts.h"
#include "out.h"
#include "probe.h"
#include "setup.h"
#include "snap.h"
#include "tcpwait.h"
#include "tcpwait.skel.h"

#include "tcpwait_report.h"
#include "tcpwait_show.h"
#include "tcpwait_state.h"

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

/* One interval: read, report, show; the state keeps what the next interval subtracts. */
static int tcpwait_tick(void *ctx)
{
	struct tcpwait_state *st = ctx;

	if (tcpwait_read(st))
		return 1;
	tcpwait_report(st);
	return tcpwait_show(st) ? 1 : 0;
}

/* --events: the ring's callback printed each change as it came; say what the ring lost. */
static int events_tick(void *ctx)
{
	struct tcpwait_state *st = ctx;

	events_lost_check(&st->ev);
	fflush(stdout);
	return 0;
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
	/* its own variable: a test overflows one table, the other stays as it is */
	snap_rows_cap_env(skel->maps.failed_dests, "KSCOPE_DEST_ROWS");
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
	st.counters_fd = bpf_map__fd(st.skel->maps.counters);
	st.lifetime_fd = bpf_map__fd(st.skel->maps.lifetime_us);
	st.procs_fd = bpf_map__fd(st.skel->maps.procs);
	st.procs_max = bpf_map__max_entries(st.skel->maps.procs);
	st.dests_max = bpf_map__max_entries(st.skel->maps.failed_dests);
	/* the socket table is read on demand: an iterator link, not an attachment */
	st.skel->links.tcpwait_iter = bpf_program__attach_iter(st.skel->progs.tcpwait_iter, NULL);
	if (!st.skel->links.tcpwait_iter) {
		err = -errno;
		setup_explain(err, "attach the BPF programs");
		goto cleanup;
	}
	st.iter_link_fd = bpf_link__fd(st.skel->links.tcpwait_iter);

	st.start_ns = st.last_tick_ns = out_monotonic_ns();
	if (!st.cfg.events) {
		/* the first interval's rates need a starting point */
		err = tcpwait_scan_sockets(&st);
		if (err)
			goto cleanup;
		st.prev_time_wait = st.scan.time_wait;
	}
	if (st.cfg.events) {
		err = events_open(&st.ev, st.skel->maps.events, tcpwait_show_event, &st,
				  &st.skel->bss->kscope_lost_events);
		if (err)
			goto cleanup;
		tcpwait_show_events_header(&st);
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
	if (!st.common.prom_file) {
		__u64 lost = st.ev.rb ? events_lost_check(&st.ev) : 0;
		__u64 missed = setup_prog_misses(st.skel->obj);

		tcpwait_read_counters(&st);
		tcpwait_show_summary(&st, lost, missed);
	}

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
	snap_free(&st.dests_snap);
	free(st.ns);
	promrows_free(&st.prom_rows);
	cgroup_cache_free();
	if (st.netns_fd >= 0)
		close(st.netns_fd);
	return err ? 1 : 0;
}
