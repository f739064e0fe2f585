/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcewatch's counts over the run, kept by user/mcewatch.c as events arrive and shown by
 * user/mcewatch_show.c: the summary at the end and the --prom-file counters.
 */
#ifndef KSCOPE_MCEWATCH_SHOW_H
#define KSCOPE_MCEWATCH_SHOW_H

#include <stdbool.h>
#include "events.h"
#include "opts.h"
#include "mcewatch.h"
#include "mcewatch_ctx.h"
#include "mcewatch_decode.h"

#define KEYS_MAX 256
#define LABELS_MAX 64

struct key_count {
	__u32 key;
	__u64 count;
};

struct label_count {
	char label[MCEWATCH_LABEL_LEN];
	__u32 type;
	__u64 count;
};

struct mcewatch_state {
	const struct common_opts *common;
	struct bpf_object *obj;
	struct events ev;
	bool watching[3]; /* mce:mce_record, ras:mc_event, ras:aer_event attached */
	struct ctx_snap start, prev;
	struct ctx_rates last;
	double peak_csw, peak_intr;
	int rows; /* interval rows since the last header */
	/* this interval */
	__u64 iv_mce, iv_mc, iv_aer;
	/* whole run */
	__u64 mce, mce_corrected, mc_events, mc_corrected, aer;
	struct key_count by_cpu[KEYS_MAX], by_bank[KEYS_MAX];
	int n_cpu, n_bank;
	__u64 by_class[MCE_CLASS_COUNT][MCE_SEV_COUNT];
	struct label_count mc_labels[LABELS_MAX], aer_devs[LABELS_MAX];
	int n_mc_labels, n_aer_devs;
	__u64 mc_other, aer_other; /* beyond LABELS_MAX distinct rows */
	__u64 mc_by_type[5];	   /* EDAC errors (error_count) by HW_EVENT_ERR_* */
	__u64 aer_by_sev[3];	   /* AER events by AER_NONFATAL, AER_FATAL, AER_CORRECTABLE */
};

/* --prom-file: the counters since start, the file rewritten in place; 0 or -1 */
int mcewatch_prom_write(struct mcewatch_state *st);
/* the run's totals, per CPU, bank, class, DIMM and device, as a table or JSON */
void mcewatch_summary(struct mcewatch_state *st, __u64 lost, __u64 missed);

#endif /* KSCOPE_MCEWATCH_SHOW_H */
