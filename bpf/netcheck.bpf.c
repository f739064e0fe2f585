// SPDX-License-Identifier: GPL-2.0
/*
 * netcheck watch: the settings a network benchmark depends on, as the kernel lives them.
 * epoll_wait: the timeout passed, the events returned, whether the thread slept and how long
 * it took from its wakeup to running again.  Per CPU: hardirqs, softirqs (every vector, so the
 * counts can be held against /proc/softirqs) and NAPI polls with the packets each handled.
 *
 * The interrupt-side hooks are tp_btf: their recursion guard is per program, so a softirq that
 * interrupts another BPF program on the same CPU is still counted (a classic tracepoint
 * program would be skipped there, and /proc/softirqs would disagree).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kscope.bpf.h"
#include "netcheck.h"

/* Which parts run; the loader turns off the others' autoload too. */
const volatile bool trace_epoll = true;

struct netcheck_thread {
	__u64 enter_ns;
	__u64 wakeup_ns; /* set by sched_wakeup while the thread sleeps in the call */
	__s64 timeout_ms;
	__u8 slept;
};

/*
 * A thread's epoll_wait call in flight (enter_ns 0: none), in task-local storage: the
 * context-switch and wakeup hooks, which run for every task on the host, find it through the
 * task pointer they are given instead of hashing a thread id, and a call no longer costs an
 * insert and a delete.  The kernel frees it with the task.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct netcheck_thread);
} netcheck_threads SEC(".maps");

/* the task's call in flight, or NULL */
static __always_inline struct netcheck_thread *thread_in_call(struct task_struct *task)
{
	struct netcheck_thread *t = bpf_task_storage_get(&netcheck_threads, task, 0, 0);

	return t && t->enter_ns ? t : NULL;
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, NETCHECK_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct netcheck_proc);
} netcheck_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct netcheck_cpu);
} netcheck_cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NETCHECK_MAX_IRQS);
	__type(key, __u32);
	__type(value, struct netcheck_irq);
} netcheck_irqs SEC(".maps");

/* key includes the CPU, so each entry is only ever written from one CPU */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NETCHECK_MAX_NAPI);
	__type(key, struct netcheck_napi_key);
	__type(value, struct netcheck_napi);
} netcheck_napis SEC(".maps");

/* Entry timestamps of the interrupt handlers running on this CPU. */
struct netcheck_irq_start {
	__u64 hardirq_ns;
	__u64 softirq_ns[NETCHECK_NR_SOFTIRQS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct netcheck_irq_start);
} netcheck_irq_starts SEC(".maps");

static struct netcheck_proc zero_proc;

static struct netcheck_irq zero_irq;
static struct netcheck_napi zero_napi;

static __always_inline int epoll_enter(__s64 timeout_ms)
{
	struct netcheck_thread *t;

	if (!kscope_task_selected())
		return 0;
	t = bpf_task_storage_get(&netcheck_threads, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	t->wakeup_ns = 0;
	t->timeout_ms = timeout_ms;
	t->slept = 0;
	t->enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_epoll_wait")
int netcheck_epoll_wait(struct trace_event_raw_sys_enter *ctx)
{
	return epoll_enter((int)ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait")
int netcheck_epoll_pwait(struct trace_event_raw_sys_enter *ctx)
{
	return epoll_enter((int)ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait2")
int netcheck_epoll_pwait2(struct trace_event_raw_sys_enter *ctx)
{
	struct __kernel_timespec ts;
	const void *uts = (const void *)ctx->args[3];

	/* a NULL timespec blocks; an unreadable one makes the call fail anyway */
	if (!uts || bpf_probe_read_user(&ts, sizeof(ts), uts) || ts.tv_sec < 0 || ts.tv_nsec < 0)
		return epoll_enter(-1);
	/* round up: 0.5 ms is not busy polling */
	return epoll_enter(ts.tv_sec * 1000 + ((__u64)ts.tv_nsec + 999999) / 1000000);
}

static __always_inline struct netcheck_proc *proc_get(__u32 tgid)
{
	struct netcheck_proc *p;

	p = bpf_map_lookup_elem(&netcheck_procs, &tgid);
	if (p)
		return p;
	bpf_map_update_elem(&netcheck_procs, &tgid, &zero_proc, BPF_NOEXIST);
	p = bpf_map_lookup_elem(&netcheck_procs, &tgid);
	if (p && !p->comm[0])
		bpf_get_current_comm(p->comm, sizeof(p->comm));
	return p;
}

static __always_inline int epoll_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, zero = 0;
	struct netcheck_thread *t;
	struct netcheck_proc *p;
	struct netcheck_cpu *c;
	__u64 now = bpf_ktime_get_ns();

	/* calls already running when netcheck started have no entry and are not counted */
	t = thread_in_call(bpf_get_current_task_btf());
	if (!t)
		return 0;
	c = bpf_map_lookup_elem(&netcheck_cpus, &zero);
	if (c)
		c->epoll_calls++;
	p = proc_get(tgid);
	if (!p)
		goto out;
	p->calls++;
	p->incall_ns += now - t->enter_ns;
	if (t->timeout_ms < 0)
		p->timeout_block++;
	else if (t->timeout_ms == 0)
		p->timeout_zero++;
	else
		p->timeout_hist[kscope_hist_slot(t->timeout_ms)]++;
	if (t->slept)
		p->slept++;
	if (ret < 0) {
		p->errors++;
	} else {
		p->events += ret;
		p->events_hist[kscope_hist_slot(ret)]++;
	}
out:
	t->enter_ns = 0;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_wait")
int netcheck_epoll_wait_exit(struct trace_event_raw_sys_exit *ctx)
{
	return epoll_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait")
int netcheck_epoll_pwait_exit(struct trace_event_raw_sys_exit *ctx)
{
	return epoll_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait2")
int netcheck_epoll_pwait2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return epoll_exit(ctx->ret);
}

struct task_struct___o {
	volatile long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___o *o = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ(o, state);
}

/*
 * A thread in epoll_wait that leaves the CPU in a sleeping state slept in the call (being
 * preempted while runnable is not sleeping); when it comes back after a wakeup, the delay
 * is what a blocking epoll_wait costs on top of the packet's own latency.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(netcheck_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct netcheck_thread *t;
	struct netcheck_proc *p;
	__u64 now, delta;
	__u32 tgid;

	t = thread_in_call(prev);
	if (t && task_state(prev) != 0)
		t->slept = 1;

	t = thread_in_call(next);
	if (!t || !t->wakeup_ns)
		return 0;
	now = bpf_ktime_get_ns();
	delta = now - t->wakeup_ns;
	t->wakeup_ns = 0;
	tgid = BPF_CORE_READ(next, tgid);
	p = bpf_map_lookup_elem(&netcheck_procs, &tgid);
	if (!p) {
		bpf_map_update_elem(&netcheck_procs, &tgid, &zero_proc, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&netcheck_procs, &tgid);
		if (!p)
			return 0;
		/* comm of the thread coming in: the current task is still prev */
		bpf_core_read_str(p->comm, sizeof(p->comm), &next->comm);
	}
	p->wake_ns += delta;
	p->wake_hist[kscope_hist_slot(delta / 1000)]++;
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(netcheck_sched_wakeup, struct task_struct *task)
{
	struct netcheck_thread *t;

	t = thread_in_call(task);
	if (t && t->slept)
		t->wakeup_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(netcheck_irq_entry, int irq)
{
	__u32 zero = 0;
	struct netcheck_irq_start *s = bpf_map_lookup_elem(&netcheck_irq_starts, &zero);

	if (s)
		s->hardirq_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(netcheck_irq_exit, int irq)
{
	__u32 zero = 0, key = irq;
	struct netcheck_irq_start *s = bpf_map_lookup_elem(&netcheck_irq_starts, &zero);
	struct netcheck_cpu *c = bpf_map_lookup_elem(&netcheck_cpus, &zero);
	struct netcheck_irq *i;
	__u64 delta = 0;

	if (!s || !c)
		return 0;
	if (s->hardirq_ns)
		delta = bpf_ktime_get_ns() - s->hardirq_ns;
	s->hardirq_ns = 0;
	c->hardirqs++;
	c->hardirq_ns += delta;
	i = bpf_map_lookup_elem(&netcheck_irqs, &key);
	if (!i) {
		bpf_map_update_elem(&netcheck_irqs, &key, &zero_irq, BPF_NOEXIST);
		i = bpf_map_lookup_elem(&netcheck_irqs, &key);
		if (!i)
			return 0;
	}
	i->count++;
	i->ns += delta;
	return 0;
}

/*
 * /proc/softirqs counts in the same place as softirq_entry fires (handle_softirqs), so the
 * count is taken at entry: a handler still running when an interval ends is already in both.
 */
SEC("tp_btf/softirq_entry")
int BPF_PROG(netcheck_softirq_entry, unsigned int vec)
{
	__u32 zero = 0;
	struct netcheck_irq_start *s = bpf_map_lookup_elem(&netcheck_irq_starts, &zero);
	struct netcheck_cpu *c = bpf_map_lookup_elem(&netcheck_cpus, &zero);

	if (!s || !c || vec >= NETCHECK_NR_SOFTIRQS)
		return 0;
	c->softirqs[vec]++;
	s->softirq_ns[vec] = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(netcheck_softirq_exit, unsigned int vec)
{
	__u32 zero = 0;
	struct netcheck_irq_start *s = bpf_map_lookup_elem(&netcheck_irq_starts, &zero);
	struct netcheck_cpu *c = bpf_map_lookup_elem(&netcheck_cpus, &zero);

	if (!s || !c || vec >= NETCHECK_NR_SOFTIRQS || !s->softirq_ns[vec])
		return 0;
	c->softirq_ns[vec] += bpf_ktime_get_ns() - s->softirq_ns[vec];
	s->softirq_ns[vec] = 0;
	return 0;
}

SEC("tp_btf/napi_poll")
int BPF_PROG(netcheck_napi_poll, struct napi_struct *napi, int work, int budget)
{
	__u32 zero = 0;
	struct netcheck_cpu *c = bpf_map_lookup_elem(&netcheck_cpus, &zero);
	struct netcheck_napi_key key = {};
	struct net_device *dev;
	struct netcheck_napi *n;

	if (!c)
		return 0;
	c->napi_polls++;
	c->napi_work += work;
	if (work >= budget)
		c->napi_full++;

	key.cpu = bpf_get_smp_processor_id();
	/*
	 * napi is a BTF pointer: the name is read by two plain loads, not a string helper (~30 ns
	 * of the ~200 a poll cost, docs/netcheck.md).  The bytes after the name's NUL come too: the
	 * same ones at every poll of a device, so its row is still one (the loader stops at NUL).
	 */
	dev = napi->dev;
	/* the per-CPU backlog (loopback, RPS targets) has no device */
	if (dev)
		__builtin_memcpy(key.dev, dev->name, sizeof(key.dev));
	else
		__builtin_memcpy(key.dev, "backlog", 8);
	n = bpf_map_lookup_elem(&netcheck_napis, &key);
	if (!n) {
		bpf_map_update_elem(&netcheck_napis, &key, &zero_napi, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&netcheck_napis, &key);
		if (!n)
			return 0;
	}
	n->polls++;
	n->work += work;
	if (work >= budget)
		n->full++;
	n->work_hist[kscope_hist_slot(work)]++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
