/* replies.h - what the replies to SIZE, MDTM, MLST and HASH (and its
 * X-command cousins) say, read from their text.
 *
 * Pure code: reply.c frames a reply, these read its meaning. Each takes the
 * whole text of a reply as struct ftps_reply holds it (every line with its
 * code, joined with '\n') and its length; the text need not end in a NUL,
 * and none of them reads past text + len. A NUL inside the text is a byte
 * like any other, one that no number, digest or name accepts (reply.c never
 * leaves one in a reply). The caller checks the reply code first; these
 * only read the text of a reply that has the expected code.
 *
 * Each returns 0, or -1 when the text is unusable; then the outputs are
 * untouched, except the entry of ftps_parse_mlst_reply.
 */
#ifndef FTPS_REPLIES_H
#define FTPS_REPLIES_H

#include <stddef.h>
#include <stdint.h>
#include "listing.h"

/* "213 1234": the first number after the code, spaces and '-' skipped;
 * what follows it is ignored. Refused: no digit there, over 2^64-1. */
int ftps_parse_size_reply(const char *text, size_t len, uint64_t *size);

/* "213 YYYYMMDDHHMMSS[.fff]" (RFC 3659), UTC, seconds since the epoch.
 * The time starts right after "213 " and runs over digits and dots; what
 * follows it is ignored. Refused: a date or time that does not exist. */
int ftps_parse_mdtm_reply(const char *text, size_t len, int64_t *mtime);
/* The other way, for MFMT and MDTM with a time: "YYYYMMDDHHMMSS" (UTC)
 * into out (15 bytes at least). -1 for a time before 1970 or after 9999. */
int ftps_format_mdtm(int64_t mtime, char *out, size_t outlen);

/* The multi-line 250 reply to MLST (RFC 3659 7.2):
 *
 *   250-Start of list for /dir/name
 *    type=file;size=3;modify=20240102030405; /dir/name
 *   250 End of list
 *
 * The first line after the first that starts with a space is the fact
 * line; its name, a full path, becomes its last component ("/" becomes
 * "root") and the line is parsed as ftps_parse_mlsx_line does. e is
 * filled as that fills it: a symlink's target may be malloc'd into
 * e->link_target (free it with ftps_entry_clear), and e is overwritten
 * even when the reply is refused. Refused: no fact line, or one
 * ftps_parse_mlsx_line skips. */
int ftps_parse_mlst_reply(const char *text, size_t len, struct ftps_entry *e);

/* HASH (draft-bryan-ftpext-hash), its last line (ProFTPD first sends
 * "213-Computing ..."):
 *
 *   213 SHA-256 0-49 169cd22282da7f147cb491e559e9dd filename
 *
 * The digest is the third space-separated field; the algorithm and range
 * are not looked at. It goes into out in lower case, NUL-terminated.
 * Refused: fewer than 8 hex digits, or as many as outlen or more. */
int ftps_parse_hash_reply(const char *text, size_t len, char *out, size_t outlen);

/* XCRC, XMD5, XSHA1, XSHA256, XSHA512: "250 0123abcd" or "213 0123abcd"
 * (some add the file name after), on the last line. The digest starts
 * after the code and its spaces; out and the refusals as for HASH. */
int ftps_parse_xhash_reply(const char *text, size_t len, char *out, size_t outlen);

#endif
