/* sock.c - TCP sockets with deadlines (see sock.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"
#include "log.h"

int64_t ftps_deadline(int timeout_ms)
{
	return ftps_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
}

int ftps_sock_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - ftps_now_ms();
		struct pollfd pfd = { .fd = fd, .events = events };
		int n;

		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n == 0) {
			if (ftps_now_ms() >= deadline)
				return 0;
			continue;
		}
		if (errno != EINTR)
			return -1;
	}
}

int ftps_sock_send_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = ftps_sock_wait(fd, POLLOUT, deadline);
			if (w > 0)
				continue;
			if (w == 0)
				return -2;
		}
		if (n == 0)
			errno = EPIPE;
		return -1;
	}
	return 0;
}

ssize_t ftps_sock_recv(int fd, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		int w = ftps_sock_wait(fd, POLLIN, deadline);
		if (w == 0)
			return -2;
		if (w < 0)
			return -1;
	}
}

socklen_t ftps_sockaddr_len(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                 : sizeof(struct sockaddr_in);
}

const char *ftps_sockaddr_str(const struct sockaddr_storage *sa, int with_port,
                              char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		if (with_port)
			snprintf(buf, buflen, "[%s]:%u", host, port);
		else
			snprintf(buf, buflen, "%s", host);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		if (with_port)
			snprintf(buf, buflen, "%s:%u", host, port);
		else
			snprintf(buf, buflen, "%s", host);
	}
	return buf;
}

int ftps_sockaddr_same_host(const struct sockaddr_storage *a,
                            const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr,
		              sizeof(struct in6_addr)) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void connect_failed(const struct sockaddr_storage *ss, int soerr, struct ftps_status *st)
{
	char name[80];

	ftps_sockaddr_str(ss, 1, name, sizeof(name));
	ftps_fail(st, soerr == ECONNREFUSED ? FTPS_E_REFUSED :
	              (soerr == ENETUNREACH || soerr == EHOSTUNREACH) ? FTPS_E_REFUSED :
	              FTPS_E_IO, 0,
	          "cannot connect to %s: %s", name, strerror(soerr));
}

int ftps_sock_connect_begin(const struct sockaddr *sa, socklen_t salen, struct ftps_status *st)
{
	int fd, one = 1, soerr;
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen < sizeof(ss) ? salen : sizeof(ss));
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || set_nonblock(fd) < 0) {
		ftps_fail(st, FTPS_E_IO, 0, "socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, sa, salen) == 0 || errno == EINPROGRESS)
		return fd;
	soerr = errno;
	close(fd);
	connect_failed(&ss, soerr, st);
	return -1;
}

/* Wait for fd's connect to end: 0 connected, 1 timed out, -1 failed with
 * the reason in *soerr. */
static int connect_wait(int fd, int64_t deadline, int *soerr)
{
	socklen_t len = sizeof(*soerr);

	*soerr = 0;
	switch (ftps_sock_wait(fd, POLLOUT, deadline)) {
	case 0:
		return 1;
	case -1:
		*soerr = errno;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, soerr, &len) < 0)
		*soerr = errno;
	return *soerr ? -1 : 0;
}

int ftps_sock_connect_end(int fd, int64_t deadline, struct ftps_status *st)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int soerr, rc;

	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == 0)
		return 0;       /* connected already */
	if ((rc = connect_wait(fd, deadline, &soerr)) == 0)
		return 0;
	close(fd);
	if (rc > 0)
		ftps_fail(st, FTPS_E_TIMEOUT, 0, "connecting a data connection timed out");
	else
		ftps_fail(st, soerr == ECONNREFUSED ? FTPS_E_REFUSED : FTPS_E_IO, 0,
		          "cannot connect a data connection: %s", strerror(soerr));
	return -1;
}

int ftps_sock_connect_addr(const struct sockaddr *sa, socklen_t salen,
                           int64_t deadline, struct ftps_status *st)
{
	char name[80];
	struct sockaddr_storage ss;
	int fd = ftps_sock_connect_begin(sa, salen, st), soerr, rc;

	if (fd < 0 || (rc = connect_wait(fd, deadline, &soerr)) == 0)
		return fd;
	close(fd);
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen < sizeof(ss) ? salen : sizeof(ss));
	if (rc < 0) {
		connect_failed(&ss, soerr, st);
		return -1;
	}
	ftps_sockaddr_str(&ss, 1, name, sizeof(name));
	ftps_fail(st, FTPS_E_TIMEOUT, 0, "connecting to %s timed out", name);
	return -1;
}

int ftps_sock_connect_host(const char *host, uint16_t port, int64_t deadline,
                           struct sockaddr_storage *peer,
                           struct sockaddr_storage *local,
                           struct ftps_status *st)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL, *ai;
	char portstr[8];
	int rc, fd = -1;

	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) {
		/* AI_ADDRCONFIG hides ::1 when only loopback has IPv6: retry without. */
		hints.ai_flags = 0;
		rc = getaddrinfo(host, portstr, &hints, &res);
	}
	if (rc != 0)
		return ftps_fail(st, FTPS_E_RESOLVE, 0, "cannot resolve host '%s': %s",
		                 host, gai_strerror(rc)), -1;

	for (ai = res; ai; ai = ai->ai_next) {
		fd = ftps_sock_connect_addr(ai->ai_addr, ai->ai_addrlen, deadline, st);
		if (fd >= 0) {
			socklen_t l = sizeof(*local);
			memset(peer, 0, sizeof(*peer));
			memcpy(peer, ai->ai_addr, ai->ai_addrlen);
			if (getsockname(fd, (struct sockaddr *)local, &l) < 0)
				memset(local, 0, sizeof(*local));
			break;
		}
		ftps_debug("%s", st ? st->msg : "connect failed");
		if (ftps_now_ms() >= deadline)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

int ftps_sock_listen(const struct sockaddr_storage *like, uint16_t lo, uint16_t hi,
                     struct sockaddr_storage *bound, struct ftps_status *st)
{
	struct sockaddr_storage sa = *like;
	unsigned span = (lo && hi >= lo) ? (unsigned)(hi - lo) + 1 : 1;
	unsigned start = span > 1 ? (unsigned)(ftps_now_ms() % span) : 0;
	int fd = -1, err = 0;

	for (unsigned i = 0; i < span; i++) {
		uint16_t port = lo ? (uint16_t)(lo + (start + i) % span) : 0;
		socklen_t l = sizeof(*bound);

		if (sa.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&sa)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&sa)->sin_port = htons(port);
		fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return ftps_fail(st, FTPS_E_IO, 0, "socket: %s", strerror(errno)), -1;
		if (bind(fd, (struct sockaddr *)&sa, ftps_sockaddr_len(&sa)) == 0 &&
		    listen(fd, 1) == 0 && set_nonblock(fd) == 0 &&
		    getsockname(fd, (struct sockaddr *)bound, &l) == 0)
			return fd;
		err = errno;
		close(fd);
		fd = -1;
		if (err != EADDRINUSE)
			break;
	}
	ftps_fail(st, FTPS_E_IO, 0, "cannot listen for an active data connection%s: %s",
	          lo ? " in the active_ports range" : "", strerror(err));
	return -1;
}

int ftps_sock_accept(int lfd, const struct sockaddr_storage *expect,
                     int64_t deadline, struct ftps_status *st)
{
	for (int tries = 0; tries < 16; tries++) {
		struct sockaddr_storage from;
		socklen_t l = sizeof(from);
		char name[80];
		int fd, rc = ftps_sock_wait(lfd, POLLIN, deadline);

		if (rc == 0)
			return ftps_fail(st, FTPS_E_RETRY, 0,
			                 "the server did not open the active data connection in time "
			                 "(a firewall or NAT in between? try passive mode)"), -1;
		if (rc < 0)
			return ftps_fail(st, FTPS_E_IO, 0, "poll: %s", strerror(errno)), -1;
		fd = accept4(lfd, (struct sockaddr *)&from, &l, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return ftps_fail(st, FTPS_E_IO, 0, "accept: %s", strerror(errno)), -1;
		}
		if (ftps_sockaddr_same_host(&from, expect)) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		ftps_warn("refused an active data connection from %s: not the server's address",
		          ftps_sockaddr_str(&from, 1, name, sizeof(name)));
		close(fd);
	}
	return ftps_fail(st, FTPS_E_IO, 0, "too many foreign active data connections"), -1;
}
