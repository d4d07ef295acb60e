/* fuzz_reply.c - libFuzzer target for the reply parser (src/reply.c).
 *
 * The input is a stream of replies as a control connection would carry
 * it. It is parsed twice, whole and in chunks sized by its first byte; both
 * runs must see the same replies end at the same offsets, and every reply
 * must stay within the bounds of ftps_limits.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FNV-1a over what a run saw; stands in for comparing event lists. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211u;
	return h;
}

static uint64_t run(const uint8_t *data, size_t size, size_t step)
{
	static struct ftps_reply_parser p;
	uint64_t h = 14695981039346656037u;
	size_t off = 0, used, n;
	char brief[64];
	int rc = FTPS_REPLY_MORE;

	ftps_reply_parser_init(&p);
	while (off < size && rc != FTPS_REPLY_ERROR) {
		n = size - off < step ? size - off : step;
		rc = ftps_reply_feed(&p, (const char *)data + off, n, &used);
		if (used > n || p.reply.len > FTPS_MAX_REPLY_BYTES ||
		    strlen(p.reply.text) != p.reply.len || (rc == FTPS_REPLY_MORE && used != n))
			abort();
		off += used;
		if (rc == FTPS_REPLY_DONE) {
			if (p.reply.code < 100 || p.reply.code > 599 || p.reply.nlines == 0 ||
			    p.reply.nlines > FTPS_MAX_REPLY_LINES ||
			    strlen(ftps_reply_brief(&p.reply, brief, sizeof(brief))) >= sizeof(brief))
				abort();
			h = mix(mix(h, &off, sizeof(off)), p.reply.text, p.reply.len);
			ftps_reply_parser_init(&p);
		}
	}
	if (rc == FTPS_REPLY_ERROR && p.errmsg == NULL)
		abort();
	return mix(mix(h, &rc, sizeof(rc)), p.reply.text, p.reply.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && run(data, size, size) != run(data, size, 1 + data[0] % 23))
		abort();
	return 0;
}
