/* text.h - making text from the server safe to print; one-line messages.
 *
 * A server's replies, names and messages end up in the log and on the
 * user's terminal (--probe, mount errors). A hostile one could send
 * escape sequences that rewrite the screen, or break a log line in two.
 * Everything it said goes through ftps_text_clean before it is shown.
 */
#ifndef FTPS_TEXT_H
#define FTPS_TEXT_H

#include <stddef.h>

/* Make buf (len bytes) safe to print on one line: a tab becomes a space,
 * every other control byte (C0, DEL, and the C1 controls U+0080..U+009F)
 * and every byte of broken UTF-8 a '?'. Valid UTF-8 stays as it is. */
void ftps_text_clean(char *buf, size_t len);

/* Copy s for a message: at most len - 1 bytes, control characters shown
 * as '?', so that a message stays on one line. s may be NULL. */
void ftps_text_shown(char *dst, size_t len, const char *s);

/* Write a message into err (nothing when err is NULL or errlen 0). */
void ftps_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
