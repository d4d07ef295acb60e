/* flush.c - an open file's upload at close, flush and fsync, and its end
 * (see file.h for how bytes reach the server, file_int.h for the states
 * and the locking, writeback.c for -o writeback).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_int.h"
#include "meta.h"
#include "reader.h"
#include "upload.h"

/* ---- uploading ---- */

/* What the next upload applies, read under file_open_mu (utimens and chmod set
 * them there, without waiting for the file). */
struct pending {
	int mode;               /* -1: none */
	int64_t mtime;          /* -1: none */
};

static struct pending pending_now(struct ftps_file *f)
{
	struct pending p;

	pthread_mutex_lock(&file_open_mu);
	p.mode = f->has_mode ? (int)(f->mode & 07777) : -1;
	p.mtime = f->pending_mtime;
	pthread_mutex_unlock(&file_open_mu);
	return p;
}

static void note_uploaded(struct ftps_file *f, const struct ftps_uploaded *res,
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
	ftps_meta_uploaded(f->fs, f->path, &e, res->mtime_exact);
	f->base = res->size;
	f->base_known = 1;
	f->on_server = 1;
	pthread_mutex_lock(&file_open_mu);
	f->size = res->size;
	f->dirty = 0;
	if (f->pending_mtime == p->mtime)
		f->pending_mtime = -1;
	if (!res->mode_set && p->mode >= 0)
		f->has_mode = 0;
	pthread_mutex_unlock(&file_open_mu);
	/* Reads of the new version start afresh. */
	ftps_reader_free(f->reader);
	f->reader = NULL;
}

/* The whole spool file to the server. In the background (bg) with mu
 * released: the file is marked busy, so nothing changes the spool file,
 * the file's names or its state meanwhile (see file_lock). */
static int upload_spool(struct ftps_file *f, const struct pending *p,
                        struct ftps_uploaded *res, int bg)
{
	char remote[FTPS_MAX_PATH];
	int rc;

	if (!bg)
		return ftps_upload_fd(&f->fs->eng, f->remote, f->spool_fd, 0, f->size, 0, p->mode,
		                      p->mtime, res);
	int fd = f->spool_fd;
	uint64_t size = f->size;

	memcpy(remote, f->remote, sizeof(remote));
	f->wb_busy = 1;
	pthread_mutex_unlock(&f->mu);
	rc = ftps_upload_fd(&f->fs->eng, remote, fd, 0, size, 0, p->mode, p->mtime, res);
	pthread_mutex_lock(&f->mu);
	f->wb_busy = 0;
	pthread_cond_broadcast(&f->wb_cv);
	return rc;
}

static int flush_locked(struct ftps_file *f, int bg)
{
	struct ftps_uploaded res;
	struct pending p = pending_now(f);
	int rc = 0;

	if (f->kernel_stale) {
		/* Its size and pages, from appends placed elsewhere, are off. */
		f->kernel_stale = 0;
		ftps_fs_stale(f->fs, f->path);
	}
	if (f->err)
		return f->err;
	if (!f->dirty || f->detached)
		return 0;
	switch (f->state) {
	case F_CLEAN:
		return 0;
	case F_NEW:
		/* An empty file: an upload with no data. */
		if ((rc = ftps_upload_start(&f->fs->eng, f->remote, 0, -1, &f->up)) < 0)
			break;
		/* fall through */
	case F_STREAM:
		/* Made here and never uploaded: no file of the server's to
		 * keep safe under this name (see upload_place.c). */
		if (!f->on_server)
			ftps_upload_new_name(f->up);
		rc = ftps_upload_finish(f->up, p.mode, p.mtime, &res);
		f->up = NULL;
		if (rc == 0) {
			file_spool_close(f, 0);
			f->state = F_CLEAN;
			note_uploaded(f, &res, &p);
			break;
		}
		if (f->spool_fd < 0) {
			/* No copy: the data are gone with the stream; close says so. */
			f->state = F_NEW;
			file_view_set(f, 0, f->dirty);
			break;
		}
		/* Every byte is in the spool copy: start over from it, which
		 * also serves servers that refuse APPE for a resume. */
		ftps_warn("upload of %s failed (%s); trying again from the spool copy", f->path,
		          strerror(-rc));
		f->state = F_SPOOL;
		/* fall through */
	case F_SPOOL:
		rc = upload_spool(f, &p, &res, bg);
		if (rc == 0)
			note_uploaded(f, &res, &p);   /* the spool stays for reads until release */
		break;
	case F_APPEND:
		if (!ftps_server_knows(ftps_pool_server(f->fs->pool), FTPS_FACT_APPE_REFUSED)) {
			rc = ftps_upload_fd(&f->fs->eng, f->remote, f->spool_fd, f->base, f->size, 1, -1,
			                      p.mtime, &res);
			if (rc == 0) {
				file_spool_close(f, 0);
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
		if ((rc = file_make_spool(f)) < 0)
			break;
		rc = ftps_upload_fd(&f->fs->eng, f->remote, f->spool_fd, 0, f->size, 0, p.mode,
		                      p.mtime, &res);
		if (rc == 0) {
			/* Later appends skip the refusal's round trip. */
			ftps_server_learn(ftps_pool_server(f->fs->pool), FTPS_FACT_APPE_REFUSED);
			note_uploaded(f, &res, &p);
		}
		break;
	}
	if (rc < 0) {
		/* A new file the server never got is not there; of one it has,
		 * the old version stays, with attributes we no longer know -
		 * nor may the kernel keep the size it saw written. */
		if (f->on_server)
			ftps_meta_unknown(f->fs, f->path);
		else if (!f->fs->set.writeback)   /* else it is still here, to retry */
			ftps_meta_removed(f->fs, f->path, 0);
		ftps_fs_stale(f->fs, f->path);
		f->err = rc;
		file_upload_given_up(f);
		if (f->state == F_SPOOL || f->state == F_APPEND)
			file_spool_name_kept(f);   /* now: an unmount may never release f */
	}
	return rc;
}

int file_flush_locked(struct ftps_file *f)
{
	return flush_locked(f, 0);
}

int file_flush_background(struct ftps_file *f)
{
	return flush_locked(f, 1);
}

int ftps_file_flush(struct ftps_file *f)
{
	int rc;

	if (f->fs->set.writeback && file_wb_flush(f) == 0)
		return 0;
	file_lock(f);
	rc = file_flush_locked(f);
	if (rc < 0 && f->state != F_SPOOL && f->state != F_APPEND) {
		/* Reported once; nothing is left to retry. Not dirty either:
		 * release must not upload the empty F_NEW that a failed stream
		 * leaves, over the version the failure left intact. */
		f->err = 0;
		file_view_set(f, f->size, 0);
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/* The last reference is gone (f is out of the list): finish and free. */
void file_release_last(struct ftps_file *f)
{
	file_lock(f);
	if (f->dirty && !f->err && !f->detached)
		file_flush_locked(f);    /* normally flush ran already */
	if (f->up)
		ftps_upload_abort(f->up);
	f->up = NULL;
	file_spool_close(f, f->dirty && !f->detached && (f->state == F_SPOOL || f->state == F_APPEND));
	pthread_mutex_unlock(&f->mu);
	file_free(f);
}

int ftps_file_fsync(struct ftps_file *f)
{
	return f->fs->set.writeback ? file_wb_fsync(f) : ftps_file_flush(f);
}
