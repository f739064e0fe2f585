#!/usr/bin/env bats
# netcheck: the audit against fixture trees of hosts set up in known ways and against this host
# (values equal to what cat and ethtool print), and watch against a real epoll server whose own
# counts (epoll_wait calls, events per call, voluntary context switches) and /proc/softirqs are
# the truth.  Workloads run in a network namespace this file creates; watch is filtered to the
# server's pid, since other work runs on this machine too.

load lib

NETCHECK=$BUILD/netcheck
EPB=$GEN/epollbench
FIX=$KSCOPE_ROOT/tests/fixtures/netcheck

setup() {
	[ -x "$NETCHECK" ] || skip "build/netcheck is not built"
	command -v jq >/dev/null || skip "jq is not installed"
	TMP=$(mktemp -d /var/tmp/netcheck-test.XXXXXX)
	NS= SPID= WPID=
}

teardown() {
	kill_test_processes
	[ -n "$WPID" ] && kill -TERM "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$NS" ] && netns_delete "$NS"
	[ -n "${CG:-}" ] && cgroup_delete "$CG"
	rm -rf "$TMP"
}

# row FILE SECTION SETTING FIELD: one field of one audit row from --json output
row() {
	jq -r --arg s "$2" --arg n "$3" "select(.section == \$s and .setting == \$n) | .$4" "$1"
}

audit_fixture() {
	"$NETCHECK" audit --json --root "$FIX/$1" >"$TMP/$1.json"
}

@test "audit: a tuned host: SMT, turbo, governor, C-states, queues, IRQs all say ok" {
	audit_fixture tuned
	f=$TMP/tuned.json
	[ "$(row $f cpu smt status)" = ok ]
	[ "$(row $f cpu turbo status)" = ok ]
	[ "$(row $f cpu turbo raw)" = 1 ]
	[ "$(row $f cpu governor value)" = "performance on all 8 CPUs" ]
	[ "$(row $f cpu cstates status)" = ok ]
	[ "$(row $f mitigation spectre_v2 status)" = ok ] # Vulnerable, with mitigations=off
	[ "$(row $f eth0 queues status)" = ok ]
	[ "$(row $f eth0 queues value)" = "8 rx, 8 tx for 8 CPUs" ]
	[[ $(row $f eth0 irqs value) == "8 IRQs, 400028 interrupts over 8 CPUs;"* ]]
	[ "$(row $f eth0 xps value)" = "on for 8 of 8 queues (tx-0 -> 01)" ]
	[ "$(row $f net busy_poll value)" = "50 us" ]
	[ "$(jq -r 'select(.status == "warn")' $f)" = "" ]
}

@test "audit: turbo boost and SMT on, mixed governors, every IRQ on CPU 0: each is a warning" {
	audit_fixture turbo-smt
	f=$TMP/turbo-smt.json
	[ "$(row $f cpu smt status)" = warn ]
	[ "$(row $f cpu smt value)" = "on (control: on)" ]
	[ "$(row $f cpu turbo status)" = warn ]
	[ "$(row $f cpu turbo source)" = /sys/devices/system/cpu/cpufreq/boost ]
	[ "$(row $f cpu governor status)" = warn ]
	[ "$(row $f cpu governor value)" = "performance on 4, schedutil on 4" ]
	[ "$(row $f cpu governor fix)" = "cpupower frequency-set -g performance" ]
	[ "$(row $f mitigation retbleed status)" = warn ]
	# a vulnerability's name longer than the old 24-byte field keeps its whole name
	[ "$(row $f mitigation indirect_target_selection status)" = warn ]
	[ "$(row $f mitigation indirect_target_selection source)" = \
		/sys/devices/system/cpu/vulnerabilities/indirect_target_selection ]
	# and in the table its value starts under VALUE, like every other row's
	"$NETCHECK" audit --root "$FIX/turbo-smt" >"$TMP/table.txt"
	col=$(awk 'NR == 1 { print index($0, "VALUE") }' "$TMP/table.txt")
	[ "$(grep '^warn  mitigation.indirect_target_selection ' "$TMP/table.txt" | cut -c"$col"-)" = \
		"Mitigation: Aligned branch/return thunks" ]
	[ "$(row $f eth1 irqs status)" = warn ]
	# eth10-rx is another interface's IRQ and must not be counted as eth1's
	[[ $(row $f eth1 irqs value) == "5 IRQs, 36009 interrupts, all on CPU 0;"* ]]
	[ "$(row $f eth1 queues status)" = warn ]
}

@test "audit: deep C-states enabled: the deepest exit latency is named" {
	audit_fixture deep-cstates
	f=$TMP/deep-cstates.json
	[ "$(row $f cpu cstates status)" = warn ]
	[[ $(row $f cpu cstates value) == *"deepest enabled exits in 133 us" ]]
	[[ $(row $f cpu cstates fix) == "cpupower idle-set -D 5"* ]]
	[ "$(row $f cpu turbo value)" = "on (intel_pstate no_turbo=0)" ]
	[ "$(row $f mitigation meltdown status)" = warn ]
	# no interfaces in this tree: no interface rows, and no error
	[ "$(jq -r 'select(.setting == "queues")' $f)" = "" ]
}

@test "audit: one NIC queue on 8 cores" {
	audit_fixture one-queue
	f=$TMP/one-queue.json
	[ "$(row $f enp1s0 queues status)" = warn ]
	[ "$(row $f enp1s0 queues value)" = "1 rx, 1 tx for 8 CPUs" ]
	[ "$(row $f enp1s0 queues fix)" = "ethtool -L enp1s0 combined 8 if the NIC has the queues; else RPS" ]
	[ "$(row $f enp1s0 irqs value)" = "1 IRQs, 777 interrupts, all on CPU 3; 122 enp1s0->3" ]
	[ "$(row $f enp1s0 driver value)" = "e1000e (0000:01:00.0)" ]
	[ "$(row $f enp1s0 coalescing status)" = n/a ]
}

@test "audit: conntrack and legacy iptables loaded" {
	audit_fixture conntrack
	f=$TMP/conntrack.json
	[ "$(row $f netfilter conntrack status)" = warn ]
	[ "$(row $f netfilter conntrack value)" = "loaded, 1234 entries (max 65536)" ]
	[ "$(row $f netfilter iptables value)" = "legacy ip_tables loaded, tables: nat filter" ]
	[ "$(row $f netfilter nftables status)" = n/a ]
}

@test "audit: every row from one file carries that file's content, on every fixture" {
	for fx in tuned turbo-smt deep-cstates one-queue conntrack; do
		audit_fixture $fx
		while IFS=$'\t' read -r src raw; do
			want=$(tr '\n' ' ' <"$FIX/$fx$src" | sed 's/ *$//')
			[ "$raw" = "$want" ] || { echo "$fx $src: '$raw' != '$want'"; return 1; }
		done < <(jq -r 'select(.source != null) | [.source, .raw] | @tsv' "$TMP/$fx.json")
	done
}

@test "audit on this host: every row present, file values equal what cat prints" {
	"$NETCHECK" audit --json >"$TMP/live.json"
	f=$TMP/live.json
	for s in "cpu online" "cpu smt" "cpu turbo" "cpu governor" "cpu cstates" \
		"net busy_poll" "net busy_read" "netfilter conntrack" "netfilter nftables"; do
		[ -n "$(row $f $s status)" ] || { echo "missing row $s"; return 1; }
	done
	for i in $(ls /sys/class/net); do
		[ "$i" = lo ] && continue
		for s in driver queues rps xps coalescing channels offloads; do
			[ -n "$(row $f "$i" $s status)" ] || { echo "missing row $i $s"; return 1; }
		done
	done
	n=0
	while IFS=$'\t' read -r src raw; do
		want=$(tr '\n' ' ' <"$src" | sed 's/ *$//')
		[ "$raw" = "$want" ] || { echo "$src: '$raw' != '$want'"; return 1; }
		n=$((n + 1))
	done < <(jq -r 'select(.source != null) | [.source, .raw] | @tsv' "$f")
	[ "$n" -ge 5 ]
	rx=$(ls -d /sys/class/net/eth0/queues/rx-* 2>/dev/null | wc -l)
	[ ! -e /sys/class/net/eth0 ] || [[ $(row $f eth0 queues value) == "$rx rx,"* ]]
}

@test "audit on this host: coalescing, channels and offloads equal ethtool's" {
	if ! command -v ethtool >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q ethtool >/dev/null 2>&1 ||
			skip "ethtool is not installed and could not be installed"
	fi
	"$NETCHECK" audit --json >"$TMP/live.json"
	f=$TMP/live.json
	checked=0
	for i in $(ls /sys/class/net); do
		[ "$i" = lo ] && continue
		co=$(row $f "$i" coalescing value)
		if ethtool -c "$i" >"$TMP/c" 2>&1; then
			for k in rx-usecs rx-frames tx-usecs tx-frames; do
				v=$(awk -v k="$k:" '$1 == k { print $2 }' "$TMP/c")
				[ -z "$v" ] || [ "$v" = n/a ] || [[ $co == *"$k $v "* || $co == *"$k $v" ]] ||
					{ echo "$i $k: ethtool $v, netcheck '$co'"; return 1; }
			done
		else
			[ "$co" = "not supported by this driver" ] || { echo "$i: '$co'"; return 1; }
		fi
		ch=$(row $f "$i" channels value)
		if ethtool -l "$i" >"$TMP/l" 2>&1; then
			cur=$(awk '/^Current hardware settings/ { c = 1 } c && $1 == "Combined:" { print $2 }' "$TMP/l")
			[[ $ch == "combined $cur "* ]] || { echo "$i: combined $cur vs '$ch'"; return 1; }
		else
			[[ $ch == "not supported by this driver"* ]] || { echo "$i: '$ch'"; return 1; }
		fi
		ethtool -k "$i" >"$TMP/k"
		gro=$(awk '$1 == "generic-receive-offload:" { print $2 }' "$TMP/k")
		tso=$(awk '$1 == "tcp-segmentation-offload:" { print $2 }' "$TMP/k")
		lro=$(awk '$1 == "large-receive-offload:" { print $2 }' "$TMP/k")
		[ "$(row $f "$i" offloads value)" = "gro $gro, lro $lro, tso $tso" ] ||
			{ echo "$i: gro $gro lro $lro tso $tso vs '$(row $f "$i" offloads value)'"; return 1; }
		checked=$((checked + 1))
	done
	[ "$checked" -ge 1 ] || skip "no interface but lo here"
}

@test "audit: bad input exits 2 with one line, a missing --root exits 1" {
	run "$NETCHECK" audit nosuchif0
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "netcheck audit: no interface 'nosuchif0' here"* ]]
	run "$NETCHECK" audit --bogus
	[ "$status" -eq 2 ]
	run "$NETCHECK"
	[ "$status" -eq 2 ]
	run "$NETCHECK" frobnicate
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "netcheck: unknown command 'frobnicate'"* ]]
	run "$NETCHECK" audit --root /nonexistent/dir
	[ "$status" -eq 1 ]
	run "$NETCHECK" watch 0
	[ "$status" -eq 2 ]
	run "$NETCHECK" watch --top 0
	[ "$status" -eq 2 ]
}

# serve ARGS...: an epollbench server in the test's netns, waiting for SIGUSR1 to start
serve() {
	NS=$(netns_create netcheck)
	ip netns exec "$NS" "$EPB" server -w "$@" >"$TMP/server" 2>&1 &
	SPID=$!
	wait_for_file "$TMP/server" 5
	[ "$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$TMP/server")" = "$SPID" ]
}

# watch ARGS...: netcheck watch in the background until it has attached
watch_start() {
	rm -f "$TMP/watch" "$TMP/watch.err" # or a previous run's "Tracing" line counts
	"$NETCHECK" watch "$@" >"$TMP/watch" 2>"$TMP/watch.err" &
	WPID=$!
	wait_until "grep -q '^Tracing' '$TMP/watch.err' || ! kill -0 $WPID 2>/dev/null" 30
	WIDS=$(prog_ids_of $WPID)
	grep -q '^Tracing' "$TMP/watch.err" && [ -n "$WIDS" ] && return 0
	cat "$TMP/watch.err"
	return 1
}

watch_stop() {
	kill -INT $WPID
	wait $WPID
	WPID=
}

# run_load CONNS REQUESTS: release the server, drive it, wait until it has served them all
run_load() {
	kill -USR1 $SPID
	ip netns exec "$NS" "$EPB" client -c "$1" -n "$2" >"$TMP/client"
	wait $SPID
	SPID=
}

# the server's own events_hist as the tool's JSON histogram prints it: [[low,count]...]
server_hist() {
	sed -n 's/^events_hist=//p' "$TMP/server" | tr ',' '\n' |
		awk -F: '{ printf "%s%d,%s", (NR > 1 ? " " : ""), ($1 == 0 ? 0 : 2 ^ ($1 - 1)), $2 }'
}

tool_proc() { # the summary's row for the server
	tail -n 1 "$TMP/watch" | jq -c --argjson p "$1" '.procs[] | select(.pid == $p)'
}

server_kv() { sed -n "s/^$1=//p" "$TMP/server"; }

# watch_served CLIENTS REQUESTS SERVE_ARGS...: one load against a server that `watch --json -p`
# follows; p is then the summary's row for the server.  Both sides go to the failure log.
watch_served() {
	local clients=$1 requests=$2 pid
	shift 2
	[ -x "$EPB" ] || skip "build/tools/epollbench is not built"
	serve -n "$requests" "$@"
	pid=$SPID # run_load clears SPID once the server is gone
	watch_start --json -p "$pid" 1
	run_load "$clients" "$requests"
	watch_stop
	p=$(tool_proc "$pid")
	echo "netcheck: $p"
	cat "$TMP/server"
	# every epoll_wait and every event the server counted, no more
	[ "$(jq .calls <<<"$p")" -eq "$(server_kv epoll_waits)" ]
	[ "$(jq .events <<<"$p")" -eq "$(server_kv events)" ]
}

@test "watch: one-call processes overflow the process table: rows plus unattributed are every call" {
	[ -x "$EPB" ] || skip "build/tools/epollbench is not built"
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	CG=$(cgroup_create "kscope-test-netcheck-churn-$$")
	mkfifo "$TMP/go"
	# 300 processes of one epoll_wait each against a table shrunk to 32 rows (1024 would
	# take thousands of processes): the BPF side counts every call apart from the table
	bash -c 'echo $$ >"$2/cgroup.procs"; read -r _ <"$1"; exec "$3" once -n 300' \
		_ "$TMP/go" "$CG" "$EPB" >"$TMP/once" &
	loop=$!
	KSCOPE_TABLE_ROWS=32 watch_start --json -c "$CG" 1
	echo go >"$TMP/go"
	wait "$loop"
	# one more interval after the last call, so the intervals hold every call too
	n=$(wc -l <"$TMP/watch")
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$TMP/watch")" -gt "$n" ] && break
		sleep 0.1
	done
	watch_stop
	cat "$TMP/once"
	calls=$(sed -n 's/^epoll_waits=//p' "$TMP/once")
	[ "$calls" -eq 300 ]
	summary=$(tail -n 1 "$TMP/watch")
	jq -c '{event, unattributed, rows: ([.procs[].calls] | add)}' "$TMP/watch"
	# the table overflowed, and what its rows miss is counted, not dropped
	[ "$(jq .unattributed.calls <<<"$summary")" -gt 0 ]
	[ $(($(jq '[.procs[].calls] | add // 0' <<<"$summary") + \
		$(jq .unattributed.calls <<<"$summary"))) -eq "$calls" ]
	# and so do the intervals'
	[ "$(jq -s '[.[] | select(.event == "interval") | ([.procs[].calls] | add // 0) +
		.unattributed.calls] | add' "$TMP/watch")" -eq "$calls" ]
}

@test "watch: one connection, blocking epoll_wait: calls, events, sleeps equal the server's counts" {
	watch_served 1 20000 -t -1
	[ "$(jq .timeout_block <<<"$p")" -eq "$(server_kv epoll_waits)" ]
	# 1 connection, one request in flight: every call returns exactly one event
	[ "$(jq -r '[.events_hist[] | "\(.low),\(.count)"] | join(" ")' <<<"$p")" = "$(server_hist)" ]
	[ "$(jq -r '.events_hist | length' <<<"$p")" -eq 1 ]
	[ "$(jq -r '.events_hist[0].low' <<<"$p")" -eq 1 ]
	# each sleep in epoll_wait is one voluntary switch of this single-threaded server
	slept=$(jq .slept <<<"$p") vcsw=$(server_kv voluntary_switches)
	echo "slept $slept, voluntary switches $vcsw"
	[ "$slept" -le "$vcsw" ]
	[ "$slept" -ge $((vcsw * 98 / 100)) ]
	[ "$slept" -gt 0 ]
	# every sleep that ended in a wakeup has a wakeup-to-running delay
	[ "$(jq '[.wake_us_hist[].count] | add' <<<"$p")" -ge $((slept * 98 / 100)) ]
	[ "$(tail -n 1 "$TMP/watch" | jq .missed_events)" -eq 0 ]
}

@test "watch: 64 connections with a request in flight each: events per call as the server counted, mostly >1" {
	# 20 us of work per wakeup, as a real server has: the other clients' requests arrive
	# meanwhile (without it, on an idle 2-core machine the server often keeps up one by one)
	watch_served 64 50000 -t 1000 -W 20
	[ "$(jq -r '[.events_hist[] | "\(.low),\(.count)"] | join(" ")' <<<"$p")" = "$(server_hist)" ]
	# timeout 1000 ms: all in the [512, 1023] ms slot
	[ "$(jq -r '[.timeout_ms_hist[] | "\(.low),\(.count)"] | join(" ")' <<<"$p")" = "512,$(server_kv epoll_waits)" ]
	multi=$(jq '[.events_hist[] | select(.low >= 2) | .count] | add' <<<"$p")
	echo "calls $(server_kv epoll_waits), with more than one event $multi"
	[ $((multi * 2)) -gt "$(server_kv epoll_waits)" ]
}

@test "watch: busy polling (timeout 0) never sleeps in epoll_wait" {
	watch_served 1 5000 -t 0
	[ "$(jq .timeout_zero <<<"$p")" -eq "$(server_kv epoll_waits)" ]
	[ "$(jq '.events_hist[] | select(.low == 0) | .count' <<<"$p")" -eq "$(server_kv zero_returns)" ]
	[ "$(jq .slept <<<"$p")" -le "$(server_kv voluntary_switches)" ]
	[ "$(jq .slept <<<"$p")" -eq 0 ]
}

# softirq_window: netcheck watch --json 2 6 with /proc/softirqs read as soon as the first byte
# of each interval line arrives (the tool writes a line after reading its maps; cpus_ts says
# when it read the per-CPU counts), with builtins only.  Compares intervals 2..6 with the
# /proc/softirqs delta between lines 1 and 6.
# Returns 0 when they agree, 1 when they do not, 2 when the two reads could not be aligned
# (this shell ran too late after the tool's line, more than 30 ms apart at the two ends, as
# happens when other work loads both cores): then the comparison says nothing either way.
softirq_window() {
	local n=0 first soft rest t0 t c v want got diff checked=0 win skew slack missed lo1 hi1 lo6 hi6
	local rcu_got=0 rcu_want=0 rcu_slack=0
	rm -f "$TMP"/soft.* "$TMP"/line.* "$TMP"/t.* "$TMP/fifo"
	mkfifo "$TMP/fifo"
	"$NETCHECK" watch --json 2 6 >"$TMP/fifo" 2>"$TMP/watch.err" &
	WPID=$!
	while IFS= read -r -n 1 first; do
		n=$((n + 1))
		t0=$EPOCHREALTIME
		IFS= read -r -d '' soft </proc/softirqs || true # EOF ends it: status 1
		t=$EPOCHREALTIME
		IFS= read -r rest
		printf '%s' "$soft" >"$TMP/soft.$n"
		printf '%s%s\n' "$first" "$rest" >"$TMP/line.$n"
		echo "$t0 $t" >"$TMP/t.$n" # the read happened between the two
	done <"$TMP/fifo"
	wait $WPID
	WPID=
	[ "$n" -eq 7 ] || { echo "$n lines instead of 7"; return 1; } # 6 intervals, the summary
	# The lag of each /proc/softirqs read behind the tool's read of its per-CPU counts
	# (cpus_ts, not the line's ts: the other maps' reads and the diff come between, and a tool
	# preempted there at one end makes the windows differ by more than the lags show), the
	# read known only to lie between the EPOCHREALTIME before and after it (a preemption after
	# it would pass for lag): skew is the most the two windows can differ by.
	read -r lo1 hi1 < <(jq -r --arg t "$(cat "$TMP/t.1")" '($t | split(" ") | map(tonumber)) as [$a, $b] | "\($a - .cpus_ts) \($b - .cpus_ts)"' "$TMP/line.1")
	read -r lo6 hi6 < <(jq -r --arg t "$(cat "$TMP/t.6")" '($t | split(" ") | map(tonumber)) as [$a, $b] | "\($a - .cpus_ts) \($b - .cpus_ts)"' "$TMP/line.6")
	echo "reads behind the tool's reads: ${lo1}..${hi1} s and ${lo6}..${hi6} s"
	jq -r '"line written \(.ts - .cpus_ts) s after the read"' "$TMP/line.1" "$TMP/line.6"
	skew=$(awk -v a="$lo1" -v b="$hi1" -v c="$lo6" -v d="$hi6" 'BEGIN {
		x = d - a; y = b - c; if (x < 0) x = -x; if (y < 0) y = -y; print (x > y ? x : y) }')
	awk -v s="$skew" 'BEGIN { exit !(s < 0.03) }' || return 2
	# What the misalignment can explain, and no more: a vector running at R/s gains or loses
	# R x skew (+5 ms for the tool's own read of its per-CPU counts) between the two
	# windows, and each of the two boundaries may be off by 2 events of any vector (softirqs
	# raised around the tool's and this reader's own wake-ups: seen 183 of 187 SCHED).  Other load on the host (busy CPUs: SCHED, TIMER, RCU) raises R, so this bound
	# grows with it, where a fixed 2% failed at 194 of 199 SCHED softirqs on a busy host.
	win=$(jq -s -r '.[1].cpus_ts - .[0].cpus_ts' "$TMP/line.1" "$TMP/line.6")
	skew=$(awk -v s="$skew" 'BEGIN { print s + 0.005 }')
	# runs of its programs the kernel skipped (another BPF program on that CPU when the
	# softirq came: other kscope tools, a busy host), as the tool reports them: the counts
	# may fall short by that many, never more (DESIGN.md, lib.bash's counted)
	missed=$(jq '.missed_events // 0' "$TMP/line.7")
	echo "missed runs reported: $missed"
	cat "$TMP"/line.{2,3,4,5,6} | jq -s -r '
		[.[].cpus[]] | group_by(.cpu)[] | .[0].cpu as $c |
		(.[0].softirqs | keys[]) as $v | "\($c) \($v) \(map(.softirqs[$v]) | add)"' >"$TMP/tool"
	awk 'FNR == 1 { next } { for (i = 2; i <= NF; i++) v[FILENAME, $1, i - 2] = $i; names[$1] = 1; ncpu = NF - 1 }
	     END { for (n in names) for (c = 0; c < ncpu; c++) {
		     nm = n; sub(":", "", nm)
		     print c, nm, v[ARGV[2], n, c] - v[ARGV[1], n, c] } }' "$TMP/soft.1" "$TMP/soft.6" >"$TMP/truth"
	while read -r c v want; do
		got=$(awk -v c=$c -v v=$v '$1 == c && $2 == v { print $3 }' "$TMP/tool")
		[ -n "$got" ] || { echo "no tool count for CPU $c $v"; return 1; }
		diff=$((got > want ? got - want : want - got))
		slack=$(awk -v w="$want" -v s="$skew" -v t="$win" 'BEGIN { printf "%d", w * s / t + 4 }')
		echo "CPU $c $v: tool $got, /proc/softirqs $want (misalignment explains $slack)"
		if [ "$v" = RCU ]; then
			# on 6.18 the softirq_entry tracepoint itself fires for fewer RCU softirqs than
			# /proc/softirqs counts: bpftrace on it runs as short as the tool, by an amount
			# that grows with the window (docs/netcheck.md; 33 of 42 seen under CI's load).
			# Not half of it lost, nor half again made up on one CPU (seen: CPU 1 36 above,
			# CPU 0 38 below, in one 10 s window: the RCU tracepoint is not per-CPU exact),
			# and over all CPUs never above /proc/softirqs (checked after the loop).
			[ "$got" -le $((want * 3 / 2 + slack)) ] && [ $((got * 2)) -ge "$want" ] || return 1
			rcu_got=$((rcu_got + got)) rcu_want=$((rcu_want + want)) rcu_slack=$((rcu_slack + slack))
			[ "$diff" -le 2 ] || echo "note: CPU $c RCU short by $diff (known, see docs)"
		elif [ "$want" -ge 100 ]; then
			[ $((diff * 100)) -le $((want * 2)) ] || [ "$diff" -le "$slack" ] ||
				{ [ "$got" -lt "$want" ] && [ "$diff" -le $((slack + missed)) ]; } || return 1
			checked=$((checked + 1))
		elif [ "$v" = NET_RX ] || [ "$v" = NET_TX ]; then
			[ "$diff" -le "$slack" ] ||
				{ [ "$got" -lt "$want" ] && [ "$diff" -le $((slack + missed)) ]; } || return 1
		else
			# 2% of under 100 is less than one event: too few to judge
			[ "$diff" -le 2 ] || echo "note: CPU $c $v differs by $diff (too few to judge)"
		fi
	done <"$TMP/truth"
	[ "$checked" -ge 2 ] || { echo "fewer than 2 busy vectors"; return 1; }
	echo "RCU over all CPUs: tool $rcu_got, /proc/softirqs $rcu_want"
	[ "$rcu_got" -le $((rcu_want + rcu_slack)) ] || return 1
	grep -q "NET_RX" "$TMP/tool"
}

@test "watch: per-CPU softirq counts match /proc/softirqs deltas over the same intervals (2%)" {
	[ -x "$EPB" ] || skip "build/tools/epollbench is not built"
	# loopback traffic in the background, so NET_RX has something to count
	serve -n 0 -t -1
	kill -USR1 $SPID
	ip netns exec "$NS" "$EPB" client -c 8 -n 2000000 >/dev/null 2>&1 &
	cpid=$!
	for attempt in 1 2 3; do
		status=0
		softirq_window || status=$?
		[ $status -ne 2 ] && break
	done
	kill $cpid 2>/dev/null || true
	wait $cpid 2>/dev/null || true
	[ $status -ne 2 ] || skip "the machine was too loaded to read /proc/softirqs within 30 ms of netcheck's intervals in 3 tries"
	[ $status -eq 0 ]
}

@test "watch: human output has the tables, and exit leaves no netcheck program loaded" {
	[ -x "$EPB" ] || skip "build/tools/epollbench is not built"
	serve -n 2000 -t -1
	pid=$SPID
	watch_start -p $pid -H 1
	run_load 4 2000
	watch_stop
	grep -q '^PID  *COMM  *EPOLL' "$TMP/watch"
	grep -q '^CPU  *HARDIRQ' "$TMP/watch"
	grep -q 'events returned per call' "$TMP/watch"
	grep -q '=== summary since start' "$TMP/watch"
	grep -qE "^$pid +epollbench " "$TMP/watch"
	# its own programs, by id: another netcheck may run on this host
	progs_gone $WIDS
	# SIGTERM ends it the same way
	watch_start 1
	progs_loaded $WIDS
	kill -TERM $WPID
	wait $WPID
	WPID=
	progs_gone $WIDS
}

@test "watch --prom-file: promtool accepts it; the server's epoll_wait calls and events equal its own counts" {
	[ -x "$EPB" ] || skip "build/tools/epollbench is not built"
	serve -n 5000 -t -1
	pid=$SPID
	watch_start --prom-file "$TMP/netcheck.prom" -p "$pid" 0.2
	run_load 1 5000
	prom_fresh "$TMP/netcheck.prom" # written after the load ended
	watch_stop
	f=$TMP/netcheck.prom
	cat "$f"
	promtool check metrics <"$f"
	[ "$(prom_value "$f" 'kscope_netcheck_epoll_calls_total{comm="epollbench"}')" -eq \
		"$(server_kv epoll_waits)" ]
	[ "$(prom_value "$f" 'kscope_netcheck_epoll_events_per_call_count{comm="epollbench"}')" -eq \
		"$(server_kv epoll_waits)" ]
	[ "$(prom_value "$f" 'kscope_netcheck_epoll_events_per_call_sum{comm="epollbench"}')" -eq \
		"$(server_kv events)" ]
}
