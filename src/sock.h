/* sock.h - TCP sockets with deadlines: connect to every address of a host,
 * wait for readiness, listen and accept for active mode.
 *
 * Every socket is non-blocking; every wait takes a deadline from
 * ftps_deadline(), so no call can block longer than the caller allows.
 */
#ifndef FTPS_SOCK_H
#define FTPS_SOCK_H

#include <stdint.h>
#include <sys/socket.h>
#include "ftps_err.h"
#include "retry.h"      /* ftps_now_ms */

/* ftps_now_ms() + timeout_ms. */
int64_t ftps_deadline(int timeout_ms);

/* Wait until fd is ready for events (POLLIN/POLLOUT) or the deadline
 * passes. Returns 1 when ready, 0 on timeout, -1 on error (errno). */
int ftps_sock_wait(int fd, short events, int64_t deadline);
/* Plain-socket I/O, the one loop for control and data connections alike
 * (TLS goes through tls.c). Both wait for the socket until the deadline;
 * they return -2 when it passed, -1 with errno for any other failure (a
 * TCP timeout of the kernel's own, ETIMEDOUT, included). */
/* Send all of buf: 0, -1 or -2. */
int ftps_sock_send_all(int fd, const void *buf, size_t len, int64_t deadline);
/* Receive up to len bytes: how many (0 at the end of the stream), -1 or -2. */
ssize_t ftps_sock_recv(int fd, void *buf, size_t len, int64_t deadline);

/* Resolve host and connect to each address in turn, each try bounded by
 * the deadline. On success returns the fd and fills peer/local. */
int ftps_sock_connect_host(const char *host, uint16_t port, int64_t deadline,
                           struct sockaddr_storage *peer,
                           struct sockaddr_storage *local,
                           struct ftps_status *st);

/* Connect to one address. Returns the fd or -1 (st filled). */
int ftps_sock_connect_addr(const struct sockaddr *sa, socklen_t salen,
                           int64_t deadline, struct ftps_status *st);

/* Start connecting to one address without waiting: the fd (connecting)
 * or -1 (st filled). ftps_sock_connect_end waits for it: 0 connected, -1
 * failed (the fd closed, st filled). */
int ftps_sock_connect_begin(const struct sockaddr *sa, socklen_t salen, struct ftps_status *st);
int ftps_sock_connect_end(int fd, int64_t deadline, struct ftps_status *st);

/* Listen on the local address like (its port ignored), on a port in
 * lo..hi (0,0 = any). Returns the fd and the bound address in bound. */
int ftps_sock_listen(const struct sockaddr_storage *like, uint16_t lo, uint16_t hi,
                     struct sockaddr_storage *bound, struct ftps_status *st);

/* Accept one connection whose address equals the host part of expect
 * (port ignored); others are closed and logged. Returns the fd or -1. */
int ftps_sock_accept(int lfd, const struct sockaddr_storage *expect,
                     int64_t deadline, struct ftps_status *st);

/* "127.0.0.1:21" / "[::1]:21" into buf; with_port = 0 leaves the port out. */
const char *ftps_sockaddr_str(const struct sockaddr_storage *sa, int with_port,
                              char *buf, size_t buflen);
/* True when both have the same address (ports ignored). */
int ftps_sockaddr_same_host(const struct sockaddr_storage *a,
                            const struct sockaddr_storage *b);
socklen_t ftps_sockaddr_len(const struct sockaddr_storage *sa);

#endif
