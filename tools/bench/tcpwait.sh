#!/usr/bin/env bash
# tcpwait's benchmark: client-close TCP churn (tools/tcpchurn, sequential connections to a
# local server) in a fresh network namespace per run, alone, under tcpwait's default mode, under
# bcc's libbpf-tools tcpstates and tcplife, and under anchors on the same tracepoint
# (sock:inet_sock_set_state): emptyprobe (an empty BPF program, the cheapest possible probe),
# emptyraw (the same on the raw tracepoint, the hook of tp_btf programs such as tcpwait's) and
# bpftrace counting the events.  A connection is 10 state changes (measured with bpftrace: 5 on
# the client, 5 on the server).
# Knobs: BENCH_CONNS (connections per run, default 5000), BENCH_ROUNDS (default 5).
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

CONNS=${BENCH_CONNS:-5000}
TP=sock:inet_sock_set_state
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_CONNS must be a positive number"

bench_init tcpwait connection 10

# shellcheck source=tools/bench/churn.bash
. "$(dirname "$0")/churn.bash"

bench_config alone
if [ -x "$BENCH_BUILD/tcpwait" ]; then
	bench_config tcpwait -- "$BENCH_BUILD/tcpwait"
else
	bench_log "build/tcpwait is not built yet: its configuration is left out of this run"
fi
# libbpf-tools installs them as /usr/sbin/NAME; sudo's PATH may lack /usr/sbin
find_tool() {
	command -v "$1" 2>/dev/null && return
	[ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"
}
tcpstates=$(find_tool tcpstates)
tcplife=$(find_tool tcplife)
if [ -n "$tcpstates" ]; then
	bench_config tcpstates -- "$tcpstates"
else
	bench_log "bcc's tcpstates is missing (Debian package libbpf-tools): left out"
fi
if [ -n "$tcplife" ]; then
	bench_config tcplife -- "$tcplife"
fi
if command -v bpftrace >/dev/null; then
	bench_config bpftrace --timeout 60 -- bpftrace -e "tracepoint:$TP { @events = count(); }"
else
	bench_log "bpftrace is missing: left out"
fi
bench_config emptyprobe --ready '^ready' -- "$BENCH_GEN/emptyprobe" "$TP"
# the same, as a raw tracepoint: the hook tp_btf programs (tcpwait's) run on
bench_config emptyraw --ready '^ready' -- "$BENCH_GEN/emptyprobe" -r "$TP"
bench_anchor emptyprobe

bench_run churn_run
