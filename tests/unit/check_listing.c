/* check_listing.c - unit tests for the listing parsers (src/listing.c
 * and src/list_*.c).
 *
 * Most cases live in a corpus, tests/unit/data/listings/NAME.tsv: one listing
 * line per row with the entry expected from it (see the header of any of
 * those files for the columns). Each row is parsed on its own, and each
 * file is also fed as one stream through the incremental parser (whole,
 * byte by byte, at random split points, with LF and with CRLF line ends)
 * which must give the same entries in the same order. The tests below the
 * corpus cover bounds, time arithmetic and the incremental parser's rules.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listing.h"
#include "log.h"
#include "url.h"        /* ftps_hexval */

#define CORPUS_DIR TEST_DATA_DIR "/listings"

/* ---- the corpus ---- */

struct row {
	const char *file;       /* set once the whole corpus is loaded */
	int lineno;
	char *line;             /* unescaped; may hold NUL */
	size_t linelen;
	int skip;               /* the line must be dropped */
	enum ftps_ftype type;
	int has_size;
	uint64_t size;
	char *name;
	size_t namelen;
	enum ftps_tprec prec;
	int64_t mtime;
	int32_t nsec;
	char *target;           /* NULL = none */
	char checks[512];       /* "mode=0644 uid=1 ..." */
};

struct cfile {
	char name[256];
	enum ftps_listing_kind kind;
	time_t now;
	struct row *rows;
	size_t nrows;
};

static struct cfile *corpus;
static size_t ncorpus;

static void die(const char *what, const char *file, int lineno)
{
	fprintf(stderr, "corpus %s:%d: %s\n", file, lineno, what);
	exit(EXIT_FAILURE);
}

/* Undo the corpus escapes (\\ \t \r \n \xHH) into a new buffer. */
static char *unescape(const char *s, size_t *outlen, const char *file, int lineno)
{
	size_t len = strlen(s), n = 0, i;
	char *out = malloc(len + 1);

	if (out == NULL)
		die("out of memory", file, lineno);
	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		if (++i == len)
			die("dangling backslash", file, lineno);
		switch (s[i]) {
		case '\\': out[n++] = '\\'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'n': out[n++] = '\n'; break;
		case 'x':
			if (i + 2 >= len + 1 || ftps_hexval(s[i + 1]) < 0 || ftps_hexval(s[i + 2]) < 0)
				die("bad \\x escape", file, lineno);
			out[n++] = (char)(ftps_hexval(s[i + 1]) * 16 + ftps_hexval(s[i + 2]));
			i += 2;
			break;
		default:
			die("unknown escape", file, lineno);
		}
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* "2024-01-15" (day), "2024-01-15T14:30Z" (minute), "...:SSZ" (second),
 * "...:SS.fffZ" (sub-second), "-" (none). The year may be long. */
static void parse_iso(const char *s, struct row *r, const char *file, int lineno)
{
	struct tm tm;
	long long y;
	int mo, d, h = 0, mi = 0, sec = 0, used = 0;
	const char *p;

	r->prec = FTPS_TP_NONE;
	r->mtime = 0;
	r->nsec = 0;
	if (strcmp(s, "-") == 0)
		return;
	if (sscanf(s, "%lld-%d-%d%n", &y, &mo, &d, &used) != 3)
		die("bad mtime", file, lineno);
	p = s + used;
	r->prec = FTPS_TP_DAY;
	if (*p == 'T') {
		if (sscanf(p, "T%d:%d%n", &h, &mi, &used) != 2)
			die("bad mtime time", file, lineno);
		p += used;
		r->prec = FTPS_TP_MINUTE;
		if (*p == ':') {
			if (sscanf(p, ":%d%n", &sec, &used) != 1)
				die("bad mtime seconds", file, lineno);
			p += used;
			r->prec = FTPS_TP_SECOND;
			if (*p == '.') {
				int digits = 0;
				for (p++; *p >= '0' && *p <= '9'; p++, digits++)
					r->nsec = r->nsec * 10 + (*p - '0');
				for (; digits < 9; digits++)
					r->nsec *= 10;
				r->prec = FTPS_TP_SUBSEC;
			}
		}
		if (*p++ != 'Z')
			die("mtime without Z", file, lineno);
	}
	if (*p != '\0')
		die("junk after mtime", file, lineno);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	r->mtime = (int64_t)timegm(&tm);
}

static enum ftps_ftype type_of(const char *s, int *skip, const char *file,
                               int lineno)
{
	*skip = 0;
	if (strcmp(s, "file") == 0) return FTPS_FT_FILE;
	if (strcmp(s, "dir") == 0) return FTPS_FT_DIR;
	if (strcmp(s, "link") == 0) return FTPS_FT_LINK;
	if (strcmp(s, "other") == 0) return FTPS_FT_OTHER;
	if (strcmp(s, "unknown") == 0) return FTPS_FT_UNKNOWN;
	if (strcmp(s, "skip") == 0) {
		*skip = 1;
		return FTPS_FT_UNKNOWN;
	}
	die("bad type column", file, lineno);
	return FTPS_FT_UNKNOWN;
}

/* Split a row at tabs into at most max columns (in place). */
static size_t split_tabs(char *s, char **col, size_t max)
{
	size_t n = 0;

	col[n++] = s;
	for (; *s != '\0' && n < max; s++) {
		if (*s == '\t') {
			*s = '\0';
			col[n++] = s + 1;
		}
	}
	return n;
}

static void add_row(struct cfile *cf, char *text, int lineno)
{
	char *col[7];
	size_t ncol = split_tabs(text, col, 7);
	struct row *r;
	size_t tl;

	if (ncol < 6)
		die("fewer than 6 columns", cf->name, lineno);
	cf->rows = realloc(cf->rows, (cf->nrows + 1) * sizeof(*cf->rows));
	if (cf->rows == NULL)
		die("out of memory", cf->name, lineno);
	r = &cf->rows[cf->nrows++];
	memset(r, 0, sizeof(*r));
	r->lineno = lineno;
	r->line = unescape(col[0], &r->linelen, cf->name, lineno);
	r->type = type_of(col[1], &r->skip, cf->name, lineno);
	if (r->skip)
		return;
	if (strcmp(col[2], "-") != 0) {
		char *end;
		errno = 0;
		r->size = strtoull(col[2], &end, 10);
		if (errno != 0 || *end != '\0')
			die("bad size column", cf->name, lineno);
		r->has_size = 1;
	}
	r->name = unescape(col[3], &r->namelen, cf->name, lineno);
	parse_iso(col[4], r, cf->name, lineno);
	if (strcmp(col[5], "-") != 0)
		r->target = unescape(col[5], &tl, cf->name, lineno);
	if (ncol > 6)
		snprintf(r->checks, sizeof(r->checks), "%s", col[6]);
}

static void load_file(const char *dir, const char *fname)
{
	char path[PATH_MAX], buf[16384];
	struct cfile *cf;
	FILE *fp;
	int lineno = 0;

	corpus = realloc(corpus, (ncorpus + 1) * sizeof(*corpus));
	if (corpus == NULL)
		die("out of memory", fname, 0);
	cf = &corpus[ncorpus++];
	memset(cf, 0, sizeof(*cf));
	snprintf(cf->name, sizeof(cf->name), "%s", fname);
	cf->kind = FTPS_LISTING_LIST;
	cf->now = 1718452800;           /* 2024-06-15T12:00:00Z */
	snprintf(path, sizeof(path), "%s/%s", dir, fname);
	fp = fopen(path, "r");
	if (fp == NULL)
		die("cannot open", path, 0);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		size_t len = strlen(buf);

		lineno++;
		if (len == 0 || buf[len - 1] != '\n')
			die("row too long or not terminated", fname, lineno);
		buf[--len] = '\0';
		if (strncmp(buf, "#kind ", 6) == 0) {
			cf->kind = strcmp(buf + 6, "mlsd") == 0 ? FTPS_LISTING_MLSD
			                                         : FTPS_LISTING_LIST;
		} else if (strncmp(buf, "#now ", 5) == 0) {
			struct row tmp;
			parse_iso(buf + 5, &tmp, fname, lineno);
			cf->now = (time_t)tmp.mtime;
		} else if (buf[0] != '#') {
			add_row(cf, buf, lineno);
		}
	}
	fclose(fp);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every *.tsv file, in name order so failures read the same. */
static void load_corpus(void)
{
	DIR *d = opendir(CORPUS_DIR);
	struct dirent *de;
	char *names[256];
	size_t n = 0, i;

	if (d == NULL)
		die("cannot open the corpus folder", CORPUS_DIR, 0);
	while ((de = readdir(d)) != NULL && n < 256) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".tsv") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		load_file(CORPUS_DIR, names[i]);
		free(names[i]);
	}
	/* corpus moved while it grew: point rows at their file names now. */
	for (i = 0; i < ncorpus; i++)
		for (size_t j = 0; j < corpus[i].nrows; j++)
			corpus[i].rows[j].file = corpus[i].name;
}

static void free_corpus(void)
{
	for (size_t i = 0; i < ncorpus; i++) {
		for (size_t j = 0; j < corpus[i].nrows; j++) {
			free(corpus[i].rows[j].line);
			free(corpus[i].rows[j].name);
			free(corpus[i].rows[j].target);
		}
		free(corpus[i].rows);
	}
	free(corpus);
	corpus = NULL;
	ncorpus = 0;
}

/* The value of "key=" in a row's checks, or NULL. */
static const char *check_value(const struct row *r, const char *key, char *buf,
                               size_t buflen)
{
	size_t kl = strlen(key);
	const char *p = r->checks;

	while (*p != '\0') {
		size_t wl = strcspn(p, " ");
		if (wl > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(buf, buflen, "%.*s", (int)(wl - kl - 1), p + kl + 1);
			return buf;
		}
		p += wl;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

static int has_word(const struct row *r, const char *w)
{
	size_t wl = strlen(w);
	const char *p = r->checks;

	while (*p != '\0') {
		size_t l = strcspn(p, " ");
		if (l == wl && strncmp(p, w, wl) == 0)
			return 1;
		p += l;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* Compare an entry with its row; NULL when they agree, else why not. */
static const char *compare(const struct row *r, const struct ftps_entry *e)
{
	static char why[320];
	char v[128];

	if (e->type != r->type)
		return "type";
	if (strlen(e->name) != r->namelen || memcmp(e->name, r->name, r->namelen) != 0) {
		snprintf(why, sizeof(why), "name \"%s\"", e->name);
		return why;
	}
	if (e->has_size != r->has_size || (r->has_size && e->size != r->size)) {
		snprintf(why, sizeof(why), "size %d/%llu", e->has_size,
		         (unsigned long long)e->size);
		return why;
	}
	if (e->mtime_prec != r->prec)
		return "time precision";
	if (r->prec != FTPS_TP_NONE && e->mtime != r->mtime) {
		snprintf(why, sizeof(why), "mtime %lld, expected %lld",
		         (long long)e->mtime, (long long)r->mtime);
		return why;
	}
	if (e->mtime_nsec != r->nsec)
		return "mtime nanoseconds";
	if ((e->link_target == NULL) != (r->target == NULL) ||
	    (r->target && strcmp(e->link_target, r->target) != 0))
		return "link target";
	if (e->link_target && strlen(e->link_target) > FTPS_MAX_LINK_TARGET)
		return "link target over its bound";
	if (!ftps_name_ok(e->name, strlen(e->name)))
		return "entry with a bad name";
	if (check_value(r, "mode", v, sizeof(v)) &&
	    (!e->has_mode || e->mode != (uint32_t)strtoul(v, NULL, 8)))
		return "mode";
	if (has_word(r, "nomode") && e->has_mode)
		return "mode present";
	if (e->has_mode && (e->mode & ~07777u) != 0)
		return "mode outside 07777";
	if (check_value(r, "uid", v, sizeof(v)) &&
	    (!e->has_owner || e->uid != (uint32_t)strtoul(v, NULL, 10)))
		return "uid";
	if (check_value(r, "gid", v, sizeof(v)) &&
	    (!e->has_owner || e->gid != (uint32_t)strtoul(v, NULL, 10)))
		return "gid";
	if (has_word(r, "noowner") && e->has_owner)
		return "owner present";
	if (check_value(r, "perm", v, sizeof(v)) &&
	    (!e->has_perm || strcmp(e->perm, v) != 0))
		return "perm";
	if (check_value(r, "unique", v, sizeof(v)) && strcmp(e->unique, v) != 0)
		return "unique";
	return NULL;
}

static int parse_row(const struct cfile *cf, const struct row *r,
                     struct ftps_entry *e)
{
	if (cf->kind == FTPS_LISTING_MLSD)
		return ftps_parse_mlsx_line(r->line, r->linelen, e);
	return ftps_parse_list_line(r->line, r->linelen, cf->now, e);
}

START_TEST(corpus_is_big_enough)
{
	size_t good = 0, bad = 0, files = 0;

	for (size_t i = 0; i < ncorpus; i++) {
		if (corpus[i].nrows > 0)
			files++;
		for (size_t j = 0; j < corpus[i].nrows; j++) {
			if (corpus[i].rows[j].skip)
				bad++;
			else
				good++;
		}
	}
	ck_assert_uint_ge(files, 15);
	ck_assert_uint_ge(good, 50);
	ck_assert_uint_ge(bad, 30);
}
END_TEST

START_TEST(corpus_rows)
{
	int failures = 0;

	for (size_t i = 0; i < ncorpus; i++) {
		const struct cfile *cf = &corpus[i];
		for (size_t j = 0; j < cf->nrows; j++) {
			const struct row *r = &cf->rows[j];
			struct ftps_entry e;
			const char *why = NULL;
			int rc;

			memset(&e, 0x5a, sizeof(e));    /* no reliance on a clean entry */
			rc = parse_row(cf, r, &e);
			if (r->skip && rc == 0)
				why = "parsed, but should be skipped";
			else if (!r->skip && rc != 0)
				why = "skipped, but should parse";
			else if (rc == 0)
				why = compare(r, &e);
			if (rc != 0 && e.link_target != NULL)
				why = "skipped line left a link target";
			if (why != NULL) {
				fprintf(stderr, "%s:%d: %s\n", r->file, r->lineno, why);
				failures++;
			}
			if (rc == 0)
				ftps_entry_clear(&e);
		}
	}
	ck_assert_int_eq(failures, 0);
}
END_TEST

/* Entries collected from the incremental parser. The callback takes the
 * link target, as the directory cache will. */
struct collect {
	struct ftps_entry *e;
	size_t n, cap;
	int stop_after;         /* 0 = never */
	int stop_value;
};

static int collect_cb(void *arg, struct ftps_entry *e)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->e = realloc(c->e, c->cap * sizeof(*c->e));
		ck_assert_ptr_nonnull(c->e);
	}
	c->e[c->n++] = *e;
	e->link_target = NULL;          /* ours now */
	if (c->stop_after > 0 && (int)c->n >= c->stop_after)
		return c->stop_value;
	return 0;
}

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		ftps_entry_clear(&c->e[i]);
	free(c->e);
	memset(c, 0, sizeof(*c));
}

static uint32_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Feed buf in chunks: 0 = whole, 1 = byte by byte, else random sizes. */
static int feed_chunked(struct ftps_listing_parser *p, const char *buf,
                        size_t len, int how, uint32_t seed)
{
	size_t off = 0;
	int rc = 0;

	rng_state = seed;
	while (off < len && rc == 0) {
		size_t n = how == 0 ? len : how == 1 ? 1 : 1 + rng() % 300;
		if (n > len - off)
			n = len - off;
		rc = ftps_listing_feed(p, buf + off, n);
		off += n;
	}
	return rc;
}

/* Can this row take part in a stream? A line with its own LF cannot. */
static int streamable(const struct row *r)
{
	return memchr(r->line, '\n', r->linelen) == NULL;
}

static char *build_stream(const struct cfile *cf, const char *eol, size_t *len)
{
	size_t cap = 1, n = 0, el = strlen(eol);
	char *buf;

	for (size_t j = 0; j < cf->nrows; j++)
		cap += cf->rows[j].linelen + el;
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	for (size_t j = 0; j < cf->nrows; j++) {
		if (!streamable(&cf->rows[j]))
			continue;
		memcpy(buf + n, cf->rows[j].line, cf->rows[j].linelen);
		n += cf->rows[j].linelen;
		memcpy(buf + n, eol, el);
		n += el;
	}
	*len = n;
	return buf;
}

static int check_stream(const struct cfile *cf, const struct collect *c,
                        const char *how)
{
	size_t k = 0;
	int failures = 0;

	for (size_t j = 0; j < cf->nrows; j++) {
		const struct row *r = &cf->rows[j];
		const char *why;

		if (r->skip || !streamable(r))
			continue;
		if (k >= c->n) {
			fprintf(stderr, "%s:%d (%s): entry missing\n", r->file,
			        r->lineno, how);
			return failures + 1;
		}
		why = compare(r, &c->e[k++]);
		if (why != NULL) {
			fprintf(stderr, "%s:%d (%s): %s\n", r->file, r->lineno, how, why);
			failures++;
		}
	}
	if (k != c->n) {
		fprintf(stderr, "%s (%s): %zu entries too many\n", cf->name, how,
		        c->n - k);
		failures++;
	}
	return failures;
}

START_TEST(corpus_streams)
{
	static const char *const eols[] = { "\n", "\r\n" };
	int failures = 0;

	for (size_t i = 0; i < ncorpus; i++) {
		const struct cfile *cf = &corpus[i];
		for (int ei = 0; ei < 2; ei++) {
			size_t len;
			char *buf = build_stream(cf, eols[ei], &len);

			for (int how = 0; how < 6; how++) {
				struct ftps_listing_parser p;
				struct collect c = { 0 };
				char label[64];

				ftps_listing_parser_init(&p, cf->kind, cf->now, collect_cb, &c);
				ck_assert_int_eq(feed_chunked(&p, buf, len, how, 17u * (unsigned)how), 0);
				ck_assert_int_eq(ftps_listing_finish(&p), 0);
				snprintf(label, sizeof(label), "%s, chunking %d",
				         ei ? "CRLF" : "LF", how);
				failures += check_stream(cf, &c, label);
				ck_assert_uint_eq(p.entries, c.n);
				collect_free(&c);
			}
			free(buf);
		}
	}
	ck_assert_int_eq(failures, 0);
}
END_TEST

/* ---- names ---- */

START_TEST(name_rules)
{
	char longname[FTPS_MAX_NAME + 2];

	ck_assert(ftps_name_ok("a", 1));
	ck_assert(ftps_name_ok("...", 3));
	ck_assert(ftps_name_ok(".hidden", 7));
	ck_assert(ftps_name_ok(" spaced ", 8));
	ck_assert(ftps_name_ok("back\\slash", 10));
	ck_assert(!ftps_name_ok("", 0));
	ck_assert(!ftps_name_ok(NULL, 0));
	ck_assert(!ftps_name_ok(".", 1));
	ck_assert(!ftps_name_ok("..", 2));
	ck_assert(!ftps_name_ok("a/b", 3));
	ck_assert(!ftps_name_ok("/", 1));
	ck_assert(!ftps_name_ok("../x", 4));
	ck_assert(!ftps_name_ok("a\0b", 3));
	ck_assert(!ftps_name_ok("a\rb", 3));
	ck_assert(!ftps_name_ok("a\nb", 3));
	/* len is what counts, not a NUL further on. */
	ck_assert(ftps_name_ok("ab/c", 2));
	memset(longname, 'n', sizeof(longname));
	ck_assert(ftps_name_ok(longname, FTPS_MAX_NAME));
	ck_assert(!ftps_name_ok(longname, FTPS_MAX_NAME + 1));
}
END_TEST

/* A Unix LIST line for a name (and link target) of the given lengths. */
static char *list_line_with(size_t namelen, size_t targetlen, size_t *len)
{
	size_t cap = 64 + namelen + targetlen + 8;
	char *s = malloc(cap);
	size_t n;

	ck_assert_ptr_nonnull(s);
	n = (size_t)snprintf(s, cap, "%crwxrwxrwx 1 u g 7 Jan 15  2020 ",
	                     targetlen ? 'l' : '-');
	memset(s + n, 'n', namelen);
	n += namelen;
	if (targetlen) {
		memcpy(s + n, " -> ", 4);
		n += 4;
		memset(s + n, 't', targetlen);
		n += targetlen;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

START_TEST(name_length_bound)
{
	struct ftps_entry e;
	size_t len;
	char *s;

	s = list_line_with(FTPS_MAX_NAME, 0, &len);
	ck_assert_int_eq(ftps_parse_list_line(s, len, 0, &e), 0);
	ck_assert_uint_eq(strlen(e.name), FTPS_MAX_NAME);
	free(s);
	s = list_line_with(FTPS_MAX_NAME + 1, 0, &len);
	ck_assert_int_eq(ftps_parse_list_line(s, len, 0, &e), -1);
	free(s);

	char mlsd[FTPS_MAX_NAME + 32];
	int n = snprintf(mlsd, sizeof(mlsd), "type=file; ");
	memset(mlsd + n, 'm', FTPS_MAX_NAME + 1);
	ck_assert_int_eq(ftps_parse_mlsx_line(mlsd, (size_t)n + FTPS_MAX_NAME, &e), 0);
	ck_assert_uint_eq(strlen(e.name), FTPS_MAX_NAME);
	ck_assert_int_eq(ftps_parse_mlsx_line(mlsd, (size_t)n + FTPS_MAX_NAME + 1, &e), -1);
}
END_TEST

START_TEST(link_target_bound)
{
	struct ftps_entry e;
	size_t len;
	char *s;

	s = list_line_with(4, FTPS_MAX_LINK_TARGET, &len);
	ck_assert_int_eq(ftps_parse_list_line(s, len, 0, &e), 0);
	ck_assert_int_eq(e.type, FTPS_FT_LINK);
	ck_assert_str_eq(e.name, "nnnn");
	ck_assert_ptr_nonnull(e.link_target);
	ck_assert_uint_eq(strlen(e.link_target), FTPS_MAX_LINK_TARGET);
	ftps_entry_clear(&e);
	ck_assert_ptr_null(e.link_target);
	ftps_entry_clear(&e);           /* twice is fine */
	ftps_entry_clear(NULL);
	free(s);

	s = list_line_with(4, FTPS_MAX_LINK_TARGET + 1, &len);
	ck_assert_int_eq(ftps_parse_list_line(s, len, 0, &e), -1);
	ck_assert_ptr_null(e.link_target);
	free(s);

	/* The same bound for MLSD's OS.unix=slink:target. */
	size_t cap = FTPS_MAX_LINK_TARGET + 64;
	char *m = malloc(cap);
	ck_assert_ptr_nonnull(m);
	for (size_t tl = FTPS_MAX_LINK_TARGET; tl <= FTPS_MAX_LINK_TARGET + 1; tl++) {
		size_t n = (size_t)snprintf(m, cap, "type=OS.unix=slink:");
		memset(m + n, 't', tl);
		n += tl;
		n += (size_t)snprintf(m + n, cap - n, ";size=1; l");
		int rc = ftps_parse_mlsx_line(m, n, &e);
		ck_assert_int_eq(rc, tl == FTPS_MAX_LINK_TARGET ? 0 : -1);
		if (rc == 0) {
			ck_assert_uint_eq(strlen(e.link_target), tl);
			ftps_entry_clear(&e);
		}
	}
	free(m);
}
END_TEST

/* ---- times ---- */

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

START_TEST(time14_valid)
{
	int64_t sec;
	int32_t nsec;
	enum ftps_tprec prec;

	ck_assert_int_eq(ftps_parse_time14("20240115143000", 14, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(sec, utc(2024, 1, 15, 14, 30, 0));
	ck_assert_int_eq(nsec, 0);
	ck_assert_int_eq(prec, FTPS_TP_SECOND);

	ck_assert_int_eq(ftps_parse_time14("19700101000000", 14, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(sec, 0);
	ck_assert_int_eq(ftps_parse_time14("19691231235959", 14, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(sec, -1);
	ck_assert_int_eq(ftps_parse_time14("20380119031408", 14, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(sec, 2147483648LL);            /* past 32-bit time_t */
	ck_assert_int_eq(ftps_parse_time14("20000229120000", 14, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(sec, utc(2000, 2, 29, 12, 0, 0));
	ck_assert_int_eq(ftps_parse_time14("00010101000000", 14, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(sec, -62135596800LL);

	ck_assert_int_eq(ftps_parse_time14("20240115143000.1", 16, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(nsec, 100000000);
	ck_assert_int_eq(prec, FTPS_TP_SUBSEC);
	ck_assert_int_eq(ftps_parse_time14("20240115143000.000", 18, &sec, &nsec, &prec), 0);
	ck_assert_int_eq(nsec, 0);
	ck_assert_int_eq(prec, FTPS_TP_SUBSEC);
	ck_assert_int_eq(ftps_parse_time14("20240115143000.1234567891234", 28, &sec,
	                                   &nsec, &prec), 0);
	ck_assert_int_eq(nsec, 123456789);
	/* len counts, not the NUL. */
	ck_assert_int_eq(ftps_parse_time14("20240115143000 trailing", 14, &sec, &nsec,
	                                   &prec), 0);
}
END_TEST

START_TEST(time14_invalid)
{
	static const char *const bad[] = {
		"", "2024", "2024011514300", "2024011514300x", "20241315143000",
		"20240015143000", "20240100143000", "20240132143000", "20230229120000",
		"19000229120000", "20240431120000", "20240115240000", "20240115236000",
		"20240115235961", "00000101000000", "20240115143000.",
		"20240115143000.5x", "20240115143000,5", "20240115143000 ",
		"+2024011514300", "-2024011514300", " 20240115143000",
	};
	int64_t sec = 77;
	int32_t nsec = 77;
	enum ftps_tprec prec = FTPS_TP_DAY;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ftps_parse_time14(bad[i], strlen(bad[i]), &sec, &nsec,
		                                &prec) == -1, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(ftps_parse_time14(NULL, 0, &sec, &nsec, &prec), -1);
}
END_TEST

static int64_t list_time(const char *date, time_t now)
{
	char line[128];
	struct ftps_entry e;

	snprintf(line, sizeof(line), "-rw-r--r-- 1 u g 1 %s f", date);
	if (ftps_parse_list_line(line, strlen(line), now, &e) != 0)
		return INT64_MIN;
	ck_assert_int_eq(e.mtime_prec, FTPS_TP_MINUTE);
	return e.mtime;
}

START_TEST(year_inference)
{
	time_t now = (time_t)utc(2024, 6, 15, 12, 0, 0);

	ck_assert_int_eq(list_time("Jun 16 11:59", now), utc(2024, 6, 16, 11, 59, 0));
	ck_assert_int_eq(list_time("Jun 16 12:00", now), utc(2024, 6, 16, 12, 0, 0));
	ck_assert_int_eq(list_time("Jun 16 12:01", now), utc(2023, 6, 16, 12, 1, 0));
	ck_assert_int_eq(list_time("Jun 15 12:00", now), utc(2024, 6, 15, 12, 0, 0));
	ck_assert_int_eq(list_time("Jan  1 00:00", now), utc(2024, 1, 1, 0, 0, 0));
	ck_assert_int_eq(list_time("Dec 31 23:59", now), utc(2023, 12, 31, 23, 59, 0));
	/* Around new year: a file from "tomorrow" belongs to next year. */
	now = (time_t)utc(2024, 12, 31, 20, 0, 0);
	ck_assert_int_eq(list_time("Jan  1 10:00", now), utc(2025, 1, 1, 10, 0, 0));
	ck_assert_int_eq(list_time("Dec 31 19:00", now), utc(2024, 12, 31, 19, 0, 0));
	now = (time_t)utc(2025, 1, 1, 0, 30, 0);
	ck_assert_int_eq(list_time("Dec 31 23:00", now), utc(2024, 12, 31, 23, 0, 0));
	/* Feb 29 goes back to the last leap year. */
	now = (time_t)utc(2025, 3, 1, 0, 0, 0);
	ck_assert_int_eq(list_time("Feb 29 12:00", now), utc(2024, 2, 29, 12, 0, 0));
	now = (time_t)utc(2101, 3, 1, 0, 0, 0);     /* 2100 is no leap year */
	ck_assert_int_eq(list_time("Feb 29 12:00", now), utc(2096, 2, 29, 12, 0, 0));
	/* Before the epoch works too. */
	ck_assert_int_eq(list_time("Dec 31 23:00", 0), utc(1969, 12, 31, 23, 0, 0));
	ck_assert_int_eq(list_time("Jan  1 12:00", 0), utc(1970, 1, 1, 12, 0, 0));
}
END_TEST

START_TEST(absurd_now)
{
	/* Whatever the clock says, no crash and no overflow. */
	static const int64_t nows[] = {
		INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1, -1,
		253402300799LL, 3155760000000LL, -62135596800LL,
	};
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		int64_t t = list_time("Feb 29 12:00", (time_t)nows[i]);
		if (t != INT64_MIN)
			ck_assert_int_le(t, nows[i] + 86400);
		list_time("Jan  1 00:00", (time_t)nows[i]);
	}
}
END_TEST

/* ---- the incremental parser ---- */

START_TEST(overlong_line_skipped)
{
	struct ftps_listing_parser p;
	struct collect c = { 0 };
	size_t cap = FTPS_MAX_LINE * 3 + 256, n = 0;
	char *buf = malloc(cap);

	ck_assert_ptr_nonnull(buf);
	/* A line of exactly FTPS_MAX_LINE bytes is parsed... */
	memcpy(buf, "x.pad=", 6);
	n = 6;
	memset(buf + n, 'p', FTPS_MAX_LINE - 6 - 13);
	n += FTPS_MAX_LINE - 6 - 13;
	memcpy(buf + n, ";type=file; a", 13);
	n += 13;
	ck_assert_uint_eq(n, FTPS_MAX_LINE);
	memcpy(buf + n, "\r\n", 2);
	n += 2;
	/* ...one byte more is not, and it does not spill into the next. */
	memcpy(buf + n, "type=file; ", 11);
	memset(buf + n + 11, 'q', FTPS_MAX_LINE + 1 - 11);
	n += FTPS_MAX_LINE + 1;
	buf[n++] = '\n';
	n += (size_t)snprintf(buf + n, cap - n, "type=dir; after\r\n");

	for (int how = 0; how < 4; how++) {
		ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, collect_cb, &c);
		ck_assert_int_eq(feed_chunked(&p, buf, n, how, 99u + (unsigned)how), 0);
		ck_assert_int_eq(ftps_listing_finish(&p), 0);
		ck_assert_uint_eq(c.n, 2);
		ck_assert_str_eq(c.e[0].name, "a");
		ck_assert_str_eq(c.e[1].name, "after");
		ck_assert_int_eq(c.e[1].type, FTPS_FT_DIR);
		ck_assert_uint_eq(p.skipped, 1);
		collect_free(&c);
	}
	free(buf);
}
END_TEST

START_TEST(finish_rules)
{
	struct ftps_listing_parser p;
	struct collect c = { 0 };
	char big[FTPS_MAX_LINE + 10];

	/* A last line without a line end. */
	ftps_listing_parser_init(&p, FTPS_LISTING_LIST, 0, collect_cb, &c);
	static const char two[] = "-rw-r--r-- 1 u g 5 Jan 1 2020 a\n"
	                          "-rw-r--r-- 1 u g 6 Jan 1 2020 b";
	ck_assert_int_eq(ftps_listing_feed(&p, two, sizeof(two) - 1), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_int_eq(ftps_listing_finish(&p), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.e[1].name, "b");
	ck_assert_uint_eq(c.e[1].size, 6);
	ck_assert_int_eq(ftps_listing_finish(&p), 0);   /* again: nothing new */
	ck_assert_uint_eq(c.n, 2);
	collect_free(&c);

	/* An overlong unterminated last line is skipped, not parsed. */
	memset(big, 'z', sizeof(big));
	memcpy(big, "type=file; ", 11);
	ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, collect_cb, &c);
	ck_assert_int_eq(ftps_listing_feed(&p, big, sizeof(big)), 0);
	ck_assert_int_eq(ftps_listing_finish(&p), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(p.skipped, 1);
	collect_free(&c);

	/* Nothing at all. */
	ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, collect_cb, &c);
	ck_assert_int_eq(ftps_listing_finish(&p), 0);
	ck_assert_uint_eq(c.n + p.skipped + p.entries, 0);
}
END_TEST

START_TEST(skipped_counts_only_bad_lines)
{
	static const char in[] =
		"total 12\n"
		"\n"
		"\r\n"
		"garbage\n"
		"-rw-r--r-- 1 u g 5 Jan 1 2020 ../x\n"
		"drwxr-xr-x 2 u g 5 Jan 1 2020 ok\n";
	struct ftps_listing_parser p;
	struct collect c = { 0 };

	ftps_listing_parser_init(&p, FTPS_LISTING_LIST, 0, collect_cb, &c);
	ck_assert_int_eq(ftps_listing_feed(&p, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(p.entries, 1);
	ck_assert_uint_eq(p.skipped, 2);
	collect_free(&c);

	static const char mlsd[] =
		"type=cdir; .\ntype=pdir; ..\ntype=file; ../x\ntype=file; ok\n";
	ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, collect_cb, &c);
	ck_assert_int_eq(ftps_listing_feed(&p, mlsd, sizeof(mlsd) - 1), 0);
	ck_assert_uint_eq(p.entries, 1);
	ck_assert_uint_eq(p.skipped, 1);
	collect_free(&c);
}
END_TEST

START_TEST(callback_stops)
{
	static const char in[] = "type=file; a\ntype=file; b\ntype=file; c\n";
	struct ftps_listing_parser p;
	struct collect c = { 0 };

	c.stop_after = 2;
	c.stop_value = 7;
	ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, collect_cb, &c);
	ck_assert_int_eq(ftps_listing_feed(&p, in, sizeof(in) - 1), 7);
	ck_assert_uint_eq(c.n, 2);
	ck_assert(p.stopped != 0);
	/* Once stopped, it stays stopped and calls nobody. */
	ck_assert_int_eq(ftps_listing_feed(&p, in, sizeof(in) - 1), 7);
	ck_assert_int_eq(ftps_listing_finish(&p), 7);
	ck_assert_uint_eq(c.n, 2);
	collect_free(&c);

	c.stop_after = 1;
	c.stop_value = -5;
	ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, collect_cb, &c);
	ck_assert_int_eq(ftps_listing_feed(&p, "type=file; a", 12), 0);
	ck_assert_int_eq(ftps_listing_finish(&p), -5);
	collect_free(&c);
}
END_TEST

/* The callback leaves the link target to the parser, which frees it (a
 * leak here shows under valgrind). */
static int keep_nothing_cb(void *arg, struct ftps_entry *e)
{
	size_t *n = arg;

	if (e->link_target != NULL)
		(*n)++;
	return 0;
}

START_TEST(parser_frees_untaken_targets)
{
	static const char in[] =
		"lrwxrwxrwx 1 u g 3 Jan 1 2020 a -> b\n"
		"lrwxrwxrwx 1 u g 3 Jan 1 2020 c -> d\n";
	struct ftps_listing_parser p;
	size_t targets = 0;

	ftps_listing_parser_init(&p, FTPS_LISTING_LIST, 0, keep_nothing_cb, &targets);
	ck_assert_int_eq(ftps_listing_feed(&p, in, sizeof(in) - 1), 0);
	ck_assert_uint_eq(targets, 2);
}
END_TEST

static int count_cb(void *arg, struct ftps_entry *e)
{
	(*(size_t *)arg)++;
	return 0;
}

START_TEST(entry_bound)
{
	size_t extra = 10, n = FTPS_MAX_LISTING_ENTRIES + extra, calls = 0;
	char *buf = malloc(n * 3);
	struct ftps_listing_parser p;

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * 3, " a\n", 3);         /* MLSD entry without facts */
	ftps_log_set_level(FTPS_LOG_ERROR);     /* the "cut short" warning */
	ftps_listing_parser_init(&p, FTPS_LISTING_MLSD, 0, count_cb, &calls);
	ck_assert_int_eq(ftps_listing_feed(&p, buf, n * 3), 0);
	ftps_log_set_level(FTPS_LOG_INFO);
	ck_assert_int_eq(ftps_listing_finish(&p), 0);
	ck_assert_uint_eq(calls, FTPS_MAX_LISTING_ENTRIES);
	ck_assert_uint_eq(p.entries, FTPS_MAX_LISTING_ENTRIES);
	ck_assert(p.stopped != 0);
	free(buf);
}
END_TEST

START_TEST(random_lines_keep_invariants)
{
	/* Bytes biased towards what the parsers look for. */
	static const char *const atoms[] = {
		" ", "  ", "-", "d", "l", "c", "rwx", "r--", "1", "12", "2024", "99999999999999999999",
		"Jan", "Feb", "29", "31", "14:30", "25:61", ":", "->", " -> ", "/", "..", ".",
		"type=", "file", "dir", "OS.unix=slink:", ";", "; ", "size=", "modify=",
		"20240229120000", ".5", "unix.mode=", "0644", "<DIR>", "01-15-24", "02:30PM",
		"\t", "\r", "\x00", "\xff", ",", "total", "perm=", "unique=",
	};
	const size_t natoms = sizeof(atoms) / sizeof(atoms[0]);
	char line[512];
	int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);

	/* Run the "skipped line" log path too, on the hostile bytes, but
	 * keep its 20000 lines out of the test's output. */
	ck_assert(saved >= 0 && devnull >= 0);
	ck_assert_int_ge(dup2(devnull, STDERR_FILENO), 0);
	ftps_log_set_level(FTPS_LOG_TRACE);

	for (uint32_t round = 0; round < 20000; round++) {
		size_t n = 0;
		struct ftps_entry e;

		rng_state = round * 2654435761u + 7;
		if (round % 2 == 0) {
			memcpy(line, "-rw-r--r-- 1 u g ", 17);
			n = 17;
		}
		size_t k = 1 + rng() % 24;
		for (size_t i = 0; i < k; i++) {
			size_t a = rng() % natoms;
			size_t al = atoms[a][0] ? strlen(atoms[a]) : 1; /* "\x00" */
			if (n + al > sizeof(line))
				break;
			memcpy(line + n, atoms[a], al);
			n += al;
		}
		time_t now = (time_t)(rng() % 4000000000u);
		for (int kind = 0; kind < 2; kind++) {
			int rc = kind ? ftps_parse_mlsx_line(line, n, &e)
			              : ftps_parse_list_line(line, n, now, &e);
			if (rc != 0) {
				ck_assert_ptr_null(e.link_target);
				continue;
			}
			ck_assert(ftps_name_ok(e.name, strlen(e.name)));
			ck_assert_int_le(e.type, FTPS_FT_OTHER);
			ck_assert_int_le(e.mtime_prec, FTPS_TP_SUBSEC);
			ck_assert(e.mtime_nsec >= 0 && e.mtime_nsec < 1000000000);
			ck_assert((e.mode & ~07777u) == 0);
			ck_assert_uint_lt(strlen(e.perm), sizeof(e.perm));
			ck_assert_uint_lt(strlen(e.unique), sizeof(e.unique));
			if (e.link_target)
				ck_assert_uint_le(strlen(e.link_target), FTPS_MAX_LINK_TARGET);
			ftps_entry_clear(&e);
		}
	}
	ftps_log_set_level(FTPS_LOG_INFO);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(devnull);
}
END_TEST

static Suite *listing_suite(void)
{
	Suite *s = suite_create("listing");
	TCase *tc = tcase_create("corpus");
	TCase *tu = tcase_create("units");
	TCase *ti = tcase_create("incremental");

	tcase_add_test(tc, corpus_is_big_enough);
	tcase_add_test(tc, corpus_rows);
	tcase_add_test(tc, corpus_streams);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tcase_add_test(tu, name_rules);
	tcase_add_test(tu, name_length_bound);
	tcase_add_test(tu, link_target_bound);
	tcase_add_test(tu, time14_valid);
	tcase_add_test(tu, time14_invalid);
	tcase_add_test(tu, year_inference);
	tcase_add_test(tu, absurd_now);
	tcase_add_test(tu, random_lines_keep_invariants);
	tcase_set_timeout(tu, 120);
	suite_add_tcase(s, tu);

	tcase_add_test(ti, overlong_line_skipped);
	tcase_add_test(ti, finish_rules);
	tcase_add_test(ti, skipped_counts_only_bad_lines);
	tcase_add_test(ti, callback_stops);
	tcase_add_test(ti, parser_frees_untaken_targets);
	tcase_add_test(ti, entry_bound);
	/* A million entries take a while under valgrind. */
	tcase_set_timeout(ti, 300);
	suite_add_tcase(s, ti);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	load_corpus();
	sr = srunner_create(listing_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free_corpus();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
