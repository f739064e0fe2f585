// SPDX-License-Identifier: GPL-2.0
/*
 * mcewatch: what the run saw, shown at its end (table or JSON) and, with --prom-file, as
 * counters node_exporter's textfile collector reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "out.h"
#include "prom.h"
#include "setup.h"
#include "table.h"
#include "mcewatch_show.h"

static int cmp_label_count(const void *a, const void *b)
{
	const struct label_count *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/*
 * Rows per DIMM label or PCI device: the top N by count, then one "other" row (the rows past N
 * plus what never got a row).  Works on a copy: the summary keeps its own order.
 */
static void prom_label_rows(struct prom *p, const char *name, const char *label_name,
			    const struct label_count *rows, int n, __u64 untracked, long top,
			    const char *(*type_name)(unsigned int))
{
	struct label_count sorted[LABELS_MAX];
	char clean[4 * MCEWATCH_LABEL_LEN];
	__u64 other = untracked;
	size_t shown;

	memcpy(sorted, rows, n * sizeof(*rows));
	shown = table_top(sorted, n, sizeof(*sorted), cmp_label_count, top);
	for (size_t i = 0; i < (size_t)n; i++) {
		/* labels come from firmware and drivers: printable ASCII only, as in the tables */
		struct prom_labels l = {{label_name, "severity"},
					{clean, type_name(sorted[i].type)}};

		if (i >= shown) {
			other += sorted[i].count;
			continue;
		}
		out_sanitize(clean, sizeof(clean), sorted[i].label, sizeof(sorted[i].label));
		prom_sample(p, name, &l, sorted[i].count);
	}
	if (other) {
		struct prom_labels l = {{label_name}, {"other"}};

		prom_sample(p, name, &l, other);
	}
}

static void prom_keys(struct prom *p, const char *name, const char *label_name,
		      const struct key_count *rows, int n)
{
	char key[16];

	for (int i = 0; i < n; i++) {
		struct prom_labels l = {{label_name}, {key}};

		snprintf(key, sizeof(key), "%u", rows[i].key);
		prom_sample(p, name, &l, rows[i].count);
	}
}

/*
 * --prom-file: counters since start.  The per-severity totals are written even at zero so
 * that increase() and alerts work from the first error on; the finer rows (class, bank, cpu,
 * DIMM, device) appear once they have counts, bounded by the hardware (banks, CPUs) or by
 * --prom-top plus one "other" row (DIMM labels, PCI devices).
 */
int mcewatch_prom_write(struct mcewatch_state *st)
{
	static const char *const tracepoints[3] = {"mce:mce_record", "ras:mc_event",
						   "ras:aer_event"};
	struct prom p;

	if (prom_begin(&p, st->common->prom_file))
		return -1;
	prom_family(&p, "kscope_mcewatch_tracepoint_attached", "gauge",
		    "1 when mcewatch watches this RAS tracepoint, 0 when the kernel lacks it.");
	for (int i = 0; i < 3; i++) {
		struct prom_labels l = {{"tracepoint"}, {tracepoints[i]}};

		prom_sample(&p, "kscope_mcewatch_tracepoint_attached", &l, st->watching[i]);
	}

	prom_family(&p, "kscope_mcewatch_machine_checks_total", "counter",
		    "CPU machine checks (mce:mce_record), by decoded severity.");
	for (int s = MCE_SEV_CORRECTED; s < MCE_SEV_COUNT; s++) {
		__u64 n = 0;
		struct prom_labels l = {{"severity"}, {mce_severity_name(s)}};

		for (int c = 0; c < MCE_CLASS_COUNT; c++)
			n += st->by_class[c][s];
		prom_sample(&p, "kscope_mcewatch_machine_checks_total", &l, n);
	}
	prom_family(&p, "kscope_mcewatch_machine_checks_by_class_total", "counter",
		    "CPU machine checks by error class (MCACOD) and severity.");
	for (int c = 0; c < MCE_CLASS_COUNT; c++) {
		for (int s = 0; s < MCE_SEV_COUNT; s++) {
			struct prom_labels l = {{"class", "severity"},
						{mce_class_name(c), mce_severity_name(s)}};

			if (st->by_class[c][s])
				prom_sample(&p, "kscope_mcewatch_machine_checks_by_class_total", &l,
					    st->by_class[c][s]);
		}
	}
	prom_family(&p, "kscope_mcewatch_machine_checks_by_bank_total", "counter",
		    "CPU machine checks by MCA bank.");
	prom_keys(&p, "kscope_mcewatch_machine_checks_by_bank_total", "bank", st->by_bank,
		  st->n_bank);
	prom_family(&p, "kscope_mcewatch_machine_checks_by_cpu_total", "counter",
		    "CPU machine checks by the CPU they were logged for.");
	prom_keys(&p, "kscope_mcewatch_machine_checks_by_cpu_total", "cpu", st->by_cpu, st->n_cpu);

	prom_family(&p, "kscope_mcewatch_edac_errors_total", "counter",
		    "EDAC memory errors (ras:mc_event error_count), by severity.");
	for (unsigned int t = 0; t < 5; t++) {
		struct prom_labels l = {{"severity"}, {mce_mc_type_name(t)}};

		prom_sample(&p, "kscope_mcewatch_edac_errors_total", &l, st->mc_by_type[t]);
	}
	prom_family(&p, "kscope_mcewatch_edac_dimm_errors_total", "counter",
		    "EDAC memory errors by DIMM label and severity (top N, then other).");
	prom_label_rows(&p, "kscope_mcewatch_edac_dimm_errors_total", "label", st->mc_labels,
			st->n_mc_labels, st->mc_other, st->common->prom_top, mce_mc_type_name);

	prom_family(&p, "kscope_mcewatch_aer_errors_total", "counter",
		    "PCIe AER error reports (ras:aer_event), by severity.");
	for (unsigned int s = 0; s < 3; s++) {
		struct prom_labels l = {{"severity"}, {mce_aer_severity_name(s)}};

		prom_sample(&p, "kscope_mcewatch_aer_errors_total", &l, st->aer_by_sev[s]);
	}
	prom_family(&p, "kscope_mcewatch_aer_device_errors_total", "counter",
		    "PCIe AER error reports by device and severity (top N, then other).");
	prom_label_rows(&p, "kscope_mcewatch_aer_device_errors_total", "device", st->aer_devs,
			st->n_aer_devs, st->aer_other, st->common->prom_top, mce_aer_severity_name);

	prom_family(&p, "kscope_mcewatch_lost_events_total", "counter",
		    "Events lost because the ring buffer was full.");
	prom_sample(&p, "kscope_mcewatch_lost_events_total", NULL, events_lost_check(&st->ev));
	prom_family(&p, "kscope_mcewatch_missed_events_total", "counter",
		    "Runs of mcewatch's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_mcewatch_missed_events_total", NULL, setup_prog_misses(st->obj));
	return prom_commit(&p);
}

static int cmp_key_count(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* a per-hour rate, or null when the window is too short for one (ctx_per_hour) */
static void json_per_hour(struct json *j, const char *key, __u64 count, double secs)
{
	double rate;
	bool extrapolated;

	if (ctx_per_hour(count, secs, &rate, &extrapolated))
		json_kv_double(j, key, rate);
	else
		json_kv_null(j, key);
}

static void summary_json(struct mcewatch_state *st, double secs, __u64 lost, __u64 missed)
{
	double rate;
	bool extrapolated, rated = ctx_per_hour(st->mce_corrected, secs, &rate, &extrapolated);
	struct json j;

	json_init(&j, stdout);
	json_event_begin(&j, "summary");
	json_summary_counts(&j, secs, lost, missed);
	json_kv_u64(&j, "mce", st->mce);
	json_kv_u64(&j, "mce_corrected", st->mce_corrected);
	json_per_hour(&j, "mce_corrected_per_hour", st->mce_corrected, secs);
	/* both per-hour rates share the window, so one flag says whether they are extrapolated */
	json_kv_bool(&j, "per_hour_extrapolated", rated && extrapolated);
	json_key(&j, "by_cpu");
	json_array_begin(&j);
	for (int i = 0; i < st->n_cpu; i++) {
		json_object_begin(&j);
		json_kv_u64(&j, "cpu", st->by_cpu[i].key);
		json_kv_u64(&j, "count", st->by_cpu[i].count);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "by_bank");
	json_array_begin(&j);
	for (int i = 0; i < st->n_bank; i++) {
		json_object_begin(&j);
		json_kv_u64(&j, "bank", st->by_bank[i].key);
		json_kv_u64(&j, "count", st->by_bank[i].count);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "by_class");
	json_array_begin(&j);
	for (int c = 0; c < MCE_CLASS_COUNT; c++) {
		for (int s = 0; s < MCE_SEV_COUNT; s++) {
			if (!st->by_class[c][s])
				continue;
			json_object_begin(&j);
			json_kv_string(&j, "error_class", mce_class_name(c));
			json_kv_string(&j, "severity", mce_severity_name(s));
			json_kv_u64(&j, "count", st->by_class[c][s]);
			json_object_end(&j);
		}
	}
	json_array_end(&j);
	json_kv_u64(&j, "mc_events", st->mc_events);
	json_kv_u64(&j, "mc_corrected", st->mc_corrected);
	json_per_hour(&j, "mc_corrected_per_hour", st->mc_corrected, secs);
	json_key(&j, "by_label");
	json_array_begin(&j);
	for (int i = 0; i < st->n_mc_labels; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "label", st->mc_labels[i].label);
		json_kv_string(&j, "severity", mce_mc_type_name(st->mc_labels[i].type));
		json_kv_u64(&j, "errors", st->mc_labels[i].count);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kv_u64(&j, "aer_events", st->aer);
	json_key(&j, "by_device");
	json_array_begin(&j);
	for (int i = 0; i < st->n_aer_devs; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "device", st->aer_devs[i].label);
		json_kv_string(&j, "severity", mce_aer_severity_name(st->aer_devs[i].type));
		json_kv_u64(&j, "count", st->aer_devs[i].count);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kv_double(&j, "csw_per_s_peak", st->peak_csw);
	json_kv_double(&j, "intr_per_s_peak", st->peak_intr);
	json_object_end(&j);
	json_line_end(&j);
}

/* "3 corrected", and ", 18.0/hour (extrapolated from 10m0s)" once the window allows a rate */
static void corrected_words(char *buf, size_t len, __u64 count, double secs, const char *dur)
{
	double rate;
	bool extrapolated;

	if (!ctx_per_hour(count, secs, &rate, &extrapolated)) {
		snprintf(buf, len, "%llu corrected", (unsigned long long)count);
		return;
	}
	snprintf(buf, len, "%llu corrected, %.1f/hour%s%s%s", (unsigned long long)count, rate,
		 extrapolated ? " (extrapolated from " : "", extrapolated ? dur : "",
		 extrapolated ? ")" : "");
}

void mcewatch_summary(struct mcewatch_state *st, __u64 lost, __u64 missed)
{
	struct ctx_snap end;
	struct ctx_rates avg;
	double secs;
	char dur[32], label[4 * MCEWATCH_LABEL_LEN], words[96];

	ctx_read(&end);
	ctx_rates(&st->start, &end, &avg);
	/*
	 * The peak is the highest interval's rate; interrupted before the first interval ended,
	 * or with the busiest stretch in the unfinished last one, the run's own average is the
	 * highest rate seen ("average 1291 (peak 0)" said otherwise).
	 */
	if (avg.csw_per_s > st->peak_csw)
		st->peak_csw = avg.csw_per_s;
	if (avg.intr_per_s > st->peak_intr)
		st->peak_intr = avg.intr_per_s;
	secs = end.t_ns > st->start.t_ns ? (end.t_ns - st->start.t_ns) / 1e9 : 0;
	table_sort(st->by_cpu, st->n_cpu, sizeof(st->by_cpu[0]), cmp_key_count);
	table_sort(st->by_bank, st->n_bank, sizeof(st->by_bank[0]), cmp_key_count);
	if (st->common->json) {
		summary_json(st, secs, lost, missed);
		return;
	}
	out_duration(dur, sizeof(dur), end.t_ns - st->start.t_ns);
	corrected_words(words, sizeof(words), st->mce_corrected, secs, dur);
	printf("\nSummary over %s: %llu machine check%s (%s), %llu EDAC event%s, %llu AER "
	       "event%s\n",
	       dur, (unsigned long long)st->mce, st->mce == 1 ? "" : "s", words,
	       (unsigned long long)st->mc_events, st->mc_events == 1 ? "" : "s",
	       (unsigned long long)st->aer, st->aer == 1 ? "" : "s");
	if ((st->mce_corrected || st->mc_corrected) && secs < CTX_RATE_MIN_S)
		printf("  no per-hour rates: %s of watching is under the %.0f minutes a rate "
		       "needs\n",
		       dur, CTX_RATE_MIN_S / 60);
	printf("  context: %.0f csw/s average (peak %.0f), %.0f intr/s average (peak %.0f)\n",
	       avg.csw_per_s, st->peak_csw, avg.intr_per_s, st->peak_intr);
	if (st->mce) {
		printf("  %-6s %8s\n", "CPU", "MCE");
		for (int i = 0; i < st->n_cpu; i++)
			printf("  %-6u %8llu\n", st->by_cpu[i].key,
			       (unsigned long long)st->by_cpu[i].count);
		printf("  %-6s %8s\n", "BANK", "MCE");
		for (int i = 0; i < st->n_bank; i++)
			printf("  %-6u %8llu\n", st->by_bank[i].key,
			       (unsigned long long)st->by_bank[i].count);
		printf("  %-18s %-12s %8s\n", "CLASS", "SEVERITY", "MCE");
		for (int c = 0; c < MCE_CLASS_COUNT; c++)
			for (int s = 0; s < MCE_SEV_COUNT; s++)
				if (st->by_class[c][s])
					printf("  %-18s %-12s %8llu\n", mce_class_name(c),
					       mce_severity_name(s),
					       (unsigned long long)st->by_class[c][s]);
	}
	if (st->mc_events) {
		corrected_words(words, sizeof(words), st->mc_corrected, secs, dur);
		printf("  %-40s %-12s %8s   (%s)\n", "DIMM LABEL", "SEVERITY", "ERRORS", words);
		for (int i = 0; i < st->n_mc_labels; i++) {
			out_sanitize(label, sizeof(label), st->mc_labels[i].label,
				     sizeof(st->mc_labels[i].label));
			printf("  %-40s %-12s %8llu\n", label[0] ? label : "(no label)",
			       mce_mc_type_name(st->mc_labels[i].type),
			       (unsigned long long)st->mc_labels[i].count);
		}
		if (st->mc_other)
			printf("  %-40s %-12s %8llu\n", "(other labels)", "",
			       (unsigned long long)st->mc_other);
	}
	if (st->aer) {
		printf("  %-40s %-12s %8s\n", "PCI DEVICE", "SEVERITY", "AER");
		for (int i = 0; i < st->n_aer_devs; i++) {
			out_sanitize(label, sizeof(label), st->aer_devs[i].label,
				     sizeof(st->aer_devs[i].label));
			printf("  %-40s %-12s %8llu\n", label,
			       mce_aer_severity_name(st->aer_devs[i].type),
			       (unsigned long long)st->aer_devs[i].count);
		}
		if (st->aer_other)
			printf("  %-40s %-12s %8llu\n", "(other devices)", "",
			       (unsigned long long)st->aer_other);
	}
	if (lost || missed)
		printf("  %llu events lost (ring buffer full), %llu missed (recursion)\n",
		       (unsigned long long)lost, (unsigned long long)missed);
}
