// SPDX-License-Identifier: GPL-2.0
/*
 * fadvtop: fadvise calls per cgroup, process and file, what they dropped from the page cache,
 * and how long the callers waited on kernel locks, behind whom.
 *
 * Each thread that calls fadvise gets a record (struct fadv_thread, keyed by thread id) that
 * lives on between calls.  The entry only stamps the call; the exit, where the fd table and the
 * record are still in the cache, finds the file and adds the call to the thread's batch for
 * the current epoch: plain adds to memory no other CPU writes.  Only the first call of an
 * epoch, and a call to another row than the batch's, go to the shared row (a hash lookup and
 * atomic adds).  Rows are cumulative; user space adds the closed epochs' batches to them, takes
 * differences and sums the files' histograms into the process's or the container's.
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
	__type(value, struct fadv_thread);
} inflight SEC(".maps");

/* user space moves it on each time it reads (fadvtop.c: batches_take); no batch starts at 2 */
__u64 fadv_epoch = 2;
/* thread records made: beyond FADV_MAX_INFLIGHT, the LRU recycled some with their batches */
__u64 fadv_threads_made = 0;

/* every call, per CPU, per epoch parity: what the rows (LRU) and batches lose is the difference */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct fadv_total);
} totals SEC(".maps");

/* the current thread's record, NULL when it has none */
static __always_inline struct fadv_thread *inflight_get(void)
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
static const struct fadv_thread new_thread = {.cached_fd = -1};

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

/* Make in->file, inode, ino and dev those behind in->fd now; cheap when they still are. */
static __always_inline void file_refresh(struct fadv_thread *in)
{
	struct file *file = fd_file(in->fd);
	struct inode *inode = file ? BPF_CORE_READ(file, f_inode) : NULL;
	__u64 ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;

	/*
	 * The same fd number and even the same struct file (freed at close, the next open gets
	 * it back from the slab) can be another file: compare what they point at too.  With only
	 * the pointer compared, open/fadvise/close over 300 files was 300 calls on the first.
	 */
	if ((__u64)file == in->file && in->fd == in->cached_fd && (__u64)inode == in->inode &&
	    ino == in->ino)
		return;
	in->cached_fd = in->fd;
	in->file = (__u64)file;
	if (!file) {
		in->inode = in->ino = in->dev = 0;
		return;
	}
	in->inode = (__u64)inode;
	in->ino = ino;
	in->dev = BPF_CORE_READ(inode, i_sb, s_dev);
}

static __always_inline int fadv_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct fadv_thread *in;

	if (!kscope_task_selected())
		return 0;
	in = inflight_get();
	if (!in) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		bpf_map_update_elem(&inflight, &tid, &new_thread, BPF_NOEXIST);
		in = bpf_map_lookup_elem(&inflight, &tid);
		if (!in)
			return 0;
		__sync_fetch_and_add(&fadv_threads_made, 1);
	}
	/*
	 * The per-call counters (pages, lock waits) are zero here: the exit left them so, and
	 * the other hooks only add while start_ns is set.
	 */
	in->fd = (int)ctx->args[0];
	in->offset = (__s64)ctx->args[1];
	in->len = ctx->args[2];
	in->advice = (int)ctx->args[3];
	/*
	 * Every call: the same fd number can be another file since the last call (close, open),
	 * and the page-cache hook needs this call's inode.  file_refresh() is cheap when the fd,
	 * the struct file and the inode are still the same.
	 */
	file_refresh(in);
	in->start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void name_remember(struct fadv_thread *in)
{
	struct fadv_file_key fk = {.dev = in->dev, .ino = in->ino};
	struct file *file = (struct file *)in->file;
	struct fadv_name n = {};
	struct dentry *dentry;
	const unsigned char *s;

	if (!file)
		return;
	/*
	 * The syscall held a reference to the file until just before this tracepoint; a thread
	 * closing the fd meanwhile can leave a stale name, never a fault (probe reads).
	 */
	dentry = BPF_CORE_READ(file, f_path.dentry);
	s = BPF_CORE_READ(dentry, d_name.name);
	bpf_probe_read_kernel_str(n.name, sizeof(n.name), s);
	/* a new row: the inode number may be a deleted file's, whose name must not stay */
	bpf_map_update_elem(&names, &fk, &n, BPF_ANY);
}

static __always_inline void event_send(struct fadv_thread *in, __u64 cgroup_id, __u64 pid_tgid,
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
	kscope_event_submit(&events, e);
}

/* The call into its shared row: created with the first call, atomic adds (shared by threads) */
static __always_inline void row_add(struct fadv_thread *in, struct fadv_key *key, __u32 advice,
				    __u64 dur, long ret)
{
	struct fadv_val *v;

	v = bpf_map_lookup_elem(&rows, key);
	if (!v) {
		bpf_map_update_elem(&rows, key, &zero_val, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&rows, key);
		if (!v)
			return;
		bpf_get_current_comm(v->comm, sizeof(v->comm));
		name_remember(in);
	}
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
	if (ret < 0)
		__sync_fetch_and_add(&v->errors, 1);
}

/* The same into the thread's batch: only this thread writes it, so plain adds */
static __always_inline void batch_add(struct fadv_thread *in, struct fadv_batch *b, __u32 advice,
				      __u64 dur, long ret)
{
	if (advice < FADV_ADVICE_SLOTS)
		b->calls[advice]++;
	b->total_ns += dur;
	b->hist[kscope_hist_slot(dur)]++;
	b->bytes += in->bytes;
	if (in->pages_dropped)
		b->pages_dropped += in->pages_dropped;
	else if (advice == 4 /* POSIX_FADV_DONTNEED */)
		b->dontneed_empty++;
	if (in->pages_other)
		b->pages_other += in->pages_other;
	if (in->lock_waits) {
		b->lock_wait_ns += in->lock_wait_ns;
		b->lock_waits += in->lock_waits;
	}
	if (ret < 0)
		b->errors++;
}

static __always_inline bool key_equal(const struct fadv_key *a, const struct fadv_key *b)
{
	return a->cgroup_id == b->cgroup_id && a->tgid == b->tgid && a->dev == b->dev &&
	       a->ino == b->ino;
}

static __always_inline int fadv_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fadv_key key = {};
	struct fadv_thread *in;
	struct fadv_total *t;
	struct fadv_batch *b;
	struct inode *inode;
	__u64 now, dur, epoch;
	__u32 advice, slot;
	__s64 size;

	in = inflight_get();
	if (!in || !in->start_ns)
		return 0;
	now = bpf_ktime_get_ns();
	dur = now - in->start_ns;
	/* len 0 means "to the end of the file" */
	in->bytes = in->len;
	if (!in->len && in->inode) {
		inode = (struct inode *)in->inode;
		size = BPF_CORE_READ(inode, i_size);
		in->bytes = size > in->offset ? size - in->offset : 0;
	}
	if (now - in->cgroup_ns > CGROUP_REFRESH_NS) {
		in->cgroup_id = bpf_get_current_cgroup_id();
		in->cgroup_ns = now;
	}
	key.cgroup_id = in->cgroup_id;
	key.tgid = pid_tgid >> 32;
	key.dev = in->dev;
	key.ino = in->ino;
	advice = in->advice >= 0 && in->advice < FADV_NR_ADVICE ? in->advice : FADV_NR_ADVICE;

	epoch = fadv_epoch;
	slot = epoch & 1;
	t = bpf_map_lookup_elem(&totals, &slot);
	if (t)
		t->calls++;
	b = &in->batch[epoch & 1];
	if (b->epoch == epoch && key_equal(&b->key, &key)) {
		batch_add(in, b, advice, dur, ctx->ret);
	} else {
		/* the epoch's first call makes sure the row exists, with its comm and name */
		row_add(in, &key, advice, dur, ctx->ret);
		if (b->epoch != epoch) {
			__builtin_memset(b, 0, sizeof(*b));
			b->epoch = epoch;
			b->key = key;
		}
	}
	if (events_enabled && dur >= events_min_ns)
		event_send(in, key.cgroup_id, pid_tgid, dur, ctx->ret);

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
	struct fadv_thread *in;
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
	struct fadv_thread *in;
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
	struct fadv_thread *in;
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
