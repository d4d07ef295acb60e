/* mount.h - one mount: its state, and the few things every part of the
 * daemon needs (a path on the server, whether a path may be used, a short
 * command on a pooled connection). No FUSE in here.
 *
 * Layout of fuse/ (who may use whom, top to bottom; no arrow goes up):
 *   ops.c      the FUSE operations table: maps each call onto one of below
 *   xattr.c    extended attributes: the statistics on the root, checksums
 *              on files; the statistics in the log on SIGUSR1
 *   names.c    namespace changes (mkdir, rmdir, unlink, rename, chmod,
 *              utimens): found out, never repeated blindly, after a lost reply
 *   file.c     open files: reads, writes, the spool, uploads at close,
 *              through the transfer engine (src/engine.h: streamed reads,
 *              uploads, downloads, leftovers of failed uploads)
 *   flush.c    the upload at close, flush and fsync
 *   writeback.c  -o writeback: uploads after close, in the background
 *   openfiles.c, spool.c  the open-file table; the local spool copy
 *   meta.c     the metadata layer: the only user of the directory cache and
 *              the exact-time cache; meta_ask.c asks the server what a
 *              listing did not tell (MDTM a folder at a time, SIZE);
 *              meta_ahead.c lists subfolders ahead (-o prefetch)
 *   kernel.c   tells the kernel what it caches is stale (its own thread)
 *   mount.c    this file's functions
 *   options*.c, password.c, netrc.c, probe.c, main.c   the command line
 *              and start-up
 */
#ifndef FTPSFS_MOUNT_H
#define FTPSFS_MOUNT_H

#include <pthread.h>
#include <time.h>
#include "ftps.h"
#include "dircache.h"
#include "mtcache.h"
#include "options.h"
#include "engine.h"

/* Kernel requests in flight in the background (readahead), and FUSE
 * threads at most: more threads than background requests, so that the
 * reads that wait for a connection never take the last one. */
#define FTPSFS_MAX_BACKGROUND 64
#define FTPSFS_MAX_THREADS 128

struct ftpsfs {
	struct ftpsfs_opts *opts;
	struct ftps_config *cfg;
	struct ftps_tls *tls;
	struct ftps_pool *pool;
	struct ftps_dircache *dc;
	struct ftps_mtcache *mt;         /* exact times beyond LIST; NULL: off */
	const char *root;               /* remote folder shown as the mount's root */
	uid_t uid;
	gid_t gid;
	_Atomic int64_t root_mtime;     /* the root's time: FTP cannot tell it */
	_Atomic int64_t mdtm_pause_until; /* no MDTM until then: the server failed to answer */
	_Atomic int mtime_warned;       /* said once that the server keeps no times */
	/* MDTMs asked a folder at a time (meta_ask.c): one batch runs per folder,
	 * the last folder batched is not batched again at once. */
	pthread_mutex_t mdtm_mu;
	pthread_cond_t mdtm_cv;
	char mdtm_busy[FTPS_MAX_PATH];  /* the folder being batched, "" none */
	char mdtm_last[FTPS_MAX_PATH];
	double mdtm_last_at;
	/* Folders listed ahead (meta_ahead.c); NULL: off. */
	struct ftpsfs_ahead *ahead;
	/* Counts our renames and removals: a listing that ran meanwhile is
	 * not kept by the listing ahead. */
	_Atomic unsigned long meta_changes;

	/* Reads, uploads and downloads over the pool; what failed uploads
	 * left on the server (swept by the housekeeper, main.c). */
	struct ftps_engine eng;

	/* Checksums kept and the SIGUSR1 thread (xattr.c); NULL: none. */
	struct ftpsfs_xattrs *xattrs;

	pthread_t housekeeper;
	int housekeeper_started;
	pthread_mutex_t hk_mu;
	pthread_cond_t hk_cv;
	int stopping;
};

/* Remote path for a path inside the mount, into buf. 0, -ENAMETOOLONG (the
 * server path, remote root included, does not fit) or -EINVAL (CR, LF or
 * 0xFF in it). */
int ftpsfs_remote(const struct ftpsfs *fs, const char *path, char *buf, size_t len);
/* Whether a path from the kernel may be used: 0, -ENAMETOOLONG (a component
 * over FTPS_MAX_NAME bytes, or the server path too long), -EINVAL, or
 * -ENOENT for none (NULL: an open file no longer reachable by name). */
int ftpsfs_check_path(const struct ftpsfs *fs, const char *path);

/* Run fn on a pooled short connection; once more on a fresh one when the
 * first was found dropped (an idle connection the server closed) - but
 * only when that cannot do harm: fn is idempotent (a listing, MDTM, a
 * chmod), or its command never reached the server (st->unsure is 0), and
 * never after a timeout (another try would cost another whole timeout).
 * Otherwise the error comes back with st->unsure set, for the caller to
 * find out what happened. The tries draw on budget, the caller's own when
 * it retries too (so the two do not multiply); NULL: one more try. */
typedef ftps_err (*ftpsfs_conn_fn)(struct ftps_conn *c, void *arg, struct ftps_status *st);
struct ftps_retry;
ftps_err ftpsfs_with_conn(struct ftpsfs *fs, ftpsfs_conn_fn fn, void *arg, int idempotent,
                          struct ftps_retry *budget, struct ftps_status *st);

#endif
