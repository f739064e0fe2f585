#!/usr/bin/env bash
# Install what a fresh Debian machine lacks for building, testing and benchmarking kscope,
# and mount tracefs (libbpf attaches tracepoints through it). Safe to run again: it only
# touches what is missing.
set -euo pipefail

# build; test tools; the anchors the benchmarks compare with; the fleet tests' real components
# and the container runtimes of tests/containers.bats (dockerd is started by the tests)
packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc bats python3-jsonschema
	  iproute2 strace jq ethtool util-linux
	  libbpf-tools bpftrace
	  prometheus prometheus-node-exporter mandoc lintian man-db curl python3-yaml
	  podman runc docker.io busybox-static)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]}; run as root (sudo make ...) to install them" >&2
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
