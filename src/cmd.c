/* cmd.c - the command/reply layer of a control connection: its state,
 * bytes in and out (TLS or plain), one command line out, one reply in,
 * ftps_command on top, and pipelined batches. Every FTP verb in ops.c and
 * xfer.c goes through here; conn.c opens and closes connections with it.
 *
 * Replies are read from c->rbuf through the incremental parser in
 * reply.c, so a reply may arrive in pieces or several in one read: what
 * is left after one reply stays buffered for the next. That is what lets
 * commands be sent ahead of their replies (pipelining) later.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "conn.h"
#include "sock.h"
#include "text.h"

/* ---- the connection's state ---- */

static const char *const state_names[] = {
	[CONN_NEW] = "NEW", [CONN_CONNECTED] = "CONNECTED", [CONN_SECURED] = "SECURED",
	[CONN_READY] = "READY", [CONN_XFER] = "XFER", [CONN_BROKEN] = "BROKEN",
};

void conn_set_state(struct ftps_conn *c, enum conn_state st)
{
	if (c->state == st)
		return;
	ftps_trace("control %d: [%s] -> [%s]", c->fd, state_names[c->state], state_names[st]);
	c->state = st;
}

ftps_err conn_broken(struct ftps_conn *c, ftps_err err)
{
	conn_set_state(c, CONN_BROKEN);
	return err;
}

/* Judges only the bytes that have arrived: a slow server may send its
 * greeting one byte at a time. */
int conn_looks_like_reply(const unsigned char *b, size_t n)
{
	return n >= 1 && b[0] >= '1' && b[0] <= '5' &&
	       (n < 2 || (b[1] >= '0' && b[1] <= '9')) &&
	       (n < 3 || (b[2] >= '0' && b[2] <= '9'));
}

static int timeout_ms(const struct ftps_conn *c)
{
	return ftps_config_timeout_ms(c->cfg);
}

/* ---- raw I/O, TLS or plain ---- */

static ftps_err raw_write(struct ftps_conn *c, const char *buf, size_t len,
                          int64_t deadline, struct ftps_status *st)
{
	if (c->ssl)
		return ftps_tls_write(c->ssl, c->fd, buf, len, deadline, st);
	int rc = ftps_sock_send_all(c->fd, buf, len, deadline);
	if (rc == 0)
		return FTPS_OK;
	if (rc == -2)
		return ftps_fail(st, FTPS_E_TIMEOUT, 0, "sending a command timed out");
	return ftps_fail(st, FTPS_E_CONN, 0, "sending a command: %s", strerror(errno));
}

/* A reply in plain text where TLS records were expected: vsftpd writes
 * "500 OOPS: cannot change directory:..." past its TLS layer when a
 * user's home folder is missing, and other servers do the like when they
 * fail. OpenSSL would call it "wrong version number"; the user needs the
 * server's words. A TLS record starts with a byte from 20 to 24, a reply
 * with a digit, so the first bytes decide. Returns FTPS_OK when what
 * waits is not a plain reply (or nothing has arrived yet). */
static ftps_err check_plain_reply(struct ftps_conn *c, int64_t deadline,
                                  struct ftps_status *st)
{
	char text[512];
	ssize_t n;
	size_t len;

	if (SSL_has_pending(c->ssl))
		return FTPS_OK;
	if (ftps_sock_wait(c->fd, POLLIN, deadline) != 1)
		return FTPS_OK;      /* ftps_tls_read reports the timeout or error */
	n = recv(c->fd, text, 4, MSG_PEEK | MSG_DONTWAIT);
	if (n < 4 || !conn_looks_like_reply((const unsigned char *)text, 3) ||
	    (text[3] != ' ' && text[3] != '-'))
		return FTPS_OK;
	/* The line may still be on its way: wait a moment (bounded) for its end. */
	int64_t until = ftps_now_ms() + 200;
	while ((n = recv(c->fd, text, sizeof(text) - 1, MSG_PEEK | MSG_DONTWAIT)) > 0 &&
	       !memchr(text, '\n', (size_t)n) && (size_t)n < sizeof(text) - 1 &&
	       ftps_now_ms() < until)
		usleep(10000);
	len = n > 0 ? (size_t)n : 4;
	text[len] = '\0';
	len = strcspn(text, "\r\n");
	text[len] = '\0';
	ftps_text_clean(text, len);
	conn_broken(c, FTPS_E_PROTO);
	return ftps_fail(st, FTPS_E_PROTO, 0, "the server answered in plain text where TLS "
	                 "was expected: %s", text);
}

/* Read into c->rbuf; EOF is a dropped connection. */
static ftps_err raw_fill(struct ftps_conn *c, int64_t deadline, struct ftps_status *st)
{
	size_t got = 0;

	c->rpos = c->rlen = 0;
	if (c->ssl) {
		ftps_err e = check_plain_reply(c, deadline, st);
		if (e != FTPS_OK)
			return e;
		e = ftps_tls_read(c->ssl, c->fd, c->rbuf, sizeof(c->rbuf), &got, NULL, deadline, st);
		if (e != FTPS_OK)
			return e == FTPS_E_TIMEOUT
			       ? ftps_fail(st, e, 0, "no reply from the server within %d s",
			                   timeout_ms(c) / 1000)
			       : e;
	} else {
		ssize_t n = ftps_sock_recv(c->fd, c->rbuf, sizeof(c->rbuf), deadline);
		if (n == -2)
			return ftps_fail(st, FTPS_E_TIMEOUT, 0, "no reply from the server within %d s",
			                 timeout_ms(c) / 1000);
		if (n < 0)
			return ftps_fail(st, FTPS_E_CONN, 0, "reading a reply: %s", strerror(errno));
		got = (size_t)n;
	}
	if (got == 0)
		return ftps_fail(st, FTPS_E_CONN, 0, "the server closed the control connection");
	c->rlen = got;
	return FTPS_OK;
}

/* ---- commands and replies ---- */

static ftps_err line_ok(const char *line, size_t n, struct ftps_status *st)
{
	if (memchr(line, '\r', n) || memchr(line, '\n', n) || memchr(line, '\0', n))
		return ftps_fail(st, FTPS_E_INVAL, 0, "refusing a command with CR, LF or NUL in it");
	return FTPS_OK;
}

static void trace_line(const char *line)
{
	if (ftps_log_get_level() < FTPS_LOG_TRACE)
		return;
	if (strncmp(line, "PASS ", 5) == 0)
		ftps_trace("-> PASS ****");
	else if (strncmp(line, "ACCT ", 5) == 0)
		ftps_trace("-> ACCT ****");
	else
		ftps_trace("-> %s", line);
}

ftps_err conn_send(struct ftps_conn *c, struct ftps_status *st, const char *fmt, ...)
{
	char line[FTPS_MAX_PATH * 2 + 64];
	va_list ap;
	int n;
	ftps_err e;

	if (c->state == CONN_BROKEN)
		return ftps_fail(st, FTPS_E_CONN, 0, "the control connection is broken");
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return ftps_fail(st, FTPS_E_INVAL, 0, "command too long");
	if ((e = line_ok(line, (size_t)n, st)) != FTPS_OK)
		return e;
	trace_line(line);
	memcpy(line + n, "\r\n", 2);
	e = raw_write(c, line, (size_t)n + 2, ftps_deadline(timeout_ms(c)), st);
	explicit_bzero(line, sizeof(line));
	return e == FTPS_OK ? FTPS_OK : conn_broken(c, e);
}

ftps_err conn_send_lines(struct ftps_conn *c, struct ftps_status *st, size_t n,
                         const char *const *lines)
{
	char buf[(FTPS_MAX_PATH * 2 + 64) * 2];
	size_t used = 0;
	ftps_err e;

	if (c->state == CONN_BROKEN)
		return ftps_fail(st, FTPS_E_CONN, 0, "the control connection is broken");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);
		if ((e = line_ok(lines[i], len, st)) != FTPS_OK)
			goto out;
		if (used + len + 2 > sizeof(buf)) {
			e = ftps_fail(st, FTPS_E_INVAL, 0, "commands too long");
			goto out;
		}
		memcpy(buf + used, lines[i], len);
		memcpy(buf + used + len, "\r\n", 2);
		used += len + 2;
		trace_line(lines[i]);
	}
	e = raw_write(c, buf, used, ftps_deadline(timeout_ms(c)), st);
	if (e != FTPS_OK)
		e = conn_broken(c, e);
out:
	explicit_bzero(buf, used);
	return e;
}

ftps_err conn_read_reply(struct ftps_conn *c, int64_t deadline,
                         const struct ftps_reply **out, struct ftps_status *st)
{
	ftps_reply_parser_init(c->rp);
	for (int i = 0; i < 100000; i++) {
		if (c->rpos < c->rlen) {
			size_t used = 0;
			int rc = ftps_reply_feed(c->rp, c->rbuf + c->rpos, c->rlen - c->rpos, &used);
			c->rpos += used;
			if (rc == FTPS_REPLY_DONE) {
				const struct ftps_reply *r = &c->rp->reply;
				ftps_trace("<- %s", r->text);
				if (r->code == 421)
					conn_set_state(c, CONN_BROKEN);  /* the server is closing */
				*out = r;
				return FTPS_OK;
			}
			if (rc == FTPS_REPLY_ERROR)
				return conn_broken(c, ftps_fail(st, FTPS_E_PROTO, 0, "malformed reply: %s",
				                                 c->rp->errmsg ? c->rp->errmsg : "?"));
			continue;
		}
		ftps_err e = raw_fill(c, deadline, st);
		if (e != FTPS_OK)
			return conn_broken(c, e);
	}
	return conn_broken(c, ftps_fail(st, FTPS_E_PROTO, 0, "reply never ended"));
}

ftps_err conn_read_stream(struct ftps_conn *c, int64_t deadline,
                          int (*feed)(void *arg, const char *buf, size_t len, size_t *used),
                          void *arg, const char **why, struct ftps_status *st)
{
	/* Bounded by the deadline (checked before every read), by the
	 * timeout for each read (a server that stops answering is given up
	 * as soon as for any other reply) and by what feed accepts: it fails
	 * a reply that grows past its bounds. */
	for (;;) {
		if (c->rpos < c->rlen) {
			size_t used = 0;
			int rc = feed(arg, c->rbuf + c->rpos, c->rlen - c->rpos, &used);
			c->rpos += used;
			if (rc == FTPS_REPLY_DONE) {
				c->last_used_ms = ftps_now_ms();
				return FTPS_OK;
			}
			if (rc == FTPS_REPLY_ERROR)
				return conn_broken(c, ftps_fail(st, FTPS_E_PROTO, 0, "malformed reply: %s",
				                                 why && *why ? *why : "?"));
			continue;
		}
		if (ftps_now_ms() > deadline)
			return conn_broken(c, ftps_fail(st, FTPS_E_TIMEOUT, 0,
			                                "a reply took longer than its time limit"));
		int64_t until = ftps_deadline(timeout_ms(c));
		ftps_err e = raw_fill(c, until < deadline ? until : deadline, st);
		if (e != FTPS_OK)
			return conn_broken(c, e);
	}
}

int conn_input_buffered(const struct ftps_conn *c)
{
	return c->rpos < c->rlen || (c->ssl && SSL_pending(c->ssl) > 0);
}

ftps_err conn_read_final(struct ftps_conn *c, int64_t deadline,
                         const struct ftps_reply **out, struct ftps_status *st)
{
	for (int i = 0; i < 16; i++) {
		ftps_err e = conn_read_reply(c, deadline, out, st);
		if (e != FTPS_OK)
			return e;
		if ((*out)->code >= 200)
			return FTPS_OK;
	}
	return conn_broken(c, ftps_fail(st, FTPS_E_PROTO, 0, "too many preliminary replies"));
}

ftps_err conn_reply_err(const struct ftps_reply *r, enum ftps_ctx ctx, const char *what,
                        struct ftps_status *st)
{
	char brief[300];
	ftps_err e = ftps_err_from_reply(r->code, r->text, ctx);

	if (e == FTPS_OK)
		return FTPS_OK;
	return ftps_fail(st, e, r->code, "%s: %d %s", what, r->code,
	                 ftps_reply_brief(r, brief, sizeof(brief)));
}

ftps_err ftps_command(struct ftps_conn *c, const struct ftps_reply **reply,
                      struct ftps_status *st, const char *fmt, ...)
{
	char line[FTPS_MAX_PATH * 2 + 64];
	va_list ap;
	int n;
	ftps_err e;

	if (st)
		st->unsure = 0;
	if (c->state != CONN_READY)
		return ftps_fail(st, FTPS_E_CONN, 0, "the control connection is not ready");
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return ftps_fail(st, FTPS_E_INVAL, 0, "command too long");
	e = conn_send(c, st, "%s", line);
	if (e != FTPS_OK)
		return e;       /* not sent whole: the server cannot act on it */
	e = conn_read_final(c, ftps_deadline(timeout_ms(c)), reply, st);
	if (e != FTPS_OK) {
		if (st)
			st->unsure = 1;
		return e;
	}
	c->last_used_ms = ftps_now_ms();
	return FTPS_OK;
}

/* ---- pipelining ---- */

/* Commands go out in groups of at most this many (one write each), and a
 * group's replies are read before the next is sent: the replies to one
 * group (a few KiB) always fit in the socket buffers, so neither side
 * blocks writing while the other does too. */
#define BATCH_GROUP 64
#define BATCH_BUF (BATCH_GROUP * 160)

/* Send one command, read its reply: the batch's path when pipelining is
 * off for this server, or a line too long to group. */
static ftps_err one_by_one(struct ftps_conn *c, const char *line, const struct ftps_reply **r,
                           struct ftps_status *st)
{
	ftps_err e = conn_send(c, st, "%s", line);

	if (e != FTPS_OK)
		return e;
	return conn_read_final(c, ftps_deadline(timeout_ms(c)), r, st);
}

ftps_err ftps_command_batch(struct ftps_conn *c, size_t n, const char *const *lines,
                            void (*on_reply)(void *arg, size_t i, const struct ftps_reply *r),
                            void *arg, struct ftps_status *st)
{
	char buf[BATCH_BUF];
	const struct ftps_reply *r;
	int pipe = !ftps_server_knows(c->srv, FTPS_FACT_NO_PIPELINING);
	size_t i = 0;
	ftps_err e;

	if (st)
		st->unsure = 0;
	if (c->state != CONN_READY)
		return ftps_fail(st, FTPS_E_CONN, 0, "the control connection is not ready");
	while (i < n) {
		size_t used = 0, first = i, sent;

		/* A group: as many lines as fit, at least one. */
		for (; i < n && i - first < BATCH_GROUP; i++) {
			size_t len = strlen(lines[i]);
			if ((e = line_ok(lines[i], len, st)) != FTPS_OK)
				goto failed;
			if (!pipe || used + len + 2 > sizeof(buf))
				break;
			memcpy(buf + used, lines[i], len);
			memcpy(buf + used + len, "\r\n", 2);
			used += len + 2;
			trace_line(lines[i]);
		}
		if (used == 0) {        /* one at a time */
			if ((e = one_by_one(c, lines[i], &r, st)) != FTPS_OK)
				goto failed;
			on_reply(arg, i, r);
			i++;
			continue;
		}
		e = raw_write(c, buf, used, ftps_deadline(timeout_ms(c)), st);
		explicit_bzero(buf, used);
		if (e != FTPS_OK) {
			conn_broken(c, e);
			goto failed;
		}
		for (sent = first; sent < i; sent++) {
			if ((e = conn_read_final(c, ftps_deadline(timeout_ms(c)), &r, st)) != FTPS_OK) {
				/* Some of a group's replies came, then silence or
				 * nonsense where the rest were due: this server does not
				 * take commands ahead of their replies. (A first reply
				 * that does not come says nothing about pipelining.) */
				if ((e == FTPS_E_TIMEOUT || e == FTPS_E_PROTO) && i - first >= 2 &&
				    sent > first)
					ftps_server_learn(c->srv, FTPS_FACT_NO_PIPELINING);
				goto failed;
			}
			on_reply(arg, sent, r);
		}
		if (i - first >= 2)
			ftps_server_learn(c->srv, FTPS_FACT_PIPELINING_OK);
	}
	c->last_used_ms = ftps_now_ms();
	return FTPS_OK;
failed:
	explicit_bzero(buf, sizeof(buf));
	if (st)
		st->unsure = 1;
	return e;
}
