/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every loader does before opening its skeleton: check privileges and kernel BTF, make
 * sure tracefs is mounted (libbpf attaches tracepoints through it), route libbpf's own output
 * to -v only.  Each failure is one sentence that says what to do.
 */
#ifndef KSCOPE_SETUP_H
#define KSCOPE_SETUP_H

#include <stdbool.h>
#include <bpf/libbpf.h>

/* Returns 0, or -1 after out_error() has said why; the tool exits 1. */
int setup_check(void);

/*
 * Options for <tool>__open_opts().  Without CAP_SYS_ADMIN the kernel does not list module BTFs
 * (EPERM), and libbpf fails a CO-RE relocation whose type vmlinux lacks (forklat's pre-6.2
 * mm_rss_stat) while it looks for it in modules; naming vmlinux's BTF explicitly makes libbpf
 * search vmlinux only, which is where every kscope type lives.
 */
const struct bpf_object_open_opts *setup_open_opts(void);

/* Mount point of tracefs, mounting it at /sys/kernel/tracing when needed; NULL if impossible. */
const char *setup_tracefs(void);

/*
 * Explain a libbpf failure of open/load/attach (err is libbpf's negative errno) in one
 * sentence through out_error().  what names the step: "load the BPF programs".
 */
void setup_explain(int err, const char *what);

/* With -v: one line per attached program, "attached tp_btf/sched_switch (netcheck_switch)". */
void setup_report_attached(struct bpf_object *obj);

/*
 * The steps every loader takes after configuring its skeleton (s is skel->skeleton): load,
 * start the cost accounting (cost_start, unless no_bpf_stats), install the signal handlers,
 * attach, and with -v report each attached program.  A failure is explained in one sentence
 * (setup_explain).  Returns 0, or 1 (the tool's exit status) once the failure is explained.
 */
int setup_load_attach(struct bpf_object_skeleton *s, bool no_bpf_stats);

/* Sum of recursion_misses over the object's loaded programs: events the kernel skipped. */
__u64 setup_prog_misses(struct bpf_object *obj);

#endif /* KSCOPE_SETUP_H */
