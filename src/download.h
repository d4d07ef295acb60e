/* download.h - a whole file from the server into a local file (the
 * daemon's spool, for an edit). */
#ifndef FTPS_DOWNLOAD_H
#define FTPS_DOWNLOAD_H

#include <stdint.h>
#include "engine.h"

/* Download remote into fd from offset 0 (for the spool). expect: the size
 * the listing showed, -1 when unknown; the download resumes after a cut
 * (within the timeout), is never taken as complete before that size
 * unless the server's SIZE agrees, stops a margin past it (exact: at it,
 * writing nothing beyond: an append's bytes are there), and checks the
 * spool's free space as it goes. Returns the bytes written or -errno. */
int64_t ftps_download_fd(struct ftps_engine *eng, const char *remote, int fd, int64_t expect,
                           int exact);


#endif
