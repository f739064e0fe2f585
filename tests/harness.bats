#!/usr/bin/env bats
# The suite's own safety nets (tests/lib.bash, tools/gen.h): a test that overruns is reported,
# fails and leaves nothing running; a test that fails half-way leaves nothing running; a
# generator's children never outlive it and a generator ends by itself.  Truth: the process
# table (each process started here has a unique argument to find it by) and bats' own output.

load lib

# fixture BODY: a bats file loading this lib with a 3 s limit, one test with BODY (the
# keyword is spelled in two halves: bats would take it for one of this file's tests)
fixture() {
	local at=@
	printf 'KSCOPE_TEST_TIMEOUT=3\nload %s/tests/lib\n%stest "fixture" {\n%s\n}\n' \
		"$KSCOPE_ROOT" "$at" "$1" >"$BATS_TEST_TMPDIR/fixture.bats"
}

# none_left PATTERN: no process has PATTERN in its command line (within 5 s: killing is quick)
none_left() {
	wait_until "! pgrep -f '$1' >/dev/null" 5 || {
		ps -eo pid,ppid,stat,args | grep -F "$1" | grep -v grep
		return 1
	}
}

@test "a test that overruns its limit is named, fails, and leaves nothing running" {
	local mark=$RANDOM$RANDOM t0
	# the tool under `run` has a child holding the pipe; a background process is left too
	fixture "	sleep 1000$mark &
	run bash -c 'sleep 1001$mark; echo never'"
	t0=$SECONDS
	run timeout 60 bats --tap "$BATS_TEST_TMPDIR/fixture.bats"
	echo "$output"
	[ "$status" -ne 0 ]
	[ $((SECONDS - t0)) -lt 30 ]
	[[ $output == *"# TIMEOUT: test 1 (fixture) overran 3 s"* ]]
	[[ $output == *"not ok 1 fixture"* ]]
	none_left "sleep 1000$mark"
	none_left "sleep 1001$mark"
}

@test "a test that fails half-way leaves no background process behind" {
	local mark=$RANDOM$RANDOM
	fixture "	sleep 1002$mark &
	bash -c 'sleep 1003$mark & wait' &
	false"
	run timeout 60 bats --tap "$BATS_TEST_TMPDIR/fixture.bats"
	echo "$output"
	[[ $output == *"not ok 1 fixture"* ]]
	[[ $output != *TIMEOUT* ]]
	none_left "sleep 1002$mark"
	none_left "sleep 1003$mark"
}

@test "forkgen's children never outlive it, however it is killed" {
	local gen=$BATS_TEST_TMPDIR/forkgen-harness-$RANDOM i pid
	[ -x "$GEN/forkgen" ] || skip "build/tools/forkgen is not built"
	# a path of its own, so its children are found by it (they keep the parent's argv)
	ln -s "$GEN/forkgen" "$gen"
	for i in $(seq 20); do
		"$gen" --forks 1000000 --rate 5000 --each 2>"$BATS_TEST_TMPDIR/each" >/dev/null &
		pid=$!
		wait_for_file "$BATS_TEST_TMPDIR/each" 10
		# at a moment of its own each time: between a fork and the byte the child waits for
		sleep "0.0$((RANDOM % 10))"
		kill -KILL "$pid"
		wait "$pid" || true
		rm -f "$BATS_TEST_TMPDIR/each"
	done
	none_left "$gen"
}

@test "generators end by themselves after KSCOPE_GEN_TIMEOUT, whatever they wait for" {
	local t0
	t0=$SECONDS
	KSCOPE_GEN_TIMEOUT=1 run "$GEN/forkgen" --wait
	[ "$status" -eq 124 ]
	[[ $output == *"forkgen: still running after 1 s (KSCOPE_GEN_TIMEOUT); giving up"* ]]
	KSCOPE_GEN_TIMEOUT=1 run "$GEN/tcpchurn" --wait-start -n 1
	[ "$status" -eq 124 ]
	KSCOPE_GEN_TIMEOUT=1 run "$GEN/emptyprobe" syscalls:sys_enter_getpid
	[ "$status" -eq 124 ]
	[ $((SECONDS - t0)) -lt 20 ]
}

@test "tcp_settled waits while a namespace holds a socket other than TIME_WAIT, not longer" {
	local ns hold
	ns=$(netns_create settled)
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	# a held server: its listener (and nothing else but TIME_WAIT) stays until SIGUSR1
	ip netns exec "$ns" "$GEN/tcpchurn" -n 20 -P 7399 --hold >"$BATS_TEST_TMPDIR/churn" &
	hold=$!
	wait_until "grep -q connects= '$BATS_TEST_TMPDIR/churn'" 20
	TCP_SETTLED_SECONDS=1 run tcp_settled ip netns exec "$ns"
	[ "$status" -eq 1 ]
	kill -USR1 "$hold"
	wait "$hold"
	tcp_settled ip netns exec "$ns"
	[ "$(ip netns exec "$ns" ss -Htan state time-wait | wc -l)" -eq 20 ]
	netns_delete "$ns"
}

@test "counted: exact passes, over fails, a shortfall passes only within what is allowed and says so" {
	counted 100 100 0
	! counted 101 100 0
	# reported misses cover a shortfall
	counted 95 100 5
	# no mark: 0.1% and 2 more
	run counted 9998 10000 0
	[ "$status" -eq 0 ]
	[[ $output == *"2 uncounted"* ]]
	run counted 9980 10000 0
	[ "$status" -eq 1 ]
	# a program loaded by someone else after the mark: a burst of up to 5%, never more
	bpf_mark
	"$GEN/emptyprobe" -d 0.001 oom:mark_victim >/dev/null
	uncounted_allow 1000
	echo "others $OTHERS_LOADED, allowed $UNCOUNTED_ALLOWED"
	[ "$OTHERS_LOADED" -ge 1 ]
	[ "$UNCOUNTED_ALLOWED" -eq 50 ]
	run counted 960 1000 0
	[ "$status" -eq 0 ]
	run counted 940 1000 0
	[ "$status" -eq 1 ]
}

@test "no check is an && list in the middle of a test: bats's errexit would test only its last part" {
	# `[ a ] && [ b ]` fails nothing when a is false (set -e ignores all but the last command of
	# an && list), so such a line checks b alone unless it ends the test or function
	run awk '
		FNR == 1 { prev = ""; prevline = 0 }
		prev != "" && $0 !~ /^[ \t]*}[ \t]*$/ { print FILENAME ":" prevline ": " prev }
		{ prev = "" }
		/^[ \t]*\[\[? .*\]\]? && \[\[? .*\]\]?[ \t]*$/ { prev = $0; prevline = FNR }
	' "$KSCOPE_ROOT"/tests/*.bats "$KSCOPE_ROOT"/tests/*.bash
	echo "$output"
	[ -z "$output" ]
}
