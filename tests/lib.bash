# Shared by the bats files: paths, network namespaces and cgroups that a test creates and
# removes, and the check that a tool left nothing attached.  Load with: load lib

KSCOPE_ROOT=${KSCOPE_ROOT:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
# KSCOPE_BUILD: another build of the same tree (tests/check-asan: build-asan)
BUILD=${KSCOPE_BUILD:-$KSCOPE_ROOT/build}
GEN=$BUILD/tools

# --- time limits and leftover processes ------------------------------------------------------
# No test can hang the suite.  KSCOPE_TEST_TIMEOUT (seconds, default 180; a file may set it
# before `load lib`) bounds one test: setup, body and teardown.  Past it a watchdog prints
# "# TIMEOUT: test N (name) overran S s" into the TAP stream (tests/run repeats it in its
# summary) and kills every process below the test's shell, so whatever the test waits for
# ends and the test fails there.  Bats 1.8's own BATS_TEST_TIMEOUT is not used: it kills the
# test shell's direct children only, and a grandchild (the tool under `run`, a generator
# below `ip netns exec`) then holds the output pipe open and the test waits for ever.
# The generators bound themselves too (tools/gen.h): KSCOPE_GEN_TIMEOUT, the same limit.
# Every teardown calls kill_test_processes, which ends whatever the test left running (a
# test that failed half-way leaves its background tool and generator), and stops the watchdog.
KSCOPE_TEST_TIMEOUT=${KSCOPE_TEST_TIMEOUT:-180}
export KSCOPE_GEN_TIMEOUT=${KSCOPE_GEN_TIMEOUT:-$KSCOPE_TEST_TIMEOUT}

# proc_descendants PID: every live process below PID (children, their children, ...)
proc_descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				for (n = 0; q != root && q > 1 && (q in parent) && n < 1000; n++)
					q = parent[q]
				if (q == root)
					print p
			}
		}'
}

# kill_tree PID [SPARE...]: SIGTERM every process below PID but the SPARE ones (and what is
# below them), then SIGKILL what is still there after a second
kill_tree() {
	local root=$1 pid spare victims=() i
	shift
	local -A keep=()
	for spare in "$@"; do
		keep[$spare]=1
		for pid in $(proc_descendants "$spare"); do keep[$pid]=1; done
	done
	# the listing's own ps, awk and subshell are gone by now: only what still exists counts
	for pid in $(proc_descendants "$root"); do
		[ -z "${keep[$pid]:-}" ] && [ -e "/proc/$pid" ] && victims+=("$pid")
	done
	[ ${#victims[@]} -gt 0 ] || return 0
	kill -TERM "${victims[@]}" 2>/dev/null || true
	for ((i = 0; i < 10; i++)); do
		# a killed child stays a zombie until its parent reaps it: that is gone enough
		ps -o stat= -p "$(IFS=,; echo "${victims[*]}")" 2>/dev/null | grep -qv '^Z' || return 0
		sleep 0.1
	done
	kill -KILL "${victims[@]}" 2>/dev/null || true
	return 0
}

# The watchdog: a subshell of the test's shell that holds none of bats' descriptors (so it
# delays nothing when it outlives the test by a moment), polling once a second whether the
# test is still there.  At the limit it signals the test shell (whose trap, watchdog_expired,
# reports it) and then kills everything else below it.
watchdog_start() {
	local limit=$1 test_pid=$$
	(
		trap - EXIT ERR INT TERM USR2
		set +e
		end=$((SECONDS + limit))
		while [ $SECONDS -lt $end ]; do
			kill -0 "$test_pid" 2>/dev/null || exit 0
			sleep 1
		done
		# first the signal (its trap runs once the command the test waits for has ended),
		# then the kill that ends that command
		kill -USR2 "$test_pid"
		kill_tree "$test_pid" "$BASHPID"
	) </dev/null >/dev/null 2>&1 3>&- &
	KSCOPE_WATCHDOG=$!
}

# The test shell fails the test when its time is up, even when the command that was killed
# was under `run` (which never fails by itself); bats then runs teardown as for any failure,
# and the TAP stream says which test overran.  In teardown it only says so: the kill has
# already ended what teardown waited for.
watchdog_expired() {
	echo "# TIMEOUT: test ${BATS_TEST_NUMBER:-?} (${BATS_TEST_DESCRIPTION:-$BATS_TEST_NAME})" \
		"overran ${KSCOPE_TEST_TIMEOUT} s (KSCOPE_TEST_TIMEOUT); its processes were killed" >&3
	[ -n "${KSCOPE_TEARDOWN:-}" ] && return 0
	exit 1
}

# kill_test_processes: first thing in every teardown: end every process the test started
# that still runs (a test that failed half-way leaves its tool and generator) and reap them.
# The watchdog stays, so teardown itself is bounded too.
kill_test_processes() {
	KSCOPE_TEARDOWN=1
	kill_tree $$ ${KSCOPE_WATCHDOG:+"$KSCOPE_WATCHDOG"}
	# reap what was killed; the watchdog ends by itself once the test is gone
	local pid
	for pid in $(jobs -p); do
		[ "$pid" = "${KSCOPE_WATCHDOG:-}" ] || wait "$pid" 2>/dev/null || true
	done
	return 0
}

# bats sources this file in each test's own process (BATS_TEST_NAME set) and, without a test,
# for setup_file: the watchdog is for tests only (tests/run bounds a whole file)
if [ -n "${BATS_TEST_NAME:-}" ] && [ -z "${KSCOPE_WATCHDOG:-}" ]; then
	trap watchdog_expired USR2
	watchdog_start "$KSCOPE_TEST_TIMEOUT"
fi

# Files without a teardown of their own get this one; those with one call kill_test_processes
# first thing in it.  The same for teardown_file: what a setup_file left running (a generator
# of a setup that failed half-way) would otherwise hold bats' output open until it ends.
teardown() {
	kill_test_processes
}
teardown_file() {
	kill_test_processes
}

# wait_until 'CONDITION' [SECONDS] [POLL]: evaluate CONDITION (a shell command) every POLL
# seconds (default 0.1) until it succeeds (0) or SECONDS (default 10) have passed (1, after
# saying what it waited for).  Waiting is always this: a condition with a deadline.
wait_until() {
	local cond=$1 end
	end=$(($(date +%s%N) + ${2:-10} * 1000000000))
	while :; do
		eval "$cond" && return 0
		[ "$(date +%s%N)" -lt "$end" ] || break
		sleep "${3:-0.1}"
	done
	echo "waited ${2:-10} s in vain for: $cond" >&2
	return 1
}

# tcp_settled PREFIX...: wait (up to 20 s) until the network namespace the command prefix enters
# (`ip netns exec NS`, `nsenter -n -t PID`) holds TCP sockets in no state but TIME_WAIT.  A
# generator's exit does not end its connections: their last FINs and ACKs are processed in
# softirq, on a loaded host by ksoftirqd after the exit, so ss and the tool, read before then,
# are short of the last TIME_WAIT entries (and may be short by different amounts).  Only for a
# namespace the test made and whose every process has exited.  TCP_SETTLED_SECONDS: the limit.
tcp_settled() {
	local prefix
	# the prefix quoted into the condition: wait_until's eval has its own "$@"
	prefix=$(printf '%q ' "$@")
	wait_until "[ -z \"\$($prefix ss -Htan exclude time-wait)\" ]" "${TCP_SETTLED_SECONDS:-20}"
}

# trace_start NAME EVENT FILTER [KB]: the kernel's own record of a tracepoint, as truth beside a
# tool: a tracefs instance (this test's, removed by trace_end) with EVENT (sock/inet_sock_set_state)
# enabled under FILTER, KB per CPU of buffer (default 16384).  TRACE_DIR is the instance.
trace_start() {
	local t=/sys/kernel/tracing
	[ -d "$t/instances" ] || t=/sys/kernel/debug/tracing
	TRACE_DIR=$t/instances/$1-$$
	TRACE_EVENT=$2
	mkdir "$TRACE_DIR" || return 1
	echo "${4:-16384}" >"$TRACE_DIR/buffer_size_kb"
	echo "$3" >"$TRACE_DIR/events/$2/filter"
	echo 1 >"$TRACE_DIR/events/$2/enable"
}

# trace_lines: the records so far (the buffer is read, not consumed); trace_overrun: records
# the buffer dropped (then the count is no truth)
trace_lines() {
	grep -v '^#' "$TRACE_DIR/trace"
}
trace_overrun() {
	cat "$TRACE_DIR"/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }'
}

# trace_end: disable and remove the instance trace_start made
trace_end() {
	[ -n "$TRACE_DIR" ] && [ -d "$TRACE_DIR" ] || return 0
	echo 0 >"$TRACE_DIR/events/$TRACE_EVENT/enable"
	echo 0 >"$TRACE_DIR/tracing_on"
	rmdir "$TRACE_DIR"
	TRACE_DIR=
}

# more_lines FILE PATTERN [SECONDS]: wait until FILE has more lines matching PATTERN (grep -E,
# no single quotes) than it has now: one interval line more after a workload ended, so the
# tool's output holds all of it
more_lines() {
	local n
	n=$(grep -cE "$2" "$1" 2>/dev/null) || n=0
	wait_until "[ \$(grep -cE '$2' '$1' 2>/dev/null) -gt ${n:-0} ]" "${3:-10}"
}

# link_fds PID: how many BPF links and perf events (a tracepoint's attachment) PID holds
link_fds() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'bpf_link\|perf_event' || true
}

# tool_bg TOOL ARGS...: the tool in the background, stdout into $OUT and stderr into $ERR, its
# pid in TOOL_PID; returns once all its programs are attached: the first link fd says only that
# attaching began, and a workload started then loses the transitions of the hooks still to come
tool_bg() {
	"$@" >"$OUT" 2>"$ERR" &
	TOOL_PID=$!
	# loading is slow when others have the CPUs
	wait_attached "$TOOL_PID" 60
}

# tool_end: SIGINT the tool tool_bg started and wait for it; its exit status is returned
tool_end() {
	local rc=0
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID" || rc=$?
	TOOL_PID=
	[ "$rc" -eq 0 ] || echo "the tool exited $rc: $(cat "$ERR")" >&2
	return "$rc"
}

# wait_attached PID [SECONDS]: until process PID holds BPF programs and attachments and their
# number has stopped changing over 0.3 s (the attach calls come in one burst after the load),
# for tools that print nothing when attached (-j, --events)
wait_attached() {
	local pid=$1 seen= now end
	end=$(($(date +%s%N) + ${2:-10} * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		kill -0 "$pid" 2>/dev/null || break
		now="$(prog_ids_of "$pid" | wc -l) $(link_fds "$pid")"
		if [ "${now#0 }" = "$now" ] && [ "${now% 0}" = "$now" ] && [ "$now" = "$seen" ]; then
			bpf_mark
			return 0
		fi
		seen=$now
		sleep 0.3
	done
	echo "process $pid did not attach (exited, or not within ${2:-10} s)" >&2
	return 1
}

# cgroup v2 mount point: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones
cgroup2_root() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

# netns_create NAME: a fresh network namespace with loopback up; echo its name
netns_create() {
	local name="kscope-test-$1-$$"
	ip netns add "$name"
	ip -n "$name" link set lo up
	echo "$name"
}

netns_delete() {
	ip netns delete "$1" 2>/dev/null || true
}

# Every cgroup a test makes lives below this one, so that shapes like system.slice/... never
# touch (or leave behind) the host's own, and one rmdir walk cleans up.  One per bats run
# (its run directory's unique suffix, the same in setup_file and every test): two runs at once
# on one machine would otherwise share kscope-test/hostile-other and the like, count each
# other's workloads, and one's teardown would move the other's tasks out and remove the cgroup.
CGROUP_TEST_TOP=${BATS_RUN_TMPDIR##*/}
CGROUP_TEST_TOP=kscope-test-${CGROUP_TEST_TOP#bats-run-}
[ "$CGROUP_TEST_TOP" != kscope-test- ] || CGROUP_TEST_TOP=kscope-test-$$

# cgroup_create RELPATH: mkdir below the tests' cgroup (parents too); echo the full path.
# Its path below the cgroup v2 root, as tools print it, is /$CGROUP_TEST_TOP/RELPATH.
cgroup_create() {
	local path
	path="$(cgroup2_root)/$CGROUP_TEST_TOP/$1"
	mkdir -p "$path"
	echo "$path"
}

# cgroup_delete PATH: move any leftover tasks to the root, remove it (deepest first), then
# the parents it leaves empty, up to and including the tests' top cgroup
cgroup_delete() {
	local root path="$1" dir
	root=$(cgroup2_root)
	[ -d "$path" ] || return 0
	find "$path" -depth -type d | while read -r d; do
		while read -r pid; do echo "$pid" >"$root/cgroup.procs" 2>/dev/null; done <"$d/cgroup.procs"
		# a task that has just exited keeps its cgroup busy for a moment
		wait_until "rmdir '$d' 2>/dev/null" 5 2>/dev/null
	done
	dir=$(dirname "$path")
	while [ "${dir#"$root/$CGROUP_TEST_TOP"}" != "$dir" ] && rmdir "$dir" 2>/dev/null; do
		dir=$(dirname "$dir")
	done
	return 0
}

# wait_for_file FILE [SECONDS]: until it exists and is non-empty
wait_for_file() {
	wait_until "[ -s '$1' ]" "${2:-10}"
}

# prog_ids_of PID: ids of the BPF programs a process holds (from its fds' fdinfo)
prog_ids_of() {
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u
}

# Judge a tool by its own programs, never by counting names system-wide: other kscope
# processes (a service, another test run) may load programs of the same name at any time.
# prog_ids_of PID lists the ids its process holds while it runs; progs_gone checks that
# exactly those are unloaded after it exited.

# progs_loaded ID...: true when every one of these programs is loaded
progs_loaded() {
	local id
	for id in "$@"; do
		bpftool prog show id "$id" >/dev/null 2>&1 || return 1
	done
}

# any_loaded ID...: true when at least one of these programs is still loaded
any_loaded() {
	local id
	for id in "$@"; do
		bpftool prog show id "$id" >/dev/null 2>&1 && return 0
	done
	return 1
}

# progs_gone ID...: true once none of these programs is loaded (freeing is asynchronous: up
# to 5 s on a busy host); at least one id is required, so an empty list cannot pass
progs_gone() {
	[ $# -gt 0 ] || { echo "progs_gone: no program ids (did the tool hold none?)" >&2; return 1; }
	wait_until "! any_loaded $*" 5 || { echo "still loaded: $*" >&2; return 1; }
}

# tool_prog_ids PID [SECONDS]: wait until process PID holds BPF programs and their set has
# stopped changing (it has loaded and attached), then echo their ids; fails when it exits or
# the time runs out first
tool_prog_ids() {
	local pid=$1 ids prev= end
	end=$(($(date +%s%N) + ${2:-10} * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		kill -0 "$pid" 2>/dev/null || break
		ids=$(prog_ids_of "$pid")
		if [ -n "$ids" ] && [ "$ids" = "$prev" ]; then
			echo "$ids"
			return 0
		fi
		prev=$ids
		sleep 0.2
	done
	echo "process $pid held no BPF program (exited, or not within ${2:-10} s)" >&2
	return 1
}

# no_bpf_calls CMD...: run CMD under strace and succeed when it never called bpf(2), i.e. it
# loaded and attached nothing; the command's own status is left in NO_BPF_STATUS
no_bpf_calls() {
	local log="$BATS_TEST_TMPDIR/strace.$$"
	NO_BPF_STATUS=0
	strace -f -qq -e trace=bpf -o "$log" "$@" >/dev/null 2>&1 || NO_BPF_STATUS=$?
	! grep -q 'bpf(' "$log"
}

# A tool's programs do not always run when their tracepoint fires, and the kernel does not
# always count it as missed: on this 6.18 kernel, tcpwait counted 9998 of 10000 TIME_WAIT
# entries with 0 missed while nothing else loaded or unloaded a BPF program (load average ~5),
# streamed 12 of 100002 state changes fewer than tracefs recorded, and lost bursts while other
# processes attached and detached programs: 9 and 18 of 10000 with an empty raw tracepoint
# program attached and detached every 0.5 s on sock:inet_sock_set_state, 15 of 700 beside a
# parallel suite.  Idle, the counts are exact (docs/testing.md, "Known shortfalls").  So a test
# allows a small shortfall, printed, and a burst only when others loaded programs meanwhile:
# program ids are handed out in order, so a throwaway program's id says how many were loaded
# since the mark.

# bpf_next_prog_id: load and drop an empty program (perf-event, on a tracepoint no tool uses)
# and print the id the kernel gave it
bpf_next_prog_id() {
	"$GEN/emptyprobe" -d 0.001 oom:mark_victim 2>/dev/null | sed -n 's/^prog_id=\([0-9]*\).*/\1/p'
}

# bpf_mark: from now on, programs loaded by anyone else count as others' (wait_attached calls
# it once the tool under test is attached).  The file holds the mark's id and how many
# throwaway programs the checks have loaded since.
bpf_mark() {
	echo "$(bpf_next_prog_id) 0" >"$(bpf_mark_file)"
}
bpf_mark_file() {
	echo "${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-/tmp}}/bpf_mark.$$"
}

# uncounted_allow WANT: sets OTHERS_LOADED (programs others loaded since bpf_mark, 0 when none
# or no mark) and UNCOUNTED_ALLOWED: 0.1% of WANT and 2 more when no one else loaded a
# program, else a burst of up to 5%
uncounted_allow() {
	local mark own now
	OTHERS_LOADED=0
	UNCOUNTED_ALLOWED=$(($1 / 1000 + 2))
	read -r mark own <"$(bpf_mark_file)" 2>/dev/null || return 0
	now=$(bpf_next_prog_id)
	[ -n "$mark" ] && [ -n "$now" ] || return 0
	own=$((own + 1))
	echo "$mark $own" >"$(bpf_mark_file)"
	OTHERS_LOADED=$((now - mark - own))
	[ "$OTHERS_LOADED" -gt 0 ] || OTHERS_LOADED=0
	[ "$OTHERS_LOADED" -eq 0 ] || UNCOUNTED_ALLOWED=$(($1 / 20))
}

# counted GOT WANT MISSED: the tool's count equals the truth, or falls short by no more than
# the runs of its programs that the kernel skipped and the tool reported (recursion_misses: a
# softirq interrupting one of its programs on the same CPU; DESIGN.md) and what
# uncounted_allow grants (printed).  Never above the truth.
counted() {
	# uncounted_allow sets these; local, so a failure never prints an earlier call's figure
	local got=$1 want=$2 missed=${3:-0} OTHERS_LOADED=0 UNCOUNTED_ALLOWED=0
	if [ "$got" -eq "$want" ] || { [ "$got" -lt "$want" ] && [ $((got + missed)) -ge "$want" ]; }; then
		[ "$got" -eq "$want" ] || echo "note: $got of $want, $missed runs reported missed"
		return 0
	fi
	if [ "$got" -lt "$want" ]; then
		uncounted_allow "$want"
		if [ $((got + missed + UNCOUNTED_ALLOWED)) -ge "$want" ]; then
			echo "note: $got of $want, $missed runs reported missed, $((want - got - missed))" \
				"uncounted ($OTHERS_LOADED BPF programs loaded by others meanwhile)"
			return 0
		fi
	fi
	echo "counted $got, truth $want, reported missed $missed;" \
		"$OTHERS_LOADED programs loaded by others meanwhile"
	return 1
}

# prom_fresh FILE [SECONDS]: wait until the tool has replaced its file twice after now (each
# write is a new inode: temp file, rename), so the last one was computed after the workload
# settled.  A file not written yet is "not yet", not a failure: the tool's first interval may
# end after the generator did.  Default 10 s, for intervals up to a few seconds on a busy host.
prom_fresh() {
	local f=$1 seen cur i=0 end
	end=$(($(date +%s%N) + ${2:-10} * 1000000000))
	seen=$(stat -c %i "$f" 2>/dev/null) || seen=
	while [ "$(date +%s%N)" -lt "$end" ]; do
		sleep 0.1
		cur=$(stat -c %i "$f" 2>/dev/null) || continue
		[ "$cur" = "$seen" ] && continue
		seen=$cur
		i=$((i + 1))
		[ $i -ge 2 ] && return 0
	done
	echo "prom_fresh: $f was not replaced twice within ${2:-10} s ($i times)" >&2
	return 1
}

# sample value of METRIC{LABELS} in a textfile (LABELS as written, e.g. 'direction="active"')
prom_value() {
	awk -v m="$2" '$1 == m { print $2 }' "$1" | head -1
}

# prom_series FILE NAME 'label="value"'...: the value of the one sample of NAME that carries
# every label given, in whatever order the file writes them and whatever other labels it has
# (a tool adds labels of its own: scope, --prom-label's); none or more than one such sample is
# an error that names them
prom_series() {
	local f=$1 name=$2
	shift 2
	# through the environment: awk -v would take the backslashes of escaped values
	PROM_WANT=$(printf '%s\n' "$@") awk -v name="$name" '
		BEGIN { want = ENVIRON["PROM_WANT"]; nw = split(want, w, "\n") }
		/^#/ { next }
		{
			b = index($0, "{")
			if (b == 0 || substr($0, 1, b - 1) != name) next
			e = length($0)
			while (e > b && substr($0, e, 1) != "}") e--
			rest = substr($0, b + 1, e - b - 1)
			# split the labels at commas outside quoted values (which escape \ and ")
			n = 0; cur = ""; inq = 0
			for (i = 1; i <= length(rest); i++) {
				c = substr(rest, i, 1)
				if (inq && c == "\\") { cur = cur c substr(rest, i + 1, 1); i++; continue }
				if (c == "\"") inq = !inq
				if (c == "," && !inq) { have[++n] = cur; cur = ""; continue }
				cur = cur c
			}
			if (cur != "") have[++n] = cur
			for (k = 1; k <= nw; k++) {
				found = 0
				for (j = 1; j <= n; j++)
					if (have[j] == w[k]) found = 1
				if (!found) next
			}
			split(substr($0, e + 1), v, " ")
			hits++; val = v[1]; lines = lines $0 "\n"
		}
		END {
			if (hits == 1) { print val; exit 0 }
			printf "prom_series: %d samples of %s carry %s\n%s", hits, name, want, lines \
				> "/dev/stderr"
			exit 1
		}' "$f"
}

# kv KEY LINE: the value of KEY=VALUE in a generator's summary line (the last one given)
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | tail -1; }

# in_cgroup PATH CMD...: run CMD as a member of the cgroup PATH from its first instruction
in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
