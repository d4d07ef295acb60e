/* dircache.c - the directory cache (see dircache.h for the rules).
 *
 * Layout:
 *  - struct dc_set: the entries of one listing in an array, plus an open
 *    addressing index (linear probing, tombstones) from name to array slot.
 *    Deleting moves the last entry into the hole, so the array stays dense.
 *  - listings (struct dc_dir) live in a chained hash table keyed by path
 *    and on an LRU list (head = most recently used); eviction takes the
 *    tail.
 *  - own entries (struct dc_own) live in a second chained table keyed by
 *    path and on a list in the order they were learnt (head = oldest), so
 *    expiry and the cap both take the head.
 *  - both lists are intrusive (a struct dc_link in each node) and share
 *    one insert and one unlink.
 *
 * Every public function takes dc->lock for its whole run; nothing else
 * touches the structures. Entries are kept compact (struct dc_ent) rather
 * than as struct ftps_entry, whose fixed name buffer alone is 256 bytes.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dircache.h"
#include "path.h"

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

/* Common head of what the two path tables hold. */
struct dc_key {
	char *path;
	size_t plen;
	uint32_t hash;
	struct dc_key *hnext;
};

/* A link of an intrusive doubly-linked list, and the list: the listings'
 * LRU and the own entries' time order are both kept with these, so each
 * list operation is written once (list_insert_after, list_unlink below).
 * dir_of/own_of get back from a link to the struct that holds it. */
struct dc_link {
	struct dc_link *prev, *next;
};

struct dc_list {
	struct dc_link *head, *tail;    /* both NULL, or neither */
};

struct dc_table {
	struct dc_key **b;
	size_t nb;              /* power of two */
	size_t n;
};

struct dc_dir {
	struct dc_key k;        /* first: a dc_key * is a dc_dir * */
	struct dc_link lru;     /* on ftps_dircache.lru */
	double fetched;
	struct dc_set set;
};

enum own_kind { OWN_POS, OWN_NEG, OWN_UNKNOWN };

struct dc_own {
	struct dc_key k;        /* first */
	struct dc_link order;   /* on ftps_dircache.own_order, by time learnt */
	double t;
	enum own_kind kind;
	size_t name_off;        /* where the last component starts in k.path */
	struct dc_ent e;        /* OWN_POS only */
};

struct ftps_dircache {
	pthread_mutex_t lock;
	double ttl, own_ttl;
	size_t max_entries, max_own;
	struct dc_table dirs, owns;
	struct dc_list lru;             /* dc_dir, head = most recently used */
	struct dc_list own_order;       /* dc_own, head = oldest */
	size_t nentries;        /* in cached listings */
	unsigned long long hits, negatives, misses, evictions;
};

/* ---- paths ---- */

/* Split a path (not "/") into its parent's length and its name. */
static void split(const char *p, size_t len, size_t *parent_len, size_t *name_off)
{
	size_t i = len;

	while (i > 0 && p[i - 1] != '/')
		i--;
	*name_off = i;
	*parent_len = i > 1 ? i - 1 : 1;        /* parent of "/a" is "/" */
}

/* Where the last component starts; "/" is named "/". */
static size_t last_off(const char *p, size_t len)
{
	size_t plen, noff;

	if (len == 1)
		return 0;
	split(p, len, &plen, &noff);
	return noff;
}

/* path (plen) is prefix itself or lies below it. */
static int at_or_under(const char *path, size_t plen, const char *prefix, size_t prelen)
{
	if (plen < prelen || memcmp(path, prefix, prelen) != 0)
		return 0;
	if (plen == prelen)
		return 1;
	return prelen == 1 || path[prelen] == '/';
}

static int fresh(double t, double now, double ttl)
{
	return ttl > 0 && now - t < ttl;
}

/* ---- entries ---- */

static void ent_free(struct dc_ent *d)
{
	free(d->name);
	free(d->link_target);
	memset(d, 0, sizeof(*d));
}

/* Fill d from e under the given name (link_target copied). */
static int ent_from_entry(struct dc_ent *d, const struct ftps_entry *e,
                          const char *name, size_t nlen)
{
	memset(d, 0, sizeof(*d));
	d->name = strndup(name, nlen);
	if (!d->name)
		return -1;
	if (e->link_target && !(d->link_target = strdup(e->link_target))) {
		ent_free(d);
		return -1;
	}
	d->nlen = (uint16_t)nlen;
	d->hash = ftps_path_hash(name, nlen);
	d->type = (uint8_t)e->type;
	d->has_size = e->has_size != 0;
	d->size = e->size;
	d->prec = (uint8_t)e->mtime_prec;
	d->mtime = e->mtime;
	d->mtime_nsec = e->mtime_nsec;
	d->has_mode = e->has_mode != 0;
	d->mode = e->mode;
	d->has_perm = e->has_perm != 0;
	memcpy(d->perm, e->perm, sizeof(d->perm));
	d->perm[sizeof(d->perm) - 1] = '\0';
	d->has_owner = e->has_owner != 0;
	d->uid = e->uid;
	d->gid = e->gid;
	return 0;
}

/* A deep copy, renamed when name is not NULL. */
static int ent_dup(struct dc_ent *d, const struct dc_ent *s, const char *name, size_t nlen)
{
	*d = *s;
	d->link_target = NULL;
	if (!name) {
		name = s->name;
		nlen = s->nlen;
	}
	d->name = strndup(name, nlen);
	if (!d->name)
		return -1;
	d->nlen = (uint16_t)nlen;
	d->hash = ftps_path_hash(name, nlen);
	if (s->link_target && !(d->link_target = strdup(s->link_target))) {
		ent_free(d);
		return -1;
	}
	return 0;
}

/* Show a cached entry as an ftps_entry. link_target points into the cache
 * unless copy_link, when it is a malloc'd copy (-1 when that fails). */
static int ent_to_entry(const struct dc_ent *d, struct ftps_entry *e, int copy_link)
{
	/* Every way in checks names (ftps_name_ok, ftps_path_is_key), so an
	 * entry's name always fits; the bound keeps it so regardless. */
	size_t n = d->nlen < sizeof(e->name) ? d->nlen : sizeof(e->name) - 1;

	memset(e, 0, sizeof(*e));
	memcpy(e->name, d->name, n);
	e->name[n] = '\0';
	e->type = (enum ftps_ftype)d->type;
	e->has_size = d->has_size;
	e->size = d->size;
	e->mtime_prec = (enum ftps_tprec)d->prec;
	e->mtime = d->mtime;
	e->mtime_nsec = d->mtime_nsec;
	e->has_mode = d->has_mode;
	e->mode = d->mode;
	e->has_perm = d->has_perm;
	memcpy(e->perm, d->perm, sizeof(e->perm));
	e->has_owner = d->has_owner;
	e->uid = d->uid;
	e->gid = d->gid;
	if (d->link_target) {
		if (!copy_link)
			e->link_target = d->link_target;
		else if (!(e->link_target = strdup(d->link_target)))
			return -1;
	}
	return 0;
}

/* ---- sets: entries of one folder with a name index ---- */

/* Slot holding name, or the empty slot where it would go. */
static size_t set_probe(const struct dc_set *s, const char *name, size_t nlen,
                        uint32_t h, int *found)
{
	size_t mask = s->nslots - 1;
	size_t i = h & mask;
	size_t tomb = SIZE_MAX;

	/* bounded: the table is never full (load <= 3/4) */
	for (size_t probes = 0; probes < s->nslots; probes++, i = (i + 1) & mask) {
		uint32_t v = s->slots[i];
		if (v == SLOT_EMPTY)
			break;
		if (v == SLOT_TOMB) {
			if (tomb == SIZE_MAX)
				tomb = i;
			continue;
		}
		const struct dc_ent *d = &s->ents[v - 1];
		if (d->hash == h && d->nlen == nlen && memcmp(d->name, name, nlen) == 0) {
			*found = 1;
			return i;
		}
	}
	*found = 0;
	return tomb != SIZE_MAX ? tomb : i;
}

static long set_find(const struct dc_set *s, const char *name, size_t nlen, uint32_t h)
{
	int found;
	size_t i;

	if (s->nslots == 0)
		return -1;
	i = set_probe(s, name, nlen, h, &found);
	return found ? (long)s->slots[i] - 1 : -1;
}

/* Rebuild the index with room for at least want entries. */
static int set_reindex(struct dc_set *s, size_t want)
{
	size_t ns = 16;
	uint32_t *slots;

	while (ns < want * 2)
		ns *= 2;
	slots = calloc(ns, sizeof(*slots));
	if (!slots)
		return -1;
	free(s->slots);
	s->slots = slots;
	s->nslots = ns;
	s->used = s->n;
	for (size_t j = 0; j < s->n; j++) {
		size_t i = s->ents[j].hash & (ns - 1);
		while (slots[i] != SLOT_EMPTY)
			i = (i + 1) & (ns - 1);
		slots[i] = (uint32_t)(j + 1);
	}
	return 0;
}

/* Insert d, or replace the entry with the same name. The set takes d's
 * strings on success. */
static int set_put(struct dc_set *s, struct dc_ent *d)
{
	int found;
	size_t i;

	if (s->nslots == 0 || (s->used + 1) * 4 > s->nslots * 3)
		if (set_reindex(s, s->n + 1) != 0)
			return -1;
	i = set_probe(s, d->name, d->nlen, d->hash, &found);
	if (found) {
		struct dc_ent *old = &s->ents[s->slots[i] - 1];
		ent_free(old);
		*old = *d;
		return 0;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		struct dc_ent *ne = realloc(s->ents, nc * sizeof(*ne));
		if (!ne)
			return -1;
		s->ents = ne;
		s->cap = nc;
	}
	s->ents[s->n] = *d;
	if (s->slots[i] == SLOT_EMPTY)
		s->used++;
	s->slots[i] = (uint32_t)(++s->n);
	return 0;
}

/* Remove name; returns 1 when it was there. */
static int set_del(struct dc_set *s, const char *name, size_t nlen)
{
	uint32_t h = ftps_path_hash(name, nlen);
	int found;
	size_t i, j, last;

	if (s->nslots == 0)
		return 0;
	i = set_probe(s, name, nlen, h, &found);
	if (!found)
		return 0;
	j = s->slots[i] - 1;
	s->slots[i] = SLOT_TOMB;
	ent_free(&s->ents[j]);
	last = s->n - 1;
	if (j != last) {
		/* move the last entry into the hole and repoint its slot */
		struct dc_ent *m = &s->ents[last];
		size_t k = set_probe(s, m->name, m->nlen, m->hash, &found);
		s->ents[j] = *m;
		s->slots[k] = (uint32_t)(j + 1);
	}
	s->n--;
	return 1;
}

static void set_free(struct dc_set *s)
{
	for (size_t j = 0; j < s->n; j++)
		ent_free(&s->ents[j]);
	free(s->ents);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* ---- listings being built ---- */

struct ftps_dc_listing *ftps_dc_listing_new(void)
{
	return calloc(1, sizeof(struct ftps_dc_listing));
}

/* Add e; its link target is copied, or moved into the listing when
 * take_link is not NULL (and then freed even on failure). */
static int listing_add(struct ftps_dc_listing *l, const struct ftps_entry *e,
                       char *take_link)
{
	size_t nlen = strnlen(e->name, sizeof(e->name));
	struct dc_ent d;
	struct ftps_entry plain;
	const struct ftps_entry *src = e;

	if (take_link) {
		plain = *e;
		plain.link_target = NULL;
		src = &plain;
	}
	if (nlen >= sizeof(e->name) || !ftps_name_ok(e->name, nlen)) {
		free(take_link);
		return -1;      /* the listing stays complete: no such name can exist */
	}
	if (l->set.n >= FTPS_MAX_LISTING_ENTRIES ||
	    ent_from_entry(&d, src, e->name, nlen) != 0) {
		free(take_link);
		l->incomplete = 1;
		return -1;
	}
	d.link_target = take_link ? take_link : d.link_target;
	if (set_put(&l->set, &d) != 0) {
		ent_free(&d);
		l->incomplete = 1;
		return -1;
	}
	return 0;
}

int ftps_dc_listing_add(struct ftps_dc_listing *l, const struct ftps_entry *e)
{
	return listing_add(l, e, NULL);
}

int ftps_dc_listing_add_cb(void *arg, struct ftps_entry *e)
{
	char *link = e->link_target;

	e->link_target = NULL;
	listing_add(arg, e, link);
	return 0;
}

size_t ftps_dc_listing_count(const struct ftps_dc_listing *l)
{
	return l ? l->set.n : 0;
}

static int set_foreach(const struct dc_set *s, ftps_dc_entry_cb cb, void *arg)
{
	struct ftps_entry e;

	for (size_t j = 0; j < s->n; j++) {
		int rc;
		ent_to_entry(&s->ents[j], &e, 0);
		rc = cb(arg, &e);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ftps_dc_listing_foreach(const struct ftps_dc_listing *l, ftps_dc_entry_cb cb, void *arg)
{
	return set_foreach(&l->set, cb, arg);
}

void ftps_dc_listing_free(struct ftps_dc_listing *l)
{
	if (!l)
		return;
	set_free(&l->set);
	free(l);
}

/* ---- path tables ---- */

static int tab_init(struct dc_table *t)
{
	t->nb = 64;
	t->n = 0;
	t->b = calloc(t->nb, sizeof(*t->b));
	return t->b ? 0 : -1;
}

static struct dc_key *tab_find(const struct dc_table *t, const char *p, size_t len, uint32_t h)
{
	for (struct dc_key *k = t->b[h & (t->nb - 1)]; k; k = k->hnext)
		if (k->hash == h && k->plen == len && memcmp(k->path, p, len) == 0)
			return k;
	return NULL;
}

static void tab_grow(struct dc_table *t)
{
	size_t nb = t->nb * 2;
	struct dc_key **b = calloc(nb, sizeof(*b));

	if (!b)
		return;         /* longer chains, still correct */
	for (size_t i = 0; i < t->nb; i++) {
		struct dc_key *k = t->b[i], *next;
		for (; k; k = next) {
			next = k->hnext;
			k->hnext = b[k->hash & (nb - 1)];
			b[k->hash & (nb - 1)] = k;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

static void tab_insert(struct dc_table *t, struct dc_key *k)
{
	if (t->n >= t->nb)
		tab_grow(t);
	k->hnext = t->b[k->hash & (t->nb - 1)];
	t->b[k->hash & (t->nb - 1)] = k;
	t->n++;
}

static void tab_remove(struct dc_table *t, struct dc_key *k)
{
	struct dc_key **pp = &t->b[k->hash & (t->nb - 1)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == k) {
			*pp = k->hnext;
			t->n--;
			return;
		}
	}
}

static int key_init(struct dc_key *k, const char *p, size_t len)
{
	k->path = strndup(p, len);
	if (!k->path)
		return -1;
	k->plen = len;
	k->hash = ftps_path_hash(p, len);
	k->hnext = NULL;
	return 0;
}

/* ---- intrusive lists ---- */

/* Put n into l right after pos, or first when pos is NULL. */
static void list_insert_after(struct dc_list *l, struct dc_link *pos, struct dc_link *n)
{
	n->prev = pos;
	n->next = pos ? pos->next : l->head;
	if (n->next)
		n->next->prev = n;
	else
		l->tail = n;
	if (pos)
		pos->next = n;
	else
		l->head = n;
}

static void list_unlink(struct dc_list *l, struct dc_link *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

/* The listing, or own entry, whose link n is; NULL for NULL. */
static struct dc_dir *dir_of(struct dc_link *n)
{
	return n ? (struct dc_dir *)(void *)((char *)n - offsetof(struct dc_dir, lru)) : NULL;
}

static struct dc_own *own_of(struct dc_link *n)
{
	return n ? (struct dc_own *)(void *)((char *)n - offsetof(struct dc_own, order)) : NULL;
}

/* ---- listings in the cache ---- */

static struct dc_dir *find_dir(struct ftps_dircache *dc, const char *p, size_t len)
{
	return (struct dc_dir *)tab_find(&dc->dirs, p, len, ftps_path_hash(p, len));
}

/* The cached listing of path's parent, or NULL (always for "/"); *noff is
 * set to where path's last component starts. */
static struct dc_dir *parent_dir(struct ftps_dircache *dc, const char *path, size_t len,
                                 size_t *noff)
{
	size_t plen;

	if (len == 1)
		return NULL;
	split(path, len, &plen, noff);
	return find_dir(dc, path, plen);
}

static void lru_push_front(struct ftps_dircache *dc, struct dc_dir *d)
{
	list_insert_after(&dc->lru, NULL, &d->lru);
}

static void lru_touch(struct ftps_dircache *dc, struct dc_dir *d)
{
	if (dc->lru.head != &d->lru) {
		list_unlink(&dc->lru, &d->lru);
		lru_push_front(dc, d);
	}
}

static void drop_dir(struct ftps_dircache *dc, struct dc_dir *d)
{
	tab_remove(&dc->dirs, &d->k);
	list_unlink(&dc->lru, &d->lru);
	dc->nentries -= d->set.n;
	set_free(&d->set);
	free(d->k.path);
	free(d);
}

/* Drop the listings of prefix and of every folder below it. */
static void drop_dirs_under(struct ftps_dircache *dc, const char *prefix, size_t prelen)
{
	struct dc_dir *d = dir_of(dc->lru.head), *next;

	for (; d; d = next) {
		next = dir_of(d->lru.next);
		if (at_or_under(d->k.path, d->k.plen, prefix, prelen))
			drop_dir(dc, d);
	}
}

/* ---- own entries ---- */

static struct dc_own *find_own(struct ftps_dircache *dc, const char *p, size_t len)
{
	return (struct dc_own *)tab_find(&dc->owns, p, len, ftps_path_hash(p, len));
}

/* The oldest own entry, or NULL. */
static struct dc_own *own_oldest(struct ftps_dircache *dc)
{
	return own_of(dc->own_order.head);
}

static void drop_own(struct ftps_dircache *dc, struct dc_own *o)
{
	tab_remove(&dc->owns, &o->k);
	list_unlink(&dc->own_order, &o->order);
	ent_free(&o->e);
	free(o->k.path);
	free(o);
}

/* Drop own entries strictly below prefix. */
static void drop_owns_below(struct ftps_dircache *dc, const char *prefix, size_t prelen)
{
	struct dc_own *o = own_oldest(dc), *next;

	for (; o; o = next) {
		next = own_of(o->order.next);
		if (o->k.plen != prelen && at_or_under(o->k.path, o->k.plen, prefix, prelen))
			drop_own(dc, o);
	}
}

/* Expired own entries go; then, over the cap, the oldest. */
static void own_sweep(struct ftps_dircache *dc, double now)
{
	struct dc_own *o;

	while ((o = own_oldest(dc)) && !fresh(o->t, now, dc->own_ttl))
		drop_own(dc, o);
	while (dc->owns.n > dc->max_own && (o = own_oldest(dc)))
		drop_own(dc, o);
}

/* The own entry for path, created (kind OWN_UNKNOWN) when missing, and
 * moved to the end of the time list with time now. */
static struct dc_own *own_get(struct ftps_dircache *dc, const char *p, size_t len, double now)
{
	struct dc_own *o = find_own(dc, p, len);
	size_t plen;

	if (o) {
		list_unlink(&dc->own_order, &o->order);
	} else {
		o = calloc(1, sizeof(*o));
		if (!o || key_init(&o->k, p, len) != 0) {
			free(o);
			return NULL;
		}
		split(p, len, &plen, &o->name_off);
		tab_insert(&dc->owns, &o->k);
	}
	ent_free(&o->e);
	o->kind = OWN_UNKNOWN;
	o->t = now;
	list_insert_after(&dc->own_order, dc->own_order.tail, &o->order);
	return o;
}

/* ---- creation ---- */

struct ftps_dircache *ftps_dircache_new(double ttl, size_t max_entries)
{
	struct ftps_dircache *dc = calloc(1, sizeof(*dc));

	if (!dc)
		return NULL;
	if (tab_init(&dc->dirs) != 0 || tab_init(&dc->owns) != 0 ||
	    pthread_mutex_init(&dc->lock, NULL) != 0) {
		free(dc->dirs.b);
		free(dc->owns.b);
		free(dc);
		return NULL;
	}
	dc->ttl = ttl > 0 ? ttl : 0;
	dc->own_ttl = dc->ttl > FTPS_DIRCACHE_OWN_TTL_MIN ? dc->ttl : FTPS_DIRCACHE_OWN_TTL_MIN;
	dc->max_entries = max_entries ? max_entries : FTPS_DIRCACHE_DEF_MAX;
	dc->max_own = dc->max_entries / 2 ? dc->max_entries / 2 : 1;
	return dc;
}

static void clear_locked(struct ftps_dircache *dc)
{
	struct dc_dir *d;
	struct dc_own *o;

	while ((d = dir_of(dc->lru.head)))
		drop_dir(dc, d);
	while ((o = own_oldest(dc)))
		drop_own(dc, o);
}

void ftps_dircache_free(struct ftps_dircache *dc)
{
	if (!dc)
		return;
	clear_locked(dc);
	free(dc->dirs.b);
	free(dc->owns.b);
	pthread_mutex_destroy(&dc->lock);
	free(dc);
}

void ftps_dircache_clear(struct ftps_dircache *dc)
{
	pthread_mutex_lock(&dc->lock);
	clear_locked(dc);
	pthread_mutex_unlock(&dc->lock);
}

double ftps_dircache_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- storing a listing ---- */

/* Bring a fresh listing of dir in line with the own entries of dir. */
static void reconcile(struct ftps_dircache *dc, const char *dir, size_t dlen,
                      struct ftps_dc_listing *l, double fetched)
{
	struct dc_own *o = own_oldest(dc), *next;

	for (; o; o = next) {
		size_t plen, noff;
		const char *name;
		size_t nlen;
		struct dc_ent copy;

		next = own_of(o->order.next);
		if (o->k.plen == 1)
			continue;               /* "/" has no parent */
		split(o->k.path, o->k.plen, &plen, &noff);
		if (plen != dlen || memcmp(o->k.path, dir, dlen) != 0)
			continue;
		if (!fresh(o->t, fetched, dc->own_ttl)) {
			drop_own(dc, o);
			continue;
		}
		name = o->k.path + noff;
		nlen = o->k.plen - noff;
		if (o->t <= fetched) {
			/* the listing is newer, except that it cannot take away a
			 * file we wrote (hidden dot-files) */
			if (o->kind == OWN_POS &&
			    set_find(&l->set, name, nlen, ftps_path_hash(name, nlen)) < 0) {
				if (ent_dup(&copy, &o->e, NULL, 0) != 0 || set_put(&l->set, &copy) != 0) {
					ent_free(&copy);
					l->incomplete = 1;
				}
				continue;
			}
			drop_own(dc, o);
			continue;
		}
		/* our change came after the listing was requested */
		if (o->kind == OWN_POS) {
			if (ent_dup(&copy, &o->e, NULL, 0) != 0 || set_put(&l->set, &copy) != 0) {
				ent_free(&copy);
				l->incomplete = 1;
			}
		} else if (o->kind == OWN_NEG) {
			set_del(&l->set, name, nlen);
		}
	}
}

/* Make room for `need` more listing entries, never evicting keep. Returns
 * 0 when they fit. */
static int make_room(struct ftps_dircache *dc, size_t need, struct dc_dir *keep)
{
	struct dc_dir *d = dir_of(dc->lru.tail);

	if (need + dc->owns.n > dc->max_entries)
		return -1;
	while (d && dc->nentries + need + dc->owns.n > dc->max_entries) {
		struct dc_dir *prev = dir_of(d->lru.prev);
		if (d != keep) {
			drop_dir(dc, d);
			dc->evictions++;
		}
		d = prev;
	}
	return dc->nentries + need + dc->owns.n <= dc->max_entries ? 0 : -1;
}

int ftps_dircache_put_listing(struct ftps_dircache *dc, const char *dir,
                              struct ftps_dc_listing *l, double fetched,
                              ftps_dc_entry_cb cb, void *arg)
{
	struct dc_dir *d;
	size_t dlen;

	if (!l)
		return -1;
	if (!ftps_path_is_key(dir, &dlen)) {
		ftps_dc_listing_free(l);
		return -1;
	}

	pthread_mutex_lock(&dc->lock);
	own_sweep(dc, fetched);
	reconcile(dc, dir, dlen, l, fetched);
	d = find_dir(dc, dir, dlen);
	if (d && d->fetched > fetched)
		goto not_kept;          /* a newer listing is already here */
	if (dc->ttl <= 0 || l->incomplete) {
		if (d)
			drop_dir(dc, d);
		goto not_kept;
	}
	if (d) {
		dc->nentries -= d->set.n;
		set_free(&d->set);
	}
	if (make_room(dc, l->set.n, d) != 0) {
		if (d) {
			d->set.n = 0;   /* already freed and uncounted */
			drop_dir(dc, d);
		}
		goto not_kept;
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d || key_init(&d->k, dir, dlen) != 0) {
			free(d);
			goto not_kept;
		}
		tab_insert(&dc->dirs, &d->k);
		lru_push_front(dc, d);
	} else {
		lru_touch(dc, d);
	}
	d->set = l->set;
	d->fetched = fetched;
	dc->nentries += d->set.n;
	memset(&l->set, 0, sizeof(l->set));
	free(l);
	if (cb)
		set_foreach(&d->set, cb, arg);
	pthread_mutex_unlock(&dc->lock);
	return 0;

not_kept:
	pthread_mutex_unlock(&dc->lock);
	if (cb)
		set_foreach(&l->set, cb, arg);
	ftps_dc_listing_free(l);
	return 0;
}

/* ---- lookups ---- */

static enum ftps_dc_result lookup_locked(struct ftps_dircache *dc, const char *path,
                                         size_t len, double now, struct ftps_entry *out)
{
	struct dc_own *o = find_own(dc, path, len);
	struct dc_dir *d;
	size_t noff;
	long j;

	if (o) {
		if (fresh(o->t, now, dc->own_ttl)) {
			if (o->kind == OWN_NEG)
				return FTPS_DC_NEGATIVE;
			if (o->kind == OWN_UNKNOWN)
				return FTPS_DC_MISS;
			if (out && ent_to_entry(&o->e, out, 1) != 0)
				return FTPS_DC_MISS;
			return FTPS_DC_HIT;
		}
		drop_own(dc, o);
	}
	d = parent_dir(dc, path, len, &noff);
	if (!d)
		return FTPS_DC_MISS;
	if (!fresh(d->fetched, now, dc->ttl)) {
		drop_dir(dc, d);
		return FTPS_DC_MISS;
	}
	lru_touch(dc, d);
	j = set_find(&d->set, path + noff, len - noff, ftps_path_hash(path + noff, len - noff));
	if (j < 0)
		return FTPS_DC_NEGATIVE;
	if (out && ent_to_entry(&d->set.ents[j], out, 1) != 0)
		return FTPS_DC_MISS;
	return FTPS_DC_HIT;
}

enum ftps_dc_result ftps_dircache_lookup(struct ftps_dircache *dc, const char *path,
                                         double now, struct ftps_entry *out)
{
	enum ftps_dc_result r;
	size_t len;

	if (!ftps_path_is_key(path, &len))
		return FTPS_DC_MISS;
	pthread_mutex_lock(&dc->lock);
	r = lookup_locked(dc, path, len, now, out);
	if (r == FTPS_DC_HIT)
		dc->hits++;
	else if (r == FTPS_DC_NEGATIVE)
		dc->negatives++;
	else
		dc->misses++;
	pthread_mutex_unlock(&dc->lock);
	return r;
}

enum ftps_dc_result ftps_dircache_readdir(struct ftps_dircache *dc, const char *dir,
                                          double now, ftps_dc_entry_cb cb, void *arg)
{
	enum ftps_dc_result r = FTPS_DC_MISS;
	struct dc_dir *d;
	size_t len;

	if (!ftps_path_is_key(dir, &len))
		return FTPS_DC_MISS;
	pthread_mutex_lock(&dc->lock);
	d = find_dir(dc, dir, len);
	if (d && !fresh(d->fetched, now, dc->ttl)) {
		drop_dir(dc, d);
		d = NULL;
	}
	if (d) {
		lru_touch(dc, d);
		set_foreach(&d->set, cb, arg);
		r = FTPS_DC_HIT;
		dc->hits++;
	} else {
		dc->misses++;
	}
	pthread_mutex_unlock(&dc->lock);
	return r;
}

/* ---- our own changes ---- */

/* Put a copy of e into the parent's listing when it is cached; drop the
 * listing when that fails, so it never lacks what exists. */
static void parent_put(struct ftps_dircache *dc, const char *path, size_t len,
                       const struct dc_ent *e)
{
	size_t noff;
	struct dc_dir *d = parent_dir(dc, path, len, &noff);
	struct dc_ent copy;
	size_t before;

	if (!d)
		return;
	before = d->set.n;
	if (ent_dup(&copy, e, path + noff, len - noff) != 0 || set_put(&d->set, &copy) != 0) {
		ent_free(&copy);
		drop_dir(dc, d);
		return;
	}
	dc->nentries += d->set.n - before;
}

static void parent_del(struct ftps_dircache *dc, const char *path, size_t len)
{
	size_t noff;
	struct dc_dir *d = parent_dir(dc, path, len, &noff);

	if (d && set_del(&d->set, path + noff, len - noff))
		dc->nentries--;
}

static void parent_invalidate(struct ftps_dircache *dc, const char *path, size_t len)
{
	size_t noff;
	struct dc_dir *d = parent_dir(dc, path, len, &noff);

	if (d)
		drop_dir(dc, d);
}

/* We could not record what we learnt: make sure path MISSes. */
static void fail_forget(struct ftps_dircache *dc, const char *path, size_t len)
{
	struct dc_own *o = find_own(dc, path, len);

	if (o)
		drop_own(dc, o);
	parent_invalidate(dc, path, len);
	drop_dirs_under(dc, path, len);
}

static int upsert_locked(struct ftps_dircache *dc, const char *path, size_t len,
                         const struct dc_ent *e, double now)
{
	struct dc_own *o;
	size_t noff = last_off(path, len);

	if (e->type != FTPS_FT_DIR) {
		drop_dirs_under(dc, path, len);
		drop_owns_below(dc, path, len);
	}
	o = own_get(dc, path, len, now);
	if (!o || ent_dup(&o->e, e, path + noff, len - noff) != 0) {
		fail_forget(dc, path, len);
		return -1;
	}
	o->kind = OWN_POS;
	parent_put(dc, path, len, &o->e);
	own_sweep(dc, now);
	make_room(dc, 0, NULL);
	return 0;
}

int ftps_dircache_upsert(struct ftps_dircache *dc, const char *path,
                         const struct ftps_entry *e, double now)
{
	struct dc_ent tmp;
	size_t len, noff;
	int rc;

	if (!ftps_path_is_key(path, &len))
		return -1;
	noff = last_off(path, len);
	if (ent_from_entry(&tmp, e, path + noff, len - noff) != 0) {
		pthread_mutex_lock(&dc->lock);
		fail_forget(dc, path, len);
		pthread_mutex_unlock(&dc->lock);
		return -1;
	}
	pthread_mutex_lock(&dc->lock);
	rc = upsert_locked(dc, path, len, &tmp, now);
	pthread_mutex_unlock(&dc->lock);
	ent_free(&tmp);
	return rc;
}

static int remove_locked(struct ftps_dircache *dc, const char *path, size_t len, double now)
{
	struct dc_own *o;

	drop_dirs_under(dc, path, len);
	drop_owns_below(dc, path, len);
	parent_del(dc, path, len);
	o = own_get(dc, path, len, now);
	if (!o) {
		fail_forget(dc, path, len);
		return -1;
	}
	o->kind = OWN_NEG;
	own_sweep(dc, now);
	return 0;
}

int ftps_dircache_remove(struct ftps_dircache *dc, const char *path, double now)
{
	size_t len;
	int rc;

	if (!ftps_path_is_key(path, &len))
		return -1;
	pthread_mutex_lock(&dc->lock);
	rc = remove_locked(dc, path, len, now);
	pthread_mutex_unlock(&dc->lock);
	return rc;
}

int ftps_dircache_rename(struct ftps_dircache *dc, const char *from,
                         const char *newpath, double now)
{
	struct ftps_entry known;
	size_t flen, tlen;
	struct dc_ent tmp;
	int have, rc = 0;

	if (!ftps_path_is_key(from, &flen) || !ftps_path_is_key(newpath, &tlen) || flen == 1 || tlen == 1)
		return -1;
	if (flen == tlen && memcmp(from, newpath, flen) == 0)
		return 0;       /* rename onto itself changes nothing */

	pthread_mutex_lock(&dc->lock);
	have = lookup_locked(dc, from, flen, now, &known) == FTPS_DC_HIT;
	drop_dirs_under(dc, newpath, tlen);
	drop_owns_below(dc, newpath, tlen);
	if (remove_locked(dc, from, flen, now) != 0)
		rc = -1;
	if (have) {
		size_t noff = last_off(newpath, tlen);
		if (ent_from_entry(&tmp, &known, newpath + noff, tlen - noff) == 0) {
			if (upsert_locked(dc, newpath, tlen, &tmp, now) != 0)
				rc = -1;
			ent_free(&tmp);
		} else {
			have = 0;
		}
		free(known.link_target);
	}
	if (!have) {
		struct dc_own *o = own_get(dc, newpath, tlen, now);
		parent_invalidate(dc, newpath, tlen);
		if (!o) {
			fail_forget(dc, newpath, tlen);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&dc->lock);
	return rc;
}

int ftps_dircache_forget(struct ftps_dircache *dc, const char *path, double now)
{
	struct dc_own *o;
	size_t len;
	int rc = 0;

	if (!ftps_path_is_key(path, &len))
		return -1;
	pthread_mutex_lock(&dc->lock);
	o = own_get(dc, path, len, now);     /* OWN_UNKNOWN */
	if (!o) {
		fail_forget(dc, path, len);
		rc = -1;
	}
	pthread_mutex_unlock(&dc->lock);
	return rc;
}

void ftps_dircache_invalidate_dir(struct ftps_dircache *dc, const char *dir)
{
	struct dc_dir *d;
	size_t len;

	if (!ftps_path_is_key(dir, &len))
		return;
	pthread_mutex_lock(&dc->lock);
	d = find_dir(dc, dir, len);
	if (d)
		drop_dir(dc, d);
	pthread_mutex_unlock(&dc->lock);
}

/* ---- statistics and self-check ---- */

void ftps_dircache_stats(struct ftps_dircache *dc, struct ftps_dc_stats *st)
{
	pthread_mutex_lock(&dc->lock);
	st->dirs = dc->dirs.n;
	st->entries = dc->nentries;
	st->own = dc->owns.n;
	st->max_entries = dc->max_entries;
	st->hits = dc->hits;
	st->negatives = dc->negatives;
	st->misses = dc->misses;
	st->evictions = dc->evictions;
	pthread_mutex_unlock(&dc->lock);
}

static int set_check(const struct dc_set *s)
{
	size_t live = 0, used = 0;

	if (s->n > s->cap || (s->n && s->nslots == 0))
		return -1;
	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i] != SLOT_EMPTY)
			used++;
		if (s->slots[i] != SLOT_EMPTY && s->slots[i] != SLOT_TOMB) {
			if (s->slots[i] > s->n)
				return -1;
			live++;
		}
	}
	if (live != s->n || used != s->used)
		return -1;
	for (size_t j = 0; j < s->n; j++) {
		const struct dc_ent *d = &s->ents[j];
		if (strlen(d->name) != d->nlen || ftps_path_hash(d->name, d->nlen) != d->hash ||
		    set_find(s, d->name, d->nlen, d->hash) != (long)j)
			return -1;
	}
	return 0;
}

static int check_locked(struct ftps_dircache *dc)
{
	size_t ndirs = 0, nents = 0, nown = 0;
	struct dc_link *n, *prev = NULL;

	for (n = dc->lru.head; n; prev = n, n = n->next) {
		const struct dc_dir *d = dir_of(n);

		if (n->prev != prev || ++ndirs > dc->dirs.n)
			return -1;
		if (find_dir(dc, d->k.path, d->k.plen) != d || set_check(&d->set) != 0)
			return -1;
		nents += d->set.n;
	}
	if (prev != dc->lru.tail || ndirs != dc->dirs.n || nents != dc->nentries)
		return -1;
	prev = NULL;
	for (n = dc->own_order.head; n; prev = n, n = n->next) {
		const struct dc_own *o = own_of(n);

		if (n->prev != prev || ++nown > dc->owns.n)
			return -1;
		if (find_own(dc, o->k.path, o->k.plen) != o)
			return -1;
		if (o->kind == OWN_POS && !o->e.name)
			return -1;
	}
	if (prev != dc->own_order.tail || nown != dc->owns.n)
		return -1;
	return 0;
}

int ftps_dircache_check(struct ftps_dircache *dc)
{
	int rc;

	pthread_mutex_lock(&dc->lock);
	rc = check_locked(dc);
	pthread_mutex_unlock(&dc->lock);
	return rc;
}
