// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check bank decoding.  Bit positions and code patterns follow the Intel SDM vol. 3B
 * ch. 15 (IA32_MCi_STATUS, simple and compound MCA error codes, UCR classes) and the AMD64
 * APM / family 17h+ PPRs (MCA_STATUS, MCA_IPID); the output mirrors what `mcelog --ascii`
 * and the kernel's mce_amd decoder say, in words a reader can act on.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "mcewatch_decode.h"

#define BIT(n) (1ull << (n))

/* MCi_STATUS, both vendors */
#define ST_VAL BIT(63)
#define ST_OVER BIT(62)
#define ST_UC BIT(61)
#define ST_EN BIT(60)
#define ST_MISCV BIT(59)
#define ST_ADDRV BIT(58)
#define ST_PCC BIT(57)
/* Intel, with MCG_CAP.MCG_SER_P */
#define ST_S BIT(56)
#define ST_AR BIT(55)
/* AMD */
#define ST_AMD_TCC BIT(55)
#define ST_AMD_SYNDV BIT(53)
#define ST_AMD_CECC BIT(46)
#define ST_AMD_UECC BIT(45)
#define ST_AMD_DEFERRED BIT(44)
#define ST_AMD_POISON BIT(43)

/* MCG_CAP */
#define MCG_CMCI_P BIT(10)
#define MCG_TES_P BIT(11)
#define MCG_SER_P BIT(24)

/* MCG_STATUS */
#define MCG_RIPV BIT(0)
#define MCG_EIPV BIT(1)
#define MCG_MCIP BIT(2)
#define MCG_LMCES BIT(3)

/*
 * Compound code sub-fields, SDM "Compound Error Codes".  LL keeps the SDM's numbering
 * (Table "Encoding of LL (Memory Hierarchy Level) Sub-Field": 00 L0, 01 L1, 10 L2, 11 LG):
 * the SDM's L0 is the level nearest the core, the one sysfs and lscpu call L1 (the SDM
 * itself names MCACOD 0x17A, LL=10, the "L3 explicit writeback").  docs/mcewatch.md says so.
 */
static const char *const level_names[] = {"L0", "L1", "L2", "LG"};
static const char *const level_text[] = {"L0", "L1", "L2", "generic-level (LG)"};
static const char *const type_names[] = {"instruction", "data", "generic", "reserved"};
static const char *const type_mnem[] = {"I", "D", "G", "R"};
static const char *const request_names[16] = {
	"generic",  "read",	"write",    "data read", "data write", "instruction fetch",
	"prefetch", "eviction", "snoop",    "reserved",	 "reserved",   "reserved",
	"reserved", "reserved", "reserved", "reserved",
};
static const char *const request_mnem[16] = {
	"ERR",	 "RD",	"WR",  "DRD", "DWR", "IRD", "PREFETCH", "EVICT",
	"SNOOP", "RSV", "RSV", "RSV", "RSV", "RSV", "RSV",	"RSV",
};
static const char *const part_names[] = {"source", "responder", "observer", "generic"};
static const char *const part_mnem[] = {"SRC", "RES", "OBS", "GEN"};
static const char *const memio_names[] = {"memory", "reserved", "io", "other"};
static const char *const memio_mnem[] = {"M", "RSV", "IO", "OTHER"};
static const char *const mmm_names[8] = {
	"generic", "read", "write", "address/command", "scrub", "reserved", "reserved", "reserved",
};
static const char *const mmm_mnem[8] = {"GEN", "RD", "WR", "AC", "MS", "RSV", "RSV", "RSV"};

const char *mce_vendor_name(enum mce_vendor v)
{
	return v == MCE_VENDOR_AMD ? "amd" : "intel";
}

const char *mce_severity_name(enum mce_severity s)
{
	static const char *const names[] = {"none", "corrected", "deferred", "uncorrected",
					    "fatal"};

	return (unsigned int)s < MCE_SEV_COUNT ? names[s] : "none";
}

const char *mce_class_name(enum mce_class c)
{
	static const char *const names[] = {"none", "generic", "tlb", "cache", "memory_controller",
					    "bus",  "unknown"};

	return (unsigned int)c < MCE_CLASS_COUNT ? names[c] : "unknown";
}

enum mce_vendor mce_vendor_from_x86(unsigned int x86_vendor)
{
	/* arch/x86/include/asm/processor.h: X86_VENDOR_AMD 2, X86_VENDOR_HYGON 9 */
	return x86_vendor == 2 || x86_vendor == 9 ? MCE_VENDOR_AMD : MCE_VENDOR_INTEL;
}

/*
 * The SDM's simple error codes (Table "IA32_MCi_Status [15:0] Simple Error Code Encoding").
 * They have no F bit: bit 12 is masked before matching, as for compound codes, so 0x1E0B is
 * the I/O error as 0x0E0B is.  Matched before the compound forms: 0x0E0B also fits the bus
 * form's bit pattern, and the SDM lists it as the simple "I/O error" (IOMCA).
 */
static bool decode_simple(__u16 code, struct mce_decoded *d)
{
	static const struct {
		__u16 code;
		const char *text;
	} simple[] = {
		{0x0001, "unclassified error"},
		{0x0002, "microcode ROM parity error"},
		{0x0003, "external error (BINIT# from another processor)"},
		{0x0004, "functional redundancy check master/slave error"},
		{0x0005, "internal parity error"},
		{0x0006, "SMM handler code access violation"},
		{0x0400, "internal timer error"},
		{0x0e0b, "generic I/O error"},
	};

	code &= ~0x1000;
	if (code == 0) {
		d->error_class = MCE_CLASS_NONE;
		snprintf(d->error, sizeof(d->error), "no error");
		return true;
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (simple[i].code != code)
			continue;
		d->error_class = MCE_CLASS_GENERIC;
		snprintf(d->error, sizeof(d->error), "%s", simple[i].text);
		return true;
	}
	/* 0000 01xx xxxx xxxx with at least one x set */
	if ((code & 0xfc00) == 0x0400) {
		d->error_class = MCE_CLASS_GENERIC;
		snprintf(d->error, sizeof(d->error), "internal unclassified error");
		return true;
	}
	return false;
}

static void decode_tlb(__u16 c, struct mce_decoded *d)
{
	unsigned int tt = (c >> 2) & 3, ll = c & 3;

	d->error_class = MCE_CLASS_TLB;
	d->type = type_names[tt];
	d->level = level_names[ll];
	snprintf(d->error, sizeof(d->error), "%s TLB %s error", type_names[tt], level_text[ll]);
	snprintf(d->mnemonic, sizeof(d->mnemonic), "%sTLB%s_ERR", type_mnem[tt], level_names[ll]);
}

static void decode_cache(__u16 c, struct mce_decoded *d)
{
	unsigned int rrrr = (c >> 4) & 0xf, tt = (c >> 2) & 3, ll = c & 3;

	d->error_class = MCE_CLASS_CACHE;
	d->request = request_names[rrrr];
	d->type = type_names[tt];
	d->level = level_names[ll];
	snprintf(d->error, sizeof(d->error), "%s cache %s %s error", type_names[tt], level_text[ll],
		 request_names[rrrr]);
	snprintf(d->mnemonic, sizeof(d->mnemonic), "%sCACHE%s_%s_ERR", type_mnem[tt],
		 level_names[ll], request_mnem[rrrr]);
}

static void decode_bus(__u16 c, struct mce_decoded *d)
{
	unsigned int pp = (c >> 9) & 3, t = (c >> 8) & 1, rrrr = (c >> 4) & 0xf;
	unsigned int ii = (c >> 2) & 3, ll = c & 3;

	d->error_class = MCE_CLASS_BUS;
	d->participation = part_names[pp];
	d->timeout = t;
	d->request = request_names[rrrr];
	d->mem_io = memio_names[ii];
	d->level = level_names[ll];
	snprintf(d->error, sizeof(d->error), "bus/interconnect %s %s error (%s, %s%s)",
		 memio_names[ii], request_names[rrrr], part_names[pp], level_text[ll],
		 t ? ", timed out" : "");
	snprintf(d->mnemonic, sizeof(d->mnemonic), "BUS%s_%s_%s_%s_%s_ERR", level_names[ll],
		 part_mnem[pp], request_mnem[rrrr], memio_mnem[ii], t ? "TIMEOUT" : "NOTIMEOUT");
}

/* 000F 0000 1MMM CCCC, and 000F 0010 1MMM CCCC for memory used as a cache (2LM) */
static void decode_memctl(__u16 c, bool as_cache, struct mce_decoded *d)
{
	unsigned int mmm = (c >> 4) & 7, cccc = c & 0xf;
	const char *cache = as_cache ? " (memory used as cache)" : "";

	d->error_class = MCE_CLASS_MEMORY_CONTROLLER;
	d->memory_as_cache = as_cache;
	d->transaction = mmm_names[mmm];
	d->channel = cccc == 0xf ? -1 : (int)cccc;
	if (d->channel < 0) {
		snprintf(d->error, sizeof(d->error),
			 "memory controller %s error, channel not specified%s", mmm_names[mmm],
			 cache);
		snprintf(d->mnemonic, sizeof(d->mnemonic), "%s_CHANNEL_UNSPECIFIED_ERR",
			 mmm_mnem[mmm]);
		return;
	}
	snprintf(d->error, sizeof(d->error), "memory controller %s error on channel %u%s",
		 mmm_names[mmm], cccc, cache);
	snprintf(d->mnemonic, sizeof(d->mnemonic), "%s_CHANNEL%u_ERR", mmm_mnem[mmm], cccc);
}

static void decode_generic_cache(__u16 c, struct mce_decoded *d)
{
	unsigned int ll = c & 3;

	d->error_class = MCE_CLASS_CACHE;
	d->level = level_names[ll];
	snprintf(d->error, sizeof(d->error), "generic cache hierarchy %s error", level_text[ll]);
	snprintf(d->mnemonic, sizeof(d->mnemonic), "CACHE%s_ERR", level_names[ll]);
}

/*
 * Intel compound codes, SDM "Compound Error Codes": the position of the highest set bit
 * after masking F (bit 12) selects the form, as mcelog's test_prefix() does.
 */
static void decode_intel_code(__u16 code, struct mce_decoded *d)
{
	__u16 c = code & ~0x1000;

	if (decode_simple(code, d))
		return;
	d->filtered = code & 0x1000;
	if ((c >> 11) == 1) /* 000F 1PPT RRRR IILL */
		decode_bus(c, d);
	else if ((c >> 8) == 1) /* 000F 0001 RRRR TTLL */
		decode_cache(c, d);
	else if ((c >> 7) == 1) /* 000F 0000 1MMM CCCC */
		decode_memctl(c, false, d);
	else if ((c >> 7) == 5) /* 000F 0010 1MMM CCCC: memory used as cache */
		decode_memctl(c, true, d);
	else if ((c >> 4) == 1) /* 000F 0000 0001 TTLL */
		decode_tlb(c, d);
	else if ((c >> 2) == 3) /* 000F 0000 0000 11LL */
		decode_generic_cache(c, d);
	else {
		d->error_class = MCE_CLASS_UNKNOWN;
		snprintf(d->error, sizeof(d->error), "unknown MCA error code 0x%04x", code);
	}
}

/* AMD SMCA bank types by MCA_IPID HardwareID (43:32) and McaType (63:48), PPR 17h+. */
static const char *amd_bank_type(__u64 ipid)
{
	static const struct {
		__u16 hwid, mcatype;
		const char *name;
	} types[] = {
		{0xb0, 0x0, "LS (load-store unit)"},
		{0xb0, 0x10, "LS (load-store unit)"},
		{0xb0, 0x1, "IF (instruction fetch unit)"},
		{0xb0, 0x2, "L2 (L2 cache)"},
		{0xb0, 0x3, "DE (decode unit)"},
		{0xb0, 0x5, "EX (execution unit)"},
		{0xb0, 0x6, "FP (floating point unit)"},
		{0x07, 0x0, "L3 (L3 cache)"},
		{0x2e, 0x0, "CS (coherent slave)"},
		{0x2e, 0x2, "CS (coherent slave)"},
		{0x2e, 0x1, "PIE (power, interrupts, etc.)"},
		{0x96, 0x0, "UMC (unified memory controller)"},
		{0x96, 0x1, "UMC (unified memory controller)"},
		{0x05, 0x0, "PB (parameter block)"},
		{0xff, 0x0, "PSP (platform security processor)"},
		{0x01, 0x0, "SMU (system management unit)"},
		{0x01, 0x2, "MP5 (microprocessor 5 unit)"},
		{0x18, 0x0, "NBIO (northbridge IO unit)"},
		{0x46, 0x0, "PCIE (PCI Express unit)"},
	};
	__u16 hwid = (ipid >> 32) & 0xfff, mcatype = ipid >> 48;

	if (!ipid)
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].hwid == hwid && types[i].mcatype == mcatype)
			return types[i].name;
	return NULL;
}

static void decode_amd_code(const struct mce_input *in, __u16 code, struct mce_decoded *d)
{
	/* the kernel's mce_amd UMC descriptions, by extended error code */
	static const char *const umc_ext[] = {
		"DRAM ECC error",
		"data poison error",
		"SDP parity error",
		"advanced peripheral bus error",
		"address/command parity error",
		"write data CRC error",
	};

	/* AMD's four forms, as the kernel's TLB_ERROR/MEM_ERROR/BUS_ERROR/INT_ERROR test them */
	if ((code & 0xfff0) == 0x0010)
		decode_tlb(code, d);
	else if ((code & 0xff00) == 0x0100)
		decode_cache(code, d);
	else if ((code & 0xf800) == 0x0800)
		decode_bus(code, d);
	else if ((code & 0xf4ff) == 0x0400) {
		d->error_class = MCE_CLASS_GENERIC;
		snprintf(d->error, sizeof(d->error), "internal unclassified error");
	} else if (code == 0) {
		d->error_class = MCE_CLASS_NONE;
		snprintf(d->error, sizeof(d->error), "no error code");
	} else {
		d->error_class = MCE_CLASS_UNKNOWN;
		snprintf(d->error, sizeof(d->error), "unknown MCA error code 0x%04x", code);
	}

	d->bank_type = amd_bank_type(in->ipid);
	/* a UMC bank is the memory controller whatever form its error code takes */
	if (d->bank_type && !strncmp(d->bank_type, "UMC", 3)) {
		d->error_class = MCE_CLASS_MEMORY_CONTROLLER;
		d->mnemonic[0] = '\0';
		if ((size_t)d->ext_code < sizeof(umc_ext) / sizeof(umc_ext[0]))
			snprintf(d->error, sizeof(d->error), "memory controller %s",
				 umc_ext[d->ext_code]);
		else
			snprintf(d->error, sizeof(d->error),
				 "memory controller error, extended code 0x%x", d->ext_code);
	}
}

static void decode_severity(const struct mce_input *in, struct mce_decoded *d)
{
	d->severity_detail = "";
	if (!d->valid) {
		d->severity = MCE_SEV_NONE;
		return;
	}
	if (in->vendor == MCE_VENDOR_AMD) {
		/* in the order of the kernel's mce_severity_amd() */
		if (d->pcc)
			d->severity = MCE_SEV_FATAL;
		else if (d->deferred)
			d->severity = MCE_SEV_DEFERRED;
		else if (!d->uncorrected)
			d->severity = MCE_SEV_CORRECTED;
		else {
			d->severity = MCE_SEV_UNCORRECTED;
			d->severity_detail = d->tcc ? "TCC" : "UC";
		}
		return;
	}
	if (!d->uncorrected) {
		d->severity = MCE_SEV_CORRECTED;
		return;
	}
	if (d->pcc) {
		d->severity = MCE_SEV_FATAL;
		return;
	}
	d->severity = MCE_SEV_UNCORRECTED;
	if (in->have_mcgcap && !(in->mcgcap & MCG_SER_P)) {
		d->severity_detail = "UC";
		return;
	}
	/*
	 * SDM "UCR Error Overwrite Rules": with OVER=1, UC=1, PCC=0 a reset is required when
	 * AR is set (AR is sticky: a second error cannot clear it, and the processor context
	 * cannot be trusted to continue).  Linux panics on it with S=1 ("Action required with lost
	 * events"); with S=0 its table keeps it ("Non signaled machine check"): the SDM rules here.
	 */
	if (d->overflow && d->ar) {
		d->severity = MCE_SEV_FATAL;
		d->severity_detail = "AR_OVERFLOW";
		return;
	}
	/*
	 * SDM "MCA Error Classification" (UCR table): UCNA is S=0 AR=0, SRAO S=1 AR=0, SRAR
	 * S=1 AR=1.  S=0 AR=1 is none of them; Linux's grading panics on it ("Illegal
	 * combination (UCNA with AR=1)").
	 */
	if (!d->s)
		d->severity_detail = d->ar ? "ILLEGAL" : "UCNA";
	else
		d->severity_detail = d->ar ? "SRAR" : "SRAO";
}

void mce_decode(const struct mce_input *in, struct mce_decoded *d)
{
	__u64 st = in->status;
	bool intel = in->vendor != MCE_VENDOR_AMD;
	bool ser = !in->have_mcgcap || (in->mcgcap & MCG_SER_P);
	bool tes = !in->have_mcgcap || (in->mcgcap & MCG_TES_P);
	bool cmci = !in->have_mcgcap || (in->mcgcap & MCG_CMCI_P);

	memset(d, 0, sizeof(*d));
	d->timeout = -1;
	d->channel = -1;
	d->addr_lsb = -1;
	d->ext_code = -1;

	d->valid = st & ST_VAL;
	d->overflow = st & ST_OVER;
	d->uncorrected = st & ST_UC;
	d->enabled = st & ST_EN;
	d->miscv = st & ST_MISCV;
	d->addrv = st & ST_ADDRV;
	d->pcc = st & ST_PCC;
	d->mca_code = st & 0xffff;
	d->model_code = (st >> 16) & 0xffff;

	if (intel) {
		/* S and AR exist with MCG_SER_P; without it bits 56:55 are reserved */
		d->s = ser && (st & ST_S);
		d->ar = ser && (st & ST_AR);
		/*
		 * bits 52:38: a 15-bit counter; its top bit, 52, is also sticky, so it stays part
		 * of the value (Linux's MCI_STATUS_CEC_MASK is GENMASK(52, 38) too)
		 */
		if (cmci) {
			d->has_count = true;
			d->corrected_count = (st >> 38) & 0x7fff;
			d->count_overflow = st & BIT(52);
		}
		/* bits 54:53 are the threshold status only for corrected errors */
		if (tes && !d->uncorrected) {
			static const char *const thr[] = {"none", "green", "yellow", "reserved"};

			d->threshold = thr[(st >> 53) & 3];
		}
		if (d->miscv && ser && !in->misc_unknown) {
			static const char *const modes[] = {
				"segment offset", "linear",   "physical", "memory",
				"reserved",	  "reserved", "reserved", "generic",
			};

			d->addr_lsb = in->misc & 0x3f;
			d->addr_mode = modes[(in->misc >> 6) & 7];
		}
		decode_intel_code(d->mca_code, d);
	} else {
		d->tcc = st & ST_AMD_TCC;
		d->syndv = st & ST_AMD_SYNDV;
		d->cecc = st & ST_AMD_CECC;
		d->uecc = st & ST_AMD_UECC;
		d->deferred = st & ST_AMD_DEFERRED;
		d->poison = st & ST_AMD_POISON;
		d->ext_code = (st >> 16) & 0x3f;
		decode_amd_code(in, d->mca_code, d);
	}
	decode_severity(in, d);
}

int mce_parse_hex(const char *s, __u64 *v, char *why, size_t why_len)
{
	const char *p = s;
	__u64 x = 0;
	size_t digits = 0;

	if (!s || !*s) {
		snprintf(why, why_len, "missing value");
		return -1;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	/* leading zeros do not count towards the 64 bits */
	while (*p == '0' && isxdigit((unsigned char)p[1]))
		p++;
	for (; *p; p++) {
		int c = tolower((unsigned char)*p);

		if (!isxdigit(c)) {
			snprintf(why, why_len, "not a hexadecimal number");
			return -1;
		}
		if (++digits > 16) {
			snprintf(why, why_len, "out of range: more than 64 bits");
			return -1;
		}
		x = x << 4 | (__u64)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (!digits) {
		snprintf(why, why_len, "not a hexadecimal number");
		return -1;
	}
	*v = x;
	return 0;
}

static void flag_add(char *buf, size_t len, size_t *pos, bool on, const char *name)
{
	int n;

	if (!on || *pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s%s", *pos ? " " : "", name);
	if (n > 0)
		*pos += (size_t)n;
	if (*pos >= len)
		*pos = len - 1;
}

size_t mce_flags_string(const struct mce_decoded *d, char *buf, size_t len)
{
	size_t pos = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	flag_add(buf, len, &pos, d->valid, "VAL");
	flag_add(buf, len, &pos, d->overflow, "OVER");
	flag_add(buf, len, &pos, d->uncorrected, "UC");
	flag_add(buf, len, &pos, d->enabled, "EN");
	flag_add(buf, len, &pos, d->miscv, "MISCV");
	flag_add(buf, len, &pos, d->addrv, "ADDRV");
	flag_add(buf, len, &pos, d->pcc, "PCC");
	flag_add(buf, len, &pos, d->s, "S");
	flag_add(buf, len, &pos, d->ar, "AR");
	flag_add(buf, len, &pos, d->tcc, "TCC");
	flag_add(buf, len, &pos, d->syndv, "SYNDV");
	flag_add(buf, len, &pos, d->cecc, "CECC");
	flag_add(buf, len, &pos, d->uecc, "UECC");
	flag_add(buf, len, &pos, d->deferred, "DEFERRED");
	flag_add(buf, len, &pos, d->poison, "POISON");
	if (!pos)
		snprintf(buf, len, "-");
	return strlen(buf);
}

static void json_kv_hex(struct json *j, const char *key, __u64 v, int width)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%0*llx", width, (unsigned long long)v);
	json_kv_string(j, key, buf);
}

static void json_kv_opt_string(struct json *j, const char *key, const char *v)
{
	if (v)
		json_kv_string(j, key, v);
}

static void mcgstatus_string(__u64 v, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	flag_add(buf, len, &pos, v & MCG_RIPV, "RIPV");
	flag_add(buf, len, &pos, v & MCG_EIPV, "EIPV");
	flag_add(buf, len, &pos, v & MCG_MCIP, "MCIP");
	flag_add(buf, len, &pos, v & MCG_LMCES, "LMCES");
	if (!pos)
		snprintf(buf, len, "-");
}

void mce_json_fields(struct json *j, const struct mce_input *in, const struct mce_decoded *d)
{
	bool intel = in->vendor != MCE_VENDOR_AMD;
	char buf[64];

	json_kv_hex(j, "status", in->status, 16);
	json_kv_string(j, "vendor", mce_vendor_name(in->vendor));
	if (in->vendor_source)
		json_kv_string(j, "vendor_source", in->vendor_source);
	if (in->bank >= 0)
		json_kv_i64(j, "bank", in->bank);
	json_kv_bool(j, "valid", d->valid);
	json_kv_bool(j, "overflow", d->overflow);
	json_kv_bool(j, "uncorrected", d->uncorrected);
	json_kv_bool(j, "enabled", d->enabled);
	json_kv_bool(j, "miscv", d->miscv);
	json_kv_bool(j, "addrv", d->addrv);
	json_kv_bool(j, "pcc", d->pcc);
	if (intel) {
		json_kv_bool(j, "s", d->s);
		json_kv_bool(j, "ar", d->ar);
	} else {
		json_kv_bool(j, "tcc", d->tcc);
		json_kv_bool(j, "syndv", d->syndv);
		json_kv_bool(j, "cecc", d->cecc);
		json_kv_bool(j, "uecc", d->uecc);
		json_kv_bool(j, "deferred", d->deferred);
		json_kv_bool(j, "poison", d->poison);
	}
	json_kv_string(j, "severity", mce_severity_name(d->severity));
	if (d->severity_detail && d->severity_detail[0])
		json_kv_string(j, "severity_detail", d->severity_detail);
	json_kv_hex(j, "mca_code", d->mca_code, 4);
	if (intel)
		json_kv_hex(j, "model_code", d->model_code, 4);
	else
		json_kv_hex(j, "ext_code", (__u64)d->ext_code, 2);
	json_kv_string(j, "error_class", mce_class_name(d->error_class));
	json_kv_string(j, "error", d->error);
	if (d->mnemonic[0])
		json_kv_string(j, "mnemonic", d->mnemonic);
	json_kv_opt_string(j, "level", d->level);
	json_kv_opt_string(j, "access_type", d->type);
	json_kv_opt_string(j, "request", d->request);
	json_kv_opt_string(j, "participation", d->participation);
	json_kv_opt_string(j, "mem_io", d->mem_io);
	if (d->timeout >= 0)
		json_kv_bool(j, "timeout", d->timeout);
	json_kv_opt_string(j, "transaction", d->transaction);
	if (d->error_class == MCE_CLASS_MEMORY_CONTROLLER && intel) {
		if (d->channel >= 0)
			json_kv_i64(j, "channel", d->channel);
		else
			json_kv_null(j, "channel");
		json_kv_bool(j, "memory_as_cache", d->memory_as_cache);
	}
	if (intel && d->error_class > MCE_CLASS_GENERIC && d->error_class < MCE_CLASS_UNKNOWN)
		json_kv_bool(j, "filtered", d->filtered);
	if (d->has_count) {
		json_kv_u64(j, "corrected_count", d->corrected_count);
		json_kv_bool(j, "corrected_count_overflow", d->count_overflow);
	} else {
		json_kv_null(j, "corrected_count");
	}
	json_kv_opt_string(j, "threshold", d->threshold);
	if (d->addrv && in->addr_unknown)
		json_kv_null(j, "addr");
	else if (d->addrv)
		json_kv_hex(j, "addr", in->addr, 16);
	if (d->miscv && in->misc_unknown)
		json_kv_null(j, "misc");
	else if (d->miscv)
		json_kv_hex(j, "misc", in->misc, 16);
	if (d->addr_lsb >= 0) {
		json_kv_i64(j, "addr_lsb", d->addr_lsb);
		json_kv_string(j, "addr_mode", d->addr_mode);
	}
	if (!intel && in->ipid) {
		json_kv_hex(j, "ipid", in->ipid, 16);
		json_kv_opt_string(j, "bank_type", d->bank_type);
	}
	if (!intel && d->syndv && in->synd)
		json_kv_hex(j, "synd", in->synd, 16);
	if (in->have_mcgstatus) {
		json_kv_hex(j, "mcgstatus", in->mcgstatus, 0);
		mcgstatus_string(in->mcgstatus, buf, sizeof(buf));
		json_kv_string(j, "mcgstatus_flags", buf);
	}
	if (in->have_mcgcap)
		json_kv_hex(j, "mcgcap", in->mcgcap, 0);
}

static const char *severity_words(const struct mce_decoded *d)
{
	switch (d->severity) {
	case MCE_SEV_NONE:
		return "no valid error (VAL clear)";
	case MCE_SEV_CORRECTED:
		return "corrected";
	case MCE_SEV_DEFERRED:
		return "deferred (uncorrected, not consumed yet)";
	case MCE_SEV_FATAL:
		if (!strcmp(d->severity_detail, "AR_OVERFLOW"))
			return "fatal: an action-required error overflowed (OVER=1, UC=1, PCC=0, "
			       "AR=1): an error's details were lost and the SDM's overwrite rules "
			       "require a reset";
		return "fatal (processor context corrupt)";
	case MCE_SEV_UNCORRECTED:
		break;
	}
	if (!strcmp(d->severity_detail, "ILLEGAL"))
		return "uncorrected, S=0 with AR=1: no class in the SDM's UCR table (UCNA needs "
		       "AR=0); an illegal combination, on which Linux's grading panics";
	if (!strcmp(d->severity_detail, "SRAR"))
		return "uncorrected recoverable, action required (SRAR)";
	if (!strcmp(d->severity_detail, "SRAO"))
		return "uncorrected recoverable, action optional (SRAO)";
	if (!strcmp(d->severity_detail, "UCNA"))
		return "uncorrected, no action required (UCNA)";
	if (!strcmp(d->severity_detail, "TCC"))
		return "uncorrected, task context corrupt";
	return "uncorrected";
}

void mce_print(FILE *f, const struct mce_input *in, const struct mce_decoded *d, const char *indent)
{
	bool intel = in->vendor != MCE_VENDOR_AMD;
	char flags[128], mcg[64];

	mce_flags_string(d, flags, sizeof(flags));
	fprintf(f, "%sstatus 0x%016llx [%s]", indent, (unsigned long long)in->status, flags);
	if (in->bank >= 0)
		fprintf(f, " bank %d", in->bank);
	fprintf(f, " (%s)\n", mce_vendor_name(in->vendor));
	fprintf(f, "%sseverity: %s\n", indent, severity_words(d));
	fprintf(f, "%serror: %s", indent, d->error);
	if (d->mnemonic[0])
		fprintf(f, " (%s)", d->mnemonic);
	fprintf(f, " [%s]\n", mce_class_name(d->error_class));
	if (intel)
		fprintf(f, "%smca code 0x%04x, model-specific code 0x%04x%s\n", indent, d->mca_code,
			d->model_code, d->filtered ? ", corrections filtered (F)" : "");
	else
		fprintf(f, "%smca code 0x%04x, extended code 0x%02x\n", indent, d->mca_code,
			d->ext_code);
	if (d->bank_type)
		fprintf(f, "%sbank type: %s\n", indent, d->bank_type);
	if (intel && d->error_class <= MCE_CLASS_GENERIC && (d->mca_code & 0x1000))
		fprintf(f, "%sbit 12 ignored: F has no meaning on a simple code\n", indent);
	/* lscpu, sysfs, the SDM's prose and current mcelog's cache errors count from 1 */
	if (intel && d->error_class == MCE_CLASS_CACHE && d->level && d->level[1] != 'G')
		fprintf(f,
			"%slevel %s is the SDM's LL, counted from L0 nearest the core: lscpu's "
			"L%d\n",
			indent, d->level, d->level[1] - '0' + 1);
	if (d->has_count)
		fprintf(f, "%scorrected errors: %u%s\n", indent, d->corrected_count,
			d->count_overflow ? " (bit 52, the sticky overflow bit, is set: 16384 or "
					    "more, the lower bits may have wrapped)"
					  : "");
	if (d->threshold && strcmp(d->threshold, "none"))
		fprintf(f, "%sthreshold status: %s\n", indent, d->threshold);
	if (d->addrv && in->addr_unknown)
		fprintf(f, "%saddr valid, value not given (--addr)\n", indent);
	else if (d->addrv)
		fprintf(f, "%saddr 0x%016llx\n", indent, (unsigned long long)in->addr);
	if (d->miscv && in->misc_unknown) {
		fprintf(f, "%smisc valid, value not given (--misc)\n", indent);
	} else if (d->miscv) {
		fprintf(f, "%smisc 0x%016llx", indent, (unsigned long long)in->misc);
		if (d->addr_lsb >= 0)
			fprintf(f, " (address valid from bit %d, %s address)", d->addr_lsb,
				d->addr_mode);
		fprintf(f, "\n");
	}
	if (!intel && d->syndv && in->synd)
		fprintf(f, "%ssynd 0x%016llx\n", indent, (unsigned long long)in->synd);
	if (in->have_mcgstatus) {
		mcgstatus_string(in->mcgstatus, mcg, sizeof(mcg));
		fprintf(f, "%smcgstatus 0x%llx [%s]\n", indent, (unsigned long long)in->mcgstatus,
			mcg);
	}
	if (d->overflow)
		fprintf(f,
			"%snote: OVER set: another error came while this bank held one; one of "
			"them was not logged\n",
			indent);
}

const char *mce_mc_type_name(unsigned int type)
{
	static const char *const names[] = {"corrected", "uncorrected", "deferred", "fatal",
					    "info"};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

const char *mce_aer_severity_name(unsigned int severity)
{
	switch (severity) {
	case 0:
		return "uncorrected";
	case 1:
		return "fatal";
	case 2:
		return "corrected";
	}
	return "unknown";
}

/* PCIe base spec, AER Correctable/Uncorrectable Error Status registers (kernel's aer.c) */
size_t mce_aer_status_string(__u32 status, unsigned int severity, char *buf, size_t len)
{
	static const char *const cor[32] = {
		[0] = "receiver error",
		[6] = "bad TLP",
		[7] = "bad DLLP",
		[8] = "replay number rollover",
		[12] = "replay timer timeout",
		[13] = "advisory non-fatal",
		[14] = "corrected internal error",
		[15] = "header log overflow",
	};
	static const char *const unc[32] = {
		[0] = "undefined",
		[4] = "data link protocol error",
		[5] = "surprise down",
		[12] = "poisoned TLP",
		[13] = "flow control protocol error",
		[14] = "completion timeout",
		[15] = "completer abort",
		[16] = "unexpected completion",
		[17] = "receiver overflow",
		[18] = "malformed TLP",
		[19] = "ECRC error",
		[20] = "unsupported request",
		[21] = "ACS violation",
		[22] = "uncorrectable internal error",
		[23] = "MC blocked TLP",
		[24] = "AtomicOp egress blocked",
		[25] = "TLP prefix blocked",
	};
	const char *const *names = severity == 2 ? cor : unc;
	size_t pos = 0;
	char other[24];

	if (!len)
		return 0;
	buf[0] = '\0';
	for (int bit = 0; bit < 32; bit++) {
		if (!(status & (1u << bit)))
			continue;
		if (!names[bit]) {
			snprintf(other, sizeof(other), "bit %d", bit);
			flag_add(buf, len, &pos, true, other);
		} else {
			flag_add(buf, len, &pos, true, names[bit]);
		}
		if (pos < len - 1 && pos > 0 && bit < 31 && (status >> (bit + 1))) {
			/* separate names, which contain spaces, by commas */
			buf[pos++] = ',';
			buf[pos] = '\0';
		}
	}
	if (!pos)
		snprintf(buf, len, "-");
	return strlen(buf);
}
