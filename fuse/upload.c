/* upload.c - uploads with a temporary name, verification and rename
 * (see upload.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <openssl/rand.h>

#include "upload.h"
#include "hash.h"
#include "leftovers.h"
#include "path.h"
#include "sock.h"
#include "retry.h"

#define IO_CHUNK (256 * 1024)
#define UPLOAD_TRIES 3
#define RESUME_TRIES 3
/* How far a background upload may trail the writes it was given. */
#define LAG_MAX (64 * 1024 * 1024)

/* ---- the upload ---- */

struct ftpsfs_upload {
	struct ftpsfs *fs;
	char final[FTPS_MAX_PATH];
	char target[FTPS_MAX_PATH];     /* the temporary name, or final */
	int atomic, append;
	uint64_t base;                  /* the server's size before an APPE */
	struct ftps_conn *conn;
	struct ftps_xfer *xfer;
	uint64_t sent;
	struct ftpsfs_hasher h;
	int src_fd;                     /* byte off sent is at src_fd's offset base + off; -1 none */
	int only_copy;                  /* the old final file is deleted: target is the only
	                                 * copy of the data and is never deleted */

	/* Sending in the background (ftpsfs_upload_background): the sender
	 * thread sends the source's bytes up to queued. While it runs, mu
	 * guards queued, sent, stop, bg_rc and final. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t sender;
	int background;
	uint64_t queued;
	enum { GO_ON, STOP_DRAINED, STOP_NOW } stop;
	int bg_rc;                      /* the sender's failure, -errno */
};

static void upload_free(struct ftpsfs_upload *u)
{
	ftpsfs_hasher_free(&u->h);
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* The final name, which a rename may change while the sender runs. */
static void final_name(struct ftpsfs_upload *u, char out[FTPS_MAX_PATH])
{
	pthread_mutex_lock(&u->mu);
	memcpy(out, u->final, FTPS_MAX_PATH);
	pthread_mutex_unlock(&u->mu);
}

/* ".NAME.ftpsfs-XXXXXX" next to the final name, within NAME_MAX. */
static int temp_name(const char *final, char *out, size_t outlen)
{
	uint32_t rnd = 0;

	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	return ftps_path_sibling(final, "ftpsfs", rnd, out, outlen) == 0 ? 0 : -ENAMETOOLONG;
}

/* Remove a temporary file: 1 when it is gone (or never got there), 0 when
 * it may still be on the server. */
static int delete_temp(struct ftps_conn *c, const char *path, struct ftps_status *st)
{
	ftps_err e;

	if (!c || !ftps_conn_usable(c)) {
		ftps_fail(st, FTPS_E_CONN, 0, "no usable connection");
		return 0;
	}
	e = ftps_dele(c, path, st);
	if (e == FTPS_OK || e == FTPS_E_NOENT)
		return 1;
	ftps_debug("could not remove %s: %s", path, st->msg);
	return 0;
}

static void release_conn(struct ftpsfs_upload *u, ftps_err last)
{
	if (u->conn)
		ftps_pool_put(u->fs->pool, u->conn, last);
	u->conn = NULL;
}

/* Removing a temporary file after a failure: on our connection if it
 * survived, else on a fresh one; when neither can, it goes on the list of
 * leftovers that the housekeeper removes once the server answers again.
 * A temporary file never stays behind unnoticed. */
static void cleanup_temp(struct ftpsfs_upload *u)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;

	if (!u->atomic || u->only_copy)
		return;
	if (delete_temp(u->conn, u->target, &st))
		return;
	/* Our connection goes back first: with a cap of one, waiting for
	 * another while holding it would wait out the timeout. */
	release_conn(u, u->conn && ftps_conn_usable(u->conn) ? FTPS_OK : FTPS_E_CONN);
	if (ftps_pool_get(u->fs->pool, FTPS_USE_SHORT, &c, &st) == FTPS_OK) {
		int gone = delete_temp(c, u->target, &st);
		ftps_pool_put(u->fs->pool, c, ftps_conn_usable(c) ? FTPS_OK : FTPS_E_CONN);
		if (gone)
			return;
	}
	ftps_warn("could not remove the temporary file %s on the server (%s); "
	          "trying again later", u->target, st.msg);
	ftpsfs_orphan_add(u->fs, u->target);
}

int ftpsfs_upload_start(struct ftpsfs *fs, const char *remote, int append, int src_fd,
                        struct ftpsfs_upload **out)
{
	struct ftps_status st = { 0 };
	struct ftpsfs_upload *u;
	ftps_err e;
	int rc;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->fs = fs;
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	u->src_fd = src_fd;
	u->append = append;
	u->atomic = fs->opts->atomic && !append;
	snprintf(u->final, sizeof(u->final), "%s", remote);
	if (u->atomic) {
		if ((rc = temp_name(remote, u->target, sizeof(u->target))) < 0) {
			upload_free(u);
			return rc;
		}
	} else {
		snprintf(u->target, sizeof(u->target), "%s", remote);
	}
	e = ftps_pool_get(fs->pool, FTPS_USE_XFER, &u->conn, &st);
	if (e != FTPS_OK) {
		upload_free(u);
		return ftpsfs_errno(e, &st, "upload", remote);
	}
	if (append && (e = ftps_size(u->conn, remote, &u->base, &st)) != FTPS_OK)
		goto fail;
	if (fs->opts->verify == FTPSFS_VERIFY_HASH && !append) {
		int use_cmd;
		ftpsfs_hasher_init(&u->h, ftps_caps_best_hash(ftps_conn_caps(u->conn), &use_cmd));
		if (u->h.algo == FTPS_HASH_NONE)
			ftps_debug("%s: the server offers no hash; verifying the size only", remote);
	}
	e = ftps_stor_start(u->conn, u->target, append, &u->xfer, &st);
	if (e != FTPS_OK) {
		/* The STOR went out: the server may have made the temporary
		 * file before the data connection failed - or, when the control
		 * connection was lost, may make it after our DELE, from a session
		 * that has not noticed yet: that one is looked for again later. */
		cleanup_temp(u);
		if (u->atomic && ftps_err_class(e) == FTPS_CLASS_LOST)
			ftpsfs_orphan_add(fs, u->target);
		goto fail;
	}
	*out = u;
	return 0;
fail:
	if (append && ftps_err_class(e) == FTPS_CLASS_REFUSED) {
		/* The caller falls back to a whole upload (ProFTPD refuses APPE
		 * by default: "451 Append/Restart not permitted"). */
		ftps_debug("append %s: %s", remote, st.msg);
		rc = -ENOTSUP;
	} else {
		rc = ftpsfs_errno(e, &st, append ? "append" : "upload", remote);
	}
	release_conn(u, e);
	upload_free(u);
	return rc;
}

/* Failures worth resuming after: the network, not the server's refusal. */
static int transient(ftps_err e)
{
	return e == FTPS_E_CONN || e == FTPS_E_TIMEOUT || e == FTPS_E_RETRY || e == FTPS_E_TLS ||
	       e == FTPS_E_PROTO;
}

/* Read len bytes at the source's offset off into buf. */
static ftps_err source_read(struct ftpsfs_upload *u, char *buf, size_t len, uint64_t off,
                           struct ftps_status *st)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = pread(u->src_fd, buf + done, len - done, (off_t)(u->base + off + done));
		if (n <= 0)
			return ftps_fail(st, FTPS_E_IO, 0, "reading the spool copy: %s",
			                 n < 0 ? strerror(errno) : "it is shorter than what was sent");
		done += (size_t)n;
	}
	return FTPS_OK;
}

/* The connection failed with bytes up to end sent: on a new connection, ask
 * how much arrived and send the rest from the source with APPE, or all of
 * it again with STOR when the server refuses APPE. */
static ftps_err resume(struct ftpsfs_upload *u, uint64_t end, struct ftps_status *st)
{
	ftps_err e = st->err ? st->err : FTPS_E_CONN;
	char *buf = malloc(IO_CHUNK), name[FTPS_MAX_PATH];

	if (!buf)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	final_name(u, name);
	for (int attempt = 1; attempt <= RESUME_TRIES; attempt++) {
		uint64_t landed = 0, off;

		if (u->xfer)
			ftps_xfer_abort(u->xfer, NULL);
		u->xfer = NULL;
		release_conn(u, FTPS_E_CONN);
		ftps_warn("upload of %s interrupted after %llu bytes (%s); resuming (%d of %d)",
		          name, (unsigned long long)end, st->msg, attempt, RESUME_TRIES);
		usleep(200000 * (useconds_t)attempt);   /* let the old session finish writing */
		if ((e = ftps_pool_get(u->fs->pool, FTPS_USE_XFER, &u->conn, st)) != FTPS_OK)
			continue;
		e = ftps_size(u->conn, u->target, &landed, st);
		if (e == FTPS_E_NOENT && u->base == 0)
			landed = 0, e = FTPS_OK;
		if (e != FTPS_OK)
			continue;
		if (landed < u->base || landed - u->base > end) {
			e = ftps_fail(st, FTPS_E_IO, 0, "cannot resume: the server has %llu bytes "
			              "of the %llu sent", (unsigned long long)landed,
			              (unsigned long long)(u->base + end));
			break;
		}
		off = landed - u->base;
		e = ftps_stor_start(u->conn, u->target, off > 0 || u->append, &u->xfer, st);
		if (e != FTPS_OK && !transient(e) && off > 0 && !u->append) {
			/* APPE refused (ProFTPD without AllowStoreRestart): the
			 * source has every byte, so send them all again. */
			ftps_info("%s: the server refuses to append (%s); sending it again from the start",
			          name, st->msg);
			off = 0;
			e = ftps_stor_start(u->conn, u->target, 0, &u->xfer, st);
		}
		while (e == FTPS_OK && off < end) {
			size_t n = end - off < IO_CHUNK ? (size_t)(end - off) : IO_CHUNK;
			if ((e = source_read(u, buf, n, off, st)) == FTPS_OK)
				e = ftps_xfer_write(u->xfer, buf, n, st);
			off += n;
		}
		if (e == FTPS_OK || !transient(e))
			break;
	}
	free(buf);
	return e;
}

void ftpsfs_upload_retarget(struct ftpsfs_upload *u, const char *remote)
{
	pthread_mutex_lock(&u->mu);
	snprintf(u->final, sizeof(u->final), "%s", remote);
	pthread_mutex_unlock(&u->mu);
}

/* Send len bytes at the current end, resuming after a network failure. */
static ftps_err send_chunk(struct ftpsfs_upload *u, const void *buf, size_t len, uint64_t at,
                           struct ftps_status *st)
{
	ftps_err e = ftps_xfer_write(u->xfer, buf, len, st);

	if (transient(e) && u->src_fd >= 0)
		e = resume(u, at + len, st);
	if (e == FTPS_OK)
		ftpsfs_hasher_update(&u->h, buf, len);
	return e;
}

static int upload_errno(struct ftpsfs_upload *u, ftps_err e, const struct ftps_status *st)
{
	char name[FTPS_MAX_PATH];

	final_name(u, name);
	return ftpsfs_errno(e, st, "upload", name);
}

int ftpsfs_upload_write(struct ftpsfs_upload *u, const void *buf, size_t len)
{
	struct ftps_status st = { 0 };
	ftps_err e = send_chunk(u, buf, len, u->sent, &st);

	if (e != FTPS_OK)
		return upload_errno(u, e, &st);
	u->sent += len;
	return 0;
}

/* ---- sending in the background ---- */

static void *sender_main(void *arg)
{
	struct ftpsfs_upload *u = arg;
	struct ftps_status st = { 0 };
	char *buf = malloc(IO_CHUNK);
	ftps_err e = buf ? FTPS_OK : ftps_fail(&st, FTPS_E_NOMEM, 0, "out of memory");

	pthread_mutex_lock(&u->mu);
	while (e == FTPS_OK) {
		while (u->sent == u->queued && u->stop == GO_ON)
			pthread_cond_wait(&u->cv, &u->mu);
		if (u->stop == STOP_NOW || u->sent == u->queued)
			break;
		uint64_t off = u->sent;
		size_t n = u->queued - off < IO_CHUNK ? (size_t)(u->queued - off) : IO_CHUNK;
		pthread_mutex_unlock(&u->mu);
		e = source_read(u, buf, n, off, &st);
		if (e == FTPS_OK)
			e = send_chunk(u, buf, n, off, &st);
		pthread_mutex_lock(&u->mu);
		if (e == FTPS_OK)
			u->sent += n;
		pthread_cond_broadcast(&u->cv);
	}
	pthread_mutex_unlock(&u->mu);
	free(buf);
	if (e != FTPS_OK) {
		int rc = upload_errno(u, e, &st);
		pthread_mutex_lock(&u->mu);
		u->bg_rc = rc;
		pthread_cond_broadcast(&u->cv);
		pthread_mutex_unlock(&u->mu);
	}
	return NULL;
}

int ftpsfs_upload_background(struct ftpsfs_upload *u)
{
	int rc;

	if (u->src_fd < 0)
		return -EINVAL;
	u->queued = u->sent;
	u->stop = GO_ON;
	if ((rc = pthread_create(&u->sender, NULL, sender_main, u)) != 0)
		return -rc;
	u->background = 1;
	return 0;
}

int ftpsfs_upload_queue(struct ftpsfs_upload *u, const void *buf, size_t len)
{
	int rc;

	if (!u->background)
		return ftpsfs_upload_write(u, buf, len);
	pthread_mutex_lock(&u->mu);
	if (!u->bg_rc) {
		u->queued += len;
		pthread_cond_broadcast(&u->cv);
		while (!u->bg_rc && u->queued - u->sent > LAG_MAX)
			pthread_cond_wait(&u->cv, &u->mu);
	}
	rc = u->bg_rc;
	pthread_mutex_unlock(&u->mu);
	return rc;
}

/* End the sender: once it sent everything queued, or at once. Returns its
 * failure, if any. */
static int sender_stop(struct ftpsfs_upload *u, int how)
{
	if (!u->background)
		return 0;
	pthread_mutex_lock(&u->mu);
	u->stop = how;
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	pthread_join(u->sender, NULL);
	u->background = 0;
	return u->bg_rc;
}

int ftpsfs_upload_drop_source(struct ftpsfs_upload *u)
{
	int rc = sender_stop(u, STOP_DRAINED);

	u->src_fd = -1;
	return rc;
}

void ftpsfs_upload_abort(struct ftpsfs_upload *u)
{
	ftps_err e = FTPS_OK;

	if (!u)
		return;
	sender_stop(u, STOP_NOW);
	if (u->xfer)
		e = ftps_xfer_abort(u->xfer, NULL);
	u->xfer = NULL;
	cleanup_temp(u);
	release_conn(u, e);
	upload_free(u);
}

/* Size (and hash) of what landed, against what we sent. */
static ftps_err verify(struct ftpsfs_upload *u, struct ftps_status *st)
{
	uint64_t want = u->base + u->sent, have = 0;
	ftps_err e;

	if (u->fs->opts->verify == FTPSFS_VERIFY_NONE)
		return FTPS_OK;
	if ((e = ftps_size(u->conn, u->target, &have, st)) != FTPS_OK) {
		if (e == FTPS_E_NOTSUP)
			return FTPS_OK;
		return e;
	}
	if (have != want)
		return ftps_fail(st, FTPS_E_IO, 0, "the server has %llu bytes, %llu were sent",
		                 (unsigned long long)have, (unsigned long long)want);
	if (u->h.algo != FTPS_HASH_NONE) {
		enum ftps_hash_algo algo;
		char theirs[160], ours[160];
		ftpsfs_hasher_hex(&u->h, ours, sizeof(ours));
		if ((e = ftps_hash(u->conn, u->target, &algo, theirs, sizeof(theirs), st)) != FTPS_OK)
			return e == FTPS_E_NOTSUP ? FTPS_OK : e;
		if (algo != u->h.algo || strcmp(theirs, ours) != 0)
			return ftps_fail(st, FTPS_E_IO, 0, "the server's %s is %s, ours is %s",
			                 ftps_hash_name(algo), theirs, ours);
		ftps_debug("%s: %s verified", u->final, ftps_hash_name(algo));
	}
	return FTPS_OK;
}

/* The upload's control connection when it is still usable, else a fresh
 * short one in its place (the old one is closed). NULL when none can be had. */
static struct ftps_conn *usable_conn(struct ftpsfs_upload *u, struct ftps_status *st)
{
	if (u->conn && ftps_conn_usable(u->conn))
		return u->conn;
	release_conn(u, FTPS_E_CONN);
	if (ftps_pool_get(u->fs->pool, FTPS_USE_SHORT, &u->conn, st) != FTPS_OK)
		u->conn = NULL;
	return u->conn;
}

/* Rename the temporary file over the final name.
 *
 * A server that will not rename over an existing file (ProFTPD with
 * AllowOverwrite off, IIS, FileZilla Server) refuses RNTO: then, and only
 * when RNFR was accepted and the final name holds a file, the old file is
 * moved aside, the new one renamed into place and the old one deleted
 * (ftps_rename_replace): neither version is ever deleted before the other
 * is safe. A connection that fails on the way is settled by looking at the
 * names on a fresh one (ftps_rename_settle). Should the old version end up
 * aside with the final name empty, the temporary file is the only copy of
 * the new data: it is never deleted, the log names it and the housekeeper
 * renames it into place later. */
static ftps_err put_in_place(struct ftpsfs_upload *u, struct ftps_status *st)
{
	char final[FTPS_MAX_PATH], bak[FTPS_MAX_PATH] = "";
	enum ftps_rn_stage stage;
	struct ftps_entry old;
	struct ftps_status st2 = { 0 };
	struct ftps_conn *c;
	ftps_err e = FTPS_E_IO;

	final_name(u, final);
	for (int round = 0; round < 2; round++) {
		bak[0] = '\0';
		if (!(c = usable_conn(u, st)))
			return st->err ? st->err : FTPS_E_CONN;
		e = ftps_rename_ex(c, u->target, final, &stage, st);
		if (e == FTPS_OK)
			return FTPS_OK;
		if (ftps_err_class(e) == FTPS_CLASS_REFUSED && stage == FTPS_RN_TO &&
		    ftps_conn_usable(c) && ftps_stat(c, final, &old, &st2) == FTPS_OK &&
		    old.type == FTPS_FT_FILE) {
			uint32_t rnd = 0;
			if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
				rnd = (uint32_t)getpid() ^ (uint32_t)time(NULL);
			if (ftps_path_sibling(final, "ftpsfs-old", rnd, bak, sizeof(bak)) != 0)
				return e;
			ftps_debug("%s: the server will not rename over the old file (%s); moving it "
			           "aside first", final, st->msg);
			e = ftps_rename_replace(c, u->target, final, bak, st);
			if (e == FTPS_OK)
				return FTPS_OK;
		}
		if (ftps_err_class(e) == FTPS_CLASS_REFUSED && !st->unsure) {
			/* Refused: nothing changed - unless the old version could not
			 * be put back: unless the final name is seen to hold a file,
			 * the new one may be the only copy of the data. */
			if (bak[0] && (!ftps_conn_usable(c) || ftps_stat(c, final, &old, &st2) != FTPS_OK))
				break;
			return e;
		}
		/* The connection failed on the way: look - for as long as the
		 * timeout lasts, should the server be away meanwhile. */
		struct ftps_retry retry;
		int pause;
		ftps_retry_init(&retry, ftps_config_timeout_ms(u->fs->cfg), 0);
		for (;;) {
			e = (c = usable_conn(u, &st2)) != NULL
			    ? ftps_rename_settle(c, u->target, final, bak[0] ? bak : NULL, st)
			    : st2.err ? st2.err : FTPS_E_CONN;
			if (e == FTPS_OK || e == FTPS_E_RETRY || !ftps_err_retryable(e) ||
			    !ftps_retry_next(&retry, ftps_now_ms(), &pause))
				break;
			ftps_retry_pause(pause < 500 ? 500 : pause);
		}
		if (e == FTPS_OK)
			return FTPS_OK;
		if (e != FTPS_E_RETRY)
			break;
		ftps_debug("%s: the rename into place did not happen; once more", final);
	}
	/* Whether the old version is still under the final name is not known
	 * (or it is not): the temporary file may be the only copy of the new
	 * data, so it stays. */
	u->only_copy = 1;
	ftps_error("%s: the new version could not be renamed into place (%s): it is kept on the "
	           "server as %s and will be renamed when the name is free", final, st->msg,
	           u->target);
	ftpsfs_stranded_add(u->fs, u->target, final);
	return e != FTPS_OK ? e : FTPS_E_IO;
}

/* Close the data connection and read 226; a transfer cut short by the
 * network is resumed from the source and completed again. */
static ftps_err complete(struct ftpsfs_upload *u, struct ftps_status *st)
{
	ftps_err e = ftps_xfer_finish(u->xfer, st);

	u->xfer = NULL;
	for (int i = 0; i < RESUME_TRIES && u->src_fd >= 0 && transient(e); i++) {
		if ((e = resume(u, u->sent, st)) != FTPS_OK)
			break;
		e = ftps_xfer_finish(u->xfer, st);
		u->xfer = NULL;
	}
	return e;
}

int ftpsfs_upload_finish(struct ftpsfs_upload *u, int mode, int64_t mtime,
                         struct ftpsfs_uploaded *res)
{
	struct ftps_status st = { 0 }, st2 = { 0 };
	ftps_err e;
	int rc = sender_stop(u, STOP_DRAINED);

	memset(res, 0, sizeof(*res));
	if (rc < 0) {
		ftpsfs_upload_abort(u);   /* the sender logged why */
		return rc;
	}
	e = complete(u, &st);
	if (e == FTPS_OK)
		e = verify(u, &st);
	if (e == FTPS_OK && mode >= 0) {
		if (ftps_chmod(u->conn, u->target, (unsigned)mode & 07777, &st2) == FTPS_OK)
			res->mode_set = 1;
		else
			ftps_debug("%s: could not set mode %04o: %s", u->final, (unsigned)mode & 07777,
			           st2.msg);
	}
	if (e == FTPS_OK && strcmp(u->target, u->final) != 0)
		e = put_in_place(u, &st);
	if (e != FTPS_OK) {
		ftps_error("upload of %s failed: %s", u->final, st.msg);
		rc = -ftps_err_errno(e);
		cleanup_temp(u);
		goto out;
	}
	res->size = u->base + u->sent;
	res->mtime = time(NULL);
	res->mtime_exact = 0;
	if (u->atomic) {
		char final[FTPS_MAX_PATH];
		final_name(u, final);
		ftpsfs_stranded_superseded(u->fs, final);
	}
	if (!usable_conn(u, &st2))
		goto out;       /* in place; its time is the server's clock */
	if (mtime >= 0) {
		if (ftps_set_mtime(u->conn, u->final, mtime, &st2) == FTPS_OK) {
			res->mtime = mtime;
			res->mtime_exact = 1;
		} else {
			ftps_debug("%s: could not set the time: %s", u->final, st2.msg);
		}
	} else {
		int64_t t;
		if (ftps_mdtm(u->conn, u->final, &t, &st2) == FTPS_OK) {
			res->mtime = t;
			res->mtime_exact = 1;
		}
	}
out:
	release_conn(u, e);
	upload_free(u);
	return rc;
}

int ftpsfs_upload_retryable(int rc)
{
	return rc == -EIO || rc == -ETIMEDOUT || rc == -EAGAIN || rc == -ECONNRESET ||
	       rc == -EPROTO || rc == -ECONNABORTED;
}

/* The server's size of remote now, on a short connection: 0, or -1. */
static int server_size(struct ftpsfs *fs, const char *remote, uint64_t *size)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;
	ftps_err e = ftps_pool_get(fs->pool, FTPS_USE_SHORT, &c, &st);

	if (e != FTPS_OK)
		return -1;
	e = ftps_size(c, remote, size, &st);
	ftps_pool_put(fs->pool, c, e);
	return e == FTPS_OK ? 0 : -1;
}

int ftpsfs_upload_fd(struct ftpsfs *fs, const char *remote, int fd, uint64_t from,
                     uint64_t size, int append, int mode, int64_t mtime,
                     struct ftpsfs_uploaded *res)
{
	char *buf = malloc(IO_CHUNK);
	uint64_t first = from;
	struct ftps_retry retry;
	int rc = -EIO, pause;

	if (!buf)
		return -ENOMEM;
	/* A server that is restarting needs a moment: UPLOAD_TRIES tries, and
	 * more while the timeout since the first failure lasts. */
	ftps_retry_init(&retry, ftps_config_timeout_ms(fs->cfg), UPLOAD_TRIES);
	for (int attempt = 1;; attempt++) {
		struct ftpsfs_upload *u;
		uint64_t off = from;

		rc = ftpsfs_upload_start(fs, remote, append, fd, &u);
		if (rc == 0 && append && u->base != from) {
			ftps_error("%s changed on the server while open (%llu bytes, expected %llu): "
			           "not appending", remote, (unsigned long long)u->base,
			           (unsigned long long)from);
			ftpsfs_upload_abort(u);
			rc = -EIO;
			break;
		}
		while (rc == 0 && off < size) {
			size_t want = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
			ssize_t n = pread(fd, buf, want, (off_t)off);
			if (n <= 0) {
				rc = n < 0 ? -errno : -EIO;
				ftps_error("%s: reading the spool: %s", remote, strerror(-rc));
				ftpsfs_upload_abort(u);
				goto done;
			}
			rc = ftpsfs_upload_write(u, buf, (size_t)n);
			off += (uint64_t)n;
		}
		if (rc == 0)
			rc = ftpsfs_upload_finish(u, mode, mtime, res);
		else if (u)
			ftpsfs_upload_abort(u);
		/* The server is back: remove what failed tries left on it. */
		if (rc == 0)
			ftpsfs_orphans_sweep(fs, 1);
		if (rc == 0 || !ftpsfs_upload_retryable(rc) ||
		    !ftps_retry_next(&retry, ftps_now_ms(), &pause))
			break;
		ftps_warn("upload of %s failed (%s); trying again in %.1f s (try %d)", remote,
		          strerror(-rc), pause / 1000.0, attempt + 1);
		ftps_retry_pause(pause);
		if (!append)
			continue;
		/* An append that failed may have landed in part or in whole: it
		 * is never sent again blindly. What the server has says what is
		 * left to append. */
		uint64_t landed;
		if (server_size(fs, remote, &landed) != 0)
			continue;       /* not known yet: the next try asks again */
		if (landed == size) {
			ftps_info("%s: the append's reply was lost, but all of it is on the server", remote);
			memset(res, 0, sizeof(*res));
			res->size = size;
			res->mtime = time(NULL);
			rc = 0;
			break;
		}
		if (landed < first || landed > size) {
			ftps_error("%s changed on the server while appending (%llu bytes, expected %llu "
			           "to %llu): not appending", remote, (unsigned long long)landed,
			           (unsigned long long)first, (unsigned long long)size);
			rc = -EIO;
			break;
		}
		from = landed;
	}
done:
	free(buf);
	return rc;
}
