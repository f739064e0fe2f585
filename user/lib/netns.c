// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
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
	fd = open(path, O_RDONLY | O_CLOEXEC);
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
