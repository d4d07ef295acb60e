/* options_int.h - what the option files (options.c, options_table.c,
 * options_text.c) and password.c share; not for the rest of the daemon.
 */
#ifndef FTPSFS_OPTIONS_INT_H
#define FTPSFS_OPTIONS_INT_H

#include <stddef.h>
#include "options.h"

/* Write a message into err (nothing when err is NULL or errlen 0). */
void ftpsfs_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy s for a message: at most len - 1 bytes, control characters shown
 * as '?', so that a message stays on one line. s may be NULL. */
void ftpsfs_sanitize(char *dst, size_t len, const char *s);
/* Wipe a secret string, then free it; NULL is fine. */
void ftpsfs_wipe_free(char *s);
/* $HOME when it is an absolute path, else the passwd entry's, else NULL. */
const char *ftpsfs_home_dir(void);

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
