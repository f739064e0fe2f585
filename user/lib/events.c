// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "events.h"
#include "out.h"
#include "setup.h"

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
	return 0;
}

int events_poll(struct events *ev, int timeout_ms)
{
	int n = ring_buffer__poll(ev->rb, timeout_ms);

	/* a signal interrupting the wait is how the loop learns it should stop */
	return n == -EINTR ? 0 : n;
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
