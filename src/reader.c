/* reader.c - streamed reads of one open file (see reader.h).
 *
 * The window is one buffer holding the file's bytes [win_off, win_off +
 * win_len). While a stream runs, its next byte is win_off + win_len: the
 * stream only ever appends to the window. When the window is full, its
 * oldest bytes are dropped, keeping READER_KEEP_BEHIND bytes before the
 * latest read for reads that arrive late.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "reader.h"
#include "reader_seg.h"
#include "sock.h"
#include "retry.h"

#define READER_BUF_MIN     (256 * 1024)
#define READER_BUF_MAX     (8 * 1024 * 1024)
#define READER_KEEP_BEHIND (2 * 1024 * 1024)
#define READER_AHEAD_SKIP  (4 * 1024 * 1024)  /* read forward rather than restart */
#define READER_CHUNK       (256 * 1024)        /* one stream read */
#define READER_RECLAIM_IDLE_MS 500      /* a reader idle this long may lose its stream */
/* After a read failed on the network, reads of the same file fail at once
 * for this long: the kernel's readahead queues many reads behind the one
 * that failed, and each would otherwise wait out the timeout in turn while
 * the program's own read waits behind them all. */
#define READER_FAIL_HOLD_MS 2000
#define READER_GROW_CHECK  4096    /* bytes before the old end read again after a growth */

struct ftps_reader {
	struct ftps_engine *eng;
	char *remote;
	int64_t size;              /* -1 unknown */
	int refs;                  /* atomic: ftps_reader_hold / _free */
	pthread_mutex_t mu;        /* one read at a time; protects all below */

	char *buf;
	size_t cap;
	uint64_t win_off;
	size_t win_len;

	struct ftps_conn *conn;    /* while a stream runs */
	struct ftps_xfer *xfer;
	int eof;                   /* the stream reached the end of the file */
	_Atomic int64_t last_use_ms;   /* also read by the reclaim hook */
	int64_t fail_until_ms;     /* reads fail with fail_rc until then */
	int fail_rc;
	struct ftps_seg *seg;      /* ranges read ahead (reader_seg.h), or NULL */
	/* After the file grew (ftps_reader_grow): the bytes just before its
	 * old end, to be read the same again - a file appended to, not one
	 * replaced by a bigger one. */
	char grow_tail[READER_GROW_CHECK];
	uint64_t grow_tail_off;
	size_t grow_tail_len;      /* 0: nothing to check */
	int replaced;              /* it was replaced: every read is EIO */

	struct ftps_reader *prev, *next;  /* the registry, under reg_mu */
};

/* Readers with a running stream, for taking a connection from an idle one. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ftps_reader *reg_head;

static void reg_add(struct ftps_reader *r)
{
	pthread_mutex_lock(&reg_mu);
	r->prev = NULL;
	r->next = reg_head;
	if (reg_head)
		reg_head->prev = r;
	reg_head = r;
	pthread_mutex_unlock(&reg_mu);
}

static void reg_del(struct ftps_reader *r)
{
	pthread_mutex_lock(&reg_mu);
	if (r->prev)
		r->prev->next = r->next;
	else if (reg_head == r)
		reg_head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	pthread_mutex_unlock(&reg_mu);
}

/* Cancelling a transfer waits for the server to notice (vsftpd takes
 * ~15 ms to answer 426), so it is done on a thread of its own: the reader
 * can start its next stream on another connection at once. */
struct drain {
	struct ftps_pool *pool;
	struct ftps_conn *conn;
	struct ftps_xfer *xfer;
};

/* Drains in flight, so that unmounting waits for them before the pool
 * goes (ftps_reader_drains_wait). */
static pthread_mutex_t drain_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drain_cv = PTHREAD_COND_INITIALIZER;
static unsigned drains;

static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	ftps_err e = ftps_xfer_abort(d->xfer, NULL);

	/* Idle now: the next read's data connection gets ready on it. */
	if (e == FTPS_OK)
		e = ftps_data_prepare(d->conn, NULL);

	ftps_pool_put(d->pool, d->conn, e);
	free(d);
	pthread_mutex_lock(&drain_mu);
	if (--drains == 0)
		pthread_cond_broadcast(&drain_cv);
	pthread_mutex_unlock(&drain_mu);
	return NULL;
}

void ftps_reader_drains_wait(void)
{
	pthread_mutex_lock(&drain_mu);
	while (drains > 0)
		pthread_cond_wait(&drain_cv, &drain_mu);
	pthread_mutex_unlock(&drain_mu);
	ftps_seg_workers_wait();
}

static void abort_in_background(struct ftps_pool *pool, struct ftps_conn *c, struct ftps_xfer *x)
{
	struct drain *d = malloc(sizeof(*d));
	pthread_attr_t attr;
	pthread_t t;
	int ok = 0;

	if (d) {
		d->pool = pool;
		d->conn = c;
		d->xfer = x;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_mutex_lock(&drain_mu);
		drains++;
		ok = pthread_create(&t, &attr, drain_thread, d) == 0;
		if (!ok)
			drains--;
		pthread_mutex_unlock(&drain_mu);
		pthread_attr_destroy(&attr);
	}
	if (!ok) {
		free(d);
		ftps_pool_put(pool, c, ftps_xfer_abort(x, NULL));
	}
}

/* Cancel the stream (r->mu held) and give the connection back. */
static void stop_stream(struct ftps_reader *r)
{
	if (!r->conn)
		return;
	reg_del(r);
	if (r->xfer && !r->eof) {
		abort_in_background(r->eng->pool, r->conn, r->xfer);
	} else {
		ftps_err e = r->xfer ? ftps_xfer_finish(r->xfer, NULL) : FTPS_OK;
		ftps_pool_put(r->eng->pool, r->conn, e);
	}
	r->xfer = NULL;
	r->conn = NULL;
}

/* The pool's reclaim hook (see ftps_pool_set_reclaim): transfers wait in
 * line, and meanwhile the connection of the reader idle longest - for at
 * least READER_RECLAIM_IDLE_MS, and not reading right now - is taken back
 * (its stream cancelled; it restarts on its next read). A reader between
 * two reads of the kernel's readahead is never idle that long, so readers
 * that take turns do not cancel each other's streams. Returns 1 when one
 * was freed. */
int ftps_reader_reclaim(void *arg)
{
	struct ftps_engine *eng = arg;
	struct ftps_reader *victim = NULL, *it;
	int64_t now = ftps_now_ms();

	/* A stream being drained gives its connection back soon: no need to
	 * cancel another one meanwhile. */
	pthread_mutex_lock(&drain_mu);
	unsigned pending = drains;
	pthread_mutex_unlock(&drain_mu);
	if (pending)
		return 1;
	pthread_mutex_lock(&reg_mu);
	for (it = reg_head; it; it = it->next) {
		if (it->eng != eng || now - it->last_use_ms < READER_RECLAIM_IDLE_MS)
			continue;
		if (!victim || it->last_use_ms < victim->last_use_ms)
			victim = it;
	}
	if (victim && pthread_mutex_trylock(&victim->mu) != 0)
		victim = NULL;
	pthread_mutex_unlock(&reg_mu);
	if (!victim)
		return 0;
	ftps_debug("taking the connection of an idle reader (%s)", victim->remote);
	stop_stream(victim);
	pthread_mutex_unlock(&victim->mu);
	return 1;
}

/* A stream at off, the window kept. */
static ftps_err open_stream(struct ftps_reader *r, uint64_t off, struct ftps_status *st)
{
	ftps_err e;

	stop_stream(r);
	if ((e = ftps_pool_get(r->eng->pool, FTPS_USE_XFER, &r->conn, st)) != FTPS_OK)
		return e;
	e = ftps_retr_start(r->conn, r->remote, off, &r->xfer, st);
	if (e != FTPS_OK) {
		ftps_pool_put(r->eng->pool, r->conn, e);
		r->conn = NULL;
		return e;
	}
	reg_add(r);
	return FTPS_OK;
}

/* A new window at off, its stream started. */
static ftps_err start_stream(struct ftps_reader *r, uint64_t off, struct ftps_status *st)
{
	ftps_seg_reset(r->seg, off);
	stop_stream(r);
	r->win_off = off;
	r->win_len = 0;
	r->eof = 0;
	return open_stream(r, off, st);
}

/* Segmented (reader_seg.h): take the next bytes from the ranges read
 * ahead, passing our own stream by; else our own stream fetches them, up
 * to the next range. 1 when taken, 0 when the stream is to read *room
 * bytes, -1 with *err set. */
static int pull_ahead(struct ftps_reader *r, size_t *room, struct ftps_status *st,
                      ftps_err *err)
{
	uint64_t next = r->win_off + r->win_len;
	size_t got = 0;
	int t = ftps_seg_take(r->seg, next, r->buf + r->win_len, *room, &got, err, st);

	if (t > 0) {
		stop_stream(r);
		r->win_len += got;
		r->eof = r->size >= 0 && next + got >= (uint64_t)r->size;
		return 1;
	}
	if (t < 0 || (!r->xfer && (*err = open_stream(r, next, st)) != FTPS_OK))
		return -1;
	if ((*room = ftps_seg_limit(r->seg, next, *room)) == 0) {
		*err = ftps_fail(st, FTPS_E_IO, 0, "%s: nothing to read at %llu", r->remote,
		                 (unsigned long long)next);
		return -1;
	}
	return 0;
}

/* Make room for at least want more bytes at the end of the window,
 * keeping READER_KEEP_BEHIND before keep_from. */
static int make_room(struct ftps_reader *r, size_t want, uint64_t keep_from)
{
	if (r->cap - r->win_len >= want)
		return 0;
	if (r->cap < READER_BUF_MAX) {
		size_t ncap = r->cap ? r->cap : READER_BUF_MIN;
		while (ncap - r->win_len < want && ncap < READER_BUF_MAX)
			ncap *= 2;
		char *nb = realloc(r->buf, ncap);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = ncap;
		if (r->cap - r->win_len >= want)
			return 0;
	}
	/* Slide: drop what lies well behind the reads. */
	uint64_t keep = keep_from > READER_KEEP_BEHIND ? keep_from - READER_KEEP_BEHIND : 0;
	size_t drop = keep > r->win_off ? (size_t)(keep - r->win_off) : 0;
	if (drop > r->win_len)
		drop = r->win_len;
	if (r->cap - (r->win_len - drop) < want)
		drop = r->win_len - (r->cap > want ? r->cap - want : 0);
	memmove(r->buf, r->buf + drop, r->win_len - drop);
	r->win_off += drop;
	r->win_len -= drop;
	return 0;
}

/* The stream ended at end, before the size the listing showed. Either the
 * transfer was cut short (a middlebox that closes the data connection
 * cleanly makes a cut look like an end, and the server still says 226) or
 * the file changed on the server since it was listed: SIZE tells which.
 * A short file is never taken for the whole, and a file of yet another
 * size (being rewritten in place) is not read on from where the old one
 * stopped: that would hand the program the start of one version and the
 * rest of another. */
static ftps_err short_stream(struct ftps_reader *r, uint64_t end, struct ftps_status *st)
{
	uint64_t now_size = 0;
	ftps_err e = ftps_size(r->conn, r->remote, &now_size, st);

	if (e == FTPS_OK && now_size == end) {
		ftps_info("%s: the file is %llu bytes now, not %lld: it changed on the server",
		          r->remote, (unsigned long long)end, (long long)r->size);
		r->size = (int64_t)end;
		return FTPS_OK;
	}
	if (e == FTPS_OK && r->size >= 0 && now_size != (uint64_t)r->size)
		return ftps_fail(st, FTPS_E_IO, 0, "%s changed on the server during the read "
		                 "(%llu bytes now, %lld when listed)", r->remote,
		                 (unsigned long long)now_size, (long long)r->size);
	if (e != FTPS_OK && ftps_err_conn_broken(e))
		return e;
	return ftps_fail(st, FTPS_E_RETRY, 0, "the data of %s ended after %llu of %lld bytes",
	                 r->remote, (unsigned long long)end, (long long)r->size);
}

/* The n bytes at `at` just streamed, against the bytes kept from before
 * the old end (ftps_reader_grow): 0 when they agree (or do not overlap),
 * -1 when they differ. The check ends once the stream is past them, or
 * when it starts beyond them (nothing left to compare). */
static int grown_same(struct ftps_reader *r, uint64_t at, const char *data, size_t n)
{
	uint64_t lo = at > r->grow_tail_off ? at : r->grow_tail_off;
	uint64_t end = r->grow_tail_off + r->grow_tail_len;
	uint64_t hi = at + n < end ? at + n : end;

	if (lo < hi && memcmp(data + (lo - at), r->grow_tail + (lo - r->grow_tail_off),
	                      (size_t)(hi - lo)) != 0)
		return -1;
	if (at + n >= end || at >= end)
		r->grow_tail_len = 0;
	return 0;
}

/* Read more of the stream into the window. 0, or -errno. */
static int pull(struct ftps_reader *r, uint64_t keep_from, struct ftps_status *st,
                ftps_err *err)
{
	size_t got = 0;
	int rc = make_room(r, READER_CHUNK, keep_from);

	if (rc < 0)
		return rc;
	size_t room = r->cap - r->win_len < READER_CHUNK ? r->cap - r->win_len : READER_CHUNK;
	if (ftps_seg_active(r->seg) && (rc = pull_ahead(r, &room, st, err)) != 0)
		return rc > 0 ? 0 : -1;
	*err = ftps_seg_stream_read(r->seg, r->xfer, r->win_off + r->win_len,
	                            r->buf + r->win_len, room, &got, st);
	if (*err != FTPS_OK)
		return -1;
	if (r->grow_tail_len && grown_same(r, r->win_off + r->win_len, r->buf + r->win_len, got) != 0) {
		r->replaced = 1;
		*err = ftps_fail(st, FTPS_E_IO, 0, "%s was replaced on the server while open "
		                 "(a bigger file, not the old one appended to)", r->remote);
		return -1;
	}
	if (got == 0) {
		uint64_t end = r->win_off + r->win_len;
		r->eof = 1;
		/* Check the transfer's final reply: a 426 means we were cut short. */
		*err = ftps_xfer_finish(r->xfer, st);
		r->xfer = NULL;
		/* Every byte the file has arrived: whatever ended the stream
		 * (no close_notify, a reset), it is complete. */
		if (*err == FTPS_E_RETRY && r->size >= 0 && end == (uint64_t)r->size &&
		    ftps_conn_usable(r->conn))
			*err = FTPS_OK;
		if (*err == FTPS_OK && r->size >= 0 && end < (uint64_t)r->size)
			*err = short_stream(r, end, st);
		reg_del(r);
		ftps_pool_put(r->eng->pool, r->conn, *err);
		r->conn = NULL;
		return *err == FTPS_OK ? 0 : -1;
	}
	r->win_len += got;
	return 0;
}

struct ftps_reader *ftps_reader_new(struct ftps_engine *eng, const char *remote, int64_t size)
{
	struct ftps_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->remote = strdup(remote))) {
		free(r);
		return NULL;
	}
	r->eng = eng;
	r->size = size;
	r->refs = 1;
	r->seg = ftps_seg_new(eng, remote, size);
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

/* Serve [off, off+len) from the window, streaming as needed. A short
 * count only at the end of the file: FUSE takes it for EOF. */
static ssize_t read_locked(struct ftps_reader *r, char *buf, size_t len, uint64_t off)
{
	struct ftps_status st = { 0 };
	struct ftps_retry retry;
	ftps_err e = FTPS_OK;
	int pause;

	/* A program waits one timeout in all, however many resumes it takes. */
	ftps_retry_init(&retry, ftps_config_timeout_ms(r->eng->cfg), 0);
	ftps_retry_begin(&retry, ftps_now_ms());

	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t win_end = r->win_off + r->win_len;
		int at_end = r->eof && !r->xfer;    /* the window reaches the end of the file */

		if (off >= r->win_off && off < win_end) {
			size_t n = (size_t)(win_end - off) < len ? (size_t)(win_end - off) : len;
			if (n == len || at_end) {
				memcpy(buf, r->buf + (off - r->win_off), n);
				return (ssize_t)n;
			}
		} else if (at_end && off >= win_end && off >= r->win_off) {
			return 0;
		}

		if (!((r->xfer || ftps_seg_active(r->seg)) && off >= r->win_off && off <= win_end + READER_AHEAD_SKIP)) {
			/* No stream, or a real jump: (re)start at off. */
			if ((e = start_stream(r, off, &st)) != FTPS_OK)
				goto fail;
			continue;
		}
		if (pull(r, off, &st, &e) == 0)
			continue;
		if (e == FTPS_OK)
			return -ENOMEM;
fail:
		ftps_seg_reset(r->seg, off);
		stop_stream(r);
		r->win_len = 0;
		r->eof = 0;
		/* A stream that broke is resumed (at once the first time); a
		 * server that refuses connections is not waited for here: the
		 * program gets EIO at once (the mount recovers by itself). */
		if (ftps_err_network(e) && ftps_retry_next(&retry, ftps_now_ms(), &pause)) {
			ftps_stats_add(ftps_pool_stats(r->eng->pool), FTPS_CTR_RETRIES, 1);
			ftps_info("%s: %s; resuming at offset %llu", r->remote, st.msg,
			          (unsigned long long)off);
			ftps_retry_pause(pause);
			continue;
		}
		if (!ftps_err_network(e))
			return ftps_err_report(e, &st, "read", r->remote);
		r->fail_rc = ftps_err_report(e, &st, "read", r->remote);
		r->fail_until_ms = ftps_now_ms() + READER_FAIL_HOLD_MS;
		return r->fail_rc;
	}
	return -EIO;
}

void ftps_reader_grow(struct ftps_reader *r, int64_t size)
{
	pthread_mutex_lock(&r->mu);
	if (r->size >= 0 && size > r->size) {
		/* A stream still open was started on the old version: it ends
		 * at the old size (its final reply not read yet, since nothing
		 * past that size was asked), or the server sends on as the file
		 * grows. Either way it is cancelled, and the next read starts
		 * one where it wants, which reaches the new end. What was read
		 * stays in the window. A file replaced by a bigger one is not
		 * read on from the old end (the start of one version, the rest
		 * of another): its bytes before the old end differ, and every
		 * read is EIO from then on. */
		uint64_t old = (uint64_t)r->size;
		uint64_t from = old > READER_GROW_CHECK ? old - READER_GROW_CHECK : 0;
		uint64_t win_end = r->win_off + r->win_len;

		stop_stream(r);
		/* Keep the bytes before the old end, where the window has them:
		 * the next stream reads them again, and they must agree. */
		r->grow_tail_len = 0;
		if (r->win_len && r->win_off <= from && win_end >= old) {
			r->grow_tail_off = from;
			r->grow_tail_len = (size_t)(old - from);
			memcpy(r->grow_tail, r->buf + (from - r->win_off), r->grow_tail_len);
		}
		r->size = size;
		r->eof = 0;
		ftps_seg_grow(r->seg, (uint64_t)size);
	}
	pthread_mutex_unlock(&r->mu);
}

ssize_t ftps_reader_read(struct ftps_reader *r, char *buf, size_t len, off_t off)
{
	ssize_t n;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&r->mu);
	r->last_use_ms = ftps_now_ms();
	if (len == 0 || (r->size >= 0 && off >= r->size))
		n = 0;
	else if (r->last_use_ms < r->fail_until_ms)
		n = r->fail_rc;     /* logged once, by the read that failed */
	else if (ftps_seg_changed(r->seg) || r->replaced)
		n = -EIO;           /* logged once, when it was found */
	else {
		if (r->size >= 0 && (uint64_t)off + len > (uint64_t)r->size)
			len = (size_t)((uint64_t)r->size - (uint64_t)off);
		n = read_locked(r, buf, len, (uint64_t)off);
	}
	r->last_use_ms = ftps_now_ms();
	pthread_mutex_unlock(&r->mu);
	return n;
}

void ftps_reader_hold(struct ftps_reader *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
}

void ftps_reader_free(struct ftps_reader *r)
{
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_mutex_lock(&r->mu);
	ftps_seg_free(r->seg);
	stop_stream(r);
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_destroy(&r->mu);
	free(r->buf);
	free(r->remote);
	free(r);
}
