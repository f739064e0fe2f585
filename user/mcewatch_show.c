// SPDX-License-Identifier: GPL-2.0
/*
 * mcewatch shown: each event as it arrives, the interval's context line, what the run saw at
 * its end (table or JSON) and, with --prom-file, counters node_exporter's textfile collector
 * reads.  Everything here comes from what mcewatch_report.c made; nothing is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "out.h"
#include "prom.h"
#include "table.h"
#include "mcewatch_state.h"

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
static int prom_show(struct mcewatch_state *st, __u64 lost)
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
	prom_sample(&p, "kscope_mcewatch_lost_events_total", NULL, lost);
	prom_family(&p, "kscope_mcewatch_missed_events_total", "counter",
		    "Runs of mcewatch's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_mcewatch_missed_events_total", NULL, st->misses);
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

/* "3 corrected", and ", 18.0/hour (extrapolated from 600.00 s)" once the window allows a rate */
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

static void summary_show(struct mcewatch_state *st, __u64 lost)
{
	const struct ctx_rates *avg = &st->rates;
	double secs = st->secs;
	__u64 missed = st->misses;
	char dur[32], label[4 * MCEWATCH_LABEL_LEN], words[96];

	table_sort(st->by_cpu, st->n_cpu, sizeof(st->by_cpu[0]), cmp_key_count);
	table_sort(st->by_bank, st->n_bank, sizeof(st->by_bank[0]), cmp_key_count);
	if (st->common->json) {
		summary_json(st, secs, lost, missed);
		return;
	}
	out_duration(dur, sizeof(dur), st->span_ns);
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
	       avg->csw_per_s, st->peak_csw, avg->intr_per_s, st->peak_intr);
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

/* ---- each event as it arrives, with the system's context at that moment ------------------ */

static void json_context(struct json *j, const struct ctx_snap *s, const struct ctx_rates *r)
{
	json_kv_double(j, "csw_per_s", r->csw_per_s);
	json_kv_double(j, "intr_per_s", r->intr_per_s);
	json_kv_double(j, "forks_per_s", r->forks_per_s);
	json_kv_double(j, "cpu_pct", r->cpu_pct);
	json_kv_u64(j, "tasks", s->tasks);
	json_kv_u64(j, "running", s->running);
	json_kv_u64(j, "blocked", s->blocked);
	json_kv_double(j, "load1", s->load1);
}

static void print_context(const struct ctx_snap *s, const struct ctx_rates *r)
{
	printf("    context: %.0f csw/s, %.0f intr/s, %.0f forks/s, %u tasks (%u running, %u "
	       "blocked), load %.2f, cpu %.0f%%\n",
	       r->csw_per_s, r->intr_per_s, r->forks_per_s, s->tasks, s->running, s->blocked,
	       s->load1, r->cpu_pct);
}

static void event_head(struct mcewatch_state *st, struct json *j, const char *type, __u64 ts_ns)
{
	char clock[16];

	st->rows = -1; /* the table's header again after an event */
	if (!st->common->json) {
		printf("%s ", out_clock(clock, sizeof(clock)));
		return;
	}
	json_init(j, stdout);
	json_event_begin_at(j, type, ts_ns);
}

static void event_tail(struct json *j, bool json, const struct ctx_snap *s,
		       const struct ctx_rates *r)
{
	if (!json) {
		print_context(s, r);
		fflush(stdout);
		return;
	}
	json_key(j, "context");
	json_object_begin(j);
	json_context(j, s, r);
	json_object_end(j);
	json_object_end(j);
	json_line_end(j);
}

static void mce_show(struct mcewatch_state *st, const struct mcewatch_seen *seen)
{
	const struct mcewatch_mce *m = &seen->e->mce;
	struct json j;

	event_head(st, &j, "mce", seen->e->ts_ns);
	if (st->common->json) {
		json_kv_u64(&j, "cpu", m->cpu);
		json_kv_u64(&j, "socket", m->socketid);
		json_kv_u64(&j, "apicid", m->apicid);
		json_kv_u64(&j, "cpuid", m->cpuid);
		json_kv_u64(&j, "walltime", m->walltime);
		json_kv_u64(&j, "tsc", m->tsc);
		if (m->ip)
			json_kv_u64(&j, "ip", m->ip);
		mce_json_fields(&j, &seen->in, &seen->d);
	} else {
		printf("MCE cpu %u socket %u apic 0x%x bank %u: %s: %s\n", m->cpu, m->socketid,
		       m->apicid, m->bank, mce_severity_name(seen->d.severity), seen->d.error);
		mce_print(stdout, &seen->in, &seen->d, "    ");
	}
	event_tail(&j, st->common->json, &seen->snap, &seen->r);
}

static void mc_show(struct mcewatch_state *st, const struct mcewatch_seen *seen)
{
	const struct mcewatch_mc *m = &seen->mc;
	char msg[4 * MCEWATCH_MSG_LEN], label[4 * MCEWATCH_LABEL_LEN];
	char detail[4 * MCEWATCH_DETAIL_LEN];
	struct json j;

	event_head(st, &j, "mc_event", seen->e->ts_ns);
	if (st->common->json) {
		json_kv_string(&j, "severity", mce_mc_type_name(m->error_type));
		json_kv_u64(&j, "error_count", m->error_count);
		json_kv_u64(&j, "mc", m->mc_index);
		json_kv_string(&j, "label", m->label);
		json_kv_string(&j, "msg", m->msg);
		json_kv_string(&j, "detail", m->detail);
		json_kv_i64(&j, "top_layer", m->layer[0]);
		json_kv_i64(&j, "middle_layer", m->layer[1]);
		json_kv_i64(&j, "lower_layer", m->layer[2]);
		json_kv_u64(&j, "address", (__u64)m->address);
		json_kv_u64(&j, "grain", m->grain_bits < 64 ? 1ull << m->grain_bits : 0);
		json_kv_u64(&j, "syndrome", (__u64)m->syndrome);
	} else {
		out_sanitize(msg, sizeof(msg), m->msg, sizeof(m->msg));
		out_sanitize(label, sizeof(label), m->label, sizeof(m->label));
		out_sanitize(detail, sizeof(detail), m->detail, sizeof(m->detail));
		printf("EDAC mc%u: %u %s error%s%s%s on %s\n", m->mc_index, m->error_count,
		       mce_mc_type_name(m->error_type), m->error_count == 1 ? "" : "s",
		       msg[0] ? ": " : "", msg, label[0] ? label : "(no DIMM label)");
		printf("    location %d:%d:%d address 0x%llx grain %llu syndrome 0x%llx%s%s\n",
		       m->layer[0], m->layer[1], m->layer[2], (unsigned long long)m->address,
		       m->grain_bits < 64 ? 1ull << m->grain_bits : 0ull,
		       (unsigned long long)m->syndrome, detail[0] ? " " : "", detail);
	}
	event_tail(&j, st->common->json, &seen->snap, &seen->r);
}

static void aer_show(struct mcewatch_state *st, const struct mcewatch_seen *seen)
{
	const struct mcewatch_aer *a = &seen->aer;
	char dev[4 * MCEWATCH_DEV_LEN];
	struct json j;

	event_head(st, &j, "aer_event", seen->e->ts_ns);
	if (st->common->json) {
		json_kv_string(&j, "device", a->dev_name);
		json_kv_string(&j, "severity", mce_aer_severity_name(a->severity));
		snprintf(dev, sizeof(dev), "0x%08x", a->status);
		json_kv_string(&j, "status", dev);
		json_kv_string(&j, "errors", seen->aer_bits);
		json_kv_bool(&j, "tlp_header_valid", a->tlp_header_valid);
	} else {
		out_sanitize(dev, sizeof(dev), a->dev_name, sizeof(a->dev_name));
		printf("AER %s: %s error, status 0x%08x: %s\n", dev,
		       mce_aer_severity_name(a->severity), a->status, seen->aer_bits);
	}
	event_tail(&j, st->common->json, &seen->snap, &seen->r);
}

void mcewatch_event_show(struct mcewatch_state *st, const struct mcewatch_seen *seen)
{
	switch (seen->e->kind) {
	case MCEWATCH_MCE:
		mce_show(st, seen);
		break;
	case MCEWATCH_MC_EVENT:
		mc_show(st, seen);
		break;
	case MCEWATCH_AER:
		aer_show(st, seen);
		break;
	}
}

/* ---- the interval's line ------------------------------------------------------------------ */

static void interval_show(struct mcewatch_state *st)
{
	const struct ctx_snap *cur = &st->cur;
	const struct ctx_rates *r = &st->rates;
	struct json j;
	char clock[16];

	if (st->common->json) {
		json_init(&j, stdout);
		json_event_begin(&j, "interval");
		json_kv_double(&j, "interval_s", st->secs);
		json_context(&j, cur, r);
		json_kv_u64(&j, "mce", st->interval.mce);
		json_kv_u64(&j, "mc_events", st->interval.mc_events);
		json_kv_u64(&j, "aer_events", st->interval.aer);
		json_object_end(&j);
		json_line_end(&j);
		return;
	}
	if (st->rows < 0 || st->rows >= 20) {
		printf("%-8s %8s %8s %7s %7s %4s %4s %6s %5s %4s %4s %4s\n", "TIME", "CSW/s",
		       "INTR/s", "FORK/s", "TASKS", "RUN", "BLK", "LOAD1", "CPU%", "MCE", "EDAC",
		       "AER");
		st->rows = 0;
	}
	printf("%-8s %8.0f %8.0f %7.0f %7u %4u %4u %6.2f %5.1f %4llu %4llu %4llu\n",
	       out_clock(clock, sizeof(clock)), r->csw_per_s, r->intr_per_s, r->forks_per_s,
	       cur->tasks, cur->running, cur->blocked, cur->load1, r->cpu_pct,
	       (unsigned long long)st->interval.mce, (unsigned long long)st->interval.mc_events,
	       (unsigned long long)st->interval.aer);
	st->rows++;
	fflush(stdout);
}

int mcewatch_show(struct mcewatch_state *st, bool summary)
{
	/* the ring's lost count lives in the mapped bss: the library's check says when it grew */
	__u64 lost = events_lost_check(&st->ev);

	/* a daemon's output is the file, to the end: stdout stays quiet */
	if (st->common->prom_file)
		return prom_show(st, lost) ? 1 : 0;
	if (summary)
		summary_show(st, lost);
	else
		interval_show(st);
	return 0;
}
