/* options.c - the daemon's command line.
 *
 * One fuse_opt table maps every ftpsfs option onto struct ftpsfs_opts.
 * Flags are set by libfuse directly; every option with a value goes
 * through opt_proc, so each value is checked (strtoul with a range, an
 * enum from a fixed list) and a bad one ends parsing with one line that
 * names the option. Options we do not know are left for libfuse.
 */
#define FUSE_USE_VERSION 31

#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include "options.h"

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_PROBE,
	KEY_USER,
	KEY_NETRC,
	KEY_CAFILE,
	KEY_FINGERPRINT,
	KEY_TLS,
	KEY_ACTIVE_PORTS,
	KEY_ACTIVE_ADDR,
	KEY_MAX_CONNS,
	KEY_TIMEOUT,
	KEY_KEEPALIVE,
	KEY_DIR_CACHE,
	KEY_DIR_CACHE_MAX,
	KEY_LISTING,
	KEY_UID,
	KEY_GID,
	KEY_UMASK,
	KEY_SPOOL_DIR,
	KEY_ATOMIC,
	KEY_VERIFY,
	KEY_CHOWN,
	KEY_LOGLEVEL,
};

#define FLAG(t, field) { t, offsetof(struct ftpsfs_opts, field), 1 }
#define DROP(t) FUSE_OPT_KEY(t, FUSE_OPT_KEY_DISCARD)

static const struct fuse_opt opt_table[] = {
	FLAG("password_stdin", password_stdin),
	FLAG("insecure", insecure),
	FLAG("plaintext", plaintext),
	FLAG("active", active),
	FLAG("pasv_addr", pasv_addr),
	FUSE_OPT_KEY("user=", KEY_USER),
	FUSE_OPT_KEY("netrc=", KEY_NETRC),
	FUSE_OPT_KEY("cafile=", KEY_CAFILE),
	FUSE_OPT_KEY("fingerprint=", KEY_FINGERPRINT),
	FUSE_OPT_KEY("tls=", KEY_TLS),
	FUSE_OPT_KEY("active_ports=", KEY_ACTIVE_PORTS),
	FUSE_OPT_KEY("active_addr=", KEY_ACTIVE_ADDR),
	FUSE_OPT_KEY("max_conns=", KEY_MAX_CONNS),
	FUSE_OPT_KEY("timeout=", KEY_TIMEOUT),
	FUSE_OPT_KEY("keepalive=", KEY_KEEPALIVE),
	FUSE_OPT_KEY("dir_cache=", KEY_DIR_CACHE),
	FUSE_OPT_KEY("dir_cache_max=", KEY_DIR_CACHE_MAX),
	FUSE_OPT_KEY("listing=", KEY_LISTING),
	FUSE_OPT_KEY("uid=", KEY_UID),
	FUSE_OPT_KEY("gid=", KEY_GID),
	FUSE_OPT_KEY("umask=", KEY_UMASK),
	FUSE_OPT_KEY("spool_dir=", KEY_SPOOL_DIR),
	FUSE_OPT_KEY("atomic=", KEY_ATOMIC),
	FUSE_OPT_KEY("verify=", KEY_VERIFY),
	FUSE_OPT_KEY("chown=", KEY_CHOWN),
	FUSE_OPT_KEY("loglevel=", KEY_LOGLEVEL),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("--probe", KEY_PROBE),
	/* fstab noise: meant for mount(8), not for us or the kernel */
	DROP("_netdev"),
	DROP("auto"),
	DROP("noauto"),
	DROP("user"),
	DROP("users"),
	DROP("nofail"),
	DROP("defaults"),
	DROP("comment="),
	FUSE_OPT_END
};

/* ---- small helpers ---- */

void ftpsfs_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Remember the first error met inside the fuse_opt callback. */
static int proc_fail(struct ftpsfs_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int proc_fail(struct ftpsfs_opts *o, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (!o->perr) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		o->perr = strdup(buf);
	}
	return -1;
}

void ftpsfs_sanitize(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		dst[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	dst[i] = '\0';
}

static int bad_value(struct ftpsfs_opts *o, const char *name, size_t namelen,
                     const char *value, const char *expected)
{
	char shown[81];

	ftpsfs_sanitize(shown, sizeof(shown), value);
	return proc_fail(o, "ftpsfs: bad value for -o %.*s: '%s' (expected %s)",
	                 (int)namelen, name, shown, expected);
}

void ftpsfs_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Replace a string field; -1 when out of memory. */
static int set_str(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* Digits only (no sign, no spaces, no "0x"), within [lo, hi]. */
static int parse_num(const char *s, int base, unsigned long lo, unsigned long hi,
                     unsigned long *out)
{
	char *end;
	unsigned long v;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p; p++)
		if (*p < '0' || *p > (base == 8 ? '7' : '9'))
			return -1;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "LOW-HIGH", 1 <= LOW <= HIGH <= 65535. */
static int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[8];
	unsigned long a, b;
	size_t n;

	if (!dash)
		return -1;
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(first))
		return -1;
	memcpy(first, s, n);
	first[n] = '\0';
	if (parse_num(first, 10, 1, 65535, &a) != 0 ||
	    parse_num(dash + 1, 10, 1, 65535, &b) != 0 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Index of s in a NULL-terminated list, or -1. */
static int pick(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* No control characters: a user name ends up in a USER command. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ---- the fuse_opt callback ---- */

static int opt_value(struct ftpsfs_opts *o, const char *arg, int key)
{
	static const char *const listings[] = { "auto", "mlsd", "list", NULL };
	static const char *const verifies[] = { "size", "hash", "none", NULL };
	static const char *const chowns[] = { "refuse", "ignore", NULL };
	static const char *const tlsvers[] = { "1.2", "1.3", NULL };
	const char *eq = strchr(arg, '=');
	const char *v;
	size_t nl;
	unsigned long n;
	int i;

	if (!eq)        /* every key below comes from a "name=" template */
		return proc_fail(o, "ftpsfs: internal error: option '%s' without a value", arg);
	v = eq + 1;
	nl = (size_t)(eq - arg);

	switch (key) {
	case KEY_USER:
		if (*v == '\0' || strlen(v) > 255 || !printable(v))
			return bad_value(o, arg, nl, v, "a login name without control characters");
		return set_str(&o->user, v);
	case KEY_NETRC:
	case KEY_CAFILE:
	case KEY_SPOOL_DIR:
		if (*v == '\0')
			return bad_value(o, arg, nl, v, "a path");
		return set_str(key == KEY_NETRC ? &o->netrc :
		               key == KEY_CAFILE ? &o->cafile : &o->spool_dir, v);
	case KEY_ACTIVE_ADDR: {
		unsigned char tmp[sizeof(struct in6_addr)];
		if (inet_pton(AF_INET, v, tmp) != 1 && inet_pton(AF_INET6, v, tmp) != 1)
			return bad_value(o, arg, nl, v, "a numeric IPv4 or IPv6 address");
		return set_str(&o->active_addr, v);
	}
	case KEY_FINGERPRINT:
		if (ftps_parse_fingerprint(v, o->fingerprint) != 0)
			return bad_value(o, arg, nl, v, "SHA256:HEX, 32 bytes in hex, colons optional");
		o->has_fingerprint = 1;
		return 0;
	case KEY_TLS:
		if ((i = pick(v, tlsvers)) < 0)
			return bad_value(o, arg, nl, v, "1.2 or 1.3");
		o->tls_version = i == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
		return 0;
	case KEY_ACTIVE_PORTS:
		if (parse_port_range(v, &o->active_port_lo, &o->active_port_hi) != 0)
			return bad_value(o, arg, nl, v, "LOW-HIGH with 1 <= LOW <= HIGH <= 65535");
		return 0;
	case KEY_MAX_CONNS:
		if (parse_num(v, 10, 1, FTPSFS_MAX_MAX_CONNS, &n) != 0)
			return bad_value(o, arg, nl, v, "1..64");
		o->max_conns = (unsigned)n;
		return 0;
	case KEY_TIMEOUT:
		if (parse_num(v, 10, 1, FTPSFS_MAX_TIMEOUT, &n) != 0)
			return bad_value(o, arg, nl, v, "1..3600 seconds");
		o->timeout = (unsigned)n;
		return 0;
	case KEY_KEEPALIVE:
		if (parse_num(v, 10, 0, FTPSFS_MAX_KEEPALIVE, &n) != 0)
			return bad_value(o, arg, nl, v, "0..86400 seconds, 0 = off");
		o->keepalive = (unsigned)n;
		return 0;
	case KEY_DIR_CACHE:
		if (parse_num(v, 10, 0, FTPSFS_MAX_DIR_CACHE, &n) != 0)
			return bad_value(o, arg, nl, v, "0..86400 seconds, 0 = off");
		o->dir_cache = (unsigned)n;
		return 0;
	case KEY_DIR_CACHE_MAX:
		if (parse_num(v, 10, FTPSFS_MIN_DIR_CACHE_MAX, FTPSFS_MAX_DIR_CACHE_MAX, &n) != 0)
			return bad_value(o, arg, nl, v, "1000..10000000 entries");
		o->dir_cache_max = (unsigned)n;
		return 0;
	case KEY_LISTING:
		if ((i = pick(v, listings)) < 0)
			return bad_value(o, arg, nl, v, "auto, mlsd or list");
		o->listing = i == 0 ? FTPS_LISTMODE_AUTO : i == 1 ? FTPS_LISTMODE_MLSD
		                                                 : FTPS_LISTMODE_LIST;
		return 0;
	case KEY_UID:
	case KEY_GID:
		/* (uid_t)-1 means "no change" to the kernel: never a real owner */
		if (parse_num(v, 10, 0, 4294967294UL, &n) != 0)
			return bad_value(o, arg, nl, v, "a number 0..4294967294");
		if (key == KEY_UID)
			o->uid = (uid_t)n;
		else
			o->gid = (gid_t)n;
		return 0;
	case KEY_UMASK:
		if (parse_num(v, 8, 0, 0777, &n) != 0)
			return bad_value(o, arg, nl, v, "octal 0..777, like 022");
		o->umask = (mode_t)n;
		return 0;
	case KEY_ATOMIC:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return bad_value(o, arg, nl, v, "0 or 1");
		o->atomic = (*v == '1');
		return 0;
	case KEY_VERIFY:
		if ((i = pick(v, verifies)) < 0)
			return bad_value(o, arg, nl, v, "size, hash or none");
		o->verify = i == 0 ? FTPSFS_VERIFY_SIZE : i == 1 ? FTPSFS_VERIFY_HASH
		                                                 : FTPSFS_VERIFY_NONE;
		return 0;
	case KEY_CHOWN:
		if ((i = pick(v, chowns)) < 0)
			return bad_value(o, arg, nl, v, "refuse or ignore");
		o->chown_mode = i == 0 ? FTPSFS_CHOWN_REFUSE : FTPSFS_CHOWN_IGNORE;
		return 0;
	case KEY_LOGLEVEL:
		if ((i = ftps_log_parse_level(v)) < 0)
			return bad_value(o, arg, nl, v, "error, warn, info, debug or trace");
		o->loglevel = (enum ftps_loglevel)i;
		return 0;
	}
	return proc_fail(o, "ftpsfs: internal error: option key %d", key);
}

/* URL, then MOUNTPOINT (kept for libfuse), then nothing more. */
static int positional(struct ftpsfs_opts *o, const char *arg)
{
	char shown[81];

	if (!o->url)
		return set_str(&o->url, arg) == 0 ? 0 : proc_fail(o, "ftpsfs: out of memory");
	if (!o->mountpoint)
		return set_str(&o->mountpoint, arg) == 0 ? 1 : proc_fail(o, "ftpsfs: out of memory");
	ftpsfs_sanitize(shown, sizeof(shown), arg);
	return proc_fail(o, "ftpsfs: unexpected argument '%s' (usage: ftpsfs [options] URL MOUNTPOINT)",
	                 shown);
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct ftpsfs_opts *o = data;
	int rc;

	(void)outargs;
	switch (key) {
	case KEY_HELP:
		o->show_help = 1;
		return 0;
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	case KEY_PROBE:
		o->probe = 1;
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		return positional(o, arg);
	case FUSE_OPT_KEY_OPT:
		/* x-systemd.automount, x-gvfs-show, ...: userspace fstab noise */
		if (strncmp(arg, "x-", 2) == 0)
			return 0;
		if (strncmp(arg, "fsname=", 7) == 0)
			o->saw_fsname = 1;
		if (strncmp(arg, "subtype=", 8) == 0)
			o->saw_subtype = 1;
		if (strcmp(arg, "allow_other") == 0)
			o->saw_allow_other = 1;
		if (strcmp(arg, "default_permissions") == 0)
			o->saw_default_permissions = 1;
		/* libfuse would quote an unknown option back: not a password. */
		if (strncasecmp(arg, "password", 8) == 0 || strncasecmp(arg, "pass=", 5) == 0 ||
		    strncasecmp(arg, "passwd", 6) == 0 || strncasecmp(arg, "pw=", 3) == 0)
			return proc_fail(o, "ftpsfs: a password does not go on the command line (it "
			                 "would be visible to every user in ps): use -o password_stdin, "
			                 "or ~/.netrc (-o netrc=FILE)");
		return 1;   /* libfuse's, or unknown: libfuse reports those */
	}
	rc = opt_value(o, arg, key);
	if (rc < 0 && !o->perr)
		proc_fail(o, "ftpsfs: out of memory");
	return rc;
}

/* ---- defaults ---- */

const char *ftpsfs_home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
}

/* Where spool files go when -o spool_dir is not given. */
static void default_spool_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home;

	if (xdg && *xdg == '/') {
		snprintf(buf, len, "%s/ftpsfs", xdg);
		return;
	}
	home = ftpsfs_home_dir();
	if (home && strcmp(home, "/") != 0)
		snprintf(buf, len, "%s/.cache/ftpsfs", home);
	else    /* one folder per user: a shared one would let others in */
		snprintf(buf, len, "/var/tmp/ftpsfs-%lu", (unsigned long)geteuid());
}

static void opts_init(struct ftpsfs_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_conns = FTPSFS_DEF_MAX_CONNS;
	o->timeout = FTPSFS_DEF_TIMEOUT;
	o->dir_cache = FTPSFS_DEF_DIR_CACHE;
	o->dir_cache_max = FTPSFS_DEF_DIR_CACHE_MAX;
	o->keepalive = FTPSFS_DEF_KEEPALIVE;
	o->listing = FTPS_LISTMODE_AUTO;
	o->uid = getuid();
	o->gid = getgid();
	o->umask = 0;
	o->atomic = 1;
	o->verify = FTPSFS_VERIFY_SIZE;
	o->chown_mode = FTPSFS_CHOWN_REFUSE;
	o->loglevel = FTPSFS_DEF_LOGLEVEL;
}

void ftpsfs_opts_free(struct ftpsfs_opts *o)
{
	if (!o)
		return;
	free(o->url);
	free(o->mountpoint);
	if (o->url_parsed)
		ftps_url_free(&o->u);
	free(o->user);
	free(o->netrc);
	ftpsfs_wipe_free(o->password);
	ftpsfs_wipe_free(o->account);
	free(o->cafile);
	free(o->active_addr);
	free(o->spool_dir);
	free(o->perr);
	explicit_bzero(o->fingerprint, sizeof(o->fingerprint));
	memset(o, 0, sizeof(*o));
}

/* ---- after fuse_opt: positional arguments, URL, consistency ---- */

/* Put "-ofsname=URL" and "-osubtype=ftpsfs" right after argv[0], so that
 * they land before a "--". The URL is escaped for fuse_opt (',' and '\'). */
static int add_mount_names(struct fuse_args *args, struct ftpsfs_opts *o,
                           char *err, size_t errlen)
{
	struct ftps_url shown = o->u;
	char url[FTPS_MAX_PATH + 512];
	char *opt = NULL, *arg;
	size_t alen;
	int rc;

	if (!o->saw_subtype && fuse_opt_insert_arg(args, 1, "-osubtype=ftpsfs") != 0)
		goto nomem;
	/* With allow_other every user on this machine reaches the files, and
	 * ftpsfs shows them all as the mounting user's: the kernel must check
	 * the modes, or anyone could read and change everything. */
	if (o->saw_allow_other && !o->saw_default_permissions &&
	    fuse_opt_insert_arg(args, 1, "-odefault_permissions") != 0)
		goto nomem;
	if (o->saw_fsname)
		return 0;
	shown.user = o->user;
	ftps_url_format(&shown, url, sizeof(url));
	/* fuse_opt_add_opt_escaped appends to a comma list; start it empty */
	if (fuse_opt_add_opt_escaped(&opt, url) != 0)
		goto nomem;
	alen = strlen(opt) + sizeof("-ofsname=");
	arg = malloc(alen);
	if (!arg) {
		free(opt);
		goto nomem;
	}
	snprintf(arg, alen, "-ofsname=%s", opt);
	rc = fuse_opt_insert_arg(args, 1, arg);
	free(arg);
	free(opt);
	if (rc != 0)
		goto nomem;
	return 0;
nomem:
	ftpsfs_seterr(err, errlen, "ftpsfs: out of memory");
	return -1;
}

static int finish_parse(struct fuse_args *args, struct ftpsfs_opts *o,
                        char *err, size_t errlen)
{
	char uerr[256] = "";
	char spool[FTPS_MAX_PATH];

	if (!o->url) {
		ftpsfs_seterr(err, errlen, "ftpsfs: missing URL (usage: ftpsfs [options] URL MOUNTPOINT; -h for help)");
		return -1;
	}
	if (!o->mountpoint && !o->probe) {
		ftpsfs_seterr(err, errlen, "ftpsfs: missing MOUNTPOINT (usage: ftpsfs [options] URL MOUNTPOINT; -h for help)");
		return -1;
	}
	/* The URL is not quoted back: it might hold a password by mistake. */
	if (ftps_url_parse(o->url, &o->u, uerr, sizeof(uerr)) != 0) {
		ftpsfs_seterr(err, errlen, "ftpsfs: bad URL: %s", uerr[0] ? uerr : "cannot parse it");
		return -1;
	}
	o->url_parsed = 1;
	if (o->u.security == FTPS_SEC_PLAIN && !o->plaintext) {
		ftpsfs_seterr(err, errlen, "ftpsfs: ftp:// is plain FTP without TLS (password and data unencrypted): add -o plaintext to allow it, or use ftpes://");
		return -1;
	}
	if (!o->user && o->u.user && set_str(&o->user, o->u.user) != 0) {
		ftpsfs_seterr(err, errlen, "ftpsfs: out of memory");
		return -1;
	}
	if (o->insecure && o->has_fingerprint) {
		ftpsfs_seterr(err, errlen, "ftpsfs: -o insecure and -o fingerprint contradict each other: give one");
		return -1;
	}
	/* Naming an active port range or address means active mode. */
	if (o->active_port_lo || o->active_addr)
		o->active = 1;
	if (o->active && o->pasv_addr) {
		ftpsfs_seterr(err, errlen, "ftpsfs: -o pasv_addr is for passive mode and cannot go with active mode");
		return -1;
	}
	if (!o->spool_dir) {
		default_spool_dir(spool, sizeof(spool));
		if (set_str(&o->spool_dir, spool) != 0) {
			ftpsfs_seterr(err, errlen, "ftpsfs: out of memory");
			return -1;
		}
	}
	if (!o->probe)
		return add_mount_names(args, o, err, errlen);
	return 0;
}

int ftpsfs_opts_parse(struct fuse_args *args, struct ftpsfs_opts *o,
                      char *err, size_t errlen)
{
	opts_init(o);
	if (err && errlen)
		err[0] = '\0';

	/* libfuse would print its own message for a trailing "-o"; say it
	 * once, our way. */
	if (args->argc > 1 && strcmp(args->argv[args->argc - 1], "-o") == 0) {
		ftpsfs_seterr(err, errlen, "ftpsfs: -o needs an option after it");
		return -1;
	}
	if (fuse_opt_parse(args, o, opt_table, opt_proc) != 0) {
		ftpsfs_seterr(err, errlen, "%s", o->perr ? o->perr : "ftpsfs: cannot parse the command line");
		return -1;
	}
	if (o->show_help || o->show_version)
		return 0;
	return finish_parse(args, o, err, errlen);
}

/* ---- configuration for the core ---- */

int ftpsfs_opts_to_config(const struct ftpsfs_opts *o, struct ftps_config *cfg,
                          char *err, size_t errlen)
{
	if (!o->url_parsed) {
		ftpsfs_seterr(err, errlen, "ftpsfs: no URL");
		return -1;
	}
	if (o->cafile && access(o->cafile, R_OK) != 0) {
		ftpsfs_seterr(err, errlen, "ftpsfs: cannot read -o cafile '%s': %s", o->cafile,
		              strerror(errno));
		return -1;
	}
	ftps_config_init(cfg);
	cfg->host = o->u.host;
	cfg->port = o->u.port;
	cfg->security = o->u.security;
	cfg->user = o->user;
	cfg->password = o->password;
	cfg->account = o->account;
	cfg->cafile = o->cafile;
	cfg->insecure = o->insecure;
	cfg->has_fingerprint = o->has_fingerprint;
	memcpy(cfg->fingerprint, o->fingerprint, sizeof(cfg->fingerprint));
	if (o->tls_version) {
		cfg->tls_min = o->tls_version;
		cfg->tls_max = o->tls_version;
	}
	cfg->active = o->active;
	cfg->active_port_lo = o->active_port_lo;
	cfg->active_port_hi = o->active_port_hi;
	cfg->active_addr = o->active_addr;
	cfg->use_pasv_addr = o->pasv_addr;
	cfg->listing = o->listing;
	cfg->timeout_ms = (int)o->timeout * 1000;
	cfg->connect_timeout_ms = cfg->timeout_ms;

	if (o->u.security == FTPS_SEC_PLAIN)
		ftps_warn("plain FTP (-o plaintext): the password and all data cross the network unencrypted");
	else if (o->insecure)
		ftps_warn("-o insecure: the server's certificate is not verified; anyone on the way can read and change the traffic");
	return 0;
}

/* ---- help and version ---- */

void ftpsfs_opts_usage(FILE *f, const char *prog)
{
	char spool[FTPS_MAX_PATH];

	default_spool_dir(spool, sizeof(spool));
	if (!prog || !*prog)
		prog = "ftpsfs";
	fprintf(f,
"usage: %s [options] URL MOUNTPOINT\n"
"       %s --probe [options] URL\n"
"\n"
"URL:\n"
"    ftpes://[user@]host[:port][/path]  explicit TLS (AUTH TLS), port 21\n"
"    ftps://[user@]host[:port][/path]   implicit TLS, port 990\n"
"    [user@]host[:port][/path]          explicit TLS, port 21\n"
"    ftp://[user@]host[:port][/path]    plain FTP: only with -o plaintext\n"
"    IPv6 addresses go in brackets: ftpes://[::1]:2121/pub\n"
"\n"
"ftpsfs options:\n"
"    -h, --help                 print this help and exit\n"
"    -V, --version              print versions and exit\n"
"    --probe                    connect, log in, print what the server offers, exit\n"
"    -o user=NAME               login name (default: the URL's, else ~/.netrc's, else anonymous)\n"
"    -o password_stdin          read the password from standard input, one line\n"
"                               (default: ~/.netrc, else ask on the terminal)\n"
"    -o netrc=FILE              credentials file (default: ~/.netrc)\n"
"    -o cafile=FILE             also trust the CA certificates in FILE, PEM\n"
"                               (default: the system's store only)\n"
"    -o fingerprint=SHA256:HEX  accept exactly the certificate with this SHA-256\n"
"                               (colons optional; default: none)\n"
"    -o insecure                do not verify the certificate (warns; default: verify)\n"
"    -o plaintext               allow ftp:// URLs, no TLS at all (warns; default: refused)\n"
"    -o tls=1.2|1.3             use only this TLS version (default: 1.2 or newer)\n"
"    -o active                  active mode, EPRT/PORT (default: passive, EPSV/PASV)\n"
"    -o active_ports=LOW-HIGH   local ports for active mode (default: any)\n"
"    -o active_addr=ADDRESS     address sent in EPRT/PORT (default: the control\n"
"                               connection's local address)\n"
"    -o pasv_addr               connect to the address in the 227 reply\n"
"                               (default: the server's address, reply ignored)\n"
"    -o max_conns=N             connections to the server, 1..%d (default: %d)\n"
"    -o timeout=SECONDS         network timeout, 1..%d (default: %d)\n"
"    -o keepalive=SECONDS       NOOP on idle connections, 0 = off (default: %d)\n"
"    -o dir_cache=SECONDS       how long listings stay cached, 0 = off (default: %d)\n"
"    -o dir_cache_max=N         most directory entries cached (default: %d)\n"
"    -o listing=auto|mlsd|list  listing command (default: auto, MLSD when offered)\n"
"    -o uid=N                   owner shown for every file (default: yours, %u)\n"
"    -o gid=N                   group shown for every file (default: yours, %u)\n"
"    -o umask=OCTAL             bits cleared from the modes shown (default: 000)\n"
"    -o spool_dir=DIR           folder for files being edited\n"
"                               (default: %s)\n"
"    -o atomic=0|1              upload to a temporary name, then rename into\n"
"                               place (default: 1)\n"
"    -o verify=size|hash|none   check each upload against the server's SIZE,\n"
"                               and with hash its HASH/XSHA1/XMD5 (default: size)\n"
"    -o chown=refuse|ignore     a chown that changes the owner fails with EPERM,\n"
"                               or succeeds doing nothing (default: refuse)\n"
"    -o loglevel=LEVEL          error, warn, info, debug or trace (default: info)\n"
"\n"
"Accepted and ignored (fstab): _netdev, auto, noauto, user, users, nofail,\n"
"defaults, comment=..., x-*\n"
"\n",
	        prog, prog,
	        FTPSFS_MAX_MAX_CONNS, FTPSFS_DEF_MAX_CONNS,
	        FTPSFS_MAX_TIMEOUT, FTPSFS_DEF_TIMEOUT,
	        FTPSFS_DEF_KEEPALIVE, FTPSFS_DEF_DIR_CACHE, FTPSFS_DEF_DIR_CACHE_MAX,
	        (unsigned)getuid(), (unsigned)getgid(), spool);
}

void ftpsfs_opts_print_help(struct fuse_args *args)
{
	ftpsfs_opts_usage(stdout, args && args->argc > 0 ? args->argv[0] : NULL);
	printf("FUSE options (for uid=, gid= and umask=, ftpsfs's meaning above applies):\n");
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lib_help(args);
}

void ftpsfs_opts_print_version(FILE *f)
{
	fprintf(f, "ftpsfs %s\nlibfuse %s\n%s\n", PACKAGE_VERSION, fuse_pkgversion(),
	        OpenSSL_version(OPENSSL_VERSION));
}
