/* meta_int.h - inside the metadata layer: shared by meta.c (listings,
 * attributes, what our operations change) and meta_ask.c (what is asked
 * of the server beyond a listing). Not for other files.
 */
#ifndef FTPS_META_INT_H
#define FTPS_META_INT_H

#include "meta.h"

/* A file whose listed time is only to the minute or the day. */
int meta_coarse_time(const struct ftps_entry *e);
void meta_set_exact(struct ftps_entry *e, int64_t mtime);
/* e (path's entry) gets its exact time: from the exact-time cache, else
 * from the server (its folder's MDTMs at once, else its own); unchanged
 * when the server cannot tell. */
void meta_refine_mtime(struct ftps_fs *fs, const char *path, struct ftps_entry *e);
/* e gets its size from SIZE when the listing had none (kept in the cache). */
void meta_refine_size(struct ftps_fs *fs, const char *path, struct ftps_entry *e);
/* A copy of dir's entry e with its exact time, when the cache has it. */
int meta_known_exact(struct ftps_fs *fs, const char *dir, const struct ftps_entry *e,
                     struct ftps_entry *out);

/* dir's entry name as a path in the mount: 0, or -1 when too long. */
int meta_child_path(const char *dir, const char *name, char *out, size_t len);

/* ---- meta_ask.c, for listing ahead ---- */
/* The MDTMs that dir's cached listing needs, in one batch on c, into the
 * exact-time cache; skipped when the namespace changed (fs->meta_changes
 * is no longer changes) or listing ahead is stopping. */
ftps_err meta_mdtm_ahead(struct ftps_fs *fs, struct ftps_conn *c, const char *dir,
                         unsigned long changes, struct ftps_status *st);

/* ---- meta_ahead.c: folders listed ahead (-o prefetch) ---- */
/* dir was read and has the subfolders names (n of them; sorted here):
 * queue those not cached to be listed ahead. */
void meta_ahead_queue(struct ftps_fs *fs, const char *dir, char **names, size_t n);
/* The program wants dir now: out of the queue, and when it is being
 * listed ahead, wait for that (bounded). 1 when it waited. */
int meta_ahead_wait(struct ftps_fs *fs, const char *dir);
/* Unmount has begun: no more work ahead. */
int meta_ahead_stopping(struct ftps_fs *fs);

#endif
