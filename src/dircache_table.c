/* dircache_table.c - the cache's bookkeeping: path helpers, the two path
 * tables, the listings (LRU order, eviction) and the own entries (time
 * order, expiry, the cap), and creating, clearing and freeing the cache.
 * The helpers expect dc->lock held. See dircache_int.h for the layout.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dircache_int.h"
#include "path.h"

/* ---- paths ---- */

/* Split a path (not "/") into its parent's length and its name. */
void dc_split(const char *p, size_t len, size_t *parent_len, size_t *name_off)
{
	size_t i = len;

	while (i > 0 && p[i - 1] != '/')
		i--;
	*name_off = i;
	*parent_len = i > 1 ? i - 1 : 1;        /* parent of "/a" is "/" */
}

/* Where the last component starts; "/" is named "/". */
size_t dc_last_off(const char *p, size_t len)
{
	size_t plen, noff;

	if (len == 1)
		return 0;
	dc_split(p, len, &plen, &noff);
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

int dc_fresh(double t, double now, double ttl)
{
	return ttl > 0 && now - t < ttl;
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

void dc_tab_insert(struct dc_table *t, struct dc_key *k)
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

int dc_key_init(struct dc_key *k, const char *p, size_t len)
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
struct dc_dir *dc_dir_of(struct dc_link *n)
{
	return n ? (struct dc_dir *)(void *)((char *)n - offsetof(struct dc_dir, lru)) : NULL;
}

struct dc_own *dc_own_of(struct dc_link *n)
{
	return n ? (struct dc_own *)(void *)((char *)n - offsetof(struct dc_own, order)) : NULL;
}

/* ---- listings in the cache ---- */

struct dc_dir *dc_find_dir(struct ftps_dircache *dc, const char *p, size_t len)
{
	return (struct dc_dir *)tab_find(&dc->dirs, p, len, ftps_path_hash(p, len));
}

/* The cached listing of path's parent, or NULL (always for "/"); *noff is
 * set to where path's last component starts. */
struct dc_dir *dc_parent_dir(struct ftps_dircache *dc, const char *path, size_t len,
                                 size_t *noff)
{
	size_t plen;

	if (len == 1)
		return NULL;
	dc_split(path, len, &plen, noff);
	return dc_find_dir(dc, path, plen);
}

void dc_lru_push_front(struct ftps_dircache *dc, struct dc_dir *d)
{
	list_insert_after(&dc->lru, NULL, &d->lru);
}

void dc_lru_touch(struct ftps_dircache *dc, struct dc_dir *d)
{
	if (dc->lru.head != &d->lru) {
		list_unlink(&dc->lru, &d->lru);
		dc_lru_push_front(dc, d);
	}
}

void dc_drop_dir(struct ftps_dircache *dc, struct dc_dir *d)
{
	tab_remove(&dc->dirs, &d->k);
	list_unlink(&dc->lru, &d->lru);
	dc->nentries -= d->set.n;
	dc_set_free(&d->set);
	free(d->k.path);
	free(d);
}

/* Drop the listings of prefix and of every folder below it. */
void dc_drop_dirs_under(struct ftps_dircache *dc, const char *prefix, size_t prelen)
{
	struct dc_dir *d = dc_dir_of(dc->lru.head), *next;

	for (; d; d = next) {
		next = dc_dir_of(d->lru.next);
		if (at_or_under(d->k.path, d->k.plen, prefix, prelen))
			dc_drop_dir(dc, d);
	}
}

/* Make room for `need` more listing entries, never evicting keep. Returns
 * 0 when they fit. */
int dc_make_room(struct ftps_dircache *dc, size_t need, struct dc_dir *keep)
{
	struct dc_dir *d = dc_dir_of(dc->lru.tail);

	if (need + dc->owns.n > dc->max_entries)
		return -1;
	while (d && dc->nentries + need + dc->owns.n > dc->max_entries) {
		struct dc_dir *prev = dc_dir_of(d->lru.prev);
		if (d != keep) {
			dc_drop_dir(dc, d);
			dc->evictions++;
		}
		d = prev;
	}
	return dc->nentries + need + dc->owns.n <= dc->max_entries ? 0 : -1;
}

/* ---- own entries ---- */

struct dc_own *dc_find_own(struct ftps_dircache *dc, const char *p, size_t len)
{
	return (struct dc_own *)tab_find(&dc->owns, p, len, ftps_path_hash(p, len));
}

/* The oldest own entry, or NULL. */
struct dc_own *dc_own_oldest(struct ftps_dircache *dc)
{
	return dc_own_of(dc->own_order.head);
}

void dc_drop_own(struct ftps_dircache *dc, struct dc_own *o)
{
	tab_remove(&dc->owns, &o->k);
	list_unlink(&dc->own_order, &o->order);
	dc_ent_free(&o->e);
	free(o->k.path);
	free(o);
}

/* Drop own entries strictly below prefix. */
void dc_drop_owns_below(struct ftps_dircache *dc, const char *prefix, size_t prelen)
{
	struct dc_own *o = dc_own_oldest(dc), *next;

	for (; o; o = next) {
		next = dc_own_of(o->order.next);
		if (o->k.plen != prelen && at_or_under(o->k.path, o->k.plen, prefix, prelen))
			dc_drop_own(dc, o);
	}
}

/* Expired own entries go; then, over the cap, the oldest. */
void dc_own_sweep(struct ftps_dircache *dc, double now)
{
	struct dc_own *o;

	while ((o = dc_own_oldest(dc)) && !dc_fresh(o->t, now, dc->own_ttl))
		dc_drop_own(dc, o);
	while (dc->owns.n > dc->max_own && (o = dc_own_oldest(dc)))
		dc_drop_own(dc, o);
}

/* The own entry for path, created (kind OWN_UNKNOWN) when missing, and
 * moved to the end of the time list with time now. */
struct dc_own *dc_own_get(struct ftps_dircache *dc, const char *p, size_t len, double now)
{
	struct dc_own *o = dc_find_own(dc, p, len);
	size_t plen;

	if (o) {
		list_unlink(&dc->own_order, &o->order);
	} else {
		o = calloc(1, sizeof(*o));
		if (!o || dc_key_init(&o->k, p, len) != 0) {
			free(o);
			return NULL;
		}
		dc_split(p, len, &plen, &o->name_off);
		dc_tab_insert(&dc->owns, &o->k);
	}
	dc_ent_free(&o->e);
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

	while ((d = dc_dir_of(dc->lru.head)))
		dc_drop_dir(dc, d);
	while ((o = dc_own_oldest(dc)))
		dc_drop_own(dc, o);
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
