// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include "cost.h"
#include "loop.h"
#include "out.h"
#include "setup.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

static bool privileged(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	if (has_cap(data, CAP_SYS_ADMIN))
		return true;
	return has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON);
}

static bool has_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return has_cap(data, CAP_SYS_ADMIN);
}

const struct bpf_object_open_opts *setup_open_opts(void)
{
	static struct bpf_object_open_opts opts = {.sz = sizeof(opts)};

	if (!has_sys_admin() && !opts.btf_custom_path) {
		opts.btf_custom_path = "/sys/kernel/btf/vmlinux";
		out_debug("no CAP_SYS_ADMIN: kernel modules' BTF cannot be listed, CO-RE uses "
			  "vmlinux's only");
	}
	return &opts;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!out_verbose())
		return 0;
	if (level == LIBBPF_DEBUG && !getenv("KSCOPE_LIBBPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

/*
 * Whether dir is a tracefs mount: statfs, not access(), which checks the real uid without
 * capabilities and says "missing" for a 0700 directory a CAP_DAC_READ_SEARCH process reads.
 */
static bool is_tracefs(const char *dir)
{
	char events[64];
	struct statfs sfs;
	struct stat st;

	if (!statfs(dir, &sfs) && sfs.f_type == TRACEFS_MAGIC)
		return true;
	/* a tracing directory by its content (stat honours capabilities, access() does not) */
	snprintf(events, sizeof(events), "%s/events", dir);
	return !stat(events, &st) && S_ISDIR(st.st_mode);
}

const char *setup_tracefs(void)
{
	static const char *const dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};

	for (size_t i = 0; i < 2; i++)
		if (is_tracefs(dirs[i]))
			return dirs[i];
	/* a fresh host may have tracefs unmounted; libbpf needs it to attach tracepoints */
	mkdir(dirs[0], 0700);
	if (mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return NULL;
	out_debug("mounted tracefs at %s", dirs[0]);
	return dirs[0];
}

/* libbpf reads each tracepoint's id below events/; the directory is 0700 root by default */
static int tracefs_readable(const char *tracefs)
{
	char events[64];
	int fd;

	snprintf(events, sizeof(events), "%s/events", tracefs);
	fd = open(events, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int setup_check(void)
{
	const char *tracefs;
	int err;

	/* from the start: a SIGINT during loading still ends in a clean detach */
	loop_signals();
	libbpf_set_print(libbpf_print);
	if (!privileged()) {
		out_error("needs root, or the capabilities CAP_BPF, CAP_PERFMON and "
			  "CAP_DAC_READ_SEARCH, to load BPF "
			  "programs: run it with sudo");
		return -1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		out_error("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): kscope's "
			  "CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	tracefs = setup_tracefs();
	if (!tracefs) {
		out_error("tracefs is not mounted and could not be mounted (%s): run 'mount -t "
			  "tracefs tracefs /sys/kernel/tracing' and try again",
			  strerror(errno));
		return -1;
	}
	err = tracefs_readable(tracefs);
	if (err == -EACCES || err == -EPERM) {
		out_error(
			"tracefs at %s is mounted but this user cannot read it (it is mode 0700): "
			"without root, the tools need CAP_DAC_READ_SEARCH besides CAP_BPF and "
			"CAP_PERFMON to find the tracepoints",
			tracefs);
		return -1;
	}
	return 0;
}

void setup_explain(int err, const char *what)
{
	int e = err < 0 ? -err : err;

	/* as root, EACCES is the verifier's answer and EPERM a kernel policy, not privileges */
	if (e == EACCES && privileged()) {
		out_error("could not %s: the kernel's verifier rejected a program; run with -v for "
			  "its log and report it with the kernel version (uname -r)",
			  what);
		return;
	}
	if (e == EPERM && privileged()) {
		out_error("could not %s: the kernel refused it although we are privileged (kernel "
			  "lockdown, or a security module); -v shows the kernel's reason",
			  what);
		return;
	}
	switch (e) {
	case EPERM:
	case EACCES:
		out_error("permission denied when trying to %s: run as root or with CAP_BPF and "
			  "CAP_PERFMON; under kernel lockdown, BPF tracing may be refused entirely "
			  "(-v shows the kernel's reason)",
			  what);
		break;
	case ENOENT:
		out_error("could not %s: a kernel function, tracepoint or map it needs does not "
			  "exist on this kernel (-v shows which)",
			  what);
		break;
	case ESRCH:
		out_error("could not %s: a kernel type or field it needs is missing from this "
			  "kernel's BTF (-v shows which)",
			  what);
		break;
	case ENOMEM:
		out_error("could not %s: out of memory for BPF maps; raise the locked-memory "
			  "limit (ulimit -l unlimited) or the memory cgroup's limit",
			  what);
		break;
	case EINVAL:
	case E2BIG:
		out_error("could not %s: the kernel's verifier rejected a program; run with -v "
			  "for its log and report it with the kernel version (uname -r)",
			  what);
		break;
	case EOPNOTSUPP:
	case 524: /* ENOTSUPP, kernel-internal */
		out_error("could not %s: this kernel does not support a BPF feature the tool "
			  "needs (-v shows which)",
			  what);
		break;
	case EBUSY:
		out_error("could not %s: the hook is busy (another exclusive user holds it)", what);
		break;
	default:
		out_error("could not %s: %s", what, strerror(e));
	}
}

__u64 setup_prog_misses(struct bpf_object *obj)
{
	struct bpf_program *prog;
	__u64 misses = 0;

	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		misses += info.recursion_misses;
	}
	return misses;
}

void setup_report_attached(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) >= 0)
			out_debug("attached %s (%s)", bpf_program__section_name(prog),
				  bpf_program__name(prog));
	}
}

int setup_load_attach(struct bpf_object_skeleton *s, bool no_bpf_stats)
{
	int err;

	err = bpf_object__load_skeleton(s);
	if (err) {
		setup_explain(err, "load the BPF programs");
		return 1;
	}
	/* before the count of runs starts, so that it holds every run of the attached programs */
	cost_start(*s->obj, no_bpf_stats);
	/*
	 * before the first program runs: a test or script acts once the tool is attached, and a
	 * SIGINT then must end the run with its summary, not kill the process
	 */
	loop_signals();
	err = bpf_object__attach_skeleton(s);
	if (err) {
		setup_explain(err, "attach the BPF programs");
		return 1;
	}
	setup_report_attached(*s->obj);
	return 0;
}
