// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "out.h"
#include "probe.h"
#include "setup.h"

bool probe_tracepoint(const char *category, const char *name)
{
	const char *tracefs = setup_tracefs();
	char path[512];
	struct stat st;

	if (!tracefs)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s", tracefs, category, name);
	/* stat, not access(): access() drops the capabilities a non-root tool runs with */
	return !stat(path, &st);
}

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (!btf)
			btf = NULL;
	}
	return btf;
}

bool probe_kernel_func(const char *name)
{
	struct btf *btf = vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) >= 0;
}

/* Load "r0 = 0; exit" as fentry on func and attach it: only that proves fentry works here. */
static bool fentry_try(const char *func)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct btf *btf = vmlinux_btf();
	int id, prog_fd, link_fd;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return false;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = id);
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "kscope_probe", "GPL", insns, 2, &opts);
	if (prog_fd < 0)
		return false;
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (link_fd >= 0)
		close(link_fd);
	close(prog_fd);
	return link_fd >= 0;
}

bool probe_fentry(const char *func)
{
	static struct {
		const char *func;
		bool ok;
	} cache[16];
	static int n;

	for (int i = 0; i < n; i++)
		if (!strcmp(cache[i].func, func))
			return cache[i].ok;
	bool ok = fentry_try(func);

	if (n < 16)
		cache[n++] = (typeof(cache[0])){func, ok};
	return ok;
}

static bool kprobes_available(void)
{
	const char *tracefs = setup_tracefs();
	char path[512];
	struct stat st;

	if (!stat("/sys/bus/event_source/devices/kprobe/type", &st))
		return true;
	if (!tracefs)
		return false;
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	return !stat(path, &st);
}

static bool kallsyms_has(const char *func)
{
	char line[512], sym[256], type;
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %c %255s", &type, sym) == 2 && (type == 't' || type == 'T'))
			found = !strcmp(sym, func);
	fclose(f);
	return found;
}

bool probe_kprobe(const char *func)
{
	return kprobes_available() && kallsyms_has(func);
}

/*
 * KSCOPE_HOOKS=tracepoint|kprobe caps how rich a hook the plans may choose, so the cheaper
 * path can be compared with the richer one on the same kernel (tests/vm does).
 */
static bool hook_allowed(enum hook_kind kind)
{
	const char *cap = getenv("KSCOPE_HOOKS");

	if (!cap || !*cap || !strcmp(cap, "fentry"))
		return true;
	if (!strcmp(cap, "kprobe"))
		return kind != HOOK_FENTRY;
	return kind == HOOK_TRACEPOINT;
}

static bool choice_works(const struct plan_choice *c, char *why, size_t len)
{
	char cat[64], name[128];

	if (!hook_allowed(c->kind)) {
		snprintf(why, len, "%s left out by KSCOPE_HOOKS=%s",
			 c->kind == HOOK_FENTRY ? "fentry" : "kprobe", getenv("KSCOPE_HOOKS"));
		return false;
	}
	switch (c->kind) {
	case HOOK_FENTRY:
		if (!probe_kernel_func(c->target)) {
			snprintf(why, len, "%s has no BTF entry (inlined or absent)", c->target);
			return false;
		}
		if (!probe_fentry(c->target)) {
			snprintf(why, len, "fentry not allowed by this kernel");
			return false;
		}
		return true;
	case HOOK_KPROBE:
		if (!kprobes_available()) {
			snprintf(why, len, "no kprobes (CONFIG_KPROBES)");
			return false;
		}
		if (!kallsyms_has(c->target)) {
			snprintf(why, len, "%s is not a probeable symbol", c->target);
			return false;
		}
		return true;
	case HOOK_TRACEPOINT:
		if (sscanf(c->target, "%63[^:]:%127s", cat, name) != 2 ||
		    !probe_tracepoint(cat, name)) {
			snprintf(why, len, "no tracepoint %s", c->target);
			return false;
		}
		return true;
	}
	return false;
}

static const char *hook_name(enum hook_kind kind)
{
	switch (kind) {
	case HOOK_FENTRY:
		return "fentry";
	case HOOK_KPROBE:
		return "kprobe";
	case HOOK_TRACEPOINT:
		return "tracepoint";
	}
	return "?";
}

const char *plan_describe(const struct plan_item *item, char *buf, size_t len)
{
	if (item->chosen < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%s %s", hook_name(item->choices[item->chosen].kind),
			 item->choices[item->chosen].target);
	return buf;
}

static void choice_autoload(const struct plan_choice *c, bool on)
{
	for (int p = 0; p < 3; p++)
		if (c->progs[p])
			bpf_program__set_autoload(c->progs[p], on);
}

int plan_choose(struct plan_item *items, int n)
{
	int unmeasured = 0;

	for (int i = 0; i < n; i++) {
		struct plan_item *item = &items[i];
		char missing[512] = "", why[160], desc[160];
		size_t used = 0;

		item->chosen = -1;
		for (int c = 0; c < PLAN_MAX_CHOICES && item->choices[c].target; c++) {
			choice_autoload(&item->choices[c], false);
			if (item->chosen >= 0)
				continue;
			if (choice_works(&item->choices[c], why, sizeof(why))) {
				item->chosen = c;
				continue;
			}
			used += snprintf(missing + used,
					 used < sizeof(missing) ? sizeof(missing) - used : 0,
					 "%s%s", used ? "; " : "", why);
		}
		plan_describe(item, desc, sizeof(desc));
		if (item->chosen < 0) {
			unmeasured++;
			out_note("%s: not measured (%s): %s", item->what, missing, item->degraded);
		} else if (item->chosen > 0) {
			out_note("%s: using %s (%s)", item->what, desc, missing);
		} else {
			out_debug("%s: using %s", item->what, desc);
		}
	}
	/* a program may serve several items: enable the chosen ones after all were disabled */
	for (int i = 0; i < n; i++)
		if (items[i].chosen >= 0)
			choice_autoload(&items[i].choices[items[i].chosen], true);
	return unmeasured;
}
