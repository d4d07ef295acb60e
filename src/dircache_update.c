/* dircache_update.c - what our own operations tell the cache: upsert,
 * remove, rename, forget and invalidate_dir, kept as own entries and
 * applied to the parent's cached listing. Also the counters and the
 * consistency check (ftps_dircache_stats, ftps_dircache_check).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "dircache_int.h"
#include "path.h"

/* ---- our own changes ---- */

/* Put a copy of e into the parent's listing when it is cached; drop the
 * listing when that fails, so it never lacks what exists. */
static void parent_put(struct ftps_dircache *dc, const char *path, size_t len,
                       const struct dc_ent *e)
{
	size_t noff;
	struct dc_dir *d = dc_parent_dir(dc, path, len, &noff);
	struct dc_ent copy;
	size_t before;

	if (!d)
		return;
	before = d->set.n;
	if (dc_ent_dup(&copy, e, path + noff, len - noff) != 0 || dc_set_put(&d->set, &copy) != 0) {
		dc_ent_free(&copy);
		dc_drop_dir(dc, d);
		return;
	}
	dc->nentries += d->set.n - before;
}

static void parent_del(struct ftps_dircache *dc, const char *path, size_t len)
{
	size_t noff;
	struct dc_dir *d = dc_parent_dir(dc, path, len, &noff);

	if (d && dc_set_del(&d->set, path + noff, len - noff))
		dc->nentries--;
}

static void parent_invalidate(struct ftps_dircache *dc, const char *path, size_t len)
{
	size_t noff;
	struct dc_dir *d = dc_parent_dir(dc, path, len, &noff);

	if (d)
		dc_drop_dir(dc, d);
}

/* We could not record what we learnt: make sure path MISSes. */
static void fail_forget(struct ftps_dircache *dc, const char *path, size_t len)
{
	struct dc_own *o = dc_find_own(dc, path, len);

	if (o)
		dc_drop_own(dc, o);
	parent_invalidate(dc, path, len);
	ftps_pt_remove_under(&dc->dirs, path, len, FTPS_PATH_AT_OR_BELOW);
}

static int upsert_locked(struct ftps_dircache *dc, const char *path, size_t len,
                         const struct dc_ent *e, double now)
{
	struct dc_own *o;
	size_t noff = dc_last_off(path, len);

	if (e->type != FTPS_FT_DIR) {
		ftps_pt_remove_under(&dc->dirs, path, len, FTPS_PATH_AT_OR_BELOW);
		ftps_pt_remove_under(&dc->owns, path, len, FTPS_PATH_BELOW);
	}
	o = dc_own_get(dc, path, len, now);
	if (!o || dc_ent_dup(&o->e, e, path + noff, len - noff) != 0) {
		fail_forget(dc, path, len);
		return -1;
	}
	o->kind = OWN_POS;
	parent_put(dc, path, len, &o->e);
	dc_own_sweep(dc, now);
	dc_make_room(dc, 0, NULL);
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
	noff = dc_last_off(path, len);
	if (dc_ent_from_entry(&tmp, e, path + noff, len - noff) != 0) {
		pthread_mutex_lock(&dc->lock);
		fail_forget(dc, path, len);
		pthread_mutex_unlock(&dc->lock);
		return -1;
	}
	pthread_mutex_lock(&dc->lock);
	rc = upsert_locked(dc, path, len, &tmp, now);
	pthread_mutex_unlock(&dc->lock);
	dc_ent_free(&tmp);
	return rc;
}

static int remove_locked(struct ftps_dircache *dc, const char *path, size_t len, double now)
{
	struct dc_own *o;

	ftps_pt_remove_under(&dc->dirs, path, len, FTPS_PATH_AT_OR_BELOW);
	ftps_pt_remove_under(&dc->owns, path, len, FTPS_PATH_BELOW);
	parent_del(dc, path, len);
	o = dc_own_get(dc, path, len, now);
	if (!o) {
		fail_forget(dc, path, len);
		return -1;
	}
	o->kind = OWN_NEG;
	dc_own_sweep(dc, now);
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
	have = dc_lookup_locked(dc, from, flen, now, &known) == FTPS_DC_HIT;
	ftps_pt_remove_under(&dc->dirs, newpath, tlen, FTPS_PATH_AT_OR_BELOW);
	ftps_pt_remove_under(&dc->owns, newpath, tlen, FTPS_PATH_BELOW);
	if (remove_locked(dc, from, flen, now) != 0)
		rc = -1;
	if (have) {
		size_t noff = dc_last_off(newpath, tlen);
		if (dc_ent_from_entry(&tmp, &known, newpath + noff, tlen - noff) == 0) {
			if (upsert_locked(dc, newpath, tlen, &tmp, now) != 0)
				rc = -1;
			dc_ent_free(&tmp);
		} else {
			have = 0;
		}
		free(known.link_target);
	}
	if (!have) {
		struct dc_own *o = dc_own_get(dc, newpath, tlen, now);
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
	o = dc_own_get(dc, path, len, now);     /* OWN_UNKNOWN */
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
	d = dc_find_dir(dc, dir, len);
	if (d)
		dc_drop_dir(dc, d);
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
		    dc_set_find(s, d->name, d->nlen, d->hash) != (long)j)
			return -1;
	}
	return 0;
}

static int check_locked(struct ftps_dircache *dc)
{
	const struct ftps_pt_node *n;
	size_t nents = 0;

	if (ftps_pt_check(&dc->dirs) != 0 || ftps_pt_check(&dc->owns) != 0)
		return -1;
	for (n = dc->dirs.front; n; n = n->older) {
		const struct dc_dir *d = (const struct dc_dir *)(const void *)n;
		if (set_check(&d->set) != 0)
			return -1;
		nents += d->set.n;
	}
	for (n = dc->owns.front; n; n = n->older) {
		const struct dc_own *o = (const struct dc_own *)(const void *)n;
		if (o->kind == OWN_POS && !o->e.name)
			return -1;
	}
	return nents == dc->nentries ? 0 : -1;
}

int ftps_dircache_check(struct ftps_dircache *dc)
{
	int rc;

	pthread_mutex_lock(&dc->lock);
	rc = check_locked(dc);
	pthread_mutex_unlock(&dc->lock);
	return rc;
}
