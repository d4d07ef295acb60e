/* check_feat.c - ftps_feat_parse on the FEAT replies of real servers, odd
 * and hostile ones, and the choice of a hash command.
 *
 * The replies are written as the servers send them (after the reply
 * parser: CRLF stripped, lines joined with '\n').
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feat.h"

/* vsftpd 3.0.3, ssl_enable=YES */
static const char FEAT_VSFTPD[] =
	"211-Features:\n"
	" AUTH TLS\n"
	" EPRT\n"
	" EPSV\n"
	" MDTM\n"
	" PASV\n"
	" PBSZ\n"
	" PROT\n"
	" REST STREAM\n"
	" SIZE\n"
	" TVFS\n"
	" UTF8\n"
	"211 End";

/* ProFTPD 1.3.8 with mod_tls (no mod_digest) */
static const char FEAT_PROFTPD[] =
	"211-Features:\n"
	" LANG en-US*\n"
	" MFMT\n"
	" AUTH TLS\n"
	" MFF modify;UNIX.group;UNIX.mode;\n"
	" MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;"
	"UNIX.mode*;UNIX.owner*;UNIX.ownername*;\n"
	" CCC\n"
	" SITE MKDIR\n"
	" SITE RMDIR\n"
	" SITE UTIME\n"
	" SITE SYMLINK\n"
	" SITE COPY\n"
	" EPRT\n"
	" EPSV\n"
	" HOST\n"
	" RANG STREAM\n"
	" REST STREAM\n"
	" MDTM\n"
	" TVFS\n"
	" PBSZ\n"
	" PROT\n"
	" SIZE\n"
	" SSCN\n"
	" CLNT\n"
	"211 End";

/* ProFTPD with mod_digest: HASH and the X-commands */
static const char FEAT_PROFTPD_DIGEST[] =
	"211-Features:\n"
	" AUTH TLS\n"
	" HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512\n"
	" XCRC\n"
	" XMD5\n"
	" XSHA\n"
	" XSHA1\n"
	" XSHA256\n"
	" XSHA512\n"
	" EPSV\n"
	"211 End";

/* pure-ftpd 1.0.50 with TLS */
static const char FEAT_PUREFTPD[] =
	"211-Extensions supported:\n"
	" UTF8\n"
	" EPRT\n"
	" IDLE\n"
	" MDTM\n"
	" SIZE\n"
	" MFMT\n"
	" REST STREAM\n"
	" MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\n"
	" MLSD\n"
	" PRET\n"
	" AUTH TLS\n"
	" PBSZ\n"
	" PROT\n"
	" TVFS\n"
	" ESTA\n"
	" PASV\n"
	" EPSV\n"
	" SPSV\n"
	" ESTP\n"
	"211 End.";

/* FileZilla Server 1.x */
static const char FEAT_FILEZILLA[] =
	"211-Features:\n"
	" MDTM\n"
	" REST STREAM\n"
	" SIZE\n"
	" MLST type*;size*;modify*;perm*;\n"
	" MLSD\n"
	" AUTH SSL\n"
	" AUTH TLS\n"
	" PROT\n"
	" PBSZ\n"
	" UTF8\n"
	" TVFS\n"
	" EPSV\n"
	" EPRT\n"
	" MFMT\n"
	"211 End";

/* IIS 10: upper-case END, AUTH mechanisms as one ';' list */
static const char FEAT_IIS[] =
	"211-Extended features supported:\n"
	" LANG EN*\n"
	" UTF8\n"
	" AUTH TLS;TLS-C;SSL;TLS-P;\n"
	" PBSZ\n"
	" PROT C;P;\n"
	" CCC\n"
	" HOST\n"
	" SIZE\n"
	" MDTM\n"
	" REST STREAM\n"
	"211 END";

/* Serv-U: X-commands with arguments, mixed-case MLST facts */
static const char FEAT_SERVU[] =
	"211-Features:\n"
	" CLNT\n"
	" MDTM\n"
	" MDTM YYYYMMDDHHMMSS[+-TZ];filename\n"
	" MFMT\n"
	" SIZE\n"
	" SITE PSWD;SET;ZONE;CHMOD;MSG;EXEC;HELP\n"
	" AUTH TLS;SSL;TLS-C;TLS-P;\n"
	" PBSZ\n"
	" PROT\n"
	" REST STREAM\n"
	" MODE Z\n"
	" XCRC filename;start;end\n"
	" XMD5 filename;start;end\n"
	" XSHA1 filename;start;end\n"
	" XSHA256 filename;start;end\n"
	" XSHA512 filename;start;end\n"
	" MLST Type*;Size*;Create;Modify*;Win32.ea;\n"
	" EPRT\n"
	" EPSV\n"
	" OPTS MLST;MODE Z;UTF8\n"
	" UTF8\n"
	"211 End";

static struct ftps_reply *reply;
static struct ftps_caps caps;

static void setup(void)
{
	reply = calloc(1, sizeof *reply);
	ck_assert_ptr_nonnull(reply);
}

static void teardown(void)
{
	free(reply);
}

static void set_reply(int code, const char *text)
{
	size_t n = strlen(text);

	ck_assert_uint_lt(n, sizeof reply->text);
	reply->code = code;
	reply->len = n;
	memcpy(reply->text, text, n + 1);
	reply->nlines = 1;
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\n')
			reply->nlines++;
}

static void parse(int code, const char *text)
{
	set_reply(code, text);
	memset(&caps, 0xAB, sizeof caps);       /* must all be overwritten */
	ftps_feat_parse(reply, &caps);
}

START_TEST(vsftpd)
{
	parse(211, FEAT_VSFTPD);
	ck_assert_int_eq(caps.feat_ok, 1);
	ck_assert_int_eq(caps.auth_tls, 1);
	ck_assert_int_eq(caps.eprt, 1);
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.mdtm, 1);
	ck_assert_int_eq(caps.pbsz, 1);
	ck_assert_int_eq(caps.prot, 1);
	ck_assert_int_eq(caps.rest_stream, 1);
	ck_assert_int_eq(caps.size, 1);
	ck_assert_int_eq(caps.tvfs, 1);
	ck_assert_int_eq(caps.utf8, 1);
	/* what vsftpd does not have: MLST, MFMT (see SERVER-NOTES) */
	ck_assert_int_eq(caps.mlst, 0);
	ck_assert_str_eq(caps.mlst_facts, "");
	ck_assert_int_eq(caps.mfmt, 0);
	ck_assert_int_eq(caps.mff, 0);
	ck_assert_int_eq(caps.hash, 0);
	ck_assert_uint_eq(caps.hash_algos, 0);
	ck_assert_int_eq(caps.xcrc + caps.xmd5 + caps.xsha1 + caps.xsha256 + caps.xsha512, 0);
}
END_TEST

START_TEST(proftpd)
{
	parse(211, FEAT_PROFTPD);
	ck_assert_int_eq(caps.feat_ok, 1);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_str_eq(caps.mlst_facts,
	                 "modify*;perm*;size*;type*;unique*;unix.group*;unix.groupname*;"
	                 "unix.mode*;unix.owner*;unix.ownername*;");
	ck_assert_int_eq(caps.mfmt, 1);
	ck_assert_int_eq(caps.mff, 1);
	ck_assert_int_eq(caps.auth_tls, 1);
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.eprt, 1);
	ck_assert_int_eq(caps.rest_stream, 1);
	ck_assert_int_eq(caps.mdtm, 1);
	ck_assert_int_eq(caps.tvfs, 1);
	ck_assert_int_eq(caps.size, 1);
	ck_assert_int_eq(caps.pbsz, 1);
	ck_assert_int_eq(caps.prot, 1);
	ck_assert_int_eq(caps.utf8, 0);         /* ProFTPD does not list UTF8 here */
	ck_assert_int_eq(caps.hash, 0);
}
END_TEST

START_TEST(proftpd_digest)
{
	int use_hash = -1;

	parse(211, FEAT_PROFTPD_DIGEST);
	ck_assert_int_eq(caps.hash, 1);
	ck_assert_uint_eq(caps.hash_algos,
	                  (1u << FTPS_HASH_CRC32) | (1u << FTPS_HASH_MD5) |
	                  (1u << FTPS_HASH_SHA1) | (1u << FTPS_HASH_SHA256) |
	                  (1u << FTPS_HASH_SHA512));
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_SHA1);
	ck_assert_int_eq(caps.xcrc, 1);
	ck_assert_int_eq(caps.xmd5, 1);
	ck_assert_int_eq(caps.xsha1, 1);
	ck_assert_int_eq(caps.xsha256, 1);
	ck_assert_int_eq(caps.xsha512, 1);
	/* a tie: HASH wins, it says which algorithm it used */
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_SHA512);
	ck_assert_int_eq(use_hash, 1);
}
END_TEST

START_TEST(pureftpd)
{
	parse(211, FEAT_PUREFTPD);
	ck_assert_int_eq(caps.feat_ok, 1);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_str_eq(caps.mlst_facts,
	                 "type*;size*;sizd*;modify*;unix.mode*;unix.uid*;unix.gid*;unique*;");
	ck_assert_int_eq(caps.utf8, 1);
	ck_assert_int_eq(caps.eprt, 1);
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.mdtm, 1);
	ck_assert_int_eq(caps.size, 1);
	ck_assert_int_eq(caps.mfmt, 1);
	ck_assert_int_eq(caps.rest_stream, 1);
	ck_assert_int_eq(caps.auth_tls, 1);
	ck_assert_int_eq(caps.pbsz, 1);
	ck_assert_int_eq(caps.prot, 1);
	ck_assert_int_eq(caps.tvfs, 1);
	ck_assert_int_eq(caps.mff, 0);
}
END_TEST

START_TEST(filezilla)
{
	parse(211, FEAT_FILEZILLA);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_str_eq(caps.mlst_facts, "type*;size*;modify*;perm*;");
	ck_assert_int_eq(caps.auth_tls, 1);     /* "AUTH SSL" and "AUTH TLS" lines */
	ck_assert_int_eq(caps.mfmt, 1);
	ck_assert_int_eq(caps.utf8, 1);
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.eprt, 1);
	ck_assert_int_eq(caps.tvfs, 1);
	ck_assert_int_eq(caps.rest_stream, 1);
}
END_TEST

START_TEST(iis)
{
	parse(211, FEAT_IIS);
	ck_assert_int_eq(caps.feat_ok, 1);
	ck_assert_int_eq(caps.auth_tls, 1);
	ck_assert_int_eq(caps.utf8, 1);
	ck_assert_int_eq(caps.pbsz, 1);
	ck_assert_int_eq(caps.prot, 1);
	ck_assert_int_eq(caps.size, 1);
	ck_assert_int_eq(caps.mdtm, 1);
	ck_assert_int_eq(caps.rest_stream, 1);
	ck_assert_int_eq(caps.mlst, 0);
	ck_assert_int_eq(caps.epsv, 0);
	ck_assert_int_eq(caps.mfmt, 0);
}
END_TEST

START_TEST(servu)
{
	int use_hash = -1;

	parse(211, FEAT_SERVU);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_str_eq(caps.mlst_facts, "type*;size*;create;modify*;win32.ea;");
	ck_assert_int_eq(caps.auth_tls, 1);
	ck_assert_int_eq(caps.mdtm, 1);
	ck_assert_int_eq(caps.xcrc, 1);
	ck_assert_int_eq(caps.xmd5, 1);
	ck_assert_int_eq(caps.xsha1, 1);
	ck_assert_int_eq(caps.xsha256, 1);
	ck_assert_int_eq(caps.xsha512, 1);
	ck_assert_int_eq(caps.hash, 0);
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_SHA512);
	ck_assert_int_eq(use_hash, 0);
}
END_TEST

START_TEST(not_211)
{
	/* 500/502: no FEAT at all; nothing is guessed from the text */
	parse(500, "500 FEAT not understood");
	ck_assert_int_eq(caps.feat_ok, 0);
	ck_assert_int_eq(caps.mlst, 0);
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_NONE);
	parse(502, "502-EPSV\n SIZE\n MLST type*;\n502 Command not implemented");
	ck_assert_int_eq(caps.feat_ok, 0);
	ck_assert_int_eq(caps.size, 0);
	ck_assert_int_eq(caps.mlst, 0);
	ck_assert_str_eq(caps.mlst_facts, "");
	/* a 211 without features */
	parse(211, "211 No features supported");
	ck_assert_int_eq(caps.feat_ok, 1);
	ck_assert_int_eq(caps.size + caps.mlst + caps.epsv + caps.utf8, 0);
	/* NULL reply: zeroes */
	memset(&caps, 0xAB, sizeof caps);
	ftps_feat_parse(NULL, &caps);
	ck_assert_int_eq(caps.feat_ok, 0);
	ck_assert_int_eq(caps.epsv, 0);
}
END_TEST

START_TEST(case_and_spacing)
{
	parse(211, "211-features\n"
	           " epsv\n"
	           "  Rest   stream  \n"
	           "\tsize\t\n"
	           "UTF8\n"                         /* no leading space: tolerated */
	           " mlst TYPE*;Size*;MODIFY*;\r\n" /* stray CR */
	           " auth tls\n"
	           " Hash sha-256*;sha-1\n"
	           "211 end");
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.rest_stream, 1);
	ck_assert_int_eq(caps.size, 1);
	ck_assert_int_eq(caps.utf8, 1);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_str_eq(caps.mlst_facts, "type*;size*;modify*;");
	ck_assert_int_eq(caps.auth_tls, 1);
	ck_assert_int_eq(caps.hash, 1);
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_SHA256);
	ck_assert_uint_eq(caps.hash_algos, (1u << FTPS_HASH_SHA256) | (1u << FTPS_HASH_SHA1));
}
END_TEST

START_TEST(lookalikes)
{
	/* names must match whole, arguments must be the right ones */
	parse(211, "211-Features:\n"
	           " SIZEX\n"
	           " EPSV2\n"
	           " MLSTX type*;\n"
	           " REST\n"                        /* REST without STREAM */
	           " RESTSTREAM\n"
	           " AUTH SSL\n"                    /* SSL only: no AUTH TLS */
	           " AUTH TLSv1\n"
	           " XAUTH TLS\n"
	           " HASHES SHA-256\n"
	           " XSHA\n"                        /* old name; not one we use */
	           " 211 SIZE\n"
	           " UTF-8\n"
	           "211 End");
	ck_assert_int_eq(caps.feat_ok, 1);
	ck_assert_int_eq(caps.size, 0);
	ck_assert_int_eq(caps.epsv, 0);
	ck_assert_int_eq(caps.mlst, 0);
	ck_assert_int_eq(caps.rest_stream, 0);
	ck_assert_int_eq(caps.auth_tls, 0);
	ck_assert_int_eq(caps.hash, 0);
	ck_assert_int_eq(caps.xsha1, 0);
	ck_assert_int_eq(caps.utf8, 0);
}
END_TEST

START_TEST(frame_lines_ignored)
{
	/* the frame's text is not a feature even if it reads like one */
	parse(211, "211-SIZE\n EPSV\n211 MDTM");
	ck_assert_int_eq(caps.size, 0);
	ck_assert_int_eq(caps.mdtm, 0);
	ck_assert_int_eq(caps.epsv, 1);
	/* TLS-C alone counts as AUTH TLS (RFC 4217) */
	parse(211, "211-x\n AUTH TLS-C\n211 End");
	ck_assert_int_eq(caps.auth_tls, 1);
	parse(211, "211-x\n AUTH\n AUTH ;;;\n211 End");
	ck_assert_int_eq(caps.auth_tls, 0);
}
END_TEST

START_TEST(hostile_mlst)
{
	/* kilobytes of facts: cut at a whole fact, within the buffer */
	char *text = malloc(8192);
	size_t n = 0;

	ck_assert_ptr_nonnull(text);
	n += (size_t)snprintf(text + n, 8192 - n, "211-Features:\n MLST ");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, 8192 - n, "FACT%d*;", i);
	n += (size_t)snprintf(text + n, 8192 - n, "\n SIZE\n211 End");
	parse(211, text);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_int_eq(caps.size, 1);
	ck_assert_uint_lt(strlen(caps.mlst_facts), sizeof caps.mlst_facts);
	ck_assert_uint_gt(strlen(caps.mlst_facts), 200);
	ck_assert(strncmp(caps.mlst_facts, "fact0*;fact1*;", 14) == 0);
	ck_assert_int_eq(caps.mlst_facts[strlen(caps.mlst_facts) - 1], ';');

	/* one giant fact without ';': nothing sensible to keep */
	n = (size_t)snprintf(text, 8192, "211-Features:\n MLST ");
	memset(text + n, 'a', 1000);
	memcpy(text + n + 1000, "\n211 End", 9);
	parse(211, text);
	ck_assert_int_eq(caps.mlst, 1);
	ck_assert_str_eq(caps.mlst_facts, "");

	/* control and high bytes in facts are dropped */
	parse(211, "211-Features:\n MLST type*;\x1b[2Jsize*;\x01\x7f\xc3\xa9modify*;\n211 End");
	ck_assert_str_eq(caps.mlst_facts, "type*;[2jsize*;modify*;");
	free(text);
}
END_TEST

START_TEST(hostile_lines)
{
	/* a line longer than the reply parser would ever let through, a NUL
	 * inside the text, empty lines, and lone spaces */
	char *text = malloc(FTPS_MAX_REPLY_BYTES);
	size_t n;

	ck_assert_ptr_nonnull(text);
	n = (size_t)snprintf(text, 64, "211-Features:\n\n \n   \n EPSV ");
	memset(text + n, 'x', 20000);
	n += 20000;
	memcpy(text + n, "\n UTF8\n211 End", 15);
	parse(211, text);
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.utf8, 1);

	/* text after an embedded NUL is not read */
	set_reply(211, "211-Features:\n SIZE\n211 End");
	memcpy(reply->text + 14, " EPSV\n\0 MDTM\n211 End", 21);
	ftps_feat_parse(reply, &caps);
	ck_assert_int_eq(caps.epsv, 1);
	ck_assert_int_eq(caps.mdtm, 0);

	/* a reply text that fills the whole buffer, unterminated by the
	 * producer: parsing stays inside it */
	memset(reply->text, 'A', sizeof reply->text);
	reply->text[0] = ' ';
	reply->code = 211;
	ftps_feat_parse(reply, &caps);
	ck_assert_int_eq(caps.feat_ok, 1);
	free(text);
}
END_TEST

START_TEST(hash_lists)
{
	int use_hash;

	parse(211, "211-x\n HASH SHA-256;SHA-1*;MD5;CRC32\n211 End");
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_SHA1);
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_SHA256);
	ck_assert_int_eq(use_hash, 1);

	/* algorithms we do not know are skipped */
	parse(211, "211-x\n HASH SHA-384*;SHA-224;SHA-512;BLAKE2\n211 End");
	ck_assert_uint_eq(caps.hash_algos, 1u << FTPS_HASH_SHA512);
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_NONE);

	/* HASH without a list: the command exists, no algorithm to use */
	parse(211, "211-x\n HASH\n XMD5\n211 End");
	ck_assert_int_eq(caps.hash, 1);
	ck_assert_uint_eq(caps.hash_algos, 0);
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_MD5);
	ck_assert_int_eq(use_hash, 0);

	/* a stronger X-command beats a weaker HASH */
	parse(211, "211-x\n HASH SHA-1*;MD5\n XSHA256\n211 End");
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_SHA256);
	ck_assert_int_eq(use_hash, 0);

	/* a stronger HASH beats weaker X-commands */
	parse(211, "211-x\n HASH SHA-512\n XCRC\n XMD5\n XSHA1\n211 End");
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_SHA512);
	ck_assert_int_eq(use_hash, 1);

	/* junk in the list: stars, empties, separators */
	parse(211, "211-x\n HASH ;;*;MD5**;;CRC32*;;\n211 End");
	ck_assert_uint_eq(caps.hash_algos, 1u << FTPS_HASH_CRC32);
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_CRC32);

	/* only XCRC */
	parse(211, "211-x\n XCRC\n211 End");
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_CRC32);
	ck_assert_int_eq(use_hash, 0);

	/* nothing */
	parse(211, FEAT_VSFTPD);
	use_hash = 7;
	ck_assert_int_eq(ftps_caps_best_hash(&caps, &use_hash), FTPS_HASH_NONE);
	ck_assert_int_eq(use_hash, 0);
	ck_assert_int_eq(ftps_caps_best_hash(&caps, NULL), FTPS_HASH_NONE);
	ck_assert_int_eq(ftps_caps_best_hash(NULL, &use_hash), FTPS_HASH_NONE);
}
END_TEST

START_TEST(hash_many_entries)
{
	/* a list of thousands of entries is bounded, the known ones early win */
	char *text = malloc(32768);
	size_t n;

	ck_assert_ptr_nonnull(text);
	n = (size_t)snprintf(text, 64, "211-x\n HASH MD5*;");
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, 32768 - n, "X%d;", i);
	snprintf(text + n, 32768 - n, "SHA-512\n211 End");
	parse(211, text);
	ck_assert_int_eq(caps.hash, 1);
	ck_assert_uint_eq(caps.hash_algos, 1u << FTPS_HASH_MD5);
	ck_assert_int_eq(caps.hash_current, FTPS_HASH_MD5);
	free(text);
}
END_TEST

START_TEST(hash_names)
{
	ck_assert_str_eq(ftps_hash_name(FTPS_HASH_CRC32), "CRC32");
	ck_assert_str_eq(ftps_hash_name(FTPS_HASH_MD5), "MD5");
	ck_assert_str_eq(ftps_hash_name(FTPS_HASH_SHA1), "SHA-1");
	ck_assert_str_eq(ftps_hash_name(FTPS_HASH_SHA256), "SHA-256");
	ck_assert_str_eq(ftps_hash_name(FTPS_HASH_SHA512), "SHA-512");
	ck_assert_str_eq(ftps_hash_name(FTPS_HASH_NONE), "none");
	ck_assert_str_eq(ftps_hash_name((enum ftps_hash_algo)99), "none");
	ck_assert_str_eq(ftps_hash_name((enum ftps_hash_algo)-1), "none");
}
END_TEST

static Suite *feat_suite(void)
{
	Suite *s = suite_create("feat");
	TCase *servers = tcase_create("servers");
	TCase *odd = tcase_create("odd");
	TCase *hash = tcase_create("hash");

	tcase_add_checked_fixture(servers, setup, teardown);
	tcase_add_test(servers, vsftpd);
	tcase_add_test(servers, proftpd);
	tcase_add_test(servers, proftpd_digest);
	tcase_add_test(servers, pureftpd);
	tcase_add_test(servers, filezilla);
	tcase_add_test(servers, iis);
	tcase_add_test(servers, servu);
	suite_add_tcase(s, servers);

	tcase_add_checked_fixture(odd, setup, teardown);
	tcase_add_test(odd, not_211);
	tcase_add_test(odd, case_and_spacing);
	tcase_add_test(odd, lookalikes);
	tcase_add_test(odd, frame_lines_ignored);
	tcase_add_test(odd, hostile_mlst);
	tcase_add_test(odd, hostile_lines);
	suite_add_tcase(s, odd);

	tcase_add_checked_fixture(hash, setup, teardown);
	tcase_add_test(hash, hash_lists);
	tcase_add_test(hash, hash_many_entries);
	tcase_add_test(hash, hash_names);
	suite_add_tcase(s, hash);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(feat_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
