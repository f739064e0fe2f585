#!/usr/bin/env bash
# netcheck watch's benchmark: a loopback request/response workload (tools/epollbench: CONNS
# connections, one request in flight on each, blocking epoll_wait; CPU-bound, so the tracers'
# cost shows in wall time rather than hiding in idle wakeups), alone, under netcheck watch, under
# bcc's libbpf-tools softirqs and hardirqs (what an SRE reaches for to see the interrupt side),
# and under the anchor: emptyprobe on the same hooks netcheck uses (perf tracepoints for the
# epoll syscalls, raw tracepoints for sched/irq/softirq/napi, as its tp_btf programs are).
# A unit is one request; its events are what those hooks fire per request (EVENTS_PER_REQ,
# measured on this machine type with the BPF stats of this benchmark: run_cnt / requests).
# Knobs: BENCH_REQUESTS (per run, default 50000), BENCH_CONNS (default 32), BENCH_ROUNDS (5).
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

REQUESTS=${BENCH_REQUESTS:-50000}
CONNS=${BENCH_CONNS:-32}
EVENTS_PER_REQ=${BENCH_EVENTS_PER_REQ:-10}
[[ $REQUESTS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_REQUESTS must be a positive number"
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_CONNS must be a positive number"
[ -x "$BENCH_GEN/epollbench" ] || bench_die "build/tools/epollbench is missing; run make generators"
[ -x "$BENCH_GEN/emptyprobe" ] || bench_die "build/tools/emptyprobe is missing; run make generators"
command -v ip >/dev/null || bench_die "ip (iproute2) is missing; run make deps"

bench_init netcheck request "$EVENTS_PER_REQ"

NETNS=kscope-bench-netcheck-$$
netns_gone() {
	ip netns delete "$NETNS" 2>/dev/null
	return 0
}
bench_on_exit netns_gone
ip netns add "$NETNS" && ip -n "$NETNS" link set lo up || bench_die "could not create a netns"

requests() {
	local out spid
	ip netns exec "$NETNS" "$BENCH_GEN/epollbench" server -n "$REQUESTS" -t -1 >/dev/null &
	spid=$!
	# the client retries nothing: give the server its moment to listen
	for _ in $(seq 50); do
		ip netns exec "$NETNS" ss -Hltn 'sport = :7878' | grep -q . && break
		sleep 0.02
	done
	out=$(ip netns exec "$NETNS" "$BENCH_GEN/epollbench" client -c "$CONNS" -n "$REQUESTS") || {
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		echo "epollbench client failed: $out" >&2
		return 1
	}
	wait "$spid"
	BENCH_UNITS=$(bench_kv requests "$out")
	# shellcheck disable=SC2034 # read by lib.sh
	BENCH_WALL_NS=$(bench_kv elapsed_ns "$out")
	[ "$BENCH_UNITS" = "$REQUESTS" ] || { echo "only $BENCH_UNITS requests: $out" >&2; return 1; }
}

find_tool() {
	command -v "$1" 2>/dev/null && return
	[ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"
}

EPOLL_TPS=()
for s in epoll_wait epoll_pwait epoll_pwait2; do
	EPOLL_TPS+=("syscalls:sys_enter_$s" "syscalls:sys_exit_$s")
done
RAW_TPS=(sched:sched_switch sched:sched_wakeup irq:irq_handler_entry irq:irq_handler_exit
	 irq:softirq_entry irq:softirq_exit napi:napi_poll)

bench_config alone
if [ -x "$BENCH_BUILD/netcheck" ]; then
	# one interval of a day: never comes; the summary is printed at SIGINT
	bench_config netcheck --ready '^Tracing' --min-progs 13 -- "$BENCH_BUILD/netcheck" watch 86400
else
	bench_log "build/netcheck is not built: its configuration is left out of this run"
fi
softirqs=$(find_tool softirqs)
hardirqs=$(find_tool hardirqs)
if [ -n "$softirqs" ]; then
	bench_config softirqs -- "$softirqs" 86400
else
	bench_log "bcc's softirqs is missing (Debian package libbpf-tools): left out"
fi
if [ -n "$hardirqs" ]; then
	bench_config hardirqs -- "$hardirqs" 86400
else
	bench_log "bcc's hardirqs is missing (Debian package libbpf-tools): left out"
fi
# two emptyprobe processes, one per hook kind; the wrapper forwards SIGINT/SIGTERM to both.
# empty_map: each program reads the clock and adds it to a map (emptyprobe -m), the floor of
# a tool that times what it counts on these hooks
for anchor in emptyprobe:"" empty_map:-m; do
	# shellcheck disable=SC2016 # expanded by the inner shell
	bench_config "${anchor%%:*}" --ready 'ready' --progs name:emptyprobe --min-progs 13 -- \
		bash -c '
	f=$1; shift
	"$0" $f "${@:1:6}" & a=$!
	"$0" $f -r "${@:7}" & b=$!
	trap "kill -INT $a $b" INT TERM
	wait; wait' "$BENCH_GEN/emptyprobe" "${anchor#*:}" "${EPOLL_TPS[@]}" "${RAW_TPS[@]}"
done
bench_anchor emptyprobe

bench_run requests
