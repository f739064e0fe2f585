// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck audit: one row per setting that changes what a network benchmark measures.  Every
 * figure is read from a file below a->root, so the same code runs on the live host and on the
 * fixture trees in tests/fixtures/netcheck.  The thresholds are the ones the source write-up
 * measured: waking a sleeping CPU or thread costs microseconds, which is the order of a
 * loopback request's whole latency.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "netcheck_audit.h"

/* An enabled C-state whose exit latency is above this makes an idle CPU slow to answer. */
#define CSTATE_WARN_US 5
#define MAX_CPUS 1024
#define MAX_STATES 16
#define MAX_IRQS 64

static const char *why_online = "the CPUs a benchmark's threads, IRQs and softirqs can use";
static const char *why_smt =
	"sibling hyperthreads share one core's execution units: scaling curves bend at the "
	"core count and two threads on one core measure each other";
static const char *why_turbo =
	"turbo clocks depend on how many cores are busy and on temperature, so one connection "
	"runs faster than eight per core and results drift";
static const char *why_governor =
	"a governor other than performance lowers the clock between requests; a light "
	"benchmark then measures frequency ramp-up";
static const char *why_cstates =
	"an idle CPU in a deep C-state takes its exit latency to answer an interrupt: one "
	"connection ends up slower than five";
static const char *why_mitigation =
	"this mitigation adds work to every syscall or kernel entry (retpolines, page-table "
	"switches, buffer clearing), and an epoll loop makes several per request";
static const char *why_busy_poll =
	"busy polling spins instead of sleeping for packets: lower latency, a CPU burnt per socket";
static const char *why_conntrack =
	"every packet is looked up (and new flows inserted) in the connection-tracking table";
static const char *why_iptables = "each packet walks the legacy iptables rules of its hooks";
static const char *why_nftables = "each packet walks the nftables base chains hooked on its path";
static const char *why_driver = "coalescing, queues and offloads below depend on the driver";
static const char *why_queues =
	"one connection always lands on one queue; fewer queues than cores put all of the "
	"interface's interrupts and softirqs on a few CPUs";
static const char *why_irqs =
	"the CPU that takes a queue's interrupt also runs its NET_RX softirq: IRQs piled on one "
	"CPU make it the bottleneck while the others idle";
static const char *why_rps =
	"RPS/XPS move packet processing to other CPUs in software: spreads load, adds an IPI "
	"and a cache miss per packet";
static const char *why_coalesce =
	"the NIC holds packets back for rx-usecs before interrupting: fewer interrupts, but "
	"each request waits (0 vs 1 us changed mean latency by a third in the write-up)";
static const char *why_channels = "the number of queues the driver uses, out of what it can";
static const char *why_offloads =
	"GRO/LRO/TSO batch packets: throughput up, per-packet latency and packet counts change";

static int path_join(char *out, size_t len, const char *root, const char *path)
{
	size_t rl = strlen(root);

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		rl = 0;
	if ((size_t)snprintf(out, len, "%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/",
			     path) >= len)
		return -1;
	return 0;
}

/* Content of ROOT/path with trailing whitespace cut; -1 (errno set) when it cannot be read. */
static int read_str(const struct netcheck_audit *a, const char *path, char *buf, size_t len)
{
	char full[512];
	size_t n;
	FILE *f;

	if (path_join(full, sizeof(full), a->root, path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(full, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static bool exists(const struct netcheck_audit *a, const char *path)
{
	char full[512];

	return !path_join(full, sizeof(full), a->root, path) && access(full, F_OK) == 0;
}

static DIR *open_dir(const struct netcheck_audit *a, const char *path)
{
	char full[512];

	if (path_join(full, sizeof(full), a->root, path))
		return NULL;
	return opendir(full);
}

static struct netcheck_row *row_add(struct netcheck_audit *a, const char *section,
				    const char *setting, enum netcheck_status status,
				    const char *why)
{
	struct netcheck_row *r;

	if (a->nrows == a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		struct netcheck_row *rows = realloc(a->rows, cap * sizeof(*rows));

		if (!rows)
			return NULL;
		a->rows = rows;
		a->cap = cap;
	}
	r = &a->rows[a->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->section, sizeof(r->section), "%s", section);
	snprintf(r->setting, sizeof(r->setting), "%s", setting);
	r->status = status;
	r->why = why;
	return r;
}

static void __attribute__((format(printf, 3, 4))) set(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

#define SET(field, ...) set(field, sizeof(field), __VA_ARGS__)

/* A row read from one file: raw and source filled, value as given. */
static struct netcheck_row *row_file(struct netcheck_audit *a, const char *section,
				     const char *setting, const char *why, const char *path,
				     const char *raw)
{
	struct netcheck_row *r = row_add(a, section, setting, NETCHECK_INFO, why);

	if (!r)
		return NULL;
	SET(r->source, "%s", path);
	SET(r->raw, "%s", raw);
	SET(r->value, "%s", raw);
	return r;
}

static int parse_uint(const char **p, long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*v = strtol(*p, &end, 10);
	if (errno || *v < 0 || *v >= MAX_CPUS)
		return -1;
	*p = end;
	return 0;
}

int netcheck_cpulist_count(const char *list)
{
	const char *p = list;
	int n = 0;

	if (!*p)
		return 0;
	for (;;) {
		long lo, hi;

		if (parse_uint(&p, &lo))
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, &hi) || hi < lo)
				return -1;
		}
		n += hi - lo + 1;
		if (!*p)
			return n;
		if (*p != ',')
			return -1;
		p++;
	}
}

int netcheck_cpumask_count(const char *mask)
{
	int n = 0, digits = 0;

	for (const char *p = mask; *p; p++) {
		if (*p == ',')
			continue;
		if (!isxdigit((unsigned char)*p))
			return -1;
		n += __builtin_popcount(isdigit((unsigned char)*p) ? *p - '0'
								   : tolower(*p) - 'a' + 10);
		digits++;
	}
	return digits ? n : -1;
}

static int online_cpus(struct netcheck_audit *a)
{
	const char *path = "/sys/devices/system/cpu/online";
	struct netcheck_row *r;
	char buf[256];
	int n;

	if (read_str(a, path, buf, sizeof(buf))) {
		r = row_add(a, "cpu", "online", NETCHECK_NA, why_online);
		if (r)
			SET(r->value, "unknown: %s not readable", path);
		return 0;
	}
	n = netcheck_cpulist_count(buf);
	r = row_file(a, "cpu", "online", why_online, path, buf);
	if (r)
		SET(r->value, "%d CPUs (%s)", n, buf);
	return n > 0 ? n : 0;
}

static void smt(struct netcheck_audit *a)
{
	const char *path = "/sys/devices/system/cpu/smt/active";
	char active[32], control[32] = "";
	struct netcheck_row *r;

	read_str(a, "/sys/devices/system/cpu/smt/control", control, sizeof(control));
	if (read_str(a, path, active, sizeof(active))) {
		r = row_add(a, "cpu", "smt", NETCHECK_NA, why_smt);
		if (r)
			SET(r->value, "unknown: no %s (kernel without SMT control)", path);
		return;
	}
	r = row_file(a, "cpu", "smt", why_smt, path, active);
	if (!r)
		return;
	if (!strcmp(active, "1")) {
		r->status = NETCHECK_WARN;
		SET(r->value, "on (control: %s)", control[0] ? control : "?");
		SET(r->fix, "echo off > /sys/devices/system/cpu/smt/control (or nosmt on the "
			    "kernel command line); or pin one thread per core");
	} else {
		r->status = NETCHECK_OK;
		SET(r->value, "off (control: %s)", control[0] ? control : "?");
	}
}

static void turbo(struct netcheck_audit *a)
{
	const char *pstate = "/sys/devices/system/cpu/intel_pstate/no_turbo";
	const char *boost = "/sys/devices/system/cpu/cpufreq/boost";
	struct netcheck_row *r;
	char buf[32];

	if (!read_str(a, pstate, buf, sizeof(buf))) {
		r = row_file(a, "cpu", "turbo", why_turbo, pstate, buf);
		if (!r)
			return;
		if (!strcmp(buf, "0")) {
			r->status = NETCHECK_WARN;
			SET(r->value, "on (intel_pstate no_turbo=0)");
			SET(r->fix, "echo 1 > %s", pstate);
		} else {
			r->status = NETCHECK_OK;
			SET(r->value, "off (intel_pstate no_turbo=%s)", buf);
		}
		return;
	}
	if (!read_str(a, boost, buf, sizeof(buf))) {
		r = row_file(a, "cpu", "turbo", why_turbo, boost, buf);
		if (!r)
			return;
		if (!strcmp(buf, "1")) {
			r->status = NETCHECK_WARN;
			SET(r->value, "on (cpufreq boost=1)");
			SET(r->fix, "echo 0 > %s", boost);
		} else {
			r->status = NETCHECK_OK;
			SET(r->value, "off (cpufreq boost=%s)", buf);
		}
		return;
	}
	r = row_add(a, "cpu", "turbo", NETCHECK_NA, why_turbo);
	if (r)
		SET(r->value, "not exposed: no intel_pstate or cpufreq boost (a VM, or set in the "
			      "firmware)");
}

static bool cpu_dir(const struct dirent *d, long *cpu)
{
	char *end;

	if (strncmp(d->d_name, "cpu", 3) || !isdigit((unsigned char)d->d_name[3]))
		return false;
	*cpu = strtol(d->d_name + 3, &end, 10);
	return !*end && *cpu < MAX_CPUS;
}

static void governor(struct netcheck_audit *a)
{
	char names[8][32], first_path[96] = "", first[32] = "";
	int counts[8] = {0}, nnames = 0, total = 0, perf = 0;
	struct netcheck_row *r;
	struct dirent *d;
	DIR *dir;
	long cpu;

	dir = open_dir(a, "/sys/devices/system/cpu");
	while (dir && (d = readdir(dir))) {
		char path[96], gov[32];
		int i;

		if (!cpu_dir(d, &cpu))
			continue;
		SET(path, "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", cpu);
		if (read_str(a, path, gov, sizeof(gov)))
			continue;
		if (!first_path[0] || cpu == 0) {
			SET(first_path, "%s", path);
			SET(first, "%s", gov);
		}
		total++;
		perf += !strcmp(gov, "performance");
		for (i = 0; i < nnames && strcmp(names[i], gov); i++)
			;
		if (i == nnames && nnames < 8)
			SET(names[nnames++], "%s", gov);
		if (i < nnames)
			counts[i]++;
	}
	if (dir)
		closedir(dir);
	if (!total) {
		r = row_add(a, "cpu", "governor", NETCHECK_NA, why_governor);
		if (r)
			SET(r->value, "no cpufreq driver: the clock is the firmware's or the "
				      "hypervisor's");
		return;
	}
	if (nnames == 1) {
		r = row_file(a, "cpu", "governor", why_governor, first_path, first);
		if (r)
			SET(r->value, "%s on all %d CPUs", first, total);
	} else {
		size_t off = 0;

		r = row_add(a, "cpu", "governor", NETCHECK_INFO, why_governor);
		for (int i = 0; r && i < nnames && off < sizeof(r->value); i++)
			off += snprintf(r->value + off, sizeof(r->value) - off, "%s%s on %d",
					i ? ", " : "", names[i], counts[i]);
	}
	if (!r)
		return;
	r->status = perf == total ? NETCHECK_OK : NETCHECK_WARN;
	if (perf != total)
		SET(r->fix, "cpupower frequency-set -g performance");
}

struct cstate {
	char name[24];
	long latency_us;
	int enabled, disabled; /* CPUs */
};

static void cstates(struct netcheck_audit *a)
{
	const char *drv_path = "/sys/devices/system/cpu/cpuidle/current_driver";
	struct cstate st[MAX_STATES] = {0};
	int nstates = 0, ncpus = 0;
	long deepest = -1;
	char driver[64] = "", cmdline[1024] = "";
	struct netcheck_row *r;
	struct dirent *d;
	size_t off = 0;
	DIR *dir;
	long cpu;

	read_str(a, drv_path, driver, sizeof(driver));
	read_str(a, "/proc/cmdline", cmdline, sizeof(cmdline));
	dir = open_dir(a, "/sys/devices/system/cpu");
	while (dir && (d = readdir(dir))) {
		bool any = false;

		if (!cpu_dir(d, &cpu))
			continue;
		for (int s = 0; s < MAX_STATES; s++) {
			char path[128], buf[32];
			bool disabled;

			SET(path, "/sys/devices/system/cpu/cpu%ld/cpuidle/state%d/name", cpu, s);
			if (read_str(a, path, st[s].name, sizeof(st[s].name)))
				break;
			any = true;
			if (s >= nstates)
				nstates = s + 1;
			SET(path, "/sys/devices/system/cpu/cpu%ld/cpuidle/state%d/latency", cpu, s);
			if (!read_str(a, path, buf, sizeof(buf)))
				st[s].latency_us = atol(buf);
			SET(path, "/sys/devices/system/cpu/cpu%ld/cpuidle/state%d/disable", cpu, s);
			disabled = !read_str(a, path, buf, sizeof(buf)) && strcmp(buf, "0");
			if (disabled)
				st[s].disabled++;
			else
				st[s].enabled++;
		}
		ncpus += any;
	}
	if (dir)
		closedir(dir);

	r = row_add(a, "cpu", "cstates", NETCHECK_OK, why_cstates);
	if (!r)
		return;
	if (driver[0]) {
		SET(r->source, "%s", drv_path);
		SET(r->raw, "%s", driver);
	}
	if (!nstates) {
		if (strstr(cmdline, "idle=poll")) {
			SET(r->value, "none: idle=poll, CPUs spin when idle");
			return;
		}
		r->status = NETCHECK_INFO;
		SET(r->value,
		    "no cpuidle states (driver %s): idle CPUs halt, and waking one "
		    "costs what the platform (or hypervisor) takes",
		    driver[0] ? driver : "none");
		return;
	}
	off = snprintf(r->value, sizeof(r->value), "driver %s:", driver[0] ? driver : "?");
	for (int s = 0; s < nstates && off < sizeof(r->value); s++) {
		if (st[s].enabled && st[s].latency_us > deepest)
			deepest = st[s].latency_us;
		off += snprintf(r->value + off, sizeof(r->value) - off, " %s %ldus%s", st[s].name,
				st[s].latency_us,
				!st[s].enabled	 ? " (off)"
				: st[s].disabled ? " (off on some CPUs)"
						 : "");
	}
	if (deepest > CSTATE_WARN_US) {
		r->status = NETCHECK_WARN;
		if (off < sizeof(r->value))
			snprintf(r->value + off, sizeof(r->value) - off,
				 "; deepest enabled exits in %ld us", deepest);
		SET(r->fix,
		    "cpupower idle-set -D %d (disables states slower than %d us to exit), "
		    "or boot with intel_idle.max_cstate=1 processor.max_cstate=1",
		    CSTATE_WARN_US, CSTATE_WARN_US);
	}
}

/* The vulnerabilities whose mitigations run on kernel entry and exit, i.e. on each syscall. */
static const char *const entry_mitigations[] = {
	"meltdown",
	"spectre_v2",
	"retbleed",
	"spec_rstack_overflow",
	"mds",
	"tsx_async_abort",
	"mmio_stale_data",
	"reg_file_data_sampling",
	"tsa",
	"indirect_target_selection",
	"vmscape",
};

static void mitigations(struct netcheck_audit *a)
{
	char cmdline[1024] = "";
	bool off;

	read_str(a, "/proc/cmdline", cmdline, sizeof(cmdline));
	off = strstr(cmdline, "mitigations=off") != NULL;
	for (size_t i = 0; i < sizeof(entry_mitigations) / sizeof(entry_mitigations[0]); i++) {
		char path[128], buf[160];
		struct netcheck_row *r;

		SET(path, "/sys/devices/system/cpu/vulnerabilities/%s", entry_mitigations[i]);
		if (read_str(a, path, buf, sizeof(buf)))
			continue;
		r = row_file(a, "mitigation", entry_mitigations[i], why_mitigation, path, buf);
		if (!r)
			continue;
		if (!strncmp(buf, "Mitigation", 10)) {
			r->status = NETCHECK_WARN;
			SET(r->fix, "boot with mitigations=off, only on a benchmark host you trust "
				    "(it reopens the attack)");
		} else {
			r->status = off || !strncmp(buf, "Not affected", 12) ? NETCHECK_OK
									     : NETCHECK_INFO;
		}
	}
}

static void sysctl_row(struct netcheck_audit *a, const char *name, const char *path)
{
	struct netcheck_row *r;
	char buf[32];

	if (read_str(a, path, buf, sizeof(buf)))
		return;
	r = row_file(a, "net", name, why_busy_poll, path, buf);
	if (!r)
		return;
	if (!strcmp(buf, "0")) {
		SET(r->value, "0 (off: sockets sleep until the interrupt)");
		SET(r->fix, "sysctl -w net.core.%s=50 (us to spin), or SO_BUSY_POLL per socket",
		    name);
	} else {
		SET(r->value, "%s us", buf);
	}
}

static void netfilter(struct netcheck_audit *a)
{
	const char *count_path = "/proc/sys/net/netfilter/nf_conntrack_count";
	struct netcheck_nft nft = {
		.err = 0, .tables = -1, .chains = -1, .base_chains = -1, .rules = -1};
	struct netcheck_row *r;
	char buf[1024];

	if (exists(a, "/sys/module/nf_conntrack")) {
		char max[32] = "?";

		read_str(a, "/proc/sys/net/netfilter/nf_conntrack_max", max, sizeof(max));
		if (!read_str(a, count_path, buf, sizeof(buf))) {
			r = row_file(a, "netfilter", "conntrack", why_conntrack, count_path, buf);
			if (r)
				SET(r->value, "loaded, %s entries (max %s)", buf, max);
		} else {
			r = row_add(a, "netfilter", "conntrack", NETCHECK_WARN, why_conntrack);
			if (r)
				SET(r->value, "loaded");
		}
		if (r) {
			r->status = NETCHECK_WARN;
			SET(r->fix, "drop the rules that need it (NAT, -m state/conntrack), then "
				    "modprobe -r nf_conntrack; or NOTRACK the benchmark's ports in "
				    "the raw table");
		}
	} else {
		r = row_add(a, "netfilter", "conntrack", NETCHECK_OK, why_conntrack);
		if (r)
			SET(r->value, "not loaded");
	}

	if (!read_str(a, "/proc/net/ip_tables_names", buf, sizeof(buf))) {
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = row_file(a, "netfilter", "iptables", why_iptables, "/proc/net/ip_tables_names",
			     buf);
		if (r) {
			r->status = buf[0] ? NETCHECK_WARN : NETCHECK_OK;
			SET(r->value, "legacy ip_tables loaded, tables: %s", buf[0] ? buf : "none");
			if (buf[0])
				SET(r->fix, "iptables-legacy-save to see them; remove what the "
					    "benchmark does not need");
		}
	}

	if (!exists(a, "/sys/module/nf_tables")) {
		r = row_add(a, "netfilter", "nftables", NETCHECK_OK, why_nftables);
		if (r)
			SET(r->value, "nf_tables not loaded");
		return;
	}
	r = row_add(a, "netfilter", "nftables", NETCHECK_INFO, why_nftables);
	if (!r)
		return;
	if (!a->nft) {
		r->status = NETCHECK_NA;
		SET(r->value, "nf_tables loaded; rule counts need netlink on the live host");
		return;
	}
	a->nft(&nft, a->ctx);
	if (nft.err) {
		r->status = NETCHECK_NA;
		SET(r->value, "nf_tables loaded; rules not readable: %s", strerror(nft.err));
		return;
	}
	SET(r->value, "%ld tables, %ld chains (%ld hooked), %ld rules", nft.tables, nft.chains,
	    nft.base_chains, nft.rules);
	if (nft.base_chains > 0) {
		r->status = NETCHECK_WARN;
		SET(r->fix, "nft list ruleset; remove the chains the benchmark's packets do not "
			    "need");
	} else {
		r->status = NETCHECK_OK;
	}
}

static int strcmp_ptr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Interfaces in /sys/class/net, lo left out: loopback has no queues or IRQs to audit. */
static int iface_list(struct netcheck_audit *a, char ***out)
{
	struct dirent *d;
	char **names = NULL;
	int n = 0;
	DIR *dir;

	dir = open_dir(a, "/sys/class/net");
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		char **tmp;

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "lo"))
			continue;
		tmp = realloc(names, (n + 1) * sizeof(*names));
		if (!tmp)
			break;
		names = tmp;
		names[n] = strdup(d->d_name);
		if (names[n])
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), strcmp_ptr);
	*out = names;
	return n;
}

static int count_queues(const struct netcheck_audit *a, const char *ifname, const char *prefix)
{
	char path[128];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	SET(path, "/sys/class/net/%s/queues", ifname);
	dir = open_dir(a, path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, prefix, strlen(prefix));
	closedir(dir);
	return n;
}

static void link_base(const struct netcheck_audit *a, const char *path, char *out, size_t len)
{
	char full[512], target[512];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	if (path_join(full, sizeof(full), a->root, path))
		return;
	n = readlink(full, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(out, len, "%.*s", (int)len - 1, base ? base + 1 : target);
}

struct irq_info {
	long irq;
	char name[64];
	unsigned long long total;
	char affinity[64];
};

/* Does an IRQ's action name belong to ifname ("eth0-TxRx-0") or its device ("virtio2-input.0")? */
static bool irq_name_matches(const char *name, const char *ifname, const char *devbase)
{
	size_t il = strlen(ifname), dl = strlen(devbase);
	const char *p;

	for (p = strstr(name, ifname); p; p = strstr(p + 1, ifname))
		if ((p == name || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[il]))
			return true;
	return dl && !strncmp(name, devbase, dl) && name[dl] == '-';
}

static bool msi_irq(const struct netcheck_audit *a, const char *ifname, long irq)
{
	char path[160];

	SET(path, "/sys/class/net/%s/device/msi_irqs/%ld", ifname, irq);
	return exists(a, path);
}

static void iface_irqs(struct netcheck_audit *a, const char *ifname, const char *devbase,
		       int ncpus_online)
{
	unsigned long long per_cpu[MAX_CPUS] = {0}, total = 0;
	struct irq_info irqs[MAX_IRQS];
	int nirqs = 0, ncols = 0, busy_cpus = 0, busy = -1;
	struct netcheck_row *r;
	char full[512], line[4096];
	size_t off = 0;
	FILE *f;

	r = row_add(a, ifname, "irqs", NETCHECK_INFO, why_irqs);
	if (!r)
		return;
	if (path_join(full, sizeof(full), a->root, "/proc/interrupts") || !(f = fopen(full, "r"))) {
		r->status = NETCHECK_NA;
		SET(r->value, "/proc/interrupts not readable");
		return;
	}
	if (fgets(line, sizeof(line), f))
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
			ncols += !strncmp(t, "CPU", 3);
	while (fgets(line, sizeof(line), f) && nirqs < MAX_IRQS) {
		unsigned long long counts[MAX_CPUS], sum = 0;
		char *p = line, *end, *last = NULL, *tok;
		int c;
		long irq;

		while (isspace((unsigned char)*p))
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		p = end + 1;
		for (c = 0; c < ncols && c < MAX_CPUS; c++) {
			counts[c] = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += counts[c];
			p = end;
		}
		for (tok = strtok(p, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			last = tok;
		if (!last || !(irq_name_matches(last, ifname, devbase) || msi_irq(a, ifname, irq)))
			continue;
		for (int i = 0; i < c; i++)
			per_cpu[i] += counts[i];
		irqs[nirqs].irq = irq;
		SET(irqs[nirqs].name, "%s", last);
		irqs[nirqs].total = sum;
		total += sum;
		nirqs++;
	}
	fclose(f);
	if (!nirqs) {
		SET(r->value, "no IRQs of its own (virtual, or polled)");
		return;
	}
	for (int i = 0; i < nirqs; i++) {
		char path[96];

		SET(path, "/proc/irq/%ld/effective_affinity_list", irqs[i].irq);
		if (read_str(a, path, irqs[i].affinity, sizeof(irqs[i].affinity))) {
			SET(path, "/proc/irq/%ld/smp_affinity_list", irqs[i].irq);
			if (read_str(a, path, irqs[i].affinity, sizeof(irqs[i].affinity)))
				SET(irqs[i].affinity, "?");
		}
	}
	for (int c = 0; c < ncols && c < MAX_CPUS; c++)
		if (per_cpu[c]) {
			busy_cpus++;
			busy = c;
		}
	off = snprintf(r->value, sizeof(r->value), "%d IRQs, %llu interrupts", nirqs, total);
	if (busy_cpus == 1)
		off += snprintf(r->value + off, sizeof(r->value) - off, ", all on CPU %d", busy);
	else if (busy_cpus > 1)
		off += snprintf(r->value + off, sizeof(r->value) - off, " over %d CPUs", busy_cpus);
	for (int i = 0; i < nirqs && off < sizeof(r->value); i++)
		off += snprintf(r->value + off, sizeof(r->value) - off, "%s %ld %s->%s",
				i ? "," : ";", irqs[i].irq, irqs[i].name, irqs[i].affinity);
	if (busy_cpus == 1 && ncpus_online > 1 && nirqs > 1) {
		r->status = NETCHECK_WARN;
		SET(r->fix, "spread the queues: echo CPU > /proc/irq/N/smp_affinity_list for each "
			    "(stop irqbalance first), or enable RPS");
	}
}

static void iface_steering(struct netcheck_audit *a, const char *ifname, const char *what,
			   const char *prefix, const char *file, int nqueues)
{
	int on = 0, readable = 0;
	struct netcheck_row *r;
	char example[96] = "";

	for (int q = 0; q < nqueues; q++) {
		char path[160], buf[160];
		int bits;

		SET(path, "/sys/class/net/%s/queues/%s%d/%s", ifname, prefix, q, file);
		if (read_str(a, path, buf, sizeof(buf)))
			continue;
		readable++;
		bits = netcheck_cpumask_count(buf);
		if (bits > 0) {
			on++;
			if (!example[0])
				SET(example, "%s%d -> %s", prefix, q, buf);
		}
	}
	r = row_add(a, ifname, what, NETCHECK_INFO, why_rps);
	if (!r)
		return;
	if (!readable) {
		r->status = NETCHECK_NA;
		/* the kernel answers ENOENT for xps_cpus on a single-queue device */
		SET(r->value, "not available (%s is missing or unreadable in every %s queue)", file,
		    prefix[0] == 'r' ? "rx" : "tx");
		return;
	}
	if (!on) {
		SET(r->value, "off on all %d %s queues", readable, prefix[0] == 'r' ? "rx" : "tx");
		if (prefix[0] == 'r')
			SET(r->fix,
			    "echo MASK > /sys/class/net/%s/queues/rx-N/rps_cpus (when "
			    "there are fewer queues than cores)",
			    ifname);
		return;
	}
	SET(r->value, "on for %d of %d queues (%s)", on, readable, example);
}

static void iface_ethtool(struct netcheck_audit *a, const char *ifname, int ncpus, int rxq)
{
	struct netcheck_ethtool e;
	struct netcheck_row *r[3];

	r[0] = row_add(a, ifname, "coalescing", NETCHECK_NA, why_coalesce);
	r[1] = row_add(a, ifname, "channels", NETCHECK_NA, why_channels);
	r[2] = row_add(a, ifname, "offloads", NETCHECK_NA, why_offloads);
	if (!r[0] || !r[1] || !r[2])
		return;
	/* row_add may have moved the array: take the pointers again */
	for (int i = 0; i < 3; i++)
		r[i] = &a->rows[a->nrows - 3 + i];
	if (!a->ethtool) {
		for (int i = 0; i < 3; i++)
			SET(r[i]->value, "not read: ethtool needs the live interface, not --root");
		return;
	}
	memset(&e, 0, sizeof(e));
	a->ethtool(ifname, &e, a->ctx);

	if (e.coalesce_err == EOPNOTSUPP) {
		r[0]->status = NETCHECK_INFO;
		SET(r[0]->value, "not supported by this driver");
	} else if (e.coalesce_err) {
		SET(r[0]->value, "not readable: %s", strerror(e.coalesce_err));
	} else {
		SET(r[0]->value,
		    "rx-usecs %u rx-frames %u tx-usecs %u tx-frames %u adaptive-rx %s "
		    "adaptive-tx %s",
		    e.rx_usecs, e.rx_frames, e.tx_usecs, e.tx_frames, e.adaptive_rx ? "on" : "off",
		    e.adaptive_tx ? "on" : "off");
		if (e.rx_usecs || e.adaptive_rx) {
			r[0]->status = NETCHECK_WARN;
			SET(r[0]->fix,
			    "ethtool -C %s adaptive-rx off rx-usecs 0 (latency), or "
			    "state the setting with the results",
			    ifname);
		} else {
			r[0]->status = NETCHECK_OK;
		}
	}

	if (e.channels_err == EOPNOTSUPP) {
		r[1]->status = NETCHECK_INFO;
		SET(r[1]->value, "not supported by this driver (%d rx queues in sysfs)", rxq);
	} else if (e.channels_err) {
		SET(r[1]->value, "not readable: %s", strerror(e.channels_err));
	} else {
		SET(r[1]->value, "combined %u (max %u), rx %u (max %u), tx %u (max %u); %d CPUs",
		    e.combined_count, e.max_combined, e.rx_count, e.max_rx, e.tx_count, e.max_tx,
		    ncpus);
		r[1]->status = NETCHECK_INFO;
		if (e.combined_count + e.rx_count < e.max_combined + e.max_rx &&
		    e.combined_count + e.rx_count < (unsigned int)ncpus)
			SET(r[1]->fix, "ethtool -L %s combined %u", ifname,
			    e.max_combined < (unsigned int)ncpus ? e.max_combined
								 : (unsigned)ncpus);
	}

	if (e.features_err == EOPNOTSUPP) {
		r[2]->status = NETCHECK_INFO;
		SET(r[2]->value, "not supported by this driver");
	} else if (e.features_err) {
		SET(r[2]->value, "not readable: %s", strerror(e.features_err));
	} else {
		r[2]->status = NETCHECK_INFO;
		SET(r[2]->value, "gro %s, lro %s, tso %s", e.gro ? "on" : "off",
		    e.lro ? "on" : "off", e.tso ? "on" : "off");
		if (e.gro || e.lro || e.tso)
			SET(r[2]->fix,
			    "ethtool -K %s gro off lro off tso off (to measure per-packet "
			    "costs)",
			    ifname);
	}
}

static void iface(struct netcheck_audit *a, const char *ifname, int ncpus)
{
	char path[160], driver[64], devbase[64];
	struct netcheck_row *r;
	int rxq, txq;

	SET(path, "/sys/class/net/%s/device/driver", ifname);
	link_base(a, path, driver, sizeof(driver));
	SET(path, "/sys/class/net/%s/device", ifname);
	link_base(a, path, devbase, sizeof(devbase));
	r = row_add(a, ifname, "driver", NETCHECK_INFO, why_driver);
	if (r)
		SET(r->value, "%s%s%s%s", driver[0] ? driver : "virtual (no device)",
		    devbase[0] ? " (" : "", devbase, devbase[0] ? ")" : "");

	rxq = count_queues(a, ifname, "rx-");
	txq = count_queues(a, ifname, "tx-");
	r = row_add(a, ifname, "queues", NETCHECK_INFO, why_queues);
	if (r) {
		SET(r->value, "%d rx, %d tx for %d CPUs", rxq, txq, ncpus);
		if (rxq < ncpus && driver[0]) {
			r->status = NETCHECK_WARN;
			SET(r->fix, "ethtool -L %s combined %d if the NIC has the queues; else RPS",
			    ifname, ncpus);
		} else if (rxq >= ncpus) {
			r->status = NETCHECK_OK;
		}
	}
	if (driver[0])
		iface_irqs(a, ifname, devbase, ncpus);
	iface_steering(a, ifname, "rps", "rx-", "rps_cpus", rxq);
	iface_steering(a, ifname, "xps", "tx-", "xps_cpus", txq);
	iface_ethtool(a, ifname, ncpus, rxq);
}

int netcheck_audit_run(struct netcheck_audit *a)
{
	char **names = a->ifaces;
	int n = a->nifaces, ncpus;

	for (int i = 0; i < a->nifaces; i++) {
		char path[160];

		SET(path, "/sys/class/net/%s", a->ifaces[i]);
		if (strchr(a->ifaces[i], '/') || !exists(a, path)) {
			errno = ENODEV;
			return -1;
		}
	}
	ncpus = online_cpus(a);
	smt(a);
	turbo(a);
	governor(a);
	cstates(a);
	mitigations(a);
	sysctl_row(a, "busy_poll", "/proc/sys/net/core/busy_poll");
	sysctl_row(a, "busy_read", "/proc/sys/net/core/busy_read");
	netfilter(a);
	if (!a->ifaces)
		n = iface_list(a, &names);
	for (int i = 0; i < n; i++)
		iface(a, names[i], ncpus);
	if (names != a->ifaces) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return 0;
}

void netcheck_audit_free(struct netcheck_audit *a)
{
	free(a->rows);
	a->rows = NULL;
	a->nrows = a->cap = 0;
}

const char *netcheck_status_name(enum netcheck_status s)
{
	switch (s) {
	case NETCHECK_OK:
		return "ok";
	case NETCHECK_INFO:
		return "info";
	case NETCHECK_WARN:
		return "warn";
	case NETCHECK_NA:
		return "n/a";
	}
	return "?";
}
