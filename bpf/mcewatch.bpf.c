// SPDX-License-Identifier: GPL-2.0
/*
 * mcewatch: every RAS event through the ring buffer, whole.  Machine checks are rare and
 * each one matters, so nothing is aggregated here; the loader decodes and counts them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kscope.bpf.h"
#include "mcewatch.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * mce:mce_record's record.  This vmlinux.h comes from a kernel without CONFIG_X86_MCE, so
 * the struct is declared here; the ___kscope flavour makes CO-RE match it by field name
 * against the running kernel's trace_event_raw_mce_record (ppin and microcode, added in
 * later kernels, are not read, so 5.x and 6.x layouts both work).
 */
struct trace_event_raw_mce_record___kscope {
	struct trace_entry ent;
	u64 mcgcap;
	u64 mcgstatus;
	u64 status;
	u64 addr;
	u64 misc;
	u64 synd;
	u64 ipid;
	u64 ip;
	u64 tsc;
	u64 walltime;
	u32 cpu;
	u32 cpuid;
	u32 apicid;
	u32 socketid;
	u8 cs;
	u8 bank;
	u8 cpuvendor;
} __attribute__((preserve_access_index));

/* ras:aer_event, absent from this vmlinux.h too (no CONFIG_PCIEAER here). */
struct trace_event_raw_aer_event___kscope {
	struct trace_entry ent;
	u32 __data_loc_dev_name;
	u32 status;
	u8 severity;
	u8 tlp_header_valid;
} __attribute__((preserve_access_index));

static __always_inline struct mcewatch_event *mcewatch_reserve(__u32 kind)
{
	struct mcewatch_event *e = kscope_event_reserve(&events, sizeof(*e));

	if (!e)
		return NULL;
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	return e;
}

/* A __data_loc field: offset from the record's start in the low 16 bits, length above. */
static __always_inline void mcewatch_read_loc(char *dst, __u32 size, void *rec, __u32 loc)
{
	if (bpf_probe_read_kernel_str(dst, size, rec + (loc & 0xffff)) < 0)
		dst[0] = '\0';
}

SEC("tracepoint/mce/mce_record")
int mcewatch_mce_record(struct trace_event_raw_mce_record___kscope *ctx)
{
	struct mcewatch_event *e = mcewatch_reserve(MCEWATCH_MCE);

	if (!e)
		return 0;
	e->mce.mcgcap = ctx->mcgcap;
	e->mce.mcgstatus = ctx->mcgstatus;
	e->mce.status = ctx->status;
	e->mce.addr = ctx->addr;
	e->mce.misc = ctx->misc;
	e->mce.synd = ctx->synd;
	e->mce.ipid = ctx->ipid;
	e->mce.ip = ctx->ip;
	e->mce.tsc = ctx->tsc;
	e->mce.walltime = ctx->walltime;
	e->mce.cpu = ctx->cpu;
	e->mce.cpuid = ctx->cpuid;
	e->mce.apicid = ctx->apicid;
	e->mce.socketid = ctx->socketid;
	e->mce.cs = ctx->cs;
	e->mce.bank = ctx->bank;
	e->mce.cpuvendor = ctx->cpuvendor;
	e->mce.pad = 0;
	kscope_event_submit(&events, e);
	return 0;
}

SEC("tracepoint/ras/mc_event")
int mcewatch_mc_event(struct trace_event_raw_mc_event *ctx)
{
	struct mcewatch_event *e = mcewatch_reserve(MCEWATCH_MC_EVENT);

	if (!e)
		return 0;
	e->mc.error_type = ctx->error_type;
	e->mc.error_count = ctx->error_count;
	e->mc.mc_index = ctx->mc_index;
	e->mc.grain_bits = ctx->grain_bits;
	e->mc.layer[0] = ctx->top_layer;
	e->mc.layer[1] = ctx->middle_layer;
	e->mc.layer[2] = ctx->lower_layer;
	e->mc.pad = 0;
	e->mc.address = ctx->address;
	e->mc.syndrome = ctx->syndrome;
	mcewatch_read_loc(e->mc.msg, sizeof(e->mc.msg), ctx, ctx->__data_loc_msg);
	mcewatch_read_loc(e->mc.label, sizeof(e->mc.label), ctx, ctx->__data_loc_label);
	mcewatch_read_loc(e->mc.detail, sizeof(e->mc.detail), ctx, ctx->__data_loc_driver_detail);
	kscope_event_submit(&events, e);
	return 0;
}

SEC("tracepoint/ras/aer_event")
int mcewatch_aer_event(struct trace_event_raw_aer_event___kscope *ctx)
{
	struct mcewatch_event *e = mcewatch_reserve(MCEWATCH_AER);

	if (!e)
		return 0;
	e->aer.status = ctx->status;
	e->aer.severity = ctx->severity;
	e->aer.tlp_header_valid = ctx->tlp_header_valid;
	e->aer.pad[0] = e->aer.pad[1] = 0;
	mcewatch_read_loc(e->aer.dev_name, sizeof(e->aer.dev_name), ctx, ctx->__data_loc_dev_name);
	kscope_event_submit(&events, e);
	return 0;
}
