/* reader.h - streamed reads of one open file.
 *
 * open starts nothing. The first read starts RETR (with REST when the
 * offset is not 0) on a pooled connection; later reads consume the same
 * stream. The kernel's readahead sends several reads at once, slightly out
 * of order, so a reader keeps a window of the file in memory: a little
 * behind the stream (for reads that arrive late) and whatever it had to
 * read to reach a read slightly ahead. Only a real jump cancels the stream
 * (cleanly: the control connection stays in step) and restarts it at the
 * new offset. Memory per open file is bounded by READER_BUF_MAX.
 *
 * A stream holds a transfer connection. When every transfer connection is
 * held, a reader that needs one waits in line (the pool serves transfers
 * in order, up to the timeout); meanwhile the pool asks for the connection
 * of a reader idle for a while (its stream is cancelled; it restarts on its
 * next read), so programs that keep many files open and read them in turn
 * cannot deadlock the pool.
 */
#ifndef FTPS_READER_H
#define FTPS_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ftps_err.h"

struct ftps_engine;
struct ftps_reader;

/* size: the file's size when known (-1 when not): reads past it return 0
 * without asking the server. */
struct ftps_reader *ftps_reader_new(struct ftps_engine *eng, const char *remote, int64_t size);
/* Read up to len bytes at off: bytes read (0 at EOF) or -errno. */
ssize_t ftps_reader_read(struct ftps_reader *r, char *buf, size_t len, off_t off);
/* The file is size bytes now, more than the reader was told: reads go on
 * to there (a file that grows on the server while it is open, as a log
 * does). A smaller size is ignored: the reads find it out themselves. */
void ftps_reader_grow(struct ftps_reader *r, int64_t size);
/* One more reference (a read in progress while the owner may let go). */
void ftps_reader_hold(struct ftps_reader *r);
/* Drop a reference; the last one cancels any stream and frees. */
void ftps_reader_free(struct ftps_reader *r);

/* Wait until the streams cancelled in the background are drained and
 * their connections back in the pool (at unmount, before the pool goes;
 * each drain is bounded by the timeout). */
void ftps_reader_drains_wait(void);
/* The pool's reclaim hook: cancel the stream of the reader idle longest
 * (arg: the struct ftps_engine). 1 when a connection was given back. */
int ftps_reader_reclaim(void *arg);

#endif
