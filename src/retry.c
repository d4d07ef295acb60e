/* retry.c - the retry budget (see retry.h). */
#include <time.h>

#include "retry.h"

static const int pauses_ms[] = { 0, 200, 500, 1000, 2000 };
#define NPAUSES ((int)(sizeof(pauses_ms) / sizeof(pauses_ms[0])))

int64_t ftps_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ftps_retry_init(struct ftps_retry *r, int window_ms, int min_tries)
{
	r->window_ms = window_ms > 0 ? window_ms : 0;
	r->min_tries = min_tries > 0 ? min_tries : 0;
	r->tries = 0;
	r->deadline_ms = 0;
	r->begun = 0;
}

void ftps_retry_begin(struct ftps_retry *r, int64_t now_ms)
{
	r->deadline_ms = now_ms + r->window_ms;
	r->begun = 1;
}

int ftps_retry_next(struct ftps_retry *r, int64_t now_ms, int *pause_ms)
{
	int pause = pauses_ms[r->tries < NPAUSES ? r->tries : NPAUSES - 1];

	if (r->tries == 0 && !r->begun)
		r->deadline_ms = now_ms + r->window_ms;
	if (r->tries >= r->min_tries && now_ms + pause >= r->deadline_ms)
		return 0;
	/* Bounded whatever the window: at most one try a pause apart. */
	if (r->tries >= 100000)
		return 0;
	r->tries++;
	*pause_ms = pause;
	return 1;
}

void ftps_retry_reset(struct ftps_retry *r)
{
	ftps_retry_init(r, r->window_ms, r->min_tries);
}

void ftps_retry_pause(int pause_ms)
{
	struct timespec ts = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };

	if (pause_ms > 0)
		while (nanosleep(&ts, &ts) != 0)
			;
}
