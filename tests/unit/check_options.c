/* check_options.c - the daemon's command line and where the password comes
 * from: every option's value and its bad values, fstab noise, what is left
 * for libfuse (mount names escaped), -h listing every option, the option
 * table itself (every row in -h and the man text, each range and name list
 * checked at its ends), .netrc parsing, password from stdin, netrc,
 * anonymous, and a terminal (a pty).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "options.h"
#include "login.h"
#include "netrc.h"

/* ---- helpers ---- */

struct parsed {
	struct fuse_args args;
	struct ftpsfs_opts o;
	char err[512];
	int rc;
};

/* Parse a NULL-terminated argv (argv[0] is added). */
static void parse_v(struct parsed *p, const char *const *words)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(fuse_opt_add_arg(&p->args, "ftpsfs"), 0);
	for (size_t i = 0; words[i]; i++)
		ck_assert_int_eq(fuse_opt_add_arg(&p->args, words[i]), 0);
	p->rc = ftpsfs_opts_parse(&p->args, &p->o, p->err, sizeof(p->err));
	if (p->rc != 0) {
		ck_assert_msg(p->err[0] != '\0', "error without a message");
		ck_assert_msg(strchr(p->err, '\n') == NULL, "message with a newline: %s", p->err);
		ck_assert_msg(strncmp(p->err, "ftpsfs: ", 8) == 0, "message: %s", p->err);
	}
}

#define PARSE(p, ...) parse_v((p), (const char *const[]){ __VA_ARGS__, NULL })

static void done(struct parsed *p)
{
	ftpsfs_opts_free(&p->o);
	fuse_opt_free_args(&p->args);
}

static int has_arg(const struct parsed *p, const char *a)
{
	for (int i = 0; i < p->args.argc; i++)
		if (strcmp(p->args.argv[i], a) == 0)
			return 1;
	return 0;
}

/* Any argument containing s. */
static int arg_contains(const struct parsed *p, const char *s)
{
	for (int i = 0; i < p->args.argc; i++)
		if (strstr(p->args.argv[i], s))
			return 1;
	return 0;
}

static void ok(struct parsed *p)
{
	ck_assert_msg(p->rc == 0, "parse failed: %s", p->err);
}

#define URL "ftpes://alice@ftp.example.org:2121/pub"

/* ---- parsing ---- */

START_TEST(defaults)
{
	struct parsed p;

	PARSE(&p, URL, "/mnt/x");
	ok(&p);
	ck_assert_str_eq(p.o.url, URL);
	ck_assert_str_eq(p.o.mountpoint, "/mnt/x");
	ck_assert_int_eq(p.o.url_parsed, 1);
	ck_assert_str_eq(p.o.u.host, "ftp.example.org");
	ck_assert_uint_eq(p.o.u.port, 2121);
	ck_assert_int_eq(p.o.u.security, FTPS_SEC_EXPLICIT);
	ck_assert_str_eq(p.o.user, "alice");
	ck_assert_uint_eq(p.o.max_conns, 5);
	ck_assert_uint_eq(p.o.timeout, 30);
	ck_assert_uint_eq(p.o.dir_cache, 60);
	ck_assert_uint_eq(p.o.dir_cache_max, 200000);
	ck_assert_uint_eq(p.o.keepalive, 60);
	ck_assert_uint_eq(p.o.prefetch, 4);
	ck_assert_int_eq(p.o.listing, FTPS_LISTMODE_AUTO);
	ck_assert_uint_eq(p.o.uid, getuid());
	ck_assert_uint_eq(p.o.gid, getgid());
	ck_assert_uint_eq(p.o.umask, 0);
	ck_assert_int_eq(p.o.atomic, 1);
	ck_assert_int_eq(p.o.verify, FTPS_VERIFY_SIZE);
	ck_assert_int_eq(p.o.chown_mode, FTPSFS_CHOWN_REFUSE);
	ck_assert_int_eq(p.o.loglevel, FTPS_LOG_INFO);
	ck_assert_int_eq(p.o.tls_version, 0);
	ck_assert_int_eq(p.o.insecure + p.o.plaintext + p.o.active + p.o.pasv_addr, 0);
	ck_assert_int_eq(p.o.password_stdin + p.o.has_fingerprint + p.o.probe, 0);
	ck_assert_int_eq(p.o.show_help + p.o.show_version, 0);
	ck_assert_ptr_null(p.o.password);
	ck_assert_ptr_nonnull(p.o.spool_dir);
	ck_assert(p.o.spool_dir[0] == '/');
	/* what libfuse gets */
	ck_assert_int_eq(p.args.argc, 4);
	ck_assert_str_eq(p.args.argv[0], "ftpsfs");
	ck_assert(has_arg(&p, "-osubtype=ftpsfs"));
	ck_assert(has_arg(&p, "-ofsname=ftpes://alice@ftp.example.org:2121/pub"));
	ck_assert_str_eq(p.args.argv[3], "/mnt/x");
	done(&p);
}
END_TEST

START_TEST(every_option)
{
	struct parsed p;

	PARSE(&p, "-o", "user=bob,password_stdin,netrc=/tmp/n,cafile=/tmp/ca.pem",
	      "-o", "fingerprint=SHA256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	            "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
	      "-oplaintext,active,active_ports=50000-50010,active_addr=192.0.2.7",
	      "-o", "max_conns=64,timeout=3600,dir_cache=0,dir_cache_max=5000,listing=list",
	      "-o", "uid=1234,gid=4321,umask=027,spool_dir=/var/tmp/sp,atomic=0",
	      "-o", "verify=hash,chown=ignore,keepalive=0,loglevel=trace,tls=1.2,prefetch=0",
	      "ftp://h", "/m");
	ok(&p);
	ck_assert_str_eq(p.o.user, "bob");
	ck_assert_int_eq(p.o.password_stdin, 1);
	ck_assert_str_eq(p.o.netrc, "/tmp/n");
	ck_assert_str_eq(p.o.cafile, "/tmp/ca.pem");
	ck_assert_int_eq(p.o.has_fingerprint, 1);
	ck_assert_uint_eq(p.o.fingerprint[0], 0x00);
	ck_assert_uint_eq(p.o.fingerprint[10], 0xaa);
	ck_assert_uint_eq(p.o.fingerprint[31], 0xff);
	ck_assert_int_eq(p.o.plaintext, 1);
	ck_assert_int_eq(p.o.u.security, FTPS_SEC_PLAIN);
	ck_assert_int_eq(p.o.active, 1);
	ck_assert_uint_eq(p.o.active_port_lo, 50000);
	ck_assert_uint_eq(p.o.active_port_hi, 50010);
	ck_assert_str_eq(p.o.active_addr, "192.0.2.7");
	ck_assert_uint_eq(p.o.max_conns, 64);
	ck_assert_uint_eq(p.o.timeout, 3600);
	ck_assert_uint_eq(p.o.dir_cache, 0);
	ck_assert_uint_eq(p.o.dir_cache_max, 5000);
	ck_assert_int_eq(p.o.listing, FTPS_LISTMODE_LIST);
	ck_assert_uint_eq(p.o.uid, 1234);
	ck_assert_uint_eq(p.o.gid, 4321);
	ck_assert_uint_eq(p.o.umask, 027);
	ck_assert_str_eq(p.o.spool_dir, "/var/tmp/sp");
	ck_assert_int_eq(p.o.atomic, 0);
	ck_assert_int_eq(p.o.verify, FTPS_VERIFY_HASH);
	ck_assert_int_eq(p.o.chown_mode, FTPSFS_CHOWN_IGNORE);
	ck_assert_uint_eq(p.o.keepalive, 0);
	ck_assert_uint_eq(p.o.prefetch, 0);
	ck_assert_int_eq(p.o.loglevel, FTPS_LOG_TRACE);
	ck_assert_int_eq(p.o.tls_version, TLS1_2_VERSION);
	/* none of ours reach libfuse */
	ck_assert(!arg_contains(&p, "max_conns"));
	ck_assert(!arg_contains(&p, "umask"));
	ck_assert(!arg_contains(&p, "uid="));
	ck_assert(!arg_contains(&p, "password_stdin"));
	ck_assert(!arg_contains(&p, "fingerprint"));
	ck_assert_int_eq(p.args.argc, 4);       /* argv[0], fsname, subtype, mountpoint */
	done(&p);
}
END_TEST

START_TEST(other_values)
{
	struct parsed p;

	PARSE(&p, "-o", "listing=mlsd,verify=none,chown=refuse,loglevel=error,tls=1.3,atomic=1",
	      "-o", "insecure,pasv_addr,max_conns=1,timeout=1,umask=0,uid=0,gid=4294967294",
	      "-o", "active_addr=::1", "h", "/m");
	/* active_addr means active mode, which pasv_addr contradicts */
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: -o pasv_addr is for passive mode and cannot go with active mode");
	done(&p);

	PARSE(&p, "-o", "listing=mlsd,verify=none,chown=refuse,loglevel=error,tls=1.3,atomic=1",
	      "-o", "insecure,pasv_addr,max_conns=1,timeout=1,umask=0,uid=0,gid=4294967294",
	      "ftps://[::1]/x", "/m");
	ok(&p);
	ck_assert_int_eq(p.o.listing, FTPS_LISTMODE_MLSD);
	ck_assert_int_eq(p.o.verify, FTPS_VERIFY_NONE);
	ck_assert_int_eq(p.o.chown_mode, FTPSFS_CHOWN_REFUSE);
	ck_assert_int_eq(p.o.loglevel, FTPS_LOG_ERROR);
	ck_assert_int_eq(p.o.tls_version, TLS1_3_VERSION);
	ck_assert_int_eq(p.o.insecure, 1);
	ck_assert_int_eq(p.o.pasv_addr, 1);
	ck_assert_uint_eq(p.o.max_conns, 1);
	ck_assert_uint_eq(p.o.uid, 0);
	ck_assert_uint_eq(p.o.gid, 4294967294u);
	ck_assert_int_eq(p.o.u.security, FTPS_SEC_IMPLICIT);
	ck_assert_str_eq(p.o.u.host, "::1");
	ck_assert_ptr_null(p.o.user);
	ck_assert(has_arg(&p, "-ofsname=ftps://[::1]:990/x"));
	done(&p);

	/* an active port range alone means active mode */
	PARSE(&p, "-oactive_ports=2000-2000", "h", "/m");
	ok(&p);
	ck_assert_int_eq(p.o.active, 1);
	ck_assert_uint_eq(p.o.active_port_lo, 2000);
	ck_assert_uint_eq(p.o.active_port_hi, 2000);
	done(&p);
}
END_TEST

/* -o writeback runs its uploads one per connection but one: its default
 * pool is larger, and a max_conns given still wins, in either order. */
START_TEST(writeback_conns)
{
	struct parsed p;

	PARSE(&p, "-o", "writeback", "h", "/m");
	ok(&p);
	ck_assert_uint_eq(p.o.max_conns, 12);
	done(&p);
	PARSE(&p, "-o", "max_conns=3,writeback", "h", "/m");
	ok(&p);
	ck_assert_uint_eq(p.o.max_conns, 3);
	done(&p);
	PARSE(&p, "-o", "writeback", "-o", "max_conns=4", "h", "/m");
	ok(&p);
	ck_assert_uint_eq(p.o.max_conns, 4);
	done(&p);
}
END_TEST

START_TEST(later_value_wins)
{
	struct parsed p;

	PARSE(&p, "-o", "max_conns=2,user=a", "-o", "max_conns=3,user=b,spool_dir=/x",
	      "-ospool_dir=/y", "h", "/m");
	ok(&p);
	ck_assert_uint_eq(p.o.max_conns, 3);
	ck_assert_str_eq(p.o.user, "b");
	ck_assert_str_eq(p.o.spool_dir, "/y");
	done(&p);
}
END_TEST

START_TEST(fuse_options_pass_through)
{
	struct parsed p;

	PARSE(&p, "-f", "-d", "-s", "-o", "allow_other,ro,max_conns=2,default_permissions",
	      URL, "/mnt/x", "-o", "noatime", "-o", "some_unknown_thing=1");
	ok(&p);
	ck_assert(has_arg(&p, "-f"));
	ck_assert(has_arg(&p, "-d"));
	ck_assert(has_arg(&p, "-s"));
	ck_assert(arg_contains(&p, "allow_other"));
	ck_assert(arg_contains(&p, "ro"));
	ck_assert(arg_contains(&p, "default_permissions"));
	ck_assert(arg_contains(&p, "noatime"));
	/* unknown options are left for libfuse, which names them */
	ck_assert(arg_contains(&p, "some_unknown_thing=1"));
	ck_assert(!arg_contains(&p, "max_conns"));
	ck_assert(!has_arg(&p, URL));
	ck_assert(has_arg(&p, "/mnt/x"));
	ck_assert_uint_eq(p.o.max_conns, 2);
	done(&p);

	/* allow_other alone brings default_permissions: with every user let
	 * in, the kernel must check the modes */
	PARSE(&p, "-o", "allow_other", URL, "/mnt/x");
	ok(&p);
	ck_assert(arg_contains(&p, "allow_other"));
	ck_assert(arg_contains(&p, "default_permissions"));
	done(&p);
	PARSE(&p, URL, "/mnt/x");
	ok(&p);
	ck_assert(!arg_contains(&p, "default_permissions"));
	done(&p);
}
END_TEST

/* A password as an option is refused without being quoted back. */
START_TEST(password_option_refused)
{
	static const char *const forms[] = { "password=Sekrit1", "pass=Sekrit1", "passwd=Sekrit1",
	                                     "pw=Sekrit1", "PASSWORD=Sekrit1" };
	struct parsed p;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		PARSE(&p, "-o", forms[i], URL, "/mnt/x");
		ck_assert_int_eq(p.rc, -1);
		ck_assert(strstr(p.err, "command line") != NULL);
		ck_assert(strstr(p.err, "Sekrit1") == NULL);
		done(&p);
	}
	/* password_stdin is not a password */
	PARSE(&p, "-o", "password_stdin", URL, "/mnt/x");
	ok(&p);
	done(&p);
}
END_TEST

START_TEST(fstab_noise)
{
	struct parsed p;

	/* as mount.fuse3 passes an fstab line on */
	PARSE(&p, URL, "/mnt/x", "-o",
	      "rw,_netdev,auto,noauto,user,users,nofail,defaults,comment=x-gvfs,"
	      "x-systemd.automount,x-systemd.idle-timeout=60,x-gvfs-show,timeout=9");
	ok(&p);
	ck_assert_uint_eq(p.o.timeout, 9);
	ck_assert_str_eq(p.o.user, "alice");            /* "user" alone is noise */
	for (int i = 0; i < p.args.argc; i++) {
		const char *a = p.args.argv[i];
		ck_assert_msg(!strstr(a, "_netdev") && !strstr(a, "auto") && !strstr(a, "nofail") &&
		              !strstr(a, "users") && !strstr(a, "defaults") && !strstr(a, "comment") &&
		              !strstr(a, "x-"), "noise left: %s", a);
	}
	ck_assert(arg_contains(&p, "rw"));
	done(&p);
}
END_TEST

/* ---- bad values ---- */

struct bad {
	const char *opt;
	const char *name;
};

static const struct bad bad_values[] = {
	{ "max_conns=0", "max_conns" }, { "max_conns=65", "max_conns" },
	{ "max_conns=abc", "max_conns" }, { "max_conns=-1", "max_conns" },
	{ "max_conns=+4", "max_conns" }, { "max_conns=", "max_conns" },
	{ "max_conns= 4", "max_conns" }, { "max_conns=4x", "max_conns" },
	{ "max_conns=0x4", "max_conns" },
	{ "max_conns=99999999999999999999999", "max_conns" },
	{ "timeout=0", "timeout" }, { "timeout=3601", "timeout" }, { "timeout=1.5", "timeout" },
	{ "dir_cache=-1", "dir_cache" }, { "dir_cache=86401", "dir_cache" },
	{ "dir_cache_max=999", "dir_cache_max" }, { "dir_cache_max=10000001", "dir_cache_max" },
	{ "prefetch=17", "prefetch" }, { "prefetch=-1", "prefetch" },
	{ "keepalive=x", "keepalive" }, { "keepalive=86401", "keepalive" },
	{ "uid=4294967295", "uid" }, { "uid=-1", "uid" }, { "uid=root", "uid" },
	{ "gid=99999999999", "gid" }, { "gid=", "gid" },
	{ "umask=8", "umask" }, { "umask=0999", "umask" }, { "umask=1000", "umask" },
	{ "umask=-2", "umask" }, { "umask=u=rwx", "umask" },
	{ "listing=foo", "listing" }, { "listing=MLSD", "listing" }, { "listing=", "listing" },
	{ "verify=sha1", "verify" }, { "chown=yes", "chown" },
	{ "loglevel=verbose", "loglevel" }, { "loglevel=", "loglevel" },
	{ "tls=1.1", "tls" }, { "tls=1.2.0", "tls" }, { "tls=", "tls" },
	{ "atomic=2", "atomic" }, { "atomic=yes", "atomic" }, { "atomic=", "atomic" },
	{ "active_ports=100", "active_ports" }, { "active_ports=0-10", "active_ports" },
	{ "active_ports=10-5", "active_ports" }, { "active_ports=1-65536", "active_ports" },
	{ "active_ports=-", "active_ports" }, { "active_ports=5-", "active_ports" },
	{ "active_ports=1-2-3", "active_ports" }, { "active_ports=123456789-2", "active_ports" },
	{ "active_addr=ftp.example.org", "active_addr" }, { "active_addr=", "active_addr" },
	{ "active_addr=[::1]", "active_addr" }, { "active_addr=1.2.3.4.5", "active_addr" },
	{ "fingerprint=", "fingerprint" }, { "fingerprint=SHA256:", "fingerprint" },
	{ "fingerprint=abcd", "fingerprint" },
	{ "fingerprint=00112233445566778899aabbccddeeff00112233445566778899aabbccddee", "fingerprint" },
	{ "fingerprint=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00",
	  "fingerprint" },
	{ "fingerprint=0g112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	  "fingerprint" },
	{ "fingerprint=:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	  "fingerprint" },
	{ "fingerprint=00::112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	  "fingerprint" },
	{ "fingerprint=0:0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	  "fingerprint" },
	{ "fingerprint=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff:",
	  "fingerprint" },
	{ "fingerprint=MD5:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	  "fingerprint" },
	{ "user=", "user" }, { "user=a\nPASS x", "user" }, { "user=a\rb", "user" },
	{ "netrc=", "netrc" }, { "cafile=", "cafile" }, { "spool_dir=", "spool_dir" },
};

START_TEST(bad_value)
{
	const struct bad *b = &bad_values[_i];
	struct parsed p;
	char prefix[128];

	PARSE(&p, "-o", b->opt, "h", "/m");
	ck_assert_msg(p.rc == -1, "-o %s accepted", b->opt);
	snprintf(prefix, sizeof(prefix), "ftpsfs: bad value for -o %s: '", b->name);
	ck_assert_msg(strncmp(p.err, prefix, strlen(prefix)) == 0, "-o %s: '%s'", b->opt, p.err);
	ck_assert_msg(strstr(p.err, "(expected "), "-o %s: '%s'", b->opt, p.err);
	done(&p);
}
END_TEST

START_TEST(bad_value_message)
{
	struct parsed p;

	PARSE(&p, "-o", "max_conns=abc", "h", "/m");
	ck_assert_str_eq(p.err, "ftpsfs: bad value for -o max_conns: 'abc' (expected 1..64)");
	done(&p);
	/* the first bad value is the one reported */
	PARSE(&p, "-o", "umask=9,timeout=0", "h", "/m");
	ck_assert_str_eq(p.err, "ftpsfs: bad value for -o umask: '9' (expected octal 0..777, like 022)");
	done(&p);
	/* a long value is cut */
	char big[400];
	memset(big, 'z', sizeof(big));
	memcpy(big, "timeout=", 8);
	big[sizeof(big) - 1] = '\0';
	PARSE(&p, "-o", big, "h", "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert(strlen(p.err) < 200);
	done(&p);
}
END_TEST

START_TEST(fingerprint_forms)
{
	static const char *const forms[] = {
		"SHA256:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9",
		"sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9",
		"0a1b:2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		NULL
	};
	static const unsigned char want[16] = {
		0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71,
		0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9 };
	char opt[256];

	for (size_t i = 0; forms[i]; i++) {
		struct parsed p;
		snprintf(opt, sizeof(opt), "fingerprint=%s", forms[i]);
		PARSE(&p, "-o", opt, "h", "/m");
		ck_assert_msg(p.rc == 0, "%s: %s", forms[i], p.err);
		ck_assert_int_eq(p.o.has_fingerprint, 1);
		ck_assert_mem_eq(p.o.fingerprint, want, 16);
		ck_assert_mem_eq(p.o.fingerprint + 16, want, 16);
		done(&p);
	}
}
END_TEST

START_TEST(positional_errors)
{
	struct parsed p;

	PARSE(&p, "-o", "max_conns=2");
	ck_assert_int_eq(p.rc, -1);
	ck_assert(strncmp(p.err, "ftpsfs: missing URL", 19) == 0);
	done(&p);

	PARSE(&p, URL);
	ck_assert_int_eq(p.rc, -1);
	ck_assert(strncmp(p.err, "ftpsfs: missing MOUNTPOINT", 26) == 0);
	done(&p);

	PARSE(&p, URL, "/m", "extra");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: unexpected argument 'extra' (usage: ftpsfs [options] URL MOUNTPOINT)");
	done(&p);

	PARSE(&p, URL, "/m", "-o");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: -o needs an option after it");
	done(&p);

	/* "--" ends the options; our names go before it */
	PARSE(&p, URL, "--", "/m");
	ok(&p);
	ck_assert_str_eq(p.o.mountpoint, "/m");
	ck_assert(strncmp(p.args.argv[1], "-o", 2) == 0);
	ck_assert(strncmp(p.args.argv[2], "-o", 2) == 0);
	ck_assert_str_eq(p.args.argv[p.args.argc - 1], "/m");
	done(&p);
}
END_TEST

START_TEST(url_rules)
{
	struct parsed p;

	PARSE(&p, "ftp://h/x", "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_msg(strstr(p.err, "-o plaintext"), "%s", p.err);
	done(&p);

	PARSE(&p, "-o", "plaintext", "ftp://h/x", "/m");
	ok(&p);
	ck_assert_int_eq(p.o.u.security, FTPS_SEC_PLAIN);
	ck_assert(has_arg(&p, "-ofsname=ftp://h:21/x"));
	done(&p);

	PARSE(&p, "ftpes://", "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert(strncmp(p.err, "ftpsfs: bad URL: ", 17) == 0);
	done(&p);

	/* a password in the URL is refused and never echoed */
	PARSE(&p, "ftpes://bob:hunter2@h/", "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert(strncmp(p.err, "ftpsfs: bad URL: ", 17) == 0);
	ck_assert_msg(!strstr(p.err, "hunter2"), "%s", p.err);
	done(&p);

	/* -o user wins over the URL's user, in the source name too */
	PARSE(&p, "-o", "user=carol", "ftpes://bob@h/", "/m");
	ok(&p);
	ck_assert_str_eq(p.o.user, "carol");
	ck_assert(has_arg(&p, "-ofsname=ftpes://carol@h:21/"));
	done(&p);

	PARSE(&p, "bob@h:99", "/m");
	ok(&p);
	ck_assert_str_eq(p.o.user, "bob");
	ck_assert_uint_eq(p.o.u.port, 99);
	ck_assert_int_eq(p.o.u.security, FTPS_SEC_EXPLICIT);
	done(&p);
}
END_TEST

START_TEST(contradictions)
{
	struct parsed p;

	PARSE(&p, "-o", "insecure,fingerprint=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
	      "h", "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: -o insecure and -o fingerprint contradict each other: give one");
	done(&p);

	PARSE(&p, "-o", "active,pasv_addr", "h", "/m");
	ck_assert_int_eq(p.rc, -1);
	done(&p);
}
END_TEST

/* fuse_opt must get the source name back exactly, commas and all. */
static char *seen_fsname;

static int fsname_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	(void)data;
	(void)out;
	if (key == FUSE_OPT_KEY_OPT && strncmp(arg, "fsname=", 7) == 0) {
		free(seen_fsname);
		seen_fsname = strdup(arg + 7);
		return 0;
	}
	return 1;
}

START_TEST(fsname_escaped)
{
	static const struct fuse_opt none[] = { FUSE_OPT_END };
	struct parsed p;

	PARSE(&p, "-o", "user=a\\,b", "ftpes://h/dir,with,commas\\and\\\\slashes", "/m");
	ok(&p);
	ck_assert_str_eq(p.o.user, "a,b");
	ck_assert_str_eq(p.o.u.path, "/dir,with,commas\\and\\\\slashes");
	seen_fsname = NULL;
	ck_assert_int_eq(fuse_opt_parse(&p.args, NULL, none, fsname_proc), 0);
	ck_assert_ptr_nonnull(seen_fsname);
	ck_assert_str_eq(seen_fsname, "ftpes://a,b@h:21/dir,with,commas\\and\\\\slashes");
	free(seen_fsname);
	done(&p);

	/* the user's own fsname= and subtype= are kept, ours not added */
	PARSE(&p, "-o", "fsname=mine,subtype=other", "h", "/m");
	ok(&p);
	ck_assert(!arg_contains(&p, "ftpes://"));
	ck_assert(!arg_contains(&p, "subtype=ftpsfs"));
	ck_assert(arg_contains(&p, "fsname=mine"));
	done(&p);
}
END_TEST

START_TEST(help_version_probe)
{
	struct parsed p;

	PARSE(&p, "-h");
	ok(&p);
	ck_assert_int_eq(p.o.show_help, 1);
	ck_assert(!has_arg(&p, "-h"));
	done(&p);
	PARSE(&p, "--help", "-o", "max_conns=3");
	ok(&p);
	ck_assert_int_eq(p.o.show_help, 1);
	done(&p);
	PARSE(&p, "-V");
	ok(&p);
	ck_assert_int_eq(p.o.show_version, 1);
	done(&p);
	PARSE(&p, "--version", URL, "/m");
	ok(&p);
	ck_assert_int_eq(p.o.show_version, 1);
	done(&p);
	/* a bad value is reported even with -h */
	PARSE(&p, "-h", "-o", "max_conns=0");
	ck_assert_int_eq(p.rc, -1);
	done(&p);

	PARSE(&p, "--probe", URL);
	ok(&p);
	ck_assert_int_eq(p.o.probe, 1);
	ck_assert_ptr_null(p.o.mountpoint);
	ck_assert(!arg_contains(&p, "fsname"));
	done(&p);
	PARSE(&p, "--probe");
	ck_assert_int_eq(p.rc, -1);
	done(&p);
}
END_TEST

START_TEST(usage_lists_every_option)
{
	static const char *const names[] = {
		"-h", "--help", "-V", "--version", "--probe", "user=", "password_stdin",
		"password_file=", "netrc=",
		"cafile=", "fingerprint=SHA256:HEX", "insecure", "plaintext", "tls=1.2|1.3",
		"active", "active_ports=LOW-HIGH", "active_addr=", "pasv_addr", "max_conns=",
		"timeout=", "keepalive=", "dir_cache=", "dir_cache_max=", "prefetch=",
		"listing=auto|mlsd|list", "uid=", "gid=", "umask=", "spool_dir=", "atomic=0|1",
		"writeback", "verify=size|hash|none", "chown=refuse|ignore", "loglevel=", "_netdev",
		"URL MOUNTPOINT", "ftpes://", "ftps://", "ftp://", NULL
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ftpsfs_opts_usage(f, "ftpsfs");
	fclose(f);
	for (size_t i = 0; names[i]; i++)
		ck_assert_msg(strstr(text, names[i]), "-h lacks %s", names[i]);
	ck_assert(strstr(text, "max_conns=N             connections to the server, 1..64 (default: 5, 12 with writeback)"));
	ck_assert(strstr(text, "timeout=SECONDS         network timeout, 1..3600 (default: 30)"));
	ck_assert(strstr(text, "dir_cache=SECONDS       how long listings stay cached, 0 = off (default: 60)"));
	/* every "-o" line names a default, on it or the next line */
	for (char *line = strstr(text, "    -o "); line; line = strstr(line + 1, "    -o ")) {
		char *eol = strchr(line, '\n');
		char *next = eol ? strchr(eol + 1, '\n') : NULL;
		char *def = strstr(line, "default");
		ck_assert_msg(def && (!next || def < next), "no default: %.60s", line);
	}
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	ftpsfs_opts_print_version(f);
	fclose(f);
	ck_assert_msg(strstr(text, "ftpsfs " PACKAGE_VERSION "\n"), "%s", text);
	ck_assert(strstr(text, "libfuse 3."));
	ck_assert(strstr(text, "OpenSSL"));
	free(text);
}
END_TEST

/* ---- the table: every row, in -h, in the man page, its checks ---- */

static const struct ftpsfs_opt_row *row(size_t i)
{
	size_t n;
	const struct ftpsfs_opt_row *rows = ftpsfs_opts_rows(&n);

	ck_assert_uint_lt(i, n);
	return &rows[i];
}

static size_t nrows(void)
{
	size_t n;

	ftpsfs_opts_rows(&n);
	return n;
}

/* The field a row fills, as a number. */
static unsigned long field_value(const struct ftpsfs_opts *o, const struct ftpsfs_opt_row *r)
{
	const char *p = (const char *)o + r->off;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (r->size) {
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	case 8: memcpy(&v64, p, 8); return (unsigned long)v64;
	}
	ck_abort_msg("%s: field of %zu bytes", r->name, r->size);
	return 0;
}

static unsigned long row_default(const struct ftpsfs_opt_row *r)
{
	return r->def_num ? r->def_num() : r->def;
}

static int takes_value(const struct ftpsfs_opt_row *r)
{
	return r->kind != FTPSFS_OPT_FLAG && r->kind != FTPSFS_OPT_DROP;
}

/* Rows that cannot work are caught here rather than by a user. */
START_TEST(rows_consistent)
{
	for (size_t i = 0; i < nrows(); i++) {
		const struct ftpsfs_opt_row *r = row(i);
		size_t len = strlen(r->name);
		ck_assert_msg(len > 0 && !strchr(r->name, ','), "row %zu: name '%s'", i, r->name);
		ck_assert_msg(r->kind == FTPSFS_OPT_DROP || (r->name[len - 1] == '=') == takes_value(r),
		              "%s: a value row's name ends in '=', no other's does", r->name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(r->name, row(j)->name) != 0, "%s twice", r->name);
		if (r->kind == FTPSFS_OPT_DROP)
			continue;
		ck_assert_msg(r->help && r->help[0], "%s: no help", r->name);
		if (r->name[0] != '-')
			ck_assert_msg(strstr(r->help, "{default}"), "%s: help without {default}",
			              r->name);
		if (r->kind == FTPSFS_OPT_FLAG)
			ck_assert_msg(r->size == sizeof(int), "%s: fuse_opt sets an int", r->name);
		if (r->def_num || r->def_str)   /* what the man page says instead */
			ck_assert_msg(r->def_text, "%s: a run-time default undescribed", r->name);
		if (r->kind == FTPSFS_OPT_TEXT || r->kind == FTPSFS_OPT_CUSTOM)
			ck_assert_msg(r->expected, "%s: no text for a bad value", r->name);
		if (r->kind == FTPSFS_OPT_CUSTOM)
			ck_assert_ptr_nonnull(r->parse);
		if (r->kind == FTPSFS_OPT_UNSIGNED) {
			ck_assert_msg(r->base == 10 || r->base == 8, "%s: base %d", r->name, r->base);
			ck_assert_msg(r->lo <= r->hi, "%s: empty range", r->name);
			ck_assert_msg(r->size == 2 || r->size == 4 || r->size == 8, "%s", r->name);
			ck_assert_msg(r->hi <= (r->size == 8 ? ~0UL : (1UL << (8 * r->size)) - 1),
			              "%s: %lu does not fit", r->name, r->hi);
			ck_assert_msg(r->def_num || (r->def >= r->lo && r->def <= r->hi),
			              "%s: default %lu out of range", r->name, r->def);
		}
		if (r->kind == FTPSFS_OPT_ENUM) {
			int found = 0;
			ck_assert_msg(r->choices && r->choices[0].name, "%s: no names", r->name);
			ck_assert_msg(r->size == sizeof(int), "%s: an enum is an int", r->name);
			for (const struct ftpsfs_opt_choice *c = r->choices; c->name; c++)
				found |= (unsigned long)c->value == r->def;
			ck_assert_msg(found || r->def_text, "%s: default not among the names", r->name);
		}
	}
}
END_TEST

/* -h lists every row: an option at the start of its line with its default
 * on it or the lines after it, the fstab noise in its paragraph. */
START_TEST(rows_in_help)
{
	char *text = NULL, *noise;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ftpsfs_opts_usage(f, "ftpsfs");
	fclose(f);
	noise = strstr(text, "\nAccepted and ignored (fstab):");
	ck_assert_ptr_nonnull(noise);
	for (char *s = noise; *s; s++)
		if (*s == '\n')
			*s = ' ';
	for (size_t i = 0; i < nrows(); i++) {
		const struct ftpsfs_opt_row *r = row(i);
		char want[128], *at, *next, *def;
		if (r->kind == FTPSFS_OPT_DROP) {
			snprintf(want, sizeof(want), " %s%s,", r->name,
			         strchr(r->name, '=') ? "..." : "");
			ck_assert_msg(strstr(noise, want), "-h lacks fstab noise %s", r->name);
			continue;
		}
		if (r->name[0] == '-')
			snprintf(want, sizeof(want), "\n    %s%s%s ", r->name, r->alias ? ", " : "",
			         r->alias ? r->alias : "");
		else
			snprintf(want, sizeof(want), "\n    -o %s%s", r->name,
			         r->kind == FTPSFS_OPT_FLAG ? " " : "");
		at = strstr(text, want);
		ck_assert_msg(at && at < noise, "-h lacks '%s'", want + 1);
		if (r->name[0] == '-')
			continue;
		/* its text runs up to the next option */
		next = strstr(at + 1, "\n    -");
		if (!next || next > noise)
			next = noise;
		def = strstr(at, "default: ");
		ck_assert_msg(def && def < next, "-h: %s without a default", r->name);
		if ((r->kind == FTPSFS_OPT_UNSIGNED && !r->def_num) ||
		    (r->kind == FTPSFS_OPT_ENUM && !r->def_text)) {
			/* the one opts_init sets */
			char shown[64] = "";
			if (r->kind == FTPSFS_OPT_UNSIGNED)
				snprintf(shown, sizeof(shown), r->base == 8 ? "default: %03lo" :
				         "default: %lu", r->def);
			for (const struct ftpsfs_opt_choice *c = r->choices; c && c->name; c++)
				if ((unsigned long)c->value == r->def)
					snprintf(shown, sizeof(shown), "default: %s", c->name);
			def = strstr(at, shown);
			ck_assert_msg(shown[0] && def && def < next, "-h: %s lacks '%s'", r->name,
			              shown);
		}
	}
	free(text);
}
END_TEST

/* s as roff writes it: '-' escaped. */
static void roffed(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 3 < len; s++) {
		if (*s == '-')
			dst[n++] = '\\';
		dst[n++] = *s;
	}
	dst[n] = '\0';
}

START_TEST(rows_in_man)
{
	char *text = NULL, *noise, name[64], want[128];
	size_t len = 0, entries = 0, tp = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ftpsfs_opts_man(f);
	fclose(f);
	ck_assert_msg(len > 0 && text[len - 1] == '\n', "man text does not end a line");
	noise = strstr(text, "\n.PP\nAccepted and ignored (fstab):");
	ck_assert_ptr_nonnull(noise);
	for (size_t i = 0; i < nrows(); i++) {
		const struct ftpsfs_opt_row *r = row(i);
		roffed(name, sizeof(name), r->name);
		if (r->kind == FTPSFS_OPT_DROP) {
			snprintf(want, sizeof(want), " %s%s,", name, strchr(r->name, '=') ? "..." : "");
			ck_assert_msg(strstr(noise, want), "man lacks fstab noise %s", r->name);
			continue;
		}
		entries++;
		snprintf(want, sizeof(want), ".TP\n\\fB%s%s", r->name[0] == '-' ? "" : "\\-o ", name);
		ck_assert_msg(strstr(text, want), "man lacks %s", r->name);
	}
	/* one .TP per option; no other line may start a request by chance */
	for (char *line = text; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, ".TP\n", 4) == 0)
			tp++;
		else if (*line == '.' || *line == '\'')
			ck_assert_msg(strncmp(line, ".PP\n", 4) == 0, "stray request: %.40s", line);
		ck_assert_msg(strchr(line, '\n') != line, "an empty line in the man text");
	}
	ck_assert_uint_eq(tp, entries);
	/* run-time defaults are described, not this machine's */
	ck_assert_msg(strstr(text, "$XDG_CACHE_HOME/ftpsfs"), "%s", text);
	ck_assert(strstr(text, "\\fB\\-o max_conns=\\fR\\fIN\\fR\nconnections to the server, "
	                       "1..64 (default: 5, 12 with writeback)\n"));
	free(text);
}
END_TEST

/* Each number refuses lo - 1 and hi + 1, accepts lo and hi, and says which
 * option and what range. */
START_TEST(row_numbers)
{
	const struct ftpsfs_opt_row *r = row((size_t)_i);
	int oct = r->base == 8;
	char range[64], val[64], opt[128], prefix[160];
	unsigned long ends[2];
	struct parsed p;

	if (r->kind != FTPSFS_OPT_UNSIGNED)
		return;
	ends[0] = r->lo;
	ends[1] = r->hi;
	snprintf(range, sizeof(range), oct ? "%lo..%lo" : "%lu..%lu", r->lo, r->hi);
	for (int k = 0; k < 2; k++) {
		snprintf(val, sizeof(val), oct ? "%lo" : "%lu", ends[k]);
		snprintf(opt, sizeof(opt), "%s%s", r->name, val);
		PARSE(&p, "-o", opt, "h", "/m");
		ck_assert_msg(p.rc == 0, "-o %s: %s", opt, p.err);
		ck_assert_uint_eq(field_value(&p.o, r), ends[k]);
		done(&p);

		if (k == 0 && r->lo == 0)
			snprintf(val, sizeof(val), "-1");
		else
			snprintf(val, sizeof(val), oct ? "%lo" : "%lu", k == 0 ? r->lo - 1 : r->hi + 1);
		snprintf(opt, sizeof(opt), "%s%s", r->name, val);
		PARSE(&p, "-o", opt, "h", "/m");
		ck_assert_msg(p.rc == -1, "-o %s accepted", opt);
		snprintf(prefix, sizeof(prefix), "ftpsfs: bad value for -o %.*s: '%s' (expected ",
		         (int)strlen(r->name) - 1, r->name, val);
		ck_assert_msg(strncmp(p.err, prefix, strlen(prefix)) == 0, "%s", p.err);
		ck_assert_msg(strstr(p.err, range), "'%s' lacks %s", p.err, range);
		done(&p);
	}
}
END_TEST

/* Each name of an enum is taken; an unknown one is refused, with the
 * option named and every name listed. */
START_TEST(row_enums)
{
	const struct ftpsfs_opt_row *r = row((size_t)_i);
	char opt[128], prefix[160];
	struct parsed p;

	if (r->kind != FTPSFS_OPT_ENUM)
		return;
	for (const struct ftpsfs_opt_choice *c = r->choices; c->name; c++) {
		snprintf(opt, sizeof(opt), "%s%s", r->name, c->name);
		PARSE(&p, "-o", opt, "h", "/m");
		ck_assert_msg(p.rc == 0, "-o %s: %s", opt, p.err);
		ck_assert_uint_eq(field_value(&p.o, r), (unsigned long)c->value);
		done(&p);
	}
	snprintf(opt, sizeof(opt), "%sno-such-name", r->name);
	PARSE(&p, "-o", opt, "h", "/m");
	ck_assert_msg(p.rc == -1, "-o %s accepted", opt);
	snprintf(prefix, sizeof(prefix), "ftpsfs: bad value for -o %.*s: 'no-such-name' (expected ",
	         (int)strlen(r->name) - 1, r->name);
	ck_assert_msg(strncmp(p.err, prefix, strlen(prefix)) == 0, "%s", p.err);
	for (const struct ftpsfs_opt_choice *c = r->choices; c->name; c++)
		ck_assert_msg(strstr(p.err + strlen(prefix), c->name), "'%s' lacks %s", p.err,
		              c->name);
	done(&p);
}
END_TEST

/* What opts_init sets is what the rows say. */
START_TEST(rows_defaults)
{
	struct parsed p;

	PARSE(&p, "h", "/m");
	ok(&p);
	for (size_t i = 0; i < nrows(); i++) {
		const struct ftpsfs_opt_row *r = row(i);
		if (r->kind == FTPSFS_OPT_UNSIGNED || r->kind == FTPSFS_OPT_ENUM)
			ck_assert_msg(field_value(&p.o, r) == row_default(r), "%s: %lu, not %lu",
			              r->name, field_value(&p.o, r), row_default(r));
		if (r->def_str)
			ck_assert_ptr_nonnull(*(char **)((char *)&p.o + r->off));
	}
	done(&p);
}
END_TEST

/* ---- configuration ---- */

START_TEST(to_config)
{
	struct parsed p;
	struct ftps_config cfg;
	char err[256];

	PARSE(&p, "-o", "cafile=/dev/null,tls=1.3,timeout=7,active,active_addr=10.0.0.1,listing=list",
	      "-o", "fingerprint=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
	      URL, "/m");
	ok(&p);
	ck_assert_int_eq(ftpsfs_opts_to_config(&p.o, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.host, "ftp.example.org");
	ck_assert_uint_eq(cfg.port, 2121);
	ck_assert_int_eq(cfg.security, FTPS_SEC_EXPLICIT);
	ck_assert_str_eq(cfg.user, "alice");
	ck_assert_ptr_null(cfg.password);
	ck_assert_str_eq(cfg.cafile, "/dev/null");
	ck_assert_int_eq(cfg.tls_min, TLS1_3_VERSION);
	ck_assert_int_eq(cfg.tls_max, TLS1_3_VERSION);
	ck_assert_int_eq(cfg.timeout_ms, 7000);
	ck_assert_int_eq(cfg.connect_timeout_ms, 7000);
	ck_assert_int_eq(cfg.active, 1);
	ck_assert_str_eq(cfg.active_addr, "10.0.0.1");
	ck_assert_int_eq(cfg.listing, FTPS_LISTMODE_LIST);
	ck_assert_int_eq(cfg.has_fingerprint, 1);
	ck_assert_uint_eq(cfg.fingerprint[31], 0xf9);
	ck_assert_int_eq(cfg.insecure, 0);
	done(&p);

	PARSE(&p, "-o", "cafile=/nonexistent/ca.pem", URL, "/m");
	ok(&p);
	ck_assert_int_eq(ftpsfs_opts_to_config(&p.o, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ftpsfs: cannot read -o cafile '/nonexistent/ca.pem': No such file or directory");
	done(&p);

	PARSE(&p, "-o", "plaintext,insecure,pasv_addr", "ftp://h", "/m");
	ok(&p);
	ftps_log_set_level(FTPS_LOG_ERROR);     /* the warnings are expected */
	ck_assert_int_eq(ftpsfs_opts_to_config(&p.o, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.security, FTPS_SEC_PLAIN);
	ck_assert_int_eq(cfg.insecure, 1);
	ck_assert_int_eq(cfg.use_pasv_addr, 1);
	ck_assert_int_eq(cfg.tls_min + cfg.tls_max, 0);
	ck_assert_ptr_null(cfg.user);
	done(&p);

	struct ftpsfs_opts empty;
	memset(&empty, 0, sizeof(empty));
	ck_assert_int_eq(ftpsfs_opts_to_config(&empty, &cfg, err, sizeof(err)), -1);
}
END_TEST

/* ---- .netrc ---- */

struct nr {
	int rc;
	struct ftps_netrc_entry e;
	char err[128];
};

static void nfind(struct nr *r, const char *text, const char *host, const char *user)
{
	memset(r, 0, sizeof(*r));
	r->rc = ftps_netrc_find(text, strlen(text), host, user, &r->e, r->err, sizeof(r->err));
}

static void nexpect(const char *text, const char *host, const char *user, const char *login,
                    const char *password, const char *account, int is_default)
{
	struct nr r;

	nfind(&r, text, host, user);
	ck_assert_msg(r.rc == 1, "no entry for %s in <%s> (%s)", host, text, r.err);
	if (login)
		ck_assert_str_eq(r.e.login, login);
	else
		ck_assert_ptr_null(r.e.login);
	if (password)
		ck_assert_str_eq(r.e.password, password);
	else
		ck_assert_ptr_null(r.e.password);
	if (account)
		ck_assert_str_eq(r.e.account, account);
	else
		ck_assert_ptr_null(r.e.account);
	ck_assert_int_eq(r.e.is_default, is_default);
	ftps_netrc_entry_clear(&r.e);
	ck_assert_ptr_null(r.e.password);
}

static void nnone(const char *text, const char *host, const char *user)
{
	struct nr r;

	nfind(&r, text, host, user);
	ck_assert_msg(r.rc == 0, "entry found for %s in <%s>", host, text);
	ck_assert_ptr_null(r.e.login);
	ck_assert_ptr_null(r.e.password);
}

START_TEST(netrc_basic)
{
	const char *t = "machine ftp.example.org login alice password s3cret\n"
	                "machine other login bob password pw2 account acct\n";

	nexpect(t, "ftp.example.org", NULL, "alice", "s3cret", NULL, 0);
	nexpect(t, "FTP.Example.ORG", NULL, "alice", "s3cret", NULL, 0);
	nexpect(t, "other", NULL, "bob", "pw2", "acct", 0);
	nexpect(t, "other", "bob", "bob", "pw2", "acct", 0);
	nnone(t, "other", "carol");                 /* login must match a given user */
	nnone(t, "example.org", NULL);              /* no partial host match */
	nnone(t, "ftp.example.org.", NULL);
	nnone(t, "", NULL);
	nnone("", "h", NULL);
	nnone("   \n\t\n", "h", NULL);
	struct nr r;
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(ftps_netrc_find(t, strlen(t), NULL, NULL, &r.e, NULL, 0), 0);
	ck_assert_int_eq(ftps_netrc_find(NULL, 0, "h", NULL, &r.e, NULL, 0), 0);
	/* only the first len bytes count */
	ck_assert_int_eq(ftps_netrc_find(t, 23, "ftp.example.org", NULL, &r.e, NULL, 0), 1);
	ck_assert_ptr_null(r.e.login);
	ftps_netrc_entry_clear(&r.e);
	ftps_netrc_entry_clear(NULL);
}
END_TEST

START_TEST(netrc_choice)
{
	const char *t = "machine h login a password pa\n"
	                "machine h login b password pb\n"
	                "machine h password anyuser\n"
	                "default login anonymous password guest@\n";

	nexpect(t, "h", NULL, "a", "pa", NULL, 0);          /* first wins */
	nexpect(t, "h", "b", "b", "pb", NULL, 0);           /* the user's login */
	nexpect(t, "h", "zed", NULL, "anyuser", NULL, 0);   /* no login: any user */
	nexpect(t, "elsewhere", NULL, "anonymous", "guest@", NULL, 1);
	nnone(t, "elsewhere", "bob");                       /* default's login differs */
	/* a machine entry wins even after a misplaced default */
	nexpect("default login d password pd machine h login m password pm", "h", NULL,
	        "m", "pm", NULL, 0);
	nexpect("default password pd", "x", "anyone", NULL, "pd", NULL, 1);
}
END_TEST

START_TEST(netrc_tokens)
{
	/* any whitespace, several entries on a line, CRLF */
	nexpect("machine\th\r\nlogin\tu\r\n\tpassword   p\r\n", "h", NULL, "u", "p", NULL, 0);
	nexpect("machine x login y password z machine h login u password p", "h", NULL,
	        "u", "p", NULL, 0);
	/* quotes, and backslash escapes inside and outside them */
	nexpect("machine h login \"john doe\" password \"a \\\"quoted\\\" \\\\ pw\"", "h", NULL,
	        "john doe", "a \"quoted\" \\ pw", NULL, 0);
	nexpect("machine h login u password pa\\ ss\\\\", "h", NULL, "u", "pa ss\\", NULL, 0);
	nexpect("machine \"h\" login u password \"\"", "h", NULL, "u", "", NULL, 0);
	/* a quoted keyword is a plain value */
	nexpect("machine h login \"password\" password \"machine\"", "h", NULL,
	        "password", "machine", NULL, 0);
	/* an unterminated quote runs to the end */
	nexpect("machine h login u password \"open ended", "h", NULL, "u", "open ended", NULL, 0);
	/* comments start at a token, '#' inside a token is kept */
	nexpect("# machine h login evil password bad\n"
	        "machine h login u password pass#word # trailing comment\n"
	        "#machine h2\n", "h", NULL, "u", "pass#word", NULL, 0);
	nnone("# machine h login u password p", "h", NULL);
	nexpect("machine h login u password \"#notacomment\"", "h", NULL, "u", "#notacomment",
	        NULL, 0);
	/* unknown keywords are skipped; fields before any machine belong to none */
	nexpect("login stray password stray\nmachine h port 21 login u password p", "h", NULL,
	        "u", "p", NULL, 0);
	/* later fields replace earlier ones */
	nexpect("machine h login u password p1 password p2", "h", NULL, "u", "p2", NULL, 0);
	/* a truncated file: the entry without a password still names the login */
	nexpect("machine h login u password", "h", NULL, "u", NULL, NULL, 0);
	nnone("machine", "h", NULL);
}
END_TEST

START_TEST(netrc_macdef)
{
	nexpect("machine h login u\n"
	        "macdef init\n"
	        "machine h login evil password bad\n"
	        "cd /pub\n"
	        "\n"
	        "password good\n", "h", NULL, "u", "good", NULL, 0);
	/* CRLF lines: an empty line is "\r\n" */
	nexpect("macdef init\r\nmachine h password bad\r\n\r\nmachine h password good\r\n",
	        "h", NULL, NULL, "good", NULL, 0);
	/* an empty macro */
	nexpect("macdef m\n\nmachine h password p", "h", NULL, NULL, "p", NULL, 0);
	/* a macro running to the end hides everything after it */
	nnone("macdef m\nmachine h password p\n", "h", NULL);
	nnone("macdef", "h", NULL);
}
END_TEST

START_TEST(netrc_limits)
{
	size_t n = FTPS_NETRC_MAX_TOKEN + 100;
	char *t = malloc(n + 64);
	struct nr r;

	ck_assert_ptr_nonnull(t);
	static const char head[] = "machine h login u password ";
	size_t off = sizeof(head) - 1;
	memcpy(t, head, off);
	memset(t + off, 'S', n);
	t[off + n] = '\0';
	nfind(&r, t, "h", NULL);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_str_eq(r.err, "netrc line 1: token too long");
	ck_assert_ptr_null(r.e.password);
	/* exactly the limit is fine */
	t[off + FTPS_NETRC_MAX_TOKEN] = '\0';
	nfind(&r, t, "h", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_uint_eq(strlen(r.e.password), FTPS_NETRC_MAX_TOKEN);
	ftps_netrc_entry_clear(&r.e);
	/* the line number counts */
	nfind(&r, "\n\n\nmachine h password \"\n\nxx", "h", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(r.e.password, "\n\nxx");
	ftps_netrc_entry_clear(&r.e);
	free(t);
}
END_TEST

/* ---- passwords ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_options.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

/* Feed data to stdin through a pipe; returns the saved stdin. */
static int stdin_from(const char *data, size_t len)
{
	int pfd[2], saved = dup(STDIN_FILENO);

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(fcntl(pfd[1], F_SETPIPE_SZ, 1 << 16) > 0, 1);
	ck_assert_int_eq(write(pfd[1], data, len), (ssize_t)len);
	close(pfd[1]);
	dup2(pfd[0], STDIN_FILENO);
	close(pfd[0]);
	return saved;
}

static void stdin_restore(int saved)
{
	dup2(saved, STDIN_FILENO);
	close(saved);
}

static int get_pw(struct parsed *p)
{
	return ftpsfs_get_password(&p->o, p->err, sizeof(p->err));
}

START_TEST(password_stdin)
{
	struct parsed p;
	int saved;

	PARSE(&p, "-o", "password_stdin", URL, "/m");
	ok(&p);
	saved = stdin_from("s3cret pass\r\nnext line\n", 24);
	ck_assert_int_eq(get_pw(&p), 0);
	stdin_restore(saved);
	ck_assert_str_eq(p.o.password, "s3cret pass");
	/* asking again keeps it */
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "s3cret pass");
	done(&p);

	/* no trailing newline */
	PARSE(&p, "-o", "password_stdin", URL, "/m");
	saved = stdin_from("pw", 2);
	ck_assert_int_eq(get_pw(&p), 0);
	stdin_restore(saved);
	ck_assert_str_eq(p.o.password, "pw");
	done(&p);

	/* an empty line is an empty password; no input at all is an error */
	PARSE(&p, "-o", "password_stdin", URL, "/m");
	saved = stdin_from("\n", 1);
	ck_assert_int_eq(get_pw(&p), 0);
	stdin_restore(saved);
	ck_assert_str_eq(p.o.password, "");
	done(&p);

	PARSE(&p, "-o", "password_stdin", URL, "/m");
	saved = stdin_from("", 0);
	ck_assert_int_eq(get_pw(&p), -1);
	stdin_restore(saved);
	ck_assert_str_eq(p.err, "ftpsfs: -o password_stdin: standard input is empty");
	ck_assert_ptr_null(p.o.password);
	done(&p);
}
END_TEST

START_TEST(password_stdin_length)
{
	char buf[1100];
	struct parsed p;
	int saved;

	memset(buf, 'p', sizeof(buf));
	buf[FTPS_MAX_PASSWORD] = '\n';
	PARSE(&p, "-o", "password_stdin", URL, "/m");
	saved = stdin_from(buf, FTPS_MAX_PASSWORD + 1);
	ck_assert_int_eq(get_pw(&p), 0);
	stdin_restore(saved);
	ck_assert_uint_eq(strlen(p.o.password), FTPS_MAX_PASSWORD);
	done(&p);

	buf[FTPS_MAX_PASSWORD] = 'p';
	buf[FTPS_MAX_PASSWORD + 1] = '\n';
	PARSE(&p, "-o", "password_stdin", URL, "/m");
	saved = stdin_from(buf, FTPS_MAX_PASSWORD + 2);
	ck_assert_int_eq(get_pw(&p), -1);
	stdin_restore(saved);
	ck_assert_str_eq(p.err, "ftpsfs: the password on standard input is longer than 1024 bytes");
	ck_assert(!strstr(p.err, "ppp"));
	ck_assert_ptr_null(p.o.password);
	done(&p);
}
END_TEST

START_TEST(password_netrc)
{
	struct parsed p;
	char path[128], opt[160];

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/netrc", tmpdir);
	snprintf(opt, sizeof(opt), "netrc=%s", path);
	write_file(path, "machine ftp.example.org login alice password \"alice pw\" account ac\n"
	                 "machine ftp.example.org login bob password bobpw\n"
	                 "machine anon.example.org login ftp password me@\n"
	                 "default login dflt password dpw\n", 0600);

	PARSE(&p, "-o", opt, URL, "/m");        /* user alice from the URL */
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.user, "alice");
	ck_assert_str_eq(p.o.password, "alice pw");
	ck_assert_str_eq(p.o.account, "ac");
	done(&p);

	PARSE(&p, "-o", opt, "-o", "user=bob", URL, "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "bobpw");
	ck_assert_ptr_null(p.o.account);
	done(&p);

	/* no user given: netrc's login becomes the user */
	PARSE(&p, "-o", opt, "ftpes://FTP.example.org/", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.user, "alice");
	ck_assert_str_eq(p.o.password, "alice pw");
	done(&p);

	/* the default entry for any other host */
	PARSE(&p, "-o", opt, "other.host", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.user, "dflt");
	ck_assert_str_eq(p.o.password, "dpw");
	done(&p);

	/* a password in a netrc readable by others is refused (as ftp(1)
	 * does), and so is one group members can read */
	chmod(path, 0644);
	PARSE(&p, "-o", opt, "-o", "user=bob", URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert(strstr(p.err, "readable by others") != NULL);
	ck_assert_ptr_null(p.o.password);
	done(&p);
	chmod(path, 0640);
	PARSE(&p, "-o", opt, "-o", "user=bob", URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	done(&p);
	chmod(path, 0600);

	/* password_stdin comes before netrc */
	PARSE(&p, "-o", opt, "-o", "password_stdin", URL, "/m");
	int saved = stdin_from("fromstdin\n", 10);
	ck_assert_int_eq(get_pw(&p), 0);
	stdin_restore(saved);
	ck_assert_str_eq(p.o.password, "fromstdin");
	done(&p);

	/* a netrc named with -o netrc must exist */
	PARSE(&p, "-o", "netrc=/nonexistent/netrc", URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert_str_eq(p.err, "ftpsfs: cannot read netrc file '/nonexistent/netrc': No such file or directory");
	done(&p);

	/* a folder is not a netrc */
	snprintf(opt, sizeof(opt), "netrc=%s", tmpdir);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert(strstr(p.err, "not a regular file"));
	done(&p);

	/* a broken netrc names the file and line, not the token */
	char big[FTPS_NETRC_MAX_TOKEN + 64];
	memset(big, 'Q', sizeof(big));
	memcpy(big, "machine ftp.example.org password ", 33);
	big[sizeof(big) - 1] = '\0';
	write_file(path, big, 0600);
	snprintf(opt, sizeof(opt), "netrc=%s", path);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert_msg(strstr(p.err, "netrc line 1: token too long") && !strstr(p.err, "QQQ"),
	              "%s", p.err);
	done(&p);
	remove_tmpdir();
}
END_TEST

START_TEST(password_home_netrc_and_anonymous)
{
	struct parsed p;
	char path[128];

	make_tmpdir();
	setenv("HOME", tmpdir, 1);
	/* no ~/.netrc: anonymous users need no password */
	PARSE(&p, "ftpes://h/", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_ptr_null(p.o.user);
	ck_assert_str_eq(p.o.password, FTPS_ANON_PASSWORD);
	done(&p);
	PARSE(&p, "-o", "user=FTP", "h", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "ftpsfs@");
	done(&p);
	PARSE(&p, "anonymous@h", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "ftpsfs@");
	done(&p);

	snprintf(path, sizeof(path), "%s/.netrc", tmpdir);
	write_file(path, "machine h login u password fromhome\n"
	                 "machine h login anonymous password anonpw\n", 0600);
	PARSE(&p, "h", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.user, "u");
	ck_assert_str_eq(p.o.password, "fromhome");
	done(&p);
	/* netrc comes before the anonymous default */
	PARSE(&p, "anonymous@h", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "anonpw");
	done(&p);
	/* an entry for another login does not apply */
	PARSE(&p, "ftp@h", "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "ftpsfs@");
	done(&p);
	remove_tmpdir();
}
END_TEST

/* What makes a password file unusable, from its status alone. */
START_TEST(password_file_refusal)
{
	static const mode_t good[] = { S_IFREG | 0600, S_IFREG | 0400, S_IFREG | 0700,
	                               S_IFREG | 0200, S_IFREG | 04600 };
	static const mode_t loose[] = { S_IFREG | 0640, S_IFREG | 0604, S_IFREG | 0644,
	                                S_IFREG | 0620, S_IFREG | 0602, S_IFREG | 0610,
	                                S_IFREG | 0601, S_IFREG | 0777 };
	static const mode_t odd[] = { S_IFDIR | 0700, S_IFIFO | 0600, S_IFCHR | 0600,
	                              S_IFSOCK | 0600, S_IFBLK | 0600, S_IFLNK | 0600 };
	struct stat st;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		st.st_mode = good[i];
		ck_assert_msg(ftps_password_file_refusal(&st) == NULL, "mode %o refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		st.st_mode = loose[i];
		ck_assert_msg(ftps_password_file_refusal(&st) &&
		              strstr(ftps_password_file_refusal(&st), "chmod 600"),
		              "mode %o accepted", loose[i]);
	}
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		st.st_mode = odd[i];
		ck_assert_msg(ftps_password_file_refusal(&st) &&
		              strcmp(ftps_password_file_refusal(&st), "is not a regular file") == 0,
		              "type %o accepted", odd[i]);
	}
}
END_TEST

/* -o password_file on the command line: stored, never for libfuse, and
 * the combinations that cannot work are refused. */
START_TEST(password_file_parse)
{
	struct parsed p;

	PARSE(&p, "-o", "password_file=/etc/ftpsfs/pw", URL, "/m");
	ok(&p);
	ck_assert_str_eq(p.o.password_file, "/etc/ftpsfs/pw");
	ck_assert(!arg_contains(&p, "password_file"));
	ck_assert(!arg_contains(&p, "/etc/ftpsfs/pw"));
	done(&p);

	PARSE(&p, "-o", "user=bob,password_file=/pw", "h", "/m");
	ok(&p);
	ck_assert_str_eq(p.o.user, "bob");
	done(&p);

	PARSE(&p, "-o", "password_file=/pw,password_stdin", URL, "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: -o password_stdin and -o password_file contradict each other: give one");
	done(&p);

	PARSE(&p, "-o", "password_file=/pw", "h", "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: -o password_file needs a login name: ftpes://NAME@host/ or -o user=NAME");
	done(&p);

	PARSE(&p, "-o", "password_file", URL, "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert_str_eq(p.err, "ftpsfs: -o password_file needs a file: -o password_file=FILE");
	done(&p);

	PARSE(&p, "-o", "password_file=", URL, "/m");
	ck_assert_int_eq(p.rc, -1);
	ck_assert(strstr(p.err, "-o password_file") != NULL);
	done(&p);
}
END_TEST

/* The password from a file: its first line, only from a file no one
 * else may read; every refusal is one line that never shows the password. */
START_TEST(password_file)
{
	char path[128], opt[160], path2[128], opt2[160];
	char big[FTPS_MAX_PASSWORD + 8];
	struct parsed p;
	double t0;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/pw", tmpdir);
	snprintf(opt, sizeof(opt), "password_file=%s", path);

	write_file(path, "file secret\r\nsecond line\n", 0600);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "file secret");
	ck_assert_str_eq(p.o.user, "alice");
	done(&p);

	/* no newline at all; read-only for its owner */
	write_file(path, "Sekrit2", 0400);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "Sekrit2");
	done(&p);

	/* it comes before a netrc that has another password */
	snprintf(path2, sizeof(path2), "%s/netrc", tmpdir);
	write_file(path2, "machine ftp.example.org login alice password fromnetrc\n", 0600);
	snprintf(opt2, sizeof(opt2), "netrc=%s", path2);
	PARSE(&p, "-o", opt, "-o", opt2, URL, "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "Sekrit2");
	done(&p);

	/* a symlink to a good file is followed */
	snprintf(path2, sizeof(path2), "%s/link", tmpdir);
	ck_assert_int_eq(symlink(path, path2), 0);
	snprintf(opt2, sizeof(opt2), "password_file=%s", path2);
	PARSE(&p, "-o", opt2, URL, "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "Sekrit2");
	done(&p);

	/* readable, writable or runnable by group or others: refused */
	static const mode_t loose[] = { 0640, 0604, 0620, 0610, 0644 };
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		char want[300];
		chmod(path, loose[i]);
		PARSE(&p, "-o", opt, URL, "/m");
		ck_assert_int_eq(get_pw(&p), -1);
		snprintf(want, sizeof(want), "ftpsfs: -o password_file '%s' (mode %04o) may be read or "
		         "changed by others than its owner: chmod 600 it", path, (unsigned)loose[i]);
		ck_assert_str_eq(p.err, want);
		ck_assert_ptr_null(p.o.password);
		done(&p);
	}
	chmod(path, 0600);

	/* missing, a folder, a FIFO (refused at once: no writer is waited for) */
	PARSE(&p, "-o", "password_file=/nonexistent/pw", URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert_str_eq(p.err, "ftpsfs: cannot read -o password_file '/nonexistent/pw': No such file or directory");
	done(&p);
	snprintf(opt2, sizeof(opt2), "password_file=%s", tmpdir);
	PARSE(&p, "-o", opt2, URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert(strstr(p.err, "is not a regular file") != NULL);
	done(&p);
	snprintf(path2, sizeof(path2), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path2, 0600), 0);
	snprintf(opt2, sizeof(opt2), "password_file=%s", path2);
	PARSE(&p, "-o", opt2, URL, "/m");
	t0 = (double)time(NULL);
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert((double)time(NULL) - t0 < 5);
	ck_assert(strstr(p.err, "is not a regular file") != NULL);
	done(&p);

	/* empty; an empty first line is an empty password, as on stdin */
	write_file(path, "", 0600);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert(strstr(p.err, "is empty") != NULL);
	done(&p);
	write_file(path, "\nnot this\n", 0600);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), 0);
	ck_assert_str_eq(p.o.password, "");
	done(&p);

	/* longer than the limit: refused without showing it */
	memset(big, 'Q', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	write_file(path, big, 0600);
	PARSE(&p, "-o", opt, URL, "/m");
	ck_assert_int_eq(get_pw(&p), -1);
	ck_assert_msg(strstr(p.err, "longer than 1024 bytes") && !strstr(p.err, "QQQ"), "%s", p.err);
	ck_assert_ptr_null(p.o.password);
	done(&p);
	remove_tmpdir();
}
END_TEST

/* No terminal, no netrc, a named user: one clear error. */
START_TEST(password_none)
{
	pid_t pid;
	int status;

	make_tmpdir();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct parsed p;
		setsid();       /* no controlling terminal */
		setenv("HOME", tmpdir, 1);
		PARSE(&p, "bob@h", "/m");
		if (get_pw(&p) != -1)
			_exit(2);
		if (strcmp(p.err, "ftpsfs: no password: use -o password_stdin, -o password_file=FILE, "
		           "~/.netrc or run on a terminal") != 0)
			_exit(3);
		done(&p);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	remove_tmpdir();
}
END_TEST

/* Read from the pty master until want appears or 10 s pass. */
static int pty_wait_for(int master, const char *want, char *seen, size_t cap)
{
	size_t n = strlen(seen);

	for (int i = 0; i < 100 && !strstr(seen, want); i++) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		if (poll(&pfd, 1, 100) == 1) {
			ssize_t r = read(master, seen + n, cap - n - 1);
			if (r <= 0)
				return 0;
			n += (size_t)r;
			seen[n] = '\0';
		}
	}
	return strstr(seen, want) != NULL;
}

/* Runs in the pty child: prompt, then report through the exit code. */
static void prompt_child(const char *tmp, int use_stdin)
{
	struct parsed p;
	struct termios t;

	/* a plain process: no test framework handlers */
	signal(SIGTERM, SIG_DFL);
	setenv("HOME", tmp, 1);
	if (use_stdin)
		PARSE(&p, "-o", "password_stdin", "bob@ftp.example.org", "/m");
	else
		PARSE(&p, "bob@ftp.example.org", "/m");
	if (get_pw(&p) != 0) {
		fprintf(stderr, "%s\n", p.err);
		_exit(2);
	}
	if (strcmp(p.o.password, "pty secret") != 0)
		_exit(3);
	if (tcgetattr(STDIN_FILENO, &t) != 0 || !(t.c_lflag & ECHO))
		_exit(4);       /* echo not restored */
	done(&p);
	_exit(0);
}

START_TEST(password_prompt_on_tty)
{
	char seen[4096] = "";
	int master, status;
	pid_t pid;

	make_tmpdir();
	pid = forkpty(&master, NULL, NULL, NULL);
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		prompt_child(tmpdir, _i);
	ck_assert_msg(pty_wait_for(master, _i ? "Password: " : "Password for bob@ftp.example.org: ",
	                           seen, sizeof(seen)), "no prompt: '%s'", seen);
	ck_assert_int_eq(write(master, "pty secret\n", 11), 11);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	/* drain what is left; the password was never echoed */
	pty_wait_for(master, "\n", seen, sizeof(seen));
	ck_assert_msg(!strstr(seen, "pty secret"), "echoed: '%s'", seen);
	close(master);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	remove_tmpdir();
}
END_TEST

START_TEST(password_prompt_signal_restores_echo)
{
	char seen[4096] = "";
	int master, status;
	struct termios t;
	pid_t pid;

	make_tmpdir();
	pid = forkpty(&master, NULL, NULL, NULL);
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		prompt_child(tmpdir, 0);
	ck_assert(pty_wait_for(master, "Password for ", seen, sizeof(seen)));
	/* echo is off while it waits (the slave's settings, seen from the master) */
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(tcgetattr(master, &t), 0);
		if (!(t.c_lflag & ECHO))
			break;
		usleep(10000);
	}
	ck_assert(!(t.c_lflag & ECHO));
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGTERM);
	ck_assert_int_eq(tcgetattr(master, &t), 0);
	ck_assert_msg(t.c_lflag & ECHO, "echo left off after SIGTERM");
	close(master);
	remove_tmpdir();
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("parse");
	TCase *tn = tcase_create("netrc");
	TCase *tp = tcase_create("password");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_option);
	tcase_add_test(tc, other_values);
	tcase_add_test(tc, later_value_wins);
	tcase_add_test(tc, writeback_conns);
	tcase_add_test(tc, fuse_options_pass_through);
	tcase_add_test(tc, fstab_noise);
	tcase_add_test(tc, password_option_refused);
	tcase_add_test(tc, password_file_parse);
	tcase_add_loop_test(tc, bad_value, 0, (int)(sizeof(bad_values) / sizeof(bad_values[0])));
	tcase_add_test(tc, bad_value_message);
	tcase_add_test(tc, fingerprint_forms);
	tcase_add_test(tc, positional_errors);
	tcase_add_test(tc, url_rules);
	tcase_add_test(tc, contradictions);
	tcase_add_test(tc, fsname_escaped);
	tcase_add_test(tc, help_version_probe);
	tcase_add_test(tc, usage_lists_every_option);
	tcase_add_test(tc, to_config);
	tcase_add_test(tc, rows_consistent);
	tcase_add_test(tc, rows_in_help);
	tcase_add_test(tc, rows_in_man);
	tcase_add_test(tc, rows_defaults);
	tcase_add_loop_test(tc, row_numbers, 0, (int)nrows());
	tcase_add_loop_test(tc, row_enums, 0, (int)nrows());
	suite_add_tcase(s, tc);

	tcase_add_test(tn, netrc_basic);
	tcase_add_test(tn, netrc_choice);
	tcase_add_test(tn, netrc_tokens);
	tcase_add_test(tn, netrc_macdef);
	tcase_add_test(tn, netrc_limits);
	suite_add_tcase(s, tn);

	tcase_set_timeout(tp, 30);
	tcase_add_test(tp, password_stdin);
	tcase_add_test(tp, password_stdin_length);
	tcase_add_test(tp, password_netrc);
	tcase_add_test(tp, password_home_netrc_and_anonymous);
	tcase_add_test(tp, password_file_refusal);
	tcase_add_test(tp, password_file);
	tcase_add_test(tp, password_none);
	/* 0: the prompt on /dev/tty; 1: -o password_stdin with a terminal */
	tcase_add_loop_test(tp, password_prompt_on_tty, 0, 2);
	tcase_add_test(tp, password_prompt_signal_restores_echo);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(options_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
