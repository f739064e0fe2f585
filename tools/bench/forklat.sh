#!/usr/bin/env bash
# forklat's benchmark: a fork-heavy small parent (tools/forkgen, thousands of forks a second),
# alone, under forklat's default mode, under forklat --no-child (the syscall hooks only),
# under bpftrace keeping the same per-process latency histogram, and under three anchors on the
# same syscall's entry and exit tracepoints: an empty BPF program (emptyprobe), one that reads
# the clock (emptyprobe -k: what timing the call costs), and one that reads the clock and adds
# it to a map (emptyprobe -m: the floor of any tool that times forks and keeps a figure).
# One unit is one fork.
#
# Per fork, every config runs 3 programs (the entry, the child's return and the parent's
# return; forklat --no-child leaves the child's return early): bpf_ns/unit is the in-kernel
# cost per fork, bpf_ns/run per program run.  Only the runs on the workload's syscall count
# (forklat's programs on the other fork-family calls and on exec, which the rest of the host
# runs cold, are left out; bpftrace hooks the workload's syscall alone), so each config's
# figure is what the same forks cost it.  forklat_host counts all of forklat's programs.
#
# The loop runs SCHED_FIFO on one CPU (taskset + chrt, children included): syscall tracepoint
# programs run preemptible since 6.13, and a run preempted by the machine's other work counts
# the time it waited (docs/cost.md).  BENCH_FORK_PIN=0 runs it as an ordinary process on any
# CPU (the figures then include cache lines moving between CPUs, and the other load's noise).
#
# Knobs: BENCH_FORKS (forks per run, default 3000), BENCH_FORK_VIA (vfork, the default: what
# posix_spawn does, and the parent does not wait for a CPU for each child; or fork, clone,
# clone3), BENCH_FORK_PIN (1), BENCH_ROUNDS (5).
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FORKS=${BENCH_FORKS:-3000}
VIA=${BENCH_FORK_VIA:-vfork}
[[ $FORKS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_FORKS must be a positive number"
case $VIA in fork | vfork | clone | clone3) ;; *) bench_die "BENCH_FORK_VIA: fork, vfork, clone or clone3" ;; esac
[ -x "$BENCH_GEN/forkgen" ] || bench_die "build/tools/forkgen is missing; run make generators"
[ -x "$BENCH_BUILD/forklat" ] || bench_skip "build/forklat is not built"

bench_init forklat fork 1

PIN=()
if [ "${BENCH_FORK_PIN:-1}" = 1 ]; then
	PIN=(taskset -c "$(($(nproc) - 1))" chrt -f 1)
	# a cgroup without an RT budget refuses SCHED_FIFO: then the loop runs unpinned
	"${PIN[@]}" true 2>/dev/null || {
		bench_log "SCHED_FIFO refused here: the fork loop runs as an ordinary process"
		PIN=()
	}
fi

# glibc's fork() and clone() use the clone syscall, vfork() vfork, clone3 clone3
case $VIA in fork | clone) SYSCALL=clone ;; *) SYSCALL=$VIA ;; esac

forks() {
	local out
	out=$("${PIN[@]}" "$BENCH_GEN/forkgen" --forks "$FORKS" --via "$VIA") || {
		echo "forkgen failed: $out" >&2
		return 1
	}
	BENCH_UNITS=$(jq .forks <<<"$out")
	# shellcheck disable=SC2034 # read by lib.sh
	BENCH_WALL_NS=$(jq .wall_ns <<<"$out")
	if [ "$BENCH_UNITS" != "$FORKS" ] || [ "$(jq .errors <<<"$out")" != 0 ]; then
		echo "forkgen did not make every fork: $out" >&2
		return 1
	fi
}

# forklat's programs on the workload's syscall
ours="^forklat_(enter|exit)_$SYSCALL\$"
bench_config alone
bench_config forklat --min-progs 9 --ready '^Tracing' --count "$ours" -- "$BENCH_BUILD/forklat" 1
# the same, every program counted: what the rest of the host's forks and execs cost it meanwhile,
# divided by the workload's forks (the figure this bench reported before 2026-12-04)
bench_config forklat_host --min-progs 9 --ready '^Tracing' -- "$BENCH_BUILD/forklat" 1
bench_config forklat_nochild --min-progs 8 --ready '^Tracing' --count "$ours" -- \
	"$BENCH_BUILD/forklat" --no-child 1
if command -v bpftrace >/dev/null; then
	# what an SRE would type: the same per-process log2 histogram of the call's latency
	bench_config bpftrace --timeout 60 --min-progs 2 -- bpftrace -e "
tracepoint:syscalls:sys_enter_$SYSCALL { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_$SYSCALL /@start[tid]/ {
	@usecs[pid, comm] = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]);
}
interval:s:1 { print(@usecs); clear(@usecs); }"
else
	bench_log "bpftrace is missing: left out"
fi
for anchor in emptyprobe:"" empty_clock:-k empty_map:-m; do
	# shellcheck disable=SC2086 # the flag, or none
	bench_config "${anchor%%:*}" --ready '^ready' --min-progs 2 -- "$BENCH_GEN/emptyprobe" \
		${anchor#*:} "syscalls:sys_enter_$SYSCALL" "syscalls:sys_exit_$SYSCALL"
done
bench_anchor emptyprobe

bench_run forks
