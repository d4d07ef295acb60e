/* meta_int.h - inside the metadata layer: shared by meta.c (listings,
 * attributes, what our operations change) and meta_ask.c (what is asked
 * of the server beyond a listing). Not for other files.
 */
#ifndef FTPSFS_META_INT_H
#define FTPSFS_META_INT_H

#include "meta.h"

/* A file whose listed time is only to the minute or the day. */
int meta_coarse_time(const struct ftps_entry *e);
void meta_set_exact(struct ftps_entry *e, int64_t mtime);
/* e (path's entry) gets its exact time: from the exact-time cache, else
 * from the server (its folder's MDTMs at once, else its own); unchanged
 * when the server cannot tell. */
void meta_refine_mtime(struct ftpsfs *fs, const char *path, struct ftps_entry *e);
/* e gets its size from SIZE when the listing had none (kept in the cache). */
void meta_refine_size(struct ftpsfs *fs, const char *path, struct ftps_entry *e);
/* A copy of dir's entry e with its exact time, when the cache has it. */
int meta_known_exact(struct ftpsfs *fs, const char *dir, const struct ftps_entry *e,
                     struct ftps_entry *out);

#endif
