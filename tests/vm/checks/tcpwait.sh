# tcpwait on a kernel with fentry and kprobes: entries into TIME_WAIT are taken exactly from
# tcp_time_wait() (fentry, or kprobe when capped), and agree with the tracepoint inference
# (KSCOPE_HOOKS=tracepoint, the only path this project's host allows) and with tcpchurn's own
# count of client closes; the socket-table iterator agrees with /proc/net/tcp.
if ! have tcpwait; then
	skip "tcpwait (not built)"
	return 0
fi
# the guest is ours alone: these make every client close one TIME_WAIT socket (tcpchurn.c)
sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
CONNS=300

timewait_count() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "06" { n++ } END { print n + 0 }'
}

# tcpwait_run TAG HOOK: tcpchurn -n CONNS (client closes first) under tcpwait -v -j 1, with
# KSCOPE_HOOKS as given (empty: the default plan); checks the hook named and the counts.
tcpwait_run() {
	local tag=$1 hook=$2 churn summary entries closes iter proc said
	if ! KSCOPE_HOOKS=$3 tool_start tcpwait-$tag tcpwait -v -j 1; then
		not_ok "$tag: tcpwait starts and attaches"
		diag "$(tail -20 /tmp/tcpwait-$tag.err)"
		return 0
	fi
	churn=$(tcpchurn -n $CONNS -q 2>&1)
	diag "tcpchurn: $churn"
	closes=$(echo "$churn" | sed -n 's/.* client_closes=\([0-9]*\).*/\1/p')
	tcp_settled || diag "sockets still closing after 20 s"
	# one more interval after that, so the last one has seen every socket
	n=$(grep -c '"time_wait":' /tmp/tcpwait-$tag.out)
	wait_for_count /tmp/tcpwait-$tag.out '"time_wait":' $((n + 1)) 10
	proc=$(timewait_count)
	tool_stop
	status=$?
	summary=$(grep -E '"event": ?"summary"' /tmp/tcpwait-$tag.out | tail -1)
	diag "$(echo "$summary" | cut -c1-500)"
	[ $status -eq 0 ] && ok "$tag: exits 0 on SIGINT" || {
		not_ok "$tag: exits 0 on SIGINT ($status)"
		diag "$(tail -20 /tmp/tcpwait-$tag.err)"
	}
	said=$(echo "$summary" | sed -n 's/.*"hooks": *{"time_wait_entries": *"\([^"]*\)".*/\1/p')
	case $said in
	"$hook"*) ok "$tag: TIME_WAIT entries from $hook ($said)" ;;
	*) not_ok "$tag: TIME_WAIT entries from $hook (says '$said')" ;;
	esac
	entries=$(json_get "$summary" time_wait_entries)
	missed=$(json_get "$summary" missed_events)
	lost=$(json_get "$summary" lost_events)
	# Exact, or short by no more than the program runs the kernel skipped and tcpwait reported
	# (a softirq's state change while a program runs in task context on the same CPU: kprobe
	# and tracepoint programs share one per-CPU guard, fentry programs have one each).
	if [ -n "$entries" ] && [ "$entries" = "$closes" ]; then
		ok "$tag: $entries TIME_WAIT entries = tcpchurn's client closes"
	elif [ -n "$entries" ] && [ "$entries" -lt "$closes" ] &&
		[ $((closes - entries)) -le $((missed + lost)) ]; then
		ok "$tag: $entries TIME_WAIT entries = tcpchurn's $closes client closes" \
			"less the $missed skipped runs tcpwait reports"
	else
		not_ok "$tag: TIME_WAIT entries '$entries' = tcpchurn's client closes '$closes'" \
			"(missed $missed, lost $lost)"
	fi
	iter=$(json_get "$(grep '"time_wait":' /tmp/tcpwait-$tag.out | tail -1)" time_wait)
	[ -n "$iter" ] && [ "$iter" = "$proc" ] &&
		ok "$tag: TIME_WAIT now ($iter) = /proc/net/tcp" ||
		not_ok "$tag: TIME_WAIT now '$iter' = /proc/net/tcp '$proc'"
	[ "$(progs_left tcpwait)" = 0 ] && ok "$tag: no tcpwait programs left" ||
		not_ok "$tag: no tcpwait programs left"
	eval "entries_$tag=\$entries missed_$tag=\$missed"
}

tcpwait_run fentry "fentry tcp_time_wait" ""
tcpwait_run kprobe "kprobe tcp_time_wait" kprobe
tcpwait_run tracepoint "tracepoint sock:inet_sock_set_state" tracepoint
# the same workload on three hooks: they count alike, or differ by no more than each one's
# reported skipped runs
all="$entries_fentry/$entries_kprobe/$entries_tracepoint"
diag "entries fentry/kprobe/tracepoint: $all," \
	"skipped runs $missed_fentry/$missed_kprobe/$missed_tracepoint"
if [ -n "$entries_fentry" ] && [ "$entries_fentry" = "$entries_kprobe" ] &&
	[ "$entries_kprobe" = "$entries_tracepoint" ]; then
	ok "fentry, kprobe and tracepoint paths agree ($entries_fentry entries each)"
elif awk -v f="$entries_fentry" -v k="$entries_kprobe" -v t="$entries_tracepoint" \
	-v mf="$missed_fentry" -v mk="$missed_kprobe" -v mt="$missed_tracepoint" -v n=$CONNS \
	'BEGIN { exit !(f != "" && k != "" && t != "" &&
		n - f <= mf && n - k <= mk && n - t <= mt) }'; then
	ok "fentry, kprobe and tracepoint paths agree within the runs each reported skipped"
else
	not_ok "fentry, kprobe and tracepoint paths agree ($all)"
fi
