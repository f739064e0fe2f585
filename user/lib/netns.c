// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include "netns.h"

int netns_open(const char *arg, __u32 *inum, char *why, size_t why_len)
{
	char path[4096];
	struct stat st;
	int fd;

	if (strchr(arg, '/'))
		snprintf(path, sizeof(path), "%s", arg);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", arg);
	/* O_NONBLOCK: a FIFO given by mistake must not block the open until a signal */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s", path,
			 errno == ENOENT ? "no such network namespace" : strerror(errno));
		return -1;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET || fstat(fd, &st)) {
		snprintf(why, why_len, "%s is not a network namespace", path);
		close(fd);
		return -1;
	}
	*inum = st.st_ino;
	return fd;
}

__u32 netns_self_inum(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

bool netns_fd_is(int fd, __u32 inum)
{
	struct stat st;

	return ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET && !fstat(fd, &st) && st.st_ino == inum;
}

int netns_run_in(int fd, int (*fn)(void *ctx), void *ctx)
{
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ret;

	if (orig < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET)) {
		ret = -errno;
		close(orig);
		return ret;
	}
	ret = fn(ctx);
	/* coming back cannot fail for a namespace we were in a moment ago */
	if (setns(orig, CLONE_NEWNET))
		ret = -errno;
	close(orig);
	return ret;
}

static int netns_add(struct netns_found **list, size_t *n, size_t *cap, __u32 inum, int pid,
		     const char *path)
{
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].inum == inum)
			return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct netns_found *l = realloc(*list, ncap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		*list = l;
		*cap = ncap;
	}
	(*list)[*n].inum = inum;
	(*list)[*n].pid = pid;
	snprintf((*list)[*n].path, sizeof((*list)[*n].path), "%s", path);
	(*n)++;
	return 0;
}

static int netns_walk(const char *dirpath, bool pids, struct netns_found **list, size_t *n,
		      size_t *cap)
{
	char path[300];
	struct dirent *d;
	struct stat st;
	DIR *dir = opendir(dirpath);
	int err = 0;

	if (!dir)
		return 0;
	while (!err && (d = readdir(dir))) {
		if (pids && !isdigit((unsigned char)d->d_name[0]))
			continue;
		if (!pids && d->d_name[0] == '.')
			continue;
		if (pids)
			snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		else
			snprintf(path, sizeof(path), "%s/%s", dirpath, d->d_name);
		/* a kernel thread has no namespace to show; a process may exit meanwhile */
		if (stat(path, &st))
			continue;
		err = netns_add(list, n, cap, st.st_ino, pids ? atoi(d->d_name) : 0, path);
	}
	closedir(dir);
	return err;
}

int netns_list(struct netns_found **out)
{
	struct netns_found *list = NULL;
	size_t n = 0, cap = 0;
	int err;

	/* our own first, then by pid order: a container's first process before its execs */
	err = netns_add(&list, &n, &cap, netns_self_inum(), getpid(), "/proc/self/ns/net");
	if (!err)
		err = netns_walk("/proc", true, &list, &n, &cap);
	if (!err)
		err = netns_walk("/run/netns", false, &list, &n, &cap);
	if (err) {
		free(list);
		return err;
	}
	*out = list;
	return n;
}
