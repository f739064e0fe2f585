#!/usr/bin/env bash
# Build build/kscope_VERSION_ARCH.deb with dpkg-deb from the static binaries (build/static/,
# `make static`), the man pages, the docs and the systemd unit (deploy/kscope@.service,
# installed but not enabled).  What `make deb` runs; check with lintian (tests/packaging.bats).
# Usage: packaging/build-deb.sh [OUTDIR]     (default: build)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build}
VERSION=$(cat "$ROOT/VERSION")
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d /tmp/kscope-deb.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
PKG=$STAGE/kscope

# the package is built from what is on disk: refuse binaries older than their sources
for b in "$ROOT"/build/static/*; do
	t=${b##*/}
	[ -f "$ROOT/user/$t.c" ] || continue
	if [ "$ROOT/user/$t.c" -nt "$b" ] || [ "$ROOT/bpf/$t.bpf.c" -nt "$b" ]; then
		echo "build-deb: build/static/$t is older than its sources; run make static" >&2
		exit 1
	fi
done

BIN=$ROOT/build/static GZIP_MAN=1 "$ROOT/tools/install.sh" /usr "$PKG" >/dev/null
install -m 0644 "$ROOT/docs/fleet.md" "$PKG/usr/share/doc/kscope/fleet.md" 2>/dev/null || true
install -D -m 0644 "$ROOT/deploy/kscope@.service" "$PKG/lib/systemd/system/kscope@.service"
install -m 0644 "$ROOT/packaging/copyright" "$PKG/usr/share/doc/kscope/copyright"
# Debian policy 12.7: a native package's changelog, compressed, with a reproducible date
sed "s/@VERSION@/$VERSION/" "$ROOT/packaging/changelog" | gzip -9n >"$PKG/usr/share/doc/kscope/changelog.gz"
install -D -m 0644 "$ROOT/packaging/lintian-overrides" "$PKG/usr/share/lintian/overrides/kscope"
# stripped: the static binaries carry libbpf, libelf and zlib's debug info otherwise
for b in "$PKG"/usr/sbin/*; do
	strip --strip-unneeded --remove-section=.comment --remove-section=.note "$b"
done

mkdir -p "$PKG/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" \
	"$ROOT/packaging/control" >"$PKG/DEBIAN/control"
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"
find "$PKG" -type d -exec chmod 0755 {} +

mkdir -p "$OUT"
deb=$OUT/kscope_${VERSION}_${ARCH}.deb
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)} \
	dpkg-deb --root-owner-group -Zxz --build "$PKG" "$deb" >/dev/null
echo "$deb"
