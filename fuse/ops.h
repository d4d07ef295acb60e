/* ops.h - the FUSE operations table (ops.c). Include it first: it sets
 * FUSE_USE_VERSION for the daemon. */
#ifndef FTPSFS_OPS_H
#define FTPSFS_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse.h>
#include "mount.h"

extern const struct fuse_operations ftpsfs_ops;

#endif
