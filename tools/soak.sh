#!/usr/bin/env bash
# tools/soak.sh: run a kscope tool as the daemon it is on a fleet (--prom-file, no count) under
# a long churn, and sample what could grow: its RSS (/proc/PID/status VmRSS, VmHWM), its open
# fds, the metrics file, and every BPF map it holds (bpftool: type, max_entries, memlock, and
# the live entries of hash maps).  Prints two tables and a verdict; exit 1 when the tool died,
# the file went stale, or RSS grew by more than SOAK_MAX_GROWTH_KIB after the warm-up.
#
# Usage: tools/soak.sh [-d SECONDS] [-s SECONDS] [-o FILE] TOOL
#   -d  duration (default 600: the "at least 10 minutes" daemons are judged on)
#   -s  sample every SECONDS (default 30)
#   -o  also write the report to FILE
# Tools and their churn (generators from build/tools, in a netns or cgroup made here):
#   tcpwait  tcpchurn client-close and server-close, 1000 conn/s, 30 process names (more than
#            --prom-top, so the "other" row is exercised), 50 server ports, in a fresh netns
#   forklat  forkgen forks of a 64 MiB parent        fadvtop  fadvgen DONTNEED calls
#   mcewatch idle (machine checks cannot be made on demand here; the timer and file still run)
# Environment: SOAK_MAX_GROWTH_KIB (default 2048), SOAK_WARMUP (default 60 s: libc arenas,
# the cgroup cache and the socket scan's buffers reach their size), BUILD (default build).
# Growth is judged as max RSS in the second half of the samples after the warm-up minus max RSS
# in the first half: a daemon whose memory follows its load (tcpwait's socket scan holds one
# record per TIME_WAIT socket) goes up and down, one that leaks climbs.  Entry counts of LRU
# maps come from walking them while the kernel updates them, so under churn they are approximate
# (a walk can see a key twice); max_entries is the bound.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DURATION=600 STEP=30 REPORT=
MAX_GROWTH=${SOAK_MAX_GROWTH_KIB:-2048}
WARMUP=${SOAK_WARMUP:-60}

usage() {
	sed -n '8,12p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while getopts d:s:o:h opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	s) STEP=$OPTARG ;;
	o) REPORT=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
TOOL=$1
[[ $DURATION =~ ^[1-9][0-9]*$ && $STEP =~ ^[1-9][0-9]*$ ]] || {
	echo "soak: -d and -s take whole seconds" >&2
	exit 2
}
[ -x "$BUILD/$TOOL" ] || { echo "soak: $BUILD/$TOOL is not built (make all)" >&2; exit 1; }
for c in bpftool jq ip; do
	command -v $c >/dev/null || { echo "soak: $c is missing (make deps)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/kscope-soak.XXXXXX) || exit 1
PROM=$TMP/$TOOL.prom
NS= CG= TOOL_PID= CHURN_PID=
cleanup() {
	[ -n "$CHURN_PID" ] && kill "$CHURN_PID" 2>/dev/null && wait "$CHURN_PID" 2>/dev/null
	[ -n "$TOOL_PID" ] && kill -TERM "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	[ -n "$NS" ] && ip netns delete "$NS" 2>/dev/null
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		while read -r p; do echo "$p" >"$(dirname "$CG")/cgroup.procs"; done <"$CG/cgroup.procs"
		rmdir "$CG" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The churn runs in a subshell until killed; each loop is a fresh generator process.
churn_tcpwait() {
	local i=0 names=() n
	for n in $(seq -w 1 30); do
		ln -s "$BUILD/tools/tcpchurn" "$TMP/churn-$n"
		names+=("$TMP/churn-$n")
	done
	while :; do
		ip netns exec "$NS" "${names[i % 30]}" -m client-close -n 2000 -r 1000 -k -q \
			-P $((7000 + i % 50)) >/dev/null 2>&1
		ip netns exec "$NS" "${names[(i + 7) % 30]}" -m server-close -n 500 -r 1000 -q \
			-P $((8000 + i % 50)) >/dev/null 2>&1
		i=$((i + 1))
	done
}
churn_forklat() {
	while :; do
		"$BUILD/tools/forkgen" --mib 64 --forks 200 --rate 100 >/dev/null 2>&1
	done
}
churn_fadvtop() {
	local f=$TMP/fadv.data
	while :; do
		"$BUILD/tools/fadvgen" -m advise -a dontneed -n 20000 -f "$f" >/dev/null 2>&1
		sleep 0.1
	done
}
churn_mcewatch() {
	while :; do sleep 3600; done
}

tool_args=()
case $TOOL in
tcpwait)
	NS=kscope-soak-$$
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
		ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="10000 60999" \
			net.ipv4.tcp_tw_reuse=0 || exit 1
	tool_args=(--netns "$NS")
	;;
forklat | fadvtop)
	CG=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)/kscope-soak-$$
	mkdir "$CG" || exit 1
	tool_args=(-c "$CG")
	;;
mcewatch) ;;
*)
	echo "soak: no churn for $TOOL (tcpwait, forklat, fadvtop, mcewatch)" >&2
	exit 2
	;;
esac

"$BUILD/$TOOL" "${tool_args[@]}" --prom-file "$PROM" 1 >"$TMP/stdout" 2>"$TMP/stderr" &
TOOL_PID=$!
for _ in $(seq 100); do [ -s "$PROM" ] && break; sleep 0.1; done
if [ ! -s "$PROM" ]; then
	echo "soak: $TOOL wrote no $PROM within 10 s:" >&2
	cat "$TMP/stderr" >&2
	exit 1
fi
if [ -n "$CG" ]; then
	(echo "$BASHPID" >"$CG/cgroup.procs" && "churn_$TOOL") &
else
	"churn_$TOOL" &
fi
CHURN_PID=$!

# map id -> "name type max_entries bytes_memlock entries"; entries only for hash maps (arrays
# are always full, a ring buffer has none)
map_rows() {
	local id info type entries
	for id in $(grep -hs '^map_id:' /proc/"$TOOL_PID"/fdinfo/* | awk '{ print $2 }' | sort -un); do
		info=$(bpftool map show id "$id" -j 2>/dev/null) || continue
		type=$(jq -r .type <<<"$info")
		entries=-
		case $type in
		*hash*) entries=$(bpftool map dump id "$id" -j 2>/dev/null | jq length) ;;
		esac
		jq -r --arg e "$entries" '"\(.name) \(.type) \(.max_entries) \(.bytes_memlock) \($e)"' \
			<<<"$info"
	done
}

status_kib() { awk -v k="$1:" '$1 == k { print $2 }' /proc/"$TOOL_PID"/status; }

proc_table=$TMP/proc.txt map_table=$TMP/maps.txt
# the workload's size as the tool reports it, to read RSS against
load_metric=
[ "$TOOL" = tcpwait ] && load_metric=kscope_tcpwait_time_wait
printf '%8s %10s %10s %5s %10s %8s %9s %10s\n' T_S RSS_KIB HWM_KIB FDS PROM_BYTES SERIES \
	FILE_AGE LOAD >"$proc_table"
printf '%8s %-24s %-15s %8s %10s %12s\n' T_S MAP TYPE ENTRIES MAX MEMLOCK_KIB >"$map_table"
start=$(date +%s)
rss_warm= rss_last= rss_max=0 stale=0 died=0 rss_samples=()
while :; do
	now=$(date +%s)
	t=$((now - start))
	if ! kill -0 "$TOOL_PID" 2>/dev/null; then
		died=1
		break
	fi
	rss=$(status_kib VmRSS) hwm=$(status_kib VmHWM)
	fds=$(find /proc/"$TOOL_PID"/fd -mindepth 1 2>/dev/null | wc -l)
	age=$((now - $(stat -c %Y "$PROM")))
	[ "$age" -gt 5 ] && stale=1
	load=-
	[ -n "$load_metric" ] && load=$(awk -v m="$load_metric" '$1 == m || index($1, m "{") == 1 { print $2 }' "$PROM")
	printf '%8d %10d %10d %5d %10d %8d %9d %10s\n' "$t" "$rss" "$hwm" "$fds" \
		"$(stat -c %s "$PROM")" "$(grep -vc '^#' "$PROM")" "$age" "$load" >>"$proc_table"
	[ "$t" -ge "$WARMUP" ] && rss_samples+=("$rss")
	map_rows | while read -r name type max memlock entries; do
		printf '%8d %-24s %-15s %8s %10d %12d\n' "$t" "$name" "$type" "$entries" "$max" \
			$((memlock / 1024)) >>"$map_table"
	done
	[ -z "$rss_warm" ] && [ "$t" -ge "$WARMUP" ] && rss_warm=$rss
	rss_last=$rss
	[ "$rss" -gt "$rss_max" ] && rss_max=$rss
	[ "$t" -ge "$DURATION" ] && break
	sleep $((STEP - ($(date +%s) - now) > 0 ? STEP - ($(date +%s) - now) : 1))
done
cp "$PROM" "$TMP/last.prom" 2>/dev/null
kill "$CHURN_PID" 2>/dev/null
wait "$CHURN_PID" 2>/dev/null
CHURN_PID=
tcpwait_tw=
[ -n "$NS" ] && tcpwait_tw=$(ip netns exec "$NS" ss -tanH state time-wait | wc -l)
kill -TERM "$TOOL_PID" 2>/dev/null
wait "$TOOL_PID"
status=$?
TOOL_PID=

half=$((${#rss_samples[@]} / 2))
first_max=0 second_max=0
for ((i = 0; i < ${#rss_samples[@]}; i++)); do
	if [ $i -lt $half ]; then
		[ "${rss_samples[i]}" -gt $first_max ] && first_max=${rss_samples[i]}
	else
		[ "${rss_samples[i]}" -gt $second_max ] && second_max=${rss_samples[i]}
	fi
done
growth=0
[ $half -gt 0 ] && growth=$((second_max - first_max))

{
	echo "# soak: $TOOL --prom-file, $DURATION s, sampled every $STEP s ($(uname -r), $(nproc) CPUs)"
	echo "## process"
	cat "$proc_table"
	echo "## maps"
	cat "$map_table"
	echo "## verdict"
	[ -n "$rss_warm" ] || rss_warm=$rss_last
	echo "rss_after_warmup_kib=$rss_warm rss_end_kib=$rss_last rss_max_kib=$rss_max" \
		"growth_kib=$growth (max of the second half - max of the first) limit_kib=$MAX_GROWTH"
	echo "series_end=$(grep -vc '^#' "$TMP/last.prom" 2>/dev/null)" \
		"exit_status=$status died=$died stale_file=$stale"
	[ -n "$tcpwait_tw" ] && echo "ss_time_wait_at_end=$tcpwait_tw"
	if command -v promtool >/dev/null && [ -s "$TMP/last.prom" ]; then
		promtool check metrics <"$TMP/last.prom" >/dev/null 2>&1 &&
			echo "promtool_check_metrics=ok" || echo "promtool_check_metrics=FAILED"
	fi
	[ -s "$TMP/stderr" ] && { echo "## $TOOL stderr"; tail -5 "$TMP/stderr"; }
} | if [ -n "$REPORT" ]; then tee "$REPORT"; else cat; fi

[ "$died" -eq 0 ] && [ "$stale" -eq 0 ] && [ "$status" -eq 0 ] && [ "$growth" -le "$MAX_GROWTH" ]
