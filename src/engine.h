/* engine.h - the transfer engine: moving a file's bytes between the
 * server and the program, over one server's connection pool.
 *
 *   reader.c      streamed reads of one file, with a window (reader.h)
 *   upload.c      an upload's life: start, send, resume, finish, retry;
 *                 upload_place.c where it lands (temporary name, verify,
 *                 rename into place); upload_send.c the background sender;
 *                 hash.c the checksum of what was sent (upload.h)
 *   download.c    a whole file into a local file, resuming (download.h)
 *   leftovers.c   what failed uploads left on the server, dealt with
 *                 later (leftovers.h)
 *
 * The engine knows nothing of FUSE or of caches: it takes server paths and
 * file descriptors and returns -errno (decided by ftps_err_report). The
 * daemon holds one struct ftps_engine per mount; tests/unit/check_engine.c
 * drives it against a scripted server.
 */
#ifndef FTPS_ENGINE_H
#define FTPS_ENGINE_H

#include <pthread.h>
#include <time.h>
#include "ftps.h"

/* What is compared after an upload. */
enum ftps_verify {
	FTPS_VERIFY_SIZE = 0,   /* the server's SIZE (default) */
	FTPS_VERIFY_HASH,       /* SIZE and the strongest hash the server offers */
	FTPS_VERIFY_NONE,
};

#define FTPS_MAX_LEFTOVERS 64

/* Temporary upload files that a failed upload could not remove from the
 * server (it was down), and uploads whose temporary file is the only copy
 * of their data (the old file was deleted for a server that will not
 * rename over it) that could not be renamed into place. See leftovers.h. */
struct ftps_leftovers {
	pthread_mutex_t mu;
	char *orphans[FTPS_MAX_LEFTOVERS];
	int norphans;
	time_t orphan_next_try;
	int orphan_backoff;
	struct ftps_stranded {
		char *temp, *final;
	} stranded[FTPS_MAX_LEFTOVERS];
	int nstranded;
	time_t stranded_next_try;
};

struct ftps_engine {
	const struct ftps_config *cfg;
	struct ftps_pool *pool;
	int atomic;                     /* uploads go to a temporary name first */
	enum ftps_verify verify;
	unsigned segments;              /* -o segments: ranges a slow sequential read
	                                 * fetches at once; 0, 1: off (reader_seg.c) */
	struct ftps_leftovers lo;
};

/* Set up an engine over pool (which it borrows: it must outlive it).
 * atomic: upload to a temporary name and rename into place. */
void ftps_engine_init(struct ftps_engine *eng, const struct ftps_config *cfg,
                      struct ftps_pool *pool, int atomic, enum ftps_verify verify);
/* Name in the log what is still left on the server and free the lists,
 * after the streams cancelled in the background are drained. */
void ftps_engine_destroy(struct ftps_engine *eng);

#endif
