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
#include <openssl/rand.h>

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
		return strlen(fs->root) + strlen(path) + 1 >= len ? -ENAMETOOLONG : -EINVAL;
	return 0;
}

int ftpsfs_check_path(const struct ftpsfs *fs, const char *path)
{
	char remote[FTPS_MAX_PATH];
	const char *p = path;

	if (!path)
		return -ENOENT;     /* an open file no longer reachable by name */
	/* Each component as a local filesystem would judge it: longer than
	 * FTPS_MAX_NAME (NAME_MAX) is ENAMETOOLONG. */
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n > FTPS_MAX_NAME)
			return -ENAMETOOLONG;
		p += n;
		p += strspn(p, "/");
	}
	return ftpsfs_remote(fs, path, remote, sizeof(remote));
}

/* Run fn on a pooled connection; once more on a fresh one when the first
 * was found dropped (an idle connection the server closed) - but only when
 * that cannot do harm: fn is idempotent (a listing, MDTM, a chmod), or its
 * command never reached the server (st->unsure is 0). Otherwise the error
 * comes back with st->unsure set, for the caller to find out what
 * happened. */
typedef ftps_err (*conn_fn)(struct ftps_conn *c, void *arg, struct ftps_status *st);

static ftps_err with_conn(struct ftpsfs *fs, conn_fn fn, void *arg, int idempotent,
                          struct ftps_status *st)
{
	ftps_err e = FTPS_OK;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct ftps_conn *c;

		st->unsure = 0;
		e = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, st);
		if (e != FTPS_OK)
			return e;
		e = fn(c, arg, st);
		ftps_pool_put(fs->pool, c, e);
		/* A timeout is not tried again: the server is slow or hung, and
		 * another try would cost the program another whole timeout. */
		if (ftps_err_class(e) != FTPS_CLASS_LOST || e == FTPS_E_TIMEOUT ||
		    (st->unsure && !idempotent))
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
	ftps_err e = with_conn(fs, list_fn, f, 1, &st);

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
	/* An open file that is unlinked or renamed over is ours to detach
	 * (its close uploads nothing), not libfuse's to rename to a hidden
	 * name on the server first: that would delete a rename's target before
	 * the rename is safe. Operations on handles then have no path from
	 * libfuse: they take it from the handle (an open file follows
	 * renames; a folder keeps the path it was opened with). */
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 1;
	conn->max_readahead = 1024 * 1024;
	/* The kernel's readahead reads are background requests, 12 at most
	 * in flight by default. Readers waiting in line for a connection
	 * hold theirs, and the reader that has the connection could not get
	 * its next read through: it looked idle, lost its stream, and the
	 * readers took turns cancelling each other. More room (and more
	 * threads than that, see main.c) keeps the one with the stream going. */
	conn->max_background = FTPSFS_MAX_BACKGROUND;
	conn->congestion_threshold = FTPSFS_MAX_BACKGROUND * 3 / 4;
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
	if ((err = with_conn(fs, ask_fn, &a, 1, &st)) != FTPS_OK) {
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

static struct ftpsfs_file *fh(const struct fuse_file_info *fi)
{
	return (struct ftpsfs_file *)(uintptr_t)fi->fh;
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
	if (with_conn(fs, ask_fn, &a, 1, &st) != FTPS_OK) {
		ftps_debug("SIZE %s: %s", path, st.msg);
		return;
	}
	e->has_size = 1;
	e->size = a.size;
	ftps_dircache_upsert(fs->dc, path, e, ftps_dircache_clock());
}

/* The path an operation on a handle is about: libfuse gives none
 * (nullpath_ok); the open file knows its own. NULL when it has none any
 * more (unlinked or replaced while open). */
static const char *handle_path(const char *path, struct fuse_file_info *fi, char *buf,
                               size_t len)
{
	if (path || !fi || !fi->fh)
		return path;
	return ftpsfs_file_path(fh(fi), buf, len) == 0 ? buf : NULL;
}

static int op_getattr(const char *path, struct stat *sb, struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_fs();
	struct ftps_entry e;
	char hp[FTPS_MAX_PATH];
	int rc;

	path = handle_path(path, fi, hp, sizeof(hp));
	rc = ftpsfs_check_path(fs, path);

	if (rc == 0)
		rc = ftpsfs_lookup(fs, path, &e);
	if (rc < 0) {
		if (!fi)
			return rc;
		/* fstat of an open file that is no longer under its name
		 * (unlinked or replaced): it is what its handle holds. */
		memset(&e, 0, sizeof(e));
		e.type = FTPS_FT_FILE;
	} else {
		refine_size(fs, path, &e);
		refine_mtime(fs, path, &e);
	}
	ftpsfs_entry_stat(fs, &e, sb);
	ftps_entry_clear(&e);
	if (fi)
		ftpsfs_file_fstat(fh(fi), sb);
	else if (e.type == FTPS_FT_FILE)
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
	if (fl->filler(fl->buf, e->name, &sb, 0, coarse || nosize ? 0 : FUSE_FILL_DIR_PLUS) != 0) {
		fl->full = 1;
		return 1;
	}
	return 0;
}

/* A folder's handle holds its path (libfuse gives none to readdir). */
static int op_opendir(const char *path, struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_fs();
	struct ftps_entry e;
	int rc = ftpsfs_check_path(fs, path);
	char *copy;

	if (rc == 0 && (rc = ftpsfs_lookup(fs, path, &e)) == 0) {
		if (e.type != FTPS_FT_DIR)
			rc = -ENOTDIR;
		ftps_entry_clear(&e);
	}
	if (rc < 0)
		return rc;
	if (!(copy = strdup(path)))
		return -ENOMEM;
	fi->fh = (uint64_t)(uintptr_t)copy;
	return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	free((char *)(uintptr_t)fi->fh);
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct ftpsfs *fs = get_fs();
	struct fill fl = { fs, path, buf, filler, 0 };
	struct fetch f;
	int rc;

	(void)off;
	(void)flags;
	if (!path && fi && fi->fh)
		path = (const char *)(uintptr_t)fi->fh;
	fl.dir = path;
	if ((rc = ftpsfs_check_path(fs, path)) < 0)
		return rc;
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
	int rc = ftpsfs_check_path(fs, path);

	if (rc == 0)
		rc = ftpsfs_lookup(fs, path, &e);
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

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct ftpsfs_file *f;
	int rc = ftpsfs_check_path(get_fs(), path);

	if (rc == 0)
		rc = ftpsfs_file_open(get_fs(), path, fi->flags, &f);
	if (rc == 0)
		fi->fh = (uint64_t)(uintptr_t)f;
	return rc;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct ftpsfs_file *f;
	int rc = ftpsfs_check_path(get_fs(), path);

	if (rc == 0)
		rc = ftpsfs_file_create(get_fs(), path, mode, fi->flags, &f);
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
	int rc;

	if (fi)
		return ftpsfs_file_truncate(fh(fi), size);
	if ((rc = ftpsfs_check_path(get_fs(), path)) < 0)
		return rc;
	return ftpsfs_truncate_path(get_fs(), path, size);
}

/* ---- the namespace ----
 *
 * A command whose reply was lost (its connection failed after it went out:
 * st.unsure) may have been carried out, so it is never simply sent again.
 * The server is asked what is there now, on a fresh connection, and the
 * operation settled from the answer: an unlink is done when the name is
 * gone, a mkdir when a folder is there, a rename when the source is gone
 * and the target there. Only an answer that says "not done" lets the
 * command go out once more.
 */

struct path_op {
	struct ftpsfs *fs;
	const char *path, *path2;   /* in the mount */
	unsigned mode;
	int64_t mtime;
	int idempotent;             /* sending it twice does no harm */
	int noreplace;              /* rename: RENAME_NOREPLACE */
	int mode_set;               /* mkdir: the mode asked for was set */
	char bak[FTPS_MAX_PATH];    /* rename: the old target's name while aside */
	ftps_err (*run)(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
	                struct ftps_status *st);
	/* After a lost reply: FTPS_OK done, FTPS_E_RETRY not done, else unknown. */
	ftps_err (*settle)(struct ftps_conn *c, struct path_op *op, const char *r1,
	                   const char *r2, struct ftps_status *st);
};

static ftps_err path_op_remotes(struct path_op *op, char *r1, char *r2, struct ftps_status *st)
{
	if (ftpsfs_remote(op->fs, op->path, r1, FTPS_MAX_PATH) != 0 ||
	    (op->path2 && ftpsfs_remote(op->fs, op->path2, r2, FTPS_MAX_PATH) != 0))
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	return FTPS_OK;
}

static ftps_err path_op_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct path_op *op = arg;
	char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH] = "";
	ftps_err e = path_op_remotes(op, r1, r2, st);

	return e == FTPS_OK ? op->run(c, op, r1, r2, st) : e;
}

static ftps_err settle_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct path_op *op = arg;
	char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH] = "";
	ftps_err e = path_op_remotes(op, r1, r2, st);

	return e == FTPS_OK ? op->settle(c, op, r1, r2, st) : e;
}

static int run_path_op(struct path_op *op, const char *what)
{
	struct ftps_status st = { 0 };
	int rc = ftpsfs_check_path(op->fs, op->path);
	ftps_err e = FTPS_OK;

	if (rc == 0 && op->path2)
		rc = ftpsfs_check_path(op->fs, op->path2);
	if (rc < 0)
		return rc;
	e = with_conn(op->fs, path_op_fn, op, op->idempotent, &st);
	for (int round = 0; e != FTPS_OK && st.unsure && !op->idempotent && op->settle; round++) {
		struct ftps_status st2 = { 0 };
		ftps_info("%s %s: the reply was lost (%s); looking at what the server has", what,
		          op->path, st.msg);
		ftps_err e2 = with_conn(op->fs, settle_fn, op, 1, &st2);
		if (e2 == FTPS_OK) {
			e = FTPS_OK;
			break;
		}
		if (e2 != FTPS_E_RETRY || round == 1) {
			st = st2;
			e = e2 == FTPS_E_RETRY ? FTPS_E_IO : e2;
			break;
		}
		e = with_conn(op->fs, path_op_fn, op, 0, &st);    /* not done: once more */
	}
	return e == FTPS_OK ? 0 : ftpsfs_errno(e, &st, what, op->path);
}

/* What counts as done after a lost reply. */
static ftps_err settle_is_dir(struct ftps_conn *c, struct path_op *op, const char *r1,
                              const char *r2, struct ftps_status *st)
{
	struct ftps_entry e;
	ftps_err err = ftps_stat(c, r1, &e, st);

	(void)op;
	(void)r2;
	if (err == FTPS_OK)
		return e.type == FTPS_FT_DIR ? FTPS_OK
		       : ftps_fail(st, FTPS_E_EXIST, 0, "%s exists and is not a folder", r1);
	return err == FTPS_E_NOENT ? ftps_fail(st, FTPS_E_RETRY, 0, "not done") : err;
}

static ftps_err settle_is_gone(struct ftps_conn *c, struct path_op *op, const char *r1,
                               const char *r2, struct ftps_status *st)
{
	struct ftps_entry e;
	ftps_err err = ftps_stat(c, r1, &e, st);

	(void)op;
	(void)r2;
	if (err == FTPS_E_NOENT)
		return FTPS_OK;
	return err == FTPS_OK ? ftps_fail(st, FTPS_E_RETRY, 0, "not done") : err;
}

static ftps_err settle_rename(struct ftps_conn *c, struct path_op *op, const char *r1,
                              const char *r2, struct ftps_status *st)
{
	return ftps_rename_settle(c, r1, r2, op->bak[0] ? op->bak : NULL, st);
}

/* The parent folder of path changed (an entry came or went): its time on
 * the mount moves too, as the server's does, until a listing says better. */
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

static ftps_err do_mkd(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                       struct ftps_status *st)
{
	ftps_err e = ftps_mkd(c, r1, st);

	(void)r2;
	op->mode_set = 0;
	if (e == FTPS_OK && (op->mode & 07777) != 0755) {
		struct ftps_status st2 = { 0 };
		if (ftps_chmod(c, r1, op->mode & 07777, &st2) == FTPS_OK)
			op->mode_set = 1;
		else
			ftps_debug("mkdir %s: mode %04o not set: %s", op->path, op->mode & 07777, st2.msg);
	}
	return e;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { .fs = fs, .path = path, .mode = (mode & 07777) & ~fs->opts->umask,
	                      .run = do_mkd, .settle = settle_is_dir };
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
		/* The mode shown is one the server has: the one set, or its
		 * default (shown as 0755) when none was asked for or the server
		 * refused it. */
		e.has_mode = op.mode_set;
		e.mode = op.mode;
		ftps_dircache_upsert(fs->dc, path, &e, ftps_dircache_clock());
		ftpsfs_touch_parent(fs, path);
	} else {
		ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
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

/* A folder's entries, listed now: -1 when that fails. */
static long count_entries(struct ftpsfs *fs, const char *path)
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

static int op_rmdir(const char *path)
{
	struct ftpsfs *fs = get_fs();
	struct path_op op = { .fs = fs, .path = path, .run = do_rmd, .settle = settle_is_gone };
	int rc = run_path_op(&op, "rmdir");

	if (rc == 0) {
		ftps_dircache_remove(fs->dc, path, ftps_dircache_clock());
		ftps_mtcache_remove(fs->mt, path, 1);
		ftpsfs_touch_parent(fs, path);
	} else if (rc == -EACCES || rc == -ENOENT) {
		/* Many servers answer a bare 550 for a folder that is not empty
		 * (vsftpd: "Remove directory operation failed."): a listing
		 * that shows entries makes it the ENOTEMPTY that rm -r, rsync
		 * and backup tools expect. */
		if (count_entries(fs, path) > 0)
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

/* Unlink path, whose open files h holds: they are detached when the
 * name goes. */
static int unlink_held(struct ftpsfs *fs, struct ftpsfs_held *h, const char *path)
{
	struct path_op op = { .fs = fs, .path = path, .run = do_dele, .settle = settle_is_gone };
	int local = ftpsfs_held_only_local(h, path);
	int rc;

	ftpsfs_held_keep_content(h, path);
	rc = run_path_op(&op, "unlink");

	if (rc == -ENOENT && local)
		rc = 0;         /* it existed here only: created, not uploaded yet */
	if (rc == 0) {
		char remote[FTPS_MAX_PATH];
		ftpsfs_held_unlinked(h, path);
		/* An upload of it kept for later (stranded) is not wanted now. */
		if (ftpsfs_remote(fs, path, remote, sizeof(remote)) == 0)
			ftpsfs_stranded_superseded(fs, remote);
		ftps_dircache_remove(fs->dc, path, ftps_dircache_clock());
		ftpsfs_touch_parent(fs, path);
	} else {
		ftps_dircache_forget(fs->dc, path, ftps_dircache_clock());
	}
	ftps_mtcache_remove(fs->mt, path, 0);
	return rc;
}

static int op_unlink(const char *path)
{
	struct ftpsfs *fs = get_fs();
	struct ftpsfs_held *h;
	int rc = ftpsfs_check_path(fs, path);

	if (rc < 0)
		return rc;
	/* An open file at path waits for no upload meanwhile, and is
	 * detached when the name goes: its close uploads nothing. */
	if (!(h = ftpsfs_files_hold(fs, path, NULL)))
		return -ENOMEM;
	rc = unlink_held(fs, h, path);
	ftpsfs_files_release(h);
	return rc;
}

/* What an RNTO refusal means to a program. RNFR found the source, so a
 * bare 550 (taken for ENOENT) is not "no such file": into another folder
 * it is most likely a server that cannot rename across its disks (EXDEV,
 * which makes mv copy and delete instead), else a refusal (EACCES). */
static ftps_err rnto_refused(ftps_err e, const char *r1, const char *r2, struct ftps_status *st)
{
	char p1[FTPS_MAX_PATH], p2[FTPS_MAX_PATH];
	const char *n1, *n2;

	if (e != FTPS_E_NOENT)
		return e;
	if (ftps_path_split(r1, p1, sizeof(p1), &n1) == 0 &&
	    ftps_path_split(r2, p2, sizeof(p2), &n2) == 0 && strcmp(p1, p2) != 0)
		return ftps_fail(st, FTPS_E_XDEV, st->reply, "%s (not across folders here)", st->msg);
	return ftps_fail(st, FTPS_E_ACCES, st->reply, "%s", st->msg);
}

/* POSIX rename replaces what is at the target. A server refuses that when
 * RNTO meets an existing name it will not overwrite. Then, and only then -
 * RNFR was accepted, RNTO refused, and the target is there - it is taken
 * for such a server:
 *  - a folder there: a folder with entries cannot be replaced (ENOTEMPTY;
 *    an empty one the server would have taken), a file cannot replace a
 *    folder (EISDIR);
 *  - a file there: replaced without ever deleting first
 *    (ftps_rename_replace: the old file steps aside, the new one takes its
 *    name, the old one goes).
 * Any other refusal (RNFR refused: the source is gone; a target that is
 * not there: another reason, such as a rename across devices) changes
 * nothing and is the answer. */
static ftps_err do_rename(struct ftps_conn *c, struct path_op *op, const char *r1,
                          const char *r2, struct ftps_status *st)
{
	enum ftps_rn_stage stage;
	struct ftps_entry dst, src;
	struct ftps_status st2 = { 0 };
	ftps_err e;
	uint32_t rnd = 0;

	op->bak[0] = '\0';
	/* RNTO has no "but not over an existing name": asking first is the
	 * best there is (another client may still come in between). */
	if (op->noreplace && ftps_stat(c, r2, &dst, &st2) == FTPS_OK)
		return ftps_fail(st, FTPS_E_EXIST, 0, "%s exists (RENAME_NOREPLACE)", op->path2);
	e = ftps_rename_ex(c, r1, r2, &stage, st);
	if (e == FTPS_OK || stage != FTPS_RN_TO || ftps_err_class(e) != FTPS_CLASS_REFUSED ||
	    !ftps_conn_usable(c))
		return e;
	if (ftps_stat(c, r2, &dst, &st2) != FTPS_OK)
		return rnto_refused(e, r1, r2, st);
	if (op->noreplace)
		return ftps_fail(st, FTPS_E_EXIST, st->reply, "%s (RENAME_NOREPLACE)", st->msg);
	if (dst.type == FTPS_FT_DIR) {
		int src_dir = ftps_stat(c, r1, &src, &st2) == FTPS_OK && src.type == FTPS_FT_DIR;
		return ftps_fail(st, src_dir ? FTPS_E_NOTEMPTY : FTPS_E_ISDIR, st->reply,
		                 "%s (the target is a folder%s)", st->msg,
		                 src_dir ? " that is not empty" : "");
	}
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	if (ftps_path_sibling(r2, "ftpsfs-old", rnd, op->bak, sizeof(op->bak)) != 0)
		return e;
	ftps_debug("rename %s: the server will not rename over %s (%s); moving it aside first",
	           op->path, op->path2, st->msg);
	e = ftps_rename_replace(c, r1, r2, op->bak, st);
	if (e != FTPS_OK && !st->unsure && ftps_err_class(e) != FTPS_CLASS_LOST) {
		op->bak[0] = '\0';      /* nothing left aside to settle */
		e = rnto_refused(e, r1, r2, st);
	}
	return e;
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
	struct path_op op = { .fs = fs, .path = from, .path2 = to, .run = do_rename,
	                      .settle = settle_rename,
	                      .noreplace = (flags & RENAME_NOREPLACE) != 0 };
	struct ftpsfs_held *h;
	struct ftps_entry e;
	int rc;

	if ((rc = ftpsfs_check_path(fs, from)) < 0 || (rc = ftpsfs_check_path(fs, to)) < 0)
		return rc;
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (flags & RENAME_NOREPLACE) {
		rc = ftpsfs_lookup(fs, to, &e);
		if (rc == 0) {
			ftps_entry_clear(&e);
			return -EEXIST;
		}
	}
	/* The open files concerned wait for no upload meanwhile, then follow:
	 * those at from move to to, one at to is detached (replaced). */
	if (!(h = ftpsfs_files_hold(fs, from, to)))
		return -ENOMEM;
	/* A file created here and not uploaded yet exists only here: it is
	 * renamed here, and its upload lands under the new name. */
	rc = ftpsfs_held_only_local(h, from) ? 0 : run_path_op(&op, "rename");
	if (rc == 0) {
		char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH];
		if (ftpsfs_remote(fs, from, r1, sizeof(r1)) == 0 &&
		    ftpsfs_remote(fs, to, r2, sizeof(r2)) == 0)
			ftpsfs_leftovers_renamed(fs, r1, r2);
		int file = known_file(fs, from) || ftpsfs_held_has(h, from);
		ftpsfs_held_renamed(h, from, to);
		ftps_dircache_rename(fs->dc, from, to, ftps_dircache_clock());
		ftps_mtcache_rename(fs->mt, from, to, !file);
		ftpsfs_touch_parent(fs, from);
		ftpsfs_touch_parent(fs, to);
	} else {
		ftps_dircache_forget(fs->dc, from, ftps_dircache_clock());
		ftps_dircache_forget(fs->dc, to, ftps_dircache_clock());
		ftps_mtcache_remove(fs->mt, from, 0);
		ftps_mtcache_remove(fs->mt, to, 0);
	}
	ftpsfs_files_release(h);
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
	struct path_op op = { .fs = fs, .path = path, .mode = mode & 07777, .idempotent = 1,
	                      .run = do_chmod };
	int rc;

	char hp[FTPS_MAX_PATH];

	path = handle_path(path, fi, hp, sizeof(hp));
	if (!path && fi)
		return 0;       /* a detached file: nothing of it is on the server */
	if ((rc = ftpsfs_check_path(fs, path)) < 0)
		return rc;
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
	struct path_op op = { .fs = fs, .path = path, .idempotent = 1, .run = do_mtime };
	int rc;

	char hp[FTPS_MAX_PATH];

	path = handle_path(path, fi, hp, sizeof(hp));
	if (!path && fi)
		return 0;       /* a detached file: nothing of it is on the server */
	if ((rc = ftpsfs_check_path(fs, path)) < 0)
		return rc;
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
		if (!fs->mtime_warned++)
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

/* FTP has no portable way to make a symlink (ProFTPD's SITE SYMLINK stores
 * a path in the server's namespace; vsftpd and pure-ftpd have none): EPERM,
 * what POSIX names for a filesystem that does not support them. */
static int op_symlink(const char *target, const char *path)
{
	int rc = ftpsfs_check_path(get_fs(), path);

	(void)target;
	return rc < 0 ? rc : -EPERM;
}

/* No extended attributes yet: an empty list, none to read, none to set.
 * (Tools such as gocryptfs's fsck take EOPNOTSUPP from listxattr for a
 * broken file.) */
static int op_listxattr(const char *path, char *list, size_t size)
{
	(void)list;
	(void)size;
	return ftpsfs_check_path(get_fs(), path);
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size)
{
	int rc = ftpsfs_check_path(get_fs(), path);

	(void)name;
	(void)value;
	(void)size;
	return rc < 0 ? rc : -ENODATA;
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size,
                       int flags)
{
	int rc = ftpsfs_check_path(get_fs(), path);

	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	return rc < 0 ? rc : -ENOTSUP;
}

static int op_removexattr(const char *path, const char *name)
{
	int rc = ftpsfs_check_path(get_fs(), path);

	(void)name;
	return rc < 0 ? rc : -ENODATA;
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
	ftpsfs_stranded_sweep(data, 1);
	ftpsfs_orphans_sweep(data, 1);
}

const struct fuse_operations ftpsfs_ops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
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
	.symlink = op_symlink,
	.listxattr = op_listxattr,
	.getxattr = op_getxattr,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
};
