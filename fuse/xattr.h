/* xattr.h - extended attributes, read-only, and the statistics report.
 *
 *  - On the mount's root, user.ftpsfs.NAME for each statistic of the
 *    core (src/stats.h: connections, TLS resumption, bytes, uploads,
 *    retries, the last error, the server), plus the two the daemon knows
 *    (uploads pending, files kept in the spool), and user.ftpsfs.all with
 *    every one, "NAME: VALUE" a line each.
 *  - On a file, user.checksum.ALGO (crc32, md5, sha1, sha256, sha512),
 *    answered by the server's HASH or X-command where it offers ALGO
 *    (ENODATA where it does not), in lower-case hex, kept per version of
 *    the file (its path, size and modification time).
 *  - SIGUSR1 writes the statistics to the log. The signal is blocked in
 *    every thread (ftpsfs_xattr_block_signal, first thing in main, so
 *    threads made later inherit it) and taken by sigwait in a thread of
 *    its own: no work in a signal handler, and no system call elsewhere
 *    interrupted by it.
 * None of them is listed (listxattr is an empty list): they are computed,
 * not stored, and cp -a, rsync -X, tar --xattrs, restic and borg copy what
 * is listed. A listed checksum had the server read every file they copied
 * five times, and left a value on the copy that its next change belies.
 * Nothing can be set or removed: FTP keeps no attributes (ENOTSUP).
 * Outside the user namespace (security.*, system.*, trusted.*) there is
 * no support at all, and getxattr of a name there is ENOTSUP, not
 * ENODATA: GNU ls (up to coreutils 9.4), which asks every file for its
 * SELinux label and ACL, stops asking a device once it said so. With
 * ENODATA those two questions were two round trips to the daemon per
 * file, which the kernel does not cache: most of the time of "ls -l" in
 * a cached folder.
 */
#ifndef FTPSFS_XATTR_H
#define FTPSFS_XATTR_H

#include <stddef.h>
#include "mount.h"

#define FTPSFS_XATTR_STATS "user.ftpsfs."
#define FTPSFS_XATTR_SUM "user.checksum."

/* Block SIGUSR1 in the calling thread (and so in the threads it makes). */
void ftpsfs_xattr_block_signal(void);
/* The checksum cache and the SIGUSR1 thread; 0 or -1 (then neither:
 * checksums are asked every time, and SIGUSR1 stays blocked). */
int ftpsfs_xattr_start(struct ftpsfs *fs);
void ftpsfs_xattr_stop(struct ftpsfs *fs);

/* getxattr as FUSE wants it: the length (size 0: the room needed), or
 * -errno (-ERANGE when size is too small). */
int ftpsfs_xattr_get(struct ftpsfs *fs, const char *path, const char *name, char *value,
                     size_t size);
/* 1 when name is one of ours (a statistic on the root, a checksum the
 * server can answer elsewhere): removing it is ENOTSUP, not ENODATA. */
int ftpsfs_xattr_ours(struct ftpsfs *fs, const char *path, const char *name);

/* Write the statistics to the log ("stats: NAME: VALUE" lines). */
void ftpsfs_stats_log(struct ftpsfs *fs);

#endif
