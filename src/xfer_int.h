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

#endif
