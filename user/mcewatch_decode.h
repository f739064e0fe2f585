/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure decoding of x86 machine-check bank registers (MCi_STATUS, MCi_ADDR, MCi_MISC, and
 * MCG_STATUS/MCG_CAP when known) for Intel and AMD, in the manner of `mcelog --ascii` and
 * the kernel's mce_amd decoder.  No BPF, no I/O except the print/JSON helpers: the live
 * mode and the offline --decode mode share it, and the unit tests and the fuzzer drive it.
 *
 * Sources: Intel SDM vol. 3B ch. 15 "Machine-Check Architecture" (15.3.2.2 IA32_MCi_STATUS,
 * 15.9 "Interpreting the MCA Error Codes": simple and compound codes) and ch. 16; AMD64
 * APM vol. 2 ch. 9 and the AMD PPRs for families 17h/19h (MCA_STATUS, MCA_IPID, SMCA bank
 * types).
 */
#ifndef KSCOPE_MCEWATCH_DECODE_H
#define KSCOPE_MCEWATCH_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "json.h"

enum mce_vendor {
	MCE_VENDOR_INTEL,
	MCE_VENDOR_AMD, /* also Hygon, which uses AMD's MCA layout */
};

/* The raw registers of one bank report, as mce:mce_record or dmesg gives them. */
struct mce_input {
	enum mce_vendor vendor;
	/* why this vendor: "record" (live), "option" (--vendor), "ipid", "none" (decoded as
	 * both); NULL leaves it out of the JSON */
	const char *vendor_source;
	int bank; /* -1 when unknown */
	__u64 status;
	__u64 addr;
	__u64 misc;
	__u64 ipid; /* AMD SMCA: MCA_IPID, names the bank type; 0 when unknown */
	__u64 synd; /* AMD SMCA: MCA_SYND; 0 when unknown */
	__u64 mcgstatus;
	__u64 mcgcap;
	bool have_mcgstatus;
	bool have_mcgcap;  /* without MCG_CAP, capability-gated fields are shown when set */
	bool addr_unknown; /* --decode without --addr: ADDRV set but the value not given */
	bool misc_unknown;
};

enum mce_severity {
	MCE_SEV_NONE, /* VAL clear: the bank holds no valid error */
	MCE_SEV_CORRECTED,
	MCE_SEV_DEFERRED,    /* AMD: uncorrected but not consumed yet */
	MCE_SEV_UNCORRECTED, /* uncorrected, processor context intact: recoverable */
	MCE_SEV_FATAL,	     /* PCC: processor context corrupt */
};
#define MCE_SEV_COUNT 5

enum mce_class {
	MCE_CLASS_NONE,	   /* code 0: "no error" */
	MCE_CLASS_GENERIC, /* simple error codes (unclassified, parity, timer, I/O...) */
	MCE_CLASS_TLB,
	MCE_CLASS_CACHE, /* cache hierarchy, incl. the generic cache hierarchy code */
	MCE_CLASS_MEMORY_CONTROLLER,
	MCE_CLASS_BUS,	   /* bus and interconnect */
	MCE_CLASS_UNKNOWN, /* a code that matches no architectural pattern */
};
#define MCE_CLASS_COUNT 7

struct mce_decoded {
	/* architectural MCi_STATUS flags (both vendors) */
	bool valid, overflow, uncorrected, enabled, miscv, addrv, pcc;
	/* Intel, when MCG_CAP.MCG_SER_P (or MCG_CAP unknown): signaling, action required */
	bool s, ar;
	/* AMD */
	bool deferred, poison, syndv, tcc, cecc, uecc;

	enum mce_severity severity;
	/*
	 * finer grade: Intel "UCNA", "SRAO", "SRAR", "UC" (no MCG_SER_P), "ILLEGAL" (S=0 AR=1:
	 * no class of the SDM's), "AR_OVERFLOW" (fatal: OVER with AR); AMD "TCC", "UC"; ""
	 */
	const char *severity_detail;

	__u16 mca_code;	  /* bits 15:0 */
	__u16 model_code; /* bits 31:16 (Intel model-specific; AMD: ext code in 21:16) */
	int ext_code;	  /* AMD extended error code, -1 for Intel */
	enum mce_class error_class;
	bool filtered;	   /* compound code bit 12 (F): corrected-error reporting filtered */
	char error[128];   /* "memory controller read error on channel 0" */
	char mnemonic[48]; /* the SDM's name: "RD_CHANNEL0_ERR", "DCACHEL1_DRD_ERR" */

	/* compound code fields; NULL or -1 when the class has none */
	const char *level;	   /* the SDM's "L0", "L1", "L2", "LG" (generic) */
	const char *type;	   /* "instruction", "data", "generic" */
	const char *request;	   /* "read", "data read", "eviction", ... */
	const char *participation; /* bus: "source", "responder", "observer", "generic" */
	const char *mem_io;	   /* bus: "memory", "io", "other", "reserved" */
	int timeout;		   /* bus: 0/1, -1 otherwise */
	const char *transaction;   /* memory controller: "read", "write", "scrub", ... */
	int channel;		   /* memory controller: 0-14, -1 unspecified */
	bool memory_as_cache;	   /* memory controller: 000F 0010 1MMM CCCC (2LM) */

	/* Intel corrected error count (bits 52:38, 15 bits) and its sticky top bit 52 */
	bool has_count;
	__u32 corrected_count;
	bool count_overflow;
	const char *threshold; /* bits 54:53 when UC=0: "none", "green", "yellow" */

	/* Intel MCi_MISC when MISCV: the address's least significant valid bit and its mode */
	int addr_lsb; /* -1 when not given */
	const char *addr_mode;

	const char *bank_type; /* AMD SMCA bank from IPID ("UMC"...), NULL unknown */
};

const char *mce_vendor_name(enum mce_vendor v);
const char *mce_severity_name(enum mce_severity s);
const char *mce_class_name(enum mce_class c);

/* The kernel's struct mce cpuvendor (X86_VENDOR_*) to the layout its banks use. */
enum mce_vendor mce_vendor_from_x86(unsigned int x86_vendor);

/* Decode in into out.  Every 64-bit value decodes; there is no failure. */
void mce_decode(const struct mce_input *in, struct mce_decoded *out);

/*
 * Parse a register value as mcelog and dmesg print them: hexadecimal, with or without 0x,
 * at most 64 bits.  Returns 0, or -1 with a reason in why.
 */
int mce_parse_hex(const char *s, __u64 *v, char *why, size_t why_len);

/* "VAL OVER UC EN MISCV ADDRV PCC S AR" for the flags that are set ("-" for none). */
size_t mce_flags_string(const struct mce_decoded *d, char *buf, size_t len);

/* The decoded record's fields into an object the caller has opened (docs/mcewatch.md). */
void mce_json_fields(struct json *j, const struct mce_input *in, const struct mce_decoded *d);

/* Human-readable lines, each starting with indent. */
void mce_print(FILE *f, const struct mce_input *in, const struct mce_decoded *d,
	       const char *indent);

/* EDAC (ras:mc_event): the error type (HW_EVENT_ERR_CORRECTED 0 ... HW_EVENT_ERR_INFO 4) */
const char *mce_mc_type_name(unsigned int type);

/*
 * PCIe AER (ras:aer_event): severity (AER_NONFATAL 0, AER_FATAL 1, AER_CORRECTABLE 2) in
 * mcewatch's words, and the status register's set bits by the PCIe spec's names ("receiver
 * error, bad TLP"), from the correctable or the uncorrectable status layout.
 */
const char *mce_aer_severity_name(unsigned int severity);
size_t mce_aer_status_string(__u32 status, unsigned int severity, char *buf, size_t len);

#endif /* KSCOPE_MCEWATCH_DECODE_H */
