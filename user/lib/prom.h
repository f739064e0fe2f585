/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --prom-file: the tool's figures in the Prometheus text exposition format, for
 * node_exporter's textfile collector.  Each interval the tool writes a fresh file through
 * this writer, which makes it appear atomically (temp file in the same directory, rename).
 */
#ifndef KSCOPE_PROM_H
#define KSCOPE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "kscope.h"

#define PROM_MAX_LABELS 6

struct prom {
	const char *path;
	char tmp_path[4096];
	FILE *f;
	char last_family[128]; /* HELP/TYPE are written once per metric family */
};

/* A label set; values are escaped when written.  NULL value: the label is left out. */
struct prom_labels {
	const char *names[PROM_MAX_LABELS];
	const char *values[PROM_MAX_LABELS];
};

/*
 * At start, before anything is loaded: path is a regular file or nothing (never a device, a
 * symbolic link, a directory), its directory exists and takes a new file.  Removes temp files
 * that killed runs left there.  Returns 0, or -1 with the reason in why.
 */
int prom_check(const char *path, char *why, size_t why_len);
/* Open the temp file next to path.  Returns 0, or -1 after out_error(). */
int prom_begin(struct prom *p, const char *path);
/* HELP and TYPE ("counter", "gauge", "histogram") for the family name ("kscope_x_total"). */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);
void prom_sample(struct prom *p, const char *name, const struct prom_labels *labels, double v);
/*
 * A log2 histogram (bpf/kscope.h slots) as a Prometheus histogram: cumulative _bucket
 * samples with le = each slot's upper bound * scale (e.g. 1e-9 for ns into seconds), +Inf,
 * _sum (given, already scaled) and _count.
 */
void prom_histogram(struct prom *p, const char *name, const struct prom_labels *labels,
		    const __u64 *slots, double scale, double sum);
/* Flush, rename over path.  Returns 0, or -1 after out_error(). */
int prom_commit(struct prom *p);
/* Drop the temp file (on an error path). */
void prom_abort(struct prom *p);

/*
 * Labels on every series of the file, so that two instances writing into one textfile
 * directory never write the same series (node_exporter drops both files' samples then):
 * --prom-label NAME=VALUE (prom_label_parse, an OPT_CUSTOM parser) and what a tool adds
 * itself (tcpwait's scope).  A sample's own label of the same name wins.
 */
#define PROM_MAX_EXTRA 4
int prom_label_parse(const char *arg, void *field, char *why, size_t why_len);
/* Returns 0, or -1 with a reason in why (a bad or reserved name, too many). */
int prom_label_add(const char *name, const char *value, char *why, size_t why_len);
/* A label the tool itself puts on every series (a reserved name: users cannot set it). */
int prom_label_tool(const char *name, const char *value);

/*
 * A label value: rendered as out_sanitize() renders it for tables (\xNN for bytes that are not
 * printable ASCII), then escaped as the format requires; out always NUL-terminated.
 */
size_t prom_escape(char *out, size_t out_len, const char *in);

#endif /* KSCOPE_PROM_H */
