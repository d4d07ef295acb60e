/* ftps_limits.h - every bound the core puts on what a server may send us.
 *
 * A hostile or broken server must not make us allocate without limit, so
 * each parser checks against one of these before it grows anything.
 */
#ifndef FTPS_LIMITS_H
#define FTPS_LIMITS_H

#define FTPS_MAX_LINE        8192   /* one reply or listing line, without CRLF */
#define FTPS_MAX_REPLY_LINES 1024   /* lines in one multi-line reply */
#define FTPS_MAX_REPLY_BYTES 65536  /* text kept for one reply */
#define FTPS_MAX_NAME        255    /* one path component (bytes) */
#define FTPS_MAX_PATH        4096   /* a whole path (bytes, with NUL) */
#define FTPS_MAX_LISTING_ENTRIES 1000000 /* entries in one directory listing */
#define FTPS_MAX_LISTING_BYTES (512L * 1024 * 1024) /* bytes of one listing */
#define FTPS_LISTING_TIMEOUTS 4     /* a whole listing may take this many timeouts */
#define FTPS_MAX_LINK_TARGET 4095   /* symlink target from a LIST line */

#endif
