/* meta.h - the metadata layer: what the mount knows about names and
 * attributes on the server.
 *
 * It is the only user of the directory cache (listings, our own changes)
 * and of the exact-time cache (times to the second beyond a coarse LIST):
 * the rest of the daemon asks it, and tells it what its operations learnt
 * in a few words - learnt, uploaded, new folder, removed, renamed,
 * unknown - so that the two caches are never kept in step by hand.
 */
#ifndef FTPS_META_H
#define FTPS_META_H

#include <sys/stat.h>
#include "fs.h"

/* Fill a stat from a listing entry. */
void ftps_meta_stat(const struct ftps_fs *fs, const struct ftps_entry *e, struct stat *stbuf);

/* List remote folder into l for the cache: ftps_list, then LIST for the
 * targets of symlinks that MLSD showed without one. */
ftps_err ftps_meta_list_into(struct ftps_conn *c, const char *remote, struct ftps_dc_listing *l,
                             struct ftps_status *st);

/* List the mount's root on c into the cache (at mount time); it must be a
 * folder (CWD tells, where a listing of nothing may not). */
ftps_err ftps_meta_list_root(struct ftps_fs *fs, struct ftps_conn *c, struct ftps_status *st);

/* What is at path: 0 and *e filled (release with ftps_entry_clear), or
 * -errno. From the cache, else one listing of the parent. */
int ftps_meta_lookup(struct ftps_fs *fs, const char *path, struct ftps_entry *e);
/* The same for getattr: a file's size when its listing had none (SIZE),
 * and its time to the second when the listing had minutes (MDTM, kept per
 * version of the file). */
int ftps_meta_getattr(struct ftps_fs *fs, const char *path, struct ftps_entry *e);

/* readdir: cb sees each entry of dir with its attributes; plus says they
 * are complete (else the kernel is to ask getattr). Returns 0 or -errno;
 * a non-zero cb stops the listing. */
typedef int (*ftps_dirent_cb)(void *arg, const char *name, const struct stat *sb, int plus);
int ftps_meta_readdir(struct ftps_fs *fs, const char *dir, ftps_dirent_cb cb, void *arg);
/* dir's entries, listed now (not from the cache): -1 when that fails. */
long ftps_meta_count(struct ftps_fs *fs, const char *dir);
/* The cache knows path as something other than a folder (no round trip). */
int ftps_meta_known_file(struct ftps_fs *fs, const char *path);
/* The cache knows path as a folder (no round trip). */
int ftps_meta_known_folder(struct ftps_fs *fs, const char *path);
/* The size the cache shows for the file at path (no round trip): 1 and
 * *size, or 0 when it shows none. */
int ftps_meta_cached_size(struct ftps_fs *fs, const char *path, uint64_t *size);

/* Folders listed ahead of the program (-o prefetch, meta_ahead.c): start
 * the workers (once the pool can be used), stop them (unmount: the queue
 * is dropped, folders in flight are waited for, each bounded by the
 * timeout), and free what is left (after stop; NULL-safe). Start returns
 * 0, or -1 when no worker could be started. */
int ftps_meta_ahead_start(struct ftps_fs *fs);
void ftps_meta_ahead_stop(struct ftps_fs *fs);
void ftps_meta_ahead_free(struct ftps_fs *fs);

/* What our own operations learnt. "now" for a listing requested before a
 * change is ftps_meta_clock(). */
double ftps_meta_clock(void);
/* path exists with these attributes (e->name is ignored). */
void ftps_meta_learnt(struct ftps_fs *fs, const char *path, const struct ftps_entry *e);
/* We uploaded path: its attributes; mtime_exact says e->mtime is the
 * server's, to the second, so no MDTM will be needed for it. */
void ftps_meta_uploaded(struct ftps_fs *fs, const char *path, const struct ftps_entry *e,
                        int mtime_exact);
/* We made the folder path (empty; its listing was requested at before). */
void ftps_meta_new_folder(struct ftps_fs *fs, const char *path, const struct ftps_entry *e,
                          double before);
/* path is gone (with everything below it when folder). */
void ftps_meta_removed(struct ftps_fs *fs, const char *path, int folder);
/* from was renamed to to (file: it is known not to be a folder). */
void ftps_meta_renamed(struct ftps_fs *fs, const char *from, const char *to, int file);
/* What is at path is not known any more (a failed change). */
void ftps_meta_unknown(struct ftps_fs *fs, const char *path);
/* We set path's mode and/or time. */
void ftps_meta_set(struct ftps_fs *fs, const char *path, int set_mode, unsigned mode,
                   int set_mtime, int64_t mtime);
/* The parent folder of path gained or lost an entry: its time moves on
 * the mount as it does on the server. */
void ftps_meta_touch_parent(struct ftps_fs *fs, const char *path);

#endif
