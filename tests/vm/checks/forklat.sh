# forklat on a kernel with fentry and kprobes: the time inside copy_page_range is measured
# (fentry/fexit first, kprobe/kretprobe when forced) instead of estimated as on the host, and
# the two paths agree with each other and with forkgen's fork count.
if ! have forklat; then
	skip "forklat (not built)"
	return 0
fi
FORKS=20

# forklat_run TAG: forkgen (64 MiB of 4 KiB pages, FORKS forks, held alive until forklat has
# stopped) traced by forklat -p, with the environment's KSCOPE_HOOKS; leaves /tmp/forklat-TAG.{out,err} and the forkgen line in
# /tmp/forkgen-TAG.out.  Returns non-zero when something did not run.
forklat_run() {
	local tag=$1 g p i=0
	rm -f /tmp/forkgen-$tag.out
	forkgen --mib 64 --forks $FORKS --wait --hold >/tmp/forkgen-$tag.out 2>&1 &
	g=$!
	while [ $i -lt 100 ] && ! grep -q ready /tmp/forkgen-$tag.out; do
		sleep 0.1
		i=$((i + 1))
	done
	p=$(json_get "$(head -1 /tmp/forkgen-$tag.out)" pid)
	if ! tool_start forklat-$tag forklat -v -j -p "$p" 600; then
		kill $g
		return 1
	fi
	kill -USR1 "$p"
	# forkgen holds after its result line, so /proc/P (smaps_rollup, the THP share) is still
	# there when forklat's last report reads it; a parent gone by then is "unknown", not 0
	i=0
	while [ $i -lt 600 ] && ! grep -q '"forks"' /tmp/forkgen-$tag.out; do
		sleep 0.1
		i=$((i + 1))
	done
	tool_stop
	kill -USR1 "$p"
	wait $g
}

# ratio_within A B LIMIT: A/B and B/A both at most LIMIT
ratio_within() {
	awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(a > 0 && b > 0 && a / b <= l && b / a <= l) }'
}

# 1. the default plan: fentry where the kernel allows it
if ! forklat_run best; then
	not_ok "forklat starts and attaches"
	diag "$(tail -20 /tmp/forklat-best.err)"
	return 0
fi
status=$?
ok "forklat starts and attaches"
grep '^forklat: attach:\|using ' /tmp/forklat-best.err | sed 's/^/kscope-vm: # /'
diag "forkgen: $(tail -1 /tmp/forkgen-best.out)"
# the last interval's object has the per-fork figures; the summary after it has only totals
diag "$(grep -v '"event":"summary"' /tmp/forklat-best.out | tail -1 | cut -c1-600)"
line=$(grep -v '"event":"summary"' /tmp/forklat-best.out | tail -1)
[ "$(json_get "$line" forks)" = $FORKS ] && ok "counts forkgen's $FORKS forks" ||
	not_ok "counts forkgen's $FORKS forks (got '$(json_get "$line" forks)')"
grep -q 'copy_page_range.*: fentry copy_page_range' /tmp/forklat-best.err &&
	ok "says it times copy_page_range with fentry" ||
	not_ok "says it times copy_page_range with fentry"
[ "$(json_get "$line" pt_copy_estimated)" = false ] &&
	ok "copy_page_range time is measured, not estimated" ||
	not_ok "copy_page_range time is measured, not estimated"
pt_best=$(json_get "$line" pt_copy_us)	# mean per fork
fork_us=$(json_get "$line" mean_us)
diag "fentry: copy_page_range ${pt_best} us per fork, fork call ${fork_us} us"
# copying the page tables happens inside the fork call: it cannot take longer than the call
awk -v a="$pt_best" -v b="$fork_us" 'BEGIN { exit !(a > 0 && a < b) }' &&
	ok "copy_page_range time per fork is within the fork call's time" ||
	not_ok "copy_page_range time per fork is within the fork call's time"
# copy_pte_range: timed where it is a function of its own, said to be inlined otherwise
if kernel_has copy_pte_range; then
	grep -q 'copy_pte_range.*: \(fentry\|kprobe\) copy_pte_range' /tmp/forklat-best.err &&
		ok "copy_pte_range is a symbol here and forklat times it" ||
		not_ok "copy_pte_range is a symbol here and forklat times it"
else
	grep -q 'copy_pte_range.*: none' /tmp/forklat-best.err &&
		ok "copy_pte_range is inlined here and forklat says so" ||
		not_ok "copy_pte_range is inlined here and forklat says so"
fi
no_progs_left forklat

# 2. the kprobe path on the same workload (KSCOPE_HOOKS caps how rich a hook the plan takes)
export KSCOPE_HOOKS=kprobe
forklat_run kprobe
unset KSCOPE_HOOKS
if grep -q 'copy_page_range.*: kprobe copy_page_range' /tmp/forklat-kprobe.err; then
	ok "with KSCOPE_HOOKS=kprobe it says it times copy_page_range with a kprobe"
	line=$(grep -v '"event":"summary"' /tmp/forklat-kprobe.out | tail -1)
	[ "$(json_get "$line" forks)" = $FORKS ] && ok "kprobe path: counts $FORKS forks" ||
		not_ok "kprobe path: counts $FORKS forks (got '$(json_get "$line" forks)')"
	pt_kprobe=$(json_get "$line" pt_copy_us)
	diag "kprobe: copy_page_range ${pt_kprobe} us per fork (fentry: ${pt_best})"
	# the same function timed twice on the same workload; a kprobe adds a trap per call, and
	# TCG timing is noisy, hence the loose bound: a wrong hook or unit is off by far more
	ratio_within "$pt_kprobe" "$pt_best" 3 &&
		ok "kprobe and fentry copy_page_range times agree within 3x" ||
		not_ok "kprobe and fentry copy_page_range times agree within 3x"
else
	not_ok "with KSCOPE_HOOKS=kprobe it says which hook times copy_page_range"
	diag "$(tail -20 /tmp/forklat-kprobe.err)"
fi

# 3. the tracepoint-only path (what this project's host gets): counts agree, copy estimated
export KSCOPE_HOOKS=tracepoint
forklat_run tp
unset KSCOPE_HOOKS
if grep -q 'copy_page_range.*: \(fentry\|kprobe\)' /tmp/forklat-tp.err; then
	not_ok "with KSCOPE_HOOKS=tracepoint it leaves fentry and kprobes alone"
else
	ok "with KSCOPE_HOOKS=tracepoint it leaves fentry and kprobes alone"
	line=$(grep -v '"event":"summary"' /tmp/forklat-tp.out | tail -1)
	[ "$(json_get "$line" forks)" = $FORKS ] && ok "tracepoint path: counts $FORKS forks" ||
		not_ok "tracepoint path: counts $FORKS forks (got '$(json_get "$line" forks)')"
	[ "$(json_get "$line" pt_copy_estimated)" = true ] &&
		ok "tracepoint path: copy_page_range time marked estimated" ||
		not_ok "tracepoint path: copy_page_range time marked estimated"
fi
