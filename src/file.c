/* file.c - an open file's state machine: opening, reading, writing and
 * truncating; the upload at close is flush.c's (see file.h for how bytes
 * reach the server, file_int.h for the states and the locking).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_int.h"
#include "meta.h"
#include "reader.h"
#include "upload.h"

/* Truncated to 0: whatever was pending is dropped, a new upload follows. */
static void make_empty(struct ftps_file *f)
{
	ftps_upload_abort(f->up);
	f->up = NULL;
	file_spool_close(f, 0);
	f->state = F_NEW;
	file_view_size(f, 0);
}

static struct ftps_file *file_new(struct ftps_fs *fs, const char *path, int flags)
{
	struct ftps_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->fs = fs;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->wb_cv, NULL);
	f->spool_fd = -1;
	f->pending_mtime = -1;
	f->refs = 1;
	f->writable = (flags & O_ACCMODE) != O_RDONLY;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (ftps_fs_remote(fs, path, f->remote, sizeof(f->remote)) != 0) {
		file_free(f);
		return NULL;
	}
	return f;
}

/* ---- opening ---- */

/* A further open of a file already open. */
static int reopen(struct ftps_file *f, int flags)
{
	/* Only a truncation waits for a background upload: reads go on. */
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		file_lock(f);
	else
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
static int ask_size(struct ftps_fs *fs, const char *remote, uint64_t *size)
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
static struct ftps_file *publish(struct ftps_file *f, int flags, int *reopened)
{
	struct ftps_file *other;

	pthread_mutex_lock(&file_open_mu);
	if ((other = file_find_locked(f->fs, f->path)) != NULL) {
		other->refs++;
		pthread_mutex_unlock(&file_open_mu);
		file_free(f);
		*reopened = 1;
		reopen(other, flags);
		return other;
	}
	file_list_add_locked(f);
	pthread_mutex_unlock(&file_open_mu);
	*reopened = 0;
	return f;
}

int ftps_file_open(struct ftps_fs *fs, const char *path, int flags, struct ftps_file **out)
{
	struct ftps_entry e;
	struct ftps_file *f;
	int rc, reopened;

	*out = NULL;
	if ((f = file_take(fs, path)) != NULL) {
		*out = f;
		return reopen(f, flags);
	}
	if ((rc = ftps_meta_lookup(fs, path, &e)) < 0)
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
		f->changed = file_now();
	}
	*out = publish(f, flags, &reopened);
	return 0;
}

int ftps_file_create(struct ftps_fs *fs, const char *path, mode_t mode, int flags,
                     struct ftps_file **out)
{
	struct ftps_file *f = file_take(fs, path);
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
		ftps_meta_unknown(fs, path);
		return 0;
	}
	f->state = F_NEW;
	f->dirty = 1;
	f->changed = file_now();
	f->has_mode = 1;
	f->mode = mode & 07777 & ~fs->set.umask;
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
	ftps_meta_learnt(fs, path, &e);
	ftps_meta_touch_parent(fs, path);
	return 0;
}

/* ---- reading ---- */

/* mu held, F_CLEAN: a read reaches past the size the file had when it
 * was opened. When the listings show it bigger now (the kernel asked
 * getattr for fstat, and that listed its folder again after the cache
 * time), the server's file grew - a log followed with tail -f - and
 * reads go on to its new end: the new size, for ftps_reader_grow, or 0.
 * Without this the reader stopped at the old size, and the kernel took
 * the short read for the end of the file. Only growth is followed. */
static uint64_t follow_growth(struct ftps_file *f)
{
	uint64_t now;

	if (f->detached || !ftps_meta_cached_size(f->fs, f->path, &now) || now <= f->base ||
	    now > INT64_MAX)
		return 0;
	f->base = now;
	file_view_set(f, now, f->dirty);
	return now;
}

ssize_t ftps_file_read(struct ftps_file *f, char *buf, size_t len, off_t off)
{
	ssize_t n;
	int rc;

	pthread_mutex_lock(&f->mu);
	switch (f->state) {
	case F_CLEAN: {
		uint64_t grown = f->base_known && (uint64_t)off + len > f->base ? follow_growth(f) : 0;
		if (!f->reader)
			f->reader = ftps_reader_new(&f->fs->eng, f->remote,
			                              f->base_known ? (int64_t)f->base : -1);
		struct ftps_reader *r = f->reader;
		if (r)
			ftps_reader_hold(r);   /* a flush may drop f->reader meanwhile */
		pthread_mutex_unlock(&f->mu);
		/* The reader has its own lock, which a read holds over the
		 * network: taken without mu, so reads run in parallel with
		 * stat, flush and renames. (A size only grows: told late or
		 * twice, the reader ignores what is not more.) */
		if (!r)
			return -ENOMEM;
		if (grown)
			ftps_reader_grow(r, (int64_t)grown);
		n = ftps_reader_read(r, buf, len, off);
		ftps_reader_free(r);
		return n;
	}
	case F_NEW:
		pthread_mutex_unlock(&f->mu);
		return 0;
	case F_STREAM:
	case F_APPEND:
		if ((rc = file_make_spool(f)) < 0) {
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

static ssize_t spool_write(struct ftps_file *f, const char *buf, size_t len, off_t off)
{
	ssize_t n;
	int rc;

	if ((rc = file_spool_room(f, len)) < 0)
		return rc;
	n = pwrite(f->spool_fd, buf, len, off);
	if (n < 0)
		return -errno;
	if ((uint64_t)off + (uint64_t)n > f->size)
		file_view_size(f, (uint64_t)off + (uint64_t)n);
	else
		file_view_size(f, f->size);
	return n;
}

/* An upload is given up on: its changes are not on the server. */
void file_upload_given_up(struct ftps_file *f)
{
	ftps_stats_add(ftps_pool_stats(f->fs->pool), FTPS_CTR_UPLOADS_FAILED, 1);
}

/* The streamed upload failed (after its own resumes) with len more bytes
 * written. With the spool copy the file carries on as a spooled one: a
 * network failure is retried at close, any other is reported and the copy
 * kept. Without it the written data are gone: the write fails. */
static ssize_t stream_failed(struct ftps_file *f, int rc, size_t len)
{
	ftps_upload_abort(f->up);
	f->up = NULL;
	if (f->spool_fd >= 0) {
		f->state = F_SPOOL;
		file_view_size(f, f->size + len);
		if (ftps_errno_retryable(rc)) {
			ftps_warn("upload of %s failed while writing (%s); the rest is spooled and "
			          "uploaded at close", f->path, strerror(-rc));
			return (ssize_t)len;
		}
		f->err = rc;
		file_upload_given_up(f);
		file_spool_name_kept(f);
		return rc;
	}
	f->state = F_NEW;
	file_view_size(f, 0);
	f->err = rc;
	file_upload_given_up(f);
	ftps_error("upload of %s failed while writing; the earlier version is unchanged", f->path);
	return rc;
}

/* A write at the end of a streamed upload: copied into the spool file,
 * then queued for the upload's sender. Without room for the copy it is
 * given up: the stream goes on unprotected, sent from here (the upload
 * has no sender once its source is dropped). */
static ssize_t stream_write(struct ftps_file *f, const char *buf, size_t len, off_t off)
{
	int rc;

	if (f->spool_fd >= 0 &&
	    (!file_spool_has_room(f, len) || pwrite(f->spool_fd, buf, len, off) != (ssize_t)len)) {
		ftps_warn("no room for a spool copy of %s in %s: the upload goes on without one, "
		          "so a failure now loses it", f->path, f->fs->set.spool_dir);
		if ((rc = ftps_upload_drop_source(f->up)) < 0) {
			/* The upload failed meanwhile: the spool file keeps
			 * what came before this write, which fails. */
			stream_failed(f, rc, 0);
			f->err = -ENOSPC;
			file_spool_name_kept(f);
			return -ENOSPC;
		}
		file_spool_close(f, 0);
	}
	if ((rc = ftps_upload_queue(f->up, buf, len)) < 0)
		return stream_failed(f, rc, len);
	file_view_size(f, f->size + len);
	return (ssize_t)len;
}

static ssize_t write_locked(struct ftps_file *f, const char *buf, size_t len, off_t off)
{
	int rc;

	if (f->err)
		return f->err;
	if (f->detached) {
		/* Nobody will see this file again under a name: keep its bytes
		 * in the spool for its own descriptors, upload nothing. */
		if ((rc = file_make_spool(f)) < 0)
			return rc;
		return spool_write(f, buf, len, off);
	}
	/* An empty file written from 0 (a shell's "> file" flushes the new
	 * file once before printf writes) is a new upload, not an APPE. Only
	 * when the server's size is known to be 0: a write at 0 into a file
	 * of unknown size must not replace it with just these bytes. */
	if (f->state == F_CLEAN && f->base_known && f->size == 0 && off == 0) {
		ftps_reader_free(f->reader);
		f->reader = NULL;
		f->state = F_NEW;
	}
	switch (f->state) {
	case F_NEW:
		/* -o writeback: no stream, the spool file is uploaded later. */
		if (off != 0 || f->fs->set.writeback)
			break;
		if (file_spool_open(f) < 0)
			ftps_warn("the upload of %s goes on without a spool copy: a failure loses it",
			          f->path);
		if ((rc = ftps_upload_start(&f->fs->eng, f->remote, 0, f->spool_fd, &f->up)) < 0) {
			/* No stream now: with a spool copy the file is written
			 * there and uploaded (with retries) at close; without
			 * one, this write and the close fail, and nothing of the
			 * file reaches the server. */
			if (f->spool_fd >= 0 && ftps_errno_retryable(rc)) {
				ftps_warn("upload of %s could not start (%s); it is spooled and uploaded "
				          "at close", f->path, strerror(-rc));
				f->state = F_SPOOL;
				return spool_write(f, buf, len, off);
			}
			file_spool_close(f, 0);
			f->err = rc;
			return rc;
		}
		if (f->spool_fd >= 0)
			ftps_upload_background(f->up);   /* else sent as written */
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
		if ((rc = file_spool_open(f)) < 0)
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
	if ((rc = file_make_spool(f)) < 0) {
		f->err = rc;
		return rc;
	}
	return spool_write(f, buf, len, off);
}

ssize_t ftps_file_write(struct ftps_file *f, const char *buf, size_t len, off_t off,
                        int append)
{
	ssize_t n;

	if (off < 0)
		return -EINVAL;
	file_lock(f);
	/* The kernel places an O_APPEND write at the size it last saw, which
	 * can be a failed upload's (the size it made up from the writes) or
	 * another handle's. The end is where we know it to be. */
	if (append && (f->base_known || f->state != F_CLEAN) && (uint64_t)off != f->size) {
		ftps_debug("%s: an append at %lld goes at the end, %llu", f->path,
		           (long long)off, (unsigned long long)f->size);
		off = (off_t)f->size;
		/* Now, for the readers of the file, and again at flush, after
		 * the writes that were in flight meanwhile. */
		ftps_fs_stale(f->fs, f->path);
		f->kernel_stale = 1;
	}
	n = write_locked(f, buf, len, off);
	pthread_mutex_unlock(&f->mu);
	return n;
}

int file_truncate_locked(struct ftps_file *f, uint64_t size)
{
	int rc;

	if (size == f->size && (f->base_known || f->state != F_CLEAN)) {
		/* Nothing to cut, but a change all the same: its time moves. */
		if (f->state != F_CLEAN)
			file_view_set(f, size, 1);
		return 0;
	}
	if (size == 0 && f->state != F_SPOOL) {
		make_empty(f);
		return 0;
	}
	if ((rc = file_make_spool(f)) < 0)
		return rc;
	if (size > f->size && ((rc = file_spool_max_size(f, size)) < 0 ||
	                       (rc = file_spool_room(f, size - f->size)) < 0))
		return rc;
	if (ftruncate(f->spool_fd, (off_t)size) != 0)
		return -errno;
	file_view_size(f, size);
	return 0;
}

int ftps_file_truncate(struct ftps_file *f, off_t size)
{
	int rc;

	if (size < 0)
		return -EINVAL;
	file_lock(f);
	rc = file_truncate_locked(f, (uint64_t)size);
	pthread_mutex_unlock(&f->mu);
	return rc;
}

void ftps_file_release(struct ftps_file *f)
{
	if (f)
		file_unref(f);
}
