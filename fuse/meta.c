/* meta.c - the metadata layer (see meta.h): listings and attributes from
 * the directory cache and the exact-time cache, which nothing else in the
 * daemon touches.
 *
 * Attributes come from the directory cache; a miss lists the parent folder
 * once, which fills the attributes of every entry in it, so "ls -l" or
 * "find" costs one listing per folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "meta.h"
#include "path.h"

void ftpsfs_entry_stat(const struct ftpsfs *fs, const struct ftps_entry *e, struct stat *sb)
{
	mode_t perm;

	memset(sb, 0, sizeof(*sb));
	if (e->has_mode) {
		perm = e->mode & 07777;
	} else if (e->has_perm && e->type != FTPS_FT_LINK) {
		/* RFC 3659 perm facts: r/w for files, e/l and c/m for folders. */
		perm = 0;
		if (e->type == FTPS_FT_DIR) {
			if (strpbrk(e->perm, "elEL"))
				perm |= 0555;
			if (strpbrk(e->perm, "cmCMpP"))
				perm |= 0200;
		} else {
			if (strpbrk(e->perm, "rR"))
				perm |= 0444;
			if (strpbrk(e->perm, "wWaA"))
				perm |= 0200;
		}
	} else {
		perm = e->type == FTPS_FT_DIR ? 0755 : e->type == FTPS_FT_LINK ? 0777 : 0644;
	}
	perm &= ~fs->opts->umask;
	switch (e->type) {
	case FTPS_FT_DIR:
		sb->st_mode = S_IFDIR | perm;
		sb->st_nlink = 1;   /* unknown: keeps find from guessing leaves */
		break;
	case FTPS_FT_LINK:
		sb->st_mode = S_IFLNK | 0777;
		sb->st_nlink = 1;
		break;
	default:
		sb->st_mode = S_IFREG | perm;
		sb->st_nlink = 1;
		break;
	}
	if (e->type == FTPS_FT_LINK && e->link_target)
		sb->st_size = (off_t)strlen(e->link_target);
	else if (e->has_size && e->size <= (uint64_t)INT64_MAX)
		sb->st_size = (off_t)e->size;
	sb->st_blocks = (sb->st_size + 511) / 512;
	sb->st_blksize = 131072;
	sb->st_uid = fs->uid;
	sb->st_gid = fs->gid;
	if (e->mtime_prec != FTPS_TP_NONE) {
		sb->st_mtim.tv_sec = (time_t)e->mtime;
		sb->st_mtim.tv_nsec = e->mtime_nsec;
	}
	sb->st_atim = sb->st_mtim;
	sb->st_ctim = sb->st_mtim;
}

static void root_entry(struct ftpsfs *fs, struct ftps_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->type = FTPS_FT_DIR;
	e->name[0] = '/';
	e->mtime = fs->root_mtime;
	e->mtime_prec = FTPS_TP_SECOND;
}

/* ---- listings ---- */

struct fetch {
	struct ftpsfs *fs;
	const char *dir;        /* path in the mount */
	struct ftps_dc_listing *l;
	const char *want;       /* name to capture, or NULL */
	struct ftps_entry *found;
	int have;
	ftps_dc_entry_cb cb;    /* readdir's filler, or NULL */
	void *cb_arg;
};

/* MLSD says that an entry is a symlink but not where it points (ProFTPD,
 * pure-ftpd). When a listing has such links, the folder's LIST, which
 * shows "name -> target", fills the targets in before the listing is
 * cached, so they live exactly as long as the listing: readlink, ls -l
 * and reading through the links need no further round trip. */
struct link_fix {
	struct ftps_entry **need;   /* copies of the target-less links, by name */
	size_t n, cap;
	int nomem;
};

static int need_cmp(const void *a, const void *b)
{
	return strcmp((*(struct ftps_entry *const *)a)->name,
	              (*(struct ftps_entry *const *)b)->name);
}

static int collect_link_cb(void *arg, const struct ftps_entry *e)
{
	struct link_fix *lf = arg;
	struct ftps_entry *copy;

	if (e->type != FTPS_FT_LINK || e->link_target)
		return 0;
	if (lf->n == lf->cap) {
		size_t cap = lf->cap ? lf->cap * 2 : 16;
		struct ftps_entry **p = realloc(lf->need, cap * sizeof(*p));
		if (!p) {
			lf->nomem = 1;
			return 1;
		}
		lf->need = p;
		lf->cap = cap;
	}
	if (!(copy = malloc(sizeof(*copy)))) {
		lf->nomem = 1;
		return 1;
	}
	*copy = *e;
	copy->link_target = NULL;
	lf->need[lf->n++] = copy;
	return 0;
}

static int list_target_cb(void *arg, struct ftps_entry *e)
{
	struct link_fix *lf = arg;
	struct ftps_entry key, *kp = &key, **hit;

	if (e->type != FTPS_FT_LINK || !e->link_target)
		return 0;
	memcpy(key.name, e->name, sizeof(key.name));
	hit = bsearch(&kp, lf->need, lf->n, sizeof(*lf->need), need_cmp);
	if (hit && !(*hit)->link_target) {
		(*hit)->link_target = e->link_target;   /* taken over */
		e->link_target = NULL;
	}
	return 0;
}

static ftps_err add_link_targets(struct ftps_conn *c, const char *remote,
                                 struct ftps_dc_listing *l, struct ftps_status *st)
{
	struct link_fix lf = { NULL, 0, 0, 0 };
	ftps_err e = FTPS_OK;

	ftps_dc_listing_foreach(l, collect_link_cb, &lf);
	if (lf.nomem)
		e = ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	else if (lf.n > 0) {
		qsort(lf.need, lf.n, sizeof(*lf.need), need_cmp);
		e = ftps_list_unix(c, remote, list_target_cb, &lf, st);
		/* A server that refuses LIST still has a usable listing: its
		 * links only stay without targets. */
		if (e != FTPS_OK && e != FTPS_E_CONN && ftps_conn_usable(c)) {
			ftps_debug("LIST %s for symlink targets: %s", remote, st->msg);
			e = FTPS_OK;
		}
	}
	for (size_t i = 0; i < lf.n; i++) {
		if (e == FTPS_OK && lf.need[i]->link_target &&
		    ftps_dc_listing_add(l, lf.need[i]) != 0)
			e = ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
		ftps_entry_clear(lf.need[i]);
		free(lf.need[i]);
	}
	free(lf.need);
	return e;
}

ftps_err ftpsfs_list_into(struct ftps_conn *c, const char *remote, struct ftps_dc_listing *l,
                          struct ftps_status *st)
{
	ftps_err e = ftps_list(c, remote, ftps_dc_listing_add_cb, l, st);

	return e == FTPS_OK ? add_link_targets(c, remote, l, st) : e;
}

static ftps_err list_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct fetch *f = arg;
	char remote[FTPS_MAX_PATH];

	if (ftpsfs_remote(f->fs, f->dir, remote, sizeof(remote)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	if (f->l)
		ftps_dc_listing_free(f->l);
	f->l = ftps_dc_listing_new();
	if (!f->l)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	return ftpsfs_list_into(c, remote, f->l, st);
}

static int fetch_cb(void *arg, const struct ftps_entry *e)
{
	struct fetch *f = arg;

	if (f->want && !f->have && strcmp(e->name, f->want) == 0) {
		*f->found = *e;
		f->found->link_target = e->link_target ? strdup(e->link_target) : NULL;
		f->have = 1;
	}
	return f->cb ? f->cb(f->cb_arg, e) : 0;
}

/* List dir from the server into the cache; the callback sees every entry. */
static int fetch_listing(struct ftpsfs *fs, struct fetch *f)
{
	struct ftps_status st = { 0 };
	double fetched = ftps_dircache_clock();
	ftps_err e = ftpsfs_with_conn(fs, list_fn, f, 1, &st);

	if (e != FTPS_OK) {
		ftps_dc_listing_free(f->l);
		f->l = NULL;
		return ftpsfs_errno(e, &st, "list", f->dir);
	}
	ftps_dircache_put_listing(fs->dc, f->dir, f->l, fetched, fetch_cb, f);
	f->l = NULL;
	return 0;
}

int ftpsfs_lookup(struct ftpsfs *fs, const char *path, struct ftps_entry *e)
{
	char parent[FTPS_MAX_PATH];
	const char *name;
	struct fetch f;
	int rc;

	if (strcmp(path, "/") == 0) {
		root_entry(fs, e);
		return 0;
	}
	switch (ftps_dircache_lookup(fs->dc, path, ftps_dircache_clock(), e)) {
	case FTPS_DC_HIT:
		return 0;
	case FTPS_DC_NEGATIVE:
		return -ENOENT;
	case FTPS_DC_MISS:
		break;
	}
	if (ftps_path_split(path, parent, sizeof(parent), &name) != 0)
		return -EINVAL;
	memset(&f, 0, sizeof(f));
	f.fs = fs;
	f.dir = parent;
	f.want = name;
	f.found = e;
	rc = fetch_listing(fs, &f);
	if (rc < 0)
		return rc;
	return f.have ? 0 : -ENOENT;
}

/* ---- operations ---- */

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
	struct ftpsfs *fs;
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
	if (ftpsfs_remote(a->fs, a->path, remote, sizeof(remote)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	return a->what == ASK_MDTM ? ftps_mdtm(c, remote, &a->mtime, st)
	                           : ftps_size(c, remote, &a->size, st);
}

static int coarse_time(const struct ftps_entry *e)
{
	return e->type == FTPS_FT_FILE && e->mtime_prec < FTPS_TP_SECOND;
}

static void set_exact(struct ftps_entry *e, int64_t mtime)
{
	e->mtime = mtime;
	e->mtime_nsec = 0;
	e->mtime_prec = FTPS_TP_SECOND;
}

/* ---- exact times, a folder at a time ----
 *
 * "ls -l" of a folder listed with minutes only asks getattr of each file
 * in turn, and each would cost an MDTM round trip: 100 files at 20 ms,
 * two seconds. So the first file that needs one brings the MDTMs of every
 * file of its folder that needs one, pipelined (ftps_mdtm_many), into the
 * exact-time cache, and the others find their time there. One batch runs
 * per folder at a time (a second getattr of the folder waits for it); a
 * folder is not batched twice within MDTM_BATCH_AGAIN_S (files too recent
 * for the cache to keep are then asked one by one). */
#define MDTM_BATCH_MAX 512
#define MDTM_BATCH_AGAIN_S 5.0

struct mdtm_batch {
	struct ftpsfs *fs;
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
	int n;

	if (b->n >= MDTM_BATCH_MAX)
		return 1;
	if (!coarse_time(e) || !ftps_mtcache_keyable(e))
		return 0;
	n = snprintf(path, sizeof(path), "%s/%s", strcmp(b->dir, "/") == 0 ? "" : b->dir, e->name);
	if (n < 0 || (size_t)n >= sizeof(path) || ftps_mtcache_get(b->fs->mt, path, e, &t) ||
	    ftpsfs_remote(b->fs, path, remote, sizeof(remote)) != 0)
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

/* The exact times of path's folder into the cache; 1 when path's is now
 * known (*mtime), 0 when it is to be asked alone. */
static int mdtm_folder(struct ftpsfs *fs, const char *path, const struct ftps_entry *listed,
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
	/* Another getattr of this folder is batching it: its answer will do. */
	for (int i = 0; i < 1000 && strcmp(fs->mdtm_busy, dir) == 0; i++)
		pthread_cond_wait(&fs->mdtm_cv, &fs->mdtm_mu);
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

	b = calloc(1, sizeof(*b));
	if (b) {
		b->fs = fs;
		b->dir = dir;
		ftps_dircache_readdir(fs->dc, dir, ftps_dircache_clock(), batch_collect, b);
	}
	if (b && b->n >= 2) {
		if (ftpsfs_with_conn(fs, batch_fn, b, 1, &st) != FTPS_OK)
			ftps_debug("MDTM of %zu files in %s: %s", b->n, dir, st.msg);
		else
			ftps_debug("MDTM of %zu files in %s, pipelined", b->n, dir);
		for (size_t i = 0; i < b->n; i++) {
			if (!b->ok[i])
				continue;
			ftps_mtcache_put(fs->mt, b->mpath[i], &b->ent[i], b->mtime[i], now);
			if (strcmp(b->mpath[i], path) == 0) {
				*mtime = b->mtime[i];
				found = 1;
			}
		}
	}
	for (size_t i = 0; b && i < b->n; i++) {
		free(b->mpath[i]);
		free(b->rpath[i]);
	}
	free(b);

	pthread_mutex_lock(&fs->mdtm_mu);
	fs->mdtm_busy[0] = '\0';
	snprintf(fs->mdtm_last, sizeof(fs->mdtm_last), "%s", dir);
	fs->mdtm_last_at = ftps_dircache_clock();
	pthread_cond_broadcast(&fs->mdtm_cv);
	pthread_mutex_unlock(&fs->mdtm_mu);
	return found;
}

static void refine_mtime(struct ftpsfs *fs, const char *path, struct ftps_entry *e)
{
	struct ask_arg a = { fs, path, ASK_MDTM, 0, 0 };
	struct ftps_status st = { 0 };

	ftps_err err;

	if (!coarse_time(e))
		return;
	if (ftps_mtcache_get(fs->mt, path, e, &a.mtime)) {
		set_exact(e, a.mtime);
		return;
	}
	if (time(NULL) < fs->mdtm_pause_until)
		return;
	if (mdtm_folder(fs, path, e, &a.mtime)) {
		set_exact(e, a.mtime);
		return;
	}
	if ((err = ftpsfs_with_conn(fs, ask_fn, &a, 1, &st)) != FTPS_OK) {
		ftps_debug("MDTM %s: %s", path, st.msg);
		/* A server that is down or hung would cost every stat a whole
		 * timeout: keep the listing's time for a while instead. */
		if (err == FTPS_E_TIMEOUT || err == FTPS_E_CONN || err == FTPS_E_REFUSED)
			fs->mdtm_pause_until = time(NULL) + 30;
		return;
	}
	ftps_mtcache_put(fs->mt, path, e, a.mtime, time(NULL));
	set_exact(e, a.mtime);
}

/* A listing may show a file without its size (an MLSD entry without the
 * size fact): the kernel would take it for empty and read nothing. SIZE
 * tells, once: the answer is kept in the cache with the entry. */
static void refine_size(struct ftpsfs *fs, const char *path, struct ftps_entry *e)
{
	struct ask_arg a = { fs, path, ASK_SIZE, 0, 0 };
	struct ftps_status st = { 0 };

	if (e->type != FTPS_FT_FILE || e->has_size)
		return;
	if (ftpsfs_with_conn(fs, ask_fn, &a, 1, &st) != FTPS_OK) {
		ftps_debug("SIZE %s: %s", path, st.msg);
		return;
	}
	e->has_size = 1;
	e->size = a.size;
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
}

/* A copy of dir's entry e with its exact time, when the cache has it. The
 * copy shares e's link target (none: it is a file). */
static int known_exact(struct ftpsfs *fs, const char *dir, const struct ftps_entry *e,
                       struct ftps_entry *out)
{
	char path[FTPS_MAX_PATH];
	int64_t t;
	int n = snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, e->name);

	if (!fs->mt || n < 0 || (size_t)n >= sizeof(path) || !ftps_mtcache_get(fs->mt, path, e, &t))
		return 0;
	*out = *e;
	set_exact(out, t);
	return 1;
}

void ftpsfs_touch_parent(struct ftpsfs *fs, const char *path)
{
	char parent[FTPS_MAX_PATH];
	const char *name;
	struct ftps_entry e;
	double now = ftps_dircache_clock();

	if (ftps_path_split(path, parent, sizeof(parent), &name) != 0)
		return;
	if (strcmp(parent, "/") == 0) {
		fs->root_mtime = time(NULL);
		return;
	}
	if (ftps_dircache_lookup(fs->dc, parent, now, &e) != FTPS_DC_HIT)
		return;
	if (e.type == FTPS_FT_DIR) {
		e.mtime = time(NULL);
		e.mtime_nsec = 0;
		e.mtime_prec = FTPS_TP_SECOND;
		ftps_dircache_upsert(fs->dc, parent, &e, now);
	}
	ftps_entry_clear(&e);
}

static int count_cb(void *arg, const struct ftps_entry *e)
{
	(void)e;
	(*(unsigned *)arg)++;
	return 0;
}

/* A folder's entries, listed now: -1 when that fails. */
long ftpsfs_meta_count(struct ftpsfs *fs, const char *path)
{
	struct fetch f;
	unsigned n = 0;

	ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
	memset(&f, 0, sizeof(f));
	f.fs = fs;
	f.dir = path;
	f.cb = count_cb;
	f.cb_arg = &n;
	return fetch_listing(fs, &f) == 0 ? (long)n : -1;
}

int ftpsfs_meta_known_file(struct ftpsfs *fs, const char *path)
{
	struct ftps_entry e;
	int file;

	if (ftps_dircache_lookup(fs->dc, path, ftps_dircache_clock(), &e) != FTPS_DC_HIT)
		return 0;
	file = e.type != FTPS_FT_DIR;
	ftps_entry_clear(&e);
	return file;
}

void ftpsfs_meta_set(struct ftpsfs *fs, const char *path, int set_mode, unsigned mode,
                     int set_mtime, int64_t mtime)
{
	struct ftps_entry e;

	if (set_mtime)
		ftps_mtcache_remove(fs->mt, path, 0);
	if (ftps_dircache_lookup(fs->dc, path, ftps_dircache_clock(), &e) != FTPS_DC_HIT)
		return;
	if (set_mode) {
		e.has_mode = 1;
		e.mode = mode & 07777;
	}
	if (set_mtime) {
		set_exact(&e, mtime);
		/* the server's time is ours now: no MDTM needed once the
		 * listing shows it coarsely */
		if (e.type == FTPS_FT_FILE && e.has_size)
			ftps_mtcache_seed(fs->mt, path, e.size, mtime);
	}
	ftps_dircache_upsert(fs->dc, path, &e, ftps_dircache_clock());
	ftps_entry_clear(&e);
}

/* readdir: each entry as a stat, to the caller's callback. */
struct fill {
	struct ftpsfs *fs;
	const char *dir;        /* path in the mount */
	ftpsfs_dirent_cb cb;
	void *arg;
};

static int fill_cb(void *arg, const struct ftps_entry *e)
{
	struct fill *fl = arg;
	struct ftps_entry exact;
	struct stat sb;
	/* No attributes for a file with a coarse time or no size: the
	 * kernel asks getattr, which finds them out, when it needs them. */
	int coarse = coarse_time(e), nosize = e->type == FTPS_FT_FILE && !e->has_size;

	/* A file with a coarse time: its exact time when already known,
	 * else no attributes, and the kernel asks getattr, which fetches
	 * the exact time, when someone wants them. (Called with the
	 * directory cache locked: the exact-time cache has its own lock and
	 * never calls back.) */
	if (coarse && known_exact(fl->fs, fl->dir, e, &exact)) {
		e = &exact;
		coarse = 0;
	}
	ftpsfs_entry_stat(fl->fs, e, &sb);
	return fl->cb(fl->arg, e->name, &sb, !(coarse || nosize));
}

int ftpsfs_meta_readdir(struct ftpsfs *fs, const char *dir, ftpsfs_dirent_cb cb, void *arg)
{
	struct fill fl = { fs, dir, cb, arg };
	struct fetch f;

	if (ftps_dircache_readdir(fs->dc, dir, ftps_dircache_clock(), fill_cb, &fl) == FTPS_DC_HIT)
		return 0;
	memset(&f, 0, sizeof(f));
	f.fs = fs;
	f.dir = dir;
	f.cb = fill_cb;
	f.cb_arg = &fl;
	return fetch_listing(fs, &f);
}

int ftpsfs_meta_getattr(struct ftpsfs *fs, const char *path, struct ftps_entry *e)
{
	int rc = ftpsfs_lookup(fs, path, e);

	if (rc == 0) {
		refine_size(fs, path, e);
		refine_mtime(fs, path, e);
	}
	return rc;
}

/* ---- what our own operations learnt: the only writers of the caches ---- */

double ftpsfs_meta_clock(void)
{
	return ftps_dircache_clock();
}

void ftpsfs_meta_learnt(struct ftpsfs *fs, const char *path, const struct ftps_entry *e)
{
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
}

void ftpsfs_meta_uploaded(struct ftpsfs *fs, const char *path, const struct ftps_entry *e,
                          int mtime_exact)
{
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
	ftpsfs_touch_parent(fs, path);
	/* Once a listing shows the file to the minute only, its exact time
	 * is still known: no MDTM for what we wrote (rsync, cp -p). */
	if (mtime_exact)
		ftps_mtcache_seed(fs->mt, path, e->size, e->mtime);
	else
		ftps_mtcache_remove(fs->mt, path, 0);
}

void ftpsfs_meta_new_folder(struct ftpsfs *fs, const char *path, const struct ftps_entry *e,
                            double before)
{
	/* A folder we just made is empty: its listing costs no round trip
	 * (cp -r, tar and rsync fill many new folders). */
	struct ftps_dc_listing *empty = ftps_dc_listing_new();

	if (empty)
		ftps_dircache_put_listing(fs->dc, path, empty, before, NULL, NULL);
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
	ftpsfs_touch_parent(fs, path);
}

void ftpsfs_meta_removed(struct ftpsfs *fs, const char *path, int folder)
{
	ftps_dircache_remove(fs->dc, path, ftps_dircache_clock());
	ftps_mtcache_remove(fs->mt, path, folder);
	ftpsfs_touch_parent(fs, path);
}

void ftpsfs_meta_renamed(struct ftpsfs *fs, const char *from, const char *to, int file)
{
	ftps_dircache_rename(fs->dc, from, to, ftps_dircache_clock());
	ftps_mtcache_rename(fs->mt, from, to, !file);
	ftpsfs_touch_parent(fs, from);
	ftpsfs_touch_parent(fs, to);
}

void ftpsfs_meta_unknown(struct ftpsfs *fs, const char *path)
{
	ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
	ftps_mtcache_remove(fs->mt, path, 0);
}

ftps_err ftpsfs_meta_list_root(struct ftpsfs *fs, struct ftps_conn *c, struct ftps_status *st)
{
	double fetched = ftps_dircache_clock();
	struct ftps_dc_listing *l = ftps_dc_listing_new();
	ftps_err err;

	if (!l)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	if ((err = ftpsfs_list_into(c, fs->root, l, st)) != FTPS_OK) {
		ftps_dc_listing_free(l);
		return err;
	}
	ftps_dircache_put_listing(fs->dc, "/", l, fetched, NULL, NULL);
	return FTPS_OK;
}
