# shellcheck shell=bash
# The per-round figures are space-separated lists, split on purpose when passed on:
# shellcheck disable=SC2086
# tools/bench/lib.sh: the harness every tools/bench/<tool>.sh sources.  Not run on its own.
#
# A benchmark runs one workload under several configurations (alone, with the kscope tool,
# with what an SRE would otherwise use, with anchors such as an empty BPF program on the same
# hook), alternated round-robin over R rounds so that drift on a shared, noisy machine hits
# every configuration alike.  Per configuration it reports the two figures DESIGN.md asks for:
#   wall     (median wall time of the config - median wall time alone) / units, and / events
#            (and the same on CPU time when the workload reports it)
#   bpf      in-kernel cost per program run from BPF stats: sum(run_time_ns) / sum(run_cnt)
#            of the configuration's programs (kernel.bpf_stats_enabled=1 for the duration)
# plus lost events (the programs' recursion_misses: runs the kernel skipped because another
# BPF program was running on that CPU) and the ratio of both figures to an anchor config.
#
# Usage, in tools/bench/<tool>.sh:
#
#   #!/usr/bin/env bash
#   . "$(dirname "$0")/lib.sh"
#   bench_init tcpwait "connection" 10  # name, what one unit is, tracepoint events per unit
#   bench_on_exit "ip netns delete $ns" # extra cleanup (runs on exit, Ctrl-C included)
#   workload() { ...; }                 # one run of the workload, see below
#   bench_config alone                  # no tracer: the baseline (always name it "alone")
#   bench_config tcpwait --ready '^TIME' -- "$BENCH_BUILD/tcpwait" 1
#   bench_config tcpstates -- /usr/sbin/tcpstates
#   bench_config bpftrace --timeout 60 -- bpftrace -e 'tracepoint:sock:inet_sock_set_state { @ = count(); }'
#   bench_config emptyprobe --ready '^ready' -- "$BENCH_GEN/emptyprobe" sock:inet_sock_set_state
#   bench_anchor emptyprobe             # the ratio columns divide by this config's figures
#   bench_run workload                  # rounds, table, exit status
#
# The workload function is called once per round and configuration, with BENCH_CONFIG and
# BENCH_ROUND set.  It must set BENCH_UNITS (units of work done in this run, e.g. connections
# actually made) and may set BENCH_WALL_NS (the time the work itself took, e.g. a generator's
# own elapsed_ns, which leaves out netns set-up and process start); otherwise the harness
# times the whole call.  It may also set BENCH_CPU_NS (CPU time the work took, e.g. tcpchurn's
# cpu_ns): then a cpu column pair is printed too, the same subtraction on CPU time, which the
# other load on a shared machine disturbs less than wall time.  A non-zero return fails the benchmark (bad numbers are worse than
# none).  Helper: bench_kv KEY "line"  prints the value of KEY=VALUE in a line.
#
# bench_config NAME [options] -- COMMAND...   a tracer started in the background per run:
#   --ready REGEX   also wait until its output (stdout+stderr) matches REGEX
#   --progs pid     its BPF programs are those its process holds (/proc/PID/fdinfo prog_id);
#                   the default
#   --progs name:PREFIX  those whose name starts with PREFIX (tools whose programs outlive
#                   or live outside the started process)
#   --min-progs N   wait until at least N programs are loaded (default 1)
#   --count REGEX   only the programs whose name matches REGEX (grep -E) count in the bpf
#                   figures: those on the workload's own hooks, when the tool also hooks what
#                   the rest of the host does (every process's clone and exec: cold runs the
#                   workload does not cause, which would be divided by the workload's units)
#   --timeout S     seconds to wait for it to attach (default 30; bpftrace compiles slowly)
# It is ready once its program count has stayed the same for BENCH_SETTLE_MS (default 500)
# and --ready matched.  After the workload its programs' stats are read, then it gets SIGINT
# (SIGTERM after 10 s, SIGKILL after 15 s) and the harness checks it left no program behind.
# A tracer that fails to start is reported with the tail of its output and its config is
# dropped from the rest of the run (the others go on); the benchmark then exits 1.
#
# Environment: BENCH_BPF_STATS=0 leaves BPF stats off (wall figures without the two clock reads
# stats add to every program run, and no bpf columns), BENCH_ROUNDS (default 5), BENCH_SETTLE_MS (500), BENCH_KEEP_LOGS=1 keeps the
# tracers' output under BENCH_TMP, BENCH_VERBOSE=1 logs each run's programs one by one (name,
# runs, ns per run, misses: which hook costs, which loses events), BENCH_SUMMARY (set by run.sh: the table is appended there).
# bench_skip "reason" exits 77, which run.sh reports as skipped (e.g. a tool not built yet).
#
# Caveat: kernel.bpf_stats_enabled is host-wide.  Restoring it at exit can switch stats off
# under another benchmark that started later; run one benchmark at a time (run.sh does).

set -uo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_BUILD=$BENCH_ROOT/build
# shellcheck disable=SC2034 # for the benchmarks that source this
BENCH_GEN=$BENCH_BUILD/tools
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SETTLE_MS=${BENCH_SETTLE_MS:-500}

BENCH_NAME=
BENCH_UNIT=unit
BENCH_EVENTS_PER_UNIT=1
BENCH_ANCHOR=
BENCH_TMP=
BENCH_STATS_OLD=
BENCH_TRACER_PID=
BENCH_FAILED=0
BENCH_EXIT_HOOKS=()

# per configuration, indexed like BENCH_CONFS
BENCH_CONFS=()
declare -A BENCH_CMD BENCH_READY BENCH_PROGS BENCH_MINPROGS BENCH_TIMEOUT BENCH_BROKEN BENCH_COUNT
# per configuration, one entry per round (space-separated)
declare -A BENCH_WALLS BENCH_CPUS BENCH_UNITS_SEEN BENCH_RUNTIME BENCH_RUNCNT BENCH_MISSES

bench_log() {
	echo "# [$BENCH_NAME] $*" >&2
}

bench_die() {
	echo "bench $BENCH_NAME: $*" >&2
	exit 1
}

bench_skip() {
	echo "bench $BENCH_NAME: skipped: $*"
	[ -n "${BENCH_SUMMARY:-}" ] && echo "$BENCH_NAME: skipped: $*" >>"$BENCH_SUMMARY"
	exit 77
}

bench_on_exit() {
	BENCH_EXIT_HOOKS+=("$1")
}

# bench_kv KEY LINE: the value of KEY=VALUE in LINE (key=value output of the generators)
bench_kv() {
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | tail -1
}

bench_now_ns() {
	date +%s%N
}

bench_cleanup() {
	local hook
	trap - EXIT INT TERM
	bench_tracer_stop >/dev/null 2>&1
	for hook in "${BENCH_EXIT_HOOKS[@]}"; do
		eval "$hook" >/dev/null 2>&1
	done
	if [ -n "$BENCH_STATS_OLD" ]; then
		sysctl -qw kernel.bpf_stats_enabled="$BENCH_STATS_OLD" >/dev/null 2>&1
	fi
	if [ -n "$BENCH_TMP" ] && [ "${BENCH_KEEP_LOGS:-0}" != 1 ]; then
		rm -rf "$BENCH_TMP"
	fi
}

# bench_init NAME UNIT EVENTS_PER_UNIT
bench_init() {
	BENCH_NAME=$1
	BENCH_UNIT=${2:-unit}
	BENCH_EVENTS_PER_UNIT=${3:-1}
	[ "$(id -u)" -eq 0 ] || bench_die "needs root (BPF programs, network namespaces, sysctl)"
	command -v bpftool >/dev/null || bench_die "bpftool is missing; run make deps"
	[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_ROUNDS must be a positive number"
	BENCH_TMP=$(mktemp -d "/tmp/kscope-bench-$BENCH_NAME.XXXXXX") || exit 1
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	BENCH_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled) ||
		bench_die "cannot read kernel.bpf_stats_enabled"
	# stats time every program run with two clock reads of their own, which the wall figures
	# then include: BENCH_BPF_STATS=0 measures wall time without them (no bpf columns)
	[[ ${BENCH_BPF_STATS:-1} =~ ^[01]$ ]] || bench_die "BENCH_BPF_STATS must be 0 or 1"
	sysctl -qw kernel.bpf_stats_enabled="${BENCH_BPF_STATS:-1}" >/dev/null ||
		bench_die "cannot set kernel.bpf_stats_enabled"
}

# bench_config NAME [--ready REGEX] [--progs pid|name:PREFIX] [--min-progs N] [--timeout S]
#              [-- COMMAND...]
bench_config() {
	local name=$1
	shift
	BENCH_CONFS+=("$name")
	BENCH_CMD[$name]=
	BENCH_READY[$name]=
	BENCH_PROGS[$name]=pid
	BENCH_MINPROGS[$name]=1
	BENCH_TIMEOUT[$name]=30
	BENCH_BROKEN[$name]=
	BENCH_COUNT[$name]=
	while [ $# -gt 0 ]; do
		case $1 in
		--ready) BENCH_READY[$name]=$2; shift 2 ;;
		--progs) BENCH_PROGS[$name]=$2; shift 2 ;;
		--min-progs) BENCH_MINPROGS[$name]=$2; shift 2 ;;
		--timeout) BENCH_TIMEOUT[$name]=$2; shift 2 ;;
		--count) BENCH_COUNT[$name]=$2; shift 2 ;;
		--) shift; break ;;
		*) bench_die "bench_config $name: unknown option $1" ;;
		esac
	done
	if [ $# -gt 0 ]; then
		BENCH_CMD[$name]=$(printf '%q ' "$@")
	fi
}

bench_anchor() {
	BENCH_ANCHOR=$1
}

# bench_prog_ids NAME PID: ids of the configuration's programs, one per line
bench_prog_ids() {
	local how=${BENCH_PROGS[$1]} pid=$2
	if [[ $how == name:* ]]; then
		bpftool prog list 2>/dev/null |
			awk -v p="${how#name:}" '/^[0-9]+: / { for (i = 1; i < NF; i++)
				if ($i == "name" && index($(i + 1), p) == 1) { sub(":", "", $1); print $1 } }'
	else
		grep -hs '^prog_id:' /proc/"$pid"/fdinfo/* | awk '{ print $2 }' | sort -un
	fi
}

# bench_prog_stats IDS...: "run_time_ns run_cnt recursion_misses" summed over the programs
bench_prog_stats() {
	local id json rt=0 rc=0 rm=0 v
	for id in "$@"; do
		json=$(bpftool prog show id "$id" -j 2>/dev/null) || continue
		v=$(sed -n 's/.*"run_time_ns":\([0-9]*\).*/\1/p' <<<"$json")
		rt=$((rt + ${v:-0}))
		v=$(sed -n 's/.*"run_cnt":\([0-9]*\).*/\1/p' <<<"$json")
		rc=$((rc + ${v:-0}))
		v=$(sed -n 's/.*"recursion_misses":\([0-9]*\).*/\1/p' <<<"$json")
		rm=$((rm + ${v:-0}))
	done
	echo "$rt $rc $rm"
}

# bench_prog_named REGEX IDS...: the ids whose program name matches REGEX, one per line
bench_prog_named() {
	local re=$1 id name
	shift
	for id in "$@"; do
		name=$(bpftool prog show id "$id" -j 2>/dev/null | jq -r .name)
		grep -qE -- "$re" <<<"$name" && echo "$id"
	done
}

# bench_prog_detail IDS...: "name runs ns/run misses" per program, for BENCH_VERBOSE
bench_prog_detail() {
	local id json
	for id in "$@"; do
		json=$(bpftool prog show id "$id" -j 2>/dev/null) || continue
		# shellcheck disable=SC2001 # a regex, not a pattern
		sed -e 's/.*"name":"\([^"]*\)".*/\1/' <<<"$json" | tr '\n' ' '
		bench_prog_stats "$id" | awk '{ printf "runs=%d ns/run=%.0f lost=%d\n", $2,
			$2 ? $1 / $2 : 0, $3 }'
	done
}

# bench_tracer_start NAME: start it, wait until attached; 0 when ready
bench_tracer_start() {
	local name=$1 log=$BENCH_TMP/$1.log deadline stable=0 n last=-1 step
	: >"$log"
	(eval "exec ${BENCH_CMD[$name]}") >>"$log" 2>&1 </dev/null &
	BENCH_TRACER_PID=$!
	deadline=$(($(bench_now_ns) + ${BENCH_TIMEOUT[$name]} * 1000000000))
	step=$((BENCH_SETTLE_MS / 5))
	while [ "$(bench_now_ns)" -lt $deadline ]; do
		if ! kill -0 "$BENCH_TRACER_PID" 2>/dev/null; then
			wait "$BENCH_TRACER_PID"
			bench_log "$name exited with status $? before attaching; its output:"
			tail -n 5 "$log" | sed 's/^/#     /' >&2
			BENCH_TRACER_PID=
			return 1
		fi
		n=$(bench_prog_ids "$name" "$BENCH_TRACER_PID" | wc -l)
		if [ "$n" -ge "${BENCH_MINPROGS[$name]}" ] && [ "$n" -eq "$last" ] &&
			{ [ -z "${BENCH_READY[$name]}" ] || grep -qE "${BENCH_READY[$name]}" "$log"; }; then
			stable=$((stable + step))
			[ $stable -ge "$BENCH_SETTLE_MS" ] && return 0
		else
			stable=0
		fi
		last=$n
		sleep "$(awk -v ms="$step" 'BEGIN { print ms / 1000 }')"
	done
	bench_log "$name did not attach within ${BENCH_TIMEOUT[$name]} s (programs: $n); its output:"
	tail -n 5 "$log" | sed 's/^/#     /' >&2
	bench_tracer_stop
	return 1
}

# bench_tracer_stop: SIGINT, then SIGTERM, then SIGKILL, to the tracer started here only
bench_tracer_stop() {
	local pid=$BENCH_TRACER_PID i
	[ -n "$pid" ] || return 0
	BENCH_TRACER_PID=
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		[ $i -eq 100 ] && kill -TERM "$pid" 2>/dev/null
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# bench_median VALUES...: the median (the lower middle one for an even count)
bench_median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

bench_sum() {
	local s=0 v
	for v in "$@"; do s=$((s + v)); done
	echo $s
}

# one run of one configuration
bench_run_one() {
	local name=$1 workload=$2 ids=() counted=() t0 t1 stats left
	if [ -n "${BENCH_CMD[$name]}" ]; then
		bench_tracer_start "$name" || return 1
		mapfile -t ids < <(bench_prog_ids "$name" "$BENCH_TRACER_PID")
		counted=("${ids[@]}")
		if [ -n "${BENCH_COUNT[$name]}" ]; then
			mapfile -t counted < <(bench_prog_named "${BENCH_COUNT[$name]}" "${ids[@]}")
			[ ${#counted[@]} -gt 0 ] ||
				bench_die "$name: no program matches --count ${BENCH_COUNT[$name]}"
		fi
	fi
	# shellcheck disable=SC2034 # for the workload function
	BENCH_CONFIG=$name
	BENCH_UNITS=
	BENCH_WALL_NS=
	BENCH_CPU_NS=
	t0=$(bench_now_ns)
	if ! "$workload"; then
		bench_tracer_stop
		bench_die "the workload failed under $name (round $BENCH_ROUND)"
	fi
	t1=$(bench_now_ns)
	[ -n "$BENCH_UNITS" ] || bench_die "the workload did not set BENCH_UNITS"
	BENCH_WALLS[$name]+="${BENCH_WALL_NS:-$((t1 - t0))} "
	bench_log "$name: $BENCH_UNITS ${BENCH_UNIT}s in $(awk -v w="${BENCH_WALL_NS:-$((t1 - t0))}" \
		'BEGIN { printf "%.1f", w / 1e6 }') ms${BENCH_CPU_NS:+, $((BENCH_CPU_NS / 1000000)) ms CPU}"
	BENCH_UNITS_SEEN[$name]+="$BENCH_UNITS "
	[ -n "$BENCH_CPU_NS" ] && BENCH_CPUS[$name]+="$BENCH_CPU_NS "
	if [ ${#ids[@]} -gt 0 ]; then
		# the programs of this run were loaded for it: their counters are this run's
		read -r -a stats < <(bench_prog_stats "${counted[@]}")
		BENCH_RUNTIME[$name]+="${stats[0]} "
		BENCH_RUNCNT[$name]+="${stats[1]} "
		BENCH_MISSES[$name]+="${stats[2]} "
		if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
			bench_prog_detail "${counted[@]}" | while read -r line; do
				bench_log "  $name program $line"
			done
		fi
		bench_tracer_stop
		if [[ ${BENCH_PROGS[$name]} == pid ]]; then
			left=0
			for id in "${ids[@]}"; do
				bpftool prog show id "$id" >/dev/null 2>&1 && left=$((left + 1))
			done
			[ $left -eq 0 ] || bench_log "$name left $left BPF programs loaded after exit"
		fi
	fi
	return 0
}

# bench_report: the table, on stdout and appended to BENCH_SUMMARY
bench_report() {
	local name data='' out cpu=0
	[ -n "${BENCH_WALLS[alone]:-}" ] || bench_die "no 'alone' configuration ran"
	[ -n "${BENCH_CPUS[alone]:-}" ] && cpu=1
	# one line per configuration: name state units wall cpu runtime runs misses units_total
	for name in "${BENCH_CONFS[@]}"; do
		if [ -z "${BENCH_WALLS[$name]:-}" ]; then
			data+="$name failed"$'\n'
			continue
		fi
		data+="$name ok $(bench_median ${BENCH_UNITS_SEEN[$name]})"
		data+=" $(bench_median ${BENCH_WALLS[$name]}) $(bench_median ${BENCH_CPUS[$name]:-0})"
		if [ -n "${BENCH_RUNCNT[$name]:-}" ]; then
			data+=" $(bench_sum ${BENCH_RUNTIME[$name]}) $(bench_sum ${BENCH_RUNCNT[$name]})"
			data+=" $(bench_sum ${BENCH_MISSES[$name]})"
		else
			data+=" - - -"
		fi
		data+=" $(bench_sum ${BENCH_UNITS_SEEN[$name]})"$'\n'
	done
	out=$(awk -v epu="$BENCH_EVENTS_PER_UNIT" -v anchor="$BENCH_ANCHOR" -v cpu=$cpu \
		-v bench="$BENCH_NAME" -v unit="$BENCH_UNIT" -v rounds="$BENCH_ROUNDS" '
		# arrays are read through has() and get(): a plain a[k] would create the element
		function has(a, k) { return k in a }
		function get(a, k, fmt) { return (k in a) ? sprintf(fmt, a[k]) : "-" }
		function per(a, k, d) { return (k in a) ? sprintf("%.0f", a[k] / d) : "-" }
		function ratio(a, k) {
			if (!(k in a) || !(anchor in a) || a[anchor] <= 0 || k == anchor)
				return "-"
			return sprintf("%.1f", a[k] / a[anchor])
		}
		NF >= 9 { n++; name[n] = $1; units[$1] = $3; wall[$1] = $4; cput[$1] = $5
			if ($8 != "-") { rt[$1] = $6; runs[$1] = $7; miss[$1] = $8 }
			utot[$1] = $9 }
		NF > 0 && NF < 9 { n++; name[n] = $1; failed[$1] = 1 }
		END {
			for (i = 1; i <= n; i++) {
				c = name[i]
				if (failed[c] || c == "alone")
					continue
				wu[c] = (wall[c] - wall["alone"]) / units[c]
				if (cpu)
					cu[c] = (cput[c] - cput["alone"]) / units[c]
				if (has(runs, c) && runs[c] > 0) {
					bpr[c] = rt[c] / runs[c]
					bpu[c] = rt[c] / utot[c]
				}
			}
			printf "# %s: unit = %s (%d events), %d rounds, medians; ns/unit = (median(config) " \
				"- median(alone)) / units, of wall%s time; bpf_ns/run = run_time_ns / run_cnt; " \
				"bpf_ns/unit = run_time_ns / units%s\n", bench, unit, epu, rounds,
				cpu ? " and CPU" : "", anchor != "" ? "; x = ratio to " anchor : ""
			printf "%-11s %6s %8s %8s %8s %6s", "config", "units", "wall_ms", "ns/unit",
				"ns/event", "x_wall"
			if (cpu)
				printf " %8s %8s %8s %6s", "cpu_ms", "cpu/unit", "cpu/evt", "x_cpu"
			printf " %10s %6s %11s %9s %7s\n", "bpf_ns/run", "x_bpf", "bpf_ns/unit",
				"bpf_runs", "lost"
			for (i = 1; i <= n; i++) {
				c = name[i]
				if (failed[c]) {
					printf "%-11s failed: did not start or attach\n", c
					continue
				}
				printf "%-11s %6d %8.1f %8s %8s %6s", c, units[c], wall[c] / 1e6,
					get(wu, c, "%.0f"), per(wu, c, epu), ratio(wu, c)
				if (cpu)
					printf " %8.1f %8s %8s %6s", cput[c] / 1e6, get(cu, c, "%.0f"),
						per(cu, c, epu), ratio(cu, c)
				printf " %10s %6s %11s %9s %7s\n", get(bpr, c, "%.0f"), ratio(bpr, c),
					get(bpu, c, "%.0f"), get(runs, c, "%d"), get(miss, c, "%d")
			}
			print "# bpf_runs, bpf_ns/unit and lost (recursion_misses: runs the kernel skipped)" \
				" are totals over all rounds and include the host'"'"'s other traffic on the hooks"
		}' <<<"$data")
	echo "$out"
	[ -n "${BENCH_SUMMARY:-}" ] && echo "$out" >>"$BENCH_SUMMARY"
	return 0
}

# bench_run WORKLOAD_FUNCTION: all rounds, then the table; exit status 0 or 1
bench_run() {
	local workload=$1 name
	[ ${#BENCH_CONFS[@]} -gt 0 ] || bench_die "no configurations"
	[ -n "${BENCH_CMD[alone]+x}" ] || bench_die "no 'alone' configuration"
	for ((BENCH_ROUND = 1; BENCH_ROUND <= BENCH_ROUNDS; BENCH_ROUND++)); do
		bench_log "round $BENCH_ROUND/$BENCH_ROUNDS"
		for name in "${BENCH_CONFS[@]}"; do
			[ -n "${BENCH_BROKEN[$name]}" ] && continue
			if ! bench_run_one "$name" "$workload"; then
				BENCH_BROKEN[$name]="did not start or attach (see above)"
				BENCH_FAILED=1
			fi
		done
	done
	bench_report
	return $BENCH_FAILED
}
