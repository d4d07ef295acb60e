/* fs.h - the mounted filesystem's state, shared by the FUSE operations.
 *
 * One struct ftpsfs per mount. Operations check out a pooled connection,
 * call one core function, put the connection back and map the result to
 * -errno; nothing in fuse/ parses FTP.
 */
#ifndef FTPSFS_FS_H
#define FTPSFS_FS_H

#define FUSE_USE_VERSION 35
#include <fuse.h>
#include <pthread.h>
#include <time.h>
#include "ftps.h"
#include "dircache.h"
#include "mtcache.h"
#include "options.h"

#define FTPSFS_MAX_ORPHANS 64

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
	int caps_mlst;                  /* learnt from the first connection */

	/* Temporary upload files that a failed upload could not remove from
	 * the server (it was down); removed later (upload.c). */
	pthread_mutex_t orphan_mu;
	char *orphans[FTPSFS_MAX_ORPHANS];
	int norphans;
	time_t orphan_next_try;
	int orphan_backoff;

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

/* Remote path for a path inside the mount, into buf. 0 or -ENAMETOOLONG/-EINVAL. */
int ftpsfs_remote(const struct ftpsfs *fs, const char *path, char *buf, size_t len);

/* Fill a stat from a listing entry. */
void ftpsfs_entry_stat(const struct ftpsfs *fs, const struct ftps_entry *e, struct stat *stbuf);

/* List remote folder into l for the cache: ftps_list, then LIST for the
 * targets of symlinks that MLSD showed without one. */
ftps_err ftpsfs_list_into(struct ftps_conn *c, const char *remote, struct ftps_dc_listing *l,
                          struct ftps_status *st);

/* getattr without FUSE around it: 0 and *e filled, or -errno. */
int ftpsfs_lookup(struct ftpsfs *fs, const char *path, struct ftps_entry *e);

#endif
