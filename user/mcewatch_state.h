/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcewatch's state.  There is no aggregation map to snapshot: the BPF side sends each RAS
 * event through the ring buffer, and the context comes from /proc/stat and /proc/loadavg.
 * user/mcewatch.c sets up, ticks and hands each event on; user/mcewatch_report.c reads the
 * context and counts the events (per CPU, bank, class, DIMM and device); user/mcewatch_show.c
 * prints each event, the interval line, the summary and the --prom-file counters.
 */
#ifndef KSCOPE_MCEWATCH_STATE_H
#define KSCOPE_MCEWATCH_STATE_H

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

struct mcewatch_counts {
	__u64 mce, mc_events, aer;
};

/* One event as the report made it for the show: decoded, with the context at that moment. */
struct mcewatch_seen {
	const struct mcewatch_event *e;
	struct mce_input in; /* a machine check as the decoder takes it */
	struct mce_decoded d;
	struct mcewatch_mc mc;	 /* an EDAC error, its strings terminated */
	struct mcewatch_aer aer; /* an AER error, its device name terminated */
	char aer_bits[512];	 /* the AER status bits in words */
	struct ctx_snap snap;
	struct ctx_rates r;
};

struct mcewatch_state {
	const struct common_opts *common;
	struct bpf_object *obj; /* the programs, for their recursion misses */
	struct events ev;
	bool watching[3]; /* mce:mce_record, ras:mc_event, ras:aer_event attached */
	/* read */
	struct ctx_snap start, prev, cur;
	__u64 misses; /* read for the summary and --prom-file */
	/* report: the events counted as they arrive, since the last tick and over the run */
	struct mcewatch_counts arriving;
	__u64 mce, mce_corrected, mc_events, mc_corrected, aer;
	struct key_count by_cpu[KEYS_MAX], by_bank[KEYS_MAX];
	int n_cpu, n_bank;
	__u64 by_class[MCE_CLASS_COUNT][MCE_SEV_COUNT];
	struct label_count mc_labels[LABELS_MAX], aer_devs[LABELS_MAX];
	int n_mc_labels, n_aer_devs;
	__u64 mc_other, aer_other; /* beyond LABELS_MAX distinct rows */
	__u64 mc_by_type[5];	   /* EDAC errors (error_count) by HW_EVENT_ERR_* */
	__u64 aer_by_sev[3];	   /* AER events by AER_NONFATAL, AER_FATAL, AER_CORRECTABLE */
	/* report: the interval just ended (or, for the summary, the run) */
	struct mcewatch_counts interval;
	struct ctx_rates rates; /* the interval's, or the run's average */
	struct ctx_rates last;	/* the last interval's: an event's context when too soon for its own */
	double secs;
	__u64 span_ns;
	double peak_csw, peak_intr;
	/* show */
	int rows; /* interval rows since the last header */
};

/*
 * The context now into st->cur (and the programs' recursion misses when the summary or
 * --prom-file shows them).  Nothing printed.
 */
void mcewatch_read(struct mcewatch_state *st, bool summary);
/*
 * The interval since the last tick: its rates, its peaks and its event counts; st->cur becomes
 * the next interval's start.  For the summary: the run's average rates and length.
 */
void mcewatch_report(struct mcewatch_state *st, bool summary);
/* The interval line or the summary, as a table or JSON, or the --prom-file; 0 or 1. */
int mcewatch_show(struct mcewatch_state *st, bool summary);

/*
 * An event from the ring: decoded, counted, its context read into *seen; false for a kind
 * this build does not know.  Then mcewatch_event_show prints it.
 */
bool mcewatch_event_report(struct mcewatch_state *st, const struct mcewatch_event *e,
			   struct mcewatch_seen *seen);
void mcewatch_event_show(struct mcewatch_state *st, const struct mcewatch_seen *seen);

#endif /* KSCOPE_MCEWATCH_STATE_H */
