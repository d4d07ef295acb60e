/* openfiles.c - the list of open files: one file per path shared by its
 * handles, what other operations ask of them (stat while they have
 * changes, chmod and utimens kept for their upload, truncate by path,
 * uploading everything at unmount), and how they follow namespace changes
 * (see file.h).
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
#include "path.h"
#include "reader.h"
#include "upload.h"

pthread_mutex_t file_open_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ftps_file *open_head;

int64_t file_now(void)
{
	return (int64_t)time(NULL);
}

/* ---- the list of open files (file_open_mu held) ---- */

void file_list_add_locked(struct ftps_file *f)
{
	f->listed = 1;
	f->prev = NULL;
	f->next = open_head;
	if (open_head)
		open_head->prev = f;
	open_head = f;
}

void file_list_del_locked(struct ftps_file *f)
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

struct ftps_file *file_find_locked(struct ftps_fs *fs, const char *path)
{
	for (struct ftps_file *f = open_head; f; f = f->next)
		if (f->fs == fs && strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

/* The open file for path with one more reference; NULL if none. Every
 * handle on a path shares one file, so each sees the others' writes. */
struct ftps_file *file_take(struct ftps_fs *fs, const char *path)
{
	struct ftps_file *f;

	pthread_mutex_lock(&file_open_mu);
	if ((f = file_find_locked(fs, path)) != NULL)
		f->refs++;
	pthread_mutex_unlock(&file_open_mu);
	return f;
}

void file_free(struct ftps_file *f)
{
	ftps_reader_free(f->reader);
	pthread_cond_destroy(&f->wb_cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* Drop a reference that is not a handle's (a holder's, a by-path job's). */
void file_unref(struct ftps_file *f)
{
	pthread_mutex_lock(&file_open_mu);
	int last = --f->refs <= 0;
	if (last)
		file_list_del_locked(f);
	pthread_mutex_unlock(&file_open_mu);
	if (last)
		file_release_last(f);
}

/* ---- the view ---- */

/* mu held: the user-visible size and dirtiness changed. */
void file_view_set(struct ftps_file *f, uint64_t size, int dirty)
{
	pthread_mutex_lock(&file_open_mu);
	f->size = size;
	if (dirty)
		f->changed = file_now();
	f->dirty = dirty;
	pthread_mutex_unlock(&file_open_mu);
}

void file_view_size(struct ftps_file *f, uint64_t size)
{
	file_view_set(f, size, 1);
}


/* ---- by path, for other operations ---- */

static void stat_view_locked(const struct ftps_file *f, struct stat *sb)
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

int ftps_file_stat_open(struct ftps_fs *fs, const char *path, struct stat *sb)
{
	struct ftps_file *f;
	int found = 0;

	pthread_mutex_lock(&file_open_mu);
	if ((f = file_find_locked(fs, path)) != NULL && f->dirty) {
		stat_view_locked(f, sb);
		found = 1;
	}
	pthread_mutex_unlock(&file_open_mu);
	return found;
}

int ftps_file_stat_pending(struct ftps_fs *fs, const char *path, struct stat *sb)
{
	struct ftps_entry e;

	memset(&e, 0, sizeof(e));
	e.type = FTPS_FT_FILE;
	ftps_meta_stat(fs, &e, sb);
	return ftps_file_stat_open(fs, path, sb);
}

/* ---- a folder's listing with the files whose changes are not uploaded ---- */

#define DIRTY_MAX 512           /* per folder listed; more are seen by stat only */

struct dirty {
	char name[FTPS_MAX_NAME + 1];
	struct stat view;       /* size, time and mode only (stat_view_locked) */
	int seen;
};

struct dirty_readdir {
	ftps_dirent_cb cb;
	void *arg;
	struct dirty *d;
	size_t n;
};

static void view_over(struct stat *sb, const struct stat *v)
{
	sb->st_size = v->st_size;
	sb->st_blocks = v->st_blocks;
	if (v->st_mtim.tv_sec) {
		sb->st_mtim = v->st_mtim;
		sb->st_ctim = v->st_ctim;
	}
	if (v->st_mode)
		sb->st_mode = (sb->st_mode & ~07777u) | (v->st_mode & 07777u);
}

static int dirty_cb(void *arg, const char *name, const struct stat *sb, int plus)
{
	struct dirty_readdir *r = arg;

	for (size_t i = 0; i < r->n; i++) {
		if (r->d[i].seen || strcmp(r->d[i].name, name) != 0 || !S_ISREG(sb->st_mode))
			continue;
		struct stat v = *sb;
		r->d[i].seen = 1;
		view_over(&v, &r->d[i].view);
		return r->cb(r->arg, name, &v, plus);
	}
	return r->cb(r->arg, name, sb, plus);
}

/* The open files directly in dir with changes not yet uploaded. */
static size_t dirty_in(struct ftps_fs *fs, const char *dir, struct dirty *d, size_t max)
{
	size_t n = 0, dlen = strlen(dir);

	pthread_mutex_lock(&file_open_mu);
	for (const struct ftps_file *f = open_head; f && n < max; f = f->next) {
		const char *name = f->path + dlen + (dlen > 1);
		if (f->fs != fs || !f->dirty || f->detached || strncmp(f->path, dir, dlen) != 0 ||
		    (dlen > 1 && f->path[dlen] != '/') || !*name || strchr(name, '/') ||
		    strlen(name) > FTPS_MAX_NAME)
			continue;
		memset(&d[n], 0, sizeof(d[n]));      /* 0: the listing's time, mode */
		strcpy(d[n].name, name);
		stat_view_locked(f, &d[n].view);
		n++;
	}
	pthread_mutex_unlock(&file_open_mu);
	return n;
}

int ftps_files_readdir(struct ftps_fs *fs, const char *dir, ftps_dirent_cb cb, void *arg)
{
	struct dirty_readdir r = { cb, arg, NULL, 0 };
	int rc;

	if (ftps_files_pending(fs) == 0)
		return ftps_meta_readdir(fs, dir, cb, arg);
	if (!(r.d = calloc(DIRTY_MAX, sizeof(*r.d))))
		return -ENOMEM;
	r.n = dirty_in(fs, dir, r.d, DIRTY_MAX);
	rc = ftps_meta_readdir(fs, dir, dirty_cb, &r);
	/* Those the listing lacks: new files whose uploads have not landed
	 * (a listing newer than what the cache remembers of our changes). */
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		char path[FTPS_MAX_PATH];
		struct stat sb;
		if (r.d[i].seen ||
		    snprintf(path, sizeof(path), "%s/%s", dir[1] ? dir : "", r.d[i].name) >=
		    (int)sizeof(path) || !ftps_file_stat_pending(fs, path, &sb))
			continue;
		if (cb(arg, r.d[i].name, &sb, 1))
			break;
	}
	free(r.d);
	return rc;
}

unsigned ftps_files_pending(struct ftps_fs *fs)
{
	unsigned n = 0;

	pthread_mutex_lock(&file_open_mu);
	for (const struct ftps_file *f = open_head; f; f = f->next)
		if (f->fs == fs && f->dirty && !f->detached)
			n++;
	pthread_mutex_unlock(&file_open_mu);
	return n;
}

int ftps_file_path(struct ftps_file *f, char *buf, size_t len)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&file_open_mu);
	if (!f->detached && strlen(f->path) < len) {
		memcpy(buf, f->path, strlen(f->path) + 1);
		rc = 0;
	}
	pthread_mutex_unlock(&file_open_mu);
	return rc;
}

void ftps_file_fstat(struct ftps_file *f, struct stat *sb)
{
	pthread_mutex_lock(&file_open_mu);
	if (f->dirty || f->detached)
		stat_view_locked(f, sb);
	if (f->detached)
		sb->st_nlink = 0;
	pthread_mutex_unlock(&file_open_mu);
}

/* The open file at path with changes not yet uploaded, with one more
 * reference; NULL if none. */
static struct ftps_file *take_dirty(struct ftps_fs *fs, const char *path)
{
	struct ftps_file *f;

	pthread_mutex_lock(&file_open_mu);
	if ((f = file_find_locked(fs, path)) != NULL && f->dirty)
		f->refs++;
	else
		f = NULL;
	pthread_mutex_unlock(&file_open_mu);
	return f;
}

/* -o writeback: a file with changes whose upload runs in the background
 * now, held and waited for (see pending_wait_done); NULL otherwise. A time
 * or mode kept for an upload already under way would be lost. */
static struct ftps_file *pending_wait(struct ftps_fs *fs, const char *path)
{
	struct ftps_file *f;

	if (!fs->set.writeback)
		return NULL;
	if ((f = take_dirty(fs, path)) != NULL)
		file_lock(f);
	return f;
}

static void pending_wait_done(struct ftps_file *f)
{
	if (!f)
		return;
	pthread_mutex_unlock(&f->mu);
	file_unref(f);
}

int ftps_file_set_pending_mtime(struct ftps_fs *fs, const char *path, int64_t mtime)
{
	struct ftps_file *f, *held = pending_wait(fs, path);
	int found = 0;

	pthread_mutex_lock(&file_open_mu);
	if ((f = file_find_locked(fs, path)) != NULL && f->dirty) {
		f->pending_mtime = mtime;
		found = 1;
	}
	pthread_mutex_unlock(&file_open_mu);
	pending_wait_done(held);
	return found;
}

int ftps_file_set_pending_mode(struct ftps_fs *fs, const char *path, mode_t mode)
{
	struct ftps_file *f, *held = pending_wait(fs, path);
	int found = 0;

	pthread_mutex_lock(&file_open_mu);
	if ((f = file_find_locked(fs, path)) != NULL && f->dirty) {
		f->has_mode = 1;
		f->mode = mode & 07777;
		found = 1;
	}
	pthread_mutex_unlock(&file_open_mu);
	pending_wait_done(held);
	return found;
}

int ftps_file_truncate_path(struct ftps_fs *fs, const char *path, off_t size)
{
	struct ftps_file *f;
	int rc;

	if (size < 0)
		return -EINVAL;
	if ((f = take_dirty(fs, path)) != NULL) {
		file_lock(f);
		rc = file_truncate_locked(f, (uint64_t)size);
		pthread_mutex_unlock(&f->mu);
		file_unref(f);
		return rc;
	}
	/* No open file with changes: a file of our own for the job. */
	if ((rc = ftps_file_open(fs, path, O_WRONLY | (size == 0 ? O_TRUNC : 0), &f)) < 0)
		return rc;
	rc = ftps_file_truncate(f, size);
	if (rc == 0)
		rc = ftps_file_flush(f);
	ftps_file_release(f);
	return rc;
}

void ftps_file_flush_all(struct ftps_fs *fs)
{
	struct ftps_file **todo = NULL, *f;
	size_t n = 0, cap = 0;

	/* -o writeback: what waits in the queue first, several at once. */
	if (fs->set.writeback)
		file_wb_drain(fs);
	/* Take them out of the list's lock first: each flush may take long. */
	pthread_mutex_lock(&file_open_mu);
	for (f = open_head; f; f = f->next) {
		if (f->fs != fs || !f->dirty)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ftps_file **t = realloc(todo, ncap * sizeof(*t));
			if (!t)
				break;
			todo = t;
			cap = ncap;
		}
		f->refs++;
		todo[n++] = f;
	}
	pthread_mutex_unlock(&file_open_mu);
	for (size_t i = 0; i < n; i++) {
		f = todo[i];
		file_lock(f);
		if (f->dirty && !f->err && !f->detached) {
			ftps_info("unmounting: uploading %s", f->path);
			file_flush_locked(f);
		}
		pthread_mutex_unlock(&f->mu);
		file_unref(f);
	}
	free(todo);
}

/* ---- namespace changes ---- */

struct ftps_held {
	size_t n;
	struct ftps_file *f[];
};

static int at_or_below(const char *path, const char *prefix)
{
	return (ftps_path_within(path, strlen(path), prefix, strlen(prefix)) &
	        FTPS_PATH_AT_OR_BELOW) != 0;
}

static int concerns(const struct ftps_file *f, struct ftps_fs *fs, const char *from,
                    const char *to)
{
	return f->fs == fs && (at_or_below(f->path, from) || (to && strcmp(f->path, to) == 0));
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(struct ftps_file *const *)a;
	uintptr_t y = (uintptr_t)*(struct ftps_file *const *)b;

	return x < y ? -1 : x > y;
}

struct ftps_held *ftps_files_hold(struct ftps_fs *fs, const char *from, const char *to)
{
	struct ftps_held *h;
	struct ftps_file *f;
	size_t n = 0, k = 0;

	pthread_mutex_lock(&file_open_mu);
	for (f = open_head; f; f = f->next)
		n += concerns(f, fs, from, to);
	h = malloc(sizeof(*h) + n * sizeof(h->f[0]));
	if (!h) {
		pthread_mutex_unlock(&file_open_mu);
		return NULL;
	}
	for (f = open_head; f && k < n; f = f->next) {
		if (concerns(f, fs, from, to)) {
			f->refs++;
			h->f[k++] = f;
		}
	}
	pthread_mutex_unlock(&file_open_mu);
	h->n = k;
	/* One order for every holder: no two can wait for each other. */
	qsort(h->f, h->n, sizeof(h->f[0]), by_address);
	for (size_t i = 0; i < h->n; i++)
		file_lock(h->f[i]);     /* a background upload of it first */
	/* A file renamed away or detached while we waited for it is not ours
	 * any more: let it go (after the list's lock, as unref takes it). The
	 * ones to keep move to the front, in order; the rest to the back. */
	size_t keep = 0;
	pthread_mutex_lock(&file_open_mu);
	for (size_t i = 0; i < h->n; i++) {
		f = h->f[i];
		if (!f->detached && concerns(f, fs, from, to)) {
			h->f[i] = h->f[keep];
			h->f[keep++] = f;
		}
	}
	pthread_mutex_unlock(&file_open_mu);
	for (size_t i = keep; i < h->n; i++) {
		pthread_mutex_unlock(&h->f[i]->mu);
		file_unref(h->f[i]);
	}
	h->n = keep;
	return h;
}

int ftps_held_has(const struct ftps_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (strcmp(h->f[i]->path, path) == 0)
			return 1;
	return 0;
}

int ftps_held_only_local(const struct ftps_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (strcmp(h->f[i]->path, path) == 0 && !h->f[i]->on_server)
			return 1;
	return 0;
}

/* mu held: the file is gone from the namespace. Its upload (if one runs)
 * is cancelled and its temporary file removed; a stream keeps its bytes
 * in the spool copy for the file's descriptors. */
static void detach_locked(struct ftps_file *f)
{
	if (f->up) {
		ftps_upload_abort(f->up);
		f->up = NULL;
		if (f->state == F_STREAM)
			f->state = f->spool_fd >= 0 ? F_SPOOL : F_NEW;
	}
	f->err = 0;
	pthread_mutex_lock(&file_open_mu);
	f->detached = 1;
	file_list_del_locked(f);
	pthread_mutex_unlock(&file_open_mu);
	ftps_debug("%s: detached (unlinked or replaced while open): its changes stay local",
	           f->path);
}

void ftps_held_keep_content(struct ftps_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++) {
		struct ftps_file *f = h->f[i];
		if (strcmp(f->path, path) != 0 || !f->writable ||
		    (f->state != F_CLEAN && f->state != F_APPEND))
			continue;
		if (file_make_spool(f) < 0)
			ftps_warn("%s: unlinked while open; its content could not be kept for its "
			          "descriptors", f->path);
	}
}

void ftps_held_unlinked(struct ftps_held *h, const char *path)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (strcmp(h->f[i]->path, path) == 0)
			detach_locked(h->f[i]);
}

void ftps_held_renamed(struct ftps_held *h, const char *from, const char *to)
{
	size_t flen = strlen(from);

	if (!h || strcmp(from, to) == 0)
		return;
	/* What the rename replaced first, then what moved. */
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->f[i]->path, to) == 0)
			detach_locked(h->f[i]);
	for (size_t i = 0; i < h->n; i++) {
		struct ftps_file *f = h->f[i];
		char npath[FTPS_MAX_PATH], nremote[FTPS_MAX_PATH];

		if (f->detached || !at_or_below(f->path, from))
			continue;
		if (snprintf(npath, sizeof(npath), "%s%s", to, f->path + flen) >= (int)sizeof(npath) ||
		    ftps_fs_remote(f->fs, npath, nremote, sizeof(nremote)) != 0) {
			detach_locked(f);         /* no name for it any more */
			continue;
		}
		pthread_mutex_lock(&file_open_mu);
		memcpy(f->path, npath, sizeof(npath));
		memcpy(f->remote, nremote, sizeof(nremote));
		pthread_mutex_unlock(&file_open_mu);
		if (f->up)
			ftps_upload_retarget(f->up, nremote);
		ftps_reader_free(f->reader);   /* reads go on under the new name */
		f->reader = NULL;
	}
}

void ftps_files_release(struct ftps_held *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		pthread_mutex_unlock(&h->f[i]->mu);
		file_unref(h->f[i]);
	}
	free(h);
}
