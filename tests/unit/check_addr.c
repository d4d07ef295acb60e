/* check_addr.c - PASV/EPSV reply parsing (real servers' texts and hostile
 * ones) and PORT/EPRT formatting for IPv4, IPv6 and IPv4-mapped sockets.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static void pasv_ok(const char *text, unsigned a, unsigned b, unsigned c,
                    unsigned d, unsigned port)
{
	uint8_t ip[4] = { 9, 9, 9, 9 };
	uint16_t p = 0;

	ck_assert_msg(ftps_parse_pasv(text, ip, &p) == 0, "refused: %s", text);
	ck_assert_uint_eq(ip[0], a);
	ck_assert_uint_eq(ip[1], b);
	ck_assert_uint_eq(ip[2], c);
	ck_assert_uint_eq(ip[3], d);
	ck_assert_uint_eq(p, port);
}

static void pasv_bad(const char *text)
{
	uint8_t ip[4] = { 9, 9, 9, 9 };
	uint16_t p = 7;

	ck_assert_msg(ftps_parse_pasv(text, ip, &p) == -1, "accepted: %s", text ? text : "NULL");
	ck_assert_uint_eq(p, 7);        /* untouched on error */
	ck_assert_uint_eq(ip[0], 9);
}

START_TEST(pasv_real)
{
	/* vsftpd, ProFTPD */
	pasv_ok("227 Entering Passive Mode (127,0,0,1,195,80).", 127, 0, 0, 1, 50000);
	/* pure-ftpd */
	pasv_ok("227 Entering Passive Mode (192,168,1,20,117,49)", 192, 168, 1, 20, 30001);
	/* FileZilla Server */
	pasv_ok("227 Entering Passive Mode (10,0,0,5,19,137)", 10, 0, 0, 5, 5001);
	/* IIS */
	pasv_ok("227 Entering Passive Mode (172,16,0,9,192,18).", 172, 16, 0, 9, 49170);
	/* RFC 1123's bare form, and text without the code */
	pasv_ok("227 =127,0,0,1,195,80", 127, 0, 0, 1, 50000);
	pasv_ok("Entering Passive Mode 127,0,0,1,4,1", 127, 0, 0, 1, 1025);
	pasv_ok("227 Entering Passive Mode (127, 0, 0, 1, 4, 1)", 127, 0, 0, 1, 1025);
	/* edges of the ranges */
	pasv_ok("227 (255,255,255,255,255,255)", 255, 255, 255, 255, 65535);
	pasv_ok("227 (0,0,0,0,0,1)", 0, 0, 0, 0, 1);
	pasv_ok("227 (000,001,010,100,001,000)", 0, 1, 10, 100, 256);
	/* numbers before the tuple that are not one */
	pasv_ok("227 Mode 2 ok (1,2,3,4,5,6)", 1, 2, 3, 4, 1286);
	pasv_ok("227 1,2 then (1,2,3,4,5,6)", 1, 2, 3, 4, 1286);
}
END_TEST

START_TEST(pasv_hostile)
{
	pasv_bad(NULL);
	pasv_bad("");
	pasv_bad("227 Entering Passive Mode");
	pasv_bad("227 Entering Passive Mode ()");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,195)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,0,0)");         /* port 0 */
	pasv_bad("227 Entering Passive Mode (256,0,0,1,195,80)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,256,80)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,195,999)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,1955,80)");
	pasv_bad("227 Entering Passive Mode (0127,0,0,1,195,80)");
	pasv_bad("227 Entering Passive Mode (-127,0,0,1,195,80)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,-1,80)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,195,+80)");
	pasv_bad("227 Entering Passive Mode (127,0,0,1,195,80,7)");    /* seventh */
	pasv_bad("227 Entering Passive Mode (127,0,0,1,,195,80)");
	pasv_bad("227 Entering Passive Mode (127.0.0.1:50000)");
	pasv_bad("227 Entering Passive Mode (99999999999999999999,0,0,1,1,1)");
	pasv_bad("227 (4294967297,0,0,1,1,1)");
	pasv_bad("227 (a,b,c,d,e,f)");
	pasv_bad("227 (127, 0, 0, 1, 195, 80, 7)");
	pasv_bad("227 (1,127,0,0,1,195,80)");
}
END_TEST

START_TEST(pasv_unterminated_is_fine)
{
	/* A missing ')' does not matter (RFC 1123: scan for the numbers). */
	uint8_t ip[4];
	uint16_t p;

	ck_assert_int_eq(ftps_parse_pasv("227 (127,0,0,1,195,80", ip, &p), 0);
	ck_assert_uint_eq(p, 50000);
}
END_TEST

START_TEST(pasv_long_text)
{
	/* 60 KiB of digits and commas: bounded work, no tuple */
	size_t n = 60000;
	char *s = malloc(n + 1);
	uint8_t ip[4];
	uint16_t p;

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n; i++)
		s[i] = (i % 4 == 3) ? ',' : '9';
	s[n] = '\0';
	ck_assert_int_eq(ftps_parse_pasv(s, ip, &p), -1);
	/* and one with a valid tuple at the very end */
	memcpy(s + n - 16, "(10,0,0,1,4,1)  ", 16);
	ck_assert_int_eq(ftps_parse_pasv(s, ip, &p), 0);
	ck_assert_uint_eq(p, 1025);
	free(s);
}
END_TEST

static void epsv_ok(const char *text, unsigned port)
{
	uint16_t p = 0;

	ck_assert_msg(ftps_parse_epsv(text, &p) == 0, "refused: %s", text);
	ck_assert_uint_eq(p, port);
}

static void epsv_bad(const char *text)
{
	uint16_t p = 7;

	ck_assert_msg(ftps_parse_epsv(text, &p) == -1, "accepted: %s", text ? text : "NULL");
	ck_assert_uint_eq(p, 7);
}

START_TEST(epsv_real)
{
	/* vsftpd, ProFTPD, pure-ftpd, FileZilla, IIS all say this */
	epsv_ok("229 Entering Extended Passive Mode (|||6446|)", 6446);
	epsv_ok("229 Entering Extended Passive Mode (|||6446|).", 6446);
	epsv_ok("229 Extended Passive mode OK (|||50001|)", 50001);
	/* any delimiter in 33..126 */
	epsv_ok("229 (!!!1!)", 1);
	epsv_ok("229 (~~~65535~)", 65535);
	epsv_ok("229 (###01234#)", 1234);
}
END_TEST

START_TEST(epsv_more)
{
	/* a second parenthesis after a first one that is not the port */
	epsv_ok("229 (see below) (|||2121|)", 2121);
	epsv_ok("229 (1 ((((7777()", 7777);
}
END_TEST

START_TEST(epsv_hostile)
{
	epsv_bad(NULL);
	epsv_bad("");
	epsv_bad("229 Entering Extended Passive Mode");
	epsv_bad("229 Entering Extended Passive Mode ()");
	epsv_bad("229 Entering Extended Passive Mode (|||0|)");
	epsv_bad("229 Entering Extended Passive Mode (|||65536|)");
	epsv_bad("229 Entering Extended Passive Mode (|||70000|)");
	epsv_bad("229 Entering Extended Passive Mode (|||99999999999999999999|)");
	epsv_bad("229 Entering Extended Passive Mode (|||-1|)");
	epsv_bad("229 Entering Extended Passive Mode (|||+21|)");
	epsv_bad("229 Entering Extended Passive Mode (|||6446!)");     /* mixed */
	epsv_bad("229 Entering Extended Passive Mode (|!|6446|)");
	epsv_bad("229 Entering Extended Passive Mode (||6446|)");
	epsv_bad("229 Entering Extended Passive Mode (|||6446|");
	epsv_bad("229 Entering Extended Passive Mode (|||6446||)");
	epsv_bad("229 Entering Extended Passive Mode (|||6446|x)");
	epsv_bad("229 Entering Extended Passive Mode (|||)");
	epsv_bad("229 Entering Extended Passive Mode (|||||)");
	epsv_bad("229 Entering Extended Passive Mode (|2|::1|6446|)");
	epsv_bad("229 Entering Extended Passive Mode (   6446 )");      /* space: 32 */
	epsv_bad("229 Entering Extended Passive Mode (\x7f\x7f\x7f" "6446\x7f)");
	epsv_bad("229 Entering Extended Passive Mode (111644461)");     /* digit delimiter */
	epsv_bad("229 Entering Extended Passive Mode |||6446|");         /* no parentheses */
	epsv_bad("229 (\x01\x01\x01" "6446\x01)");
}
END_TEST

START_TEST(format_port_v4)
{
	struct sockaddr_in sin;
	char buf[64];

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(50000);
	ck_assert_int_eq(inet_pton(AF_INET, "192.168.1.20", &sin.sin_addr), 1);
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "192,168,1,20,195,80");
	ck_assert_int_eq(ftps_format_eprt((struct sockaddr *)&sin, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "|1|192.168.1.20|50000|");

	sin.sin_port = htons(65535);
	ck_assert_int_eq(inet_pton(AF_INET, "255.255.255.255", &sin.sin_addr), 1);
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "255,255,255,255,255,255");

	/* too small a buffer: -1 and an empty string, never a cut-off command */
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin, buf, 10), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(ftps_format_eprt((struct sockaddr *)&sin, buf, 10), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin, buf, 0), -1);
	ck_assert_int_eq(ftps_format_port(NULL, buf, sizeof buf), -1);
	ck_assert_int_eq(ftps_format_eprt(NULL, buf, sizeof buf), -1);
}
END_TEST

START_TEST(format_v6)
{
	struct sockaddr_in6 sin6;
	char buf[128];

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(2121);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::42", &sin6.sin6_addr), 1);
	ck_assert_int_eq(ftps_format_eprt((struct sockaddr *)&sin6, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "|2|2001:db8::42|2121|");
	/* PORT cannot carry IPv6 */
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin6, buf, sizeof buf), -1);

	/* link-local: no zone on the wire */
	ck_assert_int_eq(inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr), 1);
	sin6.sin6_scope_id = 2;
	ck_assert_int_eq(ftps_format_eprt((struct sockaddr *)&sin6, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "|2|fe80::1|2121|");

	/* IPv4-mapped: a dual-stack socket talking to an IPv4 server */
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr), 1);
	ck_assert_int_eq(ftps_format_eprt((struct sockaddr *)&sin6, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "|1|127.0.0.1|2121|");
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin6, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "127,0,0,1,8,73");
}
END_TEST

START_TEST(format_other_family)
{
	struct sockaddr_storage ss;
	char buf[64];

	memset(&ss, 0, sizeof ss);
	ss.ss_family = AF_UNIX;
	ck_assert_int_eq(ftps_format_port((struct sockaddr *)&ss, buf, sizeof buf), -1);
	ck_assert_int_eq(ftps_format_eprt((struct sockaddr *)&ss, buf, sizeof buf), -1);
}
END_TEST

START_TEST(roundtrip_port_pasv)
{
	/* what we format for PORT parses back as the same address */
	struct sockaddr_in sin;
	char buf[64];
	uint8_t ip[4];
	uint16_t p;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	for (unsigned port = 1; port < 65536; port += 97) {
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(0x0A000001u + port);
		ck_assert_int_eq(ftps_format_port((struct sockaddr *)&sin, buf, sizeof buf), 0);
		ck_assert_int_eq(ftps_parse_pasv(buf, ip, &p), 0);
		ck_assert_uint_eq(p, port);
		ck_assert_int_eq(memcmp(ip, &sin.sin_addr, 4), 0);
	}
}
END_TEST

/* Scopes for -o pasv_addr: a reply may only move us within the control
 * connection's kind of network. */
START_TEST(ipv4_scopes)
{
	static const struct { uint8_t ip[4]; enum ftps_scope sc; } t[] = {
		{ { 127, 0, 0, 1 }, FTPS_SCOPE_LOOPBACK }, { { 127, 255, 1, 2 }, FTPS_SCOPE_LOOPBACK },
		{ { 169, 254, 3, 4 }, FTPS_SCOPE_LINK }, { { 169, 253, 3, 4 }, FTPS_SCOPE_GLOBAL },
		{ { 10, 1, 2, 3 }, FTPS_SCOPE_PRIVATE }, { { 172, 16, 0, 1 }, FTPS_SCOPE_PRIVATE },
		{ { 172, 31, 255, 1 }, FTPS_SCOPE_PRIVATE }, { { 172, 32, 0, 1 }, FTPS_SCOPE_GLOBAL },
		{ { 172, 15, 0, 1 }, FTPS_SCOPE_GLOBAL }, { { 192, 168, 9, 9 }, FTPS_SCOPE_PRIVATE },
		{ { 192, 169, 9, 9 }, FTPS_SCOPE_GLOBAL }, { { 100, 64, 0, 1 }, FTPS_SCOPE_SHARED },
		{ { 100, 127, 0, 1 }, FTPS_SCOPE_SHARED }, { { 100, 128, 0, 1 }, FTPS_SCOPE_GLOBAL },
		{ { 8, 8, 8, 8 }, FTPS_SCOPE_GLOBAL }, { { 203, 0, 113, 5 }, FTPS_SCOPE_GLOBAL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(ftps_ipv4_scope(t[i].ip) == t[i].sc, "%u.%u.%u.%u", t[i].ip[0],
		              t[i].ip[1], t[i].ip[2], t[i].ip[3]);
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, pasv_real);
	tcase_add_test(tc, pasv_hostile);
	tcase_add_test(tc, pasv_unterminated_is_fine);
	tcase_add_test(tc, pasv_long_text);
	tcase_add_test(tc, epsv_real);
	tcase_add_test(tc, epsv_more);
	tcase_add_test(tc, epsv_hostile);
	tcase_add_test(tc, format_port_v4);
	tcase_add_test(tc, format_v6);
	tcase_add_test(tc, format_other_family);
	tcase_add_test(tc, roundtrip_port_pasv);
	tcase_add_test(tc, ipv4_scopes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
