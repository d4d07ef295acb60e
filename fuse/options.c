/* options.c - the daemon's command line, read into struct ftpsfs_opts.
 *
 * Everything about an option is in its row (options_table.c). From the
 * rows come the fuse_opt array, built at each parse: a flag is set by
 * fuse_opt itself, a value reaches opt_proc with its row's index as key
 * and is checked by its kind (a bad one ends parsing with one line that
 * names the option and says what it should be). The defaults come from
 * the rows too. Options we do not know are left for libfuse.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "options.h"
#include "options_int.h"

/* ---- small helpers ---- */

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

/* Store v in a numeric or enum field of size bytes. */
static void put_num(void *field, size_t size, unsigned long v)
{
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;
	uint64_t v64 = v;

	if (size == sizeof(v16))
		memcpy(field, &v16, size);
	else if (size == sizeof(v32))
		memcpy(field, &v32, size);
	else if (size == sizeof(v64))
		memcpy(field, &v64, size);
}

int ftpsfs_parse_uint(const char *s, int base, unsigned long lo, unsigned long hi,
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

/* The value of an ENUM row's name, or -1. */
static int pick(const struct ftpsfs_opt_row *r, const char *s)
{
	if (r->lookup)
		return r->lookup(s);
	for (const struct ftpsfs_opt_choice *c = r->choices; c->name; c++)
		if (strcmp(s, c->name) == 0)
			return c->value;
	return -1;
}

/* ---- the fuse_opt callback ---- */

static int bad_value(struct ftpsfs_opts *o, const struct ftpsfs_opt_row *r, const char *v)
{
	const char *want = r->expected ? r->expected :
	                   r->kind == FTPSFS_OPT_UNSIGNED ? "{range}" :
	                   r->kind == FTPSFS_OPT_ENUM ? "{values}" : "a path";
	char shown[81], text[256];

	ftps_text_shown(shown, sizeof(shown), v);
	ftpsfs_opts_row_text(r, want, 0, text, sizeof(text));
	return proc_fail(o, "ftpsfs: bad value for -o %.*s: '%s' (expected %s)",
	                 (int)strcspn(r->name, "="), r->name, shown, text);
}

/* "name=value" for row r: check it, store it. */
static int opt_value(struct ftpsfs_opts *o, const struct ftpsfs_opt_row *r, const char *arg)
{
	const char *eq = strchr(arg, '=');
	void *field = (char *)o + r->off;
	unsigned long n;
	int i;

	if (!eq)        /* every value row's name ends in '=' */
		return proc_fail(o, "ftpsfs: internal error: option '%s' without a value", arg);
	switch (r->kind) {
	case FTPSFS_OPT_TEXT:
	case FTPSFS_OPT_PATH:
		if (eq[1] == '\0' || (r->valid && !r->valid(eq + 1)))
			return bad_value(o, r, eq + 1);
		return set_str(field, eq + 1);
	case FTPSFS_OPT_UNSIGNED:
		if (ftpsfs_parse_uint(eq + 1, r->base, r->lo, r->hi, &n) != 0)
			return bad_value(o, r, eq + 1);
		put_num(field, r->size, n);
		return 0;
	case FTPSFS_OPT_ENUM:
		if ((i = pick(r, eq + 1)) < 0)
			return bad_value(o, r, eq + 1);
		put_num(field, r->size, (unsigned long)i);
		return 0;
	case FTPSFS_OPT_CUSTOM:
		return r->parse(o, eq + 1) == 0 ? 0 : bad_value(o, r, eq + 1);
	case FTPSFS_OPT_FLAG:
	case FTPSFS_OPT_DROP:
		break;
	}
	return proc_fail(o, "ftpsfs: internal error: option '%s'", r->name);
}

/* URL, then MOUNTPOINT (kept for libfuse), then nothing more. */
static int positional(struct ftpsfs_opts *o, const char *arg)
{
	char shown[81];

	if (!o->url)
		return set_str(&o->url, arg) == 0 ? 0 : proc_fail(o, "ftpsfs: out of memory");
	if (!o->mountpoint)
		return set_str(&o->mountpoint, arg) == 0 ? 1 : proc_fail(o, "ftpsfs: out of memory");
	ftps_text_shown(shown, sizeof(shown), arg);
	return proc_fail(o, "ftpsfs: unexpected argument '%s' (usage: ftpsfs [options] URL MOUNTPOINT)",
	                 shown);
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct ftpsfs_opts *o = data;
	const struct ftpsfs_opt_row *rows;
	size_t nrows;
	int rc;

	(void)outargs;
	switch (key) {
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
		if (strcmp(arg, "password_file") == 0)
			return proc_fail(o, "ftpsfs: -o password_file needs a file: -o password_file=FILE");
		/* libfuse would quote an unknown option back: not a password. */
		if (strncasecmp(arg, "password", 8) == 0 || strncasecmp(arg, "pass=", 5) == 0 ||
		    strncasecmp(arg, "passwd", 6) == 0 || strncasecmp(arg, "pw=", 3) == 0)
			return proc_fail(o, "ftpsfs: a password does not go on the command line (it "
			                 "would be visible to every user in ps): use -o password_stdin, "
			                 "-o password_file=FILE or ~/.netrc (-o netrc=FILE)");
		return 1;   /* libfuse's, or unknown: libfuse reports those */
	}
	rows = ftpsfs_opts_rows(&nrows);
	if (key < 0 || (size_t)key >= nrows)
		return proc_fail(o, "ftpsfs: internal error: option key %d", key);
	rc = opt_value(o, &rows[key], arg);
	if (rc < 0 && !o->perr)
		proc_fail(o, "ftpsfs: out of memory");
	return rc;
}

/* The fuse_opt array for the rows (malloc'd, NULL when out of memory): a
 * flag's field is set by fuse_opt, a value comes to opt_proc with its row's
 * index as key, fstab noise is dropped. */
static struct fuse_opt *fuse_opts_from_rows(void)
{
	size_t nrows, n = 0;
	const struct ftpsfs_opt_row *rows = ftpsfs_opts_rows(&nrows);
	struct fuse_opt *t = calloc(2 * nrows + 1, sizeof(*t));

	for (size_t i = 0; t && i < nrows; i++) {
		const struct ftpsfs_opt_row *r = &rows[i];
		for (int k = 0; k < 2; k++) {
			const char *name = k == 0 ? r->name : r->alias;
			if (!name)
				continue;
			if (r->kind == FTPSFS_OPT_FLAG)
				t[n++] = (struct fuse_opt){ name, r->off, 1 };
			else
				t[n++] = (struct fuse_opt)FUSE_OPT_KEY(name, r->kind == FTPSFS_OPT_DROP ?
				                                       FUSE_OPT_KEY_DISCARD : (int)i);
		}
	}
	return t;       /* calloc'd: ends with FUSE_OPT_END */
}

/* ---- defaults ---- */

/* Every field zero, then each row's default. -1 when out of memory. */
static int opts_init(struct ftpsfs_opts *o)
{
	size_t nrows;
	const struct ftpsfs_opt_row *rows = ftpsfs_opts_rows(&nrows);
	char path[FTPS_MAX_PATH];

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < nrows; i++) {
		const struct ftpsfs_opt_row *r = &rows[i];
		void *field = (char *)o + r->off;
		if ((r->kind == FTPSFS_OPT_UNSIGNED && !r->late) || r->kind == FTPSFS_OPT_ENUM)
			put_num(field, r->size, r->def_num ? r->def_num() : r->def);
		if (r->def_str) {
			r->def_str(path, sizeof(path));
			if (set_str(field, path) != 0)
				return -1;
		}
	}
	return 0;
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
	free(o->password_file);
	free(o->netrc);
	ftps_wipe_free(o->password);
	ftps_wipe_free(o->account);
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
	ftps_seterr(err, errlen, "ftpsfs: out of memory");
	return -1;
}

/* The table's default of the late row for the field at off. */
static unsigned long late_default(size_t off)
{
	size_t n;
	const struct ftpsfs_opt_row *r = ftpsfs_opts_rows(&n);

	for (size_t i = 0; i < n; i++)
		if (r[i].late && r[i].off == off)
			return r[i].def;
	return 0;
}

static int finish_parse(struct fuse_args *args, struct ftpsfs_opts *o,
                        char *err, size_t errlen)
{
	char uerr[256] = "";

	if (!o->url) {
		ftps_seterr(err, errlen, "ftpsfs: missing URL (usage: ftpsfs [options] URL MOUNTPOINT; -h for help)");
		return -1;
	}
	if (!o->mountpoint && !o->probe) {
		ftps_seterr(err, errlen, "ftpsfs: missing MOUNTPOINT (usage: ftpsfs [options] URL MOUNTPOINT; -h for help)");
		return -1;
	}
	/* The URL is not quoted back: it might hold a password by mistake. */
	if (ftps_url_parse(o->url, &o->u, uerr, sizeof(uerr)) != 0) {
		ftps_seterr(err, errlen, "ftpsfs: bad URL: %s", uerr[0] ? uerr : "cannot parse it");
		return -1;
	}
	o->url_parsed = 1;
	if (o->u.security == FTPS_SEC_PLAIN && !o->plaintext) {
		ftps_seterr(err, errlen, "ftpsfs: ftp:// is plain FTP without TLS (password and data unencrypted): add -o plaintext to allow it, or use ftpes://");
		return -1;
	}
	if (!o->user && o->u.user && set_str(&o->user, o->u.user) != 0) {
		ftps_seterr(err, errlen, "ftpsfs: out of memory");
		return -1;
	}
	if (o->password_stdin && o->password_file) {
		ftps_seterr(err, errlen, "ftpsfs: -o password_stdin and -o password_file contradict each other: give one");
		return -1;
	}
	/* The file holds a password only; a login has no other source then. */
	if (o->password_file && !o->user) {
		ftps_seterr(err, errlen, "ftpsfs: -o password_file needs a login name: "
		              "ftpes://NAME@host/ or -o user=NAME");
		return -1;
	}
	if (o->insecure && o->has_fingerprint) {
		ftps_seterr(err, errlen, "ftpsfs: -o insecure and -o fingerprint contradict each other: give one");
		return -1;
	}
	/* Write-back uploads run one per connection but one: at a distance,
	 * many small files need more of them than a reader does. */
	if (!o->max_conns)      /* a late default (options_table.c) */
		o->max_conns = o->writeback ? 12 : (unsigned)late_default(offsetof(struct ftpsfs_opts,
		                                                                  max_conns));
	/* Naming an active port range or address means active mode. */
	if (o->active_port_lo || o->active_addr)
		o->active = 1;
	if (o->active && o->pasv_addr) {
		ftps_seterr(err, errlen, "ftpsfs: -o pasv_addr is for passive mode and cannot go with active mode");
		return -1;
	}
	if (!o->probe)
		return add_mount_names(args, o, err, errlen);
	return 0;
}

int ftpsfs_opts_parse(struct fuse_args *args, struct ftpsfs_opts *o,
                      char *err, size_t errlen)
{
	struct fuse_opt *table;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (opts_init(o) != 0) {
		ftps_seterr(err, errlen, "ftpsfs: out of memory");
		return -1;
	}

	/* libfuse would print its own message for a trailing "-o"; say it
	 * once, our way. */
	if (args->argc > 1 && strcmp(args->argv[args->argc - 1], "-o") == 0) {
		ftps_seterr(err, errlen, "ftpsfs: -o needs an option after it");
		return -1;
	}
	table = fuse_opts_from_rows();
	if (!table) {
		ftps_seterr(err, errlen, "ftpsfs: out of memory");
		return -1;
	}
	rc = fuse_opt_parse(args, o, table, opt_proc);
	free(table);
	if (rc != 0) {
		ftps_seterr(err, errlen, "%s", o->perr ? o->perr : "ftpsfs: cannot parse the command line");
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
		ftps_seterr(err, errlen, "ftpsfs: no URL");
		return -1;
	}
	if (o->cafile && access(o->cafile, R_OK) != 0) {
		ftps_seterr(err, errlen, "ftpsfs: cannot read -o cafile '%s': %s", o->cafile,
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

int ftpsfs_get_password(struct ftpsfs_opts *o, char *err, size_t errlen)
{
	struct ftps_login l = {
		.host = o->u.host, .user = o->user, .password = o->password,
		.account = o->account, .password_stdin = o->password_stdin,
		.password_file = o->password_file, .netrc = o->netrc,
	};
	int rc;

	if (!o->url_parsed) {
		ftps_seterr(err, errlen, "ftpsfs: no URL");
		return -1;
	}
	rc = ftps_login_password(&l, err, errlen);
	o->user = l.user;
	o->password = l.password;
	o->account = l.account;
	return rc;
}
