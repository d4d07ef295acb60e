/* upload.h - getting a file's bytes onto the server safely.
 *
 * With -o atomic=1 (the default) an upload goes to a temporary name in the
 * same folder (".NAME.ftpsfs-XXXXXX") and is renamed over the final name
 * only once the server confirmed it (226) and verification passed (-o
 * verify=size|hash), so no reader ever sees a half file under the final
 * name and a failed upload leaves the earlier version intact. A failed
 * upload's temporary file is deleted.
 */
#ifndef FTPSFS_UPLOAD_H
#define FTPSFS_UPLOAD_H

#include <stdint.h>
#include <sys/types.h>
#include "ftps.h"

struct ftpsfs;
struct ftpsfs_upload;

/* What the server has after a successful upload. */
struct ftpsfs_uploaded {
	uint64_t size;
	int64_t mtime;          /* from MDTM, else our clock */
};

/* Start a streamed upload of the file at remote (STOR; APPE when append,
 * which writes in place). Returns 0 or -errno. */
int ftpsfs_upload_start(struct ftpsfs *fs, const char *remote, int append,
                        struct ftpsfs_upload **out);
/* The file was renamed while uploading: put it in place under remote. */
void ftpsfs_upload_retarget(struct ftpsfs_upload *u, const char *remote);
/* Send len bytes. 0 or -errno (the upload is then dead: abort it). */
int ftpsfs_upload_write(struct ftpsfs_upload *u, const void *buf, size_t len);
/* Bytes sent so far. */
uint64_t ftpsfs_upload_sent(const struct ftpsfs_upload *u);
/* Complete: close the data connection cleanly, read 226, verify, rename into
 * place, apply mode (when mode != 0) and mtime (when mtime >= 0). Frees u. */
int ftpsfs_upload_finish(struct ftpsfs_upload *u, mode_t mode, int64_t mtime,
                         struct ftpsfs_uploaded *res);
/* Complete and verify, but leave the bytes where they were uploaded (the
 * temporary name, or the final one with -o atomic=0); that path goes to
 * where. For a file that must come back into the spool. Frees u. */
int ftpsfs_upload_park(struct ftpsfs_upload *u, char *where, size_t wlen);
/* Delete a remote file, ignoring failure (temporary files). */
void ftpsfs_remote_delete(struct ftpsfs *fs, const char *remote);
/* Cancel and delete the temporary file. Frees u. */
void ftpsfs_upload_abort(struct ftpsfs_upload *u);

/* Upload bytes [from, size) of fd: the whole file (from = 0, atomic per
 * the options) or an append (APPE, from = the server's size). Retried on a
 * new connection when a connection fails. 0 or -errno. */
int ftpsfs_upload_fd(struct ftpsfs *fs, const char *remote, int fd, uint64_t from,
                     uint64_t size, int append, mode_t mode, int64_t mtime,
                     struct ftpsfs_uploaded *res);

/* Download remote into fd from offset 0 (for the spool). Returns the bytes
 * written or -errno. */
int64_t ftpsfs_download_fd(struct ftpsfs *fs, const char *remote, int fd);

#endif
