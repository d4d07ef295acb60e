/* ftps_err.h - the core's error codes, their text and their errno.
 *
 * Core calls return an ftps_err and, where one is passed, fill a
 * struct ftps_status with the server's reply code and text so the caller
 * can log the reason once, at the boundary.
 */
#ifndef FTPS_ERR_H
#define FTPS_ERR_H

#include <stddef.h>

typedef enum ftps_err {
	FTPS_OK = 0,
	FTPS_E_NOENT,     /* no such file or folder */
	FTPS_E_ACCES,     /* permission denied */
	FTPS_E_EXIST,     /* already exists */
	FTPS_E_NOTEMPTY,  /* folder not empty */
	FTPS_E_NOTDIR,    /* not a folder */
	FTPS_E_ISDIR,     /* is a folder */
	FTPS_E_NOSPC,     /* quota or disk full (552) */
	FTPS_E_INVAL,     /* bad argument, bad file name (553/501) */
	FTPS_E_NOTSUP,    /* command not implemented by the server (502/504) */
	FTPS_E_TIMEOUT,   /* a network wait ran out */
	FTPS_E_CONN,      /* connection lost or closed (421, EOF, reset): reconnect */
	FTPS_E_RETRY,     /* transient data connection failure (425/426/450) */
	FTPS_E_PROTO,     /* malformed or unexpected reply */
	FTPS_E_TLS,       /* TLS handshake or record failure */
	FTPS_E_CERT,      /* certificate not trusted */
	FTPS_E_AUTH,      /* login refused (530) */
	FTPS_E_TOOMANY,   /* server refuses more connections */
	FTPS_E_RESOLVE,   /* host name does not resolve */
	FTPS_E_REFUSED,   /* TCP connection refused / unreachable */
	FTPS_E_MODE,      /* explicit/implicit FTPS mismatch on this port */
	FTPS_E_NOMEM,     /* out of memory */
	FTPS_E_IO,        /* anything else (server's 4xx/5xx without a better match) */
	FTPS_E_CANCELED,  /* operation canceled by us */
	FTPS_E_XDEV,      /* the server will not rename across folders */
	FTPS_E_MAX
} ftps_err;

/* Why an operation failed: our code, the server's reply (0 if none) and
 * a one-line message meant for a person (never contains a password). */
struct ftps_status {
	ftps_err err;
	int reply;          /* last FTP reply code, 0 when the failure was local */
	int unsure;         /* the command went out but its reply never came: the
	                     * server may have carried it out (set by ftps_command) */
	char msg[512];
};

/* What the failing command was doing: refines a reply code's meaning. */
enum ftps_ctx {
	FTPS_CTX_GENERIC = 0,
	FTPS_CTX_LOGIN,
	FTPS_CTX_RETR,      /* RETR, SIZE, MDTM, MLST of a file */
	FTPS_CTX_LIST,      /* MLSD/LIST of a folder */
	FTPS_CTX_STOR,      /* STOR/APPE */
	FTPS_CTX_DELE,
	FTPS_CTX_RENAME,
	FTPS_CTX_MKD,
	FTPS_CTX_RMD,
	FTPS_CTX_DATA,      /* PASV/EPSV/PORT/EPRT */
};

/* Short text of a code ("no such file", ...). Never NULL. */
const char *ftps_strerror(ftps_err err);

/* The positive errno value for a code (ENOENT, EACCES, EIO, ...). */
int ftps_err_errno(ftps_err err);

/* The errno a program sees for a failed operation op on path, as -errno,
 * with the reason logged (a warning; debug for "no such file" and kin).
 * Once connected, a refused connection means the server went away: an I/O
 * error, not a socket's "Connection refused". */
int ftps_err_report(ftps_err e, const struct ftps_status *st, const char *op, const char *path);

/* Map an FTP reply (code and its text) to an error code; FTPS_OK for 1xx-3xx.
 * The context refines ambiguous replies: 550 is ENOENT or EACCES depending
 * on the text and command, 550 after MKD on an existing path is EEXIST, after
 * RMD of a non-empty folder ENOTEMPTY, 553 after STOR is EACCES unless the
 * text speaks of a bad name. */
ftps_err ftps_err_from_reply(int code, const char *text, enum ftps_ctx ctx);

/* Fill *st and return err (for "return ftps_fail(st, ...);"). st may be NULL. */
ftps_err ftps_fail(struct ftps_status *st, ftps_err err, int reply,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* True for errors after which the control connection must not be reused. */
int ftps_err_conn_broken(ftps_err err);

/* What an error means for whoever may try again. This is the one answer to
 * "is it worth another try?" for every retry loop:
 *  REFUSED    the server (or the configuration) said no; the same request
 *             gets the same answer: never retried.
 *  TRANSIENT  the server could not do it now (425/426/450: a data
 *             connection failed) and the control connection is in step:
 *             worth another try.
 *  LOST       the control connection failed (dropped, timed out, out of
 *             step, TLS broke): worth another try on a new connection. A
 *             command that was sent may have been carried out
 *             (ftps_status.unsure): find out before sending it again.
 *  DOWN       no connection could be made (refused, no such host, too
 *             many connections): worth another try later.
 *  LOCAL      our own failure (out of memory, canceled): not retried. */
enum ftps_class {
	FTPS_CLASS_OK = 0,
	FTPS_CLASS_REFUSED,
	FTPS_CLASS_TRANSIENT,
	FTPS_CLASS_LOST,
	FTPS_CLASS_DOWN,
	FTPS_CLASS_LOCAL,
};
enum ftps_class ftps_err_class(ftps_err err);
/* TRANSIENT, LOST or DOWN: another try may succeed. */
int ftps_err_retryable(ftps_err err);
/* TRANSIENT or LOST: the network failed while the server was there, so a
 * stream is resumed at once (a server that is DOWN is waited for). */
int ftps_err_network(ftps_err err);
/* The same question for a result already turned into -errno (the upload
 * and flush paths): -EIO or -ETIMEDOUT, what ftps_err_errno gives every
 * TRANSIENT and LOST code and a refused connection. EIO also stands for
 * a failed verify (FTPS_E_IO), which is worth another upload too. */
int ftps_errno_retryable(int neg_errno);

#endif
