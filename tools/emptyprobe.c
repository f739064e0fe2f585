// SPDX-License-Identifier: GPL-2.0
/*
 * emptyprobe: the cheapest possible probe, the anchor benchmarks compare tools against.
 *
 * For each tracepoint named on the command line it loads a BPF program that does nothing
 * (r0 = 0; exit) and attaches it, so the cost measured is the kernel's cost of running any
 * BPF program there and nothing else.  Default: a tracepoint program through
 * perf_event_open() + PERF_EVENT_IOC_SET_BPF, the hook SEC("tracepoint/...") programs use;
 * -r: a raw tracepoint program (BPF_RAW_TRACEPOINT_OPEN), the hook of raw_tp/tp_btf programs.
 * -k: each program reads the clock (bpf_ktime_get_ns) and nothing else: on entry and exit
 * of a call, the least any tool that times the call must pay.
 * -m: each program reads the clock and adds it to one element of an array map (an atomic add,
 * the array shared by all the programs): with -k's clock read, the least any tool that keeps a
 * figure per event must pay (a map lookup the verifier inlines, one atomic instruction).
 *
 * One program per tracepoint, named "emptyprobe", so BPF stats give each hook its own
 * run_cnt.  It prints "prog_id=N tracepoint=CAT:NAME" per program, then "ready", and stays
 * attached until SIGINT/SIGTERM (or -d SECONDS), then detaches and exits 0.
 *
 * Built single-file without libbpf: the raw bpf(2) and perf_event_open(2) system calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define MAX_PROBES 64

struct probe {
	const char *spec; /* "category:name" */
	int prog_fd;
	int attach_fd; /* perf event or raw tracepoint fd: closing it detaches */
	__u32 prog_id;
};

static char verifier_log[4096];

static void usage(FILE *f)
{
	fprintf(f, "Usage: emptyprobe [-r] [-k] [-m] [-d SECONDS] CATEGORY:NAME...\n"
		   "Attach an empty BPF program (named emptyprobe) to each tracepoint until\n"
		   "SIGINT/SIGTERM or SECONDS; print prog_id=N tracepoint=CAT:NAME, then ready.\n"
		   "  -r, --raw       raw tracepoint programs instead of perf tracepoint ones\n"
		   "  -k, --clock     each program reads the clock (bpf_ktime_get_ns), no more\n"
		   "  -m, --map       each program reads the clock and adds it to an array map\n"
		   "  -d SECONDS      detach and exit after SECONDS\n"
		   "  -h              this text\n");
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* an array of one u64, the -m programs' sum of clock reads */
static int map_create(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = sizeof(__u32);
	attr.value_size = sizeof(__u64);
	attr.max_entries = 1;
	strncpy(attr.map_name, "emptyprobe", sizeof(attr.map_name) - 1);
	return sys_bpf(BPF_MAP_CREATE, &attr);
}

/* map_fd < 0: [bpf_ktime_get_ns();] r0 = 0; exit.  Otherwise the clock, added to map[0]. */
static int prog_load(enum bpf_prog_type type, bool clock, int map_fd)
{
	struct bpf_insn insns[] = {
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_ktime_get_ns},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	/* r6 = clock; key = 0; r0 = lookup(map, &key); if (r0) lock *(u64 *)r0 += r6 */
	struct bpf_insn map_insns[] = {
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_ktime_get_ns},
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_0},
		{.code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4, .imm = 0},
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10},
		{.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4},
		{.code = BPF_LD | BPF_DW | BPF_IMM,
		 .dst_reg = BPF_REG_1,
		 .src_reg = BPF_PSEUDO_MAP_FD,
		 .imm = map_fd},
		{0},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem},
		{.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_0, .off = 1, .imm = 0},
		{.code = BPF_STX | BPF_ATOMIC | BPF_DW,
		 .dst_reg = BPF_REG_0,
		 .src_reg = BPF_REG_6,
		 .imm = BPF_ADD},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	int skip = clock ? 0 : 1;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	if (map_fd >= 0) {
		attr.insns = (__u64)(unsigned long)map_insns;
		attr.insn_cnt = sizeof(map_insns) / sizeof(map_insns[0]);
	} else {
		attr.insns = (__u64)(unsigned long)(insns + skip);
		attr.insn_cnt = sizeof(insns) / sizeof(insns[0]) - skip;
	}
	attr.license = (__u64)(unsigned long)"GPL";
	attr.log_buf = (__u64)(unsigned long)verifier_log;
	attr.log_size = sizeof(verifier_log);
	attr.log_level = 1;
	strncpy(attr.prog_name, "emptyprobe", sizeof(attr.prog_name) - 1);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == ENOSPC) {
		/* only the log was too small; a program this short cannot fail otherwise */
		attr.log_level = 0;
		attr.log_buf = 0;
		attr.log_size = 0;
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
	}
	return fd;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (__u64)(unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr))
		return 0;
	return info.id;
}

/* tracefs mount point, mounting it when neither usual place has it */
static const char *tracefs(void)
{
	static const char *const dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!stat(path, &st))
			return dirs[i];
	}
	if (mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return NULL;
	return dirs[0];
}

static int tracepoint_id(const char *root, const char *spec)
{
	char path[512], buf[32];
	const char *colon = strchr(spec, ':');
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/events/%.*s/%s/id", root, (int)(colon - spec), spec,
		 colon + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

static int attach_perf(struct probe *p, const char *root)
{
	struct perf_event_attr pea;
	int id;

	id = tracepoint_id(root, p->spec);
	if (id < 0) {
		fprintf(stderr, "emptyprobe: no tracepoint %s in %s/events (%s)\n", p->spec, root,
			strerror(errno));
		return -1;
	}
	memset(&pea, 0, sizeof(pea));
	pea.type = PERF_TYPE_TRACEPOINT;
	pea.size = sizeof(pea);
	pea.config = id;
	pea.sample_period = 1;
	pea.wakeup_events = 1;
	/*
	 * pid -1, cpu 0 is what libbpf does: a BPF program set on a tracepoint event runs on
	 * every CPU, the event's cpu only decides where samples would go (there are none).
	 */
	p->attach_fd = syscall(__NR_perf_event_open, &pea, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (p->attach_fd < 0) {
		fprintf(stderr, "emptyprobe: perf_event_open(%s): %s\n", p->spec, strerror(errno));
		return -1;
	}
	if (ioctl(p->attach_fd, PERF_EVENT_IOC_SET_BPF, p->prog_fd) ||
	    ioctl(p->attach_fd, PERF_EVENT_IOC_ENABLE, 0)) {
		fprintf(stderr, "emptyprobe: attach to %s: %s\n", p->spec, strerror(errno));
		return -1;
	}
	return 0;
}

static int attach_raw(struct probe *p)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.name = (__u64)(unsigned long)(strchr(p->spec, ':') + 1);
	attr.raw_tracepoint.prog_fd = p->prog_fd;
	p->attach_fd = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
	if (p->attach_fd < 0) {
		fprintf(stderr, "emptyprobe: raw tracepoint %s: %s\n", p->spec, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	struct probe probes[MAX_PROBES];
	struct timespec timeout = {};
	const char *root = NULL;
	double duration = 0;
	bool raw = false, clock = false, map = false;
	int i, n = 0, ret = 1, map_fd = -1;
	sigset_t set;
	char *end;

	gen_bound_lifetime("emptyprobe");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--raw")) {
			raw = true;
		} else if (!strcmp(argv[i], "-k") || !strcmp(argv[i], "--clock")) {
			clock = true;
		} else if (!strcmp(argv[i], "-m") || !strcmp(argv[i], "--map")) {
			map = true;
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			duration = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(duration > 0)) {
				fprintf(stderr, "emptyprobe: bad duration '%s'\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-' || !strchr(argv[i], ':') || strchr(argv[i], '/') ||
			   strlen(argv[i]) > 200) {
			fprintf(stderr, "emptyprobe: bad argument '%s' (want CATEGORY:NAME)\n",
				argv[i]);
			usage(stderr);
			return 2;
		} else if (n == MAX_PROBES) {
			fprintf(stderr, "emptyprobe: at most %d tracepoints\n", MAX_PROBES);
			return 2;
		} else {
			probes[n++] =
				(struct probe){.spec = argv[i], .prog_fd = -1, .attach_fd = -1};
		}
	}
	if (!n) {
		usage(stderr);
		return 2;
	}

	/* block the stop signals before attaching: they are taken by sigtimedwait below */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; later ones ignore it */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	if (!raw) {
		root = tracefs();
		if (!root) {
			fprintf(stderr,
				"emptyprobe: tracefs is not mounted and mounting it failed "
				"(%s); mount -t tracefs tracefs /sys/kernel/tracing\n",
				strerror(errno));
			return 1;
		}
	}

	if (map) {
		map_fd = map_create();
		if (map_fd < 0) {
			fprintf(stderr, "emptyprobe: cannot create a BPF map (%s)%s\n",
				strerror(errno), errno == EPERM ? "; run as root" : "");
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++) {
		enum bpf_prog_type type =
			raw ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT;
		struct probe *p = &probes[i];

		p->prog_fd = prog_load(type, clock, map_fd);
		if (p->prog_fd < 0) {
			int err = errno;

			fprintf(stderr, "emptyprobe: cannot load a BPF program (%s)%s%s\n",
				strerror(err), err == EPERM ? "; run as root" : "", verifier_log);
			goto cleanup;
		}
		p->prog_id = prog_id(p->prog_fd);
		if (raw ? attach_raw(p) : attach_perf(p, root))
			goto cleanup;
		printf("prog_id=%u tracepoint=%s\n", p->prog_id, p->spec);
	}
	printf("ready\n");
	fflush(stdout);

	timeout.tv_sec = (time_t)duration;
	timeout.tv_nsec = (long)((duration - timeout.tv_sec) * 1e9);
	for (;;) {
		int sig =
			duration > 0 ? sigtimedwait(&set, NULL, &timeout) : sigwaitinfo(&set, NULL);

		if (sig >= 0 || errno != EINTR)
			break;
	}
	ret = 0;

cleanup:
	for (i = n - 1; i >= 0; i--) {
		if (probes[i].attach_fd >= 0)
			close(probes[i].attach_fd);
		if (probes[i].prog_fd >= 0)
			close(probes[i].prog_fd);
	}
	if (map_fd >= 0)
		close(map_fd);
	return ret;
}
