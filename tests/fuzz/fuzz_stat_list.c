/* fuzz_stat_list.c - libFuzzer target for the STAT listing reader
 * (src/stat_list.c).
 *
 * The input is what a control connection carries after "STAT path". It is
 * read twice, whole and in chunks sized by its first byte: both runs must
 * end the reply at the same offset with the same body and flags, the body
 * must stay within the bounds of ftps_limits.h, and its entries must parse.
 *
 * fuzz-sources: src/stat_list.c
 * fuzz-max-len: 70000
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stat_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211u;
	return h;
}

static int count_cb(void *arg, struct ftps_entry *e)
{
	size_t *n = arg;

	if (e->name[0] == '\0' || strlen(e->name) > FTPS_MAX_NAME)
		abort();
	(*n)++;
	return 0;
}

static uint64_t run(const uint8_t *data, size_t size, size_t step)
{
	static struct ftps_stat_reply p;
	uint64_t h = 14695981039346656037u;
	size_t off = 0, used, n, entries = 0, counted = 0;
	int rc = FTPS_REPLY_MORE;

	ftps_stat_reply_init(&p);
	while (off < size && rc == FTPS_REPLY_MORE) {
		n = size - off < step ? size - off : step;
		rc = ftps_stat_reply_feed(&p, (const char *)data + off, n, &used);
		if (used > n || (rc == FTPS_REPLY_MORE && used != n) || p.bodylen > FTPS_MAX_REPLY_BYTES ||
		    p.kept > FTPS_MAX_REPLY_LINES || p.kept > p.lines ||
		    strlen(p.body) != p.bodylen)
			abort();
		off += used;
	}
	if ((rc == FTPS_REPLY_ERROR) != (p.errmsg != NULL))
		abort();
	if (rc == FTPS_REPLY_DONE) {
		ftps_stat_reply_entries(&p, 1764300000, count_cb, &counted, &entries, NULL);
		if (entries != counted)
			abort();
	}
	h = mix(h, &off, sizeof(off));
	h = mix(h, &rc, sizeof(rc));
	int flags[] = { p.code, p.multiline, p.done, p.crlf, p.bare_lf, p.over, p.has_dot };
	h = mix(h, flags, sizeof(flags));
	return mix(h, p.body, p.bodylen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && run(data, size, size) != run(data, size, 1 + data[0] % 23))
		abort();
	return 0;
}
