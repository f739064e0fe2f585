#!/usr/bin/env bats
# The CI subset of the kernel matrix (tests/vm/): one guest kernel, Debian 6.1 (kprobes,
# fentry, mce:mce_record), booted under QEMU/TCG with the `make static` binaries; every guest
# check runs, the machine-check injection included, in a guest that sees an AMD CPU (-cpu max);
# a second, short boot of the same kernel as an Intel CPU (-cpu Skylake-Server-v4) runs only
# the machine check, decoded the Intel way there.  The whole matrix is `make vmtest`.
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
}
