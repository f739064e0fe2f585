#!/usr/bin/env bats
# The tools under hostile conditions (issue 14): paths that are not files, outputs that cannot
# be written, names with bytes a label cannot hold, cgroups deleted under a running tool,
# reduced privileges and bad numbers.  Truth comes from outside the tool: the file system
# (stat), the generators' own counts, promtool, strace.

load lib

TOOLS=(tcpwait forklat fadvtop mcewatch netcheck)

setup() {
	for t in "${TOOLS[@]}"; do
		[ -x "$BUILD/$t" ] || skip "build/$t is not built"
	done
	TMP=$(mktemp -d /var/tmp/hostile-test.XXXXXX)
	PIDS=()
	CGROUPS=()
}

teardown() {
	kill_test_processes
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for p in "${CGROUPS[@]}"; do cgroup_delete "$p"; done
	# the file's own directory below the shared top: never another file's cgroups
	cgroup_delete "$(cgroup2_root)/$CGROUP_TEST_TOP/hostile-$$"
	rm -rf "$TMP"
}

# tool_args TOOL: the arguments that make TOOL trace (netcheck's mode is a command)
tool_args() {
	[ "$1" = netcheck ] && echo watch
	# forklat's table skips an interval without forks unless -T stamps it: on an idle host it
	# would have nothing to write, and the write-error test nothing to fail on
	[ "$1" = forklat ] && echo -T
	return 0
}

# bad_prom TOOL PATH: the tool refuses PATH for --prom-file at once, exit 2, loading nothing
bad_prom() {
	local t=$1 path=$2
	# shellcheck disable=SC2046
	no_bpf_calls timeout 10 "$BUILD/$t" $(tool_args "$t") --prom-file "$path" 1
	[ "$NO_BPF_STATUS" -eq 2 ] || {
		echo "$t --prom-file $path: exit $NO_BPF_STATUS" >&2
		return 1
	}
	# shellcheck disable=SC2046
	run timeout 10 "$BUILD/$t" $(tool_args "$t") --prom-file "$path" 1
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "$t"*"invalid --prom-file"* ]]
	[[ ${lines[1]} == "Try '$t"*"--help'"* ]]
}

@test "--prom-file: a device, a symbolic link, a directory, a FIFO are refused before loading" {
	local t
	# a device node of our own (the one /dev/null is): a tool that got this wrong would
	# replace the node, and the host's /dev/null must never be what a test risks
	mknod -m 666 "$TMP/null" c 1 3
	ln -s "$TMP/target" "$TMP/link"
	echo keep >"$TMP/target"
	mkfifo "$TMP/fifo"
	mkdir "$TMP/dir"
	for t in "${TOOLS[@]}"; do
		bad_prom "$t" "$TMP/null"
		bad_prom "$t" "$TMP/link"
		bad_prom "$t" "$TMP/dir"
		bad_prom "$t" "$TMP/fifo"
		bad_prom "$t" "$TMP/missing/x.prom"
	done
	# nothing was replaced: the device is a device, the link a link to the same file
	[ -c "$TMP/null" ]
	[ "$(stat -c %t:%T "$TMP/null")" = 1:3 ]
	[ -L "$TMP/link" ]
	[ "$(cat "$TMP/target")" = keep ]
	[ -p "$TMP/fifo" ]
	[ -d "$TMP/dir" ]
	run timeout 10 "$BUILD/forklat" --prom-file "$TMP/null" 1
	[[ $output == *"is a device, not a regular file"* ]]
	run timeout 10 "$BUILD/forklat" --prom-file "$TMP/link" 1
	[[ $output == *"is a symbolic link"* ]]
	run timeout 10 "$BUILD/forklat" --prom-file "$TMP/missing/x.prom" 1
	[[ $output == *"directory $TMP/missing does not exist"* ]]
}

@test "--prom-file: temp files a killed run left are removed at the next start, a live one kept" {
	# what a run killed between mkstemp() and rename() leaves, an hour old; and one that a
	# running writer might be filling right now
	echo partial >"$TMP/.f.prom.Ab12Cd"
	touch -d '1 hour ago' "$TMP/.f.prom.Ab12Cd"
	echo writing >"$TMP/.f.prom.Zz99Yy"
	echo other >"$TMP/.g.prom.Ab12Cd"
	touch -d '1 hour ago' "$TMP/.g.prom.Ab12Cd"
	"$BUILD/mcewatch" --prom-file "$TMP/f.prom" 0.2 1 >/dev/null 2>"$TMP/err"
	[ -s "$TMP/f.prom" ]
	[ ! -e "$TMP/.f.prom.Ab12Cd" ]
	[ -e "$TMP/.f.prom.Zz99Yy" ]
	# another file's temp files are not this tool's business
	[ -e "$TMP/.g.prom.Ab12Cd" ]
}

@test "write errors: >/dev/full and a closed stdout exit 1 with one sentence, every tool" {
	local t
	for t in "${TOOLS[@]}"; do
		# shellcheck disable=SC2046
		run bash -c "timeout 20 '$BUILD/$t' $(tool_args "$t") 0.2 1 >/dev/full 2>'$TMP/err'"
		grep -v 'note:\|^Tracing' "$TMP/err" >"$TMP/msg" || true
		echo "$t >/dev/full: exit $status: $(cat "$TMP/msg")"
		[ "$status" -eq 1 ]
		grep -q "^$t.*: cannot write the output: No space left on device" "$TMP/msg"
		# shellcheck disable=SC2046
		run bash -c "timeout 20 '$BUILD/$t' $(tool_args "$t") -j 0.2 1 >&- 2>'$TMP/err'"
		grep -v 'note:\|^Tracing' "$TMP/err" >"$TMP/msg" || true
		echo "$t >&-: exit $status: $(cat "$TMP/msg")"
		[ "$status" -eq 1 ]
		grep -q "^$t.*: cannot write the output: Bad file descriptor" "$TMP/msg"
	done
	run bash -c "'$BUILD/netcheck' audit >/dev/full"
	[ "$status" -eq 1 ]
	run bash -c "'$BUILD/tcpwait' --help >/dev/full"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot write the output"* ]]
}

@test "a closed stdout is not reused: fd 1 never becomes a BPF or perf descriptor" {
	"$BUILD/tcpwait" 10 >&- 2>"$TMP/err" &
	PIDS+=($!)
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '^prog_id:' /proc/"$pid"/fdinfo/* 2>/dev/null | awk -F: '{ s += $NF } END { print s }')" -gt 0 ] &&
			break
		sleep 0.1
	done
	run readlink /proc/"$pid"/fd/1
	echo "fd 1: $output"
	[ "$output" = /dev/null ]
}

# unique_series FILE: no two samples carry the same name and labels (node_exporter rejects
# such a file)
unique_series() {
	local dup
	dup=$(grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort | uniq -d)
	[ -z "$dup" ] || {
		echo "repeated series in $1:" >&2
		echo "$dup" >&2
		return 1
	}
}

# prom_sum FILE METRIC FILTER: sum of METRIC's samples whose line contains FILTER
prom_sum() {
	grep "^$2{" "$1" | grep -F -- "$3" | awk '{ s += $NF } END { print s + 0 }'
}

@test "fadvtop --prom-file: a cgroup name with byte 0xff is written as \\xff, as the other tools do" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	local cg
	cg=$(cgroup_create "hostile-$$/$(printf 'bad\xffname')")
	CGROUPS+=("$cg")
	"$BUILD/fadvtop" --prom-file "$TMP/f.prom" 0.2 >/dev/null 2>"$TMP/err" &
	PIDS+=($!)
	wait_for_file "$TMP/f.prom" 20
	in_cgroup "$cg" "$GEN/fadvgen" -n 300 -a dontneed -f "$TMP/gen.log" >"$TMP/gen"
	prom_fresh "$TMP/f.prom"
	cp "$TMP/f.prom" "$TMP/snap.prom"
	grep 'bad' "$TMP/snap.prom" | head -3
	promtool check metrics <"$TMP/snap.prom"
	# out_sanitize's \xff, its backslash escaped for the format
	[ "$(prom_sum "$TMP/snap.prom" kscope_fadvtop_calls_total \
		"cgroup=\"/$CGROUP_TEST_TOP/hostile-$$/bad\\\\xffname\"")" -eq 300 ]
	! grep -q "$(printf '\xff')" "$TMP/snap.prom"
}

@test "forklat --prom-top 1 with a process really named 'other': one 'other' series, sums kept" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	local cg
	cg=$(cgroup_create "hostile-$$/other")
	CGROUPS+=("$cg")
	mkdir "$TMP/bin"
	ln -s "$GEN/forkgen" "$TMP/bin/other"
	ln -s "$GEN/forkgen" "$TMP/bin/third"
	"$BUILD/forklat" -c "$cg" --prom-top 1 --prom-file "$TMP/f.prom" 0.2 >/dev/null \
		2>"$TMP/err" &
	PIDS+=($!)
	wait_for_file "$TMP/f.prom" 20
	# "other" forks most, so it is the top row; forkgen and third are the rest
	in_cgroup "$cg" "$TMP/bin/other" --forks 60 >"$TMP/g1"
	in_cgroup "$cg" "$GEN/forkgen" --forks 30 >"$TMP/g2"
	in_cgroup "$cg" "$TMP/bin/third" --forks 20 >"$TMP/g3"
	prom_fresh "$TMP/f.prom"
	cp "$TMP/f.prom" "$TMP/snap.prom"
	grep '^kscope_forklat_forks_total' "$TMP/snap.prom"
	unique_series "$TMP/snap.prom"
	promtool check metrics <"$TMP/snap.prom"
	local total
	total=$(($(jq -s 'last.forks' "$TMP/g1") + $(jq -s 'last.forks' "$TMP/g2") +
		$(jq -s 'last.forks' "$TMP/g3")))
	[ "$total" -eq 110 ]
	[ "$(prom_sum "$TMP/snap.prom" kscope_forklat_forks_total '')" -eq "$total" ]
	[ "$(grep -c '^kscope_forklat_forks_total{comm="other"}' "$TMP/snap.prom")" -eq 1 ]
}

@test "fadvtop --prom-file under cgroup churn: unique series, each cgroup's calls in every write" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	local n cg i
	"$BUILD/fadvtop" --prom-file "$TMP/f.prom" 0.1 >/dev/null 2>"$TMP/err" &
	PIDS+=($!)
	wait_for_file "$TMP/f.prom" 20
	for n in A B C D; do
		cg=$(cgroup_create "hostile-$$/churn/rel$n")
		CGROUPS+=("$cg")
		in_cgroup "$cg" "$GEN/fadvgen" -n 500 -a dontneed -f "$TMP/gen$n.log" >"$TMP/gen$n"
	done
	# the calls of B and D are counted while their cgroups still exist; then they go, and a
	# new cgroup makes the tool look at the tree again
	prom_fresh "$TMP/f.prom"
	for n in B D; do
		cgroup_delete "$(cgroup2_root)/$CGROUP_TEST_TOP/hostile-$$/churn/rel$n"
	done
	cg=$(cgroup_create "hostile-$$/churn/relE")
	CGROUPS+=("$cg")
	in_cgroup "$cg" "$GEN/fadvgen" -n 100 -a willneed -f "$TMP/genE.log" >"$TMP/genE"
	# ten writes after the deletions: each one whole, every cgroup under its own name
	for i in $(seq 10); do
		prom_fresh "$TMP/f.prom"
		cp "$TMP/f.prom" "$TMP/snap.prom"
		unique_series "$TMP/snap.prom"
		for n in A B C D; do
			[ "$(prom_sum "$TMP/snap.prom" kscope_fadvtop_calls_total \
				"cgroup=\"/$CGROUP_TEST_TOP/hostile-$$/churn/rel$n\"")" -eq 500 ] || {
				echo "write $i: rel$n" >&2
				grep "rel$n" "$TMP/snap.prom" | head >&2
				return 1
			}
		done
		[ "$(prom_sum "$TMP/snap.prom" kscope_fadvtop_calls_total \
			"cgroup=\"/$CGROUP_TEST_TOP/hostile-$$/churn/relE\"")" -eq 100 ] || {
			echo "write $i: relE" >&2
			grep "relE\|unknown" "$TMP/snap.prom" | head >&2
			cat "$TMP/genE" >&2
			return 1
		}
	done
	promtool check metrics <"$TMP/snap.prom"
}

# private_bin: the tools and forkgen copied where an unprivileged user can run them
private_bin() {
	mkdir -p "$TMP/bin"
	cp "$BUILD"/{tcpwait,forklat,fadvtop,mcewatch,netcheck} "$GEN/forkgen" "$TMP/bin/"
	chmod 755 "$TMP" "$TMP/bin"
}

# as_caps USER CAPS CMD...: exec CMD (so in a subshell: run, &, $(...)) as USER (nobody or root) with only CAPS (setpriv's
# "+bpf,+perfmon" form) in its effective, permitted, inheritable and ambient sets
as_caps() {
	local user=$1 caps=$2
	shift 2
	if [ "$user" = root ]; then
		exec setpriv --inh-caps=-all,"$caps" --ambient-caps="$caps" --bounding-set=-all,"$caps" "$@"
	else
		exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,"$caps" \
			--ambient-caps="$caps" "$@"
	fi
}

@test "non-root with CAP_BPF+CAP_PERFMON: tracefs is found, and the sentence names CAP_DAC_READ_SEARCH" {
	command -v setpriv >/dev/null || skip "no setpriv"
	private_bin
	local t
	for t in "${TOOLS[@]}"; do
		# shellcheck disable=SC2046
		run as_caps nobody +bpf,+perfmon timeout 30 "$TMP/bin/$t" $(tool_args "$t") 0.2 1
		echo "$t: exit $status: $output"
		[ "$status" -eq 1 ]
		# tracefs is mounted: the old access() check called it missing
		[[ $output != *"not mounted"* ]]
		[[ $output == *"CAP_DAC_READ_SEARCH"* ]]
		[ "${#lines[@]}" -eq 1 ]
	done
}

# forks_as USER CAPS: forklat under those credentials counts forkgen's forks exactly (in a
# cgroup of its own: the table keeps the top 10 processes, and others fork here too)
forks_as() {
	local cg
	cg=$(cgroup_create "hostile-$$/caps")
	CGROUPS+=("$cg")
	as_caps "$1" "$2" "$TMP/bin/forklat" -c "$cg" -j 0.2 >"$TMP/fl.out" 2>"$TMP/fl.err" &
	local fl=$! i
	PIDS+=($fl)
	for ((i = 0; i < 300; i++)); do
		grep -q '^Tracing' "$TMP/fl.err" && break
		kill -0 "$fl" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^Tracing' "$TMP/fl.err" || {
		echo "forklat as $1 with $2 did not start: $(cat "$TMP/fl.err")" >&2
		return 1
	}
	in_cgroup "$cg" "$TMP/bin/forkgen" --forks 50 >"$TMP/gen"
	local pid want
	pid=$(jq -s 'last.pid' "$TMP/gen")
	want=$(jq -s 'last.forks' "$TMP/gen")
	for ((i = 0; i < 50; i++)); do
		[ "$(jq -s --argjson p "$pid" '[.[] | select(.procs) | .procs[] |
			select(.pid == $p) | .forks] | add // 0' "$TMP/fl.out")" -eq "$want" ] && break
		sleep 0.1
	done
	kill -INT "$fl"
	wait "$fl"
	got=$(jq -s --argjson p "$pid" '[.[] | select(.procs) | .procs[] | select(.pid == $p) |
		.forks] | add // 0' "$TMP/fl.out")
	echo "forklat as $1 with $2: $got forks of forkgen's $want"
	[ "$got" -eq "$want" ]
}

@test "uid 0 with only CAP_BPF+CAP_PERFMON: forklat loads (no module-BTF search) and counts exactly" {
	command -v setpriv >/dev/null || skip "no setpriv"
	private_bin
	forks_as root +bpf,+perfmon
}

@test "non-root with CAP_BPF+CAP_PERFMON+CAP_DAC_READ_SEARCH: every tool runs, forklat counts exactly" {
	command -v setpriv >/dev/null || skip "no setpriv"
	private_bin
	local t
	for t in "${TOOLS[@]}"; do
		# shellcheck disable=SC2046
		run as_caps nobody +bpf,+perfmon,+dac_read_search timeout 30 "$TMP/bin/$t" \
			$(tool_args "$t") 0.2 1
		echo "$t: exit $status: $output" | head -5
		[ "$status" -eq 0 ]
	done
	forks_as nobody +bpf,+perfmon,+dac_read_search
}

@test "capsh: uid 0 without CAP_SYS_ADMIN and the rest, only CAP_BPF+CAP_PERFMON, runs forklat" {
	command -v capsh >/dev/null || skip "no capsh"
	private_bin
	local drop
	# every capability of the bounding set but the two
	drop=$(capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n' |
		grep -vx 'cap_bpf\|cap_perfmon' | paste -sd,)
	run capsh --drop="$drop" -- -c "grep CapEff /proc/self/status; \
		timeout 30 '$TMP/bin/forklat' 0.2 1 >/dev/null"
	echo "$output"
	[ "$status" -eq 0 ]
	# the effective set really was the two: bits 38 and 39
	[[ $output == *"CapEff:	000000c000000000"* ]]
}

@test "SIGHUP ends a run like SIGTERM: exit 0, the summary printed, nothing left loaded" {
	local t pid ids rc
	for t in forklat tcpwait mcewatch; do
		"$BUILD/$t" -j 10 >"$TMP/$t.out" 2>"$TMP/$t.err" &
		pid=$!
		PIDS+=($pid)
		# with -j nothing says "attached": a tool holding a stable set of programs and links is
		wait_attached "$pid" 60
		ids=$(prog_ids_of "$pid")
		[ -n "$ids" ]
		kill -HUP "$pid"
		rc=0
		wait "$pid" || rc=$?
		echo "$t: exit $rc"
		[ "$rc" -eq 0 ]
		jq -e 'select(.event == "summary")' "$TMP/$t.out" >/dev/null
		# shellcheck disable=SC2086
		progs_gone $ids
	done
}

# bad_arg TOOL ARGS...: one line and the usage hint, exit 2, nothing loaded; LINE is the line
bad_arg() {
	local t=$1
	shift
	no_bpf_calls timeout 20 "$BUILD/$t" "$@"
	[ "$NO_BPF_STATUS" -eq 2 ] || {
		echo "$t $*: exit $NO_BPF_STATUS" >&2
		return 1
	}
	run timeout 20 "$BUILD/$t" "$@"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == "Try '$t"*"--help'"* ]]
	LINE=${lines[0]}
	echo "$t $*: $LINE"
}

@test "bad numbers and names: overflow, a cgroup file, a FIFO, a kernel thread, --json=1, raw bytes" {
	# 1e300 ms became a threshold of 0 in nanoseconds and printed every fork
	bad_arg forklat --min-ms 1e300 0.2 1
	[[ $LINE == *"must be at most"* ]]
	# a file inside a cgroup is not a cgroup (it matched nothing, silently)
	bad_arg forklat -c "$(cgroup2_root)/cgroup.procs" 0.2 1
	[[ $LINE == *"not a cgroup v2 directory"* ]]
	# a FIFO for --netns blocked in open() until a signal
	mkfifo "$TMP/fifo"
	bad_arg tcpwait --netns "$TMP/fifo" 0.2 1
	[[ $LINE == *"not a network namespace"* ]]
	# pid 2 is kthreadd: accepted before, and nothing was ever shown
	bad_arg tcpwait -p 2 0.2 1
	[[ $LINE == *"kernel thread"* ]]
	bad_arg forklat --json=1 0.2 1
	[ "$LINE" = "forklat: option '--json' takes no value" ]
	# a newline and an escape sequence in the argument stay on the one line, rendered
	bad_arg tcpwait -p "$(printf '1\n2\033[31m')"
	[ "$LINE" = 'tcpwait: invalid --pid '\''1\x0a2\x1b[31m'\'': not a process id' ]
	bad_arg netcheck audit ''
	mkdir "$TMP/empty"
	bad_arg netcheck audit --root "$TMP/empty"
	[[ $LINE == *"no sys/ or proc/"* ]]
}

@test "a pid with a leading 0 is decimal, not octal" {
	sleep 60 &
	local p=$!
	PIDS+=($p)
	# before: 0NNNN was octal, a different pid or no number at all
	run timeout 30 "$BUILD/forklat" -p "0$p" -j 0.2 1
	echo "$output" | tail -3
	[ "$status" -eq 0 ]
	run timeout 30 "$BUILD/forklat" -p "0$p" -v 0.2 1
	[ "$status" -eq 0 ]
}

@test "mcewatch interrupted before its first interval: the peak is not 0 below a positive average" {
	"$BUILD/mcewatch" 30 >"$TMP/out" 2>"$TMP/err" &
	local pid=$! i
	PIDS+=($pid)
	for ((i = 0; i < 300; i++)); do
		grep -q '^Watching' "$TMP/err" "$TMP/out" && break
		sleep 0.1
	done
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	grep context "$TMP/out"
	# "context: 9483 csw/s average (peak 9483), 1210 intr/s average (peak 1210)"
	read -r csw cswpeak intr intrpeak < <(sed -nE \
		's/.*context: ([0-9]+) csw\/s average \(peak ([0-9]+)\), ([0-9]+) intr\/s average \(peak ([0-9]+)\).*/\1 \2 \3 \4/p' \
		"$TMP/out")
	[ "$csw" -gt 0 ]
	[ "$cswpeak" -ge "$csw" ]
	[ "$intr" -gt 0 ]
	[ "$intrpeak" -ge "$intr" ]
}

@test "tcpwait as non-root: bad --netns, -4 -6, --lport 0 are exit 2, not 'needs root'" {
	private_bin
	local a
	for a in "--netns bogus-$$" "-4 -6" "--lport 0" "--ring-mb 4"; do
		# shellcheck disable=SC2086
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/bin/tcpwait" $a 1 1
		echo "tcpwait $a as nobody: exit $status: $output"
		[ "$status" -eq 2 ]
		[[ $output != *"needs root"* ]]
	done
}

@test "tcpwait's table says the runs the kernel skipped in the interval they happen" {
	local ns
	ns=$(netns_create hostile)
	"$BUILD/tcpwait" --netns "$ns" 0.5 >"$TMP/out" 2>"$TMP/err" &
	local pid=$!
	PIDS+=($pid)
	for ((i = 0; i < 300; i++)); do
		grep -q '^TIME_WAIT' "$TMP/out" && break
		sleep 0.1
	done
	# loopback churn: softirqs interrupt the programs on the same CPU now and then
	ip netns exec "$ns" "$GEN/tcpchurn" -m client-close -n 3000 -q -P 7390 >/dev/null
	tcp_settled ip netns exec "$ns"
	more_lines "$TMP/out" '^TIME_WAIT'
	kill -INT "$pid"
	wait "$pid"
	netns_delete "$ns"
	local total per
	total=$(sed -nE 's/^([0-9]+) events missed.*/\1/p' "$TMP/out")
	per=$(awk '/^!! [0-9]+ runs of tcpwait.s programs skipped/ { s += $2 } END { print s + 0 }' \
		"$TMP/out")
	echo "missed at exit: ${total:-0}, in the intervals: $per"
	# what the intervals said is part of the total (runs skipped after the last interval are
	# only in the total); with runs skipped, the intervals said some (before: none, ever).
	# A run with none skipped cannot tell, and says so above.
	[ "$per" -le "${total:-0}" ]
	[ "${total:-0}" -eq 0 ] || [ "$per" -gt 0 ]
}

@test "fadvtop: one process opens, advises and closes 300 files in turn: each file named, once" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	command -v python3 >/dev/null || skip "no python3"
	local cg
	cg=$(cgroup_create "hostile-$$/files")
	CGROUPS+=("$cg")
	mkdir "$TMP/files"
	"$BUILD/fadvtop" -c "$cg" -j -f 1000 1 >"$TMP/out" 2>"$TMP/err" &
	local pid=$! i
	PIDS+=($pid)
	for ((i = 0; i < 300; i++)); do
		ls -l /proc/$pid/fd 2>/dev/null | grep -q 'bpf_link\|perf_event' && break
		sleep 0.1
	done
	sleep 0.5
	# the generator: the same fd number and a recycled struct file each time; its own list
	# of the files it advised is the truth
	in_cgroup "$cg" python3 -c '
import os, sys
d = sys.argv[1]
for i in range(300):
    p = "%s/file%03d" % (d, i)
    with open(p, "w") as f:
        f.write("x" * 4096)
    fd = os.open(p, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
    print(p)
' "$TMP/files" >"$TMP/truth"
	sleep 1.5
	kill -INT "$pid"
	wait "$pid"
	[ "$(wc -l <"$TMP/truth")" -eq 300 ]
	# every file of the summary, by name, with its one call
	jq -r 'select(.event == "summary") | .rows[].files[] | "\(.file) \(.calls)"' "$TMP/out" |
		sort >"$TMP/seen"
	head -3 "$TMP/seen"
	sed 's/$/ 1/' "$TMP/truth" | sort >"$TMP/want"
	diff "$TMP/want" "$TMP/seen" | head -5
	# names from the dentry are ".../fileNNN" once the file is closed
	sed -E 's|^.*/(file[0-9]+) 1$|\1|' "$TMP/seen" | sort -u >"$TMP/seen.names"
	sed -E 's|^.*/||' "$TMP/truth" | sort >"$TMP/want.names"
	diff "$TMP/want.names" "$TMP/seen.names"
	[ "$(awk '{ s += $NF } END { print s }' "$TMP/seen")" -eq 300 ]
}
