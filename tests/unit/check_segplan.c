/* check_segplan.c - the bookkeeping of segmented reads: ranges claimed in
 * order from the frontier and bounded by the file's size, slots bounding
 * the memory, a range given back or left to the reader, what may be taken
 * and where the reader's own stream must stop.
 */
#include <check.h>
#include <stdlib.h>

#include "segplan.h"

#define MIB (1024u * 1024)

START_TEST(claims_in_order_up_to_the_size)
{
	struct ftps_segplan p;
	int i;

	/* 10 MiB + 5 bytes from 1 MiB on, in 4 MiB ranges, 8 slots */
	ftps_segplan_init(&p, 10 * MIB + 5, 4 * MIB, 8, 1 * MIB);
	ck_assert_int_eq((i = ftps_segplan_claim(&p)), 0);
	ck_assert_uint_eq(p.slot[i].start, 1 * MIB);
	ck_assert_uint_eq(p.slot[i].len, 4 * MIB);
	ck_assert_int_eq((i = ftps_segplan_claim(&p)), 1);
	ck_assert_uint_eq(p.slot[i].start, 5 * MIB);
	ck_assert_int_eq((i = ftps_segplan_claim(&p)), 2);
	ck_assert_uint_eq(p.slot[i].start, 9 * MIB);
	ck_assert_uint_eq(p.slot[i].len, 1 * MIB + 5);     /* never past the end */
	ck_assert_int_eq(ftps_segplan_claim(&p), -1);       /* nothing left */
	ck_assert_uint_eq(p.frontier, 10 * MIB + 5);
	ck_assert_uint_eq(ftps_segplan_busy(&p), 3);
}
END_TEST

START_TEST(slots_bound_the_memory)
{
	struct ftps_segplan p;

	ftps_segplan_init(&p, 100 * MIB, 4 * MIB, 2, 0);
	ck_assert_int_eq(ftps_segplan_claim(&p), 0);
	ck_assert_int_eq(ftps_segplan_claim(&p), 1);
	ck_assert_int_eq(ftps_segplan_claim(&p), -1);       /* both slots taken */
	ftps_segplan_fill(&p, 0, 4 * MIB);
	ftps_segplan_end(&p, 0);
	ck_assert_int_eq(p.slot[0].state, FTPS_SEG_DONE);
	/* not passed yet: still held */
	ck_assert_uint_eq(ftps_segplan_release(&p, 4 * MIB - 1), 0);
	ck_assert_int_eq(ftps_segplan_claim(&p), -1);
	ck_assert_uint_eq(ftps_segplan_release(&p, 4 * MIB), 1);
	ck_assert_int_eq(ftps_segplan_claim(&p), 0);
	ck_assert_uint_eq(p.slot[0].start, 8 * MIB);
	/* a range still being filled is never freed, even when passed */
	ck_assert_uint_eq(ftps_segplan_release(&p, 50 * MIB), 0);
	/* more than the array holds is cut down */
	ftps_segplan_init(&p, 100, 10, 1000, 0);
	ck_assert_uint_eq(p.nslots, FTPS_SEG_SLOTS_MAX);
}
END_TEST

START_TEST(ready_follows_the_fill)
{
	struct ftps_segplan p;
	int i;

	ftps_segplan_init(&p, 100, 10, 4, 20);
	i = ftps_segplan_claim(&p);                        /* [20, 30) */
	ck_assert_int_eq(ftps_segplan_find(&p, 19), -1);
	ck_assert_int_eq(ftps_segplan_find(&p, 20), i);
	ck_assert_int_eq(ftps_segplan_find(&p, 29), i);
	ck_assert_int_eq(ftps_segplan_find(&p, 30), -1);
	ck_assert_uint_eq(ftps_segplan_ready(&p, i, 20), 0);
	ftps_segplan_fill(&p, i, 4);
	ck_assert_uint_eq(ftps_segplan_ready(&p, i, 20), 4);
	ck_assert_uint_eq(ftps_segplan_ready(&p, i, 23), 1);
	ck_assert_uint_eq(ftps_segplan_ready(&p, i, 24), 0);
	ftps_segplan_fill(&p, i, 1000);                    /* never past its length */
	ck_assert_uint_eq(p.slot[i].filled, 10);
	ck_assert_uint_eq(ftps_segplan_ready(&p, i, 20), 10);
	ftps_segplan_end(&p, i);
	ck_assert_int_eq(p.slot[i].state, FTPS_SEG_DONE);
	ftps_segplan_fill(&p, i, 1);                       /* ignored once ended */
	ck_assert_uint_eq(p.slot[i].filled, 10);
}
END_TEST

/* A range cut short is never taken whole: what arrived is good, the rest
 * is the reader's own stream's, which stops at the next range. */
START_TEST(failed_range_left_to_the_reader)
{
	struct ftps_segplan p;
	int a, b;

	ftps_segplan_init(&p, 100, 10, 4, 20);
	a = ftps_segplan_claim(&p);                        /* [20, 30) */
	b = ftps_segplan_claim(&p);                        /* [30, 40) */
	ftps_segplan_fill(&p, a, 6);
	ftps_segplan_end(&p, a);
	ck_assert_int_eq(p.slot[a].state, FTPS_SEG_FAILED);
	ck_assert_uint_eq(ftps_segplan_ready(&p, a, 25), 1);
	ck_assert_uint_eq(ftps_segplan_ready(&p, a, 26), 0);
	/* the reader's stream before the ranges stops at the first one */
	ck_assert_uint_eq(ftps_segplan_limit(&p, 0), 20);
	/* inside the failed part: up to the next range */
	ck_assert_uint_eq(ftps_segplan_limit(&p, 26), 30);
	/* past every range: the end of the file */
	ftps_segplan_fill(&p, b, 10);
	ftps_segplan_end(&p, b);
	ck_assert_uint_eq(ftps_segplan_limit(&p, 40), 100);
	ck_assert_uint_eq(ftps_segplan_release(&p, 40), 2);
	ck_assert_uint_eq(ftps_segplan_busy(&p), 0);
}
END_TEST

START_TEST(unclaim_gives_back_or_fails)
{
	struct ftps_segplan p;
	int a, b;

	ftps_segplan_init(&p, 100, 10, 4, 0);
	a = ftps_segplan_claim(&p);
	b = ftps_segplan_claim(&p);
	/* the last claimed: the frontier steps back, as if never claimed */
	ftps_segplan_unclaim(&p, b);
	ck_assert_int_eq(p.slot[b].state, FTPS_SEG_FREE);
	ck_assert_uint_eq(p.frontier, 10);
	b = ftps_segplan_claim(&p);
	ck_assert_uint_eq(p.slot[b].start, 10);
	/* one behind the frontier: left to the reader */
	ftps_segplan_unclaim(&p, a);
	ck_assert_int_eq(p.slot[a].state, FTPS_SEG_FAILED);
	ck_assert_uint_eq(p.frontier, 20);
	ck_assert_uint_eq(ftps_segplan_limit(&p, 0), 10);
	/* out of range and FREE slots are ignored */
	ftps_segplan_unclaim(&p, -1);
	ftps_segplan_unclaim(&p, 99);
	ftps_segplan_fill(&p, 3, 5);
	ftps_segplan_end(&p, 3);
	ck_assert_int_eq(p.slot[3].state, FTPS_SEG_FREE);
	ck_assert_uint_eq(ftps_segplan_ready(&p, 3, 0), 0);
}
END_TEST

START_TEST(edges)
{
	struct ftps_segplan p;

	/* starting at or past the end: nothing to claim */
	ftps_segplan_init(&p, 100, 10, 4, 100);
	ck_assert_int_eq(ftps_segplan_claim(&p), -1);
	ftps_segplan_init(&p, 100, 10, 4, 500);
	ck_assert_uint_eq(p.frontier, 100);
	ck_assert_int_eq(ftps_segplan_claim(&p), -1);
	ck_assert_uint_eq(ftps_segplan_limit(&p, 100), 100);
	/* no slots at all */
	ftps_segplan_init(&p, 100, 10, 0, 0);
	ck_assert_int_eq(ftps_segplan_claim(&p), -1);
	/* a zero range length is taken as 1, never a loop that goes nowhere */
	ftps_segplan_init(&p, 3, 0, 4, 0);
	ck_assert_int_eq(ftps_segplan_claim(&p), 0);
	ck_assert_uint_eq(p.slot[0].len, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("segplan");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, claims_in_order_up_to_the_size);
	tcase_add_test(tc, slots_bound_the_memory);
	tcase_add_test(tc, ready_follows_the_fill);
	tcase_add_test(tc, failed_range_left_to_the_reader);
	tcase_add_test(tc, unclaim_gives_back_or_fails);
	tcase_add_test(tc, edges);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
