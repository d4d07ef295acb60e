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
	if (e != FTPS_OK)
		return e;
	if (have != want)
		return ftps_fail(st, FTPS_E_IO, 0, "the server has %llu bytes, %llu were sent",
		                 (unsigned long long)have, (unsigned long long)want);
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
	u->only_copy = 1;
	ftps_error("%s: the new version could not be renamed into place (%s): it is kept on the "
	           "server as %s and will be renamed when the name is free", final, st->msg,
	           u->target);
	ftps_stranded_add(u->eng, u->target, final);
	return e != FTPS_OK ? e : FTPS_E_IO;
}
