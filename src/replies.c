/* replies.c - the meaning of the replies to SIZE, MDTM, MLST, HASH and the
 * X-hash commands (see replies.h).
 *
 * What servers send (the MLST fact lines cut short):
 *
 *   213 12                                   SIZE: vsftpd, ProFTPD, pure-ftpd
 *   213 20240102030405                       MDTM: the same three
 *   213 20240102030405.123                   MDTM with a fraction (RFC 3659)
 *   250-Start of list for /d/f.txt           MLST: ProFTPD
 *    modify=20240102030405;perm=adfrw;size=12;type=file; /d/f.txt
 *   250 End of list
 *   250-Begin                                MLST: pure-ftpd (vsftpd has none)
 *    type=file;size=12;modify=20240102030405;UNIX.mode=0666; /d/f.txt
 *   250 End.
 *   213 SHA-256 0-49 169cd22282da... f.txt   HASH (the draft)
 *   213-Computing SHA-512 digest             HASH: ProFTPD (mod_digest)
 *   213 SHA-512 0-12 db3974a97f24... /f.txt
 *   250 0123abcd                             XCRC, XMD5, XSHA1, ...
 *   250-Computing CRC32 digest               XCRC: ProFTPD (mod_digest)
 *   250 AF083B2D
 *
 * Every scan is bounded by len, never by a NUL: the fuzz target hands these
 * functions bytes that end exactly at len.
 */
#include <string.h>
#include <time.h>

#include "replies.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int ftps_parse_size_reply(const char *text, size_t len, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 3;           /* past the code */

	if (text == NULL || len <= i)
		return -1;
	while (i < len && (text[i] == ' ' || text[i] == '-'))
		i++;
	if (i == len || !is_digit(text[i]))
		return -1;
	for (; i < len && is_digit(text[i]); i++) {
		unsigned d = (unsigned)(text[i] - '0');
		/* A size past 2^64-1 is refused, not wrapped. */
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*size = v;
	return 0;
}

int ftps_parse_mdtm_reply(const char *text, size_t len, int64_t *mtime)
{
	enum ftps_tprec prec;
	int32_t nsec;
	int64_t t;
	size_t start = len < 4 ? len : 4, n = 0;

	if (text == NULL)
		return -1;
	/* The digits and dots of the time; ftps_parse_time14 checks them. */
	while (start + n < len && (is_digit(text[start + n]) || text[start + n] == '.'))
		n++;
	if (ftps_parse_time14(text + start, n, &t, &nsec, &prec) != 0)
		return -1;
	*mtime = t;
	return 0;
}

/* The fact line of an MLST reply: " facts name", name a full path. The
 * line is rebuilt with the last component as its name, which is what
 * ftps_parse_mlsx_line wants. */
static int mlst_fact_line(const char *line, size_t len, struct ftps_entry *e)
{
	char buf[FTPS_MAX_LINE + 1];
	const char *sp, *name, *slash, *base;
	size_t facts, blen;

	/* The name follows the first space after the leading one. */
	sp = memchr(line + 1, ' ', len - 1);
	if (sp == NULL || len >= sizeof(buf))
		return -1;
	name = sp + 1;
	facts = (size_t)(name - line);
	slash = memrchr(name, '/', len - facts);
	base = slash ? slash + 1 : name;
	blen = len - (size_t)(base - line);
	if (blen == 0) {                /* "/" itself */
		base = "root";
		blen = 4;
	}
	if (facts + blen >= sizeof(buf))
		return -1;
	memcpy(buf, line, facts);
	memcpy(buf + facts, base, blen);
	return ftps_parse_mlsx_line(buf, facts + blen, e) == 0 ? 0 : -1;
}

int ftps_parse_mlst_reply(const char *text, size_t len, struct ftps_entry *e)
{
	const char *end, *line, *eol;
	size_t n;

	if (text == NULL)
		return -1;
	end = text + len;
	/* The first line is "250-..."; the facts are on the first indented
	 * line after it, and only that one is tried. */
	line = memchr(text, '\n', len);
	while (line != NULL) {
		line++;
		eol = memchr(line, '\n', (size_t)(end - line));
		n = eol ? (size_t)(eol - line) : (size_t)(end - line);
		if (n > 0 && line[0] == ' ')
			return mlst_fact_line(line, n, e);
		line = eol;
	}
	return -1;
}

/* The text after the code on the last line: multi-line replies carry their
 * result there. Empty when the line is only a code and its separator. */
static const char *last_text(const char *text, size_t len, size_t *tlen)
{
	const char *nl = memrchr(text, '\n', len);
	const char *line = nl ? nl + 1 : text;
	size_t n = len - (size_t)(line - text);

	if (n <= 4) {
		*tlen = 0;
		return line + n;
	}
	*tlen = n - 4;
	return line + 4;
}

/* The hex digits at s, in lower case, into out. At least 8 (a CRC32), and
 * room for them and the NUL. */
static int copy_hex(const char *s, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	while (n < len && is_hex(s[n]))
		n++;
	if (out == NULL || n < 8 || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)((s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i]);
	out[n] = '\0';
	return 0;
}

int ftps_parse_hash_reply(const char *text, size_t len, char *out, size_t outlen)
{
	const char *p, *sp;
	size_t plen;

	if (text == NULL)
		return -1;
	p = last_text(text, len, &plen);
	/* Past "SHA-256 " and "0-49 ", one space each. */
	for (int field = 0; field < 2; field++) {
		sp = memchr(p, ' ', plen);
		if (sp == NULL)
			return -1;
		plen -= (size_t)(sp + 1 - p);
		p = sp + 1;
	}
	return copy_hex(p, plen, out, outlen);
}

int ftps_parse_xhash_reply(const char *text, size_t len, char *out, size_t outlen)
{
	const char *p;
	size_t plen;

	if (text == NULL)
		return -1;
	p = last_text(text, len, &plen);
	while (plen > 0 && *p == ' ') {
		p++;
		plen--;
	}
	return copy_hex(p, plen, out, outlen);
}

int ftps_format_mdtm(int64_t mtime, char *out, size_t outlen)
{
	time_t t = (time_t)mtime;
	struct tm tm;

	if (outlen < 15 || mtime < 0 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999)
		return -1;
	return strftime(out, outlen, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : -1;
}
