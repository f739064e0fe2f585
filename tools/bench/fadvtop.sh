#!/usr/bin/env bash
# fadvtop's benchmark: a DONTNEED storm (tools/fadvgen), alone, under fadvtop's
# default per-container mode, under bcc's libbpf-tools syscount (counts, and -L latencies),
# under bpftrace counting the syscall per cgroup and under bpftrace answering part of
# fadvtop's question (a latency histogram per cgroup), under strace -c -f (which wraps the
# generator instead of running beside it), and under three anchors: emptyprobe (an empty BPF
# program) on the fadvise entry tracepoint; on entry and exit (the least a latency tool must
# attach); on entry and exit reading the clock (emptyprobe -k: the least a tool that times
# each call must do).  One unit is one fadvise call; the wall figure is ns per call.
#
# Two storms (BENCH_FADV_MODE):
#   advise (default)  posix_fadvise(fd, 0, 64 KiB, DONTNEED) in a loop on a synced file: the
#                     bare per-call cost, ~1 us, steady enough for a per-call overhead figure;
#   write             glog's loop: append a 200-byte line, then DONTNEED everything written;
#                     each call starts writeback, so its cost follows the disk and the wall
#                     figure is noisy; the BPF-stats figure stays usable.
# Knobs: BENCH_CALLS (calls per run, default 100000 advise / 20000 write), BENCH_ROUNDS (5).
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

MODE=${BENCH_FADV_MODE:-advise}
case $MODE in
advise) CALLS=${BENCH_CALLS:-100000} GENARGS=(-m advise -s 65536) ;;
write) CALLS=${BENCH_CALLS:-20000} GENARGS=(-m write -s 200) ;;
*) bench_die "BENCH_FADV_MODE must be advise or write" ;;
esac
[[ $CALLS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_CALLS must be a positive number"
[ -x "$BENCH_GEN/fadvgen" ] || bench_die "build/tools/fadvgen is missing; run make generators"
[ -x "$BENCH_BUILD/fadvtop" ] || bench_skip "build/fadvtop is not built"

bench_init fadvtop call 1

# x86-64 names the syscall fadvise64; arm64 and others fadvise64_64
SYSCALL=fadvise64
[ -d /sys/kernel/tracing/events/syscalls/sys_enter_fadvise64 ] ||
	[ ! -d /sys/kernel/tracing/events/syscalls/sys_enter_fadvise64_64 ] || SYSCALL=fadvise64_64

# not /tmp: on a tmpfs DONTNEED would do nothing
FILE=$(mktemp /var/tmp/kscope-bench-fadvtop.XXXXXX) || exit 1
bench_on_exit "rm -f $FILE"

storm() {
	local out wrap=()
	# strace cannot watch from the side: it runs the generator under itself
	[ "$BENCH_CONFIG" = strace ] && wrap=(strace -c -f -o "$BENCH_TMP/strace.out")
	out=$("${wrap[@]}" "$BENCH_GEN/fadvgen" "${GENARGS[@]}" -n "$CALLS" -a dontneed -f "$FILE") || {
		echo "fadvgen failed: $out" >&2
		return 1
	}
	BENCH_UNITS=$(bench_kv calls "$out")
	# shellcheck disable=SC2034 # read by lib.sh
	BENCH_WALL_NS=$(bench_kv ns "$out")
	if [ "$BENCH_UNITS" != "$CALLS" ] || [ "$(bench_kv errors "$out")" != 0 ]; then
		echo "fadvgen did not make every call: $out" >&2
		return 1
	fi
}

find_tool() {
	command -v "$1" 2>/dev/null && return
	[ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"
}

bench_config alone
bench_config fadvtop --min-progs 5 -- "$BENCH_BUILD/fadvtop" -C 1
syscount=$(find_tool syscount)
if [ -n "$syscount" ]; then
	bench_config syscount -- "$syscount"
	bench_config syscount_L -- "$syscount" -L
else
	bench_log "bcc's syscount is missing (Debian package libbpf-tools): left out"
fi
if command -v bpftrace >/dev/null; then
	bench_config bpftrace --timeout 60 -- bpftrace -e \
		"tracepoint:syscalls:sys_enter_$SYSCALL { @[cgroup] = count(); }"
	bench_config bpftrace_L --timeout 60 -- bpftrace -e \
		"tracepoint:syscalls:sys_enter_$SYSCALL { @s[tid] = nsecs; }
		tracepoint:syscalls:sys_exit_$SYSCALL /@s[tid]/ {
			@[cgroup] = hist(nsecs - @s[tid]); delete(@s[tid]); }"
else
	bench_log "bpftrace is missing: left out"
fi
if command -v strace >/dev/null; then
	bench_config strace
else
	bench_log "strace is missing: left out"
fi
bench_config emptyprobe --ready '^ready' -- "$BENCH_GEN/emptyprobe" "syscalls:sys_enter_$SYSCALL"
bench_config emptyprobe2 --ready '^ready' --min-progs 2 -- "$BENCH_GEN/emptyprobe" \
	"syscalls:sys_enter_$SYSCALL" "syscalls:sys_exit_$SYSCALL"
bench_config clockprobe2 --ready '^ready' --min-progs 2 -- "$BENCH_GEN/emptyprobe" -k \
	"syscalls:sys_enter_$SYSCALL" "syscalls:sys_exit_$SYSCALL"
bench_anchor emptyprobe

bench_run storm
