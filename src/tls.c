/* tls.c - OpenSSL 3 plumbing (see tls.h for the session-reuse design). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "sock.h"
#include "log.h"

static int store_index = -1;   /* SSL ex_data: the control connection's store, on its own SSL */
static int data_index = -1;    /* SSL ex_data: the same store, on its data connections' SSLs */
static int hrr_index = -1;     /* SSL ex_data: non-NULL once a HelloRetryRequest came */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void make_index(void)
{
	store_index = SSL_get_ex_new_index(0, "ftps session store", NULL, NULL, NULL);
	data_index = SSL_get_ex_new_index(0, "ftps session store (data)", NULL, NULL, NULL);
	hrr_index = SSL_get_ex_new_index(0, "ftps hello retry", NULL, NULL, NULL);
}

const char *ftps_tls_errstr(char *buf, size_t buflen)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last)
		ERR_error_string_n(last, buf, buflen);
	else
		snprintf(buf, buflen, "no detail from OpenSSL");
	return buf;
}

/* ---- per-connection session stores ---- */

void ftps_sessions_clear(struct ftps_sessions *s)
{
	for (unsigned i = 0; i < s->n; i++)
		SSL_SESSION_free(s->sess[i]);
	memset(s, 0, sizeof(*s));
}

static void sessions_drop_first(struct ftps_sessions *s)
{
	SSL_SESSION_free(s->sess[0]);
	memmove(&s->sess[0], &s->sess[1], (s->n - 1) * sizeof(s->sess[0]));
	memmove(&s->got_ms[0], &s->got_ms[1], (s->n - 1) * sizeof(s->got_ms[0]));
	memmove(&s->used[0], &s->used[1], (s->n - 1) * sizeof(s->used[0]));
	memmove(&s->from[0], &s->from[1], (s->n - 1) * sizeof(s->from[0]));
	s->n--;
}

void ftps_sessions_forget_from(struct ftps_sessions *s, const SSL *ssl)
{
	unsigned k = 0;

	for (unsigned i = 0; i < s->n; i++) {
		if (s->from[i] == ssl) {
			SSL_SESSION_free(s->sess[i]);
			continue;
		}
		s->sess[k] = s->sess[i];
		s->got_ms[k] = s->got_ms[i];
		s->used[k] = s->used[i];
		s->from[k] = s->from[i];
		k++;
	}
	s->n = k;
}

/* Takes the caller's reference to sess. */
static void sessions_add(struct ftps_sessions *s, SSL_SESSION *sess, const SSL *from)
{
	if (s->n == FTPS_SESSION_SLOTS)
		sessions_drop_first(s);
	s->sess[s->n] = sess;
	s->got_ms[s->n] = ftps_now_ms();
	s->used[s->n] = 0;
	s->from[s->n] = from;
	s->n++;
	s->received++;
}

SSL_SESSION *ftps_sessions_pick(struct ftps_sessions *s)
{
	for (unsigned i = s->n; i-- > 0;) {
		if (!s->used[i] && SSL_SESSION_is_resumable(s->sess[i])) {
			s->used[i] = 1;
			return s->sess[i];
		}
	}
	/* Every ticket has been used once. OpenSSL treats TLS 1.3 tickets as
	 * single-use, but servers with stateless tickets take one again: offer
	 * a copy of the freshest. (A server that refuses gets a renewed control
	 * connection, see ftps_conn.) */
	if (s->n > 0) {
		SSL_SESSION *copy = SSL_SESSION_dup(s->sess[s->n - 1]);
		if (copy) {
			int64_t got = s->got_ms[s->n - 1];
			sessions_add(s, copy, NULL);
			s->received--;
			s->got_ms[s->n - 1] = got;
			s->used[s->n - 1] = 1;
			return copy;
		}
	}
	return NULL;
}

static long session_lifetime(SSL_SESSION *sess)
{
	long hint = (long)SSL_SESSION_get_ticket_lifetime_hint(sess);
	long timeout = SSL_SESSION_get_timeout(sess);

	if (hint > 0 && (timeout <= 0 || hint < timeout))
		return hint;
	return timeout > 0 ? timeout : 7200;
}

double ftps_sessions_age_ratio(const struct ftps_sessions *s)
{
	if (s->n == 0)
		return 0;
	double age = (double)(ftps_now_ms() - s->got_ms[s->n - 1]) / 1000.0;
	return age / (double)session_lifetime(s->sess[s->n - 1]);
}

/* OpenSSL calls this for every new session, on every SSL of our context;
 * with TLS 1.3 that is when a NewSessionTicket is read, at any point after
 * the handshake. A ticket that arrives on a data connection came from a
 * resumption of the control connection's session, so it is filed with the
 * control connection's sessions too: without it a busy connection would
 * run out of single-use tickets. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct ftps_sessions *store = SSL_get_ex_data(ssl, store_index);
	const char *where = "control";

	if (!store) {
		store = SSL_get_ex_data(ssl, data_index);
		where = "data";
		/* A data connection that did a full handshake has a session of
		 * its own, not the control connection's: not ours to offer. */
		if (store && !SSL_session_reused(ssl))
			return 0;
	}
	if (!store)
		return 0;
	sessions_add(store, sess, where[0] == 'd' ? ssl : NULL);
	ftps_debug("TLS session %u received on a %s connection (lifetime %ld s)",
	           store->received, where, session_lifetime(sess));
	return 1;           /* we keep the reference */
}

/* ---- the key exchange group ---- */

/* OpenSSL 3's default groups for a client, in its order. */
static const int default_groups[] = {
	NID_X25519, NID_X9_62_prime256v1, NID_X448, NID_secp521r1, NID_secp384r1,
	NID_ffdhe2048, NID_ffdhe3072, NID_ffdhe4096, NID_ffdhe6144, NID_ffdhe8192,
};
#define N_DEFAULT_GROUPS (sizeof(default_groups) / sizeof(default_groups[0]))

/* The random of a ServerHello that is a HelloRetryRequest (RFC 8446, 4.1.3). */
static const unsigned char hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

/* Marks an SSL that received a HelloRetryRequest (hrr_index, ex_data). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
	const unsigned char *m = buf;

	(void)version;
	(void)arg;
	/* type (1), length (3), legacy_version (2), random (32) */
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len >= 38 &&
	    m[0] == SSL3_MT_SERVER_HELLO && memcmp(m + 6, hrr_random, 32) == 0)
		SSL_set_ex_data(ssl, hrr_index, (void *)1);
}

/* Offer nid first (its key share goes in the ClientHello), then the
 * defaults. Only for a group the server chose: the defaults otherwise. */
static void offer_group_first(SSL *ssl, int nid)
{
	int nids[N_DEFAULT_GROUPS + 1];
	size_t n = 0;

	if (nid <= 0)
		return;
	nids[n++] = nid;
	for (size_t i = 0; i < N_DEFAULT_GROUPS; i++)
		if (default_groups[i] != nid)
			nids[n++] = default_groups[i];
	if (SSL_set1_groups(ssl, nids, n) != 1)
		ERR_clear_error();
}

/* After a TLS 1.3 handshake that took a HelloRetryRequest: the group the
 * server chose is offered first from now on (see struct ftps_tls). */
static void learn_group(struct ftps_tls *t, SSL *ssl, const char *what)
{
	int got;
	const char *name;

	if (!SSL_get_ex_data(ssl, hrr_index) || SSL_version(ssl) != TLS1_3_VERSION)
		return;
	got = SSL_get_negotiated_group(ssl);
	name = got > 0 ? OBJ_nid2sn(got) : NULL;
	if (!name)
		return;
	/* Learnt at every log level: not inside ftps_debug's arguments, which
	 * are not evaluated below debug. */
	int known = atomic_exchange(&t->kx_group, got) == got;
	ftps_debug("TLS handshake on the %s connection: the server asked for a key share "
	           "for %s (one round trip more)%s", what, name,
	           known ? "" : "; offering it first from now on");
}

/* ---- the context ---- */

ftps_err ftps_tls_new(const struct ftps_config *cfg, struct ftps_tls **out,
                      struct ftps_status *st)
{
	struct ftps_tls *t;
	char eb[256];

	pthread_once(&index_once, make_index);
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ftps_fail(st, FTPS_E_NOMEM, 0, "out of memory");
	t->cfg = cfg;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		free(t);
		return ftps_fail(st, FTPS_E_TLS, 0, "cannot create a TLS context: %s",
		                 ftps_tls_errstr(eb, sizeof(eb)));
	}
	SSL_CTX_set_min_proto_version(t->ctx, cfg->tls_min ? cfg->tls_min : TLS1_2_VERSION);
	if (cfg->tls_max)
		SSL_CTX_set_max_proto_version(t->ctx, cfg->tls_max);
	/* An end of stream without close_notify is reported as such (see
	 * ftps_tls_read), not taken for a clean end: it is how a cut transfer
	 * looks when a middlebox closes the connection. Renegotiation (TLS 1.2)
	 * is refused: nothing in FTPS needs it. */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                         SSL_MODE_ENABLE_PARTIAL_WRITE);
	/* Client sessions go to our callback only: no shared internal cache. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_CLIENT |
	                                       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(t->ctx, new_session_cb);
	SSL_CTX_set_msg_callback(t->ctx, msg_cb);
	/* Verification is decided after the handshake (see ftps_tls_check_peer) so that
	 * a failure can say what the certificate is. */
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	if (!cfg->insecure && !cfg->has_fingerprint) {
		if (SSL_CTX_set_default_verify_paths(t->ctx) != 1)
			ftps_debug("system CA store not loaded: %s", ftps_tls_errstr(eb, sizeof(eb)));
	}
	if (cfg->cafile && SSL_CTX_load_verify_locations(t->ctx, cfg->cafile, NULL) != 1) {
		ftps_err e = ftps_fail(st, FTPS_E_CERT, 0, "cannot load -o cafile=%s: %s",
		                       cfg->cafile, ftps_tls_errstr(eb, sizeof(eb)));
		ftps_tls_free(t);
		return e;
	}
	if (cfg->insecure)
		ftps_warn("-o insecure: the server's certificate is not verified; "
		          "anyone in the path can read and change the traffic");
	*out = t;
	return FTPS_OK;
}

void ftps_tls_free(struct ftps_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

static int is_ip_literal(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

SSL *ftps_tls_new_ssl(struct ftps_tls *t, int fd, const char *host,
                      struct ftps_sessions *store, int is_data, SSL_SESSION *resume,
                      struct ftps_status *st)
{
	char eb[256];
	SSL *ssl = SSL_new(t->ctx);

	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		ftps_fail(st, FTPS_E_TLS, 0, "cannot set up TLS: %s", ftps_tls_errstr(eb, sizeof(eb)));
		SSL_free(ssl);
		return NULL;
	}
	/* Host name (or IP) checking is folded into the verify result; a
	 * name OpenSSL cannot take would leave it unchecked, so that fails. */
	if (is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1
	                        : SSL_set_tlsext_host_name(ssl, host) != 1 ||
	                          SSL_set1_host(ssl, host) != 1) {
		ftps_fail(st, FTPS_E_CERT, 0, "cannot check the certificate against the host name "
		          "'%s': %s", host, ftps_tls_errstr(eb, sizeof(eb)));
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_ex_data(ssl, is_data ? data_index : store_index, store);
	offer_group_first(ssl, atomic_load(&t->kx_group));
	if (resume) {
		/* Offer a copy: a TLS 1.3 resumption overwrites secrets in the
		 * SSL_SESSION it was given, so the stored one (and any later
		 * SSL_SESSION_dup of it) would be refused by the server next
		 * time - every third STOR failed on ProFTPD that way. */
		SSL_SESSION *copy = SSL_SESSION_dup(resume);
		if (SSL_set_session(ssl, copy ? copy : resume) != 1)
			ftps_debug("cannot offer the control session: %s",
			           ftps_tls_errstr(eb, sizeof(eb)));
		SSL_SESSION_free(copy);     /* the SSL holds its own reference */
	}
	return ssl;
}

/* Wait for what OpenSSL asked for. Returns FTPS_OK to retry. */
static ftps_err wait_for(SSL *ssl, int fd, int rc, int64_t deadline, const char *doing,
                         struct ftps_status *st)
{
	char eb[256];
	int err = SSL_get_error(ssl, rc);
	short ev;

	switch (err) {
	case SSL_ERROR_WANT_READ:
		ev = POLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		ev = POLLOUT;
		break;
	case SSL_ERROR_ZERO_RETURN:
		return ftps_fail(st, FTPS_E_CONN, 0, "%s: the server closed the TLS connection", doing);
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0)
			return ftps_fail(st, FTPS_E_CONN, 0, "%s: %s", doing,
			                 errno ? strerror(errno) : "connection closed by the server");
		/* fall through */
	default:
		return ftps_fail(st, FTPS_E_TLS, 0, "%s: %s", doing, ftps_tls_errstr(eb, sizeof(eb)));
	}
	switch (ftps_sock_wait(fd, ev, deadline)) {
	case 1:
		return FTPS_OK;
	case 0:
		return ftps_fail(st, FTPS_E_TIMEOUT, 0, "%s: timed out", doing);
	default:
		return ftps_fail(st, FTPS_E_IO, 0, "%s: %s", doing, strerror(errno));
	}
}

ftps_err ftps_tls_handshake(struct ftps_tls *t, SSL *ssl, int fd, const char *host,
                            int64_t deadline, const char *what, struct ftps_status *st)
{
	char doing[64];

	snprintf(doing, sizeof(doing), "TLS handshake on the %s connection", what);
	for (int i = 0; i < 100000; i++) {
		int rc;
		ftps_err e;

		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(ssl);
		if (rc == 1) {
			learn_group(t, ssl, what);
			return ftps_tls_check_peer(t, ssl, host, what, st);
		}
		e = wait_for(ssl, fd, rc, deadline, doing, st);
		if (e != FTPS_OK)
			return e == FTPS_E_CONN ? ftps_fail(st, FTPS_E_TLS, 0, "%s", st ? st->msg : doing) : e;
	}
	return ftps_fail(st, FTPS_E_TLS, 0, "%s: no progress", doing);
}

ftps_err ftps_tls_read(SSL *ssl, int fd, void *buf, size_t len, size_t *got,
                       int *eof_clean, int64_t deadline, struct ftps_status *st)
{
	*got = 0;
	if (eof_clean)
		*eof_clean = 0;
	for (;;) {
		size_t n = 0;
		int rc, err;
		ftps_err e;

		ERR_clear_error();
		errno = 0;
		rc = SSL_read_ex(ssl, buf, len, &n);
		if (rc == 1) {
			*got = n;
			return FTPS_OK;
		}
		err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_ZERO_RETURN) {
			if (eof_clean)
				*eof_clean = 1;
			return FTPS_OK;
		}
		/* A bare TCP close without close_notify: an end of stream, but
		 * not a clean one (the caller decides what it means). OpenSSL 3
		 * reports it as an SSL error of its own; older ones as a SYSCALL
		 * error with errno 0. */
		if ((err == SSL_ERROR_SSL &&
		     ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
		    (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
			ERR_clear_error();
			return FTPS_OK;
		}
		e = wait_for(ssl, fd, rc, deadline, "reading", st);
		if (e != FTPS_OK)
			return e;
	}
}

ftps_err ftps_tls_write(SSL *ssl, int fd, const void *buf, size_t len,
                        int64_t deadline, struct ftps_status *st)
{
	const char *p = buf;

	while (len > 0) {
		size_t n = 0;
		int rc;
		ftps_err e;

		ERR_clear_error();
		errno = 0;
		rc = SSL_write_ex(ssl, p, len, &n);
		if (rc == 1) {
			p += n;
			len -= n;
			continue;
		}
		e = wait_for(ssl, fd, rc, deadline, "writing", st);
		if (e != FTPS_OK)
			return e;
	}
	return FTPS_OK;
}

ftps_err ftps_tls_close(SSL *ssl, int fd, int64_t deadline, struct ftps_status *st)
{
	char drain[4096];

	/* First call sends our close_notify; the second waits for the peer's. */
	for (int i = 0; i < 1000; i++) {
		int rc;

		ERR_clear_error();
		errno = 0;
		rc = SSL_shutdown(ssl);
		if (rc == 1)
			return FTPS_OK;
		if (rc == 0) {
			/* Ours is sent; a FIN too, for servers that wait for one.
			 * Then wait for their close_notify or close. */
			size_t n;
			if (i == 0)
				shutdown(fd, SHUT_WR);
			int r2;
			ERR_clear_error();
			r2 = SSL_read_ex(ssl, drain, sizeof(drain), &n);
			if (r2 == 1)
				continue;
			int err = SSL_get_error(ssl, r2);
			if (err == SSL_ERROR_ZERO_RETURN ||
			    (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
				return FTPS_OK;
			if (err == SSL_ERROR_WANT_READ) {
				int w = ftps_sock_wait(fd, POLLIN, deadline);
				if (w <= 0)
					return ftps_fail(st, FTPS_E_TIMEOUT, 0,
					                 "waiting for the server to close the data connection timed out");
				continue;
			}
			/* The peer reset or sent garbage after our close_notify:
			 * our data is out; the final reply decides. */
			ERR_clear_error();
			return FTPS_OK;
		}
		int err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			int w = ftps_sock_wait(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
			if (w <= 0)
				return ftps_fail(st, FTPS_E_TIMEOUT, 0, "closing the data connection timed out");
			continue;
		}
		/* Peer already gone after reading everything. */
		ERR_clear_error();
		return FTPS_OK;
	}
	return ftps_fail(st, FTPS_E_TLS, 0, "closing the data connection: no progress");
}
