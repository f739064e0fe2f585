#!/usr/bin/env bash
# `make demo`: tcpwait watching a built-in TCP churn that runs out of ports, for a few
# seconds, in a network namespace of its own (the host's settings are not touched).
set -euo pipefail
cd "$(dirname "$0")/.."

ns=kscope-demo-$$
cleanup() {
	[ -n "${churn:-}" ] && kill "$churn" 2>/dev/null
	ip netns delete "$ns" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
# a 2000-port range and no TIME_WAIT reuse: the churn below fills it in about 4 seconds
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 41999" \
	net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1

echo "== a client opens and closes 500 connections/s to one server port; watch the headroom"
ip netns exec "$ns" build/tools/tcpchurn -m client-close -n 3000 -r 500 -k -q -P 8080 \
	--hold=10 >/dev/null &
churn=$!
build/tcpwait --netns "$ns" 1 6
