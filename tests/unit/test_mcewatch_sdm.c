// SPDX-License-Identifier: GPL-2.0
/*
 * mcewatch's decoder, row by row, against the Intel SDM's reading of each MCi_STATUS value
 * (Intel 64 and IA-32 Architectures Software Developer's Manual, vol. 3B, ch. 15
 * "Machine-Check Architecture").  Table numbers move between SDM revisions, so each row cites
 * the section and the table's title; the numbers here are those of revision 253668-032.
 *
 *   STATUS   15.3.2.2 "IA32_MCi_STATUS MSRs", Figure 15-5: VAL 63, OVER 62, UC 61, EN 60,
 *            MISCV 59, ADDRV 58, PCC 57, S 56 and AR 55 (MCG_SER_P), threshold 54:53
 *            (MCG_TES_P), "corrected error count" 52:38 with MCG_CMCI_P: a 15-bit counter
 *            whose most significant bit, 52, is sticky (Linux: MCI_STATUS_CEC_MASK is
 *            GENMASK_ULL(52, 38)).
 *   SIMPLE   15.9.1, Table 15-8 "IA32_MCi_Status [15:0] Simple Error Code Encoding" (no F bit:
 *            "I/O Error 0000 1110 0000 1011", "Internal Timer 0000 0100 0000 0000").
 *   COMPOUND 15.9.2, Table 15-9 "IA32_MCi_Status [15:0] Compound Error Code Encoding": memory
 *            controller 000F 0000 1MMM CCCC; cache 000F 0001 RRRR TTLL; generic cache
 *            000F 0000 0000 11LL; bus 000F 1PPT RRRR IILL.  Revisions that describe 2LM memory
 *            add the row "Extended Memory Errors" 000F 0010 1MMM CCCC, {MMM}_CHANNEL{CCCC}_ERR
 *            (Table 15-10 there; Linux's skx_common.h: "[RAM used as cache]").  15.9.2.1: F
 *            (bit 12) is "correction report filtering".
 *   LL       Table 15-11 "Encoding of Memory Hierarchy Level (LL) Sub-Field": 00 L0, 01 L1,
 *            10 L2, 11 LG (generic).
 *   MMM      Table 15-14 "Encodings of MMM and CCCC Sub-Fields": 001 RD, 010 WR, 100 MS;
 *            CCCC 1111 "channel not specified".
 *   UCR      15.6.2, Table 15-6 "MC Error Classifications": UCNA UC=1 PCC=0 S=0 AR=0, SRAO
 *            S=1 AR=0, SRAR S=1 AR=1; nothing for S=0 AR=1 (Linux's severity.c: "Illegal
 *            combination (UCNA with AR=1)", PANIC).
 *   OVERWR   15.6.4 "UCR Error Overwrite Rules", Table 15-7 "Overwrite Rules for UC, CE, and
 *            UCR Errors": UCR after UCR keeps the first; "a system reset by system software is
 *            not required unless the AR flag or PCC flag is set for the UCR overflow case
 *            (OVER=1, VAL=1, UC=1, PCC=0)" (Linux: "Action required with lost events", PANIC,
 *            with S=1; with S=0 its table says "Non signaled machine check", KEEP: the SDM
 *            rules here).
 *   REAL     quoted as-is in a public bug report (corrected-error storm: 0xcc59dec000041152).
 */
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "mcewatch_ctx.h"
#include "mcewatch_decode.h"
#include "mcewatch_state.h"

#define NO_COUNT -1

struct row {
	__u64 status;
	const char *severity, *detail;		    /* detail "" when none */
	const char *error_class, *mnemonic, *level; /* NULL: the row does not check it */
	long count;				    /* corrected error count, NO_COUNT: none */
	bool count_overflow, filtered, as_cache;
	const char *error; /* a part of the decoded words */
	const char *sdm;   /* where the expected reading comes from */
};

static const struct row rows[] = {
	/* 1. the 15-bit count: bits 52:38 = 0x677b = 26491, bit 52 set and part of the value */
	{0xcc59dec000041152ull, "corrected", "", "cache", "ICACHEL2_IRD_ERR", "L2", 26491, true,
	 true, false, "instruction cache L2 instruction fetch", "REAL; STATUS 52:38; COMPOUND F"},
	{0xcc1fffc0000000a1ull, "corrected", "", "memory_controller", "WR_CHANNEL1_ERR", NULL,
	 32767, true, false, false, "write error on channel 1", "STATUS 52:38 all set; MMM 010"},
	{0x8c00004000010090ull, "corrected", "", "memory_controller", "RD_CHANNEL0_ERR", NULL, 1,
	 false, false, false, "read error on channel 0", "STATUS; COMPOUND 0000 0000 1001 0000"},
	/* 2. memory used as cache: 000F 0010 1MMM CCCC */
	{0x9c00004000000291ull, "corrected", "", "memory_controller", "RD_CHANNEL1_ERR", NULL, 1,
	 false, false, true, "read error on channel 1 (memory used as cache)",
	 "COMPOUND 0000 0010 1001 0001; MMM 001"},
	{0x9c000000000012a4ull, "corrected", "", "memory_controller", "WR_CHANNEL4_ERR", NULL, 0,
	 false, true, true, "write error on channel 4 (memory used as cache)",
	 "COMPOUND 0001 0010 1010 0100, F set; MMM 010"},
	{0x9c000000000002cfull, "corrected", "", "memory_controller", "MS_CHANNEL_UNSPECIFIED_ERR",
	 NULL, 0, false, false, true, "scrub error, channel not specified (memory used as cache)",
	 "COMPOUND; MMM 100, CCCC 1111"},
	/* 3. UC=1 PCC=0 S=0 AR=1: no UCR class */
	{0xb080000000000134ull, "uncorrected", "ILLEGAL", "cache", "DCACHEL0_DRD_ERR", "L0", 0,
	 false, false, false, "data cache L0 data read", "UCR: S=0 AR=1 is no class"},
	{0xb000000000000913ull, "uncorrected", "UCNA", "bus", "BUSLG_SRC_RD_M_TIMEOUT_ERR", "LG", 0,
	 false, false, false, "timed out", "UCR: S=0 AR=0 is UCNA; COMPOUND bus, LL 11"},
	{0xbd80000000100134ull, "uncorrected", "SRAR", "cache", "DCACHEL0_DRD_ERR", "L0", 0, false,
	 false, false, "data read", "UCR: S=1 AR=1 SRAR; 15.9.3.2 data load 0x134"},
	{0xbd0000000000017aull, "uncorrected", "SRAO", "cache", "GCACHEL2_EVICT_ERR", "L2", 0,
	 false, false, false, "eviction",
	 "UCR: S=1 AR=0 SRAO; 15.9.3.1 L3 explicit writeback 0x17A"},
	/* 4. overflow: with AR a reset is required; without AR it is not */
	{0xf080000000000134ull, "fatal", "AR_OVERFLOW", "cache", "DCACHEL0_DRD_ERR", "L0", 0, false,
	 false, false, "data read", "OVERWR: OVER=1 UC=1 PCC=0 AR=1 requires reset"},
	{0xfd80000000100134ull, "fatal", "AR_OVERFLOW", "cache", "DCACHEL0_DRD_ERR", "L0", 0, false,
	 false, false, "data read", "OVERWR: SRAR then anything: reset (yes)"},
	{0xfd0000000000017aull, "uncorrected", "SRAO", "cache", "GCACHEL2_EVICT_ERR", "L2", 0,
	 false, false, false, "eviction", "OVERWR: SRAO then SRAO keeps the first, no reset"},
	{0xf000000000000913ull, "uncorrected", "UCNA", "bus", NULL, "LG", 0, false, false, false,
	 "bus", "OVERWR: UCNA then UCNA, no reset"},
	{0xf600000000000134ull, "fatal", "", "cache", NULL, "L0", 0, false, false, false,
	 "data read", "OVERWR: UC (PCC=1) overwrites UCR"},
	/* 5. simple codes have no F bit: 0x1E0B is the I/O error as 0x0E0B is */
	{0x9000000000000e0bull, "corrected", "", "generic", NULL, NULL, 0, false, false, false,
	 "generic I/O error", "SIMPLE I/O error 0000 1110 0000 1011"},
	{0x9000000000001e0bull, "corrected", "", "generic", NULL, NULL, 0, false, false, false,
	 "generic I/O error", "SIMPLE: bit 12 is no F on a simple code"},
	{0xbe00000000801400ull, "fatal", "", "generic", NULL, NULL, 0, false, false, false,
	 "internal timer error", "SIMPLE internal timer, bit 12 ignored"},
	{0x9000000000001000ull, "corrected", "", "none", NULL, NULL, 0, false, false, false,
	 "no error", "SIMPLE no error, bit 12 ignored"},
	/* 6. levels as the SDM numbers them */
	{0x900000000000000full, "corrected", "", "cache", "CACHELG_ERR", "LG", 0, false, false,
	 false, "generic cache hierarchy generic-level (LG)",
	 "COMPOUND 0000 0000 0000 11LL; LL 11"},
	{0x9000000000000151ull, "corrected", "", "cache", "ICACHEL1_IRD_ERR", "L1", 0, false, false,
	 false, "instruction cache L1", "COMPOUND cache; LL 01 is L1"},
	{0x9000000000000014ull, "corrected", "", "tlb", "DTLBL0_ERR", "L0", 0, false, false, false,
	 "data TLB L0", "COMPOUND TLB 0000 0000 0001 TTLL; LL 00 is L0"},
};

/* "0x... FIELD [SDM reference]": each check names the value, the field and its source */
static const char *what(const struct row *r, const char *field)
{
	static char buf[192];

	snprintf(buf, sizeof(buf), "0x%016llx %s [%s]", (unsigned long long)r->status, field,
		 r->sdm);
	return buf;
}

static void test_rows(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct mce_input in = {.vendor = MCE_VENDOR_INTEL, .bank = -1, .status = r->status};
		struct mce_decoded d;

		mce_decode(&in, &d);
		check_str(mce_severity_name(d.severity), r->severity, what(r, "severity"));
		check_str(d.severity_detail, r->detail, what(r, "severity detail"));
		check_str(mce_class_name(d.error_class), r->error_class, what(r, "class"));
		if (r->mnemonic)
			check_str(d.mnemonic, r->mnemonic, what(r, "mnemonic"));
		if (r->level)
			check_str(d.level, r->level, what(r, "level"));
		if (r->count == NO_COUNT)
			check(!d.has_count, "%s", what(r, "no count"));
		else
			check(d.has_count && d.corrected_count == r->count, "%s = %ld (got %u)",
			      what(r, "corrected count"), r->count, d.corrected_count);
		check(d.count_overflow == r->count_overflow, "%s",
		      what(r, "count overflow bit 52"));
		check(d.filtered == r->filtered, "%s", what(r, "F"));
		check(d.memory_as_cache == r->as_cache, "%s", what(r, "memory used as cache"));
		if (!check(strstr(d.error, r->error) != NULL, "%s", what(r, "words")))
			printf("#   '%s' not in '%s'\n", r->error, d.error);
	}
}

/* Without MCG_CMCI_P the bits are model-specific: no count, whatever they hold. */
static void test_count_needs_cmci(void)
{
	struct mce_input in = {.vendor = MCE_VENDOR_INTEL,
			       .bank = -1,
			       .status = 0xcc59dec000041152ull,
			       .have_mcgcap = true,
			       .mcgcap = 0x1000809}; /* SER_P, TES_P, 9 banks, no CMCI_P */
	struct mce_decoded d;

	mce_decode(&in, &d);
	check(!d.has_count, "STATUS: without MCG_CMCI_P (QEMU's MCG_CAP) bits 52:38 are no count");
	in.mcgcap |= 1 << 10;
	mce_decode(&in, &d);
	check(d.has_count && d.corrected_count == 26491, "STATUS: with MCG_CMCI_P they are");
}

/* A rate needs a window: none from one event 1.45 s in; extrapolated below an hour. */
static void test_per_hour(void)
{
	double rate = -1;
	bool extrapolated = true;

	check(!ctx_per_hour(1, 1.45, &rate, &extrapolated), "rate: 1 event in 1.45 s has none");
	check(!ctx_per_hour(100, CTX_RATE_MIN_S - 1, &rate, &extrapolated),
	      "rate: none just under the minimum window");
	check(!ctx_per_hour(0, 0, &rate, &extrapolated), "rate: none over an empty window");
	check(ctx_per_hour(3, 600, &rate, &extrapolated) && rate == 18 && extrapolated,
	      "rate: 3 in 10 min is 18/hour, extrapolated");
	check(ctx_per_hour(5, 7200, &rate, &extrapolated) && rate == 2.5 && !extrapolated,
	      "rate: 5 in 2 h is 2.5/hour, measured");
}

/*
 * The summary a person reads, and its JSON: one corrected memory-controller error in bank 8
 * (the case: 1.45 s after start) or count errors, over a window of secs.  What
 * mcewatch_show() printed, captured from stdout.
 */
static const char *summary_of(__u64 count, double secs, bool json)
{
	static char buf[8192];
	struct common_opts common = {.json = json};
	struct mcewatch_state *st = calloc(1, sizeof(*st));
	FILE *f = tmpfile();
	int saved;
	size_t n = 0;

	buf[0] = '\0';
	if (!st || !f)
		goto out;
	st->common = &common;
	st->mce = st->mce_corrected = count;
	st->by_cpu[0] = (struct key_count){0, count};
	st->by_bank[0] = (struct key_count){8, count};
	st->n_cpu = st->n_bank = 1;
	st->by_class[MCE_CLASS_MEMORY_CONTROLLER][MCE_SEV_CORRECTED] = count;
	st->secs = secs;
	st->span_ns = (__u64)(secs * 1e9);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(f), STDOUT_FILENO);
	mcewatch_show(st, true);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
out:
	if (f)
		fclose(f);
	free(st);
	return buf;
}

static void has(const char *s, const char *want, const char *what)
{
	if (!check(strstr(s, want) != NULL, "%s", what))
		printf("#   '%s' not in\n#   %s\n", want, s);
}

/* The "2483 corrected/hour" from one event 1.45 s in: counts, and no rate. */
static void test_summary_rates(void)
{
	const char *s;

	s = summary_of(1, 1.45, false);
	has(s, "Summary over 1.45 s: 1 machine check (1 corrected), 0 EDAC",
	    "summary: one event, its count");
	check(!strstr(s, "/hour"), "summary: one event 1.45 s in has no per-hour rate");
	has(s, "no per-hour rates: 1.45 s of watching is under the 10 minutes a rate needs",
	    "summary: it says why there is no rate");
	s = summary_of(1, 1.45, true);
	has(s,
	    "\"mce\":1,\"mce_corrected\":1,\"mce_corrected_per_hour\":null,"
	    "\"per_hour_extrapolated\":false",
	    "summary JSON: one event 1.45 s in, rate null");
	s = summary_of(3, 600, false);
	has(s, "3 corrected, 18.0/hour (extrapolated from 600.00 s)",
	    "summary: 3 in 10 min is a rate, said to be extrapolated");
	s = summary_of(3, 600, true);
	has(s, "\"mce_corrected_per_hour\":18,\"per_hour_extrapolated\":true",
	    "summary JSON: 3 in 10 min, 18/hour, extrapolated");
	s = summary_of(5, 7200, false);
	has(s, "(5 corrected, 2.5/hour)", "summary: 5 in 2 h is 2.5/hour, measured");
	s = summary_of(5, 7200, true);
	has(s, "\"mce_corrected_per_hour\":2.5,\"per_hour_extrapolated\":false",
	    "summary JSON: 5 in 2 h, not extrapolated");
}

int main(void)
{
	test_rows();
	test_count_needs_cmci();
	test_per_hour();
	test_summary_rates();
	return check_done();
}
