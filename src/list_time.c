/* list_time.c - dates and times for the listing parsers: the modify fact
 * of MLSD and the MDTM reply ("YYYYMMDDHHMMSS[.sss]", RFC 3659 section
 * 2.3), the "HH:MM" of LIST lines, the year a "Mon DD HH:MM" date leaves
 * out, and the calendar arithmetic under them. Times are UTC; a listing
 * has no zone.
 */
#include <string.h>
#include "listing_int.h"

#define SECS_PER_DAY 86400

/* Two digits already known to be digits. */
static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

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
int lst_make_time(int64_t y, int mon, int day, int h, int mi, int s,
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
 * out of its range). Exact for the years lst_make_time() accepts. */
static int64_t year_of(int64_t t)
{
	int64_t y = 1970 + t / (SECS_PER_DAY * 36525LL / 100);
	int64_t start;
	int i;

	/* The estimate is off by at most one year; walk to the right one. */
	for (i = 0; i < 4; i++) {
		if (lst_make_time(y, 1, 1, 0, 0, 0, &start) == 0 && start > t)
			y--;
		else if (lst_make_time(y + 1, 1, 1, 0, 0, 0, &start) == 0 && start <= t)
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

	if (s == NULL || len < 14 || !lst_all_digits(s, 14))
		return -1;
	if (len > 14) {
		/* ".sss": any number of digits, kept to the nanosecond. */
		if (s[14] != '.' || len == 15 || !lst_all_digits(s + 15, len - 15))
			return -1;
		for (i = 0; i < 9; i++)
			ns = ns * 10 + (15 + i < len ? s[15 + i] - '0' : 0);
	}
	if (lst_make_time(two_digits(s) * 100 + two_digits(s + 2), two_digits(s + 4),
	              two_digits(s + 6), two_digits(s + 8), two_digits(s + 10),
	              two_digits(s + 12), sec) != 0)
		return -1;
	*nsec = ns;
	*prec = len > 14 ? FTPS_TP_SUBSEC : FTPS_TP_SECOND;
	return 0;
}

/* "H:MM" or "HH:MM" (ranges checked later, by make_time). */
int lst_parse_hhmm(const char *s, size_t len, int *h, int *mi)
{
	const char *colon = memchr(s, ':', len);
	size_t hl;

	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - s);
	if (hl < 1 || hl > 2 || len - hl - 1 != 2)
		return -1;
	if (lst_parse_small(s, hl, h) != 0 || lst_parse_small(colon + 1, 2, mi) != 0)
		return -1;
	return 0;
}

/* The latest time on month/day at h:mi that is not more than a day after
 * now: what "Mon DD HH:MM" means (a file from the last months; the day
 * allows for servers whose clock or zone is ahead of ours). */
int lst_infer_year(int mon, int day, int h, int mi, time_t now, int64_t *out)
{
	int64_t limit, y, t;
	int i;

	if ((int64_t)now > INT64_MAX - SECS_PER_DAY)
		return -1;
	limit = (int64_t)now + SECS_PER_DAY;
	y = year_of((int64_t)now);

	/* Nine years back reach a Feb 29 from any starting year. */
	for (i = 0; i < 10; i++, y--) {
		if (lst_make_time(y + 1, mon, day, h, mi, 0, &t) == 0 && t <= limit) {
			*out = t;
			return 0;
		}
	}
	return -1;
}
