#!/usr/bin/env bats
# emptyprobe is the anchor every benchmark divides by, so what it loads is checked in the
# kernel's own listing of the program (bpftool's translated dump), not taken from its output.

load lib

teardown() {
	kill_test_processes
	[ -n "${PROBE_PID:-}" ] && kill -INT "$PROBE_PID" 2>/dev/null && wait "$PROBE_PID"
	rm -f "${OUT:-}"
}

# probe_start ARGS...: start emptyprobe, wait for "ready", set PROBE_IDS to its programs' ids
probe_start() {
	OUT=$(mktemp)
	"$GEN/emptyprobe" "$@" >"$OUT" 2>&1 &
	PROBE_PID=$!
	for _ in $(seq 50); do
		grep -q '^ready' "$OUT" && break
		sleep 0.1
	done
	grep -q '^ready' "$OUT" || { cat "$OUT"; return 1; }
	PROBE_IDS=$(sed -n 's/^prog_id=\([0-9]*\) .*/\1/p' "$OUT")
}

@test "the default program does nothing: no call, two instructions" {
	probe_start syscalls:sys_enter_getpid syscalls:sys_exit_getpid
	[ "$(wc -w <<<"$PROBE_IDS")" -eq 2 ]
	for id in $PROBE_IDS; do
		run bpftool prog dump xlated id "$id"
		[ "$status" -eq 0 ]
		echo "$output"
		[ "$(grep -c '^ *[0-9]*:' <<<"$output")" -eq 2 ]
		! grep -q call <<<"$output"
	done
}

@test "-k: each program reads the clock and does nothing else" {
	probe_start -k syscalls:sys_enter_getpid syscalls:sys_exit_getpid
	for id in $PROBE_IDS; do
		run bpftool prog dump xlated id "$id"
		[ "$status" -eq 0 ]
		echo "$output"
		[ "$(grep -c '^ *[0-9]*:' <<<"$output")" -eq 3 ]
		[ "$(grep -c 'call bpf_ktime_get_ns' <<<"$output")" -eq 1 ]
	done
}

@test "-m: each program reads the clock and adds it to one array element, inlined lookup" {
	probe_start -m syscalls:sys_enter_getpid syscalls:sys_exit_getpid
	for id in $PROBE_IDS; do
		run bpftool prog dump xlated id "$id"
		[ "$status" -eq 0 ]
		echo "$output"
		[ "$(grep -c 'call' <<<"$output")" -eq 1 ]
		[ "$(grep -c 'call bpf_ktime_get_ns' <<<"$output")" -eq 1 ]
		[ "$(grep -c 'lock \*(u64 \*)(r0 +0) += r6' <<<"$output")" -eq 1 ]
	done
	# the kernel's own value of the map: the getpid calls made since added their clock reads
	map=$(bpftool prog show id "${PROBE_IDS%%$'\n'*}" -j | jq '.map_ids[0]')
	before=$(bpftool map lookup id "$map" key 0 0 0 0 -j | jq '.value | map(ltrimstr("0x")) | reverse | join("")')
	python3 -c 'import os; [os.getpid() for _ in range(10)]'
	after=$(bpftool map lookup id "$map" key 0 0 0 0 -j | jq '.value | map(ltrimstr("0x")) | reverse | join("")')
	echo "sum before $before after $after"
	[ "$after" != "$before" ]
}

@test "exit: detaches on SIGINT, leaves no program behind" {
	probe_start -k syscalls:sys_enter_getpid
	kill -INT "$PROBE_PID"
	wait "$PROBE_PID"
	PROBE_PID=
	for id in $PROBE_IDS; do
		run bpftool prog show id "$id"
		[ "$status" -ne 0 ]
	done
}

@test "bad flag: exit 2 with a sentence" {
	run "$GEN/emptyprobe" -x syscalls:sys_enter_getpid
	[ "$status" -eq 2 ]
	[[ $output == *"bad argument '-x'"* ]]
}
