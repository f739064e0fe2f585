// SPDX-License-Identifier: GPL-2.0
/*
 * forklat: how long fork-family calls take, for whom, and how big the caller's mm was.
 *
 * The syscall tracepoints time each call from the caller's side; at the return the caller's
 * mm is read (RSS, page-table bytes, VMAs, hugetlb pages: fork changes none of them in the
 * parent), at most every MEM_EVERY_NS per row and for every streamed event.  Where the kernel
 * allows fentry or kprobes, copy_page_range (and copy_pte_range where it is not inlined) add
 * the time spent copying page tables to the call in flight.  The child side costs no map: a
 * child's own first return from the call, and its first exec, are timed from its
 * task->start_time, which copy_process() stamps at the end of the copy.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kscope.bpf.h"
#include "forklat.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile bool by_cgroup = false; /* -C: rows are cgroups, not processes */
const volatile bool stream = false;    /* --min-ms: send slow calls as events */
const volatile __u64 min_ns = 0;
const volatile bool child_side = true; /* time to the child's first run and exec */

/* Bumped by the loader every interval: max_ns is per interval. */
__u64 forklat_gen = 0;
/* calls counted before any row: the rows' sum falls short of these when the LRU evicts */
__u64 forklat_forks_total = 0;
__u64 forklat_errors_total = 0;
/* Set by the loader before attaching: children born earlier are not ours to time. */
__u64 forklat_since_ns = 0;

/* How often a row's mm figures are refreshed: reading them costs more than the rest. */
#define MEM_EVERY_NS 100000000ull

/* A thread's fork-family call in flight; start_ns is 0 between calls. */
struct inflight {
	__u64 start_ns;
	__u64 pt_start;
	__u64 pte_start;
	struct forklat_ptcopy copy;
	__u32 call;
};

/*
 * Keyed by the calling thread (pid_tgid).  An entry stays after its call and is reused by
 * the thread's next one: a lookup and a store cost less than an update and a delete per call.
 * LRU, so that the entries of threads gone age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FORKLAT_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

/*
 * Keyed by tgid or cgroup id.  A shared hash with atomic adds rather than a per-CPU one: a
 * fork costs tens of microseconds at least, so contention is nil, and a per-CPU value with
 * its histogram would cost FORKLAT_MAX_ROWS * 700 bytes per CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FORKLAT_MAX_ROWS);
	__type(key, __u64);
	__type(value, struct forklat_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static const struct forklat_stats zero_stats;

/* mm->rss_stat before 6.2: atomic counters (plus per-thread caches of up to 64 events) */
struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

enum { RSS_FILE = 0, RSS_ANON = 1, RSS_SHMEM = 3 };

/*
 * Before 6.2 (the mm's rss_stat has its own type there, so it is read by a helper).  Since 6.2
 * rss_stat is a percpu_counter per item, read in mem_read(): its count lags the per-CPU deltas
 * by at most one batch per CPU (max(32, 2 * CPUs) pages); summing them would take a read per
 * CPU per fork, and BTF does not mark the pointer as per-CPU, so the count is what we read.
 */
static __always_inline long positive(long v)
{
	return v > 0 ? v : 0;
}

static __always_inline __u64 rss_read(struct mm_struct *mm, int item)
{
	struct mm_struct___pre62 *old = (void *)mm;
	long v = 0;

	bpf_core_read(&v, sizeof(v), &old->rss_stat.count[item].counter);
	return positive(v);
}

/*
 * The mm through the task's BTF pointer: plain loads, where a helper call per field cost ~50 ns
 * per read in all (a build reading it 10 times a fork, alternated: docs/forklat.md).
 */
static __always_inline void mem_read(struct forklat_mem *m)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;

	if (!mm)
		return;
	m->has_mm = 1;
	if (bpf_core_type_exists(struct mm_rss_stat___pre62)) {
		m->anon_pages = rss_read(mm, RSS_ANON);
		m->rss_pages = m->anon_pages + rss_read(mm, RSS_FILE) + rss_read(mm, RSS_SHMEM);
	} else {
		m->anon_pages = positive(mm->rss_stat[RSS_ANON].count);
		m->rss_pages = m->anon_pages + positive(mm->rss_stat[RSS_FILE].count) +
			       positive(mm->rss_stat[RSS_SHMEM].count);
	}
	m->pgtables_bytes = positive(mm->pgtables_bytes.counter);
	m->vmas = mm->map_count;
	if (bpf_core_field_exists(mm->hugetlb_usage))
		m->hugetlb_pages = positive(mm->hugetlb_usage.counter);
}

static const struct inflight zero_inflight;

static __always_inline int call_enter(__u32 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in;

	if (!kscope_task_selected())
		return 0;
	in = bpf_map_lookup_elem(&inflight, &id);
	if (!in) {
		bpf_map_update_elem(&inflight, &id, &zero_inflight, BPF_NOEXIST);
		in = bpf_map_lookup_elem(&inflight, &id);
		if (!in)
			return 0;
	}
	in->pt_start = 0;
	in->pte_start = 0;
	in->copy.pt_ns = 0;
	in->copy.pte_ns = 0;
	in->call = call;
	in->start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline struct forklat_stats *stats_get(__u64 row)
{
	struct forklat_stats *s = bpf_map_lookup_elem(&stats, &row);

	if (s)
		return s;
	bpf_map_update_elem(&stats, &row, &zero_stats, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stats, &row);
}

static __always_inline __u64 row_key(__u64 id)
{
	return by_cgroup ? bpf_get_current_cgroup_id() : id >> 32;
}

/*
 * The row of the process that created the current task: the same process for a thread, the
 * parent otherwise.  False when that process is filtered out or the task predates tracing.
 */
static __always_inline bool child_row(struct task_struct *task, __u64 id, __u64 *row)
{
	__u32 tgid = id >> 32, parent = tgid;

	if (task->start_time < forklat_since_ns)
		return false;
	/* a thread's creator is in its own thread group; a process's is its real parent */
	if ((__u32)id == tgid)
		parent = task->real_parent->tgid;
	if (filter_tgid && parent != filter_tgid)
		return false;
	/* the child starts in its creator's cgroup (a cgroup filter sees the child as it) */
	if (filter_cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id(filter_cgroup_level) != filter_cgroup_id)
		return false;
	*row = by_cgroup ? bpf_get_current_cgroup_id() : parent;
	return true;
}

/* The child's first return to user space: its exit from the same syscall, with 0. */
static __always_inline void child_first_run(__u64 id)
{
	/* a BTF pointer: its fields are read by plain loads, not by a helper call each */
	struct task_struct *task = bpf_get_current_task_btf();
	struct forklat_stats *s;
	__u64 row;

	if (!child_row(task, id, &row))
		return;
	s = stats_get(row);
	if (!s)
		return;
	__sync_fetch_and_add(&s->child_run_ns, bpf_ktime_get_ns() - task->start_time);
	__sync_fetch_and_add(&s->child_runs, 1);
}

static __always_inline void emit(struct inflight *in, __u64 id, __u64 now, long ret)
{
	struct forklat_event *e;

	e = kscope_event_reserve(&events, sizeof(*e));
	if (!e)
		return;
	e->ts_ns = now;
	e->lat_ns = now - in->start_ns;
	e->cgroup_id = bpf_get_current_cgroup_id();
	__builtin_memset(&e->mem, 0, sizeof(e->mem));
	mem_read(&e->mem);
	e->copy = in->copy;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ret = ret;
	e->call = in->call;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	kscope_event_submit(&events, e);
}

static __always_inline int call_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	long ret = ctx->ret;
	struct forklat_stats *s;
	struct inflight *in;
	__u64 now, d, gen, slot;

	if (ret == 0) {
		if (child_side)
			child_first_run(id);
		return 0;
	}
	in = bpf_map_lookup_elem(&inflight, &id);
	if (!in || !in->start_ns)
		return 0;
	now = bpf_ktime_get_ns();
	d = now - in->start_ns;
	/* table-free: what the stats rows miss when the LRU evicts them is told from these */
	if (ret < 0)
		__sync_fetch_and_add(&forklat_errors_total, 1);
	else
		__sync_fetch_and_add(&forklat_forks_total, 1);
	s = stats_get(row_key(id));
	if (!s)
		goto out;
	if (ret < 0) {
		__sync_fetch_and_add(&s->errors, 1);
		goto out;
	}
	__sync_fetch_and_add(&s->forks, 1);
	__sync_fetch_and_add(&s->sum_ns, d);
	slot = kscope_hist_slot(d / 1000);
	__sync_fetch_and_add(&s->slots[slot], 1);
	if (in->copy.pt_ns)
		__sync_fetch_and_add(&s->pt_ns, in->copy.pt_ns);
	if (in->copy.pte_ns)
		__sync_fetch_and_add(&s->pte_ns, in->copy.pte_ns);
	/*
	 * No atomic max in BPF: two calls of one process ending at the same instant on two
	 * CPUs may lose the smaller of two maxima, which does not change the row's story.
	 */
	gen = forklat_gen;
	if (s->max_gen != gen) {
		s->max_gen = gen;
		s->max_ns = d;
	} else if (d > s->max_ns) {
		s->max_ns = d;
	}
	/* the mm figures change slowly and cost the most to read: refresh them now and then */
	if (now - s->mem_ts >= MEM_EVERY_NS || s->pid != id >> 32) {
		s->mem_ts = now;
		s->pid = id >> 32;
		mem_read(&s->mem);
		s->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(s->comm, sizeof(s->comm));
	}
	if (stream && d >= min_ns)
		emit(in, id, now, ret);
out:
	in->start_ns = 0;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fork")
int forklat_enter_fork(void *ctx)
{
	return call_enter(FORKLAT_FORK);
}

SEC("tracepoint/syscalls/sys_enter_vfork")
int forklat_enter_vfork(void *ctx)
{
	return call_enter(FORKLAT_VFORK);
}

SEC("tracepoint/syscalls/sys_enter_clone")
int forklat_enter_clone(void *ctx)
{
	return call_enter(FORKLAT_CLONE);
}

SEC("tracepoint/syscalls/sys_enter_clone3")
int forklat_enter_clone3(void *ctx)
{
	return call_enter(FORKLAT_CLONE3);
}

SEC("tracepoint/syscalls/sys_exit_fork")
int forklat_exit_fork(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_vfork")
int forklat_exit_vfork(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_clone")
int forklat_exit_clone(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int forklat_exit_clone3(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx);
}

/* A child's first exec (not a later one), timed from the child's creation. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(forklat_child_exec, struct task_struct *p, pid_t old_pid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid(), row;
	struct forklat_stats *s;

	if (!child_side)
		return 0;
	/* exec has counted itself already: the first one since the fork makes this 1 */
	if (task->self_exec_id != task->parent_exec_id + 1)
		return 0;
	if (!child_row(task, id, &row))
		return 0;
	s = stats_get(row);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->child_exec_ns, bpf_ktime_get_ns() - task->start_time);
	__sync_fetch_and_add(&s->child_execs, 1);
	return 0;
}

/*
 * Page-table copying, on kernels that allow fentry or kprobes.  copy_page_range() runs in
 * the parent once per VMA that needs copying; its time adds to the call in flight.
 */
static __always_inline void copy_begin(bool pte)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);

	if (!in || !in->start_ns)
		return;
	if (pte)
		in->pte_start = bpf_ktime_get_ns();
	else
		in->pt_start = bpf_ktime_get_ns();
}

static __always_inline void copy_end(bool pte)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);
	__u64 now = bpf_ktime_get_ns();

	if (!in || !in->start_ns)
		return;
	if (pte && in->pte_start) {
		in->copy.pte_ns += now - in->pte_start;
		in->pte_start = 0;
	} else if (!pte && in->pt_start) {
		in->copy.pt_ns += now - in->pt_start;
		in->pt_start = 0;
	}
}

SEC("fentry/copy_page_range")
int BPF_PROG(forklat_pt_fentry)
{
	copy_begin(false);
	return 0;
}

SEC("fexit/copy_page_range")
int BPF_PROG(forklat_pt_fexit)
{
	copy_end(false);
	return 0;
}

SEC("kprobe/copy_page_range")
int BPF_KPROBE(forklat_pt_kprobe)
{
	copy_begin(false);
	return 0;
}

SEC("kretprobe/copy_page_range")
int BPF_KRETPROBE(forklat_pt_kretprobe)
{
	copy_end(false);
	return 0;
}

SEC("fentry/copy_pte_range")
int BPF_PROG(forklat_pte_fentry)
{
	copy_begin(true);
	return 0;
}

SEC("fexit/copy_pte_range")
int BPF_PROG(forklat_pte_fexit)
{
	copy_end(true);
	return 0;
}

SEC("kprobe/copy_pte_range")
int BPF_KPROBE(forklat_pte_kprobe)
{
	copy_begin(true);
	return 0;
}

SEC("kretprobe/copy_pte_range")
int BPF_KRETPROBE(forklat_pte_kretprobe)
{
	copy_end(true);
	return 0;
}
