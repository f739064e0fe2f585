# A corrected machine check injected from QEMU's monitor (the host types it when it reads our
# request on the console) reaches the kernel's MCE log, and mcewatch decodes it.
#
# Status 0x9c00000000010090: VAL(63) | EN(60) | MISCV(59) | ADDRV(58), UC(61) and PCC(57) clear:
# a corrected error in both vendors' layouts (an uncorrected one would raise #MC and panic the
# guest).  QEMU's -cpu max under TCG presents an AMD family 0Fh CPU ("vendor: 2" in the
# record), so a decoder takes the AMD layout: extended error code 1 (bits 21:16), MCA code 0x0090
# (no AMD error-code form).  An Intel model (-cpu Skylake-Server-v4, tests/vm/run's
# 6.1@Skylake-Server-v4) presents "GenuineIntel", and the same status is the SDM's compound
# code 000F 0000 1MMM CCCC: a memory controller read error (MMM=001) on channel 0.  QEMU's
# MCG_CAP has no CMCI_P, so bits 52:38 are no count there: corrected_count is null.
MCE_CPU=0
MCE_BANK=1
MCE_STATUS=0x9c00000000010090
MCE_ADDR=0x1234000
MCE_MISC=0x86
MC0=/sys/devices/system/machinecheck/machinecheck0
TR=/sys/kernel/tracing

if [ ! -d $TR/events/mce/mce_record ] || [ ! -d $MC0 ]; then
	skip "no mce:mce_record or machinecheck0 in this kernel"
	return 0
fi
# poll the banks every second instead of every 5 minutes
echo 1 >$MC0/check_interval

# 1. the injection itself, seen through tracefs (independent of mcewatch)
echo >$TR/trace
echo 1 >$TR/events/mce/mce_record/enable
dmesg -c >/dev/null
inject_mce $MCE_CPU $MCE_BANK $MCE_STATUS 0 $MCE_ADDR $MCE_MISC
if wait_for $TR/trace "mce_record:.*MC$MCE_BANK: ${MCE_STATUS#0x}" 20; then
	ok "injected corrected error appears in mce:mce_record"
	line=$(grep mce_record $TR/trace | head -1)
	tp_line=$line
	diag "$line"
	# 6.1 prints "ADDR/MISC/SYND: A/M/S", 6.12 "ADDR: A, MISC: M, SYND: S"
	if echo "$line" | grep -qE 'ADDR[/A-Z]*: 0000000001234000(/|, MISC: )0000000000000086'; then
		ok "mce:mce_record has the injected ADDR and MISC"
	else
		not_ok "mce:mce_record has the injected ADDR and MISC"
	fi
else
	not_ok "injected corrected error appears in mce:mce_record"
	diag "$(tail -5 $TR/trace)"
fi
echo 0 >$TR/events/mce/mce_record/enable
i=0
while [ $i -lt 50 ] && ! dmesg | grep -q "Machine check events logged"; do
	sleep 0.1
	i=$((i + 1))
done
if dmesg | grep -q "Machine check events logged"; then
	ok "dmesg says: Machine check events logged"
else
	not_ok "dmesg says: Machine check events logged"
	diag "$(dmesg | tail -5)"
fi

# 2. mcewatch sees it and decodes it
if ! have mcewatch; then
	skip "mcewatch decodes the injected error (no build/static/mcewatch yet)"
	return 0
fi
# tracefs counts this run's records too: the truth for the summary's totals
echo >$TR/trace
echo 1 >$TR/events/mce/mce_record/enable
if ! tool_start mcewatch mcewatch -v --json; then
	not_ok "mcewatch starts and attaches"
	diag "$(tail -20 /tmp/mcewatch.err)"
	return 0
fi
ok "mcewatch starts and attaches"
# a different address than step 1, so the line can only come from this injection
inject_mce $MCE_CPU $MCE_BANK $MCE_STATUS 0 0x5678000 $MCE_MISC
if wait_for /tmp/mcewatch.out '"event": ?"mce".*5678000' 30; then
	ok "mcewatch --json reports the injected error"
else
	not_ok "mcewatch --json reports the injected error"
fi
tool_stop
status=$?
echo 0 >$TR/events/mce/mce_record/enable
traced=$(grep -c 'mce_record:' $TR/trace)
line=$(grep -E '"event": ?"mce".*5678000' /tmp/mcewatch.out | head -1)
diag "$line"
grep -E 'using ' /tmp/mcewatch.err | sed 's/^/kscope-vm: # /'
grep -q 'using tracepoint mce:mce_record' /tmp/mcewatch.err &&
	ok "mcewatch says it uses tracepoint mce:mce_record" ||
	not_ok "mcewatch says it uses tracepoint mce:mce_record"
# values as hex strings or numbers are both accepted
[ "$(json_get "$line" bank)" = 1 ] && ok "mcewatch: bank 1" || not_ok "mcewatch: bank 1"
echo "$line" | grep -qiE '"status": ?("0x9c00000000010090"|11240984669916758160)' &&
	ok "mcewatch: status 0x9c00000000010090" || not_ok "mcewatch: status 0x9c00000000010090"
echo "$line" | grep -qiE '"addr": ?("0x0*5678000"|90537984)' &&
	ok "mcewatch: address 0x5678000" || not_ok "mcewatch: address 0x5678000"
echo "$line" | grep -qiE '"misc": ?("0x0*86"|134)' &&
	ok "mcewatch: misc 0x86" || not_ok "mcewatch: misc 0x86"
[ "$(json_get "$line" severity)" = '"corrected"' ] &&
	ok "mcewatch: severity corrected" || not_ok "mcewatch: severity corrected"
[ "$(json_get "$line" uncorrected)" = false ] && [ "$(json_get "$line" pcc)" = false ] &&
	ok "mcewatch: UC and PCC clear" || not_ok "mcewatch: UC and PCC clear"
summary=$(grep -E '"event": ?"summary"' /tmp/mcewatch.out | head -1)
diag "$summary"
if [ "$traced" -ge 1 ] && [ "$(json_get "$summary" mce)" = "$traced" ] &&
	echo "$summary" | grep -qE "\"by_bank\": ?\[\{\"bank\": ?$MCE_BANK, ?\"count\": ?$traced\}\]"; then
	ok "mcewatch's summary counts what tracefs saw: $traced, all in bank $MCE_BANK"
else
	not_ok "mcewatch's summary counts what tracefs saw ($traced in bank $MCE_BANK)"
fi
# the issue's case (one corrected error seconds after start): a count, never a per-hour rate
# made up from a window under CTX_RATE_MIN_S (600 s); the window is the summary's own
# duration_s, the count tracefs'
dur=$(json_get "$summary" duration_s)
if [ -n "$dur" ] && awk -v d="$dur" 'BEGIN { exit !(d > 0 && d < 600) }' &&
	[ "$(json_get "$summary" mce_corrected)" = "$traced" ] &&
	[ "$(json_get "$summary" mce_corrected_per_hour)" = null ] &&
	[ "$(json_get "$summary" per_hour_extrapolated)" = false ]; then
	ok "mcewatch's summary: $traced corrected over ${dur} s, no per-hour rate from it"
else
	not_ok "mcewatch's summary: $traced corrected over ${dur:-?} s, no per-hour rate from it"
fi
if [ $status -eq 0 ]; then
	ok "mcewatch exits 0 on SIGINT"
else
	not_ok "mcewatch exits 0 on SIGINT (got $status)"
	diag "$(tail -20 /tmp/mcewatch.err)"
fi
no_progs_left mcewatch

# 3. decoded per the vendor the guest sees.  Truth: the guest's /proc/cpuinfo, the record's
# vendor (X86_VENDOR_INTEL 0, X86_VENDOR_AMD 2, X86_VENDOR_HYGON 9) and "MCGc/s: CAP/STATUS"
cpu_vendor=$(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
# 6.1 prints "PROCESSOR: VENDOR:CPUID", 6.12 "vendor: VENDOR"
rec_vendor=$(echo "${tp_line:-}" | sed -n -e 's/.*PROCESSOR: \([0-9]*\):.*/\1/p' \
	-e 's/.*vendor: \([0-9]*\).*/\1/p')
mcgcap=$(echo "${tp_line:-}" | sed -n 's/.*MCGc\/s: \([0-9a-fA-F]*\)\/.*/\1/p')
diag "guest CPU $cpu_vendor, record vendor ${rec_vendor:-?}, MCG_CAP 0x${mcgcap:-?}"
case $cpu_vendor in
GenuineIntel) want=intel want_x86=0 ;;
AuthenticAMD) want=amd want_x86=2 ;;
HygonGenuine) want=amd want_x86=9 ;;
*) want="" ;;
esac
if [ -z "$want" ] || [ -z "$line" ]; then
	skip "decoded per the guest's vendor (vendor '$cpu_vendor' or no mcewatch line)"
	return 0
fi
[ "$rec_vendor" = "$want_x86" ] &&
	ok "the record's vendor $rec_vendor is the guest's $cpu_vendor" ||
	not_ok "the record's vendor (${rec_vendor:-none}) is the guest's $cpu_vendor ($want_x86)"
[ "$(json_get "$line" vendor)" = "\"$want\"" ] &&
	[ "$(json_get "$line" vendor_source)" = '"record"' ] &&
	ok "mcewatch decodes it as $want, the vendor the guest sees ($cpu_vendor)" ||
	not_ok "mcewatch decodes it as $want, the vendor the guest sees ($cpu_vendor)"
if [ "$want" = intel ]; then
	# SDM compound code 0x0090: 000F 0000 1MMM CCCC, MMM=001 read, CCCC=0000
	[ "$(json_get "$line" error_class)" = '"memory_controller"' ] &&
		[ "$(json_get "$line" mnemonic)" = '"RD_CHANNEL0_ERR"' ] &&
		[ "$(json_get "$line" transaction)" = '"read"' ] &&
		[ "$(json_get "$line" channel)" = 0 ] &&
		ok "Intel: a memory controller read error on channel 0 (RD_CHANNEL0_ERR)" ||
		not_ok "Intel: a memory controller read error on channel 0 (RD_CHANNEL0_ERR)"
	# bits 52:38 are a count only with MCG_CAP.CMCI_P (bit 10)
	if [ -n "$mcgcap" ] && [ $((0x$mcgcap & 0x400)) -eq 0 ]; then
		want_count=null
	else
		want_count=0
	fi
	[ -n "$mcgcap" ] && [ "$(json_get "$line" corrected_count)" = "$want_count" ] &&
		ok "Intel: corrected_count $want_count (MCG_CAP 0x$mcgcap, CMCI_P bit 10)" ||
		not_ok "Intel: corrected_count $want_count (MCG_CAP 0x${mcgcap:-?})"
else
	# APM: 0x0090 fits none of AMD's TLB/memory/bus/internal forms; ext code is bits 21:16
	[ "$(json_get "$line" error_class)" = '"unknown"' ] &&
		[ "$(json_get "$line" ext_code)" = '"0x01"' ] &&
		[ "$(json_get "$line" corrected_count)" = null ] &&
		ok "AMD: code 0x0090 is no AMD form, extended code 0x01, no Intel count" ||
		not_ok "AMD: code 0x0090 is no AMD form, extended code 0x01, no Intel count"
fi
