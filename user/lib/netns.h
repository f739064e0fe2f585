/* SPDX-License-Identifier: GPL-2.0 */
/* Network namespaces: --netns NAME|PATH, and the inode BPF compares against. */
#ifndef KSCOPE_NETNS_H
#define KSCOPE_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Open a namespace by name (/run/netns/NAME, as `ip netns` makes them) or path
 * (/proc/PID/ns/net).  Returns an fd and its inode number, or -1 with a reason in why.
 */
int netns_open(const char *arg, __u32 *inum, char *why, size_t why_len);
/* inode of our own network namespace */
__u32 netns_self_inum(void);
/* fd is the network namespace inum, not a file standing in its place at its path */
bool netns_fd_is(int fd, __u32 inum);
/* Run fn(ctx) inside the namespace fd, then come back.  Returns fn's result or -errno. */
int netns_run_in(int fd, int (*fn)(void *ctx), void *ctx);

/* A network namespace found on the host, and how to get into it. */
struct netns_found {
	__u32 inum;
	int pid;       /* the first process found in it; 0 when only a name holds it */
	char path[64]; /* /proc/PID/ns/net or /run/netns/NAME */
};

/*
 * Every network namespace that a process is in (/proc/PID/ns/net) or that `ip netns` holds
 * by name (/run/netns); a namespace held only by another bind mount is not found.  Returns
 * how many (*out allocated, free() it), or -errno.
 */
int netns_list(struct netns_found **out);

#endif /* KSCOPE_NETNS_H */
