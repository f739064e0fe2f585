#!/usr/bin/env bash
# Install what the guest-kernel matrix (tests/vm/run) needs on the host: QEMU for x86 under
# TCG, busybox-static for the guest's userland, cpio to pack the initramfs, and a static glibc
# to build the workload generators statically, and debootstrap for the systemd guest
# (tests/vm/systemd).  Only what is missing is installed.
set -euo pipefail

packages=(qemu-system-x86 busybox-static cpio libc6-dev gcc socat debootstrap)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vm deps: missing packages: ${missing[*]}; run as root (sudo make vmtest) to install them" >&2
	exit 1
fi
echo "vm deps: installing ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
