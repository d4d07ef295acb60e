/* stat_list.h - a folder's listing read from a STAT reply (RFC 959).
 *
 * "STAT path" answers on the control connection, with no data connection,
 * in a multi-line reply whose body is the folder's listing in LIST format
 * (vsftpd, ProFTPD and pure-ftpd). Measured on the test bed's servers:
 *
 *   vsftpd 3.0.3     213-Status follows:\r\n  ls -l lines  213 End of status\r\n
 *   ProFTPD 1.3.8    212-Status of /dir:\r\n  " " + ls -l lines  212 End of status\r\n
 *   pure-ftpd 1.0.50 213-STAT\r\n  ls -l lines  213 End.\r\n
 *
 * Pure code, like reply.c: bytes in any chunking, no sockets. It frames the
 * reply by RFC 959's rules (only "CODE " with the first line's code ends
 * it; "212-...", "213 x" under a 212, lines of digits are body text) and
 * stops right after the last byte of the reply, so what follows stays in
 * the caller's buffer. The body is kept (one leading blank of each line
 * dropped: ProFTPD's indent) up to the reply bounds of ftps_limits.h; a
 * bigger body is framed to its end but not kept (over), so the caller
 * lists that folder over a data connection instead.
 *
 * A name holding a line end would end a line early, and "x\n213 End of
 * status" would end the reply early. A server that ends its first line
 * with CRLF and a later one with a bare LF is showing such a name:
 * bare_lf says so, and the caller must treat the connection as out of step.
 *
 * "STAT -a" of a folder shows its "." on all three; of a file, the file's
 * line; of nothing, nothing (vsftpd) or 450 (ProFTPD). has_dot tells a
 * folder's listing from the others.
 */
#ifndef FTPS_STAT_LIST_H
#define FTPS_STAT_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "ftps_limits.h"
#include "listing.h"
#include "reply.h"          /* FTPS_REPLY_MORE, _DONE, _ERROR */

struct ftps_stat_reply {
	int code;               /* the first line's code (0 until it came) */
	int multiline;          /* the first line was "CODE-" */
	int done;               /* the last line came */
	int crlf;               /* the first line ended with CRLF */
	int bare_lf;            /* ... and a later one with LF alone */
	int over;               /* the body went over the bounds: not kept */
	int has_dot;            /* a kept line is a folder's "." ("d... .") */
	size_t lines;           /* body lines seen (kept or not) */
	size_t kept;            /* body lines kept */
	uint64_t bytes;         /* bytes of the whole reply so far */
	const char *errmsg;     /* static text once framing failed */
	char line[FTPS_MAX_LINE + 2];
	size_t linelen;
	int overlong;           /* dropping the rest of an overlong body line */
	size_t bodylen;
	char body[FTPS_MAX_REPLY_BYTES + 1];  /* kept lines, each ending in '\n' */
};

void ftps_stat_reply_init(struct ftps_stat_reply *p);

/* Consume bytes; *consumed says how many were used (all unless the reply
 * ended early). Returns FTPS_REPLY_MORE, FTPS_REPLY_DONE or
 * FTPS_REPLY_ERROR (errmsg: the first line is not a reply, or the reply
 * is longer than FTPS_MAX_LISTING_BYTES); an error is sticky. */
int ftps_stat_reply_feed(struct ftps_stat_reply *p, const char *buf, size_t len,
                         size_t *consumed);

/* Parse the kept body as LIST lines and pass each good entry to cb (see
 * listing.h; "." and ".." are dropped there). Returns the listing
 * parser's value: 0, or the callback's non-zero value. *entries and
 * *skipped (either may be NULL) say how many lines gave entries and how
 * many were not understood. */
int ftps_stat_reply_entries(const struct ftps_stat_reply *p, time_t now, ftps_entry_cb cb,
                            void *arg, size_t *entries, size_t *skipped);

#endif
