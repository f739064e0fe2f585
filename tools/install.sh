#!/usr/bin/env bash
# Install kscope: the tools into PREFIX/sbin, their man pages into PREFIX/share/man/man8, the
# docs into PREFIX/share/doc/kscope, all below DESTDIR (for packaging).  What `make install`
# runs.  The binaries come from build/ (BIN=build/static for the fully static ones).
# Usage: tools/install.sh [PREFIX [DESTDIR]]      (defaults: /usr/local, empty)
# Environment: BIN (default build), GZIP_MAN=1 compresses the man pages (Debian packages do).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-/usr/local}
DESTDIR=${2:-}
BIN=${BIN:-$ROOT/build}
[[ $BIN == /* ]] || BIN=$ROOT/$BIN
case $PREFIX in
/*) ;;
*) echo "install: PREFIX must be an absolute path, not '$PREFIX'" >&2; exit 2 ;;
esac

tools=()
for f in "$ROOT"/bpf/*.bpf.c; do
	f=${f##*/}
	tools+=("${f%.bpf.c}")
done
for t in "${tools[@]}"; do
	[ -x "$BIN/$t" ] || { echo "install: $BIN/$t is not built (make all, or make static)" >&2; exit 1; }
	[ -f "$ROOT/man/$t.8" ] || { echo "install: man/$t.8 is missing" >&2; exit 1; }
done

sbin=$DESTDIR$PREFIX/sbin man8=$DESTDIR$PREFIX/share/man/man8 doc=$DESTDIR$PREFIX/share/doc/kscope
install -d -m 0755 "$sbin" "$man8" "$doc"
for t in "${tools[@]}"; do
	install -m 0755 "$BIN/$t" "$sbin/$t"
	install -m 0644 "$ROOT/man/$t.8" "$man8/$t.8"
	[ "${GZIP_MAN:-0}" = 1 ] && gzip -9nf "$man8/$t.8"
done
for d in "$ROOT"/docs/*.md; do
	case ${d##*/} in hacking.md | testing.md) continue ;; esac # for developers, not hosts
	install -m 0644 "$d" "$doc/${d##*/}"
done
install -m 0644 "$ROOT/README.md" "$doc/README.md"
echo "installed ${tools[*]} into $sbin, man pages into $man8"
