// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cost.h"
#include "out.h"
#include "prom.h"

/* leftovers of a run killed between mkstemp() and rename(); a live writer's is seconds old */
#define PROM_STALE_SECS 60

static const char *file_kind(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Only a regular file (or nothing) is replaced: rename() would put a file in place of a
 * device node or a symbolic link. */
static int path_replaceable(const char *path, char *why, size_t why_len)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return 0;
	snprintf(why, why_len, "it exists and is %s, not a regular file: give the path of a file",
		 file_kind(st.st_mode));
	return -1;
}

static void leftovers_remove(const char *dir, const char *base)
{
	size_t blen = strlen(base);
	time_t now = time(NULL);
	struct dirent *d;
	DIR *dh = opendir(dir);

	if (!dh)
		return;
	while ((d = readdir(dh))) {
		char full[4096];
		struct stat st;

		/* ".NAME.XXXXXX", as prom_begin() names them */
		if (d->d_name[0] != '.' || strncmp(d->d_name + 1, base, blen) ||
		    d->d_name[1 + blen] != '.' || strlen(d->d_name + 2 + blen) != 6)
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, d->d_name);
		if (lstat(full, &st) || !S_ISREG(st.st_mode) || now - st.st_mtime < PROM_STALE_SECS)
			continue;
		if (!unlink(full))
			out_debug("removed %s, left by a run that was killed while writing", full);
	}
	closedir(dh);
}

int prom_check(const char *path, char *why, size_t why_len)
{
	char dir_buf[4096], base_buf[4096], probe[4200];
	const char *dir, *base;
	struct stat st;
	int fd;

	snprintf(dir_buf, sizeof(dir_buf), "%s", path);
	snprintf(base_buf, sizeof(base_buf), "%s", path);
	dir = dirname(dir_buf);
	base = basename(base_buf);
	if (!base[0] || !strcmp(base, "/") || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(why, why_len, "not the path of a file");
		return -1;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "its directory %s %s", dir,
			 errno == ENOENT || !S_ISDIR(st.st_mode) ? "does not exist"
								 : strerror(errno));
		return -1;
	}
	if (path_replaceable(path, why, why_len))
		return -1;
	/* what each interval will do: a temp file in that directory */
	snprintf(probe, sizeof(probe), "%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(probe);
	if (fd < 0) {
		snprintf(why, why_len, "cannot create a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(probe);
	leftovers_remove(dir, base);
	return 0;
}

static struct {
	char name[64];
	char value[256];
} extra[PROM_MAX_EXTRA];
static int nextra;

/* the labels kscope's own series use: an extra label of that name would clash with them */
static const char *const reserved[] = {
	"le",	 "comm",  "container", "pod",	"cgroup", "netns",	"advice", "severity",
	"class", "bank",  "cpu",       "label", "device", "tracepoint", "vector", "direction",
	"side",	 "laddr", "raddr",     "lport", "rport",  "scope",
};

static int label_put(const char *name, const char *value, bool user, char *why, size_t why_len)
{
	size_t n = strlen(name);

	if (nextra == PROM_MAX_EXTRA) {
		snprintf(why, why_len, "at most %d labels", PROM_MAX_EXTRA);
		return -1;
	}
	/* Prometheus' label names: [a-zA-Z_][a-zA-Z0-9_]*, and __ is Prometheus' own */
	if (!n || n >= sizeof(extra[0].name) || (name[0] >= '0' && name[0] <= '9') ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n ||
	    !strncmp(name, "__", 2)) {
		snprintf(why, why_len,
			 "a label name is letters, digits and _, not starting with a digit or __");
		return -1;
	}
	for (size_t i = 0; user && i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(name, reserved[i])) {
			snprintf(why, why_len, "'%s' is a label kscope's own series use", name);
			return -1;
		}
	for (int i = 0; i < nextra; i++)
		if (!strcmp(name, extra[i].name)) {
			snprintf(why, why_len, "label '%s' given twice", name);
			return -1;
		}
	if (!*value || strlen(value) >= sizeof(extra[0].value)) {
		snprintf(why, why_len, "the value is empty or longer than %zu bytes",
			 sizeof(extra[0].value) - 1);
		return -1;
	}
	snprintf(extra[nextra].name, sizeof(extra[0].name), "%s", name);
	snprintf(extra[nextra].value, sizeof(extra[0].value), "%s", value);
	nextra++;
	return 0;
}

int prom_label_add(const char *name, const char *value, char *why, size_t why_len)
{
	return label_put(name, value, true, why, why_len);
}

int prom_label_tool(const char *name, const char *value)
{
	char why[128];

	return label_put(name, value, false, why, sizeof(why));
}

int prom_label_parse(const char *arg, void *field, char *why, size_t why_len)
{
	const char *eq = strchr(arg, '=');
	char name[64];

	if (!eq) {
		snprintf(why, why_len, "not NAME=VALUE");
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg < 63 ? eq - arg : 63), arg);
	if (eq - arg >= (long)sizeof(name)) {
		snprintf(why, why_len, "the name is longer than %zu bytes", sizeof(name) - 1);
		return -1;
	}
	if (prom_label_add(name, eq + 1, why, why_len))
		return -1;
	*(const char **)field = arg;
	return 0;
}

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
	char safe[1024];
	size_t o = 0;

	/* the same rendering as tables and JSON (\xNN for anything not printable ASCII), so a
	 * label is valid UTF-8 whatever bytes a process or cgroup name holds */
	out_sanitize(safe, sizeof(safe), in, strlen(in));
	for (const char *s = safe; *s && o + 2 < out_len; s++) {
		if (*s == '\\' || *s == '"')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
	return o;
}

static bool labels_have(const struct prom_labels *labels, const char *name)
{
	for (int i = 0; labels && i < PROM_MAX_LABELS; i++)
		if (labels->names[i] && labels->values[i] && !strcmp(labels->names[i], name))
			return true;
	return false;
}

static void labels_write(FILE *f, const struct prom_labels *labels, const char *le)
{
	bool any = false;
	char esc[1024];

	for (int i = 0; i < nextra; i++) {
		if (labels_have(labels, extra[i].name))
			continue;
		prom_escape(esc, sizeof(esc), extra[i].value);
		fprintf(f, "%s%s=\"%s\"", any ? "," : "{", extra[i].name, esc);
		any = true;
	}
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

/*
 * Every file ends with when it was written, so a tool that stopped updating it (hung, killed
 * without its unit's clean-up) shows as stale: time() - this > a few intervals (docs/fleet.md).
 */
static void prom_last_update(struct prom *p)
{
	const char *tool = out_tool_name();
	char name[128];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(name, sizeof(name), "kscope_%.*s_last_update_timestamp_seconds",
		 (int)strcspn(tool, " "), tool);
	p->last_family[0] = '\0';
	prom_family(p, name, "gauge", "When this file was written, in seconds since the epoch.");
	fputs(name, p->f);
	labels_write(p->f, NULL, NULL);
	fprintf(p->f, " %lld.%03ld\n", (long long)now.tv_sec, now.tv_nsec / 1000000);
}

int prom_commit(struct prom *p)
{
	char why[256];
	int err = 0;

	/* every tool's file ends with what the tool itself costs */
	cost_prom(p);
	prom_last_update(p);
	if (fflush(p->f) || fsync(fileno(p->f)))
		err = -errno;
	if (fclose(p->f) && !err)
		err = -errno;
	p->f = NULL;
	/* something else may have taken the path since the start */
	if (!err && path_replaceable(p->path, why, sizeof(why))) {
		unlink(p->tmp_path);
		out_error("will not write --prom-file %s: %s", p->path, why);
		return -1;
	}
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
