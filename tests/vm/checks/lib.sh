# Helpers for the checks run inside the guest (busybox sh).  Each result is one line on the
# serial console that tests/vm/run counts:  "kscope-vm: ok - WHAT", "... not ok - WHAT",
# "... skip - WHAT (why)"; diagnostics are "kscope-vm: # ...".

ok() { echo "kscope-vm: ok - $CHECK: $*"; }
not_ok() { echo "kscope-vm: not ok - $CHECK: $*"; }
skip() { echo "kscope-vm: skip - $CHECK: $*"; }
diag() { echo "$@" | sed 's/^/kscope-vm: # /'; }

# check WHAT CMD...: ok when CMD succeeds; otherwise not ok, with CMD's output
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		diag "$out" | tail -20
	fi
}

# have TOOL: the static binary is in the initramfs
have() { [ -x "/kscope/$1" ]; }

# kernel_has SYMBOL: the kernel has the function (kallsyms; root sees it)
kernel_has() { grep -qE " [tT] $1\$" /proc/kallsyms; }

# wait_for FILE PATTERN SECONDS: until grep -E finds PATTERN in FILE
wait_for() {
	local i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_for_count FILE PATTERN N SECONDS: until FILE has at least N lines matching PATTERN
wait_for_count() {
	local i=0
	while [ $i -lt $(($4 * 10)) ]; do
		[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# tcp_settled: until no TCP socket is between a close and TIME_WAIT or the end (FIN_WAIT1/2,
# CLOSE_WAIT, LAST_ACK, CLOSING: 04 05 08 09 0B) in /proc/net/tcp{,6}, up to 20 s: a generator's
# exit does not end its connections, their last FINs and ACKs are processed in softirq after it
tcp_settled() {
	local i=0
	while [ $i -lt 200 ]; do
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
			awk '$4 ~ /^(04|05|08|09|0B)$/ { n++ } END { exit n > 0 }' && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# progs_left PREFIX: loaded BPF programs whose name starts with PREFIX
progs_left() {
	bpftool prog list 2>/dev/null | grep -cE "^[0-9]+: [a-z_]+ +name $1"
}

# no_progs_left TOOL: one result, "no TOOL programs left" (names start with the tool's name)
no_progs_left() {
	local n
	n=$(progs_left "$1")
	[ "$n" = 0 ] && ok "no $1 programs left" || not_ok "no $1 programs left ($n)"
}

# inject_mce CPU BANK STATUS MCG_STATUS ADDR MISC: ask the host to type it on QEMU's monitor
inject_mce() {
	echo "kscope-vm: inject mce $*"
}

# json_get LINE KEY: the first value of "KEY" in a one-line JSON object (numbers, true/false,
# null, or a string with its quotes)
json_get() {
	echo "$1" | awk -v k="\"$2\":" '{
		i = index($0, k); if (!i) exit
		s = substr($0, i + length(k)); sub(/^ */, "", s)
		if (s ~ /^"/) { match(s, /^"[^"]*"/); print substr(s, 1, RLENGTH) }
		else { sub(/[],}].*/, "", s); print s }
	}'
}

# tool_start NAME ARGS...: run a tool in the background with its output in /tmp/NAME.out and
# /tmp/NAME.err, until it says it is tracing (or has printed anything on stdout), at most 60 s
# under TCG.  TOOL_PID is its pid.
tool_start() {
	local name=$1 i=0
	shift
	"$@" >/tmp/$name.out 2>/tmp/$name.err &
	TOOL_PID=$!
	while [ $i -lt 600 ]; do
		grep -qE 'Ctrl-C|^Tracing' /tmp/$name.err 2>/dev/null && return 0
		[ -s /tmp/$name.out ] && return 0
		kill -0 $TOOL_PID 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# tool_stop: SIGINT, then its exit status
tool_stop() {
	kill -INT $TOOL_PID 2>/dev/null
	wait $TOOL_PID
}

# in_cgroup PATH CMD...: run CMD inside the cgroup v2 PATH (created here)
in_cgroup() {
	local cg=$1
	shift
	mkdir -p "$cg"
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
