// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cgroup.h"
#include "opts.h"
#include "out.h"
#include "prom.h"

#define OPTS_MAX 64
/* long-only options get getopt values above the char range */
#define OPTS_LONG_BASE 256

/* An option and the struct its offset points into (common_opts or the tool's config). */
struct opt_ref {
	const struct opt *opt;
	void *base;
	unsigned int needs; /* COMMON_* the option belongs to; 0 for always */
};

static const struct opt common_table[] = {
	{"pid", 'p', OPT_PID, OPT_FIELD(struct common_opts, pid), "PID",
	 "trace only this process (thread group)"},
	{"cgroup", 'c', OPT_STRING, OPT_FIELD(struct common_opts, cgroup_path), "CGROUP",
	 "trace only this cgroup v2 and below: its path as shown, a container id or a pod uid"},
	{"containers", 'C', OPT_FLAG, OPT_FIELD(struct common_opts, containers), NULL,
	 "group rows by container instead of by process"},
	{"json", 'j', OPT_FLAG, OPT_FIELD(struct common_opts, json), NULL,
	 "one JSON object per line"},
	{"timestamp", 'T', OPT_FLAG, OPT_FIELD(struct common_opts, timestamp), NULL,
	 "print the time above each interval"},
	{"verbose", 'v', OPT_FLAG, OPT_FIELD(struct common_opts, verbose), NULL,
	 "say which hooks were chosen, show libbpf's messages"},
	{"prom-file", 0, OPT_STRING, OPT_FIELD(struct common_opts, prom_file), "PATH",
	 "write Prometheus metrics to PATH each interval (node_exporter textfile)"},
	{"prom-top", 0, OPT_INT, OPT_FIELD(struct common_opts, prom_top), "N",
	 "rows per metric in --prom-file before the rest is summed as 'other'", 1, 10000},
	{"ring-mb", 0, OPT_INT, OPT_FIELD(struct common_opts, ring_mb), "MIB",
	 "ring buffer for the event stream (default: one second at 50k events/s)", 1, 1024},
	{"no-bpf-stats", 0, OPT_FLAG, OPT_FIELD(struct common_opts, no_bpf_stats), NULL,
	 "leave the kernel's BPF run-time stats off (their clock reads cost every BPF program "
	 "~140 ns a run here); the cost report then has no BPF time"},
	{"prom-label", 0, OPT_CUSTOM, OPT_FIELD(struct common_opts, prom_label), "NAME=VALUE",
	 "add this label to every series in --prom-file (repeatable), e.g. instance=blue", 0, 0,
	 prom_label_parse},
	/* answered by the parser itself: no field */
	{"help", 'h', OPT_FLAG, 0, 0, NULL, "show this help and exit"},
	{"version", 'V', OPT_FLAG, 0, 0, NULL, "show the version and exit"},
};

static const unsigned int common_needs[] = {
	COMMON_PID,  COMMON_CGROUP, COMMON_CONTAINERS, 0,	    0, 0, COMMON_PROM,
	COMMON_PROM, COMMON_EVENTS, COMMON_INTERVAL,   COMMON_PROM, 0, 0,
};

static const struct tool_desc *current_tool;

void opts_die(const struct tool_desc *tool, const char *fmt, ...)
{
	char msg[1024], safe[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the message quotes what was typed: a newline or an escape byte stays on one line,
	 * harmless, as in the tables */
	out_sanitize(safe, sizeof(safe), msg, sizeof(msg));
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", tool->name, safe,
		tool->name);
	exit(2);
}

/* The size of the field an option of this type stores into; 0: the parser's own business. */
static size_t opts_type_size(enum opt_type type)
{
	switch (type) {
	case OPT_FLAG:
		return sizeof(bool);
	case OPT_INT:
		return sizeof(long);
	case OPT_UINT64:
		return sizeof(__u64);
	case OPT_DOUBLE:
		return sizeof(double);
	case OPT_STRING:
		return sizeof(const char *);
	case OPT_PORT:
		return sizeof(__u16);
	case OPT_PID:
		return sizeof(pid_t);
	default:
		return 0;
	}
}

/* A table entry whose type does not fit its field is the tool's bug: say which, and stop. */
static void opts_check_field(const struct tool_desc *tool, const struct opt *o)
{
	size_t want = opts_type_size(o->type);

	if (!want || o->size == want || (!o->offset && !o->size))
		return;
	fprintf(stderr, "%s: option table: --%s stores %zu bytes into a field of %zu\n", tool->name,
		o->name, want, o->size);
	abort();
}

static int opts_collect(const struct tool_desc *tool, struct common_opts *common, void *config,
			struct opt_ref *refs)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(common_table) / sizeof(common_table[0]); i++) {
		if (common_needs[i] && !(tool->common & common_needs[i]))
			continue;
		opts_check_field(tool, &common_table[i]);
		refs[n++] = (struct opt_ref){&common_table[i], common, common_needs[i]};
	}
	for (const struct opt *o = tool->opts; o && o->name && n < OPTS_MAX; o++) {
		opts_check_field(tool, o);
		refs[n++] = (struct opt_ref){o, config, 0};
	}
	return n;
}

/* Whether argv word a is an option of any of cmds that takes the next word as its value. */
static bool opts_takes_value(const struct tool_desc *const *cmds, int ncmds, const char *a)
{
	struct opt_ref refs[OPTS_MAX];
	struct common_opts dummy;

	for (int c = 0; c < ncmds; c++) {
		int n = opts_collect(cmds[c], &dummy, NULL, refs);

		if (a[1] == '-') {
			if (strchr(a, '='))
				return false;
			for (int i = 0; i < n; i++)
				if (!strcmp(a + 2, refs[i].opt->name) &&
				    refs[i].opt->type != OPT_FLAG)
					return true;
			continue;
		}
		/* a cluster of short options: the first that takes a value ends it */
		for (const char *p = a + 1; *p; p++) {
			const struct opt *o = NULL;

			for (int i = 0; i < n && !o; i++)
				if (refs[i].opt->short_name == *p)
					o = refs[i].opt;
			if (!o)
				break;
			if (o->type != OPT_FLAG) {
				if (!p[1])
					return true;
				break;
			}
		}
	}
	return false;
}

int opts_find_command(const struct tool_desc *const *cmds, int ncmds, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i + 1 < argc ? i + 1 : 0;
		if (a[0] == '-' && a[1]) {
			if (opts_takes_value(cmds, ncmds, a))
				i++;
			continue;
		}
		return i;
	}
	return 0;
}

static void opts_print_one(FILE *f, const struct opt *o)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
	if (strlen(left) > 24)
		fprintf(f, "  %s\n  %-24s  %s\n", left, "", o->help);
	else
		fprintf(f, "  %-24s  %s\n", left, o->help);
}

void opts_usage(const struct tool_desc *tool, FILE *f)
{
	struct common_opts common;
	struct opt_ref refs[OPTS_MAX];
	int n = opts_collect(tool, &common, NULL, refs);

	fprintf(f, "Usage: %s [OPTIONS]%s%s\n%s\n\nOptions:\n", tool->name,
		tool->synopsis ? " " : "", tool->synopsis ? tool->synopsis : "", tool->summary);
	/* the tool's own options first: they are what the reader came for */
	for (int i = 0; i < n; i++)
		if (refs[i].base != (void *)&common)
			opts_print_one(f, refs[i].opt);
	for (int i = 0; i < n; i++)
		if (refs[i].base == (void *)&common)
			opts_print_one(f, refs[i].opt);
	if (tool->common & COMMON_INTERVAL)
		fprintf(f,
			"\n  interval  seconds between reports (default %g); count: reports before "
			"exiting\n",
			tool->default_interval_ms / 1000.0);
	if (tool->examples)
		fprintf(f, "\nExamples:\n%s", tool->examples);
}

static int parse_long(const char *arg, long *v)
{
	char *end;

	/* base 10: "-p 010" is pid 10, not octal 8 */
	errno = 0;
	*v = strtol(arg, &end, 10);
	return errno || end == arg || *end ? -1 : 0;
}

/* PF_KTHREAD in /proc/PID/stat's flags (the 9th field, after "(comm)") */
static bool pid_is_kthread(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long flags;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return flags & 0x00200000; /* PF_KTHREAD */
}

/* Store arg into the option's field; on failure write the reason to why. */
static int opts_store(const struct opt_ref *ref, const char *arg, char *why, size_t why_len)
{
	const struct opt *o = ref->opt;
	void *field = (char *)ref->base + o->offset;
	unsigned long long u;
	char *end;
	long v;
	double d;

	switch (o->type) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_INT:
		if (parse_long(arg, &v)) {
			snprintf(why, why_len, "not a whole number");
			return -1;
		}
		if (o->min < o->max && (v < o->min || v > o->max)) {
			snprintf(why, why_len, "must be between %ld and %ld", o->min, o->max);
			return -1;
		}
		*(long *)field = v;
		return 0;
	case OPT_UINT64:
		/* decimal, or hex with 0x; never octal */
		errno = 0;
		u = strtoull(arg, &end, strncasecmp(arg, "0x", 2) ? 10 : 16);
		if (errno || end == arg || *end || arg[0] == '-') {
			snprintf(why, why_len, "not a non-negative whole number");
			return -1;
		}
		if (o->max && (u < (unsigned long long)o->min || u > (unsigned long long)o->max)) {
			snprintf(why, why_len, "must be between %ld and %ld", o->min, o->max);
			return -1;
		}
		*(__u64 *)field = u;
		return 0;
	case OPT_DOUBLE:
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d < 0) {
			snprintf(why, why_len, "not a non-negative number");
			return -1;
		}
		if (o->max && d > o->max) {
			snprintf(why, why_len, "must be at most %ld", o->max);
			return -1;
		}
		*(double *)field = d;
		return 0;
	case OPT_STRING:
		if (!arg[0]) {
			snprintf(why, why_len, "must not be empty");
			return -1;
		}
		*(const char **)field = arg;
		return 0;
	case OPT_PORT:
		if (parse_long(arg, &v) || v < 1 || v > 65535) {
			snprintf(why, why_len, "not a port number (1-65535)");
			return -1;
		}
		*(__u16 *)field = v;
		return 0;
	case OPT_PID:
		if (parse_long(arg, &v) || v <= 0 || v > 4194304) {
			snprintf(why, why_len, "not a process id");
			return -1;
		}
		if (kill(v, 0) && errno == ESRCH) {
			snprintf(why, why_len, "no such process");
			return -1;
		}
		if (pid_is_kthread(v)) {
			snprintf(why, why_len,
				 "a kernel thread, which forks, connects and advises "
				 "nothing a tool here traces");
			return -1;
		}
		*(pid_t *)field = v;
		return 0;
	case OPT_CUSTOM:
		return o->parse(arg, field, why, why_len);
	}
	return -1;
}

static void opts_positionals(const struct tool_desc *tool, int argc, char **argv,
			     struct common_opts *common)
{
	int nargs = argc - optind;
	char *end;
	double secs;
	long count;

	if (tool->free_args) {
		common->nargs = nargs;
		common->args = argv + optind;
		return;
	}
	if (nargs && !(tool->common & COMMON_INTERVAL))
		opts_die(tool, "unexpected argument '%s'", argv[optind]);
	if (nargs > 2)
		opts_die(tool, "too many arguments: expected [interval [count]]");
	if (nargs >= 1) {
		errno = 0;
		secs = strtod(argv[optind], &end);
		if (errno || end == argv[optind] || *end || !(secs > 0) || secs > 86400)
			opts_die(tool, "invalid interval '%s': a number of seconds above 0",
				 argv[optind]);
		common->interval_ms = secs * 1000 < 1 ? 1 : (int)(secs * 1000);
	}
	if (nargs == 2) {
		if (parse_long(argv[optind + 1], &count) || count <= 0)
			opts_die(tool, "invalid count '%s': a whole number above 0",
				 argv[optind + 1]);
		common->count = count;
	}
}

void opts_parse(const struct tool_desc *tool, int argc, char **argv, struct common_opts *common,
		void *config)
{
	struct option longopts[OPTS_MAX + 1];
	struct opt_ref refs[OPTS_MAX];
	char shortopts[OPTS_MAX * 2 + 2], why[256];
	int n, c, s = 0;

	out_stdio_guard();
	/* the name for messages from here on (--help and --version write too) */
	out_init(tool->name, false, false);
	current_tool = tool;
	memset(common, 0, sizeof(*common));
	common->interval_ms = tool->default_interval_ms > 0 ? tool->default_interval_ms : 1000;
	common->prom_top = 20;

	n = opts_collect(tool, common, config, refs);
	shortopts[s++] = ':'; /* report a missing argument as ':' rather than '?' */
	for (int i = 0; i < n; i++) {
		const struct opt *o = refs[i].opt;

		longopts[i] = (struct option){
			o->name, o->type == OPT_FLAG ? no_argument : required_argument, NULL,
			o->short_name ? o->short_name : OPTS_LONG_BASE + i};
		if (o->short_name) {
			shortopts[s++] = o->short_name;
			if (o->type != OPT_FLAG)
				shortopts[s++] = ':';
		}
	}
	shortopts[s] = '\0';
	memset(&longopts[n], 0, sizeof(longopts[n]));

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct opt_ref *ref = NULL;
		const char *arg = argv[optind - 1];

		if (c == '?') {
			/* options may follow the interval, so "-1" arrives here as an option */
			if (arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9' &&
			    (tool->common & COMMON_INTERVAL))
				opts_die(tool, "invalid interval '%s': a number of seconds above 0",
					 arg);
			/* "--json=1": getopt reports the flag's short name, which misleads */
			if (!strncmp(arg, "--", 2) && strchr(arg, '=')) {
				size_t len = strchr(arg, '=') - arg - 2;

				for (int i = 0; i < n; i++)
					if (refs[i].opt->type == OPT_FLAG &&
					    strlen(refs[i].opt->name) == len &&
					    !strncmp(refs[i].opt->name, arg + 2, len))
						opts_die(tool, "option '--%s' takes no value",
							 refs[i].opt->name);
			}
			if (optopt && optopt < OPTS_LONG_BASE)
				opts_die(tool, "unknown option '-%c'", optopt);
			opts_die(tool, "unknown option '%s'", arg);
		}
		if (c == ':')
			opts_die(tool, "option '%s' needs a value", argv[optind - 1]);
		for (int i = 0; i < n && !ref; i++)
			if ((refs[i].opt->short_name && refs[i].opt->short_name == c) ||
			    c == OPTS_LONG_BASE + i)
				ref = &refs[i];
		if (!ref)
			opts_die(tool, "unknown option '%s'", argv[optind - 1]);
		if (!strcmp(ref->opt->name, "help")) {
			opts_usage(tool, stdout);
			exit(0);
		}
		if (!strcmp(ref->opt->name, "version")) {
			printf("%s (kscope) %s\n", tool->name, KSCOPE_VERSION);
			exit(0);
		}
		if (opts_store(ref, optarg, why, sizeof(why)))
			opts_die(tool, "invalid --%s '%s': %s", ref->opt->name, optarg, why);
	}
	opts_positionals(tool, argc, argv, common);

	if (common->cgroup_path && cgroup_resolve(common->cgroup_path, &common->cgroup_id,
						  &common->cgroup_level, why, sizeof(why)))
		opts_die(tool, "invalid --cgroup '%s': %s", common->cgroup_path, why);
	out_init(tool->name, common->json, common->verbose);
	if (common->cgroup_path)
		out_debug("--cgroup '%s' is cgroup id %llu, %d below the root", common->cgroup_path,
			  (unsigned long long)common->cgroup_id, common->cgroup_level);
	if (common->containers)
		cgroup_containers_check();
	/* before anything is loaded, not when the first interval ends */
	if (common->prom_file && prom_check(common->prom_file, why, sizeof(why)))
		opts_die(tool, "invalid --prom-file '%s': %s", common->prom_file, why);
}

int opts_parse_ports(const char *arg, __u8 *bitmap, char *why, size_t why_len)
{
	const char *p = arg;

	if (!*p) {
		snprintf(why, why_len, "empty port list");
		return -1;
	}
	while (*p) {
		char *end;
		long lo, hi;

		errno = 0;
		lo = strtol(p, &end, 10);
		if (end == p || errno || lo < 1 || lo > 65535)
			goto bad;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p || errno || hi < lo || hi > 65535)
				goto bad;
		}
		for (long port = lo; port <= hi; port++)
			bitmap[port / 8] |= 1 << (port % 8);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	return 0;
bad:
	snprintf(why, why_len, "expected ports or ranges like 80,443,8000-8100 (1-65535)");
	return -1;
}
