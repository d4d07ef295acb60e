/* ftps.h - the FTPS core: configuration, control connections, transfers,
 * and the connection pool. No FUSE in here.
 *
 * A control connection (struct ftps_conn) is used by one thread at a time.
 * Paths are absolute remote paths; the core never changes directory.
 * Every call returns an ftps_err and, when st is not NULL, fills it with
 * the reason (the server's reply code and text, or the local failure).
 *
 * Layout of src/ (bottom to top; each uses only those above it):
 *   text.c log.c err.c retry.c   clean server text, logging, errors and
 *                                their classes, backoff with a deadline;
 *   config.c                     the configuration's defaults
 *   path.c url.c addr.c          remote paths, URLs, EPSV/PASV/EPRT/PORT
 *   netrc.c                      a login in .netrc text (pure parser)
 *   login.c                      the password: stdin, a file, .netrc, a
 *                                prompt with echo off (login.h)
 *   reply.c replies.c feat.c     a reply's lines; what SIZE, MDTM, MLST,
 *                                HASH and FEAT replies say (pure parsers)
 *   listing.c list_*.c           MLSD/MLST, Unix and DOS LIST lines, times
 *   stat_list.c                  a folder's listing in a STAT reply
 *   pathtab.c                    the caches' table of paths, in use order
 *   dircache*.c mtcache.c        the listing cache and the exact-time cache
 *   sock.c tls.c tls_peer.c      sockets and TLS, with deadlines; trusting
 *                                the server's certificate
 *   server.c stats.c             what is learnt about the server, and
 *                                what its connections did (counters)
 *   cmd.c                        a connection's state, commands and
 *                                replies, pipelined batches
 *   conn.c                       a control connection's life
 *   xfer_open.c xfer_prepare.c   opening a transfer (data connection, REST,
 *   xfer.c                       the command, sent ahead when the server
 *                                allows; a data connection prepared while
 *                                idle); running and ending it
 *   ops.c ops_batch.c            the FTP verbs, alone and pipelined
 *   ops_stat.c                   folders listed with STAT, and when not
 *   pool.c                       the connection pool
 *   engine.c reader.c upload*.c  the transfer engine (engine.h): streamed
 *   download.c hash.c            reads, uploads with resume, verify and
 *   leftovers.c                  rename into place, whole downloads, and
 *                                what failed uploads left on the server
 *   fs.c                         one server seen as a filesystem (fs.h): the
 *                                caches, pool, engine and root shared by:
 *   meta.c meta_ask.c            the metadata layer (meta.h), the only user
 *   meta_ahead.c                 of the two caches; MDTM and SIZE beyond a
 *                                listing; folders listed ahead
 *   file.c flush.c spool.c       open files (file.h): reads, writes, the
 *   openfiles.c writeback.c      spool, the upload at close, uploads after
 *                                close (-o writeback), the open-file table
 *   names.c                      namespace changes (names.h): mkdir, rmdir,
 *                                unlink, rename, chmod, utimens
 *   sums.c                       checksums kept per file version, a mount's
 *                                statistics at one moment (sums.h)
 * The daemon (fuse/) sits on top and maps FUSE calls onto fs.h, meta.h,
 * file.h, names.h and sums.h; nothing in src/ includes a FUSE header.
 */
#ifndef FTPS_H
#define FTPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ftps_err.h"
#include "ftps_limits.h"
#include "reply.h"
#include "listing.h"
#include "feat.h"
#include "url.h"
#include "log.h"
#include "stats.h"

enum ftps_listing_mode {
	FTPS_LISTMODE_AUTO = 0,  /* MLSD when offered, else LIST */
	FTPS_LISTMODE_MLSD,
	FTPS_LISTMODE_LIST,
};

/* Everything needed to open control connections to one server. The core
 * copies nothing out of it: it must outlive every connection and pool. */
struct ftps_config {
	const char *host;
	uint16_t port;
	enum ftps_security security;
	const char *user;            /* "anonymous" when NULL */
	const char *password;        /* never logged */
	const char *account;         /* for ACCT, when the server asks (332) */

	/* TLS */
	const char *cafile;          /* extra trusted CAs (PEM), besides the system store */
	int insecure;                /* no verification at all (warns) */
	int has_fingerprint;         /* pin: accept exactly this certificate */
	unsigned char fingerprint[32];  /* SHA-256 of the DER certificate */
	int tls_min, tls_max;        /* TLS1_2_VERSION.. ; 0 = defaults (1.2 .. highest) */

	/* Data connections */
	int active;                  /* EPRT/PORT instead of EPSV/PASV */
	uint16_t active_port_lo, active_port_hi;  /* 0,0 = any port */
	const char *active_addr;     /* address announced in PORT/EPRT; NULL = control's local address */
	int use_pasv_addr;           /* connect to the 227 reply's address, not the control peer */

	enum ftps_listing_mode listing;
	int stat_list;               /* list folders with STAT where safe (1; the
	                              * environment's FTPSFS_STAT_LIST=0 sets 0) */
	int timeout_ms;              /* every network wait (default 30000) */
	int connect_timeout_ms;      /* TCP connect + TLS handshake + login (default = timeout_ms) */
};

/* Fill a config with defaults (explicit TLS, port 21, 30 s timeouts). */
void ftps_config_init(struct ftps_config *cfg);
/* The timeouts in force: a field left at 0 means the default (30 s; the
 * connect timeout defaults to the timeout). Decided here only. */
int ftps_config_timeout_ms(const struct ftps_config *cfg);
int ftps_config_connect_timeout_ms(const struct ftps_config *cfg);

/* ---- TLS context shared by all connections to one server ----
 * It holds trust settings only. Sessions are never shared: each control
 * connection keeps its own (see tls.c). */
struct ftps_tls;
ftps_err ftps_tls_new(const struct ftps_config *cfg, struct ftps_tls **out,
                      struct ftps_status *st);
void ftps_tls_free(struct ftps_tls *t);

/* ---- What is learnt about the server (server.h) ---- */
struct ftps_server;

enum ftps_fact {
	FTPS_FACT_NO_EPSV = 0,          /* EPSV refused: PASV */
	FTPS_FACT_NO_EPRT,              /* EPRT refused: PORT */
	FTPS_FACT_NO_MFMT,              /* MFMT missing or refused */
	FTPS_FACT_NO_MDTM_SET,          /* MDTM with a time refused too */
	FTPS_FACT_CUT_ANSWERED,         /* a cut transfer gets its reply */
	FTPS_FACT_CUT_SILENT,           /* ... or none */
	FTPS_FACT_APPE_REFUSED,         /* APPE refused where STOR works */
	FTPS_FACT_DATA_CLOSE_NOTIFY,    /* data connections end with close_notify */
	FTPS_FACT_NO_PIPELINING,        /* commands sent ahead of replies went wrong */
	FTPS_FACT_PIPELINING_OK,        /* ... were answered in order (a group of 2+) */
	FTPS_FACT_EPSV_OK,              /* EPSV answered 229 */
	FTPS_FACT_STAT_LIST_OK,         /* STAT listed a folder as LIST did */
	FTPS_FACT_NO_STAT_LIST,         /* STAT refused, or not a listing like LIST's */
	FTPS_FACT_DIR_MTIME_OK,         /* a folder's time was set */
	FTPS_FACT_NO_DIR_MTIME,         /* folders' times refused, twice, none ever set */
	FTPS_FACT_COUNT
};

void ftps_server_init(struct ftps_server *s);
void ftps_server_destroy(struct ftps_server *s);
/* 1 when the fact has been learnt (by any connection to the server). */
int ftps_server_knows(const struct ftps_server *s, enum ftps_fact f);
/* Learn it (logged the first time). */
void ftps_server_learn(struct ftps_server *s, enum ftps_fact f);
const char *ftps_fact_text(enum ftps_fact f);

/* ---- Control connections ---- */
struct ftps_conn;

/* Connect (every address of the host in turn), handshake, log in, read
 * FEAT, set up PBSZ/PROT/TYPE I/UTF8. Fails with a one-line reason. */
ftps_err ftps_conn_open(const struct ftps_config *cfg, struct ftps_tls *tls,
                        struct ftps_conn **out, struct ftps_status *st);
/* QUIT (when usable) and free. NULL is fine. */
void ftps_conn_close(struct ftps_conn *c);
/* Free without QUIT (after a broken connection). */
void ftps_conn_abandon(struct ftps_conn *c);

const struct ftps_caps *ftps_conn_caps(const struct ftps_conn *c);
/* True while the connection is logged in and in step with the server. */
int ftps_conn_usable(const struct ftps_conn *c);
/* Seconds since the last command completed (monotonic). */
double ftps_conn_idle_seconds(const struct ftps_conn *c);
/* True when the TLS session's lifetime is close to running out and the
 * connection should be replaced before its next data transfer. */
int ftps_conn_needs_renewal(const struct ftps_conn *c);

/* Facts for --probe and logs. */
struct ftps_conn_info {
	char peer[64];               /* "127.0.0.1:2121" / "[::1]:2121" */
	char tls_version[16];
	char cipher[64];
	char cert_subject[256];
	char cert_issuer[256];
	char cert_not_before[32], cert_not_after[32];
	char fingerprint[128];       /* "SHA256:AB:CD:..." */
	char greeting[256];
	unsigned data_conns;         /* data connections made */
	unsigned data_resumed;       /* ... of which resumed the control session */
};
void ftps_conn_get_info(const struct ftps_conn *c, struct ftps_conn_info *info);
/* The raw FEAT reply text, "" if none. */
const char *ftps_conn_feat_text(const struct ftps_conn *c);

/* Send one command and read its final reply (1xx preliminaries skipped).
 * The command is built from fmt; it must not contain CR/LF. The reply is
 * valid until the next command on c. */
ftps_err ftps_command(struct ftps_conn *c, const struct ftps_reply **reply,
                      struct ftps_status *st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- Simple operations (one round trip each, or a few) ---- */
ftps_err ftps_noop(struct ftps_conn *c, struct ftps_status *st);
/* Pipelining: send the n command lines (no CR/LF) ahead of their replies
 * and read the n final replies in order, calling on_reply(arg, i, reply)
 * for each (the reply is valid during the call). Commands go in groups of
 * up to 64 per write. A server that has shown it cannot take this (its
 * replies stopped while the connection stayed up) is sent one command at
 * a time instead, for the rest of the pool's life. On an error, the
 * replies before it were delivered; the later commands may or may not
 * have been carried out (st->unsure): use only for commands that are
 * safe to repeat. */
ftps_err ftps_command_batch(struct ftps_conn *c, size_t n, const char *const *lines,
                            void (*on_reply)(void *arg, size_t i, const struct ftps_reply *r),
                            void *arg, struct ftps_status *st);

/* MDTM of n paths at once (pipelined): ok[i] says whether mtimes[i] was
 * learnt. An error ends the batch; what came before it is kept. */
ftps_err ftps_mdtm_many(struct ftps_conn *c, size_t n, const char *const *paths,
                        int64_t *mtimes, int *ok, struct ftps_status *st);

ftps_err ftps_size(struct ftps_conn *c, const char *path, uint64_t *size,
                   struct ftps_status *st);
ftps_err ftps_mdtm(struct ftps_conn *c, const char *path, int64_t *mtime,
                   struct ftps_status *st);
/* MLST (one entry, name = basename) when offered; FTPS_E_NOTSUP otherwise. */
ftps_err ftps_mlst(struct ftps_conn *c, const char *path, struct ftps_entry *e,
                   struct ftps_status *st);
ftps_err ftps_dele(struct ftps_conn *c, const char *path, struct ftps_status *st);
ftps_err ftps_rename(struct ftps_conn *c, const char *from, const char *to,
                     struct ftps_status *st);
/* The same, saying how far it got: FTPS_RN_FROM while RNFR was being sent
 * or was refused (nothing changed), FTPS_RN_TO once RNFR was accepted (350)
 * and RNTO sent: an RNTO refusal changed nothing either, but an RNTO whose
 * reply never came (st->unsure) may have renamed. */
enum ftps_rn_stage { FTPS_RN_FROM = 0, FTPS_RN_TO };
ftps_err ftps_rename_ex(struct ftps_conn *c, const char *from, const char *to,
                        enum ftps_rn_stage *stage, struct ftps_status *st);
/* After an upload (pipelined, one round trip): SIZE of path and, when
 * mode >= 0, SITE CHMOD. Returns SIZE's outcome (FTPS_E_NOTSUP: the
 * server has none) or the connection's failure; *mode_set says whether
 * the mode was set. */
ftps_err ftps_size_chmod(struct ftps_conn *c, const char *path, int mode, uint64_t *size,
                         int *mode_set, struct ftps_status *st);
/* ftps_rename_ex with the new name's time in the same round trip: RNFR,
 * RNTO, then MDTM (set_mtime < 0) or MFMT set_mtime (when the server has
 * MFMT). Returns the rename's outcome; *mtime_ok says whether *mtime is
 * the server's time of to. *stage as ftps_rename_ex; when the connection
 * failed before RNFR's reply, FTPS_RN_TO (both were sent: st->unsure). */
ftps_err ftps_rename_timed(struct ftps_conn *c, const char *from, const char *to,
                           int64_t set_mtime, enum ftps_rn_stage *stage, int64_t *mtime,
                           int *mtime_ok, struct ftps_status *st);
/* What ftps_place_new's replies said, each on its own. */
struct ftps_placed {
	ftps_err size_e;                /* SIZE of from (FTPS_E_NOTSUP: none) */
	struct ftps_status size_st;
	uint64_t size;
	int mode_set;
	ftps_err rn_e;                  /* the rename: RNFR's verdict, else RNTO's */
	struct ftps_status rn_st;
	enum ftps_rn_stage stage;       /* as ftps_rename_timed */
	int64_t mtime;                  /* to's time, when mtime_ok */
	int mtime_ok;
};
/* A new file after its upload, in one round trip: SIZE of from, SITE
 * CHMOD (mode >= 0), RNFR from, RNTO to, then to's time (as
 * ftps_rename_timed) and the next upload's EPSV. The rename goes ahead
 * whatever SIZE says: only for a name that holds no file. FTPS_OK when
 * every reply came (*p says what each said), else the connection's
 * failure (p->stage says whether RNTO may have been carried out). */
ftps_err ftps_place_new(struct ftps_conn *c, const char *from, const char *to, int mode,
                        int64_t set_mtime, struct ftps_placed *p, struct ftps_status *st);
/* For servers that will not rename over an existing file (RNTO refused
 * while to exists): to is renamed aside to bak, from renamed to to, bak
 * deleted. When from cannot be renamed to to, bak goes back to to. At no
 * step is either version deleted before the other is in place. A failure
 * of the connection on the way is for ftps_rename_settle to sort out. */
ftps_err ftps_rename_replace(struct ftps_conn *c, const char *from, const char *to,
                             const char *bak, struct ftps_status *st);
/* After a rename (or a replace, with its bak; else NULL) whose connection
 * failed on the way: look at the names and settle. FTPS_OK: the rename
 * happened (a leftover bak is deleted). FTPS_E_RETRY: it did not happen
 * (a bak was put back) and may be sent again. FTPS_E_IO: neither can be
 * told (the message names what is where). Or the connection's failure. */
ftps_err ftps_rename_settle(struct ftps_conn *c, const char *from, const char *to,
                            const char *bak, struct ftps_status *st);
/* What is at path on the server now, asked without a listing: MLST when
 * offered, else SIZE (a file) and CWD (a folder). FTPS_OK with e->type
 * (and e->size for a file, when known; never a link target to free),
 * FTPS_E_NOENT when nothing is there, FTPS_E_NOTSUP when that cannot be
 * told (a server with neither MLST nor SIZE), or the connection's failure.
 * For finding out what an operation whose reply was lost did. */
ftps_err ftps_stat(struct ftps_conn *c, const char *path, struct ftps_entry *e,
                   struct ftps_status *st);
ftps_err ftps_mkd(struct ftps_conn *c, const char *path, struct ftps_status *st);
ftps_err ftps_rmd(struct ftps_conn *c, const char *path, struct ftps_status *st);
ftps_err ftps_chmod(struct ftps_conn *c, const char *path, unsigned mode,
                    struct ftps_status *st);
/* MFMT, else "MDTM YYYYMMDDHHMMSS path"; FTPS_E_NOTSUP when neither works. */
ftps_err ftps_set_mtime(struct ftps_conn *c, const char *path, int64_t mtime,
                        struct ftps_status *st);
/* The strongest hash the server offers; hex digest into out (lower case). */
ftps_err ftps_hash(struct ftps_conn *c, const char *path, enum ftps_hash_algo *algo,
                   char *out, size_t outlen, struct ftps_status *st);
/* The same in algorithm a: HASH where it offers a, else the X-command
 * (XSHA256, XCRC, ...); FTPS_E_NOTSUP when the server offers neither. */
ftps_err ftps_hash_with(struct ftps_conn *c, const char *path, enum ftps_hash_algo a,
                        char *out, size_t outlen, struct ftps_status *st);
/* The SYST reply's text ("UNIX Type: L8") into out. */
ftps_err ftps_syst(struct ftps_conn *c, char *out, size_t outlen, struct ftps_status *st);

/* List a folder: MLSD or LIST per the config and FEAT; each entry goes to
 * cb (see listing.h). */
ftps_err ftps_list(struct ftps_conn *c, const char *path, ftps_entry_cb cb,
                   void *arg, struct ftps_status *st);
/* The same with LIST, whatever the config and FEAT say: MLSD gives no
 * symlink targets (ProFTPD, pure-ftpd), LIST shows "name -> target". */
ftps_err ftps_list_unix(struct ftps_conn *c, const char *path, ftps_entry_cb cb,
                        void *arg, struct ftps_status *st);

/* ---- Streamed transfers ----
 * A transfer owns its control connection until ftps_xfer_finish/abort. */
struct ftps_xfer;

/* RETR path from offset (REST when offset > 0). */
ftps_err ftps_retr_start(struct ftps_conn *c, const char *path, uint64_t offset,
                         struct ftps_xfer **out, struct ftps_status *st);
/* STOR (append = 0) or APPE (append = 1). */
ftps_err ftps_stor_start(struct ftps_conn *c, const char *path, int append,
                         struct ftps_xfer **out, struct ftps_status *st);
/* STOR to a name nobody else uses (an upload's temporary name): may go
 * out together with EPSV, saving a round trip, since a STOR that finds no
 * data connection (EPSV failed after all) can harm nothing there. */
ftps_err ftps_stor_new_start(struct ftps_conn *c, const char *path, struct ftps_xfer **out,
                             struct ftps_status *st);

/* When c is idle and the next transfer on it may go out with EPSV: send
 * EPSV now and connect its data connection, so that the next transfer
 * sends only its command (one round trip less). Nothing when it may not;
 * a refused EPSV changes nothing. Fails only when c does. */
ftps_err ftps_data_prepare(struct ftps_conn *c, struct ftps_status *st);

/* Read up to len bytes; *got = 0 means end of file (then call finish).
 * Waits at most the config's timeout. */
ftps_err ftps_xfer_read(struct ftps_xfer *x, void *buf, size_t len, size_t *got,
                        struct ftps_status *st);
/* Write all of buf. */
ftps_err ftps_xfer_write(struct ftps_xfer *x, const void *buf, size_t len,
                         struct ftps_status *st);
/* Complete: for uploads send close_notify and close the data connection,
 * then read the final reply (226). For downloads read the final reply
 * after end of file. Frees x. */
ftps_err ftps_xfer_finish(struct ftps_xfer *x, struct ftps_status *st);
/* Cancel: ABOR, close the data connection, read every pending reply so the
 * control connection stays in step (or mark it broken). Frees x. */
ftps_err ftps_xfer_abort(struct ftps_xfer *x, struct ftps_status *st);
/* Bytes moved so far. */
uint64_t ftps_xfer_bytes(const struct ftps_xfer *x);

/* ---- Connection pool ----
 * See pool.c for the design note. Short commands never wait behind long
 * transfers: one connection is kept back from transfers when max >= 2. */
struct ftps_pool;

enum ftps_use {
	FTPS_USE_SHORT = 0,     /* listings and single commands */
	FTPS_USE_XFER,          /* a RETR/STOR that may run for long */
};

struct ftps_pool *ftps_pool_new(const struct ftps_config *cfg, struct ftps_tls *tls,
                                unsigned max_conns);
/* Close every connection (QUIT) and free. No connection may be out. */
void ftps_pool_free(struct ftps_pool *p);
/* Check out a connection, opening one when needed; waits up to the
 * config's timeout when all are busy. */
ftps_err ftps_pool_get(struct ftps_pool *p, enum ftps_use use, struct ftps_conn **out,
                       struct ftps_status *st);
/* The same, waiting at most wait_ms when all are busy. */
ftps_err ftps_pool_get_wait(struct ftps_pool *p, enum ftps_use use, int wait_ms,
                            struct ftps_conn **out, struct ftps_status *st);
/* Check out a connection for speculative work (a listing ahead of the
 * program), never one that another request needs: only while no request
 * waits in line and another connection stays free for the next one (idle,
 * or not yet opened under the cap); so never with a cap of 1. Waits at
 * most wait_ms for that (FTPS_E_TIMEOUT), and never joins the line. */
ftps_err ftps_pool_get_spare(struct ftps_pool *p, int wait_ms, struct ftps_conn **out,
                             struct ftps_status *st);
/* Return a connection. last is the result of the last call made on it: the
 * pool closes the connection when that says it is broken. */
void ftps_pool_put(struct ftps_pool *p, struct ftps_conn *c, ftps_err last);
/* Send NOOP on connections idle for keepalive_s, close those idle for
 * more than idle_close_s. Called periodically by a housekeeping thread. */
void ftps_pool_housekeep(struct ftps_pool *p, int keepalive_s, int idle_close_s);
/* The cap learnt from the server (421 / "too many connections"), or max. */
unsigned ftps_pool_cap(struct ftps_pool *p);
/* What the pool's connections learnt about the server; lives as long as p. */
struct ftps_server *ftps_pool_server(struct ftps_pool *p);
/* What they did (stats.h): the counters to count into, lives as long as p. */
struct ftps_stats *ftps_pool_stats(struct ftps_pool *p);
/* All of it at this moment, with the connections open and the cap (the
 * caller fills the daemon's own fields). */
void ftps_pool_stats_read(struct ftps_pool *p, struct ftps_stats_view *v);
/* While transfer requests wait, fn(arg) is called (without the pool's lock,
 * every 100 ms) to give back a transfer connection its holder is not
 * using; it returns 1 when it put one back. */
void ftps_pool_set_reclaim(struct ftps_pool *p, int (*fn)(void *arg), void *arg);

#endif
