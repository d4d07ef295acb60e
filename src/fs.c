/* fs.c - what the layers over one server share (see fs.h). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "path.h"
#include "retry.h"
#include "sock.h"

void ftps_fs_init(struct ftps_fs *fs)
{
	pthread_mutex_init(&fs->mdtm_mu, NULL);
	pthread_cond_init(&fs->mdtm_cv, NULL);
	fs->root_mtime = time(NULL);
}

void ftps_fs_stale(const struct ftps_fs *fs, const char *path)
{
	if (fs->stale)
		fs->stale(path);
}

int ftps_fs_remote(const struct ftps_fs *fs, const char *path, char *buf, size_t len)
{
	if (ftps_path_join(fs->root, path, buf, len) != 0)
		return strlen(fs->root) + strlen(path) + 1 >= len ? -ENAMETOOLONG : -EINVAL;
	return 0;
}

int ftps_fs_check_path(const struct ftps_fs *fs, const char *path)
{
	char remote[FTPS_MAX_PATH];
	const char *p = path;

	if (!path)
		return -ENOENT;     /* an open file no longer reachable by name */
	/* Each component as a local filesystem would judge it: longer than
	 * FTPS_MAX_NAME (NAME_MAX) is ENAMETOOLONG. */
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n > FTPS_MAX_NAME)
			return -ENAMETOOLONG;
		p += n;
		p += strspn(p, "/");
	}
	return ftps_fs_remote(fs, path, remote, sizeof(remote));
}

ftps_err ftps_fs_with_conn(struct ftps_fs *fs, ftps_fs_conn_fn fn, void *arg, int idempotent,
                           struct ftps_retry *budget, struct ftps_status *st)
{
	struct ftps_retry own;
	ftps_err e;
	int pause;

	if (!budget) {
		ftps_retry_init(&own, 0, 1);    /* once more, at once */
		budget = &own;
	}
	for (;;) {
		struct ftps_conn *c;

		st->unsure = 0;
		e = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, st);
		if (e != FTPS_OK)
			return e;
		e = fn(c, arg, st);
		ftps_pool_put(fs->pool, c, e);
		/* A timeout is not tried again: the server is slow or hung, and
		 * another try would cost the program another whole timeout. */
		if (ftps_err_class(e) != FTPS_CLASS_LOST || e == FTPS_E_TIMEOUT ||
		    (st->unsure && !idempotent) || !ftps_retry_next(budget, ftps_now_ms(), &pause))
			break;
		ftps_stats_add(ftps_pool_stats(fs->pool), FTPS_CTR_RETRIES, 1);
		ftps_debug("retrying on a new connection: %s", st->msg);
		ftps_retry_pause(pause);
	}
	return e;
}
