/* xfer_int.h - inside a transfer: shared by xfer_open.c (opening one) and
 * xfer.c (running and ending it). Not for other files.
 */
#ifndef FTPS_XFER_INT_H
#define FTPS_XFER_INT_H

#include "conn.h"

struct ftps_xfer {
	struct ftps_conn *c;
	int fd;
	SSL *ssl;
	int upload;
	int eof;
	int eof_clean;          /* the stream ended with TLS close_notify */
	int eof_reset;          /* the stream ended with a reset */
	int final_read;         /* the transfer's final reply is already consumed */
	int offered;            /* a session to resume was offered (ssl set) */
	enum ftps_ctx ctx;
	uint64_t bytes;
	char what[48];          /* "RETR", "STOR", ... for messages */
};

/* The timeout of every network wait of a transfer. */
int xfer_timeout(const struct ftps_conn *c);
/* Close the data connection (no close_notify: after this the server sees
 * a cut, and the control connection's TLS session stays resumable). */
void xfer_close_data(struct ftps_xfer *x);
/* A transfer that started where it must not be used (its REST was
 * refused): cut it before one byte is read and get back in step. */
ftps_err xfer_cut_started(struct ftps_conn *c, struct ftps_xfer *x);

/* xfer_open.c: a reply code that says the server does not know the
 * command (EPSV, EPRT); the port of a passive reply on the control
 * connection's address; whether a transfer's set-up may be sent ahead of
 * its replies (see there). */
int xfer_refused_as_unknown(int code);
struct sockaddr_storage;
void xfer_set_port(struct sockaddr_storage *to, uint16_t port);
int xfer_send_ahead(const struct ftps_conn *c, int upload, uint64_t offset, int harmless);
/* xfer_prepare.c: the data connection prepared ahead, connected; -1 when
 * there is none or it is no good (closed by the server while it waited). */
int xfer_take_prepared(struct ftps_conn *c, int64_t deadline);

#endif
