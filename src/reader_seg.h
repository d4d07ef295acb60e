/* reader_seg.h - segmented reads: a sequential read of a large file whose
 * one stream is slow is read ahead in ranges on other connections.
 *
 * When a server caps each connection (vsftpd's local_max_rate, ProFTPD's
 * TransferRate, many hosting providers) or the link is long and fat, one
 * stream is slower than the link. After the first SEG_PROBE bytes of a
 * stream, if the stream delivered slower than SEG_SLOW_BPS while the
 * reader waited for it, the reader reads ahead: up to -o segments=N
 * workers each take the next range (RETR with REST, read to the range's
 * end, then ABOR), on spare connections only (ftps_pool_get_spare: never
 * ahead of a request in line, never the last free connection). The reader
 * takes the ranges in order; its own stream covers what no worker fetched
 * (a range that failed, or the part before the first range) and stops at
 * the next range.
 *
 * Rules kept: a range cut short resumes with REST on its connection or is
 * left to the reader's own stream, never used short. Each range is
 * checked against the size from the listing (SIZE after it; EOF at the
 * end of the file): a file whose size changes during the read fails with
 * one clear error instead of mixing versions. Memory per open file: at
 * most SEG_SLOTS ranges of SEG_RANGE bytes (24 MiB), on top of the
 * reader's window.
 *
 * Every function takes NULL as "not segmenting" and does nothing. All but
 * ftps_seg_workers_wait are called with the reader's lock held.
 */
#ifndef FTPS_READER_SEG_H
#define FTPS_READER_SEG_H

#include <stddef.h>
#include <stdint.h>
#include "ftps.h"

struct ftps_engine;
struct ftps_seg;

/* NULL when segmenting is off (-o segments=0/1), the size is unknown or
 * the file too small to gain from it. */
struct ftps_seg *ftps_seg_new(struct ftps_engine *eng, const char *remote, int64_t size);
/* Stop the workers (they end on their own) and free. */
void ftps_seg_free(struct ftps_seg *s);
/* The reader's stream (re)starts at off after a jump or a failure: ranges
 * ahead are dropped; the decision to segment is taken again. */
void ftps_seg_reset(struct ftps_seg *s, uint64_t off);
/* The file grew to size (ftps_reader_grow): ranges ahead are planned to
 * there from now on, and none still running is kept. */
void ftps_seg_grow(struct ftps_seg *s, uint64_t size);
/* ftps_xfer_read on the reader's own stream, whose next byte is at, timed
 * for the decision to segment. */
ftps_err ftps_seg_stream_read(struct ftps_seg *s, struct ftps_xfer *x, uint64_t at,
                              void *buf, size_t len, size_t *got, struct ftps_status *st);
/* A run found the file changed on the server: every later read of this
 * open file fails (EIO), or the kernel, asking again for the pages whose
 * readahead failed, would get them from the new version after the old
 * one's. */
int ftps_seg_changed(const struct ftps_seg *s);
/* Ranges are being read ahead (off is before the end of the file). */
int ftps_seg_active(const struct ftps_seg *s);
/* Take bytes at off from the ranges: 1 with *got > 0, 0 when no range
 * holds off (the reader's own stream must fetch it), -1 with *err set
 * (the file changed, or the wait ran out). Waits for a range in flight. */
int ftps_seg_take(struct ftps_seg *s, uint64_t off, void *dst, size_t len, size_t *got,
                  ftps_err *err, struct ftps_status *st);
/* len, cut so that a stream of the reader's own at off stops at the next
 * range. */
size_t ftps_seg_limit(const struct ftps_seg *s, uint64_t off, size_t len);
/* Wait until every worker has ended and given its connection back (at
 * unmount, before the pool goes; each is bounded by the timeout). */
void ftps_seg_workers_wait(void);

#endif
