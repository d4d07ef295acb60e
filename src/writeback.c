/* writeback.c - -o writeback: close() returns once a file's data are in
 * its spool file, and the upload runs later, in the background.
 *
 * Safe in the spool means written there in full (every write went into
 * the spool file before it returned), not fsync'ed to the spool's disk:
 * the daemon dying keeps the file (the next mount's ftps_spool_report
 * names it), the machine dying may not. fsync() on the file is what
 * waits for the server.
 *
 * The queue. A closed file with changes stays in the list of open files,
 * held by its queue entry (see file_int.h), so that its path shows the
 * spool's version until the upload is done. A few threads (max_conns - 1,
 * what the pool lets transfers have) take the entries in order and upload
 * them, several files at once. The queue is bounded: a close() waits while
 * WB_MAX_FILES files or WB_MAX_BYTES bytes are pending, and uploads itself,
 * as without writeback, when no pending upload finished for the mount's
 * timeout (the server is gone: close() then says so).
 *
 * A failed upload (after the engine's own retries) keeps the file in the
 * queue and its data in the spool, says so in the log, and is tried again
 * after WB_RETRY_FIRST seconds, then twice as long each time up to
 * WB_RETRY_MAX. fsync() returns its error once (then uploads itself at the
 * next fsync). At unmount every entry is tried once more; a file that
 * still fails keeps its spool file, named in the log.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file_int.h"

#define WB_MAX_FILES 128
#define WB_MAX_BYTES (256ULL * 1024 * 1024)
#define WB_MAX_THREADS 16
#define WB_RETRY_FIRST 10
#define WB_RETRY_MAX 600

struct wb_item {
	struct wb_item *next;
	struct ftps_file *f;          /* holds a reference */
	uint64_t bytes;                 /* counted against WB_MAX_BYTES */
	time_t at;                      /* not before then (a retry) */
	int tries;
	int running;
};

/* One mount per process, as the list of open files. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t work;            /* an entry is due, or stopping */
	pthread_cond_t room;            /* an entry left the queue */
	struct wb_item *head, *tail;
	unsigned nfiles;                /* entries, and room reserved for them */
	uint64_t bytes;
	unsigned long done;             /* entries that left: progress */
	int started, stopping;
	int nthreads;
	pthread_t th[WB_MAX_THREADS];
	int warned_full;
} wb = { .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
	 .room = PTHREAD_COND_INITIALIZER };

void file_lock(struct ftps_file *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->wb_busy)
		pthread_cond_wait(&f->wb_cv, &f->mu);
}

/* Upload f once. 1 when its entry is done with (uploaded, nothing left to
 * upload, or last: the final try failed too), 0 to try again later. */
static int wb_upload(struct ftps_file *f, int last, int *rcp)
{
	int rc = 0, done;

	file_lock(f);
	if (f->dirty && !f->detached) {
		f->err = 0;
		rc = file_flush_background(f);
	}
	done = rc == 0 || last;
	if (rc == 0) {
		f->wb_err = 0;
	} else {
		f->wb_err = rc;
		/* Writes go on into the spool while a retry waits; the last
		 * failure stays, so that release keeps the spool file. */
		f->err = last ? rc : 0;
	}
	if (done)
		f->wb_queued = 0;
	pthread_mutex_unlock(&f->mu);
	*rcp = rc;
	return done;
}

static void wb_remove_locked(struct wb_item *it)
{
	struct wb_item **pp = &wb.head, *prev = NULL;

	while (*pp && *pp != it) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = it->next;
	if (wb.tail == it)
		wb.tail = prev;
	wb.nfiles--;
	wb.bytes -= it->bytes;
	wb.done++;
	pthread_cond_broadcast(&wb.room);
}

static void *wb_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wb.mu);
	for (;;) {
		time_t now = time(NULL), next = 0;
		struct wb_item *it;
		int rc, last;

		for (it = wb.head; it; it = it->next) {
			if (it->running)
				continue;
			if (wb.stopping || it->at <= now)
				break;
			if (!next || it->at < next)
				next = it->at;
		}
		if (!it) {
			if (wb.stopping)
				break;
			if (next) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += next - now;
				pthread_cond_timedwait(&wb.work, &wb.mu, &ts);
			} else {
				pthread_cond_wait(&wb.work, &wb.mu);
			}
			continue;
		}
		it->running = 1;
		last = wb.stopping;
		pthread_mutex_unlock(&wb.mu);

		int done = wb_upload(it->f, last, &rc);

		pthread_mutex_lock(&wb.mu);
		it->running = 0;
		if (!done && wb.stopping) {
			/* Unmounting began during this try: one more, the last. */
			continue;
		}
		if (!done) {
			int wait = WB_RETRY_FIRST << (it->tries < 6 ? it->tries : 6);
			if (wait > WB_RETRY_MAX)
				wait = WB_RETRY_MAX;
			it->tries++;
			it->at = time(NULL) + wait;
			ftps_warn("background upload of %s failed (%s); its changes stay in the spool "
			          "folder, trying again in %d s", it->f->path, strerror(-rc), wait);
			continue;
		}
		if (rc < 0)
			ftps_error("background upload of %s failed at unmount (%s)", it->f->path,
			           strerror(-rc));
		wb_remove_locked(it);
		pthread_mutex_unlock(&wb.mu);
		file_unref(it->f);      /* the last reference: the spool file goes or stays */
		free(it);
		pthread_mutex_lock(&wb.mu);
	}
	pthread_mutex_unlock(&wb.mu);
	return NULL;
}

/* wb.mu held: the threads, at the first upload (after the daemon went to
 * the background, which threads would not survive). */
static void wb_start_locked(struct ftps_fs *fs)
{
	int want = fs->set.max_conns > 1 ? (int)fs->set.max_conns - 1 : 1;

	wb.started = 1;
	if (want > WB_MAX_THREADS)
		want = WB_MAX_THREADS;
	while (wb.nthreads < want && pthread_create(&wb.th[wb.nthreads], NULL, wb_thread, NULL) == 0)
		wb.nthreads++;
	if (wb.nthreads == 0)
		ftps_warn("cannot start a thread: -o writeback uploads at close");
}

/* Room in the queue for one more file of size bytes, reserved: 1, or 0
 * when the queue cannot take it (no threads, unmounting, or full with no
 * progress for the mount's timeout). */
static int wb_reserve(struct ftps_fs *fs, uint64_t size)
{
	unsigned long seen;
	time_t since = time(NULL);
	int ok;

	pthread_mutex_lock(&wb.mu);
	if (!wb.started && !wb.stopping)
		wb_start_locked(fs);
	seen = wb.done;
	while (wb.nthreads > 0 && !wb.stopping &&
	       (wb.nfiles >= WB_MAX_FILES || (wb.nfiles > 0 && wb.bytes + size > WB_MAX_BYTES))) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&wb.room, &wb.mu, &ts);
		if (wb.done != seen) {
			seen = wb.done;
			since = time(NULL);
		} else if (time(NULL) - since >= (time_t)fs->set.timeout) {
			if (!wb.warned_full++)
				ftps_warn("the background uploads make no progress: close() uploads "
				          "itself until they do");
			pthread_mutex_unlock(&wb.mu);
			return 0;
		}
	}
	ok = wb.nthreads > 0 && !wb.stopping;
	if (ok) {
		wb.nfiles++;
		wb.bytes += size;
		wb.warned_full = 0;
	}
	pthread_mutex_unlock(&wb.mu);
	return ok;
}

static void wb_unreserve(uint64_t size)
{
	pthread_mutex_lock(&wb.mu);
	wb.nfiles--;
	wb.bytes -= size;
	pthread_cond_broadcast(&wb.room);
	pthread_mutex_unlock(&wb.mu);
}

/* mu held: whether f's changes can wait for the background. (A file
 * being uploaded in the background is queued.) */
static int wb_wants(const struct ftps_file *f)
{
	return f->dirty && !f->detached && !f->err && !f->wb_queued &&
	       (f->state == F_NEW || f->state == F_SPOOL || f->state == F_APPEND);
}

int file_wb_flush(struct ftps_file *f)
{
	struct wb_item *it;
	uint64_t size;

	/* Not file_lock: an upload in flight is queued, and the close of a
	 * reader must not wait for it. */
	pthread_mutex_lock(&f->mu);
	if (f->kernel_stale) {
		f->kernel_stale = 0;
		ftps_fs_stale(f->fs, f->path);
	}
	if (!wb_wants(f)) {
		/* Already queued (its upload takes these changes too) or
		 * nothing to upload: 0; else close() does what it always did. */
		int now = f->err || (f->dirty && !f->detached && !f->wb_queued);
		pthread_mutex_unlock(&f->mu);
		return now;
	}
	size = f->size;
	pthread_mutex_unlock(&f->mu);

	if (!(it = calloc(1, sizeof(*it))))
		return 1;
	if (!wb_reserve(f->fs, size)) {
		free(it);
		return 1;
	}
	pthread_mutex_lock(&f->mu);
	if (!wb_wants(f)) {
		int now = f->err || (f->dirty && !f->detached && !f->wb_queued);
		pthread_mutex_unlock(&f->mu);
		wb_unreserve(size);
		free(it);
		return now;
	}
	f->wb_queued = 1;
	pthread_mutex_lock(&file_open_mu);
	f->refs++;
	pthread_mutex_unlock(&file_open_mu);
	pthread_mutex_unlock(&f->mu);

	it->f = f;
	it->bytes = size;
	pthread_mutex_lock(&wb.mu);
	if (wb.tail)
		wb.tail->next = it;
	else
		wb.head = it;
	wb.tail = it;
	pthread_cond_signal(&wb.work);
	pthread_mutex_unlock(&wb.mu);
	ftps_debug("%s: %llu bytes left to the background upload", f->path,
	           (unsigned long long)size);
	return 0;
}

int file_wb_fsync(struct ftps_file *f)
{
	int rc;

	file_lock(f);
	if (f->wb_err) {
		/* Said once; the queue (or the next fsync) tries again. */
		rc = f->wb_err;
		f->wb_err = 0;
		pthread_mutex_unlock(&f->mu);
		return rc;
	}
	rc = file_flush_locked(f);
	if (rc < 0) {
		/* Said now. A spooled file stays dirty: the queue, or the next
		 * close or fsync, uploads it again. Nothing else is left to
		 * retry (as ftps_file_flush). */
		f->err = 0;
		if (f->state != F_SPOOL && f->state != F_APPEND)
			file_view_set(f, f->size, 0);
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

void file_wb_drain(struct ftps_fs *fs)
{
	unsigned n;

	(void)fs;
	pthread_mutex_lock(&wb.mu);
	n = wb.nfiles;
	wb.stopping = 1;
	pthread_cond_broadcast(&wb.work);
	pthread_cond_broadcast(&wb.room);
	pthread_mutex_unlock(&wb.mu);
	if (n > 0)
		ftps_info("unmounting: waiting for %u background upload%s", n, n == 1 ? "" : "s");
	for (int i = 0; i < wb.nthreads; i++)
		pthread_join(wb.th[i], NULL);
	wb.nthreads = 0;
}
