/* list_dos.c - LIST lines in DOS style, as IIS and other Windows servers
 * send them (RFC 959 leaves the format of LIST to the server):
 *
 *   01-15-24  02:30PM       <DIR>          Program Files                  (IIS)
 *   01-15-2024  14:30                 1234 report.doc
 *
 * listing.c sends a LIST line here when it starts with a digit.
 */
#include "listing_int.h"

/* "MM-DD-YY", "MM-DD-YYYY" (also with '/'), or "YYYY-MM-DD". */
static int dos_date(const struct tok *t, int *y, int *mon, int *day)
{
	const char *s = t->s;
	char sep;

	if (t->len == 10 && s[4] == '-' && s[7] == '-')
		return (lst_parse_small(s, 4, y) == 0 && lst_parse_small(s + 5, 2, mon) == 0 &&
		        lst_parse_small(s + 8, 2, day) == 0) ? 0 : -1;
	if (t->len != 8 && t->len != 10)
		return -1;
	sep = s[2];
	if ((sep != '-' && sep != '/') || s[5] != sep)
		return -1;
	if (lst_parse_small(s, 2, mon) != 0 || lst_parse_small(s + 3, 2, day) != 0 ||
	    lst_parse_small(s + 6, t->len - 6, y) != 0)
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

	if (len > 2 && (lst_starts_with(t[0].s + len - 2, 2, "am") ||
	                lst_starts_with(t[0].s + len - 2, 2, "pm"))) {
		ampm = t[0].s + len - 2;
		len -= 2;
	} else if (ntok > 1 && (lst_word_is(t[1].s, t[1].len, "am") ||
	                        lst_word_is(t[1].s, t[1].len, "pm"))) {
		ampm = t[1].s;
		used = 2;
	}
	if (lst_parse_hhmm(t[0].s, len, h, mi) != 0)
		return 0;
	if (ampm != NULL) {
		if (*h < 1 || *h > 12)
			return -1;
		*h %= 12;
		if (lst_to_lower(ampm[0]) == 'p')
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
	return lst_parse_u64(digits, n, size);
}

int lst_dos_parse(const char *line, size_t len, struct ftps_entry *e,
              const char **why)
{
	struct tok t[5];
	size_t ntok = lst_tokenize(line, len, t, 4);
	int y, mon, day, h, mi, used;
	const char *name;
	const struct tok *what;

	*why = "no format matches";
	if (ntok < 3 || dos_date(&t[0], &y, &mon, &day) != 0)
		return PARSE_SKIP;
	used = dos_time(&t[1], ntok - 1, &h, &mi);
	if (used <= 0 || (size_t)used + 2 > ntok)
		return PARSE_SKIP;
	if (lst_make_time(y, mon, day, h, mi, 0, &e->mtime) != 0) {
		*why = "impossible date";
		return PARSE_SKIP;
	}
	e->mtime_prec = FTPS_TP_MINUTE;
	what = &t[1 + used];
	if (lst_word_is(what->s, what->len, "<DIR>")) {
		e->type = FTPS_FT_DIR;
	} else if (dos_size(what, &e->size) == 0) {
		e->type = FTPS_FT_FILE;
		e->has_size = 1;
	} else {
		*why = lst_all_digits(what->s, what->len) ? "size too large" : "no size or <DIR>";
		return PARSE_SKIP;
	}
	/* The name column is padded: IIS puts ten blanks after <DIR>. */
	name = lst_tok_end(what);
	while (name < line + len && lst_is_blank(*name))
		name++;
	if (lst_set_name(e, name, (size_t)(line + len - name)) != 0) {
		*why = "bad name";
		return PARSE_SKIP;
	}
	return PARSE_OK;
}
