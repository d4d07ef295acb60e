/* listing.c - the listing parsers' entry points and what they share.
 *
 * Here: one MLSD/MLST line or one LIST line (a LIST line is sent on to
 * the DOS or the Unix parser), the incremental parser that cuts a data
 * connection's bytes into lines, and the helpers of all line parsers
 * (characters and numbers, names, link targets, tokens, the skip log).
 * The formats are in list_mlsx.c (MLSD/MLST facts, RFC 3659), list_unix.c
 * ("ls -l" style LIST), list_dos.c (DOS/IIS style LIST) and list_time.c
 * (their dates and times); listing_int.h is what they share.
 *
 * Everything a server sends is untrusted: each number is range-checked,
 * dates must exist, and a name goes through ftps_name_ok() before it
 * leaves these files.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "listing_int.h"
#include "log.h"
#include "path.h"

/* ftps_listing_parser.stopped once the entry bound was hit; any callback
 * value is non-zero and returned, this one makes feed return 0. */
#define STOPPED_FULL INT_MIN

/* ---- small character and number helpers (locale-independent) ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int lst_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

char lst_to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive: is s[0..len) exactly the NUL-terminated word w? */
int lst_word_is(const char *s, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] == '\0' || lst_to_lower(s[i]) != lst_to_lower(w[i]))
			return 0;
	return w[len] == '\0';
}

/* Case-insensitive: does s[0..len) start with w? */
int lst_starts_with(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && lst_word_is(s, n, w);
}

int lst_all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* Decimal digits to uint64; -1 on anything else or on overflow. */
int lst_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!lst_all_digits(s, len))
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* A short decimal field (2..5 digits in dates); -1 unless all digits. */
int lst_parse_small(const char *s, size_t len, int *out)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 5 || !lst_all_digits(s, len))
		return -1;
	for (i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	*out = v;
	return 0;
}

/* Drop the line end a caller may have left on the line. */
void lst_strip_eol(const char *line, size_t *len)
{
	if (*len > 0 && line[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
}

/* ---- names and link targets ---- */

int lst_set_name(struct ftps_entry *e, const char *s, size_t len)
{
	if (!ftps_name_ok(s, len))
		return -1;
	memcpy(e->name, s, len);
	e->name[len] = '\0';
	return 0;
}

/* Store a symlink target; an empty one is simply unknown. -1 when it is
 * too long or holds a NUL (it would be cut short as a C string). */
int lst_set_target(struct ftps_entry *e, const char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (len > FTPS_MAX_LINK_TARGET || memchr(s, '\0', len) != NULL)
		return -1;
	e->link_target = malloc(len + 1);
	if (e->link_target == NULL)
		return -1;
	memcpy(e->link_target, s, len);
	e->link_target[len] = '\0';
	return 0;
}

void ftps_entry_clear(struct ftps_entry *e)
{
	if (e == NULL)
		return;
	free(e->link_target);
	e->link_target = NULL;
}

/* One debug line per skipped line; the line is the server's, so it is cut
 * short here (log.c replaces control characters). */
void lst_log_skip(const char *kind, const char *why, const char *line,
              size_t len)
{
	int shown = len > 160 ? 160 : (int)len;

	ftps_debug("%s: skipped line (%s): \"%.*s\"%s", kind, why, shown, line,
	           len > 160 ? "..." : "");
}

/* ---- LIST: tokens ---- */

/* Split the start of a line into up to max blank-separated tokens. */
size_t lst_tokenize(const char *line, size_t len, struct tok *t, size_t max)
{
	size_t i = 0, n = 0;

	while (n < max) {
		while (i < len && lst_is_blank(line[i]))
			i++;
		if (i == len)
			break;
		t[n].s = line + i;
		while (i < len && !lst_is_blank(line[i]))
			i++;
		t[n].len = (size_t)(line + i - t[n].s);
		n++;
	}
	return n;
}

const char *lst_tok_end(const struct tok *t)
{
	return t->s + t->len;
}

/* ---- one line ---- */

int ftps_parse_mlsx_line(const char *line, size_t len, struct ftps_entry *e)
{
	const char *why = "";
	int rc;

	lst_strip_eol(line, &len);
	rc = lst_mlsx_parse(line, len, e, &why);

	if (rc == PARSE_SKIP)
		lst_log_skip("MLSD", why, line, len);
	return rc == PARSE_OK ? 0 : -1;
}

/* One LIST line: DOS style when it starts with a digit, else Unix. */
static int list_parse(const char *line, size_t len, time_t now,
                      struct ftps_entry *e, const char **why)
{
	struct tok t[2];
	size_t i;

	memset(e, 0, sizeof(*e));
	lst_strip_eol(line, &len);
	for (i = 0; i < len && lst_is_blank(line[i]); i++)
		;
	if (i == len)
		return PARSE_IGNORE;            /* empty or blank */
	/* "total 123" heads ls output. */
	if (lst_tokenize(line, len, t, 2) == 2 && lst_word_is(t[0].s, t[0].len, "total") &&
	    lst_all_digits(t[1].s, t[1].len) && lst_tok_end(&t[1]) == line + len)
		return PARSE_IGNORE;
	if (is_digit(line[0]))
		return lst_dos_parse(line, len, e, why);
	return lst_unix_parse(line, len, now, e, why);
}

int ftps_parse_list_line(const char *line, size_t len, time_t now,
                         struct ftps_entry *e)
{
	const char *why = "";
	int rc;

	lst_strip_eol(line, &len);
	rc = list_parse(line, len, now, e, &why);

	if (rc == PARSE_SKIP)
		lst_log_skip("LIST", why, line, len);
	if (rc != PARSE_OK)
		ftps_entry_clear(e);
	return rc == PARSE_OK ? 0 : -1;
}

/* ---- the incremental parser ---- */

void ftps_listing_parser_init(struct ftps_listing_parser *p,
                              enum ftps_listing_kind kind, time_t now,
                              ftps_entry_cb cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->now = now;
	p->cb = cb;
	p->arg = arg;
}

static int stop_value(const struct ftps_listing_parser *p)
{
	return p->stopped == STOPPED_FULL ? 0 : p->stopped;
}

/* Parse one complete line (line end removed) and hand a good entry on. */
static void take_line(struct ftps_listing_parser *p, const char *line, size_t len)
{
	struct ftps_entry e;
	const char *why = "";
	int rc;

	if (p->kind == FTPS_LISTING_MLSD)
		rc = lst_mlsx_parse(line, len, &e, &why);
	else
		rc = list_parse(line, len, p->now, &e, &why);
	if (rc != PARSE_OK) {
		if (rc == PARSE_SKIP) {
			p->skipped++;
			lst_log_skip(p->kind == FTPS_LISTING_MLSD ? "MLSD" : "LIST", why,
			         line, len);
		}
		ftps_entry_clear(&e);
		return;
	}
	p->entries++;
	rc = p->cb ? p->cb(p->arg, &e) : 0;
	ftps_entry_clear(&e);           /* unless the callback took it */
	if (rc != 0) {
		p->stopped = rc;
	} else if (p->entries >= FTPS_MAX_LISTING_ENTRIES) {
		ftps_warn("listing cut short after %zu entries", p->entries);
		p->stopped = STOPPED_FULL;
	}
}

static void end_line(struct ftps_listing_parser *p)
{
	size_t len = p->linelen;

	if (len > 0 && p->line[len - 1] == '\r')
		len--;
	if (p->overlong || len > FTPS_MAX_LINE) {
		p->skipped++;
		ftps_debug("listing: skipped a line longer than %d bytes",
		           FTPS_MAX_LINE);
	} else {
		take_line(p, p->line, len);
	}
	p->linelen = 0;
	p->overlong = 0;
}

int ftps_listing_feed(struct ftps_listing_parser *p, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && !p->stopped; i++) {
		char c = buf[i];

		if (c == '\n') {
			end_line(p);
			continue;
		}
		if (p->overlong)
			continue;
		/* Room for FTPS_MAX_LINE bytes and the CR of a CRLF. */
		if (p->linelen >= sizeof(p->line)) {
			p->overlong = 1;
			continue;
		}
		p->line[p->linelen++] = c;
	}
	return stop_value(p);
}

int ftps_listing_finish(struct ftps_listing_parser *p)
{
	if (!p->stopped && (p->linelen > 0 || p->overlong))
		end_line(p);
	return stop_value(p);
}
