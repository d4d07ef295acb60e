/* ops.c - the FTP verbs the filesystem needs, each built on ftps_command()
 * or a transfer; no verb touches bytes on the wire itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conn.h"
#include "path.h"
#include "replies.h"
#include "sock.h"

/* xfer_open.c */
ftps_err xfer_start_listing(struct ftps_conn *c, const char *verb, const char *path,
                            struct ftps_xfer **out, struct ftps_status *st);

#define CHECK_PATH(p, st) \
	do { if (ftps_path_ok(p) != 0) return ftps_fail((st), FTPS_E_INVAL, 0, \
		"refusing a path with CR, LF or an unusable length"); } while (0)

/* One command whose success is a single expected code. */
static ftps_err simple(struct ftps_conn *c, int want, enum ftps_ctx ctx, const char *what,
                       struct ftps_status *st, const char *verb, const char *arg)
{
	const struct ftps_reply *r;
	ftps_err e = ftps_command(c, &r, st, "%s %s", verb, arg);

	if (e != FTPS_OK)
		return e;
	if (r->code == want || (want == 250 && r->code == 200))
		return FTPS_OK;
	e = conn_reply_err(r, ctx, what, st);
	return e != FTPS_OK ? e : ftps_fail(st, FTPS_E_PROTO, r->code, "%s: unexpected reply %d",
	                                    what, r->code);
}

ftps_err ftps_noop(struct ftps_conn *c, struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e = ftps_command(c, &r, st, "NOOP");

	if (e == FTPS_OK && r->code != 200)
		e = conn_reply_err(r, FTPS_CTX_GENERIC, "NOOP", st);
	return e;
}

ftps_err ftps_size(struct ftps_conn *c, const char *path, uint64_t *size,
                   struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	CHECK_PATH(path, st);
	if ((e = ftps_command(c, &r, st, "SIZE %s", path)) != FTPS_OK)
		return e;
	if (r->code != 213)
		return conn_reply_err(r, FTPS_CTX_RETR, "SIZE", st);
	if (ftps_parse_size_reply(r->text, r->len, size) != 0)
		return ftps_fail(st, FTPS_E_PROTO, 213, "unusable SIZE reply");
	return FTPS_OK;
}

ftps_err ftps_mdtm(struct ftps_conn *c, const char *path, int64_t *mtime,
                   struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	CHECK_PATH(path, st);
	if ((e = ftps_command(c, &r, st, "MDTM %s", path)) != FTPS_OK)
		return e;
	if (r->code != 213)
		return conn_reply_err(r, FTPS_CTX_RETR, "MDTM", st);
	if (ftps_parse_mdtm_reply(r->text, r->len, mtime) != 0)
		return ftps_fail(st, FTPS_E_PROTO, 213, "unusable MDTM reply");
	return FTPS_OK;
}

ftps_err ftps_mlst(struct ftps_conn *c, const char *path, struct ftps_entry *e,
                   struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err err;

	CHECK_PATH(path, st);
	if (!c->caps.mlst)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "the server has no MLST");
	if ((err = ftps_command(c, &r, st, "MLST %s", path)) != FTPS_OK)
		return err;
	if (r->code != 250)
		return conn_reply_err(r, FTPS_CTX_RETR, "MLST", st);
	if (ftps_parse_mlst_reply(r->text, r->len, e) != 0)
		return ftps_fail(st, FTPS_E_PROTO, 250, "unusable MLST reply");
	return FTPS_OK;
}

ftps_err ftps_dele(struct ftps_conn *c, const char *path, struct ftps_status *st)
{
	CHECK_PATH(path, st);
	return simple(c, 250, FTPS_CTX_DELE, "DELE", st, "DELE", path);
}

ftps_err ftps_rename_ex(struct ftps_conn *c, const char *from, const char *to,
                        enum ftps_rn_stage *stage, struct ftps_status *st)
{
	ftps_err e;

	if (stage)
		*stage = FTPS_RN_FROM;
	CHECK_PATH(from, st);
	CHECK_PATH(to, st);
	if ((e = simple(c, 350, FTPS_CTX_RENAME, "RNFR", st, "RNFR", from)) != FTPS_OK)
		return e;
	if (stage)
		*stage = FTPS_RN_TO;
	return simple(c, 250, FTPS_CTX_RENAME, "RNTO", st, "RNTO", to);
}

ftps_err ftps_rename(struct ftps_conn *c, const char *from, const char *to,
                     struct ftps_status *st)
{
	return ftps_rename_ex(c, from, to, NULL, st);
}

ftps_err ftps_rename_replace(struct ftps_conn *c, const char *from, const char *to,
                             const char *bak, struct ftps_status *st)
{
	struct ftps_status st2 = { 0 };
	ftps_err e;

	CHECK_PATH(bak, st);
	/* 1. The old version steps aside. */
	if ((e = ftps_rename(c, to, bak, st)) != FTPS_OK)
		return e;
	/* 2. The new one takes its name. */
	if ((e = ftps_rename(c, from, to, st)) != FTPS_OK) {
		if (ftps_err_class(e) != FTPS_CLASS_REFUSED) {
			/* The old version is aside: whatever became of this
			 * step, the caller must find out (ftps_rename_settle),
			 * never start over. */
			st->unsure = 1;
			return e;
		}
		/* Refused after all: the old version goes back. */
		ftps_err e2 = ftps_rename(c, bak, to, &st2);
		if (e2 != FTPS_OK) {
			ftps_fail(st, e2, st2.reply, "%s; and the old %s could not be put back (%s): "
			          "it is kept as %s", st->msg, to, st2.msg, bak);
			st->unsure = st2.unsure;
			return e2;
		}
		return e;
	}
	/* 3. The old version goes: the rename asked for its replacement. */
	if (ftps_dele(c, bak, &st2) != FTPS_OK)
		ftps_warn("%s replaced, but its old version could not be removed (%s): it is "
		          "left as %s", to, st2.msg, bak);
	return FTPS_OK;
}

ftps_err ftps_rename_settle(struct ftps_conn *c, const char *from, const char *to,
                            const char *bak, struct ftps_status *st)
{
	struct ftps_entry ef, et, eb;
	ftps_err sf, stt, sb = FTPS_E_NOENT;

	sf = ftps_stat(c, from, &ef, st);
	if (ftps_err_class(sf) != FTPS_CLASS_REFUSED && sf != FTPS_OK)
		return sf;
	stt = ftps_stat(c, to, &et, st);
	if (ftps_err_class(stt) != FTPS_CLASS_REFUSED && stt != FTPS_OK)
		return stt;
	if (bak) {
		sb = ftps_stat(c, bak, &eb, st);
		if (ftps_err_class(sb) != FTPS_CLASS_REFUSED && sb != FTPS_OK)
			return sb;
	}
	if (sf == FTPS_E_NOENT && stt == FTPS_OK) {
		/* Done. What the rename replaced may still be aside. */
		if (sb == FTPS_OK) {
			struct ftps_status st2 = { 0 };
			if (ftps_dele(c, bak, &st2) != FTPS_OK)
				ftps_warn("%s replaced, but its old version could not be removed (%s): "
				          "it is left as %s", to, st2.msg, bak);
		}
		return FTPS_OK;
	}
	if (sf == FTPS_OK && sb == FTPS_OK && stt == FTPS_E_NOENT) {
		/* The old version stepped aside, the new one did not follow:
		 * put the old one back; the rename did not happen. */
		ftps_err e = ftps_rename(c, bak, to, st);
		if (e != FTPS_OK)
			return ftps_fail(st, e == FTPS_E_NOENT ? FTPS_E_IO : e, st->reply,
			                 "renaming %s over %s failed half way and the old %s could not "
			                 "be put back (%s): it is kept as %s", from, to, to, st->msg, bak);
		return ftps_fail(st, FTPS_E_RETRY, 0, "the rename of %s to %s did not happen", from, to);
	}
	if (sf == FTPS_OK && sb != FTPS_OK)
		return ftps_fail(st, FTPS_E_RETRY, 0, "the rename of %s to %s did not happen", from, to);
	return ftps_fail(st, FTPS_E_IO, 0, "what became of the rename of %s to %s is unknown "
	                 "(%s: %s, %s: %s%s%s%s)", from, to, from, sf == FTPS_OK ? "present" : "absent",
	                 to, stt == FTPS_OK ? "present" : "absent", bak ? ", " : "", bak ? bak : "",
	                 bak ? (sb == FTPS_OK ? ": present" : ": absent") : "");
}

ftps_err ftps_stat(struct ftps_conn *c, const char *path, struct ftps_entry *e,
                   struct ftps_status *st)
{
	const struct ftps_reply *r;
	uint64_t size = 0;
	ftps_err err;

	memset(e, 0, sizeof(*e));
	CHECK_PATH(path, st);
	if (c->caps.mlst) {
		err = ftps_mlst(c, path, e, st);
		/* only the type and size are wanted: nothing to free later */
		free(e->link_target);
		e->link_target = NULL;
		if (err != FTPS_E_NOTSUP && err != FTPS_E_PROTO)
			return err;
		if (!ftps_conn_usable(c))
			return err;
		memset(e, 0, sizeof(*e));
	}
	err = ftps_size(c, path, &size, st);
	if (err == FTPS_OK) {
		e->type = FTPS_FT_FILE;
		e->has_size = 1;
		e->size = size;
		return FTPS_OK;
	}
	if (ftps_err_class(err) != FTPS_CLASS_REFUSED)
		return err;
	int no_size = err == FTPS_E_NOTSUP;
	/* Not a file (or no SIZE): a folder when CWD takes it. Every path we
	 * send is absolute, so where CWD leaves us does not matter. */
	if ((err = ftps_command(c, &r, st, "CWD %s", path)) != FTPS_OK)
		return err;
	if (r->code / 100 == 2) {
		e->type = FTPS_FT_DIR;
		return FTPS_OK;
	}
	/* Without MLST and SIZE a file cannot be told from nothing. */
	if (no_size)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "%s: the server cannot tell whether a file is "
		                 "there (no MLST, no SIZE)", path);
	return ftps_fail(st, FTPS_E_NOENT, r->code, "%s: not a file nor a folder on the server",
	                 path);
}

ftps_err ftps_mkd(struct ftps_conn *c, const char *path, struct ftps_status *st)
{
	CHECK_PATH(path, st);
	return simple(c, 257, FTPS_CTX_MKD, "MKD", st, "MKD", path);
}

ftps_err ftps_rmd(struct ftps_conn *c, const char *path, struct ftps_status *st)
{
	CHECK_PATH(path, st);
	return simple(c, 250, FTPS_CTX_RMD, "RMD", st, "RMD", path);
}

ftps_err ftps_chmod(struct ftps_conn *c, const char *path, unsigned mode,
                    struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	CHECK_PATH(path, st);
	if ((e = ftps_command(c, &r, st, "SITE CHMOD %04o %s", mode & 07777, path)) != FTPS_OK)
		return e;
	if (r->code == 200 || r->code == 250)
		return FTPS_OK;
	return conn_reply_err(r, FTPS_CTX_GENERIC, "SITE CHMOD", st);
}

ftps_err ftps_set_mtime(struct ftps_conn *c, const char *path, int64_t mtime,
                        struct ftps_status *st)
{
	const struct ftps_reply *r;
	char stamp[32];
	ftps_err e;

	CHECK_PATH(path, st);
	if (ftps_format_mdtm(mtime, stamp, sizeof(stamp)) != 0)
		return ftps_fail(st, FTPS_E_INVAL, 0, "time out of range for the server");
	if (!ftps_server_knows(c->srv, FTPS_FACT_NO_MFMT) && (c->caps.mfmt || !c->caps.feat_ok)) {
		if ((e = ftps_command(c, &r, st, "MFMT %s %s", stamp, path)) != FTPS_OK)
			return e;
		if (r->code == 213 || r->code == 200 || r->code == 250)
			return FTPS_OK;
		if (r->code != 500 && r->code != 502 && r->code != 504)
			return conn_reply_err(r, FTPS_CTX_RETR, "MFMT", st);
		ftps_server_learn(c->srv, FTPS_FACT_NO_MFMT);
	}
	if (ftps_server_knows(c->srv, FTPS_FACT_NO_MDTM_SET))
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "the server cannot set modification times");
	/* vsftpd and others: "MDTM YYYYMMDDHHMMSS path" sets the time. */
	if ((e = ftps_command(c, &r, st, "MDTM %s %s", stamp, path)) != FTPS_OK)
		return e;
	if (r->code == 213 || r->code == 200 || r->code == 250)
		return FTPS_OK;
	if (r->code == 500 || r->code == 501 || r->code == 502 || r->code == 504) {
		ftps_server_learn(c->srv, FTPS_FACT_NO_MDTM_SET);
		return ftps_fail(st, FTPS_E_NOTSUP, r->code,
		                 "the server cannot set modification times (no MFMT, no MDTM with a time)");
	}
	return conn_reply_err(r, FTPS_CTX_RETR, "MDTM", st);
}

ftps_err ftps_hash_with(struct ftps_conn *c, const char *path, enum ftps_hash_algo a,
                       char *out, size_t outlen, struct ftps_status *st)
{
	static const char *const xcmd[] = {
		[FTPS_HASH_CRC32] = "XCRC", [FTPS_HASH_MD5] = "XMD5",
		[FTPS_HASH_SHA1] = "XSHA1", [FTPS_HASH_SHA256] = "XSHA256",
		[FTPS_HASH_SHA512] = "XSHA512",
	};
	const struct ftps_reply *r;
	ftps_err e;

	CHECK_PATH(path, st);
	if (a <= FTPS_HASH_NONE || a > FTPS_HASH_SHA512 ||
	    !(ftps_caps_hash_algos(&c->caps) & (1u << a)))
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "the server offers no %s file hash",
		                 a > FTPS_HASH_NONE && a <= FTPS_HASH_SHA512 ? ftps_hash_name(a) : "such");
	/* HASH, the standard track, where it offers the algorithm. */
	if (c->caps.hash && (c->caps.hash_algos & (1u << a))) {
		if (c->caps.hash_current != a) {
			if ((e = ftps_command(c, &r, st, "OPTS HASH %s", ftps_hash_name(a))) != FTPS_OK)
				return e;
			if (r->code != 200)
				return conn_reply_err(r, FTPS_CTX_GENERIC, "OPTS HASH", st);
			c->caps.hash_current = a;
		}
		if ((e = ftps_command(c, &r, st, "HASH %s", path)) != FTPS_OK)
			return e;
		if (r->code != 213)
			return conn_reply_err(r, FTPS_CTX_RETR, "HASH", st);
		if (ftps_parse_hash_reply(r->text, r->len, out, outlen) != 0)
			return ftps_fail(st, FTPS_E_PROTO, 213, "unusable HASH reply");
		return FTPS_OK;
	}
	if ((e = ftps_command(c, &r, st, "%s %s", xcmd[a], path)) != FTPS_OK)
		return e;
	if (r->code != 213 && r->code != 250 && r->code != 200)
		return conn_reply_err(r, FTPS_CTX_RETR, xcmd[a], st);
	if (ftps_parse_xhash_reply(r->text, r->len, out, outlen) != 0)
		return ftps_fail(st, FTPS_E_PROTO, r->code, "unusable %s reply", xcmd[a]);
	return FTPS_OK;
}

ftps_err ftps_hash(struct ftps_conn *c, const char *path, enum ftps_hash_algo *algo,
                   char *out, size_t outlen, struct ftps_status *st)
{
	int use_hash = 0;
	enum ftps_hash_algo a = ftps_caps_best_hash(&c->caps, &use_hash);

	CHECK_PATH(path, st);
	if (a == FTPS_HASH_NONE)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "the server offers no file hash");
	*algo = a;
	return ftps_hash_with(c, path, a, out, outlen, st);
}

ftps_err ftps_syst(struct ftps_conn *c, char *out, size_t outlen, struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	if ((e = ftps_command(c, &r, st, "SYST")) != FTPS_OK)
		return e;
	if (r->code != 215)
		return conn_reply_err(r, FTPS_CTX_GENERIC, "SYST", st);
	ftps_reply_brief(r, out, outlen);
	return FTPS_OK;
}

ftps_err ops_list_with(struct ftps_conn *c, int mlsd, const char *path,
                       ftps_entry_cb cb, void *arg, struct ftps_status *st)
{
	struct ftps_listing_parser *lp;
	struct ftps_xfer *x;
	char buf[65536];
	ftps_err e;

	CHECK_PATH(path, st);
	lp = malloc(sizeof(*lp));
	if (!lp)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	ftps_listing_parser_init(lp, mlsd ? FTPS_LISTING_MLSD : FTPS_LISTING_LIST,
	                         time(NULL), cb, arg);
	/* "LIST -a" shows dot-files on vsftpd, ProFTPD and pure-ftpd. */
	e = xfer_start_listing(c, mlsd ? "MLSD" : "LIST -a", path, &x, st);
	if (e != FTPS_OK) {
		free(lp);
		return e;
	}
	/* Bounded in size and in time as a whole, not only per read: a server
	 * that drips a listing, or never ends one, is cut off. */
	int tmo = ftps_config_timeout_ms(c->cfg);
	int64_t deadline = ftps_now_ms() + (int64_t)tmo * FTPS_LISTING_TIMEOUTS;
	uint64_t total = 0;
	for (;;) {
		size_t got = 0;
		if ((e = ftps_xfer_read(x, buf, sizeof(buf), &got, st)) != FTPS_OK) {
			ftps_xfer_abort(x, NULL);
			free(lp);
			return e;
		}
		if (got == 0)
			break;
		total += got;
		if (total > (uint64_t)FTPS_MAX_LISTING_BYTES || ftps_now_ms() > deadline) {
			free(lp);
			ftps_xfer_abort(x, NULL);
			return ftps_fail(st, FTPS_E_IO, 0, "the listing of %s %s: stopped", path,
			                 total > (uint64_t)FTPS_MAX_LISTING_BYTES
			                 ? "is larger than 512 MiB" : "takes longer than its time limit");
		}
		if (ftps_listing_feed(lp, buf, got) != 0) {
			free(lp);
			ftps_xfer_abort(x, NULL);
			return ftps_fail(st, FTPS_E_CANCELED, 0, "listing stopped");
		}
	}
	ftps_listing_finish(lp);
	if (lp->skipped)
		ftps_debug("listing of %s: %zu entries, %zu lines skipped", path, lp->entries,
		           lp->skipped);
	free(lp);
	return ftps_xfer_finish(x, st);
}

ftps_err ftps_list(struct ftps_conn *c, const char *path, ftps_entry_cb cb,
                   void *arg, struct ftps_status *st)
{
	/* STAT on the control connection where it is safe (ops_stat.c),
	 * else LIST or MLSD over a data connection. */
	if (ops_stat_wanted(c, path)) {
		ftps_err e = ops_list_stat(c, path, cb, arg, st);
		if (e != FTPS_E_NOTSUP)
			return e;
	}
	return ops_list_with(c, c->use_mlsd, path, cb, arg, st);
}

ftps_err ftps_list_unix(struct ftps_conn *c, const char *path, ftps_entry_cb cb,
                        void *arg, struct ftps_status *st)
{
	return ops_list_with(c, 0, path, cb, arg, st);
}
