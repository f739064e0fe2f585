# The CO-RE promise: the binaries `make static` built on the host run unchanged on this
# kernel.  Each tool's own check then loads and attaches it.
n=0
for bin in /kscope/*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	tool=${bin##*/}
	n=$((n + 1))
	check "$tool --version runs" "$bin" --version
	check "$tool --help exits 0" "$bin" --help
done
[ $n -gt 0 ] || skip "no static tools in the initramfs (make static)"
