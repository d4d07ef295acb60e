/* pathtab.c - a table of server paths with a use order (see pathtab.h).
 *
 * Operations on a subtree walk the whole list when something may lie
 * below the folder (rmdir, renaming a folder: rare); the slot counts of
 * `below` answer "nothing" without a walk for the common case, a file.
 * An index per folder would cost memory on every node.
 */
#include <stdlib.h>
#include <string.h>
#include "ftps_limits.h"
#include "pathtab.h"

int ftps_pt_init(struct ftps_pathtab *t, size_t buckets, size_t max,
                 ftps_pt_drop_fn drop, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->b = calloc(buckets, sizeof(*t->b));
	if (!t->b)
		return -1;
	t->below = calloc(buckets, sizeof(*t->below));   /* NULL: walks always */
	t->nb = buckets;
	t->max = max;
	t->drop = drop;
	t->arg = arg;
	return 0;
}

void ftps_pt_clear(struct ftps_pathtab *t)
{
	while (t->front)
		ftps_pt_remove(t, t->front);
}

void ftps_pt_fini(struct ftps_pathtab *t)
{
	ftps_pt_clear(t);
	free(t->b);
	free(t->below);
	t->b = NULL;
	t->below = NULL;
	t->nb = 0;
}

/* ---- the chains ---- */

static struct ftps_pt_node **bucket(const struct ftps_pathtab *t, uint32_t h)
{
	return &t->b[h & (t->nb - 1)];
}

static struct ftps_pt_node *find(const struct ftps_pathtab *t, const char *p, size_t len,
                                 uint32_t h)
{
	for (struct ftps_pt_node *n = *bucket(t, h); n; n = n->hnext)
		if (n->hash == h && n->plen == len && memcmp(n->path, p, len) == 0)
			return n;
	return NULL;
}

struct ftps_pt_node *ftps_pt_find(const struct ftps_pathtab *t, const char *p, size_t len)
{
	return find(t, p, len, ftps_path_hash(p, len));
}

static void chain_link(struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	struct ftps_pt_node **slot = bucket(t, n->hash);

	n->hnext = *slot;
	*slot = n;
}

static void chain_unlink(struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	struct ftps_pt_node **pp = bucket(t, n->hash);

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	n->hnext = NULL;
}

/* ---- what lies below a folder ---- */

static uint32_t *slot_of(const struct ftps_pathtab *t, const char *dir, size_t dlen)
{
	return &t->below[ftps_path_hash(dir, dlen) & (t->nb - 1)];
}

/* Count path (len bytes) in (by +1) or out of (by -1) the slots of each
 * folder it lies below: "/", then "/a" and "/a/b" for "/a/b/c". One pass:
 * h is the hash of path's first i bytes, the folder when path[i] is '/'
 * (hashing each prefix afresh made a deep path cost its length squared). */
static void count_below(struct ftps_pathtab *t, const char *path, size_t len, int by)
{
	uint32_t mask = (uint32_t)(t->nb - 1), h;

	if (!t->below || len <= 1)
		return;
	h = ftps_path_hash(path, 1);            /* "/" */
	t->below[h & mask] += (uint32_t)by;
	for (size_t i = 1; i < len; i++) {
		if (path[i] == '/')
			t->below[h & mask] += (uint32_t)by;
		h = ftps_path_hash_more(h, path + i, 1);
	}
}

/* 1 when some node may lie below dir, 0 when none does. */
static int maybe_below(const struct ftps_pathtab *t, const char *dir, size_t dlen)
{
	return !t->below || *slot_of(t, dir, dlen) != 0;
}

/* Double the buckets; when out of memory the chains just grow longer. */
static void grow(struct ftps_pathtab *t)
{
	struct ftps_pathtab old = *t;

	t->b = calloc(old.nb * 2, sizeof(*t->b));
	if (!t->b) {
		t->b = old.b;
		return;
	}
	t->nb = old.nb * 2;
	for (size_t i = 0; i < old.nb; i++) {
		struct ftps_pt_node *n = old.b[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			chain_link(t, n);
		}
	}
	free(old.b);
	/* The slots follow the buckets' size; counted again from the list.
	 * Out of memory, the table walks for every subtree until a later
	 * growth finds the memory. */
	free(old.below);
	t->below = calloc(t->nb, sizeof(*t->below));
	for (struct ftps_pt_node *n = t->front; t->below && n; n = n->older)
		count_below(t, n->path, n->plen, +1);
}

/* ---- the list ---- */

static void list_unlink(struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	if (n->newer)
		n->newer->older = n->older;
	else
		t->front = n->older;
	if (n->older)
		n->older->newer = n->newer;
	else
		t->back = n->newer;
	n->newer = n->older = NULL;
}

static void list_push_front(struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	n->newer = NULL;
	n->older = t->front;
	if (t->front)
		t->front->newer = n;
	else
		t->back = n;
	t->front = n;
}

void ftps_pt_touch(struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	if (t->front != n) {
		list_unlink(t, n);
		list_push_front(t, n);
	}
}

/* ---- nodes in and out ---- */

int ftps_pt_insert(struct ftps_pathtab *t, struct ftps_pt_node *n, const char *p, size_t len)
{
	char *copy = strndup(p, len);

	if (!copy)
		return -1;
	n->path = copy;
	n->plen = len;
	n->hash = ftps_path_hash(p, len);
	if (t->n >= t->nb)
		grow(t);
	chain_link(t, n);
	list_push_front(t, n);
	t->n++;
	count_below(t, n->path, n->plen, +1);
	return 0;
}

void ftps_pt_remove(struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	char *path = n->path;

	count_below(t, n->path, n->plen, -1);
	chain_unlink(t, n);
	list_unlink(t, n);
	t->n--;
	if (t->drop)
		t->drop(t->arg, n);
	free(path);
}

int ftps_pt_evict_oldest(struct ftps_pathtab *t, const struct ftps_pt_node *keep)
{
	struct ftps_pt_node *n = t->back;

	if (n && n == keep)
		n = n->newer;
	if (!n)
		return 0;
	ftps_pt_remove(t, n);
	return 1;
}

size_t ftps_pt_evict(struct ftps_pathtab *t, const struct ftps_pt_node *keep)
{
	size_t gone = 0;

	while (t->n > t->max && ftps_pt_evict_oldest(t, keep))
		gone++;
	return gone;
}

/* ---- subtrees ---- */

void ftps_pt_foreach_under(struct ftps_pathtab *t, const char *dir, size_t dlen,
                           unsigned how, ftps_pt_visit_fn fn, void *arg)
{
	struct ftps_pt_node *n, *next;

	if (!maybe_below(t, dir, dlen)) {
		if ((how & FTPS_PATH_SAME) && (n = ftps_pt_find(t, dir, dlen)) != NULL)
			fn(arg, t, n);
		return;
	}
	for (n = t->back; n; n = next) {
		next = n->newer;
		t->walked++;
		if (ftps_path_within(n->path, n->plen, dir, dlen) & how)
			fn(arg, t, n);
	}
}

static void visit_remove(void *arg, struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	(void)arg;
	ftps_pt_remove(t, n);
}

void ftps_pt_remove_under(struct ftps_pathtab *t, const char *dir, size_t dlen,
                          unsigned how)
{
	struct ftps_pt_node *n;

	if (how == FTPS_PATH_SAME) {
		if ((n = ftps_pt_find(t, dir, dlen)) != NULL)
			ftps_pt_remove(t, n);
		return;
	}
	ftps_pt_foreach_under(t, dir, dlen, how, visit_remove, NULL);
}

struct rename_arg {
	size_t flen, tlen;
	const char *to;
};

/* Give n the path `to` + what follows the first flen bytes of its own. */
static void visit_rename(void *arg, struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	const struct rename_arg *r = arg;
	size_t rest = n->plen - r->flen, len = r->tlen + rest;
	char *p;

	if (len >= FTPS_MAX_PATH || !(p = malloc(len + 1))) {
		ftps_pt_remove(t, n);
		return;
	}
	memcpy(p, r->to, r->tlen);
	memcpy(p + r->tlen, n->path + r->flen, rest);
	p[len] = '\0';
	count_below(t, n->path, n->plen, -1);
	count_below(t, p, len, +1);
	chain_unlink(t, n);
	free(n->path);
	n->path = p;
	n->plen = len;
	n->hash = ftps_path_hash(p, len);
	chain_link(t, n);
}

void ftps_pt_rename(struct ftps_pathtab *t, const char *from, size_t flen,
                    const char *to, size_t tlen, unsigned how)
{
	struct rename_arg r = { flen, tlen, to };
	struct ftps_pt_node *n;

	if (ftps_path_within(to, tlen, from, flen) == FTPS_PATH_SAME)
		return;
	ftps_pt_remove_under(t, to, tlen, how);
	if ((ftps_path_within(to, tlen, from, flen) & how) ||
	    (ftps_path_within(from, flen, to, tlen) & how))
		ftps_pt_remove_under(t, from, flen, how);      /* not a real rename */
	else if (how == FTPS_PATH_SAME && (n = ftps_pt_find(t, from, flen)) != NULL)
		visit_rename(&r, t, n);
	else if (how != FTPS_PATH_SAME)
		ftps_pt_foreach_under(t, from, flen, how, visit_rename, &r);
}

/* ---- self-check ---- */

/* The slot counts, counted again from the list. */
static int check_below(const struct ftps_pathtab *t)
{
	struct ftps_pathtab copy = *t;
	int bad;

	copy.below = calloc(t->nb, sizeof(*copy.below));
	if (!copy.below)
		return -1;
	for (const struct ftps_pt_node *n = t->front; n; n = n->older)
		count_below(&copy, n->path, n->plen, +1);
	bad = memcmp(copy.below, t->below, t->nb * sizeof(*t->below)) != 0;
	free(copy.below);
	return bad ? -1 : 0;
}

int ftps_pt_check(const struct ftps_pathtab *t)
{
	const struct ftps_pt_node *n, *newer = NULL;
	size_t count = 0, chained = 0;

	for (n = t->front; n; newer = n, n = n->older) {
		if (n->newer != newer || ++count > t->n)
			return -1;
		if (strlen(n->path) != n->plen || ftps_path_hash(n->path, n->plen) != n->hash ||
		    find(t, n->path, n->plen, n->hash) != n)
			return -1;
	}
	if (newer != t->back || count != t->n)
		return -1;
	for (size_t i = 0; i < t->nb; i++)
		for (n = t->b[i]; n; n = n->hnext)
			if (bucket(t, n->hash) != &t->b[i] || ++chained > t->n)
				return -1;
	if (chained != t->n)
		return -1;
	return t->below ? check_below(t) : 0;
}
