/* listing_int.h - inside the listing parsers: what listing.c, list_mlsx.c,
 * list_unix.c, list_dos.c and list_time.c share. Not for other files:
 * listing.h is the interface.
 */
#ifndef FTPS_LISTING_INT_H
#define FTPS_LISTING_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "listing.h"

/* What a line parser decided. IGNORE is for lines that are fine but carry
 * no entry ("total 12", cdir/pdir, empty lines): they are not logged. */
enum parse_result { PARSE_SKIP = -1, PARSE_IGNORE = 0, PARSE_OK = 1 };

/* A blank-separated token of a LIST line. */
struct tok {
	const char *s;
	size_t len;
};

/* ---- listing.c: characters, numbers, names, tokens ---- */
int lst_is_blank(char c);
char lst_to_lower(char c);
int lst_word_is(const char *s, size_t len, const char *w);
int lst_starts_with(const char *s, size_t len, const char *w);
int lst_all_digits(const char *s, size_t len);
int lst_parse_u64(const char *s, size_t len, uint64_t *out);
int lst_parse_small(const char *s, size_t len, int *out);
void lst_strip_eol(const char *line, size_t *len);
int lst_set_name(struct ftps_entry *e, const char *s, size_t len);
int lst_set_target(struct ftps_entry *e, const char *s, size_t len);
void lst_log_skip(const char *kind, const char *why, const char *line,
              size_t len);
size_t lst_tokenize(const char *line, size_t len, struct tok *t, size_t max);
const char *lst_tok_end(const struct tok *t);

/* ---- list_time.c ---- */
int lst_make_time(int64_t y, int mon, int day, int h, int mi, int s,
              int64_t *out);
int lst_parse_hhmm(const char *s, size_t len, int *h, int *mi);
int lst_infer_year(int mon, int day, int h, int mi, time_t now, int64_t *out);

/* ---- the line parsers: each returns a parse_result, fills *e and sets
 * *why when it skips the line. mlsx_parse zeroes *e itself; list_parse
 * zeroes it before it calls unix_parse or dos_parse. ---- */
int lst_mlsx_parse(const char *line, size_t len, struct ftps_entry *e,
               const char **why);
int lst_unix_parse(const char *line, size_t len, time_t now,
               struct ftps_entry *e, const char **why);
int lst_dos_parse(const char *line, size_t len, struct ftps_entry *e,
              const char **why);

#endif
