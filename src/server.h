/* server.h - what is learnt about a server, shared by all its connections.
 *
 * A server's quirks (it refuses EPSV, has no MFMT, stays silent after a
 * cut transfer, ...) are the same on every connection to it. They are
 * learnt once, by whichever connection meets them first, and from then on
 * every connection of the pool, old or new, acts on them: no round trip
 * is spent finding out again.
 *
 * A fact is only ever learnt, never forgotten (for the life of the
 * record: the mount). Each is one bit of an atomic word, so a connection
 * reads them without a lock, in the middle of a command.
 *
 * The pool owns the record of its server (ftps_pool_server); a connection
 * opened on its own (ftps_conn_open) has one of its own.
 *
 * The record also counts what its connections do, for people to see
 * (stats.h): the one place every connection, transfer and upload of a
 * mount can reach.
 */
#ifndef FTPS_SERVER_H
#define FTPS_SERVER_H

#include "ftps.h"
#include "stats.h"

struct ftps_server {
	_Atomic unsigned facts;         /* 1 << enum ftps_fact */
	/* The most entries a STAT listing had that was checked against LIST
	 * and agreed (ops_stat.c): a bigger one is checked again. */
	_Atomic unsigned stat_checked;
	struct ftps_stats stats;        /* what its connections did (stats.h) */
};

#endif
