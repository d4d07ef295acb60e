/* fs.h - one server seen as a filesystem: what the metadata layer, the
 * namespace changes and the open files share (the caches, the pool, the
 * transfer engine, the remote root) and the few settings they read. No
 * FUSE in here: the daemon (fuse/mount.h) holds one struct ftps_fs per
 * mount and fills it from its options.
 */
#ifndef FTPS_FS_H
#define FTPS_FS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include "ftps.h"
#include "dircache.h"
#include "mtcache.h"
#include "engine.h"

/* The settings these layers read, copied from the daemon's options. */
struct ftps_fs_settings {
	mode_t umask;           /* cleared from the modes the server reports */
	unsigned dir_cache;     /* seconds listings stay cached, 0 = off */
	unsigned prefetch;      /* folders listed ahead at once, 0 = off */
	unsigned max_conns;     /* connections to the server */
	unsigned timeout;       /* seconds, every network wait */
	int writeback;          /* uploads after close, in the background */
	const char *spool_dir;  /* where files being written are kept */
};

struct ftps_ahead;

struct ftps_fs {
	struct ftps_fs_settings set;
	const struct ftps_config *cfg;
	struct ftps_pool *pool;
	struct ftps_dircache *dc;
	struct ftps_mtcache *mt;         /* exact times beyond LIST; NULL: off */
	const char *root;               /* remote folder shown as the mount's root */
	uid_t uid;
	gid_t gid;
	_Atomic int64_t root_mtime;     /* the root's time: FTP cannot tell it */
	_Atomic int64_t mdtm_pause_until; /* no MDTM until then: the server failed to answer */
	_Atomic int mtime_warned;       /* said once that the server keeps no times */
	_Atomic int dir_mtime_refused;  /* folders whose time the server refused */
	/* MDTMs asked a folder at a time (meta_ask.c): one batch runs per folder,
	 * the last folder batched is not batched again at once. */
	pthread_mutex_t mdtm_mu;
	pthread_cond_t mdtm_cv;
	char mdtm_busy[FTPS_MAX_PATH];  /* the folder being batched, "" none */
	char mdtm_last[FTPS_MAX_PATH];
	double mdtm_last_at;
	/* Folders listed ahead (meta_ahead.c); NULL: off. */
	struct ftps_ahead *ahead;
	/* Counts our renames and removals: a listing that ran meanwhile is
	 * not kept by the listing ahead. */
	_Atomic unsigned long meta_changes;

	/* Reads, uploads and downloads over the pool; what failed uploads
	 * left on the server. */
	struct ftps_engine eng;

	/* What the kernel caches about path (in the mount) is stale: its
	 * size after a failed upload. It must not block (it is called with
	 * an open file's lock held); NULL: nobody to tell. */
	void (*stale)(const char *path);
};

/* Set up the locks and the root's time; the caller fills the rest. */
void ftps_fs_init(struct ftps_fs *fs);

/* Tell whoever caches attributes that path's are stale (fs->stale). */
void ftps_fs_stale(const struct ftps_fs *fs, const char *path);

/* Remote path for a path inside the mount, into buf. 0, -ENAMETOOLONG (the
 * server path, remote root included, does not fit) or -EINVAL (CR, LF or
 * 0xFF in it). */
int ftps_fs_remote(const struct ftps_fs *fs, const char *path, char *buf, size_t len);
/* Whether a path from the kernel may be used: 0, -ENAMETOOLONG (a component
 * over FTPS_MAX_NAME bytes, or the server path too long), -EINVAL, or
 * -ENOENT for none (NULL: an open file no longer reachable by name). */
int ftps_fs_check_path(const struct ftps_fs *fs, const char *path);

/* Run fn on a pooled short connection; once more on a fresh one when the
 * first was found dropped (an idle connection the server closed) - but
 * only when that cannot do harm: fn is idempotent (a listing, MDTM, a
 * chmod), or its command never reached the server (st->unsure is 0), and
 * never after a timeout (another try would cost another whole timeout).
 * Otherwise the error comes back with st->unsure set, for the caller to
 * find out what happened. The tries draw on budget, the caller's own when
 * it retries too (so the two do not multiply); NULL: one more try. */
typedef ftps_err (*ftps_fs_conn_fn)(struct ftps_conn *c, void *arg, struct ftps_status *st);
struct ftps_retry;
ftps_err ftps_fs_with_conn(struct ftps_fs *fs, ftps_fs_conn_fn fn, void *arg, int idempotent,
                           struct ftps_retry *budget, struct ftps_status *st);

#endif
