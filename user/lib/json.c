// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cost.h"
#include "json.h"
#include "out.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Before any value: the comma that separates it from its predecessor, unless it follows a key. */
static void json_value_prefix(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->need_comma[j->depth - 1])
		fputc(',', j->f);
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
}

static void json_open(struct json *j, char c)
{
	json_value_prefix(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->need_comma[j->depth] = false;
	j->depth++;
}

static void json_close(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void json_object_begin(struct json *j)
{
	json_open(j, '{');
}

void json_object_end(struct json *j)
{
	json_close(j, '}');
}

void json_array_begin(struct json *j)
{
	json_open(j, '[');
}

void json_array_end(struct json *j)
{
	json_close(j, ']');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not one. */
static size_t utf8_sequence_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not valid UTF-8 */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t json_escape(char *out, size_t out_len, const char *in, size_t in_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t need = 0, o = 0;
	bool full = out_len == 0;

	for (size_t i = 0; i < in_len && s[i];) {
		char tmp[8];
		size_t n, take = 1;

		switch (s[i]) {
		case '"':
			n = 2, memcpy(tmp, "\\\"", 2);
			break;
		case '\\':
			n = 2, memcpy(tmp, "\\\\", 2);
			break;
		case '\n':
			n = 2, memcpy(tmp, "\\n", 2);
			break;
		case '\t':
			n = 2, memcpy(tmp, "\\t", 2);
			break;
		default:
			take = utf8_sequence_len(s + i, in_len - i);
			if (take == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
				n = 1, tmp[0] = s[i];
			} else if (take > 1) {
				n = take, memcpy(tmp, s + i, take);
			} else {
				/* control bytes and stray bytes: as the code point of the byte */
				take = 1;
				n = snprintf(tmp, sizeof(tmp), "\\u%04x", s[i]);
			}
		}
		i += take;
		need += n;
		/* once something did not fit, nothing after it is written: no torn escapes */
		if (!full && o + n < out_len) {
			memcpy(out + o, tmp, n);
			o += n;
		} else {
			full = true;
		}
	}
	if (out_len)
		out[o] = '\0';
	return need;
}

void json_string_n(struct json *j, const char *s, size_t n)
{
	char buf[512];
	size_t need;

	json_value_prefix(j);
	need = json_escape(buf, sizeof(buf), s, n);
	fputc('"', j->f);
	if (need < sizeof(buf)) {
		fputs(buf, j->f);
	} else {
		char *big = malloc(need + 1);

		if (big) {
			json_escape(big, need + 1, s, n);
			fputs(big, j->f);
			free(big);
		}
	}
	fputc('"', j->f);
}

void json_string(struct json *j, const char *s)
{
	json_string_n(j, s, strlen(s));
}

void json_key(struct json *j, const char *key)
{
	json_string(j, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_u64(struct json *j, __u64 v)
{
	json_value_prefix(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_i64(struct json *j, long long v)
{
	json_value_prefix(j);
	fprintf(j->f, "%lld", v);
}

void json_double(struct json *j, double v)
{
	if (isnan(v) || isinf(v)) {
		json_null(j);
		return;
	}
	json_value_prefix(j);
	fprintf(j->f, "%.6g", v);
}

void json_bool(struct json *j, bool v)
{
	json_value_prefix(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_value_prefix(j);
	fputs("null", j->f);
}

void json_line_end(struct json *j)
{
	fputc('\n', j->f);
	if (!out_batching())
		fflush(j->f);
	j->depth = 0;
	j->after_key = false;
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_u64(struct json *j, const char *key, __u64 v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_i64(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_kv_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

void json_kv_realtime(struct json *j, const char *key, const struct timespec *t)
{
	json_key(j, key);
	json_value_prefix(j);
	fprintf(j->f, "%lld.%06ld", (long long)t->tv_sec, t->tv_nsec / 1000);
}

static void json_kv_timespec(struct json *j, const struct timespec *t)
{
	json_kv_realtime(j, "ts", t);
}

void json_kv_ts(struct json *j)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	json_kv_timespec(j, &now);
}

/*
 * The kernel stamps events with CLOCK_MONOTONIC, which means nothing outside this boot; the
 * offset to CLOCK_REALTIME is read now rather than once, so a stepped wall clock is followed.
 */
void json_kv_ts_mono(struct json *j, __u64 mono_ns)
{
	struct timespec real, mono;
	long long ns;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ns = (long long)real.tv_sec * 1000000000ll + real.tv_nsec -
	     ((long long)mono.tv_sec * 1000000000ll + mono.tv_nsec) + (long long)mono_ns;
	real.tv_sec = ns / 1000000000ll;
	real.tv_nsec = ns % 1000000000ll;
	json_kv_timespec(j, &real);
}

static void json_envelope(struct json *j, const char *event)
{
	const char *name = out_tool_name();

	json_object_begin(j);
	/* a subcommand's messages say "netcheck watch", its objects are the tool's */
	json_key(j, "tool");
	json_string_n(j, name, strcspn(name, " "));
	json_kv_string(j, "event", event);
}

void json_event_begin(struct json *j, const char *event)
{
	json_envelope(j, event);
	json_kv_ts(j);
}

void json_event_begin_at(struct json *j, const char *event, __u64 mono_ns)
{
	json_envelope(j, event);
	json_kv_ts_mono(j, mono_ns);
}

void json_summary_counts(struct json *j, double duration_s, __u64 lost_events, __u64 missed_events)
{
	json_kv_double(j, "duration_s", duration_s);
	json_kv_u64(j, "lost_events", lost_events);
	json_kv_u64(j, "missed_events", missed_events);
	cost_json(j);
}
