/* fs.c - the FUSE operations.
 *
 * Each operation checks out a pooled connection, calls one core function,
 * puts the connection back with the result (the pool decides whether the
 * connection can be reused) and returns -errno. Attributes come from the
 * directory cache; a miss lists the parent folder once, which fills the
 * attributes of every entry in it, so "ls -l" or "find" costs one listing
 * per folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "fs.h"
#include "file.h"
#include "reader.h"
#include "upload.h"
#include "path.h"

static struct ftpsfs *get_fs(void)
{
	return fuse_get_context()->private_data;
}

int ftpsfs_errno(ftps_err e, const struct ftps_status *st, const char *op, const char *path)
{
	/* Once mounted, a refused connection means the server went away: to a
	 * program that is an I/O error of this filesystem, like a dropped
	 * connection, not a socket's "Connection refused". */
	int err = e == FTPS_E_REFUSED ? EIO : ftps_err_errno(e);

	if (e == FTPS_E_NOENT || e == FTPS_E_EXIST || e == FTPS_E_NOTEMPTY)
		ftps_debug("%s %s: %s", op, path, st && st->msg[0] ? st->msg : ftps_strerror(e));
	else
		ftps_warn("%s %s: %s", op, path, st && st->msg[0] ? st->msg : ftps_strerror(e));
	return -err;
}

int ftpsfs_remote(const struct ftpsfs *fs, const char *path, char *buf, size_t len)
{
	if (ftps_path_join(fs->root, path, buf, len) != 0)
		return strlen(path) >= len ? -ENAMETOOLONG : -EINVAL;
	return 0;
}

/* Run fn on a pooled connection; once more on a fresh one when the first
 * was found dropped (an idle connection the server closed). */
typedef ftps_err (*conn_fn)(struct ftps_conn *c, void *arg, struct ftps_status *st);

static ftps_err with_conn(struct ftpsfs *fs, conn_fn fn, void *arg, struct ftps_status *st)
{
	ftps_err e = FTPS_OK;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct ftps_conn *c;

		e = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, st);
		if (e != FTPS_OK)
			return e;
		e = fn(c, arg, st);
		ftps_pool_put(fs->pool, c, e);
		if (e != FTPS_E_CONN)
			break;
		ftps_debug("retrying on a new connection: %s", st->msg);
	}
	return e;
}

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

static void root_entry(struct ftps_entry *e)
{
	static time_t mounted;

	if (!mounted)
		mounted = time(NULL);   /* FTP cannot tell the root's time */
	memset(e, 0, sizeof(*e));
	e->type = FTPS_FT_DIR;
	e->name[0] = '/';
	e->mtime = mounted;
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
	ftps_err e = with_conn(fs, list_fn, f, &st);

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
		root_entry(e);
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

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct ftpsfs *fs = get_fs();
	double ttl = fs->opts->dir_cache;

	cfg->use_ino = 0;
	cfg->entry_timeout = ttl;
	cfg->attr_timeout = ttl;
	cfg->negative_timeout = ttl;
	/* Keep a file's pages across opens while its size and mtime stay. */
	cfg->auto_cache = 1;
	cfg->nullpath_ok = 0;
	conn->max_readahead = 1024 * 1024;
	/* open(O_TRUNC) arrives as such, not as a truncate before the open,
	 * so a rewrite can still go to a temporary name first. */
	conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->max_read = 0;
	/* Bigger writes: fewer round trips through the kernel per MiB uploaded. */
	conn->max_write = 1024 * 1024;
	return fs;
}

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
struct mdtm_arg {
	struct ftpsfs *fs;
	const char *path;
	int64_t mtime;
};

static ftps_err mdtm_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct mdtm_arg *a = arg;
	char remote[FTPS_MAX_PATH];

	if (!ftps_conn_caps(c)->mdtm)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "no MDTM");
	if (ftpsfs_remote(a->fs, a->path, remote, sizeof(remote)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	return ftps_mdtm(c, remote, &a->mtime, st);
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

static void refine_mtime(struct ftpsfs *fs, const char *path, struct ftps_entry *e)
{
	struct mdtm_arg a = { fs, path, 0 };
	struct ftps_status st = { 0 };

	static _Atomic int64_t pause_until;   /* after the server failed to answer */
	ftps_err err;

	if (!coarse_time(e))
		return;
	if (ftps_mtcache_get(fs->mt, path, e, &a.mtime)) {
		set_exact(e, a.mtime);
		return;
	}
	if (time(NULL) < pause_until)
		return;
	if ((err = with_conn(fs, mdtm_fn, &a, &st)) != FTPS_OK) {
		ftps_debug("MDTM %s: %s", path, st.msg);
		/* A server that is down or hung would cost every stat a whole
		 * timeout: keep the listing's time for a while instead. */
		if (err == FTPS_E_TIMEOUT || err == FTPS_E_CONN || err == FTPS_E_REFUSED)
			pause_until = time(NULL) + 30;
		return;
	}
	ftps_mtcache_put(fs->mt, path, e, a.mtime, time(NULL));
	set_exact(e, a.mtime);
}

static int op_getattr(const char *path, struct stat *sb, struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_fs();
	struct ftps_entry e;
	int rc = ftpsfs_lookup(fs, path, &e);

	(void)fi;
	if (rc < 0)
		return rc;
	refine_mtime(fs, path, &e);
	ftpsfs_entry_stat(fs, &e, sb);
	ftps_entry_clear(&e);
	if (e.type == FTPS_FT_FILE)
		ftpsfs_file_stat_open(fs, path, sb);   /* changes not yet uploaded */
	return 0;
}

struct fill {
	struct ftpsfs *fs;
	const char *dir;        /* path in the mount */
	void *buf;
	fuse_fill_dir_t filler;
	int full;
};

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

static int fill_cb(void *arg, const struct ftps_entry *e)
{
	struct fill *fl = arg;
	struct ftps_entry exact;
	struct stat sb;
	int coarse = coarse_time(e);

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
	if (fl->filler(fl->buf, e->name, &sb, 0, coarse ? 0 : FUSE_FILL_DIR_PLUS) != 0) {
		fl->full = 1;
		return 1;
	}
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct ftpsfs *fs = get_fs();
	struct fill fl = { fs, path, buf, filler, 0 };
	struct fetch f;

	(void)off;
	(void)fi;
	(void)flags;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	if (ftps_dircache_readdir(fs->dc, path, ftps_dircache_clock(), fill_cb, &fl) == FTPS_DC_HIT)
		return 0;
	memset(&f, 0, sizeof(f));
	f.fs = fs;
	f.dir = path;
	f.cb = fill_cb;
	f.cb_arg = &fl;
	return fetch_listing(fs, &f);
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct ftpsfs *fs = get_fs();
	struct ftps_entry e;
	int rc = ftpsfs_lookup(fs, path, &e);

	if (rc < 0)
		return rc;
	if (e.type != FTPS_FT_LINK || !e.link_target || size == 0) {
		ftps_entry_clear(&e);
		return -EINVAL;
	}
	snprintf(buf, size, "%s", e.link_target);
	ftps_entry_clear(&e);
	return 0;
}

static struct ftpsfs_file *fh(const struct fuse_file_info *fi)
{
	return (struct ftpsfs_file *)(uintptr_t)fi->fh;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct ftpsfs_file *f;
	int rc = ftpsfs_file_open(get_fs(), path, fi->flags, &f);

	if (rc == 0)
		fi->fh = (uint64_t)(uintptr_t)f;
	return rc;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct ftpsfs_file *f;
	int rc = ftpsfs_file_create(get_fs(), path, mode, fi->flags, &f);

	if (rc == 0)
		fi->fh = (uint64_t)(uintptr_t)f;
	return rc;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
	(void)path;
	return (int)ftpsfs_file_read(fh(fi), buf, size, off);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	(void)path;
	return (int)ftpsfs_file_write(fh(fi), buf, size, off);
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return ftpsfs_file_flush(fh(fi));
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	return ftpsfs_file_flush(fh(fi));
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	ftpsfs_file_release(fh(fi));
	return 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	if (fi)
		return ftpsfs_file_truncate(fh(fi), size);
	return ftpsfs_truncate_path(get_fs(), path, size);
}

/* ---- the namespace ---- */

struct path_op {
	struct ftpsfs *fs;
	const char *path, *path2;   /* in the mount */
	unsigned mode;
	int64_t mtime;
	ftps_err (*run)(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
	                struct ftps_status *st);
};

static ftps_err path_op_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct path_op *op = arg;
	char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH] = "";

	if (ftpsfs_remote(op->fs, op->path, r1, sizeof(r1)) != 0 ||
	    (op->path2 && ftpsfs_remote(op->fs, op->path2, r2, sizeof(r2)) != 0))
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	return op->run(c, op, r1, r2, st);
}

static int run_path_op(struct path_op *op, const char *what)
{
	struct ftps_status st = { 0 };
	ftps_err e = with_conn(op->fs, path_op_fn, op, &st);

	return e == FTPS_OK ? 0 : ftpsfs_errno(e, &st, what, op->path);
}

static ftps_err do_mkd(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                       struct ftps_status *st)
{
	ftps_err e = ftps_mkd(c, r1, st);

	(void)r2;
	if (e == FTPS_OK && op->mode && (op->mode & 07777) != 0755) {
		struct ftps_status st2 = { 0 };
		if (ftps_chmod(c, r1, op->mode & 07777, &st2) != FTPS_OK)
			ftps_debug("mkdir %s: mode not set: %s", op->path, st2.msg);
	}
	return e;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { fs, path, NULL, (mode & 07777) & ~fs->opts->umask, 0, do_mkd };
	struct ftps_entry e;
	double before = ftps_dircache_clock();
	int rc = run_path_op(&op, "mkdir");

	if (rc == 0) {
		/* A folder we just made is empty: its listing costs no round
		 * trip (cp -r, tar and rsync fill many new folders). */
		struct ftps_dc_listing *empty = ftps_dc_listing_new();
		if (empty)
			ftps_dircache_put_listing(fs->dc, path, empty, before, NULL, NULL);
		memset(&e, 0, sizeof(e));
		e.type = FTPS_FT_DIR;
		e.mtime = time(NULL);
		e.mtime_prec = FTPS_TP_SECOND;
		e.has_mode = 1;
		e.mode = op.mode;
		ftps_dircache_upsert(fs->dc, path, &e, ftps_dircache_clock());
	}
	return rc;
}

static ftps_err do_rmd(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                       struct ftps_status *st)
{
	(void)op;
	(void)r2;
	return ftps_rmd(c, r1, st);
}

static int count_cb(void *arg, const struct ftps_entry *e)
{
	(void)e;
	(*(unsigned *)arg)++;
	return 0;
}

static int op_rmdir(const char *path)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { fs, path, NULL, 0, 0, do_rmd };
	int rc = run_path_op(&op, "rmdir");

	if (rc == 0) {
		ftps_dircache_remove(fs->dc, path, ftps_dircache_clock());
		ftps_mtcache_remove(fs->mt, path, 1);
	} else if (rc == -EACCES || rc == -ENOENT) {
		/* Many servers answer a bare 550 for a folder that is not empty
		 * (vsftpd: "Remove directory operation failed."): a listing
		 * that shows entries makes it the ENOTEMPTY that rm -r, rsync
		 * and backup tools expect. */
		struct fetch f;
		unsigned n = 0;
		ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
		memset(&f, 0, sizeof(f));
		f.fs = fs;
		f.dir = path;
		f.cb = count_cb;
		f.cb_arg = &n;
		if (fetch_listing(fs, &f) == 0 && n > 0)
			rc = -ENOTEMPTY;
	}
	return rc;
}

static ftps_err do_dele(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                        struct ftps_status *st)
{
	(void)op;
	(void)r2;
	return ftps_dele(c, r1, st);
}

static int op_unlink(const char *path)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { fs, path, NULL, 0, 0, do_dele };
	int rc = run_path_op(&op, "unlink");

	if (rc == 0)
		ftps_dircache_remove(fs->dc, path, ftps_dircache_clock());
	else
		ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
	ftps_mtcache_remove(fs->mt, path, 0);
	return rc;
}

static ftps_err do_rename(struct ftps_conn *c, struct path_op *op, const char *r1,
                          const char *r2, struct ftps_status *st)
{
	ftps_err e = ftps_rename(c, r1, r2, st);
	struct ftps_status st2 = { 0 };
	struct ftps_entry dst;

	if (e == FTPS_OK || !ftps_conn_usable(c))
		return e;
	/* POSIX rename replaces an existing file; a server that will not
	 * rename over one gets it removed first (folders are not). */
	if (ftpsfs_lookup(op->fs, op->path2, &dst) != 0)
		return e;
	int is_file = dst.type != FTPS_FT_DIR;
	ftps_entry_clear(&dst);
	if (!is_file || ftps_dele(c, r2, &st2) != FTPS_OK)
		return e;
	return ftps_rename(c, r1, r2, st);
}

/* The directory cache knows path as something other than a folder (no
 * round trip): renaming it moves one exact time, not a subtree. */
static int known_file(struct ftpsfs *fs, const char *path)
{
	struct ftps_entry e;
	int file;

	if (ftps_dircache_lookup(fs->dc, path, ftps_dircache_clock(), &e) != FTPS_DC_HIT)
		return 0;
	file = e.type != FTPS_FT_DIR;
	ftps_entry_clear(&e);
	return file;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { fs, from, to, 0, 0, do_rename };
	struct ftps_entry e;
	int rc;

	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (flags & RENAME_NOREPLACE) {
		rc = ftpsfs_lookup(fs, to, &e);
		if (rc == 0) {
			ftps_entry_clear(&e);
			return -EEXIST;
		}
	}
	/* A file created here and not uploaded yet exists only here: it is
	 * renamed here, and its upload lands under the new name. */
	rc = ftpsfs_file_only_local(fs, from) ? 0 : run_path_op(&op, "rename");
	if (rc == 0) {
		ftpsfs_file_renamed(fs, from, to);
		ftps_dircache_rename(fs->dc, from, to, ftps_dircache_clock());
		ftps_mtcache_rename(fs->mt, from, to, !known_file(fs, to));
	} else {
		ftps_dircache_forget(fs->dc, from, ftps_dircache_clock());
		ftps_dircache_forget(fs->dc, to, ftps_dircache_clock());
		ftps_mtcache_remove(fs->mt, from, 0);
		ftps_mtcache_remove(fs->mt, to, 0);
	}
	return rc;
}

/* Update one cached entry after a change we made. */
static void update_cached(struct ftpsfs *fs, const char *path, int set_mode, unsigned mode,
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

static ftps_err do_chmod(struct ftps_conn *c, struct path_op *op, const char *r1,
                         const char *r2, struct ftps_status *st)
{
	(void)r2;
	return ftps_chmod(c, r1, op->mode, st);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { fs, path, NULL, mode & 07777, 0, do_chmod };
	int rc;

	(void)fi;
	if (ftpsfs_file_set_pending_mode(fs, path, mode))
		return 0;
	rc = run_path_op(&op, "chmod");
	if (rc == 0)
		update_cached(fs, path, 1, mode, 0, 0);
	return rc;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_fs();

	(void)path;
	(void)fi;
	if ((uid == (uid_t)-1 || uid == fs->uid) && (gid == (gid_t)-1 || gid == fs->gid))
		return 0;
	return fs->opts->chown_mode == FTPSFS_CHOWN_IGNORE ? 0 : -EPERM;
}

static ftps_err do_mtime(struct ftps_conn *c, struct path_op *op, const char *r1,
                         const char *r2, struct ftps_status *st)
{
	(void)r2;
	return ftps_set_mtime(c, r1, op->mtime, st);
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { fs, path, NULL, 0, 0, do_mtime };
	int rc;

	(void)fi;
	if (!tv || tv[1].tv_nsec == UTIME_NOW)
		op.mtime = time(NULL);
	else if (tv[1].tv_nsec == UTIME_OMIT)
		return 0;
	else
		op.mtime = tv[1].tv_sec;
	if (ftpsfs_file_set_pending_mtime(fs, path, op.mtime))
		return 0;
	rc = run_path_op(&op, "utimens");
	if (rc == -ENOTSUP) {
		/* The server cannot set times: not worth failing cp -p or tar for. */
		static int warned;
		if (!warned++)
			ftps_warn("the server cannot set modification times; times are not kept");
		return 0;
	}
	if (rc < 0) {
		/* vsftpd sets times on files only ("550 Could not set file
		 * modification time" for a folder): rsync -a and tar would fail
		 * on every folder for a time that FTP cannot keep anyway. */
		struct ftps_entry e;
		if (ftpsfs_lookup(fs, path, &e) == 0) {
			int is_dir = e.type == FTPS_FT_DIR;
			ftps_entry_clear(&e);
			if (is_dir) {
				ftps_debug("utimens %s: the server keeps no folder times", path);
				return 0;
			}
		}
	}
	if (rc == 0)
		update_cached(fs, path, 0, 0, 1, op.mtime);
	return rc;
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	memset(sv, 0, sizeof(*sv));
	/* FTP has no standard way to ask for free space: report plenty, so
	 * that backup tools do not refuse to start. */
	sv->f_bsize = 131072;
	sv->f_frsize = 4096;
	sv->f_blocks = (fsblkcnt_t)1 << 30;     /* 4 TiB */
	sv->f_bfree = (fsblkcnt_t)1 << 29;
	sv->f_bavail = (fsblkcnt_t)1 << 29;
	sv->f_files = 1 << 24;
	sv->f_ffree = 1 << 23;
	sv->f_favail = 1 << 23;
	sv->f_namemax = FTPS_MAX_NAME;
	return 0;
}

static void op_destroy(void *data)
{
	/* Unmounting: upload whatever is still pending, and remove what
	 * failed uploads left on the server while it was down. */
	ftpsfs_file_flush_all(data);
	ftpsfs_orphans_sweep(data, 1);
}

const struct fuse_operations ftpsfs_ops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.readlink = op_readlink,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.fsync = op_fsync,
	.release = op_release,
	.truncate = op_truncate,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.statfs = op_statfs,
};
