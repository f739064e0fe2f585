#!/usr/bin/env bats
# tcpchurn is the truth tcpwait's tests and benchmark stand on, so its own counts are checked
# against the kernel: `ss` (who holds TIME_WAIT, how many) and the namespace's /proc/net/snmp
# (ActiveOpens, PassiveOpens).  Everything runs in a network namespace made for the test, where
# tcp_tw_reuse=0 (the default 2 recycles loopback TIME_WAIT ports, so nothing would run out)
# and tcp_rfc1337=1 (otherwise an RST answering a reordered loopback ACK can kill a
# TIME_WAIT socket early: see tools/tcpchurn.c).

load lib

setup() {
	NS=$(netns_create churn)
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	CHURN=$GEN/tcpchurn
}

teardown() {
	kill_test_processes
	[ -n "${HOLD_PID:-}" ] && kill -INT "$HOLD_PID" 2>/dev/null
	netns_delete "$NS"
}

# sockets in TIME_WAIT in the test's namespace matching an ss filter
tw_count() {
	ip netns exec "$NS" ss -tanH state time-wait "$@" | wc -l
}

# tw_count_settles N FILTER...: true once the count is N.  The generator returns when the last
# FIN has been sent; under load the softirq that moves the peer's orphan from FIN_WAIT2 into
# TIME_WAIT may run a moment later, so wait (bounded) for the kernel, then compare exactly.
tw_count_settles() {
	local want=$1 got
	shift
	for _ in $(seq 30); do
		got=$(tw_count "$@")
		[ "$got" -eq "$want" ] && return 0
		sleep 0.1
	done
	echo "TIME_WAIT $*: $got, want $want"
	return 1
}

# a TCP counter of the namespace (ActiveOpens, PassiveOpens...) from /proc/net/snmp
snmp_tcp() {
	ip netns exec "$NS" awk -v f="$1" '$1 == "Tcp:" {
		if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 } else print $col[f] }' \
		/proc/net/snmp
}

@test "client-close: N connections leave N TIME_WAIT sockets on the client side" {
	run ip netns exec "$NS" "$CHURN" -m client-close -n 300 -P 7001
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv connects "$output")" -eq 300 ]
	[ "$(kv accepted "$output")" -eq 300 ]
	[ "$(kv client_closes "$output")" -eq 300 ]
	[ "$(kv server_closes "$output")" -eq 0 ]
	[ "$(snmp_tcp ActiveOpens)" -eq 300 ]
	[ "$(snmp_tcp PassiveOpens)" -eq 300 ]
	# the client holds them: remote port is the server's, none has it as local port
	tw_count_settles 300 dport = :7001
	[ "$(tw_count sport = :7001)" -eq 0 ]
}

@test "server-close: TIME_WAIT sits on the server's port" {
	run ip netns exec "$NS" "$CHURN" -m server-close -n 300 -P 7002 -c 2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv connects "$output")" -eq 300 ]
	[ "$(kv server_closes "$output")" -eq 300 ]
	[ "$(kv client_closes "$output")" -eq 0 ]
	tw_count_settles 300 sport = :7002
	[ "$(tw_count dport = :7002)" -eq 0 ]
}

@test "EADDRNOTAVAIL: with 100 ports and no reuse, N-100 of N sequential connects fail" {
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 20099"
	run ip netns exec "$NS" "$CHURN" -n 250 -P 7003 -k
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv attempts "$output")" -eq 250 ]
	[ "$(kv connects "$output")" -eq 100 ]
	[ "$(kv eaddrnotavail "$output")" -eq 150 ]
	[ "$(kv errors "$output")" -eq 0 ]
	[ "$(snmp_tcp ActiveOpens)" -eq 100 ]
	tw_count_settles 100 dport = :7003

	# without -k the first failure stops the run, with its own exit status
	run ip netns exec "$NS" "$CHURN" -n 50 -P 7003
	echo "$output"
	[ "$status" -eq 3 ]
	[ "$(kv attempts "$output")" -eq 1 ]
	[ "$(kv eaddrnotavail "$output")" -eq 1 ]
	# --max-fail M stops after the M-th
	run ip netns exec "$NS" "$CHURN" -n 50 -P 7003 --max-fail 5
	[ "$status" -eq 3 ]
	[ "$(kv eaddrnotavail "$output")" -eq 5 ]
	[ "$(kv attempts "$output")" -eq 5 ]
}

@test "a fixed local address runs out of ports through connect(), not bind()" {
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 20099"
	run ip netns exec "$NS" "$CHURN" -n 120 -P 7004 -b 127.0.0.2 -k
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv connects "$output")" -eq 100 ]
	[ "$(kv eaddrnotavail "$output")" -eq 20 ]
	tw_count_settles 100 src 127.0.0.2 dport = :7004
}

@test "fail-race: every connect() of every round fails with EADDRNOTAVAIL, then each address gets one TIME_WAIT" {
	# bind() holds both ports of the range: connect() never gets one (no ActiveOpens, no SYN)
	# until the rounds end and the ports are let go; strace counts the failed calls
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 20001"
	run ip netns exec "$NS" strace -f -qq -e trace=connect -e status=failed \
		-o "$BATS_TEST_TMPDIR/strace" "$CHURN" -m fail-race -n 100 -P 7006
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv rounds "$output")" -eq 100 ]
	[ "$(kv eaddrnotavail "$output")" -eq 200 ]
	[ "$(kv connects "$output")" -eq 100 ]
	[ "$(kv errors "$output")" -eq 0 ]
	[ "$(kv ports_held "$output")" -eq 2 ]
	[ "$(grep -c 'connect(.*= -1 EADDRNOTAVAIL' "$BATS_TEST_TMPDIR/strace")" -eq 200 ]
	[ "$(grep -c 'connect(' "$BATS_TEST_TMPDIR/strace")" -eq 200 ]
	[ "$(snmp_tcp ActiveOpens)" -eq 100 ]
	# one TIME_WAIT socket towards each of 100 addresses, 127.1.0.1 to 127.1.0.100
	tw_count_settles 100 dport = :7006
	[ "$(ip netns exec "$NS" ss -tanH state time-wait dport = :7006 |
		awk '{ sub(/:7006$/, "", $4); print $4 }' | sort -u | wc -l)" -eq 100 ]
	[ "$(tw_count dst 127.1.0.100)" -eq 1 ]

	# a range it cannot hold: one sentence, exit 1, no connect() made
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 29999"
	run ip netns exec "$NS" "$CHURN" -m fail-race -n 10 -P 7007
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"set at most 1024"* ]]
	[ "$(kv attempts "$output")" -eq 0 ]
}

@test "IPv6: client-close and server-close work the same" {
	run ip netns exec "$NS" "$CHURN" -6 -n 200 -P 7005
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv family "$output")" -eq 6 ]
	[ "$(kv connects "$output")" -eq 200 ]
	tw_count_settles 200 -6 dport = :7005
	[ "$(tw_count -4)" -eq 0 ]
	run ip netns exec "$NS" "$CHURN" -a ::1 -m server-close -n 200 -P 7006
	[ "$status" -eq 0 ]
	tw_count_settles 200 -6 sport = :7006
}

@test "--pids, --wait-start and --hold: the pids are the two sides, held until a signal" {
	out=$BATS_TEST_TMPDIR/churn.out
	ip netns exec "$NS" "$CHURN" -n 50 -P 7007 --pids --wait-start --hold >"$out" &
	HOLD_PID=$!
	wait_for_file "$out"
	client=$(kv client_pid "$(cat "$out")")
	server=$(kv server_pid "$(cat "$out")")
	# ip netns exec execs the generator: $! is the client itself, the server its child
	[ "$client" -eq "$HOLD_PID" ]
	[ "$(awk '{ print $4 }' /proc/"$server"/stat)" -eq "$client" ]
	sleep 0.3
	# nothing happens before SIGUSR1
	[ "$(snmp_tcp ActiveOpens)" -eq 0 ]
	kill -USR1 "$client"
	for _ in $(seq 50); do grep -q '^mode=' "$out" && break; sleep 0.1; done
	grep '^mode=' "$out"
	[ "$(kv connects "$(cat "$out")")" -eq 50 ]
	# held: both still alive while a test looks at ss
	kill -0 "$client"
	kill -0 "$server"
	tw_count_settles 50 dport = :7007
	kill -INT "$client"
	wait "$client"
	HOLD_PID=
	run kill -0 "$server"
	[ "$status" -ne 0 ]
}

@test "bad input exits 2 with one line" {
	for args in "-m sideways" "-n 0" "-n -3" "-P 70000" "-a 300.1.1.1" "-a ::1 -b 127.0.0.1" \
		"-c 0" "-r -1" "--bogus" "extra" "-m fail-race -6" "-m fail-race -c 2" \
		"-m fail-race -n 65535"; do
		# shellcheck disable=SC2086
		run "$CHURN" $args
		echo "$args: $status: $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -le 2 ]
	done
}
