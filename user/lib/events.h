/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ring-buffer consumption with a running total of what was lost.  The BPF side reserves
 * through kscope_event_reserve(), which counts failures in kscope_lost_events; this reads that
 * counter and prints "N events lost" as it grows and in the final summary.
 */
#ifndef KSCOPE_EVENTS_H
#define KSCOPE_EVENTS_H

#include <bpf/libbpf.h>
#include <linux/types.h>

struct events {
	struct ring_buffer *rb;
	volatile __u64 *lost; /* &skel->bss->kscope_lost_events */
	__u64 lost_reported;
};

/*
 * Before the skeleton's load: the ring buffer holds a second of a 50k events/s stream of
 * event_size records, or ring_mb MiB when --ring-mb gave it.  Returns 0 or -errno.
 */
int events_ring_size(struct bpf_map *ringbuf, size_t event_size, long ring_mb);
/* Returns 0 or -1 after out_error(); makes stdout block-buffered when it is not a terminal. */
int events_open(struct events *ev, struct bpf_map *ringbuf, ring_buffer_sample_fn fn, void *ctx,
		volatile __u64 *lost);
/*
 * Wait up to timeout_ms for a wakeup, then consume everything there, with stdout flushed once
 * at the end; returns events consumed or -errno.
 */
int events_poll(struct events *ev, int timeout_ms);
/* Total lost so far; prints a note when it grew since the last call. */
__u64 events_lost_check(struct events *ev);
void events_close(struct events *ev);

#endif /* KSCOPE_EVENTS_H */
