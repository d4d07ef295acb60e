/* check_stat_list.c - unit tests for the STAT listing reader
 * (src/stat_list.c) and for which paths may be listed with STAT
 * (ops_stat_path_ok in src/ops_stat.c).
 *
 * The samples are what vsftpd 3.0.3, ProFTPD 1.3.8 and pure-ftpd 1.0.50
 * sent on the test bed. Every input is fed whole, byte by byte and split
 * at pseudo-random points, and each way must give the same result.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat_list.h"

int ops_stat_path_ok(const char *path);     /* ops_stat.c */

enum chunking { WHOLE, BYTES, RANDOM };

struct run {
	int rc;
	size_t consumed;
	struct ftps_stat_reply *p;
	char names[4096];       /* the entries' names, each followed by '|' */
	size_t entries;
};

static uint32_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static int name_cb(void *arg, struct ftps_entry *e)
{
	struct run *r = arg;
	size_t have = strlen(r->names);

	snprintf(r->names + have, sizeof(r->names) - have, "%s|", e->name);
	return 0;
}

/* A 2026 "now", so that "Nov 28 03:29" is this year. */
#define NOW 1764300000

static void feed_all(const char *buf, size_t len, enum chunking how, struct run *out)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	out->p = malloc(sizeof(*out->p));
	ck_assert_ptr_nonnull(out->p);
	ftps_stat_reply_init(out->p);
	rng_state = 7;
	out->rc = FTPS_REPLY_MORE;
	/* Bounded: each round consumes at least one byte or ends. */
	while (off < len && out->rc == FTPS_REPLY_MORE) {
		size_t n = how == WHOLE ? len - off : how == BYTES ? 1 : 1 + rng() % 97, used = 0;
		if (n > len - off)
			n = len - off;
		out->rc = ftps_stat_reply_feed(out->p, buf + off, n, &used);
		ck_assert_uint_le(used, n);
		off += used;
	}
	out->consumed = off;
	if (out->rc == FTPS_REPLY_DONE)
		ftps_stat_reply_entries(out->p, NOW, name_cb, out, &out->entries, NULL);
}

/* Feed three ways; all must agree. The whole-feed run is returned. */
static void feed3(const char *buf, size_t len, struct run *out)
{
	struct run b, r;

	feed_all(buf, len, WHOLE, out);
	feed_all(buf, len, BYTES, &b);
	feed_all(buf, len, RANDOM, &r);
	ck_assert_int_eq(out->rc, b.rc);
	ck_assert_int_eq(out->rc, r.rc);
	ck_assert_uint_eq(out->consumed, b.consumed);
	ck_assert_uint_eq(out->consumed, r.consumed);
	ck_assert_str_eq(out->names, b.names);
	ck_assert_str_eq(out->names, r.names);
	ck_assert_int_eq(out->p->over, b.p->over);
	ck_assert_int_eq(out->p->bare_lf, r.p->bare_lf);
	free(b.p);
	free(r.p);
}

static const char vsftpd[] =
	"213-Status follows:\r\n"
	"-rw-r--r--    1 999      0               2 Nov 28 03:29  lead\r\n"
	"-rw-r--r--    1 999      0               1 Nov 28 03:29 -dash\r\n"
	"drwxr-xr-x    3 999      0            4096 Nov 28 03:58 .\r\n"
	"drwxr-xr-x    7 999      995          4096 Nov 28 03:58 ..\r\n"
	"-rw-r--r--    1 999      0               2 Nov 28 04:00 .hidden\r\n"
	"-rw-r--r--    1 999      0               2 Nov 28 03:29 12 digits\r\n"
	"-rw-r--r--    1 999      0               3 Nov 28 03:29 a b\r\n"
	"-rw-r--r--    1 999      0               0 Jan 01  2020 old\r\n"
	"drwxr-xr-x    2 999      0            4096 Nov 28 03:29 sub\r\n"
	"-rw-r--r--    1 999      0               2 Nov 28 03:29 trail \r\n"
	"-rw-r--r--    1 999      0               2 Nov 28 03:29 \xc3\xbcn\xc3\xaf\r\n"
	"213 End of status\r\n";
static const char expect_names[] =
	" lead|-dash|.hidden|12 digits|a b|old|sub|trail |\xc3\xbcn\xc3\xaf|";

START_TEST(vsftpd_sample)
{
	char buf[sizeof(vsftpd) + 32];
	struct run r;

	/* The NOOP's reply behind it stays unread. */
	snprintf(buf, sizeof(buf), "%s200 NOOP ok.\r\n", vsftpd);
	feed3(buf, strlen(buf), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r.consumed, strlen(vsftpd));
	ck_assert_int_eq(r.p->code, 213);
	ck_assert(r.p->multiline && r.p->crlf && !r.p->bare_lf && !r.p->over && r.p->has_dot);
	ck_assert_uint_eq(r.p->lines, 11);
	ck_assert_str_eq(r.names, expect_names);
	ck_assert_uint_eq(r.entries, 9);
	free(r.p);
}
END_TEST

START_TEST(proftpd_sample)
{
	static const char in[] =
		"212-Status of /t1:\r\n"
		" -rw-r--r--   1 ftpsfs-test root            2 Nov 28 03:34  lead\r\n"
		" -rw-r--r--   1 ftpsfs-test root            1 Nov 28 03:34 -dash\r\n"
		" drwxr-xr-x   3 ftpsfs-test root         4096 Nov 28 04:00 .\r\n"
		" -rw-r--r--   1 ftpsfs-test root            2 Nov 28 04:00 .hidden\r\n"
		" -rw-r--r--   1 ftpsfs-test root            2 Nov 28 03:34 12 digits\r\n"
		" -rw-r--r--   1 ftpsfs-test root            3 Nov 28 03:34 a b\r\n"
		" -rw-r--r--   1 ftpsfs-test root            0 Jan  1  2020 old\r\n"
		" drwxr-xr-x   2 ftpsfs-test root         4096 Nov 28 03:34 sub\r\n"
		" -rw-r--r--   1 ftpsfs-test root            2 Nov 28 03:34 trail \r\n"
		" -rw-r--r--   1 ftpsfs-test root            2 Nov 28 03:34 \xc3\xbcn\xc3\xaf\r\n"
		"212 End of status\r\n";
	struct run r;

	feed3(in, strlen(in), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r.consumed, strlen(in));
	ck_assert_int_eq(r.p->code, 212);
	ck_assert(r.p->has_dot);
	ck_assert_str_eq(r.names, expect_names);
	free(r.p);
}
END_TEST

START_TEST(pureftpd_sample)
{
	static const char in[] =
		"213-STAT\r\n"
		"-rw-r--r--    1 999        0                   2 Nov 28 03:34  lead\r\n"
		"drwxr-xr-x    8 999        ftpsfs-tes       4096 Nov 28 04:00 ..\r\n"
		"-rw-r--r--    1 999        0                   2 Nov 28 03:34 12 digits\r\n"
		"213 End.\r\n";
	struct run r;

	feed3(in, strlen(in), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert_str_eq(r.names, " lead|12 digits|");
	free(r.p);
}
END_TEST

/* RFC 959: inside a "212-" block, "213 ...", "212-..." and lines of
 * digits are text; "212 " ends it. Names with leading digits survive. */
START_TEST(only_own_code_ends)
{
	static const char in[] =
		"212-Status of /x:\r\n"
		"213 End of status\r\n"
		"212-more\r\n"
		" 212 indented\r\n"
		"-rw-r--r--   1 u g 5 Nov 28 03:34 212 End of status\r\n"
		"2120 digits\r\n"
		"212 End of status\r\n"
		"200 NOOP\r\n";
	struct run r;

	feed3(in, strlen(in), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r.consumed, strlen(in) - strlen("200 NOOP\r\n"));
	ck_assert_uint_eq(r.p->lines, 5);
	ck_assert_str_eq(r.names, "212 End of status|");
	free(r.p);
}
END_TEST

/* STAT of a file: its own line, no "."; a folder named "x ." is no ".". */
START_TEST(file_not_folder)
{
	static const char *const in[] = {
		"213-Status of /t1/a b:\r\n"
		" -rw-r--r--   1 ftpsfs-test root            3 Nov 28 03:34 /t1/a b\r\n"
		"213 End of status\r\n",
		"213-Status follows:\r\n"
		"-rw-r--r--    1 999      0               3 Nov 28 03:29 a .\r\n"
		"213 End of status\r\n",
		"213-Status follows:\r\n213 End of status\r\n",
	};

	for (size_t i = 0; i < 3; i++) {
		struct run r;
		feed3(in[i], strlen(in[i]), &r);
		ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
		ck_assert_msg(!r.p->has_dot, "case %zu", i);
		free(r.p);
	}
}
END_TEST

START_TEST(bare_code_ends)
{
	static const char in[] = "213-x\r\n213\r\n";
	struct run r;

	feed3(in, strlen(in), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r.consumed, strlen(in));
	free(r.p);
}
END_TEST

/* vsftpd sends a name holding "\n213 End of status" as it is: the line
 * before ends in a bare LF, and that is what gives it away. */
START_TEST(name_with_line_end)
{
	static const char in[] =
		"213-Status follows:\r\n"
		"-rw-r--r--    1 999      0               1 Nov 28 03:29 nl\n"
		"213 End of status\r\n"
		"-rw-r--r--    1 999      0               1 Nov 28 03:29 z\r\n"
		"213 End of status\r\n";
	struct run r;

	feed3(in, strlen(in), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert(r.p->bare_lf);
	free(r.p);
}
END_TEST

START_TEST(lf_only_server)
{
	static const char in[] = "213-Status follows:\n-rw-r--r-- 1 u g 1 Nov 28 03:29 a\n213 End\n";
	struct run r;

	feed3(in, strlen(in), &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert(!r.p->crlf && !r.p->bare_lf);
	ck_assert_str_eq(r.names, "a|");
	free(r.p);
}
END_TEST

START_TEST(single_line_replies)
{
	static const char *const in[] = {
		"502 Command not implemented.\r\n",
		"211 FTP server status: logged in\r\n",
		"450 /nonexist: No such file or directory\r\n",
	};
	static const int codes[] = { 502, 211, 450 };

	for (size_t i = 0; i < 3; i++) {
		struct run r;
		feed3(in[i], strlen(in[i]), &r);
		ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
		ck_assert_int_eq(r.p->code, codes[i]);
		ck_assert(!r.p->multiline);
		ck_assert_uint_eq(r.entries, 0);
		free(r.p);
	}
}
END_TEST

START_TEST(not_a_reply)
{
	static const char *const in[] = { "-rw-r--r-- 1 u g 1 Nov 28 03:29 a\r\n", "21x-\r\n",
	                                  "213x\r\n", "\r\n" };

	for (size_t i = 0; i < 4; i++) {
		struct run r;
		feed3(in[i], strlen(in[i]), &r);
		ck_assert_int_eq(r.rc, FTPS_REPLY_ERROR);
		ck_assert_ptr_nonnull(r.p->errmsg);
		free(r.p);
	}
}
END_TEST

/* Build a reply of n LIST lines of the given name length. */
static char *big_reply(size_t n, size_t namelen, size_t *len)
{
	size_t cap = 64 + n * (namelen + 64);
	char *buf = malloc(cap), *p = buf;

	ck_assert_ptr_nonnull(buf);
	p += sprintf(p, "213-Status follows:\r\n");
	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "-rw-r--r--    1 999      0               1 Nov 28 03:29 %05zu", i);
		for (size_t j = 5; j < namelen; j++)
			*p++ = 'x';
		p += sprintf(p, "\r\n");
	}
	p += sprintf(p, "213 End of status\r\n");
	*len = (size_t)(p - buf);
	return buf;
}

START_TEST(lines_at_and_over_bound)
{
	size_t len;
	char *at = big_reply(FTPS_MAX_REPLY_LINES, 5, &len);
	struct run r;

	feed3(at, len, &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert(!r.p->over);
	ck_assert_uint_eq(r.entries, FTPS_MAX_REPLY_LINES);
	free(r.p);
	free(at);

	/* 2,000 entries: framed to the end, not kept, the rest left alone. */
	char *over = big_reply(2000, 5, &len);
	char *more = malloc(len + 16);
	memcpy(more, over, len);
	memcpy(more + len, "200 NOOP ok.\r\n", 14);
	feed3(more, len + 14, &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert(r.p->over);
	ck_assert_uint_eq(r.p->lines, 2000);
	ck_assert_uint_eq(r.consumed, len);
	free(r.p);
	free(over);
	free(more);
}
END_TEST

START_TEST(bytes_over_bound)
{
	size_t len;
	char *buf = big_reply(300, 250, &len);    /* ~90 KiB in 300 lines */
	struct run r;

	feed3(buf, len, &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert(r.p->over);
	ck_assert_uint_le(r.p->bodylen, FTPS_MAX_REPLY_BYTES);
	free(r.p);
	free(buf);
}
END_TEST

START_TEST(overlong_line)
{
	size_t len;
	char *buf = big_reply(3, FTPS_MAX_LINE + 100, &len);
	struct run r;

	feed3(buf, len, &r);
	ck_assert_int_eq(r.rc, FTPS_REPLY_DONE);
	ck_assert(r.p->over);
	ck_assert_uint_eq(r.consumed, len);
	free(r.p);
	free(buf);
}
END_TEST

START_TEST(paths)
{
	static const char *const ok[] = { "/", "/t1", "/a/b-c/d.e", "/\xc3\xbcn\xc3\xaf", "/12",
	                                  "/.hidden", "/x-" };
	static const char *const no[] = { "", "t1", "-la", "/a b", "/t1 ", " /t1", "/star*",
	                                  "/q?", "/q[1]", "/b{1,2}", "/~user", "/a\\b",
	                                  "/a\tb", "/a\x01", "/a\x7f" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		ck_assert_msg(ops_stat_path_ok(ok[i]), "%s", ok[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ck_assert_msg(!ops_stat_path_ok(no[i]), "%s", no[i]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stat_list");
	TCase *t = tcase_create("core");

	tcase_add_test(t, vsftpd_sample);
	tcase_add_test(t, proftpd_sample);
	tcase_add_test(t, pureftpd_sample);
	tcase_add_test(t, only_own_code_ends);
	tcase_add_test(t, file_not_folder);
	tcase_add_test(t, bare_code_ends);
	tcase_add_test(t, name_with_line_end);
	tcase_add_test(t, lf_only_server);
	tcase_add_test(t, single_line_replies);
	tcase_add_test(t, not_a_reply);
	tcase_add_test(t, lines_at_and_over_bound);
	tcase_add_test(t, bytes_over_bound);
	tcase_add_test(t, overlong_line);
	tcase_add_test(t, paths);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
