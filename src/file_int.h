/* file_int.h - inside an open file: shared by file.c (the state machine),
 * flush.c (its upload at close, flush and fsync), spool.c (its spool
 * file), writeback.c (-o writeback's queue of uploads after close) and
 * openfiles.c (the list of open files, what other operations ask of them,
 * namespace changes). Not for other files.
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
 *  - file_open_mu (one for all files) protects the list of open files and
 *    each file's view: its names, references, whether it is detached, and
 *    what stat shows while it has changes (size, dirty, the time of the
 *    last change, the mode and time to set). It is held only for moments
 *    and never across network I/O or while waiting for a file's own lock.
 *  - a file's mu serialises its data operations (read from the spool,
 *    write, truncate, flush); it may be held across network I/O (an upload
 *    at close, a download into the spool), which delays that file only.
 * The view fields are read under either lock and changed under both (mu
 * first, then file_open_mu); the rest of a file is under mu.
 */
#ifndef FTPS_FILE_INT_H
#define FTPS_FILE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include "fs.h"
#include "file.h"

enum fstate { F_CLEAN, F_NEW, F_STREAM, F_APPEND, F_SPOOL };

struct ftps_file {
	struct ftps_fs *fs;
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
	struct ftps_reader *reader;
	struct ftps_upload *up;       /* STREAM */
	int spool_fd;
	char spool_path[PATH_MAX];
	int spool_named;                /* the log named spool_path as keeping changes */
	int on_server;                  /* the server has a version under this path */
	int kernel_stale;               /* the kernel's size is off: tell it at flush */
	/* -o writeback (writeback.c), under mu. */
	int wb_queued;                  /* its upload waits in the queue (which holds a ref) */
	int wb_busy;                    /* the queue uploads it from the spool, mu released */
	int wb_err;                     /* a background upload's -errno, for fsync */
	pthread_cond_t wb_cv;           /* wb_busy went to 0 */
	struct ftps_file *prev, *next;
};

extern pthread_mutex_t file_open_mu;

/* ---- openfiles.c: the list of open files (file_open_mu held where said) ---- */
void file_list_add_locked(struct ftps_file *f);
void file_list_del_locked(struct ftps_file *f);
struct ftps_file *file_find_locked(struct ftps_fs *fs, const char *path);
/* The open file for path with one more reference; NULL if none. */
struct ftps_file *file_take(struct ftps_fs *fs, const char *path);
void file_free(struct ftps_file *f);
/* Drop a reference; the last one finishes and frees the file. */
void file_unref(struct ftps_file *f);
int64_t file_now(void);
/* mu held: the user-visible size and dirtiness changed (the view). */
void file_view_set(struct ftps_file *f, uint64_t size, int dirty);
void file_view_size(struct ftps_file *f, uint64_t size);

/* ---- spool.c: the spool file of an open file (mu held) ---- */
int file_spool_has_room(struct ftps_file *f, uint64_t need);
/* 0, or -ENOSPC with a log line. */
int file_spool_room(struct ftps_file *f, uint64_t need);
/* 0, or -EFBIG for a size the spool's filesystem could never hold. */
int file_spool_max_size(struct ftps_file *f, uint64_t size);
int file_spool_open(struct ftps_file *f);
/* Close it; keep the file (and say so, once) or remove it. */
void file_spool_close(struct ftps_file *f, int keep);
/* A failed upload leaves the spool file for the user: say where, once. */
void file_spool_name_kept(struct ftps_file *f);
/* Bring the whole file into the spool (state becomes SPOOL). */
int file_make_spool(struct ftps_file *f);

/* ---- file.c, flush.c: the state machine (mu held) ---- */
int file_truncate_locked(struct ftps_file *f, uint64_t size);
int file_flush_locked(struct ftps_file *f);
/* The same for the background upload (-o writeback): a whole-file upload
 * from the spool runs with mu released and wb_busy set. */
int file_flush_background(struct ftps_file *f);
/* The last reference is gone (f is out of the list): finish and free. */
void file_release_last(struct ftps_file *f);

/* ---- writeback.c: -o writeback, uploads after close ----
 * A file whose upload is left to the background stays in the list of open
 * files (the queue holds a reference), so that opens, reads and stats of
 * its path see the spool's version until the upload is done, and renames
 * and unlinks find it. While the queue uploads it from the spool with mu
 * released (wb_busy), everything that would change the file, its spool
 * or its name waits in file_lock; reads of the spool go on. */
/* Lock mu, and wait until no background upload of f runs. */
void file_lock(struct ftps_file *f);
/* close()'s flush: 0 when the upload was left to the queue (or there is
 * nothing to upload), 1 when it is to be done now (not a spooled file, or
 * the queue stayed full for the mount's timeout). */
int file_wb_flush(struct ftps_file *f);
/* fsync(): the error of a failed background upload, else the upload now. */
int file_wb_fsync(struct ftps_file *f);
/* At unmount: every queued upload is tried (once more) and waited for. */
void file_wb_drain(struct ftps_fs *fs);

/* file.c: an upload is given up on (its changes are not on the server):
 * counted for the statistics. */
void file_upload_given_up(struct ftps_file *f);

#endif
