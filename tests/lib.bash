# Shared by the bats files: paths, network namespaces and cgroups that a test creates and
# removes, and the check that a tool left nothing attached.  Load with: load lib

KSCOPE_ROOT=${KSCOPE_ROOT:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
BUILD=$KSCOPE_ROOT/build
GEN=$BUILD/tools

# cgroup v2 mount point: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones
cgroup2_root() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

# netns_create NAME: a fresh network namespace with loopback up; echo its name
netns_create() {
	local name="kscope-test-$1-$$"
	ip netns add "$name"
	ip -n "$name" link set lo up
	echo "$name"
}

netns_delete() {
	ip netns delete "$1" 2>/dev/null || true
}

# Every cgroup a test makes lives below this one, so that shapes like system.slice/... never
# touch (or leave behind) the host's own, and one rmdir walk cleans up.
CGROUP_TEST_TOP=kscope-test

# cgroup_create RELPATH: mkdir below the tests' cgroup (parents too); echo the full path.
# Its path below the cgroup v2 root, as tools print it, is /$CGROUP_TEST_TOP/RELPATH.
cgroup_create() {
	local path
	path="$(cgroup2_root)/$CGROUP_TEST_TOP/$1"
	mkdir -p "$path"
	echo "$path"
}

# cgroup_delete PATH: move any leftover tasks to the root, remove it (deepest first), then
# the parents it leaves empty, up to and including the tests' top cgroup
cgroup_delete() {
	local root path="$1" dir
	root=$(cgroup2_root)
	[ -d "$path" ] || return 0
	find "$path" -depth -type d | while read -r d; do
		while read -r pid; do echo "$pid" >"$root/cgroup.procs" 2>/dev/null; done <"$d/cgroup.procs"
		# a task that has just exited keeps its cgroup busy for a moment
		for _ in $(seq 30); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
	dir=$(dirname "$path")
	while [ "${dir#"$root/$CGROUP_TEST_TOP"}" != "$dir" ] && rmdir "$dir" 2>/dev/null; do
		dir=$(dirname "$dir")
	done
	return 0
}

# progs_left PREFIX: how many loaded BPF programs have a name starting with PREFIX
progs_left() {
	bpftool prog list 2>/dev/null | grep -cE "^[0-9]+: [a-z_]+ +name $1" || true
}

# wait_for_file FILE [SECONDS]: until it exists and is non-empty
wait_for_file() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# prog_ids_of PID: ids of the BPF programs a process holds (from its fds' fdinfo)
prog_ids_of() {
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u
}

# progs_gone ID...: true once none of these programs is loaded (freeing is asynchronous)
progs_gone() {
	local id left
	for _ in $(seq 30); do
		left=0
		for id in "$@"; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left=1
		done
		[ $left -eq 0 ] && return 0
		sleep 0.1
	done
	echo "still loaded: $*" >&2
	return 1
}

# no_bpf_calls CMD...: run CMD under strace and succeed when it never called bpf(2), i.e. it
# loaded and attached nothing; the command's own status is left in NO_BPF_STATUS
no_bpf_calls() {
	local log="$BATS_TEST_TMPDIR/strace.$$"
	NO_BPF_STATUS=0
	strace -f -qq -e trace=bpf -o "$log" "$@" >/dev/null 2>&1 || NO_BPF_STATUS=$?
	! grep -q 'bpf(' "$log"
}

# counted GOT WANT MISSED: the tool's count equals the truth, or falls short by no more than
# the runs of its programs that the kernel skipped and the tool reported (recursion_misses: a
# softirq interrupting one of its programs on the same CPU; DESIGN.md).  Never above the truth.
counted() {
	local got=$1 want=$2 missed=${3:-0}
	if [ "$got" -eq "$want" ] || { [ "$got" -lt "$want" ] && [ $((got + missed)) -ge "$want" ]; }; then
		[ "$got" -eq "$want" ] || echo "note: $got of $want, $missed runs reported missed"
		return 0
	fi
	echo "counted $got, truth $want, reported missed $missed"
	return 1
}

# wait until the tool has replaced its file twice after now (each write is a new inode: temp
# file, rename), so the last one was computed after the workload settled
prom_fresh() {
	local f=$1 seen i=0
	seen=$(stat -c %i "$f")
	for _ in $(seq 50); do
		sleep 0.1
		[ "$(stat -c %i "$f")" = "$seen" ] && continue
		seen=$(stat -c %i "$f")
		i=$((i + 1))
		[ $i -ge 2 ] && return 0
	done
	return 1
}

# sample value of METRIC{LABELS} in a textfile (LABELS as written, e.g. 'direction="active"')
prom_value() {
	awk -v m="$2" '$1 == m { print $2 }' "$1" | head -1
}
