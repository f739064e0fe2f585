# Debian's guest kernels, fetched once into $CACHE/kernels (sourced by tests/vm/run and
# tests/vm/systemd; they set CACHE, and KSCOPE_VM_OFFLINE=1 never asks apt).

# kernel_package VERSION: the newest generic (not -cloud: it lacks CONFIG_X86_MCE, not -rt)
# unsigned image of that version the archive offers, or a cached one when offline.
kernel_package() {
	local v=$1 pkg=""
	if [[ $v == linux-image-* ]]; then
		echo "$v"
		return 0
	fi
	local re="^linux-image-${v//./\\.}(\\.[0-9]+)*(-[0-9]+|\+deb[0-9]+)-amd64-unsigned$"
	if [ "${KSCOPE_VM_OFFLINE:-0}" != 1 ]; then
		pkg=$(apt-cache search --names-only "^linux-image-${v//./\\.}" 2>/dev/null |
			awk '{ print $1 }' | grep -E "$re" | sort -V | tail -1)
	fi
	if [ -z "$pkg" ]; then
		pkg=$(ls "$CACHE/kernels" 2>/dev/null | grep -E "$re" | sort -V | tail -1)
	fi
	[ -n "$pkg" ] || return 1
	echo "$pkg"
}

# kernel_fetch PACKAGE: path of its vmlinuz in the cache, downloading and unpacking only
# ./boot (the modules are not needed: the serial console, initramfs and BPF are built in).
kernel_fetch() {
	local pkg=$1 dir=$CACHE/kernels/$1 tmp deb
	if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
		[ "${KSCOPE_VM_OFFLINE:-0}" = 1 ] && return 1
		tmp=$(mktemp -d "$CACHE/kernels/dl.XXXXXX") || return 1
		echo "# vmtest: downloading $pkg" >&2
		# apt drops privileges to _apt for downloads; give it a directory it can write
		chmod 755 "$tmp" && chown _apt "$tmp" 2>/dev/null
		if ! (cd "$tmp" && apt-get download -q "$pkg" >&2); then
			rm -rf "$tmp"
			return 1
		fi
		deb=$(ls "$tmp"/*.deb)
		mkdir -p "$tmp/x"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" ./boot || {
			rm -rf "$tmp"
			return 1
		}
		# a concurrent run may have unpacked it meanwhile: then keep that one
		mv -T "$tmp/x" "$dir" 2>/dev/null
		rm -rf "$tmp"
	fi
	ls "$dir"/boot/vmlinuz-* | head -1
}
