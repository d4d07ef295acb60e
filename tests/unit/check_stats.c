/* check_stats.c - the statistics shown on the mount's root and on SIGUSR1:
 * their names and values, counters from several threads, what the first
 * connection says of the server (its banner, cleaned; FEAT in one line),
 * the algorithms a server can hash with, and the last problem logged.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ftps.h"
#include "feat.h"
#include "stats.h"
#include "log.h"

static void caps_from(const char *feat, struct ftps_caps *caps)
{
	static struct ftps_reply r;     /* large: not on the stack */

	memset(&r, 0, sizeof(r));
	r.code = 211;
	snprintf(r.text, sizeof(r.text), "%s", feat);
	r.len = strlen(r.text);
	ftps_feat_parse(&r, caps);
}

static const char FEAT_DIGEST[] =
	"211-Features:\n"
	" MLST modify*;perm*;size*;type*;unix.mode*;\n"
	" EPSV\n"
	" UTF8\n"
	" REST STREAM\n"
	" SIZE\n"
	" HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512\n"
	" XCRC\n"
	" XSHA256\n"
	"211 End";

static const char *value(const struct ftps_stats_view *v, const char *name)
{
	static char buf[1024];

	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_ge(ftps_stats_value(v, name, buf, sizeof(buf)), 0);
	return buf;
}

START_TEST(names_are_stable_and_answer)
{
	static const char *const want[] = {
		"conns", "conns_cap", "conns_opened", "reconnects", "tls_resumed", "tls_full",
		"bytes_down", "bytes_up", "uploads_running", "uploads_pending", "uploads_failed",
		"spool_kept", "retries", "last_error", "last_error_time", "server", "system",
		"features",
	};
	struct ftps_stats_view v;
	char buf[64];
	size_t i;

	memset(&v, 0, sizeof(v));
	for (i = 0; ftps_stats_name(i); i++) {
		ck_assert_uint_lt(i, sizeof(want) / sizeof(want[0]));
		ck_assert_str_eq(ftps_stats_name(i), want[i]);
		ck_assert_int_gt(ftps_stats_value(&v, want[i], buf, sizeof(buf)), 0);
	}
	ck_assert_uint_eq(i, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(ftps_stats_value(&v, "nope", buf, sizeof(buf)), -1);
	ck_assert_int_eq(ftps_stats_value(&v, "", buf, sizeof(buf)), -1);
	ck_assert_int_eq(ftps_stats_value(&v, "conns", buf, 0), -1);
}
END_TEST

START_TEST(values_as_text)
{
	struct ftps_stats_view v;
	char small[4];

	memset(&v, 0, sizeof(v));
	v.conns = 3;
	v.conns_cap = 2;
	v.ctr[FTPS_CTR_BYTES_DOWN] = 1234567890123LL;
	v.ctr[FTPS_CTR_TLS_RESUMED] = 7;
	v.ctr[FTPS_CTR_UPLOADS_RUNNING] = -1;      /* a gauge read mid-change */
	v.uploads_pending = 5;
	v.spool_kept = 1;
	ck_assert_str_eq(value(&v, "conns"), "3");
	ck_assert_str_eq(value(&v, "conns_cap"), "2");
	ck_assert_str_eq(value(&v, "bytes_down"), "1234567890123");
	ck_assert_str_eq(value(&v, "bytes_up"), "0");
	ck_assert_str_eq(value(&v, "tls_resumed"), "7");
	ck_assert_str_eq(value(&v, "uploads_running"), "0");
	ck_assert_str_eq(value(&v, "uploads_pending"), "5");
	ck_assert_str_eq(value(&v, "spool_kept"), "1");
	/* Nothing known yet. */
	ck_assert_str_eq(value(&v, "last_error"), "none");
	ck_assert_str_eq(value(&v, "last_error_time"), "never");
	ck_assert_str_eq(value(&v, "server"), "unknown");
	ck_assert_str_eq(value(&v, "system"), "unknown");
	ck_assert_str_eq(value(&v, "features"), "none");
	/* An error and its time, in UTC. */
	snprintf(v.last_error, sizeof(v.last_error), "upload of /a failed: 552 quota");
	v.last_error_at = 1700000000;
	ck_assert_str_eq(value(&v, "last_error"), "upload of /a failed: 552 quota");
	ck_assert_str_eq(value(&v, "last_error_time"), "2023-11-14T22:13:20Z");
	/* Cut to the room given, NUL-terminated, the length written. */
	ck_assert_int_eq(ftps_stats_value(&v, "bytes_down", small, sizeof(small)), 3);
	ck_assert_str_eq(small, "123");
}
END_TEST

#define THREADS 4
#define ADDS 100000

static void *adder(void *arg)
{
	struct ftps_stats *s = arg;

	for (int i = 0; i < ADDS; i++) {
		ftps_stats_add(s, FTPS_CTR_BYTES_UP, 3);
		ftps_stats_add(s, FTPS_CTR_UPLOADS_RUNNING, 1);
		ftps_stats_add(s, FTPS_CTR_UPLOADS_RUNNING, -1);
	}
	return NULL;
}

START_TEST(counters_from_threads)
{
	struct ftps_stats s;
	struct ftps_stats_view v;
	pthread_t t[THREADS];

	ftps_stats_init(&s);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, adder, &s), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	memset(&v, 0, sizeof(v));
	ftps_stats_copy(&s, &v);
	ck_assert_int_eq(v.ctr[FTPS_CTR_BYTES_UP], (int64_t)THREADS * ADDS * 3);
	ck_assert_int_eq(v.ctr[FTPS_CTR_UPLOADS_RUNNING], 0);
	ftps_stats_add(NULL, FTPS_CTR_RETRIES, 1);          /* no record: nothing */
	ftps_stats_add(&s, FTPS_CTR_COUNT, 1);              /* no such counter: nothing */
	ftps_stats_destroy(&s);
}
END_TEST

START_TEST(server_from_first_connection)
{
	struct ftps_stats s;
	struct ftps_stats_view v;
	struct ftps_caps caps, none;

	ftps_stats_init(&s);
	ck_assert_uint_eq(ftps_stats_hash_algos(&s), 0);
	caps_from(FEAT_DIGEST, &caps);
	/* A hostile banner: escape sequences and a line break are not shown. */
	ftps_stats_set_server(&s, "220 Evil\x1b[2J FTP\r\nd", &caps);
	memset(&none, 0, sizeof(none));
	ftps_stats_set_server(&s, "220 Another", &none);      /* the first one stays */
	ftps_stats_set_syst(&s, "UNIX Type: L8");
	ck_assert(ftps_stats_has_syst(&s));
	memset(&v, 0, sizeof(v));
	ftps_stats_copy(&s, &v);
	ck_assert_str_eq(value(&v, "server"), "Evil?[2J FTP??d");
	ck_assert_str_eq(value(&v, "system"), "UNIX Type: L8");
	ck_assert_str_eq(value(&v, "features"),
	                 "MLST(modify;perm;size;type;unix.mode) EPSV UTF8 REST SIZE "
	                 "HASH(SHA-512,SHA-256,SHA-1,MD5,CRC32) XCRC XSHA256");
	ck_assert_uint_eq(ftps_stats_hash_algos(&s),
	                  (1u << FTPS_HASH_CRC32) | (1u << FTPS_HASH_MD5) | (1u << FTPS_HASH_SHA1) |
	                  (1u << FTPS_HASH_SHA256) | (1u << FTPS_HASH_SHA512));
	ftps_stats_destroy(&s);
}
END_TEST

START_TEST(hash_algos_and_summary)
{
	struct ftps_caps caps;
	char buf[512];

	/* vsftpd: no hash at all. */
	caps_from("211-Features:\n EPRT\n EPSV\n MDTM\n PASV\n PBSZ\n PROT\n REST STREAM\n SIZE\n"
	          " TVFS\n UTF8\n211 End", &caps);
	ck_assert_uint_eq(ftps_caps_hash_algos(&caps), 0);
	ftps_caps_summary(&caps, buf, sizeof(buf));
	ck_assert_str_eq(buf, "EPSV EPRT UTF8 REST SIZE MDTM TVFS");
	/* X-commands alone. */
	caps_from("211-Features:\n XMD5\n XCRC\n211 End", &caps);
	ck_assert_uint_eq(ftps_caps_hash_algos(&caps), (1u << FTPS_HASH_MD5) | (1u << FTPS_HASH_CRC32));
	/* HASH alone, with an algorithm we do not know. */
	caps_from("211-Features:\n HASH SHA-1;FOO-9\n211 End", &caps);
	ck_assert_uint_eq(ftps_caps_hash_algos(&caps), 1u << FTPS_HASH_SHA1);
	ftps_caps_summary(&caps, buf, sizeof(buf));
	ck_assert_str_eq(buf, "HASH(SHA-1)");
	/* No FEAT; NULL; a buffer too small keeps whole words only. */
	memset(&caps, 0, sizeof(caps));
	ftps_caps_summary(&caps, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
	ck_assert_uint_eq(ftps_caps_hash_algos(NULL), 0);
	caps_from(FEAT_DIGEST, &caps);
	ftps_caps_summary(&caps, buf, 50);
	ck_assert_str_eq(buf, "MLST(modify;perm;size;type;unix.mode) EPSV UTF8");
}
END_TEST

START_TEST(last_problem_logged)
{
	char buf[256];
	long long at = -1;

	ftps_log_set_level(FTPS_LOG_ERROR);     /* keep the test's output quiet */
	ck_assert_int_eq(ftps_log_last_problem(buf, sizeof(buf), &at), 0);
	ck_assert_int_eq(at, 0);
	ftps_info("not a problem");
	ck_assert_int_eq(ftps_log_last_problem(buf, sizeof(buf), &at), 0);
	/* Recorded even when the level hides it. */
	ftps_warn("upload of %s failed: %s", "/x\ny", "gone");
	ck_assert_int_eq(ftps_log_last_problem(buf, sizeof(buf), &at), 1);
	ck_assert_str_eq(buf, "upload of /x?y failed: gone");
	ck_assert_int_gt(at, 1600000000);
	ftps_error("second");
	ck_assert_int_eq(ftps_log_last_problem(buf, 4, &at), 1);
	ck_assert_str_eq(buf, "sec");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, names_are_stable_and_answer);
	tcase_add_test(tc, values_as_text);
	tcase_add_test(tc, counters_from_threads);
	tcase_add_test(tc, server_from_first_connection);
	tcase_add_test(tc, hash_algos_and_summary);
	tcase_add_test(tc, last_problem_logged);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
