#!/usr/bin/env bash
# Run the benchmarks: every tools/bench/<tool>.sh, or those named (tcpwait, or a path), one
# after the other (they share host-wide BPF stats and a small machine), then print all their
# tables again as one summary.  A benchmark exits 0 (ran), 77 (skipped: says why) or other
# (failed).  Exit status: 0 unless one failed.  See tools/bench/lib.sh for writing one.
# Usage: tools/bench/run.sh [TOOL|tools/bench/TOOL.sh ...]   (make bench BENCH="TOOL ...")
cd "$(dirname "$0")/../.." || exit 1

benches=()
if [ $# -eq 0 ]; then
	for f in tools/bench/*.sh; do
		case ${f##*/} in lib.sh | run.sh) continue ;; esac
		benches+=("$f")
	done
else
	for b in "$@"; do
		[[ $b == */* ]] || b=tools/bench/${b%.sh}.sh
		[ -f "$b" ] || { echo "bench: no such benchmark: $b" >&2; exit 2; }
		benches+=("$b")
	done
fi
[ ${#benches[@]} -gt 0 ] || { echo "bench: no benchmarks in tools/bench/" >&2; exit 2; }

BENCH_SUMMARY=$(mktemp /tmp/kscope-bench-summary.XXXXXX) || exit 1
export BENCH_SUMMARY
trap 'rm -f "$BENCH_SUMMARY"' EXIT

ran=0 failed=0 skipped=0 failed_names=()
for b in "${benches[@]}"; do
	echo "# === $b"
	bash "$b"
	status=$?
	case $status in
	0) ran=$((ran + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*)
		failed=$((failed + 1))
		failed_names+=("${b##*/} (exit $status)")
		echo "${b##*/}: failed with exit status $status" >>"$BENCH_SUMMARY"
		;;
	esac
done

echo
echo "# === summary"
cat "$BENCH_SUMMARY"
[ $failed -gt 0 ] && echo "# failed: ${failed_names[*]}"
echo "$ran ran, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
