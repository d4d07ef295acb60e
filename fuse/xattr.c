/* xattr.c - the statistics and checksums as extended attributes, and the
 * statistics in the log on SIGUSR1 (see xattr.h). The numbers are the
 * core's (src/stats.h); this file only maps them.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xattr.h"
#include "file.h"
#include "meta.h"

#define SUMS_MAX 256            /* checksums kept */
#define HEX_MAX 160             /* a SHA-512 in hex is 128 digits */
/* A statistic changes between the two calls of a getxattr (the size,
 * then the value): the first answer leaves room for it to grow. */
#define STATS_SLACK 32

/* One checksum of one version of a file. */
struct sum {
	char *path;                     /* on the server; NULL: a free slot */
	enum ftps_hash_algo algo;
	uint64_t size;
	int64_t mtime;
	char hex[HEX_MAX];
};

struct ftpsfs_xattrs {
	pthread_mutex_t mu;             /* protects sums and next */
	struct sum sums[SUMS_MAX];
	unsigned next;                  /* the slot to reuse next */
	pthread_t reporter;
	atomic_int stopping;
};

/* The names after "user.checksum.", and what they ask for. */
static const struct {
	const char *name;
	enum ftps_hash_algo algo;
} sum_names[] = {
	{ "crc32", FTPS_HASH_CRC32 },
	{ "md5", FTPS_HASH_MD5 },
	{ "sha1", FTPS_HASH_SHA1 },
	{ "sha256", FTPS_HASH_SHA256 },
	{ "sha512", FTPS_HASH_SHA512 },
};
#define NSUM (sizeof(sum_names) / sizeof(sum_names[0]))

static int is_root(const char *path)
{
	return path && strcmp(path, "/") == 0;
}

/* What getxattr returns for a value of len bytes: its length, copied
 * when there is room; room asks for slack more than it needs now. */
static int give(const char *val, size_t len, char *out, size_t size, size_t slack)
{
	if (len > 65536)
		return -E2BIG;
	if (size == 0)
		return (int)(len + slack);
	if (size < len)
		return -ERANGE;
	memcpy(out, val, len);
	return (int)len;
}

/* ---- the statistics ---- */

/* SYST, once, the first time someone looks (not at mount: it would cost
 * every mount a round trip for something rarely read). */
static ftps_err syst_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	return ftps_syst(c, arg, FTPS_STATS_TEXT, st);
}

static void learn_syst(struct ftpsfs *fs)
{
	struct ftps_stats *s = ftps_pool_stats(fs->core.pool);
	struct ftps_status st = { 0 };
	char text[FTPS_STATS_TEXT];
	ftps_err e;

	if (ftps_stats_has_syst(s))
		return;
	e = ftps_fs_with_conn(&fs->core, syst_fn, text, 1, NULL, &st);
	if (e == FTPS_OK)
		ftps_stats_set_syst(s, text);
	else if (ftps_err_class(e) == FTPS_CLASS_REFUSED)
		ftps_stats_set_syst(s, "unknown (SYST refused)");
	else
		ftps_debug("SYST: %s", st.msg);     /* asked again next time */
}

/* Every statistic now; the spool is looked at only when kept is set. */
static void stats_view(struct ftpsfs *fs, struct ftps_stats_view *v, int kept)
{
	ftps_pool_stats_read(fs->core.pool, v);
	v->uploads_pending = ftps_files_pending(&fs->core);
	if (kept)
		v->spool_kept = ftps_spool_kept(fs->opts->spool_dir, NULL, 0);
}

static int stats_get(struct ftpsfs *fs, const char *stat, char *value, size_t size)
{
	struct ftps_stats_view v;
	char buf[FTPS_STATS_TEXT * 2];
	int n;

	if (strcmp(stat, "system") == 0)
		learn_syst(fs);
	stats_view(fs, &v, strcmp(stat, "spool_kept") == 0);
	if ((n = ftps_stats_value(&v, stat, buf, sizeof(buf))) < 0)
		return -ENODATA;
	return give(buf, (size_t)n, value, size, STATS_SLACK);
}

void ftpsfs_stats_log(struct ftpsfs *fs)
{
	struct ftps_stats_view v;
	char buf[FTPS_STATS_TEXT * 2];
	const char *name;

	learn_syst(fs);
	stats_view(fs, &v, 1);
	for (size_t i = 0; (name = ftps_stats_name(i)) != NULL; i++)
		if (ftps_stats_value(&v, name, buf, sizeof(buf)) >= 0)
			ftps_log_always(FTPS_LOG_INFO, "stats: %s: %s", name, buf);
}

/* ---- checksums ---- */

static enum ftps_hash_algo sum_algo(const char *name)
{
	if (strncmp(name, FTPSFS_XATTR_SUM, strlen(FTPSFS_XATTR_SUM)) != 0)
		return FTPS_HASH_NONE;
	name += strlen(FTPSFS_XATTR_SUM);
	for (size_t i = 0; i < NSUM; i++)
		if (strcmp(name, sum_names[i].name) == 0)
			return sum_names[i].algo;
	return FTPS_HASH_NONE;
}

static int sum_cached(struct ftpsfs *fs, const char *remote, enum ftps_hash_algo algo,
                      const struct ftps_entry *e, char *hex)
{
	struct ftpsfs_xattrs *x = fs->xattrs;
	int found = 0;

	if (!x)
		return 0;
	pthread_mutex_lock(&x->mu);
	for (unsigned i = 0; i < SUMS_MAX && !found; i++) {
		const struct sum *s = &x->sums[i];
		if (s->path && s->algo == algo && s->size == e->size && s->mtime == e->mtime &&
		    strcmp(s->path, remote) == 0) {
			memcpy(hex, s->hex, HEX_MAX);
			found = 1;
		}
	}
	pthread_mutex_unlock(&x->mu);
	return found;
}

static void sum_keep(struct ftpsfs *fs, const char *remote, enum ftps_hash_algo algo,
                     const struct ftps_entry *e, const char *hex)
{
	struct ftpsfs_xattrs *x = fs->xattrs;
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
	char hex[HEX_MAX];
};

static ftps_err hash_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct hash_args *a = arg;

	return ftps_hash_with(c, a->remote, a->algo, a->hex, sizeof(a->hex), st);
}

static int sum_get(struct ftpsfs *fs, const char *path, enum ftps_hash_algo algo, char *value,
                   size_t size)
{
	struct ftps_status st = { 0 };
	struct hash_args a = { .algo = algo };
	char remote[FTPS_MAX_PATH];
	struct ftps_entry e;
	struct stat sb;
	ftps_err err;
	int rc;

	if (!(ftps_stats_hash_algos(ftps_pool_stats(fs->core.pool)) & (1u << algo)))
		return -ENODATA;        /* the server offers no such hash */
	if ((rc = ftps_fs_remote(&fs->core, path, remote, sizeof(remote))) < 0 ||
	    (rc = ftps_meta_getattr(&fs->core, path, &e)) < 0)
		return rc;
	rc = e.type == FTPS_FT_FILE ? 0 : -ENODATA;     /* a folder or a link has none */
	ftps_entry_clear(&e);
	if (rc < 0)
		return rc;
	/* The server has another version than the one being written here. */
	if (ftps_file_stat_open(&fs->core, path, &sb))
		return -EBUSY;
	if (sum_cached(fs, remote, algo, &e, a.hex))
		return give(a.hex, strlen(a.hex), value, size, 0);
	a.remote = remote;
	err = ftps_fs_with_conn(&fs->core, hash_fn, &a, 1, NULL, &st);
	if (err == FTPS_E_NOTSUP)
		return -ENODATA;
	if (err != FTPS_OK)
		return ftps_err_report(err, &st, "checksum", remote);
	sum_keep(fs, remote, algo, &e, a.hex);
	return give(a.hex, strlen(a.hex), value, size, 0);
}

/* ---- the operations ---- */

int ftpsfs_xattr_get(struct ftpsfs *fs, const char *path, const char *name, char *value,
                     size_t size)
{
	enum ftps_hash_algo algo;

	if (is_root(path) && strncmp(name, FTPSFS_XATTR_STATS, strlen(FTPSFS_XATTR_STATS)) == 0)
		return stats_get(fs, name + strlen(FTPSFS_XATTR_STATS), value, size);
	if ((algo = sum_algo(name)) != FTPS_HASH_NONE)
		return sum_get(fs, path, algo, value, size);
	return -ENODATA;
}

/* Append name and its NUL to the list (or count it, with no list). */
static int list_add(char *list, size_t size, size_t *off, const char *prefix, const char *name)
{
	size_t n = strlen(prefix) + strlen(name) + 1;

	if (size > 0) {
		if (*off + n > size)
			return -ERANGE;
		snprintf(list + *off, n, "%s%s", prefix, name);
	}
	*off += n;
	return 0;
}

int ftpsfs_xattr_list(struct ftpsfs *fs, const char *path, char *list, size_t size)
{
	size_t off = 0;
	const char *name;
	int rc = 0;

	if (is_root(path)) {
		for (size_t i = 0; rc == 0 && (name = ftps_stats_name(i)) != NULL; i++)
			rc = list_add(list, size, &off, FTPSFS_XATTR_STATS, name);
		return rc < 0 ? rc : (int)off;
	}
	if (!ftps_meta_known_file(&fs->core, path)) {
		struct ftps_entry e;
		if ((rc = ftps_meta_getattr(&fs->core, path, &e)) < 0)
			return rc;
		rc = e.type == FTPS_FT_FILE;
		ftps_entry_clear(&e);
		if (!rc)
			return 0;
		rc = 0;
	}
	unsigned algos = ftps_stats_hash_algos(ftps_pool_stats(fs->core.pool));
	for (size_t i = 0; rc == 0 && i < NSUM; i++)
		if (algos & (1u << sum_names[i].algo))
			rc = list_add(list, size, &off, FTPSFS_XATTR_SUM, sum_names[i].name);
	return rc < 0 ? rc : (int)off;
}

int ftpsfs_xattr_ours(struct ftpsfs *fs, const char *path, const char *name)
{
	if (is_root(path) && strncmp(name, FTPSFS_XATTR_STATS, strlen(FTPSFS_XATTR_STATS)) == 0) {
		const char *stat = name + strlen(FTPSFS_XATTR_STATS), *n;
		for (size_t i = 0; (n = ftps_stats_name(i)) != NULL; i++)
			if (strcmp(n, stat) == 0)
				return 1;
		return 0;
	}
	return sum_algo(name) != FTPS_HASH_NONE && !is_root(path) &&
	       (ftps_stats_hash_algos(ftps_pool_stats(fs->core.pool)) & (1u << sum_algo(name)));
}

/* ---- SIGUSR1 ---- */

void ftpsfs_xattr_block_signal(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *reporter(void *arg)
{
	struct ftpsfs *fs = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (!atomic_load(&fs->xattrs->stopping)) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0 || atomic_load(&fs->xattrs->stopping))
			break;
		ftpsfs_stats_log(fs);
	}
	return NULL;
}

int ftpsfs_xattr_start(struct ftpsfs *fs)
{
	struct ftpsfs_xattrs *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	pthread_mutex_init(&x->mu, NULL);
	atomic_init(&x->stopping, 0);
	fs->xattrs = x;
	if (pthread_create(&x->reporter, NULL, reporter, fs) != 0) {
		fs->xattrs = NULL;
		pthread_mutex_destroy(&x->mu);
		free(x);
		return -1;
	}
	return 0;
}

void ftpsfs_xattr_stop(struct ftpsfs *fs)
{
	struct ftpsfs_xattrs *x = fs->xattrs;

	if (!x)
		return;
	atomic_store(&x->stopping, 1);
	pthread_kill(x->reporter, SIGUSR1);
	pthread_join(x->reporter, NULL);
	fs->xattrs = NULL;
	for (unsigned i = 0; i < SUMS_MAX; i++)
		free(x->sums[i].path);
	pthread_mutex_destroy(&x->mu);
	free(x);
}
