/* options.h - the daemon's command line: one fuse_opt table over one struct.
 *
 *   ftpsfs [options] URL MOUNTPOINT
 *   ftpsfs --probe [options] URL
 *
 * The option names are the interface users and tests rely on; `ftpsfs -h`
 * lists them all with their defaults (ftpsfs_opts_usage). Parsing is pure:
 * it never reads stdin or a terminal, never exits and prints nothing of its
 * own (libfuse may print a line about its own errors). Getting the password
 * is a separate step (ftpsfs_get_password in password.h), done by the
 * daemon once the options are known to be good.
 *
 * Every message written into an err buffer is one line that starts with
 * "ftpsfs: " and has no newline, ready to be printed as it is.
 */
#ifndef FTPSFS_OPTIONS_H
#define FTPSFS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <fuse_opt.h>
#include "ftps.h"

/* Defaults (also shown by -h). */
#define FTPSFS_DEF_MAX_CONNS      4
#define FTPSFS_MAX_MAX_CONNS      64
#define FTPSFS_DEF_TIMEOUT        30      /* seconds */
#define FTPSFS_MAX_TIMEOUT        3600
#define FTPSFS_DEF_DIR_CACHE      60      /* seconds; 0 = off */
#define FTPSFS_MAX_DIR_CACHE      86400
#define FTPSFS_DEF_DIR_CACHE_MAX  200000  /* cached entries */
#define FTPSFS_MIN_DIR_CACHE_MAX  1000
#define FTPSFS_MAX_DIR_CACHE_MAX  10000000
#define FTPSFS_DEF_KEEPALIVE      60      /* seconds; 0 = off */
#define FTPSFS_MAX_KEEPALIVE      86400
#define FTPSFS_DEF_LOGLEVEL       FTPS_LOG_INFO

/* -o verify= : what is compared after an upload. */
enum ftpsfs_verify {
	FTPSFS_VERIFY_SIZE = 0, /* the server's SIZE (default) */
	FTPSFS_VERIFY_HASH,     /* SIZE and the strongest hash the server offers */
	FTPSFS_VERIFY_NONE,
};

/* -o chown= : what chown does when it would change the owner or group.
 * A chown that changes nothing always succeeds. */
enum ftpsfs_chown {
	FTPSFS_CHOWN_REFUSE = 0, /* EPERM (default) */
	FTPSFS_CHOWN_IGNORE,     /* succeed and do nothing */
};

struct ftpsfs_opts {
	/* Positional arguments. */
	char *url;              /* as given (never holds a password: refused) */
	char *mountpoint;       /* a copy; it is also left in args for libfuse */
	struct ftps_url u;      /* the parsed URL (after ftpsfs_opts_parse) */
	int url_parsed;

	/* Login. user is the effective user: -o user, else the URL's user,
	 * else (after ftpsfs_get_password) the login from .netrc; NULL means
	 * anonymous. password and account are filled by ftpsfs_get_password. */
	char *user;
	int password_stdin;
	char *netrc;            /* -o netrc=FILE; NULL = ~/.netrc */
	char *password;         /* never printed; wiped when freed */
	char *account;          /* from .netrc, for ACCT */

	/* TLS */
	char *cafile;
	int has_fingerprint;
	unsigned char fingerprint[32];
	int insecure;
	int plaintext;          /* allows ftp:// URLs */
	int tls_version;        /* -o tls=1.2|1.3: pins min and max; 0 = default */

	/* Data connections */
	int active;
	uint16_t active_port_lo, active_port_hi;   /* 0,0 = any */
	char *active_addr;      /* a numeric address */
	int pasv_addr;          /* use the 227 reply's address */

	/* Behaviour */
	unsigned max_conns;
	unsigned timeout;       /* seconds */
	unsigned dir_cache;     /* seconds, 0 = off */
	unsigned dir_cache_max; /* entries */
	unsigned keepalive;     /* seconds, 0 = off */
	enum ftps_listing_mode listing;
	uid_t uid;              /* owner shown for every file (default: ours) */
	gid_t gid;
	mode_t umask;           /* cleared from the modes the server reports (default 0) */
	char *spool_dir;        /* default: $XDG_CACHE_HOME/ftpsfs, ~/.cache/ftpsfs
	                         * or /var/tmp/ftpsfs-UID (filled in by the parser) */
	int atomic;             /* upload to a temporary name, then rename (default 1) */
	enum ftpsfs_verify verify;
	enum ftpsfs_chown chown_mode;
	enum ftps_loglevel loglevel;

	/* Modes */
	int probe;              /* --probe: connect, print diagnostics, exit */
	int show_help;          /* -h / --help seen: print help, exit 0 */
	int show_version;       /* -V / --version seen: print versions, exit 0 */

	/* Parser state (private). */
	int saw_fsname, saw_subtype;
	int saw_allow_other, saw_default_permissions;
	char *perr;             /* first error met inside the fuse_opt callback */
};

/* Parse the command line. On entry args holds argv as main received it; on
 * success it holds what libfuse must see: argv[0], the FUSE options (-f, -d,
 * -s, -o allow_other,ro, ...), the MOUNTPOINT, and "-osubtype=ftpsfs" and
 * "-ofsname=URL" (the URL with the effective user, escaped for fuse_opt)
 * unless the user gave them. The daemon passes args on to libfuse
 * (fuse_main or fuse_parse_cmdline + fuse_new), which reports unknown
 * options itself. ftps options and fstab noise (_netdev, auto, noauto, user,
 * users, nofail, defaults, comment=..., x-*) are removed.
 *
 * With -h or -V the positional arguments are not required; the caller
 * checks o->show_help / o->show_version first.
 *
 * Returns 0, or -1 with one line in err. o is always initialised, so
 * ftpsfs_opts_free(o) is right in both cases. Never reads stdin or a tty,
 * never exits. */
int ftpsfs_opts_parse(struct fuse_args *args, struct ftpsfs_opts *o,
                      char *err, size_t errlen);

/* Free (and wipe) everything o holds. */
void ftpsfs_opts_free(struct ftpsfs_opts *o);

/* The password is not got here: see ftpsfs_get_password in password.h. */

/* Fill cfg (after ftps_config_init) from o. cfg points into o, so o must
 * outlive cfg. Logs the warnings for -o insecure and -o plaintext, so the
 * daemon should set the log level (o->loglevel) first. Checks that a cafile
 * is readable. Returns 0 or -1 with one line in err. */
int ftpsfs_opts_to_config(const struct ftpsfs_opts *o, struct ftps_config *cfg,
                          char *err, size_t errlen);

/* The usage text: every ftpsfs option with its default. */
void ftpsfs_opts_usage(FILE *f, const char *prog);
/* Full -h output on stdout: ftpsfs_opts_usage, then libfuse's own options
 * (fuse_cmdline_help and fuse_lib_help(args)). */
void ftpsfs_opts_print_help(struct fuse_args *args);
/* -V output: ftpsfs, libfuse and OpenSSL versions. */
void ftpsfs_opts_print_version(FILE *f);

/* Small helpers password.c shares. */
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

#endif
