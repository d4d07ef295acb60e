/* stats.h - what a mount is doing, for people: counters kept where things
 * happen, read all at once for getfattr on the mount's root and for
 * SIGUSR1 (fuse/xattr.c maps them; nothing here knows of FUSE).
 *
 * Each server record (server.h) holds one struct ftps_stats, so every
 * connection of a pool, its transfers and the engine over it count into
 * the same one: conn.c (connections opened, the banner and FEAT), xfer.c
 * (TLS resumption of data connections, bytes moved), pool.c
 * (reconnects), the engine (uploads running, retries). Counters are
 * relaxed C11 atomics: a counter is one atomic add where its event
 * happens, and a reader may see one a little ahead of another. The texts
 * (banner, SYST, features) are under a mutex and set once.
 *
 * What a reader sees is a struct ftps_stats_view (ftps_pool_stats_read
 * fills it); ftps_stats_name and ftps_stats_value turn it into short
 * stable name/value pairs ("conns" = "2", "bytes_down" = "1048576").
 */
#ifndef FTPS_STATS_H
#define FTPS_STATS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "feat.h"

enum ftps_counter {
	FTPS_CTR_CONNS_OPENED = 0,  /* control connections opened (logged in) */
	FTPS_CTR_RECONNECTS,        /* ... of them replacing one that was lost */
	FTPS_CTR_TLS_RESUMED,       /* data connections that resumed the session */
	FTPS_CTR_TLS_FULL,          /* data connections with a full handshake */
	FTPS_CTR_BYTES_DOWN,        /* file data read from the server */
	FTPS_CTR_BYTES_UP,          /* file data sent to the server */
	FTPS_CTR_UPLOADS_RUNNING,   /* a gauge: up at an upload's start, down at its end */
	FTPS_CTR_UPLOADS_FAILED,    /* uploads given up on (changes not on the server) */
	FTPS_CTR_RETRIES,           /* operations tried again after a failure */
	FTPS_CTR_COUNT
};

#define FTPS_STATS_TEXT 256

struct ftps_stats {
	_Atomic int64_t ctr[FTPS_CTR_COUNT];
	_Atomic unsigned hash_algos;    /* answerable: 1u << ftps_hash_algo; FTPS_STATS_KNOWN once set */
	pthread_mutex_t mu;             /* protects the texts */
	char banner[FTPS_STATS_TEXT];   /* the greeting, without its code */
	char syst[FTPS_STATS_TEXT];     /* the SYST reply, "" until asked */
	char features[FTPS_STATS_TEXT * 2];
};
#define FTPS_STATS_KNOWN (1u << 31)

void ftps_stats_init(struct ftps_stats *s);
void ftps_stats_destroy(struct ftps_stats *s);
/* Count: one relaxed atomic add (n may be negative for a gauge). */
void ftps_stats_add(struct ftps_stats *s, enum ftps_counter c, int64_t n);
/* The first logged-in connection says what the server is: its greeting's
 * text and what FEAT offered. Later calls change nothing. */
void ftps_stats_set_server(struct ftps_stats *s, const char *greeting,
                           const struct ftps_caps *caps);
/* The SYST reply's text (asked once, when someone wants to see it). */
void ftps_stats_set_syst(struct ftps_stats *s, const char *syst);
int ftps_stats_has_syst(struct ftps_stats *s);
/* The algorithms the server can hash (1u << ftps_hash_algo each); 0 until
 * a connection has logged in or when it offers none. */
unsigned ftps_stats_hash_algos(const struct ftps_stats *s);

/* Everything shown, taken at one moment. */
struct ftps_stats_view {
	unsigned conns;                 /* control connections open now */
	unsigned conns_cap;             /* the cap: configured, or learnt lower */
	int64_t ctr[FTPS_CTR_COUNT];
	/* Known by the daemon, not the core: filled by the caller. */
	unsigned uploads_pending;       /* files with changes not yet uploaded */
	unsigned spool_kept;            /* spool files kept after failed uploads */
	char last_error[FTPS_STATS_TEXT * 2];   /* the last error or warning logged */
	int64_t last_error_at;          /* its time (Unix seconds); 0 none */
	char banner[FTPS_STATS_TEXT];
	char syst[FTPS_STATS_TEXT];
	char features[FTPS_STATS_TEXT * 2];
};

/* Copy the counters and texts of s (not conns, cap or the daemon's). */
void ftps_stats_copy(struct ftps_stats *s, struct ftps_stats_view *v);

/* The i-th name ("conns", "tls_resumed", ...), NULL past the last. */
const char *ftps_stats_name(size_t i);
/* The value of the named statistic as text into buf (NUL-terminated,
 * truncated to len): its length, or -1 for a name that is none of them. */
int ftps_stats_value(const struct ftps_stats_view *v, const char *name, char *buf, size_t len);

#endif
