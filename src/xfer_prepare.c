/* xfer_prepare.c - a data connection prepared ahead.
 *
 * EPSV may go out ahead of the transfer it is for, in a group of commands
 * sent anyway (the size check after an upload) or when a connection has
 * nothing else to do (after a cancelled read): its data connection is
 * then connected, or connecting, when the next transfer on that control
 * connection comes, which sends only its REST and command - a round trip
 * less. The port stays the server's until a transfer command or another
 * EPSV, PASV or PORT uses it up, whatever comes in between. A prepared
 * connection found closed, or refused by the server (425), is dropped and
 * the transfer set up afresh; only transfers that may go out with EPSV
 * (xfer_send_ahead) use one, so the command harms nothing either way. The TLS
 * session it resumes is still its own control connection's. */
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>

#include "xfer_int.h"
#include "sock.h"
#include "addr.h"

void xfer_epsv_refused(struct ftps_conn *c, int code)
{
	if (code == 229 || !xfer_refused_as_unknown(code))
		return;
	ftps_debug("EPSV refused (%d); using PASV", code);
	ftps_server_learn(c->srv, FTPS_FACT_NO_EPSV);
}

int xfer_can_prepare(const struct ftps_conn *c)
{
	return !c->has_prep && c->state == CONN_READY && xfer_send_ahead(c, 0, 0, 1);
}

void xfer_drop_prepared(struct ftps_conn *c)
{
	if (!c->has_prep)
		return;
	close(c->prep_fd);
	c->has_prep = 0;
	c->prep_fd = -1;
}

void xfer_prepared_port(struct ftps_conn *c, uint16_t port)
{
	struct sockaddr_storage to = c->peer;
	int fd;

	xfer_drop_prepared(c);
	xfer_set_port(&to, port);
	fd = ftps_sock_connect_begin((struct sockaddr *)&to, ftps_sockaddr_len(&to), NULL);
	if (fd < 0)
		return;
	c->prep_fd = fd;
	c->has_prep = 1;
}

ftps_err ftps_data_prepare(struct ftps_conn *c, struct ftps_status *st)
{
	const struct ftps_reply *r;
	uint16_t port;
	ftps_err e;

	if (!xfer_can_prepare(c))
		return FTPS_OK;
	if ((e = ftps_command(c, &r, st, "EPSV")) != FTPS_OK)
		return e;
	if (r->code == 229 && ftps_parse_epsv(r->text, &port) == 0)
		xfer_prepared_port(c, port);
	else
		xfer_epsv_refused(c, r->code);
	return FTPS_OK;
}

/* The prepared data connection, connected, for x; -1 when there is none
 * or it is no good (closed by the server while it waited). */
int xfer_take_prepared(struct ftps_conn *c, int64_t deadline)
{
	int fd = c->prep_fd;

	if (!c->has_prep)
		return -1;
	c->has_prep = 0;
	c->prep_fd = -1;
	if (ftps_sock_connect_end(fd, deadline, NULL) != 0)
		return -1;              /* closed by connect_end */
	/* The server never speaks first: anything to read is its close. */
	if (ftps_sock_wait(fd, POLLIN, ftps_now_ms()) != 0) {
		ftps_debug("the data connection prepared ahead was closed by the server");
		close(fd);
		return -1;
	}
	return fd;
}
