/* dircache_int.h - inside the directory cache: the structures and helpers
 * that dircache.c, dircache_set.c, dircache_table.c and dircache_update.c
 * share. Not for other files: dircache.h is the interface.
 *
 * Layout:
 *  - struct dc_set: the entries of one listing in an array, plus an open
 *    addressing index (linear probing, tombstones) from name to array slot.
 *    Deleting moves the last entry into the hole, so the array stays dense.
 *  - listings (struct dc_dir) live in a path table (pathtab.h) whose
 *    list is in order of use; eviction takes the least recently used.
 *  - own entries (struct dc_own) live in a second path table whose list
 *    is in the order they were learnt, so expiry and the cap both take
 *    the oldest.
 *
 * Every public function takes dc->lock for its whole run; nothing else
 * touches the structures. Entries are kept compact (struct dc_ent) rather
 * than as struct ftps_entry, whose fixed name buffer alone is 256 bytes.
 */
#ifndef FTPS_DIRCACHE_INT_H
#define FTPS_DIRCACHE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "dircache.h"
#include "pathtab.h"

#define SLOT_EMPTY 0u
#define SLOT_TOMB  UINT32_MAX

/* One cached entry, compact. */
struct dc_ent {
	char *name;
	char *link_target;
	uint64_t size;
	int64_t mtime;
	int32_t mtime_nsec;
	uint32_t hash;          /* of name */
	uint32_t mode, uid, gid;
	uint16_t nlen;
	uint8_t type, prec;
	uint8_t has_size, has_mode, has_perm, has_owner;
	char perm[16];
};

/* The entries of one folder with a name index. */
struct dc_set {
	struct dc_ent *ents;
	size_t n, cap;
	uint32_t *slots;        /* SLOT_EMPTY, SLOT_TOMB or index + 1 */
	size_t nslots;          /* 0 or a power of two */
	size_t used;            /* slots that are not SLOT_EMPTY */
};

struct ftps_dc_listing {
	struct dc_set set;
	int incomplete;         /* an entry was lost: never cache this */
};

struct dc_dir {
	struct ftps_pt_node k;  /* first: a node of dc->dirs is a dc_dir */
	double fetched;
	struct dc_set set;
};

enum own_kind { OWN_POS, OWN_NEG, OWN_UNKNOWN };

struct dc_own {
	struct ftps_pt_node k;  /* first: a node of dc->owns is a dc_own */
	double t;
	enum own_kind kind;
	size_t name_off;        /* where the last component starts in k.path */
	struct dc_ent e;        /* OWN_POS only */
};

struct ftps_dircache {
	pthread_mutex_t lock;
	double ttl, own_ttl;
	size_t max_entries;
	struct ftps_pathtab dirs;       /* dc_dir, in order of use */
	struct ftps_pathtab owns;       /* dc_own, in order learnt; max: the cap */
	size_t nentries;        /* in cached listings */
	unsigned long long hits, negatives, misses, evictions;
};

/* ---- dircache_set.c: entries, and sets of one folder's entries ---- */
void dc_ent_free(struct dc_ent *d);
int dc_ent_from_entry(struct dc_ent *d, const struct ftps_entry *e,
                      const char *name, size_t nlen);
int dc_ent_dup(struct dc_ent *d, const struct dc_ent *s, const char *name, size_t nlen);
int dc_ent_to_entry(const struct dc_ent *d, struct ftps_entry *e, int copy_link);
/* Index of name in s, or -1. */
long dc_set_find(const struct dc_set *s, const char *name, size_t nlen, uint32_t h);
int dc_set_put(struct dc_set *s, struct dc_ent *d);
int dc_set_del(struct dc_set *s, const char *name, size_t nlen);
void dc_set_free(struct dc_set *s);
int dc_set_foreach(const struct dc_set *s, ftps_dc_entry_cb cb, void *arg);

/* ---- dircache_table.c: paths, listings and own entries in the tables ---- */
void dc_split(const char *p, size_t len, size_t *parent_len, size_t *name_off);
size_t dc_last_off(const char *p, size_t len);
/* t is within ttl seconds of now (never when ttl is 0). */
int dc_fresh(double t, double now, double ttl);

static inline struct dc_dir *dc_find_dir(struct ftps_dircache *dc, const char *p, size_t len)
{
	return (struct dc_dir *)(void *)ftps_pt_find(&dc->dirs, p, len);
}

static inline struct dc_own *dc_find_own(struct ftps_dircache *dc, const char *p, size_t len)
{
	return (struct dc_own *)(void *)ftps_pt_find(&dc->owns, p, len);
}

static inline void dc_drop_dir(struct ftps_dircache *dc, struct dc_dir *d)
{
	ftps_pt_remove(&dc->dirs, &d->k);
}

static inline void dc_drop_own(struct ftps_dircache *dc, struct dc_own *o)
{
	ftps_pt_remove(&dc->owns, &o->k);
}

struct dc_dir *dc_parent_dir(struct ftps_dircache *dc, const char *path, size_t len,
                             size_t *noff);
int dc_make_room(struct ftps_dircache *dc, size_t need, struct dc_dir *keep);
void dc_own_sweep(struct ftps_dircache *dc, double now);
struct dc_own *dc_own_get(struct ftps_dircache *dc, const char *p, size_t len, double now);

/* ---- dircache.c: listings and lookups ---- */
enum ftps_dc_result dc_lookup_locked(struct ftps_dircache *dc, const char *path,
                                     size_t len, double now, struct ftps_entry *out);

#endif
