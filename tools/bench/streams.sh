#!/usr/bin/env bash
# Event streams: how many events a second each stream carries into a file with nothing lost.
# A generator offers a burst at the fastest rate this machine makes (tcpchurn: ~10 state
# changes per connection, 2 client threads; fadvgen: one event per fadvise call; forkgen: one
# per fork), into `tool > file`; each round prints the offered rate (the generator's own count
# over its own elapsed time) and what the tool printed, lost (ring buffer full) and missed
# (the kernel skipped the program).  bcc's libbpf-tools tcpstates takes the same churn as the
# anchor (its perf buffer's "lost N events" lines are summed).  A stream "keeps up" at the
# offered rate when lost is 0; beyond that rate, printed + lost + missed still equals the
# generator's count.
#
# Not a lib.sh benchmark: the figure is a count, not a time, so there is nothing to alternate
# against a bare run.  Knobs: BENCH_CONNS (connections per round, default 20000),
# BENCH_CALLS (fadvise calls, 300000), BENCH_FORKS (20000), BENCH_ROUNDS (3).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/build
G=$B/tools
CONNS=${BENCH_CONNS:-20000}
CALLS=${BENCH_CALLS:-300000}
FORKS=${BENCH_FORKS:-20000}
ROUNDS=${BENCH_ROUNDS:-3}
TMP=$(mktemp -d /tmp/kscope-bench-streams.XXXXXX) || exit 1
NS=kscope-bench-streams-$$
TPID=

cleanup() {
	[ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

for t in tcpwait fadvtop forklat tools/tcpchurn tools/fadvgen tools/forkgen; do
	[ -x "$B/$t" ] || { echo "streams: build/$t is missing; run make all" >&2; exit 77; }
done
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
# a wide port range and TIME_WAIT reuse: the churn must not run out of ports across rounds
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="10000 60999" net.ipv4.tcp_tw_reuse=1

kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | tail -1; }

# start CMD...: stdout to $TMP/out, stderr to $TMP/err; wait until it has attached
start() {
	"$@" >"$TMP/out" 2>"$TMP/err" &
	TPID=$!
	for _ in $(seq 200); do
		readlink /proc/"$TPID"/fd/* 2>/dev/null | grep -q 'bpf_link\|perf_event' && break
		sleep 0.1
	done
	sleep 0.5
}

stop() {
	kill -INT "$TPID"
	wait "$TPID" 2>/dev/null
	TPID=
}

row() { printf '%-9s %-10s %5s %11s %9s %9s %9s %7s\n' "$@"; }

row stream tracer round offered/s printed lost missed lost%
for ((r = 1; r <= ROUNDS; r++)); do
	for tracer in tcpwait tcpstates; do
		if [ $tracer = tcpwait ]; then
			start "$B/tcpwait" --netns "$NS" --events -j
		else
			command -v /usr/sbin/tcpstates >/dev/null || continue
			start /usr/sbin/tcpstates
		fi
		gen=$(ip netns exec "$NS" "$G/tcpchurn" -n "$CONNS" -c 2 -P 7400 -q)
		sleep 0.5
		stop
		want=$(($(kv connects "$gen") * 10 + 2))
		rate=$((want * 1000000000 / $(kv elapsed_ns "$gen")))
		if [ $tracer = tcpwait ]; then
			printed=$(grep -vc '"summary"' "$TMP/out")
			s=$(grep '"summary"' "$TMP/out")
			lost=$(jq .lost_events <<<"$s")
			missed=$(jq .missed_events <<<"$s")
		else
			# the header line is not an event; events of other namespaces count too
			printed=$(($(wc -l <"$TMP/out") - 1))
			lost=$(grep -o 'lost [0-9]* events' "$TMP/err" | awk '{ s += $2 } END { print s + 0 }')
			missed=-
		fi
		row tcp $tracer "$r" "$rate" "$printed" "$lost" "$missed" \
			"$(awk -v l="$lost" -v w="$want" 'BEGIN { printf "%.1f", 100 * l / w }')"
	done

	start "$B/fadvtop" --events -j
	gen=$("$G/fadvgen" -m advise -a dontneed -n "$CALLS" -s 4096)
	stop
	pid=$(kv pid "$gen")
	s=$(jq -c 'select(.event == "summary") | {lost_events, missed_events}' "$TMP/out")
	row fadvise fadvtop "$r" "$(($(kv calls "$gen") * 1000000000 / $(kv ns "$gen")))" \
		"$(jq -c "select(.pid == $pid and .advice)" "$TMP/out" | wc -l)" \
		"$(jq .lost_events <<<"$s")" "$(jq .missed_events <<<"$s")" \
		"$(awk -v l="$(jq .lost_events <<<"$s")" -v w="$CALLS" 'BEGIN { printf "%.1f", 100 * l / w }')"

	start "$B/forklat" --min-ms 0 -j
	gen=$("$G/forkgen" --forks "$FORKS" --via vfork)
	stop
	pid=$(jq .pid <<<"$gen")
	s=$(jq -c 'select(.event == "summary") | {lost_events, missed_events}' "$TMP/out")
	row fork forklat "$r" "$(jq "(.forks * 1e9 / .wall_ns) | floor" <<<"$gen")" \
		"$(jq -c "select(.event == \"fork\" and .pid == $pid)" "$TMP/out" | wc -l)" \
		"$(jq .lost_events <<<"$s")" "$(jq .missed_events <<<"$s")" \
		"$(awk -v l="$(jq .lost_events <<<"$s")" -v w="$FORKS" 'BEGIN { printf "%.1f", 100 * l / w }')"
done
