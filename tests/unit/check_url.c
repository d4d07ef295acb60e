/* check_url.c - ftps_url_parse and ftps_url_format: the accepted forms,
 * normalisation, and the many ways a URL can be wrong (with the message a
 * person gets for each). Also the other mount inputs parsed in url.c:
 * ftps_hexval and the certificate pin, ftps_parse_fingerprint.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftps_limits.h"
#include "url.h"

/* Parse s and expect success with these fields (user NULL = none). */
static void expect_ok(const char *s, enum ftps_security sec, const char *user,
                      const char *host, unsigned port, const char *path)
{
	struct ftps_url u;
	char err[256] = "";
	int rc = ftps_url_parse(s, &u, err, sizeof err);

	ck_assert_msg(rc == 0, "'%s' refused: %s", s, err);
	ck_assert_int_eq(u.security, sec);
	if (user == NULL)
		ck_assert_ptr_null(u.user);
	else
		ck_assert_str_eq(u.user, user);
	ck_assert_str_eq(u.host, host);
	ck_assert_uint_eq(u.port, port);
	ck_assert_str_eq(u.path, path);
	ftps_url_free(&u);
}

/* Parse s and expect failure with a message containing needle. The
 * structure must come back empty (nothing to free, nothing leaked). */
static void expect_bad(const char *s, const char *needle)
{
	struct ftps_url u;
	char err[256] = "";
	int rc = ftps_url_parse(s, &u, err, sizeof err);

	ck_assert_msg(rc == -1, "'%s' accepted", s ? s : "(null)");
	ck_assert_msg(strstr(err, needle) != NULL, "'%s': message '%s' lacks '%s'",
	              s ? s : "(null)", err, needle);
	ck_assert_msg(strchr(err, '\n') == NULL, "message has a newline");
	ck_assert_ptr_null(u.user);
	ck_assert_ptr_null(u.host);
	ck_assert_ptr_null(u.path);
	ftps_url_free(&u);
}

START_TEST(schemes_and_ports)
{
	expect_ok("ftpes://example.org", FTPS_SEC_EXPLICIT, NULL, "example.org", 21, "/");
	expect_ok("ftps://example.org", FTPS_SEC_IMPLICIT, NULL, "example.org", 990, "/");
	expect_ok("ftp://example.org", FTPS_SEC_PLAIN, NULL, "example.org", 21, "/");
	expect_ok("example.org", FTPS_SEC_EXPLICIT, NULL, "example.org", 21, "/");
	expect_ok("FTPES://Example.ORG:2121/", FTPS_SEC_EXPLICIT, NULL, "Example.ORG", 2121, "/");
	expect_ok("Ftps://h:21", FTPS_SEC_IMPLICIT, NULL, "h", 21, "/");
	expect_ok("ftps://h:990/pub", FTPS_SEC_IMPLICIT, NULL, "h", 990, "/pub");
	expect_ok("localhost:2121", FTPS_SEC_EXPLICIT, NULL, "localhost", 2121, "/");
	expect_ok("127.0.0.1", FTPS_SEC_EXPLICIT, NULL, "127.0.0.1", 21, "/");
	expect_ok("h:1", FTPS_SEC_EXPLICIT, NULL, "h", 1, "/");
	expect_ok("h:65535", FTPS_SEC_EXPLICIT, NULL, "h", 65535, "/");
	expect_ok("h:00021", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/");
}
END_TEST

START_TEST(users)
{
	expect_ok("ftpes://alice@h/x", FTPS_SEC_EXPLICIT, "alice", "h", 21, "/x");
	expect_ok("bob@h:2121", FTPS_SEC_EXPLICIT, "bob", "h", 2121, "/");
	/* hosting logins: the last '@' ends the user */
	expect_ok("ftpes://me@example.org@ftp.example.org/", FTPS_SEC_EXPLICIT,
	          "me@example.org", "ftp.example.org", 21, "/");
	expect_ok("ftpes://me%40example.org@h", FTPS_SEC_EXPLICIT, "me@example.org", "h", 21, "/");
	expect_ok("ftpes://a%3Ab@h", FTPS_SEC_EXPLICIT, "a:b", "h", 21, "/");
	expect_ok("ftpes://DOMAIN%5Cuser@h", FTPS_SEC_EXPLICIT, "DOMAIN\\user", "h", 21, "/");
	expect_ok("ftpes://J%C3%BCrgen@h", FTPS_SEC_EXPLICIT, "J\xc3\xbcrgen", "h", 21, "/");
	expect_ok("ftpes://anonymous@h", FTPS_SEC_EXPLICIT, "anonymous", "h", 21, "/");
}
END_TEST

START_TEST(password_refused)
{
	expect_bad("ftpes://alice:secret@h/", "password_stdin");
	expect_bad("ftpes://alice:secret@h/", "netrc");
	expect_bad("alice:@h", "password");
	expect_bad("ftps://:pw@h", "password");
}
END_TEST

START_TEST(ipv6)
{
	expect_ok("ftpes://[::1]:2121/pub", FTPS_SEC_EXPLICIT, NULL, "::1", 2121, "/pub");
	expect_ok("ftps://[::1]", FTPS_SEC_IMPLICIT, NULL, "::1", 990, "/");
	expect_ok("[2001:db8::42]/x", FTPS_SEC_EXPLICIT, NULL, "2001:db8::42", 21, "/x");
	expect_ok("u@[::ffff:127.0.0.1]:21", FTPS_SEC_EXPLICIT, "u", "::ffff:127.0.0.1", 21, "/");
	expect_ok("ftpes://[fe80::1%25eth0]:21/", FTPS_SEC_EXPLICIT, NULL, "fe80::1%eth0", 21, "/");
	expect_ok("ftpes://[fe80::1%eth0]/", FTPS_SEC_EXPLICIT, NULL, "fe80::1%eth0", 21, "/");
	expect_bad("ftpes://::1/", "brackets");
	expect_bad("ftpes://2001:db8::1:21/", "brackets");
	expect_bad("ftpes://[::1/", "']'");
	expect_bad("ftpes://[::1]x/", "after ']'");
	expect_bad("ftpes://[::1]:/", "missing port");
	expect_bad("ftpes://[::1]:0/", "out of range");
	expect_bad("ftpes://[]/", "IPv6");
	expect_bad("ftpes://[example.org]/", "IPv6");
	expect_bad("ftpes://[::g]/", "IPv6");
	expect_bad("ftpes://[1.2.3.4]/", "IPv6");
	expect_bad("ftpes://[fe80::1%25]/", "zone");
	expect_bad("ftpes://[fe80::1%25e%20th0]/", "zone");
}
END_TEST

START_TEST(paths)
{
	expect_ok("h/", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/");
	expect_ok("h/pub/", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/pub");
	expect_ok("h//pub///a//", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/pub/a");
	expect_ok("h/./pub/./a/.", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/pub/a");
	expect_ok("h/pub/../srv", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/srv");
	expect_ok("h/../../..", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/");
	expect_ok("h/a/b/../../../../c", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/c");
	expect_ok("h/%2e%2E/%2e/x", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/x");
	expect_ok("h/a%2Fb", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/a/b");
	expect_ok("h/a%2F..%2F..%2Fetc", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/etc");
	expect_ok("h/My%20Documents", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/My Documents");
	expect_ok("h/My Documents", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/My Documents");
	expect_ok("h/a?b#c", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/a?b#c");
	expect_ok("h/%25", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/%");
	expect_ok("h/...", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/...");
	expect_ok("h/..a/.b", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/..a/.b");
	expect_ok("h/caf%C3%A9/\xe2\x82\xac", FTPS_SEC_EXPLICIT, NULL, "h", 21,
	          "/caf\xc3\xa9/\xe2\x82\xac");
	expect_ok("h:21/a@b", FTPS_SEC_EXPLICIT, NULL, "h", 21, "/a@b");
	expect_ok("u@h/a@b:c", FTPS_SEC_EXPLICIT, "u", "h", 21, "/a@b:c");
}
END_TEST

START_TEST(bad_schemes)
{
	expect_bad("sftp://h/", "unsupported URL scheme 'sftp://'");
	expect_bad("sftp://h/", "sshfs");
	expect_bad("http://h/", "unsupported URL scheme 'http://'");
	expect_bad("https://h/", "ftpes://");
	expect_bad("ftpx://h/", "unsupported");
	expect_bad("file:///etc", "unsupported");
	/* an absurd scheme is quoted shortened, never whole */
	expect_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa://h", "unsupported");
}
END_TEST

START_TEST(bad_hosts_and_ports)
{
	expect_bad(NULL, "empty");
	expect_bad("", "empty");
	expect_bad("ftpes://", "no host");
	expect_bad("ftpes:///pub", "no host");
	expect_bad("ftpes://u@/pub", "no host");
	expect_bad("ftpes://u@", "no host");
	expect_bad("ftpes://@h", "empty user");
	expect_bad(":21", "no host");
	expect_bad("ftpes://h:/", "missing port");
	expect_bad("ftpes://h:0/", "out of range");
	expect_bad("ftpes://h:65536/", "out of range");
	expect_bad("ftpes://h:70000/", "out of range");
	expect_bad("ftpes://h:99999999999999999999999/", "out of range");
	expect_bad("ftpes://h:-1/", "must be a number");
	expect_bad("ftpes://h:+21/", "must be a number");
	expect_bad("ftpes://h:21x/", "must be a number");
	expect_bad("ftpes://h:21 /", "must be a number");
	expect_bad("ftpes://h:0x15/", "must be a number");
	expect_bad("ftpes://h:21:22/", "brackets");
	expect_bad("ftpes://my host/", "invalid character");
	expect_bad("ftpes://h!/", "invalid character");
	expect_bad("ftpes://h%41/", "invalid character");
	expect_bad("ftpes://-oProxy/", "'-'");
	expect_bad("ftpes://h\\x/", "invalid character");
}
END_TEST

START_TEST(control_characters)
{
	expect_bad("ftpes://h/a\r\nDELE x", "control characters");
	expect_bad("ftpes://h/a%0d%0aDELE%20x", "control characters");
	expect_bad("ftpes://h/a%0D", "control characters");
	expect_bad("ftpes://h/a%0a", "control characters");
	expect_bad("ftpes://h/a%00b", "control characters");
	expect_bad("ftpes://h/a%1b[2J", "control characters");
	expect_bad("ftpes://h/a%7f", "control characters");
	expect_bad("ftpes://u%0d%0aPASS%20x@h/", "control characters");
	expect_bad("ftpes://u%00@h/", "control characters");
	expect_bad("ftpes://h\t/", "control characters");
	expect_bad("ftpes://h\x1b/", "control characters");
	expect_bad("ftpes://h/\x7f", "control characters");
	expect_bad("ftpes://h/a%", "percent-encoding");
	expect_bad("ftpes://h/a%4", "percent-encoding");
	expect_bad("ftpes://h/a%zz", "percent-encoding");
	expect_bad("ftpes://h/a%%41", "percent-encoding");
	expect_bad("ftpes://u%g1@h/", "percent-encoding");
}
END_TEST

START_TEST(idn_hosts)
{
	/* UTF-8 host names pass; the resolver decides */
	expect_ok("ftpes://b\xc3\xbc" "cher.example/", FTPS_SEC_EXPLICIT, NULL,
	          "b\xc3\xbc" "cher.example", 21, "/");
	expect_ok("ftpes://my_host.local", FTPS_SEC_EXPLICIT, NULL, "my_host.local", 21, "/");
	expect_ok("ftpes://xn--bcher-kva.example", FTPS_SEC_EXPLICIT, NULL,
	          "xn--bcher-kva.example", 21, "/");
}
END_TEST

START_TEST(over_long)
{
	size_t n = 20000;
	char *s = malloc(n + 32);
	char err[64];
	struct ftps_url u;
	int len;

	ck_assert_ptr_nonnull(s);
	/* a whole URL that is far too long */
	len = snprintf(s, 32, "ftpes://h/");
	memset(s + len, 'a', n);
	s[len + n] = '\0';
	expect_bad(s, "too long");

	/* a path just at and just over the limit */
	len = snprintf(s, 32, "ftpes://h/");
	memset(s + len, 'a', FTPS_MAX_PATH - 2);
	s[len + FTPS_MAX_PATH - 2] = '\0';
	ck_assert_int_eq(ftps_url_parse(s, &u, err, sizeof err), 0);
	ck_assert_uint_eq(strlen(u.path), FTPS_MAX_PATH - 1);
	ftps_url_free(&u);
	s[len + FTPS_MAX_PATH - 2] = 'a';
	s[len + FTPS_MAX_PATH - 1] = '\0';
	expect_bad(s, "too long");

	/* a long path that normalises to a short one is fine */
	len = snprintf(s, 32, "ftpes://h/");
	for (size_t i = 0; i < 3000; i++)
		memcpy(s + len + 3 * i, "/./", 3);
	s[len + 9000] = '\0';
	expect_ok(s, FTPS_SEC_EXPLICIT, NULL, "h", 21, "/");

	/* host and user bounds */
	memset(s, 'h', 300);
	s[300] = '\0';
	expect_bad(s, "too long");
	memset(s, 'u', 1000);
	memcpy(s + 1000, "@h", 3);
	expect_bad(s, "too long");
	free(s);
}
END_TEST

START_TEST(small_error_buffer)
{
	struct ftps_url u;
	char err[8];

	ck_assert_int_eq(ftps_url_parse("sftp://h", &u, err, sizeof err), -1);
	ck_assert_uint_eq(strlen(err), sizeof err - 1);
	/* no buffer at all is fine too */
	ck_assert_int_eq(ftps_url_parse("sftp://h", &u, NULL, 0), -1);
	ck_assert_int_eq(ftps_url_parse("h", NULL, err, sizeof err), -1);
}
END_TEST

/* Parse, format, parse again: the same fields. */
static void roundtrip(const char *s, const char *expect)
{
	struct ftps_url a, b;
	char err[256], buf[8192];

	ck_assert_msg(ftps_url_parse(s, &a, err, sizeof err) == 0, "%s: %s", s, err);
	ftps_url_format(&a, buf, sizeof buf);
	if (expect != NULL)
		ck_assert_str_eq(buf, expect);
	ck_assert_msg(ftps_url_parse(buf, &b, err, sizeof err) == 0, "%s: %s", buf, err);
	ck_assert_int_eq(a.security, b.security);
	ck_assert_int_eq(a.user == NULL, b.user == NULL);
	if (a.user != NULL)
		ck_assert_str_eq(a.user, b.user);
	ck_assert_str_eq(a.host, b.host);
	ck_assert_uint_eq(a.port, b.port);
	ck_assert_str_eq(a.path, b.path);
	ftps_url_free(&a);
	ftps_url_free(&b);
}

START_TEST(format)
{
	roundtrip("example.org", "ftpes://example.org:21/");
	roundtrip("ftps://u@h/pub/", "ftps://u@h:990/pub");
	roundtrip("ftp://h:2121/a/../b", "ftp://h:2121/b");
	roundtrip("ftpes://[::1]:2121/x", "ftpes://[::1]:2121/x");
	roundtrip("ftpes://[fe80::1%25eth0]/", "ftpes://[fe80::1%25eth0]:21/");
	roundtrip("ftpes://me@example.org@h/", "ftpes://me%40example.org@h:21/");
	roundtrip("ftpes://a%3Ab@h/", "ftpes://a%3Ab@h:21/");
	roundtrip("ftpes://h/My Documents/100%25", "ftpes://h:21/My%20Documents/100%25");
	roundtrip("ftpes://h/caf%C3%A9", "ftpes://h:21/caf\xc3\xa9");
	roundtrip("ftpes://h/a?b#c", "ftpes://h:21/a?b#c");
	roundtrip("ftpes://u%20v@h/", "ftpes://u%20v@h:21/");
}
END_TEST

START_TEST(format_bounds)
{
	struct ftps_url u;
	char err[64], buf[12];

	ck_assert_int_eq(ftps_url_parse("ftpes://user@host.example.org/pub", &u, err, sizeof err), 0);
	ck_assert_ptr_eq(ftps_url_format(&u, buf, sizeof buf), buf);
	ck_assert_str_eq(buf, "ftpes://use");
	ck_assert_ptr_eq(ftps_url_format(&u, buf, 1), buf);
	ck_assert_str_eq(buf, "");
	ck_assert_ptr_null(ftps_url_format(&u, NULL, 0));
	ftps_url_free(&u);
	ftps_url_free(&u);      /* twice is harmless */
	ftps_url_free(NULL);
	ck_assert_str_eq(ftps_url_format(NULL, buf, sizeof buf), "");
}
END_TEST

/* ---- ftps_hexval, ftps_parse_fingerprint ---- */

START_TEST(hexval_every_char)
{
	static const char digits[] = "0123456789abcdef";

	for (int c = -128; c < 128; c++) {
		const char *lo = c > 0 ? strchr(digits, c) : NULL;
		const char *up = c >= 'A' && c <= 'F' ? strchr(digits, c - 'A' + 'a') : NULL;
		int want = lo ? (int)(lo - digits) : up ? (int)(up - digits) : -1;

		ck_assert_msg(ftps_hexval((char)c) == want, "char %d: %d, want %d",
		              c, ftps_hexval((char)c), want);
	}
}
END_TEST

/* 0a 1b 2c ... f9, twice: every digit in both places of a pair. */
static const unsigned char FP_WANT[32] = {
	0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71,
	0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9,
	0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71,
	0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9 };

#define FP_PLAIN "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define FP_COLON "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:" \
                 "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9"

START_TEST(fingerprint_good)
{
	static const char *const forms[] = {
		"SHA256:" FP_COLON,
		"sha256:" FP_COLON,
		"Sha256:" FP_PLAIN,
		FP_PLAIN,
		FP_COLON,
		"0A1B2C3D4E5F60718293A4B5C6D7E8F90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"0a1b:2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8:f9",
		"SHA256:0a:1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		unsigned char out[32];

		memset(out, 0x5a, sizeof(out));
		ck_assert_msg(ftps_parse_fingerprint(forms[i], out) == 0, "refused: %s", forms[i]);
		ck_assert_mem_eq(out, FP_WANT, sizeof(out));
	}
}
END_TEST

/* What the core prints for a certificate ("SHA256:AB:CD:...", see
 * ftps_tls_fingerprint_str) parses back to the same bytes, for every
 * byte value. */
START_TEST(fingerprint_round_trip)
{
	for (int base = 0; base < 256; base += 32) {
		unsigned char bytes[32], out[32];
		char text[128];
		size_t off = (size_t)snprintf(text, sizeof(text), "SHA256:");

		for (int i = 0; i < 32; i++) {
			bytes[i] = (unsigned char)(base + i);
			off += (size_t)snprintf(text + off, sizeof(text) - off, i ? ":%02X" : "%02X",
			                        bytes[i]);
		}
		ck_assert_uint_lt(off, sizeof(text));
		ck_assert_msg(ftps_parse_fingerprint(text, out) == 0, "refused: %s", text);
		ck_assert_mem_eq(out, bytes, sizeof(out));
	}
}
END_TEST

START_TEST(fingerprint_bad)
{
	static const char *const forms[] = {
		"",                                     /* empty */
		"SHA256:",                              /* prefix only */
		"sha256",
		FP_PLAIN "0",                           /* odd: 65 digits */
		FP_PLAIN + 1,                           /* odd: 63 digits */
		FP_PLAIN + 2,                           /* 31 bytes */
		FP_PLAIN "00",                          /* 33 bytes */
		"SHA256:" FP_COLON ":00",               /* 33 bytes with colons */
		"SHA256:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:"
		"0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9",  /* 31 bytes, colons */
		"0g1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", /* non-hex */
		"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8fz",
		"0a 1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		FP_PLAIN " ",                           /* trailing space */
		FP_PLAIN "\n",                          /* trailing newline */
		" " FP_PLAIN,                           /* leading space */
		"0x1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",  /* 0x */
		":" FP_PLAIN,                           /* colon first */
		FP_PLAIN ":",                           /* colon last */
		"0a::1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"0:a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"SHA256::" FP_PLAIN,                    /* prefix then a colon */
		"SHA256:SHA256:" FP_PLAIN,              /* prefix twice */
		"MD5:" FP_PLAIN,                        /* another digest */
		"SHA1:" FP_PLAIN,
		"SHA-256:" FP_PLAIN,
		"SHA256" FP_PLAIN,                      /* prefix without its colon */
		"::::",
	};
	unsigned char out[32], sentinel[32];

	memset(sentinel, 0x5a, sizeof(sentinel));
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memcpy(out, sentinel, sizeof(out));
		ck_assert_msg(ftps_parse_fingerprint(forms[i], out) == -1, "accepted: '%s'", forms[i]);
		/* a refused pin leaves the caller's buffer alone */
		ck_assert_mem_eq(out, sentinel, sizeof(out));
	}
	ck_assert_int_eq(ftps_parse_fingerprint(NULL, out), -1);
	ck_assert_mem_eq(out, sentinel, sizeof(out));
	ck_assert_int_eq(ftps_parse_fingerprint(FP_PLAIN, NULL), -1);
}
END_TEST

static Suite *url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, schemes_and_ports);
	tcase_add_test(tc, users);
	tcase_add_test(tc, password_refused);
	tcase_add_test(tc, ipv6);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, bad_schemes);
	tcase_add_test(tc, bad_hosts_and_ports);
	tcase_add_test(tc, control_characters);
	tcase_add_test(tc, idn_hosts);
	tcase_add_test(tc, over_long);
	tcase_add_test(tc, small_error_buffer);
	tcase_add_test(tc, format);
	tcase_add_test(tc, format_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("fingerprint");
	tcase_add_test(tc, hexval_every_char);
	tcase_add_test(tc, fingerprint_good);
	tcase_add_test(tc, fingerprint_round_trip);
	tcase_add_test(tc, fingerprint_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(url_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
