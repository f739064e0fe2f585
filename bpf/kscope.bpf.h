/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers every kscope BPF program uses: the log2 slot, the in-kernel pid/cgroup filter and
 * ring-buffer reservation that counts what it could not deliver.  Include after vmlinux.h.
 */
#ifndef KSCOPE_BPF_H
#define KSCOPE_BPF_H

#include <bpf/bpf_helpers.h>
#include "kscope.h"
/* the unit tests compile this header as plain C, where vmlinux.h's BPF_RB_* do not exist */
#ifndef __bpf__
#include <linux/bpf.h>
#endif

/* Filters, set by the loader through the skeleton's rodata before load. */
const volatile __u32 filter_tgid = 0;
const volatile __u64 filter_cgroup_id = 0;
const volatile __u32 filter_cgroup_level = 0;

/* Events that bpf_ringbuf_reserve() could not place: the loader reports them as lost. */
__u64 kscope_lost_events = 0;

/* The BPF backend has no count-leading-zeros: binary search for the highest set bit. */
static __always_inline __u32 kscope_log2_slot(__u64 v)
{
	__u32 slot = 0, shift;

	if (!v)
		return 0;
	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	slot |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	slot |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	slot |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	slot |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	slot |= shift;
	slot |= (v >> 1);
	return slot + 1;
}

/*
 * The slot as an index into a u64[HIST_SLOTS] array: bounded so that the verifier (6.1's
 * included) can see it, because a clamp on a copy of the register is lost in clang's output.
 * Values of 2^63 and above share slot 63 with the half below them.
 */
static __always_inline __u32 kscope_hist_slot(__u64 v)
{
	if (v >> 63)
		return 63;
	return kscope_log2_slot(v) & 63;
}

/*
 * True when the current task passes the -p and -c filters.  The cgroup filter matches the
 * cgroup and everything below it (a container's processes often sit in child cgroups), by
 * comparing the current task's ancestor at the filter's depth.
 */
static __always_inline bool kscope_task_selected(void)
{
	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid)
		return false;
	if (filter_cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id(filter_cgroup_level) != filter_cgroup_id)
		return false;
	return true;
}

static __always_inline void *kscope_event_reserve(void *ringbuf, __u64 size)
{
	void *e = bpf_ringbuf_reserve(ringbuf, size, 0);

	if (!e)
		__sync_fetch_and_add(&kscope_lost_events, 1);
	return e;
}

/*
 * Submit without waking the reader until the ring is a quarter full.  A wakeup per event (an
 * irq_work, then an epoll wakeup and a context switch of the reader) costs more than the event
 * itself at 50k events/s; the reader drains on its own every 100 ms (events_poll), so a quiet
 * stream's events are at most that late, and a busy one's wake it long before the ring fills.
 */
static __always_inline void kscope_event_submit(void *ringbuf, void *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA) >=
	    bpf_ringbuf_query(ringbuf, BPF_RB_RING_SIZE) / 4)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

#endif /* KSCOPE_BPF_H */
