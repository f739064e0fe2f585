#!/usr/bin/env bats
# The steps every loader shares (user/lib/setup.c: setup_load_attach): load, attach, and with
# -v one "attached SECTION (program)" line per program, the same in all five tools.  Truth: the
# program ids the tool's own process holds (/proc/PID/fdinfo) and bpftool's names for them.

load lib

setup() {
	OUT=$BATS_TEST_TMPDIR/out
	ERR=$BATS_TEST_TMPDIR/err
	TOOL_PID=
}

teardown() {
	kill_test_processes
	[ -n "$TOOL_PID" ] && kill -INT "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	true
}

@test "-v: each tool names every program its process holds, one 'attached' line each" {
	local t ids held said
	for t in tcpwait forklat fadvtop mcewatch "netcheck watch"; do
		# shellcheck disable=SC2086
		tool_bg "$BUILD"/$t -v 10
		mapfile -t ids < <(prog_ids_of "$TOOL_PID")
		held=$(for id in "${ids[@]}"; do bpftool prog show id "$id" -j | jq -r .name; done |
			sort)
		said=$(sed -nE "s/^$t: attached [^ ]+ \(([a-z0-9_]+)\)$/\1/p" "$ERR" | sort)
		tool_end
		echo "$t: holds [$(echo $held)], says [$(echo $said)]"
		[ -n "$held" ]
		[ "$held" = "$said" ]
	done
}
