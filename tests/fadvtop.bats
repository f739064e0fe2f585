#!/usr/bin/env bats
# fadvtop against real fadvise storms in cgroups named like containers.  Truth comes from the
# generator (its own call counts per advice, mincore() for pages in the page cache); every
# check selects rows by the cgroups or pids this file created, since other work runs here too.

load lib

FADVTOP=$BUILD/fadvtop
FADVGEN=$GEN/fadvgen

setup() {
	[ -x "$FADVTOP" ] || skip "build/fadvtop is not built"
	[ -x "$FADVGEN" ] || skip "build/tools/fadvgen is not built"
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	TMP=$(mktemp -d /var/tmp/fadvtop-test.XXXXXX)
	CGROUPS=()
	FPID=
}

teardown() {
	kill_test_processes
	[ -n "$FPID" ] && kill -TERM "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	for cg in "${CGROUPS[@]}"; do cgroup_delete "$cg"; done
	# new_cgroup runs in $(...) subshells, whose CGROUPS additions are lost: remove them all
	cgroup_delete "$(cgroup2_root)/$CGROUP_TEST_TOP"
	rm -rf "$TMP"
}

hex64() {
	od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# new_cgroup RELPATH: create it, remember it for teardown, echo the full path
new_cgroup() {
	local path
	path=$(cgroup_create "$1")
	CGROUPS+=("$path")
	echo "$path"
}

# start_fadvtop ARGS...: run it in the background until its five programs are attached
start_fadvtop() {
	"$FADVTOP" "$@" >"$TMP/out" 2>"$TMP/err" &
	FPID=$!
	wait_until "[ \$(ls -l /proc/$FPID/fd 2>/dev/null | grep -c 'bpf_link\|perf_event') -ge 10 ] ||
		! kill -0 $FPID 2>/dev/null" 10
	FIDS=$(prog_ids_of "$FPID")
	[ -n "$FIDS" ] && kill -0 "$FPID" 2>/dev/null && return 0
	echo "fadvtop did not attach: $(cat "$TMP/err")" >&2
	return 1
}

# stop_fadvtop: SIGINT, expect exit 0 and nothing left loaded
stop_fadvtop() {
	local status=0
	kill -INT "$FPID"
	wait "$FPID" || status=$?
	FPID=
	[ "$status" -eq 0 ] || {
		echo "fadvtop exited $status: $(cat "$TMP/err")" >&2
		return 1
	}
}

# gen_field OUTPUT KEY: the value of KEY=... in fadvgen's last line
gen_field() {
	tail -n1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# check_row JSONROW GENOUT: per-advice counts, histogram total and bounds against the generator
check_row() {
	local row=$1 gen=$2 a want got
	got=$(jq -r .calls <<<"$row")
	want=$(gen_field "$gen" calls)
	[ "$got" = "$want" ] || {
		echo "calls: fadvtop $got, generator $want" >&2
		return 1
	}
	for a in normal random sequential willneed dontneed noreuse; do
		got=$(jq -r ".by_advice.$a" <<<"$row")
		want=$(gen_field "$gen" "$a")
		[ "$got" = "$want" ] || {
			echo "$a: fadvtop $got, generator $want" >&2
			return 1
		}
	done
	got=$(jq '[.hist_ns[].count] | add // 0' <<<"$row")
	want=$(gen_field "$gen" calls)
	[ "$got" = "$want" ] || {
		echo "histogram total $got, calls $want" >&2
		return 1
	}
	# waiting is part of the time inside the call, never more
	jq -e '.lock_wait_ns <= .total_ns and .total_ns > 0' <<<"$row" >/dev/null
}

@test "fadvtop: three containers' storms are counted exactly, per advice, and named" {
	local a b c pod uid
	a=$(hex64) b=$(hex64) c=$(hex64)
	uid=$(cat /proc/sys/kernel/random/uuid)
	pod="kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice"
	local cga cgb cgc
	cga=$(new_cgroup "system.slice/docker-$a.scope")
	cgb=$(new_cgroup "$pod/cri-containerd-$b.scope")
	CGROUPS+=("$(cgroup2_root)/$CGROUP_TEST_TOP/kubepods.slice")
	cgc=$(new_cgroup "system.slice/docker-$c.scope")

	start_fadvtop -C -j 1
	local pa pb pc
	in_cgroup "$cga" "$FADVGEN" -n 3000 -a dontneed -f "$TMP/a.log" >"$TMP/gen.a" &
	pa=$!
	in_cgroup "$cgb" "$FADVGEN" -n 2000 -t 2 -a willneed,dontneed -f "$TMP/b.log" >"$TMP/gen.b" &
	pb=$!
	in_cgroup "$cgc" "$FADVGEN" -n 1200 -a normal,random,sequential,noreuse -f "$TMP/c.log" \
		>"$TMP/gen.c" &
	pc=$!
	wait "$pa" "$pb" "$pc"
	more_lines "$TMP/out" '"event":"interval"' # so the interval rows hold every call too
	stop_fadvtop

	local sum row id
	for id in a b c; do
		local hex=${!id}
		row=$(jq -c "select(.event == \"summary\") | .rows[] | select(.container_id == \"$hex\")" "$TMP/out")
		[ -n "$row" ] || {
			echo "no summary row for container $hex" >&2
			cat "$TMP/out" >&2
			return 1
		}
		check_row "$row" "$TMP/gen.$id"
		jq -e '.pid == null and .comm == null' <<<"$row" >/dev/null
		# the per-interval rows add up to the same calls
		sum=$(jq -s "[.[] | select(.event == \"interval\") | .rows[] | select(.container_id == \"$hex\") |
			.calls] | add" "$TMP/out")
		[ "$sum" = "$(gen_field "$TMP/gen.$id" calls)" ]
	done
	jq -e "select(.event == \"summary\") | .rows[] | select(.container_id == \"$a\") |
		.container == \"${a:0:12}\" and .pod == null and
		.cgroup == \"/$CGROUP_TEST_TOP/system.slice/docker-$a.scope\"" "$TMP/out"
	jq -e "select(.event == \"summary\") | .rows[] | select(.container_id == \"$b\") |
		.container == \"${b:0:12}\" and .pod == \"$uid\" and
		(.cgroup | endswith(\"cri-containerd-$b.scope\"))" "$TMP/out"
	progs_gone $FIDS
}

@test "fadvtop: -c keeps one cgroup's process, with its comm, pid and file" {
	local x y cgx cgy pid
	x=$(hex64) y=$(hex64)
	cgx=$(new_cgroup "system.slice/docker-$x.scope")
	cgy=$(new_cgroup "system.slice/docker-$y.scope")

	start_fadvtop -j -c "$CGROUP_TEST_TOP/system.slice/docker-$x.scope" 1
	in_cgroup "$cgx" "$FADVGEN" -n 500 -a dontneed -f "$TMP/x.log" >"$TMP/gen.x" &
	pid=$!
	in_cgroup "$cgy" "$FADVGEN" -n 700 -a willneed -f "$TMP/y.log" >"$TMP/gen.y"
	wait "$pid"
	stop_fadvtop

	pid=$(gen_field "$TMP/gen.x" pid)
	run jq -c 'select(.event == "summary") | .rows[]' "$TMP/out"
	[ "${#lines[@]}" -eq 1 ]
	check_row "${lines[0]}" "$TMP/gen.x"
	jq -e ".pid == $pid and .comm == \"fadvgen\" and .container_id == \"$x\"" <<<"${lines[0]}"
	jq -e '.files[0].file | endswith("x.log")' <<<"${lines[0]}"
	jq -e ".files[0].calls == 500" <<<"${lines[0]}"
}

@test "fadvtop: DONTNEED over N cached pages reports N dropped, the second one ~0" {
	local cg pages d1 d2 e1 e2 pid
	cg=$(new_cgroup "system.slice/docker-$(hex64).scope")

	start_fadvtop -j -e -c "$cg"
	in_cgroup "$cg" "$FADVGEN" -m cache -s 8388608 -f "$TMP/cache.dat" >"$TMP/gen"
	# both DONTNEED calls streamed (the checks below say what is wrong if not)
	wait_until "[ \$(grep -c '\"advice\":\"dontneed\"' '$TMP/out') -ge 2 ]" 10 || true
	stop_fadvtop

	pid=$(gen_field "$TMP/gen" pid)
	pages=$(grep cache "$TMP/gen" | tr ' ' '\n' | sed -n 's/^cached_before=//p')
	d1=$(grep cache "$TMP/gen" | tr ' ' '\n' | sed -n 's/^dropped1=//p')
	d2=$(grep cache "$TMP/gen" | tr ' ' '\n' | sed -n 's/^dropped2=//p')
	[ "$pages" -ge 2000 ] # 8 MiB read back: nearly all of its 2048 pages are cached
	run jq -r "select(.event == \"call\" and .pid == $pid and .advice == \"dontneed\") |
		.pages_dropped" "$TMP/out"
	[ "${#lines[@]}" -eq 2 ]
	e1=${lines[0]} e2=${lines[1]}
	echo "mincore: $pages cached, dropped $d1 then $d2; fadvtop: $e1 then $e2" >&2
	# within 2% of what mincore saw leave the cache
	[ $((e1 * 100)) -ge $((d1 * 98)) ]
	[ $((e1 * 100)) -le $((d1 * 102)) ]
	[ $((e2 * 100)) -le $((pages * 2)) ]
	jq -e "select(.event == \"summary\") | .rows[] | select(.pid == $pid) |
		.pages_dropped == $((e1 + e2)) and .by_advice.dontneed == 2" "$TMP/out"
}

@test "fadvtop: a hostile comm is escaped in the table and in JSON" {
	local cg evil
	cg=$(new_cgroup "system.slice/docker-$(hex64).scope")
	evil="$TMP/"$'ev\e[31mil'
	ln -s "$FADVGEN" "$evil"

	start_fadvtop -c "$cg" 1
	in_cgroup "$cg" "$evil" -n 200 -f "$TMP/evil.log" >/dev/null
	# an interval's table with the process in it
	wait_until "grep -q 'ev.x1b.31mil' '$TMP/out'" 10
	stop_fadvtop
	grep -q 'ev\\x1b\[31mil' "$TMP/out"
	! grep -q $'\e' "$TMP/out" || false

	start_fadvtop -j -c "$cg" 1
	in_cgroup "$cg" "$evil" -n 200 -f "$TMP/evil.log" >/dev/null
	stop_fadvtop
	jq -e 'select(.event == "summary") | .rows[0].comm == "ev\u001b[31mil"' "$TMP/out"
	! grep -q $'\e' "$TMP/out" || false
}

@test "fadvtop: bad input exits 2 with one line and the usage hint" {
	run "$FADVTOP" --bogus
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "fadvtop: unknown option '--bogus'" ]]
	[[ "${lines[1]}" == *"--help"* ]]
	run "$FADVTOP" 0
	[ "$status" -eq 2 ]
	run "$FADVTOP" --min-us 10
	[ "$status" -eq 2 ]
	[[ "$output" == *"--min-us only makes sense with --events"* ]]
	run "$FADVTOP" -c /no/such/cgroup
	[ "$status" -eq 2 ]
	run "$FADVTOP" -n 0
	[ "$status" -eq 2 ]
	run "$FADVTOP" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--containers"* ]]
}

@test "fadvtop: SIGTERM prints the totals and leaves no program loaded" {
	start_fadvtop -j 60
	# its own five programs, by id: other fadvtop processes may run on this host
	[ "$(wc -w <<<"$FIDS")" -ge 5 ]
	progs_loaded $FIDS
	kill -TERM "$FPID"
	wait "$FPID"
	FPID=
	jq -e 'select(.event == "summary") | .rows | type == "array"' "$TMP/out"
	progs_gone $FIDS
}

@test "fadvtop: a storm over many short intervals: each call in exactly one interval" {
	local cg x pid n
	x=$(hex64)
	cg=$(new_cgroup "system.slice/docker-$x.scope")
	# the threads' batches change hands at every read: calls made while user space takes one
	# epoch land in the next, never in both and never in neither
	start_fadvtop -j 0.05
	in_cgroup "$cg" "$FADVGEN" -n 20000 -t 2 -a dontneed,willneed -f "$TMP/s.log" >"$TMP/gen.s"
	more_lines "$TMP/out" '"event":"interval"'
	stop_fadvtop
	pid=$(gen_field "$TMP/gen.s" pid)
	jq -c "select(.event == \"interval\") | .rows[] | select(.pid == $pid)" "$TMP/out" >"$TMP/rows"
	n=$(wc -l <"$TMP/rows")
	echo "calls spread over $n intervals"
	[ "$n" -ge 3 ]
	[ "$(jq -s 'map(.calls) | add' "$TMP/rows")" = "$(gen_field "$TMP/gen.s" calls)" ]
	[ "$(jq -s 'map(.by_advice.willneed) | add' "$TMP/rows")" = \
		"$(gen_field "$TMP/gen.s" willneed)" ]
	# within every interval, the histogram holds exactly that interval's calls
	jq -s -e 'all(([.hist_ns[].count] | add) == .calls)' "$TMP/rows" >/dev/null
	check_row "$(jq -c "select(.event == \"summary\") | .rows[] | select(.pid == $pid)" "$TMP/out")" \
		"$TMP/gen.s"
}

@test "fadvtop: the table's DONTNEED column is a rate per second in intervals, a count in the totals" {
	local cg
	cg=$(new_cgroup "system.slice/docker-$(hex64).scope")
	start_fadvtop -c "$cg" 1
	in_cgroup "$cg" "$FADVGEN" -a dontneed -n 300 -f "$TMP/dn.log" >"$TMP/gen"
	sleep 1.2
	stop_fadvtop
	cat "$TMP/out"
	[ "$(gen_field "$TMP/gen" dontneed)" -eq 300 ]
	# intervals: both columns per second, labelled so
	grep -q '^CONTAINER .* CALLS/s  *DONTNEED/s ' "$TMP/out"
	# the totals: counts, and the DONTNEED count is the generator's
	sed -n '/^Totals over/,$p' "$TMP/out" >"$TMP/totals"
	grep -q '^CONTAINER .* CALLS  *DONTNEED  ' "$TMP/totals"
	awk -v want=300 '$2 == "-" || $2 ~ /^[0-9]+$/ { if ($4 == want && $5 == want) ok = 1 }
		END { exit !ok }' "$TMP/totals"
}

@test "fadvtop: past its table's rows, the calls no row holds are unattributed and the totals are every call" {
	local cg want n
	cg=$(new_cgroup "fadvloss-$$")
	# the (cgroup, process, file) table shrunk to 32 rows against 300 processes, 4 calls each:
	# the kernel evicts rows before fadvtop reads them
	KSCOPE_TABLE_ROWS=32 start_fadvtop -c "$cg" -n 100000 -j 0.5
	in_cgroup "$cg" sh -c 'for i in $(seq 300); do "$0" -n 4 -a willneed -f "$1" || exit; done' \
		"$FADVGEN" "$TMP/u.log" >"$TMP/gen"
	# one interval after the last call: every call is settled in the intervals' figures
	more_lines "$TMP/out" '"event":"interval"'
	more_lines "$TMP/out" '"event":"interval"'
	stop_fadvtop
	n=$(grep -c '^fadvgen ' "$TMP/gen")
	want=$(sed -n 's/^fadvgen .* calls=\([0-9]*\) .*/\1/p' "$TMP/gen" | awk '{ s += $1 } END { print s }')
	echo "generator: $n processes, $want calls"
	jq -c 'select(.event == "summary") | {calls, unattributed, rows: ([.rows[].calls] | add)}' \
		"$TMP/out"
	[ "$n" -eq 300 ]
	[ "$want" -eq 1200 ]
	# the summary: every call, and the rows plus what no row holds add up to it
	jq -e --argjson w "$want" 'select(.event == "summary") | .calls == $w and
		.unattributed.calls > 0 and ([.rows[].calls] | add // 0) + .unattributed.calls == $w' \
		"$TMP/out" >/dev/null
	# the intervals: each call in exactly one, in a row or unattributed
	[ "$(jq -s 'map(select(.event == "interval") | .calls) | add' "$TMP/out")" -eq "$want" ]
	jq -s -e 'all(.[] | select(.event == "interval"); ([.rows[].calls] | add // 0) +
		.unattributed.calls == .calls)' "$TMP/out" >/dev/null
}

@test "fadvtop -C: cgroups gone before they are shown keep their cgroup_id, each with its calls" {
	local top i cg ids=()
	top=$(new_cgroup "fadvshort-$$")
	start_fadvtop -C -j -c "$CGROUP_TEST_TOP/fadvshort-$$" 0.5
	# 40 cgroups that live for one fadvgen run of 5 calls each, removed at once
	for ((i = 0; i < 40; i++)); do
		cg="$top/c$i"
		mkdir "$cg"
		ids+=("$(stat -c %i "$cg")")
		in_cgroup "$cg" "$FADVGEN" -n 5 -a willneed -f "$TMP/c.log" >>"$TMP/gen"
		wait_until "rmdir '$cg' 2>/dev/null" 5
	done
	more_lines "$TMP/out" '"event":"interval"'
	stop_fadvtop
	[ "$(grep -c '^fadvgen .* calls=5 ' "$TMP/gen")" -eq 40 ]
	jq -c 'select(.event == "summary") | {calls, unattributed, rows: [.rows[] | [.cgroup_id, .cgroup, .calls]]}' \
		"$TMP/out"
	# every call, all of them in rows (the table is far from full)
	jq -e 'select(.event == "summary") | .calls == 200 and .unattributed.calls == 0' \
		"$TMP/out" >/dev/null
	# each gone cgroup: one row under its id, with its 5 calls, and its path as an interval
	# resolved it while the cgroup lived, or null (it was gone before any read)
	for i in "${!ids[@]}"; do
		jq -e --argjson id "${ids[$i]}" --arg path "/$CGROUP_TEST_TOP/fadvshort-$$/c$i" \
			'select(.event == "summary") | [.rows[] | select(.cgroup_id == $id)] |
			length == 1 and .[0].calls == 5 and (.[0].cgroup == null or .[0].cgroup == $path)' \
			"$TMP/out" >/dev/null || {
			echo "cgroup c$i (id ${ids[$i]}): $(jq -c --argjson id "${ids[$i]}" \
				'select(.event == "summary") | .rows[] | select(.cgroup_id == $id)' "$TMP/out")" >&2
			return 1
		}
	done
	# most were gone before fadvtop looked them up: the id is what names them
	[ "$(jq 'select(.event == "summary") | [.rows[] | select(.cgroup == null)] | length' \
		"$TMP/out")" -gt 0 ]
}
