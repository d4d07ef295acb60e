/* mtcache.h - exact modification times learnt beyond a coarse listing.
 *
 * vsftpd's LIST gives a file's time to the minute (to the day when it is
 * older than six months), so the FUSE layer asks MDTM for the second. This
 * cache keeps the answer, so each version of a file is asked once rather
 * than once per expiry of the directory cache: a cold "ls -lR" or rsync
 * of a big tree costs no MDTM for files already seen.
 *
 * A time is kept with what the listing said when it was asked: the size
 * and the coarse time with its precision. It answers only a listing that
 * says the same again, so a file changed on the server (another size or
 * another minute or day in a fresh listing) is asked again.
 *
 * What a listing cannot tell apart is a rewrite of the same size within
 * the same minute. ftps_mtcache_put keeps a time for good only once that
 * cannot happen: once the minute of the exact time has passed (with a
 * minute's margin for clock skew), any later write falls into a later
 * minute and shows in the listing. A time set explicitly (MFMT, touch -d)
 * to the same minute with the same size cannot be seen; that is the price
 * of not asking. A time still too recent is held for a while only (the
 * caller's `hold`, the listings' cache time, on a monotonic clock), so
 * that a folder of files written in the last two minutes costs one batch
 * of MDTMs, not one MDTM per stat.
 *
 * Files we wrote ourselves get their exact time without a listing
 * (ftps_mtcache_seed): the size and exact time are known, the coarse time
 * is not yet. The first listing with the same size whose coarse time fits
 * the exact one (the same minute or day, allowing for a server that lists
 * in local time: a whole number of quarter hours within 14 hours) takes
 * it over. A seed is trusted although it is recent: a third party would
 * have to rewrite the file with the same size within the minute of our
 * upload. A held time older than a seed's does not replace it: it was
 * asked before our upload ended, of the version the upload replaced.
 *
 * Keys are paths in the caller's form ("/a/b", as the directory cache).
 * Memory is bounded: at most max_entries paths, the least recently used
 * go first.
 *
 * A NULL cache keeps nothing: get, put and seed return 0 (a bad path
 * still -1), the rest do nothing; for a mount with the caches off.
 *
 * Thread safety: every function takes the cache's one mutex and calls
 * nothing but this file, the lock-free path table (pathtab.c) and
 * ftps_now_ms (retry.h) while holding it, so it may be called from a directory
 * cache callback.
 */
#ifndef FTPS_MTCACHE_H
#define FTPS_MTCACHE_H

#include <stddef.h>
#include <stdint.h>
#include "listing.h"

#define FTPS_MTCACHE_DEF_MAX    100000  /* entries */

struct ftps_mtcache;

/* max_entries 0 = the default. Returns NULL when out of memory. */
struct ftps_mtcache *ftps_mtcache_new(size_t max_entries);
void ftps_mtcache_free(struct ftps_mtcache *mc);

/* Whether ftps_mtcache_get/put can do anything with what a listing said:
 * a file with a size and a time to the minute or the day. */
int ftps_mtcache_keyable(const struct ftps_entry *listed);

/* The exact time of path when the listing's entry `listed` shows the
 * version it was learnt for. Returns 1 and *exact, or 0 (not known). */
int ftps_mtcache_get(struct ftps_mtcache *mc, const char *path,
                     const struct ftps_entry *listed, int64_t *exact);

/* MDTM said `exact` for path, which the listing showed as `listed`; `now`
 * is the wall clock (seconds since the epoch). A time too recent to be told
 * apart from a rewrite within its minute is kept only for `hold` seconds
 * from now (the listings' cache time: a rewrite by someone else shows no
 * later than a listing cached when it happened would); with hold 0 it is
 * not kept, and any older time kept for path goes too. Nor is it kept
 * when it is older than our own upload's time for path (a seed). Returns
 * 1 when kept, 0 when not, -1 for a bad path or no memory. */
int ftps_mtcache_put(struct ftps_mtcache *mc, const char *path,
                     const struct ftps_entry *listed, int64_t exact, int64_t now,
                     unsigned hold);

/* We wrote path: it has `size` bytes and the exact time `exact` (the
 * server's, from MDTM or MFMT). Returns 0, or -1 for a bad path or no
 * memory (then nothing is kept for path). */
int ftps_mtcache_seed(struct ftps_mtcache *mc, const char *path, uint64_t size,
                      int64_t exact);

/* path was removed, or changed in a way we did not see: forget it, and
 * with `subtree` everything below it too (a folder). */
void ftps_mtcache_remove(struct ftps_mtcache *mc, const char *path, int subtree);

/* path was renamed to newpath: what was kept for newpath (and below it,
 * with subtree) goes, what was kept for path (and below it) moves. */
void ftps_mtcache_rename(struct ftps_mtcache *mc, const char *path,
                         const char *newpath, int subtree);

void ftps_mtcache_clear(struct ftps_mtcache *mc);

struct ftps_mt_stats {
	size_t entries, max_entries;
	unsigned long long hits, misses, evictions;
};
void ftps_mtcache_stats(struct ftps_mtcache *mc, struct ftps_mt_stats *st);

/* Check counts, the hash index and the LRU list. 0 when consistent. For
 * tests. */
int ftps_mtcache_check(struct ftps_mtcache *mc);

#endif
