/* file.h - an open file: reads, writes, truncation and the upload at close.
 *
 * How a file's bytes reach the server:
 *  - A new file (create, or open with O_TRUNC) written sequentially from
 *    offset 0 streams to the server as the writes arrive (STOR to a
 *    temporary name): each write goes to a spool file first, and a thread
 *    of the upload sends from there (at most 64 MiB behind the writes).
 *    The upload completes at flush (close) and its result is what close()
 *    returns. A dropped connection is resumed from the copy (APPE); an
 *    upload that fails anyway is tried again from the copy as a whole, and
 *    when that fails too the copy is kept (see below).
 *  - Anything else (writes at other offsets, to an existing file, truncate
 *    to a size other than 0, reading back what was written) goes through a
 *    spool file (-o spool_dir): the server's version is fetched when first
 *    needed and the whole file is uploaded at flush or fsync. Writes that
 *    only append to an existing file are spooled alone and sent with APPE.
 *  - A streamed upload that meets a write elsewhere or a read is dropped;
 *    its spool copy becomes the spool file.
 * Spool files are removed once uploaded. A file whose upload failed keeps
 * its spool file, and the log names it, so nothing written is lost.
 */
#ifndef FTPSFS_FILE_H
#define FTPSFS_FILE_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>

struct ftpsfs;
struct ftpsfs_file;

/* Open an existing file (flags as open(2) got them). */
int ftpsfs_file_open(struct ftpsfs *fs, const char *path, int flags, struct ftpsfs_file **out);
/* Create a new file (it exists on the server from the first flush on). */
int ftpsfs_file_create(struct ftpsfs *fs, const char *path, mode_t mode, int flags,
                       struct ftpsfs_file **out);
ssize_t ftpsfs_file_read(struct ftpsfs_file *f, char *buf, size_t len, off_t off);
ssize_t ftpsfs_file_write(struct ftpsfs_file *f, const char *buf, size_t len, off_t off);
int ftpsfs_file_truncate(struct ftpsfs_file *f, off_t size);
/* Upload what is pending; the result is what close()/fsync() return. */
int ftpsfs_file_flush(struct ftpsfs_file *f);
void ftpsfs_file_release(struct ftpsfs_file *f);

/* For getattr/utimens/chmod/truncate by path while a file is open with
 * changes not yet uploaded. All return 1 when such a file was found. */
int ftpsfs_file_stat_open(struct ftpsfs *fs, const char *path, struct stat *sb);
int ftpsfs_file_set_pending_mtime(struct ftpsfs *fs, const char *path, int64_t mtime);
int ftpsfs_file_set_pending_mode(struct ftpsfs *fs, const char *path, mode_t mode);
/* truncate(2) on a path: through an open file when there is one, else by
 * fetching, truncating and uploading (size 0: an empty upload). */
int ftpsfs_truncate_path(struct ftpsfs *fs, const char *path, off_t size);
/* A rename of path (or of a folder above open files) to to: open files
 * follow it, so their uploads land under the new name. */
void ftpsfs_file_renamed(struct ftpsfs *fs, const char *from, const char *to);
/* True when path is a file created here and not yet uploaded: it exists
 * only in this process, so a rename of it involves no server. */
int ftpsfs_file_only_local(struct ftpsfs *fs, const char *path);
/* Say in the log which files in the spool folder keep changes that an
 * earlier upload could not save (files no running mount holds). */
void ftpsfs_spool_report(const char *dir);
/* Upload every file still pending (at unmount). */
void ftpsfs_file_flush_all(struct ftpsfs *fs);

#endif
