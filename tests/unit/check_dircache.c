/* check_dircache.c - the directory cache: hits, misses and negatives,
 * expiry under a controlled clock, our own entries surviving listings that
 * hide them, renames of files and folders, eviction under the cap, a large
 * folder, bad input, and a multi-threaded smoke test.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dircache.h"
#include "mtcache.h"

/* ---- helpers ---- */

static struct ftps_entry mk(const char *name, enum ftps_ftype type, uint64_t size)
{
	struct ftps_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.type = type;
	e.has_size = 1;
	e.size = size;
	e.mtime_prec = FTPS_TP_SECOND;
	e.mtime = 1700000000 + (int64_t)size;
	e.has_mode = 1;
	e.mode = type == FTPS_FT_DIR ? 0755 : 0644;
	return e;
}

static struct ftps_entry mkfile(const char *name, uint64_t size)
{
	return mk(name, FTPS_FT_FILE, size);
}

/* A listing of files named by a NULL-terminated list, sizes 1, 2, 3... */
static struct ftps_dc_listing *listing_of(const char *const *names)
{
	struct ftps_dc_listing *l = ftps_dc_listing_new();

	ck_assert_ptr_nonnull(l);
	for (size_t i = 0; names[i]; i++) {
		struct ftps_entry e = mkfile(names[i], i + 1);
		ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	}
	return l;
}

static void put(struct ftps_dircache *dc, const char *dir, const char *const *names,
                double t)
{
	ck_assert_int_eq(ftps_dircache_put_listing(dc, dir, listing_of(names), t, NULL, NULL), 0);
}

static enum ftps_dc_result look(struct ftps_dircache *dc, const char *path, double now,
                                uint64_t *size)
{
	struct ftps_entry e;
	enum ftps_dc_result r = ftps_dircache_lookup(dc, path, now, &e);

	if (r == FTPS_DC_HIT) {
		if (size)
			*size = e.size;
		free(e.link_target);
	}
	return r;
}

/* Collects names seen by a callback, as "a,b,c" sorted. */
struct names {
	char *v[64];
	size_t n;
	size_t total;
};

static int collect(void *arg, const struct ftps_entry *e)
{
	struct names *ns = arg;

	ns->total++;
	if (ns->n < 64)
		ns->v[ns->n++] = strdup(e->name);
	return 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_str(struct names *ns, char *out, size_t len)
{
	size_t off = 0;

	qsort(ns->v, ns->n, sizeof(ns->v[0]), cmpstr);
	out[0] = '\0';
	for (size_t i = 0; i < ns->n; i++) {
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," : "", ns->v[i]);
		free(ns->v[i]);
		if (off >= len)
			break;
	}
	ns->n = 0;
}

/* readdir of dir as "a,b,c", or "MISS". */
static void dir_is(struct ftps_dircache *dc, const char *dir, double now, const char *expect)
{
	struct names ns = { .n = 0 };
	char got[1024];

	if (ftps_dircache_readdir(dc, dir, now, collect, &ns) != FTPS_DC_HIT) {
		ck_assert_uint_eq(ns.n, 0);
		ck_assert_msg(strcmp(expect, "MISS") == 0, "readdir %s: MISS, expected %s", dir, expect);
		return;
	}
	names_str(&ns, got, sizeof(got));
	ck_assert_msg(strcmp(got, expect) == 0, "readdir %s: got '%s', expected '%s'", dir, got,
	              expect);
}

static const char *const ABC[] = { "a", "b", "c", NULL };

/* ---- basics ---- */

START_TEST(hit_negative_miss)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_dc_listing *l = ftps_dc_listing_new();
	struct ftps_entry e = mkfile("file.txt", 1234), got;

	ck_assert_ptr_nonnull(dc);
	e.mtime = 1600000000;
	e.mtime_nsec = 250000000;
	e.mtime_prec = FTPS_TP_SUBSEC;
	e.has_perm = 1;
	snprintf(e.perm, sizeof(e.perm), "adfrw");
	e.has_owner = 1;
	e.uid = 1000;
	e.gid = 100;
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	e = mk("sub", FTPS_FT_DIR, 0);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	e = mk("lnk", FTPS_FT_LINK, 7);
	e.link_target = strdup("file.txt");
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);   /* copies the target */
	free(e.link_target);
	ck_assert_uint_eq(ftps_dc_listing_count(l), 3);
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/pub", l, 100.0, NULL, NULL), 0);

	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(ftps_dircache_lookup(dc, "/pub/file.txt", 101.0, &got), FTPS_DC_HIT);
	ck_assert_str_eq(got.name, "file.txt");
	ck_assert_int_eq(got.type, FTPS_FT_FILE);
	ck_assert_int_eq(got.has_size, 1);
	ck_assert_uint_eq(got.size, 1234);
	ck_assert_int_eq(got.mtime, 1600000000);
	ck_assert_int_eq(got.mtime_nsec, 250000000);
	ck_assert_int_eq(got.mtime_prec, FTPS_TP_SUBSEC);
	ck_assert_uint_eq(got.mode, 0644);
	ck_assert_str_eq(got.perm, "adfrw");
	ck_assert_uint_eq(got.uid, 1000);
	ck_assert_uint_eq(got.gid, 100);
	ck_assert_ptr_null(got.link_target);

	ck_assert_int_eq(ftps_dircache_lookup(dc, "/pub/lnk", 101.0, &got), FTPS_DC_HIT);
	ck_assert_int_eq(got.type, FTPS_FT_LINK);
	ck_assert_ptr_nonnull(got.link_target);
	ck_assert_str_eq(got.link_target, "file.txt");
	free(got.link_target);

	ck_assert_int_eq(ftps_dircache_lookup(dc, "/pub/sub", 101.0, &got), FTPS_DC_HIT);
	ck_assert_int_eq(got.type, FTPS_FT_DIR);
	ck_assert_int_eq(look(dc, "/pub/nope", 101.0, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(look(dc, "/pub/File.txt", 101.0, NULL), FTPS_DC_NEGATIVE);  /* case matters */
	ck_assert_int_eq(look(dc, "/other/file.txt", 101.0, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(look(dc, "/pub", 101.0, NULL), FTPS_DC_MISS);     /* "/" not listed */
	ck_assert_int_eq(look(dc, "/", 101.0, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(look(dc, "/pub/sub/x", 101.0, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(ftps_dircache_lookup(dc, "/pub/file.txt", 101.0, NULL), FTPS_DC_HIT);

	dir_is(dc, "/pub", 101.0, "file.txt,lnk,sub");
	dir_is(dc, "/pub/sub", 101.0, "MISS");
	dir_is(dc, "/", 101.0, "MISS");
	ck_assert_int_eq(ftps_dircache_check(dc), 0);

	struct ftps_dc_stats st;
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.dirs, 1);
	ck_assert_uint_eq(st.entries, 3);
	ck_assert_uint_eq(st.own, 0);
	ck_assert_uint_eq(st.max_entries, FTPS_DIRCACHE_DEF_MAX);
	ck_assert_uint_eq(st.hits, 5);
	ck_assert_uint_eq(st.negatives, 2);
	ck_assert_uint_eq(st.misses, 6);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(root_listing)
{
	struct ftps_dircache *dc = ftps_dircache_new(30, 0);
	struct ftps_entry e = mk("/", FTPS_FT_DIR, 0);

	put(dc, "/", ABC, 0);
	ck_assert_int_eq(look(dc, "/a", 1, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(look(dc, "/z", 1, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(look(dc, "/", 1, NULL), FTPS_DC_MISS);
	dir_is(dc, "/", 1, "a,b,c");
	/* the root can be told about, like any path */
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/", &e, 2), 0);
	ck_assert_int_eq(look(dc, "/", 3, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(expiry)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_dc_stats st;

	put(dc, "/d", ABC, 1000.0);
	ck_assert_int_eq(look(dc, "/d/a", 1000.0, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(look(dc, "/d/a", 1059.9, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(look(dc, "/d/x", 1059.9, NULL), FTPS_DC_NEGATIVE);
	dir_is(dc, "/d", 1059.9, "a,b,c");
	ck_assert_int_eq(look(dc, "/d/a", 1060.0, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(look(dc, "/d/x", 1060.0, NULL), FTPS_DC_MISS);
	dir_is(dc, "/d", 1060.0, "MISS");
	/* a stale listing is freed when met */
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.dirs, 0);
	ck_assert_uint_eq(st.entries, 0);
	/* and a new one answers again */
	put(dc, "/d", ABC, 1061.0);
	ck_assert_int_eq(look(dc, "/d/c", 1062.0, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(older_listing_does_not_replace_newer)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	static const char *const old_names[] = { "a", "old", NULL };
	struct names ns = { .n = 0 };
	char got[256];

	put(dc, "/d", ABC, 10.0);
	/* a slower listing, requested earlier, arrives later */
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d", listing_of(old_names), 5.0,
	                                           collect, &ns), 0);
	names_str(&ns, got, sizeof(got));
	ck_assert_str_eq(got, "a,old");         /* its caller still sees it */
	ck_assert_int_eq(look(dc, "/d/old", 11.0, NULL), FTPS_DC_NEGATIVE);
	dir_is(dc, "/d", 11.0, "a,b,c");
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(duplicates_and_bad_names)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_dc_listing *l = ftps_dc_listing_new();
	struct ftps_entry e;
	uint64_t size = 0;

	e = mkfile("twice", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	e = mkfile("twice", 2);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);     /* replaces */
	e = mkfile(".", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), -1);
	e = mkfile("..", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), -1);
	e = mkfile("a/b", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), -1);
	e = mkfile("", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), -1);
	e = mkfile("x", 1);
	memset(e.name, 'n', sizeof(e.name));                 /* not terminated */
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), -1);
	e = mkfile(".hidden", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	e = mkfile("...", 1);
	ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	ck_assert_uint_eq(ftps_dc_listing_count(l), 3);
	/* refused names do not make the listing incomplete: it is kept */
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d", l, 0, NULL, NULL), 0);
	ck_assert_int_eq(look(dc, "/d/twice", 1, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 2);
	dir_is(dc, "/d", 1, "...,.hidden,twice");
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(bad_paths)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry e = mkfile("x", 1);
	static const char *const bad[] = { "", "a", "a/b", "/a/", "//a", "/a//b", NULL };

	for (size_t i = 0; bad[i]; i++) {
		ck_assert_int_eq(ftps_dircache_put_listing(dc, bad[i], listing_of(ABC), 0, NULL, NULL), -1);
		ck_assert_int_eq(ftps_dircache_lookup(dc, bad[i], 0, NULL), FTPS_DC_MISS);
		ck_assert_int_eq(ftps_dircache_readdir(dc, bad[i], 0, collect, NULL), FTPS_DC_MISS);
		ck_assert_int_eq(ftps_dircache_upsert(dc, bad[i], &e, 0), -1);
		ck_assert_int_eq(ftps_dircache_remove(dc, bad[i], 0), -1);
		ck_assert_int_eq(ftps_dircache_forget(dc, bad[i], 0), -1);
		ck_assert_int_eq(ftps_dircache_rename(dc, bad[i], "/ok", 0), -1);
		ck_assert_int_eq(ftps_dircache_rename(dc, "/ok", bad[i], 0), -1);
		ftps_dircache_invalidate_dir(dc, bad[i]);
	}
	ck_assert_int_eq(ftps_dircache_lookup(dc, NULL, 0, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d", NULL, 0, NULL, NULL), -1);
	/* too long */
	char *p = malloc(FTPS_MAX_PATH + 2);
	p[0] = '/';
	memset(p + 1, 'x', FTPS_MAX_PATH);
	p[FTPS_MAX_PATH + 1] = '\0';
	ck_assert_int_eq(ftps_dircache_upsert(dc, p, &e, 0), -1);
	free(p);
	/* renaming "/" is meaningless */
	ck_assert_int_eq(ftps_dircache_rename(dc, "/", "/x", 0), -1);
	struct ftps_dc_stats st;
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.dirs + st.own, 0);
	ftps_dircache_free(dc);
}
END_TEST

/* ---- own entries ---- */

START_TEST(remove_leaves_negative)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);

	put(dc, "/d", ABC, 0);
	ck_assert_int_eq(ftps_dircache_remove(dc, "/d/b", 1), 0);
	ck_assert_int_eq(look(dc, "/d/b", 2, NULL), FTPS_DC_NEGATIVE);
	dir_is(dc, "/d", 2, "a,c");
	/* a negative own entry needs no listing */
	ck_assert_int_eq(ftps_dircache_remove(dc, "/elsewhere/f", 1), 0);
	ck_assert_int_eq(look(dc, "/elsewhere/f", 60.9, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(look(dc, "/elsewhere/f", 61.0, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(upsert_updates_listing)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry e = mkfile("ignored-name", 999);
	uint64_t size = 0;

	put(dc, "/d", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/new", &e, 1), 0);
	ck_assert_int_eq(look(dc, "/d/new", 2, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 999);
	dir_is(dc, "/d", 2, "a,b,c,new");
	e.size = 5;
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/a", &e, 3), 0);
	ck_assert_int_eq(look(dc, "/d/a", 4, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 5);
	/* the name in the result is the path's, not e->name */
	struct ftps_entry got;
	ck_assert_int_eq(ftps_dircache_lookup(dc, "/d/a", 4, &got), FTPS_DC_HIT);
	ck_assert_str_eq(got.name, "a");
	/* without a cached parent the own entry still answers */
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/x/y", &e, 3), 0);
	ck_assert_int_eq(look(dc, "/x/y", 4, &size), FTPS_DC_HIT);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

/* vsftpd hides dot-files: a file we wrote must stay visible even though
 * newer listings do not show it, until our entry expires. */
START_TEST(own_upsert_survives_listing)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry e = mkfile(".rsync.tmp", 42);
	uint64_t size = 0;

	put(dc, "/d", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/.rsync.tmp", &e, 1), 0);
	/* a listing requested after our upload lacks it */
	put(dc, "/d", ABC, 2);
	ck_assert_int_eq(look(dc, "/d/.rsync.tmp", 3, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 42);
	dir_is(dc, "/d", 3, ".rsync.tmp,a,b,c");
	/* our entry expires at 61; the listing that took it in lasts to 62 */
	ck_assert_int_eq(look(dc, "/d/.rsync.tmp", 61.5, NULL), FTPS_DC_HIT);
	/* afterwards only a listing decides */
	ck_assert_int_eq(look(dc, "/d/.rsync.tmp", 62.5, NULL), FTPS_DC_MISS);
	put(dc, "/d", ABC, 63);
	ck_assert_int_eq(look(dc, "/d/.rsync.tmp", 64, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(listing_newer_than_own_wins)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry e = mkfile("b", 500);
	uint64_t size = 0;

	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/b", &e, 10), 0);
	/* requested before our change: our entry wins */
	put(dc, "/d", ABC, 9);
	ck_assert_int_eq(look(dc, "/d/b", 11, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 500);
	/* requested after it and showing the file: someone changed it since */
	put(dc, "/d", ABC, 12);
	ck_assert_int_eq(look(dc, "/d/b", 13, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 2);
	struct ftps_dc_stats st;
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.own, 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(own_negative_vs_listing)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);

	ck_assert_int_eq(ftps_dircache_remove(dc, "/d/a", 10), 0);
	/* a listing requested before our delete still shows it: we know better */
	put(dc, "/d", ABC, 9);
	ck_assert_int_eq(look(dc, "/d/a", 11, NULL), FTPS_DC_NEGATIVE);
	dir_is(dc, "/d", 11, "b,c");
	/* a listing requested after it shows it again: it was created anew */
	put(dc, "/d", ABC, 12);
	ck_assert_int_eq(look(dc, "/d/a", 13, NULL), FTPS_DC_HIT);
	dir_is(dc, "/d", 13, "a,b,c");
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(forget_forces_miss)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);

	put(dc, "/d", ABC, 0);
	ck_assert_int_eq(ftps_dircache_forget(dc, "/d/a", 1), 0);
	ck_assert_int_eq(look(dc, "/d/a", 2, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(look(dc, "/d/b", 2, NULL), FTPS_DC_HIT);
	dir_is(dc, "/d", 2, "a,b,c");       /* readdir is unaffected */
	/* a listing requested before the forget does not bring it back */
	put(dc, "/d", ABC, 0.5);
	ck_assert_int_eq(look(dc, "/d/a", 2, NULL), FTPS_DC_MISS);
	/* but one requested after it does */
	put(dc, "/d", ABC, 3);
	ck_assert_int_eq(look(dc, "/d/a", 4, NULL), FTPS_DC_HIT);
	/* an upsert after a forget answers */
	ck_assert_int_eq(ftps_dircache_forget(dc, "/d/b", 5), 0);
	struct ftps_entry e = mkfile("b", 77);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/b", &e, 6), 0);
	uint64_t size = 0;
	ck_assert_int_eq(look(dc, "/d/b", 7, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 77);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(invalidate_and_clear)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry e = mkfile("mine", 1);
	struct ftps_dc_stats st;

	put(dc, "/d", ABC, 0);
	put(dc, "/d/sub", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/mine", &e, 0), 0);
	ftps_dircache_invalidate_dir(dc, "/d");
	ftps_dircache_invalidate_dir(dc, "/not/cached");
	dir_is(dc, "/d", 1, "MISS");
	ck_assert_int_eq(look(dc, "/d/a", 1, NULL), FTPS_DC_MISS);
	dir_is(dc, "/d/sub", 1, "a,b,c");                  /* subfolders stay */
	ck_assert_int_eq(look(dc, "/d/mine", 1, NULL), FTPS_DC_HIT);   /* own entries stay */
	ftps_dircache_clear(dc);
	dir_is(dc, "/d/sub", 1, "MISS");
	ck_assert_int_eq(look(dc, "/d/mine", 1, NULL), FTPS_DC_MISS);
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.dirs, 0);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.own, 0);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(file_over_folder)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry f = mkfile("x", 3);
	struct ftps_entry d = mk("x", FTPS_FT_DIR, 0);

	put(dc, "/x", ABC, 0);
	put(dc, "/x/a", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/x/a/mine", &f, 0), 0);
	/* a folder upsert keeps what is below it */
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/x", &d, 1), 0);
	dir_is(dc, "/x", 2, "a,b,c");
	/* a file where a folder was drops everything below */
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/x", &f, 2), 0);
	dir_is(dc, "/x", 3, "MISS");
	dir_is(dc, "/x/a", 3, "MISS");
	ck_assert_int_eq(look(dc, "/x/a/mine", 3, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(remove_folder_drops_subtree)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry f = mkfile("f", 3);

	put(dc, "/", (const char *const[]){ "r", "rr", NULL }, 0);
	put(dc, "/r", ABC, 0);
	put(dc, "/r/s", ABC, 0);
	put(dc, "/rr", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/r/s/f", &f, 0), 0);
	ck_assert_int_eq(ftps_dircache_remove(dc, "/r", 1), 0);
	ck_assert_int_eq(look(dc, "/r", 2, NULL), FTPS_DC_NEGATIVE);
	dir_is(dc, "/r", 2, "MISS");
	dir_is(dc, "/r/s", 2, "MISS");
	ck_assert_int_eq(look(dc, "/r/s/f", 2, NULL), FTPS_DC_MISS);
	dir_is(dc, "/rr", 2, "a,b,c");          /* a name sharing the prefix */
	dir_is(dc, "/", 2, "rr");
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

/* ---- renames ---- */

START_TEST(rename_file)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	uint64_t size = 0;

	put(dc, "/a", ABC, 0);
	put(dc, "/b", (const char *const[]){ "z", NULL }, 0);
	ck_assert_int_eq(ftps_dircache_rename(dc, "/a/b", "/a/g", 1), 0);
	ck_assert_int_eq(look(dc, "/a/b", 2, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(look(dc, "/a/g", 2, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 2);
	dir_is(dc, "/a", 2, "a,c,g");
	/* across folders, over an existing file */
	ck_assert_int_eq(ftps_dircache_rename(dc, "/a/g", "/b/z", 3), 0);
	ck_assert_int_eq(look(dc, "/b/z", 4, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 2);
	dir_is(dc, "/a", 4, "a,c");
	dir_is(dc, "/b", 4, "z");
	/* onto itself: nothing changes */
	ck_assert_int_eq(ftps_dircache_rename(dc, "/b/z", "/b/z", 5), 0);
	ck_assert_int_eq(look(dc, "/b/z", 6, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

/* rsync: write ".f.XXXXXX" (hidden from vsftpd's listings), rename to "f" */
START_TEST(rename_hidden_temporary)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry e = mkfile(".f.Ab12Cd", 4096);
	uint64_t size = 0;

	put(dc, "/d", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/.f.Ab12Cd", &e, 1), 0);
	put(dc, "/d", ABC, 2);      /* hides it */
	ck_assert_int_eq(ftps_dircache_rename(dc, "/d/.f.Ab12Cd", "/d/f", 3), 0);
	ck_assert_int_eq(look(dc, "/d/f", 4, &size), FTPS_DC_HIT);
	ck_assert_uint_eq(size, 4096);
	ck_assert_int_eq(look(dc, "/d/.f.Ab12Cd", 4, NULL), FTPS_DC_NEGATIVE);
	dir_is(dc, "/d", 4, "a,b,c,f");
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(rename_folder)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_entry f = mkfile("own", 9);
	struct ftps_entry e;

	put(dc, "/a", (const char *const[]){ "sub", "subway", "moved", NULL }, 0);
	put(dc, "/a/sub", ABC, 0);
	put(dc, "/a/sub/deep", ABC, 0);
	put(dc, "/a/subway", ABC, 0);
	put(dc, "/a/moved", ABC, 0);            /* the target exists: replaced */
	put(dc, "/a/moved/old", ABC, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/a/sub/deep/own", &f, 0), 0);
	/* make /a/sub a folder in the parent's listing */
	e = mk("sub", FTPS_FT_DIR, 0);
	ck_assert_int_eq(ftps_dircache_upsert(dc, "/a/sub", &e, 0), 0);

	ck_assert_int_eq(ftps_dircache_rename(dc, "/a/sub", "/a/moved", 1), 0);
	ck_assert_int_eq(look(dc, "/a/sub", 2, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(ftps_dircache_lookup(dc, "/a/moved", 2, &e), FTPS_DC_HIT);
	ck_assert_int_eq(e.type, FTPS_FT_DIR);
	dir_is(dc, "/a/sub", 2, "MISS");
	dir_is(dc, "/a/sub/deep", 2, "MISS");
	dir_is(dc, "/a/moved", 2, "MISS");
	dir_is(dc, "/a/moved/old", 2, "MISS");
	ck_assert_int_eq(look(dc, "/a/sub/deep/own", 2, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(look(dc, "/a/moved/deep/own", 2, NULL), FTPS_DC_MISS);
	dir_is(dc, "/a/subway", 2, "a,b,c");    /* shares the prefix, not the folder */
	dir_is(dc, "/a", 2, "moved,subway");
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(rename_unknown)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);

	put(dc, "/y", ABC, 0);
	ck_assert_int_eq(ftps_dircache_rename(dc, "/x/u", "/y/v", 1), 0);
	ck_assert_int_eq(look(dc, "/x/u", 2, NULL), FTPS_DC_NEGATIVE);
	ck_assert_int_eq(look(dc, "/y/v", 2, NULL), FTPS_DC_MISS);
	dir_is(dc, "/y", 2, "MISS");    /* it would lack v */
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

/* ---- cache off ---- */

START_TEST(ttl_zero)
{
	struct ftps_dircache *dc = ftps_dircache_new(0, 0);
	struct ftps_entry e = mkfile(".hidden", 8);
	struct names ns = { .n = 0 };
	char got[256];
	struct ftps_dc_stats st;

	ck_assert_int_eq(ftps_dircache_upsert(dc, "/d/.hidden", &e, 100), 0);
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d", listing_of(ABC), 101, collect, &ns), 0);
	names_str(&ns, got, sizeof(got));
	ck_assert_str_eq(got, ".hidden,a,b,c");     /* what readdir shows */
	dir_is(dc, "/d", 101, "MISS");              /* not kept */
	ck_assert_int_eq(look(dc, "/d/a", 101, NULL), FTPS_DC_MISS);
	ck_assert_int_eq(look(dc, "/d/zz", 101, NULL), FTPS_DC_MISS);
	/* our own entry lasts FTPS_DIRCACHE_OWN_TTL_MIN */
	ck_assert_int_eq(look(dc, "/d/.hidden", 100 + FTPS_DIRCACHE_OWN_TTL_MIN - 0.1, NULL),
	                 FTPS_DC_HIT);
	ck_assert_int_eq(look(dc, "/d/.hidden", 100 + FTPS_DIRCACHE_OWN_TTL_MIN, NULL),
	                 FTPS_DC_MISS);
	ck_assert_int_eq(ftps_dircache_remove(dc, "/d/a", 200), 0);
	ck_assert_int_eq(look(dc, "/d/a", 201, NULL), FTPS_DC_NEGATIVE);
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.dirs, 0);
	ftps_dircache_free(dc);
}
END_TEST

/* ---- bounded memory ---- */

static struct ftps_dc_listing *numbered(size_t n, const char *prefix)
{
	struct ftps_dc_listing *l = ftps_dc_listing_new();
	char name[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%zu", prefix, i);
		struct ftps_entry e = mkfile(name, i);
		ck_assert_int_eq(ftps_dc_listing_add(l, &e), 0);
	}
	return l;
}

START_TEST(eviction_lru)
{
	struct ftps_dircache *dc = ftps_dircache_new(600, 1000);
	struct ftps_dc_stats st;
	char dir[32];
	struct names ns = { .n = 0 };

	for (int i = 0; i < 6; i++) {
		snprintf(dir, sizeof(dir), "/d%d", i);
		ck_assert_int_eq(ftps_dircache_put_listing(dc, dir, numbered(150, "f"), i, NULL, NULL), 0);
	}
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_eq(st.dirs, 6);
	ck_assert_uint_eq(st.entries, 900);
	/* use /d0 so that /d1 is now the least recently used */
	ck_assert_int_eq(look(dc, "/d0/f3", 10, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d6", numbered(150, "f"), 11, NULL, NULL), 0);
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_le(st.entries, 1000);
	ck_assert_uint_eq(st.dirs, 6);
	ck_assert_uint_eq(st.evictions, 1);
	dir_is(dc, "/d1", 12, "MISS");
	ck_assert_int_eq(look(dc, "/d0/f149", 12, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(look(dc, "/d6/f0", 12, NULL), FTPS_DC_HIT);
	/* replacing a listing counts its old entries out first */
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d6", numbered(160, "g"), 13, NULL, NULL), 0);
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_le(st.entries, 1000);
	ck_assert_int_eq(look(dc, "/d6/g159", 14, NULL), FTPS_DC_HIT);
	ck_assert_int_eq(look(dc, "/d6/f0", 14, NULL), FTPS_DC_NEGATIVE);
	/* a listing larger than the cap is not kept, but its caller sees it */
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/huge", numbered(1500, "h"), 15, collect, &ns), 0);
	ck_assert_uint_eq(ns.total, 1500);
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
	dir_is(dc, "/huge", 16, "MISS");
	ck_assert_int_eq(look(dc, "/d6/g0", 16, NULL), FTPS_DC_HIT);    /* nothing evicted for it */
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(own_entries_bounded)
{
	struct ftps_dircache *dc = ftps_dircache_new(600, 1000);
	struct ftps_dc_stats st;
	char path[64];

	for (int i = 0; i < 5000; i++) {
		struct ftps_entry e = mkfile("x", (uint64_t)i);
		snprintf(path, sizeof(path), "/up/f%d", i);
		ck_assert_int_eq(ftps_dircache_upsert(dc, path, &e, i * 0.001), 0);
	}
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_le(st.own, 500);
	ck_assert_int_eq(look(dc, "/up/f4999", 6, NULL), FTPS_DC_HIT);  /* newest kept */
	ck_assert_int_eq(look(dc, "/up/f0", 6, NULL), FTPS_DC_MISS);    /* oldest went */
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

START_TEST(big_folder)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_dc_listing *l = numbered(10000, "file-");
	char path[64];
	uint64_t size = 0;
	struct names ns = { .n = 0 };

	ck_assert_uint_eq(ftps_dc_listing_count(l), 10000);
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/big", l, 0, NULL, NULL), 0);
	for (int i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/big/file-%d", i);
		ck_assert_int_eq(look(dc, path, 1, &size), FTPS_DC_HIT);
		ck_assert_uint_eq(size, (uint64_t)i);
		snprintf(path, sizeof(path), "/big/file-%d.x", i);
		ck_assert_int_eq(look(dc, path, 1, NULL), FTPS_DC_NEGATIVE);
	}
	/* delete half through the cache, the index follows */
	for (int i = 0; i < 10000; i += 2) {
		snprintf(path, sizeof(path), "/big/file-%d", i);
		ck_assert_int_eq(ftps_dircache_remove(dc, path, 2), 0);
	}
	for (int i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/big/file-%d", i);
		ck_assert_int_eq(look(dc, path, 3, NULL), i % 2 ? FTPS_DC_HIT : FTPS_DC_NEGATIVE);
	}
	ck_assert_int_eq(ftps_dircache_readdir(dc, "/big", 3, collect, &ns), FTPS_DC_HIT);
	ck_assert_uint_eq(ns.total, 5000);
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_free(dc);
}
END_TEST

/* ---- building listings ---- */

static int stop_after_two(void *arg, const struct ftps_entry *e)
{
	int *n = arg;

	(void)e;
	return ++*n == 2 ? 7 : 0;
}

START_TEST(listing_builder)
{
	struct ftps_dc_listing *l = ftps_dc_listing_new();
	struct ftps_entry e = mk("lnk", FTPS_FT_LINK, 3);
	int n = 0;

	e.link_target = strdup("target");
	/* the listing parser's callback: takes the link target */
	ck_assert_int_eq(ftps_dc_listing_add_cb(l, &e), 0);
	ck_assert_ptr_null(e.link_target);
	e = mkfile("..", 1);
	e.link_target = strdup("x");
	ck_assert_int_eq(ftps_dc_listing_add_cb(l, &e), 0);  /* refused, target freed */
	ck_assert_ptr_null(e.link_target);
	e = mkfile("a", 1);
	ck_assert_int_eq(ftps_dc_listing_add_cb(l, &e), 0);
	ck_assert_uint_eq(ftps_dc_listing_count(l), 2);
	ck_assert_int_eq(ftps_dc_listing_foreach(l, stop_after_two, &n), 7);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(ftps_dc_listing_count(NULL), 0);
	ftps_dc_listing_free(l);
	ftps_dc_listing_free(NULL);

	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	l = ftps_dc_listing_new();
	e = mk("l", FTPS_FT_LINK, 1);
	e.link_target = strdup("../t");
	ftps_dc_listing_add_cb(l, &e);
	ck_assert_int_eq(ftps_dircache_put_listing(dc, "/d", l, 0, NULL, NULL), 0);
	ck_assert_int_eq(ftps_dircache_lookup(dc, "/d/l", 1, &e), FTPS_DC_HIT);
	ck_assert_str_eq(e.link_target, "../t");
	free(e.link_target);
	ftps_dircache_free(dc);
	ftps_dircache_free(NULL);
}
END_TEST

START_TEST(clock_moves)
{
	double a = ftps_dircache_clock();
	double b = ftps_dircache_clock();

	ck_assert(a > 0);
	ck_assert(b >= a);
}
END_TEST

/* ---- threads ---- */

struct hammer {
	struct ftps_dircache *dc;
	unsigned seed;
	int iterations;
};

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static double fake_now;

static double tick(void)
{
	double t;

	pthread_mutex_lock(&clock_lock);
	fake_now += 0.01;
	t = fake_now;
	pthread_mutex_unlock(&clock_lock);
	return t;
}

static int count_cb(void *arg, const struct ftps_entry *e)
{
	size_t *n = arg;

	*n += e->name[0] != '\0';
	return 0;
}

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	char p1[64], p2[64], dir[32];

	for (int i = 0; i < h->iterations; i++) {
		unsigned r = (unsigned)rand_r(&h->seed);
		double now = tick();
		size_t n = 0;
		struct ftps_entry e;

		snprintf(dir, sizeof(dir), "/d%u", r % 5);
		snprintf(p1, sizeof(p1), "%s/f%u", dir, (r >> 4) % 40);
		snprintf(p2, sizeof(p2), "/d%u/f%u", (r >> 10) % 5, (r >> 14) % 40);
		switch ((r >> 20) % 9) {
		case 0: {
			struct ftps_dc_listing *l = numbered(20 + (r >> 8) % 30, "f");
			ftps_dircache_put_listing(h->dc, dir, l, now - 0.05, count_cb, &n);
			break;
		}
		case 1:
		case 2:
			if (ftps_dircache_lookup(h->dc, p1, now, &e) == FTPS_DC_HIT)
				free(e.link_target);
			break;
		case 3:
			e = mkfile("x", r);
			ftps_dircache_upsert(h->dc, p1, &e, now);
			break;
		case 4:
			ftps_dircache_remove(h->dc, p1, now);
			break;
		case 5:
			ftps_dircache_rename(h->dc, p1, p2, now);
			break;
		case 6:
			ftps_dircache_readdir(h->dc, dir, now, count_cb, &n);
			break;
		case 7:
			ftps_dircache_forget(h->dc, p1, now);
			break;
		case 8:
			if (r % 50 == 0)
				ftps_dircache_clear(h->dc);
			else
				ftps_dircache_invalidate_dir(h->dc, dir);
			break;
		}
	}
	return NULL;
}

START_TEST(threads_smoke)
{
	enum { NTHREADS = 4 };
	struct ftps_dircache *dc = ftps_dircache_new(1.0, 1000);
	pthread_t th[NTHREADS];
	struct hammer h[NTHREADS];
	struct ftps_dc_stats st;

	for (int i = 0; i < NTHREADS; i++) {
		h[i].dc = dc;
		h[i].seed = 12345u + (unsigned)i * 7919u;
		h[i].iterations = 4000;
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_dircache_stats(dc, &st);
	ck_assert_uint_le(st.entries + st.own, 1000 + 5 * 50);
	ck_assert(st.hits + st.misses + st.negatives > 0);
	ftps_dircache_free(dc);
}
END_TEST

/* Names of every length from 0 to 4096 bytes, through every way into both
 * caches: a name over FTPS_MAX_NAME bytes is refused everywhere (it once
 * overflowed struct ftps_entry.name when read back), a name that fits
 * comes back exactly, and the caches stay consistent. */
START_TEST(names_of_every_length)
{
	struct ftps_dircache *dc = ftps_dircache_new(60, 0);
	struct ftps_mtcache *mc = ftps_mtcache_new(0);
	static char path[8192], path2[8192];
	struct ftps_entry e, got;
	double now = 100;

	ck_assert_ptr_nonnull(dc);
	ck_assert_ptr_nonnull(mc);
	put(dc, "/d", (const char *const[]){ "x", NULL }, now);
	for (size_t n = 0; n <= 4096; n++) {
		int fits = n >= 1 && n <= FTPS_MAX_NAME;
		int rc;

		memcpy(path, "/d/", 3);
		memset(path + 3, 'm', n);
		path[3 + n] = '\0';
		memcpy(path2, path, n + 4);
		path2[1] = 'e';
		e = mkfile("ignored", n);

		rc = ftps_dircache_upsert(dc, path, &e, now);
		ck_assert_msg(fits ? rc == 0 : rc == -1, "upsert of a %zu-byte name: %d", n, rc);
		memset(&got, 0x55, sizeof(got));
		rc = (int)ftps_dircache_lookup(dc, path, now, &got);
		if (fits) {
			ck_assert_int_eq(rc, FTPS_DC_HIT);
			ck_assert_uint_eq(strlen(got.name), n);
			ck_assert(memcmp(got.name, path + 3, n) == 0);
			ck_assert_uint_eq(got.size, n);
			ftps_entry_clear(&got);
		} else {
			ck_assert_int_ne(rc, FTPS_DC_HIT);
		}
		rc = ftps_dircache_rename(dc, path, path2, now);
		ck_assert_msg(fits ? rc == 0 : rc == -1, "rename of a %zu-byte name: %d", n, rc);
		if (fits) {
			ck_assert_int_eq(ftps_dircache_lookup(dc, path2, now, &got), FTPS_DC_HIT);
			ck_assert_uint_eq(strlen(got.name), n);
			ftps_entry_clear(&got);
		}
		ck_assert_int_eq(ftps_dircache_forget(dc, path2, now), (fits ? 0 : -1));
		ck_assert_int_eq(ftps_dircache_remove(dc, path2, now), (fits ? 0 : -1));
		ck_assert_int_eq(ftps_dircache_remove(dc, path, now), (fits ? 0 : -1));

		/* A listing may not hold it either. */
		struct ftps_dc_listing *l = ftps_dc_listing_new();
		memset(e.name, 0, sizeof(e.name));
		memcpy(e.name, path + 3, n < FTPS_MAX_NAME ? n : FTPS_MAX_NAME);
		rc = ftps_dc_listing_add(l, &e);
		ck_assert_int_eq(rc, (n >= 1 ? 0 : -1));
		ftps_dc_listing_free(l);

		/* The exact-time cache takes the same keys. */
		rc = ftps_mtcache_seed(mc, path, n, 1700000000);
		ck_assert_msg(fits ? rc == 0 : rc == -1, "mtcache seed of a %zu-byte name: %d", n, rc);
		ftps_mtcache_rename(mc, path, path2, 0);
		ftps_mtcache_remove(mc, path2, 0);
	}
	ck_assert_int_eq(ftps_dircache_check(dc), 0);
	ftps_mtcache_free(mc);
	ftps_dircache_free(dc);
}
END_TEST

static Suite *dircache_suite(void)
{
	Suite *s = suite_create("dircache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hit_negative_miss);
	tcase_add_test(tc, root_listing);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, older_listing_does_not_replace_newer);
	tcase_add_test(tc, duplicates_and_bad_names);
	tcase_add_test(tc, bad_paths);
	tcase_add_test(tc, remove_leaves_negative);
	tcase_add_test(tc, upsert_updates_listing);
	tcase_add_test(tc, own_upsert_survives_listing);
	tcase_add_test(tc, listing_newer_than_own_wins);
	tcase_add_test(tc, own_negative_vs_listing);
	tcase_add_test(tc, forget_forces_miss);
	tcase_add_test(tc, invalidate_and_clear);
	tcase_add_test(tc, file_over_folder);
	tcase_add_test(tc, remove_folder_drops_subtree);
	tcase_add_test(tc, rename_file);
	tcase_add_test(tc, rename_hidden_temporary);
	tcase_add_test(tc, rename_folder);
	tcase_add_test(tc, rename_unknown);
	tcase_add_test(tc, ttl_zero);
	tcase_add_test(tc, eviction_lru);
	tcase_add_test(tc, own_entries_bounded);
	tcase_add_test(tc, big_folder);
	tcase_add_test(tc, listing_builder);
	tcase_add_test(tc, clock_moves);
	tcase_add_test(tc, threads_smoke);
	tcase_add_test(tc, names_of_every_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dircache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
