/* password.h - where the password comes from, once the options are good.
 *
 * Kept apart from the option parser, which is pure: this part reads
 * standard input, files and the terminal, turns echo off and catches
 * signals to turn it back on.
 */
#ifndef FTPSFS_PASSWORD_H
#define FTPSFS_PASSWORD_H

#include <stddef.h>
#include <sys/stat.h>
#include "options.h"

#define FTPSFS_MAX_PASSWORD       1024    /* bytes, from stdin, netrc or a prompt */
#define FTPSFS_ANON_PASSWORD      "ftpsfs@"
#define FTPSFS_PASSWORD_WAIT      300     /* seconds a prompt waits for the user */

/* Get the password (and perhaps the user and account) into o, in this order:
 *  1. -o password_stdin: one line from standard input (CR/LF stripped, at
 *     most FTPSFS_MAX_PASSWORD bytes; echo is turned off when stdin is a
 *     terminal);
 *  1b. -o password_file=FILE: its first line (CR/LF stripped, at most
 *     FTPSFS_MAX_PASSWORD bytes); the file must be a regular file that
 *     no one but its owner may read, write or run (mode & 077 == 0); the
 *     parser made sure a user was given;
 *  2. -o netrc=FILE, else ~/.netrc: the machine entry for the host, else
 *     the default entry; an entry with a login must match the user when a
 *     user was given; with no user the entry's login becomes the user;
 *     a password in a netrc readable by others, or owned by someone else,
 *     is refused (as ftp(1) does);
 *  3. anonymous users (none, "anonymous" or "ftp"): FTPSFS_ANON_PASSWORD,
 *     without asking;
 *  4. a prompt on the controlling terminal (/dev/tty, echo off and restored
 *     on every exit path, including SIGINT/SIGTERM/SIGHUP/SIGQUIT);
 *  5. else an error.
 * o must come from a successful ftpsfs_opts_parse. Returns 0 or -1 with one
 * line in err. Waits for the user at most FTPSFS_PASSWORD_WAIT seconds. */
int ftpsfs_get_password(struct ftpsfs_opts *o, char *err, size_t errlen);

/* Why a password file with this status cannot be used ("is not a regular
 * file", "may be read or changed by others ..."), or NULL when it can. */
const char *ftpsfs_password_file_refusal(const struct stat *st);

#endif
