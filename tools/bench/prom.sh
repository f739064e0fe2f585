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
[ -x "$BENCH_BUILD/tcpwait" ] || bench_skip "build/tcpwait is not built"
"$BENCH_BUILD/tcpwait" --help | grep -q -- --prom-file || bench_skip "tcpwait has no --prom-file"

bench_init prom connection 10

PROM_DIR=$(mktemp -d /tmp/kscope-bench-prom.XXXXXX) || bench_die "no temp dir"
# shellcheck source=tools/bench/churn.bash
. "$(dirname "$0")/churn.bash"
bench_on_exit "rm -rf $PROM_DIR"

churn() {
	churn_run || return 1
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
