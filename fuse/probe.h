/* probe.h - ftpsfs --probe. */
#ifndef FTPSFS_PROBE_H
#define FTPSFS_PROBE_H

#include "ftps.h"

/* Connect, print diagnostics and list path twice. Returns the exit code. */
int ftpsfs_probe(const struct ftps_config *cfg, struct ftps_tls *tls, const char *path);

#endif
