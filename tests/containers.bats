#!/usr/bin/env bats
# Container hosts as they really are: real podman and docker containers (each in its own
# cgroup and network namespace), and the ways an SRE names one with -c.  Truth comes from
# the runtimes (`podman ps`/`docker ps` ids, the container's pid), /proc/PID/cgroup, stat of
# the cgroup directory (its inode is the cgroup id), the generators' own counts, and `ss` run
# inside each container's namespace.  Where neither runtime can start, the real-runtime tests
# say why in one line and skip; the hand-made cgroup tests still run.

load lib
load containers

setup_file() {
	ctr_setup_file
}

teardown_file() {
	ctr_teardown_file
}

setup() {
	TMP=$(mktemp -d /var/tmp/containers-test.XXXXXX)
	TOOL_PID=
	CGROUPS=()
	NAMES=()
	# this file's cgroups, below the shared test top, which other files may be using
	MINE=containers-$$
}

teardown() {
	kill_test_processes
	[ -n "$TOOL_PID" ] && kill -KILL "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	local n
	for n in "${NAMES[@]}"; do ctr_rm "${n%%:*}" "${n#*:}"; done
	for cg in "${CGROUPS[@]}"; do cgroup_delete "$cg"; done
	rm -rf "$TMP"
}

hex64() {
	od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# resolved TOOLARGS...: the cgroup id a tool resolved its -c to (its -v line), or its error
resolved() {
	run "$BUILD/netcheck" watch -v "$@" 0.05 1
	[ "$status" -eq 0 ] || {
		echo "$output"
		return 1
	}
	sed -n "s/.*--cgroup '.*' is cgroup id \([0-9]*\),.*/\1/p" <<<"$output"
}

# start RUNTIME: a container of this file's image in its own namespaces; sets ID, CPID
start() {
	local name=kscope-test-$$-${#NAMES[@]}
	ID=$(ctr_run "$1" "$name") || return 1
	NAMES+=("$1:$name")
	CPID=$(ctr_pid "$1" "$name")
	[ -n "$ID" ] && [ -n "$CPID" ]
}

@test "-c takes the cgroup as printed, as /proc/PID/cgroup shows it, its full path, an id prefix or a pod uid" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	local id uid pod cg want
	id=$(hex64)
	uid=$(cat /proc/sys/kernel/random/uuid)
	pod="$MINE/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid//-/_}.slice"
	cg=$(cgroup_create "$MINE/system.slice/docker-$id.scope")
	CGROUPS+=("$(cgroup2_root)/$CGROUP_TEST_TOP/$MINE")
	want=$(stat -c %i "$cg")
	[ "$(resolved -c "/$CGROUP_TEST_TOP/$MINE/system.slice/docker-$id.scope")" = "$want" ]
	[ "$(resolved -c "$CGROUP_TEST_TOP/$MINE/system.slice/docker-$id.scope")" = "$want" ]
	[ "$(resolved -c "$cg")" = "$want" ]
	[ "$(resolved -c "$id")" = "$want" ]
	[ "$(resolved -c "${id:0:12}")" = "$want" ]
	[ "$(resolved -j -c "${id:0:12}")" = "$want" ]
	# a process's own line in /proc/PID/cgroup, taken as it is
	sh -c 'echo $$ >"$0/cgroup.procs" && exec sleep 30' "$cg" &
	local p=$!
	for _ in $(seq 50); do grep -q "docker-$id" /proc/$p/cgroup && break; sleep 0.1; done
	[ "$(resolved -c "$(awk -F: '$1 == 0 { print $3 }' /proc/$p/cgroup)")" = "$want" ]
	kill $p
	wait $p || true
	# the pod's own cgroup, by its uid with dashes and as the systemd driver spells it
	cg=$(cgroup_create "$pod")
	want=$(stat -c %i "$cg")
	[ "$(resolved -c "$uid")" = "$want" ]
	[ "$(resolved -c "${uid//-/_}")" = "$want" ]
}

@test "-c with an ambiguous prefix, too short a prefix or no match: one line naming it and where, exit 2" {
	[ -n "$(cgroup2_root)" ] || skip "no cgroup v2 hierarchy"
	local a b tool
	a=c0ffee00000a$(hex64 | cut -c13-64)
	b=c0ffee00000a$(hex64 | cut -c13-64)
	local want
	want=$(stat -c %i "$(cgroup_create "$MINE/system.slice/docker-$a.scope")")
	cgroup_create "$MINE/system.slice/libpod-$b.scope" >/dev/null
	CGROUPS+=("$(cgroup2_root)/$CGROUP_TEST_TOP/$MINE")
	for tool in forklat fadvtop tcpwait "netcheck watch"; do
		run $BUILD/$tool -c c0ffee00000a 1
		[ "$status" -eq 2 ]
		grep -q "more than one container (${a:0:12} and ${b:0:12}\|more than one container (${b:0:12} and ${a:0:12}" <<<"${lines[0]}"
		grep -q "under $(cgroup2_root)" <<<"${lines[0]}"
		run $BUILD/$tool -c c0ffee 1
		[ "$status" -eq 2 ]
		grep -q "at least 12 hex digits" <<<"${lines[0]}"
		run $BUILD/$tool -c 0123456789abcdef0123 1
		[ "$status" -eq 2 ]
		grep -q "'0123456789abcdef0123': no cgroup below $(cgroup2_root) has that path, nor names that container id" <<<"${lines[0]}"
	done
	# a longer prefix tells them apart
	[ "$(resolved -c "${a:0:16}")" = "$want" ]
}

@test "-C with no cgroup v2 mount in sight says once that containers cannot be named" {
	local root
	root=$(cgroup2_root)
	[ -n "$root" ] || skip "no cgroup v2 hierarchy"
	# a private mount namespace without the cgroup2 mount, like a container without /sys/fs/cgroup
	# forks go on until forklat has ended, so its intervals have rows
	run unshare -m --propagation private sh -c "umount -l '$root' || exit 9
		'$BUILD/forklat' -C -j 0.1 3 & f=\$!
		while kill -0 \$f 2>/dev/null; do '$GEN/forkgen' --forks 5 >/dev/null; done
		wait \$f"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'no cgroup v2 hierarchy is mounted here' <<<"$output")" -eq 1 ]
	# rows carry the cgroup id, and no container
	grep '^{' <<<"$output" | jq -se '[.[] | .procs[]?] | length > 0 and
		all(.[]; .container == null and .cgroup == null and .cgroup_id > 0)'
}

@test "fadvtop -C and -c ID in real containers: each container's calls equal its generator's" {
	ctr_need
	local rts ida idb
	rts=($(ctr_pick 2))
	start "${rts[0]}"
	ida=$ID
	start "${rts[1]}"
	idb=$ID
	"$BUILD/fadvtop" -C -j 0.5 >"$TMP/out" 2>"$TMP/err" &
	TOOL_PID=$!
	"$BUILD/fadvtop" -c "${idb:0:12}" -j 0.5 >"$TMP/only" 2>"$TMP/only.err" &
	local only=$!
	for _ in $(seq 100); do grep -q '^{' "$TMP/out" && grep -q '^{' "$TMP/only" && break; sleep 0.1; done
	ctr "${rts[0]}" exec "${NAMES[0]#*:}" fadvgen -n 3000 -a dontneed -f /tmp/a.log >"$TMP/gen.a"
	ctr "${rts[1]}" exec "${NAMES[1]#*:}" fadvgen -n 1700 -a willneed -f /tmp/b.log >"$TMP/gen.b"
	# one interval more in each, after the calls
	more_lines "$TMP/out" '^\{'
	more_lines "$TMP/only" '^\{'
	kill -INT "$TOOL_PID" "$only"
	wait "$TOOL_PID"
	wait "$only"
	TOOL_PID=
	cat "$TMP/gen.a" "$TMP/gen.b"
	local id gen calls
	for id in a b; do
		local cid=ida
		[ $id = b ] && cid=idb
		gen=$(tail -1 "$TMP/gen.$id" | tr ' ' '\n' | sed -n 's/^calls=//p')
		calls=$(jq -s "[.[] | select(.event == \"summary\") | .rows[] | select(.container_id == \"${!cid}\" and .container == \"${!cid:0:12}\") | .calls] | add" "$TMP/out")
		[ "$calls" = "$gen" ] || { echo "container $id: fadvtop $calls, fadvgen $gen"; return 1; }
	done
	# -c with the id prefix kept only the second container's calls
	calls=$(jq -s '[.[] | select(.event == "summary") | .rows[] | .calls] | add' "$TMP/only")
	[ "$calls" = "$(tail -1 "$TMP/gen.b" | tr ' ' '\n' | sed -n 's/^calls=//p')" ]
}

@test "forklat -C in a real container: the container's forks equal forkgen's, under its id" {
	ctr_need
	local rt g hostpid
	rt=$(ctr_pick 1)
	start "$rt"
	# runc exec's own set-up clones threads in the container's cgroup: forkgen waits, ready,
	# until forklat runs, so that only its forks fall in forklat's window
	ctr "$rt" exec "${NAMES[0]#*:}" forkgen --wait --forks 40 >"$TMP/gen" &
	g=$!
	for _ in $(seq 100); do grep -q ready "$TMP/gen" && break; sleep 0.1; done
	hostpid=$(ctr_host_pid "$CPID" forkgen)
	[ -n "$hostpid" ]
	"$BUILD/forklat" -C -j 0.5 >"$TMP/out" 2>"$TMP/err" &
	TOOL_PID=$!
	for _ in $(seq 100); do grep -q '^Tracing' "$TMP/err" && break; sleep 0.1; done
	kill -USR1 "$hostpid"
	wait "$g"
	more_lines "$TMP/out" '^\{' # one interval more, after the forks
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	cat "$TMP/gen"
	[ "$(tail -1 "$TMP/gen" | jq .forks)" -eq 40 ]
	[ "$(jq -s "[.[] | .procs[]? | select(.container == \"${ID:0:12}\") | .forks] | add" "$TMP/out")" -eq 40 ]
}

@test "tcpwait with no options, started before two containers: each one's TIME_WAIT equals ss in its namespace, exhaustion and EADDRNOTAVAIL under its id" {
	ctr_need
	local rts ida idb pa pb line
	rts=($(ctr_pick 2))
	"$BUILD/tcpwait" -n 1000 -j 0.5 >"$TMP/out" 2>"$TMP/err" &
	TOOL_PID=$!
	# and the same as a daemon writes it, to check that the two containers' series differ
	"$BUILD/tcpwait" --prom-top 1000 --prom-file "$TMP/tw.prom" 0.5 2>"$TMP/prom.err" &
	wait_for_file "$TMP/out" 10
	wait_for_file "$TMP/tw.prom" 10
	start "${rts[0]}"
	ida=$ID pa=$CPID
	start "${rts[1]}"
	idb=$ID pb=$CPID
	# the first container runs out: 100 ports, and no reuse of TIME_WAIT ports on loopback
	# (settings of the container's own namespace, which the test made)
	nsenter -n -t "$pa" sysctl -qw net.ipv4.ip_local_port_range="40000 40099" \
		net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	# and every client close of the second one leaves its TIME_WAIT socket: the default
	# tcp_tw_reuse=2 hands a loopback TIME_WAIT port older than 1 s to a new connect (ss counted
	# 280 to 294 of 300 there), and without rfc1337 a RST ends a TIME_WAIT early
	nsenter -n -t "$pb" sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	ctr "${rts[0]}" exec "${NAMES[0]#*:}" tcpchurn -n 160 -k -q -P 7000 >"$TMP/gen.a" || true
	ctr "${rts[1]}" exec "${NAMES[1]#*:}" tcpchurn -n 300 -P 7000 >"$TMP/gen.b"
	cat "$TMP/gen.a" "$TMP/gen.b"
	local ssa ssb
	tcp_settled nsenter -n -t "$pa"
	tcp_settled nsenter -n -t "$pb"
	ssa=$(nsenter -n -t "$pa" ss -Htan state time-wait | wc -l)
	ssb=$(nsenter -n -t "$pb" ss -Htan state time-wait | wc -l)
	# two intervals after the churn, so one holds all of it
	local n
	n=$(grep -c '^{' "$TMP/out")
	for _ in $(seq 100); do [ "$(grep -c '^{' "$TMP/out")" -ge $((n + 2)) ] && break; sleep 0.1; done
	line=$(grep '"namespaces"' "$TMP/out" | tail -1)
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	local fails conns
	fails=$(tr ' ' '\n' <"$TMP/gen.a" | sed -n 's/^eaddrnotavail=//p')
	conns=$(tr ' ' '\n' <"$TMP/gen.a" | sed -n 's/^connects=//p')
	[ "$fails" -gt 0 ] && [ "$ssa" -eq "$conns" ] && [ "$ssb" -eq 300 ]
	# per namespace: the population equals ss inside it, named by the container's id
	[ "$(jq ".namespaces[] | select(.container == \"${ida:0:12}\") | .time_wait" <<<"$line")" -eq "$ssa" ]
	[ "$(jq ".namespaces[] | select(.container == \"${idb:0:12}\") | .time_wait" <<<"$line")" -eq "$ssb" ]
	[ "$(jq ".namespaces[] | select(.container == \"${ida:0:12}\") | .ports_range" <<<"$line")" -eq 100 ]
	# the tuple of each, in its own namespace, with its own range
	jq -e ".tuples[] | select(.container == \"${ida:0:12}\" and .rport == 7000) |
		.time_wait == $ssa and .ports_range == 100 and .tcp_tw_reuse == 0 and
		.connect_eaddrnotavail_total == $fails" <<<"$line"
	jq -e ".tuples[] | select(.container == \"${idb:0:12}\" and .rport == 7000) |
		.time_wait == $ssb" <<<"$line"
	# the diagnosis names the container that ran out
	jq -e ".diagnosis[] | select(startswith(\"${ida:0:12}: \") and contains(\"out of ports\"))" <<<"$line"
	# one series per (namespace, tuple): the same loopback tuple twice, told apart by the
	# namespace's inode and the container, each with its own namespace's count
	prom_fresh "$TMP/tw.prom"
	# (by its labels, in any order: the file may add others, such as the instance's scope)
	local tuple=(side='"client"' laddr='"127.0.0.1"' raddr='"127.0.0.1"' rport='"7000"') va vb
	grep '^kscope_tcpwait_tuple_time_wait{' "$TMP/tw.prom"
	va=$(prom_series "$TMP/tw.prom" kscope_tcpwait_tuple_time_wait "${tuple[@]}" \
		netns="\"$(stat -L -c %i /proc/$pa/ns/net)\"" container="\"${ida:0:12}\"")
	vb=$(prom_series "$TMP/tw.prom" kscope_tcpwait_tuple_time_wait "${tuple[@]}" \
		netns="\"$(stat -L -c %i /proc/$pb/ns/net)\"" container="\"${idb:0:12}\"")
	[ "$va" -eq "$ssa" ]
	[ "$vb" -eq "$ssb" ]
	# its processes' EADDRNOTAVAIL, under its id
	[ "$(jq -s "[.[] | .procs[]? | select(.container == \"${ida:0:12}\") | .connect_eaddrnotavail] | add" "$TMP/out")" -eq "$fails" ]
	[ "$(jq -s "[.[] | .procs[]? | select(.container == \"${idb:0:12}\") | .connect_eaddrnotavail] | add" "$TMP/out")" -eq 0 ]
}

@test "tcpwait --host-netns keeps to the host's namespace; --netns /proc/PID/ns/net to one container's" {
	ctr_need
	local rt
	rt=$(ctr_pick 1)
	start "$rt"
	local out churn closes
	# every client close leaves its TIME_WAIT socket (no reuse of loopback TIME_WAIT ports)
	nsenter -n -t "$CPID" sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	churn=$(ctr "$rt" exec "${NAMES[0]#*:}" tcpchurn -n 120 -P 7001)
	echo "$churn"
	tcp_settled nsenter -n -t "$CPID"
	out=$("$BUILD/tcpwait" --host-netns -j 0.2 1 2>/dev/null | head -1)
	jq -e "[.namespaces[].netns] == [$(stat -L -c %i /proc/self/ns/net)]" <<<"$out"
	! jq -e ".tuples[] | select(.container == \"${ID:0:12}\")" <<<"$out" || false
	out=$("$BUILD/tcpwait" --netns "/proc/$CPID/ns/net" -j 0.2 1 2>/dev/null | head -1)
	[ "$(jq .time_wait <<<"$out")" -eq "$(nsenter -n -t "$CPID" ss -Htan state time-wait | wc -l)" ]
	# and not vacuously (ss and the tool both reading an empty namespace): the container's
	# TIME_WAIT are its tcpchurn's client closes (a fresh-clone run, with the namespace's
	# default tcp_tw_reuse=2, had ss and the tool agree on fewer than its 120)
	closes=$(sed -n 's/.* client_closes=\([0-9]*\).*/\1/p' <<<"$churn")
	[ "$(jq .time_wait <<<"$out")" -eq "$closes" ]
	run "$BUILD/tcpwait" --netns "/proc/$CPID/ns/net" --host-netns 1
	[ "$status" -eq 2 ]
}
