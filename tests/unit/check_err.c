/* check_err.c - error codes (text, errno, reply mapping, ftps_fail,
 * conn_broken), and log.c (there is no separate check_log program):
 * line format, levels, sanitising of hostile text, and whole lines from
 * concurrent threads.
 *
 * The reply texts are those of vsftpd 3.0.3, ProFTPD 1.3.8, pure-ftpd
 * 1.0.50, FileZilla Server and IIS 10, for the situations the mount meets.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftps_err.h"
#include "log.h"

/* ---- strings and errno ---- */

START_TEST(strings)
{
	for (int i = 0; i < FTPS_E_MAX; i++) {
		const char *s = ftps_strerror((ftps_err)i);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 3);
		ck_assert_ptr_null(strchr(s, '\n'));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(s, ftps_strerror((ftps_err)j));
	}
	ck_assert_str_eq(ftps_strerror(FTPS_E_MAX), "unknown error");
	ck_assert_str_eq(ftps_strerror((ftps_err)-1), "unknown error");
	ck_assert_str_eq(ftps_strerror((ftps_err)12345), "unknown error");
}
END_TEST

START_TEST(errnos)
{
	static const struct { ftps_err e; int no; } t[] = {
		{ FTPS_OK, 0 },
		{ FTPS_E_NOENT, ENOENT }, { FTPS_E_ACCES, EACCES },
		{ FTPS_E_EXIST, EEXIST }, { FTPS_E_NOTEMPTY, ENOTEMPTY },
		{ FTPS_E_NOTDIR, ENOTDIR }, { FTPS_E_ISDIR, EISDIR },
		{ FTPS_E_NOSPC, ENOSPC }, { FTPS_E_INVAL, EINVAL },
		{ FTPS_E_NOTSUP, ENOTSUP }, { FTPS_E_TIMEOUT, ETIMEDOUT },
		{ FTPS_E_CONN, EIO }, { FTPS_E_RETRY, EIO },
		{ FTPS_E_PROTO, EIO }, { FTPS_E_TLS, EIO },
		{ FTPS_E_CERT, EACCES }, { FTPS_E_AUTH, EACCES },
		{ FTPS_E_TOOMANY, EBUSY }, { FTPS_E_RESOLVE, EHOSTUNREACH },
		{ FTPS_E_REFUSED, EIO }, { FTPS_E_MODE, EIO },
		{ FTPS_E_NOMEM, ENOMEM }, { FTPS_E_IO, EIO },
		{ FTPS_E_CANCELED, ECANCELED }, { FTPS_E_XDEV, EXDEV },
	};

	ck_assert_uint_eq(sizeof t / sizeof t[0], FTPS_E_MAX);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(ftps_err_errno(t[i].e) == t[i].no, "%s -> %d, want %d",
		              ftps_strerror(t[i].e), ftps_err_errno(t[i].e), t[i].no);
	/* every error is an errno > 0; nothing out of range maps to success */
	for (int i = 1; i < FTPS_E_MAX; i++)
		ck_assert_int_gt(ftps_err_errno((ftps_err)i), 0);
	ck_assert_int_eq(ftps_err_errno(FTPS_E_MAX), EIO);
	ck_assert_int_eq(ftps_err_errno((ftps_err)-5), EIO);
	/* No protocol or socket errno reaches a program reading a file. */
	for (int i = 1; i < FTPS_E_MAX; i++) {
		int no = ftps_err_errno((ftps_err)i);
		ck_assert_msg(no != EPROTO && no != ECONNREFUSED && no != ECONNRESET &&
		              no != EAGAIN, "%s -> %d", ftps_strerror((ftps_err)i), no);
	}
}
END_TEST

/* The one policy for retries: every code has a class, and only the
 * network's failures are worth another try. */
START_TEST(error_classes)
{
	static const struct { ftps_err e; enum ftps_class c; } t[] = {
		{ FTPS_OK, FTPS_CLASS_OK },
		{ FTPS_E_NOENT, FTPS_CLASS_REFUSED }, { FTPS_E_ACCES, FTPS_CLASS_REFUSED },
		{ FTPS_E_EXIST, FTPS_CLASS_REFUSED }, { FTPS_E_NOTEMPTY, FTPS_CLASS_REFUSED },
		{ FTPS_E_NOTDIR, FTPS_CLASS_REFUSED }, { FTPS_E_ISDIR, FTPS_CLASS_REFUSED },
		{ FTPS_E_NOSPC, FTPS_CLASS_REFUSED }, { FTPS_E_INVAL, FTPS_CLASS_REFUSED },
		{ FTPS_E_NOTSUP, FTPS_CLASS_REFUSED }, { FTPS_E_TIMEOUT, FTPS_CLASS_LOST },
		{ FTPS_E_CONN, FTPS_CLASS_LOST }, { FTPS_E_RETRY, FTPS_CLASS_TRANSIENT },
		{ FTPS_E_PROTO, FTPS_CLASS_LOST }, { FTPS_E_TLS, FTPS_CLASS_LOST },
		{ FTPS_E_CERT, FTPS_CLASS_REFUSED }, { FTPS_E_AUTH, FTPS_CLASS_REFUSED },
		{ FTPS_E_TOOMANY, FTPS_CLASS_DOWN }, { FTPS_E_RESOLVE, FTPS_CLASS_DOWN },
		{ FTPS_E_REFUSED, FTPS_CLASS_DOWN }, { FTPS_E_MODE, FTPS_CLASS_REFUSED },
		{ FTPS_E_NOMEM, FTPS_CLASS_LOCAL }, { FTPS_E_IO, FTPS_CLASS_REFUSED },
		{ FTPS_E_CANCELED, FTPS_CLASS_LOCAL }, { FTPS_E_XDEV, FTPS_CLASS_REFUSED },
	};

	ck_assert_uint_eq(sizeof t / sizeof t[0], FTPS_E_MAX);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum ftps_class c = ftps_err_class(t[i].e);
		ck_assert_msg(c == t[i].c, "%s -> class %d, want %d", ftps_strerror(t[i].e), c, t[i].c);
		ck_assert_int_eq(ftps_err_retryable(t[i].e),
		                 c == FTPS_CLASS_TRANSIENT || c == FTPS_CLASS_LOST ||
		                 c == FTPS_CLASS_DOWN);
		/* a connection that must be closed is never "refused": the
		 * caller would keep using a broken connection */
		if (c == FTPS_CLASS_LOST)
			ck_assert(ftps_err_conn_broken(t[i].e));
		ck_assert_int_eq(ftps_err_network(t[i].e),
		                 c == FTPS_CLASS_TRANSIENT || c == FTPS_CLASS_LOST);
		/* Seen through errno (uploads, close): the network's failures
		 * stay worth another try, and no refusal with an errno of its
		 * own (ENOENT, EACCES, ENOSPC, ...) or local failure becomes one. */
		int no = -ftps_err_errno(t[i].e);
		if (ftps_err_network(t[i].e) || t[i].e == FTPS_E_REFUSED)
			ck_assert_msg(ftps_errno_retryable(no), "%s", ftps_strerror(t[i].e));
		if ((c == FTPS_CLASS_REFUSED && no != -EIO) || c == FTPS_CLASS_LOCAL ||
		    c == FTPS_CLASS_OK)
			ck_assert_msg(!ftps_errno_retryable(no), "%s", ftps_strerror(t[i].e));
	}
	ck_assert_int_eq(ftps_err_class(FTPS_E_MAX), FTPS_CLASS_REFUSED);
}
END_TEST

/* ---- replies ---- */

struct reply_case {
	int code;
	const char *text;
	enum ftps_ctx ctx;
	ftps_err want;
};

#define G FTPS_CTX_GENERIC
#define LOGIN FTPS_CTX_LOGIN
#define RETR FTPS_CTX_RETR
#define LIST FTPS_CTX_LIST
#define STOR FTPS_CTX_STOR
#define DELE FTPS_CTX_DELE
#define REN FTPS_CTX_RENAME
#define MKD FTPS_CTX_MKD
#define RMD FTPS_CTX_RMD
#define DATA FTPS_CTX_DATA

static void run_cases(const struct reply_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ftps_err got = ftps_err_from_reply(c[i].code, c[i].text, c[i].ctx);
		ck_assert_msg(got == c[i].want, "%d '%s' (ctx %d): got %s, want %s",
		              c[i].code, c[i].text, (int)c[i].ctx, ftps_strerror(got),
		              ftps_strerror(c[i].want));
	}
}

START_TEST(vsftpd)
{
	static const struct reply_case c[] = {
		/* one text for missing and unreadable: RETR guesses ENOENT */
		{ 550, "550 Failed to open file.", RETR, FTPS_E_NOENT },
		{ 550, "550 Could not get file size.", RETR, FTPS_E_NOENT },
		{ 550, "550 Could not get file modification time.", RETR, FTPS_E_NOENT },
		{ 550, "550 Failed to change directory.", LIST, FTPS_E_NOENT },
		{ 550, "550 Permission denied.", STOR, FTPS_E_ACCES },
		{ 550, "550 Permission denied.", RETR, FTPS_E_ACCES },
		{ 553, "553 Could not create file.", STOR, FTPS_E_ACCES },
		{ 550, "550 Create directory operation failed.", MKD, FTPS_E_ACCES },
		{ 550, "550 Remove directory operation failed.", RMD, FTPS_E_NOENT },
		{ 550, "550 Delete operation failed.", DELE, FTPS_E_NOENT },
		{ 550, "550 RNFR command failed.", REN, FTPS_E_NOENT },
		{ 550, "550 Rename failed.", REN, FTPS_E_NOENT },
		{ 550, "550 SITE CHMOD command failed.", G, FTPS_E_IO },
		{ 451, "451 Failure writing to local file.", STOR, FTPS_E_IO },
		{ 530, "530 Login incorrect.", LOGIN, FTPS_E_AUTH },
		{ 530, "530 Please login with USER and PASS.", G, FTPS_E_ACCES },
		{ 530, "530 Non-anonymous sessions must use encryption.", LOGIN, FTPS_E_TLS },
		{ 421, "421 There are too many connected users, please try later.", LOGIN, FTPS_E_TOOMANY },
		{ 421, "421 There are too many connections from your internet address.", G, FTPS_E_TOOMANY },
		{ 421, "421 Timeout.", G, FTPS_E_CONN },
		{ 421, "421 No transfer timeout (300 seconds): closing control connection", RETR, FTPS_E_CONN },
		{ 421, "421 Service not available, remote server has closed connection", G, FTPS_E_CONN },
		{ 425, "425 Failed to establish connection.", DATA, FTPS_E_RETRY },
		{ 425, "425 Use PORT or PASV first.", RETR, FTPS_E_RETRY },
		{ 426, "426 Failure writing network stream.", RETR, FTPS_E_RETRY },
		{ 522, "522 SSL connection failed: session reuse required", RETR, FTPS_E_TLS },
		{ 522, "522 Data connections must be encrypted.", LIST, FTPS_E_TLS },
		{ 500, "500 OOPS: vsftpd: refusing to run with writable root inside chroot()", LOGIN, FTPS_E_CONN },
		{ 500, "500 OOPS: priv_sock_get_cmd", G, FTPS_E_CONN },
		{ 500, "500 Unknown command.", G, FTPS_E_NOTSUP },
		{ 500, "500 Illegal PORT command.", DATA, FTPS_E_INVAL },
		{ 501, "501 Could not parse command.", G, FTPS_E_INVAL },
		{ 550, "550 Could not set file modification time.", G, FTPS_E_IO },
	};
	run_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(proftpd)
{
	static const struct reply_case c[] = {
		{ 550, "550 nosuch.txt: No such file or directory", RETR, FTPS_E_NOENT },
		{ 550, "550 secret.txt: Permission denied", RETR, FTPS_E_ACCES },
		{ 550, "550 ro/new.txt: Permission denied", STOR, FTPS_E_ACCES },
		{ 550, "550 full: Directory not empty", RMD, FTPS_E_NOTEMPTY },
		{ 550, "550 pub: File exists", MKD, FTPS_E_EXIST },
		{ 550, "550 file.txt/x: Not a directory", RETR, FTPS_E_NOTDIR },
		{ 550, "550 pub: Not a regular file", RETR, FTPS_E_ISDIR },
		{ 550, "550 pub: Is a directory", DELE, FTPS_E_ISDIR },
		{ 450, "450 nodir: No such file or directory", LIST, FTPS_E_NOENT },
		{ 550, "550 SITE CHMOD: Operation not permitted", G, FTPS_E_ACCES },
		{ 530, "530 Login incorrect.", LOGIN, FTPS_E_AUTH },
		{ 530, "530 Sorry, the maximum number of clients (5) for this user are already connected.", LOGIN, FTPS_E_TOOMANY },
		{ 421, "421 Login timeout (300 seconds): closing control connection", LOGIN, FTPS_E_CONN },
		{ 550, "550 SSL/TLS required on the control channel", LOGIN, FTPS_E_TLS },
		{ 550, "550 SSL/TLS required on the data channel", RETR, FTPS_E_TLS },
		{ 425, "425 Unable to build data connection: Operation not permitted", RETR, FTPS_E_RETRY },
		{ 426, "426 Transfer aborted. Data connection closed.", RETR, FTPS_E_RETRY },
		{ 500, "500 MFMT not understood", G, FTPS_E_NOTSUP },
		{ 501, "501 Invalid number of arguments", G, FTPS_E_INVAL },
		{ 552, "552 Transfer aborted. Disk quota exceeded", STOR, FTPS_E_NOSPC },
		{ 451, "451 Transfer aborted. No space left on device", STOR, FTPS_E_NOSPC },
		{ 504, "504 Unable to handle PROT C", G, FTPS_E_NOTSUP },
		/* the path is the server's echo of ours: its words don't count */
		{ 550, "550 not found.txt: Permission denied", RETR, FTPS_E_ACCES },
		{ 550, "550 Permission denied: No such file or directory", RETR, FTPS_E_NOENT },
		{ 550, "550 File exists: Directory not empty", RMD, FTPS_E_NOTEMPTY },
		{ 553, "553 a/b: No such file or directory", STOR, FTPS_E_NOENT },
		{ 550, ".ftpquota: Permission denied", RETR, FTPS_E_ACCES },
		{ 550, "550 quota: Operation not permitted", DELE, FTPS_E_ACCES },
		{ 550, "550 x: Read-only file system", STOR, FTPS_E_ACCES },
		{ 550, "550 Error: file not found", STOR, FTPS_E_NOENT },
		{ 550, "550 a: b: c: Disk quota exceeded", STOR, FTPS_E_NOSPC },
	};
	run_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(pureftpd)
{
	static const struct reply_case c[] = {
		{ 550, "550 Can't open nosuch: No such file or directory", RETR, FTPS_E_NOENT },
		{ 553, "553 Can't open that file: Permission denied", STOR, FTPS_E_ACCES },
		{ 553, "553 Prohibited file name: .ftpquota", STOR, FTPS_E_INVAL },
		{ 553, "553 Prohibited file name: quota not found", STOR, FTPS_E_INVAL },
		{ 550, "550 Can't check for file existence", RETR, FTPS_E_NOENT },
		{ 552, "552 Quota exceeded: [big.iso] won't be saved", STOR, FTPS_E_NOSPC },
		{ 421, "421 1000 users (the maximum) are already logged in, sorry", LOGIN, FTPS_E_TOOMANY },
		{ 421, "421 Too many connections (2) from this IP", LOGIN, FTPS_E_TOOMANY },
		{ 421, "421 Sorry, cleartext sessions and weak ciphers are not accepted on this server.\n"
		       "Please reconnect using TLS security mechanisms.", LOGIN, FTPS_E_TLS },
		{ 521, "521 Data connection cannot be opened with this PROT setting.", RETR, FTPS_E_TLS },
		{ 530, "530 Login authentication failed", LOGIN, FTPS_E_AUTH },
		{ 550, "550 Can't remove directory: Directory not empty", RMD, FTPS_E_NOTEMPTY },
		{ 550, "550 Can't create directory: File exists", MKD, FTPS_E_EXIST },
		{ 550, "550 Can't create directory: Permission denied", MKD, FTPS_E_ACCES },
		{ 550, "550 Could not delete nosuch: No such file or directory", DELE, FTPS_E_NOENT },
		{ 500, "500 Unknown command", G, FTPS_E_NOTSUP },
		{ 425, "425 No data connection", RETR, FTPS_E_RETRY },
		{ 426, "426 Transfer aborted", RETR, FTPS_E_RETRY },
		{ 550, "550 I can only retrieve regular files", RETR, FTPS_E_ISDIR },
		{ 451, "451 Rename/move failure: No such file or directory", REN, FTPS_E_NOENT },
		{ 501, "501 Syntax error in parameters or arguments", G, FTPS_E_INVAL },
	};
	run_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(filezilla)
{
	static const struct reply_case c[] = {
		{ 550, "550 File not found", RETR, FTPS_E_NOENT },
		{ 550, "550 Directory not found", LIST, FTPS_E_NOENT },
		{ 550, "550 Permission denied", STOR, FTPS_E_ACCES },
		{ 550, "550 Directory already exists", MKD, FTPS_E_EXIST },
		{ 550, "550 Directory not empty.", RMD, FTPS_E_NOTEMPTY },
		{ 553, "553 Filename invalid", STOR, FTPS_E_INVAL },
		{ 421, "421 Too many users are connected, please try again later.", LOGIN, FTPS_E_TOOMANY },
		{ 530, "530 Login or password incorrect!", LOGIN, FTPS_E_AUTH },
		{ 450, "450 Internal error deleting the file.", DELE, FTPS_E_IO },
		{ 450, "450 TLS session of data connection has not resumed or the session does "
		       "not match the control connection", RETR, FTPS_E_TLS },
		{ 425, "425 Can't open data connection for transfer of \"/x\"", RETR, FTPS_E_RETRY },
		{ 426, "426 Connection closed; aborting transfer", RETR, FTPS_E_RETRY },
		{ 452, "452 Not enough disk space", STOR, FTPS_E_NOSPC },
		{ 500, "500 Syntax error, command unrecognized.", G, FTPS_E_NOTSUP },
		{ 502, "502 Command not implemented.", G, FTPS_E_NOTSUP },
		{ 504, "504 Command not implemented for that parameter", G, FTPS_E_NOTSUP },
		{ 450, "450 File is busy", RETR, FTPS_E_RETRY },
		{ 450, "450 File is busy", STOR, FTPS_E_RETRY },
	};
	run_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(iis)
{
	static const struct reply_case c[] = {
		{ 550, "550 The system cannot find the file specified.", RETR, FTPS_E_NOENT },
		{ 550, "550 The system cannot find the path specified.", LIST, FTPS_E_NOENT },
		{ 550, "550 Access is denied.", STOR, FTPS_E_ACCES },
		{ 550, "550 Access is denied.", RETR, FTPS_E_ACCES },
		{ 550, "550 Cannot create a file when that file already exists.", MKD, FTPS_E_EXIST },
		{ 550, "550 The directory is not empty.", RMD, FTPS_E_NOTEMPTY },
		{ 550, "550 The filename, directory name, or volume label syntax is incorrect.", STOR, FTPS_E_INVAL },
		{ 550, "550 The process cannot access the file because it is being used by another process.", DELE, FTPS_E_ACCES },
		{ 530, "530 User cannot log in.", LOGIN, FTPS_E_AUTH },
		{ 530, "530 User cannot log in, home directory inaccessible.", LOGIN, FTPS_E_AUTH },
		{ 534, "534 Policy requires SSL.", LOGIN, FTPS_E_TLS },
		{ 534, "534 Local policy on server does not allow TLS secure connections.", LOGIN, FTPS_E_TLS },
		{ 500, "500 'MFMT': command not understood", G, FTPS_E_NOTSUP },
		{ 501, "501 Invalid number of parameters.", G, FTPS_E_INVAL },
		{ 504, "504 Command not implemented for that parameter.", G, FTPS_E_NOTSUP },
		{ 421, "421 Too many users logged in", LOGIN, FTPS_E_TOOMANY },
		{ 451, "451 The specified network name is no longer available.", RETR, FTPS_E_IO },
		{ 552, "552 Insufficient disk space", STOR, FTPS_E_NOSPC },
		{ 425, "425 Cannot open data connection.", LIST, FTPS_E_RETRY },
	};
	run_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(codes_and_contexts)
{
	static const struct reply_case c[] = {
		/* not errors */
		{ 110, "110 restart marker", G, FTPS_OK },
		{ 150, "150 Opening BINARY mode data connection", RETR, FTPS_OK },
		{ 200, "200 OK", G, FTPS_OK },
		{ 226, "226 Transfer complete.", RETR, FTPS_OK },
		{ 331, "331 Please specify the password.", LOGIN, FTPS_OK },
		{ 350, "350 Ready for RNTO.", REN, FTPS_OK },
		{ 399, "399 ?", G, FTPS_OK },
		/* not FTP at all */
		{ 0, "", G, FTPS_E_PROTO },
		{ 99, "99 x", G, FTPS_E_PROTO },
		{ -550, "", G, FTPS_E_PROTO },
		{ 600, "600 x", G, FTPS_E_PROTO },
		{ 631, "631 protected reply", G, FTPS_E_PROTO },
		{ 99999, "x", G, FTPS_E_PROTO },
		/* 550 with no words we know: decided by context */
		{ 550, "550 Nope.", RETR, FTPS_E_NOENT },
		{ 550, "550 Nope.", LIST, FTPS_E_NOENT },
		{ 550, "550 Nope.", DELE, FTPS_E_NOENT },
		{ 550, "550 Nope.", RMD, FTPS_E_NOENT },
		{ 550, "550 Nope.", REN, FTPS_E_NOENT },
		{ 550, "550 Nope.", STOR, FTPS_E_ACCES },
		{ 550, "550 Nope.", MKD, FTPS_E_ACCES },
		{ 550, "550 Nope.", LOGIN, FTPS_E_ACCES },
		{ 550, "550 Nope.", G, FTPS_E_IO },
		{ 550, "550 Nope.", DATA, FTPS_E_IO },
		{ 550, "550 Nope.", (enum ftps_ctx)77, FTPS_E_IO },
		/* 450: a retry for transfers, else I/O */
		{ 450, "450 Nope.", RETR, FTPS_E_RETRY },
		{ 450, "450 Nope.", LIST, FTPS_E_IO },
		{ 450, "450 Nope.", DELE, FTPS_E_IO },
		/* codes that need no words */
		{ 452, "452 x", STOR, FTPS_E_NOSPC },
		{ 552, "552 x", STOR, FTPS_E_NOSPC },
		{ 532, "532 Need account for storing files.", STOR, FTPS_E_ACCES },
		{ 530, "530 Not logged in.", RETR, FTPS_E_ACCES },
		{ 553, "553 x", STOR, FTPS_E_ACCES },
		{ 553, "553 Requested action not taken. File name not allowed.", STOR, FTPS_E_INVAL },
		{ 553, "553 File name not allowed", REN, FTPS_E_INVAL },
		{ 554, "554 Invalid REST parameter.", RETR, FTPS_E_INVAL },
		{ 431, "431 Need some unavailable resource", LOGIN, FTPS_E_TLS },
		{ 533, "533 x", G, FTPS_E_TLS },
		{ 535, "535 x", G, FTPS_E_TLS },
		{ 536, "536 x", G, FTPS_E_TLS },
		{ 502, "502 x", G, FTPS_E_NOTSUP },
		{ 500, "500 x", G, FTPS_E_INVAL },
		{ 499, "499 x", G, FTPS_E_IO },
		{ 599, "599 x", G, FTPS_E_IO },
		{ 400, "400", G, FTPS_E_IO },
		/* a user name that merely contains "ssl" is no TLS refusal */
		{ 530, "530 User bob_ssl cannot log in.", LOGIN, FTPS_E_AUTH },
		/* word-less NULL text */
		{ 550, NULL, RETR, FTPS_E_NOENT },
		{ 421, NULL, G, FTPS_E_CONN },
		{ 200, NULL, G, FTPS_OK },
		/* case does not matter */
		{ 550, "550 NO SUCH FILE OR DIRECTORY", STOR, FTPS_E_NOENT },
		{ 550, "550 permission DENIED", RETR, FTPS_E_ACCES },
		/* "does not exist" is not "exists" */
		{ 550, "550 Directory does not exist", MKD, FTPS_E_NOENT },
		{ 550, "550 File doesn't exist", DELE, FTPS_E_NOENT },
	};
	run_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(hostile_texts)
{
	/* very long and binary texts: no crash, a sane answer */
	size_t n = 70000;
	char *t = malloc(n + 1);

	ck_assert_ptr_nonnull(t);
	memset(t, 'x', n);
	t[n] = '\0';
	ck_assert_int_eq(ftps_err_from_reply(550, t, RETR), FTPS_E_NOENT);
	for (size_t i = 0; i < n; i++)
		t[i] = (char)(1 + i % 255);
	ck_assert_int_lt(ftps_err_from_reply(550, t, STOR), FTPS_E_MAX);
	/* thousands of ": " */
	for (size_t i = 0; i + 1 < n; i += 2) {
		t[i] = ':';
		t[i + 1] = ' ';
	}
	ck_assert_int_eq(ftps_err_from_reply(550, t, MKD), FTPS_E_ACCES);
	/* thousands of "ssl" inside words: bounded */
	for (size_t i = 0; i + 4 < n; i += 4)
		memcpy(t + i, "assl", 4);
	ck_assert_int_eq(ftps_err_from_reply(530, t, LOGIN), FTPS_E_AUTH);
	free(t);
}
END_TEST

/* ---- ftps_fail ---- */

START_TEST(fail)
{
	struct ftps_status st;
	char big[2000];

	memset(&st, 0, sizeof st);
	ck_assert_int_eq(ftps_fail(&st, FTPS_E_NOENT, 550, "RETR %s: %s", "/a", "gone"),
	                 FTPS_E_NOENT);
	ck_assert_int_eq(st.err, FTPS_E_NOENT);
	ck_assert_int_eq(st.reply, 550);
	ck_assert_str_eq(st.msg, "RETR /a: gone");

	/* NULL st: just the code back */
	ck_assert_int_eq(ftps_fail(NULL, FTPS_E_TLS, 0, "x %d", 1), FTPS_E_TLS);

	/* one line, whatever the server put in its text */
	ftps_fail(&st, FTPS_E_IO, 451, "server said: %s", "a\r\nb\tc\x1b[31md\x7f");
	ck_assert_str_eq(st.msg, "server said: a??b c?[31md?");

	/* bounded, marked as cut */
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ftps_fail(&st, FTPS_E_PROTO, 0, "%s", big);
	ck_assert_uint_eq(strlen(st.msg), sizeof st.msg - 1);
	ck_assert_str_eq(st.msg + sizeof st.msg - 4, "...");

	/* no format: the code's text */
	ftps_fail(&st, FTPS_E_TIMEOUT, 0, NULL);
	ck_assert_str_eq(st.msg, ftps_strerror(FTPS_E_TIMEOUT));
	ck_assert_int_eq(st.reply, 0);
}
END_TEST

START_TEST(conn_broken)
{
	static const ftps_err broken[] = {
		FTPS_E_CONN, FTPS_E_TOOMANY, FTPS_E_TIMEOUT, FTPS_E_PROTO, FTPS_E_TLS,
		FTPS_E_MODE, FTPS_E_CERT, FTPS_E_AUTH, FTPS_E_RESOLVE, FTPS_E_REFUSED,
		FTPS_E_NOMEM,
	};
	static const ftps_err fine[] = {
		FTPS_OK, FTPS_E_NOENT, FTPS_E_ACCES, FTPS_E_EXIST, FTPS_E_NOTEMPTY,
		FTPS_E_NOTDIR, FTPS_E_ISDIR, FTPS_E_NOSPC, FTPS_E_INVAL, FTPS_E_NOTSUP,
		FTPS_E_RETRY, FTPS_E_IO, FTPS_E_CANCELED, FTPS_E_XDEV,
	};

	ck_assert_uint_eq(sizeof broken / sizeof broken[0] + sizeof fine / sizeof fine[0],
	                  FTPS_E_MAX);
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
		ck_assert_msg(ftps_err_conn_broken(broken[i]), "%s", ftps_strerror(broken[i]));
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
		ck_assert_msg(!ftps_err_conn_broken(fine[i]), "%s", ftps_strerror(fine[i]));
	ck_assert_int_eq(ftps_err_conn_broken(FTPS_E_MAX), 0);
}
END_TEST

/* ---- log.c ---- */

/* Run fn with stderr sent to a temporary file; return what was written
 * (malloc'ed, NUL-terminated). */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	long len;
	char *out;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
	fn(arg);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	fseek(tmp, 0, SEEK_END);        /* written through fd 2, not stdio */
	len = ftell(tmp);
	ck_assert_int_ge(len, 0);
	out = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(out);
	rewind(tmp);
	ck_assert_uint_eq(fread(out, 1, (size_t)len, tmp), (size_t)len);
	out[len] = '\0';
	fclose(tmp);
	return out;
}

START_TEST(log_levels)
{
	ck_assert_int_eq(ftps_log_parse_level("error"), FTPS_LOG_ERROR);
	ck_assert_int_eq(ftps_log_parse_level("warn"), FTPS_LOG_WARN);
	ck_assert_int_eq(ftps_log_parse_level("warning"), FTPS_LOG_WARN);
	ck_assert_int_eq(ftps_log_parse_level("info"), FTPS_LOG_INFO);
	ck_assert_int_eq(ftps_log_parse_level("DEBUG"), FTPS_LOG_DEBUG);
	ck_assert_int_eq(ftps_log_parse_level("Trace"), FTPS_LOG_TRACE);
	ck_assert_int_eq(ftps_log_parse_level(""), -1);
	ck_assert_int_eq(ftps_log_parse_level("verbose"), -1);
	ck_assert_int_eq(ftps_log_parse_level("3"), -1);
	ck_assert_int_eq(ftps_log_parse_level("info "), -1);
	ck_assert_int_eq(ftps_log_parse_level(NULL), -1);

	ftps_log_set_level(FTPS_LOG_DEBUG);
	ck_assert_int_eq(ftps_log_get_level(), FTPS_LOG_DEBUG);
	ftps_log_set_level((enum ftps_loglevel)42);     /* clamped */
	ck_assert_int_eq(ftps_log_get_level(), FTPS_LOG_TRACE);
	ftps_log_set_level((enum ftps_loglevel)-3);
	ck_assert_int_eq(ftps_log_get_level(), FTPS_LOG_ERROR);
}
END_TEST

static void log_some(void *arg)
{
	(void)arg;
	ftps_log_set_level(FTPS_LOG_WARN);
	ftps_error("cannot connect to %s:%d: %s", "ftp.example.org", 21, "refused");
	ftps_warn("certificate check is off");
	ftps_info("not shown at warn");
	ftps_debug("not shown either %d", 1);
	ftps_log_set_level(FTPS_LOG_INFO);
	ftps_info("mounted %s", "ftpes://h:21/");
	ftps_debug("still not shown");
}

START_TEST(log_format)
{
	char *out = capture_stderr(log_some, NULL);

	ck_assert_str_eq(out,
	                 "ftpsfs: error: cannot connect to ftp.example.org:21: refused\n"
	                 "ftpsfs: warning: certificate check is off\n"
	                 "ftpsfs: info: mounted ftpes://h:21/\n");
	free(out);
}
END_TEST

static void log_debug_line(void *arg)
{
	(void)arg;
	ftps_log_set_level(FTPS_LOG_TRACE);
	ftps_debug("d");
	ftps_trace("> %s", "NOOP");
}

START_TEST(log_debug_stamp)
{
	char *out = capture_stderr(log_debug_line, NULL);
	int hh, mm, ss, ms;
	long tid;
	char lvl[8], msg[16];

	/* "ftpsfs: HH:MM:SS.mmm [tid] debug: d" */
	ck_assert_int_eq(sscanf(out, "ftpsfs: %2d:%2d:%2d.%3d [%ld] %7[a-z]: %15[^\n]",
	                        &hh, &mm, &ss, &ms, &tid, lvl, msg), 7);
	ck_assert_str_eq(lvl, "debug");
	ck_assert_str_eq(msg, "d");
	ck_assert(tid > 0);
	ck_assert_ptr_nonnull(strstr(out, "] trace: > NOOP\n"));
	free(out);
}
END_TEST

static void log_hostile(void *arg)
{
	(void)arg;
	ftps_log_set_level(FTPS_LOG_INFO);
	/* a reply trying to forge a second log line and drive the terminal */
	ftps_error("server: %s", "550 x\r\nftpsfs: info: all good\x1b]0;pwned\x07\tend");
	/* UTF-8 kept, broken UTF-8 and C1 controls (raw and encoded) replaced */
	ftps_error("%s", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\xc3|\xff|\x9b" "31m|"
	           "\xc2\x9b" "31m|\xed\xa0\x80|\xc0\xaf|\xf4\x90\x80\x80|\xe2\x82");
	ftps_error("%s", "");
}

START_TEST(log_sanitise)
{
	char *out = capture_stderr(log_hostile, NULL);

	ck_assert_str_eq(out,
	                 "ftpsfs: error: server: 550 x??ftpsfs: info: all good?]0;pwned? end\n"
	                 "ftpsfs: error: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|?|?|?31m|"
	                 "??31m|???|??|????|??\n"
	                 "ftpsfs: error: \n");
	free(out);
}
END_TEST

static void log_long(void *arg)
{
	char *big = arg;

	ftps_log_set_level(FTPS_LOG_INFO);
	ftps_error("%s", big);
}

START_TEST(log_truncates)
{
	size_t n = 100000;
	char *big = malloc(n + 1);
	char *out, *nl;

	ck_assert_ptr_nonnull(big);
	memset(big, 'L', n);
	big[n] = '\0';
	out = capture_stderr(log_long, big);
	nl = strchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(nl[1], '\0');                  /* exactly one line */
	ck_assert_uint_lt(strlen(out), 1200);
	ck_assert_uint_gt(strlen(out), 1000);
	ck_assert(strncmp(nl - 3, "...", 3) == 0);      /* marked as cut */
	free(out);

	/* a cut through a UTF-8 sequence leaves no half character */
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[n - 1] = '\0';
	out = capture_stderr(log_long, big);
	ck_assert_ptr_null(strstr(out, "\xc3?"));
	ck_assert_ptr_null(strstr(out, "\xc3."));
	free(out);
	free(big);
}
END_TEST

static void log_errno(void *arg)
{
	int *seen = arg;

	ftps_log_set_level(FTPS_LOG_INFO);
	errno = ENOSPC;
	ftps_error("disk full: %s", strerror(errno));
	*seen = errno;
}

START_TEST(log_keeps_errno)
{
	int seen = 0;
	char *out = capture_stderr(log_errno, &seen);

	ck_assert_int_eq(seen, ENOSPC);
	free(out);
}
END_TEST

#define LOG_THREADS 4
#define LOG_LINES 300

static void *log_thread(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < LOG_LINES; i++)
		ftps_error("thread %ld line %03d %s", id, i,
		           "................................................................"
		           "................................................................");
	return NULL;
}

static void log_threads(void *arg)
{
	pthread_t t[LOG_THREADS];

	(void)arg;
	ftps_log_set_level(FTPS_LOG_INFO);
	for (long i = 0; i < LOG_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, log_thread, (void *)i), 0);
	for (int i = 0; i < LOG_THREADS; i++)
		pthread_join(t[i], NULL);
}

START_TEST(log_concurrent)
{
	char *out = capture_stderr(log_threads, NULL);
	int count[LOG_THREADS] = { 0 };
	int lines = 0;
	char *save = NULL;

	/* every line whole: prefix, thread, number, dots, newline */
	for (char *l = strtok_r(out, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		long id;
		int no, used = 0;

		ck_assert_int_eq(sscanf(l, "ftpsfs: error: thread %ld line %d %n", &id, &no, &used), 2);
		ck_assert(id >= 0 && id < LOG_THREADS);
		ck_assert_int_eq(no, count[id]);        /* in order per thread */
		ck_assert_uint_eq(strlen(l + used), 128);
		ck_assert_uint_eq(strspn(l + used, "."), 128);
		count[id]++;
		lines++;
	}
	ck_assert_int_eq(lines, LOG_THREADS * LOG_LINES);
	free(out);
}
END_TEST

static void log_to_syslog(void *arg)
{
	(void)arg;
	ftps_log_set_level(FTPS_LOG_INFO);
	ftps_log_use_syslog(1);
	ftps_log_use_syslog(1);         /* twice: still one openlog */
	ftps_info("ftpsfs unit test: syslog line (harmless)");
	ftps_log_use_syslog(0);
	ftps_info("back on stderr");
}

START_TEST(log_syslog_switch)
{
	char *out = capture_stderr(log_to_syslog, NULL);

	/* without a syslog daemon the line may go nowhere, but never to stderr */
	ck_assert_str_eq(out, "ftpsfs: info: back on stderr\n");
	free(out);
}
END_TEST

static void report_some(void *arg)
{
	struct ftps_status st = { 0 };

	(void)arg;
	ftps_log_set_level(FTPS_LOG_WARN);
	ck_assert_int_eq(ftps_err_report(FTPS_E_REFUSED, NULL, "read", "/a"), -EIO);
	ck_assert_int_eq(ftps_err_report(FTPS_E_NOENT, NULL, "read", "/gone"), -ENOENT);
	ftps_fail(&st, FTPS_E_ACCES, 550, "550 Permission denied");
	ck_assert_int_eq(ftps_err_report(FTPS_E_ACCES, &st, "upload", "/b"), -EACCES);
}

START_TEST(err_report)
{
	char *out = capture_stderr(report_some, NULL);

	/* refusals and failures are warnings with the server's text; a missing
	 * file is ordinary (debug only) */
	ck_assert_str_eq(out, "ftpsfs: warning: read /a: connection refused\n"
	                      "ftpsfs: warning: upload /b: 550 Permission denied\n");
	free(out);
}
END_TEST

static Suite *err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *codes = tcase_create("codes");
	TCase *replies = tcase_create("replies");
	TCase *log = tcase_create("log");

	tcase_add_test(codes, strings);
	tcase_add_test(codes, errnos);
	tcase_add_test(codes, error_classes);
	tcase_add_test(codes, fail);
	tcase_add_test(codes, conn_broken);
	suite_add_tcase(s, codes);

	tcase_add_test(replies, vsftpd);
	tcase_add_test(replies, proftpd);
	tcase_add_test(replies, pureftpd);
	tcase_add_test(replies, filezilla);
	tcase_add_test(replies, iis);
	tcase_add_test(replies, codes_and_contexts);
	tcase_add_test(replies, hostile_texts);
	suite_add_tcase(s, replies);

	tcase_add_test(log, log_levels);
	tcase_add_test(log, log_format);
	tcase_add_test(log, log_debug_stamp);
	tcase_add_test(log, log_sanitise);
	tcase_add_test(log, log_truncates);
	tcase_add_test(log, log_keeps_errno);
	tcase_add_test(log, log_concurrent);
	tcase_add_test(log, log_syslog_switch);
	tcase_add_test(log, err_report);
	suite_add_tcase(s, log);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(err_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
