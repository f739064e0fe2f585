/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the tools' aggregation maps from user space. */
#ifndef KSCOPE_MAPS_H
#define KSCOPE_MAPS_H

#include <linux/types.h>

/*
 * out[k] = sum over CPUs of a BPF_MAP_TYPE_PERCPU_ARRAY of __u64, for keys 0..nkeys-1
 * (a key that cannot be read counts 0).  Returns 0 or -errno.
 */
int maps_percpu_sum(int map_fd, __u32 nkeys, __u64 *out);

#endif /* KSCOPE_MAPS_H */
