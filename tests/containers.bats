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

# resolved TOOLARGS...: the cgroup id that every tool with -c (forklat, fadvtop, tcpwait,
# netcheck watch) resolved its -c to (its -v line), the four run side by side (their time is
# spent waiting, not on the CPUs); a tool that fails or differs fails it.  RESOLVE_IN, when
# set, is a command prefix the tools run under (nsenter into another mount namespace).
resolved() {
	local t i=0 ids=() rc=0
	for t in forklat fadvtop tcpwait "netcheck watch"; do
		${RESOLVE_IN:-} $BUILD/$t -v "$@" 0.05 1 >/dev/null 2>"$TMP/resolved.$i" &
		ids+=($!)
		i=$((i + 1))
	done
	for i in "${!ids[@]}"; do wait "${ids[$i]}" || rc=1; done
	for i in "${!ids[@]}"; do
		ids[$i]=$(sed -n "s/.*--cgroup '.*' is cgroup id \([0-9]*\),.*/\1/p" "$TMP/resolved.$i")
	done
	if [ $rc -ne 0 ] || [ -z "${ids[0]}" ] ||
		[ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" -ne 1 ]; then
		echo "resolved $*: ${ids[*]}" >&2
		cat "$TMP"/resolved.* >&2
		return 1
	fi
	echo "${ids[0]}"
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

@test "-C with no cgroup v2 mount in sight says once that containers cannot be named, in each tool with -C" {
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
	# the other tools with -C say it the same way, once
	local tool
	for tool in fadvtop tcpwait; do
		run unshare -m --propagation private sh -c "umount -l '$root' || exit 9
			exec '$BUILD/$tool' -C -j 0.1 2"
		[ "$status" -eq 0 ]
		[ "$(grep -c "^$tool: note: no cgroup v2 hierarchy is mounted here" <<<"$output")" -eq 1 ]
	done
}

@test "-C with a cgroup removed before the tool read it: one note, its rows under its id with container null, forkgen's forks" {
	local root i cg ids=()
	root=$(cgroup2_root)
	[ -n "$root" ] || skip "no cgroup v2 hierarchy"
	CGROUPS+=("$root/$CGROUP_TEST_TOP/$MINE")
	"$BUILD/forklat" -C -j 2 >"$TMP/out" 2>"$TMP/err" &
	TOOL_PID=$!
	# right after a read, three cgroups that live for one forkgen run each: the next read,
	# 2 s later, finds their ids and no cgroup that has them
	more_lines "$TMP/out" '^\{' 60
	for i in 0 1 2; do
		cg=$(cgroup_create "$MINE/gone$i")
		ids+=("$(stat -c %i "$cg")")
		in_cgroup "$cg" "$GEN/forkgen" --forks 5 >"$TMP/gen.$i"
		wait_until "rmdir '$cg' 2>/dev/null" 5
	done
	more_lines "$TMP/out" '^\{' 10
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	cat "$TMP/err"
	# each one's forks (forkgen's own count) under its id, never under a container; its path
	# where a read came while it lived, else null
	for i in 0 1 2; do
		jq -se --argjson id "${ids[$i]}" --argjson n "$(jq .forks "$TMP/gen.$i")" \
			--arg path "/$CGROUP_TEST_TOP/$MINE/gone$i" '[.[] | .procs[]? |
			select(.cgroup_id == $id)] | length > 0 and (map(.forks) | add) == $n and
			all(.[]; .container == null and (.cgroup == null or .cgroup == $path))' "$TMP/out"
	done
	# they were gone before any read: the tool said once on stderr that it cannot name them
	# (another cgroup that went the same way on this host may be the one it names)
	jq -se "[.[] | .procs[]? | select(.cgroup == null and .container == null and
		(.cgroup_id == ${ids[0]} or .cgroup_id == ${ids[1]} or .cgroup_id == ${ids[2]}))] |
		length > 0" "$TMP/out"
	[ "$(grep -c "note: cgroup [0-9]* is no longer below $root" "$TMP/err")" -eq 1 ]
}

@test "the pure v2 layout, cgroup2 alone at /sys/fs/cgroup: every tool's -c takes each form and -C names the container" {
	local root id cg rel want holder
	root=$(cgroup2_root)
	[ -n "$root" ] || skip "no cgroup v2 hierarchy"
	id=$(hex64)
	cg=$(cgroup_create "$MINE/system.slice/docker-$id.scope")
	CGROUPS+=("$root/$CGROUP_TEST_TOP/$MINE")
	rel=${cg#"$root"}
	want=$(stat -c %i "$cg")
	# a mount namespace laid out as current distributions are: the cgroup2 hierarchy alone
	# at /sys/fs/cgroup, no v1 controllers (this host's is hybrid: /sys/fs/cgroup/unified)
	unshare -m --propagation private sh -c 'umount -R -l /sys/fs/cgroup &&
		mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo ready && exec sleep 600' >"$TMP/v2" &
	holder=$!
	wait_until "grep -q ready '$TMP/v2'" 10
	RESOLVE_IN="nsenter -m -t $holder"
	[ "$($RESOLVE_IN awk '$9 ~ /^cgroup/ { print $9, $5 }' /proc/self/mountinfo)" = \
		"cgroup2 /sys/fs/cgroup" ]
	[ "$(resolved -c "/sys/fs/cgroup$rel")" = "$want" ]
	[ "$(resolved -c "$rel")" = "$want" ]
	[ "$(resolved -c "${id:0:12}")" = "$want" ]
	# -C names the container there, with the forks forkgen made in it
	$RESOLVE_IN "$BUILD/forklat" -C -j 0.5 >"$TMP/out" 2>"$TMP/err" &
	TOOL_PID=$!
	wait_until "grep -q '^Tracing' '$TMP/err'" 60
	in_cgroup "$cg" "$GEN/forkgen" --forks 7 >"$TMP/gen"
	more_lines "$TMP/out" '^\{' 10
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	cat "$TMP/err"
	! grep -q 'cannot be named\|no longer below' "$TMP/err" || false
	jq -se --arg c "${id:0:12}" --arg path "$rel" --argjson n "$(jq .forks "$TMP/gen")" \
		'[.[] | .procs[]? | select(.container == $c)] | length > 0 and
		(map(.forks) | add) == $n and all(.[]; .cgroup == $path)' "$TMP/out"
}

@test "fadvtop -C and -c ID in real containers: each container's calls equal its generator's; every tool's -c takes each container's printed path, full path and id prefix" {
	ctr_need
	local rts ida idb pa pb
	rts=($(ctr_pick 2))
	start "${rts[0]}"
	ida=$ID pa=$CPID
	start "${rts[1]}"
	idb=$ID pb=$CPID
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
	# every tool's -c takes what names each container: the cgroup path the rows printed,
	# which is its /proc/PID/cgroup line as the runtime made it, its full path under the
	# mount, and its id's 12-digit prefix (the one podman ps / docker ps show)
	local pid cg want
	for id in a b; do
		cid=ida pid=pa
		[ $id = b ] && cid=idb pid=pb
		cg=$(awk -F: '$1 == 0 { print $3 }' "/proc/${!pid}/cgroup")
		want=$(stat -c %i "$(cgroup2_root)$cg")
		echo "container $id: ${!cid:0:12} in $cg (cgroup id $want)"
		jq -se "[.[] | select(.event == \"summary\") | .rows[] |
			select(.container_id == \"${!cid}\") | .cgroup] == [\"$cg\"]" "$TMP/out"
		[ "$(resolved -c "$cg")" = "$want" ]
		[ "$(resolved -c "$(cgroup2_root)$cg")" = "$want" ]
		[ "$(resolved -c "${!cid:0:12}")" = "$want" ]
	done
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
	# both run out, each of its own range (100 and 150 ports: settings of the container's own
	# namespace, which the test made), towards the same loopback tuple. tcp_tw_reuse=0: the
	# default 2 hands a loopback TIME_WAIT port older than 1 s to a new connect (ss counted 280
	# to 294 of 300 there); rfc1337: without it a RST ends a TIME_WAIT early. So each client
	# close leaves its TIME_WAIT socket, and each connect past the range fails EADDRNOTAVAIL.
	nsenter -n -t "$pa" sysctl -qw net.ipv4.ip_local_port_range="40000 40099" \
		net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	nsenter -n -t "$pb" sysctl -qw net.ipv4.ip_local_port_range="40000 40149" \
		net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	ctr "${rts[0]}" exec "${NAMES[0]#*:}" tcpchurn -n 160 -k -q -P 7000 >"$TMP/gen.a" || true
	ctr "${rts[1]}" exec "${NAMES[1]#*:}" tcpchurn -n 230 -k -q -P 7000 >"$TMP/gen.b" || true
	cat "$TMP/gen.a" "$TMP/gen.b"
	tcp_settled nsenter -n -t "$pa"
	tcp_settled nsenter -n -t "$pb"
	# two intervals after the churn, so one holds all of it
	local n
	n=$(grep -c '^{' "$TMP/out")
	for _ in $(seq 100); do [ "$(grep -c '^{' "$TMP/out")" -ge $((n + 2)) ] && break; sleep 0.1; done
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	TOOL_PID=
	# once it has ended: a line larger than stdio's buffer is written in pieces
	line=$(grep '"namespaces"' "$TMP/out" | tail -1)
	prom_fresh "$TMP/tw.prom"
	grep '^kscope_tcpwait_tuple_time_wait{' "$TMP/tw.prom"
	# (a series by its labels, in any order: the file may add others, such as the scope)
	local tuple=(side='"client"' laddr='"127.0.0.1"' raddr='"127.0.0.1"' rport='"7000"')
	local c id pid range gen fails conns ss ports
	for c in a b; do
		id=ida pid=pa range=100
		[ $c = b ] && id=idb pid=pb range=150
		id=${!id:0:12} pid=${!pid}
		gen=$(tr ' ' '\n' <"$TMP/gen.$c")
		fails=$(sed -n 's/^eaddrnotavail=//p' <<<"$gen")
		conns=$(sed -n 's/^connects=//p' <<<"$gen")
		# truth: ss inside the container's namespace, and the generator's own counts
		ss=$(nsenter -n -t "$pid" ss -Htan state time-wait dst 127.0.0.1:7000)
		ports=$(awk '{ print $(NF - 1) }' <<<"$ss" | sort -u | wc -l)
		ss=$(nsenter -n -t "$pid" ss -Htan state time-wait | wc -l)
		echo "container $c ($id): ss $ss TIME_WAIT on $ports ports;" \
			"tcpchurn $conns connects, $fails EADDRNOTAVAIL"
		# (one test a line: in an && list only the last one can fail a bats test)
		[ "$fails" -gt 0 ]
		[ "$ss" -eq "$conns" ]
		[ "$ports" -eq "$range" ]
		# per namespace: the population equals ss inside it, named by the container's id,
		# with the namespace's own range and tcp_tw_reuse
		jq -e ".namespaces[] | select(.container == \"$id\") |
			.time_wait == $ss and .ports_range == $range and .tcp_tw_reuse == 0" <<<"$line"
		# its tuple, full: every port of its range in use, no headroom, full now (ETA 0),
		# its failures
		jq -e ".tuples[] | select(.container == \"$id\" and .rport == 7000) |
			.time_wait == $ss and .ports_in_use == $ports and .ports_range == $range and
			.headroom_pct == 0 and .eta_s == 0 and
			.connect_eaddrnotavail_total == $fails" <<<"$line"
		# the diagnosis names the container that ran out
		jq -e ".diagnosis[] | select(startswith(\"$id: \") and
			contains(\"out of ports\"))" <<<"$line"
		# its processes' EADDRNOTAVAIL, under its id: its own generator's, not the other's
		[ "$(jq -s "[.[] | .procs[]? | select(.container == \"$id\") |
			.connect_eaddrnotavail] | add" "$TMP/out")" -eq "$fails" ]
		# one series per (namespace, tuple): the same loopback tuple in both, told apart by
		# the namespace's inode and the container, each with its own namespace's count
		[ "$(prom_series "$TMP/tw.prom" kscope_tcpwait_tuple_time_wait "${tuple[@]}" \
			netns="\"$(stat -L -c %i /proc/$pid/ns/net)\"" container="\"$id\"")" -eq "$ss" ]
	done
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
