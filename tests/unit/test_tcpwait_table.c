// SPDX-License-Identifier: GPL-2.0
/* tcpwait's port-range arithmetic and socket grouping, and the shared port-list parser. */
#include <stdlib.h>
#include "check.h"
#include "opts.h"
#include "tcpwait_table.h"

static bool bit(const __u8 *map, int port)
{
	return map[port / 8] & (1 << (port % 8));
}

static struct tcpwait_sock sock4(__u8 state, bool tw, __u16 lport, __u8 raddr_last, __u16 rport)
{
	struct tcpwait_sock s = {0};

	s.t.family = 2;
	s.t.laddr[0] = 127, s.t.laddr[3] = 1;
	s.t.raddr[0] = 10, s.t.raddr[3] = raddr_last;
	s.t.lport = lport;
	s.t.rport = rport;
	s.state = state;
	s.is_timewait = tw;
	return s;
}

static void test_ranges(void)
{
	__u8 reserved[8192];
	__u32 lo, hi;

	check(!tw_parse_port_range("32768\t60999\n", &lo, &hi) && lo == 32768 && hi == 60999,
	      "parses the kernel's default range");
	check(tw_parse_port_range("5000 4000", &lo, &hi) != 0, "rejects an inverted range");
	check(tw_sockstat_has_tcp(
		      "sockets: used 0\nTCP: inuse 0 orphan 0 tw 0 alloc 18 mem 160\n") == 0,
	      "sockstat: a namespace with no TCP socket");
	check(tw_sockstat_has_tcp(
		      "sockets: used 3\nTCP: inuse 0 orphan 0 tw 120 alloc 18 mem 1\n") == 1,
	      "sockstat: only TIME_WAIT sockets left");
	check(tw_sockstat_has_tcp("TCP: inuse 1 orphan 0 tw 0 alloc 18 mem 160\n") == 1,
	      "sockstat: a listener");
	check(tw_sockstat_has_tcp("TCP: something else\n") == -1, "sockstat: unknown text");
	check_u64(tw_ports_usable(32768, 60999, NULL), 28232, "default range has 28232 ports");
	/* measured: with 20000-20999 and nothing reserved, exactly 1000 connects succeed */
	check_u64(tw_ports_usable(20000, 20999, NULL), 1000, "both ends of the range count");
	check_u64(tw_ports_usable(10000, 10000, NULL), 1, "a one-port range");

	check(!tw_parse_reserved("20100,20200-20209,8080\n", reserved), "parses reserved ports");
	check(bit(reserved, 20100) && bit(reserved, 20205) && bit(reserved, 8080) &&
		      !bit(reserved, 20210),
	      "reserved bitmap has the listed ports only");
	check_u64(tw_ports_usable(20000, 20999, reserved), 989,
		  "reserved ports inside the range are subtracted, those outside are not");
	check(!tw_parse_reserved("\n", reserved) && !bit(reserved, 0), "empty reserved list");

	check(tw_headroom_pct(250, 1000) == 75.0, "headroom 75%% at a quarter used");
	check(tw_headroom_pct(1000, 1000) == 0 && tw_headroom_pct(1200, 1000) == 0,
	      "headroom 0 when full or over");
	check(tw_eta_s(600, 400, 1000, 2.0) == 4.0, "100 ports/s with 400 left: 4 s");
	check(tw_eta_s(400, 400, 1000, 1.0) < 0, "not filling: no estimate");
	check(tw_eta_s(1000, 900, 1000, 1.0) == 0, "full: 0");
}

static void test_grouping(void)
{
	struct tw_scan scan = {0};
	struct tcpwait_sock socks[] = {
		sock4(TCPWAIT_STATE_LISTEN, false, 8080, 0, 0),
		/* client side: to 10.0.0.5:80, two in TIME_WAIT, one established */
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 40001, 5, 80),
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 40002, 5, 80),
		sock4(1, false, 40003, 5, 80),
		sock4(TCPWAIT_STATE_FIN_WAIT2, true, 40004, 5, 80),
		/* another destination */
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 40001, 6, 80),
		/* server side: on the listening port 8080 */
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 8080, 7, 40100),
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 8080, 7, 40101),
		/* no listener any more, but seen accepted by tcpwait */
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 9000, 7, 40102),
		/* no listener, never seen: local port outside the range, remote inside */
		sock4(TCPWAIT_STATE_TIME_WAIT, true, 9001, 7, 40103),
	};

	socks[8].side = TCPWAIT_SIDE_SERVER;
	scan.n = sizeof(socks) / sizeof(socks[0]);
	scan.socks = malloc(sizeof(socks));
	memcpy(scan.socks, socks, sizeof(socks));
	scan.range_low = 32768;
	scan.range_high = 60999;
	check(!tw_scan_group(&scan), "groups");
	check_u64(scan.time_wait, 7, "TIME_WAIT total excludes FIN_WAIT2 timewait sockets");
	check_u64(scan.ngroups, 5, "two client tuples, three server ports");

	const struct tw_group *g = &scan.groups[0];
	check(!g->server && g->raddr[3] == 5 && g->port == 80 && g->sockets == 4 &&
		      g->time_wait == 2 && g->fin_wait2 == 1,
	      "client tuple to 10.0.0.5:80: 4 ports in use, 2 TIME_WAIT, 1 FIN_WAIT2");
	check(!scan.groups[1].server && scan.groups[1].raddr[3] == 6, "second client tuple");
	check(scan.groups[2].server && scan.groups[2].port == 8080 && scan.groups[2].time_wait == 2,
	      "listening port 8080: server side");
	check(scan.groups[3].server && scan.groups[3].port == 9000,
	      "seen accepted: server side without a listener");
	check(scan.groups[4].server && scan.groups[4].port == 9001,
	      "never seen: server side by the ephemeral range");
	tw_scan_free(&scan);
}

static void test_port_lists(void)
{
	__u8 map[8192] = {0};
	char why[128];

	check(!opts_parse_ports("80,443,8000-8002", map, why, sizeof(why)), "port list parses");
	check(bit(map, 80) && bit(map, 443) && bit(map, 8000) && bit(map, 8002) &&
		      !bit(map, 8003) && !bit(map, 81),
	      "exactly the listed ports");
	check(opts_parse_ports("0", map, why, sizeof(why)) != 0, "port 0 rejected");
	check(opts_parse_ports("65536", map, why, sizeof(why)) != 0, "65536 rejected");
	check(opts_parse_ports("90-80", map, why, sizeof(why)) != 0, "inverted range rejected");
	check(opts_parse_ports("80,", map, why, sizeof(why)) != 0, "trailing comma rejected");
	check(opts_parse_ports("http", map, why, sizeof(why)) != 0, "names rejected");
}

/* A client tuple 127.0.0.1 -> 10.0.0.5:80 (or 127.0.0.1:80 with loopback) at a fill level. */
static struct tw_group client(__u32 sockets, bool loopback)
{
	struct tw_group g = {.family = 2, .port = 80, .sockets = sockets, .time_wait = sockets};

	g.laddr[0] = 127, g.laddr[3] = 1;
	if (loopback)
		g.raddr[0] = 127, g.raddr[3] = 1;
	else
		g.raddr[0] = 10, g.raddr[3] = 5;
	return g;
}

static bool says(const struct tw_sysctls *sys, const struct tw_group *g, const char *what)
{
	char line[768];

	tw_diagnose(sys, g, 3, line, sizeof(line));
	if (strstr(line, what))
		return true;
	printf("#   line: %s\n#   want: %s\n", line, what);
	return false;
}

static void test_diagnosis(void)
{
	struct tw_sysctls sys = {.usable = 1000, .tw_reuse = 0, .timestamps = 1};
	struct tw_group full = client(1000, false), most = client(850, false),
			some = client(500, false);
	struct tw_group server = client(1000, false);

	server.server = true;
	check(tw_group_pressed(&sys, &full, 0) && tw_group_pressed(&sys, &most, 0),
	      "full and 85%% tuples are diagnosed");
	check(!tw_group_pressed(&sys, &some, 0), "50%% without failures is not");
	check(tw_group_pressed(&sys, &some, 2), "50%% with connect() failures is");
	check(!tw_group_pressed(&sys, &server, 5), "server-side TIME_WAIT uses no local ports");

	check(says(&sys, &full, "127.0.0.1 -> 10.0.0.5:80 is out of ports: 1000 of 1000"),
	      "names the tuple and the count");
	check(says(&sys, &most, "is nearly out of ports: 850 of 1000"), "nearly out at 85%%");
	check(says(&sys, &full, "3 connect() EADDRNOTAVAIL"), "the failures");
	check(says(&sys, &full, "tcp_tw_reuse=1 would let connect() reuse"),
	      "tw_reuse=0: suggests 1");
	sys.tw_reuse = 2;
	check(says(&sys, &full, "=2 covers loopback only; =1 would"),
	      "tw_reuse=2, remote host: 2 does not cover it");
	struct tw_group loop = client(1000, true);
	check(says(&sys, &loop, "already on for this traffic"),
	      "tw_reuse=2 on loopback: already on");
	sys.tw_reuse = 1;
	check(says(&sys, &full, "already on for this traffic"), "tw_reuse=1: already on");
	sys.tw_reuse = 0;
	sys.timestamps = 0;
	check(says(&sys, &full, "would not help: it needs net.ipv4.tcp_timestamps"),
	      "without timestamps reuse cannot help");
}

int main(void)
{
	test_diagnosis();
	test_ranges();
	test_grouping();
	test_port_lists();
	return check_done();
}
