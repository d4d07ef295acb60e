/* ops_stat.c - folders listed with STAT on the control connection.
 *
 * "STAT -a path" answers with the folder's LIST lines in one multi-line
 * reply: no EPSV, no data connection, no TLS resumption, no 226. At 20 ms
 * that is one round trip a folder instead of four or five (measured: 22-29
 * ms against 137-205 ms on vsftpd, ProFTPD and pure-ftpd).
 *
 * Where: only where the listing would be LIST anyway (vsftpd, or
 * -o listing=list), not instead of MLSD. STAT's lines give minutes at
 * best, so every file then needs an MDTM for its time to the second.
 * Measured with scripts/bench (ls -lR of 10,000 entries, cold, medians
 * of 3) on ProFTPD: at 20 ms STAT with MDTMs took 3.82 s against MLSD's
 * 4.65 s, but on loopback 1.74 s against 1.12 s, and it sends the server
 * 10,000 MDTMs where MLSD needs none, with names taken from LIST's
 * columns instead of MLSD's exact facts. On vsftpd (LIST only) STAT took
 * the same ls -lR from 6.31 s to 3.35 s at 20 ms (1.12 s against 1.15 s
 * on loopback).
 *
 * Safety, in the order it is decided:
 *  - The path. vsftpd and pure-ftpd read STAT's argument as a pattern,
 *    pure-ftpd splits it at blanks: a path with a glob character, a blank,
 *    a control character or a leading '-' is listed with LIST.
 *  - The reply. A folder's "STAT -a" shows its "."; without one the
 *    path is a file (or nothing) and LIST says what it is.
 *  - The server. Until it is known, a STAT listing is checked against
 *    LIST of the same folder (and LIST's entries are the ones used): the
 *    same entries learn FTPS_FACT_STAT_LIST_OK, others (a server whose
 *    STAT gives its status instead, or leaves entries out)
 *    FTPS_FACT_NO_STAT_LIST, for good. An empty folder proves nothing and
 *    is checked again next time. A refusal (5xx) is learnt too, as is
 *    a one-line answer (a status, not a listing).
 *  - Size. A listing bigger than any checked so far (64 entries or more)
 *    is checked again, so a server that cuts long STAT output short is
 *    found on the first folder it cuts. One over the reply bounds of
 *    ftps_limits.h (1,024 lines, 64 KiB) is read to its end and that
 *    folder listed with LIST.
 *  - Framing. A name holding a line end could end the reply early and
 *    leave the rest to be read as the next replies. A line that ends in a
 *    bare LF where the first ended in CRLF, bytes left over after the
 *    reply, or a NOOP sent with the STAT that is not answered next, mean
 *    the connection is out of step: it is closed (the caller tries again
 *    on a new one) and STAT is not used again.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "sock.h"
#include "stat_list.h"

/* A listing this big or bigger is checked again when it is bigger than
 * every one checked so far. */
#define STAT_RECHECK_MIN 64

int ops_stat_path_ok(const char *path)
{
	size_t n = strlen(path);

	if (n == 0 || n >= FTPS_MAX_PATH || path[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)path[i];
		if (ch < 0x20 || ch == 0x7f || ch == ' ' || strchr("*?[]{}~\\", ch))
			return 0;
		/* a word starting with '-' reads as an option ("-a -x") */
		if (ch == '-' && (i == 0 || path[i - 1] == ' '))
			return 0;
	}
	return 1;
}

static int feed(void *arg, const char *buf, size_t len, size_t *used)
{
	return ftps_stat_reply_feed(arg, buf, len, used);
}

/* The connection lost step with the server: close it, use STAT no more. */
static ftps_err out_of_step(struct ftps_conn *c, const char *path, const char *why,
                            struct ftps_status *st)
{
	ftps_server_learn(c->srv, FTPS_FACT_NO_STAT_LIST);
	ftps_warn("STAT listing of %s: %s; listing with LIST from now on", path, why);
	return conn_broken(c, ftps_fail(st, FTPS_E_CONN, 0, "STAT listing of %s: %s", path, why));
}

/* Send STAT (with a NOOP behind it once the server is known to take
 * commands sent ahead) and read its reply into sr. */
static ftps_err stat_read(struct ftps_conn *c, const char *path, struct ftps_stat_reply *sr,
                          struct ftps_status *st)
{
	char line[FTPS_MAX_PATH + 16];
	const char *lines[2] = { line, "NOOP" };
	const struct ftps_reply *r;
	int tmo = ftps_config_timeout_ms(c->cfg);
	int ahead = ftps_server_knows(c->srv, FTPS_FACT_PIPELINING_OK) &&
	            !ftps_server_knows(c->srv, FTPS_FACT_NO_PIPELINING);
	ftps_err e;

	if (c->state != CONN_READY)
		return ftps_fail(st, FTPS_E_CONN, 0, "the control connection is not ready");
	if (snprintf(line, sizeof(line), "STAT -a %s", path) >= (int)sizeof(line))
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	if ((e = conn_send_lines(c, st, ahead ? 2 : 1, lines)) != FTPS_OK)
		return e;
	e = conn_read_stream(c, ftps_now_ms() + (int64_t)tmo * FTPS_LISTING_TIMEOUTS, feed, sr,
	                     &sr->errmsg, st);
	if (e != FTPS_OK)
		return e;
	if (sr->bare_lf)
		return out_of_step(c, path, "a line ended early (a name with a line end in it?)", st);
	/* Only a listing can be misframed; a NOOP shows where the reply
	 * really ended: its answer must come next, and nothing after it. */
	if (!ahead && !(sr->multiline && sr->code / 100 == 2))
		return FTPS_OK;
	if (!ahead && conn_input_buffered(c))
		return out_of_step(c, path, "more came after the reply", st);
	if (!ahead && (e = conn_send(c, st, "NOOP")) != FTPS_OK)
		return e;
	/* (the rest of a listing read as a reply is malformed) */
	if ((e = conn_read_final(c, ftps_deadline(tmo), &r, st)) != FTPS_OK)
		return e == FTPS_E_PROTO ? out_of_step(c, path, "the reply went on after its end", st)
		                         : e;
	if (r->code != 200 || conn_input_buffered(c))
		return out_of_step(c, path, "the reply did not end where it seemed to", st);
	return FTPS_OK;
}

/* ---- checking a STAT listing against LIST ---- */

struct check {
	ftps_entry_cb cb;       /* the caller's */
	void *arg;
	char **keys;            /* the STAT listing's, sorted */
	unsigned char *seen;
	size_t n, cap;
	size_t listed, matched;
	int nomem;
};

static char *entry_key(const struct ftps_entry *e)
{
	char buf[FTPS_MAX_NAME + 96];

	snprintf(buf, sizeof(buf), "%d %d %llu %lld %d %s", (int)e->type, e->has_size,
	         (unsigned long long)e->size, (long long)e->mtime, (int)e->mtime_prec, e->name);
	return strdup(buf);
}

static int collect_cb(void *arg, struct ftps_entry *e)
{
	struct check *k = arg;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		char **keys = realloc(k->keys, cap * sizeof(*keys));
		if (!keys) {
			k->nomem = 1;
			return 1;
		}
		k->keys = keys;
		k->cap = cap;
	}
	if (!(k->keys[k->n] = entry_key(e))) {
		k->nomem = 1;
		return 1;
	}
	k->n++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_cb(void *arg, struct ftps_entry *e)
{
	struct check *k = arg;
	char *key = entry_key(e);

	k->listed++;
	if (key && k->n > 0) {  /* k->keys is NULL when STAT gave nothing */
		char **hit = bsearch(&key, k->keys, k->n, sizeof(*k->keys), key_cmp);
		if (hit && !k->seen[hit - k->keys]) {
			k->seen[hit - k->keys] = 1;
			k->matched++;
		}
	}
	free(key);
	return k->cb ? k->cb(k->arg, e) : 0;
}

static void learn_ok(struct ftps_server *srv, size_t n)
{
	unsigned old = atomic_load(&srv->stat_checked);

	while (old < n && !atomic_compare_exchange_weak(&srv->stat_checked, &old, (unsigned)n))
		;
	ftps_server_learn(srv, FTPS_FACT_STAT_LIST_OK);
}

/* List path with LIST for the caller, and compare with what STAT gave. */
static ftps_err check_with_list(struct ftps_conn *c, const char *path,
                                const struct ftps_stat_reply *sr, ftps_entry_cb cb,
                                void *arg, struct ftps_status *st)
{
	struct check k = { cb, arg, NULL, NULL, 0, 0, 0, 0, 0 };
	ftps_err e;

	ftps_stat_reply_entries(sr, time(NULL), collect_cb, &k, NULL, NULL);
	if (k.nomem || !(k.seen = calloc(k.n ? k.n : 1, 1))) {
		e = ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
		goto out;
	}
	if (k.n > 1)    /* no keys: k.keys is NULL, which qsort must not see */
		qsort(k.keys, k.n, sizeof(*k.keys), key_cmp);
	e = ops_list_with(c, 0, path, compare_cb, &k, st);
	if (e != FTPS_OK || (k.listed == 0 && k.n == 0))
		goto out;       /* an empty folder proves nothing */
	if (k.listed == k.n && k.matched == k.n) {
		learn_ok(c->srv, k.n);
	} else {
		ftps_info("STAT listing of %s has %zu entries, LIST %zu (%zu the same): folders "
		          "are listed with LIST", path, k.n, k.listed, k.matched);
		ftps_server_learn(c->srv, FTPS_FACT_NO_STAT_LIST);
	}
out:
	for (size_t i = 0; i < k.n; i++)
		free(k.keys[i]);
	free(k.keys);
	free(k.seen);
	return e;
}

int ops_stat_wanted(const struct ftps_conn *c, const char *path)
{
	return c->cfg->stat_list && !c->use_mlsd &&
	       !ftps_server_knows(c->srv, FTPS_FACT_NO_STAT_LIST) && ops_stat_path_ok(path);
}

ftps_err ops_list_stat(struct ftps_conn *c, const char *path, ftps_entry_cb cb, void *arg,
                       struct ftps_status *st)
{
	struct ftps_stat_reply *sr = malloc(sizeof(*sr));
	size_t n = 0, skipped = 0;
	ftps_err e;

	if (!sr)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	ftps_stat_reply_init(sr);
	if ((e = stat_read(c, path, sr, st)) != FTPS_OK)
		goto out;
	e = FTPS_E_NOTSUP;      /* from here on: LIST instead, on this connection */
	/* A refusal is the server's for good (none of the three refuses a
	 * folder it has); 450 (ProFTPD: no such folder) is this folder's. */
	if (sr->code / 100 == 5) {
		ftps_server_learn(c->srv, FTPS_FACT_NO_STAT_LIST);
		goto out;
	}
	if (sr->code / 100 != 2)
		goto out;
	if (!sr->multiline) {
		ftps_server_learn(c->srv, FTPS_FACT_NO_STAT_LIST);
		goto out;
	}
	if (sr->over) {
		ftps_debug("STAT listing of %s: over %d lines or %d bytes, listing it with LIST",
		           path, FTPS_MAX_REPLY_LINES, FTPS_MAX_REPLY_BYTES);
		goto out;
	}
	if (!sr->has_dot) {
		/* A file's line, or nothing: not a folder's listing. LIST
		 * says what this path is; a server whose STAT never shows the
		 * "." of a folder (the first one it lists) is not asked again. */
		if (sr->lines > 0 && !ftps_server_knows(c->srv, FTPS_FACT_STAT_LIST_OK))
			ftps_server_learn(c->srv, FTPS_FACT_NO_STAT_LIST);
		goto out;
	}
	ftps_stat_reply_entries(sr, time(NULL), NULL, NULL, &n, &skipped);
	if (!ftps_server_knows(c->srv, FTPS_FACT_STAT_LIST_OK) ||
	    (n >= STAT_RECHECK_MIN && n >= atomic_load(&c->srv->stat_checked))) {
		e = check_with_list(c, path, sr, cb, arg, st);
		goto out;
	}
	if (skipped)
		ftps_debug("STAT listing of %s: %zu entries, %zu lines skipped", path, n, skipped);
	e = ftps_stat_reply_entries(sr, time(NULL), cb, arg, NULL, NULL) != 0
	    ? ftps_fail(st, FTPS_E_CANCELED, 0, "listing stopped") : FTPS_OK;
out:
	free(sr);
	return e;
}
