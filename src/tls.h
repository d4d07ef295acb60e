/* tls.h - OpenSSL 3 plumbing: one SSL_CTX per server for trust settings,
 * per-control-connection session stores, handshakes and I/O with deadlines.
 *
 * Session reuse, the heart of FTPS data connections:
 * a data connection must resume the TLS session of ITS OWN control
 * connection (ProFTPD compares them; vsftpd and FileZilla refuse a full
 * handshake). So no session is ever kept in a cache shared by connections:
 * the SSL_CTX runs with SSL_SESS_CACHE_NO_INTERNAL_STORE and the
 * new-session callback files each session into the store of the control
 * connection it arrived on, or whose data connection it arrived on (found
 * through the SSL's ex_data). With TLS 1.3 the sessions
 * (tickets) arrive after the handshake, whenever the control connection
 * is read; ftps_conn makes sure one has arrived before its first transfer.
 */
#ifndef FTPS_TLS_H
#define FTPS_TLS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <openssl/ssl.h>
#include "ftps.h"

struct ftps_tls {
	SSL_CTX *ctx;
	const struct ftps_config *cfg;
	/* The key exchange group the server chose in a TLS 1.3 handshake
	 * (an OpenSSL NID, 0 until known): offered first from then on, so
	 * that our key share is the one it wants. A server that takes only
	 * P-256 (vsftpd, pure-ftpd) otherwise answers every ClientHello with
	 * a HelloRetryRequest: one round trip more for every connection. */
	_Atomic int kx_group;
};

#define FTPS_SESSION_SLOTS 4

/* The resumable sessions of one control connection, freshest last. Only
 * the thread that owns the control connection touches it. */
struct ftps_sessions {
	SSL_SESSION *sess[FTPS_SESSION_SLOTS];
	int64_t got_ms[FTPS_SESSION_SLOTS];   /* monotonic time of arrival */
	int used[FTPS_SESSION_SLOTS];         /* handed to a data connection */
	const SSL *from[FTPS_SESSION_SLOTS];  /* the data connection it came on, or NULL */
	unsigned n;
	unsigned received;                     /* sessions seen in total */
};

void ftps_sessions_clear(struct ftps_sessions *s);
/* The session for the next data connection: the freshest unused one, else
 * the freshest (servers with stateless tickets accept a reuse). Marks it
 * used. NULL when there is none. The store keeps its reference. */
SSL_SESSION *ftps_sessions_pick(struct ftps_sessions *s);
/* A data connection ended uncleanly (cut, reset): the server may have
 * dropped the sessions it issued on it, so they are not offered again. */
void ftps_sessions_forget_from(struct ftps_sessions *s, const SSL *ssl);
/* Age of the freshest session relative to its lifetime, 0..1+ (0 if none). */
double ftps_sessions_age_ratio(const struct ftps_sessions *s);

/* A new client SSL over fd. store: the control connection's session
 * store; is_data: this SSL is one of its data connections, offering the
 * session resume. host: for SNI and verification. */
SSL *ftps_tls_new_ssl(struct ftps_tls *t, int fd, const char *host,
                      struct ftps_sessions *store, int is_data, SSL_SESSION *resume,
                      struct ftps_status *st);

/* Run the handshake until done or the deadline, then verify the peer per
 * the config (CA + host name, fingerprint pin, or insecure). what names
 * the connection in messages ("control", "data"). */
ftps_err ftps_tls_handshake(struct ftps_tls *t, SSL *ssl, int fd, const char *host,
                            int64_t deadline, const char *what,
                            struct ftps_status *st);

/* Read up to len bytes (at least one unless EOF). *got = 0 at a clean or
 * unexpected EOF (*eof_clean tells which; may be NULL). */
ftps_err ftps_tls_read(SSL *ssl, int fd, void *buf, size_t len, size_t *got,
                       int *eof_clean, int64_t deadline, struct ftps_status *st);
/* Write all of buf. */
ftps_err ftps_tls_write(SSL *ssl, int fd, const void *buf, size_t len,
                        int64_t deadline, struct ftps_status *st);
/* Send close_notify and wait (bounded) for the peer to close its side. */
ftps_err ftps_tls_close(SSL *ssl, int fd, int64_t deadline, struct ftps_status *st);

/* "SHA256:AB:CD:..." of a certificate. */
void ftps_tls_fingerprint_str(X509 *cert, char *buf, size_t buflen);
/* After a handshake (tls_peer.c): whether to trust the peer of ssl, the
 * host asked for, on the "control" or "data" (what) connection; FTPS_E_CERT
 * with a message that says what to do. */
ftps_err ftps_tls_check_peer(struct ftps_tls *t, SSL *ssl, const char *host,
                             const char *what, struct ftps_status *st);

/* The OpenSSL error queue as one line (and cleared). */
const char *ftps_tls_errstr(char *buf, size_t buflen);

#endif
