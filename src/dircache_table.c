/* dircache_table.c - the cache's bookkeeping: path helpers, the listings
 * in their table (eviction) and the own entries in theirs (expiry, the
 * cap), and creating, clearing and freeing the cache. The helpers expect
 * dc->lock held. See dircache_int.h for the layout.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "dircache_int.h"
#include "path.h"

#define DC_INIT_BUCKETS 64

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

int dc_fresh(double t, double now, double ttl)
{
	return ttl > 0 && now - t < ttl;
}

/* ---- listings in the cache ---- */

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

static void dir_free(void *arg, struct ftps_pt_node *n)
{
	struct ftps_dircache *dc = arg;
	struct dc_dir *d = (struct dc_dir *)(void *)n;

	dc->nentries -= d->set.n;
	dc_set_free(&d->set);
	free(d);
}

/* Make room for `need` more listing entries, never evicting keep. Returns
 * 0 when they fit. */
int dc_make_room(struct ftps_dircache *dc, size_t need, struct dc_dir *keep)
{
	if (need + dc->owns.n > dc->max_entries)
		return -1;
	while (dc->nentries + need + dc->owns.n > dc->max_entries &&
	       ftps_pt_evict_oldest(&dc->dirs, keep ? &keep->k : NULL))
		dc->evictions++;
	return dc->nentries + need + dc->owns.n <= dc->max_entries ? 0 : -1;
}

/* ---- own entries ---- */

static void own_free(void *arg, struct ftps_pt_node *n)
{
	struct dc_own *o = (struct dc_own *)(void *)n;

	(void)arg;
	dc_ent_free(&o->e);
	free(o);
}

/* Expired own entries go; then, over the cap, the oldest. */
void dc_own_sweep(struct ftps_dircache *dc, double now)
{
	struct dc_own *o;

	while ((o = (struct dc_own *)(void *)dc->owns.back) && !dc_fresh(o->t, now, dc->own_ttl))
		dc_drop_own(dc, o);
	ftps_pt_evict(&dc->owns, NULL);
}

/* The own entry for path, created (kind OWN_UNKNOWN) when missing, and
 * made the newest of the time list with time now. */
struct dc_own *dc_own_get(struct ftps_dircache *dc, const char *p, size_t len, double now)
{
	struct dc_own *o = dc_find_own(dc, p, len);
	size_t plen;

	if (o) {
		ftps_pt_touch(&dc->owns, &o->k);
	} else {
		o = calloc(1, sizeof(*o));
		if (!o || ftps_pt_insert(&dc->owns, &o->k, p, len) != 0) {
			free(o);
			return NULL;
		}
		dc_split(p, len, &plen, &o->name_off);
	}
	dc_ent_free(&o->e);
	o->kind = OWN_UNKNOWN;
	o->t = now;
	return o;
}

/* ---- creation ---- */

struct ftps_dircache *ftps_dircache_new(double ttl, size_t max_entries)
{
	struct ftps_dircache *dc = calloc(1, sizeof(*dc));
	size_t max_own;

	if (!dc)
		return NULL;
	dc->ttl = ttl > 0 ? ttl : 0;
	dc->own_ttl = dc->ttl > FTPS_DIRCACHE_OWN_TTL_MIN ? dc->ttl : FTPS_DIRCACHE_OWN_TTL_MIN;
	dc->max_entries = max_entries ? max_entries : FTPS_DIRCACHE_DEF_MAX;
	max_own = dc->max_entries / 2 ? dc->max_entries / 2 : 1;
	if (ftps_pt_init(&dc->dirs, DC_INIT_BUCKETS, 0, dir_free, dc) == 0 &&
	    ftps_pt_init(&dc->owns, DC_INIT_BUCKETS, max_own, own_free, NULL) == 0 &&
	    pthread_mutex_init(&dc->lock, NULL) == 0)
		return dc;
	ftps_pt_fini(&dc->owns);
	ftps_pt_fini(&dc->dirs);
	free(dc);
	return NULL;
}

void ftps_dircache_free(struct ftps_dircache *dc)
{
	if (!dc)
		return;
	ftps_pt_fini(&dc->dirs);
	ftps_pt_fini(&dc->owns);
	pthread_mutex_destroy(&dc->lock);
	free(dc);
}

void ftps_dircache_clear(struct ftps_dircache *dc)
{
	pthread_mutex_lock(&dc->lock);
	ftps_pt_clear(&dc->dirs);
	ftps_pt_clear(&dc->owns);
	pthread_mutex_unlock(&dc->lock);
}

double ftps_dircache_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
