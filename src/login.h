/* login.h - where the password comes from, once the options are good.
 *
 * Kept apart from the option parser, which is pure: this part reads
 * standard input, files and the terminal, turns echo off and catches
 * signals to turn it back on.
 */
#ifndef FTPS_LOGIN_H
#define FTPS_LOGIN_H

#include <stddef.h>
#include <sys/stat.h>

#define FTPS_MAX_PASSWORD       1024    /* bytes, from stdin, netrc or a prompt */
#define FTPS_ANON_PASSWORD      "ftpsfs@"
#define FTPS_PASSWORD_WAIT      300     /* seconds a prompt waits for the user */

/* What a login needs and where its password may come from. The strings
 * user, password and account are malloc'd (or NULL) and may be replaced
 * here; the caller frees them (ftps_wipe_free for the secrets). */
struct ftps_login {
	const char *host;               /* for the netrc entry and the prompt */
	char *user;                     /* NULL: none given (anonymous, or the netrc's) */
	char *password;                 /* set here */
	char *account;                  /* from the netrc's "account" */
	int password_stdin;             /* -o password_stdin */
	const char *password_file;      /* -o password_file, or NULL */
	const char *netrc;              /* -o netrc, or NULL for ~/.netrc */
};

/* Get the password (and perhaps the user and account) into o, in this order:
 *  1. password_stdin: one line from standard input (CR/LF stripped, at
 *     most FTPS_MAX_PASSWORD bytes; echo is turned off when stdin is a
 *     terminal);
 *  1b. password_file: its first line (CR/LF stripped, at most
 *     FTPS_MAX_PASSWORD bytes); the file must be a regular file that no
 *     one but its owner may read, write or run (mode & 077 == 0);
 *  2. the netrc file, else ~/.netrc: the machine entry for the host, else
 *     the default entry; an entry with a login must match the user when a
 *     user was given; with no user the entry's login becomes the user;
 *     a password in a netrc readable by others, or owned by someone else,
 *     is refused (as ftp(1) does);
 *  3. anonymous users (none, "anonymous" or "ftp"): FTPS_ANON_PASSWORD,
 *     without asking;
 *  4. a prompt on the controlling terminal (/dev/tty, echo off and restored
 *     on every exit path, including SIGINT/SIGTERM/SIGHUP/SIGQUIT);
 *  5. else an error.
 * Nothing is done when o->password is set. Returns 0 or -1 with one line in
 * err. Waits for the user at most FTPS_PASSWORD_WAIT seconds. */
int ftps_login_password(struct ftps_login *o, char *err, size_t errlen);

/* Why a password file with this status cannot be used ("is not a regular
 * file", "may be read or changed by others ..."), or NULL when it can. */
const char *ftps_password_file_refusal(const struct stat *st);

/* Wipe a secret string, then free it; NULL is fine. */
void ftps_wipe_free(char *s);
/* $HOME when it is an absolute path, else the passwd entry's, else NULL. */
const char *ftps_home_dir(void);

#endif
