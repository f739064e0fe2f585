/* SPDX-License-Identifier: GPL-2.0 */
/* mcewatch: the record the BPF side sends for each RAS tracepoint hit. */
#ifndef KSCOPE_MCEWATCH_H
#define KSCOPE_MCEWATCH_H

enum mcewatch_kind {
	MCEWATCH_MCE = 1,      /* mce:mce_record */
	MCEWATCH_MC_EVENT = 2, /* ras:mc_event (EDAC) */
	MCEWATCH_AER = 3,      /* ras:aer_event (PCIe AER) */
};

#define MCEWATCH_MSG_LEN 64
#define MCEWATCH_LABEL_LEN 96
#define MCEWATCH_DETAIL_LEN 96
#define MCEWATCH_DEV_LEN 48

struct mcewatch_mce {
	__u64 mcgcap;
	__u64 mcgstatus;
	__u64 status;
	__u64 addr;
	__u64 misc;
	__u64 synd;
	__u64 ipid;
	__u64 ip;
	__u64 tsc;
	__u64 walltime; /* seconds since the epoch, from the kernel's record */
	__u32 cpu;	/* the CPU the error was logged for (extcpu), not the reporter */
	__u32 cpuid;
	__u32 apicid;
	__u32 socketid;
	__u8 cs;
	__u8 bank;
	__u8 cpuvendor; /* X86_VENDOR_* */
	__u8 pad;
};

struct mcewatch_mc {
	__u32 error_type; /* HW_EVENT_ERR_*: corrected, uncorrected, deferred, fatal, info */
	__u16 error_count;
	__u8 mc_index;
	__u8 grain_bits;
	__s8 layer[3]; /* top, middle, lower; -1 when unknown */
	__u8 pad;
	__s64 address;
	__s64 syndrome;
	char msg[MCEWATCH_MSG_LEN];
	char label[MCEWATCH_LABEL_LEN];
	char detail[MCEWATCH_DETAIL_LEN];
};

struct mcewatch_aer {
	__u32 status;
	__u8 severity; /* AER_NONFATAL 0, AER_FATAL 1, AER_CORRECTABLE 2 */
	__u8 tlp_header_valid;
	__u8 pad[2];
	char dev_name[MCEWATCH_DEV_LEN];
};

struct mcewatch_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u32 kind;  /* enum mcewatch_kind */
	__u32 cpu;   /* CPU the tracepoint ran on */
	union {
		struct mcewatch_mce mce;
		struct mcewatch_mc mc;
		struct mcewatch_aer aer;
	};
};

#endif /* KSCOPE_MCEWATCH_H */
