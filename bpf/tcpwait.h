/* SPDX-License-Identifier: GPL-2.0 */
/* tcpwait: structs shared by bpf/tcpwait.bpf.c and user/tcpwait.c */
#ifndef TCPWAIT_H
#define TCPWAIT_H

#include "kscope.h"

/*
 * The kernel's values both sides need, defined once here: vmlinux.h has no AF_* macros, and
 * the user side's modules compare socket states read by the iterator.
 */
#define TCPWAIT_AF_INET 2
#define TCPWAIT_AF_INET6 10
#define TCPWAIT_STATE_FIN_WAIT2 5
/* A state that the kernel never reports through inet_sock_set_state: the event stream
 * synthesises it when a closing socket hands over to its timewait socket. */
#define TCPWAIT_STATE_TIME_WAIT 6
#define TCPWAIT_STATE_LISTEN 10

enum tcpwait_counter {
	TW_OPENS_ACTIVE,     /* CLOSE -> SYN_SENT: connect() */
	TW_OPENS_PASSIVE,    /* SYN_RECV -> ESTABLISHED: accepted */
	TW_CLOSES_ACTIVE,    /* ESTABLISHED -> FIN_WAIT1: this side closed first */
	TW_CLOSES_PASSIVE,   /* ESTABLISHED -> CLOSE_WAIT: the peer closed first */
	TW_TIMEWAIT_ENTRIES, /* FIN_WAIT1/2 or CLOSING -> CLOSE without a reset */
	TW_RESETS,	     /* -> CLOSE after a reset was sent or received */
	TW_CONNECT_EADDRNOTAVAIL,
	/* those whose destination was read: what the rows of failed_dests add up to, unless
	 * the kernel evicted some */
	TW_CONNECT_EADDRNOTAVAIL_DEST,
	TW_LIFETIME_SUM_US, /* with -L: sum of the ESTABLISHED durations histogrammed */
	TW_COUNTER_MAX,
};

/* Who a socket belongs to: taken in process context (connect, close), used in softirq. */
struct tcpwait_owner {
	__u32 tgid;
	__u32 flags;
	__u32 netns;
	__u32 pad;
	__u64 cgroup_id;
	__u64 state_ts; /* when the socket entered its current state */
	__u64 established_ts;
	char comm[KSCOPE_COMM_LEN];
};

#define TCPWAIT_OWNER_KNOWN (1 << 0)
#define TCPWAIT_OWNER_RESET (1 << 1)
#define TCPWAIT_OWNER_OPEN_COUNTED (1 << 2)
#define TCPWAIT_OWNER_ACTIVE (1 << 3)
#define TCPWAIT_OWNER_PASSIVE (1 << 4)
#define TCPWAIT_OWNER_TIMEWAIT (1 << 5) /* tcp_time_wait() ran for it (fentry/kprobe) */

/* the counters of struct tcpwait_proc, the __u64s from opens on */
#define TCPWAIT_PROC_COUNTERS 5

struct tcpwait_proc {
	__u64 opens;
	__u64 active_closes;
	__u64 passive_closes;
	__u64 timewait_entries;
	__u64 eaddrnotavail;
	__u64 cgroup_id;
	__u32 netns; /* the namespace of its sockets (of the last one seen) */
	__u32 pad;
	char comm[KSCOPE_COMM_LEN];
};

/*
 * The 4-tuple of a socket, addresses as IPv6 (IPv4 mapped), ports in host order, and its
 * network namespace: two containers' loopback connections have the same four numbers.
 */
struct tcpwait_tuple {
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u16 pad;
	__u32 netns; /* inode of the socket's network namespace */
};

/* Owner of a timewait socket, so the socket-table scan can attribute TIME_WAIT. */
struct tcpwait_tw_owner {
	__u32 tgid;
	__u32 side; /* TCPWAIT_SIDE_* */
	__u64 cgroup_id;
};

/* Which end of the connection a socket is: known when tcpwait saw it open. */
#define TCPWAIT_SIDE_UNKNOWN 0
#define TCPWAIT_SIDE_CLIENT 1 /* opened with connect() */
#define TCPWAIT_SIDE_SERVER 2 /* accepted from a listener */

/* One socket of the socket-table iterator (iter/tcp), written with bpf_seq_write. */
struct tcpwait_sock {
	struct tcpwait_tuple t;
	__u8 state; /* for timewait sockets, their substate */
	__u8 is_timewait;
	__u8 side; /* TCPWAIT_SIDE_*, for timewait sockets whose opening was seen */
	__u8 pad;
	__u32 owner_tgid; /* 0 when unknown */
	__u64 owner_cgroup;
};

/* Where connect() failed with EADDRNOTAVAIL, and in which network namespace. */
struct tcpwait_dest {
	__u8 raddr[16];
	__u16 rport;
	__u16 family;
	__u32 netns;
};

/* --events: one state change. */
struct tcpwait_event {
	__u64 ts_ns;
	__u64 in_state_ns; /* time spent in oldstate */
	__u64 cgroup_id;
	struct tcpwait_tuple t;
	__u32 tgid;
	__u8 oldstate;
	__u8 newstate;
	__u8 softirq_owner; /* tgid/comm come from the owner map, not current */
	__u8 pad;
	char comm[KSCOPE_COMM_LEN];
};

#endif /* TCPWAIT_H */
