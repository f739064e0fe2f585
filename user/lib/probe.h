/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Feature probing and the attach plan.  A tool lists, for each thing it measures, the
 * programs that can measure it from the richest hook to the cheapest fallback (fentry, then
 * kprobe, then tracepoint).  Before load, the plan probes what this kernel allows, keeps one
 * program per item, turns the others' autoload off and says in one line what is degraded.
 */
#ifndef KSCOPE_PROBE_H
#define KSCOPE_PROBE_H

#include <stdbool.h>
#include <bpf/libbpf.h>

enum hook_kind {
	HOOK_FENTRY,	 /* fentry/fexit on a kernel function (BTF) */
	HOOK_KPROBE,	 /* kprobe/kretprobe on a kernel symbol */
	HOOK_TRACEPOINT, /* tracepoint, tp_btf or raw_tp: "category:name" */
};

/* Is the tracepoint in tracefs (e.g. "sock", "inet_sock_set_state")? */
bool probe_tracepoint(const char *category, const char *name);
/* Does the kernel's BTF have this function (a precondition for fentry; not for inlined ones)? */
bool probe_kernel_func(const char *name);
/* Can an fentry program be loaded and attached to this function here? (cached per process) */
bool probe_fentry(const char *func);
/* Are kprobes available at all (CONFIG_KPROBES), and is the symbol probeable? */
bool probe_kprobe(const char *func);

#define PLAN_MAX_CHOICES 4

struct plan_choice {
	enum hook_kind kind;
	const char *target;	      /* function name, or "category:name" for tracepoints */
	struct bpf_program *progs[3]; /* programs that make up this choice (entry, exit...) */
};

struct plan_item {
	const char *what;			      /* "TIME_WAIT entries" */
	struct plan_choice choices[PLAN_MAX_CHOICES]; /* best first; unused have target NULL */
	const char *degraded;			      /* what the user loses when no choice works */
	int chosen;				      /* out: index into choices, -1 when none */
};

/*
 * Choose per item, set autoload of every listed program accordingly (call between
 * skel__open and skel__load).  Prints one note per item that did not get its first choice.
 * Returns the number of items with no working choice.
 */
int plan_choose(struct plan_item *items, int n);

/* "fentry tcp_time_wait", "tracepoint sock:inet_sock_set_state", or "none". */
const char *plan_describe(const struct plan_item *item, char *buf, size_t len);

#endif /* KSCOPE_PROBE_H */
