/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line options, declared once as a table.  The parser validates typed values, handles
 * the options every tool shares, prints --help from the same table and exits 2 with one line
 * on bad input, so a loader never touches argv itself.
 */
#ifndef KSCOPE_OPTS_H
#define KSCOPE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

enum opt_type {
	OPT_FLAG,   /* bool, set to true */
	OPT_INT,    /* long, within [min, max] */
	OPT_UINT64, /* __u64, within [min, max] when max != 0 */
	OPT_DOUBLE, /* double, >= 0 */
	OPT_STRING, /* const char *, non-empty */
	OPT_PORT,   /* __u16, 1..65535 */
	OPT_PID,    /* pid_t of a live process */
	OPT_CUSTOM, /* parse() fills the field or explains why not */
};

/*
 * Where an option stores: the offset and the size of the field, like xdp-tools' DEFINE_OPTION
 * records sizeof_field, so a table entry whose type does not fit its field (OPT_INT into an
 * int, OPT_FLAG into a long) is refused before it writes past or short of the field.
 */
#define OPT_FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)

struct opt {
	const char *name; /* long name, without the dashes */
	int short_name;	  /* 0 when there is none */
	enum opt_type type;
	size_t offset;	     /* OPT_FIELD(): the field in the tool's config struct, */
	size_t size;	     /* and its size, checked against the type at parse time */
	const char *metavar; /* "N", "PATH"...; NULL for flags */
	const char *help;
	long min, max;
	/* OPT_CUSTOM: returns 0, or -1 with a reason ("not a hex number") written to why */
	int (*parse)(const char *arg, void *field, char *why, size_t why_len);
};

/* Options every tool shares; a tool picks the ones that make sense for it. */
enum {
	COMMON_PID = 1 << 0,	    /* -p/--pid */
	COMMON_CGROUP = 1 << 1,	    /* -c/--cgroup */
	COMMON_CONTAINERS = 1 << 2, /* -C/--containers */
	COMMON_INTERVAL = 1 << 3,   /* [interval [count]] positionals */
	COMMON_PROM = 1 << 4,	    /* --prom-file, --prom-top */
	COMMON_EVENTS = 1 << 5,	    /* --ring-mb: the tool streams events through a ring buffer */
};

struct common_opts {
	pid_t pid;		 /* 0: every process */
	const char *cgroup_path; /* as given */
	__u64 cgroup_id;	 /* resolved from cgroup_path; 0 when unset */
	int cgroup_level;	 /* depth below the cgroup v2 root */
	bool containers;
	bool json;
	bool timestamp;
	bool verbose;
	int interval_ms; /* > 0 */
	long count;	 /* intervals to print; 0: until SIGINT/SIGTERM */
	const char *prom_file;
	long prom_top;
	long ring_mb;		/* --ring-mb; 0: events_ring_size() picks */
	bool no_bpf_stats;	/* --no-bpf-stats: cost_start() leaves the BPF run-time stats off */
	const char *prom_label; /* the last --prom-label; all of them are in prom.c's list */
	/* positionals left over when the tool takes free arguments (tool_desc.free_args) */
	int nargs;
	char **args;
};

struct tool_desc {
	const char *name;
	const char *summary;	/* one line: what question the tool answers */
	const char *synopsis;	/* after the options, e.g. "[interval [count]]" */
	unsigned int common;	/* COMMON_* */
	const struct opt *opts; /* tool's own options, ended by an entry with name NULL */
	const char *examples;	/* shown at the end of --help */
	int default_interval_ms;
	bool free_args; /* positionals go to common.args instead of interval/count */
};

/*
 * Parse argv into common and config (the tool's struct, whose fields the opts table names).
 * Exits 0 after --help/--version, 2 after one line on stderr for bad input.
 */
void opts_parse(const struct tool_desc *tool, int argc, char **argv, struct common_opts *common,
		void *config);

void opts_usage(const struct tool_desc *tool, FILE *f);
/*
 * A tool with subcommands (tool_desc names "tool command"): the index in argv of the command
 * word, skipping the options before it and their values, so that options may come before the
 * command as well as after it ("netcheck --prom-file F watch"); 0 when there is none.
 */
int opts_find_command(const struct tool_desc *const *cmds, int ncmds, int argc, char **argv);

/* For OPT_CUSTOM parsers and tools: the "tool: ..." line plus the usage hint, then exit 2. */
void opts_die(const struct tool_desc *tool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Port lists and ranges ("80", "8000-8100", "80,443,8000-8100") into a 65536-bit bitmap. */
int opts_parse_ports(const char *arg, __u8 *bitmap /* 8192 bytes */, char *why, size_t why_len);

#endif /* KSCOPE_OPTS_H */
