/* conn.c - a control connection's life: connect, greeting, TLS, login,
 * FEAT and the session set-up, its TLS sessions, closing, and what
 * --probe shows of it. Commands and replies are in cmd.c.
 */
#include <errno.h>
#include <poll.h>
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

/* ---- opening ---- */

static int looks_like_tls(const unsigned char *b, size_t n)
{
	/* A TLS record: content type 20..24, then major version 3. */
	return n >= 2 && b[0] >= 20 && b[0] <= 24 && b[1] == 3;
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
	if (n > 0 && !conn_looks_like_reply(peek, (size_t)n))
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
	if (n > 0 && conn_looks_like_reply(peek, (size_t)n))
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

/* After FEAT's reply has come, the rest of a group sent ahead with it is
 * waited for this long at least (and 4 times as long as FEAT took): the
 * server answers each of them at once, so silence means it threw them
 * away. A slow server taken for one only costs the pipelining. */
#define SETUP_REST_MIN_MS 1000

/* FEAT, PBSZ 0 and PROT P (TLS), TYPE I: in one write, unless the server
 * is known to lose commands sent ahead; the first connection of a mount
 * thereby learns whether it takes them (transfers then send EPSV, REST
 * and RETR together from the first read on). A group whose later replies
 * do not come teaches FTPS_FACT_NO_PIPELINING and fails (*lost set): the
 * connection is out of step; conn_open_shared opens another one, one
 * command at a time. OPTS UTF8 ON follows when FEAT
 * lists UTF8. */
static ftps_err setup_session(struct ftps_conn *c, int ahead, int *lost, int64_t deadline,
                              struct ftps_status *st)
{
	const char *lines[4];
	const struct ftps_reply *r;
	char brief[256];
	size_t n = 0;
	int64_t sent_ms = ftps_now_ms(), wait_until = deadline;
	ftps_err e;

	lines[n++] = "FEAT";
	if (c->ssl) {
		lines[n++] = "PBSZ 0";
		lines[n++] = "PROT P";
	}
	lines[n++] = "TYPE I";
	if (ahead && (e = conn_send_lines(c, st, n, lines)) != FTPS_OK)
		return e;
	for (size_t i = 0; i < n; i++) {
		if (!ahead && (e = conn_send(c, st, "%s", lines[i])) != FTPS_OK)
			return e;
		e = conn_read_final(c, wait_until, &r, st);
		if (e != FTPS_OK) {
			if (ahead && i > 0 && (e == FTPS_E_TIMEOUT || e == FTPS_E_PROTO)) {
				ftps_server_learn(c->srv, FTPS_FACT_NO_PIPELINING);
				*lost = 1;
				return conn_broken(c, FTPS_E_TIMEOUT);
			}
			return e;
		}
		if (ahead && i == 0) {
			int64_t took = ftps_now_ms() - sent_ms;
			int64_t rest = took * 4 > SETUP_REST_MIN_MS ? took * 4 : SETUP_REST_MIN_MS;
			wait_until = ftps_now_ms() + rest < deadline ? ftps_now_ms() + rest : deadline;
		}
		if (strcmp(lines[i], "FEAT") == 0) {
			ftps_feat_parse(r, &c->caps);
			c->feat_text = strdup(r->code == 211 ? r->text : "");
		} else if (strcmp(lines[i], "PROT P") == 0) {
			if (r->code != 200)
				return ftps_fail(st, FTPS_E_TLS, r->code,
				                 "the server refuses PROT P (%d %s): data would go in clear",
				                 r->code, ftps_reply_brief(r, brief, sizeof(brief)));
			c->prot_p = 1;
		} else if (strcmp(lines[i], "TYPE I") == 0 && r->code != 200) {
			return ftps_fail(st, FTPS_E_PROTO, r->code,
			                 "the server refuses binary mode (TYPE I): %d %s",
			                 r->code, ftps_reply_brief(r, brief, sizeof(brief)));
		}
	}
	if (ahead && n >= 2)
		ftps_server_learn(c->srv, FTPS_FACT_PIPELINING_OK);
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
	return FTPS_OK;
}

ftps_err ftps_conn_open(const struct ftps_config *cfg, struct ftps_tls *tls,
                        struct ftps_conn **out, struct ftps_status *st)
{
	return conn_open_shared(cfg, tls, NULL, out, st);
}

static ftps_err open_once(const struct ftps_config *cfg, struct ftps_tls *tls,
                          struct ftps_server *srv, int ahead, int *lost,
                          struct ftps_conn **out, struct ftps_status *st)
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
	if ((e = login(c, deadline, st)) != FTPS_OK || (e = setup_session(c, ahead && !ftps_server_knows(c->srv, FTPS_FACT_NO_PIPELINING),
	                                                lost, deadline, st)) != FTPS_OK)
		goto fail;
	conn_set_state(c, CONN_READY);
	c->last_used_ms = ftps_now_ms();
	ftps_stats_add(&c->srv->stats, FTPS_CTR_CONNS_OPENED, 1);
	ftps_stats_set_server(&c->srv->stats, c->greeting, &c->caps);
	*out = c;
	return FTPS_OK;
fail:
	ftps_conn_abandon(c);
	return e ? e : FTPS_E_IO;
}

ftps_err conn_open_shared(const struct ftps_config *cfg, struct ftps_tls *tls,
                          struct ftps_server *srv, struct ftps_conn **out,
                          struct ftps_status *st)
{
	int lost = 0;
	ftps_err e = open_once(cfg, tls, srv, 1, &lost, out, st);

	/* The session set-up sent ahead was lost (see setup_session): once
	 * more, one command at a time. */
	if (e != FTPS_OK && lost)
		e = open_once(cfg, tls, srv, 0, &lost, out, st);
	return e;
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
	xfer_drop_prepared(c);
	ftps_sessions_clear(&c->sessions);
	ftps_server_destroy(&c->own_srv);
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
