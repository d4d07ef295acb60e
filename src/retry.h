/* retry.h - the one budget every retry loop runs on.
 *
 * Whether a failure is worth another try is ftps_err_class's answer
 * (ftps_err.h); how long to go on trying is this: a deadline, the
 * mount's timeout counted from the first failure, after which no new try
 * starts, and a number of tries that are made even when the deadline has
 * passed (a server restarting between two tries of an upload should not
 * cost the upload). The pauses between tries grow: none before the first
 * retry (a cut connection is resumed at once), then 200 ms, 500 ms, 1 s,
 * then 2 s each.
 *
 * Loops never nest: an operation that is retried does not call another
 * retried operation with a budget of its own; parts of one operation (an
 * upload's resumes, its rename, its whole new tries) draw on one budget,
 * so the budgets do not multiply. Time is passed in
 * (milliseconds on any monotonic clock), so tests control it.
 */
#ifndef FTPS_RETRY_H
#define FTPS_RETRY_H

#include <stdint.h>

struct ftps_retry {
	int window_ms;          /* how long after the first failure tries go on */
	int min_tries;          /* retries made whatever the deadline */
	int tries;              /* retries granted so far */
	int64_t deadline_ms;    /* set at the first failure, or by ftps_retry_begin */
	int begun;
};

/* The monotonic clock in milliseconds: the one every deadline, retry and
 * hold in the code runs on. */
int64_t ftps_now_ms(void);

void ftps_retry_init(struct ftps_retry *r, int window_ms, int min_tries);
/* Count the window from now_ms instead of from the first failure: for a
 * program waiting on one call, which should wait one timeout in all. */
void ftps_retry_begin(struct ftps_retry *r, int64_t now_ms);
/* A try failed at now_ms: 1 with the pause to make first in *pause_ms, or 0
 * when the budget is spent. */
int ftps_retry_next(struct ftps_retry *r, int64_t now_ms, int *pause_ms);
/* The operation made progress since its last failure (an upload's bytes
 * flow again): the next failure starts a budget of its own. Bounded all
 * the same: a reset needs progress, and progress ends. */
void ftps_retry_reset(struct ftps_retry *r);
/* Sleep for the pause (a convenience for the loops). */
void ftps_retry_pause(int pause_ms);

#endif
