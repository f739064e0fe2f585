/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages and formatting.  One error path that knows about --json; notes for degraded modes;
 * safe rendering of strings from other processes in tables; human units.
 */
#ifndef KSCOPE_OUT_H
#define KSCOPE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Set once by the tool (opts_parse does it): the prefix of messages and the JSON mode.  Also
 * makes the exit status 1, with a sentence, when standard output could not be written.
 */
void out_init(const char *tool_name, bool json, bool verbose);
/* Before anything is opened (opts_parse does it): fds 0-2 that are closed get /dev/null. */
void out_stdio_guard(void);
/* fflush(stdout); -1 after one sentence on stderr when the output cannot be written. */
int out_flush(void);
bool out_failed(void);
const char *out_tool_name(void);
bool out_json(void);
bool out_verbose(void);

/*
 * A runtime failure: "tool: <sentence>" on stderr, or {"error": "<sentence>"} on stdout with
 * --json.  The sentence says what to do, not an errno.
 */
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* From now on notes are not printed (errors are): a --prom-file daemon after start-up. */
void out_quiet(void);
/* A one-line note on stderr ("tool: note: ..."): degraded modes, lost events. */
void out_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void out_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Render untrusted bytes (comm, paths, cgroup names) for a terminal table: printable ASCII
 * stays, a backslash becomes "\\", anything else "\xNN".  Stops at NUL or in_len.
 */
size_t out_sanitize(char *out, size_t out_len, const char *in, size_t in_len);

/* "1.5 GiB", "512 B": buf of at least 16 bytes */
const char *out_bytes(char *buf, size_t len, __u64 bytes);
/* "850 ns", "12.3 us", "4.56 ms", "1.20 s" */
const char *out_duration(char *buf, size_t len, __u64 ns);
/* "HH:MM:SS" of now, for -T */
const char *out_clock(char *buf, size_t len);

/* Seconds since boot, the clock bpf_ktime_get_ns() reads. */
__u64 out_monotonic_ns(void);

/*
 * A drain of the event stream: between out_batch(true) and out_batch(false) a JSON line does
 * not flush stdout (a write() per event was where a 50k events/s stream lost its time);
 * out_batch(false) flushes once.  On a terminal stdout stays line-buffered regardless.
 */
void out_batch(bool on);
bool out_batching(void);

#endif /* KSCOPE_OUT_H */
