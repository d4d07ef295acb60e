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
#ifndef FTPS_FILE_H
#define FTPS_FILE_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include "meta.h"

struct ftps_fs;
struct ftps_file;

/* Open an existing file (flags as open(2) got them). */
int ftps_file_open(struct ftps_fs *fs, const char *path, int flags, struct ftps_file **out);
/* Create a new file (it exists on the server from the first flush on). */
int ftps_file_create(struct ftps_fs *fs, const char *path, mode_t mode, int flags,
                     struct ftps_file **out);
ssize_t ftps_file_read(struct ftps_file *f, char *buf, size_t len, off_t off);
/* append: the handle was opened with O_APPEND (the write goes at the end). */
ssize_t ftps_file_write(struct ftps_file *f, const char *buf, size_t len, off_t off,
                        int append);
int ftps_file_truncate(struct ftps_file *f, off_t size);
/* close()'s flush: upload what is pending; the result is what close()
 * returns. With -o writeback the upload is left to the background once
 * the data are in the spool (see writeback.c), and close() returns 0. */
int ftps_file_flush(struct ftps_file *f);
/* fsync(): the same without writeback; with it, the error of the file's
 * failed background upload (once), else its upload, done now. */
int ftps_file_fsync(struct ftps_file *f);
void ftps_file_release(struct ftps_file *f);

/* Attributes of a file with changes not yet uploaded (size, the time of the
 * last change or the time to set, the mode to set), over what the cache
 * said. By path for getattr, or by handle (fgetattr, and files no longer
 * reachable by name). The path forms return 1 when such a file was found. */
int ftps_file_stat_open(struct ftps_fs *fs, const char *path, struct stat *sb);
/* The whole stat of such a file that the metadata layer does not know (a
 * new file whose upload has not landed, after its folder was listed
 * again): 1 and sb filled, or 0 when there is none at path. */
int ftps_file_stat_pending(struct ftps_fs *fs, const char *path, struct stat *sb);
/* readdir over the metadata layer (ftps_meta_readdir), with the files that
 * have changes not yet uploaded shown as they are on the mount: their
 * size, time and mode, and those new files the listing lacks. */
int ftps_files_readdir(struct ftps_fs *fs, const char *dir, ftps_dirent_cb cb, void *arg);
void ftps_file_fstat(struct ftps_file *f, struct stat *sb);
/* The file's path in the mount now (it follows renames) into buf: 0, or
 * -ENOENT when it has none any more (detached). */
int ftps_file_path(struct ftps_file *f, char *buf, size_t len);
/* utimens/chmod of a file open with changes: kept for its upload. */
int ftps_file_set_pending_mtime(struct ftps_fs *fs, const char *path, int64_t mtime);
int ftps_file_set_pending_mode(struct ftps_fs *fs, const char *path, mode_t mode);
/* truncate(2) on a path: through an open file when there is one, else by
 * fetching, truncating and uploading (size 0: an empty upload). */
int ftps_file_truncate_path(struct ftps_fs *fs, const char *path, off_t size);

/* ---- namespace changes and open files ----
 * A rename or unlink first holds the open files it concerns: each is
 * locked, so none is in the middle of an upload while the server's names
 * change, and afterwards the files follow the change (POSIX):
 *  - a rename moves the files at and below from to their new names, so
 *    their uploads land there;
 *  - a file that is unlinked, or that a rename replaces, is detached: it
 *    stays readable and writable through its descriptors, its changes are
 *    never uploaded, and creating the name again makes a new file.
 * Files are locked in address order, so two holders cannot deadlock, and
 * only the files concerned wait: others go on. */
struct ftps_held;
/* Hold the open files at or below from (below only when from is a folder
 * with open files in it) and those at exactly to (NULL: none). NULL when
 * out of memory. */
struct ftps_held *ftps_files_hold(struct ftps_fs *fs, const char *from, const char *to);
/* True when a held file at exactly path exists only here (created and not
 * uploaded yet): renaming or unlinking it involves no server. */
int ftps_held_only_local(const struct ftps_held *h, const char *path);
/* True when a held file is at exactly path. */
int ftps_held_has(const struct ftps_held *h, const char *path);
/* The rename from -> to succeeded: files at to are detached, files at or
 * below from follow. */
void ftps_held_renamed(struct ftps_held *h, const char *from, const char *to);
/* Before path is unlinked: a held file at it that is open for writing
 * and whose bytes are (partly) on the server gets them into its spool, so
 * that its descriptors can still read and write it once detached. */
void ftps_held_keep_content(struct ftps_held *h, const char *path);
/* path was unlinked: the files held at it are detached. */
void ftps_held_unlinked(struct ftps_held *h, const char *path);

void ftps_files_release(struct ftps_held *h);

/* Say in the log which files in the spool folder keep changes that an
 * earlier upload could not save (files no running mount holds). */
void ftps_spool_report(const char *dir);
/* How many such files the spool folder keeps; the first one's path into
 * first (when not NULL). */
unsigned ftps_spool_kept(const char *dir, char *first, size_t firstlen);
/* Open files with changes not yet uploaded (for the statistics). */
unsigned ftps_files_pending(struct ftps_fs *fs);
/* Upload every file still pending (at unmount). */
void ftps_file_flush_all(struct ftps_fs *fs);

#endif
