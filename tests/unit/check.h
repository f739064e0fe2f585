/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal TAP producer for the C unit tests; tests/run counts its ok/not ok lines. */
#ifndef KSCOPE_CHECK_H
#define KSCOPE_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int check_count;
static int check_failures;

static __attribute__((format(printf, 2, 3))) bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	check_count++;
	if (!ok)
		check_failures++;
	printf("%sok %d - ", ok ? "" : "not ", check_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return ok;
}

static __attribute__((unused)) bool check_str(const char *got, const char *want, const char *what)
{
	bool ok = got && strcmp(got, want) == 0;

	if (!check(ok, "%s", what))
		printf("#   got  '%s'\n#   want '%s'\n", got ? got : "(null)", want);
	return ok;
}

static __attribute__((unused)) bool check_u64(unsigned long long got, unsigned long long want,
					      const char *what)
{
	if (!check(got == want, "%s", what))
		printf("#   got  %llu\n#   want %llu\n", got, want);
	return got == want;
}

static int check_done(void)
{
	printf("1..%d\n", check_count);
	return check_failures ? 1 : 0;
}

#endif /* KSCOPE_CHECK_H */
