/* addr.h - the addresses in PASV, EPSV, PORT and EPRT (RFC 959, RFC 2428).
 *
 * Pure code. The server's text is not trusted: every number is range
 * checked and the caller decides whether to use the address at all.
 */
#ifndef FTPS_ADDR_H
#define FTPS_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the numbers may appear
 * anywhere in the text, with or without parentheses. Port 0 is an error. */
int ftps_parse_pasv(const char *text, uint8_t ip[4], uint16_t *port);

/* "229 Entering Extended Passive Mode (|||port|)": any delimiter in
 * 33..126 used consistently. Port 0 is an error. */
int ftps_parse_epsv(const char *text, uint16_t *port);

/* "PORT h1,h2,h3,h4,p1,p2" argument for an IPv4 address and port. */
int ftps_format_port(const struct sockaddr *sa, char *buf, size_t buflen);

/* "EPRT |1|addr|port|" or "|2|addr|port|" argument. */
int ftps_format_eprt(const struct sockaddr *sa, char *buf, size_t buflen);

/* Where an IPv4 address is reachable from: the same host, a link, a
 * private network, the shared address space of carrier NAT, or anywhere.
 * A PASV reply's address is only followed (-o pasv_addr) within the
 * control connection's scope: a server cannot send us to a machine on our
 * side of the network. */
enum ftps_scope {
	FTPS_SCOPE_LOOPBACK = 0,    /* 127/8 */
	FTPS_SCOPE_LINK,            /* 169.254/16 */
	FTPS_SCOPE_PRIVATE,         /* 10/8, 172.16/12, 192.168/16 */
	FTPS_SCOPE_SHARED,          /* 100.64/10 */
	FTPS_SCOPE_GLOBAL,
};
enum ftps_scope ftps_ipv4_scope(const uint8_t ip[4]);

#endif
