// SPDX-License-Identifier: GPL-2.0
/*
 * tcpwait: who fills TIME_WAIT, and how close the host is to running out of ports.
 *
 * inet_sock_set_state (tp_btf) counts opens and closes per process and recognises the
 * hand-over to a timewait socket; sys_enter/exit_connect count EADDRNOTAVAIL per destination;
 * the iter/tcp program dumps the socket table so user space can count TIME_WAIT exactly as
 * ss does, attributing each timewait socket to the process that owned its full socket.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "kscope.bpf.h"
#include "tcpwait.h"

#define IPPROTO_TCP 6
#define EADDRNOTAVAIL 99

const volatile __u32 filter_netns = 0;
const volatile __u16 filter_family = 0;
const volatile bool filter_lports_on = false;
const volatile bool filter_rports_on = false;
const volatile __u8 filter_lports[8192] = {};
const volatile __u8 filter_rports[8192] = {};
const volatile bool stream_events = false;
const volatile bool lifetime_hist = false;
/* set when fentry or kprobe on tcp_time_wait() counts the entries instead of the inference */
const volatile bool timewait_hooked = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TW_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* keyed by the struct sock pointer; bounded, the oldest connections' owners are dropped */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct tcpwait_owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct tcpwait_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcpwait_tuple);
	__type(value, struct tcpwait_tw_owner);
} tw_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct tcpwait_dest);
	__type(value, __u64);
} failed_dests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lifetime_us SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline void counter_add(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline bool port_selected(const volatile __u8 *map, __u16 port)
{
	return map[(port >> 3) & 8191] & (1 << (port & 7));
}

static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

static __always_inline bool filtering_owner(void)
{
	return filter_tgid || filter_cgroup_id;
}

static __always_inline void tuple_from_skc(struct sock_common *skc, struct tcpwait_tuple *t)
{
	t->netns = BPF_CORE_READ(skc, skc_net.net, ns.inum);
	t->family = BPF_CORE_READ(skc, skc_family);
	t->lport = BPF_CORE_READ(skc, skc_num);
	t->rport = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
	if (t->family == TCPWAIT_AF_INET) {
		bpf_core_read(t->laddr, 4, &skc->skc_rcv_saddr);
		bpf_core_read(t->raddr, 4, &skc->skc_daddr);
	} else {
		bpf_core_read(t->laddr, 16, &skc->skc_v6_rcv_saddr);
		bpf_core_read(t->raddr, 16, &skc->skc_v6_daddr);
	}
}

static __always_inline bool tuple_selected(const struct tcpwait_tuple *t)
{
	if (t->family != TCPWAIT_AF_INET && t->family != TCPWAIT_AF_INET6)
		return false;
	if (filter_family && t->family != filter_family)
		return false;
	if (filter_lports_on && !port_selected(filter_lports, t->lport))
		return false;
	if (filter_rports_on && !port_selected(filter_rports, t->rport))
		return false;
	return true;
}

static __always_inline struct tcpwait_proc *proc_get(__u32 tgid)
{
	struct tcpwait_proc zero = {}, *p;

	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		return p;
	bpf_map_update_elem(&procs, &tgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&procs, &tgid);
}

/* Take ownership for the current task: only called where the kernel runs in its context. */
static __always_inline void owner_claim(struct tcpwait_owner *o, __u32 netns)
{
	o->netns = netns;
	o->tgid = bpf_get_current_pid_tgid() >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	o->flags |= TCPWAIT_OWNER_KNOWN;
}

static __always_inline struct tcpwait_proc *owner_proc(struct tcpwait_owner *o)
{
	struct tcpwait_proc *p;

	if (!o || !(o->flags & TCPWAIT_OWNER_KNOWN))
		return NULL;
	p = proc_get(o->tgid);
	if (!p)
		return NULL;
	p->cgroup_id = o->cgroup_id;
	p->netns = o->netns;
	__builtin_memcpy(p->comm, o->comm, sizeof(p->comm));
	/* a server's accepted socket is attributed when it first acts on it */
	if (!(o->flags & TCPWAIT_OWNER_OPEN_COUNTED)) {
		o->flags |= TCPWAIT_OWNER_OPEN_COUNTED;
		p->opens++;
	}
	return p;
}

static __always_inline void event_emit(struct tcpwait_owner *o, const struct tcpwait_tuple *t,
				       int oldstate, int newstate, __u64 now)
{
	struct tcpwait_event *e = kscope_event_reserve(&events, sizeof(*e));

	if (!e)
		return;
	e->ts_ns = now;
	e->in_state_ns = o && o->state_ts ? now - o->state_ts : 0;
	e->t = *t;
	e->oldstate = oldstate;
	e->newstate = newstate;
	e->pad = 0;
	if (o && (o->flags & TCPWAIT_OWNER_KNOWN)) {
		e->tgid = o->tgid;
		e->cgroup_id = o->cgroup_id;
		e->softirq_owner = 1;
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	} else {
		e->tgid = 0;
		e->cgroup_id = 0;
		e->softirq_owner = 0;
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	}
	kscope_event_submit(&events, e);
}

/*
 * The kernel never reports a transition into TIME_WAIT: tcp_time_wait() hashes a timewait
 * socket in and moves the full socket to CLOSE.  Where tcp_time_wait() can be hooked, that
 * says it exactly; otherwise, from FIN_WAIT1/2 or CLOSING, a CLOSE without a reset sent or
 * received is that hand-over.
 */
static __always_inline bool entered_timewait(struct sock *sk, struct tcpwait_owner *o, int oldstate)
{
	if (timewait_hooked)
		return o && (o->flags & TCPWAIT_OWNER_TIMEWAIT);
	if (oldstate != TCP_FIN_WAIT1 && oldstate != TCP_FIN_WAIT2 && oldstate != TCP_CLOSING)
		return false;
	return !(o && (o->flags & TCPWAIT_OWNER_RESET)) && !BPF_CORE_READ(sk, sk_err);
}

static __always_inline void on_close(struct sock *sk, struct tcpwait_owner *o,
				     const struct tcpwait_tuple *t, int oldstate, __u64 *key)
{
	struct tcpwait_tw_owner tw = {};
	struct tcpwait_proc *p;
	bool reset = (o && (o->flags & TCPWAIT_OWNER_RESET)) || BPF_CORE_READ(sk, sk_err);

	if (entered_timewait(sk, o, oldstate)) {
		counter_add(TW_TIMEWAIT_ENTRIES);
		p = owner_proc(o);
		if (p)
			p->timewait_entries++;
		if (o) {
			if (o->flags & TCPWAIT_OWNER_KNOWN) {
				tw.tgid = o->tgid;
				tw.cgroup_id = o->cgroup_id;
			}
			tw.side = o->flags & TCPWAIT_OWNER_PASSIVE  ? TCPWAIT_SIDE_SERVER
				  : o->flags & TCPWAIT_OWNER_ACTIVE ? TCPWAIT_SIDE_CLIENT
								    : TCPWAIT_SIDE_UNKNOWN;
			bpf_map_update_elem(&tw_owners, t, &tw, BPF_ANY);
		}
	} else if (reset) {
		counter_add(TW_RESETS);
	}
	bpf_map_delete_elem(&owners, key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpwait_set_state, struct sock *sk, int oldstate, int newstate)
{
	struct tcpwait_owner *o, fresh = {};
	struct tcpwait_tuple t = {};
	struct tcpwait_proc *p;
	__u64 key = (__u64)sk, now;
	int reported = newstate;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	tuple_from_skc((struct sock_common *)sk, &t);
	if (filter_netns && t.netns != filter_netns)
		return 0;
	/* on the way to CLOSE the kernel has already released the port (inet_num = 0) */
	t.lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	if (!tuple_selected(&t))
		return 0;

	now = bpf_ktime_get_ns();
	o = bpf_map_lookup_elem(&owners, &key);
	/* a connection starts here: whatever an earlier socket at this address left is stale */
	if (newstate == TCP_SYN_SENT || (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_RECV) ||
	    (!o && (newstate == TCP_ESTABLISHED || newstate == TCP_FIN_WAIT1 ||
		    newstate == TCP_LAST_ACK))) {
		/* connect() and close() run in the owner's context; the others in softirq */
		if ((newstate == TCP_SYN_SENT || newstate == TCP_FIN_WAIT1 ||
		     newstate == TCP_LAST_ACK) &&
		    kscope_task_selected())
			owner_claim(&fresh, t.netns);
		fresh.state_ts = now;
		bpf_map_update_elem(&owners, &key, &fresh, BPF_ANY);
		o = bpf_map_lookup_elem(&owners, &key);
	} else if (o && !(o->flags & TCPWAIT_OWNER_KNOWN) &&
		   (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK) &&
		   kscope_task_selected()) {
		owner_claim(o, t.netns);
	}
	if (filtering_owner() && (!o || !(o->flags & TCPWAIT_OWNER_KNOWN))) {
		/* not ours, but its entry must not outlive it and mislead a later socket */
		if (newstate == TCP_CLOSE)
			bpf_map_delete_elem(&owners, &key);
		return 0;
	}

	switch (newstate) {
	case TCP_ESTABLISHED:
		/* counted when established: a connect() that finds no port never gets here */
		if (oldstate == TCP_SYN_SENT) {
			counter_add(TW_OPENS_ACTIVE);
			owner_proc(o);
			if (o)
				o->flags |= TCPWAIT_OWNER_ACTIVE;
		} else if (oldstate == TCP_SYN_RECV) {
			counter_add(TW_OPENS_PASSIVE);
			if (o)
				o->flags |= TCPWAIT_OWNER_PASSIVE;
		}
		if (o)
			o->established_ts = now;
		break;
	case TCP_FIN_WAIT1:
		counter_add(TW_CLOSES_ACTIVE);
		p = owner_proc(o);
		if (p)
			p->active_closes++;
		break;
	case TCP_CLOSE_WAIT:
		counter_add(TW_CLOSES_PASSIVE);
		break;
	case TCP_LAST_ACK:
		p = owner_proc(o);
		if (p)
			p->passive_closes++;
		break;
	}

	if (lifetime_hist && oldstate == TCP_ESTABLISHED && o && o->established_ts) {
		__u64 us = (now - o->established_ts) / 1000;
		__u32 slot = kscope_log2_slot(us), sum = TW_LIFETIME_SUM_US;
		__u64 *v = bpf_map_lookup_elem(&lifetime_us, &slot);

		if (v)
			*v += 1;
		v = bpf_map_lookup_elem(&counters, &sum);
		if (v)
			*v += us;
	}

	if (newstate == TCP_CLOSE && entered_timewait(sk, o, oldstate))
		reported = TCPWAIT_STATE_TIME_WAIT;
	if (stream_events)
		event_emit(o, &t, oldstate, reported, now);
	if (newstate == TCP_CLOSE)
		on_close(sk, o, &t, oldstate, &key);
	else if (o)
		o->state_ts = now;
	return 0;
}

/* tcp_time_wait(sk, state, timeo): runs just before the full socket goes to CLOSE. */
static __always_inline void mark_timewait(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcpwait_owner *o = bpf_map_lookup_elem(&owners, &key);

	if (o)
		o->flags |= TCPWAIT_OWNER_TIMEWAIT;
}

SEC("fentry/tcp_time_wait")
int BPF_PROG(tcpwait_tw_fentry, struct sock *sk)
{
	mark_timewait(sk);
	return 0;
}

SEC("kprobe/tcp_time_wait")
int BPF_KPROBE(tcpwait_tw_kprobe, struct sock *sk)
{
	mark_timewait(sk);
	return 0;
}

/* A reset sent or received: the CLOSE that follows is not a hand-over to TIME_WAIT. */
static __always_inline void mark_reset(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcpwait_owner *o;

	if (!sk)
		return;
	o = bpf_map_lookup_elem(&owners, &key);
	if (o)
		o->flags |= TCPWAIT_OWNER_RESET;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcpwait_rcv_reset, struct sock *sk)
{
	mark_reset(sk);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcpwait_send_reset, const struct sock *sk)
{
	mark_reset((struct sock *)sk);
	return 0;
}

/*
 * Only failures matter, so there is no program on connect() entry: at exit, the arguments
 * are still in the task's user registers, and the destination is read only when the call
 * failed for lack of a local port.
 */
static __always_inline bool failed_dest(struct tcpwait_dest *d)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	void *uaddr = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;

	if (bpf_probe_read_user(&sa6.sin6_family, sizeof(sa6.sin6_family), uaddr))
		return false;
	d->family = sa6.sin6_family;
	if (d->family == TCPWAIT_AF_INET) {
		if (bpf_probe_read_user(&sa4, sizeof(sa4), uaddr))
			return false;
		d->rport = bpf_ntohs(sa4.sin_port);
		__builtin_memcpy(d->raddr, &sa4.sin_addr, 4);
		return true;
	}
	if (d->family != TCPWAIT_AF_INET6 || bpf_probe_read_user(&sa6, sizeof(sa6), uaddr))
		return false;
	d->rport = bpf_ntohs(sa6.sin6_port);
	__builtin_memcpy(d->raddr, &sa6.sin6_addr, 16);
	return true;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tcpwait_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct tcpwait_dest d = {};
	struct tcpwait_proc *p;
	__u64 zero = 0, *n;

	if (ctx->ret != -EADDRNOTAVAIL)
		return 0;
	if (!kscope_task_selected())
		return 0;
	d.netns = current_netns();
	if (filter_netns && d.netns != filter_netns)
		return 0;
	counter_add(TW_CONNECT_EADDRNOTAVAIL);
	p = proc_get(bpf_get_current_pid_tgid() >> 32);
	if (p) {
		/* threads of one process fail on both CPUs at once */
		__sync_fetch_and_add(&p->eaddrnotavail, 1);
		p->cgroup_id = bpf_get_current_cgroup_id();
		p->netns = d.netns;
		bpf_get_current_comm(p->comm, sizeof(p->comm));
	}
	if (!failed_dest(&d))
		return 0;
	/* table-free: the user side tells what the LRU rows below lost from it */
	counter_add(TW_CONNECT_EADDRNOTAVAIL_DEST);
	/*
	 * Insert zero if absent, then add: two CPUs failing towards a new destination at once
	 * both see no entry, and with insert-one the second insert failed (-EEXIST), its count
	 * lost (3999 of 4000).
	 */
	n = bpf_map_lookup_elem(&failed_dests, &d);
	if (!n) {
		bpf_map_update_elem(&failed_dests, &d, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&failed_dests, &d);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

/* One record per socket of the namespace the iterator was created in (read once per namespace). */
SEC("iter/tcp")
int tcpwait_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcpwait_tw_owner *owner;
	struct tcpwait_sock rec = {};

	if (!skc)
		return 0;
	tuple_from_skc(skc, &rec.t);
	if (!tuple_selected(&rec.t))
		return 0;
	rec.state = BPF_CORE_READ(skc, skc_state);
	if (rec.state == TCP_TIME_WAIT) {
		struct tcp_timewait_sock *tw = bpf_skc_to_tcp_timewait_sock(skc);

		if (!tw)
			return 0;
		rec.is_timewait = 1;
		rec.state = BPF_CORE_READ(tw, tw_sk.tw_substate);
		owner = bpf_map_lookup_elem(&tw_owners, &rec.t);
		if (owner) {
			rec.owner_tgid = owner->tgid;
			rec.owner_cgroup = owner->cgroup_id;
			rec.side = owner->side;
		}
	}
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
