#!/usr/bin/env bats
# forklat against real forks.  Truth comes from forkgen (its own fork count and its own clock
# around each call), /proc/PID/status (VmRSS, VmPTE) and /proc/PID/smaps_rollup
# (AnonHugePages) read while the generator waits, and the iteration count of a shell loop.
# Every check selects rows by the pids or the cgroup this file made: others fork here too.

load lib

FORKLAT=$BUILD/forklat
FORKGEN=$GEN/forkgen

# The incident, twice: a 1 GiB parent in 4 KiB pages, and the same parent in THP.  Run once
# for the file; the tests below each check one figure of these two runs.
BIG_MIB=1024
BIG_FORKS=30

setup_file() {
	[ -x "$FORKLAT" ] && [ -x "$FORKGEN" ] || return 0
	big_run "$BATS_FILE_TMPDIR/4k" 4k
	big_run "$BATS_FILE_TMPDIR/thp" thp
}

setup() {
	[ -x "$FORKLAT" ] || skip "build/forklat is not built"
	[ -x "$FORKGEN" ] || skip "build/tools/forkgen is not built"
	TMP=$(mktemp -d /var/tmp/forklat-test.XXXXXX)
	FPID=
	GPID=
	CGROUPS=()
}

teardown() {
	kill_test_processes
	[ -n "$FPID" ] && kill -TERM "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	[ -n "$GPID" ] && kill -KILL "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
	for cg in "${CGROUPS[@]}"; do cgroup_delete "$cg"; done
	rm -rf "$TMP"
}

# wait_lines FILE N [SECONDS]: until FILE has N lines (30 s at most)
wait_lines() {
	wait_until "[ -f '$1' ] && [ \$(wc -l <'$1') -ge $2 ]" "${3:-30}"
}

# wait_tracing ERRFILE PID: until forklat says it is attached (it prints that after attach)
wait_tracing() {
	wait_until "grep -q '^Tracing' '$1' || ! kill -0 $2 2>/dev/null" 30
	grep -q '^Tracing' "$1" || {
		local rc=running
		kill -0 "$2" 2>/dev/null || { wait "$2"; rc=$?; }
		# a status over 128 is a signal: who sent it is the question, not what forklat printed
		echo "forklat did not start (exit status $rc): $(cat "$1")" >&2
		return 1
	}
	bpf_mark
}

# within GOT WANT PCT: |GOT - WANT| <= PCT% of WANT
within() {
	awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN {
		d = g - w; if (d < 0) d = -d
		if (d <= w * p / 100) exit 0
		printf "got %s, want %s within %s%%\n", g, w, p > "/dev/stderr"; exit 1 }'
}

# kib FILE FIELD: the kB figure of a "Field:   123 kB" line, in bytes
kib() {
	awk -v f="$2:" '$1 == f { print $2 * 1024; exit }' "$1"
}

# rows FILE PID: forklat's JSON rows of one process, across intervals, as one array
rows() {
	jq -s --argjson pid "$2" '[.[] | select(.procs) | .procs[] | select(.pid == $pid)]' "$1"
}

# big_run DIR PAGES: forkgen touches BIG_MIB MiB and waits; /proc is read; forklat starts;
# forkgen forks and holds on (so forklat reads smaps_rollup of a live process); both end.
big_run() {
	local dir=$1 g f n
	mkdir -p "$dir"
	# --rt: the parent's own clock then measures the call, not its wait for a CPU after it
	"$FORKGEN" --mib $BIG_MIB --pages "$2" --forks $BIG_FORKS --via clone --rt --wait --hold \
		>"$dir/gen" 2>"$dir/gen.err" &
	g=$!
	# touching 1 GiB page by page: seconds when other work has the CPUs and memory
	wait_lines "$dir/gen" 1 120 || { cat "$dir/gen.err" >&2; return 1; }
	echo "$g" >"$dir/pid"
	cat "/proc/$g/status" >"$dir/status"
	cat "/proc/$g/smaps_rollup" >"$dir/smaps"
	"$FORKLAT" -j -p "$g" 1 >"$dir/out" 2>"$dir/err" &
	f=$!
	wait_tracing "$dir/err" "$f" || return 1
	kill -USR1 "$g"
	wait_lines "$dir/gen" 2 || return 1
	# one interval more ends while the forked parent holds on (its line is the proof)
	n=$(wc -l <"$dir/out")
	wait_lines "$dir/out" $((n + 1)) || return 1
	kill -INT "$f"
	wait "$f"
	echo $? >"$dir/rc"
	kill -USR1 "$g"
	wait "$g"
}

big() {
	local dir=$BATS_FILE_TMPDIR/$1
	[ -f "$dir/rc" ] || {
		echo "the $1 run did not complete: $(cat "$dir/err" "$dir/gen.err" 2>/dev/null)" >&2
		return 1
	}
	BIG_DIR=$dir
	BIG_PID=$(cat "$dir/pid")
	BIG_ROWS=$(rows "$dir/out" "$BIG_PID")
	BIG_GEN=$(tail -1 "$dir/gen")
}

# start_forklat ARGS...: in the background until attached; FIDS: the ids of its programs
start_forklat() {
	"$FORKLAT" "$@" >"$TMP/out" 2>"$TMP/err" &
	FPID=$!
	wait_tracing "$TMP/err" "$FPID"
	FIDS=$(prog_ids_of "$FPID")
}

# stop_forklat [SIGNAL]: expect exit 0
stop_forklat() {
	local rc=0
	kill -"${1:-INT}" "$FPID"
	wait "$FPID" || rc=$?
	FPID=
	[ "$rc" -eq 0 ] || {
		echo "forklat exited $rc: $(cat "$TMP/err")" >&2
		return 1
	}
}

# start_gen ARGS...: forkgen --wait ARGS, until it is ready; GPID is its pid
start_gen() {
	"$FORKGEN" --wait "$@" >"$TMP/gen" 2>"$TMP/gen.err" &
	GPID=$!
	wait_lines "$TMP/gen" 1
}

# run_gen: let it fork and wait for its exit; GEN_RESULT is its result line
run_gen() {
	kill -USR1 "$GPID"
	wait "$GPID"
	GPID=
	GEN_RESULT=$(tail -1 "$TMP/gen")
}

# gen_traced ARGS...: one forkgen run with ARGS under forklat -j -p; ROWS is forklat's rows
# for the generator
gen_traced() {
	local g
	start_gen "$@"
	g=$GPID
	start_forklat -j -p "$g" 1
	run_gen
	stop_forklat
	ROWS=$(rows "$TMP/out" "$g")
}

@test "4 KiB parent: the fork count equals the generator's exactly" {
	big 4k
	[ "$(cat "$BIG_DIR/rc")" -eq 0 ]
	[ "$(jq .forks <<<"$BIG_GEN")" -eq $BIG_FORKS ]
	[ "$(jq '[.[].forks] | add' <<<"$BIG_ROWS")" -eq $BIG_FORKS ]
	[ "$(jq '[.[].errors] | add' <<<"$BIG_ROWS")" -eq 0 ]
}

@test "4 KiB parent: mean fork latency at most the generator's own clock, and not 20% under it" {
	# The generator's clock also holds the way back to user space after the call (TLB refill
	# after fork's write-protect, deferred preemption): ~0.1-0.3 ms here, 1-3% of a 1 GiB
	# fork, but 1.3 ms (12.6%) once on a busy 2-core CI machine.  So the check is one-sided
	# where physics is (the call is inside the generator's clock: at most 2% above it) and
	# leaves room below for the way back.
	big 4k
	mean=$(jq '(map(.mean_us * .forks) | add) / (map(.forks) | add)' <<<"$BIG_ROWS")
	gen=$(jq .mean_us <<<"$BIG_GEN")
	echo "forklat mean $mean us, generator $gen us"
	awk -v m="$mean" -v g="$gen" 'BEGIN { exit !(m <= g * 1.02 && m >= g * 0.8) }'
	max=$(jq 'map(.max_us) | max' <<<"$BIG_ROWS")
	awk -v m="$max" -v g="$(jq .max_us <<<"$BIG_GEN")" 'BEGIN { exit !(m <= g * 1.02) }'
}

@test "4 KiB parent: RSS within 5% of VmRSS, page tables within 10% of VmPTE, VMAs counted" {
	big 4k
	within "$(jq 'last.rss_bytes' <<<"$BIG_ROWS")" "$(kib "$BIG_DIR/status" VmRSS)" 5
	within "$(jq 'last.pgtables_bytes' <<<"$BIG_ROWS")" "$(kib "$BIG_DIR/status" VmPTE)" 10
	vmas=$(jq 'last.vmas' <<<"$BIG_ROWS")
	[ "$vmas" -ge 5 ]
	[ "$vmas" -le 200 ]
}

@test "THP parent: counts exact, RSS and page tables match /proc as for 4 KiB pages" {
	big thp
	[ "$(cat "$BIG_DIR/rc")" -eq 0 ]
	[ "$(jq '[.[].forks] | add' <<<"$BIG_ROWS")" -eq $BIG_FORKS ]
	within "$(jq 'last.rss_bytes' <<<"$BIG_ROWS")" "$(kib "$BIG_DIR/status" VmRSS)" 5
	within "$(jq 'last.pgtables_bytes' <<<"$BIG_ROWS")" "$(kib "$BIG_DIR/status" VmPTE)" 10
}

@test "huge-page share reads ~0% with 4 KiB pages and ~100% with THP, as smaps_rollup says" {
	big 4k
	[ "$(kib "$BIG_DIR/smaps" AnonHugePages)" -eq 0 ]
	huge=$(jq 'last.huge_bytes' <<<"$BIG_ROWS")
	[ "$huge" != null ]
	awk -v h="$huge" -v r="$(jq 'last.rss_bytes' <<<"$BIG_ROWS")" 'BEGIN { exit !(h <= r * 0.01) }'

	big thp
	anon_huge=$(kib "$BIG_DIR/smaps" AnonHugePages)
	# the generator's THP really happened, or this run proves nothing
	[ "$anon_huge" -ge $((BIG_MIB * 1024 * 1024 * 9 / 10)) ]
	huge=$(jq 'last.huge_bytes' <<<"$BIG_ROWS")
	within "$huge" "$anon_huge" 5
	awk -v h="$huge" -v r="$(jq 'last.rss_bytes' <<<"$BIG_ROWS")" 'BEGIN { exit !(h >= r * 0.9) }'
}

@test "the 4 KiB parent forks slower than the THP parent by forkgen's own ratio, in forklat's figures" {
	# The truth is the generator's clock on the same forks: idle here ~20x, but a parallel
	# suite's own 1 GiB forks slowed the THP parent to 4x once, and a fixed 5x then failed
	# with forklat right.  At least 2x, or the two runs show nothing apart.  One-sided: the
	# generator's clock also holds the way back to user space, a larger part of a THP fork
	# (forklat's ratio runs above forkgen's), and forklat's THP mean is inside that clock.
	big 4k
	slow=$(jq '(map(.mean_us * .forks) | add) / (map(.forks) | add)' <<<"$BIG_ROWS")
	gen_slow=$(jq .mean_us <<<"$BIG_GEN")
	big thp
	fast=$(jq '(map(.mean_us * .forks) | add) / (map(.forks) | add)' <<<"$BIG_ROWS")
	gen_fast=$(jq .mean_us <<<"$BIG_GEN")
	awk -v s="$slow" -v f="$fast" -v gs="$gen_slow" -v gf="$gen_fast" 'BEGIN {
		r = s / f; g = gs / gf
		printf "forklat 4k %.0f us, thp %.0f us: %.1fx; forkgen %.1fx\n", s, f, r, g
		exit !(g >= 2 && r >= g * 0.8 && f <= gf * 1.02) }'
}

@test "page-table copy: labelled an estimate exactly when copy_page_range is not probed" {
	big 4k
	source=$(head -1 "$BIG_DIR/out" | jq -r .pt_copy_source)
	estimated=$(jq 'last.pt_copy_estimated' <<<"$BIG_ROWS")
	pt=$(jq 'last.pt_copy_us' <<<"$BIG_ROWS")
	mean=$(jq 'last.mean_us' <<<"$BIG_ROWS")
	if [ "$source" = estimate ]; then
		[ "$estimated" = true ]
		grep -q 'not measured' "$BIG_DIR/err"
	else
		[ "$estimated" = false ]
	fi
	# part of the call, and for 1 GiB of 4 KiB pages a large part of it: of the generator's
	# fastest fork (its own clock), as a busy host's preempted forks lift the mean, not the copy
	fastest=$(jq .min_us <<<"$BIG_GEN")
	echo "pt_copy $pt us, mean $mean us, forkgen's fastest fork $fastest us"
	awk -v p="$pt" -v m="$mean" -v f="$fastest" 'BEGIN {
		exit !(p > 0 && p <= m * 1.001 && p >= f * 0.2) }'
}

@test "the diagnosis names the 4 KiB parent and says what avoids the cost" {
	big 4k
	diag=$(jq -r --argjson pid "$BIG_PID" 'select(.procs[0].pid == $pid) | .diagnosis' \
		"$BIG_DIR/out" | head -1)
	echo "diagnosis: $diag"
	[[ $diag == "forkgen (pid $BIG_PID): "* ]]
	[[ $diag == *"RSS in 4 KiB pages"*"huge pages or posix_spawn/vfork"* ]]
}

@test "a shell loop forking 2000 short-lived children: counts still exact" {
	mkfifo "$TMP/go"
	bash -c 'read -r _ <"$1"; for ((i = 0; i < 2000; i++)); do /bin/true; done' _ "$TMP/go" &
	loop=$!
	start_forklat -j -p "$loop" 1
	echo go >"$TMP/go"
	wait "$loop"
	stop_forklat
	[ "$(rows "$TMP/out" "$loop" | jq '[.[].forks] | add')" -eq 2000 ]
	[ "$(rows "$TMP/out" "$loop" | jq '[.[].errors] | add')" -eq 0 ]
	# every child exec'd /bin/true: the child side saw them run and exec
	rows "$TMP/out" "$loop" | jq -e 'all(.[]; .child_run_us > 0 and .child_exec_us >= .child_run_us)'
}

@test "short-lived forkers overflow the table: rows plus the unattributed count are every fork" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	cg=$(cgroup_create "kscope-test-forklat-churn-$$")
	CGROUPS+=("$cg")
	mkfifo "$TMP/go"
	# each iteration: bash forks a sh, which forks once for its background job; 2 per turn,
	# from 151 processes, against a table shrunk to 32 rows (10240 would take 10000 forkers),
	# all in one interval (the one SIGINT ends): with 2 s ones, a loaded host ran ~10 forkers
	# per interval, reported rows are dropped, and the table never overflowed
	bash -c 'echo $$ >"$2/cgroup.procs"; read -r _ <"$1"
		for ((i = 0; i < 150; i++)); do /bin/sh -c "/bin/true & wait"; done' _ "$TMP/go" "$cg" &
	loop=$!
	KSCOPE_TABLE_ROWS=32 start_forklat -j -n 10000 -c "$cg" 600
	echo go >"$TMP/go"
	wait "$loop"
	stop_forklat
	jq -c "{forks, unattributed, missed_events, rows: ([.procs[]?.forks] | add)}" "$TMP/out"
	summary=$(grep '"summary"' "$TMP/out")
	# the table-free figures are the loop's
	[ "$(grep -v '"summary"' "$TMP/out" | jq -s '[.[].forks] | add')" -eq 300 ]
	[ "$(jq .forks <<<"$summary")" -eq 300 ]
	# the table overflowed, and what its rows miss is counted, not dropped
	[ "$(jq .unattributed.forks <<<"$summary")" -gt 0 ]
	[ $(($(jq -s '[.[].procs[]?.forks] | add' "$TMP/out") + $(jq .unattributed.forks \
		<<<"$summary"))) -eq 300 ]
}

@test "fork, vfork, clone and clone3 are each counted" {
	for via in fork vfork clone clone3; do
		gen_traced --forks 25 --via "$via"
		[ "$(jq .forks <<<"$GEN_RESULT")" -eq 25 ]
		got=$(jq '[.[].forks] | add' <<<"$ROWS")
		echo "$via: forklat $got, forkgen 25"
		[ "$got" -eq 25 ]
	done
}

@test "children: first run and exec timed from the child's creation, within outside bounds" {
	gen_traced --mib 64 --forks 40 --via clone --exec /bin/true
	r=$ROWS
	[ "$(jq '[.[].forks] | add' <<<"$r")" -eq 40 ]
	jq -e 'all(.[]; .child_run_us > 0 and .child_exec_us >= .child_run_us)' <<<"$r"
	# the generator's child stamps its first run against the parent's clock read before the
	# call, so its figure also holds the copy: an upper bound for forklat's
	run_us=$(jq '(map(.child_run_us * .forks) | add) / (map(.forks) | add)' <<<"$r")
	awk -v t="$run_us" -v g="$(jq .child_run_mean_us <<<"$GEN_RESULT")" 'BEGIN {
		printf "forklat %.0f us, forkgen %.0f us\n", t, g; exit !(t > 0 && t <= g) }'

	# vfork: the parent's call lasts until the child execs, so the child first ran inside it
	gen_traced --forks 40 --via vfork --exec /bin/true
	r=$ROWS
	[ "$(jq '[.[].forks] | add' <<<"$r")" -eq 40 ]
	jq -e '(map(.child_run_us * .forks) | add) <= (map(.mean_us * .forks) | add)' <<<"$r"
}

@test "--min-ms streams each slow fork with the row's fields, and only those" {
	start_gen --mib 256 --forks 10 --via clone --hold
	cat "/proc/$GPID/status" >"$TMP/status"
	start_forklat -j -p "$GPID" --min-ms 0
	kill -USR1 "$GPID"
	wait_lines "$TMP/gen" 2
	# every fork streamed (the parent holds on, so its rss is read live)
	wait_lines "$TMP/out" 10
	stop_forklat
	kill -USR1 "$GPID"
	wait "$GPID"
	GPID=
	# one fork object per fork, then the summary (docs/json.md), which counts them too
	jq -c 'select(.event == "fork")' "$TMP/out" >"$TMP/forks"
	[ "$(wc -l <"$TMP/forks")" -eq 10 ]
	[ "$(jq -c 'select(.event != "fork") | .event' "$TMP/out")" = '"summary"' ]
	[ "$(jq 'select(.event == "summary") | .slow_forks' "$TMP/out")" -eq "$(wc -l <"$TMP/forks")" ]
	jq -e -s 'all(.[]; .call == "clone" and .forks == 1 and .child_pid > 0 and
		.lat_us == .mean_us and .lat_us > 0 and (.pt_copy_estimated | type) == "boolean" and
		has("huge_bytes") and has("container") and has("pgtables_bytes") and has("vmas"))' \
		"$TMP/forks"
	within "$(jq -s 'last.rss_bytes' "$TMP/forks")" "$(kib "$TMP/status" VmRSS)" 5

	# a threshold nothing reaches: nothing streamed, and the summary says so
	start_gen --forks 10 --via clone
	start_forklat -j -p "$GPID" --min-ms 1000
	run_gen
	stop_forklat
	# with --json the count is the summary's (the note is for the table)
	grep '"event":"summary"' "$TMP/out"
	echo "forkgen: $GEN_RESULT"
	[ "$(jq -c 'select(.event == "fork")' "$TMP/out" | wc -l)" -eq 0 ]
	[ "$(jq 'select(.event == "summary") | .slow_forks' "$TMP/out")" -eq 0 ]
	# every call counted, slow or not: forkgen's count, or short by the runs the kernel skipped
	counted "$(jq 'select(.event == "summary") | .forks' "$TMP/out")" \
		"$(jq .forks <<<"$GEN_RESULT")" "$(jq 'select(.event == "summary") | .missed_events' "$TMP/out")"
}

@test "-c and -C: only the cgroup's forks, in one row named by the cgroup" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	cg=$(cgroup_create "kscope-test-forklat-$$")
	CGROUPS+=("$cg")
	"$FORKGEN" --wait --forks 30 --via fork >"$TMP/gen" 2>"$TMP/gen.err" &
	GPID=$!
	wait_lines "$TMP/gen" 1
	echo "$GPID" >"$cg/cgroup.procs"
	# the name the rows must carry: the path as the kernel shows it for the process
	[ "$(sed -n 's/^0:://p' "/proc/$GPID/cgroup")" = "/$CGROUP_TEST_TOP/kscope-test-forklat-$$" ]
	start_forklat -j -c "$cg" -C 1
	# a forker outside the cgroup at the same time must not show up
	"$FORKGEN" --forks 30 >/dev/null &
	other=$!
	run_gen
	wait "$other"
	stop_forklat
	# a row per cgroup: named by its path as /proc/PID/cgroup shows it and its id (the
	# directory's inode); container is null, as the cgroup names no container (docs/json.md)
	jq -c 'select(.event == "interval") | .procs[] | {cgroup, cgroup_id, container, forks}' \
		"$TMP/out"
	jq -e -s --arg cg "/$CGROUP_TEST_TOP/kscope-test-forklat-$$" --argjson id "$(stat -c %i "$cg")" \
		'[.[] | select(.event == "interval") | .procs[]] | length > 0 and
		all(.[]; .cgroup == $cg and .cgroup_id == $id and .container == null)' "$TMP/out"
	[ "$(jq -s '[.[] | select(.event == "interval") | .procs[].forks] | add' "$TMP/out")" -eq 30 ]
}

@test "comm with terminal escapes: escaped in JSON, harmless in the table" {
	evil=$'fk\e[31mred'
	ln -s "$FORKGEN" "$TMP/$evil"
	"$TMP/$evil" --wait --forks 5 >"$TMP/gen" 2>"$TMP/gen.err" &
	GPID=$!
	wait_lines "$TMP/gen" 1
	g=$GPID
	start_forklat -j -p "$g" 1
	run_gen
	stop_forklat
	[ "$(rows "$TMP/out" "$g" | jq -r 'last.comm')" = "$evil" ]
	! grep -q $'\e' "$TMP/out" || false

	"$TMP/$evil" --wait --forks 5 >"$TMP/gen" 2>"$TMP/gen.err" &
	GPID=$!
	wait_lines "$TMP/gen" 1
	start_forklat -p "$GPID" 1
	run_gen
	stop_forklat
	grep -q 'fk\\x1b\[31mred' "$TMP/out"
	! grep -q $'\e' "$TMP/out" || false
}

@test "-v says which hook measures what" {
	start_forklat -v -p $$ 1
	stop_forklat
	grep -q '^forklat: attach: fork-family calls: tracepoint syscalls:' "$TMP/err"
	grep -q '^forklat: attach: page-table copy time (copy_page_range): ' "$TMP/err"
}

@test "bad input: one line, the usage hint, exit 2" {
	for args in "--bogus" "--min-ms -1" "--min-ms abc" "--top 0" "0" "1 0" "1 2 3" \
		"-p 999999999" "-c /nonexistent-cgroup-$$"; do
		# shellcheck disable=SC2086
		run "$FORKLAT" $args
		echo "forklat $args -> $status: $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 2 ]
		[[ ${lines[0]} == "forklat: "* ]]
		[[ ${lines[1]} == *"--help"* ]]
	done
	run "$FORKLAT" --help
	[ "$status" -eq 0 ]
	[[ $output == *"--min-ms MS"* ]]
}

@test "without privileges: one sentence, exit 1" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$FORKLAT" 1 1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"root"* ]]
}

@test "clean exit on SIGINT and SIGTERM: nothing left loaded" {
	for sig in INT TERM; do
		start_forklat 1
		# its own programs, by id: other forklat processes may run on this host
		[ -n "$FIDS" ]
		progs_loaded $FIDS
		stop_forklat "$sig"
		progs_gone $FIDS
	done
}

@test "--prom-file: promtool accepts it; forks and the latency histogram's count equal forkgen's" {
	start_gen --forks 200
	g=$GPID
	start_forklat -p "$g" --prom-file "$TMP/forklat.prom" 0.2
	run_gen
	prom_fresh "$TMP/forklat.prom" # written after the generator ended
	stop_forklat
	f=$TMP/forklat.prom
	cat "$f"
	promtool check metrics <"$f"
	[ "$(jq .forks <<<"$GEN_RESULT")" -eq 200 ]
	[ "$(prom_value "$f" 'kscope_forklat_forks_total{comm="forkgen"}')" -eq 200 ]
	[ "$(prom_value "$f" 'kscope_forklat_fork_duration_seconds_count{comm="forkgen"}')" -eq 200 ]
	[ "$(prom_value "$f" 'kscope_forklat_errors_total{comm="forkgen"}')" -eq 0 ]
	# the time inside the calls is inside forkgen's own clock around them
	awk -v s="$(prom_value "$f" 'kscope_forklat_fork_seconds_total{comm="forkgen"}')" \
		-v g="$(jq '.mean_us * .forks / 1e6' <<<"$GEN_RESULT")" \
		'BEGIN { exit !(s > 0 && s <= g * 1.02) }'
}
