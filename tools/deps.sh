#!/usr/bin/env bash
# Install what a fresh Debian machine lacks, and mount tracefs (libbpf attaches tracepoints
# through it). Safe to run again: it only touches what is missing.
#
# Usage: tools/deps.sh [build|test]
#   build  what building and running the tools needs (make, make demo): the compiler, libbpf,
#          bpftool, libelf, and iproute2 and procps (sysctl) for the demo's namespace
#   test   that and what the tests and benchmarks need (make test, make bench, make soak):
#          bats, the independent tools the tests compare with, the anchors the benchmarks
#          measure against, the fleet tests' real components (Prometheus, node_exporter) and
#          the container runtimes of tests/containers.bats (the default)
# As root it installs; as another user it says what is missing and the command to run.
set -euo pipefail

what=${1:-test}
build=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc iproute2 procps)
test=(bats coreutils python3-jsonschema strace jq ethtool util-linux
      libbpf-tools bpftrace
      prometheus prometheus-node-exporter mandoc lintian man-db curl python3-yaml
      podman runc docker.io busybox-static)
case $what in
build) packages=("${build[@]}") ;;
test) packages=("${build[@]}" "${test[@]}") ;;
*)
	echo "usage: tools/deps.sh [build|test]" >&2
	exit 2
	;;
esac
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]}" >&2
		echo "deps: install them as root: sudo tools/deps.sh $what (or run this make as root)" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	apt-get update -q
	# packages with services (prometheus, node_exporter) must not start them: the tests start
	# their own on free loopback ports
	policy=/usr/sbin/policy-rc.d
	[ -e "$policy" ] || { printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	[ -n "${added_policy:-}" ] && rm -f "$policy"
fi

if [ ! -d /sys/kernel/tracing/events ] && [ "$(id -u)" -eq 0 ]; then
	mkdir -p /sys/kernel/tracing
	mount -t tracefs tracefs /sys/kernel/tracing ||
		echo "deps: could not mount tracefs at /sys/kernel/tracing; tracepoints will not attach" >&2
fi
exit 0
