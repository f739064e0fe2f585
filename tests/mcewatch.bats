#!/usr/bin/env bats
# mcewatch: machine checks decoded, with the context around them.  This host's kernel has no
# mce:mce_record (CONFIG_X86_MCE is not set), so the live tests check that the tool says
# exactly which RAS tracepoints are missing (truth: tracefs), attaches to what exists and
# exits cleanly; the injected machine check is tests/vm/checks/mce.sh's job.  The offline
# decoder is checked here end to end against values whose meaning the Intel SDM and AMD's
# PPR fix (the unit test holds the full table).

load lib

MCEWATCH=$BUILD/mcewatch

setup() {
	[ -x "$MCEWATCH" ] || skip "build/mcewatch not built"
	TRACEFS=/sys/kernel/tracing
	[ -d $TRACEFS/events ] || mount -t tracefs tracefs $TRACEFS 2>/dev/null || true
}

teardown() {
	kill_test_processes
	if [ -n "${TOOL_PID:-}" ]; then
		kill -INT "$TOOL_PID" 2>/dev/null || true
		wait "$TOOL_PID" 2>/dev/null || true
	fi
	return 0
}

# json_field LINE KEY: the raw value of "KEY": in a one-line JSON object
json_field() {
	grep -oE "\"$2\":(\"[^\"]*\"|[^,}]*)" <<<"$1" | head -1 | cut -d: -f2-
}

tp_exists() {
	[ -d "$TRACEFS/events/$1/$2" ]
}

@test "a corrected memory read error from dmesg decodes as the SDM says (Intel, JSON)" {
	run "$MCEWATCH" --decode 8c00004000010090 --bank 8 --addr 0x1234567000 --vendor intel -j
	[ "$status" -eq 0 ]
	[ "$(json_field "$output" status)" = '"0x8c00004000010090"' ]
	[ "$(json_field "$output" bank)" = 8 ]
	[ "$(json_field "$output" valid)" = true ]
	[ "$(json_field "$output" uncorrected)" = false ]
	[ "$(json_field "$output" miscv)" = true ]
	[ "$(json_field "$output" addrv)" = true ]
	[ "$(json_field "$output" pcc)" = false ]
	[ "$(json_field "$output" severity)" = '"corrected"' ]
	[ "$(json_field "$output" mca_code)" = '"0x0090"' ]
	[ "$(json_field "$output" error_class)" = '"memory_controller"' ]
	[ "$(json_field "$output" transaction)" = '"read"' ]
	[ "$(json_field "$output" channel)" = 0 ]
	[ "$(json_field "$output" corrected_count)" = 1 ]
	[ "$(json_field "$output" addr)" = '"0x0000001234567000"' ]
	# MISCV is set but no --misc was given: null, not a made-up zero
	[ "$(json_field "$output" misc)" = null ]
}

@test "a PCC internal timer error decodes as fatal, with the flags spelled out" {
	run "$MCEWATCH" --decode 0xbe00000000800400 --vendor intel --bank 3
	[ "$status" -eq 0 ]
	[[ "$output" == *"[VAL UC EN MISCV ADDRV PCC]"* ]]
	[[ "$output" == *"severity: fatal (processor context corrupt)"* ]]
	[[ "$output" == *"internal timer error"* ]]
	[[ "$output" == *"model-specific code 0x0080"* ]]
}

@test "an SRAR data load and an AMD deferred UMC error decode with their classes" {
	run "$MCEWATCH" --decode bd80000000100134 --vendor intel -j
	[ "$status" -eq 0 ]
	[ "$(json_field "$output" severity)" = '"uncorrected"' ]
	[ "$(json_field "$output" severity_detail)" = '"SRAR"' ]
	[ "$(json_field "$output" error_class)" = '"cache"' ]
	run "$MCEWATCH" --decode 0x8c2030000000011b --vendor amd --ipid 0x0000009600000000 -j
	[ "$status" -eq 0 ]
	[ "$(json_field "$output" severity)" = '"deferred"' ]
	[ "$(json_field "$output" deferred)" = true ]
	[ "$(json_field "$output" error_class)" = '"memory_controller"' ]
	[ "$(json_field "$output" corrected_count)" = null ]
}

@test "--help's example decodes as the SDM says on any host: no --vendor decodes both ways" {
	# the value is an Intel memory-controller read (SDM compound code 0000 0000 1001 0000);
	# this host's CPU must not matter, so nothing in the input names a vendor and both show
	run "$MCEWATCH" --decode 8c00004000010090 --bank 8
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "MCE decoded as intel and as amd: nothing in the input names the vendor"* ]]
	[[ "$output" == *"memory controller read error on channel 0 (RD_CHANNEL0_ERR)"* ]]
	run "$MCEWATCH" --decode 8c00004000010090 --bank 8 -j
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(json_field "${lines[0]}" vendor)" = '"intel"' ]
	[ "$(json_field "${lines[0]}" vendor_source)" = '"none"' ]
	[ "$(json_field "${lines[0]}" mnemonic)" = '"RD_CHANNEL0_ERR"' ]
	[ "$(json_field "${lines[1]}" vendor)" = '"amd"' ]
	# --ipid is AMD SMCA's register: it names the vendor
	run "$MCEWATCH" --decode 9c2040000000011b --ipid 0x0000009600000000 -j
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(json_field "$output" vendor)" = '"amd"' ]
	[ "$(json_field "$output" vendor_source)" = '"ipid"' ]
	[ "$(json_field "$output" error_class)" = '"memory_controller"' ]
	run "$MCEWATCH" --decode 9c2040000000011b --ipid 0x0000009600000000
	[[ "${lines[0]}" == "MCE decoded as amd (--ipid is AMD SMCA's MCA_IPID)" ]]
	run "$MCEWATCH" --decode 1 --ipid 0x9600000000 --vendor intel
	[ "$status" -eq 2 ]
}

@test "the issue's values decode as the SDM says (count, memory as cache, UCR grading)" {
	run "$MCEWATCH" --decode 0xcc59dec000041152 --vendor intel -j
	[ "$(json_field "$output" corrected_count)" = 26491 ]
	[ "$(json_field "$output" corrected_count_overflow)" = true ]
	run "$MCEWATCH" --decode 0x9c00004000000291 --vendor intel -j
	[ "$(json_field "$output" error_class)" = '"memory_controller"' ]
	[ "$(json_field "$output" memory_as_cache)" = true ]
	[ "$(json_field "$output" channel)" = 1 ]
	run "$MCEWATCH" --decode 0xb080000000000134 --vendor intel
	[[ "$output" == *"no class in the SDM's UCR table"* ]]
	run "$MCEWATCH" --decode 0xf080000000000134 --vendor intel -j
	[ "$(json_field "$output" severity)" = '"fatal"' ]
	[ "$(json_field "$output" severity_detail)" = '"AR_OVERFLOW"' ]
	run "$MCEWATCH" --decode 0x9000000000001e0b --vendor intel -j
	[ "$(json_field "$output" error)" = '"generic I/O error"' ]
	run "$MCEWATCH" --decode 0x9000000000001e0b --vendor intel
	[[ "$output" == *"bit 12 ignored: F has no meaning on a simple code"* ]]
}

@test "malformed --decode input gets one line and exit 2" {
	local bad
	for bad in "--decode zz" "--decode 1ffffffffffffffff" "--decode" "--decode 12x" \
		"--decode 1 --bank 256" "--decode 1 --vendor arm" "--decode 1 --addr q" \
		"--addr 0x10" "--decode 1 5"; do
		# shellcheck disable=SC2086
		run "$MCEWATCH" $bad
		echo "case '$bad': status $status, output: $output"
		[ "$status" -eq 2 ]
		# the reason, then the usage hint; no libbpf noise, nothing on stdout
		[ "$(grep -c '^mcewatch: ' <<<"$output")" -eq 1 ]
		[[ "$output" == *"Try 'mcewatch --help'"* ]]
	done
	run "$MCEWATCH" --decode zz
	[[ "$output" == *"not a hexadecimal number"* ]]
	run "$MCEWATCH" --decode 1ffffffffffffffff
	[[ "$output" == *"out of range"* ]]
	run "$MCEWATCH" --decode
	[[ "$output" == *"needs a value"* ]]
}

@test "live: says exactly which RAS tracepoints are missing and watches the others" {
	local tp missing=0 present=() err out
	err=$(mktemp)
	out=$(mktemp)
	"$MCEWATCH" 1 1 >"$out" 2>"$err" || true
	for tp in mce:mce_record ras:mc_event ras:aer_event; do
		if tp_exists "${tp%%:*}" "${tp#*:}"; then
			present+=("$tp")
			! grep -q "no tracepoint $tp" "$err" || false
		else
			missing=$((missing + 1))
			grep -q "no tracepoint $tp" "$err"
		fi
	done
	if [ ${#present[@]} -eq 0 ]; then
		grep -q "none of mce:mce_record, ras:mc_event, ras:aer_event exists" "$err"
	else
		for tp in "${present[@]}"; do grep -q "^Watching .*$tp" "$out"; done
		[ "$(grep -c '^mcewatch: note: .*not measured' "$err")" -eq $missing ]
	fi
	rm -f "$err" "$out"
}

@test "live: without any RAS tracepoint it exits 1 with one sentence" {
	command -v unshare >/dev/null || skip "no unshare"
	# a private mount namespace where tracefs shows no events at all; the host is untouched.
	# Only events/ is covered: the tools take a directory for tracefs only if statfs says so
	# (0834c4e), so a tmpfs over all of it sends them to /sys/kernel/debug/tracing instead
	run unshare -m sh -c "mount -t tmpfs none $TRACEFS/events && exec $MCEWATCH 1 1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"none of mce:mce_record, ras:mc_event, ras:aer_event exists on this kernel"* ]]
	[[ "$output" != *"libbpf"* ]]
}

@test "live: SIGINT ends it with a summary, exit 0 and no programs left" {
	local out err status_file ids
	tp_exists ras mc_event || tp_exists mce mce_record || tp_exists ras aer_event ||
		skip "no RAS tracepoint on this kernel"
	out=$(mktemp)
	err=$(mktemp)
	"$MCEWATCH" >"$out" 2>"$err" &
	TOOL_PID=$!
	wait_for_file "$out" 30
	# its own programs, by id: another mcewatch (a service) may run on this host
	ids=$(tool_prog_ids "$TOOL_PID")
	progs_loaded $ids
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	status=$?
	TOOL_PID=
	cat "$out" "$err"
	[ "$status" -eq 0 ]
	grep -q '^Summary over ' "$out"
	# a short window: counts, and no per-hour rate made up from it
	grep -q 'machine checks (0 corrected)' "$out"
	! grep -q '/hour' "$out" || false
	progs_gone $ids
	rm -f "$out" "$err"
}

# stat_sampler GENFILE: until killed, about every 20 ms one line
# "T0 T1 CTXT FORKS THREADS GEN1 GEN2": /proc/stat's switch and fork counters, /proc/loadavg's
# thread count, and before and after them the number of whole lines forkgen --each has written
# to GENFILE (one per fork), all read between the wall-clock times T0 and T1 ($EPOCHREALTIME:
# CLOCK_REALTIME, the clock of the tools' "ts").  T0 and T1 are taken around the reads, so a
# sampler starved for a while makes the brackets built from it wider, never wrong.  Nothing is
# forked per sample (it would be counted).
stat_sampler() {
	local fifo=$BATS_TEST_TMPDIR/sampler.fifo t0 t1 line ctxt forks threads gen=0 gen1 sfd gfd
	local -a stat
	mkfifo "$fifo"
	# a fifo held open for reading and writing never has data: read -t on it is a sleep
	exec {sfd}<>"$fifo" {gfd}<"$1"
	while :; do
		t0=$EPOCHREALTIME
		gen_lines "$gfd"
		gen1=$gen
		mapfile -t stat </proc/stat
		read -r _ _ _ threads _ </proc/loadavg
		gen_lines "$gfd"
		t1=$EPOCHREALTIME
		for line in "${stat[@]}"; do
			case $line in
			"ctxt "*) ctxt=${line#ctxt } ;;
			"processes "*) forks=${line#processes } ;;
			esac
		done
		echo "$t0 $t1 $ctxt $forks ${threads#*/} $gen1 $gen"
		read -r -t 0.02 -u "$sfd" line || true
	done
}

# gen_lines FD: add to $gen the whole lines written to FD's file since the last call.  Without
# mapfile -t: a line still being written has no newline yet, and counts when it has.
gen_lines() {
	local line
	local -a lines
	mapfile -u "$1" lines
	for line in "${lines[@]}"; do
		if [[ $line == *$'\n' ]]; then
			gen=$((gen + 1))
		fi
	done
}

# stat_forks: FORKS, /proc/stat's fork counter ("processes": every fork, clone and new thread)
stat_forks() {
	local line
	while read -r line; do
		if [[ $line == "processes "* ]]; then
			FORKS=${line#processes }
		fi
	done </proc/stat
}

# thread_count: THREADS, /proc/loadavg's thread count, read between FORKS1 and FORKS2, the fork
# counter before and after it; nothing forked
thread_count() {
	stat_forks
	FORKS1=$FORKS
	read -r _ _ _ THREADS _ </proc/loadavg
	THREADS=${THREADS#*/}
	stat_forks
	FORKS2=$FORKS
}

@test "live JSON: interval context agrees with /proc/stat, forkgen and the thread count" {
	local out each samples gen sampler now b k tasks lo hi csw forks ocsw icsw oforks iforks
	local gforks span ospan ispan l1 l2 l3 l4 f1 n1 f2 n2 f3 listed
	local -a tids
	tp_exists ras mc_event || tp_exists mce mce_record || tp_exists ras aer_event ||
		skip "no RAS tracepoint on this kernel"
	[ -x "$BUILD/tools/forkgen" ] || skip "build/tools/forkgen is not built"
	out=$BATS_TEST_TMPDIR/out
	each=$BATS_TEST_TMPDIR/each
	samples=$BATS_TEST_TMPDIR/samples
	# a known load for the whole window: 1000 forks/s asked (a busy host runs it slower),
	# --each: one line per fork, so forkgen's own count of the window is its lines
	"$BUILD/tools/forkgen" --forks 20000 --rate 1000 --each >/dev/null 2>"$each" &
	gen=$!
	wait_for_file "$each" 10
	# /proc/stat all along, stamped by the sampler's own clock: the tool's window is placed
	# afterwards from the tool's own stamps, not from when a poll happened to see its lines
	stat_sampler "$each" >"$samples" &
	sampler=$!
	# its brackets are as narrow as its samples are close: SCHED_FIFO (about 1 ms of work every
	# 20 ms) keeps a busy host's other tasks from stretching its gaps to a few tenths of a
	# second; where no real-time budget is given to this cgroup it samples as it can
	chrt -f -p 1 "$sampler" >/dev/null 2>&1 || true
	wait_until "[ -s '$samples' ]" 10 0.02
	"$MCEWATCH" -j 1 4 >"$out"
	# two samples begun after the tool's last line was stamped
	now=$EPOCHREALTIME
	wait_until "awk -v n=$now '\$1 > n { f++ } END { exit (f < 2) }' '$samples'" 10 0.02
	kill "$sampler" "$gen"
	wait "$sampler" "$gen" || true
	cat "$out"
	[ "$(grep -c '"event":"interval"' "$out")" -eq 4 ]
	grep -q '"event":"summary"' "$out"
	#
	# Where the tool's intervals lie on the sampler's clock.  For interval k (user/
	# mcewatch_ctx.c, mcewatch_show.c) the tool reads CLOCK_MONOTONIC (r_k), then /proc/stat
	# and /proc/loadavg (c_k), then stamps the line with CLOCK_REALTIME (ts, p_k): r_k <= c_k <=
	# p_k, and interval_s is exactly r_k - r_(k-1).  Its count over intervals 2-4 is c_4 - c_1,
	# rebuilt from rate * interval_s (printed %.6g: within 1e-5).  Each line gives a latest
	# r_1, p_k minus the interval_s since interval 1 (A_k): r_1 <= min(A_k).  What separates
	# r_1 from that is the smallest of the four read-to-print lags p_k - r_k.  Each is a read of
	# /proc/stat and /proc/loadavg, the rates and a ring check: tens of microseconds of work
	# just after the interval's timer woke the tool (in 45 runs on this host at load 4-15 the
	# A_k agreed within 2.8 ms, mostly within 0.5), stretched only when the tool loses the CPU
	# inside it.  LAG = 50 ms bounds the smallest of the four: all four would have to wait
	# 50 ms in that sub-millisecond stretch.  SLEW = 2 ms: interval_s is on the monotonic
	# clock, the stamps on the wall clock, which NTP may slew by 500 ppm over these 4 s.
	# So r_1 >= min(A_k) - LAG - SLEW:
	#   the outer window [min(A_k) - LAG - SLEW, p_4] holds [c_1, c_4]: the tool counts no more,
	#   the inner window [p_1, min(A_k) - LAG - SLEW + D - SLEW] (D: intervals 2-4's
	#   interval_s) lies inside [c_1, c_4]: the tool counts no less,
	# each taken out to (in to) the sampler's whole samples, whose reads lie within [T0, T1].
	# The thread count is a level, not a counter.  Take the last sample a that ends before
	# r_k's earliest and the first sample b that starts after p_k.  Every new thread is a fork
	# in "processes"; forkgen has at most one child at a time (it reaps each before the next
	# fork), and its forks certainly between two reads are the lines between them but one.
	# So at c_k the count is at most a's, plus one forkgen child, plus the other forks from a's
	# /proc/stat to b's; and at least b's, minus one forkgen child, minus the other forks from
	# a's /proc/stat to b+1's (those made after c_k, up to b's /proc/loadavg).
	# Other load moves the host's counts, not these bounds; other forks widen the last two.
	jq -r 'select(.event == "interval") |
		"\(.ts) \(.interval_s) \(.csw_per_s) \(.forks_per_s) \(.tasks)"' "$out" >"$out.tool"
	b=$(awk -v lag=0.05 -v slew=0.002 '
	FNR == NR {
		k++; p[k] = $1; iv[k] = $2; tasks[k] = $5
		if (k > 1) { csw += $3 * $2; forks += $4 * $2 }
		next
	}
	NF == 7 {
		n++; t0[n] = $1; t1[n] = $2; c[n] = $3; f[n] = $4; th[n] = $5
		g1[n] = $6; g2[n] = $7
	}
	END {
		r1 = a[1] = p[1]
		for (k = 2; k <= 4; k++) {
			o[k] = o[k - 1] + iv[k]; a[k] = p[k] - o[k]
			if (a[k] < r1) r1 = a[k]
		}
		d = o[4]
		os = r1 - lag - slew; oe = p[4]; is = p[1]; ie = os + d - slew
		for (i = 1; i <= n; i++) {
			if (t1[i] <= os) o1 = i
			if (!o2 && t0[i] >= oe) o2 = i
			if (!i1 && t0[i] >= is) i1 = i
			if (t1[i] <= ie) i2 = i
		}
		if (!o1 || !o2 || !i1 || i2 <= i1) {
			printf "no bracket: %d samples, outer %d-%d, inner %d-%d\n", n, o1, o2, \
				i1, i2
			exit
		}
		# forkgen: the lines between two reads, but the first (its fork may be older)
		gen = g1[i2] - g2[i1] - 1
		printf "%d %d %d %d", csw + 0.5, forks + 0.5, c[o2] - c[o1], c[i2] - c[i1]
		printf " %d %d %d", f[o2] - f[o1], f[i2] - f[i1], gen
		printf " %.3f %.3f %.3f", d, t0[o2] - t1[o1], t1[i2] - t0[i1]
		for (k = 1; k <= 4; k++) printf " %.1f", (a[k] - r1) * 1000
		print ""
		for (k = 1; k <= 4; k++) {
			lo = os + o[k] - slew; s1 = s2 = 0
			for (i = 1; i <= n; i++) {
				if (t1[i] <= lo) s1 = i
				if (!s2 && t0[i] >= p[k]) s2 = i
			}
			if (!s1 || !s2 || s2 == n) {
				printf "no bracket for interval %d\n", k
				exit
			}
			fg = g1[s2] - g2[s1] - 1; fg1 = g1[s2 + 1] - g2[s1] - 1
			if (fg < 0) fg = 0
			if (fg1 < 0) fg1 = 0
			print k, tasks[k], th[s2] - 1 - (f[s2 + 1] - f[s1] - fg1), \
				th[s1] + 1 + f[s2] - f[s1] - fg
		}
	}' "$out.tool" "$samples")
	echo "$b"
	[[ $b != *"no bracket"* ]]
	read -r csw forks ocsw icsw oforks iforks gforks span ospan ispan l1 l2 l3 l4 <<<"$b"
	echo "tool, intervals 2-4 ($span s): $csw switches, $forks forks;" \
		"/proc/stat over ${ospan}s outside: $ocsw switches, $oforks forks;" \
		"over ${ispan}s inside: $icsw switches, $iforks forks;" \
		"forkgen inside: $gforks forks; read-to-print lags beyond the smallest:" \
		"$l1 $l2 $l3 $l4 ms"
	# the bounds are exact: 1e-4 (ten times the %.6g rounding) and one count of slack
	[ "$csw" -le $((ocsw + ocsw / 10000 + 1)) ]
	[ "$csw" -ge $((icsw - icsw / 10000 - 1)) ]
	[ "$forks" -le $((oforks + oforks / 10000 + 1)) ]
	[ "$forks" -ge $((iforks - iforks / 10000 - 1)) ]
	# forkgen's forks are some of the host's: those certainly inside are all counted
	[ "$gforks" -gt 0 ]
	[ "$forks" -ge "$gforks" ]
	[ "$csw" -ge "$forks" ]
	# tasks: the kernel's thread count at each interval's read, within what the samples and
	# the forks between them allow
	[ "$(grep -c '^[1-4] ' <<<"$b")" -eq 4 ]
	while read -r k tasks lo hi; do
		echo "interval $k: tasks $tasks, thread count between $lo and $hi"
		[ "$tasks" -ge "$lo" ]
		[ "$tasks" -le "$hi" ]
	done < <(grep '^[1-4] ' <<<"$b")
	# and that count is the threads /proc lists: each thread alive all through the listing is
	# in it, and each in it was alive at some time during it, so it is at most the count
	# before plus the forks from then to after it, and at least the count after minus the
	# forks from before it to then
	thread_count
	f1=$FORKS1 n1=$THREADS
	tids=(/proc/[0-9]*/task/[0-9]*)
	thread_count
	f2=$FORKS1 n2=$THREADS f3=$FORKS2
	listed=${#tids[@]}
	echo "threads in /proc $listed; /proc/loadavg before $n1, after $n2," \
		"$((f3 - f1)) forks from before to after"
	[ "$listed" -le $((n1 + f2 - f1)) ]
	[ "$listed" -ge $((n2 - (f3 - f1))) ]
}
