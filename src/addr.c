/* addr.c - the addresses in PASV, EPSV, PORT and EPRT replies and commands.
 *
 * Replies as servers send them:
 *
 *   227 Entering Passive Mode (127,0,0,1,195,80).      vsftpd, ProFTPD
 *   227 Entering Passive Mode (127,0,0,1,195,80)       pure-ftpd
 *   227 =127,0,0,1,195,80                              RFC 1123 allows this
 *   229 Entering Extended Passive Mode (|||6446|)      everyone (RFC 2428)
 *
 * RFC 1123 (4.1.2.6) tells clients to scan the 227 text for the numbers
 * rather than expect parentheses, so that is what ftps_parse_pasv does. The
 * text is the server's and is not trusted: a number over 255, a fourth
 * digit, a sign, a seventh number or port 0 makes the whole reply invalid.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read 1..3 digits at *pp as a value 0..255; advance *pp. */
static int read_byte(const char **pp, unsigned *out)
{
	const char *p = *pp;
	unsigned v = 0;
	int n = 0;

	while (is_digit(*p) && n < 4) {
		v = v * 10 + (unsigned)(*p - '0');
		p++;
		n++;
	}
	if (n == 0 || n > 3 || v > 255)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* Try to read "h1,h2,h3,h4,p1,p2" starting exactly at p. */
static int pasv_at(const char *p, unsigned v[6])
{
	for (int i = 0; i < 6; i++) {
		if (i > 0) {
			if (*p != ',')
				return -1;
			p++;
			while (*p == ' ')       /* "(127, 0, 0, 1, 4, 1)" */
				p++;
		}
		if (read_byte(&p, &v[i]) != 0)
			return -1;
	}
	/* A seventh number, or more digits, means this was not the tuple. */
	if (*p == ',' || is_digit(*p))
		return -1;
	return 0;
}

/* Is p preceded by a ',' (with spaces between)? */
static int after_comma(const char *text, const char *p)
{
	while (p > text && p[-1] == ' ')
		p--;
	return p > text && p[-1] == ',';
}

int ftps_parse_pasv(const char *text, uint8_t ip[4], uint16_t *port)
{
	unsigned v[6];

	if (text == NULL || ip == NULL || port == NULL)
		return -1;
	/* The first place where a number starts (not in the middle of one, not
	 * after a sign) and six comma-separated bytes follow. */
	for (const char *p = text; *p != '\0'; p++) {
		if (!is_digit(*p))
			continue;
		if (p > text && (is_digit(p[-1]) || p[-1] == '-' || p[-1] == '+'))
			continue;
		if (after_comma(text, p))       /* inside a longer list */
			continue;
		if (pasv_at(p, v) != 0)
			continue;
		if (v[4] == 0 && v[5] == 0)
			return -1;
		for (int i = 0; i < 4; i++)
			ip[i] = (uint8_t)v[i];
		*port = (uint16_t)(v[4] * 256 + v[5]);
		return 0;
	}
	return -1;
}

/* Try "<d><d><d>port<d>" at p, where p[0] is the delimiter. RFC 2428 asks
 * for empty address fields in the reply, so "|2|::1|6446|" is refused. */
static int epsv_at(const char *p, uint16_t *port)
{
	char d = p[0];
	unsigned v = 0;
	int n = 0;

	if (d < 33 || d > 126 || is_digit(d))
		return -1;
	if (p[1] != d || p[2] != d)
		return -1;
	p += 3;
	while (is_digit(*p) && n < 6) {
		v = v * 10 + (unsigned)(*p - '0');
		p++;
		n++;
	}
	if (n == 0 || n > 5 || v == 0 || v > 65535 || *p != d)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int ftps_parse_epsv(const char *text, uint16_t *port)
{
	if (text == NULL || port == NULL)
		return -1;
	/* The usual form: "(|||port|)", the delimiter inside parentheses. */
	for (const char *p = strchr(text, '('); p != NULL; p = strchr(p + 1, '(')) {
		uint16_t v;
		const char *q = p + 1;

		if (*q == '\0' || epsv_at(q, &v) != 0)
			continue;
		/* skip "ddd", digits, "d": must close the parenthesis */
		q += 3;
		while (is_digit(*q))
			q++;
		if (q[1] != ')')
			continue;
		*port = v;
		return 0;
	}
	return -1;
}

/* The IPv4 address of sa, also when it is an IPv4-mapped IPv6 address
 * (a dual-stack socket connected to an IPv4 server). */
static int ipv4_of(const struct sockaddr *sa, struct in_addr *a, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		*a = sin->sin_addr;
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return -1;
		memcpy(&a->s_addr, &sin6->sin6_addr.s6_addr[12], 4);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -1;
}

int ftps_format_port(const struct sockaddr *sa, char *buf, size_t buflen)
{
	struct in_addr a;
	uint16_t port;
	const unsigned char *b;
	int n;

	if (sa == NULL || buf == NULL || buflen == 0)
		return -1;
	if (ipv4_of(sa, &a, &port) != 0)
		return -1;
	b = (const unsigned char *)&a.s_addr;
	n = snprintf(buf, buflen, "%u,%u,%u,%u,%u,%u", b[0], b[1], b[2], b[3],
	             (unsigned)(port >> 8), (unsigned)(port & 0xFF));
	if (n < 0 || (size_t)n >= buflen) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int ftps_format_eprt(const struct sockaddr *sa, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN];
	struct in_addr a;
	uint16_t port;
	int proto, n;

	if (sa == NULL || buf == NULL || buflen == 0)
		return -1;
	if (ipv4_of(sa, &a, &port) == 0) {
		proto = 1;
		if (inet_ntop(AF_INET, &a, host, sizeof host) == NULL)
			return -1;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		/* No "%zone": a scope id means nothing on the server's side. */
		proto = 2;
		port = ntohs(sin6->sin6_port);
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host) == NULL)
			return -1;
	} else {
		return -1;
	}
	n = snprintf(buf, buflen, "|%d|%s|%u|", proto, host, (unsigned)port);
	if (n < 0 || (size_t)n >= buflen) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

enum ftps_scope ftps_ipv4_scope(const uint8_t ip[4])
{
	if (ip[0] == 127)
		return FTPS_SCOPE_LOOPBACK;
	if (ip[0] == 169 && ip[1] == 254)
		return FTPS_SCOPE_LINK;
	if (ip[0] == 10 || (ip[0] == 172 && (ip[1] & 0xF0) == 16) ||
	    (ip[0] == 192 && ip[1] == 168))
		return FTPS_SCOPE_PRIVATE;
	if (ip[0] == 100 && (ip[1] & 0xC0) == 64)
		return FTPS_SCOPE_SHARED;
	return FTPS_SCOPE_GLOBAL;
}
