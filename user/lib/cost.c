// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include "cost.h"
#include "json.h"
#include "out.h"
#include "prom.h"

static struct {
	struct bpf_object *obj;
	int stats_fd;  /* held for the process's life: closing it turns the stats off */
	bool stats_on; /* ours, or the sysctl's */
	struct cost_snap start, last;
} cost = {.stats_fd = -1};

/* when the process started, near enough: the wall window of its whole CPU time */
static __u64 process_start_ns;

__attribute__((constructor)) static void cost_process_start(void)
{
	process_start_ns = out_monotonic_ns();
}

static bool stats_sysctl_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v == 1;
}

void cost_start(struct bpf_object *obj, bool no_stats)
{
	cost.obj = obj;
	if (!no_stats && cost.stats_fd < 0) {
		cost.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (cost.stats_fd < 0)
			out_debug("BPF run-time stats unavailable (%d): no BPF cost figures",
				  errno);
	}
	cost.stats_on = cost.stats_fd >= 0 || stats_sysctl_on();
	cost_read(&cost.start);
	cost.last = cost.start;
}

bool cost_stats_on(void)
{
	return cost.stats_on;
}

void cost_read(struct cost_snap *s)
{
	struct bpf_program *prog;
	struct rusage ru;

	*s = (struct cost_snap){.wall_ns = out_monotonic_ns()};
	if (!cost.obj)
		return;
	bpf_object__for_each_program(prog, cost.obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		s->bpf_ns += info.run_time_ns;
		s->bpf_runs += info.run_cnt;
	}
	if (!getrusage(RUSAGE_SELF, &ru))
		s->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
			    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static double ratio(__u64 a, __u64 b)
{
	return b ? (double)a / b : 0;
}

void cost_json(struct json *j)
{
	struct cost_snap s;

	if (!cost.obj)
		return;
	cost_read(&s);
	json_key(j, "cost");
	json_object_begin(j);
	json_kv_bool(j, "bpf_stats", cost.stats_on);
	json_kv_double(j, "bpf_seconds", (s.bpf_ns - cost.start.bpf_ns) / 1e9);
	json_kv_u64(j, "bpf_runs", s.bpf_runs - cost.start.bpf_runs);
	json_kv_double(j, "bpf_ns_per_run",
		       ratio(s.bpf_ns - cost.start.bpf_ns, s.bpf_runs - cost.start.bpf_runs));
	json_kv_double(j, "bpf_cpu_share",
		       ratio(s.bpf_ns - cost.start.bpf_ns, s.wall_ns - cost.start.wall_ns));
	json_kv_double(j, "cpu_seconds", s.cpu_ns / 1e9);
	json_object_end(j);
}

void cost_prom(struct prom *p)
{
	char name[128], tool[32];
	struct cost_snap s;

	/* "netcheck watch" is netcheck in the metric names */
	snprintf(tool, sizeof(tool), "%s", out_tool_name());
	tool[strcspn(tool, " ")] = '\0';

	if (!cost.obj)
		return;
	cost_read(&s);
	/* counters since the tool started: its own programs' stats are its own */
	snprintf(name, sizeof(name), "kscope_%s_bpf_seconds_total", tool);
	prom_family(p, name, "counter",
		    "CPU time the tool's BPF programs ran in the kernel (0 without BPF stats)");
	prom_sample(p, name, NULL, (s.bpf_ns - cost.start.bpf_ns) / 1e9);
	snprintf(name, sizeof(name), "kscope_%s_bpf_runs_total", tool);
	prom_family(p, name, "counter", "Runs of the tool's BPF programs (0 without BPF stats)");
	prom_sample(p, name, NULL, s.bpf_runs - cost.start.bpf_runs);
	snprintf(name, sizeof(name), "kscope_%s_cpu_seconds_total", tool);
	prom_family(p, name, "counter", "User and system CPU time of the tool's own process");
	prom_sample(p, name, NULL, s.cpu_ns / 1e9);
}

static void cost_note(const char *what, const struct cost_snap *from, const struct cost_snap *to)
{
	__u64 bpf = to->bpf_ns - from->bpf_ns, runs = to->bpf_runs - from->bpf_runs;
	__u64 wall = to->wall_ns - from->wall_ns, cpu = to->cpu_ns - from->cpu_ns;

	if (!cost.stats_on) {
		out_note("cost %s: %.3f s CPU in user space (%.2f%% of one CPU); BPF time not "
			 "measured (BPF stats off)",
			 what, cpu / 1e9, 100 * ratio(cpu, wall));
		return;
	}
	out_note("cost %s: %.3f s CPU in BPF (%llu runs, %.0f ns each, %.2f%% of one CPU), "
		 "%.3f s in user space (%.2f%%)",
		 what, bpf / 1e9, (unsigned long long)runs, ratio(bpf, runs),
		 100 * ratio(bpf, wall), cpu / 1e9, 100 * ratio(cpu, wall));
}

void cost_interval_note(void)
{
	struct cost_snap s;

	if (!cost.obj)
		return;
	cost_read(&s);
	cost_note("this interval", &cost.last, &s);
	cost.last = s;
}

void cost_exit(void)
{
	struct cost_snap s, zero_cpu;

	if (!cost.obj)
		return;
	cost_read(&s);
	/*
	 * The process's CPU time from its start, loading and attaching included, over the wall
	 * time from its start too: over the window from cost_start() alone, a short run's BPF
	 * load (the verifier's CPU seconds) read as 1622% of one CPU.
	 */
	zero_cpu = cost.start;
	zero_cpu.cpu_ns = 0;
	zero_cpu.wall_ns = process_start_ns;
	cost_note("of this run", &zero_cpu, &s);
	cost.obj = NULL;
}
