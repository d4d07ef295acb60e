/* options_int.h - what the option files (options.c, options_table.c,
 * options_text.c) share; not for the rest of the daemon.
 */
#ifndef FTPSFS_OPTIONS_INT_H
#define FTPSFS_OPTIONS_INT_H

#include <stddef.h>
#include "options.h"

/* ftps_seterr and ftps_text_shown (text.h), ftps_wipe_free and
 * ftps_home_dir (login.h) are the core's. */
#include "text.h"
#include "login.h"

/* Digits only (no sign, no spaces, no "0x") in base 10 or 8, within
 * [lo, hi]. Returns 0 with *out set, or -1. */
int ftpsfs_parse_uint(const char *s, int base, unsigned long lo, unsigned long hi,
                      unsigned long *out);

/* Row r's text t into buf, with {range}, {values} and {default} filled in
 * (see struct ftpsfs_opt_row). With man set, a default known only at run
 * time is described (def_text), not shown. */
void ftpsfs_opts_row_text(const struct ftpsfs_opt_row *r, const char *t, int man,
                          char *buf, size_t len);

#endif
