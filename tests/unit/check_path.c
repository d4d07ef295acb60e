/* check_path.c - ftps_path_ok, ftps_path_join, ftps_path_split: command
 * injection through names, bounds, and the root/slash corner cases.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ftps_limits.h"
#include "path.h"

START_TEST(path_ok)
{
	ck_assert_int_eq(ftps_path_ok("/"), 0);
	ck_assert_int_eq(ftps_path_ok("/a/b c/d"), 0);
	ck_assert_int_eq(ftps_path_ok("/caf\xc3\xa9"), 0);
	ck_assert_int_eq(ftps_path_ok("/a\tb"), 0);      /* legal in a Unix name */
	ck_assert_int_eq(ftps_path_ok(NULL), -1);
	ck_assert_int_eq(ftps_path_ok(""), -1);
	ck_assert_int_eq(ftps_path_ok("a/b"), -1);
	ck_assert_int_eq(ftps_path_ok("/a\r\nDELE /b"), -1);
	ck_assert_int_eq(ftps_path_ok("/a\n"), -1);
	ck_assert_int_eq(ftps_path_ok("/a\r"), -1);
	ck_assert_int_eq(ftps_path_ok("\n/a"), -1);
	ck_assert_int_eq(ftps_path_ok("/a\xff\xff" "b"), -1);   /* Telnet IAC */
}
END_TEST

START_TEST(path_ok_length)
{
	char *p = malloc(FTPS_MAX_PATH + 10);

	ck_assert_ptr_nonnull(p);
	p[0] = '/';
	memset(p + 1, 'x', FTPS_MAX_PATH + 8);
	p[FTPS_MAX_PATH - 1] = '\0';            /* 4095 bytes: fits with its NUL */
	ck_assert_int_eq(ftps_path_ok(p), 0);
	p[FTPS_MAX_PATH - 1] = 'x';
	p[FTPS_MAX_PATH] = '\0';                /* 4096 bytes: too long */
	ck_assert_int_eq(ftps_path_ok(p), -1);
	p[FTPS_MAX_PATH] = 'x';
	p[FTPS_MAX_PATH + 9] = '\0';
	ck_assert_int_eq(ftps_path_ok(p), -1);
	free(p);
}
END_TEST

static void join_eq(const char *root, const char *path, const char *expect)
{
	char out[FTPS_MAX_PATH];

	ck_assert_msg(ftps_path_join(root, path, out, sizeof out) == 0,
	              "join(%s, %s) failed", root ? root : "NULL", path);
	ck_assert_str_eq(out, expect);
}

static void join_bad(const char *root, const char *path)
{
	char out[FTPS_MAX_PATH];

	ck_assert_msg(ftps_path_join(root, path, out, sizeof out) == -1,
	              "join(%s, %s) accepted: %s", root ? root : "NULL",
	              path ? path : "NULL", out);
	ck_assert_str_eq(out, "");
}

START_TEST(cache_keys)
{
	static const char *good[] = { "/", "/a", "/a/b", "/a b/c.d", "/..x" };
	static const char *bad[] = { "", "a", "a/b", "/a/", "//", "/a//b", "/a/b/" };
	char big[FTPS_MAX_PATH + 1];
	size_t len = 0;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(ftps_path_is_key(good[i], &len), "refused %s", good[i]);
		ck_assert_uint_eq(len, strlen(good[i]));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!ftps_path_is_key(bad[i], &len), "took %s", bad[i]);
	ck_assert(!ftps_path_is_key(NULL, &len));
	/* Components of FTPS_MAX_NAME bytes, up to the path's bound. */
	for (size_t i = 0; i < FTPS_MAX_PATH; i++)
		big[i] = i % (FTPS_MAX_NAME + 1) == 0 ? '/' : 'x';
	big[FTPS_MAX_PATH] = '\0';
	ck_assert(!ftps_path_is_key(big, &len));      /* FTPS_MAX_PATH long: no room for NUL */
	big[FTPS_MAX_PATH - 1] = '\0';
	ck_assert(ftps_path_is_key(big, &len));
	ck_assert_uint_eq(len, FTPS_MAX_PATH - 1);
	/* A component one byte too long, or holding CR, LF or 0xFF. */
	big[FTPS_MAX_NAME + 1] = 'x';
	ck_assert(!ftps_path_is_key(big, &len));
	ck_assert(ftps_path_is_key("/a/\xc3\xa9", &len));
	ck_assert(!ftps_path_is_key("/a\rb", &len));
	ck_assert(!ftps_path_is_key("/a/b\n", &len));
	ck_assert(!ftps_path_is_key("/a/\xff", &len));
	ck_assert(!ftps_path_is_key("/a/../b", &len));
	ck_assert(!ftps_path_is_key("/./b", &len));

	/* FNV-1a's published values; the length bounds what is hashed. */
	ck_assert_uint_eq(ftps_path_hash("", 0), 0x811c9dc5u);
	ck_assert_uint_eq(ftps_path_hash("a", 1), 0xe40c292cu);
	ck_assert_uint_eq(ftps_path_hash("foobar", 6), 0xbf9cf968u);
	ck_assert_uint_eq(ftps_path_hash("/a/b", 2), ftps_path_hash("/a/c", 2));
	/* Going on from a prefix's hash gives the whole path's. */
	ck_assert_uint_eq(ftps_path_hash_more(ftps_path_hash("foo", 3), "bar", 3), 0xbf9cf968u);
	ck_assert_uint_eq(ftps_path_hash_more(ftps_path_hash("/a", 2), "", 0), ftps_path_hash("/a", 2));
}
END_TEST

START_TEST(join)
{
	join_eq("/", "/", "/");
	join_eq("/", "/a", "/a");
	join_eq("/", "/a/b", "/a/b");
	join_eq("/pub", "/", "/pub");
	join_eq("/pub", "/a", "/pub/a");
	join_eq("/pub/", "/a/", "/pub/a");
	join_eq("//pub//x", "//a//b", "/pub/x/a/b");
	join_eq(NULL, "/a", "/a");
	join_eq("", "/a", "/a");
	join_eq("/", "", "/");
	join_eq("/", "a", "/a");                 /* relative: under the root */
	join_eq("/pub", "/...", "/pub/...");
	join_eq("/pub", "/.hidden", "/pub/.hidden");
	join_eq("/pub", "/a b/c d", "/pub/a b/c d");
}
END_TEST

START_TEST(join_refuses)
{
	/* never climb above the root, never carry a command */
	join_bad("/pub", "/..");
	join_bad("/pub", "/a/../../etc");
	join_bad("/pub", "/./a");
	join_bad("/pub", "/a/.");
	join_bad("/pub", "/a\r\nDELE x");
	join_bad("/pub\n", "/a");
	join_bad("/", NULL);
}
END_TEST

START_TEST(join_bounds)
{
	char small[8];
	char *big = malloc(FTPS_MAX_PATH + 16);
	char out[FTPS_MAX_PATH + 64];

	ck_assert_int_eq(ftps_path_join("/pub", "/a", small, sizeof small), 0);
	ck_assert_str_eq(small, "/pub/a");
	ck_assert_int_eq(ftps_path_join("/pub", "/ab", small, sizeof small), 0);
	ck_assert_int_eq(ftps_path_join("/pub", "/abc", small, sizeof small), -1);
	ck_assert_int_eq(ftps_path_join("/", "/", small, 2), 0);
	ck_assert_str_eq(small, "/");
	ck_assert_int_eq(ftps_path_join("/", "/", small, 1), -1);
	ck_assert_int_eq(ftps_path_join("/", "/", NULL, 10), -1);

	/* a result of FTPS_MAX_PATH bytes does not pass, even in a big buffer */
	ck_assert_ptr_nonnull(big);
	big[0] = '/';
	memset(big + 1, 'y', FTPS_MAX_PATH);
	big[FTPS_MAX_PATH - 4] = '\0';          /* "/pub" + 4092 bytes = 4096 */
	ck_assert_int_eq(ftps_path_join("/pub", big, out, sizeof out), -1);
	big[FTPS_MAX_PATH - 4] = 'y';
	big[FTPS_MAX_PATH - 5] = '\0';          /* "/pub" + 4091 bytes = 4095 */
	ck_assert_int_eq(ftps_path_join("/pub", big, out, sizeof out), 0);
	ck_assert_uint_eq(strlen(out), FTPS_MAX_PATH - 1);
	free(big);
}
END_TEST

static void split_eq(const char *path, const char *parent, const char *name)
{
	char buf[FTPS_MAX_PATH];
	const char *n = NULL;

	ck_assert_msg(ftps_path_split(path, buf, sizeof buf, &n) == 0, "split(%s)", path);
	ck_assert_str_eq(buf, parent);
	ck_assert_str_eq(n, name);
	ck_assert(n >= path && n < path + strlen(path));  /* points into path */
}

START_TEST(split)
{
	char buf[FTPS_MAX_PATH];
	const char *n;

	split_eq("/a/b/c", "/a/b", "c");
	split_eq("/x", "/", "x");
	split_eq("/a//b", "/a", "b");
	split_eq("//x", "/", "x");
	split_eq("/a b/c d", "/a b", "c d");
	split_eq("/.hidden", "/", ".hidden");
	split_eq("/a/...", "/a", "...");

	ck_assert_int_eq(ftps_path_split("/", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("//", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("/a/", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("/a/.", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("/a/..", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("a/b", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split(NULL, buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("/a/b", NULL, 10, &n), -1);
	/* name is optional */
	ck_assert_int_eq(ftps_path_split("/a/b", buf, sizeof buf, NULL), 0);
	ck_assert_str_eq(buf, "/a");
}
END_TEST

START_TEST(split_bounds)
{
	char buf[4];
	const char *n;
	char *big = malloc(FTPS_MAX_PATH + 8);

	ck_assert_int_eq(ftps_path_split("/abc/d", buf, sizeof buf, &n), -1);
	ck_assert_int_eq(ftps_path_split("/ab/d", buf, sizeof buf, &n), 0);
	ck_assert_str_eq(buf, "/ab");
	ck_assert_int_eq(ftps_path_split("/x", buf, 1, &n), -1);
	ck_assert_int_eq(ftps_path_split("/x", buf, 2, &n), 0);
	ck_assert_str_eq(buf, "/");

	ck_assert_ptr_nonnull(big);
	big[0] = '/';
	memset(big + 1, 'z', FTPS_MAX_PATH + 6);
	big[FTPS_MAX_PATH + 7] = '\0';
	ck_assert_int_eq(ftps_path_split(big, buf, sizeof buf, &n), -1);
	free(big);
}
END_TEST

static Suite *path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, path_ok);
	tcase_add_test(tc, path_ok_length);
	tcase_add_test(tc, cache_keys);
	tcase_add_test(tc, join);
	tcase_add_test(tc, join_refuses);
	tcase_add_test(tc, join_bounds);
	tcase_add_test(tc, split);
	tcase_add_test(tc, split_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(path_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
