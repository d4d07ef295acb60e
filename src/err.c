/* err.c - error codes: their text, their errno, and what an FTP reply means.
 *
 * This is the one place that decides which errno a program using the mount
 * sees for a server's reply. FTP reply codes are coarse (550 covers "no such
 * file" and "permission denied" alike), so the decision uses, in order:
 *
 *   1. the reply code where it is unambiguous (452/552 disk full, 502 not
 *      implemented, 421 closing, 425/426 data connection failed, ...);
 *   2. the server's text, for the phrases real servers use (vsftpd, ProFTPD,
 *      pure-ftpd, FileZilla Server, IIS; see tests/unit/check_err.c);
 *   3. the command that failed (enum ftps_ctx), when the text says nothing.
 *
 * Step 3 is a guess and callers that care refine it: vsftpd answers
 * "550 Failed to open file." for a missing and for an unreadable file alike,
 * "550 Create directory operation failed." whether the folder exists or the
 * parent is read-only, and "550 Remove directory operation failed." for a
 * folder that is not empty. We guess ENOENT for RETR (the common case) and
 * EACCES for MKD; fuse/ can check the cache or list the parent to tell.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ftps_err.h"
#include "text.h"
#include "log.h"

static const char *const err_text[FTPS_E_MAX] = {
	[FTPS_OK] = "success",
	[FTPS_E_NOENT] = "no such file or folder",
	[FTPS_E_ACCES] = "permission denied",
	[FTPS_E_EXIST] = "already exists",
	[FTPS_E_NOTEMPTY] = "folder not empty",
	[FTPS_E_NOTDIR] = "not a folder",
	[FTPS_E_ISDIR] = "is a folder",
	[FTPS_E_NOSPC] = "no space left on the server (disk full or quota)",
	[FTPS_E_INVAL] = "invalid argument or file name",
	[FTPS_E_NOTSUP] = "not supported by the server",
	[FTPS_E_TIMEOUT] = "timed out",
	[FTPS_E_CONN] = "connection lost",
	[FTPS_E_RETRY] = "data connection failed",
	[FTPS_E_PROTO] = "protocol error (unexpected reply)",
	[FTPS_E_TLS] = "TLS error",
	[FTPS_E_CERT] = "server certificate not trusted",
	[FTPS_E_AUTH] = "login refused",
	[FTPS_E_TOOMANY] = "too many connections",
	[FTPS_E_RESOLVE] = "host name does not resolve",
	[FTPS_E_REFUSED] = "connection refused",
	[FTPS_E_MODE] = "explicit/implicit FTPS mismatch",
	[FTPS_E_NOMEM] = "out of memory",
	[FTPS_E_IO] = "input/output error",
	[FTPS_E_CANCELED] = "canceled",
	[FTPS_E_XDEV] = "cannot rename across folders on the server",
};

/* What a program sees. Where the choice was not obvious:
 * - NOTSUP: ENOTSUP (== EOPNOTSUPP on Linux). Not ENOSYS: for FUSE that
 *   means "never call this operation again", but a server may refuse one
 *   SITE CHMOD and accept the next.
 * - CONN, RETRY: EIO. The core reconnects and retries before an error gets
 *   this far, so what reaches a program is a real failure. EAGAIN would make
 *   a blocking read() look non-blocking (some programs spin on it), and
 *   ENOTCONN reads like a dead mount ("Transport endpoint is not connected").
 * - TOOMANY: EBUSY ("Device or resource busy"): true, and not retried in a
 *   loop by callers the way EAGAIN is.
 * - AUTH, CERT: EACCES. Access is what was refused; the reason is logged.
 * - RESOLVE: EHOSTUNREACH, the nearest errno to "no such host".
 * - PROTO, TLS, MODE: EIO. The bytes on the wire were not what the
 *   protocol promised, which to a program reading a file is an I/O error
 *   of the filesystem; EPROTO ("Protocol error") is a socket's errno that
 *   programs do not expect from read() or write(). The log says which.
 * - REFUSED: EIO. Once mounted, a server that refuses connections has gone
 *   away: an I/O error of this filesystem, not a socket's "Connection
 *   refused".
 */
static const int err_errno[FTPS_E_MAX] = {
	[FTPS_OK] = 0,
	[FTPS_E_NOENT] = ENOENT,
	[FTPS_E_ACCES] = EACCES,
	[FTPS_E_EXIST] = EEXIST,
	[FTPS_E_NOTEMPTY] = ENOTEMPTY,
	[FTPS_E_NOTDIR] = ENOTDIR,
	[FTPS_E_ISDIR] = EISDIR,
	[FTPS_E_NOSPC] = ENOSPC,
	[FTPS_E_INVAL] = EINVAL,
	[FTPS_E_NOTSUP] = ENOTSUP,
	[FTPS_E_TIMEOUT] = ETIMEDOUT,
	[FTPS_E_CONN] = EIO,
	[FTPS_E_RETRY] = EIO,
	[FTPS_E_PROTO] = EIO,
	[FTPS_E_TLS] = EIO,
	[FTPS_E_CERT] = EACCES,
	[FTPS_E_AUTH] = EACCES,
	[FTPS_E_TOOMANY] = EBUSY,
	[FTPS_E_RESOLVE] = EHOSTUNREACH,
	[FTPS_E_REFUSED] = EIO,
	[FTPS_E_MODE] = EIO,
	[FTPS_E_NOMEM] = ENOMEM,
	[FTPS_E_IO] = EIO,
	[FTPS_E_CANCELED] = ECANCELED,
	[FTPS_E_XDEV] = EXDEV,
};

const char *ftps_strerror(ftps_err err)
{
	if ((int)err < 0 || err >= FTPS_E_MAX)
		return "unknown error";
	return err_text[err];
}

int ftps_err_errno(ftps_err err)
{
	if ((int)err < 0 || err >= FTPS_E_MAX)
		return EIO;
	return err_errno[err];
}

/* ---- Reading the server's text ---- */

/* Case-insensitive: does text contain any of the NULL-terminated needles? */
static int has_any(const char *text, const char *const *needles)
{
	for (; *needles != NULL; needles++)
		if (strcasestr(text, *needles) != NULL)
			return 1;
	return 0;
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Like has_any, but a needle must start a word ("SSL/TLS", "TLS-only" and
 * "encryption" match, a user name like "bob_ssl" or a file ".ftpquota"
 * does not) and end within the first len bytes of text. Bounded: after
 * 1000 false hits on one needle we stop looking. */
static int has_word_n(const char *text, size_t len, const char *const *needles)
{
	for (; *needles != NULL; needles++) {
		size_t nlen = strlen(*needles);
		const char *p = text;
		int guard = 0;
		while ((p = strcasestr(p, *needles)) != NULL && guard++ < 1000) {
			if ((size_t)(p - text) + nlen > len)
				break;
			if (p == text || !is_word_char(p[-1]))
				return 1;
			p++;
		}
	}
	return 0;
}

static int has_any_word(const char *text, const char *const *needles)
{
	return has_word_n(text, SIZE_MAX, needles);
}

/* Phrases, as real servers write them. Order of the checks matters:
 * "does not exist" must win over "exist", "file name not allowed" over
 * "not allowed". */
static const char *const txt_notempty[] = {
	"not empty", NULL
};
static const char *const txt_nospc[] = {
	"no space", "disk full", "quota", "exceeded storage",
	"insufficient storage", "storage allocation", NULL
};
static const char *const txt_noent[] = {
	"no such file", "no such directory", "not found", "not exist",
	"doesn't exist", "can't find", "cannot find", "could not find",
	"unable to find", NULL
};
static const char *const txt_badname[] = {
	"name not allowed", "invalid file name", "invalid filename",
	"filename invalid", "file name invalid", "invalid name",
	"bad file name", "illegal file name", "illegal filename",
	"prohibited file name", "filename, directory name",
	"name too long", "syntax is incorrect", NULL
};
static const char *const txt_acces[] = {
	"permission denied", "access denied", "access is denied",
	"not allowed", "forbidden", "prohibited", "operation not permitted",
	"insufficient privilege", "no permission", "read-only", "read only",
	"being used by another process",        /* IIS: Windows sharing violation */
	NULL
};
static const char *const txt_exist[] = {
	"file exists", "already exists", "already exist", NULL
};
static const char *const txt_notdir[] = {
	"not a directory", "not a folder", NULL
};
static const char *const txt_isdir[] = {
	"is a directory", "is a folder", "not a regular file",
	"only retrieve regular files", NULL
};
/* 421 and 530 texts that mean "no more connections for you". */
static const char *const txt_toomany[] = {
	"too many", "maximum number of", "(the maximum)",
	"already connected", "connection limit", "max connections",
	"maximum connections", NULL
};
/* 500/502 texts that mean "I don't know that command". */
static const char *const txt_unknown_cmd[] = {
	"unknown command", "not understood", "not implemented",
	"unrecognized", "unrecognised", "command not recognized",
	"invalid command", NULL
};

/* Words that mean "TLS is required / refused" in a 421 or 530, or in any
 * reply to USER/PASS (ProFTPD answers "550 SSL/TLS required on the control
 * channel", pure-ftpd "421 Sorry, cleartext sessions ... are not accepted").
 * Only checked where no file name can be in the text. */
static const char *const txt_tls_words[] = {
	"tls", "ssl", "encrypt", "cleartext", NULL
};
/* Phrases about the data connection's TLS session (FileZilla Server:
 * "TLS session of data connection has not resumed or the session does not
 * match the control connection"); specific enough for any reply. */
static const char *const txt_tls_session[] = {
	"session reuse", "tls session", "ssl session", "ssl/tls required",
	"tls required", "ssl required", NULL
};

/* The file phrases in the first len bytes of text. */
static ftps_err classify_phrases(const char *text, size_t len)
{
	if (has_word_n(text, len, txt_notempty))
		return FTPS_E_NOTEMPTY;
	if (has_word_n(text, len, txt_nospc))
		return FTPS_E_NOSPC;
	if (has_word_n(text, len, txt_noent))
		return FTPS_E_NOENT;
	if (has_word_n(text, len, txt_badname))
		return FTPS_E_INVAL;
	if (has_word_n(text, len, txt_acces))
		return FTPS_E_ACCES;
	if (has_word_n(text, len, txt_exist))
		return FTPS_E_EXIST;
	if (has_word_n(text, len, txt_notdir))
		return FTPS_E_NOTDIR;
	if (has_word_n(text, len, txt_isdir))
		return FTPS_E_ISDIR;
	return FTPS_OK;
}

/* strerror() texts, which ProFTPD and pure-ftpd append to "<path>: ". */
static const struct {
	const char *text;
	ftps_err err;
} strerror_texts[] = {
	{ "No such file or directory", FTPS_E_NOENT },
	{ "Permission denied", FTPS_E_ACCES },
	{ "Operation not permitted", FTPS_E_ACCES },
	{ "Read-only file system", FTPS_E_ACCES },
	{ "File exists", FTPS_E_EXIST },
	{ "Directory not empty", FTPS_E_NOTEMPTY },
	{ "Not a directory", FTPS_E_NOTDIR },
	{ "Is a directory", FTPS_E_ISDIR },
	{ "Not a regular file", FTPS_E_ISDIR },
	{ "No space left on device", FTPS_E_NOSPC },
	{ "Disk quota exceeded", FTPS_E_NOSPC },
	{ "File name too long", FTPS_E_INVAL },
	{ "Invalid argument", FTPS_E_INVAL },
};

/* What the text of a 45x/55x reply says about the file, or FTPS_OK when it
 * says nothing we recognise. The text often holds our path, and a path may
 * hold any phrase ("not found.txt", ".ftpquota"), so, around the last ": ":
 *   1. a tail that is a strerror() text decides ("<path>: Permission denied");
 *   2. else the head, when it has a phrase ("Prohibited file name: <path>");
 *   3. else the whole text. */
static ftps_err classify_text(const char *text)
{
	const char *colon = NULL;
	ftps_err e;

	for (const char *p = strstr(text, ": "); p != NULL; p = strstr(p + 2, ": "))
		colon = p;
	if (colon == NULL)
		return classify_phrases(text, SIZE_MAX);
	for (size_t i = 0; i < sizeof strerror_texts / sizeof strerror_texts[0]; i++)
		if (strncasecmp(colon + 2, strerror_texts[i].text,
		                strlen(strerror_texts[i].text)) == 0)
			return strerror_texts[i].err;
	e = classify_phrases(text, (size_t)(colon - text));
	if (e != FTPS_OK)
		return e;
	return classify_phrases(text, SIZE_MAX);
}

/* A 550 whose text told us nothing: guess from the command. */
static ftps_err default_550(enum ftps_ctx ctx)
{
	switch (ctx) {
	case FTPS_CTX_RETR:
	case FTPS_CTX_LIST:
	case FTPS_CTX_DELE:
	case FTPS_CTX_RMD:
	case FTPS_CTX_RENAME:
		return FTPS_E_NOENT;
	case FTPS_CTX_STOR:
	case FTPS_CTX_MKD:
	case FTPS_CTX_LOGIN:
		return FTPS_E_ACCES;
	case FTPS_CTX_GENERIC:   /* SITE CHMOD, MFMT, HASH: don't invent a reason */
	case FTPS_CTX_DATA:
	default:
		return FTPS_E_IO;
	}
}

static ftps_err from_4xx(int code, const char *text, enum ftps_ctx ctx)
{
	ftps_err e;

	switch (code) {
	case 421:       /* service closing the control connection */
		return has_any(text, txt_toomany) ? FTPS_E_TOOMANY : FTPS_E_CONN;
	case 425:       /* can't open data connection */
	case 426:       /* data connection closed, transfer aborted */
		return FTPS_E_RETRY;
	case 431:       /* RFC 2228: security resource unavailable */
		return FTPS_E_TLS;
	case 452:       /* insufficient storage */
		return FTPS_E_NOSPC;
	}
	e = classify_text(text);
	if (e != FTPS_OK)
		return e;
	/* 450 "file unavailable (busy)": worth another try for a transfer. */
	if (code == 450 && (ctx == FTPS_CTX_RETR || ctx == FTPS_CTX_STOR))
		return FTPS_E_RETRY;
	return FTPS_E_IO;
}

static ftps_err from_5xx(int code, const char *text, enum ftps_ctx ctx)
{
	ftps_err e;

	switch (code) {
	case 500:
		/* vsftpd's "500 OOPS: ..." is fatal: it closes the session. */
		if (strncmp(text, "OOPS", 4) == 0 || strstr(text, " OOPS:") != NULL)
			return FTPS_E_CONN;
		return has_any(text, txt_unknown_cmd) ? FTPS_E_NOTSUP : FTPS_E_INVAL;
	case 501:       /* syntax error in parameters */
		return FTPS_E_INVAL;
	case 502:       /* command not implemented */
	case 504:       /* not implemented for that parameter */
		return FTPS_E_NOTSUP;
	case 521:       /* pure-ftpd: "This server requires TLS" style refusals */
	case 522:       /* vsftpd: "SSL connection failed: session reuse required" */
	case 533:       /* RFC 2228: protection level denied by policy */
	case 534:       /* RFC 2228: request denied for policy reasons */
	case 535:       /* RFC 2228: failed security check */
	case 536:       /* RFC 2228: PROT level not supported */
		return FTPS_E_TLS;
	case 530:       /* not logged in */
		if (has_any(text, txt_toomany))
			return FTPS_E_TOOMANY;
		return ctx == FTPS_CTX_LOGIN ? FTPS_E_AUTH : FTPS_E_ACCES;
	case 532:       /* need an account for storing files */
		return FTPS_E_ACCES;
	case 552:       /* exceeded storage allocation */
		return FTPS_E_NOSPC;
	case 553:       /* file name not allowed */
		e = classify_text(text);
		return e != FTPS_OK ? e : FTPS_E_ACCES;
	case 554:       /* RFC 3659: e.g. invalid REST parameter */
		return FTPS_E_INVAL;
	case 550:
		e = classify_text(text);
		return e != FTPS_OK ? e : default_550(ctx);
	}
	e = classify_text(text);
	return e != FTPS_OK ? e : FTPS_E_IO;
}

ftps_err ftps_err_from_reply(int code, const char *text, enum ftps_ctx ctx)
{
	if (text == NULL)
		text = "";
	if (code < 100 || code > 599)
		return FTPS_E_PROTO;    /* includes RFC 2228's 6xx, which we never ask for */
	if (code < 400)
		return FTPS_OK;
	if (has_any(text, txt_tls_session))
		return FTPS_E_TLS;
	if ((code == 421 || code == 530 || ctx == FTPS_CTX_LOGIN) &&
	    !has_any(text, txt_toomany) && has_any_word(text, txt_tls_words))
		return FTPS_E_TLS;
	if (code < 500)
		return from_4xx(code, text, ctx);
	return from_5xx(code, text, ctx);
}

ftps_err ftps_fail(struct ftps_status *st, ftps_err err, int reply,
                   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st == NULL)
		return err;
	st->err = err;
	st->reply = reply;
	if (fmt == NULL) {
		snprintf(st->msg, sizeof st->msg, "%s", ftps_strerror(err));
		return err;
	}
	/* Format into a copy: callers may pass st->msg itself as an argument
	 * ("%s: more detail", st->msg), and vsnprintf must not read the buffer
	 * it writes (glibc clears it first: the message came out empty). */
	char buf[sizeof st->msg];
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	memcpy(st->msg, buf, sizeof st->msg);
	if (n < 0)
		snprintf(st->msg, sizeof st->msg, "%s", ftps_strerror(err));
	else if ((size_t)n >= sizeof st->msg)
		memcpy(st->msg + sizeof st->msg - 4, "...", 4);
	ftps_text_clean(st->msg, strlen(st->msg));
	return err;
}

/* After these the control connection is closed, not checked back in:
 * - CONN, TOOMANY: the server closed it (421) or the socket is gone.
 * - TIMEOUT: a reply may still arrive and would answer the next command.
 * - PROTO: we no longer know where one reply ends and the next begins.
 * - TLS, MODE, CERT: the TLS layer is in an unknown state or was never up.
 * - AUTH, RESOLVE, REFUSED: never logged in, so never usable.
 * - NOMEM: a command may have gone out whose reply we could not take in;
 *   a fresh connection costs little next to replies that are off by one.
 * Not CANCELED: whoever cancels (ABOR, close the data connection) reads
 * the pending replies, and returns CONN when it could not. Not RETRY or
 * the file errors: those are ordinary replies, the connection is in step. */
int ftps_err_conn_broken(ftps_err err)
{
	switch (err) {
	case FTPS_E_CONN:
	case FTPS_E_TOOMANY:
	case FTPS_E_TIMEOUT:
	case FTPS_E_PROTO:
	case FTPS_E_TLS:
	case FTPS_E_MODE:
	case FTPS_E_CERT:
	case FTPS_E_AUTH:
	case FTPS_E_RESOLVE:
	case FTPS_E_REFUSED:
	case FTPS_E_NOMEM:
		return 1;
	default:
		return 0;
	}
}

enum ftps_class ftps_err_class(ftps_err err)
{
	switch (err) {
	case FTPS_OK:
		return FTPS_CLASS_OK;
	case FTPS_E_RETRY:
		return FTPS_CLASS_TRANSIENT;
	case FTPS_E_CONN:
	case FTPS_E_TIMEOUT:
	case FTPS_E_PROTO:
	case FTPS_E_TLS:
		return FTPS_CLASS_LOST;
	case FTPS_E_REFUSED:
	case FTPS_E_RESOLVE:
	case FTPS_E_TOOMANY:
		return FTPS_CLASS_DOWN;
	case FTPS_E_NOMEM:
	case FTPS_E_CANCELED:
		return FTPS_CLASS_LOCAL;
	default:
		/* NOENT ... IO, and AUTH, CERT, MODE: answers that do not change
		 * by asking again. */
		return FTPS_CLASS_REFUSED;
	}
}

int ftps_err_retryable(ftps_err err)
{
	enum ftps_class c = ftps_err_class(err);

	return c == FTPS_CLASS_TRANSIENT || c == FTPS_CLASS_LOST || c == FTPS_CLASS_DOWN;
}

int ftps_err_network(ftps_err err)
{
	enum ftps_class c = ftps_err_class(err);

	return c == FTPS_CLASS_TRANSIENT || c == FTPS_CLASS_LOST;
}

int ftps_errno_retryable(int neg_errno)
{
	return neg_errno == -EIO || neg_errno == -ETIMEDOUT;
}

int ftps_err_report(ftps_err e, const struct ftps_status *st, const char *op, const char *path)
{
	int err = e == FTPS_E_REFUSED ? EIO : ftps_err_errno(e);
	const char *why = st && st->msg[0] ? st->msg : ftps_strerror(e);

	if (e == FTPS_E_NOENT || e == FTPS_E_EXIST || e == FTPS_E_NOTEMPTY)
		ftps_debug("%s %s: %s", op, path, why);
	else
		ftps_warn("%s %s: %s", op, path, why);
	return -err;
}
