// SPDX-License-Identifier: GPL-2.0
/*
 * forklat's output: what forklat_report() made of an interval as a table, JSON or the
 * --prom-file, the --min-ms event lines, and the run's JSON summary.  No map reads and no
 * skeleton here: what it needs of the BPF side (the stats map's size, the programs' misses)
 * the read step left in the state.
 */
#include <stdio.h>
#include <string.h>
#include "cgroup.h"
#include "hist.h"
#include "json.h"
#include "out.h"
#include "prom.h"
#include "promrows.h"
#include "table.h"
#include "forklat_state.h"

static const char *const call_names[FORKLAT_CALLS] = {"fork", "vfork", "clone", "clone3"};

const char *forklat_call_name(unsigned int call)
{
	return call < FORKLAT_CALLS ? call_names[call] : "?";
}

static void json_us_or_null(struct json *j, const char *key, double ns)
{
	if (ns < 0)
		json_kv_null(j, key);
	else
		json_kv_double(j, key, ns / 1e3);
}

static void json_row(struct json *j, const struct forklat_row *r, double secs)
{
	long long huge = forklat_huge_bytes(r);

	json_kv_u64(j, "pid", r->pid);
	json_key(j, "comm");
	json_string_n(j, r->comm, sizeof(r->comm));
	cgroup_json_fields(j, r->cgroup_id);
	json_kv_u64(j, "forks", r->forks);
	json_kv_u64(j, "errors", r->errors);
	if (secs > 0)
		json_kv_double(j, "forks_per_s", r->forks / secs);
	json_kv_double(j, "mean_us", r->mean_ns / 1e3);
	json_kv_double(j, "max_us", r->max_ns / 1e3);
	json_kv_u64(j, "rss_bytes", r->rss_bytes);
	json_kv_u64(j, "anon_bytes", r->anon_bytes);
	json_kv_u64(j, "pgtables_bytes", r->pgtables_bytes);
	json_kv_u64(j, "vmas", r->vmas);
	if (huge < 0) {
		json_kv_null(j, "huge_bytes");
		json_kv_null(j, "thp_bytes");
	} else {
		json_kv_u64(j, "huge_bytes", huge);
		json_kv_u64(j, "thp_bytes", r->thp_bytes);
	}
	json_kv_u64(j, "hugetlb_bytes", r->hugetlb_bytes);
	json_us_or_null(j, "pt_copy_us", r->pt_copy_ns);
	json_kv_bool(j, "pt_copy_estimated", r->pt_copy_estimated);
	json_us_or_null(j, "pte_copy_us", r->pte_copy_ns);
	json_us_or_null(j, "child_run_us", r->child_run_ns);
	json_us_or_null(j, "child_exec_us", r->child_exec_ns);
}

/* The columns every table and event line share: RSS, page tables, VMAs, huge share, copy. */
static void print_mem_cols(const struct forklat_row *r)
{
	char rss[16], pt[16], huge[8], copy[16], dur[16];
	double pct = forklat_huge_pct(r);

	if (pct < 0)
		snprintf(huge, sizeof(huge), "-");
	else
		snprintf(huge, sizeof(huge), "%.0f%%", pct);
	if (r->pt_copy_ns < 0)
		snprintf(copy, sizeof(copy), "-");
	else
		snprintf(copy, sizeof(copy), "%s%s", r->pt_copy_estimated ? "~" : "",
			 forklat_short_duration(dur, sizeof(dur), r->pt_copy_ns));
	printf(" %5s %5s %5u %4s %7s\n", forklat_short_bytes(rss, sizeof(rss), r->rss_bytes),
	       forklat_short_bytes(pt, sizeof(pt), r->pgtables_bytes), r->vmas, huge, copy);
}

static const char *row_name(const struct forklat_state *st, const struct forklat_row *r, char *buf,
			    size_t len)
{
	char comm[64], label[128];

	out_sanitize(comm, sizeof(comm), r->comm, sizeof(r->comm));
	if (!st->common->containers) {
		snprintf(buf, len, "%s", comm);
		return buf;
	}
	cgroup_label(r->key, label, sizeof(label));
	out_sanitize(buf, len, label, sizeof(label));
	snprintf(buf + strlen(buf), len - strlen(buf), ": %s", comm);
	return buf;
}

/* calls in no row: their process's row was evicted (LRU) before the interval's read */
static void unattributed_json(struct json *j, __u64 forks, __u64 errors)
{
	json_key(j, "unattributed");
	json_object_begin(j);
	json_kv_u64(j, "forks", forks);
	json_kv_u64(j, "errors", errors);
	json_object_end(j);
}

static void unattributed_line(const struct forklat_state *st)
{
	if (!st->unattributed_forks && !st->unattributed_errors)
		return;
	printf("%llu forks and %llu failed calls in no row above: more than %u processes forked "
	       "between two reads, and the kernel's table evicted their rows\n",
	       (unsigned long long)st->unattributed_forks,
	       (unsigned long long)st->unattributed_errors, st->stats_max);
}

static void print_table(const struct forklat_state *st)
{
	char clock[16], mean[16], max[16], name[256], label[128], rate[16];
	const struct forklat_row *rows = st->rows;
	size_t shown = st->shown;

	if (st->common->timestamp)
		printf("%s\n", out_clock(clock, sizeof(clock)));
	if (st->common->containers)
		printf("%-23s", "CONTAINER");
	else
		printf("%-7s %-15s", "PID", "COMM");
	printf(" %6s %6s %6s %5s %5s %5s %4s %7s\n", "FORK/s", "MEAN", "MAX", "RSS", "PTE", "VMAS",
	       "HUGE", "PTCOPY");
	for (size_t i = 0; i < shown; i++) {
		const struct forklat_row *r = &rows[i];
		double per_s = st->secs > 0 ? r->forks / st->secs : 0;

		if (st->common->containers) {
			cgroup_label(r->key, name, sizeof(name));
			out_sanitize(label, sizeof(label), name, sizeof(name));
			printf("%-23.23s", label);
		} else {
			out_sanitize(name, sizeof(name), r->comm, sizeof(r->comm));
			printf("%-7u %-15.15s", r->pid, name);
		}
		snprintf(rate, sizeof(rate), per_s < 10 ? "%.1f" : "%.0f", per_s);
		printf(" %6s %6s %6s", rate, forklat_short_duration(mean, sizeof(mean), r->mean_ns),
		       forklat_short_duration(max, sizeof(max), r->max_ns));
		print_mem_cols(r);
	}
	table_more(stdout, shown, st->nrows);
	unattributed_line(st);
	for (size_t i = 0; i < shown && i < (size_t)st->cfg->hists; i++) {
		printf("\n%s (pid %u): fork latency\n", row_name(st, &rows[i], name, sizeof(name)),
		       rows[i].pid);
		hist_print(stdout, rows[i].slots, "usecs");
	}
	if (shown) {
		char diag[512];

		forklat_diagnose(diag, sizeof(diag), &rows[0],
				 row_name(st, &rows[0], name, sizeof(name)));
		printf("\ndiagnosis: %s\n", diag);
	}
	printf("\n");
	fflush(stdout);
}

static void print_json(const struct forklat_state *st)
{
	char name[256], diag[512];
	struct json j;

	json_init(&j, stdout);
	json_event_begin(&j, "interval");
	json_kv_double(&j, "interval_s", st->secs);
	json_kv_string(&j, "pt_copy_source", st->pt_source);
	json_kv_u64(&j, "forks", st->forks);
	json_kv_u64(&j, "errors", st->errors);
	unattributed_json(&j, st->unattributed_forks, st->unattributed_errors);
	json_key(&j, "procs");
	json_array_begin(&j);
	for (size_t i = 0; i < st->shown; i++) {
		json_object_begin(&j);
		json_row(&j, &st->rows[i], st->secs);
		json_key(&j, "hist_us");
		hist_json(&j, st->rows[i].slots);
		json_object_end(&j);
	}
	json_array_end(&j);
	if (st->shown) {
		forklat_diagnose(diag, sizeof(diag), &st->rows[0],
				 row_name(st, &st->rows[0], name, sizeof(name)));
		json_kv_string(&j, "diagnosis", diag);
	} else {
		json_kv_null(&j, "diagnosis");
	}
	json_kv_u64(&j, "lost_events", st->ev.lost_reported);
	json_kv_u64(&j, "missed_events", st->misses_reported);
	json_object_end(&j);
	json_line_end(&j);
}

static void misses_note(struct forklat_state *st)
{
	if (st->misses <= st->misses_reported)
		return;
	out_note("%llu fork events missed: the kernel skipped forklat's programs while another "
		 "BPF program ran on the same CPU (%llu in total)",
		 (unsigned long long)(st->misses - st->misses_reported),
		 (unsigned long long)st->misses);
	st->misses_reported = st->misses;
}

/* ---- --prom-file: cumulative since start, per (comm, container) ----------------------- */

static int prom_write(struct forklat_state *st)
{
	static const struct promrows_metric metrics[] = {
		{"kscope_forklat_forks_total", "counter",
		 "fork, vfork, clone and clone3 calls that created a task.", FORKLAT_PROM_FORKS},
		{"kscope_forklat_errors_total", "counter", "fork-family calls that failed.",
		 FORKLAT_PROM_ERRORS},
		{"kscope_forklat_fork_seconds_total", "counter",
		 "Time the callers spent inside fork-family calls.", FORKLAT_PROM_SECONDS},
		{"kscope_forklat_rss_bytes", "gauge",
		 "Resident memory of the forking processes at a recent fork.", FORKLAT_PROM_RSS},
		{"kscope_forklat_pgtables_bytes", "gauge",
		 "Page-table bytes of the forking processes at a recent fork.",
		 FORKLAT_PROM_PGTABLES},
	};
	static const struct promrows_metric pt_copy = {
		"kscope_forklat_pt_copy_seconds_total", "counter",
		"Time spent in copy_page_range during the forks (only where it can be measured).",
		FORKLAT_PROM_PT_SECONDS};
	struct prom p;

	if (prom_begin(&p, st->common->prom_file))
		return 1;
	promrows_write(&st->prom_rows, &p, metrics, sizeof(metrics) / sizeof(metrics[0]),
		       FORKLAT_PROM_SECONDS, st->common->prom_top,
		       "kscope_forklat_fork_duration_seconds", "How long fork-family calls took.",
		       1e-6);
	if (st->pt_measured)
		promrows_write(&st->prom_rows, &p, &pt_copy, 1, FORKLAT_PROM_SECONDS,
			       st->common->prom_top, NULL, NULL, 0);
	prom_family(&p, "kscope_forklat_missed_events_total", "counter",
		    "Runs of forklat's BPF programs the kernel skipped (recursion).");
	prom_sample(&p, "kscope_forklat_missed_events_total", NULL, st->misses);
	return prom_commit(&p) ? 1 : 0;
}

int forklat_show(struct forklat_state *st)
{
	if (st->common->prom_file) {
		misses_note(st);
		return prom_write(st);
	}
	/* the ring buffer's counter is the library's to read and say */
	events_lost_check(&st->ev);
	misses_note(st);
	/* --min-ms: the calls were printed as they came, the interval only ends */
	if (st->stream)
		return 0;
	if (st->common->json)
		print_json(st);
	else if (st->nrows || st->unattributed_forks || st->unattributed_errors ||
		 st->common->timestamp)
		print_table(st);
	return 0;
}

void forklat_show_begin(const struct forklat_state *st)
{
	if (st->stream && !st->common->json)
		printf("%-8s %-7s %-15s %-6s %6s %5s %5s %5s %4s %7s\n", "TIME", "PID", "COMM",
		       "CALL", "LAT", "RSS", "PTE", "VMAS", "HUGE", "PTCOPY");
	fflush(stdout);
}

void forklat_show_event(const struct forklat_state *st, const struct forklat_event *e,
			const struct forklat_row *r)
{
	char comm[64], lat[16], clock[16];
	struct json j;

	if (st->common->json) {
		json_init(&j, stdout);
		json_event_begin_at(&j, "fork", e->ts_ns);
		json_kv_u64(&j, "tid", e->tid);
		json_kv_string(&j, "call", forklat_call_name(e->call));
		json_kv_i64(&j, "child_pid", e->ret);
		json_kv_double(&j, "lat_us", e->lat_ns / 1e3);
		json_row(&j, r, 0);
		json_kv_string(&j, "pt_copy_source", st->pt_source);
		json_object_end(&j);
		json_line_end(&j);
		return;
	}
	out_sanitize(comm, sizeof(comm), e->comm, sizeof(e->comm));
	printf("%-8s %-7u %-15.15s %-6s %6s", out_clock(clock, sizeof(clock)), e->pid, comm,
	       forklat_call_name(e->call), forklat_short_duration(lat, sizeof(lat), e->lat_ns));
	print_mem_cols(r);
	fflush(stdout);
}

void forklat_show_summary(struct forklat_state *st, __u64 misses)
{
	struct json j;

	json_init(&j, stdout);
	json_event_begin(&j, "summary");
	json_summary_counts(&j, (out_monotonic_ns() - st->start_ns) / 1e9,
			    st->ev.lost ? events_lost_check(&st->ev) : 0, misses);
	json_kv_string(&j, "pt_copy_source", st->pt_source);
	json_kv_u64(&j, "forks", st->total_forks);
	json_kv_u64(&j, "errors", st->total_errors);
	unattributed_json(&j, st->unattr_forks.missing, st->unattr_errors.missing);
	if (st->stream)
		json_kv_u64(&j, "slow_forks", st->slow_events);
	else
		json_kv_null(&j, "slow_forks");
	json_object_end(&j);
	json_line_end(&j);
}
