#!/usr/bin/env bats
# Each tool reports what it costs: its BPF programs' run time and run count (BPF stats, which
# the tool turns on for its lifetime) and its own CPU time.  Truth: bpftool's reading of the
# same program ids (run_cnt, run_time_ns, read while the tool runs: the summary, read later,
# can only be at or above it), forkgen's own fork count (every traced fork runs the tool's
# programs at least at its entry and its exit), and a hook that never fires here (mcewatch's
# EDAC tracepoint: no machine checks on this host) for idle.

load lib

setup() {
	OUT=$BATS_TEST_TMPDIR/out.json
	ERR=$BATS_TEST_TMPDIR/err
	TOOL_PID=
}

teardown() {
	kill_test_processes
	[ -n "$TOOL_PID" ] && kill -INT "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	true
}


# bpftool_sum FIELD ID...: FIELD (run_cnt, run_time_ns) summed over these programs
bpftool_sum() {
	local field=$1 id sum=0 v
	shift
	for id in "$@"; do
		v=$(bpftool prog show id "$id" -j | jq ".$field // 0")
		sum=$((sum + v))
	done
	echo "$sum"
}

@test "forklat's summary says what its programs cost during a fork storm, as bpftool reads them" {
	tool_bg "$BUILD/forklat" -j 10
	mapfile -t ids < <(prog_ids_of "$TOOL_PID")
	[ ${#ids[@]} -gt 0 ]
	run "$GEN/forkgen" --forks 2000 --via vfork
	[ "$status" -eq 0 ]
	forks=$(jq .forks <<<"$output")
	runs=$(bpftool_sum run_cnt "${ids[@]}")
	ns=$(bpftool_sum run_time_ns "${ids[@]}")
	tool_end
	cost=$(jq -c 'select(.event == "summary") | .cost' "$OUT")
	echo "bpftool: $runs runs $ns ns; forkgen: $forks forks; summary: $cost"
	jq -e '.bpf_stats == true' <<<"$cost"
	[ "$runs" -ge $((2 * forks)) ]
	jq -e ".bpf_runs >= $runs and .bpf_seconds * 1e9 >= $ns and .bpf_seconds > 0" <<<"$cost"
	# ns per run and the CPU share are the same figures divided, not figures of their own
	jq -e '(.bpf_ns_per_run - .bpf_seconds * 1e9 / .bpf_runs | fabs) < 1' <<<"$cost"
	jq -e '.bpf_cpu_share > 0 and .bpf_cpu_share < 1 and .cpu_seconds > 0' <<<"$cost"
	grep -q '^forklat: note: cost of this run: .* s CPU in BPF ([0-9]* runs' "$ERR"
}

@test "idle, mcewatch costs nothing in the kernel, and its --prom-file says so" {
	[ -d /sys/kernel/tracing/events/ras/mc_event ] || skip "no ras:mc_event here"
	PROM=$BATS_TEST_TMPDIR/m.prom
	tool_bg "$BUILD/mcewatch" --prom-file "$PROM" 0.2
	mapfile -t ids < <(prog_ids_of "$TOOL_PID")
	[ ${#ids[@]} -gt 0 ]
	wait_for_file "$PROM" 10
	prom_fresh "$PROM"
	[ "$(bpftool_sum run_cnt "${ids[@]}")" -eq 0 ]
	[ "$(prom_value "$PROM" kscope_mcewatch_bpf_runs_total)" = 0 ]
	[ "$(prom_value "$PROM" kscope_mcewatch_bpf_seconds_total)" = 0 ]
	# loading BTF and the programs takes ~0.1 s of CPU; idling adds next to nothing
	awk -v c="$(prom_value "$PROM" kscope_mcewatch_cpu_seconds_total)" 'BEGIN { exit !(c < 1) }'
	tool_end
}

@test "--no-bpf-stats: the tool does not turn the stats on (it holds no bpf-stats fd)" {
	tool_bg "$BUILD/mcewatch" -j 1
	readlink /proc/"$TOOL_PID"/fd/* | grep -q 'anon_inode:bpf-stats'
	tool_end
	tool_bg "$BUILD/mcewatch" -j --no-bpf-stats 1
	[ "$(readlink /proc/"$TOOL_PID"/fd/* | grep -c 'anon_inode:bpf-stats')" -eq 0 ]
	tool_end
	jq -e 'select(.event == "summary") | .cost | has("bpf_seconds")' "$OUT"
}

@test "a short run's exit note: its CPU share is CPU over the same window, at most its threads" {
	# the window of the whole run's CPU time (BPF load and attach included) is the process's
	# life: it was once only the part after attach, and a 0.3 s tcpwait read 1622% of one CPU
	t0=$(date +%s%N)
	tool_bg "$BUILD/tcpwait" -j 10
	threads=$(ls /proc/"$TOOL_PID"/task | wc -l)
	tool_end
	t1=$(date +%s%N)
	note=$(grep 'cost of this run' "$ERR")
	echo "$note ($threads threads, $(((t1 - t0) / 1000000)) ms from start to exit)"
	cpu=$(sed -n 's/.* \([0-9.]*\) s \(CPU \)\{0,1\}in user space (\([0-9.]*\)%.*/\1/p' <<<"$note")
	share=$(sed -n 's/.* \([0-9.]*\) s \(CPU \)\{0,1\}in user space (\([0-9.]*\)%.*/\3/p' <<<"$note")
	[ -n "$cpu" ]
	[ -n "$share" ]
	# at most one CPU per thread; and at least the CPU seconds over the test's own, longer
	# window (rounding of the note's figures aside)
	awk -v s="$share" -v n="$threads" -v c="$cpu" -v w="$(((t1 - t0)))" 'BEGIN {
		exit !(s <= 100 * n + 1 && s >= 100 * c / (w / 1e9) - 1) }'
}
