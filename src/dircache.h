/* dircache.h - the directory cache shared by all FUSE threads.
 *
 * It keeps two kinds of knowledge, both keyed by absolute paths
 * ("/", "/a", "/a/b": one leading '/', no trailing '/', no "//"):
 *
 *  - listings: a directory's complete listing with the time it was
 *    requested. Fresh for `ttl` seconds. A fresh listing answers for every
 *    name in it and, by absence, for every name not in it (NEGATIVE).
 *  - own entries: what we learnt about one path outside a listing - our own
 *    uploads, mkdir, unlink, rename, or an MLST/SIZE result - each with its
 *    own time. Fresh for `own_ttl` = max(ttl, FTPS_DIRCACHE_OWN_TTL_MIN).
 *    An own entry is positive (attributes), negative (gone) or unknown
 *    (forces a MISS for that path until something newer is learnt).
 *
 * Which wins: a fresh own entry answers before the parent's listing. When a
 * listing is stored, each fresh own entry of that directory is reconciled
 * with it by time: a listing requested after the own entry replaces it,
 * except that a positive own entry whose name the listing lacks is kept
 * (and put into the listing) until it expires. vsftpd hides dot-files
 * from listings, and rsync writes ".name.XXXXXX" and renames it: a file
 * we wrote stays visible for own_ttl even though no listing shows it.
 * An own entry newer than the listing always wins.
 *
 * ttl == 0 turns the listing cache off: every listing is reconciled and
 * handed to the caller but not kept, so lookups MISS, except for own
 * entries, which are kept for FTPS_DIRCACHE_OWN_TTL_MIN seconds so that a
 * file we just wrote can be found at close even on vsftpd.
 *
 * Memory is bounded: listings plus own entries hold at most max_entries
 * entries; the least recently used directories go first (a listing alone
 * larger than the cap is not kept). Names in a directory are found
 * through a hash index, so a folder of 100,000 files costs O(1) per lookup.
 *
 * Typical use, for getattr of /d/f: lookup; on MISS list /d into an
 * ftps_dc_listing (ftps_dc_listing_add_cb as the ftps_list callback) and
 * put it with a callback that picks out "f" - with ttl 0 nothing is kept,
 * so a second lookup would MISS again. readdir: ftps_dircache_readdir, and
 * on MISS list and put with the filler as the callback.
 *
 * Keys are whatever paths the caller uses, consistently (the FUSE layer
 * can use paths inside the mount).
 *
 * "now" is always the caller's: seconds on CLOCK_MONOTONIC (see
 * ftps_dircache_clock), so tests control time. For a listing, pass the time
 * taken before the listing command was sent, so that a change we make
 * while it runs counts as newer than the listing.
 *
 * Thread safety: every function takes the cache's one mutex. Callbacks run
 * with it held and must not call into the cache.
 */
#ifndef FTPS_DIRCACHE_H
#define FTPS_DIRCACHE_H

#include <stddef.h>
#include "listing.h"

#define FTPS_DIRCACHE_OWN_TTL_MIN   10.0    /* seconds */
#define FTPS_DIRCACHE_DEF_MAX       200000  /* entries */

enum ftps_dc_result {
	FTPS_DC_MISS = 0,       /* not known: ask the server */
	FTPS_DC_HIT,            /* exists; attributes filled in */
	FTPS_DC_NEGATIVE,       /* known not to exist */
};

/* Called for each entry of a listing. e and what it points to are valid
 * only during the call. Return 0 to go on, non-zero to stop. */
typedef int (*ftps_dc_entry_cb)(void *arg, const struct ftps_entry *e);

/* ---- building a listing (no lock: one thread owns it) ---- */
struct ftps_dc_listing;

struct ftps_dc_listing *ftps_dc_listing_new(void);
/* Copy e in (name, type, size, mtime and precision, mode, perm, owner,
 * link target; not the "unique" fact). A name already present is replaced,
 * so a server that repeats a name cannot create duplicates. Returns 0, or
 * -1 when out of memory, the name is not acceptable (ftps_name_ok rules)
 * or FTPS_MAX_LISTING_ENTRIES is reached. */
int ftps_dc_listing_add(struct ftps_dc_listing *l, const struct ftps_entry *e);
/* An ftps_entry_cb that adds to the listing passed as arg, for ftps_list.
 * Takes e->link_target. Never stops the listing. */
int ftps_dc_listing_add_cb(void *arg, struct ftps_entry *e);
size_t ftps_dc_listing_count(const struct ftps_dc_listing *l);
/* Entries in no particular order; returns the callback's non-zero value
 * or 0. */
int ftps_dc_listing_foreach(const struct ftps_dc_listing *l, ftps_dc_entry_cb cb,
                            void *arg);
void ftps_dc_listing_free(struct ftps_dc_listing *l);

/* ---- the cache ---- */
struct ftps_dircache;

/* ttl in seconds (0 = listings are not kept); max_entries 0 = the default.
 * Returns NULL when out of memory. */
struct ftps_dircache *ftps_dircache_new(double ttl, size_t max_entries);
void ftps_dircache_free(struct ftps_dircache *dc);

/* Seconds on CLOCK_MONOTONIC: the "now" to pass in outside of tests. */
double ftps_dircache_clock(void);

/* (a) Store dir's complete listing, requested at time `fetched`. l is
 * consumed (freed by the cache in every case). The listing is first
 * reconciled with own entries (see above); then, when cb is not NULL, cb
 * sees every entry of the reconciled listing - what readdir must show.
 * A listing older than the one already cached for dir only serves the
 * callback. Returns 0, or -1 for a bad path (cb not called). */
int ftps_dircache_put_listing(struct ftps_dircache *dc, const char *dir,
                              struct ftps_dc_listing *l, double fetched,
                              ftps_dc_entry_cb cb, void *arg);

/* (b) Look up one path. On HIT *out gets a copy of the attributes (name =
 * the last component; link_target malloc'd: release with ftps_entry_clear).
 * out may be NULL. "/" is never in a listing: it MISSes unless upserted. */
enum ftps_dc_result ftps_dircache_lookup(struct ftps_dircache *dc, const char *path,
                                         double now, struct ftps_entry *out);

/* (d) When dir's listing is fresh, call cb for each of its entries and
 * return HIT; otherwise return MISS without calling cb. */
enum ftps_dc_result ftps_dircache_readdir(struct ftps_dircache *dc, const char *dir,
                                          double now, ftps_dc_entry_cb cb, void *arg);

/* (c, e) What our own operations learnt. All return 0, or -1 for a bad
 * path or out of memory (then the path is forgotten, never left wrong). */

/* path exists with these attributes (our upload, mkdir, chmod, utimens, an
 * MLST or SIZE answer). e->name is ignored: the last component of path is
 * used. Also updates the parent's listing when it is cached. A non-folder
 * drops any listings at and below path. */
int ftps_dircache_upsert(struct ftps_dircache *dc, const char *path,
                         const struct ftps_entry *e, double now);
/* path no longer exists (unlink, rmdir, or the server said so): a negative
 * own entry; it leaves the parent's listing, and listings and own entries
 * below path are dropped. */
int ftps_dircache_remove(struct ftps_dircache *dc, const char *path, double now);
/* path was renamed to newpath (file or folder, over an existing target or
 * not): from is gone; newpath gets from's attributes when they were
 * known, else it MISSes and its parent's listing is dropped. Listings and
 * own entries at and below both paths are dropped. */
int ftps_dircache_rename(struct ftps_dircache *dc, const char *from,
                         const char *newpath, double now);
/* We no longer know path's attributes (a failed operation, a change whose
 * result we did not see): lookups of path MISS until a newer listing or
 * upsert. The parent's listing stays for readdir. */
int ftps_dircache_forget(struct ftps_dircache *dc, const char *path, double now);
/* Drop dir's listing (not its subfolders', not own entries). */
void ftps_dircache_invalidate_dir(struct ftps_dircache *dc, const char *dir);
/* Drop everything. */
void ftps_dircache_clear(struct ftps_dircache *dc);

/* Counters, for logs and tests. */
struct ftps_dc_stats {
	size_t dirs;            /* listings kept */
	size_t entries;         /* entries in kept listings */
	size_t own;             /* own entries */
	size_t max_entries;
	unsigned long long hits, negatives, misses, evictions;
};
void ftps_dircache_stats(struct ftps_dircache *dc, struct ftps_dc_stats *st);

/* Walk every internal structure and check its invariants (counts, hash
 * indexes, LRU list). Returns 0 when consistent. For tests. */
int ftps_dircache_check(struct ftps_dircache *dc);

#endif
