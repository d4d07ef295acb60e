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
 * Every field of a file is protected by its mutex; the list of open files
 * by open_mu. Lock order: open_mu, then a file's mutex.
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

#include "fs.h"
#include "file.h"
#include "reader.h"
#include "upload.h"
#include "path.h"

#define SPOOL_RESERVE (64ULL * 1024 * 1024)  /* left free on the spool's disk */

enum fstate { F_CLEAN, F_NEW, F_STREAM, F_APPEND, F_SPOOL };

struct ftpsfs_file {
	struct ftpsfs *fs;
	pthread_mutex_t mu;
	char path[FTPS_MAX_PATH];       /* in the mount */
	char remote[FTPS_MAX_PATH];
	int writable;
	enum fstate state;
	int dirty;                      /* changes not yet on the server */
	int err;                        /* a failed upload's -errno, for flush */
	uint64_t size;                  /* the file's size as the user sees it */
	uint64_t base;                  /* the server's size (CLEAN/APPEND) */
	mode_t mode;                    /* to keep when replacing; 0 = server's default */
	int64_t pending_mtime;          /* set after the next upload; -1 none */
	struct ftpsfs_reader *reader;
	struct ftpsfs_upload *up;       /* STREAM */
	int spool_fd;
	char spool_path[PATH_MAX];
	int spool_named;                /* the log named spool_path as keeping changes */
	int on_server;                  /* the server has a version under this path */
	int refs;                       /* handles sharing this file, under open_mu */
	struct ftpsfs_file *prev, *next;
};

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
/* Set once the server refused an APPE that a whole upload then replaced:
 * later appends skip the refusal's round trip (one server per daemon). */
static _Atomic int appe_refused;
static struct ftpsfs_file *open_head;

static void reg_add(struct ftpsfs_file *f)
{
	pthread_mutex_lock(&open_mu);
	f->refs = 1;
	f->next = open_head;
	if (open_head)
		open_head->prev = f;
	open_head = f;
	pthread_mutex_unlock(&open_mu);
}

static void spool_close(struct ftpsfs_file *f, int keep);

/* An open file for path, with one more handle on it; NULL if none. Every
 * handle on a path shares one file, so each sees the others' writes. */
static struct ftpsfs_file *reg_take(struct ftpsfs *fs, const char *path)
{
	struct ftpsfs_file *f;

	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next)
		if (f->fs == fs && strcmp(f->path, path) == 0)
			break;
	if (f)
		f->refs++;
	pthread_mutex_unlock(&open_mu);
	return f;
}

/* Truncated to 0: whatever was pending is dropped, a new upload follows. */
static void make_empty(struct ftpsfs_file *f)
{
	ftpsfs_upload_abort(f->up);
	f->up = NULL;
	spool_close(f, 0);
	f->state = F_NEW;
	f->size = 0;
	f->dirty = 1;
}

/* A further open of a file already open. */
static int reopen(struct ftpsfs_file *f, int flags)
{
	pthread_mutex_lock(&f->mu);
	if ((flags & O_ACCMODE) != O_RDONLY)
		f->writable = 1;
	if (f->writable && (flags & O_TRUNC) && f->size > 0)
		make_empty(f);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/* Called with open_mu held. */
static void reg_del_locked(struct ftpsfs_file *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else if (open_head == f)
		open_head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
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
	f->writable = (flags & O_ACCMODE) != O_RDONLY;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (ftpsfs_remote(fs, path, f->remote, sizeof(f->remote)) != 0) {
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
	close(f->spool_fd);
	f->spool_fd = -1;
	if (!keep)
		unlink(f->spool_path);
	else if (!f->spool_named)
		ftps_error("the changes to %s could not be uploaded; they are kept in %s",
		           f->path, f->spool_path);
}

/* A failed upload leaves the spool file for the user: say where, once. */
static void spool_name_kept(struct ftpsfs_file *f)
{
	if (f->spool_fd < 0 || f->spool_named)
		return;
	ftps_error("the changes to %s could not be uploaded; they are kept in %s", f->path,
	           f->spool_path);
	f->spool_named = 1;
}

/* Bring the whole file into the spool (state becomes SPOOL). */
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
		f->size = 0;
		break;
	case F_CLEAN:
		if ((rc = spool_open(f)) < 0 || (rc = spool_room(f, f->base)) < 0)
			return rc;
		n = ftpsfs_download_fd(f->fs, f->remote, f->spool_fd);
		if (n < 0)
			return (int)n;
		f->size = f->base = (uint64_t)n;
		break;
	case F_APPEND:
		if ((rc = spool_room(f, f->base)) < 0)
			return rc;
		n = ftpsfs_download_fd(f->fs, f->remote, f->spool_fd);
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

int ftpsfs_file_open(struct ftpsfs *fs, const char *path, int flags, struct ftpsfs_file **out)
{
	struct ftps_entry e;
	struct ftpsfs_file *f;
	int rc = ftpsfs_lookup(fs, path, &e);

	*out = NULL;
	if (rc < 0)
		return rc;
	if ((f = reg_take(fs, path)) != NULL) {
		ftps_entry_clear(&e);
		*out = f;
		return reopen(f, flags);
	}
	if (e.type == FTPS_FT_DIR) {
		ftps_entry_clear(&e);
		return -EISDIR;
	}
	f = file_new(fs, path, flags);
	if (!f) {
		ftps_entry_clear(&e);
		return -ENOMEM;
	}
	f->base = f->size = e.has_size ? e.size : 0;
	f->mode = e.has_mode ? e.mode & 07777 : 0;
	ftps_entry_clear(&e);
	f->state = F_CLEAN;
	f->on_server = 1;
	if (f->writable && (flags & O_TRUNC)) {
		f->state = F_NEW;
		f->size = 0;
		f->dirty = 1;
	}
	reg_add(f);
	*out = f;
	return 0;
}

int ftpsfs_file_create(struct ftpsfs *fs, const char *path, mode_t mode, int flags,
                       struct ftpsfs_file **out)
{
	struct ftpsfs_file *f = reg_take(fs, path);
	struct ftps_entry e;

	*out = NULL;
	if (f) {
		*out = f;
		return reopen(f, flags);
	}
	f = file_new(fs, path, flags | O_WRONLY);
	if (!f)
		return -ENOMEM;
	f->writable = 1;
	f->state = F_NEW;
	f->dirty = 1;
	f->mode = mode & 07777 & ~fs->opts->umask;
	/* Visible (size 0) to stat and other processes from now on. */
	memset(&e, 0, sizeof(e));
	e.type = FTPS_FT_FILE;
	e.has_size = 1;
	e.mtime = time(NULL);
	e.mtime_prec = FTPS_TP_SECOND;
	e.has_mode = 1;
	e.mode = f->mode ? f->mode : 0644;
	ftps_dircache_upsert(fs->dc, path, &e, ftps_dircache_clock());
	reg_add(f);
	*out = f;
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
			f->reader = ftpsfs_reader_new(f->fs, f->remote, (int64_t)f->base);
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
		f->size = (uint64_t)off + (uint64_t)n;
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
		f->size += len;
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
	f->size = 0;
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
	f->size += len;
	return (ssize_t)len;
}

static ssize_t write_locked(struct ftpsfs_file *f, const char *buf, size_t len, off_t off)
{
	int rc;

	if (f->err)
		return f->err;
	f->dirty = 1;
	/* An empty file written from 0 (a shell's "> file" flushes the new
	 * file once before printf writes) is a new upload, not an APPE. */
	if (f->state == F_CLEAN && f->size == 0 && off == 0) {
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
			spool_close(f, 0);
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
		if ((uint64_t)off != f->size)
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

	if (size == f->size)
		return 0;
	if (size == 0 && f->state != F_SPOOL) {
		make_empty(f);
		return 0;
	}
	if ((rc = make_spool(f)) < 0)
		return rc;
	if (size > f->size && (rc = spool_room(f, size - f->size)) < 0)
		return rc;
	if (ftruncate(f->spool_fd, (off_t)size) != 0)
		return -errno;
	f->size = size;
	f->dirty = 1;
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

static void note_uploaded(struct ftpsfs_file *f, const struct ftpsfs_uploaded *res)
{
	struct ftps_entry e;

	memset(&e, 0, sizeof(e));
	e.type = FTPS_FT_FILE;
	e.has_size = 1;
	e.size = res->size;
	e.mtime = res->mtime;
	e.mtime_prec = FTPS_TP_SECOND;
	if (f->mode) {
		e.has_mode = 1;
		e.mode = f->mode;
	}
	ftps_dircache_upsert(f->fs->dc, f->path, &e, ftps_dircache_clock());
	/* Once a listing shows the file to the minute only, its exact time
	 * is still known: no MDTM for what we wrote (rsync, cp -p). */
	if (res->mtime_exact)
		ftps_mtcache_seed(f->fs->mt, f->path, res->size, res->mtime);
	else
		ftps_mtcache_remove(f->fs->mt, f->path, 0);
	f->base = f->size = res->size;
	f->dirty = 0;
	f->on_server = 1;
	f->pending_mtime = -1;
	/* Reads of the new version start afresh. */
	ftpsfs_reader_free(f->reader);
	f->reader = NULL;
}

static int flush_locked(struct ftpsfs_file *f)
{
	struct ftpsfs_uploaded res;
	int rc = 0;

	if (f->err)
		return f->err;
	if (!f->dirty)
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
		rc = ftpsfs_upload_finish(f->up, f->mode, f->pending_mtime, &res);
		f->up = NULL;
		if (rc == 0) {
			spool_close(f, 0);
			f->state = F_CLEAN;
			note_uploaded(f, &res);
			break;
		}
		if (f->spool_fd < 0) {
			/* No copy: the data are gone with the stream; close says so. */
			f->state = F_NEW;
			f->size = 0;
			break;
		}
		/* Every byte is in the spool copy: start over from it, which
		 * also serves servers that refuse APPE for a resume. */
		ftps_warn("upload of %s failed (%s); trying again from the spool copy", f->path,
		          strerror(-rc));
		f->state = F_SPOOL;
		/* fall through */
	case F_SPOOL:
		rc = ftpsfs_upload_fd(f->fs, f->remote, f->spool_fd, 0, f->size, 0, f->mode,
		                      f->pending_mtime, &res);
		if (rc == 0)
			note_uploaded(f, &res);   /* the spool stays for reads until release */
		break;
	case F_APPEND:
		if (!appe_refused) {
			rc = ftpsfs_upload_fd(f->fs, f->remote, f->spool_fd, f->base, f->size, 1, 0,
			                      f->pending_mtime, &res);
			if (rc == 0) {
				spool_close(f, 0);
				f->state = F_CLEAN;
				note_uploaded(f, &res);
				break;
			}
			if (rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -ENOSPC)
				break;
		}
		/* The server refuses APPE (ProFTPD by default): fetch its
		 * version under the appended bytes and send the whole file. */
		ftps_debug("%s: appending refused; uploading the whole file", f->path);
		if (make_spool(f) < 0)
			break;
		rc = ftpsfs_upload_fd(f->fs, f->remote, f->spool_fd, 0, f->size, 0, f->mode,
		                      f->pending_mtime, &res);
		if (rc == 0) {
			appe_refused = 1;
			note_uploaded(f, &res);
		}
		break;
	}
	if (rc < 0) {
		ftps_dircache_forget(f->fs->dc, f->path, ftps_dircache_clock());
		ftps_mtcache_remove(f->fs->mt, f->path, 0);
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
		f->dirty = 0;
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

void ftpsfs_file_release(struct ftpsfs_file *f)
{
	if (!f)
		return;
	/* The last handle leaves the list in the same hold of open_mu: once
	 * open_mu is let go, reg_take must not find f to hand out again. */
	pthread_mutex_lock(&open_mu);
	int last = --f->refs <= 0;
	if (last)
		reg_del_locked(f);
	pthread_mutex_unlock(&open_mu);
	if (!last)
		return;
	pthread_mutex_lock(&f->mu);
	if (f->dirty && !f->err)
		flush_locked(f);    /* normally flush ran already */
	if (f->up)
		ftpsfs_upload_abort(f->up);
	f->up = NULL;
	spool_close(f, f->dirty && (f->state == F_SPOOL || f->state == F_APPEND));
	pthread_mutex_unlock(&f->mu);
	ftpsfs_reader_free(f->reader);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* ---- by path, for other operations ---- */

/* Find an open file with changes for path; returns it locked, or NULL. */
static struct ftpsfs_file *find_dirty(struct ftpsfs *fs, const char *path)
{
	struct ftpsfs_file *f;

	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next) {
		if (f->fs != fs || strcmp(f->path, path) != 0)
			continue;
		pthread_mutex_lock(&f->mu);
		if (f->dirty)
			break;
		pthread_mutex_unlock(&f->mu);
	}
	pthread_mutex_unlock(&open_mu);
	return f;
}

int ftpsfs_file_stat_open(struct ftpsfs *fs, const char *path, struct stat *sb)
{
	struct ftpsfs_file *f = find_dirty(fs, path);

	if (!f)
		return 0;
	sb->st_size = (off_t)f->size;
	sb->st_blocks = (sb->st_size + 511) / 512;
	if (f->pending_mtime >= 0) {
		sb->st_mtim.tv_sec = (time_t)f->pending_mtime;
		sb->st_mtim.tv_nsec = 0;
	}
	if (f->mode)
		sb->st_mode = (sb->st_mode & ~07777u) | f->mode;
	pthread_mutex_unlock(&f->mu);
	return 1;
}

int ftpsfs_file_set_pending_mtime(struct ftpsfs *fs, const char *path, int64_t mtime)
{
	struct ftpsfs_file *f = find_dirty(fs, path);

	if (!f)
		return 0;
	f->pending_mtime = mtime;
	pthread_mutex_unlock(&f->mu);
	return 1;
}

int ftpsfs_file_set_pending_mode(struct ftpsfs *fs, const char *path, mode_t mode)
{
	struct ftpsfs_file *f = find_dirty(fs, path);

	if (!f)
		return 0;
	f->mode = mode & 07777;
	pthread_mutex_unlock(&f->mu);
	return 1;
}

int ftpsfs_truncate_path(struct ftpsfs *fs, const char *path, off_t size)
{
	struct ftpsfs_file *f = find_dirty(fs, path);
	int rc;

	if (f) {
		rc = size < 0 ? -EINVAL : truncate_locked(f, (uint64_t)size);
		pthread_mutex_unlock(&f->mu);
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
	struct ftpsfs_file *f;

	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next) {
		if (f->fs != fs)
			continue;
		pthread_mutex_lock(&f->mu);
		if (f->dirty && !f->err) {
			ftps_info("unmounting: uploading %s", f->path);
			flush_locked(f);
		}
		pthread_mutex_unlock(&f->mu);
	}
	pthread_mutex_unlock(&open_mu);
}

/* path (a file, or a folder with open files below it) was renamed to to. */
void ftpsfs_file_renamed(struct ftpsfs *fs, const char *from, const char *to)
{
	size_t flen = strlen(from);
	struct ftpsfs_file *f;

	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next) {
		char npath[FTPS_MAX_PATH], nremote[FTPS_MAX_PATH];
		if (f->fs != fs || strncmp(f->path, from, flen) != 0 ||
		    (f->path[flen] != '\0' && f->path[flen] != '/'))
			continue;
		if (snprintf(npath, sizeof(npath), "%s%s", to, f->path + flen) >= (int)sizeof(npath) ||
		    ftpsfs_remote(fs, npath, nremote, sizeof(nremote)) != 0)
			continue;
		pthread_mutex_lock(&f->mu);
		memcpy(f->path, npath, sizeof(npath));
		memcpy(f->remote, nremote, sizeof(nremote));
		if (f->up)
			ftpsfs_upload_retarget(f->up, nremote);
		ftpsfs_reader_free(f->reader);   /* reads go on under the new name */
		f->reader = NULL;
		pthread_mutex_unlock(&f->mu);
	}
	pthread_mutex_unlock(&open_mu);
}

int ftpsfs_file_only_local(struct ftpsfs *fs, const char *path)
{
	struct ftpsfs_file *f;
	int local = 0;

	pthread_mutex_lock(&open_mu);
	for (f = open_head; f; f = f->next) {
		if (f->fs == fs && strcmp(f->path, path) == 0) {
			pthread_mutex_lock(&f->mu);
			local = !f->on_server;
			pthread_mutex_unlock(&f->mu);
			break;
		}
	}
	pthread_mutex_unlock(&open_mu);
	return local;
}
