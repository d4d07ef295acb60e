/* check_reply.c - unit tests for the RFC 959 reply parser (src/reply.c).
 *
 * Every input is fed three ways - whole, byte by byte, and split at
 * pseudo-random points - and each way must give the same result, the same
 * number of consumed bytes and the same reply. The bounds of ftps_limits.h
 * are tested on both sides of each limit.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

/* What one feeding run produced. */
struct run {
	int rc;
	size_t consumed;
	struct ftps_reply reply;
	const char *errmsg;
};

enum chunking { WHOLE, BYTES, RANDOM };

static uint32_t rng_state;

/* A tiny deterministic generator, so a failure can be reproduced. */
static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Feed buf in the given chunking until a reply completes, fails, or the
 * input runs out. */
static void feed_all(const char *buf, size_t len, enum chunking how,
                     uint32_t seed, struct run *out)
{
	struct ftps_reply_parser *p = malloc(sizeof(*p));
	size_t off = 0;
	int rc = FTPS_REPLY_MORE;

	ck_assert_ptr_nonnull(p);
	rng_state = seed;
	ftps_reply_parser_init(p);
	memset(out, 0, sizeof(*out));
	/* Bounded: each round consumes at least one byte or ends. */
	while (off < len) {
		size_t n, used = 0;

		if (how == WHOLE)
			n = len - off;
		else if (how == BYTES)
			n = 1;
		else
			n = 1 + rng() % 97;
		if (n > len - off)
			n = len - off;
		rc = ftps_reply_feed(p, buf + off, n, &used);
		ck_assert_uint_le(used, n);
		off += used;
		if (rc != FTPS_REPLY_MORE)
			break;
		ck_assert_uint_eq(used, n);
	}
	out->rc = rc;
	out->consumed = off;
	out->reply = p->reply;
	out->errmsg = p->errmsg;
	free(p);
}

/* Parse buf every way; all must agree. Returns the "whole" run. */
static struct run *parse(const char *buf, size_t len)
{
	static struct run whole, other;
	uint32_t seed;

	feed_all(buf, len, WHOLE, 0, &whole);
	for (int how = BYTES; how <= RANDOM; how++) {
		for (seed = 1; seed <= (how == RANDOM ? 8u : 1u); seed++) {
			feed_all(buf, len, (enum chunking)how, seed * 7919u, &other);
			ck_assert_int_eq(other.rc, whole.rc);
			ck_assert_uint_eq(other.consumed, whole.consumed);
			ck_assert_int_eq(other.reply.code, whole.reply.code);
			ck_assert_uint_eq(other.reply.nlines, whole.reply.nlines);
			ck_assert_uint_eq(other.reply.len, whole.reply.len);
			ck_assert(memcmp(other.reply.text, whole.reply.text,
			                 whole.reply.len + 1) == 0);
			ck_assert((other.errmsg == NULL) == (whole.errmsg == NULL));
		}
	}
	/* The documented invariants hold whatever happened. */
	ck_assert_uint_le(whole.reply.len, FTPS_MAX_REPLY_BYTES);
	ck_assert_uint_eq(strlen(whole.reply.text), whole.reply.len);
	ck_assert_uint_le(whole.reply.nlines, FTPS_MAX_REPLY_LINES);
	if (whole.rc == FTPS_REPLY_ERROR)
		ck_assert_ptr_nonnull(whole.errmsg);
	return &whole;
}

static struct run *parse_str(const char *s)
{
	return parse(s, strlen(s));
}

static void expect_done(const char *in, int code, size_t nlines, const char *text)
{
	struct run *r = parse_str(in);

	ck_assert_msg(r->rc == FTPS_REPLY_DONE, "not DONE (%d, %s) for %s", r->rc,
	              r->errmsg ? r->errmsg : "-", in);
	ck_assert_int_eq(r->reply.code, code);
	ck_assert_uint_eq(r->reply.nlines, nlines);
	ck_assert_str_eq(r->reply.text, text);
	ck_assert_uint_eq(r->consumed, strlen(in));
}

static void expect_error(const char *in)
{
	struct run *r = parse_str(in);

	ck_assert_msg(r->rc == FTPS_REPLY_ERROR, "not ERROR (%d) for %s", r->rc, in);
	ck_assert_ptr_nonnull(r->errmsg);
	ck_assert(strlen(r->errmsg) > 0);
}

/* A buffer of n copies of c. */
static char *filled(size_t n, char c)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(single_crlf)
{
	expect_done("220 (vsFTPd 3.0.3)\r\n", 220, 1, "220 (vsFTPd 3.0.3)");
}
END_TEST

START_TEST(single_lf_only)
{
	expect_done("230 Login successful.\n", 230, 1, "230 Login successful.");
}
END_TEST

START_TEST(code_only)
{
	expect_done("220\r\n", 220, 1, "220");
	expect_done("200\n", 200, 1, "200");
}
END_TEST

START_TEST(code_space_no_text)
{
	expect_done("257 \r\n", 257, 1, "257 ");
}
END_TEST

START_TEST(preliminary_1xx)
{
	expect_done("150 Opening BINARY mode data connection.\r\n", 150, 1,
	            "150 Opening BINARY mode data connection.");
}
END_TEST

START_TEST(code_bounds)
{
	expect_done("100 x\r\n", 100, 1, "100 x");
	expect_done("599 x\r\n", 599, 1, "599 x");
	expect_error("099 x\r\n");
	expect_error("600 x\r\n");
	expect_error("999 x\r\n");
}
END_TEST

START_TEST(multiline_feat)
{
	expect_done("211-Features:\r\n"
	            " MLST type*;size*;modify*;perm*;unix.mode;\r\n"
	            " EPSV\r\n"
	            " UTF8\r\n"
	            "211 End\r\n", 211, 5,
	            "211-Features:\n MLST type*;size*;modify*;perm*;unix.mode;\n"
	            " EPSV\n UTF8\n211 End");
}
END_TEST

START_TEST(multiline_tricky_continuations)
{
	/* Lines with other codes, the same code with '-', an indented code
	 * and a line of digits are all text until "230 ". */
	expect_done("230-Welcome\r\n"
	            "220 not the end\r\n"
	            "230-still going\r\n"
	            " 230 indented\r\n"
	            "2301 digits\r\n"
	            "230x letters\r\n"
	            "\r\n"
	            "230 Login successful.\r\n", 230, 8,
	            "230-Welcome\n220 not the end\n230-still going\n 230 indented\n"
	            "2301 digits\n230x letters\n\n230 Login successful.");
}
END_TEST

START_TEST(multiline_end_code_only)
{
	expect_done("211-Status\n text\n211\n", 211, 3, "211-Status\n text\n211");
}
END_TEST

START_TEST(multiline_mixed_line_ends)
{
	expect_done("250-a\n250-b\r\n250 c\n", 250, 3, "250-a\n250-b\n250 c");
}
END_TEST

START_TEST(multiline_other_code_does_not_end)
{
	struct run *r = parse_str("230-first\r\n231 other\r\n");

	ck_assert_int_eq(r->rc, FTPS_REPLY_MORE);
	ck_assert_uint_eq(r->consumed, strlen("230-first\r\n231 other\r\n"));
}
END_TEST

START_TEST(bare_cr_kept)
{
	expect_done("220 a\rb\r\n", 220, 1, "220 a\rb");
	/* A CR right before the LF is the line end; one before it stays. */
	expect_done("220 x\r\r\n", 220, 1, "220 x\r");
}
END_TEST

START_TEST(nul_dropped)
{
	static const char in[] = "220 a\r\0b\0\r\n";
	struct run *r = parse(in, sizeof(in) - 1);

	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	ck_assert_str_eq(r->reply.text, "220 a\rb");
	ck_assert_uint_eq(r->reply.len, 7);
	ck_assert_uint_eq(r->consumed, sizeof(in) - 1);
}
END_TEST

START_TEST(invalid_codes)
{
	expect_error("abc hello\r\n");
	expect_error("22 short\r\n");
	expect_error("22\r\n");
	expect_error("2200 four digits\r\n");
	expect_error("220x\r\n");
	expect_error("220\tTab\r\n");
	expect_error(" 220 leading blank\r\n");
	expect_error("\r\n");
	expect_error("\n");
	expect_error("-220 x\r\n");
	expect_error("\x16\x03\x01\x02\x01 TLS record\n");
}
END_TEST

START_TEST(incomplete_is_more)
{
	struct run *r = parse_str("220 no line end yet");

	ck_assert_int_eq(r->rc, FTPS_REPLY_MORE);
	ck_assert_uint_eq(r->consumed, strlen("220 no line end yet"));
	r = parse_str("230-first\r\n230-second\r\n");
	ck_assert_int_eq(r->rc, FTPS_REPLY_MORE);
	r = parse_str("");
	ck_assert_int_eq(r->rc, FTPS_REPLY_MORE);
	ck_assert_uint_eq(r->consumed, 0);
}
END_TEST

START_TEST(stops_after_reply)
{
	static const char in[] = "150 Opening\r\n226 Transfer complete\r\n";
	struct ftps_reply_parser *p = malloc(sizeof(*p));
	size_t used = 0;

	/* Each way of feeding stops at the same byte. */
	struct run *r = parse_str(in);
	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r->consumed, strlen("150 Opening\r\n"));

	ck_assert_ptr_nonnull(p);
	ftps_reply_parser_init(p);
	ck_assert_int_eq(ftps_reply_feed(p, in, strlen(in), &used), FTPS_REPLY_DONE);
	ck_assert_int_eq(p->reply.code, 150);
	ck_assert_uint_eq(used, 13);
	/* DONE is sticky until init. */
	size_t again = 99;
	ck_assert_int_eq(ftps_reply_feed(p, in + used, strlen(in) - used, &again),
	                 FTPS_REPLY_DONE);
	ck_assert_uint_eq(again, 0);
	ck_assert_int_eq(p->reply.code, 150);
	/* The rest is the next reply. */
	ftps_reply_parser_init(p);
	ck_assert_int_eq(ftps_reply_feed(p, in + used, strlen(in) - used, &again),
	                 FTPS_REPLY_DONE);
	ck_assert_int_eq(p->reply.code, 226);
	ck_assert_str_eq(p->reply.text, "226 Transfer complete");
	ck_assert_uint_eq(used + again, strlen(in));
	free(p);
}
END_TEST

START_TEST(multiline_stops_after_reply)
{
	static const char in[] = "230-a\n230 b\n221 bye\n";
	struct run *r = parse_str(in);

	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r->consumed, strlen("230-a\n230 b\n"));
	ck_assert_uint_eq(r->reply.nlines, 2);
}
END_TEST

START_TEST(error_is_sticky)
{
	struct ftps_reply_parser *p = malloc(sizeof(*p));
	size_t used = 0;

	ck_assert_ptr_nonnull(p);
	ftps_reply_parser_init(p);
	ck_assert_int_eq(ftps_reply_feed(p, "xyz\r\n", 5, &used), FTPS_REPLY_ERROR);
	ck_assert_uint_eq(used, 5);
	ck_assert_ptr_nonnull(p->errmsg);
	ck_assert_int_eq(ftps_reply_feed(p, "220 ok\r\n", 8, &used), FTPS_REPLY_ERROR);
	ck_assert_uint_eq(used, 0);
	/* init recovers. */
	ftps_reply_parser_init(p);
	ck_assert_ptr_null(p->errmsg);
	ck_assert_int_eq(ftps_reply_feed(p, "220 ok\r\n", 8, &used), FTPS_REPLY_DONE);
	free(p);
}
END_TEST

/* "200 " + pad to exactly n bytes of line, then line end. */
static char *line_of(size_t n, const char *eol)
{
	size_t el = strlen(eol);
	char *s = filled(n + el, 'a');

	memcpy(s, "200 ", 4);
	memcpy(s + n, eol, el);
	return s;
}

START_TEST(line_at_bound)
{
	char *crlf = line_of(FTPS_MAX_LINE, "\r\n");
	char *lf = line_of(FTPS_MAX_LINE, "\n");
	struct run *r;

	r = parse_str(crlf);
	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r->reply.len, FTPS_MAX_LINE);
	r = parse_str(lf);
	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r->reply.len, FTPS_MAX_LINE);
	free(crlf);
	free(lf);
}
END_TEST

START_TEST(line_over_bound)
{
	char *crlf = line_of(FTPS_MAX_LINE + 1, "\r\n");
	char *lf = line_of(FTPS_MAX_LINE + 1, "\n");
	char *none = line_of(FTPS_MAX_LINE * 3, "");
	struct run *r;

	expect_error(crlf);
	expect_error(lf);
	/* Without any line end, it fails as soon as the bound is passed,
	 * without waiting for more. */
	r = parse_str(none);
	ck_assert_int_eq(r->rc, FTPS_REPLY_ERROR);
	ck_assert_uint_eq(r->consumed, FTPS_MAX_LINE + 2);
	free(crlf);
	free(lf);
	free(none);
}
END_TEST

START_TEST(line_over_bound_in_block)
{
	char *body = line_of(FTPS_MAX_LINE + 1, "\r\n");
	size_t n = strlen(body) + 32;
	char *in = malloc(n);

	ck_assert_ptr_nonnull(in);
	snprintf(in, n, "230-x\r\n%s230 y\r\n", body);
	expect_error(in);
	free(body);
	free(in);
}
END_TEST

/* A multi-line reply of nlines lines: "211-a", "a"..., "211 a". */
static char *block_of(size_t nlines)
{
	size_t cap = nlines * 8 + 16, len = 0, i;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	len += (size_t)snprintf(s + len, cap - len, "211-a\r\n");
	for (i = 2; i < nlines; i++)
		len += (size_t)snprintf(s + len, cap - len, " a\r\n");
	snprintf(s + len, cap - len, "211 a\r\n");
	return s;
}

START_TEST(lines_at_bound)
{
	char *in = block_of(FTPS_MAX_REPLY_LINES);
	struct run *r = parse_str(in);

	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	ck_assert_uint_eq(r->reply.nlines, FTPS_MAX_REPLY_LINES);
	free(in);
}
END_TEST

START_TEST(lines_over_bound)
{
	char *in = block_of(FTPS_MAX_REPLY_LINES + 1);

	expect_error(in);
	free(in);
}
END_TEST

/* A multi-line reply whose text is exactly total bytes: "211-", middle
 * lines of up to FTPS_MAX_LINE bytes, and "211 " + k bytes, joined by
 * '\n' (LF line ends, so text and input differ only in the last LF). */
static char *bytes_of(size_t total)
{
	size_t cap = total + 16, len = 4, rest = total - 4, m;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	memcpy(s, "211-", 4);
	/* The last line costs 5 + k bytes of text, k <= FTPS_MAX_LINE - 4. */
	while (rest > FTPS_MAX_LINE + 1) {
		m = FTPS_MAX_LINE;
		if (rest - 1 - m < 5)
			m = rest - 6;
		s[len++] = '\n';
		memset(s + len, 'b', m);
		len += m;
		rest -= 1 + m;
	}
	memcpy(s + len, "\n211 ", 5);
	len += 5;
	memset(s + len, 'c', rest - 5);
	len += rest - 5;
	s[len++] = '\n';
	s[len] = '\0';
	return s;
}

START_TEST(bytes_at_bound)
{
	char *in = bytes_of(FTPS_MAX_REPLY_BYTES);
	struct run *r = parse_str(in);

	ck_assert_msg(r->rc == FTPS_REPLY_DONE, "%s", r->errmsg ? r->errmsg : "");
	ck_assert_uint_eq(r->reply.len, FTPS_MAX_REPLY_BYTES);
	ck_assert_uint_eq(strlen(r->reply.text), FTPS_MAX_REPLY_BYTES);
	free(in);
}
END_TEST

START_TEST(bytes_over_bound)
{
	char *in = bytes_of(FTPS_MAX_REPLY_BYTES + 1);

	expect_error(in);
	free(in);
}
END_TEST

START_TEST(random_junk_never_breaks_bounds)
{
	/* Pseudo-random bytes biased towards digits, blanks and line ends:
	 * whatever comes out, the invariants checked in parse() hold. */
	static const char alphabet[] = "0123456789 -\r\n\nabc\0";
	char buf[600];

	for (uint32_t round = 0; round < 200; round++) {
		rng_state = round * 2654435761u + 1;
		size_t n = 1 + rng() % sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
		if (round % 3 == 0)
			memcpy(buf, "220-", n < 4 ? n : 4);
		parse(buf, n);
	}
}
END_TEST

START_TEST(zero_length_feed)
{
	struct ftps_reply_parser *p = malloc(sizeof(*p));
	size_t used = 99;

	ck_assert_ptr_nonnull(p);
	ftps_reply_parser_init(p);
	ck_assert_int_eq(ftps_reply_feed(p, "", 0, &used), FTPS_REPLY_MORE);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(ftps_reply_feed(p, "2", 1, &used), FTPS_REPLY_MORE);
	ck_assert_int_eq(ftps_reply_feed(p, "", 0, &used), FTPS_REPLY_MORE);
	ck_assert_int_eq(ftps_reply_feed(p, "21 x\n", 5, &used), FTPS_REPLY_DONE);
	ck_assert_int_eq(p->reply.code, 221);
	free(p);
}
END_TEST

static const char *brief_of(const char *in, char *buf, size_t buflen)
{
	struct run *r = parse_str(in);

	ck_assert_int_eq(r->rc, FTPS_REPLY_DONE);
	return ftps_reply_brief(&r->reply, buf, buflen);
}

START_TEST(brief_single)
{
	char buf[64];

	ck_assert_str_eq(brief_of("550 No such file.\r\n", buf, sizeof(buf)),
	                 "No such file.");
	ck_assert_str_eq(brief_of("220\r\n", buf, sizeof(buf)), "");
	ck_assert_str_eq(brief_of("220    padded   \r\n", buf, sizeof(buf)), "padded");
}
END_TEST

START_TEST(brief_multiline)
{
	char buf[64];

	ck_assert_str_eq(brief_of("230-Welcome, alice\r\n motd\r\n230 Login ok\r\n",
	                          buf, sizeof(buf)), "Welcome, alice");
	/* An empty first line: the last line speaks. */
	ck_assert_str_eq(brief_of("230-\r\n motd\r\n230 Login ok\r\n", buf,
	                          sizeof(buf)), "Login ok");
	ck_assert_str_eq(brief_of("211-\n211\n", buf, sizeof(buf)), "");
}
END_TEST

START_TEST(brief_sanitised_and_bounded)
{
	char buf[8];
	char big[32];

	ck_assert_str_eq(brief_of("500 a\rb\x1b[c\r\n", big, sizeof(big)), "a b [c");
	ck_assert_str_eq(brief_of("500 0123456789\r\n", buf, sizeof(buf)), "0123456");
	ck_assert_str_eq(brief_of("500 x\r\n", buf, 1), "");
	ck_assert_str_eq(ftps_reply_brief(&parse_str("500 x\r\n")->reply, NULL, 0), "");
	/* A reply never parsed (all zero) is empty too. */
	static struct ftps_reply empty;
	ck_assert_str_eq(ftps_reply_brief(&empty, buf, sizeof(buf)), "");
}
END_TEST

static Suite *reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("parser");
	TCase *tb = tcase_create("bounds");
	TCase *tr = tcase_create("brief");

	tcase_add_test(tc, single_crlf);
	tcase_add_test(tc, single_lf_only);
	tcase_add_test(tc, code_only);
	tcase_add_test(tc, code_space_no_text);
	tcase_add_test(tc, preliminary_1xx);
	tcase_add_test(tc, code_bounds);
	tcase_add_test(tc, multiline_feat);
	tcase_add_test(tc, multiline_tricky_continuations);
	tcase_add_test(tc, multiline_end_code_only);
	tcase_add_test(tc, multiline_mixed_line_ends);
	tcase_add_test(tc, multiline_other_code_does_not_end);
	tcase_add_test(tc, bare_cr_kept);
	tcase_add_test(tc, nul_dropped);
	tcase_add_test(tc, invalid_codes);
	tcase_add_test(tc, incomplete_is_more);
	tcase_add_test(tc, stops_after_reply);
	tcase_add_test(tc, multiline_stops_after_reply);
	tcase_add_test(tc, error_is_sticky);
	tcase_add_test(tc, zero_length_feed);
	tcase_add_test(tc, random_junk_never_breaks_bounds);
	suite_add_tcase(s, tc);

	tcase_add_test(tb, line_at_bound);
	tcase_add_test(tb, line_over_bound);
	tcase_add_test(tb, line_over_bound_in_block);
	tcase_add_test(tb, lines_at_bound);
	tcase_add_test(tb, lines_over_bound);
	tcase_add_test(tb, bytes_at_bound);
	tcase_add_test(tb, bytes_over_bound);
	/* Byte-by-byte feeding of 64 KiB is slow under valgrind. */
	tcase_set_timeout(tb, 120);
	suite_add_tcase(s, tb);

	tcase_add_test(tr, brief_single);
	tcase_add_test(tr, brief_multiline);
	tcase_add_test(tr, brief_sanitised_and_bounded);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reply_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
