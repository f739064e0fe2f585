# shellcheck shell=bash
# The client-close TCP churn that tcpwait.sh and prom.sh both measure: tcpchurn in a fresh
# network namespace per run, so every configuration starts from an empty TIME_WAIT table and
# the 60 s of TIME_WAIT each run leaves never pile up.  The port range is large and
# tcp_tw_reuse stays off there, so the churn never waits for a port.  Source it after lib.sh
# and bench_init; CONNS is the connections per run; the workload function is churn_run.

[ -x "$BENCH_GEN/tcpchurn" ] || bench_die "build/tools/tcpchurn is missing; run make generators"
command -v ip >/dev/null || bench_die "ip (iproute2) is missing; run make deps"

NETNS=
netns_gone() {
	[ -n "$NETNS" ] && ip netns delete "$NETNS" 2>/dev/null
	NETNS=
	return 0
}
bench_on_exit netns_gone

churn_run() {
	local out
	NETNS=kscope-bench-$BENCH_NAME-$$-$BENCH_ROUND
	ip netns add "$NETNS" || return 1
	ip -n "$NETNS" link set lo up &&
		ip netns exec "$NETNS" sysctl -qw net.ipv4.ip_local_port_range="10000 65000" \
			net.ipv4.tcp_tw_reuse=0 >/dev/null || return 1
	out=$(ip netns exec "$NETNS" "$BENCH_GEN/tcpchurn" -m client-close -n "$CONNS" -q) || {
		echo "tcpchurn failed: $out" >&2
		return 1
	}
	netns_gone
	BENCH_UNITS=$(bench_kv connects "$out")
	# shellcheck disable=SC2034 # read by lib.sh
	BENCH_WALL_NS=$(bench_kv elapsed_ns "$out")
	# shellcheck disable=SC2034 # read by lib.sh
	BENCH_CPU_NS=$(bench_kv cpu_ns "$out")
	if [ "$BENCH_UNITS" != "$CONNS" ] || [ "$(bench_kv errors "$out")" != 0 ]; then
		echo "tcpchurn did not make every connection: $out" >&2
		return 1
	fi
}
