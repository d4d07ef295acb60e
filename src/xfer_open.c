/* xfer_open.c - opening a transfer: the data connection and the command.
 *
 * Passive: EPSV (PASV when EPSV is refused), connecting to the control
 * connection's peer address, never blindly to the one in a 227 reply.
 * Active: EPRT (PORT when refused) on a listening socket that accepts only
 * the server's address. REST, when a transfer starts at an offset (or a
 * marker is left over), goes last before the command. The command is
 * sent, its 1xx reply read, and only then does the TLS handshake start,
 * resuming the control connection's own session (see tls.h). Once a
 * server has shown it takes commands sent ahead, EPSV, REST and the
 * command go out in one write (see xfer_send_ahead).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <openssl/err.h>

#include "xfer_int.h"
#include "sock.h"
#include "addr.h"

int xfer_refused_as_unknown(int code)
{
	return code == 500 || code == 501 || code == 502 || code == 504 || code == 522;
}

/* ---- passive ---- */

/* The data port of a passive reply, on the control connection's address. */
void xfer_set_port(struct sockaddr_storage *to, uint16_t port)
{
	if (to->ss_family == AF_INET6)
		((struct sockaddr_in6 *)to)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)to)->sin_port = htons(port);
}

static ftps_err passive_target(struct ftps_conn *c, struct sockaddr_storage *to,
                               struct ftps_status *st)
{
	const struct ftps_reply *r;
	uint16_t port = 0;
	ftps_err e;

	*to = c->peer;
	if (!ftps_server_knows(c->srv, FTPS_FACT_NO_EPSV)) {
		if ((e = ftps_command(c, &r, st, "EPSV")) != FTPS_OK)
			return e;
		if (r->code == 229) {
			if (ftps_parse_epsv(r->text, &port) != 0)
				return ftps_fail(st, FTPS_E_PROTO, r->code, "unusable EPSV reply: %.100s",
				                 r->text);
			ftps_server_learn(c->srv, FTPS_FACT_EPSV_OK);
			goto done;
		}
		if (!xfer_refused_as_unknown(r->code))
			return conn_reply_err(r, FTPS_CTX_DATA, "EPSV", st);
		ftps_debug("EPSV refused (%d); using PASV", r->code);
		ftps_server_learn(c->srv, FTPS_FACT_NO_EPSV);
	}
	if (c->peer.ss_family != AF_INET)
		return ftps_fail(st, FTPS_E_NOTSUP, 0, "the server refuses EPSV and PASV cannot "
		                 "work over IPv6; use -o active");
	if ((e = ftps_command(c, &r, st, "PASV")) != FTPS_OK)
		return e;
	if (r->code != 227)
		return conn_reply_err(r, FTPS_CTX_DATA, "PASV", st);
	uint8_t ip[4];
	if (ftps_parse_pasv(r->text, ip, &port) != 0)
		return ftps_fail(st, FTPS_E_PROTO, r->code, "unusable PASV reply: %.100s", r->text);
	struct sockaddr_in *peer4 = (struct sockaddr_in *)to;
	if (memcmp(&peer4->sin_addr, ip, 4) != 0) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, ip, a, sizeof(a));
		if (c->cfg->use_pasv_addr &&
		    ftps_ipv4_scope(ip) == ftps_ipv4_scope((const uint8_t *)&peer4->sin_addr)) {
			memcpy(&peer4->sin_addr, ip, 4);
			ftps_debug("PASV: connecting to %s as the reply says (-o pasv_addr)", a);
		} else if (c->cfg->use_pasv_addr) {
			ftps_warn("PASV reply names %s, outside the control connection's network: "
			          "connecting to the control connection's address instead", a);
		} else {
			ftps_debug("PASV reply names %s; connecting to the control connection's "
			           "address instead (-o pasv_addr to use the reply's)", a);
		}
	}
done:
	xfer_set_port(to, port);
	return FTPS_OK;
}

/* ---- active ---- */

static ftps_err announce_active(struct ftps_conn *c, int *lfd_out, struct ftps_status *st)
{
	const struct ftps_config *cfg = c->cfg;
	struct sockaddr_storage bound, announce;
	const struct ftps_reply *r;
	char arg[128];
	ftps_err e;
	int lfd;

	lfd = ftps_sock_listen(&c->local, cfg->active_port_lo, cfg->active_port_hi, &bound, st);
	if (lfd < 0)
		return st ? st->err : FTPS_E_IO;
	announce = bound;
	if (cfg->active_addr) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&announce;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&announce;
		uint16_t port = bound.ss_family == AF_INET6 ? a6->sin6_port : a4->sin_port;
		memset(&announce, 0, sizeof(announce));
		if (inet_pton(AF_INET, cfg->active_addr, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = port;
		} else if (inet_pton(AF_INET6, cfg->active_addr, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = port;
		} else {
			close(lfd);
			return ftps_fail(st, FTPS_E_INVAL, 0, "-o active_addr=%s is not an IP address",
			                 cfg->active_addr);
		}
	}
	if (!ftps_server_knows(c->srv, FTPS_FACT_NO_EPRT)) {
		if (ftps_format_eprt((struct sockaddr *)&announce, arg, sizeof(arg)) != 0 ||
		    (e = ftps_command(c, &r, st, "EPRT %s", arg)) != FTPS_OK) {
			close(lfd);
			return st && st->err ? st->err : FTPS_E_INVAL;
		}
		if (r->code == 200)
			goto done;
		if (!xfer_refused_as_unknown(r->code) || announce.ss_family != AF_INET) {
			close(lfd);
			return conn_reply_err(r, FTPS_CTX_DATA, "EPRT", st);
		}
		ftps_server_learn(c->srv, FTPS_FACT_NO_EPRT);
	}
	if (ftps_format_port((struct sockaddr *)&announce, arg, sizeof(arg)) != 0) {
		close(lfd);
		return ftps_fail(st, FTPS_E_INVAL, 0, "cannot announce this address with PORT");
	}
	if ((e = ftps_command(c, &r, st, "PORT %s", arg)) != FTPS_OK) {
		close(lfd);
		return e;
	}
	if (r->code != 200) {
		close(lfd);
		return conn_reply_err(r, FTPS_CTX_DATA, "PORT", st);
	}
done:
	*lfd_out = lfd;
	return FTPS_OK;
}

/* ---- TLS on the data connection ---- */

static SSL *data_ssl(struct ftps_xfer *x, struct ftps_status *st)
{
	struct ftps_conn *c = x->c;
	SSL_SESSION *resume = ftps_sessions_pick(&c->sessions);

	x->offered = resume != NULL;
	return ftps_tls_new_ssl(c->tls, x->fd, c->cfg->host, &c->sessions, 1, resume, st);
}

/* A passive data connection's ClientHello goes out as soon as it is
 * connected, before the command's replies are read: the server finds it
 * waiting once it has accepted the connection and sent its 1xx, and
 * answers at once - half a round trip earlier than a ClientHello sent
 * after the 1xx. Nothing can wait for the other: a server sends its 1xx
 * without waiting for the client's side of the handshake (clients start
 * it only after the 1xx). Best effort: secure_data finishes the handshake
 * and reports its failure; a command refused drops the connection unused. */
static void hello_early(struct ftps_xfer *x)
{
	if (!x->c->prot_p || x->fd < 0 || x->ssl || !(x->ssl = data_ssl(x, NULL)))
		return;
	ERR_clear_error();
	(void)SSL_connect(x->ssl);      /* writes the ClientHello; wants to read */
	ERR_clear_error();
}

static ftps_err secure_data(struct ftps_xfer *x, struct ftps_status *st)
{
	struct ftps_conn *c = x->c;
	ftps_err e;

	if (!x->ssl && !(x->ssl = data_ssl(x, st)))
		return st ? st->err : FTPS_E_TLS;
	e = ftps_tls_handshake(c->tls, x->ssl, x->fd, c->cfg->host,
	                       ftps_deadline(xfer_timeout(c)), "data", st);
	c->data_conns++;
	if (e != FTPS_OK)
		return e;
	ftps_stats_add(&c->srv->stats, SSL_session_reused(x->ssl) ? FTPS_CTR_TLS_RESUMED
	                                                          : FTPS_CTR_TLS_FULL, 1);
	if (SSL_session_reused(x->ssl)) {
		c->data_resumed++;
		ftps_debug("%s: data connection resumed the control connection's TLS session "
		           "(%s)", x->what, SSL_get_version(x->ssl));
	} else {
		ftps_debug("%s: data connection did NOT resume a TLS session (%s)", x->what,
		           x->offered ? "offered, refused by the server" : "none to offer");
	}
	return FTPS_OK;
}

/* When a data connection fails, the server's reply usually says why
 * (522 session reuse required, 425 ...): read it and keep it. */
static ftps_err explain_data_failure(struct ftps_xfer *x, ftps_err e, struct ftps_status *st)
{
	struct ftps_conn *c = x->c;
	const struct ftps_reply *r;
	struct ftps_status st2 = { 0 };
	char why[sizeof(st->msg)] = "";
	char brief[256];

	if (st)
		snprintf(why, sizeof(why), "%s", st->msg);
	if (x->final_read || conn_read_final(c, ftps_deadline(xfer_timeout(c)), &r, &st2) != FTPS_OK) {
		x->final_read = 1;
		return conn_broken(c, e);
	}
	x->final_read = 1;
	ftps_reply_brief(r, brief, sizeof(brief));
	if (strcasestr(r->text, "reuse") || strcasestr(r->text, "resum"))
		return ftps_fail(st, FTPS_E_TLS, r->code,
		                 "%s: the server refused the data connection because it did not "
		                 "resume the control connection's TLS session: %d %s",
		                 x->what, r->code, brief);
	return ftps_fail(st, r->code >= 400 ? ftps_err_from_reply(r->code, r->text, x->ctx) : e,
	                 r->code, "%s: data connection failed (%s); server says %d %s",
	                 x->what, why, r->code, brief);
}

/* REST marks where the next transfer command starts, whatever comes in
 * between: servers keep it across EPSV, PASV and PORT, and across a set-up
 * that failed. It is therefore sent last, just before the command, and a
 * marker left over (a command that never went out) is reset: a download
 * from the start would otherwise begin at another read's offset, and an
 * upload would write there. */
static ftps_err restart_at(struct ftps_conn *c, uint64_t offset, struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	if (offset == 0 && !c->rest_pending)
		return FTPS_OK;
	if ((e = ftps_command(c, &r, st, "REST %llu", (unsigned long long)offset)) != FTPS_OK)
		return e;
	if (r->code != 350) {
		e = conn_reply_err(r, FTPS_CTX_GENERIC, "REST", st);
		return e != FTPS_OK ? e : ftps_fail(st, FTPS_E_NOTSUP, r->code,
		                                    "REST: unexpected reply %d", r->code);
	}
	c->rest_pending = offset > 0;
	return FTPS_OK;
}

/* Whether EPSV (and REST) and the transfer command may go out together,
 * saving the round trips of asking for the port (and the marker) first:
 * in passive mode, on a server that answered commands sent ahead and took
 * EPSV before, and only for a command that does no harm should EPSV fail
 * after all (it then fails for want of a data connection): a read, a
 * listing, a store to a fresh temporary name - never one that could
 * truncate a file. A read or listing takes its REST along (a refused REST
 * is caught before any byte is used); a store never does: it goes ahead
 * only when no marker is pending. */
int xfer_send_ahead(const struct ftps_conn *c, int upload, uint64_t offset, int harmless)
{
	return harmless && !c->cfg->active &&
	       (!upload || (offset == 0 && !c->rest_pending)) &&
	       ftps_server_knows(c->srv, FTPS_FACT_EPSV_OK) &&
	       ftps_server_knows(c->srv, FTPS_FACT_PIPELINING_OK) &&
	       !ftps_server_knows(c->srv, FTPS_FACT_NO_PIPELINING) &&
	       !ftps_server_knows(c->srv, FTPS_FACT_NO_EPSV);
}

/* Read the n replies still due after a failure in a group sent ahead; the
 * last, the transfer command's, must be a refusal (no transfer started)
 * for the connection to be in step. 0 in step, -1 not. */
static int drain_group(struct ftps_conn *c, int n, int64_t deadline)
{
	const struct ftps_reply *r = NULL;

	for (int i = 0; i < n; i++)
		if (conn_read_final(c, deadline, &r, NULL) != FTPS_OK)
			return -1;
	return n > 0 && r && r->code < 300 ? -1 : 0;
}

/* EPSV, REST when a marker is to be set (offset > 0, or one left over),
 * and the command in one write: read 229, connect, read REST's 350, and
 * leave the command's first reply in *r. On a failure the connection is
 * either in step (every reply of the group read) or marked broken; a
 * transfer that started although REST was refused is cut (from the wrong
 * offset: not one byte of it is used). */
static ftps_err start_ahead(struct ftps_conn *c, struct ftps_xfer *x, uint64_t offset,
                            const char *verb, const char *path, const struct ftps_reply **r,
                            struct ftps_status *st)
{
	int64_t deadline = ftps_deadline(xfer_timeout(c));
	struct sockaddr_storage to = c->peer;
	int rest = offset > 0 || c->rest_pending;
	char cmd[FTPS_MAX_PATH + 16], mark[48];
	const char *lines[3];
	int n = 0;
	uint16_t port = 0;
	int prepared = (x->fd = xfer_take_prepared(c, deadline)) >= 0;
	ftps_err e, rest_e = FTPS_OK;

	if (snprintf(cmd, sizeof(cmd), "%s%s%s", verb, path ? " " : "", path ? path : "") >=
	    (int)sizeof(cmd))
		return ftps_fail(st, FTPS_E_INVAL, 0, "path too long");
	snprintf(mark, sizeof(mark), "REST %llu", (unsigned long long)offset);
	if (prepared) {
		ftps_debug("%s: on the data connection prepared ahead", verb);
		hello_early(x);
	} else {
		lines[n++] = "EPSV";
	}
	if (rest)
		lines[n++] = mark;
	lines[n++] = cmd;
	e = conn_send_lines(c, st, (size_t)n, lines);
	if (e == FTPS_OK && !prepared)
		e = conn_read_final(c, deadline, r, st);
	if (e != FTPS_OK)
		return e;
	if (prepared)
		goto connected;
	if ((*r)->code != 229 || ftps_parse_epsv((*r)->text, &port) != 0) {
		/* The command went out without a data connection to use: its
		 * refusal keeps us in step. A marker REST set stays pending. */
		ftps_err why = (*r)->code == 229
		               ? ftps_fail(st, FTPS_E_PROTO, 229, "unusable EPSV reply")
		               : conn_reply_err(*r, FTPS_CTX_DATA, "EPSV", st);
		xfer_epsv_refused(c, (*r)->code);
		c->rest_pending |= rest;
		if (drain_group(c, n - 1, deadline) != 0)
			return conn_broken(c, why != FTPS_OK ? why : FTPS_E_PROTO);
		return why != FTPS_OK && ftps_err_class(why) != FTPS_CLASS_LOST ? FTPS_E_RETRY : why;
	}
	xfer_set_port(&to, port);
	x->fd = ftps_sock_connect_addr((struct sockaddr *)&to, ftps_sockaddr_len(&to), deadline, st);
	if (x->fd < 0) {
		/* The server may have refused the command already (no such
		 * file) and closed its port: then its replies are here, and we
		 * are in step. Otherwise it waits for a connection that will not
		 * come. */
		ftps_err why = st && st->err ? st->err : FTPS_E_RETRY;
		int64_t soon = ftps_deadline(xfer_timeout(c) < 1000 ? xfer_timeout(c) : 1000);
		if (rest && (conn_read_final(c, soon, r, NULL) != FTPS_OK || (*r)->code != 350))
			return conn_broken(c, why);
		if (conn_read_reply(c, soon, r, NULL) == FTPS_OK && (*r)->code >= 300)
			return conn_reply_err(*r, x->ctx, verb, st);
		return conn_broken(c, why);
	}
	hello_early(x);
connected:
	if (rest) {
		if ((e = conn_read_final(c, deadline, r, st)) != FTPS_OK)
			return e;
		if ((*r)->code == 350) {
			c->rest_pending = 1;        /* until the command takes it */
		} else {
			rest_e = conn_reply_err(*r, FTPS_CTX_GENERIC, "REST", st);
			if (rest_e == FTPS_OK)
				rest_e = ftps_fail(st, FTPS_E_NOTSUP, (*r)->code, "REST: unexpected reply %d",
				                   (*r)->code);
		}
	}
	if ((e = conn_read_reply(c, deadline, r, st)) != FTPS_OK)
		return e;
	if (prepared && rest_e == FTPS_OK && (*r)->code == 425) {
		/* The server no longer had the prepared port: in step (the
		 * command was refused), set up afresh. */
		ftps_debug("%s: the data connection prepared ahead was refused (%d); asking again",
		           verb, (*r)->code);
		xfer_close_data(x);
		return start_ahead(c, x, offset, verb, path, r, st);
	}
	if (rest_e == FTPS_OK)
		return FTPS_OK;
	/* REST was refused: the command, if it started, starts at 0. */
	if ((*r)->code >= 300)
		return rest_e;          /* refused as well: in step */
	if ((*r)->code >= 200 || xfer_cut_started(c, x) != FTPS_OK)
		return conn_broken(c, rest_e);
	return rest_e;
}

/* Data connection, REST (see restart_at), command, 1xx, TLS. */
static ftps_err start(struct ftps_conn *c, enum ftps_ctx ctx, int upload, uint64_t offset,
                      int harmless, struct ftps_xfer **out, struct ftps_status *st,
                      const char *verb, const char *path)
{
	struct sockaddr_storage to;
	const struct ftps_reply *r;
	struct ftps_xfer *x;
	int lfd = -1;
	ftps_err e;

	*out = NULL;
	if (c->state != CONN_READY)
		return ftps_fail(st, FTPS_E_CONN, 0, "the control connection is not ready");
	if (c->prot_p && (e = conn_ensure_session(c, st)) != FTPS_OK)
		return e;
	x = calloc(1, sizeof(*x));
	if (!x)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	x->c = c;
	x->fd = -1;
	x->upload = upload;
	x->ctx = ctx;
	snprintf(x->what, sizeof(x->what), "%s", verb);

	if (xfer_send_ahead(c, upload, offset, harmless)) {
		if ((e = start_ahead(c, x, offset, verb, path, &r, st)) != FTPS_OK)
			goto fail;
	} else {
		xfer_drop_prepared(c);      /* its port would be taken over */
		if (c->cfg->active)
			e = announce_active(c, &lfd, st);
		else if ((e = passive_target(c, &to, st)) == FTPS_OK) {
			x->fd = ftps_sock_connect_addr((struct sockaddr *)&to, ftps_sockaddr_len(&to),
			                               ftps_deadline(xfer_timeout(c)), st);
			if (x->fd < 0)
				e = FTPS_E_RETRY;   /* st says why */
			hello_early(x);
		}
		if (e == FTPS_OK)
			e = restart_at(c, offset, st);
		if (e != FTPS_OK)
			goto fail;
		if (path)
			e = conn_send(c, st, "%s %s", verb, path);
		else
			e = conn_send(c, st, "%s", verb);
		if (e == FTPS_OK)
			e = conn_read_reply(c, ftps_deadline(xfer_timeout(c)), &r, st);
		if (e != FTPS_OK)
			goto fail;
	}
	/* Accepted, the command used the marker up. Refused, a server may
	 * keep it: the next transfer on this connection resets it. */
	if (r->code < 300)
		c->rest_pending = 0;
	if (r->code >= 300) {
		e = conn_reply_err(r, ctx, verb, st);
		goto fail;
	}
	if (r->code >= 200)
		x->final_read = 1;   /* done before we connected (an empty listing) */
	conn_set_state(c, CONN_XFER);
	if (lfd >= 0) {
		x->fd = ftps_sock_accept(lfd, &c->peer, ftps_deadline(xfer_timeout(c)), st);
		close(lfd);
		lfd = -1;
		if (x->fd < 0) {
			e = explain_data_failure(x, st ? st->err : FTPS_E_RETRY, st);
			goto fail_xfer;
		}
	}
	if (c->prot_p && (e = secure_data(x, st)) != FTPS_OK) {
		e = explain_data_failure(x, e, st);
		goto fail_xfer;
	}
	*out = x;
	return FTPS_OK;
fail_xfer:
	xfer_close_data(x);
	if (c->state == CONN_XFER)
		conn_set_state(c, CONN_READY);
	free(x);
	return e;
fail:
	if (lfd >= 0)
		close(lfd);
	xfer_close_data(x);
	free(x);
	return e;
}

ftps_err ftps_retr_start(struct ftps_conn *c, const char *path, uint64_t offset,
                         struct ftps_xfer **out, struct ftps_status *st)
{
	return start(c, FTPS_CTX_RETR, 0, offset, 1, out, st, "RETR", path);
}

ftps_err ftps_stor_start(struct ftps_conn *c, const char *path, int append,
                         struct ftps_xfer **out, struct ftps_status *st)
{
	return start(c, FTPS_CTX_STOR, 1, 0, 0, out, st, append ? "APPE" : "STOR", path);
}

ftps_err ftps_stor_new_start(struct ftps_conn *c, const char *path, struct ftps_xfer **out,
                             struct ftps_status *st)
{
	return start(c, FTPS_CTX_STOR, 1, 0, 1, out, st, "STOR", path);
}

/* For listings (ops.c): "MLSD path" or "LIST -a path". */
ftps_err xfer_start_listing(struct ftps_conn *c, const char *verb, const char *path,
                            struct ftps_xfer **out, struct ftps_status *st);
ftps_err xfer_start_listing(struct ftps_conn *c, const char *verb, const char *path,
                            struct ftps_xfer **out, struct ftps_status *st)
{
	return start(c, FTPS_CTX_LIST, 0, 0, 1, out, st, verb, path);
}
