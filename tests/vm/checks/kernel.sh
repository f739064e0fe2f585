# What the matrix is for: this guest kernel offers the hooks this host's kernel lacks.  If one
# of these fails, the richer-path checks below would silently test nothing.
check "BTF at /sys/kernel/btf/vmlinux" test -s /sys/kernel/btf/vmlinux
check "kprobes (kprobe_events in tracefs)" test -e /sys/kernel/tracing/kprobe_events
check "tracepoint mce:mce_record" test -d /sys/kernel/tracing/events/mce/mce_record
check "machine check polling (machinecheck0)" test -d /sys/devices/system/machinecheck/machinecheck0
