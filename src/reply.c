/* reply.c - incremental parser for RFC 959 replies (see reply.h).
 *
 * The parser is a byte-at-a-time state machine over one line buffer, so it
 * does not care how the socket chunked the bytes. A line ends at LF; one CR
 * right before it is dropped, any other CR stays in the line. Samples of
 * what servers really send:
 *
 *   220 (vsFTPd 3.0.3)\r\n                    single line
 *   220\r\n                                   code only, still complete
 *   211-Features:\r\n MLST type*;size*;\r\n 211 End\r\n
 *   230-Welcome\n230-more\n 230 indented\n230 Login successful.\n
 *                                             LF only; "230-" and " 230 "
 *                                             inside the block are text
 *
 * Every bound is checked before a byte is stored, and an error is sticky
 * until the parser is initialised again: the caller is expected to drop a
 * connection whose replies it can no longer frame.
 */
#include <string.h>
#include "reply.h"

void ftps_reply_parser_init(struct ftps_reply_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->reply.text[0] = '\0';
}

static int fail(struct ftps_reply_parser *p, const char *msg)
{
	p->errmsg = msg;
	return FTPS_REPLY_ERROR;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int ftps_reply_line_code(const char *s, size_t len)
{
	if (len < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]))
		return -1;
	if (s[0] < '1' || s[0] > '5')
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* Append the current line to the reply text, joined with '\n'. */
static int append_line(struct ftps_reply_parser *p, const char *s, size_t len)
{
	struct ftps_reply *r = &p->reply;
	size_t sep = r->nlines > 0 ? 1 : 0;

	if (r->nlines >= FTPS_MAX_REPLY_LINES)
		return fail(p, "reply has too many lines");
	if (len + sep > FTPS_MAX_REPLY_BYTES - r->len)
		return fail(p, "reply is too long");
	if (sep)
		r->text[r->len++] = '\n';
	memcpy(r->text + r->len, s, len);
	r->len += len;
	r->text[r->len] = '\0';
	r->nlines++;
	return FTPS_REPLY_MORE;
}

/* A complete line is in p->line (its LF not stored). Decide what it is. */
static int end_line(struct ftps_reply_parser *p)
{
	const char *s = p->line;
	size_t len = p->linelen;
	int code;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > FTPS_MAX_LINE)
		return fail(p, "reply line is too long");
	p->linelen = 0;

	if (!p->multiline) {
		/* First line: "CODE", "CODE text" or "CODE-text". */
		code = ftps_reply_line_code(s, len);
		if (code < 0)
			return fail(p, "reply does not start with a 3-digit code");
		if (len > 3 && s[3] != ' ' && s[3] != '-')
			return fail(p, "reply code is not followed by a space or '-'");
		if (append_line(p, s, len) != FTPS_REPLY_MORE)
			return FTPS_REPLY_ERROR;
		p->reply.code = code;
		if (len > 3 && s[3] == '-') {
			p->multiline = 1;
			return FTPS_REPLY_MORE;
		}
		p->done = 1;
		return FTPS_REPLY_DONE;
	}

	/* Inside a block only "CODE " (or a bare "CODE") with the first
	 * line's code ends it; everything else is text. */
	if (append_line(p, s, len) != FTPS_REPLY_MORE)
		return FTPS_REPLY_ERROR;
	if (ftps_reply_line_code(s, len) == p->reply.code && (len == 3 || s[3] == ' ')) {
		p->done = 1;
		return FTPS_REPLY_DONE;
	}
	return FTPS_REPLY_MORE;
}

int ftps_reply_feed(struct ftps_reply_parser *p, const char *buf, size_t len,
                    size_t *consumed)
{
	size_t i;
	int rc;

	*consumed = 0;
	if (p->errmsg)
		return FTPS_REPLY_ERROR;
	if (p->done)
		return FTPS_REPLY_DONE;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			rc = end_line(p);
			if (rc != FTPS_REPLY_MORE) {
				*consumed = i + 1;
				return rc;
			}
			continue;
		}
		/* Telnet's "CR NUL" stands for a bare CR; NUL itself never
		 * reaches the text, so len always equals strlen(text). */
		if (c == '\0')
			continue;
		/* Room for FTPS_MAX_LINE bytes plus the CR of a CRLF. */
		if (p->linelen >= FTPS_MAX_LINE + 1) {
			*consumed = i + 1;
			return fail(p, "reply line is too long");
		}
		p->line[p->linelen++] = c;
	}
	*consumed = len;
	return FTPS_REPLY_MORE;
}

/* Skip "CODE" and its separator, then blanks. */
static const char *line_text(const char *s, size_t len, size_t *tlen)
{
	size_t i = len < 4 ? len : 4;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*tlen = len - i;
	return s + i;
}

/* Copy text into buf as one printable line, trailing blanks removed. */
static const char *copy_brief(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t n = len < buflen - 1 ? len : buflen - 1;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

const char *ftps_reply_brief(const struct ftps_reply *r, char *buf, size_t buflen)
{
	const char *first, *last, *nl, *t;
	size_t firstlen, lastlen, tlen;

	if (buf == NULL || buflen == 0)
		return "";
	buf[0] = '\0';
	if (r == NULL || r->nlines == 0 || r->len > FTPS_MAX_REPLY_BYTES)
		return buf;

	first = r->text;
	nl = memchr(first, '\n', r->len);
	firstlen = nl ? (size_t)(nl - first) : r->len;
	t = line_text(first, firstlen, &tlen);
	if (r->nlines == 1 || tlen > 0)
		return copy_brief(t, tlen, buf, buflen);

	/* A multi-line reply whose first line carries no text ("230-"):
	 * the last line says it instead. */
	last = memrchr(r->text, '\n', r->len);
	last = last ? last + 1 : r->text;
	lastlen = r->len - (size_t)(last - r->text);
	t = line_text(last, lastlen, &tlen);
	return copy_brief(t, tlen, buf, buflen);
}
