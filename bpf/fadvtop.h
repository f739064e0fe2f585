/* SPDX-License-Identifier: GPL-2.0 */
/* fadvtop: structs shared by bpf/fadvtop.bpf.c and user/fadvtop.c. */
#ifndef FADVTOP_H
#define FADVTOP_H

#include "kscope.h"

/* POSIX_FADV_NORMAL (0) .. POSIX_FADV_NOREUSE (5); slot 6 counts any other value. */
#define FADV_NR_ADVICE 6
#define FADV_ADVICE_SLOTS (FADV_NR_ADVICE + 1)

#define FADV_NAME_LEN 64
#define FADV_MAX_ROWS 10240    /* (cgroup, process, file) rows kept, LRU beyond */
#define FADV_MAX_INFLIGHT 8192 /* threads that called fadvise lately, LRU beyond */
#define FADV_MAX_LOCKS 4096    /* lock addresses remembered for "waited behind" */
#define FADV_MAX_WAITS 4096    /* (waiter cgroup, holder cgroup) pairs */

/* One row: a process of a cgroup calling fadvise on one file.  Counters are cumulative. */
struct fadv_key {
	__u64 cgroup_id;
	__u32 tgid;
	__u32 dev; /* the kernel's s_dev: major << 20 | minor */
	__u64 ino;
};

struct fadv_val {
	__u64 calls[FADV_ADVICE_SLOTS];
	__u64 total_ns;	     /* time inside the syscall */
	__u64 bytes;	     /* bytes the advice covered (len 0 = to the end of the file) */
	__u64 pages_dropped; /* this file's page-cache pages removed during the calls */
	__u64 pages_other;   /* other files' pages removed meanwhile (reclaim) */
	__u64 lock_wait_ns;  /* time waiting on contended kernel locks during the calls */
	__u64 lock_waits;
	__u64 errors;
	__u64 dontneed_empty; /* DONTNEED calls that dropped no page of the file */
	__s32 last_fd;	      /* for resolving the path lazily through /proc/PID/fd */
	__u32 pad;
	char comm[KSCOPE_COMM_LEN];
	__u64 hist[HIST_SLOTS]; /* log2 of each call's duration in ns */
};

struct fadv_file_key {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

/* "parent/name" from the file's dentries, read once per new row */
struct fadv_name {
	char name[FADV_NAME_LEN];
};

/*
 * Lock waits inside fadvise, by whom the waiter waited behind.  exact: the holder is the owner
 * the lock itself records (mutex, rwsem held for writing); otherwise it is the cgroup of the
 * last fadvise caller that took the same lock after waiting for it (an estimate), or 0.
 */
struct fadv_wait_key {
	__u64 waiter_cgroup;
	__u64 holder_cgroup;
	__u32 exact;
	__u32 pad;
};

struct fadv_wait_val {
	__u64 wait_ns;
	__u64 count;
};

/*
 * One thread's calls to one row during one epoch, added up without atomics in the thread's own
 * record.  User space closes an epoch by moving fadv_epoch on, waits until no program can still
 * be inside it (an RCU grace period), then adds the closed epoch's batches to the rows it read.
 */
struct fadv_batch {
	/* what every call touches first, then what is rarer: fewer cache lines per call */
	__u64 epoch; /* whose calls these are */
	struct fadv_key key;
	__u64 calls[FADV_ADVICE_SLOTS];
	__u64 total_ns;
	__u64 bytes;
	__u64 dontneed_empty;
	__u32 hist[HIST_SLOTS];
	__u32 pad;
	__u64 pages_dropped;
	__u64 pages_other;
	__u64 lock_wait_ns;
	__u64 lock_waits;
	__u64 errors;
};

/*
 * Per thread (keyed by tid), kept between calls: while start_ns is set, page-cache removals
 * and lock contention of that thread are charged to the call.  Between calls it caches the
 * file behind the last fd and the thread's cgroup.  batch[epoch & 1] takes the calls of the
 * current epoch; the other one waits for user space.  The fields every call touches come first.
 */
struct fadv_thread {
	__u64 start_ns; /* 0 between calls */
	__s64 offset;
	__u64 len;
	__u64 bytes; /* len, or to the end of the file when len is 0 */
	__s32 fd;
	__s32 advice;
	__s32 cached_fd;
	__u32 dev; /* the file behind cached_fd: dev, ino, struct file * and struct inode * */
	__u64 ino;
	__u64 file;
	__u64 cgroup_id; /* the thread's cgroup, read again when older than 100 ms */
	__u64 cgroup_ns;
	__u64 pages_dropped;
	__u64 pages_other;
	__u64 lock_addr; /* the lock being waited for now, 0 when none */
	__u64 lock_waits;
	__u64 inode;
	__u64 lock_wait_ns;
	__u64 lock_begin_ns;
	__u64 lock_holder;   /* cgroup of its holder, 0 unknown */
	__u64 worst_wait_ns; /* longest single wait and whom it was behind */
	__u64 worst_holder;
	__u32 lock_exact;
	__u32 pad;
	struct fadv_batch batch[2];
};

/*
 * Calls counted apart from the rows (whose LRU map evicts): a per-CPU array of two, indexed by
 * the epoch's parity like the threads' batches, so user space reads a closed epoch's slot
 * when no program can still write it and compares it with the rows it read after.
 */
struct fadv_total {
	__u64 calls;
};

/* --events: one per call at least min_ns long */
struct fadv_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 dur_ns;
	__u64 lock_wait_ns;
	__u64 holder_cgroup; /* longest-waited-behind holder of this call, 0 unknown */
	__u64 pages_dropped;
	__s64 offset;
	__u64 len;
	__u64 ino;
	__u32 dev;
	__u32 pid;
	__u32 tid;
	__s32 fd;
	__s32 advice;
	__s32 ret;
	char comm[KSCOPE_COMM_LEN];
	char name[FADV_NAME_LEN];
};

#endif /* FADVTOP_H */
