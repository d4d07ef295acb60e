/* download.h - a whole file from the server into the spool (for an edit). */
#ifndef FTPSFS_DOWNLOAD_H
#define FTPSFS_DOWNLOAD_H

#include <stdint.h>
#include "mount.h"

/* Download remote into fd from offset 0 (for the spool). expect: the size
 * the listing showed, -1 when unknown; the download resumes after a cut
 * (within the timeout), is never taken as complete before that size
 * unless the server's SIZE agrees, stops a margin past it (exact: at it,
 * writing nothing beyond: an append's bytes are there), and checks the
 * spool's free space as it goes. Returns the bytes written or -errno. */
int64_t ftpsfs_download_fd(struct ftpsfs *fs, const char *remote, int fd, int64_t expect,
                           int exact);


#endif
