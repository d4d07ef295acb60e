/* xfer.c - a running transfer: reading, writing, and ending it.
 *
 * Ending a transfer keeps the control connection in step:
 *  - upload: close_notify + FIN, wait for the server to close, then 226;
 *  - download: after EOF, the final reply;
 *  - abort: drop the data connection, read the transfer's final reply,
 *    then a NOOP and every reply up to its 200, so a server that sends
 *    426 and 226 (pure-ftpd) cannot leave us one reply behind.
 * Opening one is xfer_open.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "xfer_int.h"
#include "sock.h"

int xfer_timeout(const struct ftps_conn *c)
{
	return ftps_config_timeout_ms(c->cfg);
}

void xfer_close_data(struct ftps_xfer *x)
{
	if (x->ssl) {
		/* Without this, SSL_free of a connection that was not shut down
		 * marks its session not resumable; that session is the control
		 * connection's, and every later data connection would fail. */
		SSL_set_shutdown(x->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(x->ssl);
		x->ssl = NULL;
	}
	if (x->fd >= 0) {
		close(x->fd);
		x->fd = -1;
	}
}

ftps_err ftps_xfer_read(struct ftps_xfer *x, void *buf, size_t len, size_t *got,
                        struct ftps_status *st)
{
	int64_t deadline = ftps_deadline(xfer_timeout(x->c));
	ftps_err e;

	*got = 0;
	if (x->eof || len == 0)
		return FTPS_OK;
	if (x->ssl) {
		int clean = 0;
		e = ftps_tls_read(x->ssl, x->fd, buf, len, got, &clean, deadline, st);
		if (e == FTPS_E_CONN) {  /* a reset: see check_stream_end */
			e = FTPS_OK;
			*got = 0;
			x->eof_reset = 1;
		}
		if (e != FTPS_OK)
			return e == FTPS_E_TIMEOUT ? ftps_fail(st, e, 0, "%s: no data for %d s", x->what,
			                                       xfer_timeout(x->c) / 1000) : e;
		if (*got == 0)
			x->eof_clean = clean;
	} else {
		ssize_t n = ftps_sock_recv(x->fd, buf, len, deadline);
		if (n == -2)
			return ftps_fail(st, FTPS_E_TIMEOUT, 0, "%s: no data for %d s", x->what,
			                 xfer_timeout(x->c) / 1000);
		if (n < 0)
			x->eof_reset = 1;   /* a reset: see check_stream_end */
		else
			*got = (size_t)n;
	}
	if (*got == 0)
		x->eof = 1;
	x->bytes += *got;
	if (x->ctx == FTPS_CTX_RETR && *got > 0)
		ftps_stats_add(&x->c->srv->stats, FTPS_CTR_BYTES_DOWN, (int64_t)*got);
	return FTPS_OK;
}

ftps_err ftps_xfer_write(struct ftps_xfer *x, const void *buf, size_t len,
                         struct ftps_status *st)
{
	int64_t deadline = ftps_deadline(xfer_timeout(x->c));
	ftps_err e = FTPS_OK;
	int rc;

	if (x->ssl)
		e = ftps_tls_write(x->ssl, x->fd, buf, len, deadline, st);
	else if ((rc = ftps_sock_send_all(x->fd, buf, len, deadline)) != 0)
		e = rc == -2
		    ? ftps_fail(st, FTPS_E_TIMEOUT, 0, "%s: the server takes no data", x->what)
		    : ftps_fail(st, FTPS_E_CONN, 0, "%s: %s", x->what, strerror(errno));
	if (e == FTPS_OK) {
		x->bytes += len;
		ftps_stats_add(&x->c->srv->stats, FTPS_CTR_BYTES_UP, (int64_t)len);
		return FTPS_OK;
	}
	/* The server may have said why it stopped taking data (552 quota ...). */
	if (e != FTPS_E_TIMEOUT && !x->final_read) {
		const struct ftps_reply *r;
		struct ftps_status st2 = { 0 };
		if (ftps_sock_wait(x->c->fd, POLLIN, ftps_deadline(2000)) == 1 &&
		    conn_read_final(x->c, ftps_deadline(2000), &r, &st2) == FTPS_OK) {
			x->final_read = 1;
			ftps_err re = conn_reply_err(r, x->ctx, x->what, st);
			if (re != FTPS_OK)
				return re;
		}
	}
	return e;
}

uint64_t ftps_xfer_bytes(const struct ftps_xfer *x)
{
	return x->bytes;
}

static ftps_err read_transfer_reply(struct ftps_xfer *x, struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	if (x->final_read)
		return FTPS_OK;
	e = conn_read_final(x->c, ftps_deadline(xfer_timeout(x->c)), &r, st);
	x->final_read = 1;
	if (e != FTPS_OK)
		return e;
	return conn_reply_err(r, x->ctx, x->what, st);
}

/* A download or listing ended and the server said 226: did all of it
 * arrive? A server's 226 only says that it sent everything, not that we
 * got it: a middlebox that cuts the data connection with a clean TCP close
 * makes a short stream look complete. So:
 *  - a reset is a cut;
 *  - an end with close_notify is complete, and teaches us that this server
 *    sends close_notify;
 *  - an end without close_notify is a cut when the server has sent
 *    close_notify before (some servers never send it: there the size
 *    checks of the callers are what is left). */
static ftps_err check_stream_end(struct ftps_xfer *x, struct ftps_status *st)
{
	struct ftps_server *srv = x->c->srv;

	if (x->eof_reset)
		return ftps_fail(st, FTPS_E_RETRY, 0, "%s: the data connection was reset after "
		                 "%llu bytes: the transfer may be cut short", x->what,
		                 (unsigned long long)x->bytes);
	if (!x->ssl)
		return FTPS_OK;
	if (x->eof_clean) {
		ftps_server_learn(srv, FTPS_FACT_DATA_CLOSE_NOTIFY);
		return FTPS_OK;
	}
	if (ftps_server_knows(srv, FTPS_FACT_DATA_CLOSE_NOTIFY))
		return ftps_fail(st, FTPS_E_RETRY, 0, "%s: the data connection ended without TLS "
		                 "close_notify after %llu bytes: the transfer was cut short",
		                 x->what, (unsigned long long)x->bytes);
	return FTPS_OK;
}

ftps_err ftps_xfer_finish(struct ftps_xfer *x, struct ftps_status *st)
{
	struct ftps_conn *c = x->c;
	ftps_err e = FTPS_OK, e2;

	if (!x->upload && !x->eof)
		return ftps_xfer_abort(x, st);
	if (!x->upload && (e = check_stream_end(x, st)) != FTPS_OK) {
		if (x->ssl)
			ftps_sessions_forget_from(&c->sessions, x->ssl);
		/* Cut short: the server may still be sending into the cut, or
		 * waiting for our side to close. Its final reply is settled as
		 * after a cancel (bounded; the connection closed if it cannot
		 * be brought back in step), not waited for a whole timeout. */
		ftps_xfer_abort(x, NULL);
		return e;
	}
	if (x->upload) {
		if (x->ssl)
			e = ftps_tls_close(x->ssl, x->fd, ftps_deadline(xfer_timeout(c)), st);
		else
			shutdown(x->fd, SHUT_WR);
	}
	xfer_close_data(x);
	e2 = read_transfer_reply(x, e == FTPS_OK ? st : NULL);
	if (e == FTPS_OK)
		e = e2;
	if (c->state == CONN_XFER)
		conn_set_state(c, CONN_READY);
	c->last_used_ms = ftps_now_ms();
	free(x);
	return e;
}

/* How long a cut transfer may stay silent before we stop waiting for its
 * final reply and resynchronise with NOOP instead. Servers that do answer
 * (426 or 226) do so within milliseconds of the cut. */
#define ABORT_FIRST_QUIET_MS 2000
#define ABORT_QUIET_MS 1000

/* True when a reply (or part of one) is ready or arrives before deadline,
 * without consuming anything. */
static int reply_arriving(struct ftps_conn *c, int64_t deadline)
{
	if (c->rpos < c->rlen || (c->ssl && SSL_pending(c->ssl) > 0))
		return 1;
	return ftps_sock_wait(c->fd, POLLIN, deadline) > 0;
}

/* The last words of a transfer whose data connection we cut. Most servers
 * send 426 or 226. pure-ftpd sends either those, or only its statistics
 * line under the code of its last reply ("150 0.002 seconds (measured
 * here), ..."), or nothing at all; waiting for a final reply there hangs
 * until the timeout. So a 1xx reply, or ABORT_QUIET_MS of silence, also
 * ends the wait: the NOOP that follows reads whatever comes late. */
static ftps_err read_abort_reply(struct ftps_conn *c, struct ftps_status *st)
{
	const struct ftps_reply *r;
	ftps_err e;

	/* How long to wait is learnt per server: one that answered
	 * a cut before gets the whole timeout (under load ProFTPD takes more
	 * than a second); one that stayed silent gets ABORT_QUIET_MS; an
	 * unknown one a few seconds. */
	int quiet = ftps_server_knows(c->srv, FTPS_FACT_CUT_ANSWERED) ? xfer_timeout(c)
	            : ftps_server_knows(c->srv, FTPS_FACT_CUT_SILENT) ? ABORT_QUIET_MS
	            : ABORT_FIRST_QUIET_MS;
	if (!reply_arriving(c, ftps_deadline(quiet))) {
		ftps_debug("no reply %d ms after cutting the transfer; resynchronising", quiet);
		ftps_server_learn(c->srv, FTPS_FACT_CUT_SILENT);
		return FTPS_OK;
	}
	e = conn_read_reply(c, ftps_deadline(xfer_timeout(c)), &r, st);
	if (e == FTPS_OK && r->code >= 200)
		ftps_server_learn(c->srv, FTPS_FACT_CUT_ANSWERED);
	if (e == FTPS_OK && r->code < 200)
		ftps_debug("a preliminary reply after cutting the transfer: %.80s", r->text);
	return e;
}

/* Cut the data connection and bring the control connection back in step:
 * the transfer's last words, then a NOOP and every reply up to its 200. */
static ftps_err cut(struct ftps_xfer *x, struct ftps_status *st2)
{
	struct ftps_conn *c = x->c;
	const struct ftps_reply *r;
	ftps_err e = FTPS_OK;

	xfer_close_data(x);   /* no close_notify: the server must see a cut */
	if (!x->final_read) {
		e = read_abort_reply(c, st2);
		x->final_read = 1;
	}
	if (e == FTPS_OK && c->state != CONN_BROKEN) {
		conn_set_state(c, CONN_READY);
		/* Resynchronise: whatever stray replies the abort caused come
		 * before the NOOP's 200. */
		e = conn_send(c, st2, "NOOP");
		for (int i = 0; e == FTPS_OK && i < 4; i++) {
			e = conn_read_final(c, ftps_deadline(xfer_timeout(c)), &r, st2);
			if (e == FTPS_OK && r->code == 200)
				break;
			if (i == 3)
				e = FTPS_E_PROTO;
		}
	}
	if (e != FTPS_OK)
		conn_broken(c, e);
	c->last_used_ms = ftps_now_ms();
	return e;
}

/* A transfer sent ahead started (1xx) where it must not be used (REST
 * was refused): cut it before any byte is read. */
ftps_err xfer_cut_started(struct ftps_conn *c, struct ftps_xfer *x)
{
	struct ftps_status st2 = { 0 };

	conn_set_state(c, CONN_XFER);
	c->rest_pending = 0;    /* the command took whatever marker there was */
	return cut(x, &st2);
}

ftps_err ftps_xfer_abort(struct ftps_xfer *x, struct ftps_status *st)
{
	struct ftps_status st2 = { 0 };
	ftps_err e = cut(x, &st2);

	free(x);
	if (e != FTPS_OK)
		return ftps_fail(st, FTPS_E_CONN, 0, "cancelling a transfer left the connection "
		                 "unusable (%s)", st2.msg);
	return FTPS_OK;
}
