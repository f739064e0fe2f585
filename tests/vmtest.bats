#!/usr/bin/env bats
# The CI subset of the kernel matrix (tests/vm/): one guest kernel, Debian 6.1 (kprobes,
# fentry, mce:mce_record), booted under QEMU/TCG with the `make static` binaries; every guest
# check runs, the machine-check injection included, in a guest that sees an AMD CPU (-cpu max);
# a second, short boot of the same kernel as an Intel CPU (-cpu Skylake-Server-v4) runs only
# the machine check, decoded the Intel way there.  mcewatch's "mce" objects from both guests
# are held to the JSON contract (docs/json.schema.json).  The whole matrix is `make vmtest`.
# Measured on the 2-core TCG machine: about a minute including the kernel download; see
# docs/testing.md.

# a guest has its own bound (KSCOPE_VM_TIMEOUT, 1200 s); this test's is above it, and a cold
# build and download come first
KSCOPE_TEST_TIMEOUT=${KSCOPE_VM_TEST_TIMEOUT:-1400}
load lib

@test "kernel matrix (CI subset): the 6.1 guest kernel runs every check, a machine check decoded per the guest's CPU vendor included" {
	# the guest runs the static binaries; build them like `make vmtest` does
	run make -s -C "$KSCOPE_ROOT" static generators
	echo "$output"
	[ "$status" -eq 0 ]
	run "$KSCOPE_ROOT/tests/vm/run" 6.1 6.1@Skylake-Server-v4:mce
	echo "$output"
	[ "$status" -eq 0 ]
	# a run that counted nothing must not pass
	[[ $output =~ [1-9][0-9]*\ passed,\ 0\ failed ]]
	# mcewatch's machine-check event exists only in a guest (this host has no
	# mce:mce_record): the mce check's diagnostics carry its --json lines, held here to the
	# contract of docs/json.md like every other tool's output (tests/json.bats)
	json=$BATS_TEST_TMPDIR/mcewatch.json
	sed -n 's/^#   # \({"tool":"mcewatch",.*\)$/\1/p' <<<"$output" >"$json"
	# one injected error per guest (AMD, then Intel), each with its run's summary
	[ "$(jq -r .event "$json" | sort | uniq -c | awk '{ printf "%s %s;", $1, $2 }')" = \
		"2 mce;2 summary;" ]
	run "$KSCOPE_ROOT/tests/jsoncheck" "$json"
	echo "$output"
	[ "$status" -eq 0 ]
}
