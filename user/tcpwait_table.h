/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpwait's socket-table arithmetic, kept free of BPF so it can be unit-tested: grouping
 * sockets by the tuple whose ephemeral ports run out, and the port range they draw from.
 */
#ifndef TCPWAIT_TABLE_H
#define TCPWAIT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "tcpwait.h"

/*
 * Client side: sockets from laddr to raddr:port; each holds one local port of the range.
 * Server side: sockets on the listening port laddr:port from raddr (TIME_WAIT there does
 * not use up this host's ports, but says the server closes first).
 */
struct tw_group {
	__u32 netns; /* the network namespace's inode */
	bool server;
	__u16 family;
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 port;
	__u32 sockets;
	__u32 time_wait;
	__u32 fin_wait2; /* orphans waiting for the peer's FIN in a timewait socket */
	__u64 failures;	 /* connect() EADDRNOTAVAIL towards it since start (client side) */
};

struct tw_scan {
	struct tcpwait_sock *socks;
	size_t n;
	struct tw_group *groups;
	size_t ngroups;
	__u32 time_wait; /* sockets in TIME_WAIT, as `ss state time-wait` counts them */
	__u32 range_low; /* the namespace's ephemeral range, to tell the sides apart */
	__u32 range_high;
	__u8 listening[8192]; /* bitmap of local ports with a listener */
};

/*
 * Group scan->socks into scan->groups (allocated; free with tw_scan_free).  A socket is on
 * the server side when tcpwait saw it accepted; for sockets older than tcpwait, when a
 * listener holds its local port, or else when its local port lies outside the ephemeral
 * range while its remote port lies inside.
 */
int tw_scan_group(struct tw_scan *scan);
void tw_scan_free(struct tw_scan *scan);
/* Add one namespace's grouped scan to the interval's: its sockets, groups and TIME_WAIT. */
int tw_scan_append(struct tw_scan *all, const struct tw_scan *one);

/* "32768\t60999" as /proc/sys/net/ipv4/ip_local_port_range prints it */
int tw_parse_port_range(const char *text, __u32 *low, __u32 *high);
/* "8080,9000-9010" or "" as ip_local_reserved_ports prints it */
int tw_parse_reserved(const char *text, __u8 *bitmap);
/* Ports connect() can pick from: the range less the reserved ports inside it. */
__u32 tw_ports_usable(__u32 low, __u32 high, const __u8 *reserved);

/* Percent of usable ports still free (0 when full or over). */
double tw_headroom_pct(__u32 in_use, __u32 usable);
/* Seconds until full at the rate in_use grew over the interval; -1 when it is not growing. */
double tw_eta_s(__u32 in_use, __u32 prev_in_use, __u32 usable, double interval_s);

/* The namespace's settings that decide how many ports connect() has and how it reuses them. */
struct tw_sysctls {
	__u32 low, high, usable;
	int tw_reuse;	/* -1 when unreadable */
	int timestamps; /* -1 when unreadable */
	__u8 reserved[8192];
};

/*
 * From /proc/net/sockstat (of the reader's namespace): whether the namespace holds any TCP
 * socket ("TCP: inuse N orphan N tw N ...": inuse counts hashed sockets, listeners included;
 * tw the timewait ones).  1 yes, 0 no, -1 when the text says neither.
 */
int tw_sockstat_has_tcp(const char *text);

/* Read them from /proc/sys/net/ipv4 (of the caller's namespace).  Returns 0 or -errno. */
int tw_sysctls_read(struct tw_sysctls *sys);

/* A client tuple at 80% of its ports or more, or with connect() failures: diagnose it. */
bool tw_group_pressed(const struct tw_sysctls *sys, const struct tw_group *g, __u64 new_failures);
/* The diagnosis line for such a tuple, with whether tcp_tw_reuse would help that traffic. */
void tw_diagnose(const struct tw_sysctls *sys, const struct tw_group *g, __u64 failures, char *buf,
		 size_t len);

/* Address for a table or JSON: "127.0.0.1", "::1"; buf of at least 46 bytes. */
const char *tw_addr_str(__u16 family, const __u8 *addr, char *buf, size_t len);
bool tw_addr_is_loopback(__u16 family, const __u8 *addr);

#endif /* TCPWAIT_TABLE_H */
