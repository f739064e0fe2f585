#!/usr/bin/env bats
# Fleet use: --prom-file output checked by the real components an SRE runs it with.
# promtool lints the files; a real node_exporter serves them from its textfile directory; a
# real Prometheus server (config written here, scraping that node_exporter every second)
# answers PromQL over its HTTP API with the figures independent truth gives: ss's TIME_WAIT
# count in a network namespace the test creates, tcpchurn's own counts.  Everything listens
# on loopback ports chosen free at start, keeps its data in the test's temp dir, and is
# stopped in teardown.

load lib

TCPWAIT=$BUILD/tcpwait
MCEWATCH=$BUILD/mcewatch
FADVTOP=$BUILD/fadvtop

setup_file() {
	local missing=() p
	for p in prometheus prometheus-node-exporter; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get update -q >/dev/null
		# policy-rc.d 101: the packages' own services must not start on the host (ours only
		# when there is none already, and removed only if ours)
		local ours=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod +x /usr/sbin/policy-rc.d
			ours=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >/dev/null
		[ -n "$ours" ] && rm -f /usr/sbin/policy-rc.d
	fi
}

setup() {
	NS=$(netns_create fleet)
	# a 1000-port range, no TIME_WAIT reuse, as in tcpwait.bats: TIME_WAIT stays 60 s
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 20999" \
		net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	DIR=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$DIR"
	PIDS=()
}

teardown() {
	kill_test_processes
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		# bounded: Prometheus flushes its head block on SIGTERM, a few seconds at most
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	netns_delete "$NS"
	[ -n "${CG:-}" ] && cgroup_delete "$CG"
	true
}

# unscope FILE: drop the scope label tcpwait puts on every series, so that samples can be
# named as the tool's own labels make them
unscope() {
	sed -i -E 's/\{scope="[^"]*",?/{/; s/\{\}//' "$1"
}

# background PID to stop in teardown
track() { PIDS+=("$1"); }

# a free loopback TCP port
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		[ -z "$(ss -ltnH "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	return 1
}

# tcpwait in the test's namespace, writing DIR/tcpwait.prom every half second
tcpwait_start() {
	"$TCPWAIT" --netns "$NS" --prom-file "$DIR/tcpwait.prom" "$@" 0.5 \
		>"$BATS_TEST_TMPDIR/tcpwait.out" 2>"$BATS_TEST_TMPDIR/tcpwait.err" &
	TOOL_PID=$!
	track "$TOOL_PID"
	wait_for_file "$DIR/tcpwait.prom" 10
	bpf_mark
}

ss_time_wait() {
	ip netns exec "$NS" ss -tanH state time-wait | wc -l
}

@test "promtool accepts tcpwait's metrics, and they match ss and tcpchurn" {
	tcpwait_start -L
	run ip netns exec "$NS" "$GEN/tcpchurn" -m client-close -n 1200 -k -q -P 7301
	echo "$output"
	churn=$output
	tcp_settled ip netns exec "$NS"
	prom_fresh "$DIR/tcpwait.prom"
	truth=$(ss_time_wait)
	cp "$DIR/tcpwait.prom" "$BATS_TEST_TMPDIR/snap.prom"
	cat "$BATS_TEST_TMPDIR/snap.prom"
	run promtool check metrics <"$BATS_TEST_TMPDIR/snap.prom"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	f=$BATS_TEST_TMPDIR/snap.prom
	# every series says what the instance looks into: this namespace, by its inode
	[ "$(grep -v '^#' "$f" | grep -vc "{scope=\"netns:$(stat -L -c %i "/run/netns/$NS")\"")" -eq 0 ]
	unscope "$f"
	[ "$(prom_value "$f" kscope_tcpwait_time_wait)" -eq "$truth" ]
	[ "$(prom_value "$f" kscope_tcpwait_connect_eaddrnotavail_total)" -eq \
		"$(kv eaddrnotavail "$churn")" ]
	[ "$(prom_value "$f" 'kscope_tcpwait_opens_total{direction="active"}')" -eq \
		"$(kv connects "$churn")" ]
	# both ends of each loopback connection are in the namespace, and each left ESTABLISHED
	[ "$(prom_value "$f" kscope_tcpwait_established_seconds_count)" -eq \
		$((2 * $(kv connects "$churn"))) ]
	[ "$(prom_value "$f" kscope_tcpwait_ports_range)" -eq 1000 ]
	# the tuple's series names its namespace (and container: none here), so two namespaces'
	# loopback tuples never make the same series
	grep -q '^kscope_tcpwait_tuple_ports_in_use{side="client",laddr="127.0.0.1",raddr="127.0.0.1",rport="7301",netns="'"$(stat -L -c %i "/run/netns/$NS")"'",container=""} 1000$' "$f"
	# every family has its HELP and TYPE, once
	for name in $(grep -v '^#' "$f" | sed 's/[{ ].*//; s/_bucket$\|_sum$\|_count$//' | sort -u); do
		[ "$(grep -c "^# TYPE $name " "$f")" -eq 1 ]
		[ "$(grep -c "^# HELP $name " "$f")" -eq 1 ]
	done
	# a daemon's output is the file: stdout stays empty
	[ ! -s "$BATS_TEST_TMPDIR/tcpwait.out" ]
}

@test "process names are escaped in labels, and --prom-top N keeps N rows plus other" {
	local names=() i
	mkdir "$BATS_TEST_TMPDIR/bin"
	# a comm with a quote, a backslash and a newline, and four plain ones
	ln -s "$GEN/tcpchurn" "$BATS_TEST_TMPDIR/bin/$(printf 'tw"q\\b\nx')"
	names+=("$BATS_TEST_TMPDIR/bin/$(printf 'tw"q\\b\nx')")
	for i in 1 2 3 4; do
		ln -s "$GEN/tcpchurn" "$BATS_TEST_TMPDIR/bin/churn$i"
		names+=("$BATS_TEST_TMPDIR/bin/churn$i")
	done
	# 1000 connections in all: a 1000-port range would leave the last one no spare port
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 21999"
	tcpwait_start --prom-top 2
	# different counts, so the top two are known: the quoted name (300), churn4 (250)
	i=0
	for n in 300 100 150 200 250; do
		ip netns exec "$NS" "${names[i]}" -m client-close -n "$n" -P $((7310 + i)) >/dev/null
		i=$((i + 1))
	done
	tcp_settled ip netns exec "$NS"
	prom_fresh "$DIR/tcpwait.prom"
	truth=$(ss_time_wait)
	f=$BATS_TEST_TMPDIR/snap.prom
	cp "$DIR/tcpwait.prom" "$f"
	grep '^kscope_tcpwait_process\|^kscope_tcpwait_missed' "$f"
	run promtool check metrics <"$f"
	echo "$output"
	[ "$status" -eq 0 ]
	unscope "$f"
	# the label value is the tool's escaped comm (\\x0a for the newline), escaped again for
	# the format: \" and \\ as the exposition format requires, so the line still parses
	grep -qF 'kscope_tcpwait_process_time_wait{comm="tw\"q\\\\b\\x0ax"} ' "$f"
	# owners come from state-change events: exact, or short by the runs the tool says it missed
	missed=$(prom_value "$f" kscope_tcpwait_missed_events_total)
	counted "$(grep -F 'kscope_tcpwait_process_time_wait{comm="tw' "$f" | awk '{ print $NF }')" \
		300 "$missed"
	counted "$(prom_value "$f" 'kscope_tcpwait_process_time_wait{comm="churn4"}')" 250 "$missed"
	counted "$(prom_value "$f" 'kscope_tcpwait_process_time_wait{comm="other"}')" 450 "$missed"
	[ "$(grep -c '^kscope_tcpwait_process_time_wait{' "$f")" -eq 3 ]
	# nothing is lost by the cut: the rows add up to ss's count
	sum=$(awk '/^kscope_tcpwait_process_time_wait\{/ { s += $NF } END { print s }' "$f")
	counted "$sum" "$truth" "$missed"
}

# prom_complete FILE T0: FILE read once (open, read to the end, as node_exporter does) is a
# complete tcpwait file: whatever series come first, a complete file ends with the last_update
# line (docs/fleet.md), whose value is a time after T0 with three decimals (prom.c), so a read
# cut inside the number fails too
prom_complete() {
	local lines last=
	mapfile -t lines <"$1"
	[ ${#lines[@]} -eq 0 ] || last=${lines[-1]}
	[[ $last =~ ^kscope_tcpwait_last_update_timestamp_seconds\{scope=\"netns:[0-9]+\"\}\ ([0-9]+)\.[0-9]{3}$ ]] &&
		[ "${BASH_REMATCH[1]}" -ge "$2" ] && [ "${BASH_REMATCH[1]}" -le $(($2 + 600)) ] && return 0
	echo "partial: ...$last"
	return 1
}

@test "readers never see a partial file, and no temp file is left after SIGTERM" {
	local t0
	t0=$(date +%s)
	"$TCPWAIT" --netns "$NS" --prom-file "$DIR/tcpwait.prom" 0.1 >/dev/null 2>&1 &
	TOOL_PID=$!
	track "$TOOL_PID"
	wait_for_file "$DIR/tcpwait.prom" 10
	ip netns exec "$NS" "$GEN/tcpchurn" -m client-close -n 900 -r 300 -q -P 7320 >/dev/null &
	churn=$!
	# read as node_exporter does (open, read to the end) while the tool rewrites the file ten
	# times a second; mapfile is a builtin, so reads are quick enough to land mid-write
	# t0: before the tool started, so every file it writes is stamped at or after it
	local partial=0 reads=0
	while kill -0 "$churn" 2>/dev/null; do
		prom_complete "$DIR/tcpwait.prom" "$t0" || partial=$((partial + 1))
		reads=$((reads + 1))
	done
	wait "$churn"
	echo "reads=$reads partial=$partial"
	[ "$reads" -gt 100 ]
	[ "$partial" -eq 0 ]
	# the control: the check calls a cut of a complete file partial wherever it falls (every
	# 13th byte, and each of the last 40: inside the final line), short of the final newline
	local content n cuts=0
	content=$(<"$DIR/tcpwait.prom")
	printf '%s\n' "$content" >"$BATS_TEST_TMPDIR/full.prom"
	prom_complete "$BATS_TEST_TMPDIR/full.prom" "$t0"
	for ((n = 0; n < ${#content}; n += (n < ${#content} - 40 ? 13 : 1))); do
		printf '%s' "${content:0:n}" >"$BATS_TEST_TMPDIR/cut.prom"
		if prom_complete "$BATS_TEST_TMPDIR/cut.prom" "$t0" >/dev/null; then
			echo "a cut at byte $n of ${#content} passed as complete"
			return 1
		fi
		cuts=$((cuts + 1))
	done
	echo "cuts judged partial: $cuts of a ${#content}-byte file"
	kill -TERM "$TOOL_PID"
	wait "$TOOL_PID"
	# only the file itself: the temp files (.tcpwait.prom.XXXXXX) were renamed over it
	run ls -A "$DIR"
	[ "$output" = tcpwait.prom ]
}

@test "promtool accepts mcewatch's metrics; it says which RAS tracepoints it watches" {
	"$MCEWATCH" --prom-file "$DIR/mcewatch.prom" 0.2 3 >"$BATS_TEST_TMPDIR/mce.out" \
		2>"$BATS_TEST_TMPDIR/mce.err"
	f=$DIR/mcewatch.prom
	cat "$f"
	run promtool check metrics <"$f"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -s "$BATS_TEST_TMPDIR/mce.out" ]
	# truth: tracefs
	for tp in mce:mce_record ras:mc_event ras:aer_event; do
		want=0
		[ -d "/sys/kernel/tracing/events/${tp%%:*}/${tp#*:}" ] && want=1
		[ "$(prom_value "$f" "kscope_mcewatch_tracepoint_attached{tracepoint=\"$tp\"}")" \
			-eq "$want" ]
	done
	# the alerting series exist at zero before the first error, so increase() works
	for sev in corrected uncorrected fatal; do
		[ "$(prom_value "$f" "kscope_mcewatch_machine_checks_total{severity=\"$sev\"}")" -eq 0 ]
		[ "$(prom_value "$f" "kscope_mcewatch_aer_errors_total{severity=\"$sev\"}")" -eq 0 ]
	done
	[ "$(prom_value "$f" 'kscope_mcewatch_edac_errors_total{severity="corrected"}')" -eq 0 ]
}

@test "node_exporter serves the files, and Prometheus answers PromQL with ss's and fadvgen's counts" {
	ne_port=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$DIR" >"$BATS_TEST_TMPDIR/ne.log" 2>&1 &
	track $!
	prom_port=$(free_port)
	cat >"$BATS_TEST_TMPDIR/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  evaluation_interval: 1s
		scrape_configs:
		  - job_name: node
		    static_configs:
		      - targets: ['127.0.0.1:$ne_port']
	EOF
	promtool check config "$BATS_TEST_TMPDIR/prometheus.yml"
	prometheus --config.file="$BATS_TEST_TMPDIR/prometheus.yml" \
		--storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" \
		--web.listen-address="127.0.0.1:$prom_port" \
		--log.level=warn >"$BATS_TEST_TMPDIR/prometheus.log" 2>&1 &
	track $!

	# a docker-shaped cgroup: fadvtop labels its rows with the container id
	id=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	CG=$(cgroup_create "system.slice/docker-$id.scope")
	"$FADVTOP" -c "$CG" --prom-file "$DIR/fadvtop.prom" 0.5 >/dev/null \
		2>"$BATS_TEST_TMPDIR/fadvtop.err" &
	track $!
	tcpwait_start
	wait_for_file "$DIR/fadvtop.prom" 10

	run ip netns exec "$NS" "$GEN/tcpchurn" -m client-close -n 700 -q -P 7330
	echo "$output"
	churn=$output
	tcp_settled ip netns exec "$NS"
	truth=$(ss_time_wait)
	echo "ss time-wait: $truth"
	[ "$truth" -eq 700 ]
	gen=$(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" \
		"$GEN/fadvgen" -n 3000 -a dontneed -f "$BATS_TEST_TMPDIR/fadv.log")
	echo "$gen"
	dontneed=$(kv dontneed "$gen")
	[ "$dontneed" -eq 3000 ]

	# node_exporter: the samples as written, and no textfile error
	for _ in $(seq 100); do
		metrics=$(curl -sf "http://127.0.0.1:$ne_port/metrics") && break
		sleep 0.1
	done
	grep -q '^node_textfile_scrape_error 0$' <<<"$metrics"
	# Prometheus: the query answers the count ss gave (bounded: start-up plus a few scrapes)
	q() {
		curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
			jq -r '.data.result[0].value[1] // empty'
	}
	got=
	for _ in $(seq 60); do
		got=$(q 'kscope_tcpwait_time_wait{job="node"}')
		[ "$got" = "$truth" ] && break
		sleep 0.5
	done
	echo "prometheus: kscope_tcpwait_time_wait=$got ss=$truth"
	cat "$BATS_TEST_TMPDIR/prometheus.log" >&2
	[ "$got" = "$truth" ]
	# a counter and a sum over labels, through PromQL; the socket table can show the last
	# timewait socket a moment before the state change that counts it, so allow a scrape more
	for _ in $(seq 10); do
		got=$(q 'kscope_tcpwait_time_wait_entries_total')
		[ "$got" = 700 ] && break
		sleep 0.5
	done
	missed=$(q 'kscope_tcpwait_missed_events_total')
	echo "prometheus: kscope_tcpwait_time_wait_entries_total=$got missed=$missed"
	counted "$got" 700 "$missed"
	counted "$(q 'sum(kscope_tcpwait_process_time_wait)')" "$truth" "$missed"
	counted "$(q 'kscope_tcpwait_opens_total{direction="active"}')" "$(kv connects "$churn")" \
		"$missed"
	# the container's DONTNEED calls since fadvtop started, as fadvgen counted them
	sel="kscope_fadvtop_calls_total{advice=\"dontneed\",container=\"${id:0:12}\"}"
	for _ in $(seq 20); do
		got=$(q "$sel")
		[ "$got" = "$dontneed" ] && break
		sleep 0.5
	done
	echo "prometheus: $sel=$got fadvgen=$dontneed"
	[ "$got" = "$dontneed" ]
	run promtool check metrics <"$DIR/fadvtop.prom"
	echo "$output"
	[ "$status" -eq 0 ]
}

# quiet_run NAME CMD...: a --prom-file daemon until its file has been written twice, then
# SIGTERM; its stdout and stderr in $BATS_TEST_TMPDIR/NAME.{out,err}
quiet_run() {
	local name=$1 pid rc=0 f
	shift
	"$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" &
	pid=$!
	f="$DIR/$name.prom"
	wait_for_file "$f" 30 || { cat "$BATS_TEST_TMPDIR/$name.err"; return 1; }
	prom_fresh "$f"
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { echo "$name exited $rc" >&2; return 1; }
}

@test "--prom-file daemons are quiet: nothing on stdout, and on stderr the one start-up line" {
	quiet_run tcpwait "$TCPWAIT" --prom-file "$DIR/tcpwait.prom" 0.2
	quiet_run forklat "$BUILD/forklat" --prom-file "$DIR/forklat.prom" 0.2
	quiet_run fadvtop "$FADVTOP" --prom-file "$DIR/fadvtop.prom" 0.2
	quiet_run mcewatch "$MCEWATCH" --prom-file "$DIR/mcewatch.prom" 0.2
	# options before netcheck's command as well as after it (the unit passes them first)
	quiet_run netcheck "$BUILD/netcheck" --prom-file "$DIR/netcheck.prom" watch 0.2
	quiet_run netcheck2 "$BUILD/netcheck" watch 0.2 --prom-file "$DIR/netcheck2.prom"
	# and as the systemd unit runs every tool: TOOL --prom-file F INTERVAL (watch implied)
	quiet_run netcheck3 "$BUILD/netcheck" --prom-file "$DIR/netcheck3.prom" 0.2
	for t in tcpwait forklat fadvtop mcewatch netcheck netcheck2 netcheck3; do
		err=$BATS_TEST_TMPDIR/$t.err
		echo "== $t"
		cat "$err"
		[ ! -s "$BATS_TEST_TMPDIR/$t.out" ]
		# what this kernel lacks is said once at start (DESIGN.md); then the one start-up
		# line, last: no summary, no "Hit Ctrl-C", no running notes
		[ "$(grep -c '^Tracing .*: metrics to .* every 0.2 s$' "$err")" -eq 1 ]
		tail -1 "$err" | grep -q '^Tracing '
		[ "$(grep -vc '^Tracing \|^[a-z]*: note: .*\(not measured\|using\)' "$err")" -eq 0 ]
		! grep -q 'Ctrl-C' "$err" || false
	done
}

# metrics FILE-OR-URL: node_exporter's page, retried until it answers (bounded)
ne_metrics() {
	local m
	for _ in $(seq 100); do
		m=$(curl -sf "$1") && { echo "$m"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "two instances in one textfile directory: node_exporter serves both, with no collision" {
	# tcpwait over every namespace and in the test's alone; fadvtop twice, told apart by
	# --prom-label.  TIME_WAIT in the test's namespace: both tcpwaits write its tuple series
	ip netns exec "$NS" "$GEN/tcpchurn" -m client-close -n 50 -q -P 7340 >/dev/null
	T0=$(date +%s)
	# (every tuple: other work on this machine keeps TIME_WAIT of its own)
	"$TCPWAIT" --prom-top 10000 --prom-file "$DIR/kscope-tcpwait-host.prom" 0.3 >/dev/null 2>&1 &
	track $!
	"$TCPWAIT" --netns "$NS" --prom-file "$DIR/kscope-tcpwait-ns.prom" 0.3 >/dev/null 2>&1 &
	track $!
	"$FADVTOP" --prom-label instance=a --prom-file "$DIR/kscope-fadvtop-a.prom" 0.3 \
		>/dev/null 2>&1 &
	track $!
	"$FADVTOP" --prom-label instance=b --prom-file "$DIR/kscope-fadvtop-b.prom" 0.3 \
		>/dev/null 2>&1 &
	track $!
	for f in tcpwait-host tcpwait-ns fadvtop-a fadvtop-b; do
		wait_for_file "$DIR/kscope-$f.prom" 30
	done
	port=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$DIR" >"$BATS_TEST_TMPDIR/ne.log" 2>&1 &
	track $!
	metrics=$(ne_metrics "http://127.0.0.1:$port/metrics")
	cat "$BATS_TEST_TMPDIR/ne.log"
	grep -q '^node_textfile_scrape_error 0$' <<<"$metrics"
	! grep -q 'collected before' "$BATS_TEST_TMPDIR/ne.log" || false

	# each tcpwait's series say what it looks into: every namespace, or the test's by inode
	test_ns=$(stat -L -c %i "/run/netns/$NS")
	run grep -c '^kscope_tcpwait_time_wait{scope="all"} ' <<<"$metrics"
	[ "$output" -eq 1 ]
	run grep -c "^kscope_tcpwait_time_wait{scope=\"netns:$test_ns\"} 50\$" <<<"$metrics"
	[ "$output" -eq 1 ]
	# the namespace's tuple, from both: two series (node_exporter sorts the labels)
	run grep -c "^kscope_tcpwait_tuple_time_wait{.*netns=\"$test_ns\",raddr=\"127.0.0.1\",rport=\"7340\",scope=\"\(all\|netns:$test_ns\)\"" <<<"$metrics"
	[ "$output" -eq 2 ]
	for i in a b; do
		grep -q "^kscope_fadvtop_missed_events_total{instance=\"$i\"} " <<<"$metrics"
	done
	# every file says when it was written: now, give or take the clock's second
	now=$(date +%s)
	run grep -c '^kscope_[a-z]*_last_update_timestamp_seconds{' <<<"$metrics"
	[ "$output" -eq 4 ]
	grep '^kscope_[a-z]*_last_update_timestamp_seconds{' <<<"$metrics" |
		awk -v t0="$T0" -v now="$now" '{ if ($2 < t0 || $2 > now + 1) exit 1 }'

	# the control: the same series in two files is what node_exporter refuses, and says so
	cp "$DIR/kscope-fadvtop-a.prom" "$DIR/kscope-copy.prom"
	# (node_textfile_scrape_error stays 0 then: the log is where it shows)
	for _ in $(seq 50); do
		ne_metrics "http://127.0.0.1:$port/metrics" >/dev/null
		grep -q 'collected before' "$BATS_TEST_TMPDIR/ne.log" && break
		sleep 0.1
	done
	grep -q 'collected before' "$BATS_TEST_TMPDIR/ne.log"
}

@test "--prom-label: a bad or reserved name is one line and exit 2" {
	for bad in x =v 1a=b __a=b comm=x netns=1 scope=x a= a-b=c; do
		run "$TCPWAIT" --prom-file "$DIR/x.prom" --prom-label "$bad" 1 1
		echo "$bad: $output"
		[ "$status" -eq 2 ]
		[[ ${lines[0]} == "tcpwait: invalid --prom-label '$bad': "* ]]
	done
	[ ! -e "$DIR/x.prom" ]
}

@test "--prom-label is on every series of every tool, and every file says when it was written" {
	for t in tcpwait forklat fadvtop mcewatch netcheck; do
		f=$DIR/kscope-$t.prom
		t0=$(date +%s)
		run "$BUILD/$t" --prom-label team=db --prom-label env=prod --prom-file "$f" 0.2 1
		echo "$t: $output"
		[ "$status" -eq 0 ]
		now=$(date +%s)
		run promtool check metrics <"$f"
		echo "$output"
		[ "$status" -eq 0 ]
		# no series without both labels (tcpwait's scope comes after them)
		run grep -v '^#' "$f"
		[ "${#lines[@]}" -gt 1 ]
		run grep -v '^#' "$f"
		! grep -v '{team="db",env="prod"[,}]' <<<"$output" || false
		# one last-update sample, the wall clock of the run, give or take its second
		run grep "^kscope_${t}_last_update_timestamp_seconds{" "$f"
		[ "${#lines[@]}" -eq 1 ]
		awk -v t0="$t0" -v now="$now" '{ exit !($2 >= t0 && $2 <= now + 1) }' <<<"$output"
	done
}

@test "docs/fleet.md's staleness alerts fire for a file that stopped updating, not for a fresh one" {
	# the rules as the page prints them, evaluated by Prometheus' own rule engine
	# (promtool test rules) over a file written every 15 s that stops after a minute and
	# one that goes on
	all=$(grep -m1 '^time() - {__name__=~"kscope_' "$KSCOPE_ROOT/docs/fleet.md")
	one=$(grep -m1 '^time() - kscope_tcpwait_last_update_timestamp_seconds' \
		"$KSCOPE_ROOT/docs/fleet.md")
	[ -n "$all" ]
	[ -n "$one" ]
	cd "$BATS_TEST_TMPDIR"
	cat >rules.yml <<-EOF
	groups:
	  - name: kscope
	    rules:
	      - alert: KscopeFileStale
	        expr: '$all'
	      - alert: KscopeTcpwaitStale
	        expr: '$one'
	EOF
	cat >test.yml <<-'EOF'
	rule_files: [rules.yml]
	evaluation_interval: 15s
	tests:
	  - interval: 15s
	    input_series:
	      - series: 'kscope_tcpwait_last_update_timestamp_seconds{instance="host1",scope="all"}'
	        values: '0+15x4 60+0x12'
	      - series: 'kscope_fadvtop_last_update_timestamp_seconds{instance="host1"}'
	        values: '0+15x16'
	    alert_rule_test:
	      - eval_time: 2m
	        alertname: KscopeFileStale
	        exp_alerts: []
	      - eval_time: 3m
	        alertname: KscopeFileStale
	        exp_alerts:
	          - exp_labels: {instance: host1, scope: all}
	      - eval_time: 3m
	        alertname: KscopeTcpwaitStale
	        exp_alerts:
	          - exp_labels: {instance: host1, scope: all}
	EOF
	run promtool test rules test.yml
	echo "$output"
	[ "$status" -eq 0 ]
}
