/* url.c - the mount's URL: [scheme://][user@]host[:port][/path].
 *
 * The URL comes from the user's command line or fstab, so the errors are
 * for a person: each says what is wrong and, where there is one, what to
 * write instead. Decisions:
 *
 * - The user part ends at the *last* '@' of the authority, so hosting
 *   logins like "me@example.org@ftp.example.org" work without %40.
 * - "user:password@" is refused, not ignored: a password on a command line
 *   shows in ps and in shell history.
 * - '?' and '#' are ordinary path characters (file names may hold them);
 *   this is a mount source, not a browser URL.
 * - The path is percent-decoded first and normalised after, so "%2e%2e"
 *   is resolved like ".." and can never climb above "/"; "%2F" is a '/'.
 * - Control characters (CR, LF, %00, %0d, %0a, ESC, ...) are refused
 *   anywhere, raw or encoded: they would end up in FTP commands or logs.
 * - Host names are checked loosely (letters, digits, '-', '.', '_', and
 *   bytes >= 0x80 for UTF-8 IDN names); the resolver has the last word.
 *
 * The hex digit helper and the certificate pin parser (-o fingerprint=,
 * ftps-cli --fingerprint) live here too: they read mount inputs the same
 * way, and the fuzz and unit builds already link this file.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ftps_limits.h"
#include "path.h"
#include "url.h"

#define URL_MAX_USER  256
#define URL_MAX_HOST  255
/* Long enough for anything ftps_url_format writes (every byte %-encoded). */
#define URL_MAX_LEN   ((FTPS_MAX_PATH + URL_MAX_USER + URL_MAX_HOST) * 3 + 64)

/* Write a one-line reason into err; returns -1 for "return fail(...)". */
static int fail(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char MSG_CTL[] =
	"control characters (CR, LF, NUL, ...) are not allowed in the URL";

/* Percent-decode [s, s+len) into a new string. Returns NULL with *why set
 * on bad encoding, a control character, or no memory. */
static char *pct_decode(const char *s, size_t len, const char **why)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (out == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi = len - i >= 3 ? ftps_hexval(s[i + 1]) : -1;
			int lo = len - i >= 3 ? ftps_hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*why = "bad percent-encoding in the URL (expected %XX with two hex digits)";
				free(out);
				return NULL;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (is_ctl(c)) {
			*why = MSG_CTL;
			free(out);
			return NULL;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
}

/* "ftpes://" and friends. *rest is set past "://"; no scheme at all means
 * explicit TLS. Returns 0 or -1 with a message. */
static int parse_scheme(const char *s, const char **rest, enum ftps_security *sec,
                        char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum ftps_security sec;
	} schemes[] = {
		{ "ftpes", FTPS_SEC_EXPLICIT },
		{ "ftps", FTPS_SEC_IMPLICIT },
		{ "ftp", FTPS_SEC_PLAIN },
	};
	const char *p = s;
	size_t n;

	/* RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) then "://" */
	if (is_alpha(*p)) {
		p++;
		while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.')
			p++;
	}
	if (p == s || strncmp(p, "://", 3) != 0) {
		*sec = FTPS_SEC_EXPLICIT;
		*rest = s;
		return 0;
	}
	n = (size_t)(p - s);
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		if (strlen(schemes[i].name) == n && strncasecmp(s, schemes[i].name, n) == 0) {
			*sec = schemes[i].sec;
			*rest = p + 3;
			return 0;
		}
	}
	if (err != NULL && errlen > 0) {
		const char *hint = "";
		if (n == 4 && strncasecmp(s, "sftp", 4) == 0)
			hint = " (sftp is SSH, not FTP: use sshfs for it)";
		snprintf(err, errlen, "unsupported URL scheme '%.*s://'%s: use ftpes:// "
		         "(explicit TLS), ftps:// (implicit TLS) or ftp:// (plain)",
		         n > 20 ? 20 : (int)n, s, hint);
	}
	return -1;
}

/* The user part, [s, s+len): refuse a password, decode, check. */
static int parse_user(const char *s, size_t len, struct ftps_url *u,
                      char *err, size_t errlen)
{
	const char *why = NULL;

	if (memchr(s, ':', len) != NULL)
		return fail(err, errlen, "a password in the URL (user:password@host) is not "
		            "accepted: use -o password_stdin or ~/.netrc");
	if (len == 0)
		return fail(err, errlen, "empty user name before '@' in the URL");
	if (len > URL_MAX_USER * 3)
		return fail(err, errlen, "user name in the URL is too long");
	u->user = pct_decode(s, len, &why);
	if (u->user == NULL)
		return fail(err, errlen, why);
	if (u->user[0] == '\0' || strlen(u->user) > URL_MAX_USER)
		return fail(err, errlen, "user name in the URL is empty or too long");
	return 0;
}

/* 1..65535, decimal digits only, [s, s+len). */
static int parse_port(const char *s, size_t len, uint16_t *port,
                      char *err, size_t errlen)
{
	unsigned long v = 0;

	if (len == 0)
		return fail(err, errlen, "missing port number after ':' in the URL");
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return fail(err, errlen, "the port in the URL must be a number "
			            "(1-65535), with nothing after it but the path");
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return fail(err, errlen, "port number out of range (1-65535)");
	}
	if (v == 0)
		return fail(err, errlen, "port number out of range (1-65535)");
	*port = (uint16_t)v;
	return 0;
}

/* "[v6addr]" or "[fe80::1%25eth0]" at s (s[0] == '['); *after is set past ']'. */
static int parse_ipv6(const char *s, size_t len, const char **after,
                      struct ftps_url *u, char *err, size_t errlen)
{
	const char *close = memchr(s, ']', len);
	char addr[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;
	const char *zone;
	size_t alen, zlen = 0;

	if (close == NULL)
		return fail(err, errlen, "missing ']' after the IPv6 address in the URL");
	alen = (size_t)(close - s - 1);
	zone = memchr(s + 1, '%', alen);
	if (zone != NULL) {
		/* RFC 6874 writes the zone as "%25eth0"; accept a bare "%eth0" too. */
		const char *z = zone + 1;
		const char *zend = close;
		if (zend - z >= 2 && z[0] == '2' && z[1] == '5')
			z += 2;
		zlen = (size_t)(zend - z);
		if (zlen == 0 || zlen > 64)
			return fail(err, errlen, "bad IPv6 zone in the URL");
		for (size_t i = 0; i < zlen; i++)
			if (!is_alpha(z[i]) && !is_digit(z[i]) && z[i] != '-' &&
			    z[i] != '_' && z[i] != '.')
				return fail(err, errlen, "bad IPv6 zone in the URL");
		alen = (size_t)(zone - s - 1);
		zone = z;
	}
	if (alen == 0 || alen >= sizeof addr)
		return fail(err, errlen, "bad IPv6 address in the URL");
	memcpy(addr, s + 1, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return fail(err, errlen, "bad IPv6 address in the URL");
	u->host = malloc(alen + (zone != NULL ? 1 + zlen : 0) + 1);
	if (u->host == NULL)
		return fail(err, errlen, "out of memory");
	memcpy(u->host, addr, alen);
	if (zone != NULL) {
		u->host[alen] = '%';
		memcpy(u->host + alen + 1, zone, zlen);
		alen += 1 + zlen;
	}
	u->host[alen] = '\0';
	*after = close + 1;
	return 0;
}

/* A host name or IPv4 address, [s, s+len). */
static int parse_hostname(const char *s, size_t len, struct ftps_url *u,
                          char *err, size_t errlen)
{
	if (len == 0)
		return fail(err, errlen, "no host name in the URL");
	if (len > URL_MAX_HOST)
		return fail(err, errlen, "host name in the URL is too long");
	if (s[0] == '-')
		return fail(err, errlen, "host name must not start with '-'");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_alpha((char)c) || is_digit((char)c) || c == '-' || c == '.' ||
		    c == '_' || c >= 0x80)
			continue;
		if (is_ctl(c))
			return fail(err, errlen, MSG_CTL);
		return fail(err, errlen, "invalid character in the host name "
		            "(IPv6 addresses go in brackets: ftpes://[::1]:21/)");
	}
	u->host = strndup(s, len);
	if (u->host == NULL)
		return fail(err, errlen, "out of memory");
	return 0;
}

/* host[:port] or [v6]:port, [s, s+len). */
static int parse_hostport(const char *s, size_t len, struct ftps_url *u,
                          char *err, size_t errlen)
{
	const char *end = s + len;
	const char *p = NULL;

	if (len > 0 && s[0] == '[') {
		if (parse_ipv6(s, len, &p, u, err, errlen) != 0)
			return -1;
		if (p == end)
			return 0;
		if (*p != ':')
			return fail(err, errlen, "unexpected text after ']' in the URL "
			            "(expected ':port' or '/path')");
		return parse_port(p + 1, (size_t)(end - p - 1), &u->port, err, errlen);
	}
	p = memchr(s, ':', len);
	if (p != NULL && memchr(p + 1, ':', (size_t)(end - p - 1)) != NULL)
		return fail(err, errlen, "IPv6 addresses in a URL go in brackets: "
		            "ftpes://[::1]:21/");
	if (parse_hostname(s, p != NULL ? (size_t)(p - s) : len, u, err, errlen) != 0)
		return -1;
	if (p == NULL)
		return 0;
	return parse_port(p + 1, (size_t)(end - p - 1), &u->port, err, errlen);
}

/* Decode and normalise the path [s, s+len) ("" means "/"). */
static int parse_path(const char *s, size_t len, struct ftps_url *u,
                      char *err, size_t errlen)
{
	const char *why = NULL;
	char *dec = pct_decode(s, len, &why);
	char *out;
	size_t n = 0;
	const char *p;

	if (dec == NULL)
		return fail(err, errlen, why);
	out = malloc(strlen(dec) + 2);
	if (out == NULL) {
		free(dec);
		return fail(err, errlen, "out of memory");
	}
	/* Each component: skip empty and ".", pop on "..", else append. */
	for (p = dec; *p != '\0';) {
		size_t c;

		while (*p == '/')
			p++;
		c = strcspn(p, "/");
		if (c == 0)
			break;
		if (c == 1 && p[0] == '.') {
			/* nothing */
		} else if (c == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;            /* the '/' before the popped name */
		} else {
			out[n++] = '/';
			memcpy(out + n, p, c);
			n += c;
		}
		p += c;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(dec);
	if (ftps_path_ok(out) != 0) {
		free(out);
		return fail(err, errlen, "the path in the URL is too long");
	}
	u->path = out;
	return 0;
}

int ftps_url_parse(const char *s, struct ftps_url *u, char *err, size_t errlen)
{
	const char *auth, *slash, *at;
	size_t alen;

	if (u == NULL)
		return fail(err, errlen, "internal error: no URL structure");
	memset(u, 0, sizeof *u);
	if (s == NULL || s[0] == '\0')
		return fail(err, errlen, "empty URL");
	if (strnlen(s, URL_MAX_LEN + 1) > URL_MAX_LEN)
		return fail(err, errlen, "URL too long");
	for (const char *p = s; *p != '\0'; p++)
		if (is_ctl((unsigned char)*p))
			return fail(err, errlen, MSG_CTL);

	if (parse_scheme(s, &auth, &u->security, err, errlen) != 0)
		return -1;
	slash = strchr(auth, '/');
	alen = slash != NULL ? (size_t)(slash - auth) : strlen(auth);

	/* The last '@' of the authority ends the user part. */
	at = NULL;
	for (size_t i = alen; i > 0; i--) {
		if (auth[i - 1] == '@') {
			at = auth + i - 1;
			break;
		}
	}
	if (at != NULL) {
		if (parse_user(auth, (size_t)(at - auth), u, err, errlen) != 0)
			goto bad;
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	u->port = u->security == FTPS_SEC_IMPLICIT ? 990 : 21;
	if (parse_hostport(auth, alen, u, err, errlen) != 0)
		goto bad;
	if (parse_path(slash != NULL ? slash : "", slash != NULL ? strlen(slash) : 0,
	               u, err, errlen) != 0)
		goto bad;
	return 0;
bad:
	ftps_url_free(u);
	return -1;
}

void ftps_url_free(struct ftps_url *u)
{
	if (u == NULL)
		return;
	free(u->user);
	free(u->host);
	free(u->path);
	u->user = u->host = u->path = NULL;
}

/* ---- Formatting ---- */

struct out {
	char *buf;
	size_t cap, len;        /* len < cap always; buf[len] == '\0' */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->cap) {
		o->buf[o->len++] = c;
		o->buf[o->len] = '\0';
	}
}

static void out_str(struct out *o, const char *s)
{
	for (; *s != '\0'; s++)
		out_char(o, *s);
}

/* Append s, %-encoding '%', space, controls and the characters in special,
 * so that parsing the result gives s back. */
static void out_encoded(struct out *o, const char *s, const char *special)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '%' || c == ' ' || is_ctl(c) || strchr(special, c) != NULL) {
			out_char(o, '%');
			out_char(o, hex[c >> 4]);
			out_char(o, hex[c & 0xF]);
		} else {
			out_char(o, (char)c);
		}
	}
}

const char *ftps_url_format(const struct ftps_url *u, char *buf, size_t buflen)
{
	static const char *const scheme[] = {
		[FTPS_SEC_EXPLICIT] = "ftpes://",
		[FTPS_SEC_IMPLICIT] = "ftps://",
		[FTPS_SEC_PLAIN] = "ftp://",
	};
	struct out o = { buf, buflen, 0 };
	char port[8];

	if (buf == NULL || buflen == 0)
		return buf;
	buf[0] = '\0';
	if (u == NULL || u->host == NULL)
		return buf;
	out_str(&o, (unsigned)u->security <= FTPS_SEC_PLAIN ? scheme[u->security] : "ftpes://");
	if (u->user != NULL) {
		out_encoded(&o, u->user, "@:/");
		out_char(&o, '@');
	}
	if (strchr(u->host, ':') != NULL) {     /* IPv6, zone as "%25zone" */
		out_char(&o, '[');
		out_encoded(&o, u->host, "");
		out_char(&o, ']');
	} else {
		out_str(&o, u->host);
	}
	snprintf(port, sizeof port, ":%u", (unsigned)u->port);
	out_str(&o, port);
	out_encoded(&o, u->path != NULL ? u->path : "/", "");
	return buf;
}

/* ---- hex digits and certificate pins ---- */

int ftps_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ftps_parse_fingerprint(const char *s, unsigned char out[32])
{
	unsigned char fp[32];
	size_t n = 0;

	if (s == NULL || out == NULL)
		return -1;
	if (strncasecmp(s, "SHA256:", 7) == 0)
		s += 7;
	while (*s) {
		int hi, lo;

		/* a colon only between two pairs: none first, last or doubled */
		if (*s == ':') {
			if (n == 0 || s[1] == '\0' || s[1] == ':')
				return -1;
			s++;
		}
		hi = ftps_hexval(s[0]);
		lo = hi >= 0 ? ftps_hexval(s[1]) : -1;
		if (hi < 0 || lo < 0 || n == sizeof(fp))
			return -1;
		fp[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	if (n != sizeof(fp))
		return -1;
	memcpy(out, fp, sizeof(fp));
	return 0;
}
