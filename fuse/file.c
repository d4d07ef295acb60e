/* file.c - an open file (see file.h for how bytes reach the server).
 *
 * States of a file opened for writing:
 *   CLEAN   the server's version, unchanged; reads stream from the server
 *   NEW     created or truncated to 0, nothing written yet
 *   STREAM  written sequentially from 0, streaming to the server now: each
 *           write goes to the spool file, which the upload's own thread
 *           sends from (so writes do not wait for the network), resumes
 *           from, and which takes over when the upload fails
 *   APPEND  the server's version plus bytes appended after it, which sit
 *           at their own offsets in a sparse spool file
 *   SPOOL   the whole file is in the spool file
 *
 * Locking. Two kinds of lock, so that a file busy with the network never
 * holds up another:
 *  - open_mu (one for all files) protects the list of open files and each
 *    file's view: its names, references, whether it is detached, and what
 *    stat shows while it has changes (size, dirty, the time of the last
 *    change, the mode and time to set). It is held only for moments and
 *    never across network I/O or while waiting for a file's own lock.
 *  - a file's mu serialises its data operations (read from the spool,
 *    write, truncate, flush); it may be held across network I/O (an upload
 *    at close, a download into the spool), which delays that file only.
 * The view fields are read under either lock and changed under both (mu
 * first, then open_mu); the rest of a file is under mu.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "mount.h"
#include "meta.h"
#include "file.h"
#include "reader.h"
#include "upload.h"
#include "path.h"

#define SPOOL_RESERVE (64ULL * 1024 * 1024)  /* left free on the spool's disk */

enum fstate { F_CLEAN, F_NEW, F_STREAM, F_APPEND, F_SPOOL };

struct ftpsfs_file {
	struct ftpsfs *fs;
	pthread_mutex_t mu;

	/* The view: under open_mu (read under either lock, changed under both). */
	char path[FTPS_MAX_PATH];       /* in the mount */
	char remote[FTPS_MAX_PATH];
	int refs;                       /* handles and holders */
	int listed;                     /* in the list of open files (found by path) */
	int detached;                   /* unlinked or replaced: never uploaded again */
	int dirty;                      /* changes not yet on the server */
	uint64_t size;                  /* the file's size as the user sees it */
	int64_t changed;                /* our clock at the last change (stat while dirty) */
	int has_mode;                   /* set mode (0 included) at the next upload */
	mode_t mode;
	int64_t pending_mtime;          /* set after the next upload; -1 none */

	/* Under mu. */
	int writable;
	enum fstate state;
	int err;                        /* a failed upload's -errno, for flush */
	uint64_t base;                  /* the server's size (CLEAN/APPEND) */
	int base_known;                 /* the listing or SIZE told the server's size */
	struct ftpsfs_reader *reader;
	struct ftpsfs_upload *up;       /* STREAM */
	int spool_fd;
	char spool_path[PATH_MAX];
	int spool_named;                /* the log named spool_path as keeping changes */
	int on_server;                  /* the server has a version under this path */
	struct ftpsfs_file *prev, *next;
};

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
/* Set once the server refused an APPE that a whole upload then replaced:
 * later appends skip the refusal's round trip (one server per daemon). */
static _Atomic int appe_refused;
static struct ftpsfs_file *open_head;

static void spool_close(struct ftpsfs_file *f, int keep);
static void spool_name_kept(struct ftpsfs_file *f);
static void release_last(struct ftpsfs_file *f);

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- the list of open files (open_mu held) ---- */

static void list_add_locked(struct ftpsfs_file *f)
{
	f->listed = 1;
	f->prev = NULL;
	f->next = open_head;
	if (open_head)
		open_head->prev = f;
	open_head = f;
}

static void list_del_locked(struct ftpsfs_file *f)
{
	if (!f->listed)
		return;
	if (f->prev)
		f->prev->next = f->next;
	else if (open_head == f)
		open_head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
	f->listed = 0;
}

static struct ftpsfs_file *find_locked(struct ftpsfs *fs, const char *path)
{
	for (struct ftpsfs_file *f = open_head; f; f = f->next)
		if (f->fs == fs && strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

/* The open file for path with one more reference; NULL if none. Every
 * handle on a path shares one file, so each sees the others' writes. */
static struct ftpsfs_file *take(struct ftpsfs *fs, const char *path)
{
	struct ftpsfs_file *f;

	pthread_mutex_lock(&open_mu);
	if ((f = find_locked(fs, path)) != NULL)
		f->refs++;
	pthread_mutex_unlock(&open_mu);
	return f;
}

static void file_free(struct ftpsfs_file *f)
{
	ftpsfs_reader_free(f->reader);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* Drop a reference that is not a handle's (a holder's, a by-path job's). */
static void unref(struct ftpsfs_file *f)
{
	pthread_mutex_lock(&open_mu);
	int last = --f->refs <= 0;
	if (last)
		list_del_locked(f);
	pthread_mutex_unlock(&open_mu);
	if (last)
		release_last(f);
}

/* ---- the view ---- */

/* mu held: the user-visible size and dirtiness changed. */
static void view_set(struct ftpsfs_file *f, uint64_t size, int dirty)
{
	pthread_mutex_lock(&open_mu);
	f->size = size;
	if (dirty)
		f->changed = now_s();
	f->dirty = dirty;
	pthread_mutex_unlock(&open_mu);
}

static void view_size(struct ftpsfs_file *f, uint64_t size)
{
	view_set(f, size, 1);
}

/* Truncated to 0: whatever was pending is dropped, a new upload follows. */
static void make_empty(struct ftpsfs_file *f)
{
	ftpsfs_upload_abort(f->up);
	f->up = NULL;
	spool_close(f, 0);
	f->state = F_NEW;
	view_size(f, 0);
}

static struct ftpsfs_file *file_new(struct ftpsfs *fs, const char *path, int flags)
{
	struct ftpsfs_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->fs = fs;
	pthread_mutex_init(&f->mu, NULL);
	f->spool_fd = -1;
	f->pending_mtime = -1;
	f->refs = 1;
	f->writable = (flags & O_ACCMODE) != O_RDONLY;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (ftpsfs_remote(fs, path, f->remote, sizeof(f->remote)) != 0) {
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	return f;
}

/* ---- the spool ---- */

static int spool_has_room(struct ftpsfs_file *f, uint64_t need)
{
	struct statvfs sv;

	if (fstatvfs(f->spool_fd, &sv) != 0)
		return 1;
	return (uint64_t)sv.f_bavail * sv.f_frsize >= need + SPOOL_RESERVE;
}

static int spool_room(struct ftpsfs_file *f, uint64_t need)
{
	if (!spool_has_room(f, need)) {
		ftps_error("spool folder %s is nearly full: refusing %s", f->fs->opts->spool_dir,
		           f->path);
		return -ENOSPC;
	}
	return 0;
}

/* A size the spool's filesystem could never hold is EFBIG, not ENOSPC:
 * no amount of cleaning up makes room for it. */
static int spool_max_size(struct ftpsfs_file *f, uint64_t size)
{
	struct statvfs sv;

	if (fstatvfs(f->spool_fd, &sv) != 0 || sv.f_frsize == 0)
		return 0;
	if (size / sv.f_frsize >= (uint64_t)sv.f_blocks) {
		ftps_warn("%s: %llu bytes is more than the spool folder's filesystem (%s) holds",
		          f->path, (unsigned long long)size, f->fs->opts->spool_dir);
		return -EFBIG;
	}
	return 0;
}

static int spool_open(struct ftpsfs_file *f)
{
	int n = snprintf(f->spool_path, sizeof(f->spool_path), "%s/ftpsfs-XXXXXX",
	                 f->fs->opts->spool_dir);

	if (n < 0 || (size_t)n >= sizeof(f->spool_path))
		return -ENAMETOOLONG;
	f->spool_named = 0;
	f->spool_fd = mkostemp(f->spool_path, O_CLOEXEC);
	if (f->spool_fd < 0) {
		int err = errno;
		ftps_error("cannot create a spool file in %s: %s", f->fs->opts->spool_dir,
		           strerror(err));
		f->spool_path[0] = '\0';
		return -err;
	}
	/* Held while in use: ftpsfs_spool_report (of this or another mount
	 * sharing the folder) tells kept files from files being written. */
	flock(f->spool_fd, LOCK_EX | LOCK_NB);
	return 0;
}

void ftpsfs_spool_report(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char first[PATH_MAX] = "";
	unsigned n = 0;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL && n < 100000) {
		char path[PATH_MAX];
		struct stat sb;
		int fd;

		if (strncmp(de->d_name, "ftpsfs-", 7) != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (n++ == 0)
				snprintf(first, sizeof(first), "%s", path);
		}
		close(fd);
	}
	closedir(d);
	if (n > 0)
		ftps_warn("the spool folder %s keeps %u file%s with changes that could not be "
		          "uploaded (%s%s): copy what you need back, then delete them", dir, n,
		          n == 1 ? "" : "s", first, n > 1 ? ", ..." : "");
}

static void spool_close(struct ftpsfs_file *f, int keep)
{
	if (f->spool_fd < 0)
		return;
	if (keep)
		spool_name_kept(f);
	close(f->spool_fd);
	f->spool_fd = -1;
	if (!keep)
		unlink(f->spool_path);
}

/* A failed upload leaves the spool file for the user: say where, once,
 * and what it holds (an append's holds only the appended bytes, at their
 * offsets: the server's version is before them). */
static void spool_name_kept(struct ftpsfs_file *f)
{
	if (f->spool_fd < 0 || f->spool_named)
		return;
	if (f->state == F_APPEND)
		ftps_error("the bytes appended to %s could not be uploaded; they are kept in %s "
		           "from offset %llu on (the bytes before it are the server's version)",
		           f->path, f->spool_path, (unsigned long long)f->base);
	else
		ftps_error("the changes to %s could not be uploaded; they are kept in %s", f->path,
		           f->spool_path);
	f->spool_named = 1;
}

/* Bring the whole file into the spool (state becomes SPOOL). A download
 * that comes back short of the known size never becomes the base of an
 * edit (ftpsfs_download_fd checks). */
static int make_spool(struct ftpsfs_file *f)
{
	int64_t n;
	int rc;

	switch (f->state) {
	case F_SPOOL:
		return 0;
	case F_NEW:
		if ((rc = spool_open(f)) < 0)
			return rc;
		view_size(f, 0);
		break;
	case F_CLEAN:
		if ((rc = spool_open(f)) < 0 || (rc = spool_room(f, f->base)) < 0)
			return rc;
		n = ftpsfs_download_fd(f->fs, f->remote, f->spool_fd,
		                       f->base_known ? (int64_t)f->base : -1, 0);
		if (n < 0) {
			spool_close(f, 0);
			return (int)n;
		}
		f->base = (uint64_t)n;
		f->base_known = 1;
		pthread_mutex_lock(&open_mu);
		f->size = f->base;
		pthread_mutex_unlock(&open_mu);
		break;
	case F_APPEND:
		if ((rc = spool_room(f, f->base)) < 0)
			return rc;
		n = ftpsfs_download_fd(f->fs, f->remote, f->spool_fd, (int64_t)f->base, 1);
		if (n < 0)
			return (int)n;
		if ((uint64_t)n != f->base) {
			ftps_error("%s changed on the server while open for appending", f->path);
			return -EIO;
		}
		break;
	case F_STREAM:
		/* The spool copy has every byte: the upload starts over from it
		 * at flush. Without a copy (the spool folder was full) there is
		 * nowhere to rewrite the file. */
		if (f->spool_fd < 0) {
			ftps_error("%s: no spool copy to change it in while it uploads", f->path);
			return -ENOSPC;
		}
		ftpsfs_upload_abort(f->up);
		f->up = NULL;
		break;
	}
	f->state = F_SPOOL;
	return 0;
}

/* ---- opening ---- */

/* A further open of a file already open. */
static int reopen(struct ftpsfs_file *f, int flags)
{
	pthread_mutex_lock(&f->mu);
	if ((flags & O_ACCMODE) != O_RDONLY)
		f->writable = 1;
	if (f->writable && (flags & O_TRUNC) && (f->size > 0 || !f->base_known))
		make_empty(f);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/* The server's size of a file its listing showed without one (an MLSD
 * entry may lack the size fact): SIZE, else unknown. */
static int ask_size(struct ftpsfs *fs, const char *remote, uint64_t *size)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;
	ftps_err e = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, &st);

	if (e != FTPS_OK)
		return 0;
	e = ftps_size(c, remote, size, &st);
	ftps_pool_put(fs->pool, c, e);
	if (e != FTPS_OK)
		ftps_debug("SIZE %s: %s; its size stays unknown", remote, st.msg);
	return e == FTPS_OK;
}

/* Put f in the list, unless another open of the same path won the race:
 * then that one is used and f is freed. */
static struct ftpsfs_file *publish(struct ftpsfs_file *f, int flags, int *reopened)
{
	struct ftpsfs_file *other;

	pthread_mutex_lock(&open_mu);
	if ((other = find_locked(f->fs, f->path)) != NULL) {
		other->refs++;
		pthread_mutex_unlock(&open_mu);
		file_free(f);
		*reopened = 1;
		reopen(other, flags);
		return other;
	}
	list_add_locked(f);
	pthread_mutex_unlock(&open_mu);
	*reopened = 0;
	return f;
}

int ftpsfs_file_open(struct ftpsfs *fs, const char *path, int flags, struct ftpsfs_file **out)
{
	struct ftps_entry e;
	struct ftpsfs_file *f;
	int rc, reopened;

	*out = NULL;
	if ((f = take(fs, path)) != NULL) {
		*out = f;
		return reopen(f, flags);
	}
	if ((rc = ftpsfs_lookup(fs, path, &e)) < 0)
		return rc;
	if (e.type == FTPS_FT_DIR) {
		ftps_entry_clear(&e);
		return -EISDIR;
	}
	f = file_new(fs, path, flags);
	if (!f) {
		ftps_entry_clear(&e);
		return -ENOMEM;
	}
	f->base_known = e.has_size;
	f->base = e.has_size ? e.size : 0;
	if (!f->base_known && e.type == FTPS_FT_FILE)
		f->base_known = ask_size(fs, f->remote, &f->base);
	f->size = f->base;
	f->has_mode = e.has_mode;
	f->mode = e.has_mode ? e.mode & 07777 : 0;
	ftps_entry_clear(&e);
	f->state = F_CLEAN;
	f->on_server = 1;
	if (f->writable && (flags & O_TRUNC)) {
		f->state = F_NEW;
		f->size = 0;
		f->dirty = 1;
		f->changed = now_s();
	}
	*out = publish(f, flags, &reopened);
	return 0;
}

int ftpsfs_file_create(struct ftpsfs *fs, const char *path, mode_t mode, int flags,
                       struct ftpsfs_file **out)
{
	struct ftpsfs_file *f = take(fs, path);
	struct ftps_entry e;
	int reopened;

	*out = NULL;
	if (f) {
		*out = f;
		return reopen(f, flags);
	}
	f = file_new(fs, path, flags | O_WRONLY);
	if (!f)
		return -ENOMEM;
	f->writable = 1;
	/* O_CREAT without O_EXCL or O_TRUNC keeps a file that is there: the
	 * kernel thought the name free (another client made it since the
	 * listing), the server has one - open it, never replace it. */
	if (!(flags & (O_EXCL | O_TRUNC)) && ask_size(fs, f->remote, &f->base)) {
		f->base_known = 1;
		f->size = f->base;
		f->state = F_CLEAN;
		f->on_server = 1;
		*out = publish(f, flags, &reopened);
		ftpsfs_meta_unknown(fs, path);
		return 0;
	}
	f->state = F_NEW;
	f->dirty = 1;
	f->changed = now_s();
	f->has_mode = 1;
	f->mode = mode & 07777 & ~fs->opts->umask;
	f->base_known = 1;
	*out = publish(f, flags, &reopened);
	if (reopened)
		return 0;
	/* Visible (size 0) to stat and other processes from now on. */
	memset(&e, 0, sizeof(e));
	e.type = FTPS_FT_FILE;
	e.has_size = 1;
	e.mtime = f->changed;
	e.mtime_prec = FTPS_TP_SECOND;
	e.has_mode = 1;
	e.mode = f->mode;
	ftpsfs_meta_learnt(fs, path, &e);
	ftpsfs_touch_parent(fs, path);
	return 0;
}

/* ---- reading ---- */

ssize_t ftpsfs_file_read(struct ftpsfs_file *f, char *buf, size_t len, off_t off)
{
	ssize_t n;
	int rc;

	pthread_mutex_lock(&f->mu);
	switch (f->state) {
	case F_CLEAN:
		if (!f->reader)
			f->reader = ftpsfs_reader_new(f->fs, f->remote,
			                              f->base_known ? (int64_t)f->base : -1);
		struct ftpsfs_reader *r = f->reader;
		if (r)
			ftpsfs_reader_hold(r);   /* a flush may drop f->reader meanwhile */
		pthread_mutex_unlock(&f->mu);
		/* The reader has its own lock; reads run in parallel with stat. */
		if (!r)
			return -ENOMEM;
		n = ftpsfs_reader_read(r, buf, len, off);
		ftpsfs_reader_free(r);
		return n;
	case F_NEW:
		pthread_mutex_unlock(&f->mu);
		return 0;
	case F_STREAM:
	case F_APPEND:
		if ((rc = make_spool(f)) < 0) {
			f->err = rc;
			pthread_mutex_unlock(&f->mu);
			return rc;
		}
		/* fall through */
	case F_SPOOL:
		break;
	}
	n = pread(f->spool_fd, buf, len, off);
	if (n < 0)
		n = -errno;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* ---- writing ---- */

static ssize_t spool_write(struct ftpsfs_file *f, const char *buf, size_t len, off_t off)
{
	ssize_t n;
	int rc;

	if ((rc = spool_room(f, len)) < 0)
		return rc;
	n = pwrite(f->spool_fd, buf, len, off);
	if (n < 0)
		return -errno;
	if ((uint64_t)off + (uint64_t)n > f->size)
		view_size(f, (uint64_t)off + (uint64_t)n);
	else
		view_size(f, f->size);
	return n;
}

/* The streamed upload failed (after its own resumes) with len more bytes
 * written. With the spool copy the file carries on as a spooled one: a
 * network failure is retried at close, any other is reported and the copy
 * kept. Without it the written data are gone: the write fails. */
static ssize_t stream_failed(struct ftpsfs_file *f, int rc, size_t len)
{
	ftpsfs_upload_abort(f->up);
	f->up = NULL;
	if (f->spool_fd >= 0) {
		f->state = F_SPOOL;
		view_size(f, f->size + len);
		if (ftpsfs_upload_retryable(rc)) {
			ftps_warn("upload of %s failed while writing (%s); the rest is spooled and "
			          "uploaded at close", f->path, strerror(-rc));
			return (ssize_t)len;
		}
		f->err = rc;
		spool_name_kept(f);
		return rc;
	}
	f->state = F_NEW;
	view_size(f, 0);
	f->err = rc;
	ftps_error("upload of %s failed while writing; the earlier version is unchanged", f->path);
	return rc;
}

/* A write at the end of a streamed upload: copied into the spool file,
 * then queued for the upload's sender. Without room for the copy it is
 * given up: the stream goes on unprotected, sent from here (the upload
 * has no sender once its source is dropped). */
static ssize_t stream_write(struct ftpsfs_file *f, const char *buf, size_t len, off_t off)
{
	int rc;

	if (f->spool_fd >= 0 &&
	    (!spool_has_room(f, len) || pwrite(f->spool_fd, buf, len, off) != (ssize_t)len)) {
		ftps_warn("no room for a spool copy of %s in %s: the upload goes on without one, "
		          "so a failure now loses it", f->path, f->fs->opts->spool_dir);
		if ((rc = ftpsfs_upload_drop_source(f->up)) < 0) {
			/* The upload failed meanwhile: the spool file keeps
			 * what came before this write, which fails. */
			stream_failed(f, rc, 0);
			f->err = -ENOSPC;
			spool_name_kept(f);
			return -ENOSPC;
		}
		spool_close(f, 0);
	}
	if ((rc = ftpsfs_upload_queue(f->up, buf, len)) < 0)
		return stream_failed(f, rc, len);
	view_size(f, f->size + len);
	return (ssize_t)len;
}

static ssize_t write_locked(struct ftpsfs_file *f, const char *buf, size_t len, off_t off)
{
	int rc;

	if (f->err)
		return f->err;
	if (f->detached) {
		/* Nobody will see this file again under a name: keep its bytes
		 * in the spool for its own descriptors, upload nothing. */
		if ((rc = make_spool(f)) < 0)
			return rc;
		return spool_write(f, buf, len, off);
	}
	/* An empty file written from 0 (a shell's "> file" flushes the new
	 * file once before printf writes) is a new upload, not an APPE. Only
	 * when the server's size is known to be 0: a write at 0 into a file
	 * of unknown size must not replace it with just these bytes. */
	if (f->state == F_CLEAN && f->base_known && f->size == 0 && off == 0) {
		ftpsfs_reader_free(f->reader);
		f->reader = NULL;
		f->state = F_NEW;
	}
	switch (f->state) {
	case F_NEW:
		if (off != 0)
			break;
		if (spool_open(f) < 0)
			ftps_warn("the upload of %s goes on without a spool copy: a failure loses it",
			          f->path);
		if ((rc = ftpsfs_upload_start(f->fs, f->remote, 0, f->spool_fd, &f->up)) < 0) {
			/* No stream now: with a spool copy the file is written
			 * there and uploaded (with retries) at close; without
			 * one, this write and the close fail, and nothing of the
			 * file reaches the server. */
			if (f->spool_fd >= 0 && ftpsfs_upload_retryable(rc)) {
				ftps_warn("upload of %s could not start (%s); it is spooled and uploaded "
				          "at close", f->path, strerror(-rc));
				f->state = F_SPOOL;
				return spool_write(f, buf, len, off);
			}
			spool_close(f, 0);
			f->err = rc;
			return rc;
		}
		if (f->spool_fd >= 0)
			ftpsfs_upload_background(f->up);   /* else sent as written */
		f->state = F_STREAM;
		/* fall through */
	case F_STREAM:
		if ((uint64_t)off != f->size)
			break;
		return stream_write(f, buf, len, off);
	case F_CLEAN:
		if (!f->base_known || (uint64_t)off != f->size)
			break;
		/* Appending to the server's version: spool only the new bytes. */
		if ((rc = spool_open(f)) < 0)
			return rc;
		f->state = F_APPEND;
		/* fall through */
	case F_APPEND:
		if ((uint64_t)off != f->size)
			break;
		return spool_write(f, buf, len, off);
	case F_SPOOL:
		return spool_write(f, buf, len, off);
	}
	if ((rc = make_spool(f)) < 0) {
		f->err = rc;
		return rc;
	}
	return spool_write(f, buf, len, off);
}

ssize_t ftpsfs_file_write(struct ftpsfs_file *f, const char *buf, size_t len, off_t off)
{
	ssize_t n;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&f->mu);
	n = write_locked(f, buf, len, off);
	pthread_mutex_unlock(&f->mu);
	return n;
}

static int truncate_locked(struct ftpsfs_file *f, uint64_t size)
{
	int rc;

	if (size == f->size && (f->base_known || f->state != F_CLEAN)) {
		/* Nothing to cut, but a change all the same: its time moves. */
		if (f->state != F_CLEAN)
			view_set(f, size, 1);
		return 0;
	}
	if (size == 0 && f->state != F_SPOOL) {
		make_empty(f);
		return 0;
	}
	if ((rc = make_spool(f)) < 0)
		return rc;
	if (size > f->size && ((rc = spool_max_size(f, size)) < 0 ||
	                       (rc = spool_room(f, size - f->size)) < 0))
		return rc;
	if (ftruncate(f->spool_fd, (off_t)size) != 0)
		return -errno;
	view_size(f, size);
	return 0;
}

int ftpsfs_file_truncate(struct ftpsfs_file *f, off_t size)
{
	int rc;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&f->mu);
	rc = truncate_locked(f, (uint64_t)size);
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/* ---- uploading ---- */

/* What the next upload applies, read under open_mu (utimens and chmod set
 * them there, without waiting for the file). */
struct pending {
	int mode;               /* -1: none */
	int64_t mtime;          /* -1: none */
};

static struct pending pending_now(struct ftpsfs_file *f)
{
	struct pending p;

	pthread_mutex_lock(&open_mu);
	p.mode = f->has_mode ? (int)(f->mode & 07777) : -1;
	p.mtime = f->pending_mtime;
	pthread_mutex_unlock(&open_mu);
	return p;
}

static void note_uploaded(struct ftpsfs_file *f, const struct ftpsfs_uploaded *res,
                          const struct pending *p)
{
	struct ftps_entry e;

	memset(&e, 0, sizeof(e));
	e.type = FTPS_FT_FILE;
	e.has_size = 1;
	e.size = res->size;
	e.mtime = res->mtime;
	e.mtime_prec = FTPS_TP_SECOND;
	/* The mode shown is one the server has: the one set, else unknown
	 * (a refused SITE CHMOD must not leave the asked-for mode showing). */
	if (p->mode >= 0 && res->mode_set) {
		e.has_mode = 1;
		e.mode = (uint32_t)p->mode;
	}
	ftpsfs_meta_uploaded(f->fs, f->path, &e, res->mtime_exact);
	f->base = res->size;
	f->base_known = 1;
	f->on_server = 1;
	pthread_mutex_lock(&open_mu);
	f->size = res->size;
	f->dirty = 0;
	if (f->pending_mtime == p->mtime)
		f->pending_mtime = -1;
	if (!res->mode_set && p->mode >= 0)
		f->has_mode = 0;
	pthread_mutex_unlock(&open_mu);
	/* Reads of the new version start afresh. */
	ftpsfs_reader_free(f->reader);
	f->reader = NULL;
}

static int flush_locked(struct ftpsfs_file *f)
{
	struct ftpsfs_uploaded res;
	struct pending p = pending_now(f);
	int rc = 0;

	if (f->err)
		return f->err;
	if (!f->dirty || f->detached)
		return 0;
	switch (f->state) {
	case F_CLEAN:
		return 0;
	case F_NEW:
		/* An empty file: an upload with no data. */
		if ((rc = ftpsfs_upload_start(f->fs, f->remote, 0, -1, &f->up)) < 0)
			break;
		/* fall through */
	case F_STREAM:
		rc = ftpsfs_upload_finish(f->up, p.mode, p.mtime, &res);
		f->up = NULL;
		if (rc == 0) {
			spool_close(f, 0);
			f->state = F_CLEAN;
			note_uploaded(f, &res, &p);
			break;
		}
		if (f->spool_fd < 0) {
			/* No copy: the data are gone with the stream; close says so. */
			f->state = F_NEW;
			view_set(f, 0, f->dirty);
			break;
		}
		/* Every byte is in the spool copy: start over from it, which
		 * also serves servers that refuse APPE for a resume. */
		ftps_warn("upload of %s failed (%s); trying again from the spool copy", f->path,
		          strerror(-rc));
		f->state = F_SPOOL;
		/* fall through */
	case F_SPOOL:
		rc = ftpsfs_upload_fd(f->fs, f->remote, f->spool_fd, 0, f->size, 0, p.mode,
		                      p.mtime, &res);
		if (rc == 0)
			note_uploaded(f, &res, &p);   /* the spool stays for reads until release */
		break;
	case F_APPEND:
		if (!appe_refused) {
			rc = ftpsfs_upload_fd(f->fs, f->remote, f->spool_fd, f->base, f->size, 1, -1,
			                      p.mtime, &res);
			if (rc == 0) {
				spool_close(f, 0);
				f->state = F_CLEAN;
				note_uploaded(f, &res, &p);
				break;
			}
			if (rc != -ENOTSUP)
				break;  /* not a refusal to append: kept, and close says so */
		}
		/* The server refuses APPE (ProFTPD by default): fetch its
		 * version under the appended bytes and send the whole file. */
		ftps_debug("%s: appending refused; uploading the whole file", f->path);
		if ((rc = make_spool(f)) < 0)
			break;
		rc = ftpsfs_upload_fd(f->fs, f->remote, f->spool_fd, 0, f->size, 0, p.mode,
		                      p.mtime, &res);
		if (rc == 0) {
			appe_refused = 1;
			note_uploaded(f, &res, &p);
		}
		break;
	}
	if (rc < 0) {
		/* A new file the server never got is not there; of one it has,
		 * the old version stays, with attributes we no longer know. */
		if (f->on_server)
			ftpsfs_meta_unknown(f->fs, f->path);
		else
			ftpsfs_meta_removed(f->fs, f->path, 0);
		f->err = rc;
		if (f->state == F_SPOOL || f->state == F_APPEND)
			spool_name_kept(f);   /* now: an unmount may never release f */
	}
	return rc;
}

int ftpsfs_file_flush(struct ftpsfs_file *f)
{
	int rc;

	pthread_mutex_lock(&f->mu);
	rc = flush_locked(f);
	if (rc < 0 && f->state != F_SPOOL && f->state != F_APPEND) {
		/* Reported once; nothing is left to retry. Not dirty either:
		 * release must not upload the empty F_NEW that a failed stream
		 * leaves, over the version the failure left intact. */
		f->err = 0;
		view_set(f, f->size, 0);
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/* The last reference is gone (f is out of the list): finish and free. */
static void release_last(struct ftpsfs_file *f)
{
	pthread_mutex_lock(&f->mu);
	if (f->dirty && !f->err && !f->detached)
		flush_locked(f);    /* normally flush ran already */
	if (f->up)
		ftpsfs_upload_abort(f->up);
	f->up = NULL;
	spool_close(f, f->dirty && !f->detached && (f->state == F_SPOOL || f->state == F_APPEND));
	pthread_mutex_unlock(&f->mu);
	file_free(f);
}

void ftpsfs_file_release(struct ftpsfs_file *f)
{
	if (f)
		unref(f);
}

/* ---- by path, for other operations ---- */

static void stat_view_locked(const struct ftpsfs_file *f, struct stat *sb)
{
	sb->st_size = (off_t)f->size;
	sb->st_blocks = (sb->st_size + 511) / 512;
	if (f->pending_mtime >= 0 || f->changed > 0) {
		sb->st_mtim.tv_sec = (time_t)(f->pending_mtime >= 0 ? f->pending_mtime : f->changed);
		sb->st_mtim.tv_nsec = 0;
		sb->st_ctim = sb->st_mtim;
	}
	if (f->has_mode)
		sb->st_mode = (sb->st_mode & ~07777u) | f->mode;
}

int ftpsfs_file_stat_open(struct ftpsfs *fs, const char *path, struct stat *sb)
{
	struct ftpsfs_file *f;
	int found = 0;

	pthread_mutex_lock(&open_mu);
	if ((f = find_locked(fs, path)) != NULL && f->dirty) {
		stat_view_locked(f, sb);
		found = 1;
	}
	pthread_mutex_unlock(&open_mu);
	return found;
}

int ftpsfs_file_path(struct ftpsfs_file *f, char *buf, size_t len)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&open_mu);
	if (!f->detached && strlen(f->path) < len) {
		memcpy(buf, f->path, strlen(f->path) + 1);
		rc = 0;
	}
	pthread_mutex_unlock(&open_mu);
	return rc;
}

void ftpsfs_file_fstat(struct ftpsfs_file *f, struct stat *sb)
{
	pthread_mutex_lock(&open_mu);
	if (f->dirty || f->detached)
		stat_view_locked(f, sb);
	if (f->detached)
		sb->st_nlink = 0;
	pthread_mutex_unlock(&open_mu);
}

int ftpsfs_file_set_pending_mtime(struct ftpsfs *fs, const char *path, int64_t mtime)
{
	struct ftpsfs_file *f;
	int found = 0;

	pthread_mutex_lock(&open_mu);
	if ((f = find_locked(fs, path)) != NULL && f->dirty) {
		f->pending_mtime = mtime;
		found = 1;
	}
	pthread_mutex_unlock(&open_mu);
	return found;
}

int ftpsfs_file_set_pending_mode(struct ftpsfs *fs, const char *path, mode_t mode)
{
	struct ftpsfs_file *f;
	int found = 0;

	pthread_mutex_lock(&open_mu);
	if ((f = find_locked(fs, path)) != NULL && f->dirty) {
		f->has_mode = 1;
		f->mode = mode & 07777;
		found = 1;
	}
	pthread_mutex_unlock(&open_mu);
	return found;
}

int ftpsfs_truncate_path(struct ftpsfs *fs, const char *path, off_t size)
{
	struct ftpsfs_file *f;
	int rc;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&open_mu);
	if ((f = find_locked(fs, path)) != NULL && f->dirty)
		f->refs++;
	else
		f = NULL;
	pthread_mutex_unlock(&open_mu);
	if (f) {
		pthread_mutex_lock(&f->mu);
		rc = truncate_locked(f, (uint64_t)size);
		pthread_mutex_unlock(&f->mu);
		unref(f);
		return rc;
	}
	/* No open file with changes: a file of our own for the job. */
	if ((rc = ftpsfs_file_open(fs, path, O_WRONLY | (size == 0 ? O_TRUNC : 0), &f)) < 0)
		return rc;
	rc = ftpsfs_file_truncate(f, size);
	if (rc == 0)
		rc = ftpsfs_file_flush(f);
	ftpsfs_file_release(f);
	return rc;
}

void ftpsfs_file_flush_all(struct ftpsfs *fs)
{
	struct ftpsfs_file **todo = NULL, *f;
	size_t n = 0, cap = 0;

	/* Take them out of the list's lock first: each flush may take long. */
	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next) {
		if (f->fs != fs || !f->dirty)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ftpsfs_file **t = realloc(todo, ncap * sizeof(*t));
			if (!t)
				break;
			todo = t;
			cap = ncap;
		}
		f->refs++;
		todo[n++] = f;
	}
	pthread_mutex_unlock(&open_mu);
	for (size_t i = 0; i < n; i++) {
		f = todo[i];
		pthread_mutex_lock(&f->mu);
		if (f->dirty && !f->err && !f->detached) {
			ftps_info("unmounting: uploading %s", f->path);
			flush_locked(f);
		}
		pthread_mutex_unlock(&f->mu);
		unref(f);
	}
	free(todo);
}

/* ---- namespace changes ---- */

struct ftpsfs_held {
	size_t n;
	struct ftpsfs_file *f[];
};

static int at_or_below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

static int concerns(const struct ftpsfs_file *f, struct ftpsfs *fs, const char *from,
                    const char *to)
{
	return f->fs == fs && (at_or_below(f->path, from) || (to && strcmp(f->path, to) == 0));
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(struct ftpsfs_file *const *)a;
	uintptr_t y = (uintptr_t)*(struct ftpsfs_file *const *)b;

	return x < y ? -1 : x > y;
}

struct ftpsfs_held *ftpsfs_files_hold(struct ftpsfs *fs, const char *from, const char *to)
{
	struct ftpsfs_held *h;
	struct ftpsfs_file *f;
	size_t n = 0, k = 0;

	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next)
		n += concerns(f, fs, from, to);
	h = malloc(sizeof(*h) + n * sizeof(h->f[0]));
	if (!h) {
		pthread_mutex_unlock(&open_mu);
		return NULL;
	}
	for (f = open_head; f && k < n; f = f->next) {
		if (concerns(f, fs, from, to)) {
			f->refs++;
			h->f[k++] = f;
		}
	}
	pthread_mutex_unlock(&open_mu);
	h->n = k;
	/* One order for every holder: no two can wait for each other. */
	qsort(h->f, h->n, sizeof(h->f[0]), by_address);
	for (size_t i = 0; i < h->n; i++)
		pthread_mutex_lock(&h->f[i]->mu);
	/* A file renamed away or detached while we waited for it is not ours
	 * any more: let it go (after the list's lock, as unref takes it). The
	 * ones to keep move to the front, in order; the rest to the back. */
	size_t keep = 0;
	pthread_mutex_lock(&open_mu);
	for (size_t i = 0; i < h->n; i++) {
		f = h->f[i];
		if (!f->detached && concerns(f, fs, from, to)) {
			h->f[i] = h->f[keep];
			h->f[keep++] = f;
		}
	}
	pthread_mutex_unlock(&open_mu);
	for (size_t i = keep; i < h->n; i++) {
		pthread_mutex_unlock(&h->f[i]->mu);
		unref(h->f[i]);
	}
	h->n = keep;
	return h;
}

int ftpsfs_held_has(const struct ftpsfs_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (strcmp(h->f[i]->path, path) == 0)
			return 1;
	return 0;
}

int ftpsfs_held_only_local(const struct ftpsfs_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (strcmp(h->f[i]->path, path) == 0 && !h->f[i]->on_server)
			return 1;
	return 0;
}

/* mu held: the file is gone from the namespace. Its upload (if one runs)
 * is cancelled and its temporary file removed; a stream keeps its bytes
 * in the spool copy for the file's descriptors. */
static void detach_locked(struct ftpsfs_file *f)
{
	if (f->up) {
		ftpsfs_upload_abort(f->up);
		f->up = NULL;
		if (f->state == F_STREAM)
			f->state = f->spool_fd >= 0 ? F_SPOOL : F_NEW;
	}
	f->err = 0;
	pthread_mutex_lock(&open_mu);
	f->detached = 1;
	list_del_locked(f);
	pthread_mutex_unlock(&open_mu);
	ftps_debug("%s: detached (unlinked or replaced while open): its changes stay local",
	           f->path);
}

void ftpsfs_held_keep_content(struct ftpsfs_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++) {
		struct ftpsfs_file *f = h->f[i];
		if (strcmp(f->path, path) != 0 || !f->writable ||
		    (f->state != F_CLEAN && f->state != F_APPEND))
			continue;
		if (make_spool(f) < 0)
			ftps_warn("%s: unlinked while open; its content could not be kept for its "
			          "descriptors", f->path);
	}
}

void ftpsfs_held_unlinked(struct ftpsfs_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (strcmp(h->f[i]->path, path) == 0)
			detach_locked(h->f[i]);
}

void ftpsfs_held_renamed(struct ftpsfs_held *h, const char *from, const char *to)
{
	size_t flen = strlen(from);

	if (!h || strcmp(from, to) == 0)
		return;
	/* What the rename replaced first, then what moved. */
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->f[i]->path, to) == 0)
			detach_locked(h->f[i]);
	for (size_t i = 0; i < h->n; i++) {
		struct ftpsfs_file *f = h->f[i];
		char npath[FTPS_MAX_PATH], nremote[FTPS_MAX_PATH];

		if (f->detached || !at_or_below(f->path, from))
			continue;
		if (snprintf(npath, sizeof(npath), "%s%s", to, f->path + flen) >= (int)sizeof(npath) ||
		    ftpsfs_remote(f->fs, npath, nremote, sizeof(nremote)) != 0) {
			detach_locked(f);         /* no name for it any more */
			continue;
		}
		pthread_mutex_lock(&open_mu);
		memcpy(f->path, npath, sizeof(npath));
		memcpy(f->remote, nremote, sizeof(nremote));
		pthread_mutex_unlock(&open_mu);
		if (f->up)
			ftpsfs_upload_retarget(f->up, nremote);
		ftpsfs_reader_free(f->reader);   /* reads go on under the new name */
		f->reader = NULL;
	}
}

void ftpsfs_files_release(struct ftpsfs_held *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		pthread_mutex_unlock(&h->f[i]->mu);
		unref(h->f[i]);
	}
	free(h);
}
