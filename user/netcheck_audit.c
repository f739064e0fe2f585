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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netcheck_audit.h"
#include "netcheck_iface.h"
#include "netcheck_sysfs.h"

/* An enabled C-state whose exit latency is above this makes an idle CPU slow to answer. */
#define CSTATE_WARN_US 5
#define MAX_STATES 16

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

static int online_cpus(struct netcheck_audit *a)
{
	const char *path = "/sys/devices/system/cpu/online";
	struct netcheck_row *r;
	char buf[256];
	int n;

	if (netcheck_read_str(a, path, buf, sizeof(buf))) {
		r = netcheck_row_add(a, "cpu", "online", NETCHECK_NA, why_online);
		if (r)
			SET(r->value, "unknown: %s not readable", path);
		return 0;
	}
	n = netcheck_cpulist_count(buf);
	r = netcheck_row_file(a, "cpu", "online", why_online, path, buf);
	if (r)
		SET(r->value, "%d CPUs (%s)", n, buf);
	return n > 0 ? n : 0;
}

static void smt(struct netcheck_audit *a)
{
	const char *path = "/sys/devices/system/cpu/smt/active";
	char active[32], control[32] = "";
	struct netcheck_row *r;

	netcheck_read_str(a, "/sys/devices/system/cpu/smt/control", control, sizeof(control));
	if (netcheck_read_str(a, path, active, sizeof(active))) {
		r = netcheck_row_add(a, "cpu", "smt", NETCHECK_NA, why_smt);
		if (r)
			SET(r->value, "unknown: no %s (kernel without SMT control)", path);
		return;
	}
	r = netcheck_row_file(a, "cpu", "smt", why_smt, path, active);
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

	if (!netcheck_read_str(a, pstate, buf, sizeof(buf))) {
		r = netcheck_row_file(a, "cpu", "turbo", why_turbo, pstate, buf);
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
	if (!netcheck_read_str(a, boost, buf, sizeof(buf))) {
		r = netcheck_row_file(a, "cpu", "turbo", why_turbo, boost, buf);
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
	r = netcheck_row_add(a, "cpu", "turbo", NETCHECK_NA, why_turbo);
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
	return !*end && *cpu < NETCHECK_MAX_CPUS;
}

static void governor(struct netcheck_audit *a)
{
	char names[8][32], first_path[96] = "", first[32] = "";
	int counts[8] = {0}, nnames = 0, total = 0, perf = 0;
	struct netcheck_row *r;
	struct dirent *d;
	DIR *dir;
	long cpu;

	dir = netcheck_open_dir(a, "/sys/devices/system/cpu");
	while (dir && (d = readdir(dir))) {
		char path[96], gov[32];
		int i;

		if (!cpu_dir(d, &cpu))
			continue;
		SET(path, "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", cpu);
		if (netcheck_read_str(a, path, gov, sizeof(gov)))
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
		r = netcheck_row_add(a, "cpu", "governor", NETCHECK_NA, why_governor);
		if (r)
			SET(r->value, "no cpufreq driver: the clock is the firmware's or the "
				      "hypervisor's");
		return;
	}
	if (nnames == 1) {
		r = netcheck_row_file(a, "cpu", "governor", why_governor, first_path, first);
		if (r)
			SET(r->value, "%s on all %d CPUs", first, total);
	} else {
		size_t off = 0;

		r = netcheck_row_add(a, "cpu", "governor", NETCHECK_INFO, why_governor);
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
	int nstates = 0;
	long deepest = -1;
	char driver[64] = "", cmdline[1024] = "";
	struct netcheck_row *r;
	struct dirent *d;
	size_t off = 0;
	DIR *dir;
	long cpu;

	netcheck_read_str(a, drv_path, driver, sizeof(driver));
	netcheck_read_str(a, "/proc/cmdline", cmdline, sizeof(cmdline));
	dir = netcheck_open_dir(a, "/sys/devices/system/cpu");
	while (dir && (d = readdir(dir))) {
		if (!cpu_dir(d, &cpu))
			continue;
		for (int s = 0; s < MAX_STATES; s++) {
			char path[128], buf[32];
			bool disabled;

			SET(path, "/sys/devices/system/cpu/cpu%ld/cpuidle/state%d/name", cpu, s);
			if (netcheck_read_str(a, path, st[s].name, sizeof(st[s].name)))
				break;
			if (s >= nstates)
				nstates = s + 1;
			SET(path, "/sys/devices/system/cpu/cpu%ld/cpuidle/state%d/latency", cpu, s);
			if (!netcheck_read_str(a, path, buf, sizeof(buf)))
				st[s].latency_us = atol(buf);
			SET(path, "/sys/devices/system/cpu/cpu%ld/cpuidle/state%d/disable", cpu, s);
			disabled =
				!netcheck_read_str(a, path, buf, sizeof(buf)) && strcmp(buf, "0");
			if (disabled)
				st[s].disabled++;
			else
				st[s].enabled++;
		}
	}
	if (dir)
		closedir(dir);

	r = netcheck_row_add(a, "cpu", "cstates", NETCHECK_OK, why_cstates);
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

	netcheck_read_str(a, "/proc/cmdline", cmdline, sizeof(cmdline));
	off = strstr(cmdline, "mitigations=off") != NULL;
	for (size_t i = 0; i < sizeof(entry_mitigations) / sizeof(entry_mitigations[0]); i++) {
		char path[128], buf[160];
		struct netcheck_row *r;

		SET(path, "/sys/devices/system/cpu/vulnerabilities/%s", entry_mitigations[i]);
		if (netcheck_read_str(a, path, buf, sizeof(buf)))
			continue;
		r = netcheck_row_file(a, "mitigation", entry_mitigations[i], why_mitigation, path,
				      buf);
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

	if (netcheck_read_str(a, path, buf, sizeof(buf)))
		return;
	r = netcheck_row_file(a, "net", name, why_busy_poll, path, buf);
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

	if (netcheck_exists(a, "/sys/module/nf_conntrack")) {
		char max[32] = "?";

		netcheck_read_str(a, "/proc/sys/net/netfilter/nf_conntrack_max", max, sizeof(max));
		if (!netcheck_read_str(a, count_path, buf, sizeof(buf))) {
			r = netcheck_row_file(a, "netfilter", "conntrack", why_conntrack,
					      count_path, buf);
			if (r)
				SET(r->value, "loaded, %s entries (max %s)", buf, max);
		} else {
			r = netcheck_row_add(a, "netfilter", "conntrack", NETCHECK_WARN,
					     why_conntrack);
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
		r = netcheck_row_add(a, "netfilter", "conntrack", NETCHECK_OK, why_conntrack);
		if (r)
			SET(r->value, "not loaded");
	}

	if (!netcheck_read_str(a, "/proc/net/ip_tables_names", buf, sizeof(buf))) {
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		r = netcheck_row_file(a, "netfilter", "iptables", why_iptables,
				      "/proc/net/ip_tables_names", buf);
		if (r) {
			r->status = buf[0] ? NETCHECK_WARN : NETCHECK_OK;
			SET(r->value, "legacy ip_tables loaded, tables: %s", buf[0] ? buf : "none");
			if (buf[0])
				SET(r->fix, "iptables-legacy-save to see them; remove what the "
					    "benchmark does not need");
		}
	}

	if (!netcheck_exists(a, "/sys/module/nf_tables")) {
		r = netcheck_row_add(a, "netfilter", "nftables", NETCHECK_OK, why_nftables);
		if (r)
			SET(r->value, "nf_tables not loaded");
		return;
	}
	r = netcheck_row_add(a, "netfilter", "nftables", NETCHECK_INFO, why_nftables);
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
int netcheck_audit_run(struct netcheck_audit *a)
{
	char **names = a->ifaces;
	int n = a->nifaces, ncpus;

	for (int i = 0; i < a->nifaces; i++) {
		char path[160];

		SET(path, "/sys/class/net/%s", a->ifaces[i]);
		if (strchr(a->ifaces[i], '/') || !netcheck_exists(a, path)) {
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
		n = netcheck_iface_list(a, &names);
	for (int i = 0; i < n; i++)
		netcheck_iface_audit(a, names[i], ncpus);
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
