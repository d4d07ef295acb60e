/* mtcache.c - exact modification times learnt beyond a coarse listing (see
 * mtcache.h for the rules).
 *
 * Layout: one node per path in a chained hash table (power-of-two buckets,
 * doubled when there are more nodes than buckets) and on an LRU list (head
 * = most recently used); over the cap the tail goes. Operations on a
 * subtree (rmdir, renaming a folder) walk the list: they are rare, and a
 * per-folder index would cost memory on every entry.
 *
 * Every public function takes mc->lock for its whole run.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "mtcache.h"
#include "path.h"

#define MT_INIT_BUCKETS 256
/* A time to the minute is kept once its minute is over, plus a minute for
 * a server clock that is behind ours. */
#define MT_SETTLE_MINUTE 120
/* Servers that list in local time: offsets are quarter hours within
 * -12..+14 hours. */
#define MT_TZ_STEP      900
#define MT_TZ_MAX       (14 * 3600)

struct mt_node {
	char *path;
	size_t plen;
	uint32_t hash;
	struct mt_node *hnext;          /* bucket chain */
	struct mt_node *prev, *next;    /* LRU */
	uint64_t size;
	int64_t coarse;                 /* what the listing said (when bound) */
	int64_t exact;
	uint8_t prec;                   /* enum ftps_tprec of coarse */
	uint8_t bound;                  /* 0: a seed, coarse not known yet */
};

struct ftps_mtcache {
	pthread_mutex_t lock;
	struct mt_node **b;
	size_t nb;                      /* power of two */
	size_t n, max;
	struct mt_node *head, *tail;
	unsigned long long hits, misses, evictions;
};

/* ---- helpers ---- */

/* path (plen) is prefix itself or, with subtree, lies below it. */
static int covers(const char *path, size_t plen, const char *prefix, size_t prelen,
                  int subtree)
{
	if (plen < prelen || memcmp(path, prefix, prelen) != 0)
		return 0;
	if (plen == prelen)
		return 1;
	return subtree && (prelen == 1 || path[prelen] == '/');
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Whether a listing's coarse time can be the exact time as LIST shows it,
 * in UTC or in a local time. */
static int coarse_fits(int64_t exact, int64_t coarse, enum ftps_tprec prec)
{
	int64_t d;

	if (prec == FTPS_TP_MINUTE) {
		d = floor_div(exact, 60) * 60 - coarse;
		return d >= -MT_TZ_MAX && d <= MT_TZ_MAX && d % MT_TZ_STEP == 0;
	}
	if (prec == FTPS_TP_DAY) {
		d = exact - coarse;
		return d >= -MT_TZ_MAX && d < 86400 + MT_TZ_MAX;
	}
	return 0;
}

int ftps_mtcache_keyable(const struct ftps_entry *e)
{
	return e && e->type == FTPS_FT_FILE && e->has_size &&
	       (e->mtime_prec == FTPS_TP_MINUTE || e->mtime_prec == FTPS_TP_DAY);
}

/* ---- the table and the list ---- */

static struct mt_node *find(const struct ftps_mtcache *mc, const char *p, size_t len,
                            uint32_t h)
{
	struct mt_node *n = mc->b[h & (mc->nb - 1)];

	for (; n; n = n->hnext)
		if (n->hash == h && n->plen == len && memcmp(n->path, p, len) == 0)
			return n;
	return NULL;
}

static void tab_link(struct ftps_mtcache *mc, struct mt_node *n)
{
	struct mt_node **slot = &mc->b[n->hash & (mc->nb - 1)];

	n->hnext = *slot;
	*slot = n;
}

static void tab_unlink(struct ftps_mtcache *mc, struct mt_node *n)
{
	struct mt_node **pp = &mc->b[n->hash & (mc->nb - 1)];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	n->hnext = NULL;
}

/* Double the buckets; stays as it is when out of memory (chains grow). */
static void tab_grow(struct ftps_mtcache *mc)
{
	size_t nb = mc->nb * 2;
	struct mt_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < mc->nb; i++) {
		struct mt_node *n = mc->b[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(mc->b);
	mc->b = b;
	mc->nb = nb;
}

static void lru_unlink(struct ftps_mtcache *mc, struct mt_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		mc->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		mc->tail = n->prev;
	n->prev = n->next = NULL;
}

static void lru_push_front(struct ftps_mtcache *mc, struct mt_node *n)
{
	n->prev = NULL;
	n->next = mc->head;
	if (mc->head)
		mc->head->prev = n;
	else
		mc->tail = n;
	mc->head = n;
}

static void drop(struct ftps_mtcache *mc, struct mt_node *n)
{
	tab_unlink(mc, n);
	lru_unlink(mc, n);
	mc->n--;
	free(n->path);
	free(n);
}

/* The node for path, made when missing; the most recently used either
 * way. NULL when out of memory. */
static struct mt_node *node_get(struct ftps_mtcache *mc, const char *p, size_t len)
{
	uint32_t h = ftps_path_hash(p, len);
	struct mt_node *n = find(mc, p, len, h);

	if (n) {
		lru_unlink(mc, n);
		lru_push_front(mc, n);
		return n;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->path = strndup(p, len))) {
		free(n);
		return NULL;
	}
	n->plen = len;
	n->hash = h;
	if (mc->n >= mc->nb)
		tab_grow(mc);
	tab_link(mc, n);
	lru_push_front(mc, n);
	mc->n++;
	return n;
}

/* Over the cap: the least recently used go, never keep. */
static void evict(struct ftps_mtcache *mc, const struct mt_node *keep)
{
	while (mc->n > mc->max && mc->tail && mc->tail != keep) {
		drop(mc, mc->tail);
		mc->evictions++;
	}
}

/* Drop path, and with subtree everything below it. */
static void drop_covered(struct ftps_mtcache *mc, const char *p, size_t len, int subtree)
{
	struct mt_node *n, *next;

	if (!subtree) {
		n = find(mc, p, len, ftps_path_hash(p, len));
		if (n)
			drop(mc, n);
		return;
	}
	for (n = mc->head; n; n = next) {
		next = n->next;
		if (covers(n->path, n->plen, p, len, 1))
			drop(mc, n);
	}
}

/* ---- creation ---- */

struct ftps_mtcache *ftps_mtcache_new(size_t max_entries)
{
	struct ftps_mtcache *mc = calloc(1, sizeof(*mc));

	if (!mc)
		return NULL;
	mc->nb = MT_INIT_BUCKETS;
	mc->b = calloc(mc->nb, sizeof(*mc->b));
	if (!mc->b || pthread_mutex_init(&mc->lock, NULL) != 0) {
		free(mc->b);
		free(mc);
		return NULL;
	}
	mc->max = max_entries ? max_entries : FTPS_MTCACHE_DEF_MAX;
	return mc;
}

static void clear_locked(struct ftps_mtcache *mc)
{
	while (mc->head)
		drop(mc, mc->head);
}

void ftps_mtcache_free(struct ftps_mtcache *mc)
{
	if (!mc)
		return;
	clear_locked(mc);
	free(mc->b);
	pthread_mutex_destroy(&mc->lock);
	free(mc);
}

void ftps_mtcache_clear(struct ftps_mtcache *mc)
{
	if (!mc)
		return;
	pthread_mutex_lock(&mc->lock);
	clear_locked(mc);
	pthread_mutex_unlock(&mc->lock);
}

/* ---- lookups and what we learn ---- */

/* Whether node n answers for the listing's entry e; a seed that fits is
 * bound to e's coarse time from now on. */
static int answers(struct mt_node *n, const struct ftps_entry *e)
{
	if (n->size != e->size)
		return 0;
	if (n->bound)
		return n->coarse == e->mtime && n->prec == (uint8_t)e->mtime_prec;
	if (!coarse_fits(n->exact, e->mtime, e->mtime_prec))
		return 0;
	n->coarse = e->mtime;
	n->prec = (uint8_t)e->mtime_prec;
	n->bound = 1;
	return 1;
}

int ftps_mtcache_get(struct ftps_mtcache *mc, const char *path,
                     const struct ftps_entry *listed, int64_t *exact)
{
	struct mt_node *n;
	size_t len;
	int hit = 0;

	if (!mc || !ftps_mtcache_keyable(listed) || !ftps_path_is_key(path, &len))
		return 0;
	pthread_mutex_lock(&mc->lock);
	n = find(mc, path, len, ftps_path_hash(path, len));
	if (n && answers(n, listed)) {
		lru_unlink(mc, n);
		lru_push_front(mc, n);
		*exact = n->exact;
		hit = 1;
		mc->hits++;
	} else {
		mc->misses++;
	}
	pthread_mutex_unlock(&mc->lock);
	return hit;
}

/* A rewrite after now lands in a later minute (or, for a file listed by
 * the day, in a minute-precision listing line): the listing will differ. */
static int settled(const struct ftps_entry *e, int64_t exact, int64_t now)
{
	if (e->mtime_prec == FTPS_TP_DAY)
		return 1;
	return now - exact >= MT_SETTLE_MINUTE;
}

int ftps_mtcache_put(struct ftps_mtcache *mc, const char *path,
                     const struct ftps_entry *listed, int64_t exact, int64_t now)
{
	struct mt_node *n;
	size_t len;
	int rc = 1;

	if (!ftps_path_is_key(path, &len))
		return -1;
	if (!mc)
		return 0;
	pthread_mutex_lock(&mc->lock);
	if (!ftps_mtcache_keyable(listed) || !settled(listed, exact, now)) {
		drop_covered(mc, path, len, 0);
		rc = 0;
	} else if ((n = node_get(mc, path, len)) != NULL) {
		n->size = listed->size;
		n->coarse = listed->mtime;
		n->prec = (uint8_t)listed->mtime_prec;
		n->exact = exact;
		n->bound = 1;
		evict(mc, n);
	} else {
		drop_covered(mc, path, len, 0);
		rc = -1;
	}
	pthread_mutex_unlock(&mc->lock);
	return rc;
}

int ftps_mtcache_seed(struct ftps_mtcache *mc, const char *path, uint64_t size,
                      int64_t exact)
{
	struct mt_node *n;
	size_t len;
	int rc = 0;

	if (!ftps_path_is_key(path, &len))
		return -1;
	if (!mc)
		return 0;
	pthread_mutex_lock(&mc->lock);
	n = node_get(mc, path, len);
	if (n) {
		n->size = size;
		n->exact = exact;
		n->coarse = 0;
		n->prec = FTPS_TP_NONE;
		n->bound = 0;
		evict(mc, n);
	} else {
		drop_covered(mc, path, len, 0);
		rc = -1;
	}
	pthread_mutex_unlock(&mc->lock);
	return rc;
}

void ftps_mtcache_remove(struct ftps_mtcache *mc, const char *path, int subtree)
{
	size_t len;

	if (!mc || !ftps_path_is_key(path, &len))
		return;
	pthread_mutex_lock(&mc->lock);
	drop_covered(mc, path, len, subtree);
	pthread_mutex_unlock(&mc->lock);
}

/* Give node n the path newpath + what follows the first oldlen bytes of
 * its own. Drops n when the result is too long or out of memory. */
static void move_node(struct ftps_mtcache *mc, struct mt_node *n, size_t oldlen,
                      const char *newpath, size_t newlen)
{
	size_t rest = n->plen - oldlen, len = newlen + rest;
	char *p;

	if (len >= FTPS_MAX_PATH || !(p = malloc(len + 1))) {
		drop(mc, n);
		return;
	}
	memcpy(p, newpath, newlen);
	memcpy(p + newlen, n->path + oldlen, rest);
	p[len] = '\0';
	tab_unlink(mc, n);
	free(n->path);
	n->path = p;
	n->plen = len;
	n->hash = ftps_path_hash(p, len);
	tab_link(mc, n);
}

void ftps_mtcache_rename(struct ftps_mtcache *mc, const char *path,
                         const char *newpath, int subtree)
{
	struct mt_node *n, *next;
	size_t flen, tlen;

	if (!mc || !ftps_path_is_key(path, &flen))
		return;
	if (!ftps_path_is_key(newpath, &tlen)) {
		/* No key for the new name: nothing may stay under the old one. */
		ftps_mtcache_remove(mc, path, subtree);
		return;
	}
	if (flen == tlen && memcmp(path, newpath, flen) == 0)
		return;
	pthread_mutex_lock(&mc->lock);
	drop_covered(mc, newpath, tlen, subtree);
	if (covers(newpath, tlen, path, flen, subtree) || covers(path, flen, newpath, tlen, subtree)) {
		/* into or out of itself: not a rename a server does */
		drop_covered(mc, path, flen, subtree);
	} else if (!subtree) {
		n = find(mc, path, flen, ftps_path_hash(path, flen));
		if (n)
			move_node(mc, n, flen, newpath, tlen);
	} else {
		for (n = mc->head; n; n = next) {
			next = n->next;
			if (covers(n->path, n->plen, path, flen, 1))
				move_node(mc, n, flen, newpath, tlen);
		}
	}
	pthread_mutex_unlock(&mc->lock);
}

/* ---- statistics and self-check ---- */

void ftps_mtcache_stats(struct ftps_mtcache *mc, struct ftps_mt_stats *st)
{
	pthread_mutex_lock(&mc->lock);
	st->entries = mc->n;
	st->max_entries = mc->max;
	st->hits = mc->hits;
	st->misses = mc->misses;
	st->evictions = mc->evictions;
	pthread_mutex_unlock(&mc->lock);
}

static int check_locked(const struct ftps_mtcache *mc)
{
	const struct mt_node *n, *prev = NULL;
	size_t count = 0, chained = 0;

	for (n = mc->head; n; prev = n, n = n->next) {
		if (n->prev != prev || ++count > mc->n)
			return -1;
		if (strlen(n->path) != n->plen || ftps_path_hash(n->path, n->plen) != n->hash ||
		    find(mc, n->path, n->plen, n->hash) != n)
			return -1;
	}
	if (prev != mc->tail || count != mc->n || mc->n > mc->max)
		return -1;
	for (size_t i = 0; i < mc->nb; i++)
		for (n = mc->b[i]; n; n = n->hnext)
			if ((n->hash & (mc->nb - 1)) != i || ++chained > mc->n)
				return -1;
	return chained == mc->n ? 0 : -1;
}

int ftps_mtcache_check(struct ftps_mtcache *mc)
{
	int rc;

	pthread_mutex_lock(&mc->lock);
	rc = check_locked(mc);
	pthread_mutex_unlock(&mc->lock);
	return rc;
}
