# Real container runtimes for tests/containers.bats: podman (with runc) and docker.io's
# dockerd, each with its state in a directory of its own under the file's temp dir, so that
# nothing here touches another podman or dockerd on the machine.  One image per bats file:
# busybox-static and the generators built static (make static), imported from a tarball
# (there is no registry).  ctr_teardown_all removes every container, image, daemon and cgroup
# this made.  Load after lib: load containers
#
# Facts of this machine kind (DESIGN.md, field facts): podman's default runtime crun refuses the
# hybrid cgroup layout, runc works with explicit ulimits (hard NOFILE 20000, no
# CAP_SYS_RESOURCE); dockerd 20.10 runs with --iptables=false --bridge=none, so containers use
# --network none, which still gives each a network namespace of its own with a loopback.

CTR_IMAGE=${CTR_IMAGE:-kscope-test-img:$$} # setup_file exports it to the tests
# docker.io's client, not any other docker on the PATH: it must match dockerd 20.10
CTR_DOCKER=/usr/bin/docker
CTR_DIR=${BATS_FILE_TMPDIR:-/tmp}/ctr

podman_() {
	podman --root "$CTR_DIR/podman/root" --runroot "$CTR_DIR/podman/run" \
		--tmpdir "$CTR_DIR/podman/tmp" --runtime runc "$@"
}

docker_() {
	"$CTR_DOCKER" -H "unix://$CTR_DIR/docker/sock" "$@"
}

# ctr RUNTIME ARGS...: the runtime's client with this file's state
ctr() {
	local rt=$1
	shift
	"${rt}_" "$@"
}

ctr_rootfs() {
	local root=$CTR_DIR/rootfs t
	mkdir -p "$root/bin" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox" || return 1
	for t in sh sleep cat true; do ln -sf busybox "$root/bin/$t"; done
	for t in "$BUILD"/static-tools/*; do cp "$t" "$root/bin/" || return 1; done
	tar -C "$root" -cf "$CTR_DIR/rootfs.tar" .
}

ctr_start_podman() {
	command -v podman >/dev/null && command -v runc >/dev/null || {
		echo "podman or runc is not installed"
		return 1
	}
	mkdir -p "$CTR_DIR/podman/tmp"
	podman_ import "$CTR_DIR/rootfs.tar" "$CTR_IMAGE" >/dev/null 2>&1 &&
		podman_ run --rm --network none --ulimit nofile=10000:10000 \
			--ulimit nproc=4096:4096 "$CTR_IMAGE" /bin/true 2>&1
}

ctr_start_docker() {
	local d=$CTR_DIR/docker i
	command -v dockerd >/dev/null && [ -x "$CTR_DOCKER" ] || {
		echo "dockerd (docker.io) is not installed"
		return 1
	}
	mkdir -p "$d"
	dockerd --iptables=false --bridge=none --data-root "$d/data" --exec-root "$d/exec" \
		--pidfile "$d/pid" -H "unix://$d/sock" >"$d/log" 2>&1 &
	echo $! >"$d/daemon"
	for ((i = 0; i < 150; i++)); do
		docker_ info >/dev/null 2>&1 && break
		kill -0 "$(cat "$d/daemon")" 2>/dev/null || break
		sleep 0.2
	done
	docker_ import "$CTR_DIR/rootfs.tar" "$CTR_IMAGE" >/dev/null 2>&1 &&
		docker_ run --rm --network none "$CTR_IMAGE" /bin/true 2>&1 ||
		{ echo "dockerd did not start: $(tail -1 "$d/log")"; return 1; }
}

# ctr_setup_file: start what can start; CTR_RUNTIMES lists them, CTR_WHY says why not.
# It never fails: without a runtime the real-runtime tests skip and the others run.
ctr_setup_file() {
	local rt why
	export CTR_RUNTIMES="" CTR_WHY="" CTR_IMAGE
	mkdir -p "$CTR_DIR"
	[ -x "$BUILD/static-tools/tcpchurn" ] || {
		CTR_WHY="no static generators (make static)"
		return 0
	}
	ctr_rootfs || {
		CTR_WHY="cannot build the image's root (busybox-static installed?)"
		return 0
	}
	# KSCOPE_CONTAINER_RUNTIMES picks which to try (e.g. "docker"; "" for none)
	for rt in ${KSCOPE_CONTAINER_RUNTIMES-podman docker}; do
		if [ "$(type -t "ctr_start_$rt")" != function ]; then
			CTR_WHY+="$rt: not a runtime these tests know (podman, docker); "
		elif why=$(ctr_start_$rt); then
			CTR_RUNTIMES+="$rt "
		else
			CTR_WHY+="$rt: $(tail -1 <<<"$why"); "
		fi
	done
	[ -n "$CTR_RUNTIMES$CTR_WHY" ] || CTR_WHY="none was tried (KSCOPE_CONTAINER_RUNTIMES is empty)"
	# in the TAP stream, so a run's record says which runtimes its containers came from
	echo "# container runtimes: ${CTR_RUNTIMES:-none}${CTR_WHY:+ (not started: $CTR_WHY)}" >&3
	return 0
}

# ctr_teardown_file: every container, the image, the daemon, their state and their cgroups
ctr_teardown_file() {
	local d=$CTR_DIR/docker pid root
	if [ -d "$CTR_DIR/podman" ]; then
		podman_ rm -f -t 0 -a >/dev/null 2>&1
		podman_ rmi -f -a >/dev/null 2>&1
	fi
	if [ -f "$d/daemon" ]; then
		docker_ rm -f $(docker_ ps -aq 2>/dev/null) >/dev/null 2>&1
		docker_ rmi -f "$CTR_IMAGE" >/dev/null 2>&1
		pid=$(cat "$d/daemon")
		kill "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	# the runtimes' parents, in both hierarchies, when no other podman or dockerd uses them
	for root in /sys/fs/cgroup /sys/fs/cgroup/*; do
		rmdir "$root"/libpod_parent/conmon "$root"/libpod_parent "$root"/docker 2>/dev/null
	done
	umount -R "$d" 2>/dev/null
	grep -o " $CTR_DIR[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$CTR_DIR"
	return 0
}

# ctr_need: skip the test, in one line saying why, when no runtime could start.
# KSCOPE_CONTAINERS_REQUIRED lists runtimes that must have started ("podman docker" in CI,
# .ci/run): one missing fails the test instead, so a CI machine where a runtime cannot start
# is not taken for one where the real-runtime tests passed
ctr_need() {
	local rt
	for rt in ${KSCOPE_CONTAINERS_REQUIRED:-}; do
		[[ " $CTR_RUNTIMES " == *" $rt "* ]] || {
			echo "$rt must start (KSCOPE_CONTAINERS_REQUIRED) but did not:" \
				"${CTR_WHY:-not tried (KSCOPE_CONTAINER_RUNTIMES)}" >&2
			return 1
		}
	done
	[ -n "$CTR_RUNTIMES" ] || skip "no container runtime could start here: $CTR_WHY"
}

# ctr_run RUNTIME NAME: a container sleeping in its own network namespace; echo its full id
ctr_run() {
	local rt=$1 name=$2
	case $rt in
	podman)
		podman_ run -d --name "$name" --network none --ulimit nofile=10000:10000 \
			--ulimit nproc=4096:4096 "$CTR_IMAGE" /bin/sleep 600
		;;
	docker)
		docker_ run -d --name "$name" --network none "$CTR_IMAGE" /bin/sleep 600
		;;
	esac
}

# ctr_pid RUNTIME NAME: the container's first process, as the host sees it
ctr_pid() {
	ctr "$1" inspect -f '{{.State.Pid}}' "$2"
}

# ctr_rm RUNTIME NAME
ctr_rm() {
	ctr "$1" rm -f "$2" >/dev/null 2>&1 || true
}

# ctr_pick N: N runtimes for N containers, a different one each where there are enough
ctr_pick() {
	local rts=($CTR_RUNTIMES) i
	for ((i = 0; i < $1; i++)); do echo "${rts[i % ${#rts[@]}]}"; done
}

# ctr_host_pid CPID COMM: the host pid of the process named COMM in CPID's container (cgroup)
ctr_host_pid() {
	local cg p
	cg=$(cgroup2_root)$(awk -F: '$1 == 0 { print $3 }' /proc/"$1"/cgroup)
	for p in $(cat "$cg/cgroup.procs"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] && echo "$p" && return 0
	done
	return 1
}
