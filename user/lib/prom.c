// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include "out.h"
#include "prom.h"

int prom_begin(struct prom *p, const char *path)
{
	int fd;

	memset(p, 0, sizeof(*p));
	p->path = path;
	/* node_exporter reads only *.prom: a dot-file temp is ignored until it is renamed */
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;

	snprintf(p->tmp_path, sizeof(p->tmp_path), "%.*s.%s.XXXXXX", dir_len, path,
		 slash ? slash + 1 : path);
	fd = mkstemp(p->tmp_path);
	if (fd < 0) {
		out_error("cannot write --prom-file %s: %s (is its directory there and writable?)",
			  path, strerror(errno));
		return -1;
	}
	fchmod(fd, 0644);
	p->f = fdopen(fd, "w");
	if (!p->f) {
		close(fd);
		unlink(p->tmp_path);
		out_error("cannot write --prom-file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	if (!strcmp(p->last_family, name))
		return;
	snprintf(p->last_family, sizeof(p->last_family), "%s", name);
	fprintf(p->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

size_t prom_escape(char *out, size_t out_len, const char *in)
{
	size_t o = 0;

	for (; *in && o + 2 < out_len; in++) {
		const char *rep = *in == '\\'	? "\\\\"
				  : *in == '"'	? "\\\""
				  : *in == '\n' ? "\\n"
						: NULL;

		if (rep) {
			out[o++] = rep[0];
			out[o++] = rep[1];
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return o;
}

static void labels_write(FILE *f, const struct prom_labels *labels, const char *le)
{
	bool any = false;
	char esc[512];

	for (int i = 0; labels && i < PROM_MAX_LABELS; i++) {
		if (!labels->names[i] || !labels->values[i])
			continue;
		prom_escape(esc, sizeof(esc), labels->values[i]);
		fprintf(f, "%s%s=\"%s\"", any ? "," : "{", labels->names[i], esc);
		any = true;
	}
	if (le) {
		fprintf(f, "%sle=\"%s\"", any ? "," : "{", le);
		any = true;
	}
	if (any)
		fputc('}', f);
}

static void value_write(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.9g\n", v);
}

void prom_sample(struct prom *p, const char *name, const struct prom_labels *labels, double v)
{
	fputs(name, p->f);
	labels_write(p->f, labels, NULL);
	value_write(p->f, v);
}

void prom_histogram(struct prom *p, const char *name, const struct prom_labels *labels,
		    const __u64 *slots, double scale, double sum)
{
	char bucket[160], le[32];
	__u64 cumulative = 0;
	int last = 0;

	for (int i = 0; i < HIST_SLOTS; i++)
		if (slots[i])
			last = i;
	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	/* every bound up to the last used slot, so that series stay the same between scrapes */
	for (int i = 0; i <= last && i < 64; i++) {
		__u64 high = i ? (1ull << i) - 1 : 0;

		cumulative += slots[i];
		snprintf(le, sizeof(le), "%.9g", high * scale);
		fputs(bucket, p->f);
		labels_write(p->f, labels, le);
		value_write(p->f, cumulative);
	}
	for (int i = last + 1; i < HIST_SLOTS; i++)
		cumulative += slots[i];
	fputs(bucket, p->f);
	labels_write(p->f, labels, "+Inf");
	value_write(p->f, cumulative);
	fprintf(p->f, "%s_sum", name);
	labels_write(p->f, labels, NULL);
	value_write(p->f, sum);
	fprintf(p->f, "%s_count", name);
	labels_write(p->f, labels, NULL);
	value_write(p->f, cumulative);
}

int prom_commit(struct prom *p)
{
	int err = 0;

	if (fflush(p->f) || fsync(fileno(p->f)))
		err = -errno;
	if (fclose(p->f) && !err)
		err = -errno;
	p->f = NULL;
	if (!err && rename(p->tmp_path, p->path))
		err = -errno;
	if (err) {
		unlink(p->tmp_path);
		out_error("cannot write --prom-file %s: %s", p->path, strerror(-err));
		return -1;
	}
	return 0;
}

void prom_abort(struct prom *p)
{
	if (p->f)
		fclose(p->f);
	p->f = NULL;
	unlink(p->tmp_path);
}
