#!/usr/bin/env bash
# --prom-file costs the same per event as interval mode: tcpwait's client-close churn (as in
# tools/bench/tcpwait.sh: tcpchurn in a fresh network namespace per run) alone, under tcpwait
# printing its table every second, under tcpwait writing its metrics file every second (the
# daemon mode of docs/fleet.md, with -L so the histogram is written too), and under emptyprobe
# on the same tracepoint as the anchor.  The BPF side is the same program in both modes; what
# differs is user space each interval (a table on stdout vs a file renamed into place), which
# the wall and CPU columns would show.
# Knobs: BENCH_CONNS (connections per run, default 5000), BENCH_ROUNDS (default 5).
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

CONNS=${BENCH_CONNS:-5000}
TP=sock:inet_sock_set_state
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_CONNS must be a positive number"
[ -x "$BENCH_GEN/tcpchurn" ] || bench_die "build/tools/tcpchurn is missing; run make generators"
[ -x "$BENCH_BUILD/tcpwait" ] || bench_skip "build/tcpwait is not built"
"$BENCH_BUILD/tcpwait" --help | grep -q -- --prom-file || bench_skip "tcpwait has no --prom-file"

bench_init prom connection 10

PROM_DIR=$(mktemp -d /tmp/kscope-bench-prom.XXXXXX) || bench_die "no temp dir"
NETNS=
netns_gone() {
	[ -n "$NETNS" ] && ip netns delete "$NETNS" 2>/dev/null
	NETNS=
	return 0
}
bench_on_exit netns_gone
bench_on_exit "rm -rf $PROM_DIR"

churn() {
	local out
	NETNS=kscope-bench-prom-$$-$BENCH_ROUND
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
	if [ "$BENCH_CONFIG" = prom-file ] && [ ! -s "$PROM_DIR/tcpwait.prom" ]; then
		echo "tcpwait --prom-file wrote no file" >&2
		return 1
	fi
}

bench_config alone
bench_config interval -- "$BENCH_BUILD/tcpwait" -L 1
bench_config prom-file -- "$BENCH_BUILD/tcpwait" -L --prom-file "$PROM_DIR/tcpwait.prom" 1
bench_config emptyprobe --ready '^ready' -- "$BENCH_GEN/emptyprobe" "$TP"
bench_anchor emptyprobe

bench_run churn
