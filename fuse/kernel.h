/* kernel.h - telling the kernel that what it caches about a path is stale.
 *
 * The kernel keeps a file's attributes (its size above all) for the
 * attribute timeout. Some come from us, some it makes up itself: after a
 * write or a truncate through an open file it believes the new size. When
 * the upload at close then fails, the server still has the old version,
 * and the kernel, left alone, would go on showing the size that never
 * reached it - and cut reads short at it. These calls make it ask again.
 *
 * Notifications go out from a thread of their own: sent from inside a
 * request, one can wait on a lock that the request itself holds.
 */
#ifndef FTPSFS_KERNEL_H
#define FTPSFS_KERNEL_H

struct fuse;

/* Start the notifier for this mount (after fuse_daemonize: a thread does
 * not survive the fork). 0 or -errno; without it nothing is sent. */
int ftpsfs_kernel_start(struct fuse *fuse);
/* Stop it (the FUSE loop has ended); notifications pending are dropped. */
void ftpsfs_kernel_stop(void);
/* The kernel's attributes and cached pages of path (in the mount) are
 * stale. Never blocks; when too many are pending, the oldest is dropped
 * (the attribute timeout still ends it). */
void ftpsfs_kernel_stale(const char *path);

#endif
