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

#include "meta_int.h"
#include "path.h"

void ftps_meta_stat(const struct ftps_fs *fs, const struct ftps_entry *e, struct stat *sb)
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
	perm &= ~fs->set.umask;
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
	/* The I/O size tools pick (cp, cat, dd's default is theirs): as big
	 * as one FUSE write may be (max_write), so a 1 GiB copy is 1,024
	 * requests through the kernel instead of 8,192; that took about a
	 * seventh off the daemon's CPU time for a loopback write. */
	sb->st_blksize = 1048576;
	sb->st_uid = fs->uid;
	sb->st_gid = fs->gid;
	if (e->mtime_prec != FTPS_TP_NONE) {
		sb->st_mtim.tv_sec = (time_t)e->mtime;
		sb->st_mtim.tv_nsec = e->mtime_nsec;
	}
	sb->st_atim = sb->st_mtim;
	sb->st_ctim = sb->st_mtim;
}

static void root_entry(struct ftps_fs *fs, struct ftps_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->type = FTPS_FT_DIR;
	e->name[0] = '/';
	e->mtime = fs->root_mtime;
	e->mtime_prec = FTPS_TP_SECOND;
}

/* ---- listings ---- */

struct fetch {
	struct ftps_fs *fs;
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

ftps_err ftps_meta_list_into(struct ftps_conn *c, const char *remote, struct ftps_dc_listing *l,
                             struct ftps_status *st)
{
	ftps_err e = ftps_list(c, remote, ftps_dc_listing_add_cb, l, st);

	return e == FTPS_OK ? add_link_targets(c, remote, l, st) : e;
}

static ftps_err list_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct fetch *f = arg;
	char remote[FTPS_MAX_PATH];

	if (ftps_fs_remote(f->fs, f->dir, remote, sizeof(remote)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	if (f->l)
		ftps_dc_listing_free(f->l);
	f->l = ftps_dc_listing_new();
	if (!f->l)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	return ftps_meta_list_into(c, remote, f->l, st);
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
static int fetch_listing(struct ftps_fs *fs, struct fetch *f)
{
	struct ftps_status st = { 0 };
	double fetched = ftps_dircache_clock();
	ftps_err e = ftps_fs_with_conn(fs, list_fn, f, 1, NULL, &st);

	if (e != FTPS_OK) {
		ftps_dc_listing_free(f->l);
		f->l = NULL;
		return ftps_err_report(e, &st, "list", f->dir);
	}
	ftps_dircache_put_listing(fs->dc, f->dir, f->l, fetched, fetch_cb, f);
	f->l = NULL;
	return 0;
}

static enum ftps_dc_result cached(struct ftps_fs *fs, const char *path, struct ftps_entry *e)
{
	return ftps_dircache_lookup(fs->dc, path, ftps_dircache_clock(), e);
}

int ftps_meta_lookup(struct ftps_fs *fs, const char *path, struct ftps_entry *e)
{
	char parent[FTPS_MAX_PATH];
	const char *name = NULL;
	struct fetch f;
	enum ftps_dc_result r;
	int rc;

	if (strcmp(path, "/") == 0) {
		root_entry(fs, e);
		return 0;
	}
	r = cached(fs, path, e);
	if (r == FTPS_DC_MISS && ftps_path_split(path, parent, sizeof(parent), &name) != 0)
		return -EINVAL;
	/* Its folder being listed ahead: that listing will do. */
	if (r == FTPS_DC_MISS && meta_ahead_wait(fs, parent))
		r = cached(fs, path, e);
	if (r == FTPS_DC_HIT)
		return 0;
	if (r == FTPS_DC_NEGATIVE)
		return -ENOENT;
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

void ftps_meta_touch_parent(struct ftps_fs *fs, const char *path)
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
long ftps_meta_count(struct ftps_fs *fs, const char *path)
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

/* What the cache shows at path, with no round trip: its type, and its size
 * when the listing had one (*has_size); -1 when the cache has no entry. */
static int cached_type(struct ftps_fs *fs, const char *path, uint64_t *size, int *has_size)
{
	struct ftps_entry e;
	int type;

	if (ftps_dircache_lookup(fs->dc, path, ftps_dircache_clock(), &e) != FTPS_DC_HIT)
		return -1;
	type = (int)e.type;
	*has_size = e.has_size;
	*size = e.size;
	ftps_entry_clear(&e);
	return type;
}

int ftps_meta_known_file(struct ftps_fs *fs, const char *path)
{
	uint64_t size;
	int has_size, type = cached_type(fs, path, &size, &has_size);

	return type >= 0 && type != FTPS_FT_DIR;
}

int ftps_meta_known_folder(struct ftps_fs *fs, const char *path)
{
	uint64_t size;
	int has_size;

	return cached_type(fs, path, &size, &has_size) == FTPS_FT_DIR;
}

int ftps_meta_cached_size(struct ftps_fs *fs, const char *path, uint64_t *size)
{
	uint64_t n;
	int has_size;

	if (cached_type(fs, path, &n, &has_size) != FTPS_FT_FILE || !has_size)
		return 0;
	*size = n;
	return 1;
}

void ftps_meta_set(struct ftps_fs *fs, const char *path, int set_mode, unsigned mode,
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
		meta_set_exact(&e, mtime);
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
	struct ftps_fs *fs;
	const char *dir;        /* path in the mount */
	ftps_dirent_cb cb;
	void *arg;
	char **sub;             /* its subfolders' names, for listing ahead */
	size_t nsub, subcap;
	int sub_nomem;
};

static int fill_cb(void *arg, const struct ftps_entry *e)
{
	struct fill *fl = arg;
	struct ftps_entry exact;
	struct stat sb;
	/* No attributes for a file with a coarse time or no size: the
	 * kernel asks getattr, which finds them out, when it needs them. */
	int coarse = meta_coarse_time(e), nosize = e->type == FTPS_FT_FILE && !e->has_size;

	/* A file with a coarse time: its exact time when already known,
	 * else no attributes, and the kernel asks getattr, which fetches
	 * the exact time, when someone wants them. (Called with the
	 * directory cache locked: the exact-time cache has its own lock and
	 * never calls back.) */
	if (coarse && meta_known_exact(fl->fs, fl->dir, e, &exact)) {
		e = &exact;
		coarse = 0;
	}
	ftps_meta_stat(fl->fs, e, &sb);
	return fl->cb(fl->arg, e->name, &sb, !(coarse || nosize));
}

/* The subfolders a listing shows, for listing them ahead (bounded). */
#define AHEAD_PER_FOLDER 256

static int fill_ahead_cb(void *arg, const struct ftps_entry *e)
{
	struct fill *fl = arg;

	if (e->type == FTPS_FT_DIR && !fl->sub_nomem && fl->nsub < AHEAD_PER_FOLDER) {
		char *name = strdup(e->name);
		if (fl->nsub == fl->subcap) {
			size_t cap = fl->subcap ? fl->subcap * 2 : 16;
			char **p = realloc(fl->sub, cap * sizeof(*p));
			if (!p) {
				free(name);
				name = NULL;
			} else {
				fl->sub = p;
				fl->subcap = cap;
			}
		}
		if (name)
			fl->sub[fl->nsub++] = name;
		else
			fl->sub_nomem = 1;
	}
	return fill_cb(arg, e);
}

int ftps_meta_readdir(struct ftps_fs *fs, const char *dir, ftps_dirent_cb cb, void *arg)
{
	struct fill fl = { fs, dir, cb, arg, NULL, 0, 0, 0 };
	ftps_dc_entry_cb each = fs->ahead ? fill_ahead_cb : fill_cb;
	struct fetch f;
	int rc = 0;

	if (ftps_dircache_readdir(fs->dc, dir, ftps_dircache_clock(), each, &fl) != FTPS_DC_HIT &&
	    !(meta_ahead_wait(fs, dir) &&
	      ftps_dircache_readdir(fs->dc, dir, ftps_dircache_clock(), each, &fl) == FTPS_DC_HIT)) {
		memset(&f, 0, sizeof(f));
		f.fs = fs;
		f.dir = dir;
		f.cb = each;
		f.cb_arg = &fl;
		rc = fetch_listing(fs, &f);
	}
	if (rc == 0)
		meta_ahead_queue(fs, dir, fl.sub, fl.nsub);
	for (size_t i = 0; i < fl.nsub; i++)
		free(fl.sub[i]);
	free(fl.sub);
	return rc;
}

int ftps_meta_getattr(struct ftps_fs *fs, const char *path, struct ftps_entry *e)
{
	int rc = ftps_meta_lookup(fs, path, e);

	if (rc == 0) {
		meta_refine_size(fs, path, e);
		meta_refine_mtime(fs, path, e);
	}
	return rc;
}

/* ---- what our own operations learnt: the only writers of the caches ---- */

double ftps_meta_clock(void)
{
	return ftps_dircache_clock();
}

void ftps_meta_learnt(struct ftps_fs *fs, const char *path, const struct ftps_entry *e)
{
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
}

void ftps_meta_uploaded(struct ftps_fs *fs, const char *path, const struct ftps_entry *e,
                        int mtime_exact)
{
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
	ftps_meta_touch_parent(fs, path);
	/* Once a listing shows the file to the minute only, its exact time
	 * is still known: no MDTM for what we wrote (rsync, cp -p). */
	if (mtime_exact)
		ftps_mtcache_seed(fs->mt, path, e->size, e->mtime);
	else
		ftps_mtcache_remove(fs->mt, path, 0);
}

void ftps_meta_new_folder(struct ftps_fs *fs, const char *path, const struct ftps_entry *e,
                          double before)
{
	/* A folder we just made is empty: its listing costs no round trip
	 * (cp -r, tar and rsync fill many new folders). */
	struct ftps_dc_listing *empty = ftps_dc_listing_new();

	if (empty)
		ftps_dircache_put_listing(fs->dc, path, empty, before, NULL, NULL);
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
	ftps_meta_touch_parent(fs, path);
}

void ftps_meta_removed(struct ftps_fs *fs, const char *path, int folder)
{
	fs->meta_changes++;
	ftps_dircache_remove(fs->dc, path, ftps_dircache_clock());
	ftps_mtcache_remove(fs->mt, path, folder);
	ftps_meta_touch_parent(fs, path);
}

void ftps_meta_renamed(struct ftps_fs *fs, const char *from, const char *to, int file)
{
	fs->meta_changes++;
	ftps_dircache_rename(fs->dc, from, to, ftps_dircache_clock());
	ftps_mtcache_rename(fs->mt, from, to, !file);
	ftps_meta_touch_parent(fs, from);
	ftps_meta_touch_parent(fs, to);
}

void ftps_meta_unknown(struct ftps_fs *fs, const char *path)
{
	fs->meta_changes++;
	ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
	ftps_mtcache_remove(fs->mt, path, 0);
}

/* vsftpd answers LIST of a path that does not exist with an empty listing:
 * only CWD tells that the root is a folder. Every path sent is absolute,
 * so the connection's working folder does not matter afterwards. */
static ftps_err check_root(struct ftps_conn *c, const char *root, struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	if (strcmp(root, "/") == 0)
		return FTPS_OK;
	if ((e = ftps_command(c, &r, st, "CWD %s", root)) != FTPS_OK)
		return e;
	if (r->code / 100 != 2)
		return ftps_fail(st, FTPS_E_NOENT, r->code, "%.*s", (int)strcspn(r->text, "\n"),
		                 r->text);
	return FTPS_OK;
}

ftps_err ftps_meta_list_root(struct ftps_fs *fs, struct ftps_conn *c, struct ftps_status *st)
{
	double fetched = ftps_dircache_clock();
	struct ftps_dc_listing *l = ftps_dc_listing_new();
	ftps_err err;

	if (!l)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	if ((err = check_root(c, fs->root, st)) != FTPS_OK ||
	    (err = ftps_meta_list_into(c, fs->root, l, st)) != FTPS_OK) {
		ftps_dc_listing_free(l);
		return err;
	}
	ftps_dircache_put_listing(fs->dc, "/", l, fetched, NULL, NULL);
	return FTPS_OK;
}
