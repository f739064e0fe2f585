// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck audit, per interface: driver, queues against CPUs, where the queues' IRQs land,
 * RPS/XPS, and what ethtool gives (coalescing, channels, offloads) through the caller's
 * provider.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "netcheck_iface.h"
#include "netcheck_sysfs.h"
#include "table.h"

#define MAX_IRQS 64

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

static int strcmp_ptr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Interfaces in /sys/class/net, lo left out: loopback has no queues or IRQs to audit. */
int netcheck_iface_list(struct netcheck_audit *a, char ***out)
{
	struct dirent *d;
	char **names = NULL;
	int n = 0;
	DIR *dir;

	dir = netcheck_open_dir(a, "/sys/class/net");
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
	table_sort(names, n, sizeof(*names), strcmp_ptr);
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
	dir = netcheck_open_dir(a, path);
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
	if (netcheck_path_join(full, sizeof(full), a->root, path))
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
	return netcheck_exists(a, path);
}

static void iface_irqs(struct netcheck_audit *a, const char *ifname, const char *devbase,
		       int ncpus_online)
{
	unsigned long long per_cpu[NETCHECK_MAX_CPUS] = {0}, total = 0;
	struct irq_info irqs[MAX_IRQS];
	int nirqs = 0, ncols = 0, busy_cpus = 0, busy = -1;
	struct netcheck_row *r;
	char full[512], line[4096];
	size_t off = 0;
	FILE *f;

	r = netcheck_row_add(a, ifname, "irqs", NETCHECK_INFO, why_irqs);
	if (!r)
		return;
	if (netcheck_path_join(full, sizeof(full), a->root, "/proc/interrupts") ||
	    !(f = fopen(full, "r"))) {
		r->status = NETCHECK_NA;
		SET(r->value, "/proc/interrupts not readable");
		return;
	}
	if (fgets(line, sizeof(line), f))
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
			ncols += !strncmp(t, "CPU", 3);
	while (fgets(line, sizeof(line), f) && nirqs < MAX_IRQS) {
		unsigned long long counts[NETCHECK_MAX_CPUS], sum = 0;
		char *p = line, *end, *last = NULL, *tok;
		int c;
		long irq;

		while (isspace((unsigned char)*p))
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		p = end + 1;
		for (c = 0; c < ncols && c < NETCHECK_MAX_CPUS; c++) {
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
		if (netcheck_read_str(a, path, irqs[i].affinity, sizeof(irqs[i].affinity))) {
			SET(path, "/proc/irq/%ld/smp_affinity_list", irqs[i].irq);
			if (netcheck_read_str(a, path, irqs[i].affinity, sizeof(irqs[i].affinity)))
				SET(irqs[i].affinity, "?");
		}
	}
	for (int c = 0; c < ncols && c < NETCHECK_MAX_CPUS; c++)
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
		if (netcheck_read_str(a, path, buf, sizeof(buf)))
			continue;
		readable++;
		bits = netcheck_cpumask_count(buf);
		if (bits > 0) {
			on++;
			if (!example[0])
				SET(example, "%s%d -> %s", prefix, q, buf);
		}
	}
	r = netcheck_row_add(a, ifname, what, NETCHECK_INFO, why_rps);
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

	r[0] = netcheck_row_add(a, ifname, "coalescing", NETCHECK_NA, why_coalesce);
	r[1] = netcheck_row_add(a, ifname, "channels", NETCHECK_NA, why_channels);
	r[2] = netcheck_row_add(a, ifname, "offloads", NETCHECK_NA, why_offloads);
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

void netcheck_iface_audit(struct netcheck_audit *a, const char *ifname, int ncpus)
{
	char path[160], driver[64], devbase[64];
	struct netcheck_row *r;
	int rxq, txq;

	SET(path, "/sys/class/net/%s/device/driver", ifname);
	link_base(a, path, driver, sizeof(driver));
	SET(path, "/sys/class/net/%s/device", ifname);
	link_base(a, path, devbase, sizeof(devbase));
	r = netcheck_row_add(a, ifname, "driver", NETCHECK_INFO, why_driver);
	if (r)
		SET(r->value, "%s%s%s%s", driver[0] ? driver : "virtual (no device)",
		    devbase[0] ? " (" : "", devbase, devbase[0] ? ")" : "");

	rxq = count_queues(a, ifname, "rx-");
	txq = count_queues(a, ifname, "tx-");
	r = netcheck_row_add(a, ifname, "queues", NETCHECK_INFO, why_queues);
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
