// SPDX-License-Identifier: GPL-2.0
/*
 * fadvtop: fadvise calls per cgroup, process and file, what they dropped from the page cache,
 * and how long the callers waited on kernel locks, behind whom.
 *
 * Each thread that calls fadvise gets a record (keyed by thread id) that lives on between
 * calls: while its start_ns is set, page-cache removals and lock contention of that thread are
 * charged to the call; between calls it caches which file the thread's last fd was, so a
 * glog-like loop on one fd does not walk fd -> file -> inode on every call.  At exit the call
 * is added to its row's cumulative counters and latency histogram (one value, so one lookup per
 * call; shared and atomic: per-CPU copies would cost rows x CPUs x 664 bytes, 490 MB for 10240
 * rows on a 72-core host); user space takes differences and sums the files' histograms into the
 * process's or the container's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "kscope.bpf.h"
#include "fadvtop.h"

/* lock:contention_begin flags (include/trace/events/lock.h) */
#define LCB_F_SPIN (1U << 0)
#define LCB_F_READ (1U << 1)
#define LCB_F_WRITE (1U << 2)
#define LCB_F_RT (1U << 3)
#define LCB_F_PERCPU (1U << 4)
#define LCB_F_MUTEX (1U << 5)

/* low bits of mutex and rwsem owner words are flags, not part of the task pointer */
#define OWNER_FLAGS 0x7UL
#define RWSEM_READER_OWNED (1UL << 0)

const volatile bool events_enabled = false;
const volatile __u64 events_min_ns = 0;

struct inflight {
	__u64 start_ns; /* 0 between calls */
	__s64 offset;
	__u64 len;
	__u64 bytes;
	__s32 fd;
	__s32 advice;
	__u32 lock_exact;
	__u32 pad;
	__u64 pages_dropped;
	__u64 pages_other;
	__u64 lock_addr; /* the lock being waited for now, 0 when none */
	__u64 lock_begin_ns;
	__u64 lock_holder; /* cgroup of its holder, 0 unknown */
	__u64 lock_wait_ns;
	__u64 lock_waits;
	__u64 worst_wait_ns; /* longest single wait and whom it was behind */
	__u64 worst_holder;
	/* the file behind cached_fd at the last call */
	__u64 file;  /* struct file * */
	__u64 inode; /* struct inode * */
	__u64 ino;
	__u32 dev;
	__s32 cached_fd;
	/* the thread's cgroup, read again when older than CGROUP_REFRESH_NS */
	__u64 cgroup_id;
	__u64 cgroup_ns;
};

/*
 * bpf_get_current_cgroup_id() is a chase through css_set, cgroup and kernfs node that showed
 * as one of the costliest parts of the exit: a thread's cgroup is read once per 100 ms of its
 * calls, so a thread moved to another cgroup is charged to the old one for at most that long.
 */
#define CGROUP_REFRESH_NS 100000000ULL

/* LRU: records of threads that exited are recycled */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FADV_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* the current thread's record, NULL when it has none */
static __always_inline struct inflight *inflight_get(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(&inflight, &tid);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FADV_MAX_ROWS);
	__type(key, struct fadv_key);
	__type(value, struct fadv_val);
} rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FADV_MAX_ROWS);
	__type(key, struct fadv_file_key);
	__type(value, struct fadv_name);
} names SEC(".maps");

/* lock address -> cgroup of the last fadvise caller that took it after waiting */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FADV_MAX_LOCKS);
	__type(key, __u64);
	__type(value, __u64);
} last_taker SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FADV_MAX_WAITS);
	__type(key, struct fadv_wait_key);
	__type(value, struct fadv_wait_val);
} waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static const struct fadv_val zero_val;
static const struct inflight zero_in;

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/* fd -> struct file of the current task: BTF loads down to the fd array, one probe read */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file **fds, *file = NULL;

	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline int fadv_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct inflight *in;
	struct inode *inode;
	struct file *file;
	__s64 size;

	if (!kscope_task_selected())
		return 0;
	in = inflight_get();
	if (!in) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		bpf_map_update_elem(&inflight, &tid, &zero_in, BPF_NOEXIST);
		in = bpf_map_lookup_elem(&inflight, &tid);
		if (!in)
			return 0;
	}
	/*
	 * The per-call counters (pages, lock waits) are zero here: the exit left them so, and
	 * the other hooks only add while start_ns is set.
	 */
	in->fd = (int)ctx->args[0];
	in->offset = (__s64)ctx->args[1];
	in->len = ctx->args[2];
	in->advice = (int)ctx->args[3];

	file = fd_file(in->fd);
	if (!file) {
		in->file = in->inode = in->ino = in->dev = 0;
	} else if ((__u64)file != in->file || in->fd != in->cached_fd) {
		inode = BPF_CORE_READ(file, f_inode);
		in->file = (__u64)file;
		in->inode = (__u64)inode;
		in->cached_fd = in->fd;
		in->ino = BPF_CORE_READ(inode, i_ino);
		in->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	}
	/* len 0 means "to the end of the file" */
	in->bytes = in->len;
	if (!in->len && in->inode) {
		inode = (struct inode *)in->inode;
		size = BPF_CORE_READ(inode, i_size);
		in->bytes = size > in->offset ? size - in->offset : 0;
	}
	in->start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void name_remember(struct inflight *in)
{
	struct fadv_file_key fk = {.dev = in->dev, .ino = in->ino};
	struct file *file = (struct file *)in->file;
	struct fadv_name n = {};
	struct dentry *dentry;
	const unsigned char *s;

	if (!file || bpf_map_lookup_elem(&names, &fk))
		return;
	/*
	 * The syscall held a reference to the file until just before this tracepoint; a thread
	 * closing the fd meanwhile can leave a stale name, never a fault (probe reads).
	 */
	dentry = BPF_CORE_READ(file, f_path.dentry);
	s = BPF_CORE_READ(dentry, d_name.name);
	bpf_probe_read_kernel_str(n.name, sizeof(n.name), s);
	bpf_map_update_elem(&names, &fk, &n, BPF_NOEXIST);
}

static __always_inline void event_send(struct inflight *in, __u64 cgroup_id, __u64 pid_tgid,
				       __u64 dur, long ret)
{
	struct fadv_file_key fk = {.dev = in->dev, .ino = in->ino};
	struct fadv_name *n;
	struct fadv_event *e;

	e = kscope_event_reserve(&events, sizeof(*e));
	if (!e)
		return;
	e->ts_ns = in->start_ns;
	e->cgroup_id = cgroup_id;
	e->dur_ns = dur;
	e->lock_wait_ns = in->lock_wait_ns;
	e->holder_cgroup = in->worst_holder;
	e->pages_dropped = in->pages_dropped;
	e->offset = in->offset;
	e->len = in->len;
	e->ino = in->ino;
	e->dev = in->dev;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->fd = in->fd;
	e->advice = in->advice;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_map_lookup_elem(&names, &fk);
	if (n)
		bpf_probe_read_kernel(e->name, sizeof(e->name), n->name);
	else
		e->name[0] = 0;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int fadv_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fadv_key key = {};
	struct fadv_val *v;
	struct inflight *in;
	__u32 advice;
	__u64 now, dur;

	in = inflight_get();
	if (!in || !in->start_ns)
		return 0;
	now = bpf_ktime_get_ns();
	dur = now - in->start_ns;
	if (now - in->cgroup_ns > CGROUP_REFRESH_NS) {
		in->cgroup_id = bpf_get_current_cgroup_id();
		in->cgroup_ns = now;
	}
	key.cgroup_id = in->cgroup_id;
	key.tgid = pid_tgid >> 32;
	key.dev = in->dev;
	key.ino = in->ino;

	v = bpf_map_lookup_elem(&rows, &key);
	if (!v) {
		bpf_map_update_elem(&rows, &key, &zero_val, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&rows, &key);
		if (!v)
			goto out;
		bpf_get_current_comm(v->comm, sizeof(v->comm));
		name_remember(in);
	}
	advice = in->advice >= 0 && in->advice < FADV_NR_ADVICE ? in->advice : FADV_NR_ADVICE;
	if (advice < FADV_ADVICE_SLOTS)
		__sync_fetch_and_add(&v->calls[advice], 1);
	__sync_fetch_and_add(&v->total_ns, dur);
	/*
	 * A mask, not a compare: clang checks a copy of the register and indexes with the
	 * original, which the 6.1 verifier rejects as unbounded.
	 */
	__sync_fetch_and_add(&v->hist[kscope_hist_slot(dur)], 1);
	if (in->bytes)
		__sync_fetch_and_add(&v->bytes, in->bytes);
	if (in->pages_dropped)
		__sync_fetch_and_add(&v->pages_dropped, in->pages_dropped);
	else if (advice == 4 /* POSIX_FADV_DONTNEED */)
		__sync_fetch_and_add(&v->dontneed_empty, 1);
	if (in->pages_other)
		__sync_fetch_and_add(&v->pages_other, in->pages_other);
	if (in->lock_waits) {
		__sync_fetch_and_add(&v->lock_wait_ns, in->lock_wait_ns);
		__sync_fetch_and_add(&v->lock_waits, in->lock_waits);
	}
	/* a plain store only when it changes: the row's cache line is shared by its callers */
	if (v->last_fd != in->fd)
		v->last_fd = in->fd;
	if (ctx->ret < 0)
		__sync_fetch_and_add(&v->errors, 1);

	if (events_enabled && dur >= events_min_ns)
		event_send(in, key.cgroup_id, pid_tgid, dur, ctx->ret);
out:
	in->start_ns = 0;
	/* leave the per-call counters zero for the next call (see fadv_enter) */
	if (in->pages_dropped || in->pages_other) {
		in->pages_dropped = 0;
		in->pages_other = 0;
	}
	if (in->lock_waits || in->lock_addr) {
		in->lock_addr = 0;
		in->lock_wait_ns = 0;
		in->lock_waits = 0;
		in->worst_wait_ns = 0;
		in->worst_holder = 0;
	}
	return 0;
}

/* x86-64 and most architectures: fadvise64; arm64 and other 32/64 compat ones: fadvise64_64 */
SEC("tracepoint/syscalls/sys_enter_fadvise64")
int fadvtop_enter(struct trace_event_raw_sys_enter *ctx)
{
	return fadv_enter(ctx);
}

SEC("tracepoint/syscalls/sys_exit_fadvise64")
int fadvtop_exit(struct trace_event_raw_sys_exit *ctx)
{
	return fadv_exit(ctx);
}

SEC("tracepoint/syscalls/sys_enter_fadvise64_64")
int fadvtop_enter64(struct trace_event_raw_sys_enter *ctx)
{
	return fadv_enter(ctx);
}

SEC("tracepoint/syscalls/sys_exit_fadvise64_64")
int fadvtop_exit64(struct trace_event_raw_sys_exit *ctx)
{
	return fadv_exit(ctx);
}

SEC("tracepoint/filemap/mm_filemap_delete_from_page_cache")
int fadvtop_page_delete(struct trace_event_raw_mm_filemap_op_page_cache *ctx)
{
	struct inflight *in;
	__u64 pages;

	in = inflight_get();
	if (!in || !in->start_ns)
		return 0;
	pages = 1ULL << (ctx->order & 31);
	if (ctx->i_ino == in->ino && ctx->s_dev == in->dev)
		in->pages_dropped += pages;
	else
		in->pages_other += pages;
	return 0;
}

/*
 * Who holds the lock: a mutex and an rwsem held for writing record their owner task, so the
 * holder's cgroup is exact at the moment the wait begins.  Spinlocks record nobody; for them
 * (and reader-held rwsems) the best the kernel offers is which fadvise caller took the same
 * lock last after waiting for it.
 */
static __always_inline __u64 lock_holder(__u64 addr, __u32 flags, __u32 *exact)
{
	struct task_struct *owner = NULL;
	unsigned long word = 0;
	__u64 *cg;

	*exact = 0;
	if ((flags & LCB_F_MUTEX) && bpf_core_field_exists(struct mutex, owner)) {
		word = BPF_CORE_READ((struct mutex *)addr, owner.counter);
		owner = (struct task_struct *)(word & ~OWNER_FLAGS);
	} else if (!(flags & (LCB_F_SPIN | LCB_F_RT | LCB_F_PERCPU | LCB_F_MUTEX)) &&
		   (flags & (LCB_F_READ | LCB_F_WRITE))) {
		word = BPF_CORE_READ((struct rw_semaphore *)addr, owner.counter);
		if (!(word & RWSEM_READER_OWNED))
			owner = (struct task_struct *)(word & ~OWNER_FLAGS);
	}
	if (owner) {
		*exact = 1;
		return task_cgroup_id(owner);
	}
	cg = bpf_map_lookup_elem(&last_taker, &addr);
	return cg ? *cg : 0;
}

SEC("tracepoint/lock/contention_begin")
int fadvtop_lock_begin(struct trace_event_raw_contention_begin *ctx)
{
	struct inflight *in;
	__u64 addr;

	in = inflight_get();
	/*
	 * A sleeping mutex reports begin twice (spinning, then sleeping) and its wait_lock may
	 * contend in between: the outermost wait is the one that counts.
	 */
	if (!in || !in->start_ns || in->lock_addr)
		return 0;
	addr = (__u64)ctx->lock_addr;
	in->lock_addr = addr;
	in->lock_begin_ns = bpf_ktime_get_ns();
	in->lock_holder = lock_holder(addr, ctx->flags, &in->lock_exact);
	return 0;
}

SEC("tracepoint/lock/contention_end")
int fadvtop_lock_end(struct trace_event_raw_contention_end *ctx)
{
	struct fadv_wait_key wk = {};
	struct fadv_wait_val *wv, init = {};
	struct inflight *in;
	__u64 addr, wait, cg;

	in = inflight_get();
	addr = (__u64)ctx->lock_addr;
	if (!in || !in->start_ns || in->lock_addr != addr)
		return 0;
	wait = bpf_ktime_get_ns() - in->lock_begin_ns;
	in->lock_addr = 0;
	in->lock_wait_ns += wait;
	in->lock_waits++;
	if (wait > in->worst_wait_ns) {
		in->worst_wait_ns = wait;
		in->worst_holder = in->lock_holder;
	}

	cg = in->cgroup_id ?: bpf_get_current_cgroup_id();
	wk.waiter_cgroup = cg;
	wk.holder_cgroup = in->lock_holder;
	wk.exact = in->lock_exact;
	wv = bpf_map_lookup_elem(&waits, &wk);
	if (!wv) {
		bpf_map_update_elem(&waits, &wk, &init, BPF_NOEXIST);
		wv = bpf_map_lookup_elem(&waits, &wk);
	}
	if (wv) {
		__sync_fetch_and_add(&wv->wait_ns, wait);
		__sync_fetch_and_add(&wv->count, 1);
	}
	/* this caller holds the lock now: the next fadvise caller to wait for it waits behind us */
	if (ctx->ret == 0)
		bpf_map_update_elem(&last_taker, &addr, &cg, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
