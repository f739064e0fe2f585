# fadvtop has tracepoints only (fadvise64 syscalls, filemap, lock contention): on this kernel
# the same static binary loads, says so, and counts fadvgen's calls exactly.
if ! have fadvtop; then
	skip "fadvtop (not built)"
	return 0
fi
CG=/sys/fs/cgroup/kscope-fadvtop
mkdir -p $CG
if ! tool_start fadvtop fadvtop -v -j -c $CG 600; then
	not_ok "fadvtop starts and attaches"
	diag "$(cat /tmp/fadvtop.err)"
	return 0
fi
ok "fadvtop starts and attaches"
truth=$(in_cgroup $CG fadvgen -a dontneed -n 200 -s 4096 -f /tmp/fadvgen.log | tail -1)
diag "fadvgen: $truth"
tool_stop
status=$?
if [ $status -eq 0 ]; then
	ok "fadvtop exits 0 on SIGINT"
else
	not_ok "fadvtop exits 0 on SIGINT ($status)"
	diag "$(tail -40 /tmp/fadvtop.err)"
	diag "$(tail -c 600 /tmp/fadvtop.out)"
fi
grep -E 'using ' /tmp/fadvtop.err | sed 's/^/kscope-vm: # /'
grep -q 'fadvise calls: using tracepoint syscalls:sys_enter_fadvise64' /tmp/fadvtop.err &&
	ok "says it uses tracepoint syscalls:sys_enter_fadvise64" ||
	not_ok "says it uses tracepoint syscalls:sys_enter_fadvise64"

pid=$(echo "$truth" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
line=$(tail -1 /tmp/fadvtop.out)
row=$(echo "$line" | sed -n "s/.*\(\"pid\":$pid,.*\)/\1/p")
calls=$(json_get "$row" calls)
dontneed=$(json_get "$row" dontneed)
[ "$calls" = 200 ] && ok "counts fadvgen's 200 calls" ||
	not_ok "counts fadvgen's 200 calls (got '$calls')"
[ "$dontneed" = 200 ] && ok "all 200 as DONTNEED" || not_ok "all 200 as DONTNEED (got '$dontneed')"
no_progs_left fadvtop
rmdir $CG 2>/dev/null
