/* meta_ask.c - what a listing did not tell, asked of the server: exact
 * times (MDTM, a folder's at a time, pipelined) and missing sizes (SIZE).
 * Part of the metadata layer (meta.c); the answers go into its caches.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta_int.h"
#include "path.h"

/* A LIST time is a day ("Mon DD  YYYY") or a minute ("Mon DD HH:MM"), and
 * vsftpd offers nothing better in a listing: too coarse for rsync -a, make
 * or backup tools, which compare seconds. Such a file's time comes from
 * MDTM when its attributes are asked for. It is not stored in the directory
 * cache: an upsert would make it an own entry, kept for at least
 * FTPS_DIRCACHE_OWN_TTL_MIN seconds, so a file changed or removed on the
 * server would stay as it was beyond -o dir_cache. It goes into the
 * exact-time cache (mtcache.h) instead, under what the listing said: a
 * fresh listing that shows the same size and coarse time gets it back
 * without a round trip, one that shows a change asks again. */
/* One question about one file, on a pooled connection (with_conn):
 * its exact time (MDTM) or its size (SIZE). */
struct ask_arg {
	struct ftps_fs *fs;
	const char *path;
	enum { ASK_MDTM, ASK_SIZE } what;
	int64_t mtime;
	uint64_t size;
};

static ftps_err ask_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct ask_arg *a = arg;
	char remote[FTPS_MAX_PATH];

	if (a->what == ASK_MDTM && !ftps_conn_caps(c)->mdtm)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "no MDTM");
	if (ftps_fs_remote(a->fs, a->path, remote, sizeof(remote)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	return a->what == ASK_MDTM ? ftps_mdtm(c, remote, &a->mtime, st)
	                           : ftps_size(c, remote, &a->size, st);
}

int meta_coarse_time(const struct ftps_entry *e)
{
	return e->type == FTPS_FT_FILE && e->mtime_prec < FTPS_TP_SECOND;
}

void meta_set_exact(struct ftps_entry *e, int64_t mtime)
{
	e->mtime = mtime;
	e->mtime_nsec = 0;
	e->mtime_prec = FTPS_TP_SECOND;
}

int meta_child_path(const char *dir, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- exact times, a folder at a time ----
 *
 * "ls -l" of a folder listed with minutes only asks getattr of each file
 * in turn, and each would cost an MDTM round trip: 100 files at 20 ms,
 * two seconds. So the first file that needs one brings the MDTMs of every
 * file of its folder that needs one, pipelined (ftps_mdtm_many), into the
 * exact-time cache, and the others find their time there. One batch runs
 * per folder at a time (a second getattr of the folder waits for it); a
 * folder is not batched twice within MDTM_BATCH_AGAIN_S. (Times of files
 * changed in the last two minutes are held too, for the listings' cache
 * time only: mtcache.h.) */
#define MDTM_BATCH_MAX 512
#define MDTM_BATCH_AGAIN_S 5.0

struct mdtm_batch {
	struct ftps_fs *fs;
	const char *dir;
	size_t n;
	struct ftps_entry ent[MDTM_BATCH_MAX];   /* as listed */
	char *mpath[MDTM_BATCH_MAX];             /* in the mount */
	char *rpath[MDTM_BATCH_MAX];             /* on the server */
	int64_t mtime[MDTM_BATCH_MAX];
	int ok[MDTM_BATCH_MAX];
};

static int batch_collect(void *arg, const struct ftps_entry *e)
{
	struct mdtm_batch *b = arg;
	char path[FTPS_MAX_PATH], remote[FTPS_MAX_PATH];
	int64_t t;

	if (b->n >= MDTM_BATCH_MAX)
		return 1;
	if (!meta_coarse_time(e) || !ftps_mtcache_keyable(e))
		return 0;
	if (meta_child_path(b->dir, e->name, path, sizeof(path)) != 0 ||
	    ftps_mtcache_get(b->fs->mt, path, e, &t) ||
	    ftps_fs_remote(b->fs, path, remote, sizeof(remote)) != 0)
		return 0;
	b->ent[b->n] = *e;
	b->ent[b->n].link_target = NULL;    /* a file: none; not ours to free */
	b->mpath[b->n] = strdup(path);
	b->rpath[b->n] = strdup(remote);
	if (!b->mpath[b->n] || !b->rpath[b->n]) {
		free(b->mpath[b->n]);
		free(b->rpath[b->n]);
		return 1;
	}
	b->n++;
	return 0;
}

static ftps_err batch_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct mdtm_batch *b = arg;

	if (!ftps_conn_caps(c)->mdtm)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "no MDTM");
	return ftps_mdtm_many(c, b->n, (const char *const *)b->rpath, b->mtime, b->ok, st);
}

/* The files of dir's cached listing whose exact times are to be asked;
 * NULL when out of memory. */
static struct mdtm_batch *batch_new(struct ftps_fs *fs, const char *dir)
{
	struct mdtm_batch *b = calloc(1, sizeof(*b));

	if (b) {
		b->fs = fs;
		b->dir = dir;
		ftps_dircache_readdir(fs->dc, dir, ftps_dircache_clock(), batch_collect, b);
	}
	return b;
}

static void batch_free(struct mdtm_batch *b)
{
	for (size_t i = 0; b && i < b->n; i++) {
		free(b->mpath[i]);
		free(b->rpath[i]);
	}
	free(b);
}

ftps_err meta_mdtm_ahead(struct ftps_fs *fs, struct ftps_conn *c, const char *dir,
                         unsigned long changes, struct ftps_status *st)
{
	struct mdtm_batch *b;
	ftps_err err = FTPS_OK;
	int64_t now = time(NULL);

	if (!fs->mt || !ftps_conn_caps(c)->mdtm || now < fs->mdtm_pause_until ||
	    meta_ahead_stopping(fs))
		return FTPS_OK;
	if (!(b = batch_new(fs, dir)))
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	if (b->n > 0) {
		err = ftps_mdtm_many(c, b->n, (const char *const *)b->rpath, b->mtime, b->ok, st);
		ftps_debug("MDTM of %zu files in %s ahead%s%s", b->n, dir,
		           err == FTPS_OK ? "" : ": ", err == FTPS_OK ? "" : st->msg);
		for (size_t i = 0; i < b->n && fs->meta_changes == changes; i++)
			if (b->ok[i])
				ftps_mtcache_put(fs->mt, b->mpath[i], &b->ent[i], b->mtime[i], now,
			                 fs->set.dir_cache);
	}
	batch_free(b);
	return err;
}

/* The exact times of path's folder into the cache; 1 when path's is now
 * known (*mtime), 0 when it is to be asked alone. */
static int mdtm_folder(struct ftps_fs *fs, const char *path, const struct ftps_entry *listed,
                       int64_t *mtime)
{
	char dir[FTPS_MAX_PATH];
	const char *name;
	struct mdtm_batch *b;
	struct ftps_status st = { 0 };
	int64_t now = time(NULL);
	int found = 0;

	if (!fs->mt || ftps_path_split(path, dir, sizeof(dir), &name) != 0)
		return 0;
	pthread_mutex_lock(&fs->mdtm_mu);
	/* Another getattr of this folder is batching it: its answer will do
	 * (waited for as long as one batch may take: its retries end within
	 * twice the timeout). */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2 * (ftps_config_timeout_ms(fs->cfg) / 1000) + 1;
	while (strcmp(fs->mdtm_busy, dir) == 0 &&
	       pthread_cond_timedwait(&fs->mdtm_cv, &fs->mdtm_mu, &until) == 0)
		;
	if (ftps_mtcache_get(fs->mt, path, listed, mtime)) {
		pthread_mutex_unlock(&fs->mdtm_mu);
		return 1;
	}
	if (fs->mdtm_busy[0] ||
	    (strcmp(fs->mdtm_last, dir) == 0 &&
	     ftps_dircache_clock() - fs->mdtm_last_at < MDTM_BATCH_AGAIN_S)) {
		pthread_mutex_unlock(&fs->mdtm_mu);
		return 0;       /* another folder is being batched, or this one just was */
	}
	snprintf(fs->mdtm_busy, sizeof(fs->mdtm_busy), "%s", dir);
	pthread_mutex_unlock(&fs->mdtm_mu);

	b = batch_new(fs, dir);
	if (b && b->n >= 2) {
		ftps_err err = ftps_fs_with_conn(fs, batch_fn, b, 1, NULL, &st);
		if (err != FTPS_OK) {
			ftps_debug("MDTM of %zu files in %s: %s", b->n, dir, st.msg);
			/* As for one MDTM: a server down or hung would cost every
			 * getattr a timeout; the listing's times do for a while.
			 * Not when the batch taught that this server cannot take
			 * commands sent ahead: it answers one at a time. */
			if ((err == FTPS_E_TIMEOUT || err == FTPS_E_CONN || err == FTPS_E_REFUSED) &&
			    !ftps_server_knows(ftps_pool_server(fs->pool), FTPS_FACT_NO_PIPELINING))
				fs->mdtm_pause_until = time(NULL) + 30;
		} else
			ftps_debug("MDTM of %zu files in %s, pipelined", b->n, dir);
		for (size_t i = 0; i < b->n; i++) {
			if (!b->ok[i])
				continue;
			ftps_mtcache_put(fs->mt, b->mpath[i], &b->ent[i], b->mtime[i], now,
			                 fs->set.dir_cache);
			if (strcmp(b->mpath[i], path) == 0) {
				*mtime = b->mtime[i];
				found = 1;
			}
		}
	}
	batch_free(b);

	pthread_mutex_lock(&fs->mdtm_mu);
	fs->mdtm_busy[0] = '\0';
	snprintf(fs->mdtm_last, sizeof(fs->mdtm_last), "%s", dir);
	fs->mdtm_last_at = ftps_dircache_clock();
	pthread_cond_broadcast(&fs->mdtm_cv);
	pthread_mutex_unlock(&fs->mdtm_mu);
	return found;
}

void meta_refine_mtime(struct ftps_fs *fs, const char *path, struct ftps_entry *e)
{
	struct ask_arg a = { fs, path, ASK_MDTM, 0, 0 };
	struct ftps_status st = { 0 };

	ftps_err err;

	if (!meta_coarse_time(e))
		return;
	if (ftps_mtcache_get(fs->mt, path, e, &a.mtime)) {
		meta_set_exact(e, a.mtime);
		return;
	}
	if (time(NULL) < fs->mdtm_pause_until)
		return;
	/* Its folder being listed ahead brings its time too. */
	if (fs->ahead) {
		char dir[FTPS_MAX_PATH];
		const char *name;
		if (ftps_path_split(path, dir, sizeof(dir), &name) == 0 &&
		    meta_ahead_wait(fs, dir) && ftps_mtcache_get(fs->mt, path, e, &a.mtime)) {
			meta_set_exact(e, a.mtime);
			return;
		}
	}
	if (mdtm_folder(fs, path, e, &a.mtime)) {
		meta_set_exact(e, a.mtime);
		return;
	}
	if (time(NULL) < fs->mdtm_pause_until)
		return;     /* the folder's batch just found the server unable to answer */
	if ((err = ftps_fs_with_conn(fs, ask_fn, &a, 1, NULL, &st)) != FTPS_OK) {
		ftps_debug("MDTM %s: %s", path, st.msg);
		/* A server that is down or hung would cost every stat a whole
		 * timeout: keep the listing's time for a while instead. */
		if (err == FTPS_E_TIMEOUT || err == FTPS_E_CONN || err == FTPS_E_REFUSED)
			fs->mdtm_pause_until = time(NULL) + 30;
		return;
	}
	ftps_mtcache_put(fs->mt, path, e, a.mtime, time(NULL), fs->set.dir_cache);
	meta_set_exact(e, a.mtime);
}

/* A listing may show a file without its size (an MLSD entry without the
 * size fact): the kernel would take it for empty and read nothing. SIZE
 * tells, once: the answer is kept in the cache with the entry. */
void meta_refine_size(struct ftps_fs *fs, const char *path, struct ftps_entry *e)
{
	struct ask_arg a = { fs, path, ASK_SIZE, 0, 0 };
	struct ftps_status st = { 0 };

	if (e->type != FTPS_FT_FILE || e->has_size)
		return;
	if (ftps_fs_with_conn(fs, ask_fn, &a, 1, NULL, &st) != FTPS_OK) {
		ftps_debug("SIZE %s: %s", path, st.msg);
		return;
	}
	e->has_size = 1;
	e->size = a.size;
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
}

/* A copy of dir's entry e with its exact time, when the cache has it. The
 * copy shares e's link target (none: it is a file). */
int meta_known_exact(struct ftps_fs *fs, const char *dir, const struct ftps_entry *e,
                       struct ftps_entry *out)
{
	char path[FTPS_MAX_PATH];
	int64_t t;

	if (!fs->mt || meta_child_path(dir, e->name, path, sizeof(path)) != 0 ||
	    !ftps_mtcache_get(fs->mt, path, e, &t))
		return 0;
	*out = *e;
	meta_set_exact(out, t);
	return 1;
}
