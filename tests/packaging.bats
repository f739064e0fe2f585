#!/usr/bin/env bats
# make install and make deb, through the scripts they run (tools/install.sh,
# packaging/build-deb.sh): the layout, lintian, and the package installed on this host
# (tcpwait --version, man -w tcpwait, the unit verified) and purged again.

load lib

setup_file() {
	local missing=() p
	for p in lintian man-db; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
			--no-install-recommends \
			"${missing[@]}" >/dev/null
	fi
	# the package carries the static binaries; relinking them is quick once objects exist
	make -C "$KSCOPE_ROOT" -s static >&2
}

teardown() {
	kill_test_processes
	if [ -n "${INSTALLED:-}" ]; then
		dpkg -P kscope >/dev/null 2>&1
	fi
	true
}

tools() {
	local f
	for f in "$KSCOPE_ROOT"/bpf/*.bpf.c; do
		f=${f##*/}
		echo "${f%.bpf.c}"
	done
}

@test "install puts the tools in PREFIX/sbin and the man pages in PREFIX/share/man/man8 under DESTDIR" {
	d=$BATS_TEST_TMPDIR/root
	run "$KSCOPE_ROOT/tools/install.sh" /opt/ks "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	for t in $(tools); do
		[ -x "$d/opt/ks/sbin/$t" ]
		[ -f "$d/opt/ks/share/man/man8/$t.8" ]
		# the installed binary is the built one
		cmp "$d/opt/ks/sbin/$t" "$BUILD/$t"
		MANPATH=$d/opt/ks/share/man run man -w "$t"
		[ "$output" = "$d/opt/ks/share/man/man8/$t.8" ]
	done
	"$d/opt/ks/sbin/tcpwait" --version | grep -qF "$(cat "$KSCOPE_ROOT/VERSION")"
	[ -f "$d/opt/ks/share/doc/kscope/tcpwait.md" ]
	# nothing outside DESTDIR/PREFIX
	[ "$(find "$d" -mindepth 1 -maxdepth 1)" = "$d/opt" ]
	# bad input: a relative PREFIX is refused with one line, exit 2
	run "$KSCOPE_ROOT/tools/install.sh" usr "$d"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "the .deb is lintian-clean, installs, runs tcpwait --version, finds man tcpwait, and purges" {
	# Another suite on this host installs and purges the same package: one at a time (dpkg
	# refuses a second frontend outright), held until this test's teardown has purged.
	exec {DPKG_LOCK}>/run/lock/kscope-test-package.lock
	flock -w 600 "$DPKG_LOCK"
	if dpkg-query -W -f='${Status}' kscope 2>/dev/null | grep -q 'install ok installed'; then
		skip "a kscope package is already installed on this host; not replacing it"
	fi
	run "$KSCOPE_ROOT/packaging/build-deb.sh" "$BATS_TEST_TMPDIR"
	echo "$output"
	[ "$status" -eq 0 ]
	deb=$output
	[ -f "$deb" ]
	dpkg-deb -I "$deb"
	dpkg-deb -c "$deb"
	# static: no shared library dependency to declare
	for t in $(tools); do
		dpkg-deb -c "$deb" | grep -q " ./usr/sbin/$t$"
		dpkg-deb -c "$deb" | grep -q " ./usr/share/man/man8/$t.8.gz$"
	done
	run lintian --pedantic --fail-on error,warning "$deb"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(grep -v '^running with root' <<<"$output")" ]

	INSTALLED=1
	dpkg -i "$deb"
	run /usr/sbin/tcpwait --version
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qF "$(cat "$KSCOPE_ROOT/VERSION")" <<<"$output"
	# static: ldd finds no interpreter or libraries to load
	ldd /usr/sbin/tcpwait 2>&1 | grep -q 'not a dynamic executable'
	[ "$(man -w tcpwait)" = /usr/share/man/man8/tcpwait.8.gz ]
	man -w mcewatch
	# the unit as installed, with the binary and the man page it names in place
	systemd-analyze verify /lib/systemd/system/kscope@tcpwait.service
	dpkg -P kscope
	INSTALLED=
	[ ! -e /usr/sbin/tcpwait ]
}
