/* download.c - whole files into the spool (see download.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statvfs.h>

#include "download.h"
#include "retry.h"
#include "sock.h"

#define IO_CHUNK (256 * 1024)

/* A download into the spool may run a little past the size the listing
 * showed (the file grew since), but not without bound. */
#define DOWNLOAD_MARGIN(size) ((uint64_t)(size) / 8 + 16ULL * 1024 * 1024)
/* Free space left on the spool's disk while downloading into it. */
#define DOWNLOAD_RESERVE (64ULL * 1024 * 1024)

static int spool_has_room_for(int fd, uint64_t more)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) != 0)
		return 1;
	return (uint64_t)sv.f_bavail * sv.f_frsize >= more + DOWNLOAD_RESERVE;
}

/* One RETR from off into fd; *off advances with what was written. */
static ftps_err download_once(struct ftps_engine *eng, const char *remote, int fd, uint64_t *off,
                              int64_t expect, int exact, char *buf, int *local_err,
                              struct ftps_status *st)
{
	uint64_t limit = expect < 0 ? UINT64_MAX
	                 : exact ? (uint64_t)expect : (uint64_t)expect + DOWNLOAD_MARGIN(expect);
	uint64_t checked = *off;
	struct ftps_conn *c;
	struct ftps_xfer *x;
	ftps_err e = ftps_pool_get(eng->pool, FTPS_USE_XFER, &c, st);

	if (e != FTPS_OK)
		return e;
	e = ftps_retr_start(c, remote, *off, &x, st);
	while (e == FTPS_OK) {
		size_t got = 0;
		if ((e = ftps_xfer_read(x, buf, IO_CHUNK, &got, st)) != FTPS_OK) {
			ftps_xfer_abort(x, NULL);
			break;
		}
		if (got == 0) {
			e = ftps_xfer_finish(x, st);
			/* Every byte the listing promised arrived: whatever ended
			 * the stream (no close_notify, a reset), it is complete. */
			if (e == FTPS_E_RETRY && expect >= 0 && *off == (uint64_t)expect &&
			    ftps_conn_usable(c))
				e = FTPS_OK;
			/* A stream that ends short of the listed size: cut short
			 * (the server still has the listed size: go on from here),
			 * the file shrank (it has what came), or it is being
			 * rewritten (another size: reading on would mix two
			 * versions). SIZE says which. */
			if (e == FTPS_OK && expect >= 0 && *off < (uint64_t)expect) {
				uint64_t now_size = 0;
				e = ftps_size(c, remote, &now_size, st);
				if (e == FTPS_OK && now_size == (uint64_t)expect)
					e = ftps_fail(st, FTPS_E_RETRY, 0, "the data ended after %llu of "
					              "%lld bytes", (unsigned long long)*off, (long long)expect);
				else if (e == FTPS_OK && now_size != *off)
					e = ftps_fail(st, FTPS_E_IO, 0, "%s changed on the server during the "
					              "download (%llu bytes now, %lld when listed)", remote,
					              (unsigned long long)now_size, (long long)expect);
			}
			break;
		}
		if (*off + got > limit) {
			/* Past the limit nothing is written: beyond it the file may
			 * hold bytes of ours (an append's). */
			ftps_xfer_abort(x, NULL);
			e = ftps_fail(st, FTPS_E_IO, 0, exact
			              ? "the file is longer than the %lld bytes it had: it changed on "
			                "the server (stopped at %llu)"
			              : "the server sends more than the %lld bytes it listed (stopped "
			                "at %llu)", (long long)expect, (unsigned long long)(*off + got));
			break;
		}
		/* Room for the rest, checked every 64 MiB as it goes. */
		if (*off + got - checked >= 64ULL * 1024 * 1024 || checked == *off) {
			uint64_t rest = expect >= 0 && (uint64_t)expect > *off ? (uint64_t)expect - *off : got;
			checked = *off + got;
			if (!spool_has_room_for(fd, rest)) {
				ftps_xfer_abort(x, NULL);
				*local_err = ENOSPC;
				e = ftps_fail(st, FTPS_E_NOSPC, 0, "the spool folder is nearly full");
				break;
			}
		}
		if (pwrite(fd, buf, got, (off_t)*off) != (ssize_t)got) {
			*local_err = errno ? errno : ENOSPC;
			ftps_xfer_abort(x, NULL);
			e = ftps_fail(st, FTPS_E_IO, 0, "writing the spool: %s", strerror(*local_err));
			break;
		}
		*off += got;
	}
	ftps_pool_put(eng->pool, c, e);
	return e;
}

int64_t ftps_download_fd(struct ftps_engine *eng, const char *remote, int fd, int64_t expect,
                           int exact)
{
	struct ftps_status st = { 0 };
	struct ftps_retry retry;
	char *buf = malloc(IO_CHUNK);
	uint64_t off = 0;
	int local_err = 0, pause;
	ftps_err e;

	if (!buf)
		return -ENOMEM;
	/* A download cut by the network resumes where it stopped (REST), like
	 * a read, for as long as the timeout lasts. */
	ftps_retry_init(&retry, ftps_config_timeout_ms(eng->cfg), 0);
	for (;;) {
		e = download_once(eng, remote, fd, &off, expect, exact, buf, &local_err, &st);
		if (e == FTPS_OK || local_err || !ftps_err_retryable(e) ||
		    !ftps_retry_next(&retry, ftps_now_ms(), &pause))
			break;
		ftps_stats_add(ftps_pool_stats(eng->pool), FTPS_CTR_RETRIES, 1);
		ftps_info("download %s: %s; resuming at offset %llu", remote, st.msg,
		          (unsigned long long)off);
		ftps_retry_pause(pause);
	}
	free(buf);
	if (local_err) {
		ftps_error("%s: %s", remote, st.msg);
		return -local_err;
	}
	if (e != FTPS_OK)
		return ftps_err_report(e, &st, "download", remote);
	return (int64_t)off;
}
