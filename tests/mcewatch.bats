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

# snapshot: "TIME CTXT PROCESSES FORKGEN_LINES" now: /proc/stat's switch and fork counters and
# forkgen's own count of its forks (one --each line per fork)
snapshot() {
	echo "$(date +%s.%N) $(awk '$1 == "ctxt" { c = $2 } $1 == "processes" { p = $2 }
		END { print c, p }' /proc/stat) $(wc -l <"$1")"
}

@test "live JSON: interval context agrees with /proc/stat, forkgen and the thread count" {
	local out each gen a b span csw forks gforks pcsw pforks threads tasks first last
	local ta ca pa ga tb cb pb gb
	tp_exists ras mc_event || tp_exists mce mce_record || tp_exists ras aer_event ||
		skip "no RAS tracepoint on this kernel"
	[ -x "$BUILD/tools/forkgen" ] || skip "build/tools/forkgen is not built"
	out=$BATS_TEST_TMPDIR/out
	each=$BATS_TEST_TMPDIR/each
	# a known load for the whole window: 1000 forks/s asked (a busy host runs it slower),
	# --each: one line per fork, so forkgen's own count of the window is its lines
	"$BUILD/tools/forkgen" --forks 20000 --rate 1000 --each >/dev/null 2>"$each" &
	gen=$!
	wait_for_file "$each" 10
	# The window compared is the tool's intervals 2-4, and /proc/stat is read when their
	# lines appear: the same 3 s, whatever the tool's start-up took and whatever else runs
	# (a fixed span around the whole run judged start-up, and failed on a busy host).
	: >"$out"
	"$MCEWATCH" -j 1 4 >"$out" &
	TOOL_PID=$!
	# polled every 20 ms: the reads lag the prints by about as much at each end
	wait_until "[ \$(grep -c '\"event\":\"interval\"' '$out') -ge 1 ]" 30 0.02
	a=$(snapshot "$each")
	wait_until "[ \$(grep -c '\"event\":\"interval\"' '$out') -ge 4 ]" 30 0.02
	b=$(snapshot "$each")
	wait "$TOOL_PID"
	TOOL_PID=
	kill "$gen"
	wait "$gen" || true
	cat "$out"
	[ "$(grep -c '"event":"interval"' "$out")" -eq 4 ]
	grep -q '"event":"summary"' "$out"
	# intervals 2-4: the sums of their per-second rates, and their span (ts: when printed)
	first=$(grep '"event":"interval"' "$out" | sed -n 1p | grep -oE '"ts":[0-9.]+' | cut -d: -f2)
	last=$(grep '"event":"interval"' "$out" | sed -n 4p | grep -oE '"ts":[0-9.]+' | cut -d: -f2)
	csw=$(grep '"event":"interval"' "$out" | sed -n 2,4p | grep -oE '"csw_per_s":[0-9.e+]+' |
		cut -d: -f2 | awk '{ s += $1 } END { printf "%d", s }')
	forks=$(grep '"event":"interval"' "$out" | sed -n 2,4p |
		grep -oE '"forks_per_s":[0-9.e+]+' | cut -d: -f2 | awk '{ s += $1 } END { printf "%d", s }')
	read -r ta ca pa ga <<<"$a"
	read -r tb cb pb gb <<<"$b"
	span=$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f", b - a }')
	# /proc/stat's and forkgen's counts over our span, scaled to the tool's 3 s: rates compared
	pcsw=$(awk -v n=$((cb - ca)) -v s="$span" 'BEGIN { printf "%d", n * 3 / s }')
	pforks=$(awk -v n=$((pb - pa)) -v s="$span" 'BEGIN { printf "%d", n * 3 / s }')
	gforks=$(awk -v n=$((gb - ga)) -v s="$span" 'BEGIN { printf "%d", n * 3 / s }')
	echo "tool, intervals 2-4 ($(awk -v a="$first" -v b="$last" 'BEGIN { print b - a }') s):" \
		"$csw switches, $forks forks; over our $span s, per 3 s: /proc/stat $pcsw switches," \
		"$pforks forks; forkgen $gforks forks"
	# nearly the same window (a starved poll lags a print by up to a few tenths of a second
	# on a busy host, hence rates, not counts): the tool's rates equal the kernel's within 15%
	[ "$csw" -le $((pcsw * 115 / 100)) ]
	[ "$csw" -ge $((pcsw * 85 / 100)) ]
	[ "$forks" -le $((pforks * 115 / 100 + 5)) ]
	[ "$forks" -ge $((pforks * 85 / 100)) ]
	# forkgen's forks are some of the host's: all of them are counted (same margin)
	[ "$gforks" -gt 0 ]
	[ "$forks" -ge $((gforks * 85 / 100)) ]
	[ "$csw" -ge "$forks" ]
	# tasks: the kernel's thread count, as /proc/*/task lists them (±10%: threads come and go)
	threads=$(ls -d /proc/[0-9]*/task/[0-9]* 2>/dev/null | wc -l)
	tasks=$(grep '"event":"interval"' "$out" | tail -1 | grep -oE '"tasks":[0-9]+' | cut -d: -f2)
	echo "tasks $tasks, threads in /proc $threads"
	[ "$tasks" -ge $((threads * 9 / 10)) ]
	[ "$tasks" -le $((threads * 11 / 10 + 5)) ]
}
