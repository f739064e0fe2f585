# netcheck on another kernel: the audit reads this kernel's /proc and /sys, and watch (syscall
# tracepoints and tp_btf only, so the same hooks as on the host) counts epollbench's own
# epoll_wait calls and events exactly.
if ! have netcheck; then
	skip "netcheck (not built)"
	return 0
fi
if netcheck audit --json >/tmp/netcheck-audit.out 2>/tmp/netcheck-audit.err; then
	ok "netcheck audit --json runs"
else
	not_ok "netcheck audit --json runs"
	diag "$(tail -10 /tmp/netcheck-audit.err)"
fi
[ "$(grep -c '^{' /tmp/netcheck-audit.out)" -gt 0 ] && ok "audit prints JSON rows" ||
	not_ok "audit prints JSON rows"

if [ ! -x /kscope/tools/epollbench ]; then
	skip "netcheck watch against epollbench (epollbench not built)"
	return 0
fi
REQS=2000
epollbench server -w -n $REQS -t -1 >/tmp/epollbench.out 2>&1 &
spid=$!
wait_for /tmp/epollbench.out '^ready' 10
port=$(sed -n 's/^ready pid=[0-9]* port=\([0-9]*\).*/\1/p' /tmp/epollbench.out)
if ! tool_start netcheck netcheck watch -v --json -p $spid 1; then
	not_ok "netcheck watch starts and attaches"
	diag "$(tail -20 /tmp/netcheck.err)"
	kill $spid
	return 0
fi
ok "netcheck watch starts and attaches"
kill -USR1 $spid
epollbench client -P "$port" -c 1 -n $REQS >/tmp/epollbench-client.out 2>&1
wait $spid
tool_stop
status=$?
[ $status -eq 0 ] && ok "watch exits 0 on SIGINT" || {
	not_ok "watch exits 0 on SIGINT ($status)"
	diag "$(tail -20 /tmp/netcheck.err)"
}
grep -E 'using |attach' /tmp/netcheck.err | sed 's/^/kscope-vm: # /'
kv() { sed -n "s/^$1=//p" /tmp/epollbench.out; }
summary=$(tail -1 /tmp/netcheck.out)
row=$(echo "$summary" | sed -n "s/.*\(\"pid\":$spid,.*\)/\1/p")
diag "server: epoll_waits=$(kv epoll_waits) events=$(kv events); tool: $(echo "$row" | cut -c1-200)"
[ "$(json_get "$summary" event)" = '"summary"' ] && ok "watch ends with its summary" ||
	not_ok "watch ends with its summary"
calls=$(json_get "$row" calls)
events=$(json_get "$row" events)
[ -n "$calls" ] && [ "$calls" = "$(kv epoll_waits)" ] &&
	ok "epoll_wait calls = the server's own count ($calls)" ||
	not_ok "epoll_wait calls '$calls' = the server's own count '$(kv epoll_waits)'"
[ -n "$events" ] && [ "$events" = "$(kv events)" ] &&
	ok "events = the server's own count ($events)" ||
	not_ok "events '$events' = the server's own count '$(kv events)'"
no_progs_left netcheck
