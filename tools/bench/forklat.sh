#!/usr/bin/env bash
# forklat's benchmark: a fork-heavy small parent (tools/forkgen, thousands of forks a second),
# alone, under forklat's default mode, under forklat --no-child (the syscall hooks only),
# under bpftrace keeping the same per-process latency histogram, and under the anchor: an
# empty BPF program on the same syscall's entry and exit tracepoints.  One unit is one fork.
#
# Per fork, forklat, bpftrace and the anchor each run 3 programs (the entry, the child's return
# and the parent's return; forklat --no-child leaves the child's return early): bpf_ns/unit
# is the in-kernel cost per fork, bpf_ns/run per program run.
#
# Knobs: BENCH_FORKS (forks per run, default 3000), BENCH_FORK_VIA (vfork, the default: what
# posix_spawn does, and the parent does not wait for a CPU for each child; or fork, clone,
# clone3), BENCH_ROUNDS (5).
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

FORKS=${BENCH_FORKS:-3000}
VIA=${BENCH_FORK_VIA:-vfork}
[[ $FORKS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_FORKS must be a positive number"
case $VIA in fork | vfork | clone | clone3) ;; *) bench_die "BENCH_FORK_VIA: fork, vfork, clone or clone3" ;; esac
[ -x "$BENCH_GEN/forkgen" ] || bench_die "build/tools/forkgen is missing; run make generators"
[ -x "$BENCH_BUILD/forklat" ] || bench_skip "build/forklat is not built"

bench_init forklat fork 1

# glibc's fork() and clone() use the clone syscall, vfork() vfork, clone3 clone3
case $VIA in fork | clone) SYSCALL=clone ;; *) SYSCALL=$VIA ;; esac

forks() {
	local out
	out=$("$BENCH_GEN/forkgen" --forks "$FORKS" --via "$VIA") || {
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

enters= exits=
for c in fork vfork clone clone3; do
	[ -d "/sys/kernel/tracing/events/syscalls/sys_enter_$c" ] || continue
	enters+=${enters:+,}tracepoint:syscalls:sys_enter_$c
	exits+=${exits:+,}tracepoint:syscalls:sys_exit_$c
done
bench_config alone
bench_config forklat --min-progs 9 --ready '^Tracing' -- "$BENCH_BUILD/forklat" 1
bench_config forklat_nochild --min-progs 8 --ready '^Tracing' -- "$BENCH_BUILD/forklat" \
	--no-child 1
if command -v bpftrace >/dev/null; then
	# what an SRE would type: the same per-process log2 histogram of the call's latency
	bench_config bpftrace --timeout 60 --min-progs 2 -- bpftrace -e "
$enters { @start[tid] = nsecs; }
$exits /@start[tid]/ {
	@usecs[pid, comm] = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]);
}
interval:s:1 { print(@usecs); clear(@usecs); }"
else
	bench_log "bpftrace is missing: left out"
fi
bench_config emptyprobe --ready '^ready' --min-progs 2 -- "$BENCH_GEN/emptyprobe" \
	"syscalls:sys_enter_$SYSCALL" "syscalls:sys_exit_$SYSCALL"
bench_anchor emptyprobe

bench_run forks
