/* mount.h - one mount: the core's view of it (struct ftps_fs, src/fs.h:
 * the caches, the pool, the engine, the root) and what only the daemon
 * keeps (its options, TLS, extended attributes, the housekeeper). No FUSE
 * in here.
 *
 * Layout of fuse/ (who may use whom, top to bottom; no arrow goes up):
 *   main.c     start-up: options, password, the first login, the mount,
 *              the housekeeper; fills struct ftps_fs from the options
 *   ops.c      the FUSE operations table: checks each path, then maps the
 *              call onto the core (src/meta.h, src/file.h, src/names.h)
 *   xattr.c    extended attributes: the statistics on the root, checksums
 *              on files (both from src/sums.h); the statistics in the log
 *              on SIGUSR1
 *   kernel.c   tells the kernel what it caches is stale (its own thread;
 *              the core calls it through struct ftps_fs's stale hook)
 *   probe.c    --probe: what the server offers, then exit
 *   options.c options_table.c options_text.c   the command line; the
 *              password is read by the core (src/login.h)
 * Everything below these - the metadata layer, open files, namespace
 * changes, the transfer engine, the protocol - is in src/ (map: src/ftps.h).
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
