/* conn.c - control connections: connect, greeting, TLS, login, FEAT,
 * and the "send a command, read its reply" layer under every FTP verb.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "sock.h"
#include "path.h"
#include "text.h"

#define GREETING_WAIT_MS 3000   /* before we suspect an implicit-TLS port */
/* Implicit: how long to look for a plain greeting before the handshake. It
 * costs every implicit connection that long (500 ms made vsftpd-implicit six
 * times slower than explicit in the tests); a greeting that comes later
 * fails the handshake, whose message says "try ftpes://" as well. */
#define TLS_GREETING_PEEK_MS 50

static const char *const state_names[] = {
	[CONN_NEW] = "NEW", [CONN_CONNECTED] = "CONNECTED", [CONN_SECURED] = "SECURED",
	[CONN_READY] = "READY", [CONN_XFER] = "XFER", [CONN_BROKEN] = "BROKEN",
};

void ftps_config_init(struct ftps_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 21;
	cfg->security = FTPS_SEC_EXPLICIT;
	cfg->timeout_ms = 30000;
	cfg->listing = FTPS_LISTMODE_AUTO;
}

int ftps_config_timeout_ms(const struct ftps_config *cfg)
{
	return cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
}

int ftps_config_connect_timeout_ms(const struct ftps_config *cfg)
{
	return cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
	                                   : ftps_config_timeout_ms(cfg);
}

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

static int timeout_ms(const struct ftps_conn *c)
{
	return ftps_config_timeout_ms(c->cfg);
}

/* ---- raw I/O, TLS or plain ---- */

static int looks_like_greeting(const unsigned char *b, size_t n);

static ftps_err raw_write(struct ftps_conn *c, const char *buf, size_t len,
                          int64_t deadline, struct ftps_status *st)
{
	if (c->ssl)
		return ftps_tls_write(c->ssl, c->fd, buf, len, deadline, st);
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = ftps_sock_wait(c->fd, POLLOUT, deadline);
			if (w == 0)
				return ftps_fail(st, FTPS_E_TIMEOUT, 0, "sending a command timed out");
			if (w > 0)
				continue;
		}
		return ftps_fail(st, FTPS_E_CONN, 0, "sending a command: %s", strerror(errno));
	}
	return FTPS_OK;
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
	if (n < 4 || !looks_like_greeting((const unsigned char *)text, 3) ||
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
		for (;;) {
			ssize_t n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
			if (n >= 0) {
				got = (size_t)n;
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return ftps_fail(st, FTPS_E_CONN, 0, "reading a reply: %s", strerror(errno));
			int w = ftps_sock_wait(c->fd, POLLIN, deadline);
			if (w == 0)
				return ftps_fail(st, FTPS_E_TIMEOUT, 0, "no reply from the server within %d s",
				                 timeout_ms(c) / 1000);
			if (w < 0)
				return ftps_fail(st, FTPS_E_CONN, 0, "reading a reply: %s", strerror(errno));
		}
	}
	if (got == 0)
		return ftps_fail(st, FTPS_E_CONN, 0, "the server closed the control connection");
	c->rlen = got;
	return FTPS_OK;
}

/* ---- commands and replies ---- */

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
	if (memchr(line, '\r', (size_t)n) || memchr(line, '\n', (size_t)n))
		return ftps_fail(st, FTPS_E_INVAL, 0, "refusing a command with CR or LF in it");
	if (ftps_log_get_level() >= FTPS_LOG_TRACE) {
		if (strncmp(line, "PASS ", 5) == 0)
			ftps_trace("-> PASS ****");
		else if (strncmp(line, "ACCT ", 5) == 0)
			ftps_trace("-> ACCT ****");
		else
			ftps_trace("-> %s", line);
	}
	memcpy(line + n, "\r\n", 2);
	e = raw_write(c, line, (size_t)n + 2, ftps_deadline(timeout_ms(c)), st);
	explicit_bzero(line, sizeof(line));
	return e == FTPS_OK ? FTPS_OK : conn_broken(c, e);
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

/* ---- opening ---- */

static int looks_like_tls(const unsigned char *b, size_t n)
{
	/* A TLS record: content type 20..24, then major version 3. */
	return n >= 2 && b[0] >= 20 && b[0] <= 24 && b[1] == 3;
}

/* Judges only the bytes that have arrived: a slow server may send its
 * greeting one byte at a time. */
static int looks_like_greeting(const unsigned char *b, size_t n)
{
	return n >= 1 && b[0] >= '1' && b[0] <= '5' &&
	       (n < 2 || (b[1] >= '0' && b[1] <= '9')) &&
	       (n < 3 || (b[2] >= '0' && b[2] <= '9'));
}

static ftps_err mode_error_implicit(struct ftps_status *st)
{
	return ftps_fail(st, FTPS_E_MODE, 0,
	                 "this port speaks implicit FTPS (TLS from the first byte): use ftps://");
}

/* Explicit or plain: wait for the greeting. An implicit-TLS server sends
 * nothing and waits for a ClientHello; if nothing comes for a while we send
 * AUTH TLS (we would next anyway), which such a server answers with a TLS
 * alert: that is how we tell the two apart. */
static ftps_err read_greeting(struct ftps_conn *c, int64_t deadline, int *auth_sent,
                              struct ftps_status *st)
{
	const struct ftps_reply *r;
	unsigned char peek[8];
	int64_t early = ftps_now_ms() + GREETING_WAIT_MS;
	int w;
	ssize_t n;

	*auth_sent = 0;
	if (c->ssl)     /* implicit: the greeting comes over TLS */
		return conn_read_final(c, deadline, &r, st);
	w = ftps_sock_wait(c->fd, POLLIN, early < deadline ? early : deadline);
	if (w == 0 && c->cfg->security == FTPS_SEC_EXPLICIT && ftps_now_ms() < deadline) {
		ftps_debug("no greeting after %d ms; sending AUTH TLS to see what answers",
		           GREETING_WAIT_MS);
		ftps_err e = conn_send(c, st, "AUTH TLS");
		if (e != FTPS_OK)
			return e;
		*auth_sent = 1;
		w = ftps_sock_wait(c->fd, POLLIN, deadline);
	}
	if (w == 0) {
		/* Without our AUTH TLS probe (a timeout shorter than the probe's
		 * wait) silence may still mean an implicit-TLS port. */
		if (!*auth_sent)
			return ftps_fail(st, FTPS_E_TIMEOUT, 0,
			                 "no greeting from the server within the timeout: if this port "
			                 "speaks implicit FTPS, use ftps://");
		return ftps_fail(st, FTPS_E_TIMEOUT, 0, "no greeting from the server within the timeout");
	}
	if (w < 0)
		return ftps_fail(st, FTPS_E_CONN, 0, "waiting for the greeting: %s", strerror(errno));
	n = recv(c->fd, peek, sizeof(peek), MSG_PEEK);
	if (n == 0)
		return ftps_fail(st, FTPS_E_CONN, 0, "the server closed the connection before its "
		                 "greeting (if this port speaks implicit FTPS, use ftps://)");
	if (n > 0 && looks_like_tls(peek, (size_t)n))
		return mode_error_implicit(st);
	if (n > 0 && !looks_like_greeting(peek, (size_t)n))
		return ftps_fail(st, FTPS_E_PROTO, 0, "this does not look like an FTP server "
		                 "(its first bytes are not a reply)");
	ftps_err e = conn_read_final(c, deadline, &r, st);
	/* A port that stayed silent and then rejects our AUTH TLS in plain text
	 * instead of greeting is an implicit-TLS one that took the command for
	 * a broken handshake: vsftpd answers "500 OOPS: error:0A00010B:SSL
	 * routines::wrong version number". A slow FTP server would greet first. */
	if (e == FTPS_OK && *auth_sent && r->code >= 500) {
		char brief[128];
		return ftps_fail(st, FTPS_E_MODE, r->code, "this port speaks implicit FTPS (TLS from "
		                 "the first byte): use ftps:// (it answered AUTH TLS with %d %s)",
		                 r->code, ftps_reply_brief(r, brief, sizeof(brief)));
	}
	return e;
}

static int text_says_too_many(const char *t)
{
	return strcasestr(t, "too many") || strcasestr(t, "maximum number") ||
	       strcasestr(t, "connection limit") || strcasestr(t, "limit reached");
}

static ftps_err check_greeting(struct ftps_conn *c, struct ftps_status *st)
{
	const struct ftps_reply *r = &c->rp->reply;
	int code = r->code;
	char brief[256];

	ftps_reply_brief(r, brief, sizeof(brief));
	snprintf(c->greeting, sizeof(c->greeting), "%d %.200s", r->code, brief);
	if (code == 220)
		return FTPS_OK;
	if (code == 421 || text_says_too_many(r->text))
		return ftps_fail(st, FTPS_E_TOOMANY, code, "the server refuses the connection: %d %s",
		                 code, brief);
	return ftps_fail(st, FTPS_E_PROTO, code, "unexpected greeting: %d %s", code, brief);
}

/* Implicit TLS: a server that greets in plain text speaks explicit FTPS. */
static ftps_err check_not_plain(struct ftps_conn *c, struct ftps_status *st)
{
	unsigned char peek[8];
	ssize_t n;

	if (ftps_sock_wait(c->fd, POLLIN, ftps_now_ms() + TLS_GREETING_PEEK_MS) != 1)
		return FTPS_OK;
	n = recv(c->fd, peek, sizeof(peek), MSG_PEEK);
	if (n > 0 && looks_like_greeting(peek, (size_t)n))
		return ftps_fail(st, FTPS_E_MODE, 0,
		                 "this port speaks explicit FTPS (or plain FTP): it sent a greeting "
		                 "instead of a TLS handshake: use ftpes://");
	return FTPS_OK;
}

static ftps_err start_tls(struct ftps_conn *c, int64_t deadline, struct ftps_status *st)
{
	ftps_err e;

	c->ssl = ftps_tls_new_ssl(c->tls, c->fd, c->cfg->host, &c->sessions, 0, NULL, st);
	if (!c->ssl)
		return st ? st->err : FTPS_E_TLS;
	e = ftps_tls_handshake(c->tls, c->ssl, c->fd, c->cfg->host, deadline, "control", st);
	if (e == FTPS_E_TLS && st && c->cfg->security == FTPS_SEC_IMPLICIT &&
	    (strstr(st->msg, "wrong version number") || strstr(st->msg, "packet length")))
		return ftps_fail(st, FTPS_E_MODE, 0, "%s: this port may not speak implicit FTPS; "
		                 "try ftpes://", st->msg);
	if (e == FTPS_OK) {
		conn_set_state(c, CONN_SECURED);
		ftps_debug("control connection: %s, %s", SSL_get_version(c->ssl),
		           SSL_get_cipher_name(c->ssl));
	}
	return e;
}

static ftps_err auth_tls(struct ftps_conn *c, int auth_sent, int64_t deadline,
                         struct ftps_status *st)
{
	const struct ftps_reply *r;
	char brief[256];
	ftps_err e;

	if (!auth_sent && (e = conn_send(c, st, "AUTH TLS")) != FTPS_OK)
		return e;
	if ((e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
		return e;
	if (r->code != 234 && r->code != 334)
		return ftps_fail(st, FTPS_E_TLS, r->code,
		                 "the server refuses AUTH TLS (%d %s): it does not offer FTPS here; "
		                 "use ftp:// with -o plaintext only if you accept sending your password "
		                 "in clear", r->code, ftps_reply_brief(r, brief, sizeof(brief)));
	if (c->rpos < c->rlen)
		return ftps_fail(st, FTPS_E_PROTO, 0, "unexpected bytes after the AUTH TLS reply");
	return start_tls(c, deadline, st);
}

static ftps_err login(struct ftps_conn *c, int64_t deadline, struct ftps_status *st)
{
	const char *user = c->cfg->user ? c->cfg->user : "anonymous";
	const struct ftps_reply *r;
	char brief[256];
	ftps_err e;

	if ((e = conn_send(c, st, "USER %s", user)) != FTPS_OK ||
	    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
		return e;
	if (r->code == 331) {
		if ((e = conn_send(c, st, "PASS %s", c->cfg->password ? c->cfg->password : ""))
		        != FTPS_OK ||
		    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
			return e;
	}
	if (r->code == 332) {
		if (!c->cfg->account)
			return ftps_fail(st, FTPS_E_AUTH, r->code,
			                 "the server asks for an account (ACCT) and none was given");
		if ((e = conn_send(c, st, "ACCT %s", c->cfg->account)) != FTPS_OK ||
		    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
			return e;
	}
	if (r->code == 230 || r->code == 202)
		return FTPS_OK;
	ftps_reply_brief(r, brief, sizeof(brief));
	if (r->code == 421 || text_says_too_many(r->text))
		return ftps_fail(st, FTPS_E_TOOMANY, r->code,
		                 "the server refuses more connections: %d %s", r->code, brief);
	if (r->code == 530 || r->code == 430)
		return ftps_fail(st, FTPS_E_AUTH, r->code, "login refused for user '%s': %d %s",
		                 user, r->code, brief);
	e = conn_reply_err(r, FTPS_CTX_LOGIN, "login", st);
	return e != FTPS_OK ? e : ftps_fail(st, FTPS_E_AUTH, r->code, "login: unexpected reply %d",
	                                    r->code);
}

static ftps_err setup_session(struct ftps_conn *c, int64_t deadline, struct ftps_status *st)
{
	const struct ftps_reply *r;
	char brief[256];
	ftps_err e;

	if ((e = conn_send(c, st, "FEAT")) != FTPS_OK ||
	    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
		return e;
	ftps_feat_parse(r, &c->caps);
	c->feat_text = strdup(r->code == 211 ? r->text : "");
	switch (c->cfg->listing) {
	case FTPS_LISTMODE_MLSD: c->use_mlsd = 1; break;
	case FTPS_LISTMODE_LIST: c->use_mlsd = 0; break;
	default: c->use_mlsd = c->caps.mlst; break;
	}
	if (c->caps.utf8) {
		if ((e = conn_send(c, st, "OPTS UTF8 ON")) != FTPS_OK ||
		    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
			return e;
	}
	if (c->ssl) {
		if ((e = conn_send(c, st, "PBSZ 0")) != FTPS_OK ||
		    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
			return e;
		if ((e = conn_send(c, st, "PROT P")) != FTPS_OK ||
		    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
			return e;
		if (r->code != 200)
			return ftps_fail(st, FTPS_E_TLS, r->code,
			                 "the server refuses PROT P (%d %s): data would go in clear",
			                 r->code, ftps_reply_brief(r, brief, sizeof(brief)));
		c->prot_p = 1;
	}
	if ((e = conn_send(c, st, "TYPE I")) != FTPS_OK ||
	    (e = conn_read_final(c, deadline, &r, st)) != FTPS_OK)
		return e;
	if (r->code != 200)
		return ftps_fail(st, FTPS_E_PROTO, r->code, "the server refuses binary mode (TYPE I): %d %s",
		                 r->code, ftps_reply_brief(r, brief, sizeof(brief)));
	return FTPS_OK;
}

ftps_err ftps_conn_open(const struct ftps_config *cfg, struct ftps_tls *tls,
                        struct ftps_conn **out, struct ftps_status *st)
{
	return conn_open_shared(cfg, tls, NULL, out, st);
}

ftps_err conn_open_shared(const struct ftps_config *cfg, struct ftps_tls *tls,
                          struct ftps_server *srv, struct ftps_conn **out,
                          struct ftps_status *st)
{
	int64_t deadline = ftps_deadline(ftps_config_connect_timeout_ms(cfg));
	struct ftps_conn *c;
	int auth_sent = 0;
	ftps_err e;

	*out = NULL;
	if (cfg->security != FTPS_SEC_PLAIN && !tls)
		return ftps_fail(st, FTPS_E_INVAL, 0, "no TLS context");
	c = calloc(1, sizeof(*c));
	if (!c || !(c->rp = malloc(sizeof(*c->rp)))) {
		free(c);
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	}
	c->cfg = cfg;
	c->tls = tls;
	ftps_server_init(&c->own_srv);
	c->srv = srv ? srv : &c->own_srv;
	c->fd = ftps_sock_connect_host(cfg->host, cfg->port, deadline, &c->peer, &c->local, st);
	if (c->fd < 0) {
		e = st ? st->err : FTPS_E_IO;
		goto fail;
	}
	conn_set_state(c, CONN_CONNECTED);
	if (cfg->security == FTPS_SEC_IMPLICIT) {
		if ((e = check_not_plain(c, st)) != FTPS_OK ||
		    (e = start_tls(c, deadline, st)) != FTPS_OK)
			goto fail;
	}
	if ((e = read_greeting(c, deadline, &auth_sent, st)) != FTPS_OK ||
	    (e = check_greeting(c, st)) != FTPS_OK)
		goto fail;
	if (cfg->security == FTPS_SEC_EXPLICIT && (e = auth_tls(c, auth_sent, deadline, st)) != FTPS_OK)
		goto fail;
	if ((e = login(c, deadline, st)) != FTPS_OK || (e = setup_session(c, deadline, st)) != FTPS_OK)
		goto fail;
	conn_set_state(c, CONN_READY);
	c->last_used_ms = ftps_now_ms();
	*out = c;
	return FTPS_OK;
fail:
	ftps_conn_abandon(c);
	return e ? e : FTPS_E_IO;
}

ftps_err conn_ensure_session(struct ftps_conn *c, struct ftps_status *st)
{
	const struct ftps_reply *r;

	if (!c->ssl || c->sessions.n > 0 || c->session_sought)
		return FTPS_OK;
	/* TLS 1.3 tickets are read with the next record: a NOOP round trip
	 * makes OpenSSL process any that are waiting. Once per connection: a
	 * server that issues none (pure-ftpd) is not asked again. */
	c->session_sought = 1;
	for (int i = 0; i < 2 && c->sessions.n == 0; i++) {
		ftps_err e = ftps_command(c, &r, st, "NOOP");
		if (e != FTPS_OK)
			return e;
	}
	if (c->sessions.n == 0)
		ftps_debug("the server issued no resumable TLS session; data connections will "
		           "do a full handshake");
	return FTPS_OK;
}

void ftps_conn_abandon(struct ftps_conn *c)
{
	if (!c)
		return;
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	ftps_sessions_clear(&c->sessions);
	free(c->feat_text);
	free(c->rp);
	free(c);
}

void ftps_conn_close(struct ftps_conn *c)
{
	const struct ftps_reply *r;

	if (!c)
		return;
	if (c->state == CONN_READY) {
		int64_t dl = ftps_deadline(1000);
		if (conn_send(c, NULL, "QUIT") == FTPS_OK)
			(void)conn_read_final(c, dl, &r, NULL);
		if (c->ssl && c->state != CONN_BROKEN)
			SSL_shutdown(c->ssl);   /* one close_notify, no wait */
	}
	ftps_conn_abandon(c);
}

const struct ftps_caps *ftps_conn_caps(const struct ftps_conn *c)
{
	return &c->caps;
}

int ftps_conn_usable(const struct ftps_conn *c)
{
	return c && c->state == CONN_READY;
}

double ftps_conn_idle_seconds(const struct ftps_conn *c)
{
	return (double)(ftps_now_ms() - c->last_used_ms) / 1000.0;
}

int ftps_conn_needs_renewal(const struct ftps_conn *c)
{
	return c->ssl && ftps_sessions_age_ratio(&c->sessions) > 0.75;
}

const char *ftps_conn_feat_text(const struct ftps_conn *c)
{
	return c->feat_text ? c->feat_text : "";
}

static void asn1_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(buf, len, "?");
}

void ftps_conn_get_info(const struct ftps_conn *c, struct ftps_conn_info *info)
{
	X509 *cert;

	memset(info, 0, sizeof(*info));
	ftps_sockaddr_str(&c->peer, 1, info->peer, sizeof(info->peer));
	snprintf(info->greeting, sizeof(info->greeting), "%s", c->greeting);
	info->data_conns = c->data_conns;
	info->data_resumed = c->data_resumed;
	if (!c->ssl) {
		snprintf(info->tls_version, sizeof(info->tls_version), "none");
		return;
	}
	snprintf(info->tls_version, sizeof(info->tls_version), "%s", SSL_get_version(c->ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(c->ssl));
	cert = SSL_get0_peer_certificate(c->ssl);
	if (!cert)
		return;
	X509_NAME_oneline(X509_get_subject_name(cert), info->cert_subject,
	                  sizeof(info->cert_subject));
	X509_NAME_oneline(X509_get_issuer_name(cert), info->cert_issuer,
	                  sizeof(info->cert_issuer));
	asn1_time_str(X509_get0_notBefore(cert), info->cert_not_before, sizeof(info->cert_not_before));
	asn1_time_str(X509_get0_notAfter(cert), info->cert_not_after, sizeof(info->cert_not_after));
	ftps_tls_fingerprint_str(cert, info->fingerprint, sizeof(info->fingerprint));
}
