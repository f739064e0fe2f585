// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the machine-check decoder: any register values and any text given
 * to --decode must decode (or be refused) without crashing, overrunning a buffer or
 * producing text the JSON writer cannot carry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mcewatch_decode.h"

static __u64 take_u64(const uint8_t **p, size_t *n)
{
	__u64 v = 0;
	size_t k = *n < 8 ? *n : 8;

	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct mce_input in = {0};
	struct mce_decoded d;
	struct json j;
	char why[128], flags[128], *text;
	__u64 v;
	uint8_t mode = 0;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size) {
		mode = data[0];
		data++;
		size--;
	}
	in.vendor = mode & 1 ? MCE_VENDOR_AMD : MCE_VENDOR_INTEL;
	in.have_mcgcap = mode & 2;
	in.have_mcgstatus = mode & 4;
	in.bank = mode & 8 ? (int)(mode >> 4) : -1;
	in.status = take_u64(&data, &size);
	in.addr = take_u64(&data, &size);
	in.misc = take_u64(&data, &size);
	in.ipid = take_u64(&data, &size);
	in.mcgcap = take_u64(&data, &size);
	in.mcgstatus = take_u64(&data, &size);
	in.synd = take_u64(&data, &size);

	mce_decode(&in, &d);
	mce_flags_string(&d, flags, sizeof(flags));
	json_init(&j, sink);
	json_object_begin(&j);
	mce_json_fields(&j, &in, &d);
	json_object_end(&j);
	json_line_end(&j);
	mce_print(sink, &in, &d, "  ");

	/* the rest is what a user might type after --decode */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!mce_parse_hex(text, &v, why, sizeof(why))) {
		in.status = v;
		mce_decode(&in, &d);
	}
	free(text);
	return 0;
}
