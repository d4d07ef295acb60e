/* names.c - changes to the namespace on the server (see names.h).
 *
 * A command whose reply was lost (its connection failed after it went out:
 * st.unsure) may have been carried out, so it is never simply sent again.
 * The server is asked what is there now, on a fresh connection, and the
 * operation settled from the answer: an unlink is done when the name is
 * gone, a mkdir when a folder is there, a rename when the source is gone
 * and the target there. Only an answer that says "not done" lets the
 * command go out once more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <openssl/rand.h>

#include "names.h"
#include "meta.h"
#include "file.h"
#include "upload.h"
#include "leftovers.h"
#include "path.h"
#include "retry.h"
#include "sock.h"

struct path_op {
	struct ftps_fs *fs;
	const char *path, *path2;   /* in the mount */
	unsigned mode;
	int64_t mtime;
	int idempotent;             /* sending it twice does no harm */
	int noreplace;              /* rename: RENAME_NOREPLACE */
	int mode_set;               /* mkdir: the mode asked for was set */
	int refused;                /* the server answered it with a refusal (5xx) */
	char bak[FTPS_MAX_PATH];    /* rename: the old target's name while aside */
	ftps_err (*run)(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
	                struct ftps_status *st);
	/* After a lost reply: FTPS_OK done, FTPS_E_RETRY not done, else unknown. */
	ftps_err (*settle)(struct ftps_conn *c, struct path_op *op, const char *r1,
	                   const char *r2, struct ftps_status *st);
};

static ftps_err path_op_remotes(struct path_op *op, char *r1, char *r2, struct ftps_status *st)
{
	if (ftps_fs_remote(op->fs, op->path, r1, FTPS_MAX_PATH) != 0 ||
	    (op->path2 && ftps_fs_remote(op->fs, op->path2, r2, FTPS_MAX_PATH) != 0))
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	return FTPS_OK;
}

static ftps_err path_op_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct path_op *op = arg;
	char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH] = "";
	ftps_err e = path_op_remotes(op, r1, r2, st);

	return e == FTPS_OK ? op->run(c, op, r1, r2, st) : e;
}

static ftps_err settle_fn(struct ftps_conn *c, void *arg, struct ftps_status *st)
{
	struct path_op *op = arg;
	char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH] = "";
	ftps_err e = path_op_remotes(op, r1, r2, st);

	return e == FTPS_OK ? op->settle(c, op, r1, r2, st) : e;
}

/* Find out what a command whose reply was lost did. Looking is harmless,
 * so a server that is away (restarting, a connection cut) is asked again
 * for as long as the timeout lasts: an outcome that can still be known is
 * not reported as a failure. */
static ftps_err settle(struct path_op *op, struct ftps_retry *budget, struct ftps_status *st)
{
	ftps_err e;
	int pause;

	for (;;) {
		e = ftps_fs_with_conn(op->fs, settle_fn, op, 1, budget, st);
		if (e == FTPS_OK || e == FTPS_E_RETRY || !ftps_err_retryable(e) ||
		    !ftps_retry_next(budget, ftps_now_ms(), &pause))
			return e;
		ftps_retry_pause(pause < 500 ? 500 : pause);
	}
}

static int run_path_op(struct path_op *op, const char *what)
{
	struct ftps_status st = { 0 };
	struct ftps_retry budget;
	int rc = ftps_fs_check_path(op->fs, op->path);
	ftps_err e = FTPS_OK;

	if (rc == 0 && op->path2)
		rc = ftps_fs_check_path(op->fs, op->path2);
	if (rc < 0)
		return rc;
	/* One budget for the operation: its tries on a fresh connection and
	 * the looks at what a lost reply did all draw on it. */
	ftps_retry_init(&budget, ftps_config_timeout_ms(op->fs->cfg), 1);
	e = ftps_fs_with_conn(op->fs, path_op_fn, op, op->idempotent, &budget, &st);
	for (int round = 0; e != FTPS_OK && st.unsure && !op->idempotent && op->settle; round++) {
		struct ftps_status st2 = { 0 };
		ftps_info("%s %s: the reply was lost (%s); looking at what the server has", what,
		          op->path, st.msg);
		ftps_err e2 = settle(op, &budget, &st2);
		if (e2 == FTPS_OK) {
			e = FTPS_OK;
			break;
		}
		if (e2 != FTPS_E_RETRY || round == 1) {
			st = st2;
			e = e2 == FTPS_E_RETRY ? FTPS_E_IO : e2;
			break;
		}
		e = ftps_fs_with_conn(op->fs, path_op_fn, op, 0, &budget, &st); /* not done: once more */
	}
	return e == FTPS_OK ? 0 : ftps_err_report(e, &st, what, op->path);
}

/* What counts as done after a lost reply. */
static ftps_err settle_is_dir(struct ftps_conn *c, struct path_op *op, const char *r1,
                              const char *r2, struct ftps_status *st)
{
	struct ftps_entry e;
	ftps_err err = ftps_stat(c, r1, &e, st);

	(void)op;
	(void)r2;
	if (err == FTPS_OK)
		return e.type == FTPS_FT_DIR ? FTPS_OK
		       : ftps_fail(st, FTPS_E_EXIST, 0, "%s exists and is not a folder", r1);
	return err == FTPS_E_NOENT ? ftps_fail(st, FTPS_E_RETRY, 0, "not done") : err;
}

static ftps_err settle_is_gone(struct ftps_conn *c, struct path_op *op, const char *r1,
                               const char *r2, struct ftps_status *st)
{
	struct ftps_entry e;
	ftps_err err = ftps_stat(c, r1, &e, st);

	(void)op;
	(void)r2;
	if (err == FTPS_E_NOENT)
		return FTPS_OK;
	return err == FTPS_OK ? ftps_fail(st, FTPS_E_RETRY, 0, "not done") : err;
}

static ftps_err settle_rename(struct ftps_conn *c, struct path_op *op, const char *r1,
                              const char *r2, struct ftps_status *st)
{
	return ftps_rename_settle(c, r1, r2, op->bak[0] ? op->bak : NULL, st);
}

static ftps_err do_mkd(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                       struct ftps_status *st)
{
	ftps_err e = ftps_mkd(c, r1, st);

	(void)r2;
	op->mode_set = 0;
	if (e == FTPS_OK && (op->mode & 07777) != 0755) {
		struct ftps_status st2 = { 0 };
		if (ftps_chmod(c, r1, op->mode & 07777, &st2) == FTPS_OK)
			op->mode_set = 1;
		else
			ftps_debug("mkdir %s: mode %04o not set: %s", op->path, op->mode & 07777, st2.msg);
	}
	return e;
}

int ftps_ns_mkdir(struct ftps_fs *fs, const char *path, mode_t mode)
{
	struct path_op op = { .fs = fs, .path = path, .mode = (mode & 07777) & ~fs->set.umask,
	                      .run = do_mkd, .settle = settle_is_dir };
	struct ftps_entry e;
	double before = ftps_meta_clock();
	int rc = run_path_op(&op, "mkdir");

	if (rc == 0) {
		memset(&e, 0, sizeof(e));
		e.type = FTPS_FT_DIR;
		e.mtime = time(NULL);
		e.mtime_prec = FTPS_TP_SECOND;
		/* The mode shown is one the server has: the one set, or its
		 * default (shown as 0755) when none was asked for or the server
		 * refused it. */
		e.has_mode = op.mode_set;
		e.mode = op.mode;
		ftps_meta_new_folder(fs, path, &e, before);
	} else {
		ftps_meta_unknown(fs, path);
	}
	return rc;
}

static ftps_err do_rmd(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                       struct ftps_status *st)
{
	(void)op;
	(void)r2;
	return ftps_rmd(c, r1, st);
}

int ftps_ns_rmdir(struct ftps_fs *fs, const char *path)
{
	struct path_op op = { .fs = fs, .path = path, .run = do_rmd, .settle = settle_is_gone };
	int rc = run_path_op(&op, "rmdir");

	if (rc == 0) {
		ftps_meta_removed(fs, path, 1);
	} else if (rc == -EACCES || rc == -ENOENT) {
		/* Many servers answer a bare 550 for a folder that is not empty
		 * (vsftpd: "Remove directory operation failed."): a listing
		 * that shows entries makes it the ENOTEMPTY that rm -r, rsync
		 * and backup tools expect. */
		if (ftps_meta_count(fs, path) > 0)
			rc = -ENOTEMPTY;
	}
	return rc;
}

static ftps_err do_dele(struct ftps_conn *c, struct path_op *op, const char *r1, const char *r2,
                        struct ftps_status *st)
{
	(void)op;
	(void)r2;
	return ftps_dele(c, r1, st);
}

/* Unlink path, whose open files h holds: they are detached when the
 * name goes. */
static int unlink_held(struct ftps_fs *fs, struct ftps_held *h, const char *path)
{
	struct path_op op = { .fs = fs, .path = path, .run = do_dele, .settle = settle_is_gone };
	int local = ftps_held_only_local(h, path);
	int rc;

	ftps_held_keep_content(h, path);
	rc = run_path_op(&op, "unlink");

	if (rc == -ENOENT && local)
		rc = 0;         /* it existed here only: created, not uploaded yet */
	if (rc == 0) {
		char remote[FTPS_MAX_PATH];
		ftps_held_unlinked(h, path);
		/* An upload of it kept for later (stranded) is not wanted now. */
		if (ftps_fs_remote(fs, path, remote, sizeof(remote)) == 0)
			ftps_stranded_superseded(&fs->eng, remote);
		ftps_meta_removed(fs, path, 0);
	} else {
		ftps_meta_unknown(fs, path);
	}
	return rc;
}

int ftps_ns_unlink(struct ftps_fs *fs, const char *path)
{
	struct ftps_held *h;
	int rc;

	/* An open file at path waits for no upload meanwhile, and is
	 * detached when the name goes: its close uploads nothing. */
	if (!(h = ftps_files_hold(fs, path, NULL)))
		return -ENOMEM;
	rc = unlink_held(fs, h, path);
	ftps_files_release(h);
	return rc;
}

/* What an RNTO refusal means to a program. RNFR found the source, so a
 * bare 550 (taken for ENOENT) is not "no such file": into another folder
 * it is most likely a server that cannot rename across its disks (EXDEV,
 * which makes mv copy and delete instead), else a refusal (EACCES). */
static ftps_err rnto_refused(ftps_err e, const char *r1, const char *r2, struct ftps_status *st)
{
	char p1[FTPS_MAX_PATH], p2[FTPS_MAX_PATH];
	const char *n1, *n2;

	if (e != FTPS_E_NOENT)
		return e;
	if (ftps_path_split(r1, p1, sizeof(p1), &n1) == 0 &&
	    ftps_path_split(r2, p2, sizeof(p2), &n2) == 0 && strcmp(p1, p2) != 0)
		return ftps_fail(st, FTPS_E_XDEV, st->reply, "%s (not across folders here)", st->msg);
	return ftps_fail(st, FTPS_E_ACCES, st->reply, "%s", st->msg);
}

/* POSIX rename replaces what is at the target. A server refuses that when
 * RNTO meets an existing name it will not overwrite. Then, and only then -
 * RNFR was accepted, RNTO refused, and the target is there - it is taken
 * for such a server:
 *  - a folder there: a folder with entries cannot be replaced (ENOTEMPTY;
 *    an empty one the server would have taken), a file cannot replace a
 *    folder (EISDIR);
 *  - a file there: replaced without ever deleting first
 *    (ftps_rename_replace: the old file steps aside, the new one takes its
 *    name, the old one goes).
 * Any other refusal (RNFR refused: the source is gone; a target that is
 * not there: another reason, such as a rename across devices) changes
 * nothing and is the answer. */
static ftps_err do_rename(struct ftps_conn *c, struct path_op *op, const char *r1,
                          const char *r2, struct ftps_status *st)
{
	enum ftps_rn_stage stage;
	struct ftps_entry dst, src;
	struct ftps_status st2 = { 0 };
	ftps_err e;
	uint32_t rnd = 0;

	op->bak[0] = '\0';
	/* RNTO has no "but not over an existing name": asking first is the
	 * best there is (another client may still come in between). */
	if (op->noreplace && ftps_stat(c, r2, &dst, &st2) == FTPS_OK)
		return ftps_fail(st, FTPS_E_EXIST, 0, "%s exists (RENAME_NOREPLACE)", op->path2);
	e = ftps_rename_ex(c, r1, r2, &stage, st);
	if (e == FTPS_OK || stage != FTPS_RN_TO || ftps_err_class(e) != FTPS_CLASS_REFUSED ||
	    !ftps_conn_usable(c))
		return e;
	if (ftps_stat(c, r2, &dst, &st2) != FTPS_OK)
		return rnto_refused(e, r1, r2, st);
	if (op->noreplace)
		return ftps_fail(st, FTPS_E_EXIST, st->reply, "%s (RENAME_NOREPLACE)", st->msg);
	if (dst.type == FTPS_FT_DIR) {
		int src_dir = ftps_stat(c, r1, &src, &st2) == FTPS_OK && src.type == FTPS_FT_DIR;
		return ftps_fail(st, src_dir ? FTPS_E_NOTEMPTY : FTPS_E_ISDIR, st->reply,
		                 "%s (the target is a folder%s)", st->msg,
		                 src_dir ? " that is not empty" : "");
	}
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	if (ftps_path_sibling(r2, "ftpsfs-old", rnd, op->bak, sizeof(op->bak)) != 0)
		return e;
	ftps_debug("rename %s: the server will not rename over %s (%s); moving it aside first",
	           op->path, op->path2, st->msg);
	e = ftps_rename_replace(c, r1, r2, op->bak, st);
	if (e != FTPS_OK && !st->unsure && ftps_err_class(e) != FTPS_CLASS_LOST) {
		op->bak[0] = '\0';      /* nothing left aside to settle */
		e = rnto_refused(e, r1, r2, st);
	}
	return e;
}

int ftps_ns_rename(struct ftps_fs *fs, const char *from, const char *to, unsigned int flags)
{
	struct path_op op = { .fs = fs, .path = from, .path2 = to, .run = do_rename,
	                      .settle = settle_rename,
	                      .noreplace = (flags & RENAME_NOREPLACE) != 0 };
	struct ftps_held *h;
	struct ftps_entry e;
	int rc;

	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (flags & RENAME_NOREPLACE) {
		rc = ftps_meta_lookup(fs, to, &e);
		if (rc == 0) {
			ftps_entry_clear(&e);
			return -EEXIST;
		}
	}
	/* The open files concerned wait for no upload meanwhile, then follow:
	 * those at from move to to, one at to is detached (replaced). */
	if (!(h = ftps_files_hold(fs, from, to)))
		return -ENOMEM;
	/* A file created here and not uploaded yet exists only here: it is
	 * renamed here, and its upload lands under the new name. */
	rc = ftps_held_only_local(h, from) ? 0 : run_path_op(&op, "rename");
	if (rc == 0) {
		char r1[FTPS_MAX_PATH], r2[FTPS_MAX_PATH];
		if (ftps_fs_remote(fs, from, r1, sizeof(r1)) == 0 &&
		    ftps_fs_remote(fs, to, r2, sizeof(r2)) == 0)
			ftps_leftovers_renamed(&fs->eng, r1, r2);
		int file = ftps_meta_known_file(fs, from) || ftps_held_has(h, from);
		ftps_held_renamed(h, from, to);
		ftps_meta_renamed(fs, from, to, file);
	} else {
		ftps_meta_unknown(fs, from);
		ftps_meta_unknown(fs, to);
	}
	ftps_files_release(h);
	return rc;
}

static ftps_err do_chmod(struct ftps_conn *c, struct path_op *op, const char *r1,
                         const char *r2, struct ftps_status *st)
{
	(void)r2;
	return ftps_chmod(c, r1, op->mode, st);
}

int ftps_ns_chmod(struct ftps_fs *fs, const char *path, mode_t mode)
{
	struct path_op op = { .fs = fs, .path = path, .mode = mode & 07777, .idempotent = 1,
	                      .run = do_chmod };
	int rc;

	if (ftps_file_set_pending_mode(fs, path, mode))
		return 0;
	rc = run_path_op(&op, "chmod");
	if (rc == 0)
		ftps_meta_set(fs, path, 1, mode, 0, 0);
	return rc;
}

static ftps_err do_mtime(struct ftps_conn *c, struct path_op *op, const char *r1,
                         const char *r2, struct ftps_status *st)
{
	ftps_err e = ftps_set_mtime(c, r1, op->mtime, st);

	(void)r2;
	op->refused = ftps_err_class(e) == FTPS_CLASS_REFUSED && st && st->reply >= 500;
	return e;
}

int ftps_ns_utimens(struct ftps_fs *fs, const char *path, const struct timespec tv[2])
{
	struct path_op op = { .fs = fs, .path = path, .idempotent = 1, .run = do_mtime };
	struct ftps_server *srv = ftps_pool_server(fs->pool);
	int rc;

	if (!tv || tv[1].tv_nsec == UTIME_NOW)
		op.mtime = time(NULL);
	else if (tv[1].tv_nsec == UTIME_OMIT)
		return 0;
	else
		op.mtime = tv[1].tv_sec;
	if (ftps_file_set_pending_mtime(fs, path, op.mtime))
		return 0;
	if (ftps_server_knows(srv, FTPS_FACT_NO_DIR_MTIME) &&
	    !ftps_server_knows(srv, FTPS_FACT_DIR_MTIME_OK) && ftps_meta_known_folder(fs, path)) {
		ftps_debug("utimens %s: the server keeps no folder times", path);
		return 0;
	}
	rc = run_path_op(&op, "utimens");
	if (rc == 0 && !ftps_server_knows(srv, FTPS_FACT_DIR_MTIME_OK) &&
	    ftps_meta_known_folder(fs, path))
		ftps_server_learn(srv, FTPS_FACT_DIR_MTIME_OK);
	if (rc == -ENOTSUP) {
		/* The server cannot set times: not worth failing cp -p or tar for. */
		if (!fs->mtime_warned++)
			ftps_warn("the server cannot set modification times; times are not kept");
		return 0;
	}
	if (rc < 0) {
		/* vsftpd sets times on files only ("550 Could not set file
		 * modification time" for a folder): rsync -a and tar would fail
		 * on every folder for a time that FTP cannot keep anyway. Two
		 * folders refused by the server itself (a 5xx, not a network
		 * failure) and none ever set, it is not asked for another:
		 * rsync -a sets every folder's time on every run. */
		struct ftps_entry e;
		if (ftps_meta_lookup(fs, path, &e) == 0) {
			int is_dir = e.type == FTPS_FT_DIR;
			ftps_entry_clear(&e);
			if (is_dir) {
				ftps_debug("utimens %s: the server keeps no folder times", path);
				if (op.refused && ++fs->dir_mtime_refused >= 2 &&
				    !ftps_server_knows(srv, FTPS_FACT_DIR_MTIME_OK))
					ftps_server_learn(srv, FTPS_FACT_NO_DIR_MTIME);
				return 0;
			}
		}
	}
	if (rc == 0)
		ftps_meta_set(fs, path, 0, 0, 1, op.mtime);
	return rc;
}
