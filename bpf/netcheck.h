/* SPDX-License-Identifier: GPL-2.0 */
/* netcheck watch: what the BPF side aggregates and the loader reads each interval. */
#ifndef NETCHECK_H
#define NETCHECK_H

#include "kscope.h"

/* softirq vectors as the kernel numbers them (HI_SOFTIRQ .. RCU_SOFTIRQ) */
#define NETCHECK_NR_SOFTIRQS 10
#define NETCHECK_NET_TX 2
#define NETCHECK_NET_RX 3

#define NETCHECK_MAX_PROCS 1024
#define NETCHECK_MAX_IRQS 1024
#define NETCHECK_MAX_NAPI 256
#define NETCHECK_DEV_LEN 16

/*
 * Per process (tgid), one copy per CPU: epoll_wait/epoll_pwait/epoll_pwait2 calls.
 * timeout_hist holds positive timeouts in ms (log2 slots); blocking (-1) and busy polling (0)
 * calls are counted apart because they are the two settings a benchmark has to choose between.
 */
/* the counters of struct netcheck_proc: the __u64s from calls on */
#define NETCHECK_PROC_COUNTERS (8 + 3 * HIST_SLOTS)

struct netcheck_proc {
	char comm[KSCOPE_COMM_LEN];
	__u64 calls;			/* calls that returned */
	__u64 errors;			/* returned < 0 (EINTR mostly) */
	__u64 events;			/* sum of events returned */
	__u64 timeout_block;		/* timeout < 0: wait forever */
	__u64 timeout_zero;		/* timeout 0: never sleeps */
	__u64 slept;			/* calls during which the thread went to sleep */
	__u64 incall_ns;		/* time inside the calls */
	__u64 wake_ns;			/* sum of wakeup-to-running delays */
	__u64 timeout_hist[HIST_SLOTS]; /* ms */
	__u64 events_hist[HIST_SLOTS];	/* events per call */
	__u64 wake_hist[HIST_SLOTS];	/* us from wakeup to running again */
};

/* Per CPU (a per-CPU array with one slot). */
struct netcheck_cpu {
	__u64 hardirqs;
	__u64 hardirq_ns;
	__u64 softirqs[NETCHECK_NR_SOFTIRQS];
	__u64 softirq_ns[NETCHECK_NR_SOFTIRQS];
	__u64 napi_polls;
	__u64 napi_work; /* packets handled by those polls */
	__u64 napi_full; /* polls that used their whole budget: more was waiting */
	/* epoll_wait calls that returned, apart from the per-process table (which evicts) */
	__u64 epoll_calls;
};

/* Per CPU copy of one IRQ's count and time (key: irq number). */
struct netcheck_irq {
	__u64 count;
	__u64 ns;
};

/* NAPI polls per device and CPU: where a NIC's traffic lands. */
struct netcheck_napi_key {
	char dev[NETCHECK_DEV_LEN];
	__u32 cpu;
};

struct netcheck_napi {
	__u64 polls;
	__u64 work;
	__u64 full;
	__u64 work_hist[HIST_SLOTS]; /* packets per poll */
};

#endif /* NETCHECK_H */
