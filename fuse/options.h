/* options.h - the daemon's command line: one table of options over one struct.
 *
 *   ftpsfs [options] URL MOUNTPOINT
 *   ftpsfs --probe [options] URL
 *
 * The option names are the interface users and tests rely on; `ftpsfs -h`
 * lists them all with their defaults (ftpsfs_opts_usage), and the man page
 * is made from the same rows (ftpsfs_opts_man). Parsing is pure:
 * it never reads stdin or a terminal, never exits and prints nothing of its
 * own (libfuse may print a line about its own errors). Getting the password
 * is a separate step (ftpsfs_get_password, below: the core's login.h does
 * the reading), done by the daemon once the options are known to be good.
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
#include "engine.h"     /* enum ftps_verify: -o verify= */

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
	char *password_file;    /* -o password_file=FILE: its first line */
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
	unsigned prefetch;      /* folders listed ahead at once, 0 = off */
	unsigned segments;      /* ranges one slow sequential read fetches at once */
	enum ftps_listing_mode listing;
	uid_t uid;              /* owner shown for every file (default: ours) */
	gid_t gid;
	mode_t umask;           /* cleared from the modes the server reports (default 0) */
	char *spool_dir;        /* default: $XDG_CACHE_HOME/ftpsfs, ~/.cache/ftpsfs
	                         * or /var/tmp/ftpsfs-UID (filled in by the parser) */
	int atomic;             /* upload to a temporary name, then rename (default 1) */
	int writeback;          /* close() returns once the data are in the spool; the
	                         * upload runs in the background (default 0) */
	enum ftps_verify verify;
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

/* Get the password (and perhaps the user and account from the netrc) into
 * o, from where the options say, in the order of ftps_login_password
 * (src/login.h). o must come from a successful ftpsfs_opts_parse; the
 * parser made sure -o password_file came with a user. Returns 0 or -1 with
 * one line in err. */
int ftpsfs_get_password(struct ftpsfs_opts *o, char *err, size_t errlen);

/* Fill cfg (after ftps_config_init) from o. cfg points into o, so o must
 * outlive cfg. Logs the warnings for -o insecure and -o plaintext, so the
 * daemon should set the log level (o->loglevel) first. Checks that a cafile
 * is readable. Returns 0 or -1 with one line in err. */
int ftpsfs_opts_to_config(const struct ftpsfs_opts *o, struct ftps_config *cfg,
                          char *err, size_t errlen);

/* The usage text: every ftpsfs option with its default. */
void ftpsfs_opts_usage(FILE *f, const char *prog);
/* The same options as a man page's list: a .TP entry per row, in roff,
 * then the fstab noise. Defaults known only at run time (uid, gid,
 * spool_dir) are described rather than shown. */
void ftpsfs_opts_man(FILE *f);
/* Full -h output on stdout: ftpsfs_opts_usage, then libfuse's own options
 * (fuse_cmdline_help and fuse_lib_help(args)). */
void ftpsfs_opts_print_help(struct fuse_args *args);
/* -V output: ftpsfs, libfuse and OpenSSL versions. */
void ftpsfs_opts_print_version(FILE *f);

/* ---- the table ----
 *
 * One row per option drives all there is to know about it: what fuse_opt
 * matches, how the value is checked and stored, its default (set before
 * parsing), the line for a bad value, its -h line and its man entry. */

enum ftpsfs_opt_kind {
	FTPSFS_OPT_FLAG,        /* "name", or a switch "-h": sets an int field to 1 */
	FTPSFS_OPT_TEXT,        /* "name=TEXT": not empty, and valid() if given */
	FTPSFS_OPT_PATH,        /* "name=PATH": not empty */
	FTPSFS_OPT_UNSIGNED,    /* "name=N": digits only, in base, lo <= N <= hi */
	FTPSFS_OPT_ENUM,        /* "name=WORD": one of choices; its value is stored */
	FTPSFS_OPT_CUSTOM,      /* "name=...": parse() checks and stores */
	FTPSFS_OPT_DROP,        /* fstab noise for mount(8): accepted and dropped */
};

struct ftpsfs_opt_choice {
	const char *name;
	int value;              /* not negative */
};

/* In the texts, {range} stands for "lo..hi" (in base), {values} for the
 * names of the choices ("a, b or c") and {default} for the default. */
struct ftpsfs_opt_row {
	const char *name;       /* as fuse_opt matches it: "insecure", "timeout=", "-h" */
	const char *alias;      /* a second spelling ("--help"), or NULL */
	enum ftpsfs_opt_kind kind;
	size_t off, size;       /* the field in struct ftpsfs_opts (CUSTOM: the first
	                         * of those parse() fills) */
	unsigned long lo, hi;   /* UNSIGNED */
	int base;               /* UNSIGNED: 10, or 8 for a mode */
	unsigned long def;      /* UNSIGNED, ENUM: the default */
	unsigned long (*def_num)(void);         /* UNSIGNED: a default known at run time */
	void (*def_str)(char *buf, size_t len); /* PATH: a default known at run time */
	const struct ftpsfs_opt_choice *choices;        /* ENUM: ends with a NULL name */
	int (*lookup)(const char *s);   /* ENUM: reads the name instead of choices, -1 unknown */
	int (*valid)(const char *s);    /* TEXT: 1 when s will do */
	int (*parse)(struct ftpsfs_opts *o, const char *s);     /* CUSTOM: 0, or -1 refused */
	const char *metavar;    /* the value in -h ("N", "FILE"); an ENUM's names by default */
	const char *expected;   /* what a bad value is told to be; by default {range},
	                         * {values}, or "a path" */
	const char *def_text;   /* {default} when the value does not say it; for a default
	                         * known at run time, what the man page says instead */
	const char *help;       /* the -h text, '\n' where its line breaks */
	int late;               /* UNSIGNED: left 0 until the other options are read,
	                         * then def, or what def_text says (finish_parse) */
};

/* Every row, in the order -h lists them; *n gets their number. */
const struct ftpsfs_opt_row *ftpsfs_opts_rows(size_t *n);

#endif
