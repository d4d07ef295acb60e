/* password.h - where the password comes from, once the options are good.
 *
 * Kept apart from the option parser, which is pure: this part reads
 * standard input, files and the terminal, turns echo off and catches
 * signals to turn it back on.
 */
#ifndef FTPSFS_PASSWORD_H
#define FTPSFS_PASSWORD_H

#include <stddef.h>
#include "options.h"

#define FTPSFS_MAX_PASSWORD       1024    /* bytes, from stdin, netrc or a prompt */
#define FTPSFS_ANON_PASSWORD      "ftpsfs@"
#define FTPSFS_PASSWORD_WAIT      300     /* seconds a prompt waits for the user */

/* Get the password (and perhaps the user and account) into o, in this order:
 *  1. -o password_stdin: one line from standard input (CR/LF stripped, at
 *     most FTPSFS_MAX_PASSWORD bytes; echo is turned off when stdin is a
 *     terminal);
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

#endif
