/* options_table.c - every ftpsfs option, one row each (struct
 * ftpsfs_opt_row in options.h explains the columns).
 *
 * A new option is a field in struct ftpsfs_opts and a row here: parsing,
 * checking, the default, -h and the man page follow from the row
 * (options.c, options_text.c). The row order is the order of -h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include "options.h"
#include "options_int.h"
#include "segplan.h"

/* ---- the odd values ---- */

/* "LOW-HIGH", 1 <= LOW <= HIGH <= 65535. */
static int parse_ports(struct ftpsfs_opts *o, const char *s)
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
	if (ftpsfs_parse_uint(first, 10, 1, 65535, &a) != 0 ||
	    ftpsfs_parse_uint(dash + 1, 10, 1, 65535, &b) != 0 || a > b)
		return -1;
	o->active_port_lo = (uint16_t)a;
	o->active_port_hi = (uint16_t)b;
	return 0;
}

static int parse_fingerprint(struct ftpsfs_opts *o, const char *s)
{
	if (ftps_parse_fingerprint(s, o->fingerprint) != 0)
		return -1;
	o->has_fingerprint = 1;
	return 0;
}


/* At most 255 bytes, no control characters: it ends up in a USER command. */
static int login_name_ok(const char *s)
{
	if (strlen(s) > 255)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int numeric_address_ok(const char *s)
{
	unsigned char tmp[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
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
	home = ftps_home_dir();
	if (home && strcmp(home, "/") != 0)
		snprintf(buf, len, "%s/.cache/ftpsfs", home);
	else    /* one folder per user: a shared one would let others in */
		snprintf(buf, len, "/var/tmp/ftpsfs-%lu", (unsigned long)geteuid());
}

static unsigned long our_uid(void)
{
	return getuid();
}

static unsigned long our_gid(void)
{
	return getgid();
}

/* ---- the table ---- */

static const struct ftpsfs_opt_choice tls_versions[] = {
	{ "1.2", TLS1_2_VERSION }, { "1.3", TLS1_3_VERSION }, { NULL, 0 } };
static const struct ftpsfs_opt_choice listings[] = {
	{ "auto", FTPS_LISTMODE_AUTO }, { "mlsd", FTPS_LISTMODE_MLSD },
	{ "list", FTPS_LISTMODE_LIST }, { NULL, 0 } };
static const struct ftpsfs_opt_choice zero_one[] = { { "0", 0 }, { "1", 1 }, { NULL, 0 } };
static const struct ftpsfs_opt_choice verifies[] = {
	{ "size", FTPS_VERIFY_SIZE }, { "hash", FTPS_VERIFY_HASH },
	{ "none", FTPS_VERIFY_NONE }, { NULL, 0 } };
static const struct ftpsfs_opt_choice chowns[] = {
	{ "refuse", FTPSFS_CHOWN_REFUSE }, { "ignore", FTPSFS_CHOWN_IGNORE }, { NULL, 0 } };
/* what -h names; ftps_log_parse_level also takes "warning", in any case */
static const struct ftpsfs_opt_choice loglevels[] = {
	{ "error", FTPS_LOG_ERROR }, { "warn", FTPS_LOG_WARN }, { "info", FTPS_LOG_INFO },
	{ "debug", FTPS_LOG_DEBUG }, { "trace", FTPS_LOG_TRACE }, { NULL, 0 } };

#define FIELD(f) .off = offsetof(struct ftpsfs_opts, f), \
                 .size = sizeof(((struct ftpsfs_opts *)0)->f)
#define FLAG(n, f)      .name = n, .kind = FTPSFS_OPT_FLAG, FIELD(f)
#define TEXT(n, f, ok)  .name = n, .kind = FTPSFS_OPT_TEXT, FIELD(f), .valid = ok
#define PATH(n, f)      .name = n, .kind = FTPSFS_OPT_PATH, FIELD(f)
#define NUM(n, f, b, l, h) .name = n, .kind = FTPSFS_OPT_UNSIGNED, FIELD(f), \
                           .base = b, .lo = l, .hi = h
#define ENUM(n, f, c)   .name = n, .kind = FTPSFS_OPT_ENUM, FIELD(f), .choices = c
#define CUSTOM(n, fn)   .name = n, .kind = FTPSFS_OPT_CUSTOM, .parse = fn
#define DROP(n)         .name = n, .kind = FTPSFS_OPT_DROP

static const struct ftpsfs_opt_row rows[] = {
	{ FLAG("-h", show_help), .alias = "--help", .help = "print this help and exit" },
	{ FLAG("-V", show_version), .alias = "--version", .help = "print versions and exit" },
	{ FLAG("--probe", probe),
	  .help = "connect, log in, print what the server offers, exit" },
	{ TEXT("user=", user, login_name_ok), .metavar = "NAME",
	  .expected = "a login name without control characters",
	  .def_text = "the URL's, else ~/.netrc's, else anonymous",
	  .help = "login name (default: {default})" },
	{ FLAG("password_stdin", password_stdin),
	  .def_text = "~/.netrc, else ask on the terminal",
	  .help = "read the password from standard input, one line\n(default: {default})" },
	{ PATH("password_file=", password_file), .metavar = "FILE", .def_text = "none",
	  .help = "read the password from the first line of FILE,\n"
	          "which only its owner may access (default: {default})" },
	{ PATH("netrc=", netrc), .metavar = "FILE", .def_text = "~/.netrc",
	  .help = "credentials file (default: {default})" },
	{ PATH("cafile=", cafile), .metavar = "FILE", .def_text = "the system's store only",
	  .help = "also trust the CA certificates in FILE, PEM\n(default: {default})" },
	{ CUSTOM("fingerprint=", parse_fingerprint), FIELD(fingerprint), .metavar = "SHA256:HEX",
	  .expected = "SHA256:HEX, 32 bytes in hex, colons optional", .def_text = "none",
	  .help = "accept exactly the certificate with this SHA-256\n"
	          "(colons optional; default: {default})" },
	{ FLAG("insecure", insecure), .def_text = "verify",
	  .help = "do not verify the certificate (warns; default: {default})" },
	{ FLAG("plaintext", plaintext), .def_text = "refused",
	  .help = "allow ftp:// URLs, no TLS at all (warns; default: {default})" },
	{ ENUM("tls=", tls_version, tls_versions), .def = 0, .def_text = "1.2 or newer",
	  .help = "use only this TLS version (default: {default})" },
	{ FLAG("active", active), .def_text = "passive, EPSV/PASV",
	  .help = "active mode, EPRT/PORT (default: {default})" },
	{ CUSTOM("active_ports=", parse_ports), FIELD(active_port_lo), .metavar = "LOW-HIGH",
	  .expected = "LOW-HIGH with 1 <= LOW <= HIGH <= 65535", .def_text = "any",
	  .help = "local ports for active mode (default: {default})" },
	{ TEXT("active_addr=", active_addr, numeric_address_ok), .metavar = "ADDRESS",
	  .expected = "a numeric IPv4 or IPv6 address",
	  .def_text = "the control\nconnection's local address",
	  .help = "address sent in EPRT/PORT (default: {default})" },
	{ FLAG("pasv_addr", pasv_addr), .def_text = "the server's address, reply ignored",
	  .help = "connect to the address in the 227 reply\n(default: {default})" },
	/* Picked once every option is read: 12 with writeback, whose uploads
	 * run side by side on all connections but one. 5 leaves a segmented
	 * read (-o segments=4) four streams at once and one connection free
	 * for listings. */
	{ NUM("max_conns=", max_conns, 10, 1, 64), .def = 5, .late = 1, .metavar = "N",
	  .def_text = "12 with writeback",
	  .help = "connections to the server, {range} (default: {default})" },
	{ NUM("timeout=", timeout, 10, 1, 3600), .def = 30, .metavar = "SECONDS",
	  .expected = "{range} seconds",
	  .help = "network timeout, {range} (default: {default})" },
	{ NUM("keepalive=", keepalive, 10, 0, 86400), .def = 60, .metavar = "SECONDS",
	  .expected = "{range} seconds, 0 = off",
	  .help = "NOOP on idle connections, 0 = off (default: {default})" },
	{ NUM("dir_cache=", dir_cache, 10, 0, 86400), .def = 60, .metavar = "SECONDS",
	  .expected = "{range} seconds, 0 = off",
	  .help = "how long listings stay cached, 0 = off (default: {default})" },
	{ NUM("dir_cache_max=", dir_cache_max, 10, 1000, 10000000), .def = 200000,
	  .metavar = "N", .expected = "{range} entries",
	  .help = "most directory entries cached (default: {default})" },
	{ NUM("prefetch=", prefetch, 10, 0, 16), .def = 4, .metavar = "N",
	  .expected = "{range} folders, 0 = off",
	  .help = "list the subfolders of a folder read ahead, N at\n"
	          "once, on spare connections; 0 = off (default: {default})" },
	{ NUM("segments=", segments, 10, 0, FTPS_SEG_MAX), .def = FTPS_SEG_DEFAULT, .metavar = "N",
	  .expected = "{range}, 0 = off",
	  .help = "a slow sequential read of a big file reads ahead\n"
	          "on up to N spare connections; 0 = off (default: {default})" },
	{ ENUM("listing=", listing, listings), .def = FTPS_LISTMODE_AUTO,
	  .help = "listing command (default: {default}, MLSD when offered)" },
	/* (uid_t)-1 means "no change" to the kernel: never a real owner */
	{ NUM("uid=", uid, 10, 0, 4294967294UL), .def_num = our_uid, .metavar = "N",
	  .expected = "a number {range}", .def_text = "yours",
	  .help = "owner shown for every file (default: {default})" },
	{ NUM("gid=", gid, 10, 0, 4294967294UL), .def_num = our_gid, .metavar = "N",
	  .expected = "a number {range}", .def_text = "yours",
	  .help = "group shown for every file (default: {default})" },
	{ NUM("umask=", umask, 8, 0, 0777), .def = 0, .metavar = "OCTAL",
	  .expected = "octal {range}, like 022",
	  .help = "bits cleared from the modes shown (default: {default})" },
	{ PATH("spool_dir=", spool_dir), .def_str = default_spool_dir, .metavar = "DIR",
	  .def_text = "$XDG_CACHE_HOME/ftpsfs, else ~/.cache/ftpsfs, else /var/tmp/ftpsfs-UID",
	  .help = "folder for files being edited\n(default: {default})" },
	{ ENUM("atomic=", atomic, zero_one), .def = 1,
	  .help = "upload to a temporary name, then rename into\nplace (default: {default})" },
	{ FLAG("writeback", writeback), .def_text = "off",
	  .help = "close() returns once the data are spooled\n"
	          "(default: {default}); uploads run in the background,\n"
	          "several at once, and an upload error comes from\n"
	          "fsync() or only the log, no longer from close()" },
	{ ENUM("verify=", verify, verifies), .def = FTPS_VERIFY_SIZE,
	  .help = "check each upload against the server's SIZE,\n"
	          "and with hash its HASH/XSHA1/XMD5 (default: {default})" },
	{ ENUM("chown=", chown_mode, chowns), .def = FTPSFS_CHOWN_REFUSE,
	  .help = "a chown that changes the owner fails with EPERM,\n"
	          "or succeeds doing nothing (default: {default})" },
	{ ENUM("loglevel=", loglevel, loglevels), .lookup = ftps_log_parse_level,
	  .def = FTPS_LOG_INFO, .metavar = "LEVEL",
	  .help = "{values} (default: {default})" },
	/* fstab noise: meant for mount(8), not for us or the kernel (x-* too,
	 * which opt_proc drops) */
	{ DROP("_netdev") }, { DROP("auto") }, { DROP("noauto") }, { DROP("user") },
	{ DROP("users") }, { DROP("nofail") }, { DROP("defaults") }, { DROP("comment=") },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

const struct ftpsfs_opt_row *ftpsfs_opts_rows(size_t *n)
{
	if (n)
		*n = NROWS;
	return rows;
}
