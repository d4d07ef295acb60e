/* upload_send.c - sending in the background (ftps_upload_background):
 * a thread of the upload's own sends the source's bytes as writes queue
 * them, at most LAG_MAX behind, so that writes do not wait for the
 * network.
 */
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>

#include "upload_int.h"

static void *sender_main(void *arg)
{
	struct ftps_upload *u = arg;
	struct ftps_status st = { 0 };
	char *buf = malloc(IO_CHUNK);
	ftps_err e = buf ? FTPS_OK : ftps_fail(&st, FTPS_E_NOMEM, 0, "out of memory");

	pthread_mutex_lock(&u->mu);
	while (e == FTPS_OK) {
		while (u->sent == u->queued && u->stop == GO_ON)
			pthread_cond_wait(&u->cv, &u->mu);
		if (u->stop == STOP_NOW || u->sent == u->queued)
			break;
		uint64_t off = u->sent;
		size_t n = u->queued - off < IO_CHUNK ? (size_t)(u->queued - off) : IO_CHUNK;
		pthread_mutex_unlock(&u->mu);
		e = upload_source_read(u, buf, n, off, &st);
		if (e == FTPS_OK)
			e = upload_send_chunk(u, buf, n, off, &st);
		pthread_mutex_lock(&u->mu);
		if (e == FTPS_OK)
			u->sent += n;
		pthread_cond_broadcast(&u->cv);
	}
	pthread_mutex_unlock(&u->mu);
	free(buf);
	if (e != FTPS_OK) {
		int rc = upload_errno(u, e, &st);
		pthread_mutex_lock(&u->mu);
		u->bg_rc = rc;
		pthread_cond_broadcast(&u->cv);
		pthread_mutex_unlock(&u->mu);
	}
	return NULL;
}

int ftps_upload_background(struct ftps_upload *u)
{
	int rc;

	if (u->src_fd < 0)
		return -EINVAL;
	u->queued = u->sent;
	u->stop = GO_ON;
	if ((rc = pthread_create(&u->sender, NULL, sender_main, u)) != 0)
		return -rc;
	u->background = 1;
	return 0;
}

int ftps_upload_queue(struct ftps_upload *u, const void *buf, size_t len)
{
	int rc;

	if (!u->background)
		return ftps_upload_write(u, buf, len);
	pthread_mutex_lock(&u->mu);
	if (!u->bg_rc) {
		u->queued += len;
		pthread_cond_broadcast(&u->cv);
		while (!u->bg_rc && u->queued - u->sent > LAG_MAX)
			pthread_cond_wait(&u->cv, &u->mu);
	}
	rc = u->bg_rc;
	pthread_mutex_unlock(&u->mu);
	return rc;
}

/* End the sender: once it sent everything queued, or at once. Returns its
 * failure, if any. */
int upload_sender_stop(struct ftps_upload *u, int how)
{
	if (!u->background)
		return 0;
	pthread_mutex_lock(&u->mu);
	u->stop = how;
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	pthread_join(u->sender, NULL);
	u->background = 0;
	return u->bg_rc;
}

int ftps_upload_drop_source(struct ftps_upload *u)
{
	int rc = upload_sender_stop(u, STOP_DRAINED);

	u->src_fd = -1;
	return rc;
}
