/* dircache.c - the directory cache (see dircache.h for the rules, and
 * dircache_int.h for the layout): storing a listing, reconciled with the
 * own entries of its folder, and answering lookups and readdir.
 *
 * The rest lives in dircache_set.c (entries and the sets that hold them),
 * dircache_table.c (eviction, own entries, creation) and
 * dircache_update.c (what our own operations change; stats, self-check).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "dircache_int.h"
#include "path.h"

/* ---- storing a listing ---- */

struct reconcile_arg {
	struct ftps_dircache *dc;
	struct ftps_dc_listing *l;
	size_t dlen;
	double fetched;
};

/* Put a copy of own entry o into l; mark l incomplete when that fails. */
static void put_own(struct ftps_dc_listing *l, const struct dc_own *o)
{
	struct dc_ent copy;

	if (dc_ent_dup(&copy, &o->e, NULL, 0) != 0 || dc_set_put(&l->set, &copy) != 0) {
		dc_ent_free(&copy);
		l->incomplete = 1;
	}
}

/* Bring a fresh listing of dir in line with n, an own entry below dir. */
static void reconcile(void *arg, struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	const struct reconcile_arg *r = arg;
	struct dc_own *o = (struct dc_own *)(void *)n;
	const char *name = n->path + o->name_off;
	size_t nlen = n->plen - o->name_off;

	(void)t;
	if (o->name_off != r->dlen + (r->dlen > 1))
		return;                 /* further down than dir's own names */
	if (!dc_fresh(o->t, r->fetched, r->dc->own_ttl)) {
		dc_drop_own(r->dc, o);
	} else if (o->t <= r->fetched) {
		/* the listing is newer, except that it cannot take away a
		 * file we wrote (hidden dot-files) */
		if (o->kind == OWN_POS &&
		    dc_set_find(&r->l->set, name, nlen, ftps_path_hash(name, nlen)) < 0)
			put_own(r->l, o);
		else
			dc_drop_own(r->dc, o);
	} else if (o->kind == OWN_POS) {
		put_own(r->l, o);       /* our change came after the listing was requested */
	} else if (o->kind == OWN_NEG) {
		dc_set_del(&r->l->set, name, nlen);
	}
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
	dc_own_sweep(dc, fetched);
	ftps_pt_foreach_under(&dc->owns, dir, dlen, FTPS_PATH_BELOW, reconcile,
	                      &(struct reconcile_arg){ dc, l, dlen, fetched });
	d = dc_find_dir(dc, dir, dlen);
	if (d && d->fetched > fetched)
		goto not_kept;          /* a newer listing is already here */
	if (dc->ttl <= 0 || l->incomplete) {
		if (d)
			dc_drop_dir(dc, d);
		goto not_kept;
	}
	if (d) {
		dc->nentries -= d->set.n;
		dc_set_free(&d->set);
	}
	if (dc_make_room(dc, l->set.n, d) != 0) {
		if (d) {
			d->set.n = 0;   /* already freed and uncounted */
			dc_drop_dir(dc, d);
		}
		goto not_kept;
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d || ftps_pt_insert(&dc->dirs, &d->k, dir, dlen) != 0) {
			free(d);
			goto not_kept;
		}
	} else {
		ftps_pt_touch(&dc->dirs, &d->k);
	}
	d->set = l->set;
	d->fetched = fetched;
	dc->nentries += d->set.n;
	memset(&l->set, 0, sizeof(l->set));
	free(l);
	if (cb)
		dc_set_foreach(&d->set, cb, arg);
	pthread_mutex_unlock(&dc->lock);
	return 0;

not_kept:
	pthread_mutex_unlock(&dc->lock);
	if (cb)
		dc_set_foreach(&l->set, cb, arg);
	ftps_dc_listing_free(l);
	return 0;
}

/* ---- lookups ---- */

enum ftps_dc_result dc_lookup_locked(struct ftps_dircache *dc, const char *path,
                                         size_t len, double now, struct ftps_entry *out)
{
	struct dc_own *o = dc_find_own(dc, path, len);
	struct dc_dir *d;
	size_t noff;
	long j;

	if (o) {
		if (dc_fresh(o->t, now, dc->own_ttl)) {
			if (o->kind == OWN_NEG)
				return FTPS_DC_NEGATIVE;
			if (o->kind == OWN_UNKNOWN)
				return FTPS_DC_MISS;
			if (out && dc_ent_to_entry(&o->e, out, 1) != 0)
				return FTPS_DC_MISS;
			return FTPS_DC_HIT;
		}
		dc_drop_own(dc, o);
	}
	d = dc_parent_dir(dc, path, len, &noff);
	if (!d)
		return FTPS_DC_MISS;
	if (!dc_fresh(d->fetched, now, dc->ttl)) {
		dc_drop_dir(dc, d);
		return FTPS_DC_MISS;
	}
	ftps_pt_touch(&dc->dirs, &d->k);
	j = dc_set_find(&d->set, path + noff, len - noff, ftps_path_hash(path + noff, len - noff));
	if (j < 0)
		return FTPS_DC_NEGATIVE;
	if (out && dc_ent_to_entry(&d->set.ents[j], out, 1) != 0)
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
	r = dc_lookup_locked(dc, path, len, now, out);
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
	d = dc_find_dir(dc, dir, len);
	if (d && !dc_fresh(d->fetched, now, dc->ttl)) {
		dc_drop_dir(dc, d);
		d = NULL;
	}
	if (d) {
		ftps_pt_touch(&dc->dirs, &d->k);
		dc_set_foreach(&d->set, cb, arg);
		r = FTPS_DC_HIT;
		dc->hits++;
	} else {
		dc->misses++;
	}
	pthread_mutex_unlock(&dc->lock);
	return r;
}
