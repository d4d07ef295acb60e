/* ops.c - the FUSE operations: each maps one call of the kernel onto the
 * daemon (see mount.h for the layout): paths are checked here, then the
 * metadata layer, the open files or the namespace changes do the work.
 * Nothing here talks to the server or parses FTP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "ops.h"
#include "meta.h"
#include "names.h"
#include "file.h"
#include "upload.h"
#include "leftovers.h"
#include "xattr.h"

static struct ftpsfs *get_mount(void)
{
	return fuse_get_context()->private_data;
}

/* What the core's layers work on (src/fs.h). */
static struct ftps_fs *get_fs(void)
{
	return &get_mount()->core;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct ftpsfs *fs = get_mount();
	double ttl = fs->opts->dir_cache;

	cfg->use_ino = 0;
	cfg->entry_timeout = ttl;
	cfg->attr_timeout = ttl;
	cfg->negative_timeout = ttl;
	/* Keep a file's pages across opens while its size and mtime stay. */
	cfg->auto_cache = 1;
	/* An open file that is unlinked or renamed over is ours to detach
	 * (its close uploads nothing), not libfuse's to rename to a hidden
	 * name on the server first: that would delete a rename's target before
	 * the rename is safe. Operations on handles then have no path from
	 * libfuse: they take it from the handle (an open file follows
	 * renames; a folder keeps the path it was opened with). */
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 1;
	conn->max_readahead = 1024 * 1024;
	/* The kernel's readahead reads are background requests, 12 at most
	 * in flight by default. Readers waiting in line for a connection
	 * hold theirs, and the reader that has the connection could not get
	 * its next read through: it looked idle, lost its stream, and the
	 * readers took turns cancelling each other. More room (and more
	 * threads than that, see main.c) keeps the one with the stream going. */
	conn->max_background = FTPSFS_MAX_BACKGROUND;
	conn->congestion_threshold = FTPSFS_MAX_BACKGROUND * 3 / 4;
	/* open(O_TRUNC) arrives as such, not as a truncate before the open,
	 * so a rewrite can still go to a temporary name first. */
	conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->max_read = 0;
	/* Bigger writes: fewer round trips through the kernel per MiB uploaded. */
	conn->max_write = 1024 * 1024;
	return fs;
}

static struct ftps_file *fh(const struct fuse_file_info *fi)
{
	return (struct ftps_file *)(uintptr_t)fi->fh;
}

/* The path an operation on a handle is about: libfuse gives none
 * (nullpath_ok); the open file knows its own. NULL when it has none any
 * more (unlinked or replaced while open). */
static const char *handle_path(const char *path, struct fuse_file_info *fi, char *buf,
                               size_t len)
{
	if (path || !fi || !fi->fh)
		return path;
	return ftps_file_path(fh(fi), buf, len) == 0 ? buf : NULL;
}

/* For a change made through a path or a handle (chmod, utimens): the
 * path, checked, in *out. 0, 1 when the handle's file is detached (none
 * of it is on the server: nothing to change there), or -errno. */
static int change_path(struct ftps_fs *fs, const char *path, struct fuse_file_info *fi,
                       char *buf, size_t len, const char **out)
{
	*out = handle_path(path, fi, buf, len);
	if (!*out && fi)
		return 1;
	return ftps_fs_check_path(fs, *out);
}

static int op_getattr(const char *path, struct stat *sb, struct fuse_file_info *fi)
{
	struct ftps_fs *fs = get_fs();
	struct ftps_entry e;
	char hp[FTPS_MAX_PATH];
	int rc;

	path = handle_path(path, fi, hp, sizeof(hp));
	rc = ftps_fs_check_path(fs, path);

	if (rc == 0)
		rc = ftps_meta_getattr(fs, path, &e);
	if (rc == -ENOENT && !fi && ftps_file_stat_pending(fs, path, sb))
		return 0;       /* new, its upload not landed, its folder listed since */
	if (rc < 0) {
		if (!fi)
			return rc;
		/* fstat of an open file that is no longer under its name
		 * (unlinked or replaced): it is what its handle holds. */
		memset(&e, 0, sizeof(e));
		e.type = FTPS_FT_FILE;
	}
	ftps_meta_stat(fs, &e, sb);
	ftps_entry_clear(&e);
	if (fi)
		ftps_file_fstat(fh(fi), sb);
	else if (e.type == FTPS_FT_FILE)
		ftps_file_stat_open(fs, path, sb);   /* changes not yet uploaded */
	return 0;
}

/* readdir's filler behind the metadata layer's callback. */
struct fill {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_cb(void *arg, const char *name, const struct stat *sb, int plus)
{
	struct fill *fl = arg;

	return fl->filler(fl->buf, name, sb, 0, plus ? FUSE_FILL_DIR_PLUS : 0) != 0;
}

/* A folder's handle holds its path (libfuse gives none to readdir). */
static int op_opendir(const char *path, struct fuse_file_info *fi)
{
	struct ftps_fs *fs = get_fs();
	struct ftps_entry e;
	int rc = ftps_fs_check_path(fs, path);
	char *copy;

	if (rc == 0 && (rc = ftps_meta_lookup(fs, path, &e)) == 0) {
		if (e.type != FTPS_FT_DIR)
			rc = -ENOTDIR;
		ftps_entry_clear(&e);
	}
	if (rc < 0)
		return rc;
	if (!(copy = strdup(path)))
		return -ENOMEM;
	fi->fh = (uint64_t)(uintptr_t)copy;
	return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	free((char *)(uintptr_t)fi->fh);
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct ftps_fs *fs = get_fs();
	struct fill fl = { buf, filler };
	int rc;

	(void)off;
	(void)flags;
	if (!path && fi && fi->fh)
		path = (const char *)(uintptr_t)fi->fh;
	if ((rc = ftps_fs_check_path(fs, path)) < 0)
		return rc;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	return ftps_files_readdir(fs, path, fill_cb, &fl);
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct ftps_fs *fs = get_fs();
	struct ftps_entry e;
	int rc = ftps_fs_check_path(fs, path);

	if (rc == 0)
		rc = ftps_meta_lookup(fs, path, &e);
	if (rc < 0)
		return rc;
	if (e.type != FTPS_FT_LINK || !e.link_target || size == 0) {
		ftps_entry_clear(&e);
		return -EINVAL;
	}
	snprintf(buf, size, "%s", e.link_target);
	ftps_entry_clear(&e);
	return 0;
}

/* A write-only descriptor's bytes reach us without a copy in the kernel's
 * page cache of the file: they go to the spool and to the server anyway,
 * and nobody reads them through it (a write-only descriptor cannot be
 * mapped). A 1 GiB cp on loopback spent a third of its CPU copying into
 * page caches - cp's into the mount's, ours into the spool, the server's
 * into its file; this takes one of the three away. */
static void write_only_direct(struct fuse_file_info *fi)
{
	if ((fi->flags & O_ACCMODE) == O_WRONLY)
		fi->direct_io = 1;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct ftps_file *f;
	int rc = ftps_fs_check_path(get_fs(), path);

	if (rc == 0)
		rc = ftps_file_open(get_fs(), path, fi->flags, &f);
	if (rc == 0) {
		fi->fh = (uint64_t)(uintptr_t)f;
		write_only_direct(fi);
	}
	return rc;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct ftps_file *f;
	int rc = ftps_fs_check_path(get_fs(), path);

	if (rc == 0)
		rc = ftps_file_create(get_fs(), path, mode, fi->flags, &f);
	if (rc == 0) {
		fi->fh = (uint64_t)(uintptr_t)f;
		write_only_direct(fi);
	}
	return rc;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
	(void)path;
	return (int)ftps_file_read(fh(fi), buf, size, off);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	(void)path;
	return (int)ftps_file_write(fh(fi), buf, size, off, (fi->flags & O_APPEND) != 0);
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return ftps_file_flush(fh(fi));
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	return ftps_file_fsync(fh(fi));
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	ftps_file_release(fh(fi));
	return 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int rc;

	if (fi)
		return ftps_file_truncate(fh(fi), size);
	if ((rc = ftps_fs_check_path(get_fs(), path)) < 0)
		return rc;
	return ftps_file_truncate_path(get_fs(), path, size);
}

/* ---- the namespace ----
 *
 * A command whose reply was lost (its connection failed after it went out:
 * st.unsure) may have been carried out, so it is never simply sent again.
 * The server is asked what is there now, on a fresh connection, and the
 * operation settled from the answer: an unlink is done when the name is
 * gone, a mkdir when a folder is there, a rename when the source is gone
 * and the target there. Only an answer that says "not done" lets the
 * command go out once more.
 */

/* ---- the namespace (names.c), paths checked here ---- */

static int op_mkdir(const char *path, mode_t mode)
{
	struct ftps_fs *fs = get_fs();
	int rc = ftps_fs_check_path(fs, path);

	return rc < 0 ? rc : ftps_ns_mkdir(fs, path, mode);
}

static int op_rmdir(const char *path)
{
	struct ftps_fs *fs = get_fs();
	int rc = ftps_fs_check_path(fs, path);

	return rc < 0 ? rc : ftps_ns_rmdir(fs, path);
}

static int op_unlink(const char *path)
{
	struct ftps_fs *fs = get_fs();
	int rc = ftps_fs_check_path(fs, path);

	return rc < 0 ? rc : ftps_ns_unlink(fs, path);
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct ftps_fs *fs = get_fs();
	int rc;

	if ((rc = ftps_fs_check_path(fs, from)) < 0 || (rc = ftps_fs_check_path(fs, to)) < 0)
		return rc;
	return ftps_ns_rename(fs, from, to, flags);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct ftps_fs *fs = get_fs();
	char hp[FTPS_MAX_PATH];
	int rc = change_path(fs, path, fi, hp, sizeof(hp), &path);

	return rc != 0 ? (rc > 0 ? 0 : rc) : ftps_ns_chmod(fs, path, mode);
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct ftps_fs *fs = get_fs();
	char hp[FTPS_MAX_PATH];
	int rc = change_path(fs, path, fi, hp, sizeof(hp), &path);

	return rc != 0 ? (rc > 0 ? 0 : rc) : ftps_ns_utimens(fs, path, tv);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct ftpsfs *fs = get_mount();

	(void)path;
	(void)fi;
	if ((uid == (uid_t)-1 || uid == fs->core.uid) && (gid == (gid_t)-1 || gid == fs->core.gid))
		return 0;
	return fs->opts->chown_mode == FTPSFS_CHOWN_IGNORE ? 0 : -EPERM;
}

/* FTP has no portable way to make a symlink (ProFTPD's SITE SYMLINK stores
 * a path in the server's namespace; vsftpd and pure-ftpd have none): EPERM,
 * what POSIX names for a filesystem that does not support them. */
static int op_symlink(const char *target, const char *path)
{
	int rc = ftps_fs_check_path(get_fs(), path);

	(void)target;
	return rc < 0 ? rc : -EPERM;
}

/* Extended attributes (xattr.c): the statistics on the root, checksums on
 * files, read-only, asked for by name; the list is always empty, so that
 * copies and backups do not carry them (xattr.h). Any other user.* name is
 * ENODATA, any other name ENOTSUP (xattr.h), and so are setting one (FTP
 * keeps none) and removing one of ours. Removing any other name is
 * ENODATA: libacl takes ENOTSUP there as a failure, and tar -x --acls
 * would warn for every folder. (Tools such as gocryptfs's fsck take
 * EOPNOTSUPP from listxattr for a broken file: the list is never
 * refused.) */
static int op_listxattr(const char *path, char *list, size_t size)
{
	int rc = ftps_fs_check_path(get_fs(), path);

	(void)list;
	(void)size;
	return rc < 0 ? rc : 0;
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct ftpsfs *fs = get_mount();
	int rc = ftps_fs_check_path(&fs->core, path);

	return rc < 0 ? rc : ftpsfs_xattr_get(fs, path, name, value, size);
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size,
                       int flags)
{
	int rc = ftps_fs_check_path(get_fs(), path);

	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	return rc < 0 ? rc : -ENOTSUP;
}

static int op_removexattr(const char *path, const char *name)
{
	struct ftpsfs *fs = get_mount();
	int rc = ftps_fs_check_path(&fs->core, path);

	if (rc < 0)
		return rc;
	return ftpsfs_xattr_ours(fs, path, name) ? -ENOTSUP : -ENODATA;
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	memset(sv, 0, sizeof(*sv));
	/* FTP has no standard way to ask for free space: report plenty, so
	 * that backup tools do not refuse to start. */
	sv->f_bsize = 131072;
	sv->f_frsize = 4096;
	sv->f_blocks = (fsblkcnt_t)1 << 30;     /* 4 TiB */
	sv->f_bfree = (fsblkcnt_t)1 << 29;
	sv->f_bavail = (fsblkcnt_t)1 << 29;
	sv->f_files = 1 << 24;
	sv->f_ffree = 1 << 23;
	sv->f_favail = 1 << 23;
	sv->f_namemax = FTPS_MAX_NAME;
	return 0;
}

static void op_destroy(void *data)
{
	/* Unmounting: nothing more listed ahead; upload whatever is still
	 * pending, and remove what failed uploads left on the server while
	 * it was down. */
	struct ftps_fs *fs = &((struct ftpsfs *)data)->core;

	ftps_meta_ahead_stop(fs);
	ftps_file_flush_all(fs);
	ftps_stranded_sweep(&fs->eng, 1);
	ftps_orphans_sweep(&fs->eng, 1);
}

const struct fuse_operations ftpsfs_ops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.readlink = op_readlink,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.fsync = op_fsync,
	.release = op_release,
	.truncate = op_truncate,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.statfs = op_statfs,
	.symlink = op_symlink,
	.listxattr = op_listxattr,
	.getxattr = op_getxattr,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
};
