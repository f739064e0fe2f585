// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-check decoder against MCi_STATUS values whose meaning is fixed by the vendors'
 * documentation.  Each vector says where its expected decoding comes from:
 *
 *   [SDM-STATUS]  Intel SDM vol. 3B, 15.3.2.2 "IA32_MCi_STATUS MSRs": VAL 63, OVER 62, UC 61,
 *                 EN 60, MISCV 59, ADDRV 58, PCC 57, S 56 / AR 55 (with MCG_SER_P), threshold
 *                 status 54:53 (with MCG_TES_P, UC=0), corrected error count 52:38 (with
 *                 MCG_CMCI_P: "a 15 bit counter ... bit 52 is a sticky count overflow bit"),
 *                 model-specific code 31:16, MCA error code 15:0.
 *   [SDM-SIMPLE]  SDM 15.9.1 "Simple Error Codes" (e.g. 0000 0100 0000 0000 internal timer).
 *   [SDM-COMP]    SDM 15.9.2 "Compound Error Codes": TLB 000F 0000 0001 TTLL, memory
 *                 controller 000F 0000 1MMM CCCC, cache hierarchy 000F 0001 RRRR TTLL, generic
 *                 cache hierarchy 000F 0000 0000 11LL, bus/interconnect 000F 1PPT RRRR IILL,
 *                 with the TT, LL, RRRR, PP, T, II, MMM, CCCC sub-field tables and F (bit 12).
 *   [SDM-UCR]     SDM 15.6.2 / 15.9.3 "Architecturally Defined UCR Errors": SRAO for memory
 *                 scrubbing (MCACOD 0xC0-0xCF) and L3 explicit writeback (0x17A) with
 *                 VAL UC EN MISCV ADDRV S set and PCC AR clear; SRAR for data load (0x134)
 *                 and instruction fetch (0x150) with S and AR set; UCNA has S=0 AR=0 PCC=0.
 *   [AMD-STATUS]  AMD PPR for family 17h/19h, MCA_STATUS: Val 63, Overflow 62, UC 61, En 60,
 *                 MiscV 59, AddrV 58, PCC 57, TCC 55, SyndV 53, CECC 46, UECC 45,
 *                 Deferred 44, Poison 43, ErrorCodeExt 21:16, ErrorCode 15:0;
 *                 MCA_IPID HardwareID 43:32 / McaType 63:48 (0x96/0 = UMC).
 *   [AMD-CODE]    AMD64 APM vol. 2, 9.3.x "MCi_STATUS error codes" / BKDG: TLB 0000 0000 0001
 *                 TTLL, memory 0000 0001 RRRR TTLL, bus 0000 1PPT RRRR IILL.
 *   [REAL]        the value appears as-is in field reports (dmesg/mcelog output).
 */
#include <stdlib.h>
#include "check.h"
#include "mcewatch_ctx.h"
#include "mcewatch_decode.h"

static void decode(struct mce_input *in, struct mce_decoded *d, enum mce_vendor v, __u64 st)
{
	memset(in, 0, sizeof(*in));
	in->vendor = v;
	in->bank = -1;
	in->status = st;
	mce_decode(in, d);
}

static char *json_of(const struct mce_input *in, const struct mce_decoded *d)
{
	static char buf[4096];
	struct json j;
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	json_init(&j, f);
	json_object_begin(&j);
	mce_json_fields(&j, in, d);
	json_object_end(&j);
	fclose(f);
	return buf;
}

static void has(const char *s, const char *want, const char *what)
{
	if (!check(strstr(s, want) != NULL, "%s", what))
		printf("#   '%s' not in\n#   %s\n", want, s);
}

static void hasnt(const char *s, const char *want, const char *what)
{
	if (!check(strstr(s, want) == NULL, "%s", what))
		printf("#   '%s' unexpectedly in\n#   %s\n", want, s);
}

/* [REAL] Sandy Bridge-EP iMC bank 8 report; [SDM-STATUS] + [SDM-COMP] memory controller */
static void test_corrected_memory_read(void)
{
	struct mce_input in;
	struct mce_decoded d;
	char *js;

	decode(&in, &d, MCE_VENDOR_INTEL, 0x8c00004000010090ull);
	check(d.valid && !d.overflow && !d.uncorrected && !d.enabled, "mem read: VAL, not UC/EN");
	check(d.miscv && d.addrv && !d.pcc, "mem read: MISCV ADDRV, no PCC");
	check_str(mce_severity_name(d.severity), "corrected", "mem read: corrected");
	check_u64(d.mca_code, 0x0090, "mem read: MCA code 0x0090");
	check_u64(d.model_code, 0x0001, "mem read: model-specific code 0x0001");
	check_str(mce_class_name(d.error_class), "memory_controller", "mem read: class");
	check_str(d.transaction, "read", "mem read: MMM=001 is a read");
	check(d.channel == 0, "mem read: CCCC=0000 is channel 0");
	check_str(d.mnemonic, "RD_CHANNEL0_ERR", "mem read: SDM mnemonic");
	check(d.has_count && d.corrected_count == 1 && !d.count_overflow,
	      "mem read: bits 52:38 = 1 corrected error");
	check_str(d.threshold, "none", "mem read: bits 54:53 = 00, no tracking");

	in.bank = 8;
	in.addr = 0x1234567000ull;
	in.misc = 0x140a0086ull; /* lsb 6, mode 010 physical */
	mce_decode(&in, &d);
	check(d.addr_lsb == 6, "mem read: MISC 5:0 is the address LSB");
	check_str(d.addr_mode, "physical", "mem read: MISC 8:6 = 010 is a physical address");
	js = json_of(&in, &d);
	has(js, "\"status\":\"0x8c00004000010090\"", "mem read json: status hex");
	has(js, "\"bank\":8", "mem read json: bank");
	has(js, "\"valid\":true,\"overflow\":false,\"uncorrected\":false,\"enabled\":false",
	    "mem read json: flags");
	has(js, "\"miscv\":true,\"addrv\":true,\"pcc\":false", "mem read json: more flags");
	has(js, "\"severity\":\"corrected\"", "mem read json: severity");
	has(js, "\"mca_code\":\"0x0090\"", "mem read json: mca_code");
	has(js, "\"error_class\":\"memory_controller\"", "mem read json: error_class");
	has(js, "\"channel\":0", "mem read json: channel");
	has(js, "\"corrected_count\":1", "mem read json: corrected_count");
	has(js, "\"addr\":\"0x0000001234567000\"", "mem read json: addr when ADDRV");
	has(js, "\"misc\":\"0x00000000140a0086\"", "mem read json: misc when MISCV");
}

/* [REAL] the same controller, channel 1: 8c00004000010091 */
static void test_channel1(void)
{
	struct mce_input in;
	struct mce_decoded d;

	decode(&in, &d, MCE_VENDOR_INTEL, 0x8c00004000010091ull);
	check(d.channel == 1, "channel 1: CCCC=0001");
}

/* [SDM-UCR] L3 explicit writeback SRAO, MCACOD 0x17A: cache hierarchy, LL=10, RRRR=0111 */
static void test_uncorrected_l2_cache(void)
{
	struct mce_input in;
	struct mce_decoded d;
	char *js;

	decode(&in, &d, MCE_VENDOR_INTEL, 0xbd0000000000017aull);
	check(d.valid && d.uncorrected && d.enabled && !d.pcc, "L2 evict: VAL UC EN, no PCC");
	check(d.s && !d.ar, "L2 evict: S set, AR clear");
	check_str(mce_severity_name(d.severity), "uncorrected", "L2 evict: uncorrected");
	check_str(d.severity_detail, "SRAO", "L2 evict: action optional (SRAO)");
	check_str(mce_class_name(d.error_class), "cache", "L2 evict: cache class");
	check_str(d.level, "L2", "L2 evict: LL=10 is level 2");
	check_str(d.type, "generic", "L2 evict: TT=10 is generic");
	check_str(d.request, "eviction", "L2 evict: RRRR=0111 is an eviction");
	check_str(d.mnemonic, "GCACHEL2_EVICT_ERR", "L2 evict: SDM mnemonic");
	check(d.threshold == NULL, "L2 evict: no threshold status for UC errors");
	js = json_of(&in, &d);
	has(js, "\"severity\":\"uncorrected\",\"severity_detail\":\"SRAO\"", "L2 evict json");
	has(js, "\"error_class\":\"cache\"", "L2 evict json: class");
}

/* [SDM-UCR] data load SRAR, MCACOD 0x134: DCACHEL0_DRD_ERR with S and AR */
static void test_srar_data_load(void)
{
	struct mce_input in;
	struct mce_decoded d;

	decode(&in, &d, MCE_VENDOR_INTEL, 0xbd80000000100134ull);
	check(d.s && d.ar, "SRAR: S and AR");
	check_str(d.severity_detail, "SRAR", "SRAR: action required");
	check_str(d.mnemonic, "DCACHEL0_DRD_ERR", "SRAR: data L0 data read");
	/* without MCG_SER_P, S and AR are reserved bits and mean nothing */
	in.have_mcgcap = true;
	in.mcgcap = 0x0c09; /* 9 banks, CMCI_P, TES_P, no SER_P */
	mce_decode(&in, &d);
	check(!d.s && !d.ar, "SRAR without SER_P: S/AR not interpreted");
	check_str(d.severity_detail, "UC", "SRAR without SER_P: plain uncorrected");
}

/* [SDM-UCR] UCNA: UC=1, PCC=0, S=0; [SDM-COMP] bus 0000 1PPT RRRR IILL with T=1 */
static void test_bus_timeout(void)
{
	struct mce_input in;
	struct mce_decoded d;
	char *js;

	decode(&in, &d, MCE_VENDOR_INTEL, 0xb000000000000913ull);
	check_str(mce_class_name(d.error_class), "bus", "bus: class");
	check(d.timeout == 1, "bus: T=1 timed out");
	check_str(d.participation, "source", "bus: PP=00 local processor originated");
	check_str(d.request, "read", "bus: RRRR=0001 read");
	check_str(d.mem_io, "memory", "bus: II=00 memory access");
	check_str(d.level, "LG", "bus: LL=11 generic, the SDM's LG");
	check_str(d.mnemonic, "BUSLG_SRC_RD_M_TIMEOUT_ERR", "bus: SDM mnemonic");
	check_str(mce_severity_name(d.severity), "uncorrected", "bus: uncorrected");
	check_str(d.severity_detail, "UCNA", "bus: no action required (UCNA)");
	js = json_of(&in, &d);
	has(js, "\"timeout\":true", "bus json: timeout");
	hasnt(js, "\"addr\"", "bus json: no addr without ADDRV");
	hasnt(js, "\"misc\"", "bus json: no misc without MISCV");
}

/* [SDM-STATUS] count 52:38 with bit 52 sticky overflow; OVER 62; [SDM-COMP] MMM=010 write */
static void test_count_overflow(void)
{
	struct mce_input in;
	struct mce_decoded d;
	char *js;

	decode(&in, &d, MCE_VENDOR_INTEL, 0xcc1fffc0000000a1ull);
	check(d.overflow, "count overflow: OVER set");
	check(d.count_overflow, "count overflow: bit 52 set");
	check_u64(d.corrected_count, 0x7fff, "count overflow: bits 52:38, bit 52 part of it");
	check_str(mce_severity_name(d.severity), "corrected", "count overflow: still corrected");
	check_str(d.transaction, "write", "count overflow: memory write");
	check(d.channel == 1, "count overflow: channel 1");
	js = json_of(&in, &d);
	has(js, "\"corrected_count\":32767,\"corrected_count_overflow\":true", "count json");
	/* without MCG_CMCI_P the bits are model-specific "other information", not a count */
	in.have_mcgcap = true;
	in.mcgcap = 0x1000809; /* SER_P, TES_P, no CMCI_P */
	mce_decode(&in, &d);
	check(!d.has_count, "count without CMCI_P: not a count");
	js = json_of(&in, &d);
	has(js, "\"corrected_count\":null", "count without CMCI_P: json null");
}

/* [REAL] Haswell/Skylake "Internal Timer error" be00000000800400; [SDM-SIMPLE] 0x0400 */
static void test_pcc_fatal(void)
{
	struct mce_input in;
	struct mce_decoded d;
	char flags[128];

	decode(&in, &d, MCE_VENDOR_INTEL, 0xbe00000000800400ull);
	check(d.pcc, "timer: PCC");
	check_str(mce_severity_name(d.severity), "fatal", "timer: PCC is fatal");
	check_str(mce_class_name(d.error_class), "generic", "timer: a simple code");
	check_str(d.error, "internal timer error", "timer: SDM simple code 0x0400");
	check_u64(d.model_code, 0x0080, "timer: model-specific code 0x0080");
	mce_flags_string(&d, flags, sizeof(flags));
	check_str(flags, "VAL UC EN MISCV ADDRV PCC", "timer: flags spelled out");
}

/* [SDM-SIMPLE] and [SDM-COMP] for the remaining forms */
static void test_code_forms(void)
{
	struct mce_input in;
	struct mce_decoded d;

	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000000014ull);
	check_str(d.mnemonic, "DTLBL0_ERR", "TLB: 0001 TTLL, TT=01 LL=00");
	check_str(mce_class_name(d.error_class), "tlb", "TLB: class");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x900000000000000eull);
	check_str(mce_class_name(d.error_class), "cache", "generic cache hierarchy: class");
	check_str(d.level, "L2", "generic cache hierarchy: 11LL, LL=10");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000001090ull);
	check(d.filtered && d.channel == 0, "F bit 12: filtered, still channel 0 read");
	check_str(d.transaction, "read", "F bit 12: MMM still decoded");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x900000000000009full);
	check(d.channel == -1, "CCCC=1111: channel not specified");
	decode(&in, &d, MCE_VENDOR_INTEL, 0xbd000000000000c2ull);
	check_str(d.transaction, "scrub", "scrub: MMM=100");
	check_str(d.severity_detail, "SRAO", "scrub: SRAO (SDM MCACOD 0xC0-0xCF)");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000000005ull);
	check_str(d.error, "internal parity error", "simple 0x0005");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000000e0bull);
	check_str(d.error, "generic I/O error", "simple 0x0e0b");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000000405ull);
	check_str(d.error, "internal unclassified error", "simple 0000 01xx xxxx xxxx");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000000040ull);
	check_str(mce_class_name(d.error_class), "unknown", "0x0040 matches no form");
	decode(&in, &d, MCE_VENDOR_INTEL, 0);
	check_str(mce_severity_name(d.severity), "none", "VAL clear: no error");
	decode(&in, &d, MCE_VENDOR_INTEL, 0x9000000000000000ull);
	check_str(mce_class_name(d.error_class), "none", "code 0: no error");
}

/* [AMD-STATUS] a deferred DRAM ECC error in a UMC bank; [AMD-CODE] 0x011b memory form */
static void test_amd_deferred(void)
{
	struct mce_input in;
	struct mce_decoded d;
	char *js;

	decode(&in, &d, MCE_VENDOR_AMD, 0x8c2030000000011bull);
	check(d.deferred && d.uecc && d.syndv && !d.uncorrected, "AMD deferred: flags");
	check_str(mce_severity_name(d.severity), "deferred", "AMD deferred: severity");
	check_str(mce_class_name(d.error_class), "cache", "AMD deferred: 0x011b memory form");
	check_str(d.request, "read", "AMD deferred: RRRR=0001 read");
	check(d.ext_code == 0, "AMD deferred: extended code 0");
	check(!d.has_count, "AMD: no Intel corrected count");
	in.ipid = 0x0000009600000000ull;
	mce_decode(&in, &d);
	check_str(mce_class_name(d.error_class), "memory_controller", "AMD UMC bank by IPID");
	check_str(d.error, "memory controller DRAM ECC error", "AMD UMC ext code 0");
	js = json_of(&in, &d);
	has(js, "\"severity\":\"deferred\"", "AMD deferred json: severity");
	has(js, "\"deferred\":true", "AMD deferred json: flag");
	has(js, "\"corrected_count\":null", "AMD deferred json: no count");
	has(js, "\"vendor\":\"amd\"", "AMD deferred json: vendor");
	/* the same bits read as Intel: bit 44 is only "other information" there */
	decode(&in, &d, MCE_VENDOR_INTEL, 0x8c2030000000011bull);
	check_str(mce_severity_name(d.severity), "corrected", "bit 44 on Intel is not deferred");
}

/* [REAL] EPYC UMC corrected DRAM ECC 9c2040000000011b; [AMD-STATUS] CECC bit 46 */
static void test_amd_corrected_and_pcc(void)
{
	struct mce_input in;
	struct mce_decoded d;

	decode(&in, &d, MCE_VENDOR_AMD, 0x9c2040000000011bull);
	check(d.cecc && !d.deferred, "AMD CE: CECC");
	check_str(mce_severity_name(d.severity), "corrected", "AMD CE: corrected");
	decode(&in, &d, MCE_VENDOR_AMD, 0xb600000000000000ull | 0x0150);
	check_str(mce_severity_name(d.severity), "fatal", "AMD PCC: fatal");
	decode(&in, &d, MCE_VENDOR_AMD, 0xb080000000000000ull | 0x0150);
	check_str(d.severity_detail, "TCC", "AMD UC with TCC: task context corrupt");
	check(mce_vendor_from_x86(2) == MCE_VENDOR_AMD &&
		      mce_vendor_from_x86(9) == MCE_VENDOR_AMD &&
		      mce_vendor_from_x86(0) == MCE_VENDOR_INTEL,
	      "x86 vendor ids: AMD 2, Hygon 9, Intel 0");
}

static void test_parse_hex(void)
{
	char why[128];
	__u64 v = 0;

	check(!mce_parse_hex("8c00004000010090", &v, why, sizeof(why)) &&
		      v == 0x8c00004000010090ull,
	      "hex: bare digits as dmesg prints them");
	check(!mce_parse_hex("0xBE00000000800400", &v, why, sizeof(why)) &&
		      v == 0xbe00000000800400ull,
	      "hex: 0x prefix, upper case");
	check(!mce_parse_hex("0000ffffffffffffffff", &v, why, sizeof(why)) && v == ~0ull,
	      "hex: leading zeros do not count");
	check(mce_parse_hex("1ffffffffffffffff", &v, why, sizeof(why)) == -1, "hex: 65 bits");
	check_str(why, "out of range: more than 64 bits", "hex: out of range reason");
	check(mce_parse_hex("status", &v, why, sizeof(why)) == -1, "hex: not hex");
	check_str(why, "not a hexadecimal number", "hex: not hex reason");
	check(mce_parse_hex("", &v, why, sizeof(why)) == -1, "hex: empty");
	check(mce_parse_hex("0x", &v, why, sizeof(why)) == -1, "hex: 0x alone");
	check(mce_parse_hex("-1", &v, why, sizeof(why)) == -1, "hex: negative");
	check(mce_parse_hex("12 ", &v, why, sizeof(why)) == -1, "hex: trailing space");
}

/* PCIe base spec AER status registers: correctable bit 0 receiver error, bit 6 bad TLP;
 * uncorrectable bit 14 completion timeout, bit 18 malformed TLP */
static void test_aer_status(void)
{
	char buf[256];

	mce_aer_status_string(0x41, 2, buf, sizeof(buf));
	check_str(buf, "receiver error, bad TLP", "AER correctable: bits 0 and 6");
	mce_aer_status_string((1u << 14) | (1u << 18), 1, buf, sizeof(buf));
	check_str(buf, "completion timeout, malformed TLP", "AER uncorrectable: bits 14 and 18");
	mce_aer_status_string(1u << 30, 0, buf, sizeof(buf));
	check_str(buf, "bit 30", "AER: an unnamed bit by number");
	mce_aer_status_string(0, 2, buf, sizeof(buf));
	check_str(buf, "-", "AER: no bits");
	check_str(mce_aer_severity_name(2), "corrected", "AER_CORRECTABLE is 2");
	check_str(mce_aer_severity_name(1), "fatal", "AER_FATAL is 1");
}

/* proc(5): /proc/stat cpu line fields and ctxt/intr/processes/procs_*; /proc/loadavg */
static void test_ctx_parse(void)
{
	const char *stat1 = "cpu  100 5 50 1000 20 3 2 1 0 0\n"
			    "cpu0 50 2 25 500 10 1 1 0 0 0\n"
			    "intr 123456 0 1 2 3\n"
			    "ctxt 987654\n"
			    "btime 1700000000\n"
			    "processes 4321\n"
			    "procs_running 3\n"
			    "procs_blocked 1\n";
	const char *stat2 = "cpu  200 5 50 1080 20 3 2 1 0 0\n"
			    "intr 133456 0 1 2 3\n"
			    "ctxt 989654\n"
			    "processes 4331\n"
			    "procs_running 1\n"
			    "procs_blocked 0\n";
	struct ctx_snap a = {0}, b = {0};
	struct ctx_rates r;

	check(!ctx_parse_stat(stat1, &a), "stat: parses");
	check_u64(a.ctxt, 987654, "stat: ctxt");
	check_u64(a.intr, 123456, "stat: intr total (first field)");
	check_u64(a.forks, 4321, "stat: processes");
	check(a.running == 3 && a.blocked == 1, "stat: procs_running/blocked");
	check_u64(a.cpu_busy, 161, "stat: busy = user+nice+system+irq+softirq+steal");
	check_u64(a.cpu_total, 1181, "stat: total = busy + idle + iowait");
	check(!ctx_parse_stat(stat2, &b), "stat: second sample parses");
	a.t_ns = 1000000000ull;
	b.t_ns = 3000000000ull;
	ctx_rates(&a, &b, &r);
	check(r.csw_per_s == 1000, "rates: 2000 switches in 2 s");
	check(r.intr_per_s == 5000, "rates: 10000 interrupts in 2 s");
	check(r.forks_per_s == 5, "rates: 10 forks in 2 s");
	check(r.cpu_pct > 55.5 && r.cpu_pct < 55.6, "rates: 100 busy of 180 jiffies");
	check(ctx_parse_stat("garbage", &a) == -1 && !a.have_stat, "stat: malformed refused");
	check(!ctx_parse_loadavg("0.52 0.58 0.59 2/1123 4567\n", &a), "loadavg: parses");
	check(a.tasks == 1123 && a.load1 == 0.52, "loadavg: tasks and load1");
	check(ctx_parse_loadavg("0.52 0.58", &a) == -1, "loadavg: malformed refused");
}

int main(void)
{
	test_corrected_memory_read();
	test_channel1();
	test_uncorrected_l2_cache();
	test_srar_data_load();
	test_bus_timeout();
	test_count_overflow();
	test_pcc_fatal();
	test_code_forms();
	test_amd_deferred();
	test_amd_corrected_and_pcc();
	test_parse_hex();
	test_aer_status();
	test_ctx_parse();
	return check_done();
}
