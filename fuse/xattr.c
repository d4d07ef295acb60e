/* xattr.c - the statistics and checksums as extended attributes, and the
 * statistics in the log on SIGUSR1 (see xattr.h). The numbers and the
 * checksums are the core's (src/sums.h); this file only maps them onto
 * attribute names.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xattr.h"
#include "meta.h"
#include "sums.h"

/* A statistic changes between the two calls of a getxattr (the size,
 * then the value): the first answer leaves room for it to grow. */
#define STATS_SLACK 32

struct ftpsfs_xattrs {
	struct ftps_sums *sums;         /* NULL: none kept */
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

/* user.ftpsfs.all: every statistic, "NAME: VALUE" a line each, as
 * SIGUSR1 logs them. */
static int stats_all(struct ftpsfs *fs, char *value, size_t size)
{
	struct ftps_stats_view v;
	char buf[FTPS_STATS_TEXT * 2];
	char *all;
	size_t len = 0, cap = 4096;
	const char *name;
	int n, rc;

	if (!(all = malloc(cap)))
		return -ENOMEM;
	ftps_fs_stats(&fs->core, 1, 1, &v);
	for (size_t i = 0; (name = ftps_stats_name(i)) != NULL; i++) {
		if ((n = ftps_stats_value(&v, name, buf, sizeof(buf))) < 0)
			continue;
		size_t need = strlen(name) + 2 + (size_t)n + 1;     /* and snprintf's NUL */
		if (len + need + 1 > cap) {
			char *more = realloc(all, cap = 2 * (len + need));
			if (!more) {
				free(all);
				return -ENOMEM;
			}
			all = more;
		}
		len += (size_t)snprintf(all + len, cap - len, "%s: %s\n", name, buf);
	}
	/* Room, between the two calls of a getxattr, for counters to grow and
	 * for the first error to replace "none". */
	rc = give(all, len, value, size, 2 * FTPS_STATS_TEXT + 8 * STATS_SLACK);
	free(all);
	return rc;
}

static int stats_get(struct ftpsfs *fs, const char *stat, char *value, size_t size)
{
	struct ftps_stats_view v;
	char buf[FTPS_STATS_TEXT * 2];
	int n;

	if (strcmp(stat, "all") == 0)
		return stats_all(fs, value, size);
	ftps_fs_stats(&fs->core, strcmp(stat, "system") == 0, strcmp(stat, "spool_kept") == 0, &v);
	if ((n = ftps_stats_value(&v, stat, buf, sizeof(buf))) < 0)
		return -ENODATA;
	return give(buf, (size_t)n, value, size, STATS_SLACK);
}

void ftpsfs_stats_log(struct ftpsfs *fs)
{
	struct ftps_stats_view v;
	char buf[FTPS_STATS_TEXT * 2];
	const char *name;

	ftps_fs_stats(&fs->core, 1, 1, &v);
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

static int sum_get(struct ftpsfs *fs, const char *path, enum ftps_hash_algo algo, char *value,
                   size_t size)
{
	char hex[FTPS_SUM_HEX_MAX];
	int rc = ftps_sums_get(&fs->core, fs->xattrs ? fs->xattrs->sums : NULL, path, algo, hex);

	return rc < 0 ? rc : give(hex, strlen(hex), value, size, 0);
}

/* ---- the operations ---- */

/* A name in a namespace we have no attributes in at all (xattr.h). */
static int unsupported(const char *name)
{
	return strncmp(name, "user.", 5) != 0;
}

int ftpsfs_xattr_get(struct ftpsfs *fs, const char *path, const char *name, char *value,
                     size_t size)
{
	enum ftps_hash_algo algo;

	if (unsupported(name))
		return -ENOTSUP;

	if (is_root(path) && strncmp(name, FTPSFS_XATTR_STATS, strlen(FTPSFS_XATTR_STATS)) == 0)
		return stats_get(fs, name + strlen(FTPSFS_XATTR_STATS), value, size);
	if ((algo = sum_algo(name)) != FTPS_HASH_NONE)
		return sum_get(fs, path, algo, value, size);
	return -ENODATA;
}

int ftpsfs_xattr_ours(struct ftpsfs *fs, const char *path, const char *name)
{
	if (is_root(path) && strncmp(name, FTPSFS_XATTR_STATS, strlen(FTPSFS_XATTR_STATS)) == 0) {
		const char *stat = name + strlen(FTPSFS_XATTR_STATS), *n;
		if (strcmp(stat, "all") == 0)
			return 1;
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
	atomic_init(&x->stopping, 0);
	x->sums = ftps_sums_new();
	fs->xattrs = x;
	if (!x->sums || pthread_create(&x->reporter, NULL, reporter, fs) != 0) {
		fs->xattrs = NULL;
		ftps_sums_free(x->sums);
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
	ftps_sums_free(x->sums);
	free(x);
}
