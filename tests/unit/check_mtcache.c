/* check_mtcache.c - the exact-time cache: a hit for the same listing, a
 * miss when the size, the coarse time or its precision changed, times too
 * recent to keep for good (held for the listings' cache time only), seeds
 * of our own uploads binding to a listing (in UTC or a local time), the
 * cap and LRU order, removal and renames of files and folders, bad input,
 * no cache at all, and a multi-threaded smoke test.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mtcache.h"

#define NOW     1800000000      /* a wall clock far past every time below */
#define EXACT   1700000037      /* a time with seconds */
#define MINUTE  1699999980      /* its minute, as LIST shows it in UTC */

/* What LIST shows for a file. */
static struct ftps_entry listed(uint64_t size, int64_t mtime, enum ftps_tprec prec)
{
	struct ftps_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "f");
	e.type = FTPS_FT_FILE;
	e.has_size = 1;
	e.size = size;
	e.mtime = mtime;
	e.mtime_prec = prec;
	return e;
}

/* The exact time kept for path and what the listing says, or -1. */
static int64_t got(struct ftps_mtcache *mc, const char *path, const struct ftps_entry *e)
{
	int64_t t = -1;

	if (!ftps_mtcache_get(mc, path, e, &t))
		return -1;
	return t;
}

static struct ftps_mtcache *mk(size_t max)
{
	struct ftps_mtcache *mc = ftps_mtcache_new(max);

	ck_assert_ptr_nonnull(mc);
	return mc;
}

static size_t count(struct ftps_mtcache *mc)
{
	struct ftps_mt_stats st;

	ftps_mtcache_stats(mc, &st);
	return st.entries;
}

/* ---- tests ---- */

START_TEST(hit_same_listing)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(10, MINUTE, FTPS_TP_MINUTE);
	struct ftps_mt_stats st;

	ck_assert_int_eq(got(mc, "/a/f", &e), -1);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/a/f", &e, EXACT, NOW, 0), 1);
	ck_assert_int_eq(got(mc, "/a/f", &e), EXACT);
	ck_assert_int_eq(got(mc, "/a/f", &e), EXACT);
	ck_assert_int_eq(got(mc, "/a/g", &e), -1);      /* another path */
	ck_assert_int_eq(got(mc, "/a", &e), -1);
	ftps_mtcache_stats(mc, &st);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(st.misses, 3);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(miss_on_change)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(10, MINUTE, FTPS_TP_MINUTE);
	struct ftps_entry bigger = listed(11, MINUTE, FTPS_TP_MINUTE);
	struct ftps_entry later = listed(10, MINUTE + 60, FTPS_TP_MINUTE);
	struct ftps_entry day = listed(10, MINUTE, FTPS_TP_DAY);

	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &e, EXACT, NOW, 0), 1);
	ck_assert_int_eq(got(mc, "/f", &bigger), -1);
	ck_assert_int_eq(got(mc, "/f", &later), -1);
	ck_assert_int_eq(got(mc, "/f", &day), -1);
	/* the new version's time replaces the old one */
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &bigger, EXACT + 100, NOW, 0), 1);
	ck_assert_int_eq(got(mc, "/f", &bigger), EXACT + 100);
	ck_assert_int_eq(got(mc, "/f", &e), -1);
	ck_assert_uint_eq(count(mc), 1);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

/* A rewrite with the same size in the same minute would look the same in
 * the next listing: such a time is not kept until its minute is over. */
START_TEST(too_recent_not_kept)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(10, MINUTE, FTPS_TP_MINUTE);

	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &e, EXACT, EXACT + 5, 0), 0);
	ck_assert_int_eq(got(mc, "/f", &e), -1);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &e, EXACT, EXACT + 119, 0), 0);
	ck_assert_int_eq(got(mc, "/f", &e), -1);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &e, EXACT, EXACT + 120, 0), 1);
	ck_assert_int_eq(got(mc, "/f", &e), EXACT);
	/* a server clock ahead of ours: a time in our future */
	ck_assert_int_eq(ftps_mtcache_put(mc, "/g", &e, NOW + 30, NOW, 0), 0);
	/* a recent answer for a changed file drops the older time */
	e.size = 12;
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &e, EXACT + 200, EXACT + 210, 0), 0);
	ck_assert_uint_eq(count(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

/* A time too recent to keep for good is held for the listings' cache time:
 * a folder of files written in the last two minutes costs one batch of
 * MDTMs, not one per stat. After that time it answers no more, nor for a
 * changed file; nor does it replace the time of our own newer upload. */
START_TEST(too_recent_held)
{
	struct ftps_mtcache *mc = mk(0);
	int64_t now = (int64_t)time(NULL);
	int64_t minute = now / 60 * 60;
	struct ftps_entry e = listed(10, minute, FTPS_TP_MINUTE);
	struct timespec wait = { 1, 200000000 };

	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &e, now - 1, now, 60), 1);
	ck_assert_int_eq(got(mc, "/f", &e), now - 1);
	e.size = 11;                    /* rewritten: the listing shows it */
	ck_assert_int_eq(got(mc, "/f", &e), -1);
	e.size = 10;
	/* held until its time is up: one second here */
	ck_assert_int_eq(ftps_mtcache_put(mc, "/g", &e, now - 1, now, 1), 1);
	ck_assert_int_eq(got(mc, "/g", &e), now - 1);
	nanosleep(&wait, NULL);
	ck_assert_int_eq(got(mc, "/g", &e), -1);
	ck_assert_int_eq(got(mc, "/f", &e), now - 1);
	/* our upload's time stays against an older answer (asked of the
	 * version the upload replaced), not against a newer one; the seed
	 * is in the listed minute, whatever second of it this is */
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/s", 10, minute), 0);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/s", &e, minute - 50, now, 60), 0);
	ck_assert_int_eq(got(mc, "/s", &e), minute);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/s", &e, minute + 1, now, 60), 1);
	ck_assert_int_eq(got(mc, "/s", &e), minute + 1);
	/* a settled time is kept for good, whatever the hold */
	struct ftps_entry old = listed(10, MINUTE, FTPS_TP_MINUTE);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/h", &old, EXACT, EXACT + 120, 1), 1);
	nanosleep(&wait, NULL);
	ck_assert_int_eq(got(mc, "/h", &old), EXACT);
	ftps_mtcache_free(mc);
}
END_TEST

/* A day-precision line is for a file older than six months (or in the
 * future): writing it makes it a minute-precision line, so the time is
 * kept at once. */
START_TEST(day_precision)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(7, 1583280000, FTPS_TP_DAY);  /* 2020-03-04 */

	ck_assert_int_eq(ftps_mtcache_put(mc, "/old", &e, 1583298367, 1583298367, 0), 1);
	ck_assert_int_eq(got(mc, "/old", &e), 1583298367);
	e.mtime += 86400;
	ck_assert_int_eq(got(mc, "/old", &e), -1);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(not_keyable)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry sec = listed(10, EXACT, FTPS_TP_SECOND);
	struct ftps_entry none = listed(10, 0, FTPS_TP_NONE);
	struct ftps_entry nosize = listed(10, MINUTE, FTPS_TP_MINUTE);
	struct ftps_entry dir = listed(10, MINUTE, FTPS_TP_MINUTE);

	nosize.has_size = 0;
	dir.type = FTPS_FT_DIR;
	ck_assert_int_eq(ftps_mtcache_keyable(&sec), 0);
	ck_assert_int_eq(ftps_mtcache_keyable(&none), 0);
	ck_assert_int_eq(ftps_mtcache_keyable(&nosize), 0);
	ck_assert_int_eq(ftps_mtcache_keyable(&dir), 0);
	ck_assert_int_eq(ftps_mtcache_keyable(NULL), 0);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &sec, EXACT, NOW, 0), 0);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &none, EXACT, NOW, 0), 0);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &nosize, EXACT, NOW, 0), 0);
	ck_assert_int_eq(ftps_mtcache_put(mc, "/f", &dir, EXACT, NOW, 0), 0);
	ck_assert_uint_eq(count(mc), 0);
	/* a seed never answers for what is not keyable */
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/f", 10, EXACT), 0);
	ck_assert_int_eq(got(mc, "/f", &sec), -1);
	ck_assert_int_eq(got(mc, "/f", &none), -1);
	ck_assert_int_eq(got(mc, "/f", &dir), -1);
	ftps_mtcache_free(mc);
}
END_TEST

/* Our upload: the size and exact time are known before any listing. */
START_TEST(seed_binds)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(10, MINUTE, FTPS_TP_MINUTE);
	struct ftps_entry other = listed(10, MINUTE + 60, FTPS_TP_MINUTE);

	ck_assert_int_eq(ftps_mtcache_seed(mc, "/up", 10, EXACT), 0);
	/* kept although recent: asked at EXACT itself */
	ck_assert_int_eq(got(mc, "/up", &other), -1);   /* another minute */
	e.size = 9;
	ck_assert_int_eq(got(mc, "/up", &e), -1);       /* another size */
	e.size = 10;
	ck_assert_int_eq(got(mc, "/up", &e), EXACT);
	/* bound now: answers that listing only */
	ck_assert_int_eq(got(mc, "/up", &e), EXACT);
	ck_assert_int_eq(got(mc, "/up", &other), -1);
	/* a new upload replaces it */
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/up", 11, EXACT + 3600), 0);
	ck_assert_int_eq(got(mc, "/up", &e), -1);
	e.size = 11;
	e.mtime = MINUTE + 3600;
	ck_assert_int_eq(got(mc, "/up", &e), EXACT + 3600);
	ck_assert_uint_eq(count(mc), 1);
	ftps_mtcache_free(mc);
}
END_TEST

/* A server that lists in local time: LIST's minute is off by whole
 * quarter hours, MDTM is UTC. */
START_TEST(seed_local_time)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry plus2 = listed(5, MINUTE + 2 * 3600, FTPS_TP_MINUTE);
	struct ftps_entry india = listed(5, MINUTE + 5 * 3600 + 1800, FTPS_TP_MINUTE);
	struct ftps_entry minus12 = listed(5, MINUTE - 12 * 3600, FTPS_TP_MINUTE);
	struct ftps_entry odd = listed(5, MINUTE + 7 * 60, FTPS_TP_MINUTE);
	struct ftps_entry far = listed(5, MINUTE + 15 * 3600, FTPS_TP_MINUTE);

	ck_assert_int_eq(ftps_mtcache_seed(mc, "/a", 5, EXACT), 0);
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/b", 5, EXACT), 0);
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/c", 5, EXACT), 0);
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/d", 5, EXACT), 0);
	ck_assert_int_eq(got(mc, "/a", &plus2), EXACT);
	ck_assert_int_eq(got(mc, "/b", &india), EXACT);
	ck_assert_int_eq(got(mc, "/c", &minus12), EXACT);
	ck_assert_int_eq(got(mc, "/d", &odd), -1);      /* 7 minutes: another write */
	ck_assert_int_eq(got(mc, "/d", &far), -1);      /* beyond any time zone */
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(seed_day_and_negative)
{
	struct ftps_mtcache *mc = mk(0);
	/* rsync -a set a 2020 time through the mount: LIST shows the day */
	struct ftps_entry day = listed(3, 1583280000, FTPS_TP_DAY);
	struct ftps_entry nextday = listed(3, 1583280000 + 2 * 86400, FTPS_TP_DAY);
	/* before 1970: minutes round down, not towards zero */
	struct ftps_entry neg = listed(3, -60, FTPS_TP_MINUTE);

	ck_assert_int_eq(ftps_mtcache_seed(mc, "/d", 3, 1583298367), 0);
	ck_assert_int_eq(got(mc, "/d", &nextday), -1);
	ck_assert_int_eq(got(mc, "/d", &day), 1583298367);
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/n", 3, -30), 0);
	ck_assert_int_eq(got(mc, "/n", &neg), -30);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(eviction_bound)
{
	struct ftps_mtcache *mc = mk(100);
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	struct ftps_mt_stats st;
	char p[64];

	for (int i = 0; i < 1000; i++) {
		snprintf(p, sizeof(p), "/d/f%d", i);
		ck_assert_int_eq(ftps_mtcache_put(mc, p, &e, EXACT + i, NOW, 0), 1);
		if (i == 50) {
			/* /d/f0 is used again: the oldest is /d/f1 now */
			ck_assert_int_eq(got(mc, "/d/f0", &e), EXACT);
		}
		if (i > 50 && i < 150)
			ck_assert_int_eq(got(mc, "/d/f0", &e), EXACT);
		ck_assert_uint_le(count(mc), 100);
	}
	ftps_mtcache_stats(mc, &st);
	ck_assert_uint_eq(st.entries, 100);
	ck_assert_uint_eq(st.max_entries, 100);
	ck_assert_uint_eq(st.evictions, 900);
	ck_assert_int_eq(got(mc, "/d/f999", &e), EXACT + 999);
	ck_assert_int_eq(got(mc, "/d/f900", &e), EXACT + 900);
	ck_assert_int_eq(got(mc, "/d/f899", &e), -1);
	ck_assert_int_eq(got(mc, "/d/f1", &e), -1);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_clear(mc);
	ck_assert_uint_eq(count(mc), 0);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(remove_file_and_folder)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	const char *const paths[] = { "/a", "/a/x", "/a/s/y", "/ab", "/ab/z", "/b/a" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		ck_assert_int_eq(ftps_mtcache_put(mc, paths[i], &e, EXACT, NOW, 0), 1);
	ftps_mtcache_remove(mc, "/a/x", 0);
	ck_assert_int_eq(got(mc, "/a/x", &e), -1);
	ck_assert_int_eq(got(mc, "/a/s/y", &e), EXACT);
	ftps_mtcache_remove(mc, "/a", 0);               /* the path only */
	ck_assert_int_eq(got(mc, "/a", &e), -1);
	ck_assert_int_eq(got(mc, "/a/s/y", &e), EXACT);
	ftps_mtcache_remove(mc, "/a", 1);               /* and below it */
	ck_assert_int_eq(got(mc, "/a/s/y", &e), -1);
	ck_assert_int_eq(got(mc, "/ab", &e), EXACT);    /* a sibling, not below */
	ck_assert_int_eq(got(mc, "/ab/z", &e), EXACT);
	ck_assert_int_eq(got(mc, "/b/a", &e), EXACT);
	ftps_mtcache_remove(mc, "/nothing", 1);
	ck_assert_uint_eq(count(mc), 3);
	ftps_mtcache_remove(mc, "/", 1);                /* everything */
	ck_assert_uint_eq(count(mc), 0);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(rename_file)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	struct ftps_entry e2 = listed(2, MINUTE, FTPS_TP_MINUTE);

	/* rsync: ".f.XXXXXX" written, then renamed over f */
	ck_assert_int_eq(ftps_mtcache_put(mc, "/d/f", &e2, EXACT - 500, NOW, 0), 1);
	ck_assert_int_eq(ftps_mtcache_seed(mc, "/d/.f.tmp", 1, EXACT), 0);
	ftps_mtcache_rename(mc, "/d/.f.tmp", "/d/f", 0);
	ck_assert_int_eq(got(mc, "/d/.f.tmp", &e), -1);
	ck_assert_int_eq(got(mc, "/d/f", &e2), -1);     /* the replaced file's */
	ck_assert_int_eq(got(mc, "/d/f", &e), EXACT);
	ck_assert_uint_eq(count(mc), 1);
	/* over a path with nothing kept, from a path with nothing kept */
	ftps_mtcache_rename(mc, "/d/f", "/e/g", 0);
	ck_assert_int_eq(got(mc, "/e/g", &e), EXACT);
	ftps_mtcache_rename(mc, "/nothing", "/e/g", 0);
	ck_assert_int_eq(got(mc, "/e/g", &e), -1);
	ck_assert_uint_eq(count(mc), 0);
	/* onto itself: nothing changes */
	ck_assert_int_eq(ftps_mtcache_put(mc, "/s", &e, EXACT, NOW, 0), 1);
	ftps_mtcache_rename(mc, "/s", "/s", 0);
	ck_assert_int_eq(got(mc, "/s", &e), EXACT);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(rename_folder)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	const char *const paths[] = { "/d/x", "/d/s/y", "/dx", "/t/old", "/t" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		ck_assert_int_eq(ftps_mtcache_put(mc, paths[i], &e, EXACT + (int64_t)i, NOW, 0), 1);
	ftps_mtcache_rename(mc, "/d", "/t", 1);
	ck_assert_int_eq(got(mc, "/t/x", &e), EXACT);
	ck_assert_int_eq(got(mc, "/t/s/y", &e), EXACT + 1);
	ck_assert_int_eq(got(mc, "/t/old", &e), -1);    /* the replaced folder's */
	ck_assert_int_eq(got(mc, "/t", &e), -1);
	ck_assert_int_eq(got(mc, "/d/x", &e), -1);
	ck_assert_int_eq(got(mc, "/d/s/y", &e), -1);
	ck_assert_int_eq(got(mc, "/dx", &e), EXACT + 2);  /* not below /d */
	ck_assert_uint_eq(count(mc), 3);
	/* into itself: not a real rename; what was kept there goes */
	ftps_mtcache_rename(mc, "/t", "/t/s/in", 1);
	ck_assert_int_eq(got(mc, "/t/x", &e), -1);
	ck_assert_int_eq(got(mc, "/t/s/in/x", &e), -1);
	ck_assert_uint_eq(count(mc), 1);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
}
END_TEST

START_TEST(bad_input)
{
	struct ftps_mtcache *mc = mk(0);
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	static char longp[FTPS_MAX_PATH + 10];
	const char *const bad[] = { "", "rel", "/a/", "/a//b", longp };
	int64_t t = 42;

	longp[0] = '/';
	memset(longp + 1, 'x', sizeof(longp) - 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_int_eq(ftps_mtcache_put(mc, bad[i], &e, EXACT, NOW, 0), -1);
		ck_assert_int_eq(ftps_mtcache_seed(mc, bad[i], 1, EXACT), -1);
		ck_assert_int_eq(ftps_mtcache_get(mc, bad[i], &e, &t), 0);
		ftps_mtcache_remove(mc, bad[i], 1);
		ftps_mtcache_rename(mc, bad[i], "/a", 1);
		ftps_mtcache_rename(mc, "/a", bad[i], 1);
	}
	ck_assert_int_eq(ftps_mtcache_put(mc, NULL, &e, EXACT, NOW, 0), -1);
	ck_assert_int_eq(ftps_mtcache_get(mc, NULL, &e, &t), 0);
	ck_assert_int_eq(ftps_mtcache_get(mc, "/a", NULL, &t), 0);
	ck_assert_int_eq(t, 42);
	ck_assert_uint_eq(count(mc), 0);
	/* a rename whose result would be too long drops the entry */
	ck_assert_int_eq(ftps_mtcache_put(mc, "/d/f", &e, EXACT, NOW, 0), 1);
	longp[FTPS_MAX_PATH - 2] = '\0';
	ftps_mtcache_rename(mc, "/d", longp, 1);
	ck_assert_uint_eq(count(mc), 0);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ftps_mtcache_free(mc);
	ftps_mtcache_free(NULL);
}
END_TEST

/* A mount with the caches off has no cache: every call is harmless. */
START_TEST(null_cache)
{
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	int64_t t = 42;

	ck_assert_int_eq(ftps_mtcache_put(NULL, "/f", &e, EXACT, NOW, 0), 0);
	ck_assert_int_eq(ftps_mtcache_put(NULL, "rel", &e, EXACT, NOW, 0), -1);
	ck_assert_int_eq(ftps_mtcache_seed(NULL, "/f", 1, EXACT), 0);
	ck_assert_int_eq(ftps_mtcache_get(NULL, "/f", &e, &t), 0);
	ck_assert_int_eq(t, 42);
	ftps_mtcache_remove(NULL, "/f", 1);
	ftps_mtcache_rename(NULL, "/f", "/g", 0);
	ftps_mtcache_clear(NULL);
}
END_TEST

struct worker {
	struct ftps_mtcache *mc;
	unsigned seed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ftps_entry e = listed(1, MINUTE, FTPS_TP_MINUTE);
	char p[64], q[64];
	int64_t t;

	for (int i = 0; i < 20000; i++) {
		unsigned r = rand_r(&w->seed);
		snprintf(p, sizeof(p), "/d%u/f%u", r % 7, (r >> 8) % 300);
		snprintf(q, sizeof(q), "/d%u/f%u", (r >> 4) % 7, (r >> 16) % 300);
		e.size = (r >> 20) % 3;
		switch (r % 7) {
		case 0: ftps_mtcache_put(w->mc, p, &e, EXACT, NOW, 0); break;
		case 6: ftps_mtcache_put(w->mc, p, &e, NOW - 5, NOW, 60); break;
		case 1: ftps_mtcache_seed(w->mc, p, e.size, EXACT); break;
		case 2: ftps_mtcache_get(w->mc, p, &e, &t); break;
		case 3: ftps_mtcache_remove(w->mc, p, (r >> 3) & 1); break;
		case 4: ftps_mtcache_rename(w->mc, p, q, 0); break;
		default:
			snprintf(p, sizeof(p), "/d%u", r % 7);
			snprintf(q, sizeof(q), "/d%u", (r >> 4) % 7);
			ftps_mtcache_rename(w->mc, p, q, 1);
			break;
		}
	}
	return NULL;
}

START_TEST(threads_smoke)
{
	struct ftps_mtcache *mc = mk(500);
	struct worker w[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		w[i].mc = mc;
		w[i].seed = (unsigned)i * 7919u + 1;
		ck_assert_int_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_eq(ftps_mtcache_check(mc), 0);
	ck_assert_uint_le(count(mc), 500);
	ftps_mtcache_free(mc);
}
END_TEST

static Suite *mtcache_suite(void)
{
	Suite *s = suite_create("mtcache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hit_same_listing);
	tcase_add_test(tc, miss_on_change);
	tcase_add_test(tc, too_recent_not_kept);
	tcase_add_test(tc, too_recent_held);
	tcase_add_test(tc, day_precision);
	tcase_add_test(tc, not_keyable);
	tcase_add_test(tc, seed_binds);
	tcase_add_test(tc, seed_local_time);
	tcase_add_test(tc, seed_day_and_negative);
	tcase_add_test(tc, eviction_bound);
	tcase_add_test(tc, remove_file_and_folder);
	tcase_add_test(tc, rename_file);
	tcase_add_test(tc, rename_folder);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, null_cache);
	tcase_add_test(tc, threads_smoke);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mtcache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
