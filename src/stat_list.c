/* stat_list.c - a folder's listing from a STAT reply (see stat_list.h).
 *
 * A byte-at-a-time state machine over one line buffer, as in reply.c, so
 * the chunking does not matter. The first line decides the code; inside
 * a "CODE-" block only "CODE " or a bare "CODE" with that code ends the
 * reply, every other line is body. Bounds: a line over FTPS_MAX_LINE is
 * dropped from the body (and the body marked over), the kept body stops
 * at FTPS_MAX_REPLY_LINES lines or FTPS_MAX_REPLY_BYTES, and the whole
 * reply at FTPS_MAX_LISTING_BYTES.
 */
#include <stdlib.h>
#include <string.h>
#include "reply.h"
#include "stat_list.h"

void ftps_stat_reply_init(struct ftps_stat_reply *p)
{
	memset(p, 0, offsetof(struct ftps_stat_reply, body));
	p->body[0] = '\0';
}

static int fail(struct ftps_stat_reply *p, const char *msg)
{
	p->errmsg = msg;
	return FTPS_REPLY_ERROR;
}

/* Keep one body line, or mark the body over its bounds. */
static void keep(struct ftps_stat_reply *p, const char *s, size_t len)
{
	p->lines++;
	if (p->over)
		return;
	/* ProFTPD indents every line by one blank; a LIST line never
	 * starts with one. */
	if (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	if (p->kept >= FTPS_MAX_REPLY_LINES || len + 1 > FTPS_MAX_REPLY_BYTES - p->bodylen) {
		p->over = 1;
		return;
	}
	if (len >= 2 && s[0] == 'd' && s[len - 2] == ' ' && s[len - 1] == '.')
		p->has_dot = 1;
	memcpy(p->body + p->bodylen, s, len);
	p->bodylen += len;
	p->body[p->bodylen++] = '\n';
	p->body[p->bodylen] = '\0';
	p->kept++;
}

/* A line is complete in p->line (its LF not stored). */
static int end_line(struct ftps_stat_reply *p)
{
	const char *s = p->line;
	size_t len = p->linelen;
	int cr = len > 0 && s[len - 1] == '\r';
	int overlong = p->overlong;

	if (cr)
		len--;
	p->linelen = 0;
	p->overlong = 0;
	if (p->code == 0) {
		int code = overlong ? -1 : ftps_reply_line_code(s, len);
		if (code < 0)
			return fail(p, "the reply does not start with a 3-digit code");
		if (len > 3 && s[3] != ' ' && s[3] != '-')
			return fail(p, "the reply code is not followed by a space or '-'");
		p->code = code;
		p->crlf = cr;
		if (len > 3 && s[3] == '-') {
			p->multiline = 1;
			return FTPS_REPLY_MORE;
		}
		p->done = 1;
		return FTPS_REPLY_DONE;
	}
	if (p->crlf && !cr)
		p->bare_lf = 1;
	if (!overlong && ftps_reply_line_code(s, len) == p->code && (len == 3 || s[3] == ' ')) {
		p->done = 1;
		return FTPS_REPLY_DONE;
	}
	if (overlong) {
		p->lines++;
		p->over = 1;
	} else {
		keep(p, s, len);
	}
	return FTPS_REPLY_MORE;
}

int ftps_stat_reply_feed(struct ftps_stat_reply *p, const char *buf, size_t len,
                         size_t *consumed)
{
	size_t i;

	*consumed = 0;
	if (p->errmsg)
		return FTPS_REPLY_ERROR;
	if (p->done)
		return FTPS_REPLY_DONE;
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (++p->bytes > (uint64_t)FTPS_MAX_LISTING_BYTES) {
			*consumed = i + 1;
			return fail(p, "the reply is larger than 512 MiB");
		}
		if (c == '\n') {
			int rc = end_line(p);
			if (rc != FTPS_REPLY_MORE) {
				*consumed = i + 1;
				return rc;
			}
			continue;
		}
		/* Telnet's CR NUL is a CR; a NUL never reaches a line. */
		if (c == '\0' || p->overlong)
			continue;
		if (p->linelen >= sizeof(p->line)) {
			p->overlong = 1;
			continue;
		}
		p->line[p->linelen++] = c;
	}
	*consumed = len;
	return FTPS_REPLY_MORE;
}

int ftps_stat_reply_entries(const struct ftps_stat_reply *p, time_t now, ftps_entry_cb cb,
                            void *arg, size_t *entries, size_t *skipped)
{
	struct ftps_listing_parser *lp = malloc(sizeof(*lp));
	int rc;

	if (!lp)
		return -1;
	ftps_listing_parser_init(lp, FTPS_LISTING_LIST, now, cb, arg);
	rc = ftps_listing_feed(lp, p->body, p->bodylen);
	if (rc == 0)
		rc = ftps_listing_finish(lp);
	if (entries)
		*entries = lp->entries;
	if (skipped)
		*skipped = lp->skipped;
	free(lp);
	return rc;
}
