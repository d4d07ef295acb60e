/* dircache_set.c - the entries of one folder: compact entries (struct
 * dc_ent), the set that holds them with its name index (struct dc_set),
 * and listings being built (struct ftps_dc_listing). Nothing here locks:
 * a listing being built has one owner, and a set in the cache is only
 * touched with dc->lock held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dircache_int.h"
#include "path.h"

/* ---- entries ---- */

void dc_ent_free(struct dc_ent *d)
{
	free(d->name);
	free(d->link_target);
	memset(d, 0, sizeof(*d));
}

/* Fill d from e under the given name (link_target copied). */
int dc_ent_from_entry(struct dc_ent *d, const struct ftps_entry *e,
                          const char *name, size_t nlen)
{
	memset(d, 0, sizeof(*d));
	d->name = strndup(name, nlen);
	if (!d->name)
		return -1;
	if (e->link_target && !(d->link_target = strdup(e->link_target))) {
		dc_ent_free(d);
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
int dc_ent_dup(struct dc_ent *d, const struct dc_ent *s, const char *name, size_t nlen)
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
		dc_ent_free(d);
		return -1;
	}
	return 0;
}

/* Show a cached entry as an ftps_entry. link_target points into the cache
 * unless copy_link, when it is a malloc'd copy (-1 when that fails). */
int dc_ent_to_entry(const struct dc_ent *d, struct ftps_entry *e, int copy_link)
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

long dc_set_find(const struct dc_set *s, const char *name, size_t nlen, uint32_t h)
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
int dc_set_put(struct dc_set *s, struct dc_ent *d)
{
	int found;
	size_t i;

	if (s->nslots == 0 || (s->used + 1) * 4 > s->nslots * 3)
		if (set_reindex(s, s->n + 1) != 0)
			return -1;
	i = set_probe(s, d->name, d->nlen, d->hash, &found);
	if (found) {
		struct dc_ent *old = &s->ents[s->slots[i] - 1];
		dc_ent_free(old);
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
int dc_set_del(struct dc_set *s, const char *name, size_t nlen)
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
	dc_ent_free(&s->ents[j]);
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

void dc_set_free(struct dc_set *s)
{
	for (size_t j = 0; j < s->n; j++)
		dc_ent_free(&s->ents[j]);
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
	    dc_ent_from_entry(&d, src, e->name, nlen) != 0) {
		free(take_link);
		l->incomplete = 1;
		return -1;
	}
	d.link_target = take_link ? take_link : d.link_target;
	if (dc_set_put(&l->set, &d) != 0) {
		dc_ent_free(&d);
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

int dc_set_foreach(const struct dc_set *s, ftps_dc_entry_cb cb, void *arg)
{
	struct ftps_entry e;

	for (size_t j = 0; j < s->n; j++) {
		int rc;
		dc_ent_to_entry(&s->ents[j], &e, 0);
		rc = cb(arg, &e);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ftps_dc_listing_foreach(const struct ftps_dc_listing *l, ftps_dc_entry_cb cb, void *arg)
{
	return dc_set_foreach(&l->set, cb, arg);
}

void ftps_dc_listing_free(struct ftps_dc_listing *l)
{
	if (!l)
		return;
	dc_set_free(&l->set);
	free(l);
}
