// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tcpwait_table.h"
#include "table.h"

static bool port_bit(const __u8 *bitmap, __u16 port)
{
	return bitmap[port / 8] & (1 << (port % 8));
}

static bool in_range(const struct tw_scan *scan, __u16 port)
{
	return port >= scan->range_low && port <= scan->range_high;
}

static bool server_side(const struct tw_scan *scan, const struct tcpwait_sock *s)
{
	if (s->side != TCPWAIT_SIDE_UNKNOWN)
		return s->side == TCPWAIT_SIDE_SERVER;
	if (port_bit(scan->listening, s->t.lport))
		return true;
	return !in_range(scan, s->t.lport) && in_range(scan, s->t.rport);
}

static void group_key(const struct tw_scan *scan, const struct tcpwait_sock *s, struct tw_group *g)
{
	memset(g, 0, sizeof(*g));
	g->netns = s->t.netns;
	g->server = server_side(scan, s);
	g->family = s->t.family;
	memcpy(g->laddr, s->t.laddr, 16);
	memcpy(g->raddr, s->t.raddr, 16);
	g->port = g->server ? s->t.lport : s->t.rport;
}

static int group_cmp(const void *a, const void *b)
{
	const struct tw_group *x = a, *y = b;
	int c;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->server != y->server)
		return x->server - y->server;
	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->laddr, y->laddr, 16);
	if (c)
		return c;
	c = memcmp(x->raddr, y->raddr, 16);
	if (c)
		return c;
	return x->port - y->port;
}

int tw_scan_group(struct tw_scan *scan)
{
	struct tw_group *keys;
	size_t n = 0;

	memset(scan->listening, 0, sizeof(scan->listening));
	scan->time_wait = 0;
	for (size_t i = 0; i < scan->n; i++)
		if (!scan->socks[i].is_timewait && scan->socks[i].state == TCPWAIT_STATE_LISTEN)
			scan->listening[scan->socks[i].t.lport / 8] |=
				1 << (scan->socks[i].t.lport % 8);

	keys = calloc(scan->n ? scan->n : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < scan->n; i++) {
		const struct tcpwait_sock *s = &scan->socks[i];

		if (!s->is_timewait && s->state == TCPWAIT_STATE_LISTEN)
			continue;
		group_key(scan, s, &keys[n]);
		keys[n].sockets = 1;
		if (s->is_timewait && s->state == TCPWAIT_STATE_TIME_WAIT) {
			keys[n].time_wait = 1;
			scan->time_wait++;
		} else if (s->is_timewait && s->state == TCPWAIT_STATE_FIN_WAIT2) {
			keys[n].fin_wait2 = 1;
		}
		n++;
	}
	table_sort(keys, n, sizeof(*keys), group_cmp);

	/* merge runs of equal keys in place */
	scan->ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		struct tw_group *last = scan->ngroups ? &keys[scan->ngroups - 1] : NULL;

		if (last && !group_cmp(last, &keys[i])) {
			last->sockets += keys[i].sockets;
			last->time_wait += keys[i].time_wait;
			last->fin_wait2 += keys[i].fin_wait2;
		} else {
			keys[scan->ngroups++] = keys[i];
		}
	}
	free(scan->groups);
	scan->groups = keys;
	return 0;
}

void tw_scan_free(struct tw_scan *scan)
{
	free(scan->groups);
	free(scan->socks);
	scan->groups = NULL;
	scan->socks = NULL;
	scan->n = scan->ngroups = 0;
}

int tw_scan_append(struct tw_scan *all, const struct tw_scan *one)
{
	struct tcpwait_sock *socks = realloc(all->socks, (all->n + one->n + 1) * sizeof(*socks));
	struct tw_group *groups;

	if (!socks)
		return -ENOMEM;
	all->socks = socks;
	groups = realloc(all->groups, (all->ngroups + one->ngroups + 1) * sizeof(*groups));
	if (!groups)
		return -ENOMEM;
	all->groups = groups;
	/* an empty namespace has no arrays at all: memcpy() takes no NULL, even for 0 bytes */
	if (one->n)
		memcpy(all->socks + all->n, one->socks, one->n * sizeof(*socks));
	if (one->ngroups)
		memcpy(all->groups + all->ngroups, one->groups, one->ngroups * sizeof(*groups));
	all->n += one->n;
	all->ngroups += one->ngroups;
	all->time_wait += one->time_wait;
	return 0;
}

int tw_parse_port_range(const char *text, __u32 *low, __u32 *high)
{
	unsigned int lo, hi;

	if (sscanf(text, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535)
		return -EINVAL;
	*low = lo;
	*high = hi;
	return 0;
}

int tw_parse_reserved(const char *text, __u8 *bitmap)
{
	const char *p = text;

	memset(bitmap, 0, 8192);
	while (*p && *p != '\n') {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p || lo > 65535)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || hi < lo || hi > 65535)
				return -EINVAL;
		}
		for (unsigned long port = lo; port <= hi; port++)
			bitmap[port / 8] |= 1 << (port % 8);
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

__u32 tw_ports_usable(__u32 low, __u32 high, const __u8 *reserved)
{
	__u32 n = 0;

	for (__u32 port = low; port <= high && port <= 65535; port++)
		if (!reserved || !port_bit(reserved, port))
			n++;
	return n;
}

double tw_headroom_pct(__u32 in_use, __u32 usable)
{
	if (!usable || in_use >= usable)
		return 0;
	return 100.0 * (usable - in_use) / usable;
}

double tw_eta_s(__u32 in_use, __u32 prev_in_use, __u32 usable, double interval_s)
{
	double rate;

	if (in_use >= usable)
		return 0;
	if (in_use <= prev_in_use || interval_s <= 0)
		return -1;
	rate = (in_use - prev_in_use) / interval_s;
	return (usable - in_use) / rate;
}

const char *tw_addr_str(__u16 family, const __u8 *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == TCPWAIT_AF_INET ? AF_INET : AF_INET6, addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

bool tw_addr_is_loopback(__u16 family, const __u8 *addr)
{
	static const __u8 v6_loopback[16] = {[15] = 1};
	static const __u8 v4_mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (family == TCPWAIT_AF_INET)
		return addr[0] == 127;
	if (!memcmp(addr, v6_loopback, 16))
		return true;
	return !memcmp(addr, v4_mapped, 12) && addr[12] == 127;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int tw_sockstat_has_tcp(const char *text)
{
	const char *line = strstr(text, "TCP: ");
	unsigned int inuse, orphan, tw;

	if (!line || sscanf(line, "TCP: inuse %u orphan %u tw %u", &inuse, &orphan, &tw) != 3)
		return -1;
	return inuse || tw;
}

int tw_sysctls_read(struct tw_sysctls *sys)
{
	char buf[4096];

	if (read_file("/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof(buf)) ||
	    tw_parse_port_range(buf, &sys->low, &sys->high))
		return -EINVAL;
	if (read_file("/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)) ||
	    tw_parse_reserved(buf, sys->reserved))
		memset(sys->reserved, 0, sizeof(sys->reserved));
	sys->usable = tw_ports_usable(sys->low, sys->high, sys->reserved);
	sys->tw_reuse =
		read_file("/proc/sys/net/ipv4/tcp_tw_reuse", buf, sizeof(buf)) ? -1 : atoi(buf);
	sys->timestamps =
		read_file("/proc/sys/net/ipv4/tcp_timestamps", buf, sizeof(buf)) ? -1 : atoi(buf);
	return 0;
}

bool tw_group_pressed(const struct tw_sysctls *sys, const struct tw_group *g, __u64 new_failures)
{
	return !g->server && (g->sockets * 100ull >= sys->usable * 80ull || new_failures);
}

void tw_diagnose(const struct tw_sysctls *sys, const struct tw_group *g, __u64 failures, char *buf,
		 size_t len)
{
	char l[64], r[64];
	double used = sys->usable ? 100.0 * g->sockets / sys->usable : 0;
	bool loop = tw_addr_is_loopback(g->family, g->raddr);
	const char *advice;

	/* tcp_tw_reuse: 1 for all traffic, 2 (the default) for loopback only; needs timestamps */
	if (sys->tw_reuse == 1 || (sys->tw_reuse == 2 && loop))
		advice = "net.ipv4.tcp_tw_reuse is already on for this traffic; ports still run "
			 "out: reuse more connections (keep-alive, pooling) or widen "
			 "net.ipv4.ip_local_port_range";
	else if (sys->timestamps == 0)
		advice = "net.ipv4.tcp_tw_reuse would not help: it needs net.ipv4.tcp_timestamps";
	else if (sys->tw_reuse == 2)
		advice = "net.ipv4.tcp_tw_reuse=2 covers loopback only; =1 would let connect() "
			 "reuse these TIME_WAIT ports after 1 s";
	else
		advice = "net.ipv4.tcp_tw_reuse=1 would let connect() reuse these TIME_WAIT ports "
			 "after 1 s";
	snprintf(buf, len,
		 "%s -> %s:%u is %s: %u of %u ephemeral ports in use, %u in TIME_WAIT, %llu "
		 "connect() EADDRNOTAVAIL since start; this side closes first, so it holds "
		 "TIME_WAIT. %s",
		 tw_addr_str(g->family, g->laddr, l, sizeof(l)),
		 tw_addr_str(g->family, g->raddr, r, sizeof(r)), g->port,
		 g->sockets >= sys->usable ? "out of ports"
		 : used >= 80		   ? "nearly out of ports"
					   : "failing",
		 g->sockets, sys->usable, g->time_wait, (unsigned long long)failures, advice);
}
