/* main.c - ftpsfs: mount an FTPS server as a folder.
 *
 * Order matters: options are checked, the password obtained, and the
 * server connected to and logged in to BEFORE anything is mounted or the
 * process goes to the background, so a wrong password, an untrusted
 * certificate or an unreachable host ends with one line on the terminal
 * and nothing mounted.
 */
#include "ops.h"          /* first: it sets FUSE_USE_VERSION */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fuse_lowlevel.h>

#include "probe.h"
#include "kernel.h"
#include "meta.h"
#include "file.h"
#include "upload.h"
#include "leftovers.h"
#include "reader.h"
#include "xattr.h"

static void *housekeeper(void *arg)
{
	struct ftpsfs *fs = arg;

	/* Look often enough that a connection idle for keepalive seconds gets
	 * its NOOP soon after, before a server whose idle limit is a little
	 * above keepalive drops it: every keepalive/4 s, 1 s to 5 s. */
	unsigned ka = fs->opts->keepalive;
	time_t every = ka == 0 || ka / 4 >= 5 ? 5 : ka / 4 < 1 ? 1 : (time_t)(ka / 4);

	pthread_mutex_lock(&fs->hk_mu);
	while (!fs->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += every;
		pthread_cond_timedwait(&fs->hk_cv, &fs->hk_mu, &ts);
		if (fs->stopping)
			break;
		pthread_mutex_unlock(&fs->hk_mu);
		ftps_pool_housekeep(fs->core.pool, (int)fs->opts->keepalive, 600);
		ftps_orphans_sweep(&fs->core.eng, 0);
		ftps_stranded_sweep(&fs->core.eng, 0);
		pthread_mutex_lock(&fs->hk_mu);
	}
	pthread_mutex_unlock(&fs->hk_mu);
	return NULL;
}

/* Log in once, so that a bad password or certificate shows now. */
static int check_server(struct ftps_fs *fs)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;

	if (ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, &st) != FTPS_OK) {
		fprintf(stderr, "ftpsfs: %s\n", st.msg);
		return -1;
	}
	ftps_pool_put(fs->pool, c, FTPS_OK);
	return 0;
}

/* The spool folder holds what is being written, passwords' worth of
 * data: it (and its missing parents) is made with mode 0700, and one that
 * exists must be a real folder (not a symlink), owned by us and closed to
 * others. */
static int make_spool_dir(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);
	struct stat sb;

	if (len == 0 || len >= sizeof(buf) || dir[0] != '/') {
		fprintf(stderr, "ftpsfs: -o spool_dir=%s: give an absolute path\n", dir);
		return -1;
	}
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		goto fail;
	if (lstat(buf, &sb) != 0)
		goto fail;
	if (S_ISLNK(sb.st_mode)) {
		fprintf(stderr, "ftpsfs: the spool folder %s is a symbolic link: give the folder "
		        "itself (-o spool_dir=DIR)\n", dir);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "ftpsfs: the spool folder %s is not a folder (-o spool_dir=DIR)\n", dir);
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		fprintf(stderr, "ftpsfs: the spool folder %s belongs to uid %lu, not to you: use a "
		        "folder of your own (-o spool_dir=DIR)\n", dir, (unsigned long)sb.st_uid);
		return -1;
	}
	if (sb.st_mode & 077) {
		fprintf(stderr, "ftpsfs: the spool folder %s is open to others (mode %04o): "
		        "chmod 700 it, or use another (-o spool_dir=DIR)\n", dir,
		        (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	if (access(buf, W_OK | X_OK) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "ftpsfs: cannot use the spool folder %s: %s (-o spool_dir=DIR)\n", dir,
	        strerror(errno));
	return -1;
}

/* The root must be a folder we can list; its listing primes the cache. */
static int list_root(struct ftps_fs *fs)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;
	ftps_err err;

	if ((err = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, &st)) != FTPS_OK) {
		fprintf(stderr, "ftpsfs: %s\n", st.msg);
		return -1;
	}
	err = ftps_meta_list_root(fs, c, &st);
	ftps_pool_put(fs->pool, c, err);
	if (err != FTPS_OK) {
		fprintf(stderr, "ftpsfs: cannot list the remote folder %s: %s\n", fs->root, st.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts fo;
	struct ftpsfs_opts o;
	struct ftps_config cfg;
	struct ftps_status st = { 0 };
	struct ftpsfs fs;
	struct fuse *fuse = NULL;
	char err[512];
	int rc = 1;
	int engine_started = 0;

	memset(&fs, 0, sizeof(fs));
	memset(&fo, 0, sizeof(fo));
	/* SIGUSR1 is for the statistics thread alone (xattr.h). */
	ftpsfs_xattr_block_signal();
	if (ftpsfs_opts_parse(&args, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		ftpsfs_opts_free(&o);
		fuse_opt_free_args(&args);
		return 1;
	}
	if (o.show_help) {
		ftpsfs_opts_print_help(&args);
		rc = 0;
		goto out;
	}
	if (o.show_version) {
		ftpsfs_opts_print_version(stdout);
		rc = 0;
		goto out;
	}
	ftps_log_set_level(o.loglevel);
	if (ftpsfs_get_password(&o, err, sizeof(err)) != 0 ||
	    (ftps_config_init(&cfg), ftpsfs_opts_to_config(&o, &cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (cfg.security != FTPS_SEC_PLAIN && ftps_tls_new(&cfg, &fs.tls, &st) != FTPS_OK) {
		fprintf(stderr, "ftpsfs: %s\n", st.msg);
		goto out;
	}
	if (o.probe) {
		rc = ftpsfs_probe(&cfg, fs.tls, o.u.path);
		goto out;
	}

	fs.opts = &o;
	ftps_fs_init(&fs.core);
	fs.core.set = (struct ftps_fs_settings){
		.umask = o.umask, .dir_cache = o.dir_cache, .prefetch = o.prefetch,
		.max_conns = o.max_conns, .timeout = o.timeout, .writeback = o.writeback,
		.spool_dir = o.spool_dir,
	};
	fs.core.cfg = &cfg;
	fs.core.root = o.u.path;
	fs.core.uid = o.uid;
	fs.core.gid = o.gid;
	fs.core.stale = ftpsfs_kernel_stale;
	pthread_mutex_init(&fs.hk_mu, NULL);
	pthread_cond_init(&fs.hk_cv, NULL);
	fs.core.pool = ftps_pool_new(&cfg, fs.tls, o.max_conns);
	fs.core.dc = ftps_dircache_new(o.dir_cache, o.dir_cache_max);
	/* Exact times kept beyond the listings: with the caches off
	 * (dir_cache=0) every stat asks, as promised. */
	if (o.dir_cache > 0 && !(fs.core.mt = ftps_mtcache_new(o.dir_cache_max))) {
		fprintf(stderr, "ftpsfs: out of memory\n");
		goto out;
	}
	if (!fs.core.pool || !fs.core.dc) {
		fprintf(stderr, "ftpsfs: out of memory\n");
		goto out;
	}
	ftps_engine_init(&fs.core.eng, &cfg, fs.core.pool, o.atomic, o.verify);
	fs.core.eng.segments = o.segments;
	engine_started = 1;
	ftps_pool_set_reclaim(fs.core.pool, ftps_reader_reclaim, &fs.core.eng);
	/* libfuse checks its own options in fuse_new: before connecting, so
	 * that a typo is reported as such and not after a login. */
	if (fuse_parse_cmdline(&args, &fo) != 0)
		goto out;
	if (!fo.mountpoint) {
		fprintf(stderr, "ftpsfs: no mount point given (ftpsfs [options] URL MOUNTPOINT)\n");
		goto out;
	}
	fuse = fuse_new(&args, &ftpsfs_ops, sizeof(ftpsfs_ops), &fs);
	if (!fuse)
		goto out;
	if (make_spool_dir(o.spool_dir) != 0 || check_server(&fs.core) != 0 ||
	    list_root(&fs.core) != 0) {
		fuse_destroy(fuse);
		fuse = NULL;
		goto out;
	}
	if (fuse_mount(fuse, fo.mountpoint) != 0) {
		fuse_destroy(fuse);
		fuse = NULL;
		goto out;
	}
	if (fuse_daemonize(fo.foreground) != 0)
		goto unmount;
	if (!fo.foreground)
		ftps_log_use_syslog(1);
	if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0)
		goto unmount;
	if (pthread_create(&fs.housekeeper, NULL, housekeeper, &fs) == 0)
		fs.housekeeper_started = 1;
	if (ftpsfs_xattr_start(&fs) != 0)
		ftps_warn("cannot start a thread: checksums are not kept, SIGUSR1 logs nothing");
	if (ftps_meta_ahead_start(&fs.core) != 0)
		ftps_warn("cannot start a thread: folders will not be listed ahead");
	if (ftpsfs_kernel_start(fuse) != 0)
		ftps_warn("cannot start a thread: the kernel may show the size of a failed "
		          "upload until its attributes time out");
	ftps_info("mounted %s on %s", o.url, fo.mountpoint);
	ftps_spool_report(o.spool_dir);

	if (fo.singlethread) {
		rc = fuse_loop(fuse) == 0 ? 0 : 1;
	} else {
		/* Threads: a program's request that waits for a connection
		 * (readers queue when they outnumber them) holds its thread, and
		 * the reader that holds the connection needs a free one for its
		 * next read; libfuse's default of 10 ran out with 16 readers. */
		struct fuse_loop_config *lc = fuse_loop_cfg_create();
		if (!lc) {
			fprintf(stderr, "ftpsfs: out of memory\n");
			rc = 1;
		} else {
			fuse_loop_cfg_set_clone_fd(lc, (unsigned)fo.clone_fd);
			fuse_loop_cfg_set_idle_threads(lc, fo.max_idle_threads == UINT_MAX
			                                   ? 10 : fo.max_idle_threads);
			fuse_loop_cfg_set_max_threads(lc, FTPSFS_MAX_THREADS);
			rc = fuse_loop_mt(fuse, lc) == 0 ? 0 : 1;
			fuse_loop_cfg_destroy(lc);
		}
	}
	fuse_remove_signal_handlers(fuse_get_session(fuse));
unmount:
	ftpsfs_kernel_stop();
	fuse_unmount(fuse);
	fuse_destroy(fuse);
	fuse = NULL;
	ftpsfs_xattr_stop(&fs);
	if (fs.housekeeper_started) {
		pthread_mutex_lock(&fs.hk_mu);
		fs.stopping = 1;
		pthread_cond_signal(&fs.hk_cv);
		pthread_mutex_unlock(&fs.hk_mu);
		pthread_join(fs.housekeeper, NULL);
	}
out:
	if (engine_started)
		ftps_engine_destroy(&fs.core.eng);
	free(fo.mountpoint);
	ftps_meta_ahead_free(&fs.core);
	ftps_pool_free(fs.core.pool);
	ftps_dircache_free(fs.core.dc);
	ftps_mtcache_free(fs.core.mt);
	ftps_tls_free(fs.tls);
	ftpsfs_opts_free(&o);
	fuse_opt_free_args(&args);
	return rc;
}
