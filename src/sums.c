/* sums.c - checksums kept per version of a file, and a mount's statistics
 * at one moment (see sums.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sums.h"
#include "file.h"
#include "meta.h"

#define SUMS_MAX 256            /* checksums kept */

/* One checksum of one version of a file. */
struct sum {
	char *path;                     /* on the server; NULL: a free slot */
	enum ftps_hash_algo algo;
	uint64_t size;
	int64_t mtime;
	char hex[FTPS_SUM_HEX_MAX];
};

struct ftps_sums {
	pthread_mutex_t mu;             /* protects sums and next */
	struct sum sums[SUMS_MAX];
	unsigned next;                  /* the slot to reuse next */
};

struct ftps_sums *ftps_sums_new(void)
{
	struct ftps_sums *s = calloc(1, sizeof(*s));

	if (s)
		pthread_mutex_init(&s->mu, NULL);
	return s;
}

void ftps_sums_free(struct ftps_sums *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < SUMS_MAX; i++)
		free(s->sums[i].path);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int sum_cached(struct ftps_sums *x, const char *remote, enum ftps_hash_algo algo,
                      const struct ftps_entry *e, char *hex)
{
	int found = 0;

	if (!x)
		return 0;
	pthread_mutex_lock(&x->mu);
	for (unsigned i = 0; i < SUMS_MAX && !found; i++) {
		const struct sum *s = &x->sums[i];
		if (s->path && s->algo == algo && s->size == e->size && s->mtime == e->mtime &&
		    strcmp(s->path, remote) == 0) {
			memcpy(hex, s->hex, FTPS_SUM_HEX_MAX);
			found = 1;
		}
	}
	pthread_mutex_unlock(&x->mu);
	return found;
}

static void sum_keep(struct ftps_sums *x, const char *remote, enum ftps_hash_algo algo,
                     const struct ftps_entry *e, const char *hex)
{
	char *copy = x ? strdup(remote) : NULL;
	struct sum *s;

	if (!copy)
		return;
	pthread_mutex_lock(&x->mu);
	/* Another version of the same file, or the oldest slot. */
	for (s = x->sums; s < x->sums + SUMS_MAX; s++)
		if (s->path && s->algo == algo && strcmp(s->path, remote) == 0)
			break;
	if (s == x->sums + SUMS_MAX) {
		s = &x->sums[x->next];
		x->next = (x->next + 1) % SUMS_MAX;
	}
	free(s->path);
	s->path = copy;
	s->algo = algo;
	s->size = e->size;
	s->mtime = e->mtime;
	snprintf(s->hex, sizeof(s->hex), "%s", hex);
	pthread_mutex_unlock(&x->mu);
}

struct hash_args {
	const char *remote;
	enum ftps_hash_algo algo;
	char *hex;
};

static ftps_err hash_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct hash_args *a = arg;

	return ftps_hash_with(c, a->remote, a->algo, a->hex, FTPS_SUM_HEX_MAX, st);
}

int ftps_sums_get(struct ftps_fs *fs, struct ftps_sums *sums, const char *path,
                  enum ftps_hash_algo algo, char hex[FTPS_SUM_HEX_MAX])
{
	struct ftps_status st = { 0 };
	struct hash_args a = { .algo = algo, .hex = hex };
	char remote[FTPS_MAX_PATH];
	struct ftps_entry e;
	struct stat sb;
	ftps_err err;
	int rc;

	if (!(ftps_stats_hash_algos(ftps_pool_stats(fs->pool)) & (1u << algo)))
		return -ENODATA;        /* the server offers no such hash */
	if ((rc = ftps_fs_remote(fs, path, remote, sizeof(remote))) < 0 ||
	    (rc = ftps_meta_getattr(fs, path, &e)) < 0)
		return rc;
	rc = e.type == FTPS_FT_FILE ? 0 : -ENODATA;     /* a folder or a link has none */
	ftps_entry_clear(&e);
	if (rc < 0)
		return rc;
	/* The server has another version than the one being written here. */
	if (ftps_file_stat_open(fs, path, &sb))
		return -EBUSY;
	if (sum_cached(sums, remote, algo, &e, hex))
		return 0;
	a.remote = remote;
	err = ftps_fs_with_conn(fs, hash_fn, &a, 1, NULL, &st);
	if (err == FTPS_E_NOTSUP)
		return -ENODATA;
	if (err != FTPS_OK)
		return ftps_err_report(err, &st, "checksum", remote);
	sum_keep(sums, remote, algo, &e, hex);
	return 0;
}

/* ---- the statistics ---- */

static ftps_err syst_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	return ftps_syst(c, arg, FTPS_STATS_TEXT, st);
}

static void learn_syst(struct ftps_fs *fs)
{
	struct ftps_stats *s = ftps_pool_stats(fs->pool);
	struct ftps_status st = { 0 };
	char text[FTPS_STATS_TEXT];
	ftps_err e;

	if (ftps_stats_has_syst(s))
		return;
	e = ftps_fs_with_conn(fs, syst_fn, text, 1, NULL, &st);
	if (e == FTPS_OK)
		ftps_stats_set_syst(s, text);
	else if (ftps_err_class(e) == FTPS_CLASS_REFUSED)
		ftps_stats_set_syst(s, "unknown (SYST refused)");
	else
		ftps_debug("SYST: %s", st.msg);     /* asked again next time */
}

void ftps_fs_stats(struct ftps_fs *fs, int system, int kept, struct ftps_stats_view *v)
{
	if (system)
		learn_syst(fs);
	ftps_pool_stats_read(fs->pool, v);
	v->uploads_pending = ftps_files_pending(fs);
	if (kept)
		v->spool_kept = ftps_spool_kept(fs->set.spool_dir, NULL, 0);
}
