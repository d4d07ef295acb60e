/* upload.c - an upload's life: start (STOR or APPE to the temporary
 * name), send, resume after a network failure, finish, abort; and
 * uploading a whole file from the spool with retries (see upload.h).
 * Where it lands (names, checks, rename into place) is upload_place.c;
 * sending in the background is upload_send.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "upload_int.h"
#include "hash.h"
#include "leftovers.h"
#include "path.h"
#include "sock.h"
#include "retry.h"

static void upload_free(struct ftps_upload *u)
{
	if (u->running)
		ftps_stats_add(ftps_pool_stats(u->eng->pool), FTPS_CTR_UPLOADS_RUNNING, -1);
	ftps_hasher_free(&u->h);
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* The final name, which a rename may change while the sender runs. */
void upload_final_name(struct ftps_upload *u, char out[FTPS_MAX_PATH])
{
	pthread_mutex_lock(&u->mu);
	memcpy(out, u->final, FTPS_MAX_PATH);
	pthread_mutex_unlock(&u->mu);
}

void upload_release_conn(struct ftps_upload *u, ftps_err last)
{
	if (u->conn)
		ftps_pool_put(u->eng->pool, u->conn, last);
	u->conn = NULL;
}

/* ftps_upload_start, drawing on budget for its retries (NULL: its own). */
static int upload_start(struct ftps_engine *eng, const char *remote, int append, int src_fd,
                        struct ftps_retry *budget, struct ftps_upload **out)
{
	struct ftps_status st = { 0 };
	struct ftps_upload *u;
	ftps_err e;
	int rc;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->eng = eng;
	ftps_retry_init(&u->own_budget, ftps_config_timeout_ms(eng->cfg), UPLOAD_TRIES);
	u->budget = budget ? budget : &u->own_budget;
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	u->src_fd = src_fd;
	u->append = append;
	u->atomic = eng->atomic && !append;
	snprintf(u->final, sizeof(u->final), "%s", remote);
	if (u->atomic) {
		if ((rc = upload_temp_name(remote, u->target, sizeof(u->target))) < 0) {
			upload_free(u);
			return rc;
		}
	} else {
		snprintf(u->target, sizeof(u->target), "%s", remote);
	}
	e = ftps_pool_get(eng->pool, FTPS_USE_XFER, &u->conn, &st);
	if (e != FTPS_OK) {
		upload_free(u);
		return ftps_err_report(e, &st, "upload", remote);
	}
	if (append && (e = ftps_size(u->conn, remote, &u->base, &st)) != FTPS_OK)
		goto fail;
	if (eng->verify == FTPS_VERIFY_HASH && !append) {
		int use_cmd;
		ftps_hasher_init(&u->h, ftps_caps_best_hash(ftps_conn_caps(u->conn), &use_cmd));
		if (u->h.algo == FTPS_HASH_NONE)
			ftps_debug("%s: the server offers no hash; verifying the size only", remote);
	}
	/* A data connection the server could not open now (425: its passive
	 * port in use) is asked for again on the same connection, from the
	 * upload's budget, before the upload counts as not started. */
	for (int pause;;) {
		e = u->atomic ? ftps_stor_new_start(u->conn, u->target, &u->xfer, &st)
		              : ftps_stor_start(u->conn, u->target, append, &u->xfer, &st);
		if (e == FTPS_OK || ftps_err_class(e) != FTPS_CLASS_TRANSIENT ||
		    !ftps_conn_usable(u->conn) || !ftps_retry_next(u->budget, ftps_now_ms(), &pause))
			break;
		ftps_debug("%s: %s; asking once more", remote, st.msg);
		ftps_retry_pause(pause < 100 ? 100 : pause);
	}
	if (e != FTPS_OK) {
		/* The STOR went out: the server may have made the temporary
		 * file before the data connection failed - or, when the control
		 * connection was lost, may make it after our DELE, from a session
		 * that has not noticed yet: that one is looked for again later. */
		upload_cleanup_temp(u);
		if (u->atomic && ftps_err_class(e) == FTPS_CLASS_LOST)
			ftps_orphan_add(eng, u->target);
		goto fail;
	}
	u->running = 1;
	ftps_stats_add(ftps_pool_stats(eng->pool), FTPS_CTR_UPLOADS_RUNNING, 1);
	*out = u;
	return 0;
fail:
	if (append && ftps_err_class(e) == FTPS_CLASS_REFUSED) {
		/* The caller falls back to a whole upload (ProFTPD refuses APPE
		 * by default: "451 Append/Restart not permitted"). */
		ftps_debug("append %s: %s", remote, st.msg);
		rc = -ENOTSUP;
	} else {
		rc = ftps_err_report(e, &st, append ? "append" : "upload", remote);
	}
	upload_release_conn(u, e);
	upload_free(u);
	return rc;
}

int ftps_upload_start(struct ftps_engine *eng, const char *remote, int append, int src_fd,
                      struct ftps_upload **out)
{
	return upload_start(eng, remote, append, src_fd, NULL, out);
}

/* Read len bytes at the source's offset off into buf. */
ftps_err upload_source_read(struct ftps_upload *u, char *buf, size_t len, uint64_t off,
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
 * it again with STOR when the server refuses APPE. at_end: nothing more is
 * to be sent after end (the final reply was lost): when all of it arrived,
 * no transfer is started again and u->xfer stays NULL. */
static ftps_err resume(struct ftps_upload *u, uint64_t end, int at_end, struct ftps_status *st)
{
	ftps_err e = st->err ? st->err : FTPS_E_CONN;
	char *buf = malloc(IO_CHUNK), name[FTPS_MAX_PATH];

	if (!buf)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	upload_final_name(u, name);
	for (int pause; ftps_retry_next(u->budget, ftps_now_ms(), &pause);) {
		uint64_t landed = 0, off;

		if (u->xfer)
			ftps_xfer_abort(u->xfer, NULL);
		u->xfer = NULL;
		upload_release_conn(u, FTPS_E_CONN);
		ftps_stats_add(ftps_pool_stats(u->eng->pool), FTPS_CTR_RETRIES, 1);
		ftps_warn("upload of %s interrupted after %llu bytes (%s); resuming (retry %d)",
		          name, (unsigned long long)end, st->msg, u->budget->tries);
		ftps_retry_pause(pause < RESUME_SETTLE_MS ? RESUME_SETTLE_MS : pause);
		if ((e = ftps_pool_get(u->eng->pool, FTPS_USE_XFER, &u->conn, st)) != FTPS_OK)
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
		if (at_end && off == end) {
			ftps_info("%s: its final reply was lost, but all %llu bytes are on the server",
			          name, (unsigned long long)end);
			break;
		}
		e = ftps_stor_start(u->conn, u->target, off > 0 || u->append, &u->xfer, st);
		if (e != FTPS_OK && !ftps_err_network(e) && off > 0 && !u->append) {
			/* APPE refused (ProFTPD without AllowStoreRestart): the
			 * source has every byte, so send them all again. */
			ftps_info("%s: the server refuses to append (%s); sending it again from the start",
			          name, st->msg);
			off = 0;
			e = ftps_stor_start(u->conn, u->target, 0, &u->xfer, st);
		}
		while (e == FTPS_OK && off < end) {
			size_t n = end - off < IO_CHUNK ? (size_t)(end - off) : IO_CHUNK;
			if ((e = upload_source_read(u, buf, n, off, st)) == FTPS_OK)
				e = ftps_xfer_write(u->xfer, buf, n, st);
			off += n;
		}
		if (e == FTPS_OK || !ftps_err_network(e))
			break;
	}
	free(buf);
	return e;
}

void ftps_upload_new_name(struct ftps_upload *u)
{
	pthread_mutex_lock(&u->mu);
	if (u->new_name == 0)       /* never after a rename (-1) */
		u->new_name = 1;
	pthread_mutex_unlock(&u->mu);
}

void ftps_upload_retarget(struct ftps_upload *u, const char *remote)
{
	pthread_mutex_lock(&u->mu);
	snprintf(u->final, sizeof(u->final), "%s", remote);
	u->new_name = -1;
	pthread_mutex_unlock(&u->mu);
}

/* Send len bytes at the current end, resuming after a network failure. */
ftps_err upload_send_chunk(struct ftps_upload *u, const void *buf, size_t len, uint64_t at,
                           struct ftps_status *st)
{
	ftps_err e = ftps_xfer_write(u->xfer, buf, len, st);

	if (ftps_err_network(e) && u->src_fd >= 0) {
		e = resume(u, at + len, 0, st);
		if (e == FTPS_OK)
			ftps_retry_reset(u->budget);    /* flowing again: a later cut starts afresh */
	}
	if (e == FTPS_OK)
		ftps_hasher_update(&u->h, buf, len);
	return e;
}

int upload_errno(struct ftps_upload *u, ftps_err e, const struct ftps_status *st)
{
	char name[FTPS_MAX_PATH];

	upload_final_name(u, name);
	return ftps_err_report(e, st, "upload", name);
}

int ftps_upload_write(struct ftps_upload *u, const void *buf, size_t len)
{
	struct ftps_status st = { 0 };
	ftps_err e = upload_send_chunk(u, buf, len, u->sent, &st);

	if (e != FTPS_OK)
		return upload_errno(u, e, &st);
	u->sent += len;
	return 0;
}

void ftps_upload_abort(struct ftps_upload *u)
{
	ftps_err e = FTPS_OK;

	if (!u)
		return;
	upload_sender_stop(u, STOP_NOW);
	if (u->xfer)
		e = ftps_xfer_abort(u->xfer, NULL);
	u->xfer = NULL;
	upload_cleanup_temp(u);
	upload_release_conn(u, e);
	upload_free(u);
}

/* Close the data connection and read 226; a transfer cut short by the
 * network is resumed from the source and completed again. */
static ftps_err complete(struct ftps_upload *u, struct ftps_status *st)
{
	ftps_err e = ftps_xfer_finish(u->xfer, st);

	u->xfer = NULL;
	/* Bounded by the upload's budget: each resume draws on it. */
	while (u->src_fd >= 0 && ftps_err_network(e)) {
		if ((e = resume(u, u->sent, 1, st)) != FTPS_OK || !u->xfer)
			break;      /* failed, or all of it was there */
		e = ftps_xfer_finish(u->xfer, st);
		u->xfer = NULL;
	}
	return e;
}

int ftps_upload_finish(struct ftps_upload *u, int mode, int64_t mtime,
                         struct ftps_uploaded *res)
{
	struct ftps_status st = { 0 }, st2 = { 0 };
	ftps_err e;
	int64_t t = 0;
	int t_ok = 0;
	int rc = upload_sender_stop(u, STOP_DRAINED);

	memset(res, 0, sizeof(*res));
	if (rc < 0) {
		ftps_upload_abort(u);   /* the sender logged why */
		return rc;
	}
	e = complete(u, &st);
	if (e == FTPS_OK && !upload_place_new(u, mode, mtime, &res->mode_set, &t, &t_ok, &e, &st)) {
		e = upload_check(u, mode, &res->mode_set, &st);
		if (e == FTPS_OK && strcmp(u->target, u->final) != 0)
			e = upload_put_in_place(u, mtime, &t, &t_ok, &st);
	}
	if (e != FTPS_OK) {
		ftps_error("upload of %s failed: %s", u->final, st.msg);
		rc = -ftps_err_errno(e);
		upload_cleanup_temp(u);
		goto out;
	}
	res->size = u->base + u->sent;
	res->mtime = t_ok ? t : time(NULL);
	res->mtime_exact = t_ok;
	if (u->atomic) {
		char final[FTPS_MAX_PATH];
		upload_final_name(u, final);
		ftps_stranded_superseded(u->eng, final);
	}
	if (t_ok)
		goto out;       /* the time came with the rename */
	if (!upload_usable_conn(u, &st2))
		goto out;       /* in place; its time is the server's clock */
	if (mtime >= 0) {
		if (ftps_set_mtime(u->conn, u->final, mtime, &st2) == FTPS_OK) {
			res->mtime = mtime;
			res->mtime_exact = 1;
		} else {
			ftps_debug("%s: could not set the time: %s", u->final, st2.msg);
		}
	} else if (ftps_mdtm(u->conn, u->final, &t, &st2) == FTPS_OK) {
		res->mtime = t;
		res->mtime_exact = 1;
	}
out:
	upload_release_conn(u, e);
	upload_free(u);
	return rc;
}

/* The server's size of remote now, on a short connection: 0, or -1. */
static int server_size(struct ftps_engine *eng, const char *remote, uint64_t *size)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;
	ftps_err e = ftps_pool_get(eng->pool, FTPS_USE_SHORT, &c, &st);

	if (e != FTPS_OK)
		return -1;
	e = ftps_size(c, remote, size, &st);
	ftps_pool_put(eng->pool, c, e);
	return e == FTPS_OK ? 0 : -1;
}

/* An append whose reply was lost turned out to be on the server whole. */
static int append_found(const char *remote, uint64_t size, struct ftps_uploaded *res)
{
	ftps_info("%s: the append's reply was lost, but all of it is on the server", remote);
	memset(res, 0, sizeof(*res));
	res->size = size;
	res->mtime = time(NULL);
	return 0;
}

int ftps_upload_fd(struct ftps_engine *eng, const char *remote, int fd, uint64_t from,
                     uint64_t size, int append, int mode, int64_t mtime,
                     struct ftps_uploaded *res)
{
	char *buf = malloc(IO_CHUNK);
	uint64_t first = from;
	struct ftps_retry retry;
	int rc = -EIO, pause;

	if (!buf)
		return -ENOMEM;
	/* A server that is restarting needs a moment: UPLOAD_TRIES tries, and
	 * more while the timeout since the first failure lasts. One budget for
	 * the whole upload: the resumes inside a try draw on it too. */
	ftps_retry_init(&retry, ftps_config_timeout_ms(eng->cfg), UPLOAD_TRIES);
	for (int attempt = 1;; attempt++) {
		struct ftps_upload *u;
		uint64_t off = from;

		rc = upload_start(eng, remote, append, fd, &retry, &u);
		if (rc == 0 && append && u->base != from && attempt > 1 &&
		    u->base > from && u->base <= size) {
			/* A failed try landed after all (its reply was lost, and the
			 * server could not be asked since): its size says how much. */
			if (u->base == size) {
				ftps_upload_abort(u);
				rc = append_found(remote, size, res);
				break;
			}
			from = off = u->base;
		}
		if (rc == 0 && append && u->base != from) {
			ftps_error("%s changed on the server while open (%llu bytes, expected %llu): "
			           "not appending", remote, (unsigned long long)u->base,
			           (unsigned long long)from);
			ftps_upload_abort(u);
			rc = -EIO;
			break;
		}
		while (rc == 0 && off < size) {
			size_t want = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
			ssize_t n = pread(fd, buf, want, (off_t)off);
			if (n <= 0) {
				rc = n < 0 ? -errno : -EIO;
				ftps_error("%s: reading the spool: %s", remote, strerror(-rc));
				ftps_upload_abort(u);
				goto done;
			}
			rc = ftps_upload_write(u, buf, (size_t)n);
			off += (uint64_t)n;
		}
		if (rc == 0)
			rc = ftps_upload_finish(u, mode, mtime, res);
		else if (u)
			ftps_upload_abort(u);
		/* The server is back: remove what failed tries left on it. */
		if (rc == 0)
			ftps_orphans_sweep(eng, 1);
		if (rc == 0 || !ftps_errno_retryable(rc) ||
		    !ftps_retry_next(&retry, ftps_now_ms(), &pause))
			break;
		ftps_stats_add(ftps_pool_stats(eng->pool), FTPS_CTR_RETRIES, 1);
		ftps_warn("upload of %s failed (%s); trying again in %.1f s (try %d)", remote,
		          strerror(-rc), pause / 1000.0, attempt + 1);
		ftps_retry_pause(pause);
		if (!append)
			continue;
		/* An append that failed may have landed in part or in whole: it
		 * is never sent again blindly. What the server has says what is
		 * left to append. */
		uint64_t landed;
		if (server_size(eng, remote, &landed) != 0)
			continue;       /* not known yet: the next try asks again */
		if (landed == size) {
			rc = append_found(remote, size, res);
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
