/* listing.c - MLSD/MLST facts, Unix "ls -l" LIST and DOS/IIS LIST parsers.
 *
 * Lines as servers send them (all parsed here):
 *
 *   type=file;size=1234;modify=20240115143000.123;perm=adfrw;UNIX.mode=0644; a b
 *   -rw-r--r--    1 1000     1000         1234 Jan 15 14:30 notes.txt   (vsftpd)
 *   drwxr-xr-x   2 ftp      ftp          4096 Mar  3  2021 old          (ProFTPD)
 *   lrwxrwxrwx   1 root     root            7 Jan 15 14:30 lib -> usr/lib
 *   crw-r--r--   1 root     root       1,   3 Jan  1  2020 null
 *   -rw-r--r--   1 owner            1234 Jan 15 14:30 no group column
 *   01-15-24  02:30PM       <DIR>          Program Files                  (IIS)
 *   01-15-2024  14:30                 1234 report.doc
 *
 * Unix lines are not split on blanks blindly: the date (three tokens) is
 * found first, the size is the token before it, and the name starts right
 * after the single blank that follows the date, so names may begin or end
 * with blanks. Everything a server sends is untrusted: each number is
 * range-checked, dates must exist, and a name goes through ftps_name_ok()
 * before it leaves this file. Times are UTC; a listing has no zone.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "listing.h"
#include "log.h"
#include "path.h"

/* What a line parser decided. IGNORE is for lines that are fine but carry
 * no entry ("total 12", cdir/pdir, empty lines): they are not logged. */
enum parse_result { PARSE_SKIP = -1, PARSE_IGNORE = 0, PARSE_OK = 1 };

/* ftps_listing_parser.stopped once the entry bound was hit; any callback
 * value is non-zero and returned, this one makes feed return 0. */
#define STOPPED_FULL INT_MIN

#define SECS_PER_DAY 86400

/* ---- small character and number helpers (locale-independent) ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive: is s[0..len) exactly the NUL-terminated word w? */
static int word_is(const char *s, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] == '\0' || to_lower(s[i]) != to_lower(w[i]))
			return 0;
	return w[len] == '\0';
}

/* Case-insensitive: does s[0..len) start with w? */
static int starts_with(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && word_is(s, n, w);
}

static int all_digits(const char *s, size_t len)
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
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!all_digits(s, len))
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
static int parse_small(const char *s, size_t len, int *out)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 5 || !all_digits(s, len))
		return -1;
	for (i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	*out = v;
	return 0;
}

/* Two digits already known to be digits. */
static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Drop the line end a caller may have left on the line. */
static void strip_eol(const char *line, size_t *len)
{
	if (*len > 0 && line[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
}

/* ---- dates ---- */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Seconds since the epoch for a UTC date and time, like timegm(), but for
 * any year 1..99999 whatever the width of time_t, and refusing dates that
 * do not exist (Feb 30, hour 24) instead of normalising them. Second 60
 * (a leap second) is accepted and lands on the next minute. */
static int make_time(int64_t y, int mon, int day, int h, int mi, int s,
                     int64_t *out)
{
	static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243,
	                                273, 304, 334 };
	int64_t py, days;

	if (y < 1 || y > 99999 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(y, mon) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return -1;
	/* Days from 0001-01-01 to y-01-01, then to the date; 719162 of
	 * them lie before 1970-01-01. */
	py = y - 1;
	days = py * 365 + py / 4 - py / 100 + py / 400;
	days += before[mon - 1] + (mon > 2 && is_leap(y)) + (day - 1);
	days -= 719162;
	*out = days * SECS_PER_DAY + h * 3600 + mi * 60 + s;
	return 0;
}

/* The year of a UTC time, by the same calendar (no gmtime: time_t may be
 * out of its range). Exact for the years make_time() accepts. */
static int64_t year_of(int64_t t)
{
	int64_t y = 1970 + t / (SECS_PER_DAY * 36525LL / 100);
	int64_t start;
	int i;

	/* The estimate is off by at most one year; walk to the right one. */
	for (i = 0; i < 4; i++) {
		if (make_time(y, 1, 1, 0, 0, 0, &start) == 0 && start > t)
			y--;
		else if (make_time(y + 1, 1, 1, 0, 0, 0, &start) == 0 && start <= t)
			y++;
		else
			break;
	}
	return y;
}

int ftps_parse_time14(const char *s, size_t len, int64_t *sec, int32_t *nsec,
                      enum ftps_tprec *prec)
{
	int32_t ns = 0;
	size_t i;

	if (s == NULL || len < 14 || !all_digits(s, 14))
		return -1;
	if (len > 14) {
		/* ".sss": any number of digits, kept to the nanosecond. */
		if (s[14] != '.' || len == 15 || !all_digits(s + 15, len - 15))
			return -1;
		for (i = 0; i < 9; i++)
			ns = ns * 10 + (15 + i < len ? s[15 + i] - '0' : 0);
	}
	if (make_time(two_digits(s) * 100 + two_digits(s + 2), two_digits(s + 4),
	              two_digits(s + 6), two_digits(s + 8), two_digits(s + 10),
	              two_digits(s + 12), sec) != 0)
		return -1;
	*nsec = ns;
	*prec = len > 14 ? FTPS_TP_SUBSEC : FTPS_TP_SECOND;
	return 0;
}

/* ---- names and link targets ---- */

static int set_name(struct ftps_entry *e, const char *s, size_t len)
{
	if (!ftps_name_ok(s, len))
		return -1;
	memcpy(e->name, s, len);
	e->name[len] = '\0';
	return 0;
}

/* Store a symlink target; an empty one is simply unknown. -1 when it is
 * too long or holds a NUL (it would be cut short as a C string). */
static int set_target(struct ftps_entry *e, const char *s, size_t len)
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
static void log_skip(const char *kind, const char *why, const char *line,
                     size_t len)
{
	int shown = len > 160 ? 160 : (int)len;

	ftps_debug("%s: skipped line (%s): \"%.*s\"%s", kind, why, shown, line,
	           len > 160 ? "..." : "");
}

/* ---- MLSD / MLST (RFC 3659) ---- */

/* What the facts said, before it is checked and copied into the entry. */
struct mlsx_facts {
	int cdir;               /* type=cdir or pdir: no entry */
	int has_sizd;
	uint64_t sizd;
	int has_uid, has_gid;
	const char *target;     /* from type=OS.unix=slink:target */
	size_t targetlen;
};

/* Octal digits (e.g. "0644", "100644", "755"); the permission bits only. */
static int parse_octal_mode(const char *s, size_t len, uint32_t *mode)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		v = v * 8 + (uint32_t)(s[i] - '0');
	}
	*mode = v & 07777;
	return 0;
}

static int parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, len, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* type=file|dir|cdir|pdir|OS.unix=slink:/target|OS.unix=chr... */
static void mlsx_type(const char *v, size_t vlen, struct ftps_entry *e,
                      struct mlsx_facts *f)
{
	const char *sub;
	size_t sublen, n;

	if (word_is(v, vlen, "file"))
		e->type = FTPS_FT_FILE;
	else if (word_is(v, vlen, "dir"))
		e->type = FTPS_FT_DIR;
	else if (word_is(v, vlen, "cdir") || word_is(v, vlen, "pdir"))
		f->cdir = 1;
	else if (starts_with(v, vlen, "OS.unix=")) {
		sub = v + 8;
		sublen = vlen - 8;
		n = 0;
		while (n < sublen && sub[n] != ':')
			n++;
		if (word_is(sub, n, "slink") || word_is(sub, n, "symlink")) {
			e->type = FTPS_FT_LINK;
			if (n < sublen) {
				f->target = sub + n + 1;
				f->targetlen = sublen - n - 1;
			}
		} else if (word_is(sub, n, "dir")) {
			e->type = FTPS_FT_DIR;
		} else if (word_is(sub, n, "file")) {
			e->type = FTPS_FT_FILE;
		} else {
			e->type = FTPS_FT_OTHER;        /* blk, chr, fifo, sock... */
		}
	} else {
		e->type = FTPS_FT_UNKNOWN;
	}
}

/* One "name=value" fact. Unknown facts are ignored; a malformed value of
 * an optional fact is ignored too, except a size that does not fit: then
 * the entry cannot be trusted. */
static int mlsx_fact(const char *k, size_t klen, const char *v, size_t vlen,
                     struct ftps_entry *e, struct mlsx_facts *f,
                     const char **why)
{
	if (word_is(k, klen, "type")) {
		mlsx_type(v, vlen, e, f);
	} else if (word_is(k, klen, "size")) {
		if (parse_u64(v, vlen, &e->size) != 0) {
			*why = "bad size fact";
			return -1;
		}
		e->has_size = 1;
	} else if (word_is(k, klen, "sizd")) {
		if (parse_u64(v, vlen, &f->sizd) == 0)
			f->has_sizd = 1;
	} else if (word_is(k, klen, "modify")) {
		if (ftps_parse_time14(v, vlen, &e->mtime, &e->mtime_nsec,
		                      &e->mtime_prec) != 0) {
			e->mtime = 0;
			e->mtime_nsec = 0;
			e->mtime_prec = FTPS_TP_NONE;
		}
	} else if (word_is(k, klen, "perm")) {
		size_t n = vlen < sizeof(e->perm) - 1 ? vlen : sizeof(e->perm) - 1;
		memcpy(e->perm, v, n);
		e->perm[n] = '\0';
		e->has_perm = 1;
	} else if (word_is(k, klen, "unix.mode")) {
		if (parse_octal_mode(v, vlen, &e->mode) == 0)
			e->has_mode = 1;
	} else if (word_is(k, klen, "unix.uid") || word_is(k, klen, "unix.owner")) {
		/* unix.owner may be a name on some servers: only numbers count. */
		if (parse_u32(v, vlen, &e->uid) == 0)
			f->has_uid = 1;
	} else if (word_is(k, klen, "unix.gid") || word_is(k, klen, "unix.group")) {
		if (parse_u32(v, vlen, &e->gid) == 0)
			f->has_gid = 1;
	} else if (word_is(k, klen, "unique")) {
		/* A cut-short unique could collide with another: keep none. */
		if (vlen < sizeof(e->unique)) {
			memcpy(e->unique, v, vlen);
			e->unique[vlen] = '\0';
		}
	}
	return 0;
}

/* Split the line into facts and name. The facts end at the first "; "
 * (no value may hold a ';'); the name after it is taken verbatim. A line
 * starting with a blank is MLST's indented form, or an entry without any
 * facts (" name"). */
static int mlsx_split(const char *line, size_t len, const char **facts,
                      size_t *flen, const char **name, size_t *nlen)
{
	size_t start = (len > 0 && line[0] == ' ') ? 1 : 0;
	size_t i;

	if (start < len && line[start] == ' ') {
		*facts = line + start;
		*flen = 0;
		*name = line + start + 1;
		*nlen = len - start - 1;
		return 0;
	}
	for (i = start; i + 1 < len; i++) {
		if (line[i] == ';' && line[i + 1] == ' ') {
			*facts = line + start;
			*flen = i + 1 - start;
			*name = line + i + 2;
			*nlen = len - i - 2;
			return 0;
		}
	}
	if (start == 1) {
		*facts = line + 1;
		*flen = 0;
		*name = line + 1;
		*nlen = len - 1;
		return 0;
	}
	return -1;
}

static int mlsx_parse(const char *line, size_t len, struct ftps_entry *e,
                      const char **why)
{
	struct mlsx_facts f;
	const char *facts, *name;
	size_t flen, nlen, i, j, eq;

	memset(e, 0, sizeof(*e));
	memset(&f, 0, sizeof(f));
	strip_eol(line, &len);
	if (len == 0)
		return PARSE_IGNORE;
	if (mlsx_split(line, len, &facts, &flen, &name, &nlen) != 0) {
		*why = "no \"; \" before the name";
		return PARSE_SKIP;
	}

	for (i = 0; i < flen; i = j + 1) {
		for (j = i; j < flen && facts[j] != ';'; j++)
			;
		if (j == i)
			continue;               /* ";;" */
		for (eq = i; eq < j && facts[eq] != '='; eq++)
			;
		if (eq == i || eq == j) {
			*why = "fact without name=value";
			return PARSE_SKIP;
		}
		if (mlsx_fact(facts + i, eq - i, facts + eq + 1, j - eq - 1, e, &f,
		              why) != 0)
			return PARSE_SKIP;
	}
	if (f.cdir)
		return PARSE_IGNORE;
	if (!e->has_size && f.has_sizd) {
		e->has_size = 1;
		e->size = f.sizd;
	}
	e->has_owner = f.has_uid && f.has_gid;
	if (!e->has_owner)
		e->uid = e->gid = 0;
	if (set_name(e, name, nlen) != 0) {
		*why = "bad name";
		return PARSE_SKIP;
	}
	if (f.target != NULL && set_target(e, f.target, f.targetlen) != 0) {
		*why = "bad link target";
		return PARSE_SKIP;
	}
	return PARSE_OK;
}

int ftps_parse_mlsx_line(const char *line, size_t len, struct ftps_entry *e)
{
	const char *why = "";
	int rc;

	strip_eol(line, &len);
	rc = mlsx_parse(line, len, e, &why);

	if (rc == PARSE_SKIP)
		log_skip("MLSD", why, line, len);
	return rc == PARSE_OK ? 0 : -1;
}

/* ---- LIST: tokens ---- */

struct tok {
	const char *s;
	size_t len;
};

#define MAX_TOKENS 10

/* Split the start of a line into up to max blank-separated tokens. */
static size_t tokenize(const char *line, size_t len, struct tok *t, size_t max)
{
	size_t i = 0, n = 0;

	while (n < max) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		t[n].s = line + i;
		while (i < len && !is_blank(line[i]))
			i++;
		t[n].len = (size_t)(line + i - t[n].s);
		n++;
	}
	return n;
}

static const char *tok_end(const struct tok *t)
{
	return t->s + t->len;
}

/* ---- LIST: Unix ---- */

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
		if (word_is(t->s, t->len, names[i]))
			return i + 1;
	return 0;
}

/* "H:MM" or "HH:MM" (ranges checked later, by make_time). */
static int parse_hhmm(const char *s, size_t len, int *h, int *mi)
{
	const char *colon = memchr(s, ':', len);
	size_t hl;

	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - s);
	if (hl < 1 || hl > 2 || len - hl - 1 != 2)
		return -1;
	if (parse_small(s, hl, h) != 0 || parse_small(colon + 1, 2, mi) != 0)
		return -1;
	return 0;
}

/* The latest time on month/day at h:mi that is not more than a day after
 * now: what "Mon DD HH:MM" means (a file from the last months; the day
 * allows for servers whose clock or zone is ahead of ours). */
static int infer_year(int mon, int day, int h, int mi, time_t now, int64_t *out)
{
	int64_t limit, y, t;
	int i;

	if ((int64_t)now > INT64_MAX - SECS_PER_DAY)
		return -1;
	limit = (int64_t)now + SECS_PER_DAY;
	y = year_of((int64_t)now);

	/* Nine years back reach a Feb 29 from any starting year. */
	for (i = 0; i < 10; i++, y--) {
		if (make_time(y + 1, mon, day, h, mi, 0, &t) == 0 && t <= limit) {
			*out = t;
			return 0;
		}
	}
	return -1;
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
	    parse_small(t[1].s, t[1].len, &day) == 0 && t[1].len <= 2) {
		if (parse_hhmm(t[2].s, t[2].len, &h, &mi) == 0) {
			if (infer_year(mon, day, h, mi, now, &e->mtime) != 0)
				return -1;
			e->mtime_prec = FTPS_TP_MINUTE;
			return 3;
		}
		if (t[2].len >= 4 && parse_small(t[2].s, t[2].len, &y) == 0) {
			if (make_time(y, mon, day, 0, 0, 0, &e->mtime) != 0)
				return -1;
			e->mtime_prec = FTPS_TP_DAY;
			return 3;
		}
		return 0;
	}
	if (ntok >= 2 && t[0].len == 10 && t[0].s[4] == '-' && t[0].s[7] == '-' &&
	    parse_small(t[0].s, 4, &y) == 0 && parse_small(t[0].s + 5, 2, &mon) == 0 &&
	    parse_small(t[0].s + 8, 2, &day) == 0 &&
	    parse_hhmm(t[1].s, t[1].len, &h, &mi) == 0) {
		if (make_time(y, mon, day, h, mi, 0, &e->mtime) != 0)
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
	if (all_digits(t->s, t->len))
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
	if (parse_u64(sz->s, sz->len, &e->size) != 0) {
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
				if (set_target(e, s + i + 4, len - i - 4) != 0) {
					*why = "bad link target";
					return -1;
				}
				len = i;
				break;
			}
		}
	}
	if (set_name(e, s, len) != 0) {
		ftps_entry_clear(e);
		*why = "bad name";
		return -1;
	}
	return 0;
}

static int unix_parse(const char *line, size_t len, time_t now,
                      struct ftps_entry *e, const char **why)
{
	struct tok t[MAX_TOKENS];
	size_t ntok = tokenize(line, len, t, MAX_TOKENS);
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
	name = tok_end(&t[di + (size_t)span - 1]) + 1;
	if (name > line + len) {
		*why = "no name";
		return PARSE_SKIP;
	}
	if (unix_name(name, (size_t)(line + len - name), e, why) != 0)
		return PARSE_SKIP;
	return PARSE_OK;
}

/* ---- LIST: DOS / IIS ---- */

/* "MM-DD-YY", "MM-DD-YYYY" (also with '/'), or "YYYY-MM-DD". */
static int dos_date(const struct tok *t, int *y, int *mon, int *day)
{
	const char *s = t->s;
	char sep;

	if (t->len == 10 && s[4] == '-' && s[7] == '-')
		return (parse_small(s, 4, y) == 0 && parse_small(s + 5, 2, mon) == 0 &&
		        parse_small(s + 8, 2, day) == 0) ? 0 : -1;
	if (t->len != 8 && t->len != 10)
		return -1;
	sep = s[2];
	if ((sep != '-' && sep != '/') || s[5] != sep)
		return -1;
	if (parse_small(s, 2, mon) != 0 || parse_small(s + 3, 2, day) != 0 ||
	    parse_small(s + 6, t->len - 6, y) != 0)
		return -1;
	if (t->len == 8)
		*y += *y < 70 ? 2000 : 1900;
	return 0;
}

/* "02:30PM", "14:30", or "02:30" followed by a separate "PM" token.
 * Returns how many tokens it used, 0 if none. */
static int dos_time(const struct tok *t, size_t ntok, int *h, int *mi)
{
	size_t len = t[0].len;
	const char *ampm = NULL;
	int used = 1;

	if (len > 2 && (starts_with(t[0].s + len - 2, 2, "am") ||
	                starts_with(t[0].s + len - 2, 2, "pm"))) {
		ampm = t[0].s + len - 2;
		len -= 2;
	} else if (ntok > 1 && (word_is(t[1].s, t[1].len, "am") ||
	                        word_is(t[1].s, t[1].len, "pm"))) {
		ampm = t[1].s;
		used = 2;
	}
	if (parse_hhmm(t[0].s, len, h, mi) != 0)
		return 0;
	if (ampm != NULL) {
		if (*h < 1 || *h > 12)
			return -1;
		*h %= 12;
		if (to_lower(ampm[0]) == 'p')
			*h += 12;
	}
	return used;
}

/* Digits, maybe with thousands separators ("1,234,567"). */
static int dos_size(const struct tok *t, uint64_t *size)
{
	char digits[32];
	size_t i, n = 0;

	for (i = 0; i < t->len; i++) {
		if (t->s[i] == ',' && i > 0)
			continue;
		if (n == sizeof(digits))
			return -1;
		digits[n++] = t->s[i];
	}
	return parse_u64(digits, n, size);
}

static int dos_parse(const char *line, size_t len, struct ftps_entry *e,
                     const char **why)
{
	struct tok t[5];
	size_t ntok = tokenize(line, len, t, 4);
	int y, mon, day, h, mi, used;
	const char *name;
	const struct tok *what;

	*why = "no format matches";
	if (ntok < 3 || dos_date(&t[0], &y, &mon, &day) != 0)
		return PARSE_SKIP;
	used = dos_time(&t[1], ntok - 1, &h, &mi);
	if (used <= 0 || (size_t)used + 2 > ntok)
		return PARSE_SKIP;
	if (make_time(y, mon, day, h, mi, 0, &e->mtime) != 0) {
		*why = "impossible date";
		return PARSE_SKIP;
	}
	e->mtime_prec = FTPS_TP_MINUTE;
	what = &t[1 + used];
	if (word_is(what->s, what->len, "<DIR>")) {
		e->type = FTPS_FT_DIR;
	} else if (dos_size(what, &e->size) == 0) {
		e->type = FTPS_FT_FILE;
		e->has_size = 1;
	} else {
		*why = all_digits(what->s, what->len) ? "size too large" : "no size or <DIR>";
		return PARSE_SKIP;
	}
	/* The name column is padded: IIS puts ten blanks after <DIR>. */
	name = tok_end(what);
	while (name < line + len && is_blank(*name))
		name++;
	if (set_name(e, name, (size_t)(line + len - name)) != 0) {
		*why = "bad name";
		return PARSE_SKIP;
	}
	return PARSE_OK;
}

static int list_parse(const char *line, size_t len, time_t now,
                      struct ftps_entry *e, const char **why)
{
	struct tok t[2];
	size_t i;

	memset(e, 0, sizeof(*e));
	strip_eol(line, &len);
	for (i = 0; i < len && is_blank(line[i]); i++)
		;
	if (i == len)
		return PARSE_IGNORE;            /* empty or blank */
	/* "total 123" heads ls output. */
	if (tokenize(line, len, t, 2) == 2 && word_is(t[0].s, t[0].len, "total") &&
	    all_digits(t[1].s, t[1].len) && tok_end(&t[1]) == line + len)
		return PARSE_IGNORE;
	if (is_digit(line[0]))
		return dos_parse(line, len, e, why);
	return unix_parse(line, len, now, e, why);
}

int ftps_parse_list_line(const char *line, size_t len, time_t now,
                         struct ftps_entry *e)
{
	const char *why = "";
	int rc;

	strip_eol(line, &len);
	rc = list_parse(line, len, now, e, &why);

	if (rc == PARSE_SKIP)
		log_skip("LIST", why, line, len);
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
		rc = mlsx_parse(line, len, &e, &why);
	else
		rc = list_parse(line, len, p->now, &e, &why);
	if (rc != PARSE_OK) {
		if (rc == PARSE_SKIP) {
			p->skipped++;
			log_skip(p->kind == FTPS_LISTING_MLSD ? "MLSD" : "LIST", why,
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
