/* fuzz_replies.c - libFuzzer target for the SIZE, MDTM, MLST and HASH reply
 * parsers (src/replies.c).
 *
 * The first byte is the room given for a digest (0..255); the rest is a
 * reply's text, handed to every parser in a heap copy of exactly its
 * length, with no NUL after it, and the digest goes into a heap buffer of
 * exactly that room: a read past the text or a write past the room is
 * ASan's to catch. What is accepted must also make sense: a size that is
 * written in the text, a time with a four-digit year, a name a listing
 * may pass on, a digest of lower-case hex that fits. Run by scripts/fuzz.
 *
 * fuzz-sources: src/replies.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:60Z. */
#define MIN_TIME14 (-62135596800LL)
#define MAX_TIME14 253402300800LL

static void check_digest(const char *out, size_t outlen)
{
	size_t n = strnlen(out, outlen);

	if (n < 8 || n >= outlen || strspn(out, "0123456789abcdef") != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftps_entry e;
	char num[24], *text, *out;
	size_t len, outlen;
	uint64_t sz;
	int64_t t;

	if (size == 0)
		return 0;
	outlen = data[0];
	len = size - 1;
	text = malloc(len ? len : 1);
	out = malloc(outlen ? outlen : 1);
	if (text == NULL || out == NULL)
		abort();
	memcpy(text, data + 1, len);

	if (ftps_parse_size_reply(text, len, &sz) == 0) {
		/* Leading zeros aside, the number is in the text as it is. */
		int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)sz);
		if (memmem(text, len, num, (size_t)n) == NULL)
			abort();
	}
	if (ftps_parse_mdtm_reply(text, len, &t) == 0 &&
	    (len < 18 || t < MIN_TIME14 || t > MAX_TIME14))
		abort();

	memset(&e, 0, sizeof(e));
	if (ftps_parse_mlst_reply(text, len, &e) == 0) {
		if (!ftps_name_ok(e.name, strnlen(e.name, sizeof(e.name))) ||
		    (e.mode & ~07777u) != 0 || e.mtime_nsec < 0 || e.mtime_nsec > 999999999 ||
		    (e.link_target && strlen(e.link_target) > FTPS_MAX_LINK_TARGET))
			abort();
	}
	ftps_entry_clear(&e);

	if (ftps_parse_hash_reply(text, len, out, outlen) == 0)
		check_digest(out, outlen);
	if (ftps_parse_xhash_reply(text, len, out, outlen) == 0)
		check_digest(out, outlen);

	free(out);
	free(text);
	return 0;
}
