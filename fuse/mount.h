/* mount.h - one mount: the core's view of it (struct ftps_fs, src/fs.h:
 * the caches, the pool, the engine, the root) and what only the daemon
 * keeps (its options, TLS, extended attributes, the housekeeper). No FUSE
 * in here.
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
 *   (src/fs.h) the mount as the core sees it: caches, pool, engine, root
 *   options*.c, password.c, netrc.c, probe.c, main.c   the command line
 *              and start-up
 */
#ifndef FTPSFS_MOUNT_H
#define FTPSFS_MOUNT_H

#include <pthread.h>
#include "fs.h"
#include "options.h"

/* Kernel requests in flight in the background (readahead), and FUSE
 * threads at most: more threads than background requests, so that the
 * reads that wait for a connection never take the last one. */
#define FTPSFS_MAX_BACKGROUND 64
#define FTPSFS_MAX_THREADS 128

struct ftpsfs {
	/* What the core's layers over this server use (src/fs.h). */
	struct ftps_fs core;
	struct ftpsfs_opts *opts;
	struct ftps_tls *tls;

	/* Checksums kept and the SIGUSR1 thread (xattr.c); NULL: none. */
	struct ftpsfs_xattrs *xattrs;

	pthread_t housekeeper;
	int housekeeper_started;
	pthread_mutex_t hk_mu;
	pthread_cond_t hk_cv;
	int stopping;
};

#endif
