/* url.h - parsing the mount's URL (and, at the end, the hex digits and
 * the certificate pin that other mount inputs share).
 *
 *   ftpes://[user@]host[:port][/path]   explicit TLS (AUTH TLS), port 21
 *   ftps://[user@]host[:port][/path]    implicit TLS, port 990
 *   [user@]host[:port][/path]           explicit TLS, port 21
 *   ftp://[user@]host[:port][/path]     plain FTP (needs -o plaintext)
 *
 * IPv6 literals in brackets: ftpes://[::1]:2121/pub. The user part is
 * percent-decoded; a password in the URL (user:pass@) is refused, since
 * passwords never belong on a command line. The path is percent-decoded,
 * normalised (no "//", no trailing '/', "." and ".." resolved without
 * leaving "/") and always starts with '/'.
 */
#ifndef FTPS_URL_H
#define FTPS_URL_H

#include <stddef.h>
#include <stdint.h>

enum ftps_security {
	FTPS_SEC_EXPLICIT = 0,  /* AUTH TLS on a plain connection */
	FTPS_SEC_IMPLICIT,      /* TLS from the first byte */
	FTPS_SEC_PLAIN,         /* no TLS at all */
};

struct ftps_url {
	enum ftps_security security;
	char *user;             /* NULL when not given */
	char *host;             /* without brackets */
	uint16_t port;
	char *path;             /* "/" at least */
};

/* Parse s into *u (allocating its strings). On error returns -1 and writes
 * a one-line reason into err. */
int ftps_url_parse(const char *s, struct ftps_url *u, char *err, size_t errlen);
void ftps_url_free(struct ftps_url *u);

/* "ftpes://user@host:port/path" with brackets for IPv6, for messages and
 * the mount's source name. Returns buf. */
const char *ftps_url_format(const struct ftps_url *u, char *buf, size_t buflen);

/* The value of one hex digit (either case), or -1 for any other char. */
int ftps_hexval(char c);

/* A certificate pin, the SHA-256 of the server's DER certificate, as the
 * user writes it: 64 hex digits, either case, optionally after "SHA256:"
 * (any case) and optionally with ':' between byte pairs, as
 * "SHA256:AB:CD:..." (what --probe prints) or "abcd...". A colon first,
 * last or doubled, a digit pair split by a colon, and anything but exactly
 * 32 bytes are refused. Returns 0 and fills out, or -1 leaving out as it
 * was (also for a NULL s or out). */
int ftps_parse_fingerprint(const char *s, unsigned char out[32]);

#endif
