/* mtcache.c - exact modification times learnt beyond a coarse listing (see
 * mtcache.h for the rules).
 *
 * Layout: one node per path in a path table (pathtab.h) whose list is in
 * order of use; over the cap the least recently used go.
 *
 * Every public function takes mc->lock for its whole run.
 */
#include <pthread.h>
#include <stdlib.h>
#include "mtcache.h"
#include "pathtab.h"
#include "retry.h"      /* ftps_now_ms: holds run on the monotonic clock */

#define MT_INIT_BUCKETS 256
/* A time to the minute is kept once its minute is over, plus a minute for
 * a server clock that is behind ours. */
#define MT_SETTLE_MINUTE 120
/* Servers that list in local time: offsets are quarter hours within
 * -12..+14 hours. */
#define MT_TZ_STEP      900
#define MT_TZ_MAX       (14 * 3600)

/* What is known of one version of a file. */
struct mt_ver {
	uint64_t size;
	int64_t coarse;                 /* what the listing said (when bound) */
	int64_t exact;
	int64_t until_ms;               /* held until (ftps_now_ms); 0: for good */
	uint8_t prec;                   /* enum ftps_tprec of coarse */
	uint8_t bound;                  /* 0: a seed, coarse not known yet */
	uint8_t own;                    /* a seed: the time of our own upload */
};

struct mt_node {
	struct ftps_pt_node k;          /* first: a node is an mt_node */
	struct mt_ver v;
};

struct ftps_mtcache {
	pthread_mutex_t lock;
	struct ftps_pathtab t;          /* mt_node, t.max = the cap */
	unsigned long long hits, misses, evictions;
};

/* ---- helpers ---- */

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

/* ---- the table ---- */

static unsigned how(int subtree)
{
	return subtree ? FTPS_PATH_AT_OR_BELOW : FTPS_PATH_SAME;
}

static struct mt_node *find(struct ftps_mtcache *mc, const char *p, size_t len)
{
	return (struct mt_node *)(void *)ftps_pt_find(&mc->t, p, len);
}

/* Keep v for path, as the most recently used; over the cap the least
 * recently used go. 0, or -1 when out of memory (nothing kept for path). */
static int keep(struct ftps_mtcache *mc, const char *p, size_t len, const struct mt_ver *v)
{
	struct mt_node *n = find(mc, p, len);

	if (n) {
		ftps_pt_touch(&mc->t, &n->k);
	} else if (!(n = calloc(1, sizeof(*n))) || ftps_pt_insert(&mc->t, &n->k, p, len) != 0) {
		free(n);
		return -1;
	}
	n->v = *v;
	mc->evictions += ftps_pt_evict(&mc->t, &n->k);
	return 0;
}

static void node_free(void *arg, struct ftps_pt_node *n)
{
	(void)arg;
	free(n);
}

/* ---- creation ---- */

struct ftps_mtcache *ftps_mtcache_new(size_t max_entries)
{
	struct ftps_mtcache *mc = calloc(1, sizeof(*mc));

	if (!mc)
		return NULL;
	if (ftps_pt_init(&mc->t, MT_INIT_BUCKETS, max_entries ? max_entries : FTPS_MTCACHE_DEF_MAX,
	                 node_free, NULL) == 0 &&
	    pthread_mutex_init(&mc->lock, NULL) == 0)
		return mc;
	ftps_pt_fini(&mc->t);
	free(mc);
	return NULL;
}

void ftps_mtcache_free(struct ftps_mtcache *mc)
{
	if (!mc)
		return;
	ftps_pt_fini(&mc->t);
	pthread_mutex_destroy(&mc->lock);
	free(mc);
}

void ftps_mtcache_clear(struct ftps_mtcache *mc)
{
	if (!mc)
		return;
	pthread_mutex_lock(&mc->lock);
	ftps_pt_clear(&mc->t);
	pthread_mutex_unlock(&mc->lock);
}

/* ---- lookups and what we learn ---- */

/* Whether version v answers for the listing's entry e; a seed that fits
 * is bound to e's coarse time from now on. */
static int answers(struct mt_ver *v, const struct ftps_entry *e)
{
	if (v->size != e->size || (v->until_ms != 0 && ftps_now_ms() >= v->until_ms))
		return 0;
	if (v->bound)
		return v->coarse == e->mtime && v->prec == (uint8_t)e->mtime_prec;
	if (!coarse_fits(v->exact, e->mtime, e->mtime_prec))
		return 0;
	v->coarse = e->mtime;
	v->prec = (uint8_t)e->mtime_prec;
	v->bound = 1;
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
	n = find(mc, path, len);
	if (n && answers(&n->v, listed)) {
		ftps_pt_touch(&mc->t, &n->k);
		*exact = n->v.exact;
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
                     const struct ftps_entry *listed, int64_t exact, int64_t now,
                     unsigned hold)
{
	size_t len;
	int rc = 0;

	if (!ftps_path_is_key(path, &len))
		return -1;
	if (!mc)
		return 0;
	pthread_mutex_lock(&mc->lock);
	int keyable = ftps_mtcache_keyable(listed);
	int held = keyable && !settled(listed, exact, now);
	struct mt_node *n = held ? find(mc, path, len) : NULL;
	if (n && n->v.own && n->v.exact >= exact) {
		/* An answer older than our own upload's time: asked before the
		 * upload ended, of the version it replaced. */
		rc = 0;
	} else if (keyable && (!held || hold > 0)) {
		struct mt_ver v = { listed->size, listed->mtime, exact,
		                    held ? ftps_now_ms() + (int64_t)hold * 1000 : 0,
		                    (uint8_t)listed->mtime_prec, 1, 0 };
		rc = keep(mc, path, len, &v) == 0 ? 1 : -1;
	} else {
		ftps_pt_remove_under(&mc->t, path, len, FTPS_PATH_SAME);
	}
	pthread_mutex_unlock(&mc->lock);
	return rc;
}

int ftps_mtcache_seed(struct ftps_mtcache *mc, const char *path, uint64_t size,
                      int64_t exact)
{
	struct mt_ver v = { size, 0, exact, 0, FTPS_TP_NONE, 0, 1 };
	size_t len;
	int rc;

	if (!ftps_path_is_key(path, &len))
		return -1;
	if (!mc)
		return 0;
	pthread_mutex_lock(&mc->lock);
	rc = keep(mc, path, len, &v);
	pthread_mutex_unlock(&mc->lock);
	return rc;
}

void ftps_mtcache_remove(struct ftps_mtcache *mc, const char *path, int subtree)
{
	size_t len;

	if (!mc || !ftps_path_is_key(path, &len))
		return;
	pthread_mutex_lock(&mc->lock);
	ftps_pt_remove_under(&mc->t, path, len, how(subtree));
	pthread_mutex_unlock(&mc->lock);
}

void ftps_mtcache_rename(struct ftps_mtcache *mc, const char *path,
                         const char *newpath, int subtree)
{
	size_t flen, tlen;

	if (!mc || !ftps_path_is_key(path, &flen))
		return;
	if (!ftps_path_is_key(newpath, &tlen)) {
		/* No key for the new name: nothing may stay under the old one. */
		ftps_mtcache_remove(mc, path, subtree);
		return;
	}
	pthread_mutex_lock(&mc->lock);
	ftps_pt_rename(&mc->t, path, flen, newpath, tlen, how(subtree));
	pthread_mutex_unlock(&mc->lock);
}

/* ---- statistics and self-check ---- */

void ftps_mtcache_stats(struct ftps_mtcache *mc, struct ftps_mt_stats *st)
{
	pthread_mutex_lock(&mc->lock);
	st->entries = mc->t.n;
	st->max_entries = mc->t.max;
	st->hits = mc->hits;
	st->misses = mc->misses;
	st->evictions = mc->evictions;
	pthread_mutex_unlock(&mc->lock);
}

int ftps_mtcache_check(struct ftps_mtcache *mc)
{
	int rc;

	pthread_mutex_lock(&mc->lock);
	rc = ftps_pt_check(&mc->t) != 0 || mc->t.n > mc->t.max ? -1 : 0;
	pthread_mutex_unlock(&mc->lock);
	return rc;
}
