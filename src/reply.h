/* reply.h - incremental parser for RFC 959 replies.
 *
 * Pure code: bytes in, replies out. Feed it whatever the socket returned,
 * in any chunking; it stops right after the last byte of a complete reply
 * so that the bytes that follow (the next reply) stay in the caller's buffer.
 *
 *   220 single line
 *   230-first line of a multi-line reply
 *    continuation lines: anything not starting with "230 "
 *   230 last line
 *
 * Bounds: a line longer than FTPS_MAX_LINE, more than FTPS_MAX_REPLY_LINES
 * lines or more than FTPS_MAX_REPLY_BYTES of text is a protocol error.
 */
#ifndef FTPS_REPLY_H
#define FTPS_REPLY_H

#include <stddef.h>
#include "ftps_limits.h"

struct ftps_reply {
	int code;               /* 100..599 */
	size_t nlines;          /* lines in the reply */
	size_t len;             /* strlen(text) */
	/* All lines, CRLF stripped, joined with '\n', NUL-terminated. For a
	 * multi-line reply this holds every line including the first
	 * "CODE-" and last "CODE " lines as received. */
	char text[FTPS_MAX_REPLY_BYTES + 1];
};

enum ftps_reply_state {
	FTPS_REPLY_MORE = 0,    /* need more bytes */
	FTPS_REPLY_DONE = 1,    /* a complete reply is in the parser */
	FTPS_REPLY_ERROR = -1,  /* malformed or over a bound; see errmsg */
};

struct ftps_reply_parser {
	struct ftps_reply reply;
	char line[FTPS_MAX_LINE + 2];
	size_t linelen;
	int multiline;          /* inside a "CODE-" block */
	int done;
	const char *errmsg;     /* static text when FTPS_REPLY_ERROR */
};

/* The reply code at the start of a line, or -1 when the line does not
 * start with three digits whose first is 1..5 (RFC 959's rule, also for
 * the STAT reader, stat_list.c). */
int ftps_reply_line_code(const char *s, size_t len);
void ftps_reply_parser_init(struct ftps_reply_parser *p);

/* Consume bytes from buf. *consumed receives how many were used (all of
 * them unless a reply completed early). Returns one of ftps_reply_state.
 * After DONE, read p->reply, then call ftps_reply_parser_init() before the
 * next reply. */
int ftps_reply_feed(struct ftps_reply_parser *p, const char *buf, size_t len,
                    size_t *consumed);

/* The human text of a reply on one line: the last line without its code,
 * or for a multi-line reply the first line's text. For messages. */
const char *ftps_reply_brief(const struct ftps_reply *r, char *buf, size_t buflen);

#endif
