/* meta_ahead.c - folders listed ahead of the program (-o prefetch=N). Part
 * of the metadata layer (meta.c): what it learns goes into its caches.
 *
 * A program that reads a folder is likely to read its subfolders next
 * ("ls -lR", find, du, a file manager). On a server 20 ms away each costs
 * EPSV, LIST, a data connection's TLS resumption and the 226, then, on a
 * server that lists times to the minute, a batch of MDTMs: seven or eight
 * round trips, one folder after another. So when a folder is read, its
 * subfolders are queued, and up to N worker threads list them - and ask
 * their MDTMs - on spare connections of the pool, several at once, into
 * the caches. By the time the program reaches a subfolder, its listing and
 * times are there.
 *
 * Bounds, and what it never does:
 *  - It takes only spare connections (ftps_pool_get_spare): none that a
 *    read, an upload or a program's own listing waits for, and never the
 *    last free one; so with -o max_conns=1 it does nothing.
 *  - At most N folders are in flight, and the queue holds at most
 *    AHEAD_QUEUE_MAX; the newest folder's subfolders go first (programs
 *    walk trees depth first), the oldest queued fall off the end.
 *  - A folder is not listed ahead when its listing is cached, queued or
 *    in flight. It is not listed further down than one level below what
 *    the program read: a subfolder's subfolders are queued only when the
 *    program reads the subfolder.
 *  - Its failures are silent (debug log): a folder it could not list is
 *    simply not cached, and the program's own listing meets the error
 *    itself. A server that is down or hung stops it for AHEAD_PAUSE_S.
 *  - A listing that ran while our own operations changed the namespace
 *    (a rename, a removal) is not kept: it may show the old state.
 *  - A program that wants a folder being listed ahead waits for that
 *    listing (bounded) instead of asking for it a second time; one that
 *    wants a folder still in the queue takes it out and lists it itself.
 *  - Unmount (ftps_meta_ahead_stop) drops the queue and waits for the
 *    folders in flight, which are bounded by the network timeout; their
 *    MDTMs are skipped.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta_int.h"

#define AHEAD_QUEUE_MAX 256
#define AHEAD_MAX_WORKERS 16
#define AHEAD_SPARE_WAIT_MS 200
#define AHEAD_PAUSE_S 30

struct ftps_ahead;

struct ahead_worker {
	struct ftps_ahead *a;
	unsigned slot;                  /* its place in busy[] */
	pthread_t thread;
};

struct ftps_ahead {
	struct ftps_fs *fs;
	pthread_mutex_t mu;
	pthread_cond_t cv;              /* queued, done or stopping */
	/* Protected by mu: */
	char *queue[AHEAD_QUEUE_MAX];   /* folders to list, the next first */
	size_t nq;
	char *busy[AHEAD_MAX_WORKERS];  /* folders in flight, one per worker */
	int stopping;
	time_t pause_until;             /* the server failed: nothing until then */
	/* Set up once: */
	struct ahead_worker workers[AHEAD_MAX_WORKERS];
	unsigned nworkers;
};

/* ---- the queue (mu held) ---- */

static int queued_at(const struct ftps_ahead *a, const char *dir)
{
	for (size_t i = 0; i < a->nq; i++)
		if (strcmp(a->queue[i], dir) == 0)
			return (int)i;
	return -1;
}

static int in_flight(const struct ftps_ahead *a, const char *dir)
{
	for (unsigned i = 0; i < AHEAD_MAX_WORKERS; i++)
		if (a->busy[i] && strcmp(a->busy[i], dir) == 0)
			return 1;
	return 0;
}

static void unqueue(struct ftps_ahead *a, size_t i)
{
	free(a->queue[i]);
	memmove(&a->queue[i], &a->queue[i + 1], (a->nq - i - 1) * sizeof(a->queue[0]));
	a->nq--;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int stop_at_first(void *arg, const struct ftps_entry *e)
{
	(void)arg;
	(void)e;
	return 1;
}

/* dir's listing is in the cache, fresh. */
static int listing_cached(struct ftps_fs *fs, const char *dir)
{
	return ftps_dircache_readdir(fs->dc, dir, ftps_dircache_clock(), stop_at_first, NULL) ==
	       FTPS_DC_HIT;
}

void meta_ahead_queue(struct ftps_fs *fs, const char *dir, char **names, size_t n)
{
	struct ftps_ahead *a = fs->ahead;
	char *add[AHEAD_QUEUE_MAX];
	size_t nadd = 0;

	if (!a || n == 0)
		return;
	qsort(names, n, sizeof(*names), name_cmp);
	/* Which are worth it, looked up without the queue's lock (the cache
	 * has its own). */
	for (size_t i = 0; i < n && nadd < AHEAD_QUEUE_MAX; i++) {
		char path[FTPS_MAX_PATH];
		if (meta_child_path(dir, names[i], path, sizeof(path)) != 0 ||
		    listing_cached(fs, path))
			continue;
		if (!(add[nadd] = strdup(path)))
			break;
		nadd++;
	}
	pthread_mutex_lock(&a->mu);
	if (a->stopping) {
		pthread_mutex_unlock(&a->mu);
		while (nadd > 0)
			free(add[--nadd]);
		return;
	}
	/* Already queued ones move to the front with the others; those in
	 * flight are not queued again. */
	size_t keep = 0;
	for (size_t i = 0; i < nadd; i++) {
		int at = queued_at(a, add[i]);
		if (at >= 0)
			unqueue(a, (size_t)at);
		if (in_flight(a, add[i]))
			free(add[i]);
		else
			add[keep++] = add[i];
	}
	/* The oldest fall off the end to make room at the front. */
	while (a->nq > 0 && a->nq + keep > AHEAD_QUEUE_MAX)
		free(a->queue[--a->nq]);
	memmove(&a->queue[keep], &a->queue[0], a->nq * sizeof(a->queue[0]));
	memcpy(&a->queue[0], add, keep * sizeof(add[0]));
	a->nq += keep;
	if (keep > 0) {
		ftps_debug("listing %zu folders of %s ahead (%zu queued)", keep, dir, a->nq);
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
}

int meta_ahead_wait(struct ftps_fs *fs, const char *dir)
{
	struct ftps_ahead *a = fs->ahead;
	struct timespec until;
	int at, waited = 0;

	if (!a)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2 * (ftps_config_timeout_ms(fs->cfg) / 1000) + 1;
	pthread_mutex_lock(&a->mu);
	/* The program lists it itself, now. */
	if ((at = queued_at(a, dir)) >= 0)
		unqueue(a, (size_t)at);
	while (in_flight(a, dir)) {
		waited = 1;
		if (pthread_cond_timedwait(&a->cv, &a->mu, &until) != 0)
			break;
	}
	pthread_mutex_unlock(&a->mu);
	return waited;
}

/* ---- the work ---- */

/* List dir ahead on c, into the caches, then its MDTMs. */
static ftps_err list_ahead(struct ftps_fs *fs, struct ftps_conn *c, const char *dir,
                           struct ftps_status *st)
{
	char remote[FTPS_MAX_PATH];
	struct ftps_dc_listing *l;
	unsigned long changes = fs->meta_changes;
	double fetched = ftps_dircache_clock();
	size_t n;
	ftps_err e;

	if (listing_cached(fs, dir))
		return meta_mdtm_ahead(fs, c, dir, changes, st);
	if (ftps_fs_remote(fs, dir, remote, sizeof(remote)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	if (!(l = ftps_dc_listing_new()))
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	if ((e = ftps_meta_list_into(c, remote, l, st)) != FTPS_OK) {
		ftps_dc_listing_free(l);
		return e;
	}
	n = ftps_dc_listing_count(l);
	if (fs->meta_changes != changes) {
		ftps_debug("listed %s ahead, not kept: the namespace changed meanwhile", dir);
		ftps_dc_listing_free(l);
		return FTPS_OK;
	}
	ftps_dircache_put_listing(fs->dc, dir, l, fetched, NULL, NULL);
	ftps_debug("listed %s ahead (%zu entries)", dir, n);
	return meta_mdtm_ahead(fs, c, dir, changes, st);
}

static void *worker(void *arg)
{
	struct ahead_worker *w = arg;
	struct ftps_ahead *a = w->a;
	struct ftps_fs *fs = a->fs;
	unsigned me = w->slot;

	pthread_mutex_lock(&a->mu);
	while (!a->stopping) {
		struct ftps_status st = { 0 };
		struct ftps_conn *c;
		time_t now = time(NULL);
		ftps_err e;

		if (a->nq == 0 || now < a->pause_until) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += a->nq == 0 ? 60 : a->pause_until - now;
			pthread_cond_timedwait(&a->cv, &a->mu, &until);
			continue;
		}
		pthread_mutex_unlock(&a->mu);
		e = ftps_pool_get_spare(fs->pool, AHEAD_SPARE_WAIT_MS, &c, &st);
		pthread_mutex_lock(&a->mu);
		if (e != FTPS_OK) {
			/* None spare: try again. The server refused a connection:
			 * leave it alone for a while. */
			if (e != FTPS_E_TIMEOUT) {
				ftps_debug("listing ahead: %s", st.msg);
				a->pause_until = time(NULL) + AHEAD_PAUSE_S;
			}
			continue;
		}
		if (a->stopping || a->nq == 0) {
			pthread_mutex_unlock(&a->mu);
			ftps_pool_put(fs->pool, c, FTPS_OK);
			pthread_mutex_lock(&a->mu);
			continue;
		}
		char *dir = a->queue[0];
		memmove(&a->queue[0], &a->queue[1], (a->nq - 1) * sizeof(a->queue[0]));
		a->nq--;
		a->busy[me] = dir;
		pthread_mutex_unlock(&a->mu);

		e = list_ahead(fs, c, dir, &st);
		ftps_pool_put(fs->pool, c, e);
		if (e != FTPS_OK)
			ftps_debug("listing %s ahead: %s", dir, st.msg);

		pthread_mutex_lock(&a->mu);
		if (e == FTPS_E_TIMEOUT || e == FTPS_E_CONN || e == FTPS_E_REFUSED ||
		    e == FTPS_E_TOOMANY)
			a->pause_until = time(NULL) + AHEAD_PAUSE_S;
		a->busy[me] = NULL;
		free(dir);
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int meta_ahead_stopping(struct ftps_fs *fs)
{
	struct ftps_ahead *a = fs->ahead;
	int s = 0;

	if (a) {
		pthread_mutex_lock(&a->mu);
		s = a->stopping;
		pthread_mutex_unlock(&a->mu);
	}
	return s;
}

/* ---- start and stop ---- */

int ftps_meta_ahead_start(struct ftps_fs *fs)
{
	unsigned n = fs->set.prefetch;
	struct ftps_ahead *a;

	/* With the listing cache off nothing listed ahead would be kept. */
	if (n == 0 || fs->set.dir_cache == 0 || fs->ahead)
		return 0;
	if (n > AHEAD_MAX_WORKERS)
		n = AHEAD_MAX_WORKERS;
	if (!(a = calloc(1, sizeof(*a))))
		return -1;
	a->fs = fs;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	pthread_mutex_lock(&a->mu);
	for (unsigned i = 0; i < n; i++) {
		struct ahead_worker *w = &a->workers[a->nworkers];
		w->a = a;
		w->slot = a->nworkers;
		if (pthread_create(&w->thread, NULL, worker, w) != 0)
			break;
		a->nworkers++;
	}
	pthread_mutex_unlock(&a->mu);
	if (a->nworkers == 0) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		free(a);
		return -1;
	}
	fs->ahead = a;
	ftps_debug("listing folders ahead: %u at once", a->nworkers);
	return 0;
}

void ftps_meta_ahead_stop(struct ftps_fs *fs)
{
	struct ftps_ahead *a = fs->ahead;
	unsigned n;

	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stopping = 1;
	while (a->nq > 0)
		free(a->queue[--a->nq]);
	n = a->nworkers;
	a->nworkers = 0;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	for (unsigned i = 0; i < n; i++)
		pthread_join(a->workers[i].thread, NULL);
	if (n > 0)
		ftps_debug("listing ahead stopped");
}

void ftps_meta_ahead_free(struct ftps_fs *fs)
{
	struct ftps_ahead *a = fs->ahead;

	if (!a)
		return;
	ftps_meta_ahead_stop(fs);
	fs->ahead = NULL;
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a);
}
