/* pathtab.h - a table of server paths with a use order, for the caches.
 *
 * A node is one path ("/" or "/a/b", see ftps_path_is_key) in a chained
 * hash table and on a list from the newest (front: inserted or touched
 * last) to the oldest (back). The node lives inside what the caller keeps
 * for the path, as its first member, so a node pointer converts to the
 * caller's struct. The table owns the node's copy of the path; when it
 * takes a node out (remove, evict, the subtree operations) it calls the
 * table's drop function, which frees the caller's struct.
 *
 * A subtree operation asks first whether anything lies below the folder
 * at all: the table counts, per slot of a second array as long as the
 * bucket array, the nodes below each folder whose hash falls in that slot
 * (every ancestor of every node is counted). A zero proves that nothing
 * is below, so the common case (a file's own subtree: every upsert and
 * remove of a file asks) costs one hash instead of a walk of the whole
 * list. A folder sharing a slot with another only makes the walk happen.
 *
 * The directory cache's listings and own entries and the exact-time
 * cache are each one table. Nothing here locks: each cache holds its own
 * lock around every call.
 */
#ifndef FTPS_PATHTAB_H
#define FTPS_PATHTAB_H

#include <stddef.h>
#include <stdint.h>
#include "path.h"

struct ftps_pt_node {
	char *path;                             /* owned by the table */
	size_t plen;
	uint32_t hash;                          /* ftps_path_hash(path) */
	struct ftps_pt_node *hnext;             /* bucket chain */
	struct ftps_pt_node *newer, *older;     /* the list */
};

struct ftps_pathtab;

/* n is out of the table (n->path still readable): free what holds it. */
typedef void (*ftps_pt_drop_fn)(void *arg, struct ftps_pt_node *n);
/* For ftps_pt_foreach_under: may remove or rekey n, nothing else. */
typedef void (*ftps_pt_visit_fn)(void *arg, struct ftps_pathtab *t,
                                 struct ftps_pt_node *n);

struct ftps_pathtab {
	struct ftps_pt_node **b;
	size_t nb;                              /* buckets, a power of two */
	uint32_t *below;                        /* nb slots: nodes below the folders
	                                         * hashed there; NULL: always walk */
	size_t walked;                          /* nodes the subtree walks looked at */
	size_t n;                               /* nodes */
	size_t max;                             /* for ftps_pt_evict */
	struct ftps_pt_node *front, *back;      /* newest, oldest; NULL when empty */
	ftps_pt_drop_fn drop;
	void *arg;
};

/* buckets: the first size (a power of two; doubled when there are more
 * nodes than buckets). max: the bound ftps_pt_evict keeps to (unused by a
 * caller with its own bound, who evicts with ftps_pt_evict_oldest).
 * Returns 0, or -1 when out of memory. */
int ftps_pt_init(struct ftps_pathtab *t, size_t buckets, size_t max,
                 ftps_pt_drop_fn drop, void *arg);
/* Remove every node, then free the buckets. Also fine on a table whose
 * init failed, or one that is all zeros. */
void ftps_pt_fini(struct ftps_pathtab *t);
void ftps_pt_clear(struct ftps_pathtab *t);

struct ftps_pt_node *ftps_pt_find(const struct ftps_pathtab *t, const char *p, size_t len);
/* Put n (not in any table) in t under a copy of p, at the front. p must
 * not be in t yet. Returns 0, or -1 when out of memory (n untouched). */
int ftps_pt_insert(struct ftps_pathtab *t, struct ftps_pt_node *n, const char *p, size_t len);
void ftps_pt_remove(struct ftps_pathtab *t, struct ftps_pt_node *n);
/* Move n to the front. */
void ftps_pt_touch(struct ftps_pathtab *t, struct ftps_pt_node *n);
/* Remove the oldest node other than keep (may be NULL). 1 when one went,
 * 0 when there was none. */
int ftps_pt_evict_oldest(struct ftps_pathtab *t, const struct ftps_pt_node *keep);
/* Evict the oldest (never keep) while there are more than max nodes.
 * Returns how many went. */
size_t ftps_pt_evict(struct ftps_pathtab *t, const struct ftps_pt_node *keep);

/* Call fn for each node whose path is dir (how has FTPS_PATH_SAME) or
 * lies below it (FTPS_PATH_BELOW), the oldest first. dir is a key
 * (ftps_path_is_key), as every path in the table is. */
void ftps_pt_foreach_under(struct ftps_pathtab *t, const char *dir, size_t dlen,
                           unsigned how, ftps_pt_visit_fn fn, void *arg);
/* Remove the nodes ftps_pt_foreach_under would visit. */
void ftps_pt_remove_under(struct ftps_pathtab *t, const char *dir, size_t dlen,
                          unsigned how);
/* from was renamed to `to`: the nodes at (and with FTPS_PATH_BELOW, below)
 * `to` go; those at (below) from take the same path under `to`, keeping
 * their place in the list. A node whose new path would not fit in
 * FTPS_MAX_PATH, or when out of memory, goes instead. A rename into or
 * out of itself only removes from's nodes. */
void ftps_pt_rename(struct ftps_pathtab *t, const char *from, size_t flen,
                    const char *to, size_t tlen, unsigned how);

/* Check the list, the chains, the counts (also those of the folders'
 * slots) and every node's hash. 0 when consistent. For tests. */
int ftps_pt_check(const struct ftps_pathtab *t);

#endif
