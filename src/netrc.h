/* netrc.h - finding a login in .netrc text.
 *
 * Pure parser: text in, one entry out; no files, no globals. The grammar is
 * the one ftp(1) and curl read:
 *
 *   machine NAME   starts an entry for host NAME (matched exactly, without
 *                  regard to case)
 *   default        starts the entry used when no machine entry matches
 *   login NAME, password TEXT, account TEXT   fields of the current entry
 *   macdef NAME    a macro: its body runs up to the next empty line and is
 *                  skipped
 *
 * Tokens are separated by any whitespace. A token may be quoted with double
 * quotes ("two words"), and a backslash takes the next character literally,
 * inside quotes or not. A '#' at the start of an unquoted token comments out
 * the rest of the line. Unknown tokens are skipped.
 */
#ifndef FTPS_NETRC_H
#define FTPS_NETRC_H

#include <stddef.h>

#define FTPS_NETRC_MAX_TOKEN 4096   /* bytes in one token, after unquoting */

struct ftps_netrc_entry {
	int is_default;         /* came from the "default" entry */
	char *login;            /* malloc'd; NULL when the entry has none */
	char *password;         /* malloc'd, wiped by ftps_netrc_entry_clear */
	char *account;          /* malloc'd; NULL when absent */
};

/* Find the entry for host in text[0..len). When user is not NULL an entry
 * applies only if it has no login or its login equals user; the first
 * applicable machine entry wins, else the first applicable default entry.
 * Returns 1 and fills *out (owned by the caller), 0 when nothing applies,
 * -1 on a token longer than FTPS_NETRC_MAX_TOKEN or out of memory (with
 * a one-line reason in err; the reason never quotes a password). */
int ftps_netrc_find(const char *text, size_t len, const char *host,
                    const char *user, struct ftps_netrc_entry *out,
                      char *err, size_t errlen);

/* Wipe and free what an entry holds; the entry itself is the caller's. */
void ftps_netrc_entry_clear(struct ftps_netrc_entry *e);

#endif
