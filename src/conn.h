/* conn.h - inside a control connection; shared by conn.c, xfer.c, ops.c.
 *
 * The connection's state is an enum changed only by conn_set_state(), which
 * traces every change. A connection is owned by one thread at a time (the
 * pool hands it out), so nothing here is locked.
 */
#ifndef FTPS_CONN_H
#define FTPS_CONN_H

#include <sys/socket.h>
#include "ftps.h"
#include "tls.h"
#include "server.h"

enum conn_state {
	CONN_NEW = 0,
	CONN_CONNECTED,     /* TCP up, greeting pending or read */
	CONN_SECURED,       /* TLS on the control connection */
	CONN_READY,         /* logged in, set up, in step with the server */
	CONN_XFER,          /* a data transfer is running */
	CONN_BROKEN,        /* out of step or dropped: only close it */
};

struct ftps_conn {
	const struct ftps_config *cfg;
	struct ftps_tls *tls;
	enum conn_state state;
	int fd;
	SSL *ssl;                       /* NULL on a plain connection */
	struct ftps_sessions sessions;  /* this connection's own TLS sessions */
	struct sockaddr_storage peer, local;

	/* Reading replies. */
	struct ftps_reply_parser *rp;
	char rbuf[16384];
	size_t rpos, rlen;

	struct ftps_server *srv;        /* learnt about the server: the pool's */
	struct ftps_server own_srv;     /* ... or this, for a connection on its own */
	struct ftps_caps caps;
	char *feat_text;
	int use_mlsd;                   /* decided after FEAT and the listing mode */
	int rest_pending;               /* REST accepted, no transfer command since:
	                                 * the server would apply it to the next one */
	int prot_p;                     /* data connections use TLS */
	int session_sought;                /* looked for a TLS session once already */
	int has_prep;                   /* a data connection prepared ahead (see */
	int prep_fd;                    /* xfer_open.c): connecting or connected
	                                 * to the port of an EPSV answered already */

	char greeting[256];
	int64_t last_used_ms;
	unsigned data_conns, data_resumed;
};

/* ftps_conn_open for a connection that shares srv with others (the pool). */
ftps_err conn_open_shared(const struct ftps_config *cfg, struct ftps_tls *tls,
                          struct ftps_server *srv, struct ftps_conn **out,
                          struct ftps_status *st);
void conn_set_state(struct ftps_conn *c, enum conn_state st);
/* Mark broken and return err (for "return conn_broken(c, e);"). */
ftps_err conn_broken(struct ftps_conn *c, ftps_err err);

/* ---- cmd.c: commands and replies ---- */

/* The first n bytes could begin a reply ("2", "22", "220"). */
int conn_looks_like_reply(const unsigned char *b, size_t n);
/* Send one command line (CRLF added). Refuses CR/LF/NUL in it. */
ftps_err conn_send(struct ftps_conn *c, struct ftps_status *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Send n command lines in one write (CRLF added to each; none may hold
 * CR, LF or NUL), ahead of their replies. */
ftps_err conn_send_lines(struct ftps_conn *c, struct ftps_status *st, size_t n,
                         const char *const *lines);
/* Read the next reply (preliminary or final) before the deadline. */
ftps_err conn_read_reply(struct ftps_conn *c, int64_t deadline,
                         const struct ftps_reply **out, struct ftps_status *st);
/* Read replies until a final (2xx-5xx) one. */
ftps_err conn_read_final(struct ftps_conn *c, int64_t deadline,
                         const struct ftps_reply **out, struct ftps_status *st);
/* Read one reply through feed (an incremental parser's feed: returns
 * FTPS_REPLY_MORE, _DONE or _ERROR and says how many bytes it used), for
 * replies too big to keep whole (a STAT listing); each read waits up to
 * the timeout, the whole reply until deadline. The bytes after the reply
 * stay buffered. On _ERROR the connection is broken and *why (the
 * parser's message, if why is not NULL) goes into st. */
ftps_err conn_read_stream(struct ftps_conn *c, int64_t deadline,
                          int (*feed)(void *arg, const char *buf, size_t len, size_t *used),
                          void *arg, const char **why, struct ftps_status *st);
/* Bytes from the server already read and not yet used. */
int conn_input_buffered(const struct ftps_conn *c);
/* Turn a final reply into an error code for the context, filling st. */
ftps_err conn_reply_err(const struct ftps_reply *r, enum ftps_ctx ctx, const char *what,
                        struct ftps_status *st);
/* ---- xfer_open.c: a data connection prepared ahead ---- */

/* Whether EPSV may go out ahead of the next transfer on c (passive mode,
 * a server that takes commands sent ahead and EPSV, none prepared yet). */
int xfer_can_prepare(const struct ftps_conn *c);
/* The port of an EPSV reply sent ahead: start connecting to it. */
void xfer_prepared_port(struct ftps_conn *c, uint16_t port);
/* An EPSV (sent ahead) answered code: a refusal as unknown teaches
 * FTPS_FACT_NO_EPSV, as it does when EPSV goes alone. */
void xfer_epsv_refused(struct ftps_conn *c, int code);
/* Close a prepared data connection (if any). */
void xfer_drop_prepared(struct ftps_conn *c);

/* Make sure a resumable TLS session has arrived (TLS 1.3 tickets come
 * after the handshake); reads the connection with a NOOP if needed. */
ftps_err conn_ensure_session(struct ftps_conn *c, struct ftps_status *st);

/* ---- ops.c, ops_stat.c: listings ---- */

/* LIST (mlsd 0) or MLSD of path over a data connection, into cb. */
ftps_err ops_list_with(struct ftps_conn *c, int mlsd, const char *path,
                       ftps_entry_cb cb, void *arg, struct ftps_status *st);
/* Whether path may be listed with STAT: no glob character, blank,
 * control character or leading '-' (ops_stat.c says why). */
int ops_stat_path_ok(const char *path);
/* Whether this folder is to be listed with STAT on this connection. */
int ops_stat_wanted(const struct ftps_conn *c, const char *path);
/* List path with STAT into cb. FTPS_E_NOTSUP: nothing was passed to cb
 * and the connection is fine: list it with LIST. */
ftps_err ops_list_stat(struct ftps_conn *c, const char *path, ftps_entry_cb cb, void *arg,
                       struct ftps_status *st);

#endif
