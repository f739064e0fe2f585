/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netcheck audit: the host settings that decide what a network benchmark measures, read from
 * sysfs and procfs below a root directory (so the logic runs on fixture trees too).  Values
 * that only the live interface can give (ethtool's coalescing, channels, offloads) come from
 * a provider the caller passes; without one those rows say why they are missing.
 */
#ifndef NETCHECK_AUDIT_H
#define NETCHECK_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

enum netcheck_status {
	NETCHECK_OK,   /* set the way a benchmark wants it */
	NETCHECK_INFO, /* worth knowing, no single right value */
	NETCHECK_WARN, /* will change the figures a benchmark measures */
	NETCHECK_NA,   /* could not be read here; value says why */
};

struct netcheck_row {
	char section[20]; /* "cpu", "net", "netfilter", or an interface name */
	char setting[40]; /* "smt", "coalescing", "indirect_target_selection", ... */
	char value[320];  /* what a person reads */
	char raw[160];	  /* the file's content when the row comes from one file */
	char source[160]; /* that file, as it is named on the live host ("" otherwise) */
	char fix[200];	  /* the command that changes it ("" when there is nothing to do) */
	const char *why;  /* why it matters for a benchmark */
	enum netcheck_status status;
};

/* What ethtool would print for an interface; err fields are 0 or a positive errno. */
struct netcheck_ethtool {
	int coalesce_err;
	unsigned int rx_usecs, rx_frames, tx_usecs, tx_frames;
	bool adaptive_rx, adaptive_tx;
	int channels_err;
	unsigned int rx_count, tx_count, combined_count, max_rx, max_tx, max_combined;
	int features_err;
	bool gro, lro, tso;
};

typedef void (*netcheck_ethtool_fn)(const char *ifname, struct netcheck_ethtool *out, void *ctx);

/* netfilter counts that need netlink in the live network namespace; -1 when unknown */
struct netcheck_nft {
	int err; /* 0 or a positive errno */
	long tables, chains, base_chains, rules;
};

typedef void (*netcheck_nft_fn)(struct netcheck_nft *out, void *ctx);

struct netcheck_audit {
	const char *root; /* "/" on the live host */
	char **ifaces;	  /* interfaces to check; NULL: all but lo */
	int nifaces;
	netcheck_ethtool_fn ethtool; /* NULL: ethtool rows say they need the live host */
	netcheck_nft_fn nft;	     /* NULL: rule counts say they need the live host */
	void *ctx;
	/* out */
	struct netcheck_row *rows;
	int nrows, cap;
};

/* Fill a->rows.  Returns 0, or -1 when an interface given by name does not exist (errno). */
int netcheck_audit_run(struct netcheck_audit *a);
void netcheck_audit_free(struct netcheck_audit *a);
const char *netcheck_status_name(enum netcheck_status s);

/* "0-3,8" -> number of CPUs in the list, -1 when it does not parse */
int netcheck_cpulist_count(const char *list);
/* A hex CPU mask as sysfs prints it ("00000000,0000000f") -> bits set, -1 when it does not parse */
int netcheck_cpumask_count(const char *mask);

#endif /* NETCHECK_AUDIT_H */
