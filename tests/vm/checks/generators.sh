# The workload generators (dynamically linked; the harness copies their libraries) run in the
# guest and their truth agrees with the kernel's own counters, so the tool checks that compare
# against them compare against something that holds on this kernel too.
# The guest is ours alone: sysctls set here change nothing on the host.
sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1 2>/dev/null

# tcp sockets in TIME_WAIT (state 06) in /proc/net/tcp and tcp6
timewait_count() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "06" { n++ } END { print n + 0 }'
}

if [ -x /kscope/tools/tcpchurn ]; then
	before=$(timewait_count)
	out=$(tcpchurn -n 200 -q 2>&1)
	# the last FINs may still be on their way through the other CPU's softirq: up to 5 s
	i=0
	while [ $i -lt 50 ] && [ $(($(timewait_count) - before)) -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	after=$(timewait_count)
	diag "tcpchurn: $out"
	closes=$(echo "$out" | sed -n 's/.* client_closes=\([0-9]*\).*/\1/p')
	[ "$closes" = 200 ] && ok "tcpchurn -n 200: 200 client closes" ||
		not_ok "tcpchurn -n 200: 200 client closes (got '$closes')"
	[ $((after - before)) -eq 200 ] && ok "tcpchurn: 200 new TIME_WAIT sockets in /proc/net/tcp" ||
		not_ok "tcpchurn: 200 new TIME_WAIT sockets in /proc/net/tcp (got $((after - before)))"
else
	skip "tcpchurn (not built)"
fi

if [ -x /kscope/tools/forkgen ]; then
	out=$(forkgen --mib 16 --forks 20 2>&1)
	diag "forkgen: $out"
	echo "$out" | grep -qE '"forks": ?20[,}]' && ok "forkgen --forks 20 forks 20 times" ||
		not_ok "forkgen --forks 20 forks 20 times"
else
	skip "forkgen (not built)"
fi

if [ -x /kscope/tools/fadvgen ]; then
	out=$(fadvgen -a dontneed -n 100 -s 4096 -f /tmp/fadvgen.log 2>&1)
	diag "fadvgen: $(echo "$out" | tail -1)"
	echo "$out" | tail -1 | grep -qE ' calls=100( |$)' && ok "fadvgen -n 100 makes 100 calls" ||
		not_ok "fadvgen -n 100 makes 100 calls"
else
	skip "fadvgen (not built)"
fi

if [ -x /kscope/tools/emptyprobe ]; then
	# a BPF program from a host-built binary loads and attaches on this kernel
	emptyprobe -d 1 syscalls:sys_enter_getpid >/tmp/emptyprobe.out 2>&1
	status=$?
	[ $status -eq 0 ] && grep -q '^ready' /tmp/emptyprobe.out &&
		ok "emptyprobe attaches a BPF program to a tracepoint" ||
		{ not_ok "emptyprobe attaches a BPF program to a tracepoint"; diag "$(cat /tmp/emptyprobe.out)"; }
fi
