/* reader_seg.c - segmented reads (see reader_seg.h).
 *
 * A run is one read-ahead: the plan (segplan.h), the slots' buffers and
 * the workers. The reader and each worker hold a reference; a reset or
 * the reader's end stops the run and drops the reader's reference, and
 * the last worker to leave frees it, so the reader never waits for a
 * worker (whose transfer may take a while to cancel).
 *
 * A worker: claims the next range (waiting a little for a free slot),
 * takes a spare connection (or gives the range back and ends), fetches
 * the range, checks the size, gives the connection back and goes on with
 * the next range. A range that fails after SEG_RESUMES resumes stays
 * FAILED: the reader's own stream fetches what is missing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "reader_seg.h"
#include "segplan.h"
#include "sock.h"

#define SEG_RANGE      (4u * 1024 * 1024)   /* one range: RETR with REST, then ABOR */
#define SEG_SLOTS      6                     /* ranges in memory per file: 24 MiB */
#define SEG_PROBE      (4u * 1024 * 1024)   /* a stream's bytes before deciding */
#define SEG_SLOW_BPS   (64.0 * 1000 * 1000) /* a stream slower than this gets help */
#define SEG_MIN_LEFT   (4ull * SEG_RANGE)   /* not worth it for less than this */
#define SEG_CHUNK      (256 * 1024)          /* one read of a range */
#define SEG_RESUMES    2                     /* a cut range resumes this often */
#define SEG_SLOT_WAIT_MS 1000                /* a worker waits this long for a slot */
#define SEG_RESPAWN_MS   100                 /* after no spare connection was had */

struct seg_run {
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* a range grew or ended, a slot came free, stop */
	/* protected by mu: */
	int refs;                  /* the reader's and each worker's */
	int stopping;
	int changed;               /* the file's size changed during the read */
	uint64_t changed_size;
	unsigned workers;
	int64_t no_spare_until;    /* no new worker before this (ms) */
	struct ftps_segplan plan;
	/* buf[i] belongs to slot i's worker while CLAIMED; bytes below its
	 * filled never change until the reader frees the slot. */
	char *buf[FTPS_SEG_SLOTS_MAX];
	/* fixed: */
	struct ftps_pool *pool;
	int timeout_ms;
	char *remote;
};

struct ftps_seg {
	struct ftps_engine *eng;
	char *remote;
	uint64_t size;
	unsigned max;              /* workers at most */
	struct seg_run *run;       /* while reading ahead */
	/* the reader's own stream since it started: for the decision */
	uint64_t probe_bytes;
	int64_t probe_us;          /* time spent waiting for those bytes */
	int probe_done;
	int changed;               /* a run found the file changed: for good */
};

/* Workers alive, for unmounting (ftps_seg_workers_wait). */
static pthread_mutex_t wk_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wk_cv = PTHREAD_COND_INITIALIZER;
static unsigned wk_count;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wait on cv for at most ms (mu held). */
static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, mu, &until);
}

static void run_unref(struct seg_run *run)
{
	pthread_mutex_lock(&run->mu);
	int left = --run->refs;
	pthread_mutex_unlock(&run->mu);
	if (left > 0)
		return;
	for (unsigned i = 0; i < FTPS_SEG_SLOTS_MAX; i++)
		free(run->buf[i]);
	free(run->remote);
	pthread_mutex_destroy(&run->mu);
	pthread_cond_destroy(&run->cv);
	free(run);
}

/* The file is not the one listed any more (mu held). */
static void mark_changed(struct seg_run *run, uint64_t now_size)
{
	if (!run->changed) {
		run->changed_size = now_size;
		__atomic_store_n(&run->changed, 1, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&run->cv);
}

/* n bytes of slot i arrived. */
static void filled(struct seg_run *run, int i, size_t n)
{
	pthread_mutex_lock(&run->mu);
	ftps_segplan_fill(&run->plan, i, n);
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
}

/* SIZE after a range: the file must still have the listed size. */
static ftps_err check_size(struct seg_run *run, struct ftps_conn *c, struct ftps_status *st)
{
	uint64_t now_size = 0;
	ftps_err e = ftps_size(c, run->remote, &now_size, st);

	if (e != FTPS_OK)
		/* A server without SIZE: nothing to compare with. */
		return ftps_err_class(e) == FTPS_CLASS_REFUSED ? FTPS_OK : e;
	if (now_size != run->plan.size) {
		pthread_mutex_lock(&run->mu);
		mark_changed(run, now_size);
		pthread_mutex_unlock(&run->mu);
		return ftps_fail(st, FTPS_E_IO, 0, "the size changed");
	}
	return FTPS_OK;
}

/* Read slot i's range from x to its end (*have bytes are there already),
 * then end the transfer: ABOR when more of the file follows, else the
 * final reply after its end of file. Consumes x. */
static ftps_err read_range(struct seg_run *run, int i, struct ftps_xfer *x, uint64_t start,
                           size_t len, size_t *have, struct ftps_status *st)
{
	char *buf = run->buf[i];
	ftps_err e;

	while (*have < len) {
		size_t want = len - *have < SEG_CHUNK ? len - *have : SEG_CHUNK, got = 0;
		if (__atomic_load_n(&run->stopping, __ATOMIC_ACQUIRE)) {
			e = ftps_xfer_abort(x, NULL);
			return e != FTPS_OK ? e : FTPS_E_CANCELED;
		}
		e = ftps_xfer_read(x, buf + *have, want, &got, st);
		if (e != FTPS_OK) {
			ftps_err a = ftps_xfer_abort(x, NULL);
			return a != FTPS_OK ? a : e;
		}
		if (got == 0) {
			/* Ended before the range did: a cut, or a file that shrank
			 * (the size check tells). Never used short. */
			e = ftps_xfer_finish(x, st);
			return e != FTPS_OK ? e :
			       ftps_fail(st, FTPS_E_RETRY, 0, "the data ended at %llu",
			                 (unsigned long long)(start + *have));
		}
		*have += got;
		filled(run, i, got);
	}
	if (start + len < run->plan.size)
		return ftps_xfer_abort(x, st);
	/* The last range: the server must end the file here. */
	char extra;
	size_t got = 0;
	e = ftps_xfer_read(x, &extra, 1, &got, st);
	if (e != FTPS_OK || got > 0) {
		ftps_err a = ftps_xfer_abort(x, NULL);
		if (e == FTPS_OK)       /* more bytes than listed: it grew */
			return ftps_fail(st, FTPS_E_IO, 0, "the file grew");
		return a;               /* every byte arrived; the end was not clean */
	}
	e = ftps_xfer_finish(x, st);
	/* Every byte the file has arrived: whatever ended the stream is no
	 * loss (as for the reader's own stream). */
	if (e == FTPS_E_RETRY)
		e = FTPS_OK;
	return e;
}

/* Fetch slot i's range on *cp, resuming a cut. *cp may be replaced by
 * another spare connection, or become NULL. The size is checked after the
 * range on its connection; where that connection did not survive the
 * range's end (ProFTPD's mod_tls drops the session when a capped transfer
 * is cut), *unchecked says so and the next range checks it first. */
static ftps_err fetch(struct seg_run *run, int i, struct ftps_conn **cp, int *unchecked)
{
	struct ftps_status st = { 0 };
	uint64_t start;
	size_t len, have;
	ftps_err e = FTPS_OK;

	pthread_mutex_lock(&run->mu);
	start = run->plan.slot[i].start;
	len = run->plan.slot[i].len;
	have = run->plan.slot[i].filled;
	pthread_mutex_unlock(&run->mu);
	if (*unchecked && (e = check_size(run, *cp, &st)) != FTPS_OK)
		return e;
	*unchecked = 1;
	for (int tries = 0; tries <= SEG_RESUMES; tries++) {
		struct ftps_xfer *x = NULL;
		if (tries > 0 && (ftps_err_conn_broken(e) || !ftps_conn_usable(*cp))) {
			ftps_pool_put(run->pool, *cp, e);
			*cp = NULL;
			if (ftps_pool_get_spare(run->pool, 0, cp, NULL) != FTPS_OK)
				break;
		}
		e = ftps_retr_start(*cp, run->remote, start + have, &x, &st);
		if (e == FTPS_OK)
			e = read_range(run, i, x, start, len, &have, &st);
		/* Every byte is there: only the connection was lost at the end. */
		if (have == len && ftps_err_retryable(e))
			e = FTPS_OK;
		/* A short range is a cut only while the file keeps its size. */
		if ((e == FTPS_OK || e == FTPS_E_RETRY || e == FTPS_E_IO) && ftps_conn_usable(*cp)) {
			ftps_err s = check_size(run, *cp, NULL);
			if (s == FTPS_OK)
				*unchecked = 0;
			else if (e == FTPS_OK)
				e = s;
		}
		if (e == FTPS_OK || e == FTPS_E_CANCELED ||
		    __atomic_load_n(&run->changed, __ATOMIC_ACQUIRE) || !ftps_err_retryable(e))
			break;
		ftps_debug("%s: a range read ahead was cut at %llu (%s): resuming", run->remote,
		           (unsigned long long)(start + have), st.msg);
	}
	if (e != FTPS_OK && e != FTPS_E_CANCELED)
		ftps_debug("%s: the range at %llu is left to the reader (%s)", run->remote,
		           (unsigned long long)start, st.msg);
	return e;
}

static void *worker(void *arg)
{
	struct seg_run *run = arg;
	int unchecked = 1;      /* the size is checked before the first range */

	for (;;) {
		int i = -1;
		int64_t until = ftps_now_ms() + SEG_SLOT_WAIT_MS;

		pthread_mutex_lock(&run->mu);
		while (!run->stopping && !run->changed &&
		       (i = ftps_segplan_claim(&run->plan)) < 0 &&
		       run->plan.frontier < run->plan.size && ftps_now_ms() < until)
			wait_ms(&run->cv, &run->mu, 50);
		if (i >= 0 && (run->stopping || run->changed)) {
			ftps_segplan_unclaim(&run->plan, i);
			i = -1;
		}
		if (i >= 0 && !run->buf[i] && !(run->buf[i] = malloc(run->plan.range_len))) {
			ftps_segplan_unclaim(&run->plan, i);
			i = -1;
		}
		pthread_mutex_unlock(&run->mu);
		if (i < 0)
			break;

		struct ftps_conn *c = NULL;
		if (ftps_pool_get_spare(run->pool, 0, &c, NULL) != FTPS_OK) {
			pthread_mutex_lock(&run->mu);
			ftps_segplan_unclaim(&run->plan, i);
			run->no_spare_until = ftps_now_ms() + SEG_RESPAWN_MS;
			pthread_cond_broadcast(&run->cv);
			pthread_mutex_unlock(&run->mu);
			break;
		}
		ftps_err e = fetch(run, i, &c, &unchecked);
		if (c)
			ftps_pool_put(run->pool, c, e == FTPS_E_CANCELED ? FTPS_OK : e);
		pthread_mutex_lock(&run->mu);
		ftps_segplan_end(&run->plan, i);
		pthread_cond_broadcast(&run->cv);
		pthread_mutex_unlock(&run->mu);
		if (e != FTPS_OK)
			break;
	}
	pthread_mutex_lock(&run->mu);
	run->workers--;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	run_unref(run);
	pthread_mutex_lock(&wk_mu);
	if (--wk_count == 0)
		pthread_cond_broadcast(&wk_cv);
	pthread_mutex_unlock(&wk_mu);
	return NULL;
}

/* Start workers up to the most allowed, while there is work and spare
 * connections were had lately (run->mu held). */
static void spawn_locked(struct ftps_seg *s, struct seg_run *run)
{
	pthread_attr_t attr;

	if (run->stopping || run->changed || ftps_now_ms() < run->no_spare_until)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (run->workers < s->max && run->plan.frontier < run->plan.size &&
	       run->workers < run->plan.nslots) {
		pthread_t t;
		run->workers++;
		run->refs++;
		pthread_mutex_lock(&wk_mu);
		wk_count++;
		pthread_mutex_unlock(&wk_mu);
		if (pthread_create(&t, &attr, worker, run) != 0) {
			run->workers--;
			run->refs--;
			pthread_mutex_lock(&wk_mu);
			if (--wk_count == 0)
				pthread_cond_broadcast(&wk_cv);
			pthread_mutex_unlock(&wk_mu);
			break;
		}
	}
	pthread_attr_destroy(&attr);
}

struct ftps_seg *ftps_seg_new(struct ftps_engine *eng, const char *remote, int64_t size)
{
	unsigned max = eng->segments > FTPS_SEG_MAX ? FTPS_SEG_MAX : eng->segments;
	struct ftps_seg *s;

	if (max < 2 || size < 0 || (uint64_t)size < SEG_PROBE + SEG_MIN_LEFT)
		return NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->remote = strdup(remote))) {
		free(s);
		return NULL;
	}
	s->eng = eng;
	s->size = (uint64_t)size;
	s->max = max;
	return s;
}

static void stop_run(struct ftps_seg *s)
{
	struct seg_run *run = s->run;

	if (!run)
		return;
	s->run = NULL;
	pthread_mutex_lock(&run->mu);
	__atomic_store_n(&run->stopping, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	run_unref(run);
}

void ftps_seg_free(struct ftps_seg *s)
{
	if (!s)
		return;
	stop_run(s);
	free(s->remote);
	free(s);
}

void ftps_seg_reset(struct ftps_seg *s, uint64_t off)
{
	(void)off;
	if (!s)
		return;
	stop_run(s);
	s->probe_bytes = 0;
	s->probe_us = 0;
	s->probe_done = 0;
}

void ftps_seg_grow(struct ftps_seg *s, uint64_t size)
{
	if (!s)
		return;
	ftps_seg_reset(s, 0);
	s->size = size;
}

/* The stream has reached `at`: read ahead from a range further on. */
static void start_run(struct ftps_seg *s, uint64_t at, double bps)
{
	struct seg_run *run = calloc(1, sizeof(*run));

	if (!run || !(run->remote = strdup(s->remote))) {
		free(run);
		return;
	}
	pthread_mutex_init(&run->mu, NULL);
	pthread_cond_init(&run->cv, NULL);
	run->refs = 1;
	run->pool = s->eng->pool;
	run->timeout_ms = ftps_config_timeout_ms(s->eng->cfg);
	/* The reader's own stream goes on for one more range meanwhile. */
	ftps_segplan_init(&run->plan, s->size, SEG_RANGE, SEG_SLOTS, at + SEG_RANGE);
	s->run = run;
	ftps_debug("%s: one stream gives %.1f MB/s: reading ahead from %llu on up to %u "
	           "connections", s->remote, bps / 1e6, (unsigned long long)(at + SEG_RANGE),
	           s->max);
	pthread_mutex_lock(&run->mu);
	spawn_locked(s, run);
	pthread_mutex_unlock(&run->mu);
}

ftps_err ftps_seg_stream_read(struct ftps_seg *s, struct ftps_xfer *x, uint64_t at,
                              void *buf, size_t len, size_t *got, struct ftps_status *st)
{
	int64_t t0 = now_us();
	ftps_err e = ftps_xfer_read(x, buf, len, got, st);

	if (!s || s->run || s->probe_done || e != FTPS_OK || *got == 0)
		return e;
	s->probe_us += now_us() - t0;
	s->probe_bytes += *got;
	if (s->probe_bytes < SEG_PROBE)
		return e;
	s->probe_done = 1;
	double bps = (double)s->probe_bytes * 1e6 / (double)(s->probe_us > 0 ? s->probe_us : 1);
	uint64_t end = at + *got;
	if (bps < SEG_SLOW_BPS && end < s->size && s->size - end >= SEG_MIN_LEFT)
		start_run(s, end, bps);
	return e;
}

int ftps_seg_changed(const struct ftps_seg *s)
{
	return s && s->changed;
}

int ftps_seg_active(const struct ftps_seg *s)
{
	return s && s->run;
}

int ftps_seg_take(struct ftps_seg *s, uint64_t off, void *dst, size_t len, size_t *got,
                  ftps_err *err, struct ftps_status *st)
{
	struct seg_run *run = s ? s->run : NULL;

	*got = 0;
	if (!run)
		return 0;
	int64_t deadline = ftps_now_ms() + run->timeout_ms + 5000;
	pthread_mutex_lock(&run->mu);
	if (ftps_segplan_release(&run->plan, off))
		pthread_cond_broadcast(&run->cv);
	for (;;) {
		if (run->changed) {
			uint64_t now_size = run->changed_size;
			pthread_mutex_unlock(&run->mu);
			s->changed = 1;
			*err = ftps_fail(st, FTPS_E_IO, 0, "%s changed on the server during the read "
			                 "(%llu bytes now, %llu when listed)", s->remote,
			                 (unsigned long long)now_size, (unsigned long long)s->size);
			return -1;
		}
		spawn_locked(s, run);
		int i = ftps_segplan_find(&run->plan, off);
		size_t n = i >= 0 ? ftps_segplan_ready(&run->plan, i, off) : 0;
		if (n > 0) {
			const char *src = run->buf[i] + (off - run->plan.slot[i].start);
			pthread_mutex_unlock(&run->mu);
			n = n < len ? n : len;
			memcpy(dst, src, n);
			*got = n;
			return 1;
		}
		if (i < 0 || run->plan.slot[i].state != FTPS_SEG_CLAIMED) {
			pthread_mutex_unlock(&run->mu);
			return 0;
		}
		if (ftps_now_ms() >= deadline) {
			pthread_mutex_unlock(&run->mu);
			*err = ftps_fail(st, FTPS_E_TIMEOUT, 0, "a range of %s read ahead did not "
			                 "arrive in time", s->remote);
			return -1;
		}
		wait_ms(&run->cv, &run->mu, 100);
	}
}

size_t ftps_seg_limit(const struct ftps_seg *s, uint64_t off, size_t len)
{
	struct seg_run *run = s ? s->run : NULL;

	if (!run)
		return len;
	pthread_mutex_lock(&run->mu);
	uint64_t lim = ftps_segplan_limit(&run->plan, off);
	pthread_mutex_unlock(&run->mu);
	return lim - off < len ? (size_t)(lim - off) : len;
}

void ftps_seg_workers_wait(void)
{
	pthread_mutex_lock(&wk_mu);
	while (wk_count > 0)
		pthread_cond_wait(&wk_cv, &wk_mu);
	pthread_mutex_unlock(&wk_mu);
}
