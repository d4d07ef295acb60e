/* upload_place.c - where an upload lands: the temporary name next to the
 * final one, the checks of what arrived (SIZE, and a hash with -o
 * verify=hash), the rename into place that never deletes a version
 * before the other is safe, and the clean-up of a failed upload's
 * temporary file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "upload_int.h"
#include "leftovers.h"
#include "path.h"
#include "retry.h"
#include "server.h"
#include "sock.h"

/* ".NAME.ftpsfs-XXXXXX" next to the final name, within NAME_MAX. */
int upload_temp_name(const char *final, char *out, size_t outlen)
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

/* Removing a temporary file after a failure: on our connection if it
 * survived, else on a fresh one; when neither can, it goes on the list of
 * leftovers that the housekeeper removes once the server answers again.
 * A temporary file never stays behind unnoticed. */
void upload_cleanup_temp(struct ftps_upload *u)
{
	struct ftps_status st = { 0 };
	struct ftps_conn *c;

	if (!u->atomic || u->only_copy)
		return;
	if (delete_temp(u->conn, u->target, &st))
		return;
	/* Our connection goes back first: with a cap of one, waiting for
	 * another while holding it would wait out the timeout. */
	upload_release_conn(u, u->conn && ftps_conn_usable(u->conn) ? FTPS_OK : FTPS_E_CONN);
	if (ftps_pool_get(u->eng->pool, FTPS_USE_SHORT, &c, &st) == FTPS_OK) {
		int gone = delete_temp(c, u->target, &st);
		ftps_pool_put(u->eng->pool, c, ftps_conn_usable(c) ? FTPS_OK : FTPS_E_CONN);
		if (gone)
			return;
	}
	ftps_warn("could not remove the temporary file %s on the server (%s); "
	          "trying again later", u->target, st.msg);
	ftps_orphan_add(u->eng, u->target);
}

/* What SIZE said (e, with its reason in why) against the want bytes that
 * were sent: FTPS_OK when they agree or the server has no SIZE. */
static ftps_err size_verdict(ftps_err e, const struct ftps_status *why, uint64_t have,
                             uint64_t want, struct ftps_status *st)
{
	if (e == FTPS_E_NOTSUP)
		return FTPS_OK;         /* nothing to compare */
	if (e != FTPS_OK) {
		if (st != why)
			*st = *why;
		return e;
	}
	if (have != want)
		return ftps_fail(st, FTPS_E_IO, 0, "the server has %llu bytes, %llu were sent",
		                 (unsigned long long)have, (unsigned long long)want);
	return FTPS_OK;
}

/* Size (and hash) of what landed, against what we sent; the mode set in
 * the same round trip as SIZE when there is no hash to ask for. */
ftps_err upload_check(struct ftps_upload *u, int mode, int *mode_set, struct ftps_status *st)
{
	uint64_t want = u->base + u->sent, have = 0;
	struct ftps_status st2 = { 0 };
	ftps_err e;

	*mode_set = 0;
	if (u->eng->verify == FTPS_VERIFY_NONE) {
		e = FTPS_E_NOTSUP;      /* nothing to compare */
		if (mode >= 0)
			*mode_set = ftps_chmod(u->conn, u->target, (unsigned)mode, &st2) == FTPS_OK;
	} else {
		e = ftps_size_chmod(u->conn, u->target, mode, &have, mode_set, st);
	}
	if (mode >= 0 && !*mode_set)
		ftps_debug("%s: could not set mode %04o", u->final, (unsigned)mode & 07777);
	if (e == FTPS_E_NOTSUP)
		return FTPS_OK;
	if ((e = size_verdict(e, st, have, want, st)) != FTPS_OK)
		return e;
	if (u->h.algo != FTPS_HASH_NONE) {
		enum ftps_hash_algo algo;
		char theirs[160], ours[160];
		ftps_hasher_hex(&u->h, ours, sizeof(ours));
		if ((e = ftps_hash(u->conn, u->target, &algo, theirs, sizeof(theirs), st)) != FTPS_OK)
			return e == FTPS_E_NOTSUP ? FTPS_OK : e;
		if (algo != u->h.algo || strcmp(theirs, ours) != 0)
			return ftps_fail(st, FTPS_E_IO, 0, "the server's %s is %s, ours is %s",
			                 ftps_hash_name(algo), theirs, ours);
		ftps_debug("%s: %s verified", u->final, ftps_hash_name(algo));
	}
	return FTPS_OK;
}

/* The new version could not be put in place, and where it is cannot be
 * told: the temporary file may be the only copy of its data, so it
 * stays, and the housekeeper renames it when the name is free. */
static ftps_err strand(struct ftps_upload *u, const char *final, ftps_err e,
                       struct ftps_status *st)
{
	u->only_copy = 1;
	ftps_error("%s: the new version could not be renamed into place (%s): it is kept on the "
	           "server as %s and will be renamed when the name is free", final, st->msg,
	           u->target);
	ftps_stranded_add(u->eng, u->target, final);
	return e != FTPS_OK ? e : FTPS_E_IO;
}

/* The upload's control connection when it is still usable, else a fresh
 * short one in its place (the old one is closed). NULL when none can be had. */
struct ftps_conn *upload_usable_conn(struct ftps_upload *u, struct ftps_status *st)
{
	if (u->conn && ftps_conn_usable(u->conn))
		return u->conn;
	upload_release_conn(u, FTPS_E_CONN);
	if (ftps_pool_get(u->eng->pool, FTPS_USE_SHORT, &u->conn, st) != FTPS_OK)
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
ftps_err upload_put_in_place(struct ftps_upload *u, int64_t mtime, int64_t *t, int *t_ok,
                             struct ftps_status *st)
{
	char final[FTPS_MAX_PATH], bak[FTPS_MAX_PATH] = "";
	enum ftps_rn_stage stage;
	struct ftps_entry old;
	struct ftps_status st2 = { 0 };
	struct ftps_conn *c;
	ftps_err e = FTPS_E_IO;

	*t_ok = 0;
	upload_final_name(u, final);
	for (int round = 0; round < 2; round++) {
		bak[0] = '\0';
		if (!(c = upload_usable_conn(u, st)))
			return st->err ? st->err : FTPS_E_CONN;
		/* The first try brings the new file's time along. */
		e = round == 0 ? ftps_rename_timed(c, u->target, final, mtime, &stage, t, t_ok, st)
		               : ftps_rename_ex(c, u->target, final, &stage, st);
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
		int pause;
		for (;;) {
			e = (c = upload_usable_conn(u, &st2)) != NULL
			    ? ftps_rename_settle(c, u->target, final, bak[0] ? bak : NULL, st)
			    : st2.err ? st2.err : FTPS_E_CONN;
			if (e == FTPS_OK || e == FTPS_E_RETRY || !ftps_err_retryable(e) ||
			    !ftps_retry_next(u->budget, ftps_now_ms(), &pause))
				break;
			ftps_stats_add(ftps_pool_stats(u->eng->pool), FTPS_CTR_RETRIES, 1);
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
	return strand(u, final, e, st);
}

/* ---- a new name: the checks and the rename in one round trip ----
 *
 * When no file is under the final name, renaming before the size check
 * has answered risks no other version: SIZE, SITE CHMOD, RNFR, RNTO, the
 * time and the next EPSV go out together (one round trip instead of two,
 * a quarter of a small upload at a distance). Should the size be wrong
 * after all, the short file is moved back under the temporary name, and
 * the failure's clean-up removes it from there: nothing is ever deleted
 * under the final name. A server known to drop commands sent ahead, a
 * hash to verify, or a final name that changed meanwhile (a rename while
 * uploading) take the usual way. */

/* The file went into place with the wrong size: back under the
 * temporary name. */
static void move_back(struct ftps_upload *u, const char *final)
{
	struct ftps_status st2 = { 0 };
	struct ftps_conn *c = upload_usable_conn(u, &st2);

	if (c && ftps_rename(c, final, u->target, &st2) == FTPS_OK)
		return;
	ftps_error("%s: the server holds an incomplete copy under this name, which could not be "
	           "moved back (%s)", final, st2.msg);
}

/* The group's connection failed on the way: where the file is decides. */
static ftps_err settle_new(struct ftps_upload *u, const char *final, uint64_t want, int mode,
                           int64_t mtime, int *mode_set, int64_t *t, int *t_ok,
                           struct ftps_status *st)
{
	struct ftps_status st2 = { 0 };
	struct ftps_conn *c = upload_usable_conn(u, st);
	uint64_t have = 0;
	ftps_err e;

	if (!c)
		return strand(u, final, st->err ? st->err : FTPS_E_CONN, st);
	e = ftps_rename_settle(c, u->target, final, NULL, st);
	if (e == FTPS_E_RETRY) {
		/* Not renamed: the usual way, on this connection. */
		if ((e = upload_check(u, mode, mode_set, st)) != FTPS_OK)
			return e;
		return upload_put_in_place(u, mtime, t, t_ok, st);
	}
	if (e != FTPS_OK)
		return strand(u, final, e, st);
	/* Renamed: what arrived is checked under the final name. */
	e = ftps_size(c, final, &have, &st2);
	if ((e = size_verdict(e, &st2, have, want, st)) != FTPS_OK) {
		move_back(u, final);
		return e;
	}
	if (mode >= 0)
		*mode_set = ftps_chmod(c, final, (unsigned)mode, &st2) == FTPS_OK;
	return FTPS_OK;
}

int upload_place_new(struct ftps_upload *u, int mode, int64_t mtime, int *mode_set,
                     int64_t *t, int *t_ok, ftps_err *e, struct ftps_status *st)
{
	char final[FTPS_MAX_PATH];
	uint64_t want = u->base + u->sent;
	struct ftps_placed p;
	int new_name;
	ftps_err size;

	pthread_mutex_lock(&u->mu);
	new_name = u->new_name;
	pthread_mutex_unlock(&u->mu);
	if (new_name != 1 || !u->atomic || u->eng->verify != FTPS_VERIFY_SIZE || !u->conn ||
	    ftps_server_knows(ftps_pool_server(u->eng->pool), FTPS_FACT_NO_PIPELINING))
		return 0;
	upload_final_name(u, final);
	*mode_set = 0;
	*t_ok = 0;
	if (ftps_place_new(u->conn, u->target, final, mode, mtime, &p, st) != FTPS_OK) {
		*e = settle_new(u, final, want, mode, mtime, mode_set, t, t_ok, st);
		return 1;
	}
	*mode_set = p.mode_set;
	if (mode >= 0 && !p.mode_set)
		ftps_debug("%s: could not set mode %04o", final, (unsigned)mode & 07777);
	size = size_verdict(p.size_e, &p.size_st, p.size, want, st);
	if (p.rn_e != FTPS_OK) {
		/* Not renamed (a file got there after all, on a server that
		 * will not rename over one): the usual way, when the size is
		 * right. */
		*e = size != FTPS_OK ? size : upload_put_in_place(u, mtime, t, t_ok, st);
		return 1;
	}
	if (size != FTPS_OK) {
		ftps_warn("%s: %s; moving it back out of place", final, st->msg);
		move_back(u, final);
		*e = size;
		return 1;
	}
	*t = p.mtime;
	*t_ok = p.mtime_ok;
	*e = FTPS_OK;
	return 1;
}
