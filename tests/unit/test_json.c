// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: escaping of hostile strings and the shape of nested output. */
#include <stdlib.h>
#include "check.h"
#include "json.h"
#include "out.h"

static const char *escaped(const char *in, size_t len)
{
	static char buf[256];

	json_escape(buf, sizeof(buf), in, len);
	return buf;
}

static char *written(void (*fn)(struct json *j))
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct json j;

	json_init(&j, f);
	fn(&j);
	fclose(f);
	return buf;
}

static void nested(struct json *j)
{
	json_object_begin(j);
	json_kv_u64(j, "a", 1);
	json_key(j, "list");
	json_array_begin(j);
	json_u64(j, 2);
	json_null(j);
	json_object_begin(j);
	json_kv_bool(j, "ok", true);
	json_object_end(j);
	json_array_end(j);
	json_kv_string(j, "s", "x\"y");
	json_kv_double(j, "nan", 0.0 / 0.0);
	json_object_end(j);
}

static void comm16(struct json *j)
{
	/* a comm fills all 16 bytes with no NUL: the writer must stop at the bound */
	char comm[16];

	memset(comm, 'A', sizeof(comm));
	json_string_n(j, comm, sizeof(comm));
}

int main(void)
{
	check_str(escaped("plain", 5), "plain", "plain ASCII passes");
	check_str(escaped("a\"b\\c", 5), "a\\\"b\\\\c", "quote and backslash escaped");
	check_str(escaped("\x1b[31mred", 8), "\\u001b[31mred", "terminal escape becomes \\u001b");
	check_str(escaped("line\nnext\t", 10), "line\\nnext\\t", "newline and tab");
	check_str(escaped("\x7f", 1), "\\u007f", "DEL escaped");
	check_str(escaped("caf\xc3\xa9", 5), "caf\xc3\xa9", "valid UTF-8 kept");
	check_str(escaped("bad\xff\xfe", 5), "bad\\u00ff\\u00fe", "invalid bytes escaped");
	check_str(escaped("\xc3", 1), "\\u00c3", "truncated UTF-8 sequence escaped");
	check_str(escaped("\xc0\xaf", 2), "\\u00c0\\u00af", "overlong encoding escaped");
	check_str(escaped("\xed\xa0\x80", 3), "\\u00ed\\u00a0\\u0080", "surrogate escaped");
	check_str(escaped("ab\0cd", 5), "ab", "stops at NUL");
	check_u64(json_escape(NULL, 0, "\x01", 1), 6, "reports the length it needs");

	char small[5];
	json_escape(small, sizeof(small), "ab\x01", 3);
	check_str(small, "ab", "an escape that does not fit is left out whole");

	check_str(written(nested),
		  "{\"a\":1,\"list\":[2,null,{\"ok\":true}],\"s\":\"x\\\"y\",\"nan\":null}",
		  "nested objects and arrays, commas, NaN as null");
	check_str(written(comm16), "\"AAAAAAAAAAAAAAAA\"", "unterminated comm bounded by its size");

	char out[64];
	out_sanitize(out, sizeof(out), "ok\x1b]0;pwn\x07\\", 12);
	check_str(out, "ok\\x1b]0;pwn\\x07\\\\", "table sanitizer escapes control bytes");
	return check_done();
}
