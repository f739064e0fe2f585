// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "events.h"
#include "out.h"
#include "setup.h"

/* The stream rate a default ring buffer holds for a second while the reader is away. */
#define EVENTS_PEAK_RATE 50000
/* bpf_ringbuf_reserve()'s header in front of each record, rounded up to 8 bytes */
#define EVENTS_RECORD_HDR 8
/* stdout's buffer when it is a file or a pipe: ~300 events a write() */
#define EVENTS_STDOUT_BUF (64 * 1024)

int events_ring_size(struct bpf_map *ringbuf, size_t event_size, long ring_mb)
{
	__u64 want =
		ring_mb ? (__u64)ring_mb << 20
			: (__u64)EVENTS_PEAK_RATE * ((event_size + EVENTS_RECORD_HDR + 7) & ~7ul);
	__u64 size = 256 * 1024;

	/* the kernel wants a power of two, a multiple of the page size */
	while (size < want)
		size <<= 1;
	return bpf_map__set_max_entries(ringbuf, size);
}

int events_open(struct events *ev, struct bpf_map *ringbuf, ring_buffer_sample_fn fn, void *ctx,
		volatile __u64 *lost)
{
	ev->lost = lost;
	ev->lost_reported = 0;
	ev->rb = ring_buffer__new(bpf_map__fd(ringbuf), fn, ctx, NULL);
	if (!ev->rb) {
		setup_explain(-errno, "open the event ring buffer");
		return -1;
	}
	/*
	 * Into a file or a pipe, a large buffer flushed once per drain; a terminal keeps stdio's
	 * line buffering, so a person watching sees each event as it is printed.
	 */
	if (!isatty(STDOUT_FILENO)) {
		fflush(stdout);
		setvbuf(stdout, NULL, _IOFBF, EVENTS_STDOUT_BUF);
	}
	return 0;
}

int events_poll(struct events *ev, int timeout_ms)
{
	int n, more;

	out_batch(true);
	n = ring_buffer__poll(ev->rb, timeout_ms);
	/* a signal interrupting the wait is how the loop learns it should stop */
	if (n == -EINTR)
		n = 0;
	/*
	 * The programs submit without waking us until the ring is a quarter full
	 * (kscope_event_submit), so a wait that timed out still has events to read.
	 */
	if (n >= 0) {
		more = ring_buffer__consume(ev->rb);
		n = more < 0 ? more : n + more;
	}
	out_batch(false);
	return n;
}

__u64 events_lost_check(struct events *ev)
{
	__u64 total = ev->lost ? *ev->lost : 0;

	if (total > ev->lost_reported) {
		out_note("%llu events lost: the ring buffer was full (%llu lost in total)",
			 (unsigned long long)(total - ev->lost_reported),
			 (unsigned long long)total);
		ev->lost_reported = total;
	}
	return total;
}

void events_close(struct events *ev)
{
	ring_buffer__free(ev->rb);
	ev->rb = NULL;
}
