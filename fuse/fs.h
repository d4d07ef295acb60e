/* fs.h - the mounted filesystem's state, shared by the FUSE operations.
 *
 * One struct ftpsfs per mount. Operations check out a pooled connection,
 * call one core function, put the connection back and map the result to
 * -errno; nothing in fuse/ parses FTP.
 */
#ifndef FTPSFS_FS_H
#define FTPSFS_FS_H

#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <pthread.h>
#include <time.h>
#include "ftps.h"
#include "dircache.h"
#include "mtcache.h"
#include "options.h"

#define FTPSFS_MAX_ORPHANS 64
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

	/* Temporary upload files that a failed upload could not remove from
	 * the server (it was down); removed later (upload.c). */
	pthread_mutex_t orphan_mu;
	char *orphans[FTPSFS_MAX_ORPHANS];
	int norphans;
	time_t orphan_next_try;
	int orphan_backoff;
	/* Uploads whose temporary file is the only copy of their data (the
	 * old file was deleted for a server that will not rename over it) and
	 * could not be renamed into place: renamed later (upload.c). Under
	 * orphan_mu. */
	struct ftpsfs_stranded {
		char *temp, *final;
	} stranded[FTPSFS_MAX_ORPHANS];
	int nstranded;
	time_t stranded_next_try;

	pthread_t housekeeper;
	int housekeeper_started;
	pthread_mutex_t hk_mu;
	pthread_cond_t hk_cv;
	int stopping;
};

/* The operations table (fs.c). */
extern const struct fuse_operations ftpsfs_ops;

/* Map a core error to -errno for FUSE, logging the reason once. */
int ftpsfs_errno(ftps_err e, const struct ftps_status *st, const char *op, const char *path);

/* Remote path for a path inside the mount, into buf. 0, -ENAMETOOLONG (the
 * server path, remote root included, does not fit) or -EINVAL (CR, LF or
 * 0xFF in it). */
int ftpsfs_remote(const struct ftpsfs *fs, const char *path, char *buf, size_t len);
/* Whether a path from the kernel may be used: 0, -ENAMETOOLONG (a component
 * over FTPS_MAX_NAME bytes, or the server path too long) or -EINVAL. */
int ftpsfs_check_path(const struct ftpsfs *fs, const char *path);

/* Fill a stat from a listing entry. */
void ftpsfs_entry_stat(const struct ftpsfs *fs, const struct ftps_entry *e, struct stat *stbuf);

/* List remote folder into l for the cache: ftps_list, then LIST for the
 * targets of symlinks that MLSD showed without one. */
ftps_err ftpsfs_list_into(struct ftps_conn *c, const char *remote, struct ftps_dc_listing *l,
                          struct ftps_status *st);

/* The parent folder of path gained or lost an entry: its time moves on
 * the mount as it does on the server. */
void ftpsfs_touch_parent(struct ftpsfs *fs, const char *path);

/* getattr without FUSE around it: 0 and *e filled, or -errno. */
int ftpsfs_lookup(struct ftpsfs *fs, const char *path, struct ftps_entry *e);

#endif
