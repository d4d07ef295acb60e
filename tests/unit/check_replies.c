/* check_replies.c - unit tests for the SIZE, MDTM, MLST and HASH reply
 * parsers (src/replies.c).
 *
 * The good texts are what the test bed's servers sent (vsftpd 3.0.3,
 * ProFTPD 1.3.8, with mod_digest for HASH and the X commands, pure-ftpd
 * 1.0.50), plus the forms the RFCs and the HASH draft allow. Each text is handed over in a heap copy of exactly its
 * length with no NUL after it, so a parser that reads past len reads past
 * the allocation (and a sanitizer build says so), and T() keeps the NULs
 * inside a literal.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replies.h"

/* A literal and its length, embedded NULs included. */
#define T(s) s, sizeof(s) - 1

/* How much of a text a failure message shows: libcheck's messages are
 * bounded, and the long texts here would overflow them. */
static int shown(size_t len)
{
	return len < 200 ? (int)len : 200;
}

/* A heap copy of text without a terminating NUL. */
static char *exact(const char *text, size_t len)
{
	char *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	if (len)
		memcpy(p, text, len);
	return p;
}

/* ---- SIZE ---- */

static void size_ok(const char *text, size_t len, uint64_t want)
{
	char *t = exact(text, len);
	uint64_t v = 7;

	ck_assert_msg(ftps_parse_size_reply(t, len, &v) == 0, "refused: %.*s", shown(len), text);
	ck_assert_msg(v == want, "%.*s: got %llu", shown(len), text, (unsigned long long)v);
	free(t);
}

static void size_bad(const char *text, size_t len)
{
	char *t = exact(text, len);
	uint64_t v = 7;

	ck_assert_msg(ftps_parse_size_reply(t, len, &v) == -1, "accepted: %.*s", shown(len), text);
	ck_assert_uint_eq(v, 7);        /* untouched */
	free(t);
}

START_TEST(size_servers)
{
	size_ok(T("213 12"), 12);               /* vsftpd, ProFTPD, pure-ftpd alike */
	size_ok(T("213 1048576"), 1048576);
	size_ok(T("213-12"), 12);               /* '-' after the code is skipped */
	size_ok(T("213   12"), 12);
	size_ok(T("213 12 bytes"), 12);         /* what follows the number is not read */
	size_ok(T("213 12\nmore text"), 12);
}
END_TEST

START_TEST(size_edges)
{
	char buf[1100];

	size_ok(T("213 0"), 0);
	size_ok(T("213 4294967296"), 4294967296u);
	size_ok(T("213 18446744073709551615"), UINT64_MAX);
	size_ok(T("213 018446744073709551615"), UINT64_MAX);
	size_bad(T("213 18446744073709551616"));        /* 2^64: refused, not wrapped */
	size_bad(T("213 18446744073709551620"));
	size_bad(T("213 36893488147419103232"));        /* 2^65 */
	size_bad(T("213 99999999999999999999999999999999"));
	/* A thousand leading zeros are still a small number. */
	memcpy(buf, "213 ", 4);
	memset(buf + 4, '0', 1000);
	memcpy(buf + 1004, "42", 2);
	size_ok(buf, 1006, 42);
	/* A thousand nines are not. */
	memset(buf + 4, '9', 1000);
	size_bad(buf, 1004);
}
END_TEST

START_TEST(size_malformed)
{
	uint64_t v = 7;

	size_bad(T(""));
	size_bad(T("21"));
	size_bad(T("213"));
	size_bad(T("213 "));
	size_bad(T("213      "));               /* spaces only */
	size_bad(T("213 ---"));
	size_bad(T("213 File size unknown"));
	size_bad(T("213 +12"));                 /* no sign */
	size_bad(T("213 \t12"));                /* only spaces and '-' are skipped */
	size_ok(T("213 0x10"), 0);              /* decimal: the 'x' ends it */
	size_bad(T("213-\n 12\n213 End"));      /* the number is on the first line */
	size_bad(T("213 \0" "12"));             /* a NUL is not a digit */
	size_ok(T("213 12\0" "34"), 12);        /* nor part of one */
	/* len is the end, not a NUL: the literal goes on after it, and
	 * what follows must not be read (no heap copy here, on purpose). */
	ck_assert_int_eq(ftps_parse_size_reply("213 123456", 6, &v), 0);
	ck_assert_uint_eq(v, 12);
	v = 7;
	ck_assert_int_eq(ftps_parse_size_reply("213 123456", 4, &v), -1);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(ftps_parse_size_reply(NULL, 0, &v), -1);
	ck_assert_uint_eq(v, 7);
}
END_TEST

/* ---- MDTM ---- */

static void mdtm_ok(const char *text, size_t len, int64_t want)
{
	char *t = exact(text, len);
	int64_t v = 7;

	ck_assert_msg(ftps_parse_mdtm_reply(t, len, &v) == 0, "refused: %.*s", shown(len), text);
	ck_assert_msg(v == want, "%.*s: got %lld", shown(len), text, (long long)v);
	free(t);
}

static void mdtm_bad(const char *text, size_t len)
{
	char *t = exact(text, len);
	int64_t v = 7;

	ck_assert_msg(ftps_parse_mdtm_reply(t, len, &v) == -1, "accepted: %.*s", shown(len), text);
	ck_assert_int_eq(v, 7);
	free(t);
}

START_TEST(mdtm_servers)
{
	/* vsftpd, ProFTPD and pure-ftpd all send seconds only. */
	mdtm_ok(T("213 20261127215320"), 1795816400);
	mdtm_ok(T("213 20240102030405"), 1704164645);
	/* RFC 3659 allows a fraction; the seconds are what MDTM gives. */
	mdtm_ok(T("213 20240102030405.1"), 1704164645);
	mdtm_ok(T("213 20240102030405.123"), 1704164645);
	mdtm_ok(T("213 20240102030405.999999999999"), 1704164645);
	mdtm_ok(T("213 20240102030405 /d/f.txt"), 1704164645);     /* name after it */
	mdtm_ok(T("213-20240102030405\n213 End"), 1704164645);
}
END_TEST

START_TEST(mdtm_edges)
{
	mdtm_ok(T("213 19700101000000"), 0);
	mdtm_ok(T("213 19691231235959"), -1);   /* before the epoch: still a time */
	mdtm_ok(T("213 00010101000000"), -62135596800);
	mdtm_ok(T("213 99991231235959"), 253402300799);
	mdtm_ok(T("213 20240229120000"), 1709208000);      /* a leap day */
	mdtm_ok(T("213 20161231235960"), 1483228800);      /* a leap second */
	/* Dates that do not exist. */
	mdtm_bad(T("213 00000101000000"));      /* year 0 */
	mdtm_bad(T("213 20241301000000"));      /* month 13 */
	mdtm_bad(T("213 20240001000000"));      /* month 0 */
	mdtm_bad(T("213 20240100000000"));      /* day 0 */
	mdtm_bad(T("213 20240132000000"));      /* Jan 32 */
	mdtm_bad(T("213 20240230000000"));      /* Feb 30 */
	mdtm_bad(T("213 20230229000000"));      /* Feb 29, not a leap year */
	mdtm_bad(T("213 20240431000000"));      /* Apr 31 */
	mdtm_bad(T("213 20240102240000"));      /* hour 24 */
	mdtm_bad(T("213 20240102036000"));      /* minute 60 */
	mdtm_bad(T("213 20240102030461"));      /* second 61 */
}
END_TEST

/* The time as MFMT wants it, and back through the parser. */
START_TEST(mdtm_format)
{
	char out[32], reply[64];
	int64_t t = 0;

	ck_assert_int_eq(ftps_format_mdtm(0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "19700101000000");
	ck_assert_int_eq(ftps_format_mdtm(1400000000, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "20140513165320");
	snprintf(reply, sizeof(reply), "213 %s", out);
	ck_assert_int_eq(ftps_parse_mdtm_reply(reply, strlen(reply), &t), 0);
	ck_assert_int_eq(t, 1400000000);
	ck_assert_int_eq(ftps_format_mdtm(253402300799LL, out, sizeof(out)), 0);   /* 9999-12-31 */
	ck_assert_str_eq(out, "99991231235959");
	ck_assert_int_eq(ftps_format_mdtm(253402300800LL, out, sizeof(out)), -1);  /* year 10000 */
	ck_assert_int_eq(ftps_format_mdtm(-1, out, sizeof(out)), -1);
	ck_assert_int_eq(ftps_format_mdtm(0, out, 14), -1);                         /* no room */
}
END_TEST

START_TEST(mdtm_malformed)
{
	int64_t v = 7;

	mdtm_bad(T(""));
	mdtm_bad(T("213"));
	mdtm_bad(T("213 "));
	mdtm_bad(T("213        "));
	mdtm_bad(T("213 2024010203040"));       /* 13 digits */
	mdtm_bad(T("213 202401020304050"));     /* 15 digits */
	mdtm_bad(T("213 20240102030405."));     /* a dot and no fraction */
	mdtm_bad(T("213 20240102030405.1.2"));
	mdtm_bad(T("213 2024-01-02 03:04:05"));
	mdtm_bad(T("213 20240102T030405"));
	mdtm_bad(T("213  20240102030405"));     /* the time starts right after "213 " */
	mdtm_bad(T("213 Jan 02 2024"));
	mdtm_bad(T("213 20240102\0" "030405")); /* a NUL inside */
	mdtm_ok(T("213 20240102030405\0" "99"), 1704164645);
	mdtm_bad(T("213 99999999999999999999")); /* 20 digits */
	/* len is the end (straight on the literal, as for SIZE). */
	ck_assert_int_eq(ftps_parse_mdtm_reply("213 20240102030405", 17, &v), -1);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(ftps_parse_mdtm_reply("213 20240102030405.", 18, &v), 0);
	ck_assert_int_eq(v, 1704164645);
	v = 7;
	ck_assert_int_eq(ftps_parse_mdtm_reply(NULL, 0, &v), -1);
	ck_assert_int_eq(v, 7);
}
END_TEST

/* ---- MLST ---- */

static const char proftpd_file[] =
	"250-Start of list for /d/sub/f.txt\n"
	" modify=20261127215320;perm=adfrw;size=12;type=file;unique=FE00U5145EE;"
	"UNIX.group=995;UNIX.groupname=ftpsfs-test;UNIX.mode=0666;UNIX.owner=999;"
	"UNIX.ownername=ftpsfs-test; /d/sub/f.txt\n"
	"250 End of list";
static const char proftpd_root[] =
	"250-Start of list for /\n"
	" modify=20261127215320;perm=flcdmpe;type=dir;unique=FE00U514D41;UNIX.group=995;"
	"UNIX.groupname=ftpsfs-test;UNIX.mode=0755;UNIX.owner=999;"
	"UNIX.ownername=ftpsfs-test; /\n"
	"250 End of list";
static const char pureftpd_file[] =
	"250-Begin\n"
	" type=file;size=12;modify=20261127215323;UNIX.mode=0666;UNIX.uid=999;"
	"UNIX.gid=995;unique=fe00g51eb35; /d/sub/f.txt\n"
	"250 End.";
static const char pureftpd_dir[] =
	"250-Begin\n"
	" type=dir;sizd=4096;modify=20261127215323;UNIX.mode=0777;UNIX.uid=999;"
	"UNIX.gid=995;unique=fe00g51eb34; /d/sub\n"
	"250 End.";
/* pure-ftpd calls its chroot's "/" the parent folder. */
static const char pureftpd_root[] =
	"250-Begin\n"
	" type=pdir;sizd=4096;modify=20261127215323;UNIX.mode=0755;UNIX.uid=999;"
	"UNIX.gid=995;unique=fe00g51e070; /\n"
	"250 End.";

/* Parse; the entry is the caller's to check and clear. */
static int mlst(const char *text, size_t len, struct ftps_entry *e)
{
	char *t = exact(text, len);
	int rc;

	memset(e, 0x5a, sizeof(*e));
	e->link_target = NULL;
	rc = ftps_parse_mlst_reply(t, len, e);
	free(t);
	return rc;
}

static void mlst_bad(const char *text, size_t len)
{
	struct ftps_entry e;

	ck_assert_msg(mlst(text, len, &e) == -1, "accepted: %.*s", shown(len), text);
	ck_assert_ptr_null(e.link_target);
}

START_TEST(mlst_servers)
{
	struct ftps_entry e;

	ck_assert_int_eq(mlst(T(proftpd_file), &e), 0);
	ck_assert_str_eq(e.name, "f.txt");
	ck_assert_int_eq(e.type, FTPS_FT_FILE);
	ck_assert_int_eq(e.has_size, 1);
	ck_assert_uint_eq(e.size, 12);
	ck_assert_int_eq(e.mtime, 1795816400);
	ck_assert_int_eq(e.mtime_prec, FTPS_TP_SECOND);
	ck_assert_int_eq(e.has_mode, 1);
	ck_assert_uint_eq(e.mode, 0666);
	ck_assert_str_eq(e.perm, "adfrw");
	ck_assert_ptr_null(e.link_target);

	ck_assert_int_eq(mlst(T(pureftpd_file), &e), 0);
	ck_assert_str_eq(e.name, "f.txt");
	ck_assert_int_eq(e.type, FTPS_FT_FILE);
	ck_assert_uint_eq(e.size, 12);
	ck_assert_int_eq(e.mtime, 1795816403);
	ck_assert_int_eq(e.has_owner, 1);
	ck_assert_uint_eq(e.uid, 999);
	ck_assert_uint_eq(e.gid, 995);

	ck_assert_int_eq(mlst(T(pureftpd_dir), &e), 0);
	ck_assert_str_eq(e.name, "sub");
	ck_assert_int_eq(e.type, FTPS_FT_DIR);
	ck_assert_uint_eq(e.size, 4096);        /* from sizd */
	ck_assert_uint_eq(e.mode, 0777);
}
END_TEST

START_TEST(mlst_root)
{
	struct ftps_entry e;

	ck_assert_int_eq(mlst(T(proftpd_root), &e), 0);
	ck_assert_str_eq(e.name, "root");
	ck_assert_int_eq(e.type, FTPS_FT_DIR);
	ck_assert_uint_eq(e.mode, 0755);
	/* An entry the listing parser skips (pdir) is no answer, root or not:
	 * ftps_stat falls back to SIZE and CWD for it. */
	mlst_bad(T(pureftpd_root));
	/* With no facts at all, "/" is still "root". */
	ck_assert_int_eq(mlst(T("250-x\n  /\n250 End"), &e), 0);
	ck_assert_str_eq(e.name, "root");
	ck_assert_int_eq(e.type, FTPS_FT_UNKNOWN);
}
END_TEST

START_TEST(mlst_names)
{
	struct ftps_entry e;
	char buf[400];
	int n;

	/* The last component of any depth, or the name as it is. */
	ck_assert_int_eq(mlst(T("250-x\n type=file; /a/b/c/d/e/f/g.tar.gz\n250 End"), &e), 0);
	ck_assert_str_eq(e.name, "g.tar.gz");
	ck_assert_int_eq(mlst(T("250-x\n type=file; g.tar.gz\n250 End"), &e), 0);
	ck_assert_str_eq(e.name, "g.tar.gz");
	ck_assert_int_eq(mlst(T("250-x\n type=file; /d/with space\n250 End"), &e), 0);
	ck_assert_str_eq(e.name, "with space");
	/* A symlink's target is kept, malloc'd. */
	ck_assert_int_eq(mlst(T("250-x\n type=OS.unix=slink:/etc/hosts; /d/l\n250 End"), &e), 0);
	ck_assert_int_eq(e.type, FTPS_FT_LINK);
	ck_assert_str_eq(e.name, "l");
	ck_assert_ptr_nonnull(e.link_target);
	ck_assert_str_eq(e.link_target, "/etc/hosts");
	ftps_entry_clear(&e);
	ck_assert_ptr_null(e.link_target);
	/* Names no listing may pass on. */
	mlst_bad(T("250-x\n type=file; /d/.\n250 End"));
	mlst_bad(T("250-x\n type=file; /d/..\n250 End"));
	mlst_bad(T("250-x\n type=file; /d/a\0b\n250 End"));
	n = snprintf(buf, sizeof(buf), "250-x\n type=file; /d/%0256d\n250 End", 0);
	mlst_bad(buf, (size_t)n);               /* 256 bytes: one over FTPS_MAX_NAME */
	n = snprintf(buf, sizeof(buf), "250-x\n type=file; /d/%0255d\n250 End", 0);
	ck_assert_int_eq(mlst(buf, (size_t)n, &e), 0);
	ck_assert_uint_eq(strlen(e.name), 255);
}
END_TEST

START_TEST(mlst_malformed)
{
	static char big[FTPS_MAX_LINE + 64];
	struct ftps_entry e;
	size_t n;

	mlst_bad(T(""));
	mlst_bad(T("250"));
	mlst_bad(T("250 Listing follows"));
	mlst_bad(T("250-Begin\n250 End."));                     /* no fact line */
	mlst_bad(T("250-Begin\n\n250 End."));
	mlst_bad(T("250-Begin\ntype=file; /a\n250 End."));      /* not indented */
	mlst_bad(T(" type=file; /a"));                          /* on the first line */
	mlst_bad(T("250-Begin\n type=file;size=3;\n250 End."));  /* no name */
	mlst_bad(T("250-Begin\n \n250 End."));
	mlst_bad(T("250-Begin\n type=cdir; /a\n250 End."));
	mlst_bad(T("250-Begin\n type=file;size=18446744073709551616; /a\n250 End."));
	/* Only the first indented line is the fact line. */
	mlst_bad(T("250-Begin\n garbage\n type=file; /a\n250 End."));
	/* The fact line may be the last line, without an end line. */
	ck_assert_int_eq(mlst(T("250-Begin\n type=file;size=1; /a"), &e), 0);
	ck_assert_str_eq(e.name, "a");
	/* len is the end: cut before the fact line, there is none; cut in
	 * the name, the name is cut (straight on the literal). */
	ck_assert_int_eq(ftps_parse_mlst_reply(pureftpd_file, 10, &e), -1);
	ck_assert_int_eq(ftps_parse_mlst_reply("250-x\n type=file; /d/abc", 23, &e), 0);
	ck_assert_str_eq(e.name, "ab");
	/* A fact line longer than a reply line can be. */
	memcpy(big, "250-x\n type=file;x=", 19);
	n = 19;
	memset(big + n, 'y', FTPS_MAX_LINE);
	n += FTPS_MAX_LINE;
	memcpy(big + n, "; /a\n250 End", 12);
	mlst_bad(big, n + 12);
	/* The same length in the path, with a short last component. */
	memcpy(big, "250-x\n type=file; /", 19);
	memset(big + 19, 'd', FTPS_MAX_LINE);
	memcpy(big + 19 + FTPS_MAX_LINE, "/a\n250 End", 11);
	mlst_bad(big, 19 + FTPS_MAX_LINE + 11);
	ck_assert_int_eq(ftps_parse_mlst_reply(NULL, 0, &e), -1);
}
END_TEST

/* ---- HASH and the X commands ---- */

#define SHA256_UP "169CD22282DA7F147CB491E559E9DD5C32E69CC2E8CF7BC8D6F1C9A8A2B8D6B7"
#define SHA256_LO "169cd22282da7f147cb491e559e9dd5c32e69cc2e8cf7bc8d6f1c9a8a2b8d6b7"
/* ProFTPD 1.3.8 with mod_digest, for "hello world\n" (12 bytes). */
#define PD_SHA1 "22596363b3de40b06f981fb85d82312e8c0ed511"
#define PD_SHA256 "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
#define PD_SHA512 "db3974a97f2407b7cae1ae637c0030687a11913274d578492558e39c16c017de" \
	"84eacdc8c62fe34ee4e12b4b1428817f09b6a2760c3f8a664ceae94d2434a593"
#define PD_SHA512_UP "DB3974A97F2407B7CAE1AE637C0030687A11913274D578492558E39C16C017DE" \
	"84EACDC8C62FE34EE4E12B4B1428817F09B6A2760C3F8A664CEAE94D2434A593"
#define PD_MD5 "6f5902ac237024bdd0c176cb93063dc4"
#define SHA512_LO \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef int (*hash_fn)(const char *, size_t, char *, size_t);

static void hash_ok(hash_fn f, const char *text, size_t len, const char *want)
{
	char *t = exact(text, len);
	char out[160];

	memset(out, 'Z', sizeof(out));
	ck_assert_msg(f(t, len, out, sizeof(out)) == 0, "refused: %.*s", shown(len), text);
	ck_assert_str_eq(out, want);
	free(t);
}

static void hash_bad_n(hash_fn f, const char *text, size_t len, size_t outlen)
{
	char *t = exact(text, len);
	char out[160];

	memset(out, 'Z', sizeof(out));
	ck_assert_msg(f(t, len, out, outlen) == -1, "accepted: %.*s", shown(len), text);
	ck_assert_int_eq(out[0], 'Z');          /* untouched */
	free(t);
}

static void hash_bad(hash_fn f, const char *text, size_t len)
{
	hash_bad_n(f, text, len, 160);
}

START_TEST(hash_good)
{
	hash_fn h = ftps_parse_hash_reply;

	hash_ok(h, T("213 SHA-256 0-49 " SHA256_LO " f.txt"), SHA256_LO);
	hash_ok(h, T("213 SHA-256 0-49 " SHA256_UP " f.txt"), SHA256_LO);   /* lower case out */
	hash_ok(h, T("213 SHA-256 0-49 169cD22282Da7F147cB491e559E9dd5c32E69cc2e8CF7bc8D6f1c9a8a2B8d6b7 f"),
	        SHA256_LO);
	hash_ok(h, T("213 SHA-256 0-49 " SHA256_LO), SHA256_LO);            /* no name */
	hash_ok(h, T("213 SHA-256 0-49 " SHA256_LO " name with spaces"), SHA256_LO);
	/* ProFTPD: a first line while it computes; the answer is on the last. */
	hash_ok(h, T("213-Computing SHA-512 digest\n213 SHA-512 0-12 " PD_SHA512 " /f.txt"),
	        PD_SHA512);
	hash_ok(h, T("213-Computing SHA-256 digest\n213 SHA-256 0-12 " PD_SHA256 " /f.txt"),
	        PD_SHA256);
	hash_ok(h, T("213-Computing SHA-1 digest\n213 SHA-1 0-12 " PD_SHA1 " /f.txt"), PD_SHA1);
	hash_ok(h, T("213-Computing MD5 digest\n213 MD5 0-12 " PD_MD5 " /f.txt"), PD_MD5);
	hash_ok(h, T("213 SHA-512 0-11 " SHA512_LO " /d/f.txt"), SHA512_LO);
	hash_ok(h, T("213 CRC32 0-49 0123ABCD f"), "0123abcd");    /* 8 digits, the least */
	hash_ok(h, T("213 MD5 0-49 d41d8cd98f00b204e9800998ecf8427e f"),
	        "d41d8cd98f00b204e9800998ecf8427e");
}
END_TEST

START_TEST(hash_ranges)
{
	hash_fn h = ftps_parse_hash_reply;

	/* Whatever the range, the digest is the third field. */
	hash_ok(h, T("213 SHA-256 0-0 " SHA256_LO " f"), SHA256_LO);
	hash_ok(h, T("213 SHA-256 0-18446744073709551615 " SHA256_LO " f"), SHA256_LO);
	hash_ok(h, T("213 SHA-256 1048576-2097151 " SHA256_LO " f"), SHA256_LO);
	hash_ok(h, T("213 SHA-256 0- " SHA256_LO " f"), SHA256_LO);
	/* Fields are one space apart: a second space is an empty field. */
	hash_bad(h, T("213 SHA-256  0-49 " SHA256_LO " f"));
	hash_bad(h, T("213 SHA-256 0-49  " SHA256_LO " f"));
	/* A range and no digest. */
	hash_bad(h, T("213 SHA-256 0-49"));
	hash_bad(h, T("213 SHA-256 0-49 "));
	hash_bad(h, T("213 SHA-256 0-49 f.txt"));
}
END_TEST

START_TEST(hash_malformed)
{
	hash_fn h = ftps_parse_hash_reply;
	char out[80];

	hash_bad(h, T(""));
	hash_bad(h, T("213"));
	hash_bad(h, T("213 "));
	hash_bad(h, T("213          "));
	hash_bad(h, T("213 SHA-256"));
	hash_bad(h, T("213 " SHA256_LO));                       /* X-command form */
	hash_bad(h, T("213 SHA-256 0-49 0123abc f"));           /* 7 digits */
	hash_bad(h, T("213 SHA-256 0-49 xyz01234567 f"));
	hash_bad(h, T("213 SHA-256 0-49 0123\0" "4567 f"));     /* a NUL cuts it short */
	/* The answer is the last line, not the first. */
	hash_bad(h, T("213-SHA-256 0-49 " SHA256_LO " f\n213 End"));
	/* len is the end (straight on the literal). */
	ck_assert_int_eq(ftps_parse_hash_reply("213 CRC32 0-49 0123abcd99", 23, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "0123abcd");
	ck_assert_int_eq(ftps_parse_hash_reply("213 CRC32 0-49 0123abcd", 22, out, sizeof(out)), -1);
	/* The digest and its NUL must fit. */
	hash_bad_n(h, T("213 SHA-256 0-49 " SHA256_LO " f"), 64);
	hash_bad_n(h, T("213 SHA-256 0-49 " SHA256_LO " f"), 0);
	ck_assert_int_eq(ftps_parse_hash_reply(T("213 SHA-256 0-49 " SHA256_LO " f"), out, 65), 0);
	ck_assert_str_eq(out, SHA256_LO);
	ck_assert_int_eq(ftps_parse_hash_reply(NULL, 0, out, sizeof(out)), -1);
	ck_assert_int_eq(ftps_parse_hash_reply(T("213 CRC32 0-1 0123abcd f"), NULL, 80), -1);
}
END_TEST

START_TEST(xhash_good)
{
	hash_fn x = ftps_parse_xhash_reply;

	/* ProFTPD (mod_digest): upper case, after a first line. */
	hash_ok(x, T("250-Computing CRC32 digest\n250 AF083B2D"), "af083b2d");
	hash_ok(x, T("250-Computing MD5 digest\n250 6F5902AC237024BDD0C176CB93063DC4"), PD_MD5);
	hash_ok(x, T("250-Computing SHA1 digest\n250 22596363B3DE40B06F981FB85D82312E8C0ED511"),
	        PD_SHA1);
	hash_ok(x, T("250-Computing SHA512 digest\n250 " PD_SHA512_UP), PD_SHA512);
	/* Single-line forms. */
	hash_ok(x, T("250 0123ABCD"), "0123abcd");                          /* XCRC */
	hash_ok(x, T("213 d41d8cd98f00b204e9800998ecf8427e"),
	        "d41d8cd98f00b204e9800998ecf8427e");                        /* XMD5 */
	hash_ok(x, T("250 DA39A3EE5E6B4B0D3255BFEF95601890AFD80709 /d/f.txt"),
	        "da39a3ee5e6b4b0d3255bfef95601890afd80709");                /* XSHA1 */
	hash_ok(x, T("250 " SHA256_UP), SHA256_LO);                        /* XSHA256 */
	hash_ok(x, T("250 " SHA512_LO), SHA512_LO);                        /* XSHA512 */
	hash_ok(x, T("200 0123abcd"), "0123abcd");
	hash_ok(x, T("250     0123abcd"), "0123abcd");
	hash_ok(x, T("250-Computing\n250 0123abcd"), "0123abcd");
}
END_TEST

START_TEST(xhash_malformed)
{
	hash_fn x = ftps_parse_xhash_reply;
	char out[16];

	hash_bad(x, T(""));
	hash_bad(x, T("250"));
	hash_bad(x, T("250 "));
	hash_bad(x, T("250         "));
	hash_bad(x, T("250 0123abc"));          /* 7 digits */
	hash_bad(x, T("250 0123abcg"));         /* 'g' is not hex */
	hash_bad(x, T("250 0x0123abcd"));
	hash_bad(x, T("250 \t0123abcd"));
	hash_bad(x, T("250 File not found"));
	hash_bad(x, T("250 0123\0" "abcd"));
	hash_bad(x, T("250 0123abcd\n250 End"));        /* the last line says it */
	ck_assert_int_eq(ftps_parse_xhash_reply("250 0123abcd", 11, out, sizeof(out)), -1);
	ck_assert_int_eq(ftps_parse_xhash_reply("250 0123abcd99", 12, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "0123abcd");
	hash_bad_n(x, T("250 0123abcd"), 8);
	ck_assert_int_eq(ftps_parse_xhash_reply(T("250 0123abcd"), out, 9), 0);
	ck_assert_str_eq(out, "0123abcd");
	ck_assert_int_eq(ftps_parse_xhash_reply(NULL, 0, out, sizeof(out)), -1);
}
END_TEST

/* ---- any bytes ---- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Random texts from the pieces replies are made of: whatever is accepted
 * must be sane. */
START_TEST(random_texts_keep_invariants)
{
	static const char *const piece[] = {
		"213 ", "250-", "250 ", "\n", " ", "-", "0", "9", "1844674407370955161",
		"20240229", "120000", ".5", "type=file;", "type=OS.unix=slink:/t;", "size=12;",
		"; ", "/", "/d/", "name", "SHA-256 ", "0-49 ", "abcdef01", "ABCDEF", "\0", "\r",
	};
	char text[256], out[40];
	struct ftps_entry e;

	for (int round = 0; round < 20000; round++) {
		size_t len = 0, k = rng() % 12;
		uint64_t size;
		int64_t t;

		for (size_t i = 0; i < k; i++) {
			const char *p = piece[rng() % (sizeof(piece) / sizeof(piece[0]))];
			size_t n = p[0] ? strlen(p) : 1;
			if (len + n > sizeof(text))
				break;
			memcpy(text + len, p, n);
			len += n;
		}
		char *tx = exact(text, len);
		if (ftps_parse_size_reply(tx, len, &size) == 0)
			ck_assert_uint_ge(len, 4);
		if (ftps_parse_mdtm_reply(tx, len, &t) == 0)
			ck_assert_uint_ge(len, 18);
		memset(&e, 0, sizeof(e));
		if (ftps_parse_mlst_reply(tx, len, &e) == 0)
			ck_assert(ftps_name_ok(e.name, strlen(e.name)));
		ftps_entry_clear(&e);
		for (int f = 0; f < 2; f++) {
			hash_fn h = f ? ftps_parse_xhash_reply : ftps_parse_hash_reply;
			size_t outlen = rng() % sizeof(out);
			if (h(tx, len, out, outlen) == 0) {
				size_t n = strlen(out);
				ck_assert(n >= 8 && n < outlen);
				ck_assert_uint_eq(strspn(out, "0123456789abcdef"), n);
			}
		}
		free(tx);
	}
}
END_TEST

static Suite *replies_suite(void)
{
	Suite *s = suite_create("replies");
	TCase *tc;

	tc = tcase_create("size");
	tcase_add_test(tc, size_servers);
	tcase_add_test(tc, size_edges);
	tcase_add_test(tc, size_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("mdtm");
	tcase_add_test(tc, mdtm_servers);
	tcase_add_test(tc, mdtm_edges);
	tcase_add_test(tc, mdtm_malformed);
	tcase_add_test(tc, mdtm_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("mlst");
	tcase_add_test(tc, mlst_servers);
	tcase_add_test(tc, mlst_root);
	tcase_add_test(tc, mlst_names);
	tcase_add_test(tc, mlst_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_test(tc, hash_good);
	tcase_add_test(tc, hash_ranges);
	tcase_add_test(tc, hash_malformed);
	tcase_add_test(tc, xhash_good);
	tcase_add_test(tc, xhash_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("any");
	tcase_add_test(tc, random_texts_keep_invariants);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(replies_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
