/* upload.h - getting a file's bytes onto the server safely.
 *
 * With -o atomic=1 (the default) an upload goes to a temporary name in the
 * same folder (".NAME.ftpsfs-XXXXXX") and is renamed over the final name
 * only once the server confirmed it (226) and verification passed (-o
 * verify=size|hash), so no reader ever sees a half file under the final
 * name and a failed upload leaves the earlier version intact. A failed
 * upload's temporary file is deleted - except when the earlier version was
 * already deleted to make room for it (a server that will not rename over
 * a file): then it holds the only copy and is renamed into place later.
 */
#ifndef FTPS_UPLOAD_H
#define FTPS_UPLOAD_H

#include <stdint.h>
#include <sys/types.h>
#include "ftps.h"

struct ftps_engine;
struct ftps_upload;

/* What the server has after a successful upload. */
struct ftps_uploaded {
	uint64_t size;
	int64_t mtime;          /* from MDTM or MFMT, else our clock */
	int mtime_exact;        /* mtime is the server's */
	int mode_set;           /* the mode asked for was set (SITE CHMOD) */
};

/* Start a streamed upload of the file at remote (STOR; APPE when append,
 * which writes in place). src_fd, when not -1, holds a copy of every byte
 * before it is sent (at its offset in the file): a connection that drops
 * is then resumed (APPE) from what reached the server. Returns 0 or -errno;
 * -ENOTSUP when the server refuses to append. */
int ftps_upload_start(struct ftps_engine *eng, const char *remote, int append, int src_fd,
                        struct ftps_upload **out);
/* No file is under the upload's name (the file was made here and has
 * not been uploaded before): the size check and the rename into place may
 * go out together (see upload_place.c). */
void ftps_upload_new_name(struct ftps_upload *u);
/* The file was renamed while uploading: put it in place under remote
 * (which may hold a file: the upload no longer counts as a new name). */
void ftps_upload_retarget(struct ftps_upload *u, const char *remote);
/* Send len bytes. 0 or -errno (the upload is then dead: abort it). */
int ftps_upload_write(struct ftps_upload *u, const void *buf, size_t len);
/* Send from the source in a thread of the upload's own from now on, so
 * that the writer does not wait for the network: the writer puts bytes in
 * the source and calls ftps_upload_queue. 0 or -errno. */
int ftps_upload_background(struct ftps_upload *u);
/* The next len bytes, buf, which the source now also holds: queued for the
 * sender (waiting while more than 64 MiB are still to be sent), or sent
 * here as ftps_upload_write does when there is no sender. 0, or the
 * -errno of a failed upload (then dead: abort it). */
int ftps_upload_queue(struct ftps_upload *u, const void *buf, size_t len);
/* The source is going away: send what was queued, then no more resumes or
 * background sending. 0 or the -errno of a failed upload. */
int ftps_upload_drop_source(struct ftps_upload *u);
/* Complete: send what was queued, close the data connection cleanly, read
 * 226, verify, apply mode (when mode >= 0, 0 included), rename into place
 * and set mtime (when mtime >= 0). Frees u. */
int ftps_upload_finish(struct ftps_upload *u, int mode, int64_t mtime,
                         struct ftps_uploaded *res);
/* Cancel and delete the temporary file. Frees u. */
void ftps_upload_abort(struct ftps_upload *u);

/* Upload bytes [from, size) of fd: the whole file (from = 0, atomic per
 * the options) or an append (APPE, from = the server's size). Retried on a
 * new connection when a connection fails. 0 or -errno. */
int ftps_upload_fd(struct ftps_engine *eng, const char *remote, int fd, uint64_t from,
                     uint64_t size, int append, int mode, int64_t mtime,
                     struct ftps_uploaded *res);

#endif
