#!/bin/bash
# Runs inside the systemd guest of tests/vm/systemd, as kscope-check.service once the system
# is up: the package's kscope@.service, as shipped, under a real systemd.  Results are lines on
# the serial console ("kscope-vm: ok - ...", "kscope-vm: not ok - ...", "kscope-vm: # ..."),
# then "kscope-vm: done" and poweroff.  Truth is outside the tools: systemd's own view
# (MainPID, ActiveState, NRestarts), the files, node_exporter's page, /proc/PID/fdinfo.
exec >/dev/ttyS0 2>&1

D=/var/lib/prometheus/node-exporter
TOOLS="tcpwait forklat fadvtop mcewatch netcheck"

ok() { echo "kscope-vm: ok - systemd: $*"; }
not_ok() { echo "kscope-vm: not ok - systemd: $*"; }
diag() { echo "$*" | sed 's/^/kscope-vm: # /'; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
prop() { systemctl show -p "$2" --value "kscope@$1"; }
journal() { journalctl -u "kscope@$1" -o cat --no-pager | tail -n "${2:-20}"; }
progs_of() { grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u | wc -l; }

diag "kernel $(uname -r), $(systemctl --version | head -1), PID 1 is $(cat /proc/1/comm)"
check "PID 1 is systemd" [ "$(cat /proc/1/comm)" = systemd ]
wait_for 120 systemctl is-active -q prometheus-node-exporter
check "node_exporter runs (Debian's unit)" systemctl is-active -q prometheus-node-exporter

# one-second intervals instead of the unit's 15 s, through the file the unit documents
for t in $TOOLS; do
	echo 'KSCOPE_ARGS=1' >/etc/default/kscope-$t
done
start=$(date +%s)
# shellcheck disable=SC2046
systemctl enable --now $(for t in $TOOLS; do echo "kscope@$t"; done)
for t in $TOOLS; do
	if wait_for 240 test -s "$D/kscope-$t.prom"; then
		ok "kscope@$t writes $D/kscope-$t.prom ($(($(date +%s) - start)) s after enable)"
	else
		not_ok "kscope@$t writes $D/kscope-$t.prom"
		diag "$(systemctl status --no-pager "kscope@$t" 2>&1 | head -20)"
		diag "$(journal "$t")"
	fi
done

# the sandbox (NoNewPrivileges, ProtectSystem=full, ProtectHome, PrivateTmp, MemoryMax) still
# lets each tool load and attach: its own process holds BPF programs
for t in $TOOLS; do
	pid=$(prop $t MainPID)
	n=$(progs_of "$pid")
	check "kscope@$t (pid $pid) holds $n BPF programs under the unit's sandbox" [ "$n" -ge 1 ]
done

# node_exporter serves every file, with no textfile error
metrics=
wait_for 30 eval 'metrics=$(curl -sf http://localhost:9100/metrics)'
check "node_exporter answers on localhost:9100" [ -n "$metrics" ]
check "node_exporter: node_textfile_scrape_error 0" \
	grep -q '^node_textfile_scrape_error 0$' <<<"$metrics"
for t in $TOOLS; do
	check "node_exporter serves kscope_${t}_last_update_timestamp_seconds" \
		grep -q "^kscope_${t}_last_update_timestamp_seconds" <<<"$metrics"
done

# a daemon's journal: the start-up line and the notes of what the kernel lacks, nothing else
quiet_journal() {
	[ -z "$extra" ] && journal "$1" 200 | grep -q '^Tracing .*: metrics to '
}
for t in $TOOLS; do
	extra=$(journal "$t" 200 | grep -v '^Tracing \|^[a-z]*: note: ' |
		grep -v '^Start\|^Stop\|^kscope@' || true)
	check "kscope@$t's journal holds its start-up line and nothing but notes" quiet_journal "$t"
	[ -z "$extra" ] || diag "$extra"
done

# a killed tool comes back (Restart=on-failure, RestartSec=30s)
pid=$(prop tcpwait MainPID)
restarts=$(prop tcpwait NRestarts)
kill -KILL "$pid"
t0=$(date +%s)
back() {
	local p
	p=$(prop tcpwait MainPID)
	[ "$p" != 0 ] && [ "$p" != "$pid" ] && [ "$(prop tcpwait ActiveState)" = active ]
}
if wait_for 90 back; then
	ok "SIGKILLed kscope@tcpwait is restarted by systemd ($(($(date +%s) - t0)) s later, NRestarts $restarts -> $(prop tcpwait NRestarts))"
else
	not_ok "SIGKILLed kscope@tcpwait is restarted by systemd"
	diag "$(systemctl status --no-pager kscope@tcpwait 2>&1 | head -20)"
fi
check "the restarted tcpwait writes its file again" wait_for 120 \
	bash -c "[ \$(stat -c %Y $D/kscope-tcpwait.prom) -ge $t0 ]"

# systemctl stop: the tool exits cleanly (SIGTERM) and the file goes (ExecStopPost)
for t in $TOOLS; do
	pid=$(prop $t MainPID)
	systemctl stop "kscope@$t"
	check "systemctl stop kscope@$t removes its file" [ ! -e "$D/kscope-$t.prom" ]
	check "kscope@$t stopped cleanly (Result=$(prop $t Result))" [ "$(prop $t Result)" = success ]
	check "kscope@$t's process is gone" wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
done
metrics=$(curl -sf http://localhost:9100/metrics)
check "node_exporter no longer serves kscope series after the stops" \
	bash -c "! grep -q '^kscope_' <<<\"\$0\"" "$metrics"

echo "kscope-vm: done"
systemctl poweroff --no-block
