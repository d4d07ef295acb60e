/* sums.h - what the extended attributes show, without FUSE: a file's
 * checksum asked of the server and kept per version of the file, and the
 * statistics of a mount at one moment.
 *
 * The checksum comes from the server's HASH command or its X-commands
 * (XCRC, XMD5, XSHA1, ...), where it offers the algorithm. It is kept for
 * the file's path, size and modification time (SUMS_MAX of them, the
 * oldest replaced first), so asking again for an unchanged file costs no
 * round trip, and a changed one is asked afresh.
 */
#ifndef FTPS_SUMS_H
#define FTPS_SUMS_H

#include <stddef.h>
#include "fs.h"
#include "feat.h"
#include "stats.h"

#define FTPS_SUM_HEX_MAX 160        /* a SHA-512 in hex is 128 digits */

struct ftps_sums;

/* The checksums kept; NULL when out of memory (then none are kept). */
struct ftps_sums *ftps_sums_new(void);
void ftps_sums_free(struct ftps_sums *s);

/* The server's checksum of the file at path (a path in the mount) in
 * lower-case hex, into hex[FTPS_SUM_HEX_MAX]. 0, or -errno: -ENODATA when
 * the server offers no such algorithm or path is not a file, -EBUSY while
 * the file is being written here (the server has another version), else
 * what finding the file or asking the server gave. sums may be NULL. */
int ftps_sums_get(struct ftps_fs *fs, struct ftps_sums *sums, const char *path,
                  enum ftps_hash_algo algo, char hex[FTPS_SUM_HEX_MAX]);

/* Every statistic of the mount now, into v. With system, the server's
 * SYST is asked first, once (not at mount: a round trip for something
 * rarely read); with kept, the spool folder is counted (it reads the
 * folder). */
void ftps_fs_stats(struct ftps_fs *fs, int system, int kept, struct ftps_stats_view *v);

#endif
