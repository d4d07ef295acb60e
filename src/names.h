/* names.h - changes to the namespace on the server: mkdir, rmdir, unlink,
 * rename, chmod and utimens, for paths the caller checked
 * (ftps_fs_check_path). Each returns 0 or -errno and tells the metadata
 * layer what it learnt; open files at the paths concerned follow (file.h).
 */
#ifndef FTPS_NAMES_H
#define FTPS_NAMES_H

#include <sys/types.h>
#include <time.h>
#include "fs.h"

int ftps_ns_mkdir(struct ftps_fs *fs, const char *path, mode_t mode);
int ftps_ns_rmdir(struct ftps_fs *fs, const char *path);
int ftps_ns_unlink(struct ftps_fs *fs, const char *path);
/* flags: RENAME_NOREPLACE or 0 (RENAME_EXCHANGE is EINVAL). */
int ftps_ns_rename(struct ftps_fs *fs, const char *from, const char *to, unsigned int flags);
int ftps_ns_chmod(struct ftps_fs *fs, const char *path, mode_t mode);
/* tv as utimensat(2) takes it (NULL: now). */
int ftps_ns_utimens(struct ftps_fs *fs, const char *path, const struct timespec tv[2]);

#endif
