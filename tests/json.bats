#!/usr/bin/env bats
# One JSON contract for the five tools (docs/json.md).  Each tool's real output, in every mode
# that prints JSON (intervals by process and by container (-C), the summary, event streams,
# netcheck's audit, mcewatch's decoder; mcewatch's machine checks in tests/vmtest.bats), is
# checked against docs/json.schema.json by Debian's python3-jsonschema, so the next field that
# drifts fails here.  Beyond the schema, against truth from outside the tools: every ts lies
# between the wall-clock times read just before the tool started and just after it ended
# (events the kernel timestamped included), and the rows and events of the workload name the
# cgroup the test made, by its path and its inode number (the cgroup id).

load lib

setup() {
	/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
		skip "python3-jsonschema is not installed (tools/deps.sh installs it)"
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	TMP=$BATS_TEST_TMPDIR
	CG=$(cgroup_create "json-$$")
	CGREL=/$CGROUP_TEST_TOP/json-$$
	CGID=$(stat -c %i "$CG")
	TPID=
}

teardown() {
	kill_test_processes
	[ -n "$TPID" ] && kill -TERM "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	cgroup_delete "$CG"
}

in_cg() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$@"
}

now() {
	date +%s.%N
}

# tool_start OUT TOOL ARGS...: run it in the background with its JSON in OUT
tool_start() {
	local out=$1
	shift
	T0=$(now)
	"$@" >"$out" 2>"$out.err" &
	TPID=$!
}

# tool_stop: SIGINT (the summary), wait for exit 0
tool_stop() {
	local rc=0
	kill -INT "$TPID"
	wait "$TPID" || rc=$?
	TPID=
	T1=$(now)
	[ "$rc" -eq 0 ] || { echo "exit $rc: $(cat "$OUT.err")" >&2; return 1; }
}

# until_line FILTER [CMD...]: run CMD (the workload, in the test's cgroup) until a line of
# $OUT matches the jq FILTER; 30 s deadline
until_line() {
	local filter=$1 i
	shift
	for ((i = 0; i < 60; i++)); do
		[ $# -gt 0 ] && in_cg "$@" >/dev/null
		jq -se "any(.[]; $filter)" "$OUT" >/dev/null 2>&1 && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.5
	done
	echo "no line with $filter in $OUT: $(head -c 600 "$OUT") $(cat "$OUT.err")" >&2
	return 1
}

# the contract: the schema, the tool's name, the events expected, ts within [T0, T1]
check_contract() {
	local tool=$1 ev
	shift
	run tests/jsoncheck "$OUT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .tool "$OUT" | sort -u)" = "$tool" ]
	for ev in "$@"; do
		jq -se --arg e "$ev" 'any(.[]; .event == $e)' "$OUT" >/dev/null ||
			{ echo "no $ev object" >&2; return 1; }
	done
	run jq -r --argjson t0 "$T0" --argjson t1 "$T1" \
		'select(.ts < $t0 or .ts > $t1) | "\(.event) at \(.ts) outside [\($t0), \($t1)]"' "$OUT"
	[ -z "$output" ] || { echo "$output" >&2; return 1; }
}

# some object at any depth names the test's cgroup, and names it right
names_cgroup() {
	jq -se --argjson id "$CGID" --arg path "$CGREL" \
		'any(.. | objects | select(.cgroup_id? == $id);
		     .cgroup == $path and .container == null)' "$OUT" >/dev/null ||
		{ echo "no row names cgroup $CGREL ($CGID)" >&2; return 1; }
}

@test "tcpwait: intervals (per process, -C, -L), summary and state events follow the contract" {
	cd "$KSCOPE_ROOT"
	OUT=$TMP/tcpwait.json
	tool_start "$OUT" "$BUILD/tcpwait" -j 0.5
	until_line ".event == \"interval\" and any(.procs[]; .cgroup_id == $CGID)" \
		"$GEN/tcpchurn" -n 20
	tool_stop
	check_contract tcpwait interval summary
	names_cgroup

	OUT=$TMP/tcpwait-e.json
	tool_start "$OUT" "$BUILD/tcpwait" -e -j
	until_line ".event == \"state\" and .cgroup_id == $CGID" "$GEN/tcpchurn" -n 5
	tool_stop
	check_contract tcpwait state summary
	names_cgroup

	# rows by container (-C, folded per cgroup) and the lifetime histogram (-L)
	OUT=$TMP/tcpwait-C.json
	tool_start "$OUT" "$BUILD/tcpwait" -C -L -j 0.5
	until_line ".event == \"interval\" and any(.procs[]; .cgroup_id == $CGID)" \
		"$GEN/tcpchurn" -n 20
	tool_stop
	check_contract tcpwait interval summary
	names_cgroup
}

@test "forklat: intervals (per process, -C), summary and fork events follow the contract" {
	cd "$KSCOPE_ROOT"
	OUT=$TMP/forklat.json
	tool_start "$OUT" "$BUILD/forklat" -j 0.5
	until_line ".event == \"interval\" and any(.procs[]; .cgroup_id == $CGID)" \
		"$GEN/forkgen" --forks 3
	tool_stop
	check_contract forklat interval summary
	names_cgroup

	OUT=$TMP/forklat-e.json
	tool_start "$OUT" "$BUILD/forklat" --min-ms 0 -j
	until_line ".event == \"fork\" and .cgroup_id == $CGID" "$GEN/forkgen" --forks 3
	tool_stop
	check_contract forklat fork summary
	names_cgroup

	OUT=$TMP/forklat-C.json
	tool_start "$OUT" "$BUILD/forklat" -C -j 0.5
	until_line ".event == \"interval\" and any(.procs[]; .cgroup_id == $CGID)" \
		"$GEN/forkgen" --forks 3
	tool_stop
	check_contract forklat interval summary
	names_cgroup
}

@test "fadvtop: intervals (per process, -C, -H), summary and call events follow the contract" {
	cd "$KSCOPE_ROOT"
	OUT=$TMP/fadvtop.json
	tool_start "$OUT" "$BUILD/fadvtop" -j 0.5
	until_line ".event == \"interval\" and any(.rows[]; .cgroup_id == $CGID)" \
		"$GEN/fadvgen" -n 50 -f "$TMP/file"
	tool_stop
	check_contract fadvtop interval summary
	names_cgroup

	OUT=$TMP/fadvtop-e.json
	tool_start "$OUT" "$BUILD/fadvtop" -e -j
	until_line ".event == \"call\" and .cgroup_id == $CGID" "$GEN/fadvgen" -n 5 -f "$TMP/file"
	tool_stop
	check_contract fadvtop call summary
	names_cgroup

	OUT=$TMP/fadvtop-C.json
	tool_start "$OUT" "$BUILD/fadvtop" -C -H -j 0.5
	until_line ".event == \"interval\" and any(.rows[]; .cgroup_id == $CGID)" \
		"$GEN/fadvgen" -n 50 -f "$TMP/file"
	tool_stop
	check_contract fadvtop interval summary
	names_cgroup
}

@test "mcewatch: intervals, summary and the decoder follow the contract" {
	cd "$KSCOPE_ROOT"
	OUT=$TMP/mcewatch.json
	tool_start "$OUT" "$BUILD/mcewatch" -j 0.5
	until_line '.event == "interval"'
	tool_stop
	check_contract mcewatch interval summary

	OUT=$TMP/mcewatch-d.json
	T0=$(now)
	"$BUILD/mcewatch" --decode 0x9c00000000010090 --bank 1 -j >"$OUT"
	T1=$(now)
	check_contract mcewatch decode
}

@test "netcheck: watch's intervals and summary, audit's settings follow the contract" {
	cd "$KSCOPE_ROOT"
	OUT=$TMP/netcheck.json
	tool_start "$OUT" "$BUILD/netcheck" watch -j 0.5
	until_line '.event == "interval"'
	tool_stop
	check_contract netcheck interval summary

	OUT=$TMP/audit.json
	T0=$(now)
	"$BUILD/netcheck" audit -j >"$OUT"
	T1=$(now)
	check_contract netcheck setting
}

@test "a runtime error in JSON mode is an object of the contract too" {
	cd "$KSCOPE_ROOT"
	OUT=$TMP/error.json
	T0=$(now)
	# without privileges: the one sentence, as a JSON object on stdout
	setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$BUILD/netcheck" watch -j >"$OUT" 2>"$OUT.err" || status=$?
	T1=$(now)
	[ "${status:-0}" -eq 1 ]
	check_contract netcheck error
}

@test "the checker fails output that breaks the contract" {
	cd "$KSCOPE_ROOT"
	# each line breaks one rule: old names, a summary without its counts, half a cgroup
	cat >"$TMP/bad.json" <<-'EOF'
	{"tool":"tcpwait","event":"interval","ts":1800000000.5,"interval_ms":500,"time_wait":0,"time_wait_entries":0,"missed_events":0,"procs":[]}
	{"tool":"fadvtop","event":"summary","ts":1800000000.5,"duration_s":1,"missed":0,"rows":[],"waits":[],"diagnosis":[]}
	{"tool":"forklat","event":"fork","ts":1800000000.5,"pid":1,"tid":1,"comm":"x","call":"fork","lat_us":1,"container":null,"cgroup_id":1}
	{"tool":"netcheck","event":"state","ts":1800000000.5}
	EOF
	run tests/jsoncheck "$TMP/bad.json"
	echo "$output"
	[ "$status" -eq 1 ]
	for n in 1 2 3 4; do grep -q "bad.json:$n:" <<<"$output"; done
}
