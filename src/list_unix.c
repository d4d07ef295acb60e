/* list_unix.c - LIST lines in the style of "ls -l". RFC 959 leaves the
 * format of LIST to the server; most Unix servers send these:
 *
 *   -rw-r--r--    1 1000     1000         1234 Jan 15 14:30 notes.txt   (vsftpd)
 *   drwxr-xr-x   2 ftp      ftp          4096 Mar  3  2021 old          (ProFTPD)
 *   lrwxrwxrwx   1 root     root            7 Jan 15 14:30 lib -> usr/lib
 *   crw-r--r--   1 root     root       1,   3 Jan  1  2020 null
 *   -rw-r--r--   1 owner            1234 Jan 15 14:30 no group column
 *
 * Unix lines are not split on blanks blindly: the date (three tokens) is
 * found first, the size is the token before it, and the name starts right
 * after the single blank that follows the date, so names may begin or end
 * with blanks.
 */
#include <string.h>
#include "listing_int.h"

#define MAX_TOKENS 10

/* "-rw-r--r--", "drwxr-sr-t+", "-rwsr-xr-x@": type, permission bits. */
static int unix_mode(const struct tok *t, enum ftps_ftype *type, uint32_t *mode)
{
	static const char *const allowed[9] = {
		"r-", "w-", "xsS-", "r-", "w-", "xsSlL-", "r-", "w-", "xtT-",
	};
	static const uint32_t bit[9] = {
		0400, 0200, 0100, 040, 020, 010, 04, 02, 01,
	};
	const char *s = t->s;
	uint32_t m = 0;
	int i;

	if (t->len < 10 || t->len > 11)
		return -1;
	if (t->len == 11 && s[10] != '+' && s[10] != '.' && s[10] != '@')
		return -1;              /* ACL, SELinux context, xattrs */
	switch (s[0]) {
	case '-': *type = FTPS_FT_FILE; break;
	case 'd': *type = FTPS_FT_DIR; break;
	case 'l': *type = FTPS_FT_LINK; break;
	case 'c': case 'b': case 'p': case 's': case 'D':
		*type = FTPS_FT_OTHER; break;
	default:
		return -1;
	}
	for (i = 0; i < 9; i++) {
		char c = s[i + 1];
		if (strchr(allowed[i], c) == NULL || c == '\0')
			return -1;
		if (c == 'r' || c == 'w' || c == 'x' || c == 's' || c == 't')
			m |= bit[i];
	}
	if (s[3] == 's' || s[3] == 'S')
		m |= 04000;
	if (s[6] == 's' || s[6] == 'S' || s[6] == 'l' || s[6] == 'L')
		m |= 02000;                     /* 'l': mandatory locking */
	if (s[9] == 't' || s[9] == 'T')
		m |= 01000;
	*mode = m;
	return 0;
}

static int month_of(const struct tok *t)
{
	static const char *const names[12] = {
		"jan", "feb", "mar", "apr", "may", "jun",
		"jul", "aug", "sep", "oct", "nov", "dec",
	};
	int i;

	for (i = 0; i < 12; i++)
		if (lst_word_is(t->s, t->len, names[i]))
			return i + 1;
	return 0;
}

/* Where the date of a Unix line is: "Mon DD HH:MM", "Mon DD YYYY", or
 * ls's long-iso "YYYY-MM-DD HH:MM". Fills the entry's time and returns
 * the number of tokens it spans (3 or 2), 0 when t[0] starts no date, -1
 * when it does but the date cannot exist. */
static int unix_date(const struct tok *t, size_t ntok, time_t now,
                     struct ftps_entry *e)
{
	int mon, day, h, mi, y;

	if (ntok >= 3 && (mon = month_of(&t[0])) != 0 &&
	    lst_parse_small(t[1].s, t[1].len, &day) == 0 && t[1].len <= 2) {
		if (lst_parse_hhmm(t[2].s, t[2].len, &h, &mi) == 0) {
			if (lst_infer_year(mon, day, h, mi, now, &e->mtime) != 0)
				return -1;
			e->mtime_prec = FTPS_TP_MINUTE;
			return 3;
		}
		if (t[2].len >= 4 && lst_parse_small(t[2].s, t[2].len, &y) == 0) {
			if (lst_make_time(y, mon, day, 0, 0, 0, &e->mtime) != 0)
				return -1;
			e->mtime_prec = FTPS_TP_DAY;
			return 3;
		}
		return 0;
	}
	if (ntok >= 2 && t[0].len == 10 && t[0].s[4] == '-' && t[0].s[7] == '-' &&
	    lst_parse_small(t[0].s, 4, &y) == 0 && lst_parse_small(t[0].s + 5, 2, &mon) == 0 &&
	    lst_parse_small(t[0].s + 8, 2, &day) == 0 &&
	    lst_parse_hhmm(t[1].s, t[1].len, &h, &mi) == 0) {
		if (lst_make_time(y, mon, day, h, mi, 0, &e->mtime) != 0)
			return -1;
		e->mtime_prec = FTPS_TP_MINUTE;
		return 2;
	}
	return 0;
}

/* Could t be the size column? Devices show "major, minor" (or
 * "major,minor") there instead. */
static int size_like(const struct tok *t, enum ftps_ftype type)
{
	if (lst_all_digits(t->s, t->len))
		return 1;
	return type == FTPS_FT_OTHER && memchr(t->s, ',', t->len) != NULL;
}

/* Where the date starts with every column present: mode, links, owner,
 * group, size (and "major," before a device's minor). */
static size_t full_layout(const struct tok *t, size_t ntok, enum ftps_ftype type)
{
	if (type == FTPS_FT_OTHER && ntok > 4 && t[4].len > 0 &&
	    t[4].s[t[4].len - 1] == ',')
		return 6;
	return 5;
}

/* The size column, the token right before the date; devices, fifos and
 * sockets get no size. */
static int unix_size(const struct tok *t, size_t di, struct ftps_entry *e,
                     const char **why)
{
	const struct tok *sz = &t[di - 1];

	if (e->type == FTPS_FT_OTHER)
		return 0;
	if (lst_parse_u64(sz->s, sz->len, &e->size) != 0) {
		*why = "size too large";
		return -1;
	}
	e->has_size = 1;
	return 0;
}

/* "name" or, for a link, "name -> target". */
static int unix_name(const char *s, size_t len, struct ftps_entry *e,
                     const char **why)
{
	size_t i;

	if (e->type == FTPS_FT_LINK) {
		for (i = 0; i + 4 <= len; i++) {
			if (memcmp(s + i, " -> ", 4) == 0) {
				if (lst_set_target(e, s + i + 4, len - i - 4) != 0) {
					*why = "bad link target";
					return -1;
				}
				len = i;
				break;
			}
		}
	}
	if (lst_set_name(e, s, len) != 0) {
		ftps_entry_clear(e);
		*why = "bad name";
		return -1;
	}
	return 0;
}

int lst_unix_parse(const char *line, size_t len, time_t now,
               struct ftps_entry *e, const char **why)
{
	struct tok t[MAX_TOKENS];
	size_t ntok = lst_tokenize(line, len, t, MAX_TOKENS);
	size_t di = 0, i;
	const char *name;
	int span = 0, bad_date = 0;

	if (ntok == 0 || unix_mode(&t[0], &e->type, &e->mode) != 0) {
		*why = "no format matches";
		return PARSE_SKIP;
	}
	e->has_mode = 1;
	/* Between mode and date: links, owner, group, size; any of the
	 * first three may be missing, and a device has one more ("1, 3").
	 * A date counts only with a size column before it. When several
	 * places qualify (an owner "may" and a group "10" before a size of
	 * 1234 read like a date), the full layout wins, else the first. */
	for (i = 2; i <= 6 && i < ntok; i++) {
		int n = unix_date(&t[i], ntok - i, now, e);

		if (n < 0)
			bad_date = 1;
		if (n <= 0 || !size_like(&t[i - 1], e->type))
			continue;
		if (span == 0 || i == full_layout(t, ntok, e->type)) {
			di = i;
			span = n;
		}
	}
	if (span == 0) {
		*why = bad_date ? "impossible date" : "no date";
		return PARSE_SKIP;
	}
	if (unix_date(&t[di], ntok - di, now, e) != span)
		return PARSE_SKIP;              /* cannot happen: same input */
	if (unix_size(t, di, e, why) != 0)
		return PARSE_SKIP;
	/* The name starts after exactly one blank after the date. */
	name = lst_tok_end(&t[di + (size_t)span - 1]) + 1;
	if (name > line + len) {
		*why = "no name";
		return PARSE_SKIP;
	}
	if (unix_name(name, (size_t)(line + len - name), e, why) != 0)
		return PARSE_SKIP;
	return PARSE_OK;
}
