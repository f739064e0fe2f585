/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One streaming JSON writer for every tool, so escaping is solved once.  Commas and nesting
 * are tracked by the writer; strings are always escaped (control bytes, quotes, backslashes
 * and bytes that are not valid UTF-8 become \uXXXX), because comm, paths and cgroup names
 * come from other processes.
 */
#ifndef KSCOPE_JSON_H
#define KSCOPE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
/* at most n bytes, stopping at a NUL: for fixed-size kernel strings such as comm */
void json_string_n(struct json *j, const char *s, size_t n);
void json_u64(struct json *j, __u64 v);
void json_i64(struct json *j, long long v);
void json_double(struct json *j, double v); /* NaN and infinities become null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* ends a top-level object: newline and flush, so each object is one line */
void json_line_end(struct json *j);

void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, __u64 v);
void json_kv_i64(struct json *j, const char *key, long long v);
void json_kv_double(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);
/* "ts": now, as seconds since the Unix epoch (CLOCK_REALTIME), microsecond precision */
void json_kv_ts(struct json *j);
/* a CLOCK_REALTIME time under another key, written as "ts" is: seconds, microseconds */
void json_kv_realtime(struct json *j, const char *key, const struct timespec *t);
/* "ts" of a kernel timestamp (bpf_ktime_get_ns(), CLOCK_MONOTONIC) on the same clock as above */
void json_kv_ts_mono(struct json *j, __u64 mono_ns);

/*
 * The envelope every top-level object of every tool opens with (docs/json.md):
 * {"tool": <out_tool_name()>, "event": "interval" | "summary" | the tool's event kind, "ts": ...}.
 * The caller adds its fields and ends with json_object_end() and json_line_end().
 */
void json_event_begin(struct json *j, const char *event);
/* The same for an event the kernel timestamped: ts is when it happened, not when it was read. */
void json_event_begin_at(struct json *j, const char *event, __u64 mono_ns);
/* What every summary carries: the run's length and the events lost (ring buffer full) or
 * missed (the kernel skipped a program run: recursion_misses). */
void json_summary_counts(struct json *j, double duration_s, __u64 lost_events, __u64 missed_events);

/* Escape into out (always NUL-terminated); returns the length the full escape needs. */
size_t json_escape(char *out, size_t out_len, const char *in, size_t in_len);

#endif /* KSCOPE_JSON_H */
