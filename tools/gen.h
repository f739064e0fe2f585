/* SPDX-License-Identifier: GPL-2.0 */
/* What the workload generators (tools/, one file each) share. */
#ifndef KSCOPE_GEN_H
#define KSCOPE_GEN_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

/* A whole decimal number in [min, max]: no sign games, no trailing text, no overflow. */
static inline bool gen_parse_long(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

#endif /* KSCOPE_GEN_H */
