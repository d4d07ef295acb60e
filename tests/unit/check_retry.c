/* check_retry.c - the retry budget: tries within the window, the minimum
 * made whatever the deadline, growing pauses, and no try past the deadline.
 */
#include <check.h>
#include <stdlib.h>

#include "retry.h"

START_TEST(window_bounds_tries)
{
	struct ftps_retry r;
	int64_t now = 1000;
	int pause = -1, n = 0;

	ftps_retry_init(&r, 5000, 0);
	while (ftps_retry_next(&r, now, &pause)) {
		ck_assert_int_ge(pause, 0);
		ck_assert_int_le(pause, 2000);
		now += pause + 100;     /* each try takes 100 ms */
		n++;
		ck_assert_int_lt(n, 100);
	}
	/* 0, 200, 500, 1000, 2000: the sixth would start after 5 s */
	ck_assert_int_eq(n, 5);
	ck_assert_int_le(now, 1000 + 5000 + 2000);
}
END_TEST

START_TEST(first_retry_is_at_once)
{
	struct ftps_retry r;
	int pause = -1;

	ftps_retry_init(&r, 30000, 0);
	ck_assert(ftps_retry_next(&r, 0, &pause));
	ck_assert_int_eq(pause, 0);
	ck_assert(ftps_retry_next(&r, 10, &pause));
	ck_assert_int_eq(pause, 200);
	ck_assert(ftps_retry_next(&r, 300, &pause));
	ck_assert_int_eq(pause, 500);
	ck_assert(ftps_retry_next(&r, 900, &pause));
	ck_assert_int_eq(pause, 1000);
	ck_assert(ftps_retry_next(&r, 2000, &pause));
	ck_assert_int_eq(pause, 2000);
	ck_assert(ftps_retry_next(&r, 4100, &pause));
	ck_assert_int_eq(pause, 2000);
}
END_TEST

/* A try that itself waited out the timeout leaves no time for another,
 * unless the minimum says so. */
START_TEST(minimum_tries)
{
	struct ftps_retry r;
	int pause;

	ftps_retry_init(&r, 3000, 0);
	ck_assert(ftps_retry_next(&r, 0, &pause));
	ck_assert(!ftps_retry_next(&r, 3000, &pause));  /* the try took the window */
	ftps_retry_init(&r, 0, 0);
	ck_assert(!ftps_retry_next(&r, 0, &pause));     /* no window: no retry */
	ftps_retry_init(&r, 0, 3);
	for (int i = 0; i < 3; i++)
		ck_assert(ftps_retry_next(&r, 100000 * i, &pause));
	ck_assert(!ftps_retry_next(&r, 400000, &pause));
	/* negative arguments are taken as 0 */
	ftps_retry_init(&r, -5, -1);
	ck_assert(!ftps_retry_next(&r, 0, &pause));
}
END_TEST

/* The window counted from the start of a call: a try that waited out the
 * whole timeout is not followed by another. */
START_TEST(window_from_the_start)
{
	struct ftps_retry r;
	int pause;

	ftps_retry_init(&r, 3000, 0);
	ftps_retry_begin(&r, 1000);
	ck_assert(!ftps_retry_next(&r, 4000, &pause));
	ftps_retry_init(&r, 3000, 0);
	ftps_retry_begin(&r, 1000);
	ck_assert(ftps_retry_next(&r, 1500, &pause));
	ck_assert_int_eq(pause, 0);
	ck_assert(ftps_retry_next(&r, 3700, &pause));   /* 3700 + 200 < 4000 */
	ck_assert(!ftps_retry_next(&r, 3800, &pause));  /* 3800 + 500 > 4000 */
}
END_TEST

/* Progress renews the budget: a long upload cut now and then gets its
 * tries for each cut, not three for its whole life. */
START_TEST(reset_after_progress)
{
	struct ftps_retry r;
	int pause;

	ftps_retry_init(&r, 1000, 2);
	ck_assert(ftps_retry_next(&r, 0, &pause));
	ck_assert(ftps_retry_next(&r, 5000, &pause));
	ck_assert(!ftps_retry_next(&r, 6000, &pause));  /* spent */
	ftps_retry_reset(&r);
	ck_assert(ftps_retry_next(&r, 600000, &pause));
	ck_assert_int_eq(pause, 0);                     /* at once, as the first */
	ck_assert(ftps_retry_next(&r, 600100, &pause));
	ck_assert_int_eq(pause, 200);
	ck_assert(ftps_retry_next(&r, 600300, &pause)); /* within the new window */
	ck_assert(!ftps_retry_next(&r, 602000, &pause));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, window_bounds_tries);
	tcase_add_test(tc, first_retry_is_at_once);
	tcase_add_test(tc, minimum_tries);
	tcase_add_test(tc, window_from_the_start);
	tcase_add_test(tc, reset_after_progress);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
